//! The streaming canonicaliser: C14N 1.1 (whole document, no comments) in one
//! pass over the text, without building a tree.
//!
//! It writes the same bytes as the tree canonicaliser of [`crate::c14n`] (the
//! rules are listed there), and for the invoice hash leaves out the same three
//! children of the document element (crate docs, "The invoice hash") while it
//! reads them: `ext:UBLExtensions` and `cac:Signature` are read whole (the tree
//! would refuse them if they were malformed) but not written, and the output
//! written for a `cac:AdditionalDocumentReference` is cut off again when it
//! ends, as it is only known to be the QR one once its `cbc:ID` children have
//! been read.
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

use std::borrow::Cow;
use std::ops::Range;

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
    run(text, output, out, None)
}

/// Like [`canonicalize`] with [`Output::InvoiceHashInput`], and collects what
/// signing reads from the invoice into `outline`.
pub(crate) fn canonicalize_outlined<'t>(
    text: &'t str,
    out: &mut Vec<u8>,
    outline: &mut Outline<'t>,
) -> Step {
    run(text, Output::InvoiceHashInput, out, Some(outline))
}

fn run<'t>(
    text: &'t str,
    output: Output,
    out: &mut Vec<u8>,
    outline: Option<&mut Outline<'t>>,
) -> Step {
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
        discarding: false,
        id_text: None,
        outline,
        matched: 0,
        field: None,
    };
    canon.document()
}

/// What signing and verification read from an invoice (the `sign` module's
/// places and QR fields, the signature block), as the tree would give it:
/// collected by the streaming pass.
#[derive(Debug, Default)]
pub(crate) struct Outline<'t> {
    /// The document element's name, as written.
    pub(crate) root_qname: &'t str,
    /// Where the document element's content starts (just after its start
    /// tag); `None` if it has no content.
    pub(crate) content_start: Option<usize>,
    /// The namespaces bound to `ext`, `cac` and `cbc` on the document element.
    pub(crate) root_namespaces: [Option<&'t str>; 3],
    /// The document element's children that signing places or replaces, in
    /// document order.
    pub(crate) children: Vec<TopChild>,
    /// The text of the first element on each of [`PATHS`] (indexed like it),
    /// where that element holds only text.
    pub(crate) fields: [Option<Cow<'t, str>>; PATHS.len()],
    /// `cbc:InvoiceTypeCode/@name`.
    pub(crate) invoice_subtype: Option<Cow<'t, str>>,
    /// An element on a field path holds more than text (an element, a
    /// comment, CDATA): the tree decides what its text is.
    pub(crate) complex: bool,
}

impl Outline<'_> {
    /// The text of the element on entry `entry` of [`PATHS`], trimmed, as the
    /// tree's accessors give it; `None` if it is absent or empty.
    pub(crate) fn value(&self, entry: usize) -> Option<&str> {
        self.fields
            .get(entry)
            .and_then(|v| v.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// Whether the document is simplified (its KSA-2 subtype starts `02`) or
    /// standard (`01`), as [`crate::Invoice::is_simplified`] reads it; `None`
    /// for anything else, or a `cbc:InvoiceTypeCode` without text.
    pub(crate) fn simplified(&self) -> Option<bool> {
        self.fields.get(field::INVOICE_TYPE_CODE)?.as_ref()?;
        crate::fields::subtype_is_simplified(self.invoice_subtype.as_deref()?.trim())
    }
}

/// A child of the document element that signing places or replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TopChild {
    pub(crate) kind: TopKind,
    /// From its `<` to the end of its end tag.
    pub(crate) range: Range<usize>,
    /// For a reference: whether a `cbc:ID` child reads `QR`, `PIH`.
    pub(crate) is_qr: bool,
    pub(crate) is_pih: bool,
}

/// Which child of the document element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TopKind {
    /// `ext:UBLExtensions`
    Extensions,
    /// `cac:Signature`
    Signature,
    /// `cac:AdditionalDocumentReference`
    Reference,
    /// `cac:AccountingSupplierParty`
    Supplier,
}

/// No path: the element is not on one of [`PATHS`].
const OFF_PATH: u8 = u8::MAX;
/// The document element, where every path starts.
const PATH_ROOT: u8 = 0;

/// The elements signing reads, as a tree of first matches (each entry: its
/// parent entry, namespace, local name): the first child of that name of the
/// parent entry's element, as the tree's `children().find(…)` takes it.
pub(crate) const PATHS: [(u8, &str, &str); 16] = [
    (OFF_PATH, NS_INVOICE, "Invoice"),
    (PATH_ROOT, NS_CBC, "UUID"),
    (PATH_ROOT, NS_CBC, "InvoiceTypeCode"),
    (PATH_ROOT, NS_CBC, "IssueDate"),
    (PATH_ROOT, NS_CBC, "IssueTime"),
    (PATH_ROOT, NS_CAC, "AccountingSupplierParty"),
    (5, NS_CAC, "Party"),
    (6, NS_CAC, "PartyLegalEntity"),
    (7, NS_CBC, "RegistrationName"),
    (6, NS_CAC, "PartyTaxScheme"),
    (9, NS_CBC, "CompanyID"),
    (PATH_ROOT, NS_CAC, "LegalMonetaryTotal"),
    (11, NS_CBC, "PayableAmount"),
    (PATH_ROOT, NS_CAC, "TaxTotal"),
    (13, NS_CBC, "TaxAmount"),
    (11, NS_CBC, "TaxInclusiveAmount"),
];

