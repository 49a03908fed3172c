//! The schema stage: well-formed XML within the workspace's size limit, and the UBL 2.1
//! Invoice schema (ZATCA validates every document, credit and debit notes included, with
//! `UBL-Invoice-2.1.xsd`), the signature schemas it imports included.
//!
//! `data/extract_schema.py` extracts from ZATCA's XSDs, into `data/ubl-2.1-invoice.json`,
//! every global element of the `Invoice`, aggregate (`cac`), basic (`cbc`) and extension
//! (`ext`) namespaces and of the signature schemas `ext:ExtensionContent` reaches (UBL's
//! signature components `sig`, `sac`, `sbc`; XML Signature `ds`; XAdES 1.3.2 and 1.4.1),
//! with its type: a content model (sequences, choices, occurrence bounds, element
//! references, local element declarations, wildcards), simple content of an XSD primitive
//! with an optional enumeration, or `xsd:anyType`; and the attributes with their types.
//!
//! Checked here: the document element; each element's children (order, names, counts) by
//! its content model, compiled to a deterministic position automaton (one pass over the
//! children); character content (refused outside mixed and simple content); attributes
//! (known names, required ones present, attribute wildcards) and their values; the
//! lexical form of simple values: `decimal`, `integer`, `boolean`, `date`, `time`,
//! `dateTime`, `base64Binary`, `anyURI` (as libxml2 parses URIs), `ID` (an NCName, unique
//! in the document), `language`, and enumerations (XAdES's `Qualifier`). Wildcards follow
//! their `processContents`: `ext:ExtensionContent` holds any element of another namespace
//! (`##other`, lax): one with a global declaration (`sig:UBLDocumentSignatures`, and so
//! the whole signature) is validated against it, an unknown one as `xsd:anyType`, whose
//! children are again lax; strict wildcards (`ds:CanonicalizationMethod`,
//! `ds:SignatureMethod`) require a declared element. An `xs:integer` may have any number
//! of digits (the certificate serial number `ds:X509SerialNumber` ZATCA requires in
//! decimal passes 64 bits).
//!
//! Not checked: `xsi:type` (an element naming another type with it is judged by its
//! declared type, where libxml2 validates the named type and its derivation).

use std::collections::{HashMap, HashSet};
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

/// An attribute: whether it is required, its primitive, its enumeration.
type RawAttribute = (bool, String, Option<Vec<String>>);

#[derive(Deserialize)]
struct RawShape {
    #[serde(default)]
    simple: Option<(String, Option<Vec<String>>)>,
    #[serde(default)]
    model: Option<serde_json::Value>,
    #[serde(default)]
    mixed: bool,
    #[serde(default)]
    attributes: HashMap<String, RawAttribute>,
    #[serde(default)]
    any_attribute: Option<String>,
    #[serde(default)]
    any_type: bool,
}

/// A wildcard's `processContents`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Process {
    /// The element must have a global declaration, and is validated against it.
    Strict,
    /// Validated against its global declaration if there is one, else as `xsd:anyType`
    /// (whose own children are again lax).
    Lax,
    /// Not validated.
    Skip,
}

impl Process {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "strict" => Some(Self::Strict),
            "lax" => Some(Self::Lax),
            "skip" => Some(Self::Skip),
            _ => None,
        }
    }
}

/// The XSD primitives (and built-in derived types) these schemas give values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Primitive {
    /// `string`, `normalizedString`, `token`: every string.
    AnyString,
    Language,
    AnyUri,
    Id,
    Integer,
    Decimal,
    Boolean,
    Date,
    Time,
    DateTime,
    Base64Binary,
}

impl Primitive {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "string" | "normalizedString" | "token" => Self::AnyString,
            "language" => Self::Language,
            "anyURI" => Self::AnyUri,
            "ID" => Self::Id,
            "integer" => Self::Integer,
            "decimal" => Self::Decimal,
            "boolean" => Self::Boolean,
            "date" => Self::Date,
            "time" => Self::Time,
            "dateTime" => Self::DateTime,
            "base64Binary" => Self::Base64Binary,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::AnyString => "string",
            Self::Language => "language",
            Self::AnyUri => "anyURI",
            Self::Id => "ID",
            Self::Integer => "integer",
            Self::Decimal => "decimal",
            Self::Boolean => "boolean",
            Self::Date => "date",
            Self::Time => "time",
            Self::DateTime => "dateTime",
            Self::Base64Binary => "base64Binary",
        }
    }
}

