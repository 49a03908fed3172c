//! A linear scan of the markup, before the tree is built, that refuses a
//! document type declaration and enforces the structural limits (crate docs,
//! "What XML is read, and the limits").
//!
//! Why before parsing: `roxmltree` expands internal entities while it builds the
//! tree (a 160 KB document can ask for gigabytes), and some of its checks are
//! quadratic in what one element holds (each attribute is compared with every
//! earlier attribute of its element for duplicates, each namespace declaration
//! with the element's other declarations and with every prefix in scope), or in
//! the whole document (each new distinct declaration is inserted into a sorted
//! array). With the counts bounded here, the parser's work is linear in the input.
//!
//! The scan only has to be exact on well-formed input. On malformed input it stops
//! where it no longer recognises the markup and leaves the error to the parser,
//! which reads the document front to back and so fails at or before that point,
//! having built only what the scan has checked. Should the parser accept such a
//! document anyway, it is refused ([`Scan::unchecked_rest`]): nothing that was not
//! scanned is ever accepted.

use std::collections::{HashMap, HashSet};

use crate::{
    MAX_ATTRIBUTES_PER_ELEMENT, MAX_DEPTH, MAX_DISTINCT_NAMESPACES,
    MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT, MAX_NAMESPACES_IN_SCOPE, UblError, XmlLimit,
};

/// How far the scan got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scan {
    /// The whole text was read: no DTD, every element within the limits.
    Complete,
    /// The scan stopped at this byte offset, at markup it does not recognise
    /// (malformed XML); everything before it was checked.
    Stopped(usize),
}

impl Scan {
    /// The error for a document the parser accepted although the scan stopped
    /// in it: the part after the stop was not checked, so it is not accepted.
    /// (Not expected: the scan reads well-formed XML to the end.)
    pub(crate) fn unchecked_rest(self, text: &str) -> Option<UblError> {
        let Self::Stopped(at) = self else {
            return None;
        };
        let (line, column) = line_column(text, at);
        Some(UblError::Xml {
            line,
            column,
            reason: "markup the structural pre-scan cannot read".to_owned(),
        })
    }
}

/// Refuses a `<!DOCTYPE` and any element beyond the limits. On malformed input
/// it stops where it no longer recognises the markup and says where; the parser
/// then reports the error.
pub(crate) fn check(text: &str) -> Result<Scan, UblError> {
    Scanner::new(text).run()
}

struct Scanner<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    /// Open elements: how many namespace declarations each made (their prefixes
    /// are the last entries of `declared`).
    open: Vec<usize>,
    /// Prefixes declared by the open elements, innermost last (`""` for the
    /// default namespace).
    declared: Vec<&'t str>,
    /// Open declarations per prefix; its length is the number of prefixes in scope.
    in_scope: HashMap<&'t str, usize>,
    /// Every (prefix, URI as written) declared so far.
    distinct: HashSet<(&'t str, &'t str)>,
}

