//! `zatca serve` as the other provider's API: `POST /devices` (synchronous
//! registration; `Xml`/`Pdf` hand over the key and secret once, `Model`
//! never) in every environment, and the service-managed invoice chain of a
//! `Model` device: `POST /devices/{id}/invoices`, `GET …/invoices/{icv}`,
//! `Idempotency-Key`, 64 parallel signs, and `kill -9` while signing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use common::chain::{
    B64, Random, SAMPLES, VAT, assert_chain, database, error_codes_of, onboard, sign,
    sign_in_parallel, signed_xml,
};
use common::serve::{Server, add_user, call, device_body, post_raw, try_post_raw};
use common::{testdata, unsigned_sample, zatca};
use serde_json::{Value, json};

#[test]
fn post_devices_answers_as_seed_003_for_every_format_in_every_environment() {
    let mut otp = 233_500;
    for environment in ["Development", "Simulation", "Production"] {
        let dir = tempfile::tempdir().unwrap();
        let (db, token) = database(dir.path());
        let lower = environment.to_ascii_lowercase();
        let custom = environment == "Simulation";
        let mut args = vec!["--env", lower.as_str()];
        if custom {
            args.extend(["--egs-solution", "POS", "--egs-model", "7"]);
        }
        let server = Server::start(&db, &dir.path().join("log"), &args);
        let (solution, model) = if custom {
            ("POS", "7")
        } else {
            ("zatca", env!("CARGO_PKG_VERSION"))
        };
        let mut secrets = Vec::new();
        for format in ["Xml", "Pdf", "Model"] {
            otp += 1;
            let serial = format!("SN-{format}-1");
            let body = device_body(VAT, &serial, format, environment, &otp.to_string());
            let answer = onboard(&server, &token, &body);
            let id = answer["deviceId"].as_str().unwrap().to_owned();
            assert_eq!(answer["invoiceType"], "Both");
            assert_eq!(answer["errorList"], json!([]));

            let cert = zatca_cert::Certificate::from_binary_security_token(
                answer["csid"].as_str().unwrap(),
            )
            .unwrap();
            let csr_pem = B64.decode(answer["CSR"].as_str().unwrap()).unwrap();
            assert!(csr_pem.starts_with(b"-----BEGIN CERTIFICATE REQUEST-----"));
            let (csr, _) = zatca_csr::Csr::parse(&csr_pem).unwrap();
            assert_eq!(csr.public_key().unwrap(), *cert.public_key());

            if format == "Model" {
                assert!(
                    answer.get("privateKey").is_none() && answer.get("secret").is_none(),
                    "{answer}"
                );
            } else {
                let pem = answer["privateKey"].as_str().unwrap();
                assert!(
                    pem.starts_with("-----BEGIN EC PRIVATE KEY-----"),
                    "{format}"
                );
                let (key, _) = zatca_keys::PrivateKey::from_bytes(pem.as_bytes()).unwrap();
                assert_eq!(key.public_key(), *cert.public_key(), "{format}");
                let key_file = dir.path().join(format!("{format}.pem"));
                std::fs::write(&key_file, pem).unwrap();
                if let Ok(checked) = Command::new("openssl")
                    .args(["ec", "-noout", "-check", "-in"])
                    .arg(&key_file)
                    .output()
                {
                    assert!(
                        checked.status.success(),
                        "openssl: {}",
                        String::from_utf8_lossy(&checked.stderr)
                    );
                }
                let secret = answer["secret"].as_str().unwrap().to_owned();
                assert!(!secret.is_empty());
                secrets.push(secret);
                secrets.push(pem.lines().nth(1).unwrap().to_owned());
            }

            // Shown with its format and completed serial; never a key or secret.
            let (status, shown) = call(
                "GET",
                &format!("{}/devices/{id}", server.base),
                Some(&token),
                Some(VAT),
                None,
            );
            assert_eq!(status, 200, "{shown}");
            assert_eq!(shown["InvoiceFormat"], format);
            assert_eq!(
                shown["EgsSerial"],
                format!("1-{solution}|2-{model}|3-{serial}")
            );
            let text = shown.to_string();
            assert!(secrets.iter().all(|s| !text.contains(s.as_str())));

            // Again: the same device and CSID, warning 6002, nothing secret.
            otp += 1;
            let again = onboard(
                &server,
                &token,
                &device_body(VAT, &serial, format, environment, &otp.to_string()),
            );
            assert_eq!(again["deviceId"], json!(id));
            assert_eq!(again["csid"], answer["csid"]);
            assert_eq!(error_codes_of(&again), ["6002"]);
            assert!(
                again.get("privateKey").is_none() && again.get("secret").is_none(),
                "{again}"
            );

            // Only a Model device signs here.
            let xml = unsigned_sample(SAMPLES[0]);
            let signed = sign(&server, &token, &id, &xml, false, None);
            if format == "Model" {
                assert_eq!(signed.status, 200, "{}", signed.body);
                assert_eq!(signed.body["icv"], 1);
                assert_chain(&[signed.body]);
            } else {
                assert_eq!(signed.status, 409, "{}", signed.body);
                assert_eq!(error_codes_of(&signed.body), ["ZO055"]);
            }
        }
        // A serial already in ZATCA's form is kept as it is.
        otp += 1;
        let formed = onboard(
            &server,
            &token,
            &device_body(
                VAT,
                "1-TST|2-TST|3-77",
                "Model",
                environment,
                &otp.to_string(),
            ),
        );
        let (_, shown) = call(
            "GET",
            &format!(
                "{}/devices/{}",
                server.base,
                formed["deviceId"].as_str().unwrap()
            ),
            Some(&token),
            Some(VAT),
            None,
        );
        assert_eq!(shown["EgsSerial"], "1-TST|2-TST|3-77");

        // Another environment than the service's is refused.
        let other = if environment == "Development" {
            "Simulation"
        } else {
            "Development"
        };
        let (status, refused) = call(
            "POST",
            &format!("{}/devices", server.base),
            Some(&token),
            Some(VAT),
            Some(&device_body(VAT, "SN-9", "Model", other, "123456")),
        );
        assert_eq!(
            (status, &refused["status"]),
            (400, &json!("Failed")),
            "{refused}"
        );
        assert_eq!(error_codes_of(&refused), ["ZS011"]);

        let log = server.terminate_with_log();
        for secret in &secrets {
            assert!(!log.contains(secret.as_str()), "a secret reached the log");
        }
    }
}

