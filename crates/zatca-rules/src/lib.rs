//! ZATCA's invoice rules, natively: the checks ZATCA's compliance endpoint and the official
//! SDK's `fatoora -validate` run on a UBL invoice, credit note or debit note, with their
//! official ids, flags and texts.
//!
//! # What ZATCA checks
//!
//! ZATCA judges a document in stages: the UBL 2.1 schema (`XSD_ZATCA_VALID` /
//! `XSD_ZATCA_INVALID`), the EN 16931 Schematron as ZATCA adapted it (`BR-…`, `BR-CO-…`,
//! `BR-DEC-…`, `BR-CL-…`), the KSA Schematron (`BR-KSA-…`), then signature, QR and
//! certificate. A failed assertion flagged `error` (or `fatal`) refuses the document; one
//! flagged `warning` lets it pass with a warning. SDK R3.3.3 ships both Schematrons compiled
//! to XSLT 2.0; they hold 227 distinct rule ids in 86 rules (a rule is a context and its
//! assertions). The files are the reference: this crate's tests compare its verdicts with
//! the ones the files give under Saxon on every corpus document (`testdata/rules/`): the
//! schema verdict, and the error and warning ids of every implemented rule.
//!
//! # The rule table is data
//!
//! `data/extract.py` extracts from the two XSLTs every rule (its Schematron, pattern,
//! priority, position, context) and every assertion (id, flag, message, category, the code
//! lists it tests, and the XSLT control flow that emits it) into `data/r3.3.3.json`, which is
//! embedded ([`RuleTable::r3_3_3`]). Every message and code list comes from there; a later
//! rule release is a new table beside it (see [`Profile`]). Likewise `data/extract_schema.py`
//! extracts the UBL 2.1 Invoice schema's content models and value types from ZATCA's XSDs
//! (the XML Signature and XAdES schemas of the signature included) into
//! `data/ubl-2.1-invoice.json` for the schema stage (the `schema` module says what it checks).
//!
//! # Design: rules in Rust on the extracted table
//!
//! Two designs were open: evaluate the Schematrons' assertions from the rule files with a
//! Rust XPath engine, or write each rule in Rust. Measured on this machine (release build,
//! `xee-xpath` 0.1.5, SDK R3.3.3 `Simplified_Invoice.xml`): loading the document into its
//! tree takes 0.62 ms; one assertion takes 22 µs (a code-list test on one path), 38 µs (a
//! decimal sum), 0.9 ms (`every $line in //cac:InvoiceLine satisfies …`) or 1.0 ms (a
//! `matches()` on the UUID). The two files hold 238 assertions, many of them `//` paths and
//! regexes, evaluated per context node: tens of milliseconds per document, against a
//! target of 1 ms. And it is not enough anyway: ZATCA edited the compiled XSLTs by hand, so
//! for several assertions the `test` attribute is not what decides the failure:
//! `xsl:choose`, `xsl:for-each` and variables around the assertion do (BR-KSA-17, -56,
//! -73, -79, -82, BR-CO-12, -13, -17…).
//! Running them from the files means writing an XSLT interpreter. Hand-written checks on
//! `roxmltree` (already in the workspace) validate the same sample in tens of microseconds
//! (see the `rules` Criterion bench). So each rule is written in Rust from the table's
//! `guard` (the XSLT control flow), with the XPath 2.0 semantics it relies on made explicit
//! (`xpath`: untyped casts, general comparisons, code-list idiom, XPath regexes), and the
//! Schematron's firing semantics reproduced exactly (`engine`: per pattern, the matching
//! rule of highest priority fires, the last one declared on a tie).
//!
//! Rules not implemented yet are listed by [`Coverage`], never skipped silently: their
//! contexts are still matched (so they shadow other rules as in the files), only their
//! assertions are not evaluated.
//!
//! Speed (Criterion, `benches/benches/rules.rs`, on a 2-core machine shared with other
//! builds, all 227 rules): the SDK simplified sample in 0.66 ms, schema stage and both
//! Schematrons included; a 200-line invoice in 11.7 ms. The cost grows linearly with the
//! document: rules are
//! indexed by the local name their context can match, and document-wide values are computed
//! once per document.
//!
//! # Coverage of R3.3.3
//!
//! All 227 rule ids are implemented, each checked against the official verdicts of the
//! corpus (`testdata/rules/`, 313 documents: every id but three fails on at least one).
//! The three: BR-45 and BR-46 (a VAT breakdown without taxable or VAT amount) can never be
//! reported, since BR-CO-17's typed variables then stop the EN 16931 transformation (the
//! engine stops too); BR-KSA-F-02 can only stop the KSA transformation (its test casts the
//! value; a castable value passes). None is inapplicable. Saxon's decimal division (18
//! places, halves down) is reproduced for BR-KSA-EN16931-11's price per base quantity.
//!
//! Three behaviours are Saxon's and were pinned with the official files: `xs:decimal` of an
//! `xs:double` is the double's exact binary value (BR-CO-13); `format-number(…, '#.00')` of
//! a double rounds its shortest decimal form half to even (BR-KSA-51, -79, -80,
//! BR-KSA-EN16931-03); and the `as="xs:float"` variables of BR-CO-17 and BR-S-09 compute in
//! single precision and are all evaluated as declared, so an empty or non-numeric amount or
//! rate stops the EN 16931 transformation.
//!
//! # Later rule releases
//!
//! ZATCA's SDK R3.4.8 and its live API add about 20 ids (BR-KSA-92 to -99, BR-KSA-CL-07,
//! BR-KSA-F-07 to -F-13, BR-KSA-F-C-01, BR-KSA-F-06-C39/C40, BR-S-01; BR-KSA-98 is the
//! 24-hour warning for simplified invoices) and drop BR-10 and BR-KSA-86. No R3.4.8 rule
//! file was available to this crate, so only [`Profile::R3_3_3`] exists. A later profile
//! needs: its two compiled Schematrons (extracted by `data/extract.py` into a new table),
//! a template for each new or changed rule, and the corpus recorded again with an oracle
//! running those files.
//!
//! # Dynamic errors
//!
//! Where an assertion meets a value it cannot cast (`xs:decimal('1,5')`, `'yes' = true()`)
//! or a repeated element it reads as one, Saxon stops the whole transformation: the
//! official validator then has no report for that Schematron. The crate reports this as
//! one error `EN16931-NOT-RUN` / `KSA-NOT-RUN` ([`Finding`]) instead of guessing.
//!
//! # Dependencies
//!
//! `roxmltree`: the XML tree the workspace already reads invoices with. `serde`,
//! `serde_json`: the embedded rule table. `regex`: the XPath regular expressions of the
//! rules (`matches()`), including the ones whose pattern is a document value
//! (`matches(DocumentCurrencyCode, @currencyID)`), with Unicode classes for XPath's `\w`.
//! `zatca-ubl`: the signature, QR and certificate stage. `zatca-fatoora`: ZATCA's
//! `validationResults` wire type. `zatca-types`: the time type.
#![forbid(unsafe_code)]
// No panic reachable from outside input, which is untrusted (invoice XML):
// these are denied outside tests;
// any exception carries an `#[allow]` with its justification.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

