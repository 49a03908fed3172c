//! Schematron semantics, as the compiled XSLTs run them under Saxon: every element (and, for
//! the one rule whose context is an attribute, every attribute) is visited in document
//! order; in each pattern, the matching rule of highest priority fires (on a tie, the one
//! declared last); a fired rule's assertions are evaluated with the node as context. A
//! dynamic error in a context pattern is a non-match; one in an assertion stops the whole
//! transformation (no report: see [`crate::Finding::not_run`]).

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
    pub matches: fn(Node<'_, '_>) -> bool,
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

/// The patterns of one Schematron with each rule's Rust template.
pub(crate) struct Plan {
    schematron: Schematron,
    patterns: Vec<Pattern>,
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
        let patterns = patterns
            .into_iter()
            .map(|(_, target, mut members)| {
                members.sort_by_key(|m| std::cmp::Reverse((m.1.priority, m.1.order)));
                Pattern { target, members }
            })
            .collect();
        Ok(Self {
            schematron,
            patterns,
        })
    }

    /// Runs the Schematron on a document; `Err` when it stops with a dynamic error.
    pub fn run(
        &self,
        root: Node<'_, '_>,
        today: (i32, u32, u32),
    ) -> Result<Vec<&'static Assertion>, DynamicError> {
        let mut fired = Vec::new();
        for node in root.descendants().filter(Node::is_element) {
            for pattern in &self.patterns {
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
                        (t.matches)(node)
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
