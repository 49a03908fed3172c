//! Schematron semantics, as the compiled XSLTs run them under Saxon: every element (and, for
//! the one rule whose context is an attribute, every attribute) is visited in document
//! order; in each pattern, the matching rule of highest priority fires (on a tie, the one
//! declared last); a fired rule's assertions are evaluated with the node as context. A
//! dynamic error in a context pattern is a non-match; one in an assertion stops the whole
//! transformation (no report: see [`crate::Finding::not_run`]).

use std::collections::HashMap;

use roxmltree::Node;

use crate::table::{Assertion, Rule, RuleTable, Schematron};
use crate::xpath::{DynamicError, Xr};
use crate::{en16931, ksa};

/// What a rule's assertions see besides their context node.
pub(crate) struct Cx<'a, 'i> {
    /// The document element.
    pub root: Node<'a, 'i>,
    /// `current-date()`: (year, month, day).
    pub today: (i32, u32, u32),
    /// Whether the context is the `currencyID` attribute of the node given (not the node).
    pub on_currency_attribute: bool,
    rule: &'static Rule,
    fired: &'a mut Vec<&'static Assertion>,
    /// Facts about the whole document, computed once per run.
    pub cache: &'a mut DocumentCache,
}

/// Document-wide values the rules read from many context nodes (so that validation stays
/// linear in the document's size).
#[derive(Default)]
pub(crate) struct DocumentCache {
    /// `normalize-space(//cbc:DocumentCurrencyCode)`.
    pub document_currency: Option<Xr<String>>,
    /// Regular expressions taken from the document, compiled (`None`: invalid).
    pub regexes: std::collections::HashMap<String, Option<regex::Regex>>,
    /// Rules whose assertions range over the whole document and have run.
    pub done: Vec<u16>,
    /// `count(//cac:InvoiceLine)`.
    pub invoice_lines: Option<usize>,
    /// Document-wide predicates of context patterns, by name.
    memo: Vec<(&'static str, bool)>,
}

impl DocumentCache {
    fn memo_entry(&mut self, key: &'static str) -> Option<&mut bool> {
        self.memo
            .iter_mut()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// A document-wide predicate, computed once.
    pub fn memo(&mut self, key: &'static str, compute: impl FnOnce() -> bool) -> bool {
        if let Some((_, v)) = self.memo.iter().find(|(k, _)| *k == key) {
            return *v;
        }
        let v = compute();
        self.memo.push((key, v));
        v
    }

    /// `matches(input, pattern)` with a pattern from the document, compiled once.
    pub fn matches(&mut self, input: &str, pattern: &str) -> Xr<bool> {
        let re = self
            .regexes
            .entry(pattern.to_owned())
            .or_insert_with(|| regex::Regex::new(pattern).ok());
        re.as_ref().map(|r| r.is_match(input)).ok_or(DynamicError)
    }
}

impl Cx<'_, '_> {
    /// Records the failure of the current rule's (first) assertion `id`.
    pub fn fail(&mut self, id: &str) {
        self.fail_nth(id, 0);
    }

    /// Records the failure of the `nth` assertion `id` of the current rule (where one rule
    /// emits the same id from two places, with different texts).
    pub fn fail_nth(&mut self, id: &str, nth: usize) {
        if let Some(a) = self.rule.asserts.iter().filter(|a| a.id == id).nth(nth) {
            self.fired.push(a);
        }
    }

    /// The `nth` code list of the current rule's assertion `id` (from the rule file).
    pub fn code_list(&self, id: &str, nth: usize) -> &'static str {
        self.rule
            .asserts
            .iter()
            .find(|a| a.id == id)
            .and_then(|a| a.code_lists.get(nth))
            .map_or("", String::as_str)
    }

    /// Whether this rule's document-wide assertions already ran in this document (and
    /// marks them as run): their failures are the same from every context node.
    pub fn once(&mut self) -> bool {
        let order = self.rule.order;
        if self.cache.done.contains(&order) {
            return true;
        }
        self.cache.done.push(order);
        false
    }

