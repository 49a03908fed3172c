//! Acceptance tests of the many-file forms of `zatca invoice sign --out-dir`,
//! `zatca invoice hash` and `zatca invoice verify`: the same results as one
//! file at a time, in argument order, every file handled even when some fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{arg, json, stderr, stdout, testdata, zatca};

const KEY: &str = "keys/sdk-r3.3.3-priv-key.b64";
const CERT: &str = "keys/sdk-r3.3.3-cert.b64";
const TIME: &str = "2024-01-14T10:26:49";
const SAMPLES: [&str; 4] = [
    "invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml",
    "invoices/sdk-r3.3.3/Standard/Invoice/Standard_Invoice.xml",
    "invoices/sdk-r3.3.3/Simplified/Credit/Simplified_Credit_Note.xml",
    "invoices/sdk-r3.3.3/Standard/Debit/Standard_Debit_Note.xml",
];

/// `zatca invoice sign FILES --key --cert --time --out-dir OUT_DIR EXTRA`.
fn sign_batch(files: &[String], out_dir: &Path, extra: &[&str]) -> std::process::Output {
    let (key, cert) = (testdata(KEY), testdata(CERT));
    let mut args = vec!["invoice", "sign"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--key", &key, "--cert", &cert, "--time", TIME]);
    args.extend(["--out-dir", arg(out_dir)]);
    args.extend_from_slice(extra);
    zatca(&args)
}

fn samples() -> Vec<String> {
    SAMPLES.iter().map(|s| testdata(s)).collect()
}

fn out_path(dir: &Path, input: &str) -> PathBuf {
    dir.join(Path::new(input).file_name().unwrap())
}

#[test]
fn batch_signing_writes_what_one_file_at_a_time_writes() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    std::fs::create_dir(&batch).unwrap();
    let files = samples();
    let o = sign_batch(&files, &batch, &["--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), files.len(), "{lines:?}");

    for (file, line) in files.iter().zip(&lines) {
        let single = dir.path().join("single.xml");
        let o = zatca(&[
            "invoice",
            "sign",
            file,
            "--key",
            &testdata(KEY),
            "--cert",
            &testdata(CERT),
            "--time",
            TIME,
            "--out",
            arg(&single),
            "--force",
            "--json",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let body = json(&o);
        let written = out_path(&batch, file);
        // RFC 6979 signatures: the same document byte for byte.
        assert_eq!(
            std::fs::read(&written).unwrap(),
            std::fs::read(&single).unwrap(),
            "{file}"
        );
        // In argument order: hash, UUID, where it was written.
        let expected = format!(
            "{}  {}  {}",
            body["invoiceHash"].as_str().unwrap(),
            body["uuid"].as_str().unwrap(),
            written.display()
        );
        assert_eq!(line, &expected);
    }
}

#[test]
fn batch_hash_and_verify_agree_with_single_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = samples();
    let o = sign_batch(&files, dir.path(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let signed: Vec<String> = files
        .iter()
        .map(|f| arg(&out_path(dir.path(), f)).to_owned())
        .collect();

    let mut args = vec!["invoice", "hash", "--jobs", "3"];
    args.extend(signed.iter().map(String::as_str));
    let o = zatca(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
    for (file, line) in signed.iter().zip(&lines) {
        let one = zatca(&["invoice", "hash", file]);
        assert_eq!(line, &format!("{}  {file}", stdout(&one).trim()));
    }
    args.push("--json");
    let o = zatca(&args);
    let entries = json(&o);
    assert_eq!(entries.as_array().unwrap().len(), signed.len());
    for (file, entry) in signed.iter().zip(entries.as_array().unwrap()) {
        let one = json(&zatca(&["invoice", "hash", file, "--json"]));
        assert_eq!(entry["file"], file.as_str());
        assert_eq!(entry["invoice_hash"], one["invoice_hash"]);
        assert_eq!(entry["icv"], one["icv"]);
    }

    let mut args = vec!["invoice", "verify"];
    args.extend(signed.iter().map(String::as_str));
    let o = zatca(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected: Vec<String> = signed.iter().map(|f| format!("valid: {f}")).collect();
    assert_eq!(stdout(&o).lines().collect::<Vec<_>>(), expected);
}

#[test]
fn every_file_is_handled_and_the_first_failure_sets_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let not_invoice = dir.path().join("not-invoice.xml");
    std::fs::write(&not_invoice, "<x/>").unwrap();
    let mut files = samples();
    files.insert(1, arg(&not_invoice).to_owned());
    let o = sign_batch(&files, &out, &["--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("not-invoice.xml"), "{}", stderr(&o));
    let entries = json(&o);
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), files.len());
    assert_eq!(entries[1]["code"], 1);
    assert!(
        entries[1]["error"]
            .as_str()
            .unwrap()
            .contains("document element")
    );
    for (i, file) in files.iter().enumerate().filter(|&(i, _)| i != 1) {
        assert!(out_path(&out, file).is_file(), "{file}");
        assert!(entries[i]["invoiceHash"].is_string(), "{}", entries[i]);
    }
    assert!(!out.join("not-invoice.xml").exists());

    // A tampered document among valid ones: exit 3, its problems named by file.
    let tampered = dir.path().join("tampered.xml");
    let signed = std::fs::read_to_string(out_path(&out, &files[0])).unwrap();
    std::fs::write(
        &tampered,
        signed.replace("<cbc:Name>قلم</cbc:Name>", "<cbc:Name>pen</cbc:Name>"),
    )
    .unwrap();
    let first = out_path(&out, &files[0]);
    let o = zatca(&["invoice", "verify", arg(&first), arg(&tampered)]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), format!("valid: {}", first.display()));
    assert!(
        stderr(&o)
            .lines()
            .all(|l| l.starts_with(&format!("error: {}: ", tampered.display()))),
        "{}",
        stderr(&o)
    );
}

#[test]
fn existing_outputs_are_kept_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let files = samples();
    let existing = out_path(dir.path(), &files[2]);
    std::fs::write(&existing, "keep me").unwrap();
    let o = sign_batch(&files, dir.path(), &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");
    assert_eq!(stdout(&o).lines().count(), files.len() - 1);
    let o = sign_batch(&files, dir.path(), &["--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(std::fs::read_to_string(&existing).unwrap(), "keep me");
}

#[test]
fn refused_before_anything_is_signed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let files = samples();

    // Two inputs of the same file name would overwrite each other.
    let copy = dir.path().join("Simplified_Invoice.xml");
    std::fs::copy(&files[0], &copy).unwrap();
    let same_name = vec![files[0].clone(), arg(&copy).to_owned()];
    let o = sign_batch(&same_name, &out, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("file name"), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);

    // --out-dir must be a directory.
    let o = sign_batch(&files, &copy, &[]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a directory"), "{}", stderr(&o));

    // Several files need --out-dir.
    let o = zatca(&[
        "invoice",
        "sign",
        &files[0],
        &files[1],
        "--key",
        &testdata(KEY),
        "--cert",
        &testdata(CERT),
        "--out",
        arg(&dir.path().join("one.xml")),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--out-dir"), "{}", stderr(&o));

    // The chained --device signing takes one document at a time.
    let o = zatca(&[
        "invoice",
        "sign",
        &files[0],
        "--device",
        "egs-1",
        "--out-dir",
        arg(&out),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = zatca(&[
        "invoice",
        "sign",
        &files[0],
        &files[1],
        "--device",
        "egs-1",
        "--out",
        arg(&dir.path().join("one.xml")),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}