/// A simple type: a primitive, optionally restricted to an enumeration.
struct ValueType {
    base: Primitive,
    enumeration: Option<Vec<String>>,
}

impl ValueType {
    fn load(base: &str, enumeration: &Option<Vec<String>>) -> Option<Self> {
        Some(Self {
            base: Primitive::from_name(base)?,
            enumeration: enumeration.clone(),
        })
    }
}

struct Attribute {
    name: String,
    required: bool,
    value: ValueType,
}

/// A position of a content model: an element (namespace, local name, and the type of a
/// local declaration; a reference uses the global declaration) or a wildcard.
enum Leaf {
    Element {
        ns: String,
        local: String,
        shape: Option<usize>,
    },
    Any {
        /// `##other`: this namespace (and no namespace) is excluded; `None` for `##any`.
        excluded: Option<String>,
        process: Process,
    },
}

impl Leaf {
    fn matches(&self, n: Node<'_, '_>) -> bool {
        let name = n.tag_name();
        match self {
            Self::Element { ns, local, .. } => {
                name.name() == local && name.namespace() == Some(ns.as_str())
            }
            Self::Any { excluded, .. } => match excluded {
                None => true,
                // `xmlns=""` gives the empty name: no namespace.
                Some(ns) => name
                    .namespace()
                    .is_some_and(|own| !own.is_empty() && own != ns),
            },
        }
    }

    fn describe(&self) -> String {
        match self {
            Self::Element { local, .. } => local.clone(),
            Self::Any { excluded: None, .. } => "any element".into(),
            Self::Any { .. } => "an element of another namespace".into(),
        }
    }
}

/// A content model (sequences, choices, occurrence bounds, wildcards) compiled to its
/// position automaton: XSD requires content models to be deterministic (unique particle
/// attribution), so each child element moves it to at most one next position, and a
/// document is checked in one pass over its children.
struct Model {
    leaves: Vec<Leaf>,
    start: Vec<usize>,
    follow: Vec<Vec<usize>>,
    accepting: Vec<bool>,
    nullable: bool,
}

impl Model {
    /// The positions the next child may take after `state` (`None`: before the first).
    fn candidates(&self, state: Option<usize>) -> &[usize] {
        match state {
            None => &self.start,
            Some(p) => self.follow.get(p).map_or(&[], Vec::as_slice),
        }
    }
}

/// The first and last positions of a part of a model, and whether it can be empty.
struct Fragment {
    first: Vec<usize>,
    last: Vec<usize>,
    nullable: bool,
}

impl Fragment {
    fn empty() -> Self {
        Self {
            first: Vec::new(),
            last: Vec::new(),
            nullable: true,
        }
    }
}

/// Occurrence bounds past this are not unrolled (the schemas use 0, 1 and unbounded).
const MAX_BOUND: u64 = 64;
/// Model nesting past this does not load (the schemas nest three deep).
const MAX_NESTING: usize = 16;

struct ModelBuilder<'n> {
    namespaces: &'n HashMap<String, String>,
    leaves: Vec<Leaf>,
    follow: Vec<Vec<usize>>,
}

