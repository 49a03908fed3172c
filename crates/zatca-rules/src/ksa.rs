//! The KSA Schematron (`20210819_ZATCA_E-invoice_Validation_Rules.xsl`): each rule's context
//! and the assertions implemented so far, written from the rule file's XSLT (the `guard` of
//! each assertion in the table).

use roxmltree::Node;

use crate::decimal::Dec;
use crate::engine::{Cx, DocumentCache, Template, nothing};
use crate::table::Schematron;
use crate::xpath::{
    DynamicError, INVOICE, NS_CN, Name, Xr, any_boolean_eq, any_name_matches, any_non_empty,
    anywhere, at, at_any_root, at_most_two_decimals, cac, cbc, children, ends_with, exists,
    has_text, id_is, in_code_list, is, ksa_date, matches_opt, normalize_space, one, regex, select,
    str_anywhere, str1, string, string_length, substring, tax_category_id, to_boolean, to_double,
    upper_case, vat_category,
};

const CREDIT_NOTE: Name = (NS_CN, "CreditNote");
const NS_SIG: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonSignatureComponents-2";
const NS_SAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2";
const NS_SBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:SignatureBasicComponents-2";
const NS_EXT: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2";

const CUSTOMER_ADDRESS: [Name; 3] = [
    cac("AccountingCustomerParty"),
    cac("Party"),
    cac("PostalAddress"),
];

/// `//cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/FIELD…`.
fn customer_address(field: &[Name]) -> Vec<Name> {
    CUSTOMER_ADDRESS.iter().chain(field).copied().collect()
}

/// A standard document (`boolean(//*[matches(@name, '01\d{5}')])`).
fn standard(n: Node<'_, '_>) -> bool {
    any_name_matches(n, regex!(r"01\d{5}"))
}

/// A simplified document (`boolean(//*[matches(@name, '02\d{5}')])`).
fn simplified(n: Node<'_, '_>) -> bool {
    any_name_matches(n, regex!(r"02\d{5}"))
}

/// `exists(X) and string-length(X) > max` on one optional node.
fn longer_than(n: Node<'_, '_>, path: &[Name], max: usize) -> Xr<bool> {
    Ok(exists(n, path) && string_length(&str1(n, path)?) > max)
}

/// `exists(X) and (string-length(X) > max or string-length(X) < 1)`.
fn outside(n: Node<'_, '_>, path: &[Name], max: usize) -> Xr<bool> {
    if !exists(n, path) {
        return Ok(false);
    }
    let len = string_length(&str1(n, path)?);
    Ok(!(1..=max).contains(&len))
}

/// The same on `//path` (anywhere in the document).
fn anywhere_longer_than(n: Node<'_, '_>, path: &[Name], max: usize) -> Xr<bool> {
    Ok(!anywhere(n, path).is_empty() && string_length(&str_anywhere(n, path)?) > max)
}

fn anywhere_outside(n: Node<'_, '_>, path: &[Name], max: usize) -> Xr<bool> {
    if anywhere(n, path).is_empty() {
        return Ok(false);
    }
    let len = string_length(&str_anywhere(n, path)?);
    Ok(!(1..=max).contains(&len))
}

