//! The EN 16931 Schematron (`CEN-EN16931-UBL.xsl`, ZATCA's edition): each rule's context
//! and the assertions implemented so far, written from the rule file's XSLT (the `guard` of
//! each assertion in the table).

use roxmltree::Node;

use crate::decimal::{Dec, sum};
use crate::engine::{Cx, Template, nothing};
use crate::table::Schematron;
use crate::xpath::{
    INVOICE, NS_CN, Name, Xr, any_boolean_eq, any_non_empty, any_number, at, at_any_root,
    at_most_two_decimals, cac, cbc, children, ends_with, exists, in_code_list, is, is_any,
    normalize_space, select, str1, string, string_length, substring, tax_category_id, vat_category,
    vat_scheme,
};

const CREDIT_NOTE: Name = (NS_CN, "CreditNote");

/// `[cbc:ChargeIndicator = B]` in a pattern (a cast error is a non-match).
fn charge_is(n: Node<'_, '_>, charge: bool) -> bool {
    any_boolean_eq(n, &[cbc("ChargeIndicator")], charge).unwrap_or(false)
}

/// `cac:AllowanceCharge[cbc:ChargeIndicator = B]` under the document element (`/ubl:Invoice`
/// or `/cn:CreditNote`), optionally below `cac:InvoiceLine`.
fn document_allowance(n: Node<'_, '_>, charge: bool, on_line: bool) -> bool {
    let ac = cac("AllowanceCharge");
    let path_ok = if on_line {
        at(n, &[INVOICE, cac("InvoiceLine"), ac]) || at(n, &[CREDIT_NOTE, cac("InvoiceLine"), ac])
    } else {
        at(n, &[INVOICE, ac]) || at(n, &[CREDIT_NOTE, ac])
    };
    path_ok && charge_is(n, charge)
}

/// `//cac:LINE/cac:AllowanceCharge[cbc:ChargeIndicator = B]`.
fn line_allowance(n: Node<'_, '_>, line: &'static str, charge: bool) -> bool {
    ends_with(n, &[cac(line), cac("AllowanceCharge")]) && charge_is(n, charge)
}

/// `/*/cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory[CODE][VAT]`.
fn subtotal_category(n: Node<'_, '_>, code: &str) -> bool {
    at_any_root(
        n,
        &[cac("TaxTotal"), cac("TaxSubtotal"), cac("TaxCategory")],
    ) && vat_category(n, code).unwrap_or(false)
}

/// `cac:AllowanceCharge[cbc:ChargeIndicator=B]/cac:TaxCategory[CODE][VAT]`.
fn allowance_category(n: Node<'_, '_>, charge: bool, code: &str) -> bool {
    is(n, cac("TaxCategory"))
        && n.parent()
            .is_some_and(|p| is(p, cac("AllowanceCharge")) && charge_is(p, charge))
        && vat_category(n, code).unwrap_or(false)
}

/// `cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory[CODE][VAT]` (and `cac:CreditNoteLine`
/// where `credit_lines`).
fn line_category(n: Node<'_, '_>, code: &str, credit_lines: bool) -> bool {
    let tail = [cac("Item"), cac("ClassifiedTaxCategory")];
    let on_line = ends_with(n, &[cac("InvoiceLine"), tail[0], tail[1]])
        || credit_lines && ends_with(n, &[cac("CreditNoteLine"), tail[0], tail[1]]);
    on_line && vat_category(n, code).unwrap_or(false)
}

/// `string-length(substring-after(PATH,'.')) <= 2` as a warning id.
fn two_decimals(cx: &mut Cx<'_, '_>, n: Node<'_, '_>, id: &str, path: &[Name]) -> Xr<()> {
    let ok = at_most_two_decimals(n, path)?;
    cx.assert(id, ok);
    Ok(())
}

const AMOUNTS: [Name; 13] = [
    cbc("Amount"),
    cbc("BaseAmount"),
    cbc("PriceAmount"),
    cbc("TaxAmount"),
    cbc("TaxableAmount"),
    cbc("LineExtensionAmount"),
    cbc("TaxExclusiveAmount"),
    cbc("TaxInclusiveAmount"),
    cbc("AllowanceTotalAmount"),
    cbc("ChargeTotalAmount"),
    cbc("PrepaidAmount"),
    cbc("PayableRoundingAmount"),
    cbc("PayableAmount"),
];

/// `TaxAmount[@currencyID = //cbc:CODE]` on `ubl:Invoice/cac:TaxTotal/cbc:TaxAmount`.
fn tax_amount_in(n: Node<'_, '_>, code: &'static str) -> bool {
    ends_with(n, &[INVOICE, cac("TaxTotal"), cbc("TaxAmount")])
        && n.attribute("currencyID").is_some_and(|c| {
            n.document()
                .descendants()
                .filter(|d| is(*d, cbc(code)))
                .any(|d| string(d) == c)
        })
}

fn check_additional_document(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert("BR-52", any_non_empty(n, &[cbc("ID")]));
    Ok(())
}

fn check_document_allowance(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert("BR-31", exists(n, &[cbc("Amount")]));
    let mut vat_ids = Vec::new();
    for category in children(n, cac("TaxCategory")) {
        if vat_scheme(category)? {
            vat_ids.extend(children(category, cbc("ID")));
        }
    }
    cx.assert(
        "BR-32",
        !vat_ids.is_empty() && vat_ids.iter().any(|id| !string(*id).is_empty()),
    );
    two_decimals(cx, n, "BR-DEC-01", &[cbc("Amount")])?;
    two_decimals(cx, n, "BR-DEC-02", &[cbc("BaseAmount")])
}

fn check_document_charge(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert("BR-36", exists(n, &[cbc("Amount")]));
    cx.assert("BR-37", exists(n, &[cac("TaxCategory"), cbc("ID")]));
    two_decimals(cx, n, "BR-DEC-06", &[cbc("BaseAmount")])?;
    two_decimals(cx, n, "BR-DEC-05", &[cbc("Amount")])
}

fn check_line_charge(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert("BR-43", exists(n, &[cbc("Amount")]));
    two_decimals(cx, n, "BR-DEC-27", &[cbc("Amount")])?;
    two_decimals(cx, n, "BR-DEC-28", &[cbc("BaseAmount")])
}