impl ModelBuilder<'_> {
    /// Lets each position of `to` follow each position of `from`.
    fn link(&mut self, from: &[usize], to: &[usize]) {
        for l in from {
            if let Some(f) = self.follow.get_mut(*l) {
                f.extend_from_slice(to);
            }
        }
    }

    fn concat(&mut self, a: Fragment, b: Fragment) -> Fragment {
        self.link(&a.last, &b.first);
        let mut first = a.first;
        if a.nullable {
            first.extend_from_slice(&b.first);
        }
        let mut last = b.last;
        if b.nullable {
            last.extend_from_slice(&a.last);
        }
        Fragment {
            first,
            last,
            nullable: a.nullable && b.nullable,
        }
    }

    /// A particle with its occurrence bounds, unrolled: `x{2,3}` is `x x (x)?`, `x{1,}` is
    /// `x x*`.
    fn particle(&mut self, raw: &serde_json::Value, depth: usize) -> Option<Fragment> {
        let parts = raw.as_array()?;
        let min = parts.get(1)?.as_u64()?;
        let max = match parts.get(2)? {
            serde_json::Value::Null => None,
            v => Some(v.as_u64()?),
        };
        if depth > MAX_NESTING || min > MAX_BOUND || max.is_some_and(|m| m > MAX_BOUND || m < min) {
            return None;
        }
        let mut out = Fragment::empty();
        for _ in 0..min {
            let once = self.term(parts, depth)?;
            out = self.concat(out, once);
        }
        match max {
            None => {
                let once = self.term(parts, depth)?;
                self.link(&once.last, &once.first);
                let starred = Fragment {
                    nullable: true,
                    ..once
                };
                out = self.concat(out, starred);
            }
            Some(max) => {
                let mut tail = Fragment::empty();
                for _ in min..max {
                    let once = self.term(parts, depth)?;
                    tail = Fragment {
                        nullable: true,
                        ..self.concat(once, tail)
                    };
                }
                out = self.concat(out, tail);
            }
        }
        Some(out)
    }

    /// One occurrence of a particle.
    fn term(&mut self, parts: &[serde_json::Value], depth: usize) -> Option<Fragment> {
        let kind = parts.first()?.as_str()?;
        let leaf = match kind {
            "seq" | "choice" => {
                let children = parts.get(3)?.as_array()?;
                let mut out = if kind == "seq" {
                    Fragment::empty()
                } else {
                    Fragment {
                        nullable: children.is_empty(),
                        ..Fragment::empty()
                    }
                };
                for child in children {
                    let f = self.particle(child, depth + 1)?;
                    out = if kind == "seq" {
                        self.concat(out, f)
                    } else {
                        out.first.extend(f.first);
                        out.last.extend(f.last);
                        out.nullable |= f.nullable;
                        out
                    };
                }
                return Some(out);
            }
            "element" => {
                let (prefix, local) = parts.get(3)?.as_str()?.split_once(':')?;
                Leaf::Element {
                    ns: self.namespaces.get(prefix)?.clone(),
                    local: local.to_owned(),
                    shape: match parts.get(4)? {
                        serde_json::Value::Null => None,
                        v => Some(usize::try_from(v.as_u64()?).ok()?),
                    },
                }
            }
            "any" => Leaf::Any {
                excluded: match parts.get(3)? {
                    serde_json::Value::Null => None,
                    v => Some(self.namespaces.get(v.as_str()?)?.clone()),
                },
                process: Process::from_name(parts.get(4)?.as_str()?)?,
            },
            _ => return None,
        };
        let position = self.leaves.len();
        self.leaves.push(leaf);
        self.follow.push(Vec::new());
        Some(Fragment {
            first: vec![position],
            last: vec![position],
            nullable: false,
        })
    }

    fn build(namespaces: &HashMap<String, String>, raw: &serde_json::Value) -> Option<Model> {
        let mut builder = ModelBuilder {
            namespaces,
            leaves: Vec::new(),
            follow: Vec::new(),
        };
        let whole = builder.particle(raw, 0)?;
        let mut accepting = vec![false; builder.leaves.len()];
        for l in &whole.last {
            *accepting.get_mut(*l)? = true;
        }
        let dedup = |mut v: Vec<usize>| {
            v.sort_unstable();
            v.dedup();
            v
        };
        Some(Model {
            leaves: builder.leaves,
            start: dedup(whole.first),
            follow: builder.follow.into_iter().map(dedup).collect(),
            accepting,
            nullable: whole.nullable,
        })
    }
}

enum Shape {
    /// Character content of a simple type (no child elements).
    Simple {
        value: ValueType,
        attributes: Vec<Attribute>,
    },
    /// Element content: `model` `None` is empty content; `mixed` allows character content.
    Complex {
        model: Option<Model>,
        mixed: bool,
        attributes: Vec<Attribute>,
        any_attribute: Option<Process>,
    },
    /// `xsd:anyType`: any attributes, any content, children validated laxly.
    AnyType,
}

/// The shape of an element a lax wildcard admits without a declaration.
static ANY_TYPE: Shape = Shape::AnyType;

struct Schema {
    /// Namespace → local name → shape index.
    elements: HashMap<String, HashMap<String, usize>>,
    shapes: Vec<Shape>,
}

const SCHEMA_JSON: &str = include_str!("../data/ubl-2.1-invoice.json");

