//! The signed sample documents of ZATCA's compliance checks
//! (`/compliance/invoices` before a production CSID): one per [`ComplianceStep`] a device's
//! TSXY requires (standard and/or simplified × invoice, credit note, debit note).
//!
//! Each document is built here from a template in code (not copied from an
//! SDK file), after the SDK R3.3.3 samples' structure:
//!
//! - seller from the profile: `RegistrationName` = organisation name, VAT,
//!   a `CRN` party identification (the organisation unit if it is a 10-digit
//!   TIN, else digits 1–10 of the VAT number), postal address with the
//!   profile's location as street, district and city and its country;
//! - a buyer (`Fatoora Samples LTD`, VAT `399999999800003`, Riyadh: the SDK
//!   samples' buyer), on standard and simplified documents alike;
//! - `cbc:InvoiceTypeCode` 388/381/383 with KSA-2 subtype `0100000`
//!   (standard) or `0200000` (simplified);
//! - credit and debit notes: `cac:BillingReference` to the invoice of the
//!   same kind in the set and `cac:PaymentMeans/cbc:InstructionNote` (the reason);
//! - one or two lines at 15 % VAT (category `S`), amounts in halalas with
//!   line VAT rounded half up, totals that add up exactly;
//! - `cbc:UUID` derived from SHA-256 of the VAT number, EGS serial, step and
//!   ICV (stable across runs, different per document);
//! - issue date and time from the signing time; ICV `first_icv`, +1 each;
//!   PIH `first_pih` (normally [`zatca_sign::FIRST_PIH`]), then each previous
//!   document's hash.

use zatca_cert::Certificate;
use zatca_fatoora::ComplianceStep;
use zatca_keys::PrivateKey;
use zatca_profile::EgsProfile;

use crate::{InvoiceSigner, SignedInvoice, SigningTime, UblError};

/// The sample buyer (the SDK R3.3.3 samples' buyer).
const BUYER_NAME: &str = "شركة نماذج فاتورة المحدودة | Fatoora Samples LTD";
const BUYER_VAT: &str = "399999999800003";

/// Makes the compliance sample documents of one device.
///
/// ```
/// use zatca_cert::Certificate;
/// use zatca_fatoora::ComplianceStep;
/// use zatca_keys::PrivateKey;
/// use zatca_profile::{RequestInput, ValidationProfile};
/// use zatca_ubl::{ComplianceSamples, SigningTime};
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata");
/// let request = std::fs::read(format!("{dir}/requests/sample-device.json"))?;
/// let profile = RequestInput::from_bytes(&request)?.validate(ValidationProfile::Sdk)?;
/// let (key, _) = PrivateKey::read_file(format!("{dir}/keys/sdk-r3.3.3-priv-key.b64").as_ref())?;
/// let (cert, _) = Certificate::read_file(format!("{dir}/keys/sdk-r3.3.3-cert.b64").as_ref())?;
///
/// let samples = ComplianceSamples::new(&profile, &key, &cert)?;
/// let steps = ComplianceStep::required_for(profile.invoice_types());
/// let time = SigningTime::parse("2025-03-01T09:30:00")?;
/// let docs = samples.generate(&steps, &time, 1, zatca_sign::FIRST_PIH)?;
/// assert_eq!(docs.len(), 6);
/// for doc in &docs {
///     zatca_ubl::verify_invoice(doc.signed().xml().as_bytes())?;
/// }
/// assert_eq!(docs[1].pih(), docs[0].signed().hash().to_base64());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ComplianceSamples<'a> {
    profile: &'a EgsProfile,
    signer: InvoiceSigner<'a>,
}

/// One signed sample document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleDocument {
    step: ComplianceStep,
    icv: u64,
    pih: String,
    id: String,
    signed: SignedInvoice,
}

impl SampleDocument {
    /// The compliance step it is for.
    pub fn step(&self) -> ComplianceStep {
        self.step
    }

    /// Its invoice counter value.
    pub fn icv(&self) -> u64 {
        self.icv
    }