/// `cac:AdditionalDocumentReference[normalize-space(cbc:ID) = 'CODE']` children of `n`.
fn document_references<'a, 'i>(n: Node<'a, 'i>, code: &str) -> Xr<Vec<Node<'a, 'i>>> {
    let mut out = Vec::new();
    for r in children(n, cac("AdditionalDocumentReference")) {
        if id_is(r, code)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// `matches(path, P)` on one optional node (`""` when absent).
fn path_matches(n: Node<'_, '_>, path: &[Name], pattern: Option<&regex::Regex>) -> Xr<bool> {
    Ok(matches_opt(&str1(n, path)?, pattern))
}

/// `[cbc:ChargeIndicator = B]` in an expression (a cast error stops the transformation).
fn charge(n: Node<'_, '_>, value: bool) -> Xr<bool> {
    any_boolean_eq(n, &[cbc("ChargeIndicator")], value)
}

fn check_document(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    if longer_than(n, &[cac("OrderReference"), cbc("ID")], 127)? {
        cx.fail("BR-KSA-F-06-C3");
    }
    if longer_than(n, &[cac("ContractDocumentReference"), cbc("ID")], 127)? {
        cx.fail("BR-KSA-F-06-C5");
    }
    let uuid_ok = any_non_empty(n, &[cbc("UUID")])
        && path_matches(n, &[cbc("UUID")], regex!(r"^(?:[.\-]|[^\p{P}\p{Z}\p{C}])"))?;
    cx.assert("BR-KSA-03", uuid_ok);
    if simplified(n) {
        let qr = document_references(n, "QR")?;
        let objects: Vec<Node<'_, '_>> = qr
            .iter()
            .flat_map(|r| {
                select(
                    *r,
                    &[cac("Attachment"), cbc("EmbeddedDocumentBinaryObject")],
                )
            })
            .collect();
        // `cac:AdditionalDocumentReference[cbc:ID = 'QR']` (not normalized) in the last two terms.
        let exact_qr: Vec<Node<'_, '_>> = children(n, cac("AdditionalDocumentReference"))
            .filter(|r| children(*r, cbc("ID")).any(|id| string(id) == "QR"))
            .flat_map(|r| select(r, &[cac("Attachment"), cbc("EmbeddedDocumentBinaryObject")]))
            .collect();
        let mut ok = !qr.is_empty() && !objects.is_empty();
        if ok {
            ok = match exact_qr.as_slice() {
                [] => false,
                [one] => has_text(&string(*one)),
                _ => return Err(DynamicError),
            };
        }
        if ok {
            ok = exact_qr.iter().any(|o| {
                normalize_space(o.attribute("mimeCode").unwrap_or_default()) == "text/plain"
            });
        }
        cx.assert("BR-KSA-27", ok);
    }
    let qr_objects: Vec<Node<'_, '_>> = document_references(n, "QR")?
        .into_iter()
        .flat_map(|r| select(r, &[cac("Attachment"), cbc("EmbeddedDocumentBinaryObject")]))
        .collect();
    if !qr_objects.is_empty() {
        let len = match qr_objects.as_slice() {
            [one] => string_length(&string(*one)),
            _ => return Err(DynamicError),
        };
        if !(1..=700).contains(&len) {
            cx.fail("BR-CL-KSA-14");
        }
    }
    let icv = !document_references(n, "ICV")?.is_empty();
    cx.assert(
        "BR-KSA-33",
        icv && any_non_empty(n, &[cac("AdditionalDocumentReference"), cbc("UUID")]),
    );
    let uuids = select(n, &[cac("AdditionalDocumentReference"), cbc("UUID")]);
    let icv_digits = match uuids.as_slice() {
        [] => matches_opt("", regex!(r"^[0-9]*$")),
        [one] => matches_opt(&string(*one), regex!(r"^[0-9]*$")),
        _ => return Err(DynamicError),
    };
    cx.assert("BR-KSA-34", icv_digits);
    let company = |party: &'static str| {
        select(
            n,
            &[
                cac(party),
                cac("Party"),
                cac("PartyTaxScheme"),
                cbc("CompanyID"),
            ],
        )
    };
    let (seller, buyer) = (
        company("AccountingSupplierParty"),
        company("AccountingCustomerParty"),
    );
    let non_empty = |v: &[Node<'_, '_>]| v.iter().any(|x| !string(*x).is_empty());
    let same = buyer
        .iter()
        .any(|b| seller.iter().any(|s| string(*b) == string(*s)));
    if non_empty(&seller) && non_empty(&buyer) && same {
        cx.fail("BR-CUSTOM-VALIDATION-01");
    }
    let mut seller_vat_scheme = false;
    for scheme in select(
        n,
        &[
            cac("AccountingSupplierParty"),
            cac("Party"),
            cac("PartyTaxScheme"),
            cac("TaxScheme"),
        ],
    ) {
        seller_vat_scheme |= id_is(scheme, "VAT")?;
    }
    cx.assert("BR-KSA-39", non_empty(&seller) && seller_vat_scheme);
    let pih = document_references(n, "PIH")?;
    let pih_objects: Vec<Node<'_, '_>> = pih
        .iter()
        .flat_map(|r| {
            select(
                *r,
                &[cac("Attachment"), cbc("EmbeddedDocumentBinaryObject")],
            )
        })
        .collect();
    let pih_ok = !pih.is_empty()
        && !pih_objects.is_empty()
        && pih_objects.iter().any(|o| !string(*o).is_empty())
        && pih_objects
            .iter()
            .any(|o| normalize_space(o.attribute("mimeCode").unwrap_or_default()) == "text/plain");
    cx.assert("BR-KSA-61", pih_ok);
    cx.assert("BR-KSA-68", any_non_empty(n, &[cbc("TaxCurrencyCode")]));
    for ac in n
        .document()
        .descendants()
        .filter(|d| is(*d, cac("AllowanceCharge")))
    {
        let on_price = ac.parent().is_some_and(|p| is(p, cac("Price")));
        if charge(ac, true)? && !on_price {
            let code = str1(ac, &[cbc("AllowanceChargeReasonCode")])?;
            // `contains(LIST, code)`: a substring test, not the code-list idiom.
            if !cx.code_list("BR-KSA-CL-06", 0).contains(&*code) {
                cx.fail("BR-KSA-CL-06");
            }
        }
    }
    let times = select(n, &[cbc("IssueTime")]);
    let time_ok = match times.as_slice() {
        [] => false,
        [t] => {
            let t = string(*t);
            !t.is_empty()
                && (matches_opt(
                    &t,
                    regex!(r"^([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])$"),
                ) || matches_opt(
                    &t,
                    regex!(r"^([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])Z$"),
                ))
        }
        _ => return Err(DynamicError),
    };
    cx.assert("BR-KSA-70", time_ok);
    Ok(())
}

fn check_customer_party(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    if standard(n) && !exists(n, &[cac("PartyTaxScheme"), cbc("CompanyID")]) {
        let id = [cac("PartyIdentification"), cbc("ID")];
        let ok = exists(n, &id) && has_text(&str1(n, &id)?);
        cx.assert("BR-KSA-81", ok);
    }
    Ok(())
}

fn check_education_health_exemption(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let ids = anywhere(
        n,
        &[
            cac("AccountingCustomerParty"),
            cac("Party"),
            cac("PartyIdentification"),
            cbc("ID"),
        ],
    );
    let national = ids.iter().any(|id| id.attribute("schemeID") == Some("NAT"));
    cx.assert("BR-KSA-49", !ids.is_empty() && national);
    Ok(())
}

fn check_issue_date(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    if let Some(date) = ksa_date(&string(n)) {
        let (y, m, d) = date;
        if (y, m, d) > cx.today {
            cx.fail("BR-KSA-04");
        }
    }
    Ok(())
}

fn check_type_code(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert(
        "BR-KSA-05",
        in_code_list(cx.code_list("BR-KSA-05", 0), &string(n)),
    );
    let name = n.attribute("name").unwrap_or_default();
    let bit = |i: usize| matches!(substring(name, i, 1).as_str(), "0" | "1");
    let ok = string_length(name) == 7
        && matches!(substring(name, 1, 2).as_str(), "01" | "02")
        && (3..=7).all(bit);
    cx.assert("BR-KSA-06", ok);
    Ok(())
}

fn check_seller(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let path = [cac("Party"), cac("PartyIdentification"), cbc("ID")];
    let ids = select(n, &path);
    let mut ok = !ids.is_empty();
    if ok {
        let schemes: Vec<&str> = ids.iter().filter_map(|i| i.attribute("schemeID")).collect();
        let scheme = match schemes.as_slice() {
            [] => "",
            [one] => one,
            _ => return Err(DynamicError),
        };
        ok = string_length(&normalize_space(scheme)) > 2
            && cx.code_list("BR-KSA-08", 0).contains(scheme)
            && path_matches(n, &path, regex!(r"^[a-zA-Z0-9]+$"))?;
    }
    cx.assert("BR-KSA-08", ok);
    Ok(())
}

fn check_customer_identification(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let scheme = n.attribute("schemeID").unwrap_or_default();
    let ok = string_length(&normalize_space(scheme)) > 2
        && "TIN NAT IQA PAS CRN MOM MLS 700 SAG GCC OTH".contains(scheme)
        && matches_opt(&string(n), regex!(r"^[a-zA-Z0-9]*$"));
    cx.assert("BR-KSA-14", ok);
    Ok(())
}

fn check_seller_address(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    if outside(n, &[cbc("StreetName")], 1000)? {
        cx.fail("BR-KSA-F-06-C4");
    }
    let all = [
        &[cbc("StreetName")][..],
        &[cbc("BuildingNumber")],
        &[cbc("CityName")],
        &[cbc("PostalZone")],
        &[cbc("CitySubdivisionName")],
        &[cac("Country"), cbc("IdentificationCode")],
    ]
    .iter()
    .all(|p| exists(n, p));
    cx.assert("BR-KSA-09", all);
    if anywhere_longer_than(n, &customer_address(&[cbc("AdditionalStreetName")]), 127)? {
        cx.fail("BR-KSA-F-06-C11");
    }
    if outside(n, &[cbc("CityName")], 127)? {
        cx.fail("BR-KSA-F-06-C7");
    }
    if longer_than(n, &[cbc("AdditionalStreetName")], 127)? {
        cx.fail("BR-KSA-F-06-C6");
    }
    let zone = exists(n, &[cbc("PostalZone")])
        && path_matches(n, &[cbc("PostalZone")], regex!(r"^[0-9]{5}$"))?;
    cx.assert("BR-KSA-66", zone);
    Ok(())
}

fn check_pih_attachment(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let objects: Vec<Node<'_, '_>> = children(n, cbc("EmbeddedDocumentBinaryObject")).collect();
    let ok = objects.iter().any(|o| !string(*o).is_empty())
        && objects
            .iter()
            .any(|o| normalize_space(o.attribute("mimeCode").unwrap_or_default()) == "text/plain");
    cx.assert("BR-KSA-26", ok);
    Ok(())
}

fn check_attachment(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    if !simplified(n) {
        return Ok(());
    }
    let has_object =
        children(n, cbc("EmbeddedDocumentBinaryObject")).any(|o| !string(o).is_empty());
    let info = [
        (NS_EXT, "UBLExtensions"),
        (NS_EXT, "UBLExtension"),
        (NS_EXT, "ExtensionContent"),
        (NS_SIG, "UBLDocumentSignatures"),
        (NS_SAC, "SignatureInformation"),
    ];
    let info_id: Vec<Name> = info.iter().copied().chain([cbc("ID")]).collect();
    let signature_information = anywhere(n, &info_id)
        .iter()
        .any(|id| string(*id) == "urn:oasis:names:specification:ubl:signature:1");
    cx.assert("BR-KSA-28", has_object && signature_information);
    let signature_id = anywhere(n, &[cac("Signature"), cbc("ID")])
        .iter()
        .any(|id| string(*id) == "urn:oasis:names:specification:ubl:signature:Invoice");
    let referenced: Vec<Name> = info
        .iter()
        .copied()
        .chain([(NS_SBC, "ReferencedSignatureID")])
        .collect();
    let ok = signature_id
        && normalize_space(&str_anywhere(n, &referenced)?)
            == "urn:oasis:names:specification:ubl:signature:Invoice";
    cx.assert("BR-KSA-29", ok);
    let method = anywhere(n, &[cac("Signature"), cbc("SignatureMethod")])
        .iter()
        .any(|m| string(*m) == "urn:oasis:names:specification:ubl:dsig:enveloped:xades");
    cx.assert("BR-KSA-30", has_object && method);
    Ok(())
}

fn check_latest_delivery(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let Some(delivery) = n.parent() else {
        return Ok(());
    };
    let actual = str1(delivery, &[cbc("ActualDeliveryDate")])?;
    let has_actual = exists(delivery, &[cbc("ActualDeliveryDate")]) && has_text(&actual);
    cx.assert("BR-KSA-35", has_actual);
    if let (true, Some(a), Some(l)) = (has_actual, ksa_date(&actual), ksa_date(&string(n)))
        && l < a
    {
        cx.fail("BR-KSA-36");
    }
    Ok(())
}

fn check_seller_party(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let ok = path_matches(
        n,
        &[cac("PostalAddress"), cbc("BuildingNumber")],
        regex!(r"^[0-9]{4}$"),
    )?;
    cx.assert("BR-KSA-37", ok);
    Ok(())
}

/// `matches(X, '^[0-9]{15}$') and starts-with(X, '3') and ends-with(X, '3')`.
fn vat_number(s: &str) -> bool {
    matches_opt(s, regex!(r"^[0-9]{15}$")) && s.starts_with('3') && s.ends_with('3')
}

const SELLER_VAT: [Name; 4] = [
    cac("AccountingSupplierParty"),
    cac("Party"),
    cac("PartyTaxScheme"),
    cbc("CompanyID"),
];
const BUYER_VAT: [Name; 4] = [
    cac("AccountingCustomerParty"),
    cac("Party"),
    cac("PartyTaxScheme"),
    cbc("CompanyID"),
];

fn check_seller_vat(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let ok = vat_number(&str_anywhere(n, &SELLER_VAT)?);
    cx.assert("BR-KSA-40", ok);
    Ok(())
}

fn check_buyer_name(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    if standard(n) {
        cx.assert(
            "BR-KSA-42",
            any_non_empty(n, &[cac("PartyLegalEntity"), cbc("RegistrationName")]),
        );
    }
    Ok(())
}

fn check_tax_category_code(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    // `contains(' S Z E O ', (.))`: a substring test on the raw value.
    cx.assert(
        "BR-KSA-18",
        cx.code_list("BR-KSA-18", 0).contains(&*string(n)),
    );
    Ok(())
}

fn check_exemption_reason_length(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    if outside(n, &[cbc("TaxExemptionReason")], 1000)? {
        cx.fail("BR-KSA-F-06-C16");
    }
    Ok(())
}

fn check_saudi_buyer_address(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let field = |names: &[Name]| customer_address(names);
    if standard(n) {
        let mut complete = true;
        for names in [
            &[cbc("StreetName")][..],
            &[cbc("BuildingNumber")],
            &[cbc("PostalZone")],
            &[cbc("CityName")],
            &[cbc("CitySubdivisionName")],
            &[cac("Country"), cbc("IdentificationCode")],
        ] {
            let path = field(names);
            complete =
                complete && !anywhere(n, &path).is_empty() && has_text(&str_anywhere(n, &path)?);
            if !complete {
                break;
            }
        }
        cx.assert("BR-KSA-63", complete);
        let subdivision = field(&[cbc("CitySubdivisionName")]);
        let present = !anywhere(n, &subdivision).is_empty();
        if !present || string_length(&str_anywhere(n, &subdivision)?) < 1 {
            cx.fail("BR-KSA-F-06-C28");
        }
        if anywhere_longer_than(n, &subdivision, 127)? {
            cx.fail("BR-KSA-F-06-C29");
        }
    }
    let seller_subdivision = [
        cac("AccountingSupplierParty"),
        cac("Party"),
        cac("PostalAddress"),
        cbc("CitySubdivisionName"),
    ];
    if anywhere_outside(n, &seller_subdivision, 127)? {
        cx.fail("BR-KSA-F-06-C9");
    }
    if standard(n) {
        let saudi = anywhere(n, &field(&[cac("Country"), cbc("IdentificationCode")]))
            .iter()
            .any(|c| string(*c) == "SA");
        if saudi {
            let zone = str_anywhere(n, &field(&[cbc("PostalZone")]))?;
            if !matches_opt(&zone, regex!(r"^[0-9]{5}$")) {
                cx.fail("BR-KSA-67");
            }
        }
    }
    if any_name_matches(n, regex!(r"02\d{3}1\d")) {
        let both = !anywhere(n, &[cbc("ActualDeliveryDate")]).is_empty()
            && !anywhere(n, &[cbc("LatestDeliveryDate")]).is_empty();
        cx.assert("BR-KSA-72", both);
    }
    Ok(())
}

fn check_subtype(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let is_standard = standard(n);
    let lines = anywhere(n, &[cac("InvoiceLine")]);
    if is_standard {
        let every = |field: &'static str| {
            lines.iter().all(|line| {
                let path = [cac("TaxTotal"), cbc(field)];
                exists(*line, &path) && any_non_empty(*line, &path)
            })
        };
        cx.assert("BR-KSA-52", every("TaxAmount"));
        let street = customer_address(&[cbc("StreetName")]);
        if anywhere(n, &street).is_empty() || anywhere_outside(n, &street, 1000)? {
            cx.fail("BR-KSA-F-06-C23");
        }
        let city = customer_address(&[cbc("CityName")]);
        if anywhere(n, &city).is_empty() || string_length(&str_anywhere(n, &city)?) < 1 {
            cx.fail("BR-KSA-F-06-C25");
        }
    }
    let buyer_name = [
        cac("AccountingCustomerParty"),
        cac("Party"),
        cac("PartyLegalEntity"),
        cbc("RegistrationName"),
    ];
    let simplified_code = anywhere(n, &[cbc("InvoiceTypeCode")])
        .iter()
        .any(|c| matches_opt(c.attribute("name").unwrap_or_default(), regex!(r"02\d{5}")));
    if simplified_code && anywhere_longer_than(n, &buyer_name, 1000)? {
        cx.fail("BR-KSA-F-06-C32");
    }
    if is_standard && anywhere_outside(n, &buyer_name, 1000)? {
        cx.fail("BR-KSA-F-06-C12");
    }
    if is_standard {
        let every = lines.iter().all(|line| {
            let path = [cac("TaxTotal"), cbc("RoundingAmount")];
            exists(*line, &path) && any_non_empty(*line, &path)
        });
        cx.assert("BR-KSA-53", every);
    }
    let note = [
        cac("PaymentMeans"),
        cac("PayeeFinancialAccount"),
        cbc("PaymentNote"),
    ];
    if anywhere_outside(n, &note, 1000)? {
        cx.fail("BR-KSA-F-06-C14");
    }
    let street = customer_address(&[cbc("StreetName")]);
    if simplified_code && anywhere_longer_than(n, &street, 1000)? {
        cx.fail("BR-KSA-F-06-C24");
    }
    if anywhere_longer_than(n, &customer_address(&[cbc("CityName")]), 127)? {
        cx.fail("BR-KSA-F-06-C26");
    }
    for code in anywhere(n, &[cac("PaymentMeans"), cbc("PaymentMeansCode")]) {
        if !in_code_list(cx.code_list("BR-KSA-16", 0), &string(code)) {
            cx.fail("BR-KSA-16");
        }
    }
    if is_standard {
        let mut ok = true;
        for names in [
            &[cac("Country"), cbc("IdentificationCode")][..],
            &[cbc("StreetName")],
            &[cbc("CityName")],
        ] {
            ok = ok && string_length(&str_anywhere(n, &customer_address(names))?) > 0;
            if !ok {
                break;
            }
        }
        cx.assert("BR-KSA-10", ok);
    }
    let account = [cac("PaymentMeans"), cac("PayeeFinancialAccount"), cbc("ID")];
    if anywhere_longer_than(n, &account, 127)? {
        cx.fail("BR-KSA-F-06-C15");
    }
    Ok(())
}