fn load_attributes(raw: &HashMap<String, RawAttribute>) -> Option<Vec<Attribute>> {
    raw.iter()
        .map(|(name, (required, base, enumeration))| {
            Some(Attribute {
                name: name.clone(),
                required: *required,
                value: ValueType::load(base, enumeration)?,
            })
        })
        .collect()
}

fn schema() -> Option<&'static Schema> {
    static SCHEMA: OnceLock<Option<Schema>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let raw: RawSchema = serde_json::from_str(SCHEMA_JSON).ok()?;
            let mut elements: HashMap<String, HashMap<String, usize>> = HashMap::new();
            for (key, index) in &raw.elements {
                let (prefix, local) = key.split_once(':')?;
                let ns = raw.namespaces.get(prefix)?.clone();
                elements
                    .entry(ns)
                    .or_default()
                    .insert(local.to_owned(), *index);
            }
            let mut shapes = Vec::new();
            for t in &raw.types {
                let attributes = load_attributes(&t.attributes)?;
                shapes.push(if let Some((base, enumeration)) = &t.simple {
                    Shape::Simple {
                        value: ValueType::load(base, enumeration)?,
                        attributes,
                    }
                } else if t.any_type {
                    Shape::AnyType
                } else {
                    Shape::Complex {
                        model: match &t.model {
                            None | Some(serde_json::Value::Null) => None,
                            Some(m) => Some(ModelBuilder::build(&raw.namespaces, m)?),
                        },
                        mixed: t.mixed,
                        attributes,
                        any_attribute: match &t.any_attribute {
                            None => None,
                            Some(p) => Some(Process::from_name(p)?),
                        },
                    }
                });
            }
            let known = |i: usize| i < shapes.len();
            let consistent = elements
                .values()
                .flat_map(HashMap::values)
                .all(|i| known(*i))
                && shapes.iter().all(|s| match s {
                    Shape::Complex { model: Some(m), .. } => m.leaves.iter().all(|l| match l {
                        Leaf::Element { shape: Some(i), .. } => known(*i),
                        Leaf::Element { ns, local, .. } => {
                            elements.get(ns).is_some_and(|e| e.contains_key(local))
                        }
                        Leaf::Any { .. } => true,
                    }),
                    _ => true,
                });
            consistent.then_some(Schema { elements, shapes })
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

fn declared_shape<'s>(schema: &'s Schema, n: Node<'_, '_>) -> Option<&'s Shape> {
    let name = n.tag_name();
    let index = schema.elements.get(name.namespace()?)?.get(name.name())?;
    schema.shapes.get(*index)
}

/// What an element is validated against.
#[derive(Clone, Copy)]
enum Target {
    /// The type of its (local) declaration.
    Shape(usize),
    /// Its global declaration, found by its name, as a wildcard processes it.
    Declared(Process),
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
    let mut ids = HashSet::new();
    let mut pending = vec![(root, Target::Declared(Process::Strict))];
    while let Some((n, target)) = pending.pop() {
        let shape = match target {
            Target::Shape(index) => schema.shapes.get(index),
            Target::Declared(process) => match (declared_shape(schema, n), process) {
                (Some(shape), _) => Some(shape),
                (None, Process::Strict) => None,
                (None, _) => Some(&ANY_TYPE),
            },
        };
        let Some(shape) = shape else {
            return vec![invalid(&format!("{}: not a declared element", path_of(n)))];
        };
        if let Err(problem) = check_element(shape, n, &mut pending, &mut ids) {
            return vec![invalid(&format!("{}: {problem}", path_of(n)))];
        }
    }
    Vec::new()
}

