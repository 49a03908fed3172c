//! The streaming canonicaliser: C14N 1.1 (whole document, no comments) in one
//! pass over the text, without building a tree.
//!
//! It writes the same bytes as the tree canonicaliser of [`crate::c14n`] (the
//! rules are listed there), and for the invoice hash leaves out the same three
//! children of the document element (crate docs, "The invoice hash") while it
//! reads them: the output written for such an element is cut off again when the
//! element ends, so a `cac:AdditionalDocumentReference` is only dropped once its
//! `cbc:ID` children have been read.
//!
//! It reads a strict subset of XML: everything an invoice is written with (the
//! XML declaration, ASCII names with at most one prefix, namespace declarations
//! with plain URIs, attributes, text, the five predefined entity references and
//! character references, CDATA sections and comments). On anything else it
//! *declines* ([`Declined`]): a document type declaration, a processing
//! instruction, non-ASCII names, an unbound prefix, a structural limit reached,
//! any markup it does not recognise, any malformed XML. The caller then reads the
//! document with the tree canonicaliser, which canonicalises it or reports the
//! error (with its position, and with the pre-scan's DTD refusal and limits).
//! So the streaming pass never has to name an error, and on every document it
//! accepts it must agree byte for byte with the tree canonicaliser: a
//! differential fuzz target (`fuzz/fuzz_targets/c14n_differential.rs`) runs both
//! on the same input and fails on any difference.
//!
//! The work is linear in the input: each byte is looked at a bounded number of
//! times, and per element the work is bounded by the structural limits (at most
//! 32 attributes compared pairwise, 64 prefixes in scope searched, 256 distinct
//! declarations searched).

use crate::{
    MAX_ATTRIBUTES_PER_ELEMENT, MAX_DEPTH, MAX_DISTINCT_NAMESPACES,
    MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT, MAX_NAMESPACES_IN_SCOPE, NS_CAC, NS_CBC, NS_EXT,
    NS_INVOICE,
};

/// The namespace the `xml` prefix is bound to by definition.
const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of `xmlns` declarations, which may not be declared.
const NS_XMLNS: &str = "http://www.w3.org/2000/xmlns/";

/// The streaming pass does not read this document; the tree canonicaliser decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Declined;

type Step<T = ()> = Result<T, Declined>;

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Output {
    /// The canonical form of the whole document.
    Document,
    /// The invoice hash input: the document element must be a UBL `Invoice`, and
    /// its `ext:UBLExtensions`, `cac:Signature` and QR
    /// `cac:AdditionalDocumentReference` children are left out.
    InvoiceHashInput,
}

/// Appends the canonical form of `text` (an already decoded document: UTF-8,
/// no byte order mark) to `out`. On [`Declined`], `out` holds partial output.
pub(crate) fn canonicalize(text: &str, output: Output, out: &mut Vec<u8>) -> Step {
    let mut canon = Canon {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        out,
        output,
        open: Vec::with_capacity(32),
        bindings: Vec::with_capacity(32),
        prefixes_in_scope: 0,
        distinct: Vec::new(),
        attributes: Vec::new(),
        declarations: Vec::new(),
        removal: None,
        id_text: None,
    };
    canon.document()
}

/// Bytes that end a plain run of character data (`<` is found separately):
/// those written escaped or normalised, those that may start forbidden content
/// (`]]>`, U+FFFE, U+FFFF) and the control characters XML does not allow.
static TEXT_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = !matches!(b as u8, b'\t' | b'\n');
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'>' as usize] = true;
    table[b'<' as usize] = true;
    table[b']' as usize] = true;
    table[0xEF] = true;
    table
};

/// Bytes that end a plain run of an attribute value.
static ATTR_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'"' as usize] = true;
    table[0xEF] = true;
    table
};

/// An open element.
struct Open<'t> {
    qname: &'t str,
    /// Where its namespace bindings start in `bindings`.
    bindings_mark: usize,
    /// The number of distinct prefixes in scope on its parent.
    prefixes_mark: usize,
}

