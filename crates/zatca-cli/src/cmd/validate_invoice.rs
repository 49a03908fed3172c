//! `zatca invoice validate FILE… [--json] [--pih BASE64] [--time RFC3339] [--rules r3.3.3]`:
//! ZATCA's own invoice rules, natively (`zatca-rules`): the UBL 2.1 schema, the
//! EN 16931 rules and the KSA rules of the SDK release named by `--rules`, then, for a
//! signed document, its signature, certificate values and QR; with `--pih`, the
//! document's previous invoice hash must be that one.
//!
//! One line per document: `PASS FILE`, `WARN FILE ID…` or `FAIL FILE ID…` (the rule ids
//! that fired, errors then warnings). `--json` prints ZATCA's `validationResults`
//! (`infoMessages`, `warningMessages`, `errorMessages`, each `{type, code, category,
//! message, status}`, and `status` `PASS`/`WARNING`/`ERROR`); for several files an
//! array of `{file, validationResults}`. Exit 0 when every document passes or only
//! warns, 3 when one fails, 1 or 4 when a file cannot be read.
//!
//! `--time` is the moment of validation (default now): BR-KSA-04 refuses an issue date
//! after its day. The PIH check is this toolkit's (ZATCA's SDK takes the PIH from its
//! configuration): a mismatch is the error `invalid-pih`.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use serde_json::json;
use zatca_rules::{Options, Profile, Report, Status};

use crate::exit::{CliError, Code};

/// Arguments of `zatca invoice validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// The invoices, credit notes or debit notes (UBL 2.1 XML, signed or not).
    #[arg(value_name = "FILE", required = true, num_args = 1..)]
    files: Vec<PathBuf>,
    /// Print ZATCA's validationResults JSON (an array of {file, validationResults} for several files).
    #[arg(long)]
    json: bool,
    /// The previous invoice hash each document must carry (base64).
    #[arg(long, value_name = "BASE64")]
    pih: Option<String>,
    /// The time of validation, UTC: `YYYY-MM-DDTHH:MM:SSZ`. Default: now.
    #[arg(long, value_name = "RFC3339")]
    time: Option<String>,
    /// The rule set: the SDK release whose rule files it implements.
    #[arg(long, value_name = "RELEASE", default_value = "r3.3.3")]
    rules: String,
    /// How many documents to validate at once (default: the cores).
    #[arg(long, value_name = "N")]
    jobs: Option<NonZeroUsize>,
}

/// What one file gave.
enum Outcome {
    Report(Report),
    Unreadable(CliError),
}

/// Runs `zatca invoice validate`.
pub fn run(args: &ValidateArgs) -> Result<(), CliError> {
    let profile = Profile::from_name(&args.rules).ok_or_else(|| {
        CliError::new(
            Code::Invalid,
            format!("--rules {:?}: the rule sets are r3.3.3", args.rules),
        )
    })?;
    let now = match &args.time {
        Some(text) => zatca_types::UnixTime::parse_rfc3339(text).ok_or_else(|| {
            CliError::new(
                Code::Invalid,
                format!("--time {text:?}: expected YYYY-MM-DDTHH:MM:SSZ"),
            )
        })?,
        None => super::device::now(),
    };
    let jobs = super::invoice::job_count(args.jobs);
    let outcomes =
        super::invoice::in_parallel(
            &args.files,
            jobs,
            |file| match super::invoice::read_invoice(file) {
                Err(e) => Outcome::Unreadable(e),
                Ok(xml) => Outcome::Report(validate(&xml, profile, now, args.pih.as_deref())),
            },
        );
    let mut first_failure: Option<Code> = None;
    let mut documents = Vec::new();
    for (file, outcome) in args.files.iter().zip(outcomes) {
        let report = match outcome {
            Outcome::Report(report) => report,
            Outcome::Unreadable(e) => {
                eprintln!("error: {}", e.message);
                first_failure.get_or_insert(e.code);
                continue;
            }
        };
        if report.status() == Status::Error {
            first_failure.get_or_insert(Code::CheckFailed);
        }
        if args.json {
            documents.push(json!({
                "file": file.display().to_string(),
                "validationResults": report.to_validation_results(),
            }));
        } else {
            let word = match report.status() {
                Status::Pass => "PASS",
                Status::Warning => "WARN",
                Status::Error => "FAIL",
            };
            let ids: Vec<&str> = report
                .error_codes()
                .into_iter()
                .chain(report.warning_codes())
                .collect();
            let name = file.display().to_string();
            let file = crate::term::escape(&name);
            if ids.is_empty() {
                println!("{word} {file}");
            } else {
                println!("{word} {file} {}", ids.join(" "));
            }
        }
    }
    if args.json {
        match documents.as_slice() {
            [one] => println!("{:#}", one["validationResults"]),
            _ => println!("{:#}", serde_json::Value::Array(documents)),
        }
    }
    match first_failure {
        Some(code) => Err(CliError::printed(code)),
        None => Ok(()),
    }
}

/// The report of one document: the rules, the signature stage when it is signed,
/// and the PIH when one is expected.
fn validate(xml: &[u8], profile: Profile, now: zatca_types::UnixTime, pih: Option<&str>) -> Report {
    let signed = zatca_ubl::Invoice::parse(xml).is_ok_and(|invoice| invoice.is_signed());
    let options = Options {
        profile,
        now,
        check_signature: signed,
    };
    let mut report = zatca_rules::validate(xml, &options);
    if let Some(expected) = pih {
        let found = zatca_ubl::Invoice::parse(xml)
            .ok()
            .and_then(|invoice| invoice.pih().ok().map(str::to_owned));
        if found.as_deref() != Some(expected.trim()) {
            report.findings.push(zatca_rules::Finding::pih_mismatch(
                found.as_deref(),
                expected.trim(),
            ));
        }
    }
    report
}
