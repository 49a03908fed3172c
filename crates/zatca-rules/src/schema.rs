//! The schema stage: well-formed XML within the workspace's size limit, and the UBL 2.1
//! Invoice schema's content models (ZATCA validates every document, credit and debit notes
//! included, with `UBL-Invoice-2.1.xsd`).
//!
//! `data/extract_schema.py` extracts from ZATCA's XSDs, into `data/ubl-2.1-invoice.json`,
//! every global element of the `Invoice`, aggregate (`cac`), basic (`cbc`) and extension
//! (`ext`) namespaces with its type: a sequence of child elements with occurrence bounds
//! (UBL 2.1 uses sequences of element references only), or simple content with its XSD
//! primitive and attributes. Checked here: the document element, each element's children
//! (order, names, counts), character content of aggregates, the lexical form of `decimal`,
//! `boolean`, `date`, `time` and `base64Binary` values, and attributes (known names, required
//! ones present). Not checked yet: attribute values, and the content of
//! `ext:ExtensionContent` (the signature: `xsd:any`, validated by ZATCA against the XML
//! Signature and XAdES schemas).

use std::collections::HashMap;
use std::sync::OnceLock;

use roxmltree::{Document, Node};
use serde::Deserialize;
use zatca_ubl::UblError;

use crate::report::{Finding, Stage};
use crate::table::Flag;
use crate::xpath::NS_UBL;

/// ZATCA's code and message when the schema stage fails.
const XSD_INVALID: (&str, &str) = (
    "XSD_ZATCA_INVALID",
    "Schema validation failed; XML does not comply with UBL 2.1 standards in line with ZATCA specifications",
);

const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

fn invalid(detail: &str) -> Finding {
    Finding {
        stage: Stage::Schema,
        code: XSD_INVALID.0.into(),
        flag: Flag::Error,
        category: "XSD validation".into(),
        message: format!("{} ({detail})", XSD_INVALID.1),
    }
}

/// Parses the document (UTF-8, no DTD, at most `zatca_ubl::MAX_INVOICE_BYTES`).
pub(crate) fn parse(xml: &[u8]) -> Result<Document<'_>, Finding> {
    if xml.len() > zatca_ubl::MAX_INVOICE_BYTES {
        return Err(invalid(&format!(
            "the document has {} bytes, more than the {} accepted",
            xml.len(),
            zatca_ubl::MAX_INVOICE_BYTES
        )));
    }
    let text = std::str::from_utf8(xml).map_err(|e| invalid(&format!("not UTF-8: {e}")))?;
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 1_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    Document::parse_with_options(text, options)
        .map_err(|e| invalid(&format!("not well-formed XML: {e}")))
}

#[derive(Deserialize)]
struct RawSchema {
    namespaces: HashMap<String, String>,
    elements: HashMap<String, usize>,
    types: Vec<RawShape>,
}

#[derive(Deserialize)]
struct RawShape {
    #[serde(default)]
    sequence: Option<Vec<(String, u32, Option<u32>)>>,
    #[serde(default)]
    base: Option<String>,
    #[serde(default)]
    attributes: Option<HashMap<String, bool>>,
}

/// A child of a sequence: an element (namespace, local name) or the wildcard.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Particle {
    Element(String, String),
    Any,
}

enum Shape {
    Sequence(Vec<(Particle, u32, Option<u32>)>),
    Simple {
        base: String,
        attributes: Vec<(String, bool)>,
    },
}

struct Schema {
    /// Namespace → local name → shape index.
    elements: HashMap<String, HashMap<String, usize>>,
    shapes: Vec<Shape>,
}

const SCHEMA_JSON: &str = include_str!("../data/ubl-2.1-invoice.json");

fn schema() -> Option<&'static Schema> {
    static SCHEMA: OnceLock<Option<Schema>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let raw: RawSchema = serde_json::from_str(SCHEMA_JSON).ok()?;
            let split = |key: &str| -> Option<(String, String)> {
                let (prefix, local) = key.split_once(':')?;
                Some((raw.namespaces.get(prefix)?.clone(), local.to_owned()))
            };
            let mut elements: HashMap<String, HashMap<String, usize>> = HashMap::new();
            for (key, index) in &raw.elements {
                let (ns, local) = split(key)?;
                elements.entry(ns).or_default().insert(local, *index);
            }
            let mut shapes = Vec::new();
            for t in &raw.types {
                shapes.push(match (&t.sequence, &t.base) {
                    (Some(seq), _) => {
                        let mut particles = Vec::new();
                        for (name, min, max) in seq {
                            let particle = if name == "*any" {
                                Particle::Any
                            } else {
                                let (ns, local) = split(name)?;
                                Particle::Element(ns, local)
                            };
                            particles.push((particle, *min, *max));
                        }
                        Shape::Sequence(particles)
                    }
                    (None, Some(base)) => Shape::Simple {
                        base: base.clone(),
                        attributes: t
                            .attributes
                            .iter()
                            .flatten()
                            .map(|(k, v)| (k.clone(), *v))
                            .collect(),
                    },
                    (None, None) => return None,
                });
            }
            Some(Schema { elements, shapes })
        })
        .as_ref()
}