fn check_line_allowance(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert("BR-41", exists(n, &[cbc("Amount")]));
    two_decimals(cx, n, "BR-DEC-24", &[cbc("Amount")])?;
    two_decimals(cx, n, "BR-DEC-25", &[cbc("BaseAmount")])
}

fn check_monetary_total(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert("BR-13", exists(n, &[cbc("TaxExclusiveAmount")]));
    cx.assert("BR-14", exists(n, &[cbc("TaxInclusiveAmount")]));
    cx.assert("BR-15", exists(n, &[cbc("PayableAmount")]));
    // BR-DEC-09 is written positively (`if(string-length(…) > 2)`), the same test.
    for (id, name) in [
        ("BR-DEC-09", "LineExtensionAmount"),
        ("BR-DEC-10", "AllowanceTotalAmount"),
        ("BR-DEC-11", "ChargeTotalAmount"),
        ("BR-DEC-12", "TaxExclusiveAmount"),
        ("BR-DEC-14", "TaxInclusiveAmount"),
        ("BR-DEC-16", "PrepaidAmount"),
        ("BR-DEC-17", "PayableRoundingAmount"),
        ("BR-DEC-18", "PayableAmount"),
    ] {
        two_decimals(cx, n, id, &[cbc(name)])?;
    }
    check_totals(cx, n)
}

fn check_document(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert(
        "BR-02",
        exists(n, &[cbc("ID")]) && any_non_empty(n, &[cbc("ID")]),
    );
    if exists(n, &[cbc("ID")]) && string_length(&str1(n, &[cbc("ID")])?) > 127 {
        cx.fail("BR-KSA-F-06-C1");
    }
    // `(/ubl:Invoice/cbc:Note/text()[string-length() > 1000])[1]`: a text node, not the note.
    let long_note = cx.root.has_tag_name(INVOICE)
        && children(cx.root, cbc("Note"))
            .flat_map(|note| note.children().filter(Node::is_text))
            .any(|t| string_length(t.text().unwrap_or_default()) > 1000);
    if long_note {
        cx.fail("BR-KSA-F-06-C2");
    }
    cx.assert(
        "BR-03",
        exists(n, &[cbc("IssueDate")]) && any_non_empty(n, &[cbc("IssueDate")]),
    );
    cx.assert(
        "BR-04",
        any_non_empty(n, &[cbc("InvoiceTypeCode")])
            || any_non_empty(n, &[cbc("CreditNoteTypeCode")]),
    );
    cx.assert("BR-05", any_non_empty(n, &[cbc("DocumentCurrencyCode")]));
    let registration = [
        cac("AccountingSupplierParty"),
        cac("Party"),
        cac("PartyLegalEntity"),
        cbc("RegistrationName"),
    ];
    cx.assert("BR-06", any_non_empty(n, &registration));
    if exists(n, &registration) {
        let len = string_length(&str1(n, &registration)?);
        if !(1..=1000).contains(&len) {
            cx.fail("BR-KSA-F-06-C10");
        }
    }
    for (id, party) in [
        ("BR-KSA-F-06-C8", "AccountingSupplierParty"),
        ("BR-KSA-F-06-C27", "AccountingCustomerParty"),
    ] {
        let path = [
            cac(party),
            cac("Party"),
            cac("PostalAddress"),
            cbc("CountrySubentity"),
        ];
        if exists(n, &path) && string_length(&str1(n, &path)?) > 127 {
            cx.fail(id);
        }
    }
    cx.assert(
        "BR-08",
        exists(
            n,
            &[
                cac("AccountingSupplierParty"),
                cac("Party"),
                cac("PostalAddress"),
            ],
        ),
    );
    cx.assert(
        "BR-16",
        exists(n, &[cac("InvoiceLine")]) || exists(n, &[cac("CreditNoteLine")]),
    );
    let tax_amounts: Vec<Node<'_, '_>> = n
        .document()
        .descendants()
        .filter(|d| is(*d, cbc("TaxAmount")) && d.parent().is_some_and(|p| is(p, cac("TaxTotal"))))
        .collect();
    let every_tax_currency_has_amount = children(n, cbc("TaxCurrencyCode")).all(|code| {
        let code = string(code);
        tax_amounts
            .iter()
            .any(|a| a.attribute("currencyID") == Some(&*code))
    });
    cx.assert("BR-53", every_tax_currency_has_amount);
    for line in n
        .document()
        .descendants()
        .filter(|d| is(*d, cac("InvoiceLine")))
    {
        if exists(line, &[cbc("ID")]) {
            let len = string_length(&str1(line, &[cbc("ID")])?);
            if !(1..=6).contains(&len) {
                cx.fail("BR-KSA-F-06-C17");
            }
        }
        for (id, identification) in [
            ("BR-KSA-F-06-C30", "BuyersItemIdentification"),
            ("BR-KSA-F-06-C31", "SellersItemIdentification"),
            ("BR-KSA-F-06-C20", "StandardItemIdentification"),
        ] {
            let path = [cac("Item"), cac(identification), cbc("ID")];
            if exists(line, &path) && string_length(&str1(line, &path)?) > 127 {
                cx.fail(id);
            }
        }
    }
    cx.assert(
        "BR-CO-18",
        exists(n, &[cac("TaxTotal"), cac("TaxSubtotal")]),
    );
    check_category_presence(cx, n)?;
    check_inclusive_total(cx, n)
}