mod decimal;
mod en16931;
mod engine;
mod ksa;
mod report;
mod schema;
mod table;
mod xpath;

use std::collections::BTreeSet;
use std::sync::OnceLock;

pub use report::{Finding, Report, Stage, Status};
pub use table::{Assertion, Flag, Rule, RuleTable, Schematron, Variable};
use zatca_types::UnixTime;

/// A versioned rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// The rule files of ZATCA's SDK R3.3.3 (227 rule ids).
    #[default]
    R3_3_3,
}

impl Profile {
    /// The profile's name, as `--rules` takes it (`r3.3.3`).
    pub fn name(self) -> &'static str {
        match self {
            Self::R3_3_3 => "r3.3.3",
        }
    }

    /// The profile named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        (name == "r3.3.3").then_some(Self::R3_3_3)
    }

    /// The profile's rule table.
    pub fn table(self) -> &'static RuleTable {
        match self {
            Self::R3_3_3 => RuleTable::r3_3_3(),
        }
    }
}

/// How to validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The rule set.
    pub profile: Profile,
    /// The time of validation: `current-date()` of the rules is its UTC date (BR-KSA-04
    /// refuses an issue date after it).
    pub now: UnixTime,
    /// Whether to run the signature, QR and certificate stage (`zatca_ubl::check_invoice`):
    /// ZATCA does for signed documents; unsigned drafts fail it.
    pub check_signature: bool,
}