fn check_standard_tax_invoice(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let dates = anywhere(n, &[cac("Delivery"), cbc("ActualDeliveryDate")]);
    let ok = match dates.as_slice() {
        [] => false,
        [one] => has_text(&string(*one)),
        _ => return Err(DynamicError),
    };
    cx.assert("BR-KSA-15", ok);
    Ok(())
}

fn check_credit_debit_note(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let means = anywhere(n, &[cac("PaymentMeans")]);
    if means.is_empty() {
        cx.fail_nth("BR-KSA-17", 1);
    }
    for m in &means {
        if !exists(*m, &[cbc("InstructionNote")]) {
            cx.fail_nth("BR-KSA-17", 0);
        }
    }
    for note in anywhere(n, &[cac("PaymentMeans"), cbc("InstructionNote")]) {
        if !(1..=1000).contains(&string_length(&string(note))) {
            cx.fail("BR-KSA-F-06-C13");
        }
    }
    let references = anywhere(n, &[cac("BillingReference")]);
    if references.is_empty() {
        cx.fail_nth("BR-KSA-56", 1);
    }
    for r in references {
        let path = [cac("InvoiceDocumentReference"), cbc("ID")];
        if !any_non_empty(r, &path) {
            cx.fail_nth("BR-KSA-56", 0);
        }
        if exists(r, &path) && !(1..=5000).contains(&string_length(&str1(r, &path)?)) {
            cx.fail("BR-KSA-F-06-C22");
        }
    }
    Ok(())
}

fn check_simplified_subtype(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let name = n.attribute("name").unwrap_or_default();
    let at = |i: usize| substring(name, i, 1);
    let bit = |i: usize| matches!(at(i).as_str(), "0" | "1");
    let ok = bit(3) && bit(4) && at(5) == "0" && bit(6) && at(7) == "0";
    cx.assert("BR-KSA-31", ok);
    // BR-KSA-25: `(every $c in CODES satisfies contains(L, $c) and NAME exists and != '')
    // or not(every $c in CODES satisfies contains(L, $c))`.
    let codes = anywhere(
        n,
        &[
            cac("TaxTotal"),
            cac("TaxSubtotal"),
            cac("TaxCategory"),
            cbc("TaxExemptionReasonCode"),
        ],
    );
    let list = " VATEX-SA-HEA VATEX-SA-EDU ";
    let buyer_name = anywhere(
        n,
        &[
            cac("AccountingCustomerParty"),
            cac("Party"),
            cac("PartyLegalEntity"),
            cbc("RegistrationName"),
        ],
    );
    let named = !buyer_name.is_empty() && buyer_name.iter().any(|b| !string(*b).is_empty());
    let all_listed = codes.iter().all(|c| list.contains(&*string(*c)));
    cx.assert("BR-KSA-25", !all_listed || codes.is_empty() || named);
    let signatures = anywhere(n, &[cac("Signature")]);
    cx.assert(
        "BR-KSA-60",
        signatures.iter().any(|s| !string(*s).is_empty()),
    );
    if any_name_matches(n, regex!(r"02\d{3}1\d")) {
        // `//cac:AccountingCustomerParty/cac:Party//cac:PartyLegalEntity/cbc:RegistrationName`.
        let names: Vec<Node<'_, '_>> = anywhere(n, &[cac("AccountingCustomerParty"), cac("Party")])
            .into_iter()
            .flat_map(|party| {
                party.descendants().filter(|d| {
                    is(*d, cbc("RegistrationName"))
                        && d.parent().is_some_and(|p| is(p, cac("PartyLegalEntity")))
                })
            })
            .collect();
        let ok = match names.as_slice() {
            [] => false,
            [one] => has_text(&string(*one)),
            _ => return Err(DynamicError),
        };
        cx.assert("BR-KSA-71", ok);
    }
    Ok(())
}

fn check_line_reference_time(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert("BR-KSA-F-05", crate::xpath::is_xs_time(&string(n)));
    Ok(())
}

fn check_summary_subtype(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let name = n.attribute("name").unwrap_or_default();
    cx.assert("BR-KSA-07", substring(name, 7, 1) != "1");
    Ok(())
}

fn check_buyer_vat(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let vat = str_anywhere(n, &BUYER_VAT)?;
    if string_length(&vat) > 0 && !vat_number(&vat) {
        cx.fail("BR-KSA-44");
    }
    Ok(())
}

/// `cbc:Percent > 0 or cbc:Percent < 0` on a tax category.
fn nonzero_percent(category: Node<'_, '_>) -> Xr<bool> {
    for p in children(category, cbc("Percent")) {
        if to_double(&string(p))? > 0.0 {
            return Ok(true);
        }
    }
    for p in children(category, cbc("Percent")) {
        if to_double(&string(p))? < 0.0 {
            return Ok(true);
        }
    }
    Ok(false)
}

fn check_invoice_allowances(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    for ac in n
        .document()
        .descendants()
        .filter(|d| is(*d, cac("AllowanceCharge")))
    {
        let on_price = ac.parent().is_some_and(|p| is(p, cac("Price")));
        if charge(ac, false)? && !on_price {
            let factor = str1(ac, &[cbc("MultiplierFactorNumeric")])?;
            if string_length(&factor) > 0 {
                let value = Dec::cast(&factor)?;
                let ok = value.signum() >= 0
                    && value.compare(Dec::int(100)).ok_or(DynamicError)?.is_le()
                    && crate::xpath::decimals(&factor) <= 2;
                if !ok {
                    cx.fail("BR-KSA-DEC-01");
                }
            }
        }
    }
    let reason_present = |ac: Node<'_, '_>, field: &'static str| -> Xr<bool> {
        Ok(exists(ac, &[cbc(field)]) && has_text(&str1(ac, &[cbc(field)])?))
    };
    for ac in children(n, cac("AllowanceCharge")) {
        if charge(ac, true)? {
            if !reason_present(ac, "AllowanceChargeReasonCode")? {
                cx.fail("BR-KSA-19");
            }
            if !reason_present(ac, "AllowanceChargeReason")? {
                cx.fail("BR-KSA-21");
            }
            if outside(ac, &[cbc("AllowanceChargeReason")], 1000)? {
                cx.fail("BR-KSA-F-06-C33");
            }
        }
    }
    for ac in select(n, &[cac("InvoiceLine"), cac("AllowanceCharge")]) {
        if charge(ac, true)? {
            if !reason_present(ac, "AllowanceChargeReasonCode")? {
                cx.fail("BR-KSA-20");
            }
            if !reason_present(ac, "AllowanceChargeReason")? {
                cx.fail("BR-KSA-22");
            }
            if outside(ac, &[cbc("AllowanceChargeReason")], 1000)? {
                cx.fail("BR-KSA-F-06-C34");
            }
        }
    }
    for ac in children(n, cac("AllowanceCharge")) {
        if charge(ac, false)? && outside(ac, &[cbc("AllowanceChargeReason")], 1000)? {
            cx.fail("BR-KSA-F-06-C35");
        }
    }
    for category in select(
        n,
        &[
            cac("InvoiceLine"),
            cac("Item"),
            cac("ClassifiedTaxCategory"),
        ],
    ) {
        if id_is(category, "O")? && nonzero_percent(category)? {
            cx.fail("BR-KSA-11");
        }
    }
    for (id, value) in [("BR-KSA-12", false), ("BR-KSA-13", true)] {
        for ac in children(n, cac("AllowanceCharge")) {
            if charge(ac, value)? {
                for category in children(ac, cac("TaxCategory")) {
                    if id_is(category, "O")? && nonzero_percent(category)? {
                        cx.fail(id);
                    }
                }
            }
        }
    }
    for ac in select(n, &[cac("InvoiceLine"), cac("AllowanceCharge")]) {
        if charge(ac, false)? && outside(ac, &[cbc("AllowanceChargeReason")], 1000)? {
            cx.fail("BR-KSA-F-06-C36");
        }
    }
    Ok(())
}