#[test]
fn post_devices_refuses_with_every_error_at_once_and_checks_the_otp_and_roles() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = database(dir.path());
    let viewer = add_user(&db, "viewer", VAT, "viewer");
    let server = Server::start(&db, &dir.path().join("log"), &["--env", "simulation"]);
    let url = format!("{}/devices", server.base);

    // A bad VAT, a country code of three letters and no OTP: all reported.
    let mut body = device_body(VAT, "SN-1", "Xml", "Simulation", "");
    body["Organization"]["Vat"] = json!("123");
    body["Organization"]["CountryCode"] = json!("SAU");
    body.as_object_mut().unwrap().remove("OTP");
    let (status, answer) = call("POST", &url, Some(&token), Some(VAT), Some(&body));
    assert_eq!(
        (status, &answer["status"]),
        (400, &json!("Failed")),
        "{answer}"
    );
    assert_eq!(answer["deviceId"], Value::Null);
    let codes = error_codes_of(&answer);
    assert!(
        codes.len() >= 3 && codes.contains(&"ZO002".to_owned()),
        "{codes:?}"
    );

    // Simulation wants the portal's six-digit OTP; nothing is registered.
    let (status, answer) = call(
        "POST",
        &url,
        Some(&token),
        Some(VAT),
        Some(&device_body(VAT, "SN-2", "Xml", "Simulation", "any-string")),
    );
    assert_eq!(
        (status, &answer["status"]),
        (400, &json!("Failed")),
        "{answer}"
    );
    assert!(answer.get("privateKey").is_none());

    // An unknown InvoiceFormat is a validation error.
    let (status, answer) = call(
        "POST",
        &url,
        Some(&token),
        Some(VAT),
        Some(&device_body(VAT, "SN-3", "Csv", "Simulation", "123456")),
    );
    assert_eq!(status, 400, "{answer}");
    assert!(
        error_codes_of(&answer).iter().any(|c| c == "ZP070"),
        "{answer}"
    );

    // Viewers and strangers register nothing.
    let body = device_body(VAT, "SN-4", "Model", "Simulation", "123457");
    let (status, answer) = call("POST", &url, Some(&viewer), Some(VAT), Some(&body));
    assert_eq!(
        (status, error_codes_of(&answer)),
        (403, vec!["ZS006".to_owned()])
    );
    let (status, answer) = call("POST", &url, None, Some(VAT), Some(&body));
    assert_eq!(
        (status, error_codes_of(&answer)),
        (401, vec!["ZS001".to_owned()])
    );
    let (status, list) = call("GET", &url, Some(&token), Some(VAT), None);
    assert_eq!(
        (status, list["Devices"].as_array().unwrap().len()),
        (200, 0),
        "{list}"
    );
}