/// What one start tag holds.
struct StartTag<'t> {
    attributes: usize,
    /// Its namespace declarations: (prefix, URI as written).
    declarations: Vec<(&'t str, &'t str)>,
    empty: bool,
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            open: Vec::new(),
            declared: Vec::new(),
            in_scope: HashMap::new(),
            distinct: HashSet::new(),
        }
    }

    fn rest(&self) -> &'t [u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    /// Moves past the next `end` (after `skip` bytes); `false` if there is none.
    fn skip_past(&mut self, skip: usize, end: &[u8]) -> bool {
        let from = self.pos + skip;
        let found = self.bytes.get(from..).and_then(|rest| match end {
            [byte] => memchr::memchr(*byte, rest),
            _ => memchr::memmem::find(rest, end),
        });
        match found {
            Some(at) => {
                self.pos = from + at + end.len();
                true
            }
            None => false,
        }
    }

    fn run(mut self) -> Result<Scan, UblError> {
        loop {
            // Character data up to the next markup.
            match memchr::memchr(b'<', self.rest()) {
                Some(at) => self.pos += at,
                None => return Ok(Scan::Complete),
            }
            let markup_start = self.pos;
            let rest = self.rest();
            let recognised = if rest.starts_with(b"<!--") {
                self.skip_past(4, b"-->")
            } else if rest.starts_with(b"<![CDATA[") {
                self.skip_past(9, b"]]>")
            } else if rest.starts_with(b"<!DOCTYPE") {
                let (line, column) = line_column(self.text, self.pos);
                return Err(UblError::Doctype { line, column });
            } else if rest.starts_with(b"<!") {
                false // no other `<!` markup outside a DTD: the parser refuses it
            } else if rest.starts_with(b"<?") {
                self.skip_past(2, b"?>")
            } else if rest.starts_with(b"</") {
                self.end_tag()
            } else {
                self.start_tag()?
            };
            if !recognised {
                return Ok(Scan::Stopped(markup_start));
            }
        }
    }

    fn end_tag(&mut self) -> bool {
        if let Some(declarations) = self.open.pop() {
            self.close(declarations);
        }
        self.skip_past(2, b">")
    }

    /// Takes the declarations of a closed element out of scope.
    fn close(&mut self, declarations: usize) {
        for _ in 0..declarations {
            let Some(prefix) = self.declared.pop() else {
                return;
            };
            if let Some(count) = self.in_scope.get_mut(prefix) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    self.in_scope.remove(prefix);
                }
            }
        }
    }

    /// Reads a start tag and checks it; `Ok(false)` where the markup is malformed.
    fn start_tag(&mut self) -> Result<bool, UblError> {
        let tag_start = self.pos;
        let Some(tag) = self.read_start_tag() else {
            return Ok(false);
        };
        let refuse = |scanner: &Self, limit: XmlLimit, found: usize| {
            let (line, column) = line_column(scanner.text, tag_start);
            Err(UblError::LimitExceeded {
                limit,
                found,
                max: limit.max(),
                line,
                column,
            })
        };
        if tag.attributes > MAX_ATTRIBUTES_PER_ELEMENT {
            return refuse(self, XmlLimit::AttributesPerElement, tag.attributes);
        }
        let declarations = tag.declarations.len();
        if declarations > MAX_NAMESPACE_DECLARATIONS_PER_ELEMENT {
            return refuse(
                self,
                XmlLimit::NamespaceDeclarationsPerElement,
                declarations,
            );
        }
        let depth = self.open.len() + 1;
        if depth > MAX_DEPTH {
            return refuse(self, XmlLimit::Depth, depth);
        }
        for (prefix, uri) in tag.declarations {
            *self.in_scope.entry(prefix).or_insert(0) += 1;
            self.declared.push(prefix);
            self.distinct.insert((prefix, uri));
        }
        if self.in_scope.len() > MAX_NAMESPACES_IN_SCOPE {
            return refuse(self, XmlLimit::NamespacesInScope, self.in_scope.len());
        }
        if self.distinct.len() > MAX_DISTINCT_NAMESPACES {
            return refuse(self, XmlLimit::DistinctNamespaces, self.distinct.len());
        }
        if tag.empty {
            self.close(declarations);
        } else {
            self.open.push(declarations);
        }
        Ok(true)
    }

    /// Reads `<name attr="v" …>` or `…/>` from `pos`; `None` if malformed.
    fn read_start_tag(&mut self) -> Option<StartTag<'t>> {
        self.pos += 1; // '<'
        self.read_name();
        let mut tag = StartTag {
            attributes: 0,
            declarations: Vec::new(),
            empty: false,
        };
        loop {
            self.skip_whitespace();
            match self.rest() {
                [b'>', ..] => {
                    self.pos += 1;
                    return Some(tag);
                }
                [b'/', b'>', ..] => {
                    self.pos += 2;
                    tag.empty = true;
                    return Some(tag);
                }
                [] | [b'/', ..] => return None,
                _ => {}
            }
            let name = self.read_name();
            if name.is_empty() {
                return None;
            }
            self.skip_whitespace();
            if self.rest().first() != Some(&b'=') {
                return None;
            }
            self.pos += 1;
            self.skip_whitespace();
            let quote = *self.rest().first().filter(|q| matches!(q, b'"' | b'\''))?;
            let value_start = self.pos + 1;
            if !self.skip_past(1, &[quote]) {
                return None;
            }
            // The quotes are ASCII, so the value lies on character boundaries.
            let value = self.text.get(value_start..self.pos - 1).unwrap_or_default();
            if name == "xmlns" {
                tag.declarations.push(("", value));
            } else if let Some(prefix) = name.strip_prefix("xmlns:") {
                tag.declarations.push((prefix, value));
            } else {
                tag.attributes += 1;
            }
        }
    }

    /// Reads a name: everything up to whitespace, `=`, `/`, `>` or `<`.
    fn read_name(&mut self) -> &'t str {
        let start = self.pos;
        let len = self
            .rest()
            .iter()
            .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'=' | b'/' | b'>' | b'<'))
            .unwrap_or(self.rest().len());
        self.pos += len;
        // The delimiters are ASCII, so `start..pos` lies on character boundaries.
        self.text.get(start..self.pos).unwrap_or_default()
    }

    fn skip_whitespace(&mut self) {
        let len = self
            .rest()
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .unwrap_or(self.rest().len());
        self.pos += len;
    }
}

