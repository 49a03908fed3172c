//! Canonical XML 1.1 (`http://www.w3.org/2006/12/xml-c14n11`), without comments,
//! of whole documents: by a streaming pass over the text where it reads the
//! document, otherwise from a `roxmltree` tree (crate docs, "What XML is read,
//! and the limits").
//!
//! This is the canonicalisation ZATCA's invoice hash uses (the SDK's
//! `HashingGenerationServiceImpl`, and the `ds:Transform` in every SDK sample
//! signature). For a whole document
//! (no node-set subset) C14N 1.1 and inclusive C14N 1.0 give the same bytes; what is
//! implemented here (W3C "Canonical XML Version 1.1", section 2, and section 1.1
//! of C14N 1.0):
//!
//! - UTF-8 output; the XML declaration is dropped; line ends normalised to LF and
//!   attribute values normalised by the parser; character references and the five
//!   predefined entity references replaced by their characters; CDATA sections
//!   replaced by their (escaped) content;
//! - empty elements written as start-end tag pairs; whitespace inside the document
//!   element kept as is, whitespace outside it dropped;
//! - namespace declarations: on each element, those in scope that the parent element
//!   does not have in scope with the same value (so superfluous re-declarations go),
//!   `xmlns=""` only where the parent has a non-empty default namespace; the `xml`
//!   prefix is never declared; declarations first, sorted by prefix (default first),
//!   then attributes sorted by namespace URI, then local name;
//! - text escaping `&amp; &lt; &gt; &#xD;`, attribute escaping
//!   `&amp; &lt; &quot; &#x9; &#xA; &#xD;`;
//! - comments removed; processing instructions kept, followed by LF before the
//!   document element and preceded by LF after it.
//!
//! Documents with a document type declaration are refused ([`UblError::Doctype`]),
//! as are documents beyond the structural limits ([`UblError::LimitExceeded`]); see
//! the crate docs, "What XML is read, and the limits".
//!
//! Byte agreement with libxml2 (`xmllint --c14n11`) is tested on every SDK sample and
//! on the edge cases in `testdata/c14n/`; the streaming and the tree canonicaliser
//! are compared on the same documents and by the `c14n_differential` fuzz target
//! (through [`canonicalize_streaming`] and [`canonicalize_with_tree`]).

use std::collections::HashMap;

use roxmltree::{Document, Node, NodeId, NodeType, ParsingOptions};

use crate::stream::{self, Output};
use crate::{MAX_INVOICE_BYTES, UblError, prescan};

/// The most nodes a document may have (a second bound on memory next to the input
/// size: a 10 MiB document holds at most about 2.6 million elements).
const NODES_LIMIT: u32 = 8_000_000;

/// Canonicalises a whole XML document with C14N 1.1, without comments.
///
/// Accepts at most [`MAX_INVOICE_BYTES`] of UTF-8 (a leading byte order mark is
/// skipped), without a DTD and within the structural limits (crate docs).
///
/// ```
/// let c = zatca_ubl::c14n::canonicalize(
///     b"<?xml version=\"1.0\"?>\r\n<r b='2' a=\"1\"><!-- c --><e/></r>",
/// )?;
/// assert_eq!(c, b"<r a=\"1\" b=\"2\"><e></e></r>");
/// # Ok::<(), zatca_ubl::UblError>(())
/// ```
pub fn canonicalize(xml: &[u8]) -> Result<Vec<u8>, UblError> {
    let text = decode(xml)?;
    let mut out = Vec::with_capacity(text.len());
    if stream::canonicalize(text, Output::Document, &mut out).is_ok() {
        return Ok(out);
    }
    out.clear();
    let doc = parse(text)?;
    write_document(&doc, &[], &mut out);
    Ok(out)
}

/// [`canonicalize`] by the tree canonicaliser alone (parse, then walk the
/// tree): the oracle the streaming canonicaliser is fuzzed against.
#[doc(hidden)]
pub fn canonicalize_with_tree(xml: &[u8]) -> Result<Vec<u8>, UblError> {
    let text = decode(xml)?;
    let doc = parse(text)?;
    let mut out = Vec::with_capacity(text.len());
    write_document(&doc, &[], &mut out);
    Ok(out)
}

/// [`canonicalize`] by the streaming canonicaliser alone: `None` where it
/// declines the document (and [`canonicalize`] falls back to the tree).
#[doc(hidden)]
pub fn canonicalize_streaming(xml: &[u8]) -> Option<Vec<u8>> {
    let text = decode(xml).ok()?;
    let mut out = Vec::with_capacity(text.len());
    stream::canonicalize(text, Output::Document, &mut out).ok()?;
    Some(out)
}

