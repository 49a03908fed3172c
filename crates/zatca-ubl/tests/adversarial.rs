//! Hostile XML: document type declarations (entity bombs) are refused before
//! anything is expanded, each structural limit is refused with its typed error,
//! and the shapes that once took seconds or gigabytes finish at once.
//!
//! The time bounds are generous hang guards for debug builds; the speed itself is
//! measured by `benches/benches/xml_adversarial.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use zatca_ubl::{
    MAX_ATTRIBUTES_PER_ELEMENT, MAX_DEPTH, MAX_DISTINCT_NAMESPACES,
    MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT, MAX_NAMESPACES_IN_SCOPE, UblError, XmlLimit,
};

const OPEN: &str = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">"#;
const CLOSE: &str = "</Invoice>";
const HANG_GUARD: Duration = Duration::from_secs(2);

fn sample() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"
    ))
    .unwrap()
}

/// Runs every XML reader of the crate on `xml`, within the hang guard, and
/// returns the invoice-hash answer (all readers must give the same error).
fn read_everywhere(xml: &str) -> Result<zatca_ubl::InvoiceHash, UblError> {
    let started = Instant::now();
    let hash = zatca_ubl::invoice_hash(xml.as_bytes());
    let c14n = zatca_ubl::c14n::canonicalize(xml.as_bytes());
    let verify = zatca_ubl::verify_invoice(xml.as_bytes());
    let elapsed = started.elapsed();
    assert!(elapsed < HANG_GUARD * 3, "took {elapsed:?}");
    if let Err(e) = &hash {
        assert_eq!(c14n.as_ref().err(), Some(e));
        assert_eq!(verify.as_ref().err(), Some(e));
    }
    hash
}

fn limit_of(result: Result<zatca_ubl::InvoiceHash, UblError>) -> (XmlLimit, usize, usize) {
    match result {
        Err(UblError::LimitExceeded {
            limit, found, max, ..
        }) => (limit, found, max),
        other => panic!("expected a limit error, got {other:?}"),
    }
}

/// 100 KB of text in one entity, referenced 20,000 times: 2 GB if expanded.
fn entity_bomb() -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Invoice [<!ENTITY e \"{}\">]>\n{OPEN}",
        "A".repeat(100_000)
    );
    xml.push_str(&"&e;".repeat(20_000));
    xml.push_str(CLOSE);
    xml
}

#[test]
fn entity_bomb_is_refused_before_expansion() {
    let xml = entity_bomb();
    assert_eq!(
        read_everywhere(&xml).unwrap_err(),
        UblError::Doctype { line: 2, column: 1 }
    );
}

#[test]
fn every_doctype_form_is_refused() {
    for doctype in [
        "<!DOCTYPE Invoice>",
        "<!DOCTYPE Invoice SYSTEM \"http://example.com/x.dtd\">",
        "<!DOCTYPE Invoice PUBLIC \"-//X//Y\" \"x.dtd\">",
        "<!DOCTYPE Invoice [<!ENTITY a \"b\">]>",
        "<!DOCTYPE Invoice [<!ATTLIST Invoice x CDATA \"d\">]>",
        "<!DOCTYPE Invoice [<!ENTITY lol \"lol\"><!ENTITY lol1 \"&lol;&lol;&lol;\">]>",
    ] {
        let xml = format!("{doctype}{OPEN}{CLOSE}");
        assert_eq!(
            read_everywhere(&xml).unwrap_err(),
            UblError::Doctype { line: 1, column: 1 },
            "{doctype}"
        );
    }
    // After a comment, and after the document element (where XML forbids it).
    let after_comment = format!("<!-- x -->\n<!DOCTYPE Invoice>{OPEN}{CLOSE}");
    assert_eq!(
        read_everywhere(&after_comment).unwrap_err(),
        UblError::Doctype { line: 2, column: 1 }
    );
    let trailing = format!("{OPEN}{CLOSE}<!DOCTYPE Invoice>");
    assert!(matches!(
        read_everywhere(&trailing),
        Err(UblError::Doctype { .. })
    ));
}

#[test]
fn doctype_message_says_what_is_wrong() {
    let err = zatca_ubl::invoice_hash(entity_bomb().as_bytes()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the document has a DOCTYPE declaration at line 2, column 1; UBL invoices must not carry a DTD"
    );
}