/// A child of the document element whose output is cut off when it ends, for
/// the invoice hash (or kept, for an `AdditionalDocumentReference` that turns
/// out not to be the QR one).
struct Removal {
    /// Where its output starts.
    out_mark: usize,
    /// Left out whatever it holds (`UBLExtensions`, `Signature`).
    always: bool,
    /// For an `AdditionalDocumentReference`: whether a `cbc:ID` child read `QR`.
    is_qr: bool,
}

/// One attribute as written.
struct Attribute<'t> {
    qname: &'t str,
    /// The prefix, if the name has one.
    prefix: Option<&'t str>,
    local: &'t str,
    /// The value as written, between the quotes.
    value: &'t str,
    namespace: &'t str,
}

struct Canon<'t, 'o> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    out: &'o mut Vec<u8>,
    output: Output,
    open: Vec<Open<'t>>,
    /// Namespace bindings made by the open elements, innermost last
    /// (prefix, `""` for the default; URI as written, which is also its value:
    /// URIs needing normalisation are declined).
    bindings: Vec<(&'t str, &'t str)>,
    /// Distinct prefixes among `bindings`.
    prefixes_in_scope: usize,
    /// Every distinct declaration (prefix, URI) made so far.
    distinct: Vec<(&'t str, &'t str)>,
    /// Scratch: the attributes of the current start tag.
    attributes: Vec<Attribute<'t>>,
    /// Scratch: the declarations of the current start tag that are written.
    declarations: Vec<(&'t str, &'t str)>,
    removal: Option<Removal>,
    /// Inside a `cbc:ID` child of an `AdditionalDocumentReference` being read
    /// for the invoice hash: its canonical text so far (the escaping is
    /// one-to-one, so comparing escaped text compares the string value).
    id_text: Option<(usize, Vec<u8>)>,
}