/// Where Java and Saxon are installed, ZATCA's own rules on `docs`: each must PASS.
fn official_rules_pass(dir: &Path, docs: &[(String, String)]) {
    let saxon = Path::new("/usr/share/java/Saxon-HE.jar");
    let java = Command::new("java").arg("-version").output();
    if !saxon.exists() || java.is_err() {
        eprintln!(
            "skipped: ZATCA's own rules need java and /usr/share/java/Saxon-HE.jar (Debian: default-jre-headless, libsaxonhe-java)"
        );
        return;
    }
    let mut paths = Vec::new();
    for (name, xml) in docs {
        let path = dir.join(format!("{name}.xml"));
        std::fs::write(&path, xml).unwrap();
        paths.push(path);
    }
    let out = Command::new("python3")
        .arg(testdata("zatca-rules/run-official.py"))
        .args(&paths)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        report.lines().filter(|l| l.contains("PASS")).count(),
        docs.len(),
        "{report}"
    );
    eprintln!("ZATCA's own rules:\n{report}");
}

#[test]
fn sixty_four_parallel_signs_get_the_next_sixty_four_icvs_and_one_linked_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = database(dir.path());
    let viewer = add_user(&db, "viewer", VAT, "viewer");
    let server = Arc::new(Server::start(
        &db,
        &dir.path().join("log"),
        &["--env", "development"],
    ));
    let device = onboard(
        &server,
        &token,
        &device_body(VAT, "TILL-64", "Model", "Development", "any"),
    );
    let id = device["deviceId"].as_str().unwrap().to_owned();
    let unsigned: Vec<String> = SAMPLES.iter().map(|s| unsigned_sample(s)).collect();

    const N: usize = 64;
    let mut answers = sign_in_parallel(std::slice::from_ref(&server), &token, &id, N);
    answers.sort_by_key(|(_, a)| a["icv"].as_u64());
    let bodies: Vec<Value> = answers.iter().map(|(_, a)| a.clone()).collect();
    assert_chain(&bodies);

    // Each committed document is there again, for viewers too.
    for answer in &bodies {
        let url = format!("{}/devices/{id}/invoices/{}", server.base, answer["icv"]);
        let (status, again) = call("GET", &url, Some(&viewer), Some(VAT), None);
        assert_eq!((status, &again), (200, answer));
    }

    // A retry with the same key and document: the same answer, no new ICV.
    let (n, first) = &answers[0];
    let retry = sign(
        &server,
        &token,
        &id,
        &unsigned[n % unsigned.len()],
        false,
        Some(&format!("till-{n}")),
    );
    assert_eq!((retry.status, &retry.body), (200, first));
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    // The same key for another document is refused; a malformed key too.
    let other = unsigned[(n + 1) % unsigned.len()].clone();
    let reused = sign(
        &server,
        &token,
        &id,
        &other,
        false,
        Some(&format!("till-{n}")),
    );
    assert_eq!(
        (reused.status, error_codes_of(&reused.body)),
        (409, vec!["ZO052".to_owned()])
    );
    let bad = sign(&server, &token, &id, &other, false, Some("two words"));
    assert_eq!(
        (bad.status, error_codes_of(&bad.body)),
        (400, vec!["ZO054".to_owned()])
    );
    let next = sign(&server, &token, &id, &other, true, None);
    assert_eq!((next.status, &next.body["icv"]), (200, &json!(N + 1)));

    // Refusals: not a document, an unknown device or ICV, a viewer signing.
    let url = format!("{}/devices/{id}/invoices", server.base);
    let junk = post_raw(
        &url,
        &token,
        VAT,
        "application/json",
        &[],
        br#"{"invoice": "%%%"}"#,
    );
    assert_eq!(
        (junk.status, error_codes_of(&junk.body)),
        (400, vec!["ZS012".to_owned()])
    );
    let signed_again = sign(&server, &token, &id, &signed_xml(first), false, None);
    assert_eq!(
        (signed_again.status, error_codes_of(&signed_again.body)),
        (400, vec!["ZO050".to_owned()])
    );
    let unknown = sign(
        &server,
        &token,
        "00000000-0000-4000-8000-000000000000",
        &other,
        false,
        None,
    );
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    for icv in ["0", "abc", "999"] {
        let (status, answer) = call(
            "GET",
            &format!("{url}/{icv}"),
            Some(&token),
            Some(VAT),
            None,
        );
        assert_eq!(
            (status, error_codes_of(&answer)),
            (404, vec!["ZO053".to_owned()]),
            "{icv}"
        );
    }
    let by_viewer = post_raw(&url, &viewer, VAT, "application/xml", &[], other.as_bytes());
    assert_eq!(
        (by_viewer.status, error_codes_of(&by_viewer.body)),
        (403, vec!["ZS006".to_owned()])
    );

    // `zatca invoice verify` and ZATCA's own rules on one document of each kind.
    let mut sample_docs = Vec::new();
    for (kind, sample) in SAMPLES.iter().enumerate() {
        let (n, answer) = answers
            .iter()
            .find(|(n, _)| n % SAMPLES.len() == kind)
            .unwrap();
        let path = dir.path().join(format!("signed-{n}.xml"));
        std::fs::write(&path, signed_xml(answer)).unwrap();
        let verified = zatca(&["invoice", "verify", path.to_str().unwrap()]);
        assert!(verified.status.success(), "{}", common::text(&verified));
        let name = sample.rsplit('/').next().unwrap();
        sample_docs.push((format!("{name}-icv-{}", answer["icv"]), signed_xml(answer)));
    }
    official_rules_pass(dir.path(), &sample_docs);
}

