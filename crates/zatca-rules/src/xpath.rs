//! The XPath 2.0 semantics the rules rely on, on `roxmltree` nodes: string values,
//! `normalize-space`, casts of untyped values (`xs:boolean`, `xs:double`, `xs:decimal`), the
//! code-list idiom, and name tests. Each function follows the XPath 2.0 / XSLT 2.0
//! definition as Saxon applies it, because a rule is only exact if its primitives are.

use std::borrow::Cow;

use roxmltree::Node;

pub(crate) const NS_UBL: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
pub(crate) const NS_CN: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
pub(crate) const NS_CAC: &str =
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
pub(crate) const NS_CBC: &str =
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// A name test: `(namespace, local name)`.
pub(crate) type Name = (&'static str, &'static str);

/// `cac:NAME`.
pub(crate) const fn cac(local: &'static str) -> Name {
    (NS_CAC, local)
}

/// `cbc:NAME`.
pub(crate) const fn cbc(local: &'static str) -> Name {
    (NS_CBC, local)
}

/// A dynamic error (XPath `FORG0001` and kin): Saxon stops the whole transformation, so the
/// Schematron produces no report at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DynamicError;

/// The result of an expression that may raise a dynamic error.
pub(crate) type Xr<T> = Result<T, DynamicError>;

/// Whether `n` is an element named `name`.
pub(crate) fn is(n: Node<'_, '_>, name: Name) -> bool {
    n.is_element() && n.tag_name().name() == name.1 && n.tag_name().namespace() == Some(name.0)
}

/// Whether `n` is an element named one of `names`.
pub(crate) fn is_any(n: Node<'_, '_>, names: &[Name]) -> bool {
    names.iter().any(|&name| is(n, name))
}

/// The element children of `n` named `name` (the step `name`).
pub(crate) fn children<'a, 'i>(
    n: Node<'a, 'i>,
    name: Name,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| is(*c, name))
}

/// The nodes a relative path selects from `n`, in document order (each step a child step).
pub(crate) fn select<'a, 'i>(n: Node<'a, 'i>, path: &[Name]) -> Vec<Node<'a, 'i>> {
    let mut current = vec![n];
    for &step in path {
        current = current.iter().flat_map(|c| children(*c, step)).collect();
    }
    current
}

/// The first node `path` selects from `n`.
pub(crate) fn first<'a, 'i>(n: Node<'a, 'i>, path: &[Name]) -> Option<Node<'a, 'i>> {
    select(n, path).into_iter().next()
}

/// Whether `path` selects any node from `n` (`exists(path)`).
pub(crate) fn exists(n: Node<'_, '_>, path: &[Name]) -> bool {
    first(n, path).is_some()
}

/// Whether `n` is the last step of the relative path `steps` (its ancestors match the
/// earlier steps, nearest last): the pattern `a/b/c`.
pub(crate) fn ends_with(n: Node<'_, '_>, steps: &[Name]) -> bool {
    let mut node = Some(n);
    for &step in steps.iter().rev() {
        match node {
            Some(e) if is(e, step) => node = e.parent(),
            _ => return false,
        }
    }
    true
}

/// Whether `n` is the last step of the absolute path `/steps`.
pub(crate) fn at(n: Node<'_, '_>, steps: &[Name]) -> bool {
    let mut node = Some(n);
    for &step in steps.iter().rev() {
        match node {
            Some(e) if is(e, step) => node = e.parent(),
            _ => return false,
        }
    }
    node.is_some_and(|root| root.is_root())
}

/// The document element of an invoice, credit note or debit note.
pub(crate) const INVOICE: Name = (NS_UBL, "Invoice");

/// Whether `n` is a tax category's `cbc:ID` in one of the four places both
/// Schematrons' tax category code rules (BR-CL-18, BR-KSA-18) take as context.
pub(crate) fn tax_category_id(n: Node<'_, '_>) -> bool {
    let id = cbc("ID");
    at(
        n,
        &[
            INVOICE,
            cac("TaxTotal"),
            cac("TaxSubtotal"),
            cac("TaxCategory"),
            id,
        ],
    ) || at(
        n,
        &[
            INVOICE,
            cac("InvoiceLine"),
            cac("TaxTotal"),
            cac("TaxSubtotal"),
            cac("TaxCategory"),
            id,
        ],
    ) || at(
        n,
        &[INVOICE, cac("AllowanceCharge"), cac("TaxCategory"), id],
    ) || at(
        n,
        &[
            INVOICE,
            cac("InvoiceLine"),
            cac("Item"),
            cac("ClassifiedTaxCategory"),
            id,
        ],
    )
}

