//! What validation found, and ZATCA's `validationResults` shape for it.

use std::collections::BTreeSet;

use zatca_fatoora::{ValidationMessage, ValidationResults};

use crate::table::Flag;

/// The stage a finding comes from, in the order ZATCA runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// XML well-formedness and the UBL 2.1 schema.
    Schema,
    /// The EN 16931 Schematron.
    En16931,
    /// The KSA Schematron.
    Ksa,
    /// Signature, QR and certificate (`zatca_ubl::check_invoice`).
    Signature,
}

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Where it comes from.
    pub stage: Stage,
    /// ZATCA's code: the rule id (`BR-KSA-04`), `XSD_ZATCA_INVALID`, or a signature code.
    pub code: String,
    /// Error or warning.
    pub flag: Flag,
    /// The category (the rule file's message category for Schematron rules).
    pub category: String,
    /// The message (the rule file's text for Schematron rules).
    pub message: String,
}

impl Finding {
    /// The error for a document whose previous invoice hash is not the
    /// expected one (`found`: the PIH it carries, if any). The code,
    /// `invalid-pih`, is this toolkit's: ZATCA's SDK takes the PIH from its
    /// configuration and its API checks it when reporting.
    pub fn pih_mismatch(found: Option<&str>, expected: &str) -> Self {
        Self {
            stage: Stage::Signature,
            code: "invalid-pih".into(),
            flag: Flag::Error,
            category: "INVOICE_HASHING_ERRORS".into(),
            message: match found {
                Some(found) => format!(
                    "The previous invoice hash (PIH) is {found}, the previous document's hash is {expected}"
                ),
                None => format!(
                    "The document carries no previous invoice hash (PIH); the previous document's hash is {expected}"
                ),
            },
        }
    }

    /// A signature, certificate or QR problem as ZATCA reports it (its code
    /// and category, the verifier's message).
    pub fn of_signature_problem(problem: &zatca_ubl::UblError) -> Self {
        crate::schema::signature_finding(problem)
    }

    /// The finding for a Schematron that stopped with a dynamic error (Saxon aborts the
    /// transformation and reports nothing: the document cannot be judged by that stage). Its
    /// code is `EN16931-NOT-RUN` or `KSA-NOT-RUN`.
    pub(crate) fn not_run(stage: Stage, name: &str) -> Self {
        Self {
            stage,
            code: format!("{name}-NOT-RUN"),
            flag: Flag::Error,
            category: format!("{name} validation"),
            message: format!(
                "The {name} rules stop with a dynamic error on this document (a value that does \
                 not cast to the type a rule needs, or a repeated element a rule reads as one)"
            ),
        }
    }
}

/// The overall result, as ZATCA's `validationResults.status` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// No error and no warning.
    Pass,
    /// Warnings only: the document is accepted.
    Warning,
    /// At least one error: the document is refused.
    Error,
}

impl Status {
    /// `PASS`, `WARNING` or `ERROR`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Warning => "WARNING",
            Self::Error => "ERROR",
        }
    }
}

/// Everything validation found in one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The findings, stage by stage, each (stage, code, message) once.
    pub findings: Vec<Finding>,
}

/// ZATCA's message when the schema stage passes.
const XSD_VALID: (&str, &str) = (
    "XSD_ZATCA_VALID",
    "Complied with UBL 2.1 standards in line with ZATCA specifications",
);

impl Report {
    pub(crate) fn push(&mut self, finding: Finding) {
        if !self.findings.iter().any(|f| {
            f.stage == finding.stage && f.code == finding.code && f.message == finding.message
        }) {
            self.findings.push(finding);
        }
    }

    /// The overall status.
    pub fn status(&self) -> Status {
        if self.findings.iter().any(|f| f.flag == Flag::Error) {
            Status::Error
        } else if self.findings.is_empty() {
            Status::Pass
        } else {
            Status::Warning
        }
    }

    /// The codes of the errors (sorted, each once).
    pub fn error_codes(&self) -> BTreeSet<&str> {
        self.codes(Flag::Error)
    }

    /// The codes of the warnings (sorted, each once).
    pub fn warning_codes(&self) -> BTreeSet<&str> {
        self.codes(Flag::Warning)
    }

    fn codes(&self, flag: Flag) -> BTreeSet<&str> {
        self.findings
            .iter()
            .filter(|f| f.flag == flag)
            .map(|f| f.code.as_str())
            .collect()
    }

    /// ZATCA's `validationResults`: the schema verdict as an info message when the schema
    /// passes, then warnings and errors, each `{type, code, category, message, status}`.
    /// The categories are the API's (`XSD validation`, `EN_16931`, `KSA`, and the signature
    /// stage's own); the messages are the rule files' texts.
    pub fn to_validation_results(&self) -> ValidationResults {
        let message = |kind: &str, code: &str, category: &str, text: &str| ValidationMessage {
            kind: Some(kind.into()),
            code: Some(code.into()),
            category: Some(category.into()),
            message: Some(text.into()),
            status: Some(if kind == "INFO" { "PASS" } else { kind }.into()),
        };
        let schema_failed = self.findings.iter().any(|f| f.stage == Stage::Schema);
        let info_messages = if schema_failed {
            Vec::new()
        } else {
            vec![message("INFO", XSD_VALID.0, "XSD validation", XSD_VALID.1)]
        };
        // ZATCA's API names the Schematron stages `EN_16931` and `KSA`.
        let category = |f: &Finding| match f.stage {
            Stage::En16931 => "EN_16931".to_owned(),
            Stage::Ksa => "KSA".to_owned(),
            Stage::Schema | Stage::Signature => f.category.clone(),
        };
        let pick = |flag: Flag, kind: &str| {
            self.findings
                .iter()
                .filter(|f| f.flag == flag)
                .map(|f| message(kind, &f.code, &category(f), &f.message))
                .collect()
        };
        ValidationResults {
            info_messages,
            warning_messages: pick(Flag::Warning, "WARNING"),
            error_messages: pick(Flag::Error, "ERROR"),
            status: self.status().as_str().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(stage: Stage, code: &str, flag: Flag) -> Finding {
        Finding {
            stage,
            code: code.into(),
            flag,
            category: "rule file category".into(),
            message: format!("[{code}]-text"),
        }
    }

    #[test]
    fn validation_results_have_zatca_s_shape() {
        let mut report = Report::default();
        assert_eq!(report.to_validation_results().status, "PASS");
        report.push(finding(Stage::Ksa, "BR-KSA-08", Flag::Warning));
        report.push(finding(Stage::Ksa, "BR-KSA-08", Flag::Warning));
        let results = report.to_validation_results();
        assert_eq!(results.status, "WARNING");
        assert_eq!(results.warning_messages.len(), 1);
        assert_eq!(results.warning_messages[0].category.as_deref(), Some("KSA"));
        assert_eq!(
            results.info_messages[0].code.as_deref(),
            Some("XSD_ZATCA_VALID")
        );
        report.push(finding(Stage::En16931, "BR-CO-15", Flag::Error));
        let results = report.to_validation_results();
        assert_eq!(results.status, "ERROR");
        assert_eq!(
            results.error_messages[0].category.as_deref(),
            Some("EN_16931")
        );
        assert_eq!(results.error_messages[0].status.as_deref(), Some("ERROR"));
        report.push(finding(Stage::Schema, "XSD_ZATCA_INVALID", Flag::Error));
        assert!(report.to_validation_results().info_messages.is_empty());
    }
}