/// The entries of [`PATHS`] whose element's text is read.
pub(crate) mod field {
    pub(crate) const UUID: usize = 1;
    pub(crate) const INVOICE_TYPE_CODE: usize = 2;
    pub(crate) const ISSUE_DATE: usize = 3;
    pub(crate) const ISSUE_TIME: usize = 4;
    pub(crate) const REGISTRATION_NAME: usize = 8;
    pub(crate) const COMPANY_ID: usize = 10;
    pub(crate) const PAYABLE_AMOUNT: usize = 12;
    pub(crate) const TAX_AMOUNT: usize = 14;
    pub(crate) const TAX_INCLUSIVE_AMOUNT: usize = 15;
    /// Whether entry `i` is read.
    pub(crate) fn is_field(i: usize) -> bool {
        matches!(
            i,
            UUID | INVOICE_TYPE_CODE
                | ISSUE_DATE
                | ISSUE_TIME
                | REGISTRATION_NAME
                | COMPANY_ID
                | PAYABLE_AMOUNT
                | TAX_AMOUNT
                | TAX_INCLUSIVE_AMOUNT
        )
    }
}

/// The text of a field element being read.
struct FieldCapture {
    entry: usize,
    depth: usize,
    content_start: usize,
    /// Only text so far.
    plain: bool,
}

/// What a byte is to the streaming pass, one table lookup per byte, where
/// bytes are read one at a time (the last few of the input, the long runs
/// of text); elsewhere names and text are read a word at a time
/// ([`name_bytes`], [`special_bytes`]), which these classes define (the
/// tests compare the two on every byte).
// Evaluated at compile time, where an index out of range stops the build.
#[allow(clippy::indexing_slicing)]
const CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b':') {
            class[b] |= NAME_BYTE;
        }
        if (byte < 0x20 && byte != b'\t' && byte != b'\n')
            || matches!(byte, b'&' | b'<' | b'>' | b']' | 0xEF)
        {
            class[b] |= TEXT_SPECIAL;
        }
        b += 1;
    }
    class
};
/// In [`CLASS`]: a byte of the ASCII names the streaming pass reads: letters,
/// digits, `_ - . :` (where each part may start is checked separately).
const NAME_BYTE: u8 = 1;
/// In [`CLASS`]: a byte that ends a plain run of character data: `<`, a byte
/// written escaped or normalised, or one that may start forbidden content
/// (`]]>`, U+FFFE, U+FFFF, a control character).
const TEXT_SPECIAL: u8 = 2;

fn class(b: u8) -> u8 {
    CLASS.get(usize::from(b)).copied().unwrap_or_default()
}

/// The bytes of a word read at once (SWAR: SIMD within a register).
const WORD: usize = 8;
/// `0x01` in every byte of a word.
const EVERY_BYTE: u64 = u64::from_le_bytes([1; WORD]);
/// `0x7F` in every byte of a word.
const LOW_SEVEN: u64 = EVERY_BYTE * 0x7F;
/// `0x80` in every byte of a word: where the masks flag a byte.
const HIGH_BITS: u64 = EVERY_BYTE * 0x80;

/// Eight bytes (at least: a `chunks_exact(WORD)` item) as a little-endian
/// word, so the first byte is the lowest.
fn word_at(bytes: &[u8]) -> u64 {
    let mut word = [0u8; WORD];
    word.copy_from_slice(bytes.get(..WORD).unwrap_or(&[0; WORD]));
    u64::from_le_bytes(word)
}

/// `0x80` in each byte of `word` that is zero, `0` in the others: exact for
/// every byte (the sum of a byte's low seven bits and `0x7F` cannot carry
/// into the next byte), unlike the shorter borrow trick.
fn zero_bytes(word: u64) -> u64 {
    !(((word & LOW_SEVEN) + LOW_SEVEN) | word | LOW_SEVEN)
}

/// `0x80` in each byte of `word` equal to `b`.
fn bytes_equal(word: u64, b: u8) -> u64 {
    zero_bytes(word ^ (EVERY_BYTE * u64::from(b)))
}

/// `0x80` in each byte of `word` that is [`TEXT_SPECIAL`]: a control
/// character but tab and line feed, `&`, `<`, `>`, `]`, `0xEF`.
fn special_bytes(word: u64) -> u64 {
    let control = zero_bytes(word & (EVERY_BYTE * 0xE0))
        & !(bytes_equal(word, b'\t') | bytes_equal(word, b'\n'));
    // `<` (0x3C) and `>` (0x3E) are the two bytes that read `>` with bit 1 set.
    let angle = bytes_equal(word | (EVERY_BYTE * 0x02), b'>');
    control | angle | bytes_equal(word, b'&') | bytes_equal(word, b']') | bytes_equal(word, 0xEF)
}