/// [`crate::Invoice::hash_input`] by the tree canonicaliser alone.
#[doc(hidden)]
pub fn invoice_hash_input_with_tree(xml: &[u8]) -> Result<Vec<u8>, UblError> {
    let invoice = crate::Invoice::parse(xml)?;
    let mut out = Vec::new();
    invoice.write_hash_input(&mut out);
    Ok(out)
}

/// [`crate::Invoice::hash_input`] by the streaming canonicaliser alone: `None`
/// where it declines the document.
#[doc(hidden)]
pub fn invoice_hash_input_streaming(xml: &[u8]) -> Option<Vec<u8>> {
    let text = decode(xml).ok()?;
    let mut out = Vec::with_capacity(text.len());
    stream::canonicalize(text, Output::InvoiceHashInput, &mut out).ok()?;
    Some(out)
}

/// Checks size and encoding and returns the document text (BOM skipped).
pub(crate) fn decode(xml: &[u8]) -> Result<&str, UblError> {
    if xml.len() > MAX_INVOICE_BYTES {
        return Err(UblError::TooLarge {
            len: xml.len(),
            max: MAX_INVOICE_BYTES,
        });
    }
    let xml = xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml);
    if xml.iter().all(u8::is_ascii_whitespace) {
        return Err(UblError::Empty);
    }
    let text = std::str::from_utf8(xml).map_err(|e| UblError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    check_declared_encoding(text)?;
    Ok(text)
}

/// Refuses a declaration naming an encoding the bytes were not read as.
fn check_declared_encoding(text: &str) -> Result<(), UblError> {
    let Some(rest) = text.strip_prefix("<?xml") else {
        return Ok(());
    };
    if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return Ok(()); // a PI such as `<?xml-stylesheet …?>`, not the declaration
    }
    let decl = rest.split("?>").next().unwrap_or(rest);
    let Some(pos) = decl.find("encoding") else {
        return Ok(());
    };
    let value = decl
        .get(pos + "encoding".len()..)
        .unwrap_or_default()
        .trim_start()
        .trim_start_matches('=')
        .trim_start();
    let mut chars = value.chars();
    let Some(quote @ ('"' | '\'')) = chars.next() else {
        return Ok(()); // malformed: the parser reports it
    };
    let name: String = chars.take_while(|&c| c != quote).collect();
    let utf8 = ["UTF-8", "UTF8", "US-ASCII", "ASCII"];
    if utf8.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        Ok(())
    } else {
        Err(UblError::UnsupportedEncoding { declared: name })
    }
}

/// Parses the text with namespaces, after the [`prescan`] has refused a DTD and
/// any element beyond the structural limits (so parsing is linear in the input).
pub(crate) fn parse(text: &str) -> Result<Document<'_>, UblError> {
    let scan = prescan::check(text)?;
    let doc = parse_without_prescan(text)?;
    if let Some(unchecked) = scan.unchecked_rest(text) {
        return Err(unchecked);
    }
    check_pi_targets(&doc)?;
    Ok(doc)
}

/// The tree alone, for text already held to the pre-scan's rules.
pub(crate) fn parse_without_prescan(text: &str) -> Result<Document<'_>, UblError> {
    let options = ParsingOptions {
        // Refused by the pre-scan already; the parser refuses one again.
        allow_dtd: false,
        nodes_limit: NODES_LIMIT,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options).map_err(|e| UblError::from_xml(&e))
}

/// Refuses a processing instruction named `xml` in any case, which XML 1.0 (section 2.6,
/// production `PITarget`) reserves. roxmltree reads a malformed declaration such as
/// `<?xml%version="1.0"?>` as such an instruction; written out canonically it would
/// become a malformed declaration (found by the `c14n` fuzz target).
fn check_pi_targets(doc: &Document<'_>) -> Result<(), UblError> {
    for node in doc.descendants() {
        if let Some(pi) = node.pi()
            && pi.target.eq_ignore_ascii_case("xml")
        {
            let pos = doc.text_pos_at(node.range().start);
            return Err(UblError::Xml {
                line: pos.row,
                column: pos.col,
                reason: format!(
                    "a processing instruction may not be named {:?} (reserved by XML 1.0 §2.6); an XML declaration must be well-formed and come first",
                    pi.target
                ),
            });
        }
    }
    Ok(())
}