impl<'t> Canon<'t, '_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn rest(&self) -> &'t [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.rest().starts_with(s)
    }

    fn str_between(&self, from: usize, to: usize) -> &'t str {
        // Callers cut at ASCII bytes, which are character boundaries.
        self.text.get(from..to).unwrap_or_default()
    }

    fn skip_whitespace(&mut self) -> bool {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn document(&mut self) -> Step {
        if self.starts_with(b"<?xml") {
            self.xml_declaration()?;
        }
        // Before the document element: whitespace and comments.
        self.misc()?;
        if self.peek() != Some(b'<') {
            return Err(Declined);
        }
        self.element_tree()?;
        // After it: whitespace and comments only.
        self.misc()?;
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(Declined)
        }
    }

    /// `<?xml version="1.0" (encoding="…")? (standalone="yes|no")? ?>`, exactly.
    fn xml_declaration(&mut self) -> Step {
        self.pos += "<?xml".len();
        if !self.skip_whitespace() {
            return Err(Declined);
        }
        let version = self.pseudo_attribute(b"version")?;
        if version != "1.0" {
            return Err(Declined);
        }
        let mut had_space = self.skip_whitespace();
        if had_space && self.starts_with(b"encoding") {
            let name = self.pseudo_attribute(b"encoding")?;
            let mut chars = name.bytes();
            let valid = chars.next().is_some_and(|b| b.is_ascii_alphabetic())
                && chars.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
            if !valid {
                return Err(Declined);
            }
            had_space = self.skip_whitespace();
        }
        if had_space && self.starts_with(b"standalone") {
            let value = self.pseudo_attribute(b"standalone")?;
            if value != "yes" && value != "no" {
                return Err(Declined);
            }
            self.skip_whitespace();
        }
        if !self.starts_with(b"?>") {
            return Err(Declined);
        }
        self.pos += 2;
        Ok(())
    }

    /// `name S? = S? "value"` of the XML declaration; the value.
    fn pseudo_attribute(&mut self, name: &[u8]) -> Step<&'t str> {
        if !self.starts_with(name) {
            return Err(Declined);
        }
        self.pos += name.len();
        self.skip_whitespace();
        if self.peek() != Some(b'=') {
            return Err(Declined);
        }
        self.pos += 1;
        self.skip_whitespace();
        let quote = self
            .peek()
            .filter(|q| matches!(q, b'"' | b'\''))
            .ok_or(Declined)?;
        let start = self.pos + 1;
        let len =
            memchr::memchr(quote, self.bytes.get(start..).unwrap_or_default()).ok_or(Declined)?;
        self.pos = start + len + 1;
        Ok(self.str_between(start, start + len))
    }

    /// Whitespace and comments outside the document element.
    fn misc(&mut self) -> Step {
        loop {
            self.skip_whitespace();
            if self.starts_with(b"<!--") {
                self.comment()?;
            } else {
                return Ok(());
            }
        }
    }

    /// Skips `<!-- … -->`; its content may not hold `--` nor end with `-`.
    fn comment(&mut self) -> Step {
        let start = self.pos + 4;
        let rest = self.bytes.get(start..).unwrap_or_default();
        let len = memchr::memmem::find(rest, b"-->").ok_or(Declined)?;
        let content = rest.get(..len).unwrap_or_default();
        if content.ends_with(b"-") || memchr::memmem::find(content, b"--").is_some() {
            return Err(Declined);
        }
        check_chars(content)?;
        self.pos = start + len + 3;
        Ok(())
    }

    /// The document element and everything in it, iteratively (no recursion,
    /// so depth costs no stack).
    fn element_tree(&mut self) -> Step {
        loop {
            // At `<`.
            let rest = self.rest();
            if rest.starts_with(b"</") {
                self.end_tag()?;
                if self.open.is_empty() {
                    return Ok(());
                }
            } else if rest.starts_with(b"<!--") {
                self.comment()?;
            } else if rest.starts_with(b"<![CDATA[") {
                self.cdata()?;
            } else if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
                return Err(Declined);
            } else {
                self.start_tag()?;
                if self.open.is_empty() {
                    return Ok(()); // an empty document element
                }
            }
            self.text()?;
        }
    }

    /// Character data up to the next `<`.
    fn text(&mut self) -> Step {
        let text_start = self.out.len();
        loop {
            let rest = self.rest();
            let plain = rest
                .iter()
                .position(|&b| TEXT_SPECIAL[usize::from(b)])
                .ok_or(Declined)?; // no `<` left: the document is unfinished
            self.out
                .extend_from_slice(rest.get(..plain).unwrap_or_default());
            self.pos += plain;
            match self.peek() {
                Some(b'<') => break,
                Some(b'&') => {
                    let c = self.reference()?;
                    escape_text_char(c, self.out);
                }
                Some(b'>') => {
                    self.out.extend_from_slice(b"&gt;");
                    self.pos += 1;
                }
                Some(b'\r') => {
                    self.out.push(b'\n');
                    self.pos += 1;
                    if self.peek() == Some(b'\n') {
                        self.pos += 1;
                    }
                }
                Some(b']') => {
                    if self.starts_with(b"]]>") {
                        return Err(Declined);
                    }
                    self.out.push(b']');
                    self.pos += 1;
                }
                Some(0xEF) => {
                    check_not_ffff(self.rest())?;
                    self.out.push(0xEF);
                    self.pos += 1;
                }
                _ => return Err(Declined), // a control character
            }
        }
        self.captured(text_start);
        Ok(())
    }

    /// Hands the output written since `from` (text) to the `cbc:ID` capture.
    fn captured(&mut self, from: usize) {
        if let Some((_, id_text)) = &mut self.id_text {
            id_text.extend_from_slice(self.out.get(from..).unwrap_or_default());
        }
    }

    /// `<![CDATA[ … ]]>`, written as escaped text.
    fn cdata(&mut self) -> Step {
        let start = self.pos + "<![CDATA[".len();
        let rest = self.bytes.get(start..).unwrap_or_default();
        let len = memchr::memmem::find(rest, b"]]>").ok_or(Declined)?;
        let content = rest.get(..len).unwrap_or_default();
        check_chars(content)?;
        let text_start = self.out.len();
        let mut bytes = content.iter().copied().peekable();
        while let Some(b) = bytes.next() {
            match b {
                b'&' => self.out.extend_from_slice(b"&amp;"),
                b'<' => self.out.extend_from_slice(b"&lt;"),
                b'>' => self.out.extend_from_slice(b"&gt;"),
                b'\r' => {
                    self.out.push(b'\n');
                    if bytes.peek() == Some(&b'\n') {
                        bytes.next();
                    }
                }
                _ => self.out.push(b),
            }
        }
        self.captured(text_start);
        self.pos = start + len + 3;
        Ok(())
    }

    /// `&…;` at `pos`: the character it stands for.
    fn reference(&mut self) -> Step<char> {
        let (c, len) = reference_at(self.rest())?;
        self.pos += len;
        Ok(c)
    }

    /// A name at `pos` (ASCII only, at most one colon, neither part empty):
    /// (the whole name, its prefix).
    fn qname(&mut self) -> Step<(&'t str, Option<&'t str>, &'t str)> {
        let start = self.pos;
        let mut colon = None;
        let mut at_part_start = true;
        while let Some(b) = self.peek() {
            let ok = if at_part_start {
                b.is_ascii_alphabetic() || b == b'_'
            } else {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
            };
            if ok {
                at_part_start = false;
                self.pos += 1;
            } else if b == b':' && !at_part_start && colon.is_none() {
                colon = Some(self.pos);
                at_part_start = true;
                self.pos += 1;
            } else {
                break;
            }
        }
        if at_part_start || self.peek().is_some_and(|b| b >= 0x80 || b == b':') {
            return Err(Declined);
        }
        let qname = self.str_between(start, self.pos);
        Ok(match colon {
            Some(c) => (
                qname,
                Some(self.str_between(start, c)),
                self.str_between(c + 1, self.pos),
            ),
            None => (qname, None, qname),
        })
    }

    /// The namespace bound to `prefix` (`""` for the default) on the current
    /// element; `None` if unbound.
    fn lookup(&self, prefix: &str) -> Option<&'t str> {
        self.bindings
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map(|&(_, uri)| uri)
    }

    fn start_tag(&mut self) -> Step {
        self.pos += 1; // '<'
        let (qname, prefix, local) = self.qname()?;
        self.attributes.clear();
        let empty = loop {
            let spaced = self.skip_whitespace();
            match self.peek() {
                Some(b'>') => {
                    self.pos += 1;
                    break false;
                }
                Some(b'/') => {
                    if !self.starts_with(b"/>") {
                        return Err(Declined);
                    }
                    self.pos += 2;
                    break true;
                }
                _ if !spaced => return Err(Declined),
                _ => {}
            }
            let (name, attr_prefix, attr_local) = self.qname()?;
            self.skip_whitespace();
            if self.peek() != Some(b'=') {
                return Err(Declined);
            }
            self.pos += 1;
            self.skip_whitespace();
            let quote = self
                .peek()
                .filter(|q| matches!(q, b'"' | b'\''))
                .ok_or(Declined)?;
            let start = self.pos + 1;
            let len = memchr::memchr(quote, self.bytes.get(start..).unwrap_or_default())
                .ok_or(Declined)?;
            self.pos = start + len + 1;
            if self.attributes.iter().any(|a| a.qname == name)
                || self.attributes.len() >= MAX_ATTRIBUTES_PER_ELEMENT * 2
            {
                return Err(Declined);
            }
            self.attributes.push(Attribute {
                qname: name,
                prefix: attr_prefix,
                local: attr_local,
                value: self.str_between(start, start + len),
                namespace: "",
            });
        };
        if self.open.len() >= MAX_DEPTH {
            return Err(Declined);
        }
        let bindings_mark = self.bindings.len();
        let prefixes_mark = self.prefixes_in_scope;
        self.namespaces()?;
        // The element's own name.
        let namespace = match prefix {
            Some("xml" | "xmlns") => return Err(Declined),
            Some(p) => self.lookup(p).filter(|u| !u.is_empty()).ok_or(Declined)?,
            None => self.lookup("").unwrap_or_default(),
        };
        self.attribute_namespaces()?;
        let depth = self.open.len() + 1;
        if self.output == Output::InvoiceHashInput {
            self.classify(depth, namespace, local)?;
        }
        self.write_start_tag(qname)?;
        self.open.push(Open {
            qname,
            bindings_mark,
            prefixes_mark,
        });
        if empty {
            self.close();
        }
        Ok(())
    }

    /// Takes the declarations out of `attributes` into scope, checks the
    /// limits, and collects those to write (sorted) into `declarations`.
    fn namespaces(&mut self) -> Step {
        self.declarations.clear();
        let parent_bindings = self.bindings.len();
        let mut declared = 0;
        let mut i = 0;
        while let Some(attribute) = self.attributes.get(i) {
            let prefix = match (attribute.prefix, attribute.local) {
                (None, "xmlns") => "",
                (Some("xmlns"), p) => p,
                _ => {
                    i += 1;
                    continue;
                }
            };
            let uri = attribute.value;
            self.attributes.swap_remove(i);
            declared += 1;
            let plain = uri.bytes().all(|b| !ATTR_SPECIAL[usize::from(b)])
                && uri != NS_XML
                && uri != NS_XMLNS;
            if !plain
                || prefix == "xml"
                || prefix == "xmlns"
                || (uri.is_empty() && !prefix.is_empty())
            {
                return Err(Declined);
            }
            // The parent's binding: those made by this element are not looked at.
            let parent = self
                .bindings
                .get(..parent_bindings)
                .unwrap_or_default()
                .iter()
                .rev()
                .find(|(p, _)| *p == prefix)
                .map(|&(_, u)| u);
            let inherited = match prefix {
                "" => parent.unwrap_or_default() == uri,
                _ => parent == Some(uri),
            };
            if !inherited {
                self.declarations.push((prefix, uri));
            }
            if parent.is_none() {
                self.prefixes_in_scope += 1;
            }
            self.bindings.push((prefix, uri));
            if !self.distinct.contains(&(prefix, uri)) {
                self.distinct.push((prefix, uri));
            }
        }
        if declared > MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT
            || self.attributes.len() > MAX_ATTRIBUTES_PER_ELEMENT
            || self.prefixes_in_scope > MAX_NAMESPACES_IN_SCOPE
            || self.distinct.len() > MAX_DISTINCT_NAMESPACES
        {
            return Err(Declined);
        }
        self.declarations.sort_unstable_by(|a, b| a.0.cmp(b.0));
        Ok(())
    }

    /// Resolves the attributes' namespaces and sorts them by (namespace, local
    /// name); two with the same expanded name are declined.
    fn attribute_namespaces(&mut self) -> Step {
        for i in 0..self.attributes.len() {
            let prefix = self.attributes.get(i).and_then(|a| a.prefix);
            let namespace = match prefix {
                None => "",
                Some("xml") => NS_XML,
                Some("xmlns") => return Err(Declined),
                Some(p) => self.lookup(p).filter(|u| !u.is_empty()).ok_or(Declined)?,
            };
            if let Some(a) = self.attributes.get_mut(i) {
                a.namespace = namespace;
            }
        }
        self.attributes
            .sort_unstable_by(|a, b| (a.namespace, a.local).cmp(&(b.namespace, b.local)));
        let duplicate = self
            .attributes
            .windows(2)
            .any(|w| matches!(w, [a, b] if (a.namespace, a.local) == (b.namespace, b.local)));
        if duplicate {
            return Err(Declined);
        }
        Ok(())
    }

    /// For the invoice hash: checks the document element, and marks the
    /// children of it that are left out and the `cbc:ID`s that decide it.
    fn classify(&mut self, depth: usize, namespace: &str, local: &str) -> Step {
        match depth {
            1 if (namespace, local) != (NS_INVOICE, "Invoice") => return Err(Declined),
            2 => {
                let always = matches!(
                    (namespace, local),
                    (NS_EXT, "UBLExtensions") | (NS_CAC, "Signature")
                );
                if always || (namespace, local) == (NS_CAC, "AdditionalDocumentReference") {
                    self.removal = Some(Removal {
                        out_mark: self.out.len(),
                        always,
                        is_qr: false,
                    });
                }
            }
            3 if (namespace, local) == (NS_CBC, "ID")
                && self.removal.as_ref().is_some_and(|r| !r.always) =>
            {
                self.id_text = Some((depth, Vec::new()));
            }
            _ => {}
        }
        Ok(())
    }

    fn write_start_tag(&mut self, qname: &str) -> Step {
        let out = &mut *self.out;
        out.push(b'<');
        out.extend_from_slice(qname.as_bytes());
        for &(prefix, uri) in &self.declarations {
            if prefix.is_empty() {
                out.extend_from_slice(b" xmlns=\"");
            } else {
                out.extend_from_slice(b" xmlns:");
                out.extend_from_slice(prefix.as_bytes());
                out.extend_from_slice(b"=\"");
            }
            // Declined unless plain: written as is.
            out.extend_from_slice(uri.as_bytes());
            out.push(b'"');
        }
        for attribute in &self.attributes {
            out.push(b' ');
            out.extend_from_slice(attribute.qname.as_bytes());
            out.extend_from_slice(b"=\"");
            write_attribute_value(attribute.value, out)?;
            out.push(b'"');
        }
        out.push(b'>');
        Ok(())
    }

    /// `</qname S? >`, matching the open element.
    fn end_tag(&mut self) -> Step {
        self.pos += 2;
        let (qname, _, _) = self.qname()?;
        self.skip_whitespace();
        if self.peek() != Some(b'>') {
            return Err(Declined);
        }
        self.pos += 1;
        match self.open.last() {
            Some(open) if open.qname == qname => {}
            _ => return Err(Declined),
        }
        self.close();
        Ok(())
    }

    /// Writes the end tag of the innermost open element and closes it.
    fn close(&mut self) {
        let Some(open) = self.open.pop() else {
            return;
        };
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(open.qname.as_bytes());
        self.out.push(b'>');
        self.bindings.truncate(open.bindings_mark);
        self.prefixes_in_scope = open.prefixes_mark;
        let depth = self.open.len() + 1;
        if self.output != Output::InvoiceHashInput {
            return;
        }
        if let Some((id_depth, text)) = &self.id_text
            && *id_depth == depth
        {
            let is_qr = text.as_slice() == b"QR";
            self.id_text = None;
            if let Some(removal) = &mut self.removal {
                removal.is_qr |= is_qr;
            }
        }
        if depth == 2
            && let Some(removal) = self.removal.take()
            && (removal.always || removal.is_qr)
        {
            self.out.truncate(removal.out_mark);
        }
    }
}