#[test]
fn kill_9_while_signing_never_repeats_an_icv_nor_forks_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = database(dir.path());
    let log = dir.path().join("log");
    let first = Server::start(&db, &log, &["--env", "development"]);
    let device = onboard(
        &first,
        &token,
        &device_body(VAT, "TILL-K", "Model", "Development", "any"),
    );
    let id = device["deviceId"].as_str().unwrap().to_owned();
    let base = Arc::new(Mutex::new(first.base.clone()));
    let server = Arc::new(Mutex::new(Some(first)));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));

    // One till signing in a loop; each document under its own key, retried
    // (same key, same document) until the service answers.
    let client = {
        let (base, stop, token, id) = (
            Arc::clone(&base),
            Arc::clone(&stop),
            token.clone(),
            id.clone(),
        );
        std::thread::spawn(move || {
            let xml = unsigned_sample(SAMPLES[0]);
            let mut answers: Vec<(String, Value)> = Vec::new();
            let mut retries = 0u32;
            for n in 0.. {
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let key = format!("doc-{n}");
                let answer = loop {
                    let url = format!("{}/devices/{id}/invoices", base.lock().unwrap());
                    match try_post_raw(
                        &url,
                        &token,
                        VAT,
                        "application/xml",
                        &[("Idempotency-Key", &key)],
                        xml.as_bytes(),
                    ) {
                        Ok(a) if a.status == 200 => break a.body,
                        Ok(a) if a.status == 503 => {}
                        Ok(a) => panic!("{key}: {} {}", a.status, a.body),
                        Err(_) => {}
                    }
                    retries += 1;
                    assert!(retries < 5_000, "the service never came back");
                    std::thread::sleep(Duration::from_millis(10));
                };
                answers.push((key, answer));
            }
            answers
        })
    };

    let mut random = Random::new();
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(20 + random.below(120)));
        let running = server.lock().unwrap().take().unwrap();
        running.kill9();
        let restarted = Server::start(&db, &log, &["--env", "development"]);
        *base.lock().unwrap() = restarted.base.clone();
        *server.lock().unwrap() = Some(restarted);
    }
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let answers = client.join().unwrap();
    assert!(
        answers.len() >= 20,
        "only {} documents signed",
        answers.len()
    );
    eprintln!("{} documents signed across 20 kills", answers.len());

    // No ICV twice; every key's answer is the committed document of its ICV;
    // the chain holds exactly one document per key, linked from ICV 1.
    let icvs: BTreeSet<u64> = answers
        .iter()
        .map(|(_, a)| a["icv"].as_u64().unwrap())
        .collect();
    assert_eq!(icvs.len(), answers.len(), "an ICV was given twice");
    let base = base.lock().unwrap().clone();
    let mut committed = Vec::new();
    for icv in 1.. {
        let (status, doc) = call(
            "GET",
            &format!("{base}/devices/{id}/invoices/{icv}"),
            Some(&token),
            Some(VAT),
            None,
        );
        if status == 404 {
            break;
        }
        assert_eq!(status, 200, "{doc}");
        committed.push(doc);
    }
    assert_eq!(
        committed.len(),
        answers.len(),
        "the chain holds a document no key answered"
    );
    for (key, answer) in &answers {
        let icv = answer["icv"].as_u64().unwrap() as usize;
        assert_eq!(&committed[icv - 1], answer, "{key}");
    }
    assert_chain(&committed);
}