    /// Its previous invoice hash.
    pub fn pih(&self) -> &str {
        &self.pih
    }

    /// Its `cbc:ID` (the invoice number).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The signed document and its API values.
    pub fn signed(&self) -> &SignedInvoice {
        &self.signed
    }

    /// The `POST /compliance/invoices` body.
    pub fn submission(&self) -> zatca_fatoora::InvoiceSubmission {
        self.signed.submission()
    }
}

impl<'a> ComplianceSamples<'a> {
    /// A generator for the device `profile`, signing with `key` and its
    /// (compliance) `certificate`.
    pub fn new(
        profile: &'a EgsProfile,
        key: &'a PrivateKey,
        certificate: &'a Certificate,
    ) -> Result<Self, UblError> {
        Ok(Self {
            profile,
            signer: InvoiceSigner::new(key, certificate)?,
        })
    }

    /// The signed documents for `steps`, in that order, chained from
    /// `first_icv` and `first_pih` (base64).
    pub fn generate(
        &self,
        steps: &[ComplianceStep],
        signing_time: &SigningTime,
        first_icv: u64,
        first_pih: &str,
    ) -> Result<Vec<SampleDocument>, UblError> {
        check_pih(first_pih)?;
        let mut docs: Vec<SampleDocument> = Vec::with_capacity(steps.len());
        let mut pih = first_pih.to_owned();
        for (i, step) in steps.iter().enumerate() {
            let icv = u64::try_from(i)
                .ok()
                .and_then(|i| first_icv.checked_add(i))
                .ok_or_else(|| {
                    UblError::invalid("first ICV", "a counter that does not overflow", "u64::MAX")
                })?;
            let id = document_id(*step, icv);
            let billed = docs
                .iter()
                .find(|d| d.step == invoice_of(*step))
                .map(|d| d.id.clone())
                .unwrap_or_else(|| format!("INV-{}", icv.saturating_sub(1)));
            let xml = self.document_xml(*step, &id, icv, &pih, &billed, signing_time);
            let signed = self.signer.sign(xml.as_bytes(), signing_time)?;
            let next_pih = signed.hash().to_base64();
            docs.push(SampleDocument {
                step: *step,
                icv,
                pih: std::mem::replace(&mut pih, next_pih),
                id,
                signed,
            });
        }
        Ok(docs)
    }

    /// The unsigned document.
    fn document_xml(
        &self,
        step: ComplianceStep,
        id: &str,
        icv: u64,
        pih: &str,
        billed: &str,
        time: &SigningTime,
    ) -> String {
        let lines = lines_of(step);
        let totals = Totals::of(&lines);
        let mut x = String::with_capacity(6000);
        x.push_str(DOCUMENT_START);
        self.identification(&mut x, step, id, icv, time);
        if is_note(step) {
            billing_reference(&mut x, billed);
        }
        chain_references(&mut x, icv, pih);
        self.parties(&mut x);
        delivery_and_payment(&mut x, step, time);
        tax_totals(&mut x, &totals);
        monetary_total(&mut x, &totals);
        for (n, line) in lines.iter().enumerate() {
            invoice_line(&mut x, n + 1, line);
        }
        x.push_str("</Invoice>\n");
        x
    }

    /// `cbc:ID` to `cbc:TaxCurrencyCode`: what the document is, and when.
    fn identification(
        &self,
        x: &mut String,
        step: ComplianceStep,
        id: &str,
        icv: u64,
        time: &SigningTime,
    ) {
        let uuid = document_uuid(self.profile, step, icv);
        let subtype = if step.simplified() {
            "0200000"
        } else {
            "0100000"
        };
        push(x, 4, &format!("<cbc:ID>{id}</cbc:ID>"));
        push(x, 4, &format!("<cbc:UUID>{uuid}</cbc:UUID>"));
        push(
            x,
            4,
            &format!("<cbc:IssueDate>{}</cbc:IssueDate>", time.date()),
        );
        push(
            x,
            4,
            &format!("<cbc:IssueTime>{}</cbc:IssueTime>", time.time()),
        );
        push(
            x,
            4,
            &format!(
                "<cbc:InvoiceTypeCode name=\"{subtype}\">{}</cbc:InvoiceTypeCode>",
                step.type_code()
            ),
        );
        push(
            x,
            4,
            "<cbc:DocumentCurrencyCode>SAR</cbc:DocumentCurrencyCode>",
        );
        push(x, 4, "<cbc:TaxCurrencyCode>SAR</cbc:TaxCurrencyCode>");
    }