fn check_percent(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let value = string(n);
    if !has_text(&value) {
        return Ok(());
    }
    let d = Dec::cast(&value)?;
    let ok = d.signum() >= 0
        && d.compare(Dec::int(100)).ok_or(DynamicError)?.is_le()
        && crate::xpath::decimals(&value) <= 2
        && !"%".contains(&*value);
    cx.assert("BR-KSA-DEC-02", ok);
    Ok(())
}

fn check_line_decimals(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let ok = at_most_two_decimals(n, &[cac("TaxTotal"), cbc("TaxAmount")])?;
    cx.assert("BR-KSA-DEC-03", ok);
    let ok = at_most_two_decimals(n, &[cac("TaxTotal"), cbc("RoundingAmount")])?;
    cx.assert("BR-KSA-DEC-04", ok);
    Ok(())
}

fn check_currency_code(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let value = if cx.on_currency_attribute {
        n.attribute("currencyID").unwrap_or_default().to_owned()
    } else {
        string(n).into_owned()
    };
    let ok = in_code_list(cx.code_list("BR-KSA-CL-01", 0), &value);
    cx.assert("BR-KSA-CL-01", ok);
    Ok(())
}

fn check_amount_currency(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let ok = match n.attribute("currencyID") {
        None => false,
        Some(currency) => {
            let document = cx
                .cache
                .document_currency
                .get_or_insert_with(|| {
                    str_anywhere(n, &[cbc("DocumentCurrencyCode")])
                        .map(|c| normalize_space(&c).into_owned())
                })
                .clone()?;
            cx.cache.matches(&document, currency)? && !currency.is_empty()
        }
    };
    cx.assert("BR-KSA-CL-02", ok);
    Ok(())
}

fn check_mime_code(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let mime = n.attribute("mimeCode").unwrap_or_default();
    cx.assert(
        "BR-KSA-CL-03",
        in_code_list(cx.code_list("BR-KSA-CL-03", 0), mime),
    );
    Ok(())
}

fn check_exemption(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let code_path = [cbc("TaxExemptionReasonCode")];
    let code = str1(n, &code_path)?;
    if exists(n, &code_path) {
        let reason = [cbc("TaxExemptionReason")];
        let ok = exists(n, &reason) && has_text(&str1(n, &reason)?);
        cx.assert("BR-KSA-83", ok);
    }
    let id = normalize_space(&str1(n, &[cbc("ID")])?).into_owned();
    let code_n = normalize_space(&code).into_owned();
    let listed = |list: &str| !code_n.contains(' ') && list.contains(&format!(" {code_n} "));
    // `exists(code) and (Z…) or (E…) or (O…) or normalize-space(code) = ''`: `and` binds
    // first, so an absent code passes.
    let ok = exists(n, &code_path) && id == "Z" && listed(cx.code_list("BR-KSA-CL-04", 0))
        || id == "E" && listed(cx.code_list("BR-KSA-CL-04", 1))
        || id == "O" && listed(" VATEX-SA-OOS ")
        || code_n.is_empty();
    cx.assert("BR-KSA-CL-04", ok);
    let has_code = exists(n, &code_path) && has_text(&code);
    for (rule, category) in [("BR-KSA-24", "O"), ("BR-KSA-23", "E"), ("BR-KSA-69", "Z")] {
        if id == category && !has_code {
            cx.fail(rule);
        }
    }
    Ok(())
}

/// `floor(number(P)) = 15 or floor(number(P = 5))` on one tax category's percent.
fn standard_rate(category: Node<'_, '_>) -> Xr<bool> {
    let percent = one(category, &[cbc("Percent")])?;
    let value = percent.map_or(f64::NAN, |p| to_double(&string(p)).unwrap_or(f64::NAN));
    if value.floor() == 15.0 {
        return Ok(true);
    }
    for p in children(category, cbc("Percent")) {
        if to_double(&string(p))? == 5.0 {
            return Ok(true);
        }
    }
    Ok(false)
}

fn check_standard_rate(cx: &mut Cx<'_, '_>, _: Node<'_, '_>) -> Xr<()> {
    let root = cx.root;
    // The for-each ranges over absolute paths: the same from every context node.
    if cx.once() || !is(root, INVOICE) {
        return Ok(());
    }
    let groups: [&[Name]; 4] = [
        &[cac("AllowanceCharge"), cac("TaxCategory")],
        &[cac("TaxTotal"), cac("TaxSubtotal"), cac("TaxCategory")],
        &[
            cac("InvoiceLine"),
            cac("Item"),
            cac("ClassifiedTaxCategory"),
        ],
        &[
            cac("InvoiceLine"),
            cac("TaxTotal"),
            cac("TaxSubtotal"),
            cac("TaxCategory"),
        ],
    ];
    for (nth, path) in groups.iter().enumerate() {
        for category in select(root, path) {
            if vat_category(category, "S")?
                && exists(category, &[cbc("Percent")])
                && !standard_rate(category)?
            {
                cx.fail_nth("BR-KSA-84", nth);
            }
        }
    }
    Ok(())
}

/// `string-length(.) = 10 and matches(., '[2-9][0-9]([0-9]{2}-…|([02468][048]|[13579][26])-02-29)')`:
/// years 2000–9999, February 29th wherever the last two digits of the year are a multiple of 4.
fn ksa_format_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || !matches!(b.first(), Some(b'2'..=b'9')) {
        return false;
    }
    if crate::xpath::iso_date(s).is_some() {
        return true;
    }
    let yy = s.get(2..4).and_then(|y| y.parse::<u32>().ok());
    s.get(4..) == Some("-02-29")
        && s.get(0..4)
            .is_some_and(|y| y.bytes().all(|c| c.is_ascii_digit()))
        && yy.is_some_and(|yy| yy % 4 == 0)
}

fn check_date_format(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert("BR-KSA-F-01", ksa_format_date(&string(n)));
    Ok(())
}

fn check_charge_indicator(_: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    // `(.) = false() or (.) = true()`: the cast fails on anything else (a dynamic error).
    to_boolean(&string(n))?;
    Ok(())
}

fn check_non_negative(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let value = string(n);
    // `not((.) >= 0)`: NaN fails it too.
    if string_length(&value) > 0
        && to_double(&value)?
            .partial_cmp(&0.0)
            .is_none_or(|o| o.is_lt())
    {
        cx.fail("BR-KSA-F-04");
    }
    Ok(())
}

fn check_profile(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let profile = select(n, &[cbc("ProfileID")]);
    let ok = match profile.as_slice() {
        [] => false,
        [p] => normalize_space(&string(*p)) == "reporting:1.0",
        _ => return Err(DynamicError),
    };
    cx.assert("BR-KSA-EN16931-01", ok);
    cx.assert(
        "BR-KSA-EN16931-08",
        exists(n, &[cac("TaxTotal")]) && exists(n, &[cac("TaxTotal"), cac("TaxSubtotal")]),
    );
    Ok(())
}

fn check_tax_currency(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert(
        "BR-KSA-EN16931-02",
        normalize_space(&upper_case(&string(n))) == "SAR",
    );
    let parent = n.parent();
    let totals = parent.map_or(0, |p| children(p, cac("TaxTotal")).count());
    let subtotals = parent.is_some_and(|p| exists(p, &[cac("TaxTotal"), cac("TaxSubtotal")]));
    cx.assert("BR-KSA-EN16931-09", totals == 2 && subtotals);
    Ok(())
}

fn check_base_amount_factor(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let has_factor = n
        .parent()
        .is_some_and(|p| exists(p, &[cbc("MultiplierFactorNumeric")]));
    cx.assert("BR-KSA-EN16931-05", has_factor);
    Ok(())
}

fn check_factor_base_amount(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let has_base = n.parent().is_some_and(|p| exists(p, &[cbc("BaseAmount")]));
    cx.assert("BR-KSA-EN16931-04", has_base);
    Ok(())
}

fn check_price_allowance(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let ok = charge(n, false)? || charge(n, true)?;
    cx.assert("BR-KSA-EN16931-06", ok);
    Ok(())
}

fn check_line_unit(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let units: Vec<&str> = select(n, &[cac("Price"), cbc("BaseQuantity")])
        .into_iter()
        .filter_map(|q| q.attribute("unitCode"))
        .collect();
    match units.as_slice() {
        [] => {}
        [u] if string_length(u) > 127 => cx.fail("BR-KSA-F-06-C21"),
        [_] => {}
        _ => return Err(DynamicError),
    }
    Ok(())
}

fn check_base_quantity(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let value = string(n);
    // `number(.)`: NaN (never > 0) where the value is not a number; no error.
    if string_length(&value) > 0 && !to_double(&value).is_ok_and(|v| v > 0.0) {
        cx.fail("BR-KSA-EN16931-12");
    }
    Ok(())
}

fn check_price_base_amount(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let allowance = n.parent();
    let price = allowance.and_then(|a| a.parent());
    let price_amount = match price {
        Some(p) => str1(p, &[cbc("PriceAmount")])?,
        None => "".into(),
    };
    let amount = match allowance {
        Some(a) => str1(a, &[cbc("Amount")])?,
        None => "".into(),
    };
    // `xs:decimal(())` is the empty sequence, and `() = x` is false.
    let present = price.is_some_and(|p| exists(p, &[cbc("PriceAmount")]))
        && allowance.is_some_and(|a| exists(a, &[cbc("Amount")]));
    let ok = if present {
        let expected = Dec::cast(&string(n))?.sub(Dec::cast(&amount)?)?;
        Dec::cast(&price_amount)?.eq(expected)?
    } else {
        // The casts still run on what is there: a non-decimal is an error.
        if price.is_some_and(|p| exists(p, &[cbc("PriceAmount")])) {
            Dec::cast(&price_amount)?;
        }
        false
    };
    cx.assert("BR-KSA-EN16931-07", ok);
    Ok(())
}