/// The index of the first byte flagged in a non-zero mask of [`zero_bytes`]'s kind.
fn first_flagged(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// `0x80` in each byte of `word` that is a [`NAME_BYTE`] (an ASCII letter or
/// digit, `_ - . :`), exactly: range checks on the low seven bits, which
/// cannot carry from one byte into the next.
fn name_bytes(word: u64) -> u64 {
    // Bit 7 of each byte: whether its low seven bits are at least `lo` (1..=0x80).
    let at_least = |low: u64, lo: u8| (low + EVERY_BYTE * u64::from(0x80 - lo)) & HIGH_BITS;
    let ascii = !word & HIGH_BITS;
    let low = word & LOW_SEVEN;
    // Setting bit 5 maps `A`–`Z` onto `a`–`z` and nothing else into it.
    let folded = low | (EVERY_BYTE * 0x20);
    let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
    // `-` `.` `/` `0`–`9` `:`, without `/`.
    let punctuation_or_digit =
        at_least(low, b'-') & !at_least(low, b':' + 1) & !bytes_equal(word, b'/');
    ascii & (letter | punctuation_or_digit | bytes_equal(word, b'_'))
}

/// The length of the run of [`NAME_BYTE`]s at the start of `bytes`, and where
/// its colon is; declined if it has more than one. Read a word at a time
/// ([`name_bytes`]), the last few bytes of the input a byte at a time.
fn name_len(bytes: &[u8]) -> Step<(usize, Option<usize>)> {
    let mut len = 0;
    let mut colon = None;
    let mut colons = 0;
    let mut words = bytes.chunks_exact(WORD);
    for word in &mut words {
        let word = word_at(word);
        let ends = !name_bytes(word) & HIGH_BITS;
        // Every bit below the first byte that ends the name.
        let inside = match ends {
            0 => u64::MAX,
            _ => (ends & ends.wrapping_neg()) - 1,
        };
        let colons_here = bytes_equal(word, b':') & inside;
        if colons_here != 0 {
            colon = colon.or(Some(len + first_flagged(colons_here)));
            colons += colons_here.count_ones();
        }
        if ends != 0 {
            len += first_flagged(ends);
            return if colons > 1 {
                Err(Declined)
            } else {
                Ok((len, colon))
            };
        }
        len += WORD;
    }
    for &b in words.remainder() {
        if class(b) & NAME_BYTE == 0 {
            break;
        }
        if b == b':' {
            colon = colon.or(Some(len));
            colons += 1;
        }
        len += 1;
    }
    if colons > 1 {
        Err(Declined)
    } else {
        Ok((len, colon))
    }
}

/// The length of the plain run of character data at the start of `bytes`:
/// where the first [`TEXT_SPECIAL`] byte is (`None` if there is none, so no
/// `<` either: the text is unfinished).
///
/// Most of a document's bytes are in such runs: indentation and most values
/// are short (read eight bytes at a time as one word, [`special_bytes`]:
/// where a run ends is unpredictable, and one branch per word costs less than
/// one per byte), base64 values long (once the `<` that ends one is found, it
/// is checked 16 bytes at a time, with comparisons the compiler turns into
/// vector instructions).
fn plain_text_len(bytes: &[u8]) -> Option<usize> {
    const SHORT: usize = 32;
    const CHUNK: usize = 16;
    let mut at = 0;
    let mut words = bytes.chunks_exact(WORD);
    while at < SHORT {
        let Some(word) = words.next() else {
            let rest = bytes.get(at..).unwrap_or_default();
            return rest
                .iter()
                .position(|&b| class(b) & TEXT_SPECIAL != 0)
                .map(|p| at + p);
        };
        let special = special_bytes(word_at(word));
        if special != 0 {
            return Some(at + first_flagged(special));
        }
        at += WORD;
    }
    // A long run: the first `at` bytes are plain.
    let special = |b: u8| {
        (b < 0x20 && b != b'\t' && b != b'\n')
            | (b == b'&')
            | (b == b'>')
            | (b == b']')
            | (b == 0xEF)
    };
    let tail = bytes.get(at..).unwrap_or_default();
    let Some(lt) = memchr::memchr(b'<', tail) else {
        // Unfinished text: where it stops being plain, if it does.
        return tail.iter().position(|&b| special(b)).map(|p| at + p);
    };
    let end = at + lt;
    let text = bytes.get(..end).unwrap_or_default();
    let mut offset = at;
    let mut chunks = text.get(at..).unwrap_or_default().chunks_exact(CHUNK);
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |any, &b| any | special(b)) {
            break;
        }
        offset += CHUNK;
    }
    let rest = text.get(offset..).unwrap_or_default();
    Some(
        rest.iter()
            .position(|&b| special(b))
            .map_or(end, |at| offset + at),
    )
}