    /// The seller (the device's organisation) and the fixed sample buyer.
    fn parties(&self, x: &mut String) {
        let p = self.profile;
        let seller = escape(p.organization_name().as_str());
        let location = escape(p.location().as_str());
        party(
            x,
            "AccountingSupplierParty",
            Some(&crn(p)),
            &Address {
                street: &location,
                building: "1234",
                district: &location,
                city: &location,
                postal: "12345",
                country: p.country().as_str(),
            },
            p.vat().as_str(),
            &seller,
        );
        party(
            x,
            "AccountingCustomerParty",
            None,
            &Address {
                street: "صلاح الدين | Salah Al-Din",
                building: "1111",
                district: "المروج | Al-Murooj",
                city: "الرياض | Riyadh",
                postal: "12222",
                country: "SA",
            },
            BUYER_VAT,
            BUYER_NAME,
        );
    }
}

/// The XML declaration, the `Invoice` start tag with its namespaces, and
/// `cbc:ProfileID`.
const DOCUMENT_START: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2" xmlns:ext="urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2">
    <cbc:ProfileID>reporting:1.0</cbc:ProfileID>
"#;

/// A note's `cac:BillingReference` to the invoice it corrects.
fn billing_reference(x: &mut String, billed: &str) {
    push(x, 4, "<cac:BillingReference>");
    push(x, 8, "<cac:InvoiceDocumentReference>");
    push(x, 12, &format!("<cbc:ID>{billed}</cbc:ID>"));
    push(x, 8, "</cac:InvoiceDocumentReference>");
    push(x, 4, "</cac:BillingReference>");
}

/// The ICV and PIH `cac:AdditionalDocumentReference`s that chain the documents.
fn chain_references(x: &mut String, icv: u64, pih: &str) {
    push(x, 4, "<cac:AdditionalDocumentReference>");
    push(x, 8, "<cbc:ID>ICV</cbc:ID>");
    push(x, 8, &format!("<cbc:UUID>{icv}</cbc:UUID>"));
    push(x, 4, "</cac:AdditionalDocumentReference>");
    push(x, 4, "<cac:AdditionalDocumentReference>");
    push(x, 8, "<cbc:ID>PIH</cbc:ID>");
    push(x, 8, "<cac:Attachment>");
    push(
        x,
        12,
        &format!(
            "<cbc:EmbeddedDocumentBinaryObject mimeCode=\"text/plain\">{pih}</cbc:EmbeddedDocumentBinaryObject>"
        ),
    );
    push(x, 8, "</cac:Attachment>");
    push(x, 4, "</cac:AdditionalDocumentReference>");
}

/// `cac:Delivery` (on the issue date) and `cac:PaymentMeans` (with a note's reason).
fn delivery_and_payment(x: &mut String, step: ComplianceStep, time: &SigningTime) {
    push(x, 4, "<cac:Delivery>");
    push(
        x,
        8,
        &format!(
            "<cbc:ActualDeliveryDate>{}</cbc:ActualDeliveryDate>",
            time.date()
        ),
    );
    push(x, 4, "</cac:Delivery>");
    push(x, 4, "<cac:PaymentMeans>");
    push(x, 8, "<cbc:PaymentMeansCode>10</cbc:PaymentMeansCode>");
    if let Some(reason) = note_reason(step) {
        push(
            x,
            8,
            &format!("<cbc:InstructionNote>{reason}</cbc:InstructionNote>"),
        );
    }
    push(x, 4, "</cac:PaymentMeans>");
}