/// A readable path of an element (`/Invoice/cac:InvoiceLine[2]/cbc:ID`-like, by local names).
fn path_of(n: Node<'_, '_>) -> String {
    let mut parts: Vec<String> = n
        .ancestors()
        .filter(Node::is_element)
        .map(|a| a.tag_name().name().to_owned())
        .collect();
    parts.reverse();
    format!("/{}", parts.join("/"))
}

fn shape_of<'s>(schema: &'s Schema, n: Node<'_, '_>) -> Option<&'s Shape> {
    let name = n.tag_name();
    let index = schema.elements.get(name.namespace()?)?.get(name.name())?;
    schema.shapes.get(*index)
}

/// The schema checks on a parsed document: the first problem found, if any.
pub(crate) fn check(doc: &Document<'_>) -> Vec<Finding> {
    let root = doc.root_element();
    if !root.has_tag_name((NS_UBL, "Invoice")) {
        let name = root.tag_name();
        return vec![invalid(&format!(
            "the document element is {{{}}}{}, not {{{NS_UBL}}}Invoice",
            name.namespace().unwrap_or_default(),
            name.name()
        ))];
    }
    let Some(schema) = schema() else {
        return vec![invalid("the embedded UBL schema table does not load")];
    };
    let mut pending = vec![root];
    while let Some(n) = pending.pop() {
        let Some(shape) = shape_of(schema, n) else {
            return vec![invalid(&format!("{}: not a UBL element", path_of(n)))];
        };
        if let Err(problem) = check_element(shape, n, &mut pending) {
            return vec![invalid(&format!("{}: {problem}", path_of(n)))];
        }
    }
    Vec::new()
}

fn check_element<'a, 'i>(
    shape: &Shape,
    n: Node<'a, 'i>,
    pending: &mut Vec<Node<'a, 'i>>,
) -> Result<(), String> {
    match shape {
        Shape::Sequence(particles) => {
            if let Some(a) = n.attributes().find(|a| a.namespace() != Some(NS_XSI)) {
                return Err(format!("attribute {} is not allowed", a.name()));
            }
            if n.children().filter(Node::is_text).any(|t| {
                !t.text()
                    .unwrap_or_default()
                    .trim_matches(XML_SPACE)
                    .is_empty()
            }) {
                return Err("character content is not allowed".into());
            }
            let mut position = 0usize;
            let mut count = 0u32;
            for child in n.children().filter(Node::is_element) {
                let name = child.tag_name();
                let own = n.tag_name().namespace();
                let matches = |p: &Particle| match p {
                    Particle::Element(ns, local) => {
                        name.namespace() == Some(ns.as_str()) && name.name() == local
                    }
                    // `namespace="##other"`: any namespace but the extension namespace.
                    Particle::Any => name.namespace().is_some() && name.namespace() != own,
                };
                loop {
                    let Some((particle, min, max)) = particles.get(position) else {
                        return Err(format!("element {} is not expected here", name.name()));
                    };
                    if matches(particle) {
                        count += 1;
                        if max.is_some_and(|m| count > m) {
                            return Err(format!("too many {} elements", name.name()));
                        }
                        if *particle != Particle::Any {
                            pending.push(child);
                        }
                        break;
                    }
                    if count < *min {
                        return Err(format!(
                            "element {} is not expected here (missing {})",
                            name.name(),
                            particle_name(particle)
                        ));
                    }
                    position += 1;
                    count = 0;
                }
            }
            while let Some((particle, min, _)) = particles.get(position) {
                if count < *min {
                    return Err(format!("missing {}", particle_name(particle)));
                }
                position += 1;
                count = 0;
            }
            Ok(())
        }
        Shape::Simple { base, attributes } => {
            if let Some(child) = n.children().find(Node::is_element) {
                return Err(format!(
                    "element {} is not allowed",
                    child.tag_name().name()
                ));
            }
            for a in n.attributes() {
                if a.namespace() == Some(NS_XSI) {
                    continue;
                }
                if a.namespace().is_some() || !attributes.iter().any(|(k, _)| k == a.name()) {
                    return Err(format!("attribute {} is not allowed", a.name()));
                }
            }
            for (name, required) in attributes {
                if *required && n.attribute(name.as_str()).is_none() {
                    return Err(format!("attribute {name} is required"));
                }
            }
            let value = crate::xpath::string(n);
            if lexical_ok(base, &value) {
                Ok(())
            } else {
                Err(format!("{value:?} is not a valid xs:{base}"))
            }
        }
    }
}

fn particle_name(p: &Particle) -> String {
    match p {
        Particle::Element(_, local) => local.clone(),
        Particle::Any => "an extension element".into(),
    }
}