/// Appends `piece` to `out`. Most of what is copied is a short slice of the
/// input (a name, indentation, a value): such a slice is copied as the fixed
/// 32 bytes of input it starts, then cut back to its length, which compiles to
/// a few vector moves where `extend_from_slice` of an unknown length calls
/// `memcpy` (a call and a dispatch on the length, several per element).
/// Anything else (longer, too near the end of the input, or not a slice of
/// `input` at all) is copied as it is.
fn push_piece(out: &mut Vec<u8>, input: &[u8], piece: &[u8]) {
    const WINDOW: usize = 32;
    // Where `piece` starts in `input`, if it is a slice of it (checked below:
    // the window must start at `piece` itself).
    let from = (piece.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
    if let Some(window) = input.get(from..).and_then(<[u8]>::first_chunk::<WINDOW>)
        && piece.len() <= WINDOW
        && std::ptr::eq(window.as_ptr(), piece.as_ptr())
    {
        // Through a copy of fixed size: the compiler would otherwise copy
        // from `piece` itself, with its length.
        let window: [u8; WINDOW] = *window;
        out.extend_from_slice(&window);
        out.truncate(out.len() - (WINDOW - piece.len()));
    } else {
        out.extend_from_slice(piece);
    }
}

/// Whether two names are the same bytes, compared without a library call
/// (names are short, and one is compared at every end tag).
fn same_name(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// Bytes that end a plain run of an attribute value.
fn is_attr_special(b: u8) -> bool {
    b < 0x20 || matches!(b, b'&' | b'<' | b'"' | 0xEF)
}

/// An open element.
struct Open<'t> {
    qname: &'t str,
    /// Where its namespace bindings start in `bindings`.
    bindings_mark: usize,
    /// The number of distinct prefixes in scope on its parent.
    prefixes_mark: usize,
    /// Its entry in [`PATHS`], or [`OFF_PATH`].
    path: u8,
    /// Where its start tag starts.
    start: usize,
}

/// A child of the document element whose output is cut off when it ends, for
/// the invoice hash (or kept, for an `AdditionalDocumentReference` that turns
/// out not to be the QR one).
struct Removal {
    /// Where its output starts.
    out_mark: usize,
    kind: TopKind,
    /// Left out whatever it holds (`UBLExtensions`, `Signature`).
    always: bool,
    /// For an `AdditionalDocumentReference`: whether a `cbc:ID` child read
    /// `QR`, `PIH`.
    is_qr: bool,
    is_pih: bool,
}

/// A namespace binding.
struct Binding<'t> {
    /// `""` for the default namespace.
    prefix: &'t str,
    key: PrefixKey,
    /// The URI as written, which is also its value: URIs needing
    /// normalisation are declined.
    uri: &'t str,
}

/// A prefix's length and first 8 bytes: equal keys of prefixes of at most 8
/// bytes are equal prefixes, and comparing them is one integer comparison
/// (lookups run for every name; prefixes are short).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PrefixKey(u64, usize);

impl PrefixKey {
    fn of(prefix: &str) -> Self {
        let mut head = [0u8; 8];
        for (slot, b) in head.iter_mut().zip(prefix.bytes()) {
            *slot = b;
        }
        Self(u64::from_le_bytes(head), prefix.len())
    }
}