/// The two document-level `cac:TaxTotal`s: the VAT amount alone, then with its
/// one subtotal (category S).
fn tax_totals(x: &mut String, totals: &Totals) {
    let vat_amount = format!(
        "<cbc:TaxAmount currencyID=\"SAR\">{}</cbc:TaxAmount>",
        sar(totals.vat)
    );
    push(x, 4, "<cac:TaxTotal>");
    push(x, 8, &vat_amount);
    push(x, 4, "</cac:TaxTotal>");
    push(x, 4, "<cac:TaxTotal>");
    push(x, 8, &vat_amount);
    push(x, 8, "<cac:TaxSubtotal>");
    push(
        x,
        12,
        &format!(
            "<cbc:TaxableAmount currencyID=\"SAR\">{}</cbc:TaxableAmount>",
            sar(totals.net)
        ),
    );
    push(x, 12, &vat_amount);
    tax_category(x, 12, "TaxCategory", true);
    push(x, 8, "</cac:TaxSubtotal>");
    push(x, 4, "</cac:TaxTotal>");
}

/// `cac:LegalMonetaryTotal`.
fn monetary_total(x: &mut String, totals: &Totals) {
    push(x, 4, "<cac:LegalMonetaryTotal>");
    for (name, amount) in [
        ("LineExtensionAmount", totals.net),
        ("TaxExclusiveAmount", totals.net),
        ("TaxInclusiveAmount", totals.gross()),
        ("AllowanceTotalAmount", 0),
        ("PrepaidAmount", 0),
        ("PayableAmount", totals.gross()),
    ] {
        push(
            x,
            8,
            &format!(
                "<cbc:{name} currencyID=\"SAR\">{}</cbc:{name}>",
                sar(amount)
            ),
        );
    }
    push(x, 4, "</cac:LegalMonetaryTotal>");
}

/// One `cac:InvoiceLine`, numbered from 1.
fn invoice_line(x: &mut String, number: usize, line: &Line) {
    push(x, 4, "<cac:InvoiceLine>");
    push(x, 8, &format!("<cbc:ID>{number}</cbc:ID>"));
    push(
        x,
        8,
        &format!(
            "<cbc:InvoicedQuantity unitCode=\"PCE\">{}.000000</cbc:InvoicedQuantity>",
            line.quantity
        ),
    );
    push(
        x,
        8,
        &format!(
            "<cbc:LineExtensionAmount currencyID=\"SAR\">{}</cbc:LineExtensionAmount>",
            sar(line.net())
        ),
    );
    push(x, 8, "<cac:TaxTotal>");
    push(
        x,
        12,
        &format!(
            "<cbc:TaxAmount currencyID=\"SAR\">{}</cbc:TaxAmount>",
            sar(line.vat())
        ),
    );
    push(
        x,
        12,
        &format!(
            "<cbc:RoundingAmount currencyID=\"SAR\">{}</cbc:RoundingAmount>",
            sar(line.net() + line.vat())
        ),
    );
    push(x, 8, "</cac:TaxTotal>");
    push(x, 8, "<cac:Item>");
    push(x, 12, &format!("<cbc:Name>{}</cbc:Name>", line.name));
    tax_category(x, 12, "ClassifiedTaxCategory", false);
    push(x, 8, "</cac:Item>");
    push(x, 8, "<cac:Price>");
    push(
        x,
        12,
        &format!(
            "<cbc:PriceAmount currencyID=\"SAR\">{}</cbc:PriceAmount>",
            sar(line.unit_price)
        ),
    );
    push(x, 8, "</cac:Price>");
    push(x, 4, "</cac:InvoiceLine>");
}

/// The document totals (halalas): the sums of the lines' net and VAT amounts.
struct Totals {
    net: u64,
    vat: u64,
}

impl Totals {
    fn of(lines: &[Line]) -> Self {
        Self {
            net: lines.iter().map(Line::net).sum(),
            vat: lines.iter().map(Line::vat).sum(),
        }
    }

    fn gross(&self) -> u64 {
        self.net + self.vat
    }
}