#[test]
fn doctype_text_in_comments_cdata_and_values_is_not_markup() {
    let xml = format!(
        "<!-- <!DOCTYPE Invoice> -->{OPEN}<a x=\"&lt;!DOCTYPE y&gt;\"><![CDATA[<!DOCTYPE z>]]></a>{CLOSE}"
    );
    assert!(read_everywhere(&xml).is_ok());
}

/// 2,000 nested elements, each declaring a namespace: 13 s before the limits.
#[test]
fn nested_namespace_declarations_hit_the_scope_limit() {
    let n = 2_000;
    let mut xml = OPEN.to_owned();
    for i in 0..n {
        xml.push_str(&format!("<a xmlns:p{i}=\"urn:x:{i}\">"));
    }
    xml.push_str(&"</a>".repeat(n));
    xml.push_str(CLOSE);
    // The scope limit (65 prefixes) comes before the depth limit (129 elements).
    let (limit, found, max) = limit_of(read_everywhere(&xml));
    assert_eq!(
        (limit, found, max),
        (
            XmlLimit::NamespacesInScope,
            MAX_NAMESPACES_IN_SCOPE + 1,
            MAX_NAMESPACES_IN_SCOPE
        )
    );
}

#[test]
fn namespaces_in_scope_limit() {
    let build = |prefixes: usize| {
        // The default namespace on `Invoice` counts as one prefix.
        let mut xml = OPEN.to_owned();
        for i in 1..prefixes {
            xml.push_str(&format!("<a xmlns:p{i}=\"urn:x:{i}\">"));
        }
        xml.push_str(&"</a>".repeat(prefixes - 1));
        xml.push_str(CLOSE);
        xml
    };
    assert!(read_everywhere(&build(MAX_NAMESPACES_IN_SCOPE)).is_ok());
    assert_eq!(
        limit_of(read_everywhere(&build(MAX_NAMESPACES_IN_SCOPE + 1))),
        (
            XmlLimit::NamespacesInScope,
            MAX_NAMESPACES_IN_SCOPE + 1,
            MAX_NAMESPACES_IN_SCOPE
        )
    );
}

#[test]
fn depth_limit() {
    let build = |depth: usize| {
        let inner = depth - 1; // `Invoice` is depth 1
        format!(
            "{OPEN}{}{}{CLOSE}",
            "<a>".repeat(inner),
            "</a>".repeat(inner)
        )
    };
    assert!(read_everywhere(&build(MAX_DEPTH)).is_ok());
    let err = read_everywhere(&build(MAX_DEPTH + 1)).unwrap_err();
    let column = u32::try_from(OPEN.len() + 3 * (MAX_DEPTH - 1) + 1).unwrap();
    assert_eq!(
        err,
        UblError::LimitExceeded {
            limit: XmlLimit::Depth,
            found: MAX_DEPTH + 1,
            max: MAX_DEPTH,
            line: 1,
            column,
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "the element at line 1, column {column} goes beyond the XML limit on nesting depth: {} found, at most {MAX_DEPTH} accepted",
            MAX_DEPTH + 1
        )
    );
    // A deep document (200,000 levels) is refused at once, without a stack overflow.
    let deep = build(200_000);
    assert_eq!(limit_of(read_everywhere(&deep)).0, XmlLimit::Depth);
}

fn with_attributes(count: usize) -> String {
    let mut xml = OPEN.trim_end_matches('>').to_owned();
    for i in 0..count {
        xml.push_str(&format!(" a{i}=\"\""));
    }
    xml.push('>');
    xml.push_str(CLOSE);
    xml
}

#[test]
fn attributes_per_element_limit_names_the_count_found() {
    assert!(read_everywhere(&with_attributes(MAX_ATTRIBUTES_PER_ELEMENT)).is_ok());
    for count in [MAX_ATTRIBUTES_PER_ELEMENT + 1, 40_000, 200_000] {
        assert_eq!(
            read_everywhere(&with_attributes(count)).unwrap_err(),
            UblError::LimitExceeded {
                limit: XmlLimit::AttributesPerElement,
                found: count,
                max: MAX_ATTRIBUTES_PER_ELEMENT,
                line: 1,
                column: 1,
            }
        );
    }
}

#[test]
fn namespace_declarations_per_element_limit() {
    let build = |count: usize| {
        let mut xml = OPEN.trim_end_matches('>').to_owned();
        // The default namespace declaration counts too.
        for i in 1..count {
            xml.push_str(&format!(" xmlns:p{i}=\"urn:x:{i}\""));
        }
        xml.push('>');
        xml.push_str(CLOSE);
        xml
    };
    assert!(read_everywhere(&build(MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT)).is_ok());
    assert_eq!(
        limit_of(read_everywhere(&build(20_000))),
        (
            XmlLimit::NamespaceDeclarationsPerElement,
            20_000,
            MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT
        )
    );
}