    /// Whether `key` is seen for the first time in this document (for a document-wide
    /// assertion evaluated from many context nodes: its failures are the same each time).
    pub fn first_time(&mut self, key: &'static str) -> bool {
        let seen = self.cache.memo(key, || true);
        if seen {
            // Mark it: later calls find `false`.
            if let Some(entry) = self.cache.memo_entry(key) {
                *entry = false;
            }
        }
        seen
    }

    /// Records `id` failing when `ok` is false.
    pub fn assert(&mut self, id: &str, ok: bool) {
        if !ok {
            self.fail(id);
        }
    }
}

/// What a pattern's rules are matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Element nodes.
    Element,
    /// `currencyID` attributes (the matcher is given their element).
    CurrencyAttribute,
}

/// The Rust side of one rule of the table: its context and its assertions.
pub(crate) struct Template {
    /// The Schematron of the rule.
    pub schematron: Schematron,
    /// The rule's `order` in the table.
    pub order: u16,
    /// The context pattern, on elements.
    pub matches: fn(Node<'_, '_>, &mut DocumentCache) -> bool,
    /// The context pattern's attribute branches: whether the `currencyID` attribute of the
    /// given element is a context node.
    pub matches_currency_attribute: Option<fn(Node<'_, '_>) -> bool>,
    /// The assertions; only those listed in `implemented` are evaluated.
    pub check: fn(&mut Cx<'_, '_>, Node<'_, '_>) -> Xr<()>,
    /// The ids this template's `check` evaluates exactly.
    pub implemented: &'static [&'static str],
}

/// All templates of the profile.
pub(crate) fn templates() -> impl Iterator<Item = &'static Template> {
    en16931::TEMPLATES.iter().chain(ksa::TEMPLATES.iter())
}

/// A rule of a pattern with its template.
type Member = (&'static Template, &'static Rule);

/// One pattern's templates, in the order they are tried.
struct Pattern {
    target: Target,
    members: Vec<Member>,
}

/// The patterns of one Schematron with each rule's Rust template, indexed by the local
/// name of the nodes their contexts can match (so a node is only tried against the rules
/// that may fire on it).
pub(crate) struct Plan {
    schematron: Schematron,
    index: HashMap<String, Vec<Pattern>>,
    wildcard: Vec<Pattern>,
}

/// The local names of the nodes a context pattern can match: the last step of each branch
/// of the union, predicates removed (`*` for a wildcard). With `attribute`, the element
/// owning the attribute step instead, for the branches that end in an attribute.
fn context_names(context: &str, attribute: bool) -> Vec<String> {
    let mut depth = 0usize;
    let mut plain = String::with_capacity(context.len());
    for c in context.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if depth == 0 && !c.is_whitespace() => plain.push(c),
            _ => {}
        }
    }
    let mut names = Vec::new();
    for branch in plain.split('|') {
        let steps: Vec<&str> = branch.split('/').filter(|s| !s.is_empty()).collect();
        let Some((last, before)) = steps.split_last() else {
            continue;
        };
        let step = if last.starts_with('@') {
            if !attribute {
                continue;
            }
            match before.last() {
                Some(owner) => *owner,
                None => continue,
            }
        } else {
            if attribute {
                continue;
            }
            last
        };
        let local = step.rsplit(':').next().unwrap_or(step);
        if !names.iter().any(|n| n == local) {
            names.push(local.to_owned());
        }
    }
    names
}