fn check_contact(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let contact = [cac("AccountingCustomerParty"), cac("Party"), cac("Contact")];
    let field =
        |f: &'static str| -> Vec<Name> { contact.iter().copied().chain([cbc(f)]).collect() };
    let phone = str_anywhere(n, &field("Telephone"))?;
    if string_length(&phone) > 0 && !matches_opt(&phone, regex!(r"^(?:0|\+)[0-9]{4,15}$")) {
        cx.fail("BR-KSA-85");
    }
    let mail = str_anywhere(n, &field("ElectronicMail"))?;
    let mail_pattern = regex!(
        r"^(?:[a-zA-Z0-9](?:[_a-zA-Z0-9.-]*[a-zA-Z0-9_])?@(?:[a-zA-Z0-9]([-.[^\p{P}\p{Z}\p{C}]]*[a-zA-Z0-9])+\.)+[a-zA-Z]{2,3}(?:;|$))+$"
    );
    if string_length(&mail) > 0 && !matches_opt(&mail, mail_pattern) {
        cx.fail("BR-KSA-86");
    }
    if anywhere_longer_than(n, &field("Name"), 1000)? {
        cx.fail("BR-KSA-F-06-C37");
    }
    if anywhere_longer_than(n, &field("Note"), 1000)? {
        cx.fail("BR-KSA-F-06-C38");
    }
    Ok(())
}

fn check_exchange_rate(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let root = cx.root;
    if !is(root, INVOICE) {
        return Ok(());
    }
    let rate = [cac("TaxExchangeRate")];
    let field = |f: &'static str| [cac("TaxExchangeRate"), cbc(f)];
    let present = |f: &'static str| any_non_empty(root, &field(f));
    if exists(root, &rate)
        && !(present("SourceCurrencyCode")
            && present("TargetCurrencyCode")
            && present("CalculationRate"))
    {
        cx.fail("BR-KSA-87");
    }
    for (id, code, target) in [
        ("BR-KSA-88", "SourceCurrencyCode", "DocumentCurrencyCode"),
        ("BR-KSA-89", "TargetCurrencyCode", "TaxCurrencyCode"),
    ] {
        if present(code) {
            let pattern = str1(root, &field(code))?;
            let value = normalize_space(&str_anywhere(n, &[cbc(target)])?).into_owned();
            let ok = cx.cache.matches(&value, &pattern)? && present(code);
            cx.assert(id, ok);
        }
    }
    if present("CalculationRate") {
        let rate_text = str1(root, &field("CalculationRate"))?;
        if string_length(&normalize_space(&rate_text)) >= 15 {
            cx.fail("BR-KSA-90");
        }
    }
    Ok(())
}

/// `(PATH) = 0` of untyped nodes (cast to `xs:double`; the empty sequence is false).
fn any_zero(n: Node<'_, '_>, path: &[Name]) -> Xr<bool> {
    crate::xpath::any_number(n, path, |v| v == 0.0)
}

/// The prepayment line rules (KSA-26 to KSA-31 of a line that deducts a prepayment), on
/// every line of an invoice whose prepaid amount is positive.
fn check_prepaid_line(cx: &mut Cx<'_, '_>, line: Node<'_, '_>) -> Xr<()> {
    let references: Vec<Node<'_, '_>> = children(line, cac("DocumentReference")).collect();
    for reference in &references {
        let codes = select(*reference, &[cbc("DocumentTypeCode")]);
        if codes.iter().any(|c| string(*c) != "386") {
            if normalize_space(&str1(*reference, &[cbc("DocumentTypeCode")])?) != "386" {
                cx.fail("BR-KSA-74");
            }
        } else {
            let zero_line = any_zero(line, &[cbc("LineExtensionAmount")])?
                && any_zero(line, &[cac("TaxTotal"), cbc("TaxAmount")])?
                && any_zero(line, &[cac("TaxTotal"), cbc("RoundingAmount")])?
                && any_zero(line, &[cac("Price"), cbc("PriceAmount")])?;
            if !zero_line {
                cx.fail_nth("BR-KSA-82", 0);
            }
            if exists(line, &[cac("AllowanceCharge")])
                && !any_zero(line, &[cac("AllowanceCharge"), cbc("Amount")])?
            {
                cx.fail_nth("BR-KSA-82", 1);
            }
        }
    }
    let any_reference = is(cx.root, INVOICE)
        && !select(cx.root, &[cac("InvoiceLine"), cac("DocumentReference")]).is_empty();
    if any_reference {
        for reference in &references {
            let complete = ["ID", "IssueDate", "IssueTime", "DocumentTypeCode"]
                .iter()
                .all(|f| exists(*reference, &[cbc(f)]));
            if !complete {
                cx.fail_nth("BR-KSA-73", 0);
            }
        }
        for _ in &references {
            let tax = [cac("TaxTotal"), cac("TaxSubtotal")];
            let with = |tail: &[Name]| -> bool {
                let path: Vec<Name> = tax.iter().chain(tail).copied().collect();
                exists(line, &path)
            };
            let complete = with(&[cbc("TaxAmount")])
                && with(&[cac("TaxCategory"), cbc("Percent")])
                && with(&[cbc("TaxableAmount")])
                && with(&[cac("TaxCategory"), cbc("ID")]);
            if !complete {
                cx.fail("BR-KSA-75");
            }
        }
    } else {
        cx.fail_nth("BR-KSA-73", 1);
    }
    for subtotal in select(line, &[cac("TaxTotal"), cac("TaxSubtotal")]) {
        check_prepaid_vat(cx, subtotal)?;
        // The same document-wide sums from every breakdown of every prepayment line.
        if cx.first_time("BR-KSA-80") {
            check_prepaid_total(cx)?;
        }
        let two = at_most_two_decimals(subtotal, &[cbc("TaxableAmount")])?
            && at_most_two_decimals(subtotal, &[cbc("TaxAmount")])?;
        if !two {
            cx.fail("BR-KSA-DEC-06");
        }
        for (id, code) in [("BR-KSA-76", "Z"), ("BR-KSA-77", "E"), ("BR-KSA-78", "O")] {
            let mut in_category = false;
            for category in children(subtotal, cac("TaxCategory")) {
                in_category = in_category || vat_category(category, code)?;
            }
            if in_category {
                let percents = select(subtotal, &[cac("TaxCategory"), cbc("Percent")]);
                let zero = match percents.as_slice() {
                    [] => false,
                    [p] => Dec::cast(&string(*p))?.eq(Dec::int(0))?,
                    _ => return Err(DynamicError),
                };
                if !zero {
                    cx.fail(id);
                }
            }
        }
    }
    Ok(())
}

/// An untyped value where a function takes `xs:double?`: `None` for the empty sequence, a
/// type error for more than one node, a cast error for a non-number.
fn number_opt(n: Node<'_, '_>, path: &[Name]) -> Xr<Option<f64>> {
    match one(n, path)? {
        None => Ok(None),
        Some(x) => Ok(Some(to_double(&string(x))?)),
    }
}

/// BR-KSA-51: the line amount with VAT (KSA-12) is the line VAT plus the line net amount,
/// as `format-number(…, '#.00')` writes them.
fn check_line_rounding(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let rounding = number_opt(n, &[cbc("RoundingAmount")])?;
    let tax = number_opt(n, &[cbc("TaxAmount")])?;
    let net = match n.parent() {
        Some(line) => number_opt(line, &[cbc("LineExtensionAmount")])?,
        None => None,
    };
    let expected = match (tax, net) {
        (Some(t), Some(l)) => Some(crate::decimal::round_double((t + l) * 100.0) / 100.0),
        _ => None,
    };
    let ok = crate::decimal::format_cents(rounding) == crate::decimal::format_cents(expected);
    cx.assert("BR-KSA-51", ok);
    Ok(())
}

/// BR-KSA-EN16931-03: an allowance or charge amount is its base amount times its
/// percentage, rounded half up to cents.
fn check_allowance_percentage(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let amount = str1(n, &[cbc("Amount")])?;
    let base = str1(n, &[cbc("BaseAmount")])?;
    if string_length(&amount) == 0 || string_length(&base) == 0 {
        return Ok(());
    }
    let factor = number_opt(n, &[cbc("MultiplierFactorNumeric")])?;
    let base = to_double(&base)?;
    let expected = factor.map(|f| ((base * f / 100.0) * 100.0 + 0.5).floor() / 100.0);
    let ok = crate::decimal::format_cents(Some(to_double(&amount)?))
        == crate::decimal::format_cents(expected);
    cx.assert("BR-KSA-EN16931-03", ok);
    Ok(())
}

/// `./cac:TaxCategory/normalize-space(cbc:ID) = CODE` on a subtotal.
fn subtotal_code_is(subtotal: Node<'_, '_>, code: &str) -> Xr<bool> {
    for category in children(subtotal, cac("TaxCategory")) {
        if normalize_space(&str1(category, &[cbc("ID")])?) == code {
            return Ok(true);
        }
    }
    Ok(false)
}

