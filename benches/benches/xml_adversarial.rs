//! Hostile XML through the invoice-hash entry point (`zatca_ubl::invoice_hash`):
//! how long it takes to refuse (or hash) each shape that once took seconds or
//! gigabytes, next to a benign 1 MB invoice for scale.
//!
//! Inputs (all built here, fixed):
//! - `entity_bomb_doctype`: one 100 KB internal entity referenced 20,000 times
//!   (160 KB; 2 GB if expanded), refused for its DOCTYPE;
//! - `nested_ns_2000`: 2,000 nested elements each declaring a namespace (57 KB),
//!   refused at the namespaces-in-scope limit;
//! - `attributes_40000`, `attributes_200000`: one element with that many
//!   attributes (0.4 MB, 2.1 MB), refused at the attributes-per-element limit;
//! - `deep_nesting_100000`: 100,000 nested elements (0.7 MB), refused at the
//!   depth limit;
//! - `at_limits_1mb`: ≈ 1 MB of accepted elements each at the attribute (32) and
//!   declaration (32) limits, 64 prefixes in scope (the parser's and the
//!   canonicaliser's worst case that is accepted);
//! - `distinct_ns_60000`: 60,000 sibling elements each declaring a different
//!   namespace URI (1.2 MB), refused at the distinct-declarations limit;
//! - `benign_1mb`: SDK R3.3.3's `Simplified_Invoice.xml` grown to ≈ 1 MB of
//!   invoice lines.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use zatca_ubl::{UblError, XmlLimit};

const OPEN: &str = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">"#;
const CLOSE: &str = "</Invoice>";

fn entity_bomb() -> String {
    let entity = "A".repeat(100_000);
    let references = "&e;".repeat(20_000);
    format!("<!DOCTYPE Invoice [<!ENTITY e \"{entity}\">]>\n{OPEN}{references}{CLOSE}")
}

fn nested_namespaces(n: usize) -> String {
    let open: String = (0..n)
        .map(|i| format!("<a xmlns:p{i}=\"urn:x:{i}\">"))
        .collect();
    format!("{OPEN}{open}{}{CLOSE}", "</a>".repeat(n))
}

fn attributes(n: usize) -> String {
    let attrs: String = (0..n).map(|i| format!(" a{i}=\"\"")).collect();
    format!("{}{attrs}>{CLOSE}", OPEN.trim_end_matches('>'))
}

fn distinct_namespaces(n: usize) -> String {
    let siblings: String = (0..n)
        .map(|i| format!("<a xmlns:p=\"urn:x:{i}\"/>"))
        .collect();
    format!("{OPEN}{siblings}{CLOSE}")
}

fn deep(n: usize) -> String {
    format!("{OPEN}{}{}{CLOSE}", "<a>".repeat(n), "</a>".repeat(n))
}

/// Elements with 32 namespace declarations and 32 prefixed attributes each,
/// under 31 nested elements declaring one prefix each: ≈ 1 MB, accepted.
fn at_limits() -> String {
    // 31 outer prefixes, the default namespace and 32 on each element: 64 in scope.
    let outer = 31;
    let mut element = String::from("<e");
    for i in 0..zatca_ubl::MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT {
        element.push_str(&format!(" xmlns:q{i}=\"urn:q:{i}\""));
    }
    for i in 0..zatca_ubl::MAX_ATTRIBUTES_PER_ELEMENT {
        element.push_str(&format!(" q{}:a{i}=\"v\"", i % 32));
    }
    element.push_str("/>");
    let count = 1_000_000 / element.len();
    let open: String = (0..outer)
        .map(|i| format!("<o xmlns:p{i}=\"urn:p:{i}\">"))
        .collect();
    format!(
        "{OPEN}{open}{}{}{CLOSE}",
        element.repeat(count),
        "</o>".repeat(outer)
    )
}

fn sample() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"
    );
    std::fs::read_to_string(path).expect("sample invoice")
}

/// The sample with its one invoice line repeated until the document is ≈ `size` bytes.
fn grown(sample: &str, size: usize) -> String {
    let start = sample
        .find("    <cac:InvoiceLine>")
        .expect("an invoice line");
    let close = "</cac:InvoiceLine>\n";
    let end = sample[start..].find(close).expect("closing tag") + start + close.len();
    let line = &sample[start..end];
    let copies = (size - sample.len()) / line.len() + 1;
    let mut out = String::with_capacity(size + line.len());
    out.push_str(&sample[..start]);
    for _ in 0..copies {
        out.push_str(line);
    }
    out.push_str(&sample[end..]);
    out
}

fn limit(xml: &str) -> XmlLimit {
    match zatca_ubl::invoice_hash(xml.as_bytes()) {
        Err(UblError::LimitExceeded { limit, .. }) => limit,
        other => panic!("expected a limit error, got {other:?}"),
    }
}

fn bench_adversarial(c: &mut Criterion) {
    let bomb = entity_bomb();
    assert!(matches!(
        zatca_ubl::invoice_hash(bomb.as_bytes()),
        Err(UblError::Doctype { .. })
    ));
    let nested = nested_namespaces(2_000);
    assert_eq!(limit(&nested), XmlLimit::NamespacesInScope);
    let attrs_40k = attributes(40_000);
    let attrs_200k = attributes(200_000);
    assert_eq!(limit(&attrs_40k), XmlLimit::AttributesPerElement);
    assert_eq!(limit(&attrs_200k), XmlLimit::AttributesPerElement);
    let deep = deep(100_000);
    assert_eq!(limit(&deep), XmlLimit::Depth);
    let distinct = distinct_namespaces(60_000);
    assert_eq!(limit(&distinct), XmlLimit::DistinctNamespaces);
    let at_limits = at_limits();
    zatca_ubl::invoice_hash(at_limits.as_bytes()).expect("accepted at the limits");
    let benign = grown(&sample(), 1_000_000);
    zatca_ubl::invoice_hash(benign.as_bytes()).expect("benign invoice hashes");

    let mut group = c.benchmark_group("xml_adversarial");
    for (name, xml) in [
        ("entity_bomb_doctype", &bomb),
        ("nested_ns_2000", &nested),
        ("attributes_40000", &attrs_40k),
        ("attributes_200000", &attrs_200k),
        ("deep_nesting_100000", &deep),
        ("distinct_ns_60000", &distinct),
        ("at_limits_1mb", &at_limits),
        ("benign_1mb", &benign),
    ] {
        group.throughput(Throughput::Bytes(xml.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| zatca_ubl::invoice_hash(black_box(xml.as_bytes())))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_adversarial);
criterion_main!(benches);
