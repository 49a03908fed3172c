//! The rule table: every Schematron rule and assertion of a rule profile, as extracted from
//! ZATCA's own rule files by `data/extract.py` (the one home of each rule's id, flag and text).

use std::sync::OnceLock;

use serde::Deserialize;

/// Which of ZATCA's two Schematrons a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum Schematron {
    /// The EN 16931 rules as ZATCA adapted them (`CEN-EN16931-UBL.xsl`): `BR-…`, `BR-CO-…`,
    /// `BR-DEC-…`, `BR-CL-…` and a few `BR-KSA-F-06-…`.
    #[serde(rename = "EN16931")]
    En16931,
    /// The KSA rules (`20210819_ZATCA_E-invoice_Validation_Rules.xsl`): `BR-KSA-…`.
    #[serde(rename = "KSA")]
    Ksa,
}

impl Schematron {
    /// The name the official validator's report uses.
    pub fn name(self) -> &'static str {
        match self {
            Self::En16931 => "EN16931",
            Self::Ksa => "KSA",
        }
    }
}

/// How a failed assertion counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    /// The document is refused (`error` and `fatal` in the rule files).
    Error,
    /// The document passes with a warning.
    Warning,
}

/// One assertion of a rule, verbatim from the rule file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Assertion {
    /// The rule id, e.g. `BR-KSA-04`.
    pub id: String,
    /// `error`, `fatal` or `warning`.
    pub flag: String,
    /// The assertion's `test` attribute as written (descriptive: see [`Self::guard`]).
    pub test: String,
    /// The XSLT control flow that emits the failed assertion (`if(…)`, `when(…)`,
    /// `otherwise(…)`, `for-each(…)`, outermost first). ZATCA edited the compiled files by
    /// hand: this, not [`Self::test`], decides when the assertion fails.
    pub guard: String,
    /// The code lists the guard tests membership in (`' A B C '` literals), in order.
    pub code_lists: Vec<String>,
    /// The message text.
    pub message: String,
    /// The message category, e.g. `KSA - business rules (BR-KSA)`.
    pub category: String,
}

impl Assertion {
    /// The flag as it counts.
    pub fn severity(&self) -> Flag {
        if self.flag == "warning" {
            Flag::Warning
        } else {
            Flag::Error
        }
    }
}

/// A Schematron rule: a context and its assertions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Rule {
    /// The Schematron it belongs to.
    pub schematron: Schematron,
    /// The pattern: on one node, only one rule of a pattern fires.
    pub pattern: String,
    /// The XSLT priority: the highest-priority matching rule of a pattern fires.
    pub priority: i32,
    /// The position of the rule's template in the XSLT: on equal priorities the last one fires.
    pub order: u16,
    /// The context (an XSLT match pattern).
    pub context: String,
    /// Variables the rule declares (name and expression).
    pub variables: Vec<Variable>,
    /// The assertions, in the order they are evaluated.
    pub asserts: Vec<Assertion>,
}

/// A variable a rule declares.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Variable {
    /// Its name.
    pub name: String,
    /// Its expression.
    pub select: String,
}

/// The rule table of one profile.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RuleTable {
    /// The profile name, e.g. `r3.3.3`.
    pub profile: String,
    /// Where the rules were extracted from.
    pub source: String,
    /// How many distinct rule ids the two Schematrons hold.
    pub rule_ids: usize,
    /// Every rule, in the rule files' order (EN 16931 first).
    pub rules: Vec<Rule>,
}

const R3_3_3_JSON: &str = include_str!("../data/r3.3.3.json");

impl RuleTable {
    /// SDK R3.3.3's table (parsed once).
    pub fn r3_3_3() -> &'static RuleTable {
        static TABLE: OnceLock<RuleTable> = OnceLock::new();
        TABLE.get_or_init(|| {
            // The embedded file is generated and checked by this crate's tests: it parses.
            serde_json::from_str(R3_3_3_JSON).unwrap_or_else(|_| RuleTable {
                profile: "r3.3.3".into(),
                source: String::new(),
                rule_ids: 0,
                rules: Vec::new(),
            })
        })
    }

    /// The rule whose template is at `order` in `schematron`'s file.
    pub fn rule(&self, schematron: Schematron, order: u16) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.schematron == schematron && r.order == order)
    }

    /// Every distinct rule id, sorted.
    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self
            .rules
            .iter()
            .flat_map(|r| r.asserts.iter().map(|a| a.id.as_str()))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The first assertion with this id (its flag, message and category).
    pub fn assertion(&self, id: &str) -> Option<&Assertion> {
        self.rules
            .iter()
            .flat_map(|r| r.asserts.iter())
            .find(|a| a.id == id)
    }
}