/// Checks that `bytes` (CDATA or comment content) hold only XML characters.
fn check_chars(bytes: &[u8]) -> Step {
    for (i, &b) in bytes.iter().enumerate() {
        if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') {
            return Err(Declined);
        }
        if b == 0xEF {
            check_not_ffff(bytes.get(i..).unwrap_or_default())?;
        }
    }
    Ok(())
}

/// Declines U+FFFE and U+FFFF (UTF-8 `EF BF BE`, `EF BF BF`), not XML characters.
fn check_not_ffff(at: &[u8]) -> Step {
    match at {
        [0xEF, 0xBF, 0xBE | 0xBF, ..] => Err(Declined),
        _ => Ok(()),
    }
}

/// The reference `&…;` at the start of `rest`: the character it stands for
/// and its length. Only the predefined entities exist without a DTD.
fn reference_at(rest: &[u8]) -> Step<(char, usize)> {
    let end = rest
        .iter()
        .take(12)
        .position(|&b| b == b';')
        .ok_or(Declined)?;
    let c = match rest.get(1..end).ok_or(Declined)? {
        b"lt" => '<',
        b"gt" => '>',
        b"amp" => '&',
        b"apos" => '\'',
        b"quot" => '"',
        [b'#', b'x', hex @ ..] => char_ref(hex, 16)?,
        [b'#', dec @ ..] => char_ref(dec, 10)?,
        _ => return Err(Declined),
    };
    Ok((c, end + 1))
}