/// Writes the canonical form of `doc`, leaving out the element subtrees in `skip`
/// (sorted by [`NodeId::get`]).
pub(crate) fn write_document(doc: &Document<'_>, skip: &[NodeId], out: &mut Vec<u8>) {
    let mut writer = Writer {
        input: doc.input_text(),
        skip,
        out,
        ns: Vec::new(),
        attrs: Vec::new(),
        in_scope: HashMap::new(),
        scope_undo: Vec::new(),
    };
    let mut seen_root = false;
    for child in doc.root().children() {
        match child.node_type() {
            NodeType::Element => {
                writer.element_tree(child);
                seen_root = true;
            }
            NodeType::PI => {
                if seen_root {
                    writer.out.push(b'\n');
                }
                writer.pi(child);
                if !seen_root {
                    writer.out.push(b'\n');
                }
            }
            // Comments are removed; there is no text outside the document element.
            NodeType::Comment | NodeType::Text | NodeType::Root => {}
        }
    }
}

struct Writer<'a, 'input, 'o> {
    input: &'input str,
    skip: &'a [NodeId],
    out: &'o mut Vec<u8>,
    /// Scratch: namespace declarations of the current element (prefix, URI).
    ns: Vec<(&'a str, &'a str)>,
    /// Scratch: attributes of the current element (namespace URI, local name, qname, value).
    attrs: Vec<(&'a str, &'a str, &'input str, &'a str)>,
    /// The namespaces in scope on the parent of the element being written
    /// (prefix, `""` for the default, → URI): one lookup per namespace tells
    /// whether the element must declare it, so the work per element is linear in
    /// its scope, not quadratic.
    in_scope: HashMap<&'a str, &'a str>,
    /// How to restore `in_scope` when elements close: (prefix, previous URI),
    /// innermost element last.
    scope_undo: Vec<(&'a str, Option<&'a str>)>,
}