fn check_element<'a, 'i>(
    shape: &Shape,
    n: Node<'a, 'i>,
    pending: &mut Vec<(Node<'a, 'i>, Target)>,
    ids: &mut HashSet<String>,
) -> Result<(), String> {
    match shape {
        Shape::Complex {
            model,
            mixed,
            attributes,
            any_attribute,
        } => {
            check_attributes(n, attributes, *any_attribute, ids)?;
            if !mixed
                && n.children().filter(Node::is_text).any(|t| {
                    !t.text()
                        .unwrap_or_default()
                        .trim_matches(XML_SPACE)
                        .is_empty()
                })
            {
                return Err("character content is not allowed".into());
            }
            match model {
                Some(model) => check_children(model, n, pending),
                None => match n.children().find(Node::is_element) {
                    Some(child) => Err(format!(
                        "element {} is not allowed (empty content)",
                        child.tag_name().name()
                    )),
                    None => Ok(()),
                },
            }
        }
        Shape::Simple { value, attributes } => {
            if let Some(child) = n.children().find(Node::is_element) {
                return Err(format!(
                    "element {} is not allowed",
                    child.tag_name().name()
                ));
            }
            check_attributes(n, attributes, None, ids)?;
            let text = crate::xpath::string(n);
            value_ok(value, &text, ids).map_err(|e| format!("the value {e}"))
        }
        Shape::AnyType => {
            for child in n.children().filter(Node::is_element) {
                pending.push((child, Target::Declared(Process::Lax)));
            }
            Ok(())
        }
    }
}

fn check_attributes(
    n: Node<'_, '_>,
    attributes: &[Attribute],
    any_attribute: Option<Process>,
    ids: &mut HashSet<String>,
) -> Result<(), String> {
    for a in n.attributes() {
        if a.namespace() == Some(NS_XSI) {
            continue;
        }
        let declared = match a.namespace() {
            None => attributes.iter().find(|d| d.name == a.name()),
            Some(_) => None,
        };
        match declared {
            Some(d) => value_ok(&d.value, a.value(), ids)
                .map_err(|e| format!("attribute {}: {e}", a.name()))?,
            // These schemas declare no global attribute: a strict attribute wildcard
            // admits none.
            None if matches!(any_attribute, Some(Process::Lax | Process::Skip)) => {}
            None => return Err(format!("attribute {} is not allowed", a.name())),
        }
    }
    for d in attributes {
        if d.required && n.attribute(d.name.as_str()).is_none() {
            return Err(format!("attribute {} is required", d.name));
        }
    }
    Ok(())
}

/// The element children against the content model, in one pass.
fn check_children<'a, 'i>(
    model: &Model,
    n: Node<'a, 'i>,
    pending: &mut Vec<(Node<'a, 'i>, Target)>,
) -> Result<(), String> {
    let expected = |candidates: &[usize]| {
        let names: Vec<String> = candidates
            .iter()
            .filter_map(|c| model.leaves.get(*c))
            .map(Leaf::describe)
            .take(4)
            .collect();
        if names.is_empty() {
            "nothing".to_owned()
        } else {
            names.join(" or ")
        }
    };
    let mut state: Option<usize> = None;
    for child in n.children().filter(Node::is_element) {
        let candidates = model.candidates(state);
        let found = candidates.iter().find_map(|c| {
            model
                .leaves
                .get(*c)
                .filter(|leaf| leaf.matches(child))
                .map(|leaf| (*c, leaf))
        });
        let Some((position, leaf)) = found else {
            return Err(format!(
                "element {} is not expected here (expected {})",
                child.tag_name().name(),
                expected(candidates)
            ));
        };
        match leaf {
            Leaf::Element { shape, .. } => pending.push((
                child,
                shape.map_or(Target::Declared(Process::Strict), Target::Shape),
            )),
            Leaf::Any { process, .. } => {
                if *process != Process::Skip {
                    pending.push((child, Target::Declared(*process)));
                }
            }
        }
        state = Some(position);
    }
    let complete = match state {
        None => model.nullable,
        Some(p) => model.accepting.get(p).copied().unwrap_or(false),
    };
    if complete {
        Ok(())
    } else {
        Err(format!("missing {}", expected(model.candidates(state))))
    }
}

const XML_SPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// A value (element content or attribute) against its simple type; an `ID` is also
/// recorded, since the document's IDs must be unique.
fn value_ok(t: &ValueType, value: &str, ids: &mut HashSet<String>) -> Result<(), String> {
    let collapsed;
    let v = if t.base == Primitive::AnyString {
        value
    } else {
        collapsed = value
            .split(XML_SPACE)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        collapsed.as_str()
    };
    if !lexical_ok(t.base, v) {
        return Err(format!("{value:?} is not a valid xs:{}", t.base.name()));
    }
    if let Some(allowed) = &t.enumeration
        && !allowed.iter().any(|a| a == v)
    {
        return Err(format!("{value:?} is not one of {allowed:?}"));
    }
    if t.base == Primitive::Id && !ids.insert(v.to_owned()) {
        return Err(format!("the ID {v:?} is not unique in the document"));
    }
    Ok(())
}