/// `//PATH[cac:TaxScheme/… = 'VAT']/cbc:ID[normalize-space(.) = CODE]` exists.
fn vat_ids_with_code(categories: &[Node<'_, '_>], code: &str) -> Xr<bool> {
    for category in categories {
        if vat_scheme(*category)?
            && children(*category, cbc("ID")).any(|id| normalize_space(&string(id)) == code)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// BR-E-01, BR-O-01, BR-Z-01 (a category used on a line or an allowance/charge has a VAT
/// breakdown) and BR-E-07, BR-Z-07 (an exempt or zero-rated charge has rate 0).
fn check_category_presence(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let doc = n.document();
    let allowance_categories: Vec<Node<'_, '_>> = doc
        .descendants()
        .filter(|d| {
            is(*d, cac("TaxCategory")) && d.parent().is_some_and(|p| is(p, cac("AllowanceCharge")))
        })
        .collect();
    let line_categories: Vec<Node<'_, '_>> = doc
        .descendants()
        .filter(|d| is(*d, cac("ClassifiedTaxCategory")))
        .collect();
    let breakdown = select(
        n,
        &[cac("TaxTotal"), cac("TaxSubtotal"), cac("TaxCategory")],
    );
    for (id, code) in [("BR-E-01", "E"), ("BR-O-01", "O"), ("BR-Z-01", "Z")] {
        let used = vat_ids_with_code(&allowance_categories, code)?
            || vat_ids_with_code(&line_categories, code)?;
        let ok = !used || vat_ids_with_code(&breakdown, code)?;
        cx.assert(id, ok);
    }
    for (id, code) in [("BR-Z-07", "Z"), ("BR-E-07", "E")] {
        let mut charged = false;
        for ac in children(n, cac("AllowanceCharge")) {
            if any_boolean_eq(ac, &[cbc("ChargeIndicator")], true)? {
                for category in children(ac, cac("TaxCategory")) {
                    charged = charged || vat_category(category, code)?;
                }
            }
        }
        if charged {
            let invoice_percents = if cx.root.has_tag_name(INVOICE) {
                select(
                    cx.root,
                    &[cac("AllowanceCharge"), cac("TaxCategory"), cbc("Percent")],
                )
            } else {
                Vec::new()
            };
            let mut zero = false;
            for p in invoice_percents {
                if crate::xpath::to_double(&string(p))? == 0.0 {
                    zero = true;
                    break;
                }
            }
            cx.assert(id, zero);
        }
    }
    Ok(())
}

/// BR-10: a standard document's buyer has a full postal address.
fn check_buyer_address(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    if !crate::xpath::any_name_matches(n, crate::xpath::regex!(r"01\d{5}")) {
        return Ok(());
    }
    let address = [
        cac("AccountingCustomerParty"),
        cac("Party"),
        cac("PostalAddress"),
    ];
    let mut ok = true;
    for field in [
        &[cac("Country"), cbc("IdentificationCode")][..],
        &[cbc("StreetName")],
        &[cbc("CityName")],
        &[cbc("PostalZone")],
    ] {
        let path: Vec<Name> = address.iter().chain(field).copied().collect();
        ok = ok && string_length(&crate::xpath::str_anywhere(n, &path)?) > 0;
        if !ok {
            break;
        }
    }
    cx.assert("BR-10", ok);
    Ok(())
}

fn check_payment_means(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    if crate::xpath::any_name_matches(n, crate::xpath::regex!(r"01\d{5}"))
        && !exists(n, &[cbc("PaymentMeansCode")])
    {
        cx.fail("BR-49");
    }
    Ok(())
}

fn check_standard_breakdown(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let s_text = n
        .document()
        .descendants()
        .filter(|d| {
            is(*d, cbc("ID"))
                && d.parent().is_some_and(|c| {
                    at_any_root(
                        c,
                        &[cac("TaxTotal"), cac("TaxSubtotal"), cac("TaxCategory")],
                    )
                })
        })
        .flat_map(|id| id.children().filter(Node::is_text))
        .any(|t| t.text() == Some("S"));
    if s_text
        && (exists(n, &[cbc("TaxExemptionReason")]) || exists(n, &[cbc("TaxExemptionReasonCode")]))
    {
        cx.fail("BR-S-10");
    }
    Ok(())
}

/// `xs:decimal(PATH) = 0` on one optional node: `()` (absent) compares false.
fn decimal_zero(n: Node<'_, '_>, path: &[Name]) -> Xr<bool> {
    match crate::xpath::one(n, path)? {
        None => Ok(false),
        Some(x) => crate::decimal::Dec::cast(&string(x))?.eq(crate::decimal::Dec::int(0)),
    }
}

fn zero_percent(cx: &mut Cx<'_, '_>, n: Node<'_, '_>, id: &str) -> Xr<()> {
    let ok = decimal_zero(n, &[cbc("Percent")])?;
    cx.assert(id, ok);
    Ok(())
}

fn zero_tax(cx: &mut Cx<'_, '_>, n: Node<'_, '_>, id: &str) -> Xr<()> {
    let ok = match n.parent() {
        Some(sub) => decimal_zero(sub, &[cbc("TaxAmount")])?,
        None => false,
    };
    cx.assert(id, ok);
    Ok(())
}

fn check_line(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let unit = select(n, &[cbc("InvoicedQuantity")])
        .into_iter()
        .filter_map(|q| q.attribute("unitCode"))
        .collect::<Vec<_>>();
    if unit.len() > 1 {
        return Err(crate::xpath::DynamicError);
    }
    if unit.first().is_some_and(|u| string_length(u) > 127) {
        cx.fail("BR-KSA-F-06-C18");
    }
    let name = [cac("Item"), cbc("Name")];
    if exists(n, &name) {
        let len = string_length(&str1(n, &name)?);
        if !(1..=1000).contains(&len) {
            cx.fail("BR-KSA-F-06-C19");
        }
    }
    cx.assert("BR-21", any_non_empty(n, &[cbc("ID")]));
    let quantity_zero = select(n, &[cbc("InvoicedQuantity")])
        .into_iter()
        .flat_map(|q| q.children().filter(Node::is_text))
        .any(|t| t.text() == Some("0"));
    if !exists(n, &[cbc("InvoicedQuantity")]) || quantity_zero {
        cx.fail("BR-22");
    }
    cx.assert("BR-24", exists(n, &[cbc("LineExtensionAmount")]));
    cx.assert("BR-25", any_non_empty(n, &name));
    cx.assert("BR-26", exists(n, &[cac("Price"), cbc("PriceAmount")]));
    // The predicate `[cac:TaxScheme/(… = 'VAT')]` is a sequence of booleans: its effective
    // boolean value is an error (FORG0006) for two or more schemes.
    let mut vat_category_ids = false;
    for category in select(n, &[cac("Item"), cac("ClassifiedTaxCategory")]) {
        let schemes: Vec<_> = children(category, cac("TaxScheme")).collect();
        if schemes.len() > 1 {
            return Err(crate::xpath::DynamicError);
        }
        let mut vat = false;
        for scheme in schemes {
            let id = str1(scheme, &[cbc("ID")])?;
            vat = normalize_space(&id.to_uppercase()) == "VAT";
        }
        vat_category_ids |= vat && exists(category, &[cbc("ID")]);
    }
    cx.assert("BR-CO-04", vat_category_ids);
    two_decimals(cx, n, "BR-DEC-23", &[cbc("LineExtensionAmount")])
}

fn check_item_property(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert(
        "BR-54",
        exists(n, &[cbc("Name")]) && exists(n, &[cbc("Value")]),
    );
    Ok(())
}

fn check_billing_reference(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert(
        "BR-55",
        any_non_empty(n, &[cac("InvoiceDocumentReference"), cbc("ID")]),
    );
    Ok(())
}

fn check_seller_address(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert(
        "BR-09",
        any_non_empty(n, &[cac("Country"), cbc("IdentificationCode")]),
    );
    Ok(())
}

fn check_subtotal_shape(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert("BR-45", exists(n, &[cbc("TaxableAmount")]));
    cx.assert("BR-46", exists(n, &[cbc("TaxAmount")]));
    let mut vat_categories = Vec::new();
    for category in children(n, cac("TaxCategory")) {
        if vat_scheme(category)? {
            vat_categories.push(category);
        }
    }
    let ids = vat_categories.iter().any(|c| exists(*c, &[cbc("ID")]));
    cx.assert("BR-47", ids);
    let percents = vat_categories.iter().any(|c| exists(*c, &[cbc("Percent")]));
    let mut out_of_scope = false;
    if !percents {
        for category in &vat_categories {
            out_of_scope |= normalize_space(&str1(*category, &[cbc("ID")])?) == "O";
        }
    }
    cx.assert("BR-48", percents || out_of_scope);
    two_decimals(cx, n, "BR-DEC-19", &[cbc("TaxableAmount")])?;
    two_decimals(cx, n, "BR-DEC-20", &[cbc("TaxAmount")])
}

/// `not((cbc:Percent) > 0)`.
fn percent_positive(cx: &mut Cx<'_, '_>, n: Node<'_, '_>, id: &str) -> Xr<()> {
    let ok = any_number(n, &[cbc("Percent")], |p| p > 0.0)?;
    cx.assert(id, ok);
    Ok(())
}

fn check_standard_allowance_category(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    percent_positive(cx, n, "BR-S-06")
}

fn check_standard_charge_category(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    percent_positive(cx, n, "BR-S-07")
}

fn check_standard_line_category(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    percent_positive(cx, n, "BR-S-05")
}

fn check_tax_amount_in_document_currency(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert("BR-DEC-13", crate::xpath::decimals(&string(n)) <= 2);
    Ok(())
}

fn check_tax_amount_in_tax_currency(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    cx.assert("BR-DEC-15", crate::xpath::decimals(&string(n)) <= 2);
    Ok(())
}

fn check_type_code(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let value = string(n);
    let ok = is(n, cbc("InvoiceTypeCode")) && in_code_list(cx.code_list("BR-CL-01", 0), &value)
        || is(n, cbc("CreditNoteTypeCode")) && in_code_list(cx.code_list("BR-CL-01", 1), &value);
    cx.assert("BR-CL-01", ok);
    Ok(())
}

fn check_amount_currency(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let currency = n.attribute("currencyID").unwrap_or_default();
    if string_length(currency) > 0 && !in_code_list(cx.code_list("BR-CL-03", 0), currency) {
        cx.fail("BR-CL-03");
    }
    Ok(())
}

fn code_list_check(cx: &mut Cx<'_, '_>, n: Node<'_, '_>, id: &str) -> Xr<()> {
    let ok = in_code_list(cx.code_list(id, 0), &string(n));
    cx.assert(id, ok);
    Ok(())
}

fn check_document_currency(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    code_list_check(cx, n, "BR-CL-04")
}

fn check_tax_currency(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    code_list_check(cx, n, "BR-CL-05")
}

fn check_country(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    code_list_check(cx, n, "BR-CL-14")
}

fn check_payment_means_code(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    code_list_check(cx, n, "BR-CL-16")
}

fn check_tax_category_code(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    code_list_check(cx, n, "BR-CL-18")
}

/// `substring(@name, 1, 2) = '01'` (a standard document's KSA-2 subtype).
fn standard_type_code(n: Node<'_, '_>) -> bool {
    is(n, cbc("InvoiceTypeCode")) && substring(n.attribute("name").unwrap_or(""), 1, 2) == "01"
}

/// `xs:decimal(PATH)` on at most one node: `None` for the empty sequence.
fn dec_opt(n: Node<'_, '_>, path: &[Name]) -> Xr<Option<Dec>> {
    match crate::xpath::one(n, path)? {
        None => Ok(None),
        Some(x) => Ok(Some(Dec::cast(&string(x))?)),
    }
}

/// `NODES/xs:decimal(PATH)`: one value per node that has the path.
fn dec_each(nodes: &[Node<'_, '_>], path: &[Name]) -> Xr<Vec<Dec>> {
    let mut out = Vec::new();
    for node in nodes {
        if let Some(d) = dec_opt(*node, path)? {
            out.push(d);
        }
    }
    Ok(out)
}

/// `A = B` on two optional decimals (the empty sequence compares false).
fn dec_equal(a: Option<Dec>, b: Option<Dec>) -> Xr<bool> {
    match (a, b) {
        (Some(a), Some(b)) => a.eq(b),
        _ => Ok(false),
    }
}

/// `../cac:AllowanceCharge[cbc:ChargeIndicator = B]` of the monetary total's document.
fn allowances<'a, 'i>(root: Node<'a, 'i>, charge: bool) -> Xr<Vec<Node<'a, 'i>>> {
    let mut out = Vec::new();
    for ac in children(root, cac("AllowanceCharge")) {
        if any_boolean_eq(ac, &[cbc("ChargeIndicator")], charge)? {
            out.push(ac);
        }
    }
    Ok(out)
}

/// BR-CO-10, -11, -12, -16 on `cac:LegalMonetaryTotal`.
fn check_totals(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let Some(parent) = n.parent() else {
        return Ok(());
    };
    // BR-CO-10: `//(cac:InvoiceLine|cac:CreditNoteLine)/xs:decimal(cbc:LineExtensionAmount)`.
    let lines: Vec<Node<'_, '_>> = n
        .document()
        .descendants()
        .filter(|d| is_any(*d, &[cac("InvoiceLine"), cac("CreditNoteLine")]))
        .collect();
    let line_sum = sum(&dec_each(&lines, &[cbc("LineExtensionAmount")])?)?.round_cents()?;
    let ok = dec_equal(dec_opt(n, &[cbc("LineExtensionAmount")])?, Some(line_sum))?;
    cx.assert("BR-CO-10", ok);
    // BR-CO-11.
    let discounts = allowances(parent, false)?;
    let allowance_total = dec_opt(n, &[cbc("AllowanceTotalAmount")])?;
    let expected = sum(&dec_each(&discounts, &[cbc("Amount")])?)?.round_cents()?;
    let ok = dec_equal(allowance_total, Some(expected))?
        || !exists(n, &[cbc("AllowanceTotalAmount")]) && discounts.is_empty();
    cx.assert("BR-CO-11", ok);
    // BR-CO-12.
    let charge_path = [cbc("ChargeTotalAmount")];
    if exists(n, &charge_path) && normalize_space(&str1(n, &charge_path)?).is_empty() {
        cx.fail_nth("BR-CO-12", 0);
    } else {
        let charges = allowances(parent, true)?;
        let expected = sum(&dec_each(&charges, &[cbc("Amount")])?)?.round_cents()?;
        let ok = dec_equal(dec_opt(n, &charge_path)?, Some(expected))?
            || !exists(n, &charge_path) && charges.is_empty();
        if !ok {
            cx.fail_nth("BR-CO-12", 1);
        }
    }
    // BR-CO-13.
    if exists(n, &charge_path) && normalize_space(&str1(n, &charge_path)?).is_empty() {
        cx.fail_nth("BR-CO-13", 0);
    } else if !check_exclusive_total(n)? {
        cx.fail_nth("BR-CO-13", 1);
    }
    // BR-CO-16.
    let payable = dec_opt(n, &[cbc("PayableAmount")])?;
    let inclusive = dec_opt(n, &[cbc("TaxInclusiveAmount")])?;
    let prepaid = dec_opt(n, &[cbc("PrepaidAmount")])?;
    let rounding = dec_opt(n, &[cbc("PayableRoundingAmount")])?;
    let has_prepaid = exists(n, &[cbc("PrepaidAmount")]);
    let has_rounding = exists(n, &[cbc("PayableRoundingAmount")]);
    let minus = |a: Option<Dec>, b: Option<Dec>| -> Xr<Option<Dec>> {
        match (a, b) {
            (Some(a), Some(b)) => Ok(Some(a.sub(b)?.round_cents()?)),
            _ => Ok(None),
        }
    };
    let ok = !has_rounding && dec_equal(payable, minus(inclusive, prepaid)?)?
        || !has_prepaid && !has_rounding && dec_equal(payable, inclusive)?
        || has_prepaid
            && has_rounding
            && dec_equal(minus(payable, rounding)?, minus(inclusive, prepaid)?)?
        || !has_prepaid && has_rounding && dec_equal(minus(payable, rounding)?, inclusive)?;
    cx.assert("BR-CO-16", ok);
    Ok(())
}

/// BR-CO-13's test: the VAT-exclusive total is the lines' sum plus charges less allowances.
fn check_exclusive_total(n: Node<'_, '_>) -> Xr<bool> {
    let root = n.document().root_element();
    // `xs:decimal(sum(/ubl:Invoice/cac:InvoiceLine/cbc:LineExtensionAmount))`: untyped
    // values add up as doubles.
    let lines_sum = || -> Xr<Dec> {
        let mut total = 0.0f64;
        if is(root, INVOICE) {
            for line in children(root, cac("InvoiceLine")) {
                for amount in children(line, cbc("LineExtensionAmount")) {
                    total += crate::xpath::to_double(&string(amount))?;
                }
            }
        }
        crate::decimal::from_double(total)
    };
    let has_charge = exists(n, &[cbc("ChargeTotalAmount")]);
    let has_allowance = exists(n, &[cbc("AllowanceTotalAmount")]);
    let exclusive = || dec_opt(n, &[cbc("TaxExclusiveAmount")]);
    let charge = || dec_opt(n, &[cbc("ChargeTotalAmount")]);
    let allowance = || dec_opt(n, &[cbc("AllowanceTotalAmount")]);
    let rounded =
        |parts: Option<Dec>| -> Xr<Option<Dec>> { parts.map(Dec::round_cents).transpose() };
    let add = |a: Option<Dec>, b: Option<Dec>| -> Xr<Option<Dec>> {
        match (a, b) {
            (Some(a), Some(b)) => Ok(Some(a.add(b)?)),
            _ => Ok(None),
        }
    };
    let sub = |a: Option<Dec>, b: Option<Dec>| -> Xr<Option<Dec>> {
        match (a, b) {
            (Some(a), Some(b)) => Ok(Some(a.sub(b)?)),
            _ => Ok(None),
        }
    };
    if has_charge && has_allowance {
        let expected = rounded(sub(add(Some(lines_sum()?), charge()?)?, allowance()?)?)?;
        if dec_equal(exclusive()?, expected)? {
            return Ok(true);
        }
    }
    if !has_charge && has_allowance {
        let expected = rounded(sub(Some(lines_sum()?), allowance()?)?)?;
        if dec_equal(exclusive()?, expected)? {
            return Ok(true);
        }
    }
    if has_charge && !has_allowance {
        let expected = rounded(add(Some(lines_sum()?), charge()?)?)?;
        if dec_equal(exclusive()?, expected)? {
            return Ok(true);
        }
    }
    Ok(!has_charge
        && !has_allowance
        && dec_equal(exclusive()?, dec_opt(n, &[cbc("LineExtensionAmount")])?)?)
}

/// BR-CO-14: the VAT total is the sum of the breakdown's VAT amounts.
fn check_tax_total(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let subtotals: Vec<Node<'_, '_>> = children(n, cac("TaxSubtotal")).collect();
    let expected = sum(&dec_each(&subtotals, &[cbc("TaxAmount")])?)?.round_cents()?;
    let ok = dec_equal(dec_opt(n, &[cbc("TaxAmount")])?, Some(expected))? || subtotals.is_empty();
    cx.assert("BR-CO-14", ok);
    Ok(())
}

/// BR-CO-15 on the document element: the VAT-inclusive total is the VAT-exclusive total plus
/// the breakdown's VAT, for a document currency that has a VAT total.
fn check_inclusive_total(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let totals: Vec<Node<'_, '_>> = children(n, cac("TaxTotal")).collect();
    let monetary: Vec<Node<'_, '_>> = children(n, cac("LegalMonetaryTotal")).collect();
    let mut ok = true;
    for currency in children(n, cbc("DocumentCurrencyCode")) {
        let currency = string(currency);
        let mut count = 0;
        for total in &totals {
            let amounts: Vec<Node<'_, '_>> = children(*total, cbc("TaxAmount"))
                .filter(|a| a.attribute("currencyID") == Some(&*currency))
                .collect();
            match amounts.as_slice() {
                [] => {}
                [one] => {
                    Dec::cast(&string(*one))?;
                    count += 1;
                }
                _ => return Err(crate::xpath::DynamicError),
            }
        }
        if count < 1 {
            ok = false;
            break;
        }
        let inclusive = dec_each(&monetary, &[cbc("TaxInclusiveAmount")])?;
        let exclusive = dec_each(&monetary, &[cbc("TaxExclusiveAmount")])?;
        let subtotals: Vec<Node<'_, '_>> = totals
            .iter()
            .flat_map(|t| children(*t, cac("TaxSubtotal")))
            .collect();
        let vat = sum(&dec_each(&subtotals, &[cbc("TaxAmount")])?)?;
        let expected = match exclusive.as_slice() {
            [] => None,
            [one] => Some(one.add(vat)?.round_cents()?),
            _ => return Err(crate::xpath::DynamicError),
        };
        let mut equal = false;
        for i in inclusive {
            equal = equal || dec_equal(Some(i), expected)?;
        }
        if !equal {
            ok = false;
            break;
        }
    }
    cx.assert("BR-CO-15", ok);
    Ok(())
}

/// `cac:Item/cac:ClassifiedTaxCategory/normalize-space(cbc:ID) = CODE` (and the same for an
/// allowance's `cac:TaxCategory`).
fn category_code_is(n: Node<'_, '_>, path: &[Name], code: &str) -> Xr<bool> {
    for category in select(n, path) {
        if normalize_space(&str1(category, &[cbc("ID")])?) == code {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `sum(lines of CODE) + sum(charges of CODE) - sum(allowances of CODE)` over the document.
fn category_base(root: Node<'_, '_>, code: &str) -> Xr<Dec> {
    let mut lines = Vec::new();
    for line in children(root, cac("InvoiceLine")) {
        if category_code_is(line, &[cac("Item"), cac("ClassifiedTaxCategory")], code)? {
            lines.push(line);
        }
    }
    let mut by_charge = [Vec::new(), Vec::new()];
    for (slot, charge) in [(0usize, true), (1, false)] {
        for ac in children(root, cac("AllowanceCharge")) {
            if any_boolean_eq(ac, &[cbc("ChargeIndicator")], charge)?
                && category_code_is(ac, &[cac("TaxCategory")], code)?
                && let Some(list) = by_charge.get_mut(slot)
            {
                list.push(ac);
            }
        }
    }
    let [charges, discounts] = &by_charge;
    sum(&dec_each(&lines, &[cbc("LineExtensionAmount")])?)?
        .add(sum(&dec_each(charges, &[cbc("Amount")])?)?)?
        .sub(sum(&dec_each(discounts, &[cbc("Amount")])?)?)
}

/// BR-E-08, BR-O-08, BR-Z-08: the category's taxable amount is its lines and charges less
/// its allowances.
fn check_category_base(cx: &mut Cx<'_, '_>, n: Node<'_, '_>, id: &str, code: &str) -> Xr<()> {
    let (Some(subtotal), Some(root)) = (n.parent(), cx.root.is_element().then_some(cx.root)) else {
        return Ok(());
    };
    let taxable = dec_opt(subtotal, &[cbc("TaxableAmount")])?;
    let ok = dec_equal(taxable, Some(category_base(root, code)?))?;
    cx.assert(id, ok);
    Ok(())
}

/// BR-S-08: for S, Z, E and O, the breakdown's taxable amounts add up to the category's
/// lines and charges less its allowances.
fn check_standard_base(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let Some(total) = n.parent().and_then(|s| s.parent()) else {
        return Ok(());
    };
    let root = cx.root;
    let mut ok = true;
    for code in ["S", "Z", "E", "O"] {
        let mut subtotals = Vec::new();
        for sub in children(total, cac("TaxSubtotal")) {
            if category_code_is(sub, &[cac("TaxCategory")], code)? {
                subtotals.push(sub);
            }
        }
        let breakdown = sum(&dec_each(&subtotals, &[cbc("TaxableAmount")])?)?;
        if !breakdown.eq(category_base(root, code)?)? {
            ok = false;
            break;
        }
    }
    cx.assert("BR-S-08", ok);
    Ok(())
}

/// `xs:float` arithmetic as the rules' `as="xs:float"` variables do it (IEEE single
/// precision, as Java's `float`).
mod float {
    use roxmltree::Node;

    use crate::xpath::{DynamicError, Name, Xr, one, string, to_double};

    /// An untyped value cast to `xs:float`.
    pub(super) fn cast(s: &str) -> Xr<f32> {
        // The lexical space is `xs:double`'s; the value is rounded once, to single precision.
        let d = to_double(s)?;
        if !d.is_finite() {
            return Ok(d as f32);
        }
        s.trim_matches([' ', '\t', '\n', '\r'])
            .parse::<f32>()
            .map_err(|_| DynamicError)
    }

    /// `<xsl:variable select="PATH" as="xs:float"/>`: exactly one node, cast.
    pub(super) fn variable(n: Node<'_, '_>, path: &[Name]) -> Xr<f32> {
        match one(n, path)? {
            Some(x) => cast(&string(x)),
            None => Err(DynamicError),
        }
    }

    /// XPath `round()` of an `xs:float`.
    pub(super) fn round(x: f32) -> f32 {
        if !x.is_finite() {
            x
        } else if (-0.5..0.0).contains(&x) {
            -0.0
        } else {
            (f64::from(x) + 0.5).floor() as f32
        }
    }

    /// An `xs:decimal` promoted to `xs:float` (the nearest float).
    pub(super) fn from_decimal(text: &str) -> Xr<f32> {
        text.parse::<f32>().map_err(|_| DynamicError)
    }
}

/// BR-CO-17 / BR-S-09's test in the rules' `xs:float` variables: the VAT amount is the
/// taxable amount times the rate, within a halala per invoice line.
fn vat_within_tolerance(subtotal: Node<'_, '_>, lines: usize) -> Xr<bool> {
    let tax = float::variable(subtotal, &[cbc("TaxAmount")])?;
    let taxable = float::variable(subtotal, &[cbc("TaxableAmount")])?;
    let tolerance = float::from_decimal(&tolerance_text(lines))?;
    let mut rates = Vec::new();
    for category in children(subtotal, cac("TaxCategory")) {
        if vat_scheme(category)?
            && let Some(p) = crate::xpath::one(category, &[cbc("Percent")])?
        {
            rates.push(float::cast(&string(p))?);
        }
    }
    let rate = match rates.as_slice() {
        [r] => *r,
        _ => return Err(crate::xpath::DynamicError),
    };
    let should_be = float::round(taxable * (rate / 100.0) * 100.0) / 100.0;
    let upper = float::round((should_be + tolerance) * 100.0) / 100.0;
    if tax <= upper {
        let lower = float::round((should_be - tolerance) * 100.0) / 100.0;
        if tax >= lower {
            return Ok(true);
        }
    }
    Ok(tax == should_be)
}

/// `count(//cac:InvoiceLine) * 0.01` as an exact decimal text.
fn tolerance_text(lines: usize) -> String {
    format!("{}.{:02}", lines / 100, lines % 100)
}

/// BR-CO-17 on a VAT breakdown of the document.
fn check_breakdown_vat(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let lines = *cx.cache.invoice_lines.get_or_insert_with(|| {
        n.document()
            .descendants()
            .filter(|d| is(*d, cac("InvoiceLine")))
            .count()
    });
    let code_is = |code: &str| -> Xr<bool> {
        for category in children(n, cac("TaxCategory")) {
            if normalize_space(&str1(category, &[cbc("ID")])?) == code {
                return Ok(true);
            }
        }
        Ok(false)
    };
    let percent = [cac("TaxCategory"), cbc("Percent")];
    let zero_rated = !code_is("S")?
        && (code_is("O")? && !exists(n, &percent)
            || code_is("E")?
            || code_is("Z")?
            || normalize_space(&str1(n, &percent)?).is_empty());
    if zero_rated {
        let tax = float::variable(n, &[cbc("TaxAmount")])?;
        let tolerance = float::from_decimal(&tolerance_text(lines))?;
        // `round(((xs:decimal(TA) * 0) div 100) * 100) div 100` as xs:float: zero, or an
        // error for a missing or non-decimal taxable amount.
        match crate::xpath::one(n, &[cbc("TaxableAmount")])? {
            Some(t) => {
                Dec::cast(&string(t))?;
            }
            None => return Err(crate::xpath::DynamicError),
        }
        let should_be = 0.0f32;
        let upper = should_be + tolerance;
        let lower = should_be - tolerance;
        if !(tax >= upper && tax <= lower || tax == should_be) {
            cx.fail_nth("BR-CO-17", 0);
        }
        return Ok(());
    }
    // Saxon evaluates the branch's typed variables as they are declared: an empty or
    // non-numeric amount or rate stops the transformation even where `$checkOne` decides.
    let within = vat_within_tolerance(n, lines)?;
    if normalize_space(&str1(n, &percent)?).is_empty() || !within {
        cx.fail_nth("BR-CO-17", 1);
    }
    Ok(())
}

/// BR-S-09 on a standard-rated category of the VAT breakdown.
fn check_standard_vat(cx: &mut Cx<'_, '_>, n: Node<'_, '_>) -> Xr<()> {
    let Some(subtotal) = n.parent() else {
        return Ok(());
    };
    let lines = *cx.cache.invoice_lines.get_or_insert_with(|| {
        n.document()
            .descendants()
            .filter(|d| is(*d, cac("InvoiceLine")))
            .count()
    });
    // The rule's typed variables are evaluated as they are declared (see BR-CO-17).
    let within = vat_within_tolerance(subtotal, lines)?;
    if normalize_space(&str1(n, &[cbc("Percent")])?).is_empty() || !within {
        cx.fail("BR-S-09");
    }
    Ok(())
}

macro_rules! template {
    ($order:expr, $matches:expr, $check:expr, [$($id:literal),* $(,)?]) => {
        Template {
            schematron: Schematron::En16931,
            order: $order,
            matches: |n, _| ($matches)(n),
            matches_currency_attribute: None,
            check: $check,
            implemented: &[$($id),*],
        }
    };
}

/// Every rule of the EN 16931 Schematron, by its position in the file.
pub(crate) static TEMPLATES: [Template; 36] = [
    template!(
        4,
        |n| is(n, cac("AdditionalDocumentReference")),
        check_additional_document,
        ["BR-52"]
    ),
    template!(
        5,
        |n| document_allowance(n, false, false),
        check_document_allowance,
        ["BR-31", "BR-32", "BR-DEC-01", "BR-DEC-02"]
    ),
    template!(6, |n| document_allowance(n, false, true), nothing, []),
    template!(
        7,
        |n| document_allowance(n, true, false),
        check_document_charge,
        ["BR-36", "BR-37", "BR-DEC-06", "BR-DEC-05"]
    ),
    template!(
        8,
        |n| line_allowance(n, "InvoiceLine", true),
        check_line_charge,
        ["BR-43", "BR-DEC-27", "BR-DEC-28"]
    ),
    template!(
        9,
        |n| is(n, cac("LegalMonetaryTotal")),
        check_monetary_total,
        [
            "BR-13",
            "BR-14",
            "BR-15",
            "BR-DEC-09",
            "BR-DEC-10",
            "BR-DEC-11",
            "BR-DEC-12",
            "BR-DEC-14",
            "BR-DEC-16",
            "BR-DEC-17",
            "BR-DEC-18",
            "BR-CO-10",
            "BR-CO-11",
            "BR-CO-12",
            "BR-CO-13",
            "BR-CO-16"
        ]
    ),
    template!(10, standard_type_code, check_buyer_address, ["BR-10"]),
    template!(
        11,
        |n| at(n, &[INVOICE]) || at(n, &[CREDIT_NOTE]),
        check_document,
        [
            "BR-02",
            "BR-KSA-F-06-C1",
            "BR-KSA-F-06-C2",
            "BR-03",
            "BR-04",
            "BR-05",
            "BR-06",
            "BR-KSA-F-06-C10",
            "BR-KSA-F-06-C8",
            "BR-08",
            "BR-KSA-F-06-C27",
            "BR-16",
            "BR-53",
            "BR-KSA-F-06-C17",
            "BR-KSA-F-06-C30",
            "BR-KSA-F-06-C31",
            "BR-KSA-F-06-C20",
            "BR-CO-18",
            "BR-E-01",
            "BR-O-01",
            "BR-Z-01",
            "BR-E-07",
            "BR-Z-07",
            "BR-CO-15"
        ]
    ),
    template!(
        12,
        |n| is_any(n, &[cac("InvoiceLine"), cac("CreditNoteLine")]),
        check_line,
        [
            "BR-KSA-F-06-C18",
            "BR-KSA-F-06-C19",
            "BR-21",
            "BR-22",
            "BR-24",
            "BR-25",
            "BR-26",
            "BR-CO-04",
            "BR-DEC-23"
        ]
    ),
    template!(
        13,
        |n| line_allowance(n, "InvoiceLine", false) || line_allowance(n, "CreditNoteLine", false),
        check_line_allowance,
        ["BR-41", "BR-DEC-24", "BR-DEC-25"]
    ),
    template!(
        14,
        |n| is(n, cac("AdditionalItemProperty")),
        check_item_property,
        ["BR-54"]
    ),
    template!(
        15,
        |n| is(n, cac("PaymentMeans")),
        check_payment_means,
        ["BR-49"]
    ),
    template!(
        16,
        |n| is(n, cac("BillingReference")),
        check_billing_reference,
        ["BR-55"]
    ),
    template!(
        17,
        |n| ends_with(
            n,
            &[
                cac("AccountingSupplierParty"),
                cac("Party"),
                cac("PostalAddress")
            ]
        ),
        check_seller_address,
        ["BR-09"]
    ),
    template!(
        18,
        |n| at(n, &[INVOICE, cac("TaxTotal")]) || at(n, &[CREDIT_NOTE, cac("TaxTotal")]),
        check_tax_total,
        ["BR-CO-14"]
    ),
    template!(
        19,
        |n| at(n, &[INVOICE, cac("TaxTotal"), cac("TaxSubtotal")]),
        |cx, n| {
            check_subtotal_shape(cx, n)?;
            check_breakdown_vat(cx, n)
        },
        [
            "BR-45",
            "BR-46",
            "BR-47",
            "BR-48",
            "BR-CO-17",
            "BR-DEC-19",
            "BR-DEC-20"
        ]
    ),
    template!(
        20,
        |n| subtotal_category(n, "E"),
        |cx, n| {
            check_category_base(cx, n, "BR-E-08", "E")?;
            zero_tax(cx, n, "BR-E-09")
        },
        ["BR-E-08", "BR-E-09"]
    ),
    template!(
        21,
        |n| allowance_category(n, false, "E"),
        |cx, n| zero_percent(cx, n, "BR-E-06"),
        ["BR-E-06"]
    ),
    template!(
        22,
        |n| line_category(n, "E", true),
        |cx, n| zero_percent(cx, n, "BR-E-05"),
        ["BR-E-05"]
    ),
    template!(
        23,
        |n| subtotal_category(n, "O"),
        |cx, n| {
            check_category_base(cx, n, "BR-O-08", "O")?;
            zero_tax(cx, n, "BR-O-09")
        },
        ["BR-O-08", "BR-O-09"]
    ),
    template!(
        24,
        |n| subtotal_category(n, "S"),
        |cx, n| {
            check_standard_base(cx, n)?;
            check_standard_vat(cx, n)?;
            check_standard_breakdown(cx, n)
        },
        ["BR-S-08", "BR-S-09", "BR-S-10"]
    ),
    template!(
        25,
        |n| allowance_category(n, false, "S"),
        check_standard_allowance_category,
        ["BR-S-06"]
    ),
    template!(
        26,
        |n| allowance_category(n, true, "S"),
        check_standard_charge_category,
        ["BR-S-07"]
    ),
    template!(
        27,
        |n| subtotal_category(n, "Z"),
        |cx, n| {
            check_category_base(cx, n, "BR-Z-08", "Z")?;
            zero_tax(cx, n, "BR-Z-09")
        },
        ["BR-Z-08", "BR-Z-09"]
    ),
    template!(
        28,
        |n| allowance_category(n, false, "Z"),
        |cx, n| zero_percent(cx, n, "BR-Z-06"),
        ["BR-Z-06"]
    ),
    template!(
        29,
        |n| line_category(n, "Z", true),
        |cx, n| zero_percent(cx, n, "BR-Z-05"),
        ["BR-Z-05"]
    ),
    template!(
        30,
        |n| tax_amount_in(n, "DocumentCurrencyCode"),
        check_tax_amount_in_document_currency,
        ["BR-DEC-13"]
    ),
    template!(
        31,
        |n| tax_amount_in(n, "TaxCurrencyCode"),
        check_tax_amount_in_tax_currency,
        ["BR-DEC-15"]
    ),
    template!(
        32,
        |n| is_any(n, &[cbc("InvoiceTypeCode"), cbc("CreditNoteTypeCode")]),
        check_type_code,
        ["BR-CL-01"]
    ),
    template!(
        33,
        |n| is_any(n, &AMOUNTS),
        check_amount_currency,
        ["BR-CL-03"]
    ),
    template!(
        34,
        |n| is(n, cbc("DocumentCurrencyCode")),
        check_document_currency,
        ["BR-CL-04"]
    ),
    template!(
        35,
        |n| is(n, cbc("TaxCurrencyCode")),
        check_tax_currency,
        ["BR-CL-05"]
    ),
    template!(
        36,
        |n| ends_with(n, &[cac("Country"), cbc("IdentificationCode")]),
        check_country,
        ["BR-CL-14"]
    ),
    template!(
        37,
        |n| ends_with(n, &[cac("PaymentMeans"), cbc("PaymentMeansCode")]),
        check_payment_means_code,
        ["BR-CL-16"]
    ),
    template!(38, tax_category_id, check_tax_category_code, ["BR-CL-18"]),
    template!(
        39,
        |n| line_category(n, "S", false),
        check_standard_line_category,
        ["BR-S-05"]
    ),
];