/// A line: quantity × unit price (halalas) at 15 % VAT.
struct Line {
    name: &'static str,
    quantity: u64,
    unit_price: u64,
}

impl Line {
    fn net(&self) -> u64 {
        self.quantity * self.unit_price
    }

    /// 15 % of the net amount, rounded half up to the halala.
    fn vat(&self) -> u64 {
        (self.net() * 15 + 50) / 100
    }
}

fn lines_of(step: ComplianceStep) -> Vec<Line> {
    match step {
        ComplianceStep::StandardInvoice | ComplianceStep::SimplifiedInvoice => vec![
            Line {
                name: "كتاب | Book",
                quantity: 2,
                unit_price: 50_00,
            },
            Line {
                name: "قلم | Pen",
                quantity: 1,
                unit_price: 33_33,
            },
        ],
        ComplianceStep::StandardCreditNote | ComplianceStep::SimplifiedCreditNote => vec![Line {
            name: "قلم | Pen",
            quantity: 1,
            unit_price: 33_33,
        }],
        _ => vec![Line {
            name: "رسوم توصيل | Delivery fee",
            quantity: 1,
            unit_price: 10_00,
        }],
    }
}

fn is_note(step: ComplianceStep) -> bool {
    step.type_code() != "388"
}

/// The invoice a note refers to: the invoice of the same kind.
fn invoice_of(step: ComplianceStep) -> ComplianceStep {
    if step.simplified() {
        ComplianceStep::SimplifiedInvoice
    } else {
        ComplianceStep::StandardInvoice
    }
}

/// The reason for issuing a note (KSA-10), in `cbc:InstructionNote`.
fn note_reason(step: ComplianceStep) -> Option<&'static str> {
    match step.type_code() {
        "381" => Some("Returned goods"),
        "383" => Some("Delivery fee added after invoicing"),
        _ => None,
    }
}

fn document_id(step: ComplianceStep, icv: u64) -> String {
    let prefix = match (step.simplified(), step.type_code()) {
        (false, "388") => "STD-INV",
        (false, "381") => "STD-CRN",
        (false, _) => "STD-DBN",
        (true, "388") => "SMP-INV",
        (true, "381") => "SMP-CRN",
        (true, _) => "SMP-DBN",
    };
    format!("{prefix}-{icv}")
}

/// A name-based UUID (version 8, RFC 9562) from SHA-256 of the VAT number,
/// the EGS serial, the step and the ICV.
fn document_uuid(profile: &EgsProfile, step: ComplianceStep, icv: u64) -> String {
    let seed = format!(
        "zatca-ubl compliance sample\0{}\0{}\0{}\0{icv}",
        profile.vat().as_str(),
        profile.egs_serial().as_str(),
        step.name()
    );
    zatca_types::digest::uuid_from_seed(seed.as_bytes())
}

/// The seller's commercial registration number for `PartyIdentification`.
fn crn(profile: &EgsProfile) -> String {
    let ou = profile.organization_unit().as_str();
    if ou.len() == 10 && ou.bytes().all(|b| b.is_ascii_digit()) {
        ou.to_owned()
    } else {
        profile
            .vat()
            .as_str()
            .get(1..11)
            .unwrap_or("1010010000")
            .to_owned()
    }
}

fn check_pih(pih: &str) -> Result<(), UblError> {
    use base64::Engine as _;
    let ok = !pih.is_empty()
        && base64::engine::general_purpose::STANDARD
            .decode(pih)
            .is_ok_and(|b| b.len() == 32 || b.len() == 64);
    if ok {
        Ok(())
    } else {
        Err(UblError::invalid(
            "first PIH",
            "base64 of a 32-byte invoice hash, or the genesis value (base64 of 64 hex characters)",
            pih,
        ))
    }
}

struct Address<'s> {
    street: &'s str,
    building: &'s str,
    district: &'s str,
    city: &'s str,
    postal: &'s str,
    country: &'s str,
}

