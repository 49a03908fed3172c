//! Distinguished names in the form ZATCA's signer writes them, and attribute
//! values as text.
//!
//! `ds:X509IssuerName` is Java's `X509Certificate.getIssuerDN().getName()`
//! (as the SDK's `SigningServiceImpl` calls it, and the SDK samples show):
//! RDNs in **reverse** DER order, `KEYWORD=value`, joined with `", "`, e.g.
//! `CN=PRZEINVOICESCA4-CA, DC=extgazt, DC=gov, DC=local`. The keywords are
//! Java's (`sun.security.x509.AVAKeyword`). Quoting of special characters
//! follows Java's RFC 1779 style (a value holding `, + = < > # ; " \` or
//! leading/trailing spaces is put in double quotes); no ZATCA CA name needs it,
//! so that part is unverified against the SDK.

use der::Tagged as _;
use der::asn1::AnyRef;
use x509_cert::name::Name;

/// Java's keyword for an attribute type, or the dotted OID.
fn keyword(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "T",
        "2.5.4.4" => "SURNAME",
        "2.5.4.5" => "SERIALNUMBER",
        "2.5.4.42" => "GIVENNAME",
        "2.5.4.43" => "INITIALS",
        "2.5.4.44" => "GENERATION",
        "2.5.4.46" => "DNQUALIFIER",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        "1.2.840.113549.1.9.1" => "EMAILADDRESS",
        _ => return None,
    })
}

/// A name in ZATCA's `X509IssuerName` form (reverse RDN order, `", "`).
pub(crate) fn zatca_form(name: &Name) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let oid = atv.oid.to_string();
                    let key = keyword(&oid).map_or_else(|| oid.clone(), str::to_owned);
                    let value = match attribute_text((&atv.value).into()) {
                        Some(text) => quote(&text),
                        None => hex_form(&atv.value),
                    };
                    format!("{key}={value}")
                })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect();
    rdns.into_iter().rev().collect::<Vec<_>>().join(", ")
}

fn quote(value: &str) -> String {
    let special = value.chars().any(|c| {
        matches!(
            c,
            ',' | '+' | '=' | '<' | '>' | '#' | ';' | '"' | '\\' | '\n'
        )
    }) || value.starts_with(' ')
        || value.ends_with(' ');
    if !special {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn hex_form(value: &der::asn1::Any) -> String {
    use der::Encode as _;
    let der = value.to_der().unwrap_or_default();
    let mut s = String::with_capacity(1 + der.len() * 2);
    s.push('#');
    for b in der {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// The text of a directory-string attribute value, whatever its ASN.1 string
/// type (UTF8String, PrintableString, IA5String, VisibleString,
/// NumericString, TeletexString as Latin-1, BMPString); `None` for anything else.
pub(crate) fn attribute_text(value: AnyRef<'_>) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        der::Tag::Utf8String
        | der::Tag::PrintableString
        | der::Tag::Ia5String
        | der::Tag::VisibleString
        | der::Tag::NumericString => std::str::from_utf8(bytes).ok().map(str::to_owned),
        der::Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        der::Tag::BmpString => {
            if bytes.len() % 2 != 0 {
                return None;
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| match *c {
                    [a, b] => u16::from_be_bytes([a, b]),
                    _ => 0xFFFD,
                })
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}