/// C14N's attribute order: by namespace URI, then local name. Attributes
/// without a namespace (nearly all) sort first, by local name alone, which
/// spares comparing their empty URIs.
fn canonical_order(a: &Attribute<'_>, b: &Attribute<'_>) -> std::cmp::Ordering {
    match (a.namespace.is_empty(), b.namespace.is_empty()) {
        (true, true) => a.local.cmp(b.local),
        (true, false) => std::cmp::Ordering::Less,
        (false, true) => std::cmp::Ordering::Greater,
        (false, false) => (a.namespace, a.local).cmp(&(b.namespace, b.local)),
    }
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
    /// Namespace bindings made by the open elements, innermost last.
    bindings: Vec<Binding<'t>>,
    /// Distinct prefixes among `bindings`.
    prefixes_in_scope: usize,
    /// Every distinct declaration (prefix, URI) made so far.
    distinct: Vec<(&'t str, &'t str)>,
    /// Scratch: the attributes of the current start tag.
    attributes: Vec<Attribute<'t>>,
    /// Scratch: the declarations of the current start tag that are written.
    declarations: Vec<(&'t str, &'t str)>,
    removal: Option<Removal>,
    /// Inside a child of the document element that is left out whatever it
    /// holds: it is still read whole (the tree would refuse it if it were
    /// malformed), but its markup and text are not written (what still is,
    /// the rare escapes, is cut off with the rest when it ends).
    discarding: bool,
    /// Inside a `cbc:ID` child of an `AdditionalDocumentReference` being read
    /// for the invoice hash: its canonical text so far (the escaping is
    /// one-to-one, so comparing escaped text compares the string value).
    id_text: Option<(usize, Vec<u8>)>,
    outline: Option<&'o mut Outline<'t>>,
    /// The entries of [`PATHS`] already matched (a bit each).
    matched: u32,
    field: Option<FieldCapture>,
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
        // The tree parser takes `<?xml` for the declaration only when a
        // space follows; anything else is a processing instruction it refuses
        // by name (and here declined with every processing instruction).
        if self.starts_with(b"<?xml ") {
            self.xml_declaration()?;
        }
        // Before the document element: whitespace and comments.
        self.misc()?;
        // Next comes the document element's start tag, nothing else.
        let starts_element = match self.rest() {
            [b'<', first, ..] => first.is_ascii_alphabetic() || *first == b'_',
            _ => false,
        };
        if !starts_element {
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
        self.skip_whitespace();
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
        self.eq_quoted_value()
    }

    /// `S? = S? "value"` (or `'value'`) at `pos`, after an attribute's name:
    /// the value as written, between the quotes.
    fn eq_quoted_value(&mut self) -> Step<&'t str> {
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
                self.not_only_text();
                self.comment()?;
            } else if rest.starts_with(b"<![CDATA[") {
                self.not_only_text();
                self.cdata()?;
            } else if rest.starts_with(b"<!") || rest.starts_with(b"<?") {
                return Err(Declined);
            } else {
                self.not_only_text();
                self.start_tag()?;
                if self.open.is_empty() {
                    return Ok(()); // an empty document element
                }
            }
            self.text()?;
        }
    }

    /// A field element being read holds more than text.
    fn not_only_text(&mut self) {
        if let Some(field) = &mut self.field {
            field.plain = false;
        }
    }

    /// Character data up to the next `<`.
    fn text(&mut self) -> Step {
        let text_start = self.out.len();
        loop {
            let rest = self.rest();
            let plain = plain_text_len(rest).ok_or(Declined)?; // unfinished
            if !self.discarding {
                push_piece(self.out, self.bytes, rest.get(..plain).unwrap_or_default());
            }
            self.pos += plain;
            match self.peek() {
                Some(b'<') => break,
                Some(b'&') => {
                    let c = self.reference()?;
                    escape_text_char(c, self.out);
                    // The tree parser keeps a CR right after a reference as
                    // CR where it ends the text or another reference follows
                    // (it normalises line ends as it expands references);
                    // such text goes to the tree, which writes what it always did.
                    if self.peek() == Some(b'\r') {
                        return Err(Declined);
                    }
                }
                Some(b'>') => {
                    self.out.extend_from_slice(b"&gt;");
                    self.pos += 1;
                }
                Some(b'\r') => {
                    self.out.push(b'\n');
                    self.pos += 1;
                    match self.peek() {
                        Some(b'\n') => self.pos += 1,
                        // A lone CR right before a reference: the tree parser
                        // keeps it as CR (see above).
                        Some(b'&') => return Err(Declined),
                        _ => {}
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

    /// A name at `pos` (ASCII only, at most one colon, neither part empty nor
    /// starting with a digit, `-` or `.`): (the whole name, its prefix, its
    /// local part).
    fn qname(&mut self) -> Step<(&'t str, Option<&'t str>, &'t str)> {
        let start = self.pos;
        let rest = self.rest();
        let (len, colon) = name_len(rest)?;
        // A non-ASCII byte right after the name would continue it.
        if rest.get(len).is_some_and(|&b| b >= 0x80) {
            return Err(Declined);
        }
        let starts_part = |at: usize| {
            rest.get(at)
                .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_')
        };
        let valid = match colon {
            None => len > 0 && starts_part(0),
            Some(c) => starts_part(0) && c + 1 < len && starts_part(c + 1),
        };
        if !valid {
            return Err(Declined);
        }
        self.pos += len;
        let qname = self.str_between(start, self.pos);
        Ok(match colon {
            Some(c) => (
                qname,
                Some(self.str_between(start, start + c)),
                self.str_between(start + c + 1, self.pos),
            ),
            None => (qname, None, qname),
        })
    }

    /// The namespace bound to `prefix` (`""` for the default) on the current
    /// element; `None` if unbound.
    fn lookup(&self, prefix: &str) -> Option<&'t str> {
        let key = PrefixKey::of(prefix);
        self.bindings
            .iter()
            .rev()
            .find(|b| b.key == key && (prefix.len() <= 8 || b.prefix == prefix))
            .map(|b| b.uri)
    }

    fn start_tag(&mut self) -> Step {
        let tag_start = self.pos;
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
            let value = self.eq_quoted_value()?;
            if self.attributes.iter().any(|a| a.qname == name)
                || self.attributes.len() >= MAX_ATTRIBUTES_PER_ELEMENT * 2
            {
                return Err(Declined);
            }
            self.attributes.push(Attribute {
                qname: name,
                prefix: attr_prefix,
                local: attr_local,
                value,
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
        let path = match &mut self.outline {
            Some(outline) => {
                if depth == 1 {
                    outline.root_qname = qname;
                }
                self.follow_path(depth, namespace, local, empty)?
            }
            None => OFF_PATH,
        };
        self.write_start_tag(qname)?;
        self.open.push(Open {
            qname,
            bindings_mark,
            prefixes_mark,
            path,
            start: tag_start,
        });
        if empty {
            self.close(None);
        }
        Ok(())
    }

    /// For the outline: the element's entry in [`PATHS`] (the first child of
    /// its name under its parent's entry), what its start tag holds of the
    /// outline, and the start of reading a field's text.
    fn follow_path(&mut self, depth: usize, namespace: &str, local: &str, empty: bool) -> Step<u8> {
        let parent = match self.open.last() {
            Some(open) => open.path,
            None => OFF_PATH,
        };
        if parent == OFF_PATH && depth > 1 {
            return Ok(OFF_PATH);
        }
        let found = PATHS.iter().enumerate().position(|(i, &(p, ns, name))| {
            p == parent && self.matched & (1 << i) == 0 && (name, ns) == (local, namespace)
        });
        let Some(entry) = found else {
            return Ok(OFF_PATH);
        };
        self.matched |= 1 << entry;
        let content_start = self.pos;
        if entry == usize::from(PATH_ROOT) {
            let namespaces = ["ext", "cac", "cbc"].map(|p| self.lookup(p));
            if let Some(outline) = &mut self.outline {
                outline.root_namespaces = namespaces;
                outline.content_start = (!empty).then_some(content_start);
            }
        }
        if entry == field::INVOICE_TYPE_CODE {
            let subtype = self
                .attributes
                .iter()
                .find(|a| a.prefix.is_none() && a.local == "name")
                .map(|a| decode_attribute(a.value))
                .transpose()?;
            if let Some(outline) = &mut self.outline {
                outline.invoice_subtype = subtype;
            }
        }
        if field::is_field(entry) && !empty {
            self.field = Some(FieldCapture {
                entry,
                depth,
                content_start,
                plain: true,
            });
        }
        u8::try_from(entry).map_err(|_| Declined)
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
                // The tree parser reads `p:xmlns` as a default namespace
                // declaration: left to it.
                (Some(_), "xmlns") => return Err(Declined),
                _ => {
                    i += 1;
                    continue;
                }
            };
            let uri = attribute.value;
            self.attributes.swap_remove(i);
            declared += 1;
            let plain =
                uri.bytes().all(|b| !is_attr_special(b)) && uri != NS_XML && uri != NS_XMLNS;
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
                .find(|b| b.prefix == prefix)
                .map(|b| b.uri);
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
            self.bindings.push(Binding {
                prefix,
                key: PrefixKey::of(prefix),
                uri,
            });
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
        if self.declarations.len() > 1 {
            self.declarations.sort_unstable_by(|a, b| a.0.cmp(b.0));
        }
        Ok(())
    }

    /// Resolves the attributes' namespaces and sorts them by (namespace, local
    /// name); two with the same expanded name are declined.
    fn attribute_namespaces(&mut self) -> Step {
        for i in 0..self.attributes.len() {
            // Unprefixed attributes have no namespace: the common case costs nothing.
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
        if self.attributes.len() < 2 {
            return Ok(());
        }
        self.attributes.sort_unstable_by(canonical_order);
        // Unprefixed names were checked distinct as they were read; two
        // prefixes may still bind one namespace.
        let duplicate = self.attributes.windows(2).any(|w| {
            matches!(w, [a, b] if !a.namespace.is_empty()
                && (a.namespace, a.local) == (b.namespace, b.local))
        });
        if duplicate {
            return Err(Declined);
        }
        Ok(())
    }

    /// For the invoice hash: checks the document element, and marks the
    /// children of it that are left out and the `cbc:ID`s that decide it.
    fn classify(&mut self, depth: usize, namespace: &str, local: &str) -> Step {
        // Local names first: they tell most elements apart without comparing
        // the long namespace URIs.
        match depth {
            1 if (local, namespace) != ("Invoice", NS_INVOICE) => return Err(Declined),
            2 => {
                let kind = match (local, namespace) {
                    ("UBLExtensions", NS_EXT) => Some(TopKind::Extensions),
                    ("Signature", NS_CAC) => Some(TopKind::Signature),
                    ("AdditionalDocumentReference", NS_CAC) => Some(TopKind::Reference),
                    _ => None,
                };
                if let Some(kind) = kind {
                    self.discarding = kind != TopKind::Reference;
                    self.removal = Some(Removal {
                        out_mark: self.out.len(),
                        kind,
                        always: kind != TopKind::Reference,
                        is_qr: false,
                        is_pih: false,
                    });
                }
            }
            3 if (local, namespace) == ("ID", NS_CBC)
                && self.removal.as_ref().is_some_and(|r| !r.always) =>
            {
                self.id_text = Some((depth, Vec::new()));
            }
            _ => {}
        }
        Ok(())
    }

    fn write_start_tag(&mut self, qname: &str) -> Step {
        let (out, input) = (&mut *self.out, self.bytes);
        if self.discarding {
            // Only what the values hold is checked.
            let mark = out.len();
            for attribute in &self.attributes {
                write_attribute_value(attribute.value, out)?;
                out.truncate(mark);
            }
            return Ok(());
        }
        out.push(b'<');
        push_piece(out, input, qname.as_bytes());
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
            push_piece(out, input, attribute.qname.as_bytes());
            out.extend_from_slice(b"=\"");
            write_attribute_value(attribute.value, out)?;
            out.push(b'"');
        }
        out.push(b'>');
        Ok(())
    }

    /// `</qname S? >`, matching the open element (whose name was checked when
    /// it was opened, so comparing the bytes is enough).
    fn end_tag(&mut self) -> Step {
        let content_end = self.pos;
        self.pos += 2;
        let qname = self.open.last().map(|o| o.qname).ok_or(Declined)?;
        let written = self.rest().get(..qname.len()).unwrap_or_default();
        if !same_name(written, qname.as_bytes()) {
            return Err(Declined);
        }
        self.pos += qname.len();
        self.skip_whitespace();
        if self.peek() != Some(b'>') {
            return Err(Declined);
        }
        self.pos += 1;
        self.close(Some(content_end));
        Ok(())
    }

    /// Writes the end tag of the innermost open element and closes it;
    /// `content_end` is where its end tag starts (`None`: an empty-element tag).
    fn close(&mut self, content_end: Option<usize>) {
        let Some(open) = self.open.pop() else {
            return;
        };
        if !self.discarding {
            self.out.extend_from_slice(b"</");
            push_piece(self.out, self.bytes, open.qname.as_bytes());
            self.out.push(b'>');
        }
        self.bindings.truncate(open.bindings_mark);
        self.prefixes_in_scope = open.prefixes_mark;
        let depth = self.open.len() + 1;
        if self.output != Output::InvoiceHashInput {
            return;
        }
        if let Some((id_depth, text)) = &self.id_text
            && *id_depth == depth
        {
            let (is_qr, is_pih) = (text.as_slice() == b"QR", text.as_slice() == b"PIH");
            self.id_text = None;
            if let Some(removal) = &mut self.removal {
                removal.is_qr |= is_qr;
                removal.is_pih |= is_pih;
            }
        }
        if self.outline.is_some() {
            self.outline_close(&open, depth, content_end);
        }
        if depth == 2
            && let Some(removal) = self.removal.take()
            && (removal.always || removal.is_qr)
        {
            self.discarding = false;
            self.out.truncate(removal.out_mark);
        }
    }

    /// For the outline: a field's text, a child of the document element.
    fn outline_close(&mut self, open: &Open<'t>, depth: usize, content_end: Option<usize>) {
        let end = self.pos;
        let field = match &self.field {
            Some(f) if f.depth == depth => self.field.take(),
            _ => None,
        };
        let text = self.text;
        let removal = self.removal.as_ref().map(|r| (r.kind, r.is_qr, r.is_pih));
        let Some(outline) = &mut self.outline else {
            return;
        };
        if let (Some(field), Some(content_end)) = (field, content_end) {
            if !field.plain {
                outline.complex = true;
            } else if content_end > field.content_start {
                let raw = text
                    .get(field.content_start..content_end)
                    .unwrap_or_default();
                match (decode_text(raw), outline.fields.get_mut(field.entry)) {
                    (Ok(value), Some(slot)) => *slot = Some(value),
                    _ => outline.complex = true,
                }
            }
        }
        if depth == 1 && content_end.is_some_and(|e| Some(e) == outline.content_start) {
            outline.content_start = None; // `<Invoice></Invoice>`: no content
        }
        if depth != 2 {
            return;
        }
        // The first `AccountingSupplierParty` is the one on its path.
        let (kind, is_qr, is_pih) = match (removal, PATHS.get(usize::from(open.path))) {
            (Some(r), _) => r,
            (None, Some((_, _, "AccountingSupplierParty"))) => (TopKind::Supplier, false, false),
            (None, _) => return,
        };
        outline.children.push(TopChild {
            kind,
            range: open.start..end,
            is_qr,
            is_pih,
        });
    }
}

/// A field's text as the tree gives it: references replaced, line ends as LF
/// (already checked by the pass).
fn decode_text(raw: &str) -> Step<Cow<'_, str>> {
    if !raw.bytes().any(|b| b == b'&' || b == b'\r') {
        return Ok(Cow::Borrowed(raw));
    }
    let mut value = String::with_capacity(raw.len());
    let bytes = raw.as_bytes();
    let mut pos = 0;
    let mut plain_from = 0;
    while let Some(&b) = bytes.get(pos) {
        match b {
            b'&' | b'\r' => {
                value.push_str(raw.get(plain_from..pos).unwrap_or_default());
                if b == b'&' {
                    let (c, len) = reference_at(bytes.get(pos..).unwrap_or_default())?;
                    value.push(c);
                    pos += len;
                } else {
                    value.push('\n');
                    pos += 1;
                    if bytes.get(pos) == Some(&b'\n') {
                        pos += 1;
                    }
                }
                plain_from = pos;
            }
            _ => pos += 1,
        }
    }
    value.push_str(raw.get(plain_from..).unwrap_or_default());
    Ok(Cow::Owned(value))
}

/// An attribute's value as the tree gives it: references replaced, TAB, LF,
/// CR and CR LF as one space each.
fn decode_attribute(raw: &str) -> Step<Cow<'_, str>> {
    if !raw
        .bytes()
        .any(|b| matches!(b, b'&' | b'\t' | b'\n' | b'\r'))
    {
        return Ok(Cow::Borrowed(raw));
    }
    let mut value = String::with_capacity(raw.len());
    let bytes = raw.as_bytes();
    let mut pos = 0;
    let mut plain_from = 0;
    while let Some(&b) = bytes.get(pos) {
        match b {
            b'&' | b'\t' | b'\n' | b'\r' => {
                value.push_str(raw.get(plain_from..pos).unwrap_or_default());
                if b == b'&' {
                    let (c, len) = reference_at(bytes.get(pos..).unwrap_or_default())?;
                    value.push(c);
                    pos += len;
                } else {
                    value.push(' ');
                    pos += 1;
                    if b == b'\r' && bytes.get(pos) == Some(&b'\n') {
                        pos += 1;
                    }
                }
                plain_from = pos;
            }
            _ => pos += 1,
        }
    }
    value.push_str(raw.get(plain_from..).unwrap_or_default());
    Ok(Cow::Owned(value))
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
            .position(|&b| is_attr_special(b))
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// [`plain_text_len`] by its definition, a byte at a time.
    fn plain_text_len_by_definition(bytes: &[u8]) -> Option<usize> {
        bytes.iter().position(|&b| {
            (b < 0x20 && b != b'\t' && b != b'\n') || matches!(b, b'&' | b'<' | b'>' | b']' | 0xEF)
        })
    }

    proptest! {
        /// Runs of spaces across the short-run bound, long runs across the
        /// 16-byte chunks, each special byte anywhere, with and without a `<`.
        #[test]
        fn plain_text_len_is_its_definition(
            spaces in 0usize..80,
            filler in proptest::collection::vec(prop_oneof![
                Just(b' '), Just(b'\n'), Just(b'\t'), Just(b'a'), Just(b'='), Just(0xC3)
            ], 0..120),
            special in proptest::option::of((0usize..200, prop_oneof![
                Just(b'&'), Just(b'>'), Just(b']'), Just(0xEF), Just(b'\r'), Just(0x01), Just(b'<')
            ])),
            end in any::<bool>(),
        ) {
            let mut bytes = vec![b' '; spaces];
            bytes.extend(filler);
            if let Some((at, b)) = special {
                let at = at.min(bytes.len());
                bytes.insert(at, b);
            }
            if end {
                bytes.extend_from_slice(b"<x/>");
            }
            prop_assert_eq!(plain_text_len(&bytes), plain_text_len_by_definition(&bytes));
        }
    }

    /// [`special_bytes`] flags exactly the [`TEXT_SPECIAL`] bytes of a word.
    fn flags_exactly_the_special_bytes(word: [u8; WORD]) -> Result<(), TestCaseError> {
        let mask = special_bytes(u64::from_le_bytes(word));
        for (i, &b) in word.iter().enumerate() {
            let flagged = (mask >> (8 * i)) & 0xFF;
            let expected = if class(b) & TEXT_SPECIAL != 0 {
                0x80
            } else {
                0
            };
            prop_assert_eq!(
                flagged,
                expected,
                "byte {:#04x} at {} of {:02x?}",
                b,
                i,
                word
            );
        }
        Ok(())
    }

    #[test]
    fn special_bytes_flags_every_byte_value_in_every_place() -> Result<(), TestCaseError> {
        for b in 0..=255u8 {
            for at in 0..WORD {
                // Neighbours of each kind: plain, zero (a borrow or carry
                // source), and the byte itself.
                for filler in [b'a', 0x00, 0xFF, b] {
                    let mut word = [filler; WORD];
                    if let Some(slot) = word.get_mut(at) {
                        *slot = b;
                    }
                    flags_exactly_the_special_bytes(word)?;
                }
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn special_bytes_flags_exactly_the_special_bytes_of_any_word(word in any::<[u8; WORD]>()) {
            flags_exactly_the_special_bytes(word)?;
        }
    }

    /// [`name_len`] by its definition, a byte at a time.
    fn name_len_by_definition(bytes: &[u8]) -> Step<(usize, Option<usize>)> {
        let len = bytes
            .iter()
            .position(|&b| class(b) & NAME_BYTE == 0)
            .unwrap_or(bytes.len());
        let name = bytes.get(..len).unwrap_or_default();
        match name.iter().filter(|&&b| b == b':').count() {
            0 => Ok((len, None)),
            1 => Ok((len, name.iter().position(|&b| b == b':'))),
            _ => Err(Declined),
        }
    }

    #[test]
    fn name_bytes_flags_every_byte_value_in_every_place() -> Result<(), TestCaseError> {
        for b in 0..=255u8 {
            for at in 0..WORD {
                for filler in [b'a', 0x00, 0xFF, 0x7F, b] {
                    let mut word = [filler; WORD];
                    if let Some(slot) = word.get_mut(at) {
                        *slot = b;
                    }
                    let mask = name_bytes(u64::from_le_bytes(word));
                    for (i, &byte) in word.iter().enumerate() {
                        let expected = if class(byte) & NAME_BYTE != 0 {
                            0x80
                        } else {
                            0
                        };
                        prop_assert_eq!((mask >> (8 * i)) & 0xFF, expected, "{:02x?}", word);
                    }
                }
            }
        }
        Ok(())
    }

    proptest! {
        /// Names of every length across the word bounds, with any number of
        /// colons, ended by any byte or by the end of the input.
        #[test]
        fn name_len_is_its_definition(
            name in proptest::collection::vec(prop_oneof![
                Just(b'a'), Just(b'Z'), Just(b'0'), Just(b':'), Just(b'-'), Just(b'_'), Just(b'.')
            ], 0..40),
            end in proptest::option::of(any::<u8>()),
            tail in proptest::collection::vec(any::<u8>(), 0..12),
        ) {
            let mut bytes = name;
            if let Some(b) = end {
                bytes.push(b);
            }
            bytes.extend(tail);
            prop_assert_eq!(name_len(&bytes), name_len_by_definition(&bytes));
        }
    }

    #[test]
    fn push_piece_appends_exactly_the_piece() {
        let input: Vec<u8> = (0..100u8).collect();
        let elsewhere = input.clone();
        for from in 0..=input.len() {
            for len in 0..=(input.len() - from).min(40) {
                for source in [&input, &elsewhere] {
                    let mut out = b"head".to_vec();
                    let piece = source.get(from..from + len).unwrap_or_default();
                    push_piece(&mut out, &input, piece);
                    assert_eq!(out.get(4..), Some(piece), "from {from}, len {len}");
                    assert_eq!(out.get(..4), Some(&b"head"[..]));
                }
            }
        }
    }

    #[test]
    fn name_bytes_are_the_ascii_name_characters() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':');
            assert_eq!(class(b) & NAME_BYTE != 0, expected, "byte {b:#04x}");
        }
    }
}