/// The lexical space of the XSD primitives these schemas use, for a value whose
/// whitespace [`value_ok`] has already collapsed.
fn lexical_ok(base: Primitive, v: &str) -> bool {
    match base {
        Primitive::AnyString => true,
        Primitive::Decimal => crate::decimal::Dec::parse(v).is_ok() || decimal_too_long(v),
        Primitive::Boolean => matches!(v, "true" | "false" | "1" | "0"),
        Primitive::Date => xs_date(v),
        Primitive::Time => crate::xpath::is_xs_time(v),
        Primitive::DateTime => xs_date_time(v),
        Primitive::Base64Binary => base64_ok(v),
        Primitive::Integer => {
            let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
            !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit())
        }
        Primitive::Id => ncname(v),
        Primitive::Language => language(v),
        Primitive::AnyUri => any_uri(v),
    }
}

/// `xs:dateTime`: an `xs:date` without timezone, `T`, an `xs:time` (with the optional
/// timezone of the whole).
fn xs_date_time(v: &str) -> bool {
    let Some((date, time)) = v.split_once('T') else {
        return false;
    };
    let body = date.strip_prefix('-').unwrap_or(date);
    let month_day = body.split_once('-').map_or("", |(_, md)| md);
    month_day.len() == 5 && !date.ends_with('Z') && xs_date(date) && crate::xpath::is_xs_time(time)
}

/// An XML `NCName` (the lexical space of `xs:ID`): a name without colons.
fn ncname(v: &str) -> bool {
    let mut chars = v.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| {
            c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '\u{B7}') || is_combining(c)
        })
}

fn is_combining(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// `xs:language`: `[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*`.
fn language(v: &str) -> bool {
    let mut parts = v.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (1..=8).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_alphabetic()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_alphanumeric()))
}

/// `xs:anyURI` as libxml2 checks it: the value, with the characters URIs may not hold
/// (controls, space, non-ASCII, `<>"{}|\^'` and backtick) accepted as if escaped, must
/// parse as an RFC 3986 URI reference: well-formed percent escapes, at most one `#`,
/// brackets only around an IP literal host (or in the fragment), a numeric port, and no
/// colon in the first segment of a relative reference.
fn any_uri(v: &str) -> bool {
    let (before_fragment, fragment) = v.split_once('#').unwrap_or((v, ""));
    let bytes = v.as_bytes();
    let escapes_ok = bytes.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    });
    if fragment.contains('#') || !escapes_ok {
        return false;
    }
    let scheme_end = before_fragment.find(':').filter(|&i| {
        let scheme = before_fragment.get(..i).unwrap_or("");
        scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    let rest = match scheme_end {
        Some(i) => before_fragment.get(i + 1..).unwrap_or(""),
        None => {
            let first_segment = before_fragment.split(['/', '?']).next().unwrap_or("");
            if first_segment.contains(':') {
                return false;
            }
            before_fragment
        }
    };
    let path = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find(['/', '?']).unwrap_or(after.len());
            let (authority, path) = after.split_at_checked(end).unwrap_or((after, ""));
            if !authority_ok(authority) {
                return false;
            }
            path
        }
        None => rest,
    };
    !path.contains(['[', ']'])
}