impl<'a, 'input: 'a> Writer<'a, 'input, '_> {
    /// Writes an element and its descendants, iteratively (deep documents cannot
    /// overflow the stack).
    fn element_tree(&mut self, top: Node<'a, 'input>) {
        // The open elements: their names, for the end tags, and where their
        // changes to `in_scope` start in `scope_undo`.
        let mut open: Vec<(&'input str, usize)> = Vec::with_capacity(32);
        let mut node = top;
        loop {
            // Enter `node`.
            let mut descend = None;
            match node.node_type() {
                NodeType::Element if !self.skipped(node) => {
                    let qname = element_qname(self.input, node);
                    let scope_mark = self.scope_undo.len();
                    self.start_tag(node, qname);
                    match node.first_child() {
                        Some(first) => {
                            open.push((qname, scope_mark));
                            descend = Some(first);
                        }
                        None => self.end_tag(qname, scope_mark),
                    }
                }
                NodeType::Text => escape_text(node.text().unwrap_or_default(), self.out),
                NodeType::PI => self.pi(node),
                _ => {}
            }
            if let Some(first) = descend {
                node = first;
                continue;
            }
            // Leave `node`: climb until a next sibling exists.
            loop {
                if node == top {
                    return;
                }
                if let Some(next) = node.next_sibling() {
                    node = next;
                    break;
                }
                match (node.parent(), open.pop()) {
                    (Some(parent), Some((qname, scope_mark))) => {
                        node = parent;
                        self.end_tag(qname, scope_mark);
                    }
                    _ => return,
                }
            }
        }
    }

    fn start_tag(&mut self, node: Node<'a, 'input>, qname: &str) {
        self.out.push(b'<');
        self.out.extend_from_slice(qname.as_bytes());
        self.namespace_declarations(node);
        self.attributes(node);
        self.out.push(b'>');
    }

    fn skipped(&self, node: Node<'a, 'input>) -> bool {
        let id = node.id().get();
        self.skip.binary_search_by_key(&id, |n| n.get()).is_ok()
    }

    /// Writes the namespace declarations in scope on `node` that its parent element
    /// does not have in scope with the same value, sorted by prefix (default first),
    /// and records `node`'s scope in `in_scope` for its children.
    fn namespace_declarations(&mut self, node: Node<'a, 'input>) {
        if let Some(p) = node.parent().filter(Node::is_element) {
            // Fast path: an element that declares nothing has its parent's scope.
            let (mine, theirs) = (node.namespaces(), p.namespaces());
            if mine.len() == theirs.len() && mine.zip(theirs).all(|(a, b)| std::ptr::eq(a, b)) {
                return;
            }
        }
        self.ns.clear();
        for ns in node.namespaces() {
            let prefix = ns.name().unwrap_or_default();
            let parent_uri = self.in_scope.get(prefix).copied();
            // No default namespace in scope is the same as `xmlns=""`.
            let inherited = match ns.name() {
                None => parent_uri.unwrap_or_default() == ns.uri(),
                Some(_) => parent_uri == Some(ns.uri()),
            };
            if !inherited {
                self.ns.push((prefix, ns.uri()));
                self.scope_undo.push((prefix, parent_uri));
                self.in_scope.insert(prefix, ns.uri());
            }
        }
        self.ns.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for &(prefix, uri) in &self.ns {
            if prefix.is_empty() {
                self.out.extend_from_slice(b" xmlns=\"");
            } else {
                self.out.extend_from_slice(b" xmlns:");
                self.out.extend_from_slice(prefix.as_bytes());
                self.out.extend_from_slice(b"=\"");
            }
            escape_attr(uri, self.out);
            self.out.push(b'"');
        }
    }

    /// Writes the attributes sorted by namespace URI, then local name.
    fn attributes(&mut self, node: Node<'a, 'input>) {
        let attributes = node.attributes();
        if attributes.len() == 0 {
            return;
        }
        self.attrs.clear();
        for attr in attributes {
            let qname = attribute_qname(self.input, &attr);
            self.attrs.push((
                attr.namespace().unwrap_or_default(),
                attr.name(),
                qname,
                attr.value(),
            ));
        }
        self.attrs
            .sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for &(_, _, qname, value) in &self.attrs {
            self.out.push(b' ');
            self.out.extend_from_slice(qname.as_bytes());
            self.out.extend_from_slice(b"=\"");
            escape_attr(value, self.out);
            self.out.push(b'"');
        }
    }

    /// Writes the end tag and takes the element's namespaces out of `in_scope`.
    fn end_tag(&mut self, qname: &str, scope_mark: usize) {
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(qname.as_bytes());
        self.out.push(b'>');
        while self.scope_undo.len() > scope_mark {
            let Some((prefix, previous)) = self.scope_undo.pop() else {
                break;
            };
            match previous {
                Some(uri) => self.in_scope.insert(prefix, uri),
                None => self.in_scope.remove(prefix),
            };
        }
    }

    fn pi(&mut self, node: Node<'a, 'input>) {
        if let Some(pi) = node.pi() {
            self.out.extend_from_slice(b"<?");
            self.out.extend_from_slice(pi.target.as_bytes());
            if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                self.out.push(b' ');
                self.out.extend_from_slice(value.as_bytes());
            }
            self.out.extend_from_slice(b"?>");
        }
    }
}

/// The element's name as written (`prefix:local` or `local`).
///
/// Read from the source text, since a namespace may be bound to several prefixes;
/// checked against the parsed name, with a prefix lookup as the fallback.
fn element_qname<'input>(input: &'input str, node: Node<'_, 'input>) -> &'input str {
    let start = node.range().start + 1; // after '<'
    let written = input
        .get(start..)
        .map(|rest| {
            let end = rest
                .bytes()
                .position(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'>'))
                .unwrap_or(rest.len());
            rest.get(..end).unwrap_or_default()
        })
        .unwrap_or_default();
    let name = node.tag_name();
    if qname_matches(written, name.name(), name.namespace().is_some()) {
        written
    } else {
        name.name()
    }
}

/// The attribute's name as written.
fn attribute_qname<'input>(
    input: &'input str,
    attr: &roxmltree::Attribute<'_, 'input>,
) -> &'input str {
    let written = input.get(attr.range_qname()).unwrap_or_default();
    if qname_matches(written, attr.name(), attr.namespace().is_some()) {
        written
    } else {
        attr.name()
    }
}

/// Whether `written` is `local` (no namespace) or `prefix:local` (namespaced).
fn qname_matches(written: &str, local: &str, namespaced: bool) -> bool {
    match written.split_once(':') {
        Some((prefix, rest)) => namespaced && !prefix.is_empty() && rest == local,
        // An unprefixed element may still be in the default namespace.
        None => written == local,
    }
}