/// Whether `n` is the last step of `/*/steps` (any document element).
pub(crate) fn at_any_root(n: Node<'_, '_>, steps: &[Name]) -> bool {
    let mut node = Some(n);
    for &step in steps.iter().rev() {
        match node {
            Some(e) if is(e, step) => node = e.parent(),
            _ => return false,
        }
    }
    node.is_some_and(|e| e.is_element() && e.parent().is_some_and(|r| r.is_root()))
}

/// The single node `path` selects from `n`, if any; more than one is a type error
/// (`XPTY0004`) where a function takes one item.
pub(crate) fn one<'a, 'i>(n: Node<'a, 'i>, path: &[Name]) -> Xr<Option<Node<'a, 'i>>> {
    let mut all = select(n, path).into_iter();
    let first = all.next();
    if all.next().is_some() {
        return Err(DynamicError);
    }
    Ok(first)
}

/// `string(path)` where a function takes one item (`string-length(cbc:ID)`,
/// `substring-after(cbc:Amount, '.')`): `""` for none, a type error for more than one.
pub(crate) fn str1<'a>(n: Node<'a, '_>, path: &[Name]) -> Xr<Cow<'a, str>> {
    Ok(one(n, path)?.map_or(Cow::Borrowed(""), string))
}

/// `(path) != ''`: some selected node has a non-empty string value.
pub(crate) fn any_non_empty(n: Node<'_, '_>, path: &[Name]) -> bool {
    select(n, path).into_iter().any(|x| !string(x).is_empty())
}

/// `string-length(substring-after(s, '.'))`: the number of characters after the first point.
pub(crate) fn decimals(s: &str) -> usize {
    string_length(substring_after(s, "."))
}

/// `string-length(substring-after(path, '.')) <= 2` on the single node `path` selects.
pub(crate) fn at_most_two_decimals(n: Node<'_, '_>, path: &[Name]) -> Xr<bool> {
    Ok(decimals(&str1(n, path)?) <= 2)
}

/// XPath `upper-case`.
pub(crate) fn upper_case(s: &str) -> String {
    s.to_uppercase()
}