fn party(x: &mut String, role: &str, crn: Option<&str>, a: &Address<'_>, vat: &str, name: &str) {
    push(x, 4, &format!("<cac:{role}>"));
    push(x, 8, "<cac:Party>");
    if let Some(crn) = crn {
        push(x, 12, "<cac:PartyIdentification>");
        push(x, 16, &format!("<cbc:ID schemeID=\"CRN\">{crn}</cbc:ID>"));
        push(x, 12, "</cac:PartyIdentification>");
    }
    push(x, 12, "<cac:PostalAddress>");
    push(
        x,
        16,
        &format!("<cbc:StreetName>{}</cbc:StreetName>", a.street),
    );
    push(
        x,
        16,
        &format!("<cbc:BuildingNumber>{}</cbc:BuildingNumber>", a.building),
    );
    push(
        x,
        16,
        &format!(
            "<cbc:CitySubdivisionName>{}</cbc:CitySubdivisionName>",
            a.district
        ),
    );
    push(x, 16, &format!("<cbc:CityName>{}</cbc:CityName>", a.city));
    push(
        x,
        16,
        &format!("<cbc:PostalZone>{}</cbc:PostalZone>", a.postal),
    );
    push(x, 16, "<cac:Country>");
    push(
        x,
        20,
        &format!(
            "<cbc:IdentificationCode>{}</cbc:IdentificationCode>",
            a.country
        ),
    );
    push(x, 16, "</cac:Country>");
    push(x, 12, "</cac:PostalAddress>");
    push(x, 12, "<cac:PartyTaxScheme>");
    push(x, 16, &format!("<cbc:CompanyID>{vat}</cbc:CompanyID>"));
    push(x, 16, "<cac:TaxScheme>");
    push(x, 20, "<cbc:ID>VAT</cbc:ID>");
    push(x, 16, "</cac:TaxScheme>");
    push(x, 12, "</cac:PartyTaxScheme>");
    push(x, 12, "<cac:PartyLegalEntity>");
    push(
        x,
        16,
        &format!("<cbc:RegistrationName>{name}</cbc:RegistrationName>"),
    );
    push(x, 12, "</cac:PartyLegalEntity>");
    push(x, 8, "</cac:Party>");
    push(x, 4, &format!("</cac:{role}>"));
}

/// Standard-rated VAT category `S`, 15 %.
fn tax_category(x: &mut String, indent: usize, element: &str, with_schemes: bool) {
    let (id_attrs, scheme_attrs) = if with_schemes {
        (
            " schemeID=\"UN/ECE 5305\" schemeAgencyID=\"6\"",
            " schemeID=\"UN/ECE 5153\" schemeAgencyID=\"6\"",
        )
    } else {
        ("", "")
    };
    push(x, indent, &format!("<cac:{element}>"));
    push(x, indent + 4, &format!("<cbc:ID{id_attrs}>S</cbc:ID>"));
    push(x, indent + 4, "<cbc:Percent>15.00</cbc:Percent>");
    push(x, indent + 4, "<cac:TaxScheme>");
    push(
        x,
        indent + 8,
        &format!("<cbc:ID{scheme_attrs}>VAT</cbc:ID>"),
    );
    push(x, indent + 4, "</cac:TaxScheme>");
    push(x, indent, &format!("</cac:{element}>"));
}

/// Appends one indented line.
fn push(x: &mut String, indent: usize, line: &str) {
    x.extend(std::iter::repeat_n(' ', indent));
    x.push_str(line);
    x.push('\n');
}

/// Halalas as SAR with two decimals.
fn sar(halalas: u64) -> String {
    format!("{}.{:02}", halalas / 100, halalas % 100)
}

/// XML text escaping (`&`, `<`, `>`).
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_add_up() {
        assert_eq!(sar(15_333), "153.33");
        assert_eq!(sar(5), "0.05");
        let lines = lines_of(ComplianceStep::StandardInvoice);
        let vat: u64 = lines.iter().map(Line::vat).sum();
        assert_eq!(vat, 20_00); // 15.00 + 5.00 (4.9995 rounded half up)
    }
}