/// Text node escaping: `&` `<` `>` and CR.
fn escape_text(s: &str, out: &mut Vec<u8>) {
    escape(s, out, |b| match b {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'>' => Some(b"&gt;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    });
}

/// Attribute value escaping: `&` `<` `"` TAB LF CR.
fn escape_attr(s: &str, out: &mut Vec<u8>) {
    escape(s, out, |b| match b {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'"' => Some(b"&quot;"),
        b'\t' => Some(b"&#x9;"),
        b'\n' => Some(b"&#xA;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    });
}

#[inline]
fn escape(s: &str, out: &mut Vec<u8>, table: impl Fn(u8) -> Option<&'static [u8]>) {
    let bytes = s.as_bytes();
    let mut from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(rep) = table(b) {
            out.extend_from_slice(bytes.get(from..i).unwrap_or_default());
            out.extend_from_slice(rep);
            from = i + 1;
        }
    }
    out.extend_from_slice(bytes.get(from..).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(xml: &str) -> String {
        String::from_utf8(canonicalize(xml.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn declarations_dropped_and_empty_elements_expanded() {
        assert_eq!(c("<?xml version='1.0'?>\n<a><b/></a>\n"), "<a><b></b></a>");
    }

    #[test]
    fn redundant_namespace_declarations_dropped() {
        assert_eq!(
            c("<a xmlns:p='u' xmlns='d'><p:b xmlns:p='u' xmlns='d'><c xmlns=''/></p:b></a>"),
            "<a xmlns=\"d\" xmlns:p=\"u\"><p:b><c xmlns=\"\"></c></p:b></a>"
        );
    }

    #[test]
    fn empty_default_undeclaration_on_root_dropped() {
        assert_eq!(c("<a xmlns=''><b/></a>"), "<a><b></b></a>");
    }

    #[test]
    fn attribute_order() {
        assert_eq!(
            c("<a xmlns:z='urn:a' xmlns:b='urn:b' b:x='1' z:y='2' c='3' xml:lang='en'/>"),
            "<a xmlns:b=\"urn:b\" xmlns:z=\"urn:a\" c=\"3\" xml:lang=\"en\" z:y=\"2\" b:x=\"1\"></a>"
        );
    }

    #[test]
    fn escaping() {
        assert_eq!(
            c("<a t='&lt;&amp;&gt;\"&#9;&#10;&#13;'>&lt;&amp;&gt;\"'&#13;</a>"),
            "<a t=\"&lt;&amp;>&quot;&#x9;&#xA;&#xD;\">&lt;&amp;&gt;\"'&#xD;</a>"
        );
    }

    #[test]
    fn pis_around_the_document_element() {
        assert_eq!(
            c("<?p1 x ?><!--c--><a><?p2?></a><?p3 y?>"),
            "<?p1 x ?>\n<a><?p2?></a>\n<?p3 y?>"
        );
    }

    #[test]
    fn encoding_declaration_checked() {
        assert_eq!(
            canonicalize(b"<?xml version='1.0' encoding='ISO-8859-1'?><a/>"),
            Err(UblError::UnsupportedEncoding {
                declared: "ISO-8859-1".into()
            })
        );
        assert!(canonicalize(b"<?xml version='1.0' encoding='utf-8'?><a/>").is_ok());
    }

    #[test]
    fn any_doctype_refused() {
        for xml in [
            "<!DOCTYPE a [<!ATTLIST a x CDATA 'd'>]><a/>",
            "<!DOCTYPE a SYSTEM 'a.dtd'><a/>",
            "<!DOCTYPE a [<!ENTITY e 'v'>]><a>&e;</a>",
            "<!DOCTYPE a><a/>",
        ] {
            assert_eq!(
                canonicalize(xml.as_bytes()),
                Err(UblError::Doctype { line: 1, column: 1 }),
                "{xml}"
            );
        }
    }

    #[test]
    fn nesting_to_the_depth_limit_is_written() {
        let depth = crate::MAX_DEPTH;
        let xml = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert_eq!(canonicalize(xml.as_bytes()).unwrap(), xml.as_bytes());
    }

    #[test]
    fn namespace_scope_restored_after_each_element() {
        assert_eq!(
            c(
                "<a xmlns:p='u'><b xmlns:p='v'><c xmlns:p='v'/></b><d xmlns:p='u'/><e xmlns:p='v' xmlns='w'/><f/></a>"
            ),
            "<a xmlns:p=\"u\"><b xmlns:p=\"v\"><c></c></b><d></d><e xmlns=\"w\" xmlns:p=\"v\"></e><f></f></a>"
        );
    }
}