/// `cac:TaxScheme/normalize-space(upper-case(cbc:ID)) = 'VAT'` on a tax category.
pub(crate) fn vat_scheme(category: Node<'_, '_>) -> Xr<bool> {
    for scheme in children(category, cac("TaxScheme")) {
        let id = str1(scheme, &[cbc("ID")])?;
        if normalize_space(&upper_case(&id)) == "VAT" {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `normalize-space(cbc:ID) = 'CODE'` on one node (a type error for two `cbc:ID`).
pub(crate) fn id_is(n: Node<'_, '_>, code: &str) -> Xr<bool> {
    Ok(normalize_space(&str1(n, &[cbc("ID")])?) == code)
}

/// The tax-category predicate of the rule contexts:
/// `[normalize-space(cbc:ID) = 'CODE'][cac:TaxScheme/normalize-space(upper-case(cbc:ID))='VAT']`.
pub(crate) fn vat_category(n: Node<'_, '_>, code: &str) -> Xr<bool> {
    Ok(id_is(n, code)? && vat_scheme(n)?)
}

/// The general comparison `path > 0` (and kin) of untyped nodes with a number: each node's
/// value is cast to `xs:double`; true if any satisfies `cmp`.
pub(crate) fn any_number(n: Node<'_, '_>, path: &[Name], cmp: impl Fn(f64) -> bool) -> Xr<bool> {
    for x in select(n, path) {
        if cmp(to_double(&string(x))?) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The nodes `//steps` selects (anywhere in the document), in document order.
pub(crate) fn anywhere<'a, 'i>(n: Node<'a, 'i>, steps: &[Name]) -> Vec<Node<'a, 'i>> {
    let Some(last) = steps.last() else {
        return Vec::new();
    };
    n.document()
        .descendants()
        .filter(|d| is(*d, *last) && ends_with(*d, steps))
        .collect()
}

/// `string(//steps)` where a function takes one item: `""` for none, a type error for more.
pub(crate) fn str_anywhere<'a>(n: Node<'a, '_>, steps: &[Name]) -> Xr<Cow<'a, str>> {
    let all = anywhere(n, steps);
    match all.as_slice() {
        [] => Ok(Cow::Borrowed("")),
        [one] => Ok(string(*one)),
        _ => Err(DynamicError),
    }
}

/// `normalize-space(one) != ''` for one optional string.
pub(crate) fn has_text(s: &str) -> bool {
    !normalize_space(s).is_empty()
}

/// XPath `fn:matches(s, pattern)` for a pattern given in Rust `regex` syntax (the rule's
/// XPath pattern translated: XPath's `\w` is `[^\p{P}\p{Z}\p{C}]`); unanchored, as in XPath.
pub(crate) fn matches(s: &str, pattern: &regex::Regex) -> bool {
    pattern.is_match(s)
}

/// A regular expression of a rule, compiled once per call site.
macro_rules! regex {
    ($pattern:literal) => {{
        static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
        RE.get_or_init(|| regex::Regex::new($pattern).ok()).as_ref()
    }};
}
pub(crate) use regex;

/// `matches(s, P)` with a call-site regex (a pattern that fails to compile never matches:
/// the patterns are constants, checked by the tests).
pub(crate) fn matches_opt(s: &str, pattern: Option<&regex::Regex>) -> bool {
    pattern.is_some_and(|p| matches(s, p))
}

/// `boolean(//*[matches(@name, P)])`: some element's `name` attribute matches.
pub(crate) fn any_name_matches(n: Node<'_, '_>, pattern: Option<&regex::Regex>) -> bool {
    n.document()
        .descendants()
        .filter_map(|d| d.attribute("name"))
        .any(|name| matches_opt(name, pattern))
}

/// A `YYYY-MM-DD` date of the rules' date regex (years 1800–2099, Gregorian leap years),
/// the whole value (`string-length(.) = 10 and matches(…)`).
pub(crate) fn ksa_date(s: &str) -> Option<(i32, u32, u32)> {
    let (y, m, d) = iso_date(s)?;
    (1800..=2099).contains(&y).then_some((y, m, d))
}

/// `YYYY-MM-DD` with a valid Gregorian month and day, exactly ten characters.
pub(crate) fn iso_date(s: &str) -> Option<(i32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        let part = s.get(from..to)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, m, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    ((1..=days).contains(&d)).then_some((i32::try_from(y).ok()?, m, d))
}

/// The string value of a node: its text descendants, concatenated.
pub(crate) fn string<'a>(n: Node<'a, '_>) -> Cow<'a, str> {
    let mut texts = n.descendants().filter(Node::is_text);
    let Some(first) = texts.next() else {
        return Cow::Borrowed("");
    };
    match texts.next() {
        None => Cow::Borrowed(first.text().unwrap_or_default()),
        Some(second) => {
            let mut s = String::from(first.text().unwrap_or_default());
            s.push_str(second.text().unwrap_or_default());
            for t in texts {
                s.push_str(t.text().unwrap_or_default());
            }
            Cow::Owned(s)
        }
    }
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// `normalize-space(s)`: XML whitespace trimmed and runs collapsed to one space.
pub(crate) fn normalize_space(s: &str) -> Cow<'_, str> {
    let trimmed = s.trim_matches(is_xml_space);
    let mut prev_space = false;
    let clean = trimmed.chars().all(|c| {
        let ok = c == ' ' && !prev_space || !is_xml_space(c);
        prev_space = c == ' ';
        ok
    });
    if clean {
        return Cow::Borrowed(trimmed);
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut in_space = false;
    for c in trimmed.chars() {
        if is_xml_space(c) {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    Cow::Owned(out)
}

/// The code-list idiom of the rule files:
/// `not(contains(normalize-space(.), ' ')) and contains(LIST, concat(' ', normalize-space(.), ' '))`
/// where `LIST` is space-separated with a space at each end.
pub(crate) fn in_code_list(list: &str, value: &str) -> bool {
    let v = normalize_space(value);
    if v.contains(' ') {
        return false;
    }
    let mut needle = String::with_capacity(v.len() + 2);
    needle.push(' ');
    needle.push_str(&v);
    needle.push(' ');
    list.contains(&needle)
}

/// XPath `string-length`: the number of characters.
pub(crate) fn string_length(s: &str) -> usize {
    s.chars().count()
}

/// XPath `substring-after(s, needle)`.
pub(crate) fn substring_after<'a>(s: &'a str, needle: &str) -> &'a str {
    s.find(needle)
        .and_then(|i| s.get(i + needle.len()..))
        .unwrap_or("")
}

/// XPath `substring(s, start, len)` for the integral arguments the rules use (1-based).
pub(crate) fn substring(s: &str, start: usize, len: usize) -> String {
    s.chars()
        .skip(start.saturating_sub(1))
        .take(if start == 0 {
            len.saturating_sub(1)
        } else {
            len
        })
        .collect()
}

/// The cast of an untyped value to `xs:boolean` (whitespace collapsed first).
pub(crate) fn to_boolean(s: &str) -> Xr<bool> {
    match s.trim_matches(is_xml_space) {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(DynamicError),
    }
}

/// `path = true()` / `path = false()`: a general comparison of each selected node's untyped
/// value, cast to `xs:boolean`, with `expected`.
pub(crate) fn any_boolean_eq(n: Node<'_, '_>, path: &[Name], expected: bool) -> Xr<bool> {
    for node in select(n, path) {
        if to_boolean(&string(node))? == expected {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The cast of an untyped value to `xs:double` (the lexical space of XSD 1.0 `xs:double`).
pub(crate) fn to_double(s: &str) -> Xr<f64> {
    let t = s.trim_matches(is_xml_space);
    match t {
        "INF" | "+INF" => return Ok(f64::INFINITY),
        "-INF" => return Ok(f64::NEG_INFINITY),
        "NaN" => return Ok(f64::NAN),
        _ => {}
    }
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (body.get(..i).unwrap_or(""), body.get(i + 1..)),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if !mantissa_ok || !exponent_ok {
        return Err(DynamicError);
    }
    t.parse::<f64>().map_err(|_| DynamicError)
}

/// `castable as xs:time`: `hh:mm:ss(.s+)?` with an optional timezone (`Z` or `±hh:mm`);
/// `24:00:00` only with a zero fraction.
pub(crate) fn is_xs_time(s: &str) -> bool {
    let t = s.trim_matches([' ', '\t', '\n', '\r']);
    let (body, zone) = if let Some(b) = t.strip_suffix('Z') {
        (b, "")
    } else if t.len() > 6
        && t.is_char_boundary(t.len() - 6)
        && matches!(t.as_bytes().get(t.len() - 6), Some(b'+' | b'-'))
    {
        (
            t.get(..t.len() - 6).unwrap_or(""),
            t.get(t.len() - 5..).unwrap_or(""),
        )
    } else {
        (t, "")
    };
    if !zone.is_empty() {
        let zb = zone.as_bytes();
        let ok = zb.len() == 5
            && zb.get(2) == Some(&b':')
            && zone
                .get(0..2)
                .and_then(|h| h.parse::<u32>().ok())
                .is_some_and(|h| h <= 14)
            && zone
                .get(3..5)
                .and_then(|m| m.parse::<u32>().ok())
                .is_some_and(|m| m <= 59)
            && zone
                .bytes()
                .enumerate()
                .all(|(i, c)| i == 2 || c.is_ascii_digit())
            && !(zone.starts_with("14") && zone.get(3..5) != Some("00"));
        if !ok {
            return false;
        }
    }
    let (hms, fraction) = body.split_once('.').unwrap_or((body, ""));
    if body.contains('.') && (fraction.is_empty() || !fraction.bytes().all(|c| c.is_ascii_digit()))
    {
        return false;
    }
    let b = hms.as_bytes();
    if b.len() != 8 || b.get(2) != Some(&b':') || b.get(5) != Some(&b':') {
        return false;
    }
    let part = |from: usize| -> Option<u32> {
        let p = hms.get(from..from + 2)?;
        p.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| p.parse().ok())?
    };
    match (part(0), part(3), part(6)) {
        (Some(24), Some(0), Some(0)) => fraction.bytes().all(|c| c == b'0'),
        (Some(h), Some(m), Some(s)) => h < 24 && m < 60 && s < 60,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_space_collapses_xml_whitespace_only() {
        assert_eq!(normalize_space("  a \t\n b  "), "a b");
        assert_eq!(normalize_space("a b"), "a b");
        assert_eq!(normalize_space("\u{a0}a"), "\u{a0}a");
    }

    #[test]
    fn code_list_idiom_matches_whole_codes() {
        let list = " SAR USD ";
        assert!(in_code_list(list, " SAR\n"));
        assert!(!in_code_list(list, "SA"));
        assert!(!in_code_list(list, ""));
        assert!(!in_code_list(list, "SAR USD"));
    }

    #[test]
    fn double_cast_follows_the_xsd_lexical_space() {
        assert_eq!(to_double(" 1.5e2 "), Ok(150.0));
        assert_eq!(to_double(".5"), Ok(0.5));
        assert!(to_double("inf").is_err());
        assert!(to_double("1,5").is_err());
        assert!(to_double("").is_err());
        assert!(to_double("1e").is_err());
    }

    #[test]
    fn boolean_cast_accepts_the_four_lexical_forms() {
        assert_eq!(to_boolean(" true "), Ok(true));
        assert_eq!(to_boolean("0"), Ok(false));
        assert!(to_boolean("True").is_err());
    }

    #[test]
    fn substring_is_one_based() {
        assert_eq!(substring("0200000", 1, 2), "02");
        assert_eq!(substring("0200000", 5, 1), "0");
        assert_eq!(substring("01", 5, 1), "");
    }
}