const XML_SPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// The lexical space of the XSD primitives UBL's basic components use.
fn lexical_ok(base: &str, value: &str) -> bool {
    let v = value.trim_matches(XML_SPACE);
    match base {
        "decimal" => crate::decimal::Dec::parse(v).is_ok() || decimal_too_long(v),
        "boolean" => matches!(v, "true" | "false" | "1" | "0"),
        "date" => xs_date(v),
        "time" => crate::xpath::is_xs_time(v),
        "base64Binary" => base64_ok(v),
        _ => true,
    }
}

/// A lexically valid decimal past this crate's exact range (still valid XSD).
fn decimal_too_long(v: &str) -> bool {
    matches!(
        crate::decimal::Dec::parse(v),
        Err(crate::decimal::DecimalError::TooLarge)
    )
}

/// `xs:date`: `-?YYYY-MM-DD` (four or more year digits, no year 0000) with an optional
/// timezone.
fn xs_date(v: &str) -> bool {
    let body = v.strip_prefix('-').unwrap_or(v);
    let (date, zone) = if let Some(d) = body.strip_suffix('Z') {
        (d, None)
    } else if body.len() > 10
        && body.is_char_boundary(body.len() - 6)
        && matches!(body.as_bytes().get(body.len() - 6), Some(b'+' | b'-'))
    {
        (
            body.get(..body.len() - 6).unwrap_or(""),
            body.get(body.len() - 5..),
        )
    } else {
        (body, None)
    };
    if let Some(z) = zone {
        let ok = z.len() == 5
            && z.as_bytes().get(2) == Some(&b':')
            && z.get(0..2)
                .and_then(|h| h.parse::<u32>().ok())
                .is_some_and(|h| h <= 14)
            && z.get(3..5)
                .and_then(|m| m.parse::<u32>().ok())
                .is_some_and(|m| m <= 59);
        if !ok {
            return false;
        }
    }
    let Some((year, rest)) = date.split_once('-') else {
        return false;
    };
    if year.len() < 4
        || !year.bytes().all(|c| c.is_ascii_digit())
        || year.len() > 4 && year.starts_with('0')
        || year.bytes().all(|c| c == b'0')
    {
        return false;
    }
    // The month and day with a four-digit stand-in year of the same leap-ness.
    let leap_year = year
        .parse::<u64>()
        .map(|y| y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        .unwrap_or(false);
    let stand_in = if leap_year { "2000" } else { "2001" };
    crate::xpath::iso_date(&format!("{stand_in}-{rest}")).is_some()
}

/// `xs:base64Binary`: base64 characters in groups of four (whitespace between them allowed),
/// `=` padding only at the end.
fn base64_ok(v: &str) -> bool {
    let chars: Vec<u8> = v
        .bytes()
        .filter(|b| !XML_SPACE.contains(&char::from(*b)))
        .collect();
    if !chars.len().is_multiple_of(4) {
        return false;
    }
    let pad = chars.iter().rev().take_while(|c| **c == b'=').count();
    if pad > 2 {
        return false;
    }
    let body = chars.get(..chars.len() - pad).unwrap_or(&[]);
    body.iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
}

/// A signature-stage problem as ZATCA reports it.
pub(crate) fn signature_finding(problem: &UblError) -> Finding {
    let (code, category) = match problem {
        UblError::InvoiceDigestMismatch { .. } => {
            ("invalid-invoice-hash", "INVOICE_HASHING_ERRORS")
        }
        UblError::SignatureValueInvalid => ("invalid-signature", "SIGNATURE_ERRORS"),
        UblError::SignedPropertiesDigestMismatch { .. } => {
            ("invalid-signed-properties-hashing", "SIGNATURE_ERRORS")
        }
        UblError::CertDigestMismatch { .. } | UblError::IssuerSerialMismatch { .. } => {
            ("invalid-signing-certificate", "SIGNATURE_ERRORS")
        }
        UblError::QrMismatch { .. } => ("invalid-qr-code", "QRCODE_ERRORS"),
        UblError::Certificate(_) => ("invalid-signing-certificate", "SIGNATURE_ERRORS"),
        _ => ("invalid-signature-or-qr", "SIGNATURE_ERRORS"),
    };
    Finding {
        stage: Stage::Signature,
        code: code.into(),
        flag: Flag::Error,
        category: category.into(),
        message: problem.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_table_loads() {
        let count = schema().map_or(0, |s| s.elements.values().map(HashMap::len).sum());
        assert!(count > 1500, "{count} elements");
    }

    #[test]
    fn lexical_forms() {
        assert!(xs_date("2022-09-07"));
        assert!(xs_date("2022-09-07+03:00"));
        assert!(!xs_date("2022-9-7"));
        assert!(!xs_date("2023-02-29"));
        assert!(xs_date("2024-02-29Z"));
        assert!(!xs_date("0000-01-01"));
        assert!(base64_ok("QUJD\nREVG"));
        assert!(!base64_ok("QUJ"));
        assert!(!base64_ok("Q=JD"));
    }
}