#[test]
fn distinct_namespaces_limit() {
    let build = |siblings: usize| {
        // The default namespace on `Invoice` is one distinct declaration; the
        // same declaration repeated counts once.
        let repeated = "<b xmlns:p=\"urn:x:0\"/>".repeat(1_000);
        let distinct: String = (0..siblings)
            .map(|i| format!("<a xmlns:p=\"urn:x:{i}\"/>"))
            .collect();
        format!("{OPEN}{repeated}{distinct}{CLOSE}")
    };
    assert!(read_everywhere(&build(MAX_DISTINCT_NAMESPACES - 1)).is_ok());
    for siblings in [MAX_DISTINCT_NAMESPACES, 60_000] {
        assert_eq!(
            limit_of(read_everywhere(&build(siblings))),
            (
                XmlLimit::DistinctNamespaces,
                MAX_DISTINCT_NAMESPACES + 1,
                MAX_DISTINCT_NAMESPACES
            )
        );
    }
}

/// Many elements each at the limits: accepted, and still fast.
#[test]
fn many_elements_at_the_limits_finish_quickly() {
    let mut element = String::from("<a");
    for i in 0..MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT {
        element.push_str(&format!(" xmlns:p{i}=\"urn:x:{i}\""));
    }
    for i in 0..MAX_ATTRIBUTES_PER_ELEMENT {
        element.push_str(&format!(" p{}:a{i}=\"v\"", i % 32));
    }
    element.push_str("/>");
    let xml = format!("{OPEN}{}{CLOSE}", element.repeat(200));
    let started = Instant::now();
    let canonical = zatca_ubl::c14n::canonicalize(xml.as_bytes()).unwrap();
    assert!(started.elapsed() < HANG_GUARD);
    assert_eq!(canonical.len(), xml.len() + 200 * 3); // `/>` → `></a>`
}

/// Signature parts the hash leaves out, repeated many times, are looked up in
/// constant time each.
#[test]
fn many_removed_parts_hash_quickly() {
    let xml = String::from_utf8(sample()).unwrap();
    let part = "<cac:Signature><cbc:ID>x</cbc:ID></cac:Signature>";
    let many = xml.replacen(
        "<cac:AccountingSupplierParty>",
        &format!("{}<cac:AccountingSupplierParty>", part.repeat(50_000)),
        1,
    );
    let started = Instant::now();
    let hash = zatca_ubl::invoice_hash(many.as_bytes()).unwrap();
    assert!(started.elapsed() < HANG_GUARD);
    assert_eq!(hash, zatca_ubl::invoice_hash(xml.as_bytes()).unwrap());
}

/// Verification adds dom4j's namespace declarations to the `SignedProperties`
/// text; whether an ancestor declared a prefix is one lookup per element, so
/// thousands of sibling elements needing one each verify quickly.
#[test]
fn many_elements_in_signed_properties_verify_quickly() {
    let xml = String::from_utf8(sample()).unwrap();
    let padded = xml.replacen(
        "<xades:SignedSignatureProperties>",
        &format!(
            "<xades:SignedSignatureProperties>{}",
            "<ds:D/>".repeat(20_000)
        ),
        1,
    );
    let started = Instant::now();
    let problems = zatca_ubl::check_invoice(padded.as_bytes()).unwrap_err();
    assert!(started.elapsed() < HANG_GUARD);
    assert!(
        matches!(
            problems.as_slice(),
            [UblError::SignedPropertiesDigestMismatch { .. }]
        ),
        "{problems:?}"
    );
}

/// The fuzz seeds with a document type declaration are refused for it, so the
/// fuzzers start from the refusal path.
#[test]
fn doctype_fuzz_seeds_are_refused_as_such() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut seen = 0;
    for target in ["c14n", "invoice", "verify_invoice"] {
        for entry in std::fs::read_dir(corpus.join(target)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if !name.starts_with("edge-doctype") || name.contains("in-comment") {
                continue;
            }
            let xml = std::fs::read(&path).unwrap();
            let err = zatca_ubl::c14n::canonicalize(&xml).unwrap_err();
            assert!(matches!(err, UblError::Doctype { .. }), "{name}: {err:?}");
            seen += 1;
        }
    }
    assert!(seen >= 9, "{seen} DOCTYPE seeds");
}