/// BR-KSA-79 on a prepayment line's VAT breakdown: its VAT amount is its taxable amount times
/// its rate, within a halala, as `format-number(…, '#.00')` writes them.
fn check_prepaid_vat(cx: &mut Cx<'_, '_>, subtotal: Node<'_, '_>) -> Xr<()> {
    use crate::decimal::{format_cents, format_decimal_cents, round_double};
    let percent_path = [cac("TaxCategory"), cbc("Percent")];
    let zero_rated = !subtotal_code_is(subtotal, "S")?
        && (subtotal_code_is(subtotal, "O")? && !exists(subtotal, &percent_path)
            || subtotal_code_is(subtotal, "E")?
            || subtotal_code_is(subtotal, "Z")?
            || normalize_space(&str1(subtotal, &percent_path)?).is_empty());
    let tax = format_cents(number_opt(subtotal, &[cbc("TaxAmount")])?);
    if zero_rated {
        // `round(((xs:decimal(TA) * 0) div 100) * 100 + 0.01) div 100`: decimal zero.
        let zero = match one(subtotal, &[cbc("TaxableAmount")])? {
            None => None,
            Some(t) => {
                Dec::cast(&string(t))?;
                Some(Dec::int(0))
            }
        };
        if tax != format_decimal_cents(zero) {
            cx.fail_nth("BR-KSA-79", 0);
        }
        return Ok(());
    }
    if normalize_space(&str1(subtotal, &percent_path)?).is_empty() {
        cx.fail_nth("BR-KSA-79", 1);
        return Ok(());
    }
    let taxable = number_opt(subtotal, &[cbc("TaxableAmount")])?;
    let mut rates = Vec::new();
    for category in children(subtotal, cac("TaxCategory")) {
        if crate::xpath::vat_scheme(category)?
            && let Some(p) = one(category, &[cbc("Percent")])?
        {
            rates.push(Dec::cast(&string(p))?);
        }
    }
    let rate = match rates.as_slice() {
        [] => None,
        [r] => Some(r.to_f64()),
        _ => return Err(DynamicError),
    };
    let expected = match (taxable, rate) {
        (Some(t), Some(r)) => Some(round_double(((t * r) / 100.0) * 100.0 + 0.01) / 100.0),
        _ => None,
    };
    let within = [
        expected.map(|e| e - 0.01),
        expected.map(|e| e + 0.01),
        expected,
    ]
    .iter()
    .any(|candidate| tax == format_cents(*candidate));
    if !within {
        cx.fail_nth("BR-KSA-79", 1);
    }
    Ok(())
}

/// BR-KSA-80 (for each VAT breakdown of a prepayment line): the prepaid amount is the
/// prepayment lines' taxable amounts plus their VAT.
fn check_prepaid_total(cx: &mut Cx<'_, '_>) -> Xr<()> {
    use crate::decimal::{format_cents, format_decimal_cents, from_double};
    let root = cx.root;
    let prepaid = if is(root, INVOICE) {
        match one(root, &[cac("LegalMonetaryTotal"), cbc("PrepaidAmount")])? {
            None => None,
            Some(p) => Some(Dec::cast(&string(p))?),
        }
    } else {
        None
    };
    let mut taxable = 0.0f64;
    let mut tax = 0.0f64;
    if is(root, INVOICE) {
        let subtotals = select(
            root,
            &[cac("InvoiceLine"), cac("TaxTotal"), cac("TaxSubtotal")],
        );
        for sub in &subtotals {
            for t in children(*sub, cbc("TaxableAmount")) {
                taxable += to_double(&string(t))?;
            }
        }
        for sub in &subtotals {
            for t in children(*sub, cbc("TaxAmount")) {
                tax += to_double(&string(t))?;
            }
        }
    }
    // `xs:decimal(sum(…))` fails on NaN and infinities; back in double arithmetic, the
    // decimal is the double itself.
    from_double(taxable)?;
    if format_decimal_cents(prepaid) != format_cents(Some(taxable + tax)) {
        cx.fail("BR-KSA-80");
    }
    Ok(())
}

/// `xs:decimal(PATH)` on at most one node (`None` for the empty sequence).
fn decimal_opt(n: Node<'_, '_>, path: &[Name]) -> Xr<Option<Dec>> {
    match one(n, path)? {
        None => Ok(None),
        Some(x) => Ok(Some(Dec::cast(&string(x))?)),
    }
}

/// BR-KSA-EN16931-11: the line net amount is the quantity times the (per base quantity)
/// price, cut to thousandths and rounded, plus the line's charges less its allowances,
/// within a halala.
fn check_line_net_amount(cx: &mut Cx<'_, '_>, line: Node<'_, '_>) -> Xr<()> {
    let net = decimal_opt(line, &[cbc("LineExtensionAmount")])?;
    let base_quantity = exists(line, &[cac("Price"), cbc("BaseQuantity")]);
    let adjustments = || -> Xr<Dec> {
        let mut total = Dec::int(0);
        for (charge, sign) in [(true, 1), (false, -1)] {
            let mut amounts = Vec::new();
            for ac in children(line, cac("AllowanceCharge")) {
                if any_boolean_eq(ac, &[cbc("ChargeIndicator")], charge)?
                    && let Some(a) = decimal_opt(ac, &[cbc("Amount")])?
                {
                    amounts.push(a);
                }
            }
            let s = crate::decimal::sum(&amounts)?;
            total = if sign > 0 {
                total.add(s)?
            } else {
                total.sub(s)?
            };
        }
        Ok(total)
    };
    // `round(((floor(QTY * PRICE * 1000) div 10 + 0.00000000001) div 100) + ADJ, 2)`.
    let expected = |price: Dec| -> Xr<Option<Dec>> {
        let Some(quantity) = decimal_opt(line, &[cbc("InvoicedQuantity")])? else {
            return Ok(None);
        };
        let thousandths = quantity.mul(price)?.mul(Dec::int(1000))?.floor()?;
        let value = thousandths
            .div(Dec::int(10))?
            .add(Dec::parse("0.00000000001")?)?
            .div(Dec::int(100))?
            .add(adjustments()?)?;
        Ok(Some(value.round_to(2)?))
    };
    let cent = Dec::parse("0.01")?;
    let matches = |e: Option<Dec>, offsets: [i8; 3]| -> Xr<bool> {
        let (Some(net), Some(e)) = (net, e) else {
            return Ok(false);
        };
        for offset in offsets {
            let candidate = match offset {
                1 => e.add(cent)?,
                -1 => e.sub(cent)?,
                _ => e,
            };
            if net.eq(candidate)? {
                return Ok(true);
            }
        }
        Ok(false)
    };
    let ok = if base_quantity {
        let price = match (
            decimal_opt(line, &[cac("Price"), cbc("PriceAmount")])?,
            decimal_opt(line, &[cac("Price"), cbc("BaseQuantity")])?,
        ) {
            (Some(p), Some(q)) => Some(p.div(q)?),
            _ => None,
        };
        match price {
            Some(p) => matches(expected(p)?, [0, 1, -1])?,
            None => false,
        }
    } else {
        match decimal_opt(line, &[cac("Price"), cbc("PriceAmount")])? {
            Some(p) => matches(expected(p)?, [1, -1, 0])?,
            None => false,
        }
    };
    cx.assert("BR-KSA-EN16931-11", ok);
    Ok(())
}

fn check_line_unit_and_net(cx: &mut Cx<'_, '_>, line: Node<'_, '_>) -> Xr<()> {
    check_line_net_amount(cx, line)?;
    check_line_unit(cx, line)
}

fn prepaid_line(n: Node<'_, '_>, cache: &mut DocumentCache) -> bool {
    is(n, cac("InvoiceLine"))
        && n.parent().is_some_and(|root| {
            at(root, &[INVOICE])
                && cache.memo("prepaid > 0", || {
                    any_number_pattern(root, &[cac("LegalMonetaryTotal"), cbc("PrepaidAmount")])
                })
        })
}

/// `[cac:LegalMonetaryTotal/cbc:PrepaidAmount > 0]` in a pattern.
fn any_number_pattern(n: Node<'_, '_>, path: &[Name]) -> bool {
    crate::xpath::any_number(n, path, |v| v > 0.0).unwrap_or(false)
}

fn type_code_subtype(n: Node<'_, '_>, start: usize, len: usize, value: &str) -> bool {
    is(n, cbc("InvoiceTypeCode"))
        && substring(n.attribute("name").unwrap_or_default(), start, len) == value
}

fn exempt_subtotal_category(n: Node<'_, '_>) -> bool {
    at_any_root(
        n,
        &[cac("TaxTotal"), cac("TaxSubtotal"), cac("TaxCategory")],
    ) && ["Z", "E", "O"].iter().any(|c| id_is(n, c).unwrap_or(false))
}

fn invoice_exempt_subtotal_category(n: Node<'_, '_>) -> bool {
    ends_with(
        n,
        &[
            INVOICE,
            cac("TaxTotal"),
            cac("TaxSubtotal"),
            cac("TaxCategory"),
        ],
    ) && ["Z", "E", "O"].iter().any(|c| id_is(n, c).unwrap_or(false))
}

fn standard_category_context(n: Node<'_, '_>) -> bool {
    let vat_s = || vat_category(n, "S").unwrap_or(false);
    let allowance = is(n, cac("TaxCategory"))
        && n.parent().is_some_and(|p| {
            is(p, cac("AllowanceCharge"))
                && (any_boolean_eq(p, &[cbc("ChargeIndicator")], false).unwrap_or(false)
                    || any_boolean_eq(p, &[cbc("ChargeIndicator")], true).unwrap_or(false))
        });
    (allowance
        || ends_with(
            n,
            &[cac("TaxTotal"), cac("TaxSubtotal"), cac("TaxCategory")],
        )
        || ends_with(
            n,
            &[
                cac("InvoiceLine"),
                cac("Item"),
                cac("ClassifiedTaxCategory"),
            ],
        ))
        && vat_s()
}

const KSA_AMOUNTS: [&[Name]; 18] = [
    &[cbc("Amount")],
    &[cbc("BaseAmount")],
    &[
        INVOICE,
        cac("TaxTotal"),
        cac("TaxSubtotal"),
        cbc("TaxableAmount"),
    ],
    &[
        INVOICE,
        cac("TaxTotal"),
        cac("TaxSubtotal"),
        cbc("TaxAmount"),
    ],
    &[cbc("LineExtensionAmount")],
    &[cbc("PriceAmount")],
    &[cbc("TaxExclusiveAmount")],
    &[cbc("TaxInclusiveAmount")],
    &[cbc("AllowanceTotalAmount")],
    &[cbc("ChargeTotalAmount")],
    &[cbc("PrepaidAmount")],
    &[cbc("PayableRoundingAmount")],
    &[cbc("PayableAmount")],
    &[cac("InvoiceLine"), cac("TaxTotal"), cbc("TaxAmount")],
    &[cac("InvoiceLine"), cac("TaxTotal"), cbc("RoundingAmount")],
    &[
        cac("InvoiceLine"),
        cac("TaxTotal"),
        cac("TaxSubtotal"),
        cbc("TaxAmount"),
    ],
    &[
        cac("InvoiceLine"),
        cac("TaxTotal"),
        cac("TaxSubtotal"),
        cbc("TaxableAmount"),
    ],
    &[cac("LegalMonetaryTotal"), cbc("PayableRoundingAmount")],
];