impl Options {
    /// The R3.3.3 rules at `now`, without the signature stage.
    pub fn at(now: UnixTime) -> Self {
        Self {
            profile: Profile::R3_3_3,
            now,
            check_signature: false,
        }
    }
}

/// Which of a profile's rule ids the engine evaluates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// Ids whose every assertion is implemented.
    pub implemented: BTreeSet<&'static str>,
    /// Ids with at least one assertion not implemented yet.
    pub not_implemented: BTreeSet<&'static str>,
}

impl Coverage {
    /// The coverage of `profile`.
    pub fn of(profile: Profile) -> Self {
        let table = profile.table();
        let mut implemented = BTreeSet::new();
        let mut not_implemented = BTreeSet::new();
        for rule in &table.rules {
            let template = engine::templates()
                .find(|t| t.schematron == rule.schematron && t.order == rule.order);
            for a in &rule.asserts {
                if template.is_some_and(|t| t.implemented.contains(&a.id.as_str())) {
                    implemented.insert(a.id.as_str());
                } else {
                    not_implemented.insert(a.id.as_str());
                }
            }
        }
        implemented.retain(|id| !not_implemented.contains(id));
        Self {
            implemented,
            not_implemented,
        }
    }
}

struct Engine {
    en16931: engine::Plan,
    ksa: engine::Plan,
}

fn engine() -> Result<&'static Engine, &'static str> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let table = RuleTable::r3_3_3();
            if table.rules.is_empty() {
                return Err("the embedded R3.3.3 rule table does not load".to_owned());
            }
            Ok(Engine {
                en16931: engine::Plan::new(table, Schematron::En16931)?,
                ksa: engine::Plan::new(table, Schematron::Ksa)?,
            })
        })
        .as_ref()
        .map_err(String::as_str)
}

/// The UTC calendar date of `now`.
fn utc_date(now: UnixTime) -> (i32, u32, u32) {
    now.to_date_time().map_or((9999, 12, 31), |dt| {
        (
            i32::from(dt.year()),
            u32::from(dt.month()),
            u32::from(dt.day()),
        )
    })
}

/// Validates one document with every stage of `options`.
///
/// ```
/// use zatca_rules::{Options, Status, validate};
/// use zatca_types::UnixTime;
/// let xml = std::fs::read(concat!(
///     env!("CARGO_MANIFEST_DIR"),
///     "/../../testdata/invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml"
/// ))?;
/// let now = UnixTime::parse_rfc3339("2026-12-01T00:00:00Z").unwrap_or_default();
/// let report = validate(&xml, &Options::at(now));
/// assert_eq!(report.status(), Status::Pass);
///
/// let future = String::from_utf8(xml)?.replace(
///     "<cbc:IssueDate>2022-08-17</cbc:IssueDate>",
///     "<cbc:IssueDate>2099-08-17</cbc:IssueDate>",
/// );
/// let report = validate(future.as_bytes(), &Options::at(now));
/// assert!(report.error_codes().contains("BR-KSA-04"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn validate(xml: &[u8], options: &Options) -> Report {
    let mut report = Report::default();
    let doc = match schema::parse(xml) {
        Ok(doc) => doc,
        Err(finding) => {
            report.push(finding);
            return report;
        }
    };
    for finding in schema::check(&doc) {
        report.push(finding);
    }
    let engine = match engine() {
        Ok(e) => e,
        Err(problem) => {
            report.push(Finding {
                stage: Stage::En16931,
                code: "RULES-UNAVAILABLE".into(),
                flag: Flag::Error,
                category: "rule table".into(),
                message: problem.into(),
            });
            return report;
        }
    };
    let today = utc_date(options.now);
    for (plan, stage) in [(&engine.en16931, Stage::En16931), (&engine.ksa, Stage::Ksa)] {
        match plan.run(doc.root_element(), today) {
            Ok(fired) => {
                for a in fired {
                    report.push(Finding {
                        stage,
                        code: a.id.clone(),
                        flag: a.severity(),
                        category: a.category.clone(),
                        message: a.message.clone(),
                    });
                }
            }
            Err(_) => report.push(Finding::not_run(stage, plan.schematron().name())),
        }
    }
    if options.check_signature
        && let Err(problems) = zatca_ubl::check_invoice(xml)
    {
        for problem in problems {
            report.push(schema::signature_finding(&problem));
        }
    }
    report
}