impl Plan {
    /// Builds the plan; a table rule without a Rust template is an error (its context would
    /// be unknown, and so would what it shadows).
    pub fn new(table: &'static RuleTable, schematron: Schematron) -> Result<Self, String> {
        let mut patterns: Vec<(String, Target, Vec<Member>)> = Vec::new();
        for rule in table.rules.iter().filter(|r| r.schematron == schematron) {
            let template = templates()
                .find(|t| t.schematron == schematron && t.order == rule.order)
                .ok_or_else(|| {
                    format!(
                        "no template for {} rule {} ({})",
                        schematron.name(),
                        rule.order,
                        rule.context
                    )
                })?;
            let mut targets = vec![Target::Element];
            if template.matches_currency_attribute.is_some() {
                targets.push(Target::CurrencyAttribute);
            }
            for target in targets {
                match patterns
                    .iter_mut()
                    .find(|(p, t, _)| *p == rule.pattern && *t == target)
                {
                    Some((_, _, members)) => members.push((template, rule)),
                    None => patterns.push((rule.pattern.clone(), target, vec![(template, rule)])),
                }
            }
        }
        let mut index: HashMap<String, Vec<Pattern>> = HashMap::new();
        for (_, target, mut members) in patterns {
            members.sort_by_key(|m| std::cmp::Reverse((m.1.priority, m.1.order)));
            let mut names: Vec<String> = Vec::new();
            for (_, rule) in &members {
                for name in context_names(&rule.context, target == Target::CurrencyAttribute) {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
            for name in names {
                let for_name: Vec<Member> = members
                    .iter()
                    .filter(|(_, r)| {
                        let own = context_names(&r.context, target == Target::CurrencyAttribute);
                        own.contains(&name) || own.iter().any(|n| n == "*")
                    })
                    .copied()
                    .collect();
                index.entry(name).or_default().push(Pattern {
                    target,
                    members: for_name,
                });
            }
        }
        let wildcard = index.remove("*").unwrap_or_default();
        Ok(Self {
            schematron,
            index,
            wildcard,
        })
    }

    /// Runs the Schematron on a document; `Err` when it stops with a dynamic error.
    pub fn run(
        &self,
        root: Node<'_, '_>,
        today: (i32, u32, u32),
    ) -> Result<Vec<&'static Assertion>, DynamicError> {
        let mut fired = Vec::new();
        let mut cache = DocumentCache::default();
        for node in root.descendants().filter(Node::is_element) {
            let named = self.index.get(node.tag_name().name());
            for pattern in named.into_iter().flatten().chain(&self.wildcard) {
                if pattern.target == Target::CurrencyAttribute
                    && node.attribute("currencyID").is_none()
                {
                    continue;
                }
                let on_attribute = pattern.target == Target::CurrencyAttribute;
                let Some((template, rule)) = pattern.members.iter().find(|(t, _)| {
                    if on_attribute {
                        t.matches_currency_attribute.is_some_and(|m| m(node))
                    } else {
                        (t.matches)(node, &mut cache)
                    }
                }) else {
                    continue;
                };
                let mut cx = Cx {
                    root,
                    today,
                    on_currency_attribute: on_attribute,
                    rule,
                    fired: &mut fired,
                    cache: &mut cache,
                };
                (template.check)(&mut cx, node)?;
            }
        }
        Ok(fired)
    }

    /// The Schematron this plan runs.
    pub fn schematron(&self) -> Schematron {
        self.schematron
    }
}

/// A template's check for rules not implemented yet.
pub(crate) fn nothing(_: &mut Cx<'_, '_>, _: Node<'_, '_>) -> Xr<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_names_are_the_last_steps() {
        assert_eq!(
            context_names("/ubl:Invoice | /cn:CreditNote", false),
            ["Invoice", "CreditNote"]
        );
        assert_eq!(
            context_names("cac:A[cbc:B = 'x/y'] / cac:C[d|e]", false),
            ["C"]
        );
        assert_eq!(
            context_names("cbc:X | cac:Y/cbc:Z/@currencyID", true),
            ["Z"]
        );
        assert_eq!(
            context_names("cbc:X | cac:Y/cbc:Z/@currencyID", false),
            ["X"]
        );
    }

    #[test]
    fn every_table_rule_has_a_template_and_every_template_a_rule() {
        let table = RuleTable::r3_3_3();
        for schematron in [Schematron::En16931, Schematron::Ksa] {
            assert!(Plan::new(table, schematron).is_ok());
        }
        for t in templates() {
            let rule = table.rule(t.schematron, t.order);
            assert!(rule.is_some(), "template {} has no rule", t.order);
            let ids: Vec<&str> = rule
                .map(|r| r.asserts.iter().map(|a| a.id.as_str()).collect())
                .unwrap_or_default();
            for id in t.implemented {
                assert!(
                    ids.contains(id),
                    "{id} is not an assertion of rule {}",
                    t.order
                );
            }
        }
        assert_eq!(table.rules.len(), templates().count());
        assert_eq!(table.ids().len(), 227);
    }
}