/// An RFC 3986 authority: `[userinfo@]host[:port]`, the host a name or a bracketed IP
/// literal, the port (after a colon) one or more digits.
fn authority_ok(authority: &str) -> bool {
    let host_port = match authority.rsplit_once('@') {
        Some((userinfo, _)) if userinfo.contains(['[', ']']) => return false,
        Some((_, host_port)) => host_port,
        None => authority,
    };
    let port = if let Some(literal) = host_port.strip_prefix('[') {
        let Some((ip, after)) = literal.split_once(']') else {
            return false;
        };
        if ip.is_empty()
            || !ip
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.'))
        {
            return false;
        }
        match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return false,
        }
    } else {
        if host_port.contains(['[', ']']) {
            return false;
        }
        host_port.split_once(':').map(|(_, port)| port)
    };
    port.is_none_or(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
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
        assert!(xs_date_time("2024-01-14T10:26:49"));
        assert!(xs_date_time("2024-01-14T10:26:49.5+03:00"));
        assert!(!xs_date_time("2024-01-14 10:26:49"));
        assert!(!xs_date_time("2024-01-14Z T10:26:49"));
        assert!(ncname("xadesSignedProperties") && ncname("_a.b-c"));
        assert!(!ncname("1signature") && !ncname("a:b") && !ncname(""));
        assert!(language("ar") && language("abcdefgh") && language("en-a"));
        assert!(!language("ar_SA") && !language("a1") && !language("abcdefghi"));
        assert!(lexical_ok(Primitive::Integer, "-12") && !lexical_ok(Primitive::Integer, "1.0"));
    }

    /// The URIs libxml2 accepts and refuses (each pinned with xmllint on a signature
    /// attribute).
    #[test]
    fn uris_as_libxml2_parses_them() {
        for ok in [
            "",
            "#xadesSignedProperties",
            "http://www.w3.org/2001/04/xmlenc#sha256",
            "urn:a b",
            "#a[b]",
            "http://u:p@[::1]:8080/x?q#f",
            "a/b:c",
            "%41",
            "mailto:a@b",
        ] {
            assert!(any_uri(ok), "{ok:?} is a URI");
        }
        for bad in [
            "#xades#SignedProperties",
            "http://www.w3.org/2001/04/xmlenc%zzsha256",
            "1a:b",
            ":a",
            "a[b]",
            "http://a:b/",
            "http://a:/",
            "?a[b]",
            "http://[x/",
        ] {
            assert!(!any_uri(bad), "{bad:?} is not a URI");
        }
    }

    fn model(json: &str) -> Model {
        let namespaces = HashMap::from([("ds".to_owned(), "urn:ds".to_owned())]);
        let raw: serde_json::Value = serde_json::from_str(json).unwrap();
        ModelBuilder::build(&namespaces, &raw).unwrap()
    }

    fn accepts(m: &Model, children: &str) -> bool {
        let xml =
            format!("<ds:r xmlns:ds='urn:ds' xmlns:o='urn:o' xmlns='urn:d'>{children}</ds:r>");
        let doc = Document::parse(&xml).unwrap();
        check_children(m, doc.root_element(), &mut Vec::new()).is_ok()
    }

    #[test]
    fn content_models_with_choices_bounds_and_wildcards() {
        // (A, B?, (C | other-namespace)*, D{2,3})
        let m = model(
            r#"["seq",1,1,[["element",1,1,"ds:A",null],["element",0,1,"ds:B",null],
               ["choice",0,null,[["element",1,1,"ds:C",null],["any",1,1,"ds","lax"]]],
               ["element",2,3,"ds:D",null]]]"#,
        );
        assert!(accepts(&m, "<ds:A/><ds:D/><ds:D/>"));
        assert!(accepts(
            &m,
            "<ds:A/><ds:B/><ds:C/><o:X/><ds:C/><ds:D/><ds:D/><ds:D/>"
        ));
        assert!(!accepts(&m, "<ds:A/><ds:D/>"), "too few D");
        assert!(
            !accepts(&m, "<ds:A/><ds:D/><ds:D/><ds:D/><ds:D/>"),
            "too many D"
        );
        assert!(!accepts(&m, "<ds:B/><ds:A/><ds:D/><ds:D/>"), "out of order");
        assert!(
            !accepts(&m, "<ds:A/><ds:X/><ds:D/><ds:D/>"),
            "##other excludes ds"
        );
        assert!(
            accepts(&m, "<ds:A/><X/><ds:D/><ds:D/>"),
            "the default namespace is another"
        );
        assert!(
            !accepts(&m, "<ds:A/><X xmlns=''/><ds:D/><ds:D/>"),
            "##other excludes no namespace"
        );
        // A repeated choice of sequences (ds:X509Data's shape).
        let m = model(
            r#"["seq",1,null,[["choice",1,1,[["element",1,1,"ds:A",null],["seq",1,1,[["element",1,1,"ds:B",null],["element",1,1,"ds:C",null]]]]]]]"#,
        );
        assert!(accepts(&m, "<ds:A/><ds:B/><ds:C/><ds:A/>"));
        assert!(!accepts(&m, ""));
        assert!(!accepts(&m, "<ds:A/><ds:B/>"));
    }
}