fn ksa_amount(n: Node<'_, '_>) -> bool {
    KSA_AMOUNTS.iter().any(|p| ends_with(n, p))
}

/// The `ubl:Invoice/…` branches of BR-KSA-F-04's context (all but the taxable amount).
const NON_NEGATIVE: [&[Name]; 20] = [
    &[INVOICE, cac("AllowanceCharge"), cbc("Amount")],
    &[INVOICE, cac("AllowanceCharge"), cbc("BaseAmount")],
    &[
        INVOICE,
        cac("TaxTotal"),
        cac("TaxSubtotal"),
        cbc("TaxAmount"),
    ],
    &[
        INVOICE,
        cac("LegalMonetaryTotal"),
        cbc("LineExtensionAmount"),
    ],
    &[
        INVOICE,
        cac("LegalMonetaryTotal"),
        cbc("TaxExclusiveAmount"),
    ],
    &[
        INVOICE,
        cac("LegalMonetaryTotal"),
        cbc("TaxInclusiveAmount"),
    ],
    &[
        INVOICE,
        cac("LegalMonetaryTotal"),
        cbc("AllowanceTotalAmount"),
    ],
    &[INVOICE, cac("LegalMonetaryTotal"), cbc("ChargeTotalAmount")],
    &[INVOICE, cac("LegalMonetaryTotal"), cbc("PrepaidAmount")],
    &[INVOICE, cac("TaxTotal"), cbc("TaxAmount")],
    &[
        INVOICE,
        cac("InvoiceLine"),
        cac("AllowanceCharge"),
        cbc("Amount"),
    ],
    &[
        INVOICE,
        cac("InvoiceLine"),
        cac("AllowanceCharge"),
        cbc("BaseAmount"),
    ],
    &[
        INVOICE,
        cac("InvoiceLine"),
        cac("TaxTotal"),
        cbc("TaxAmount"),
    ],
    &[
        INVOICE,
        cac("InvoiceLine"),
        cac("Price"),
        cbc("PriceAmount"),
    ],
    &[
        INVOICE,
        cac("InvoiceLine"),
        cac("Price"),
        cac("AllowanceCharge"),
        cbc("Amount"),
    ],
    &[
        INVOICE,
        cac("InvoiceLine"),
        cac("Price"),
        cac("AllowanceCharge"),
        cbc("BaseAmount"),
    ],
    &[INVOICE, cac("InvoiceLine"), cbc("InvoicedQuantity")],
    &[
        INVOICE,
        cac("InvoiceLine"),
        cac("TaxTotal"),
        cac("TaxSubtotal"),
        cbc("TaxableAmount"),
    ],
    &[
        INVOICE,
        cac("InvoiceLine"),
        cac("TaxTotal"),
        cac("TaxSubtotal"),
        cbc("TaxAmount"),
    ],
    &[INVOICE, cac("TaxExchangeRate"), cbc("CalculationRate")],
];

fn non_negative_context(n: Node<'_, '_>) -> bool {
    let taxable = is(n, cbc("TaxableAmount"))
        && n.parent().is_some_and(|sub| {
            ends_with(sub, &[INVOICE, cac("TaxTotal"), cac("TaxSubtotal")])
                && crate::xpath::str1(sub, &[cac("TaxCategory"), cbc("ID")])
                    .is_ok_and(|id| normalize_space(&id) != "O")
        });
    taxable || NON_NEGATIVE.iter().any(|p| ends_with(n, p))
}

fn document_allowance_with(n: Node<'_, '_>, cache: &mut DocumentCache) -> bool {
    let root = n.document().root_element();
    let ac = cac("AllowanceCharge");
    if !is(n, ac) {
        return false;
    }
    if at(n, &[INVOICE, ac]) {
        exists(n, &[cbc("BaseAmount")])
            && cache.memo("document allowance amount", || {
                select(root, &[ac])
                    .iter()
                    .any(|a| exists(*a, &[cbc("Amount")]))
            })
    } else if at(n, &[INVOICE, cac("InvoiceLine"), ac]) {
        exists(n, &[cbc("BaseAmount")])
            && cache.memo("line allowance amount", || {
                select(root, &[cac("InvoiceLine"), ac])
                    .iter()
                    .any(|a| exists(*a, &[cbc("Amount")]))
            })
    } else {
        false
    }
}

macro_rules! template {
    (@cached $order:expr, $matches:expr, $check:expr, [$($id:literal),* $(,)?]) => {
        Template {
            schematron: Schematron::Ksa,
            order: $order,
            matches: $matches,
            matches_currency_attribute: None,
            check: $check,
            implemented: &[$($id),*],
        }
    };
    ($order:expr, $matches:expr, $check:expr, [$($id:literal),* $(,)?]) => {
        template!($order, $matches, None, $check, [$($id),*])
    };
    ($order:expr, $matches:expr, $attribute:expr, $check:expr, [$($id:literal),* $(,)?]) => {
        Template {
            schematron: Schematron::Ksa,
            order: $order,
            matches: |n, _| ($matches)(n),
            matches_currency_attribute: $attribute,
            check: $check,
            implemented: &[$($id),*],
        }
    };
}