/// The 1-based line and column (in characters, as the parser counts them) of
/// byte offset `at`.
fn line_column(text: &str, at: usize) -> (u32, u32) {
    let before = text.get(..at).unwrap_or_default();
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (to_u32(line), to_u32(column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_markup_passes() {
        let xml = "<?xml version='1.0'?><!-- <!DOCTYPE x> --><a x='>' y=\"/>\"><![CDATA[<!DOCTYPE <b>]]><?p <c?><d/></a>";
        assert_eq!(check(xml), Ok(Scan::Complete));
    }

    #[test]
    fn doctype_position() {
        assert_eq!(
            check("<?xml version='1.0'?>\n  <!DOCTYPE a><a/>"),
            Err(UblError::Doctype { line: 2, column: 3 })
        );
    }

    #[test]
    fn scope_counts_distinct_prefixes_and_closes() {
        // The same prefix declared at every level counts once.
        let depth = MAX_DEPTH;
        let xml = format!(
            "{}{}",
            "<a xmlns:p='u'>".repeat(depth),
            "</a>".repeat(depth)
        );
        assert_eq!(check(&xml), Ok(Scan::Complete));
        // Declarations on closed siblings go out of scope.
        let siblings: String = (0..MAX_NAMESPACES_IN_SCOPE)
            .map(|i| format!("<b xmlns:p{i}='u'/><c xmlns:q{i}='u'></c>"))
            .collect();
        assert_eq!(check(&format!("<a>{siblings}</a>")), Ok(Scan::Complete));
    }

    #[test]
    fn malformed_markup_is_left_to_the_parser() {
        // Where the scan stops, the parser fails too (so nothing unchecked is
        // accepted); the offset is where the unreadable markup starts.
        for (xml, stop) in [
            ("<a b='1", 0),
            ("<a b>", 0),
            ("<a b=1>", 0),
            ("<a", 0),
            ("<r><!-- x", 3),
            ("<r><?p x", 3),
            ("<r><![CDATA[x", 3),
            ("<r></r", 3),
            ("<a/ >", 0),
            ("<r><!ELEMENT a></r>", 3),
            ("<r>< a/></r>", 3),
            ("<r><a =''/></r>", 3),
        ] {
            assert_eq!(check(xml), Ok(Scan::Stopped(stop)), "{xml}");
            assert!(roxmltree::Document::parse(xml).is_err(), "{xml}");
        }
    }
}