/// The character of a character reference's digits, if it is an XML character.
fn char_ref(digits: &[u8], radix: u32) -> Step<char> {
    if digits.is_empty() || digits.len() > 8 {
        return Err(Declined);
    }
    let mut value: u32 = 0;
    for &d in digits {
        let digit = char::from(d).to_digit(radix).ok_or(Declined)?;
        value = value * radix + digit;
    }
    let c = char::from_u32(value).ok_or(Declined)?;
    let xml_char =
        matches!(value, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10_FFFF);
    if xml_char { Ok(c) } else { Err(Declined) }
}

fn escape_text_char(c: char, out: &mut Vec<u8>) {
    match c {
        '&' => out.extend_from_slice(b"&amp;"),
        '<' => out.extend_from_slice(b"&lt;"),
        '>' => out.extend_from_slice(b"&gt;"),
        '\r' => out.extend_from_slice(b"&#xD;"),
        _ => {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

fn escape_attr_char(c: char, out: &mut Vec<u8>) {
    match c {
        '&' => out.extend_from_slice(b"&amp;"),
        '<' => out.extend_from_slice(b"&lt;"),
        '"' => out.extend_from_slice(b"&quot;"),
        '\t' => out.extend_from_slice(b"&#x9;"),
        '\n' => out.extend_from_slice(b"&#xA;"),
        '\r' => out.extend_from_slice(b"&#xD;"),
        _ => {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// Writes an attribute value as written (between its quotes) normalised and
/// escaped: references replaced, TAB, LF, CR and CR LF as one space each.
fn write_attribute_value(value: &str, out: &mut Vec<u8>) -> Step {
    let bytes = value.as_bytes();
    let mut pos = 0;
    loop {
        let rest = bytes.get(pos..).unwrap_or_default();
        let plain = rest
            .iter()
            .position(|&b| ATTR_SPECIAL[usize::from(b)])
            .unwrap_or(rest.len());
        out.extend_from_slice(rest.get(..plain).unwrap_or_default());
        pos += plain;
        let Some(&b) = bytes.get(pos) else {
            return Ok(());
        };
        match b {
            b'&' => {
                let (c, len) = reference_at(bytes.get(pos..).unwrap_or_default())?;
                escape_attr_char(c, out);
                pos += len;
            }
            b'"' => {
                out.extend_from_slice(b"&quot;");
                pos += 1;
            }
            b'\t' | b'\n' => {
                out.push(b' ');
                pos += 1;
            }
            b'\r' => {
                out.push(b' ');
                pos += 1;
                if bytes.get(pos) == Some(&b'\n') {
                    pos += 1;
                }
            }
            0xEF => {
                check_not_ffff(bytes.get(pos..).unwrap_or_default())?;
                out.push(0xEF);
                pos += 1;
            }
            _ => return Err(Declined), // `<` or a control character
        }
    }
}