/// Every rule of the KSA Schematron, by its position in the file.
pub(crate) static TEMPLATES: [Template; 50] = [
    template!(
        4,
        |n| at(n, &[INVOICE]) || at(n, &[CREDIT_NOTE]),
        check_document,
        [
            "BR-KSA-F-06-C3",
            "BR-KSA-F-06-C5",
            "BR-KSA-03",
            "BR-KSA-27",
            "BR-CL-KSA-14",
            "BR-KSA-33",
            "BR-KSA-34",
            "BR-CUSTOM-VALIDATION-01",
            "BR-KSA-39",
            "BR-KSA-61",
            "BR-KSA-68",
            "BR-KSA-CL-06",
            "BR-KSA-70"
        ]
    ),
    template!(
        5,
        |n| is(n, cac("InvoiceLine"))
            && n.parent().is_some_and(|p| {
                ends_with(p, &[INVOICE, cac("LegalMonetaryTotal")])
                    && at(p, &[INVOICE, cac("LegalMonetaryTotal")])
                    && exists(p, &[cbc("PrepaidAmount")])
            }),
        nothing,
        []
    ),
    template!(
        @cached 6,
        prepaid_line,
        check_prepaid_line,
        [
            "BR-KSA-74", "BR-KSA-82", "BR-KSA-73", "BR-KSA-75", "BR-KSA-79", "BR-KSA-80",
            "BR-KSA-DEC-06", "BR-KSA-76", "BR-KSA-77", "BR-KSA-78"
        ]
    ),
    template!(
        7,
        |n| ends_with(n, &[cac("AccountingCustomerParty"), cac("Party")]),
        check_customer_party,
        ["BR-KSA-81"]
    ),
    template!(
        8,
        |n| ends_with(
            n,
            &[cac("TaxTotal"), cac("TaxSubtotal"), cac("TaxCategory")]
        ) && children(n, cbc("TaxExemptionReasonCode"))
            .any(|c| matches!(&*string(c), "VATEX-SA-EDU" | "VATEX-SA-HEA")),
        check_education_health_exemption,
        ["BR-KSA-49"]
    ),
    template!(
        9,
        |n| is(n, cbc("IssueDate")),
        check_issue_date,
        ["BR-KSA-04"]
    ),
    template!(
        10,
        |n| is(n, cbc("InvoiceTypeCode")),
        check_type_code,
        ["BR-KSA-05", "BR-KSA-06"]
    ),
    template!(
        11,
        |n| is(n, cac("AccountingSupplierParty")),
        check_seller,
        ["BR-KSA-08"]
    ),
    template!(
        12,
        |n| ends_with(
            n,
            &[
                cac("AccountingCustomerParty"),
                cac("Party"),
                cac("PartyIdentification"),
                cbc("ID")
            ]
        ),
        check_customer_identification,
        ["BR-KSA-14"]
    ),
    template!(
        13,
        |n| ends_with(
            n,
            &[
                cac("AccountingSupplierParty"),
                cac("Party"),
                cac("PostalAddress")
            ]
        ),
        check_seller_address,
        [
            "BR-KSA-F-06-C4",
            "BR-KSA-09",
            "BR-KSA-F-06-C11",
            "BR-KSA-F-06-C7",
            "BR-KSA-F-06-C6",
            "BR-KSA-66"
        ]
    ),
    template!(
        14,
        |n| is(n, cac("Attachment"))
            && n.parent().is_some_and(|r| {
                is(r, cac("AdditionalDocumentReference")) && id_is(r, "PIH").unwrap_or(false)
            }),
        check_pih_attachment,
        ["BR-KSA-26"]
    ),
    template!(
        15,
        |n| ends_with(n, &[cac("AdditionalDocumentReference"), cac("Attachment")]),
        check_attachment,
        ["BR-KSA-28", "BR-KSA-29", "BR-KSA-30"]
    ),
    template!(
        16,
        |n| ends_with(n, &[cac("Delivery"), cbc("LatestDeliveryDate")]),
        check_latest_delivery,
        ["BR-KSA-35", "BR-KSA-36"]
    ),
    template!(
        17,
        |n| ends_with(n, &[cac("AccountingSupplierParty"), cac("Party")]),
        check_seller_party,
        ["BR-KSA-37"]
    ),
    template!(
        18,
        |n| ends_with(
            n,
            &[
                cac("AccountingSupplierParty"),
                cac("Party"),
                cac("PartyTaxScheme"),
                cac("TaxScheme")
            ]
        ) && children(n, cbc("ID")).any(|id| string(id) == "VAT")
            && !anywhere(n, &SELLER_VAT).is_empty(),
        check_seller_vat,
        ["BR-KSA-40"]
    ),
    template!(
        19,
        |n| ends_with(n, &[cac("AccountingCustomerParty"), cac("Party")]),
        check_buyer_name,
        ["BR-KSA-42"]
    ),
    template!(
        20,
        |n| ends_with(n, &[cac("InvoiceLine"), cac("TaxTotal")]),
        check_line_rounding,
        ["BR-KSA-51"]
    ),
    template!(21, tax_category_id, check_tax_category_code, ["BR-KSA-18"]),
    template!(
        22,
        exempt_subtotal_category,
        check_exemption_reason_length,
        ["BR-KSA-F-06-C16"]
    ),
    template!(
        23,
        |n| ends_with(
            n,
            &[
                cac("AccountingCustomerParty"),
                cac("Party"),
                cac("PostalAddress"),
                cac("Country")
            ]
        ) && children(n, cbc("IdentificationCode")).any(|c| string(c) == "SA"),
        check_saudi_buyer_address,
        [
            "BR-KSA-63",
            "BR-KSA-F-06-C28",
            "BR-KSA-F-06-C29",
            "BR-KSA-F-06-C9",
            "BR-KSA-67",
            "BR-KSA-72"
        ]
    ),
    template!(
        24,
        |n| type_code_subtype(n, 1, 2, "01") || type_code_subtype(n, 1, 2, "02"),
        check_subtype,
        [
            "BR-KSA-52",
            "BR-KSA-F-06-C23",
            "BR-KSA-F-06-C25",
            "BR-KSA-F-06-C32",
            "BR-KSA-F-06-C12",
            "BR-KSA-53",
            "BR-KSA-F-06-C14",
            "BR-KSA-F-06-C24",
            "BR-KSA-F-06-C26",
            "BR-KSA-16",
            "BR-KSA-10",
            "BR-KSA-F-06-C15"
        ]
    ),
    template!(
        25,
        |n| type_code_subtype(n, 1, 2, "01") && {
            let root = n.document().root_element();
            is(root, INVOICE) && children(root, cbc("InvoiceTypeCode")).any(|c| string(c) == "388")
        },
        check_standard_tax_invoice,
        ["BR-KSA-15"]
    ),
    template!(
        26,
        |n| type_code_subtype(n, 1, 2, "01") && {
            let root = n.document().root_element();
            is(root, INVOICE) && exists(root, &[cac("AccountingCustomerParty"), cac("Party")])
        },
        nothing,
        []
    ),
    template!(
        27,
        |n| at(n, &[INVOICE])
            && children(n, cbc("InvoiceTypeCode")).any(|c| matches!(&*string(c), "381" | "383")),
        check_credit_debit_note,
        [
            "BR-KSA-17",
            "BR-KSA-F-06-C13",
            "BR-KSA-56",
            "BR-KSA-F-06-C22"
        ]
    ),
    template!(
        28,
        |n| type_code_subtype(n, 1, 2, "02"),
        check_simplified_subtype,
        ["BR-KSA-25", "BR-KSA-31", "BR-KSA-60", "BR-KSA-71"]
    ),
    template!(
        29,
        |n| type_code_subtype(n, 5, 1, "1"),
        check_summary_subtype,
        ["BR-KSA-07"]
    ),
    template!(
        30,
        |n| ends_with(n, &BUYER_VAT),
        check_buyer_vat,
        ["BR-KSA-44"]
    ),
    template!(
        31,
        |n| at(n, &[INVOICE]),
        check_invoice_allowances,
        [
            "BR-KSA-DEC-01",
            "BR-KSA-19",
            "BR-KSA-21",
            "BR-KSA-F-06-C33",
            "BR-KSA-20",
            "BR-KSA-22",
            "BR-KSA-F-06-C34",
            "BR-KSA-F-06-C35",
            "BR-KSA-11",
            "BR-KSA-12",
            "BR-KSA-13",
            "BR-KSA-F-06-C36"
        ]
    ),
    template!(
        32,
        |n| ends_with(
            n,
            &[cac("AllowanceCharge"), cac("TaxCategory"), cbc("Percent")]
        ) || ends_with(
            n,
            &[
                cac("TaxTotal"),
                cac("TaxSubtotal"),
                cac("TaxCategory"),
                cbc("Percent")
            ]
        ) || ends_with(
            n,
            &[
                cac("InvoiceLine"),
                cac("Item"),
                cac("ClassifiedTaxCategory"),
                cbc("Percent")
            ]
        ),
        check_percent,
        ["BR-KSA-DEC-02"]
    ),
    template!(
        33,
        |n| is(n, cac("InvoiceLine")),
        check_line_decimals,
        ["BR-KSA-DEC-03", "BR-KSA-DEC-04"]
    ),
    template!(
        34,
        |n| is(n, cbc("DocumentCurrencyCode")),
        Some(|n| ends_with(
            n,
            &[
                cac("InvoiceLine"),
                cac("TaxTotal"),
                cac("TaxSubtotal"),
                cbc("TaxAmount")
            ]
        ) || ends_with(
            n,
            &[
                cac("InvoiceLine"),
                cac("TaxTotal"),
                cac("TaxSubtotal"),
                cbc("TaxableAmount")
            ]
        ) || ends_with(
            n,
            &[cac("LegalMonetaryTotal"), cbc("PayableRoundingAmount")]
        )),
        check_currency_code,
        ["BR-KSA-CL-01"]
    ),
    template!(35, ksa_amount, check_amount_currency, ["BR-KSA-CL-02"]),
    template!(
        36,
        |n| ends_with(
            n,
            &[
                cac("AdditionalDocumentReference"),
                cac("Attachment"),
                cbc("EmbeddedDocumentBinaryObject")
            ]
        ),
        check_mime_code,
        ["BR-KSA-CL-03"]
    ),
    template!(
        37,
        invoice_exempt_subtotal_category,
        check_exemption,
        [
            "BR-KSA-83",
            "BR-KSA-CL-04",
            "BR-KSA-24",
            "BR-KSA-23",
            "BR-KSA-69"
        ]
    ),
    template!(
        38,
        standard_category_context,
        check_standard_rate,
        ["BR-KSA-84"]
    ),
    template!(
        40,
        |n| is(n, cbc("IssueDate"))
            || is(n, cbc("DueDate"))
            || ends_with(n, &[cac("Delivery"), cbc("ActualDeliveryDate")])
            || ends_with(n, &[cac("Delivery"), cbc("LatestDeliveryDate")])
            || ends_with(
                n,
                &[
                    cac("BillingReference"),
                    cac("InvoiceDocumentReference"),
                    cbc("IssueDate")
                ]
            )
            || ends_with(
                n,
                &[
                    cac("InvoiceLine"),
                    cac("DocumentReference"),
                    cbc("IssueDate")
                ]
            ),
        check_date_format,
        ["BR-KSA-F-01"]
    ),
    template!(
        41,
        |n| ends_with(
            n,
            &[
                cac("InvoiceLine"),
                cac("DocumentReference"),
                cbc("IssueTime")
            ]
        ),
        check_line_reference_time,
        ["BR-KSA-F-05"]
    ),
    template!(
        42,
        |n| ends_with(n, &[cac("AllowanceCharge"), cbc("ChargeIndicator")]),
        check_charge_indicator,
        ["BR-KSA-F-02"]
    ),
    template!(
        43,
        non_negative_context,
        check_non_negative,
        ["BR-KSA-F-04"]
    ),
    template!(
        44,
        |n| at(n, &[INVOICE]),
        check_profile,
        ["BR-KSA-EN16931-01", "BR-KSA-EN16931-08"]
    ),
    template!(
        45,
        |n| is(n, cbc("TaxCurrencyCode")),
        check_tax_currency,
        ["BR-KSA-EN16931-02", "BR-KSA-EN16931-09"]
    ),
    template!(
        @cached 46,
        document_allowance_with,
        check_allowance_percentage,
        ["BR-KSA-EN16931-03"]
    ),
    template!(
        47,
        |n| ends_with(n, &[INVOICE, cac("AllowanceCharge"), cbc("BaseAmount")])
            || ends_with(
                n,
                &[
                    cac("InvoiceLine"),
                    cac("AllowanceCharge"),
                    cbc("BaseAmount")
                ]
            ),
        check_base_amount_factor,
        ["BR-KSA-EN16931-05"]
    ),
    template!(
        48,
        |n| ends_with(n, &[cac("AllowanceCharge"), cbc("MultiplierFactorNumeric")]),
        check_factor_base_amount,
        ["BR-KSA-EN16931-04"]
    ),
    template!(
        49,
        |n| ends_with(
            n,
            &[cac("InvoiceLine"), cac("Price"), cac("AllowanceCharge")]
        ),
        check_price_allowance,
        ["BR-KSA-EN16931-06"]
    ),
    template!(
        50,
        |n| is(n, cac("InvoiceLine")),
        check_line_unit_and_net,
        ["BR-KSA-EN16931-11", "BR-KSA-F-06-C21"]
    ),
    template!(
        51,
        |n| ends_with(n, &[cac("InvoiceLine"), cac("Price"), cbc("BaseQuantity")]),
        check_base_quantity,
        ["BR-KSA-EN16931-12"]
    ),
    template!(
        52,
        |n| ends_with(
            n,
            &[
                cac("InvoiceLine"),
                cac("Price"),
                cac("AllowanceCharge"),
                cbc("BaseAmount")
            ]
        ),
        check_price_base_amount,
        ["BR-KSA-EN16931-07"]
    ),
    template!(
        53,
        |n| ends_with(
            n,
            &[cac("AccountingCustomerParty"), cac("Party"), cac("Contact")]
        ),
        check_contact,
        [
            "BR-KSA-85",
            "BR-KSA-86",
            "BR-KSA-F-06-C37",
            "BR-KSA-F-06-C38"
        ]
    ),
    template!(
        54,
        |n| at(n, &[INVOICE, cac("TaxExchangeRate")])
            || is(n, cbc("DocumentCurrencyCode"))
            || is(n, cbc("TaxCurrencyCode")),
        check_exchange_rate,
        ["BR-KSA-87", "BR-KSA-88", "BR-KSA-89", "BR-KSA-90"]
    ),
];
