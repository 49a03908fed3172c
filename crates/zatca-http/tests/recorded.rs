//! The client against a recording server on loopback that answers with the
//! recorded sandbox bodies of `testdata/api/` (ZATCA Integration Sandbox
//! Swagger examples): method, path, headers, auth and body of every request,
//! the typed result of every answer shape, the retry policy and redaction.
#![cfg(all(feature = "client", feature = "server"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use zatca_fatoora::{
    Csid, CsrSubmission, ErrorKind, Fatoora, FatooraError, InvoiceSubmission, Otp,
    ProductionCsidRequest, Renewal,
};
use zatca_http::serve::{self, Limits, Stopper};
use zatca_http::{BaseUrl, ClientConfig, HttpFatoora, RedactedExchange};

fn recorded(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/api")
            .join(name),
    )
    .unwrap()
}

/// One request as the server saw it.
#[derive(Debug)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: serde_json::Value,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The headers every call carries (§2.1).
    fn assert_common(&self) {
        assert_eq!(self.header("Accept-Version"), Some("V2"), "{self:?}");
        assert_eq!(self.header("Accept-Language"), Some("en"), "{self:?}");
        assert_eq!(self.header("Content-Type"), Some("application/json"));
        assert_eq!(self.header("Accept"), Some("application/json"));
    }
}

/// A canned answer.
#[derive(Clone)]
struct Canned {
    status: u16,
    body: Vec<u8>,
    delay: Duration,
}

fn canned(status: u16, body: Vec<u8>) -> Canned {
    Canned {
        status,
        body,
        delay: Duration::ZERO,
    }
}

/// A loopback server (on the crate's bounded serving) that records each
/// request and answers the next canned answer (the last one again when they
/// run out). It stops by itself after 60 s, or when finished.
struct Recorder {
    running: serve::Running,
    seen: Arc<Mutex<Vec<Seen>>>,
    url: BaseUrl,
}

impl Recorder {
    fn start(answers: Vec<Canned>) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let answered = Arc::new(AtomicUsize::new(0));
        let router = axum::Router::new().fallback(move |request: Request| {
            let (log, answers, answered) =
                (Arc::clone(&log), answers.clone(), Arc::clone(&answered));
            async move {
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
                log.lock().unwrap().push(Seen {
                    method: parts.method.as_str().to_owned(),
                    path: parts.uri.path().to_owned(),
                    headers: parts
                        .headers
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
                        .collect(),
                    body: serde_json::from_slice(&body).unwrap(),
                });
                let n = answered.fetch_add(1, Ordering::SeqCst);
                let answer = answers[n.min(answers.len() - 1)].clone();
                tokio::time::sleep(answer.delay).await;
                (StatusCode::from_u16(answer.status).unwrap(), answer.body)
            }
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let stopper = Stopper::new();
        let running = serve::start(listener, router, Limits::default(), stopper.clone()).unwrap();
        std::thread::spawn(move || {
            for _ in 0..600 {
                if stopper.is_stopped() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            stopper.stop();
        });
        let url = BaseUrl::parse(&format!("http://{}", running.local_addr())).unwrap();
        Self { running, seen, url }
    }

    fn client(&self) -> HttpFatoora {
        HttpFatoora::new(ClientConfig::new(self.url.clone()).retries(2, Duration::from_millis(1)))
            .unwrap()
    }

    fn finish(self) -> Vec<Seen> {
        self.running.stop();
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

fn compliance_csid() -> Csid {
    Csid::from_response_json(&recorded("isb-compliance-200.json"))
        .unwrap()
        .csid
}

fn production_csid() -> Csid {
    Csid::from_response_json(&recorded("isb-production-csids-200.json"))
        .unwrap()
        .csid
}

fn otp(s: &str) -> Otp {
    Otp::new(s.to_owned())
}

fn csr() -> CsrSubmission {
    CsrSubmission {
        csr: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K".to_owned(),
    }
}

fn document() -> InvoiceSubmission {
    InvoiceSubmission {
        invoice_hash: "PEzQ5ZPoeqv0P8fqxqLKKVGW/Fd8hQ35HZsmNPK2QPw=".to_owned(),
        uuid: "8e6000cf-1a98-4174-b3e7-b5d5954bc10d".to_owned(),
        invoice: "PEludm9pY2UvPg==".to_owned(),
    }
}

fn report(status: &str, reporting: Option<&str>) -> Vec<u8> {
    serde_json::json!({
        "validationResults": {
            "infoMessages": [{"type":"INFO","code":"XSD_ZATCA_VALID","category":"XSD validation","message":"Complied with UBL 2.1 standards in line with ZATCA specifications","status":"PASS"}],
            "warningMessages": [],
            "errorMessages": if status == "ERROR" {
                serde_json::json!([{"type":"ERROR","code":"invalid-invoice-hash","category":"INVOICE_HASHING_ERRORS","message":"The invoice hash API body does not match the (calculated) Hash of the XML","status":"ERROR"}])
            } else { serde_json::json!([]) },
            "status": status
        },
        "reportingStatus": reporting,
        "clearanceStatus": null,
        "qrSellertStatus": null,
        "qrBuyertStatus": null
    })
    .to_string()
    .into_bytes()
}

#[test]
fn compliance_csid_sends_otp_and_csr_without_auth_and_reads_the_csid() {
    let server = Recorder::start(vec![canned(200, recorded("isb-compliance-200.json"))]);
    let answer = server
        .client()
        .compliance_csid(&otp("123345"), &csr())
        .unwrap();
    assert_eq!(answer.csid.request_id(), Some("1234567890123"));
    assert_eq!(
        answer.csid.expose_secret(),
        "Dehvg1fc8GF6Jwt5bOxXwC6enR93VxeNEo2mlUatfgw="
    );
    assert_eq!(answer.disposition.as_deref(), Some("ISSUED"));
    let seen = server.finish();
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/compliance")
    );
    r.assert_common();
    assert_eq!(r.header("OTP"), Some("123345"));
    assert_eq!(r.header("Authorization"), None);
    assert_eq!(r.body, serde_json::json!({"csr": csr().csr}));
}

#[test]
fn compliance_invoice_sends_basic_compliance_csid_and_reads_reports() {
    let server = Recorder::start(vec![
        canned(200, report("PASS", Some("REPORTED"))),
        canned(400, report("ERROR", Some("NOT_REPORTED"))),
    ]);
    let client = server.client();
    let ccsid = compliance_csid();
    let passed = client.compliance_invoice(&ccsid, &document()).unwrap();
    assert!(passed.passed());
    assert_eq!(passed.reporting_status.as_deref(), Some("REPORTED"));
    let failed = client.compliance_invoice(&ccsid, &document()).unwrap();
    assert!(!failed.passed());
    assert_eq!(
        failed.validation_results.error_messages[0].code.as_deref(),
        Some("invalid-invoice-hash")
    );
    let seen = server.finish();
    assert_eq!(seen.len(), 2);
    for r in &seen {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/compliance/invoices")
        );
        r.assert_common();
        assert_eq!(
            r.header("Authorization"),
            Some(ccsid.basic_authorization().as_str())
        );
        assert_eq!(r.header("OTP"), None);
        assert_eq!(
            r.body,
            serde_json::json!({
                "invoiceHash": document().invoice_hash,
                "uuid": document().uuid,
                "invoice": document().invoice,
            })
        );
    }
}

#[test]
fn production_csid_sends_the_request_id_and_reads_the_pcsid() {
    let server = Recorder::start(vec![canned(200, recorded("isb-production-csids-200.json"))]);
    let ccsid = compliance_csid();
    let answer = server
        .client()
        .production_csid(
            &ccsid,
            &ProductionCsidRequest {
                compliance_request_id: "1234567890123".to_owned(),
            },
        )
        .unwrap();
    assert_eq!(answer.csid.request_id(), Some("1642424139872"));
    assert_eq!(
        answer.csid.certificate().serial_decimal(),
        production_csid().certificate().serial_decimal()
    );
    let seen = server.finish();
    let r = &seen[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/production/csids")
    );
    r.assert_common();
    assert_eq!(
        r.header("Authorization"),
        Some(ccsid.basic_authorization().as_str())
    );
    assert_eq!(r.header("OTP"), None);
    assert_eq!(
        r.body,
        serde_json::json!({"compliance_request_id": "1234567890123"})
    );
}

#[test]
fn renewal_sends_pcsid_auth_and_otp_and_reads_428_and_200() {
    let server = Recorder::start(vec![
        canned(428, recorded("isb-production-csids-patch-428.json")),
        canned(200, recorded("isb-production-csids-patch-200.json")),
    ]);
    let client = server.client();
    let pcsid = production_csid();
    match client
        .renew_production_csid(&pcsid, &otp("654321"), &csr())
        .unwrap()
    {
        Renewal::ComplianceRequired(r) => {
            assert_eq!(r.disposition.as_deref(), Some("NOT_COMPLIANT"));
            assert_eq!(r.csid.request_id(), Some("1234567890123"));
            assert!(r.renewal_wrapper);
        }
        Renewal::Issued(_) => panic!("428 must ask for compliance checks"),
    }
    match client
        .renew_production_csid(&pcsid, &otp("654321"), &csr())
        .unwrap()
    {
        Renewal::Issued(r) => assert_eq!(r.csid.request_id(), Some("347")),
        Renewal::ComplianceRequired(_) => panic!("200 is the production CSID"),
    }
    let seen = server.finish();
    assert_eq!(seen.len(), 2);
    for r in &seen {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("PATCH", "/production/csids")
        );
        r.assert_common();
        assert_eq!(
            r.header("Authorization"),
            Some(pcsid.basic_authorization().as_str())
        );
        assert_eq!(r.header("OTP"), Some("654321"));
        assert_eq!(r.body, serde_json::json!({"csr": csr().csr}));
    }
}

#[test]
fn error_bodies_become_typed_errors() {
    let cases: Vec<(u16, Vec<u8>)> = vec![
        (400, recorded("isb-error-400-missing-otp.json")),
        (401, recorded("isb-error-401.json")),
        (500, recorded("isb-error-500.json")),
        (406, b"Version not supported".to_vec()),
        (
            400,
            br#"{"errorCode":"400","errorCategory":"Invalid-CSR","errorMessage":"The provided Certificate Signing Request (CSR) is invalid."}"#.to_vec(),
        ),
        (
            200,
            br#"{"requestID":-2,"dispositionMessage":"NOT_COMPLIANT","binarySecurityToken":null,"secret":null,"errors":["unable to submit and sign the csr in zatca side, caused : Denied by Policy Module 0x80094800"]}"#.to_vec(),
        ),
        (302, Vec::new()),
    ];
    let server = Recorder::start(cases.iter().map(|(s, b)| canned(*s, b.clone())).collect());
    let client = server.client();
    let mut results = Vec::new();
    for _ in &cases {
        results.push(client.compliance_csid(&otp(""), &csr()).unwrap_err());
    }
    let seen = server.finish();
    // Nothing was repeated: a POST /compliance answer is never retried.
    assert_eq!(seen.len(), cases.len());
    assert_eq!(seen[0].header("OTP"), None, "an empty OTP is not sent");

    assert!(matches!(
        &results[0],
        FatooraError::Rejected { status: 400, .. }
    ));
    assert_eq!(results[0].kind(), ErrorKind::MissingOtp);
    assert_eq!(results[1], FatooraError::Unauthorized);
    match &results[2] {
        FatooraError::Server {
            status: 500,
            errors,
        } => {
            let e = errors.iter().next().unwrap();
            assert_eq!(e.category.as_deref(), Some("HTTP-Errors"));
            assert_eq!(e.code.as_deref(), Some("500"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(results[3], FatooraError::VersionNotSupported);
    assert_eq!(results[4].kind(), ErrorKind::InvalidCsr);
    assert!(matches!(
        &results[5],
        FatooraError::Rejected { status: 200, .. }
    ));
    assert_eq!(results[5].kind(), ErrorKind::TemplateDenied);
    assert_eq!(results[6], FatooraError::UnexpectedStatus { status: 302 });
}

#[test]
fn server_errors_are_retried_only_for_compliance_checks() {
    let server = Recorder::start(vec![
        canned(500, recorded("isb-error-500.json")),
        canned(503, Vec::new()),
        canned(200, report("PASS", Some("REPORTED"))),
        canned(500, recorded("isb-error-500.json")),
    ]);
    let client = server.client();
    assert!(
        client
            .compliance_invoice(&compliance_csid(), &document())
            .unwrap()
            .passed()
    );
    // The fourth answer and those after: 500, for a PCSID request: no repeat.
    let e = client
        .production_csid(
            &compliance_csid(),
            &ProductionCsidRequest {
                compliance_request_id: "1".to_owned(),
            },
        )
        .unwrap_err();
    assert!(
        matches!(e, FatooraError::Server { status: 500, .. }),
        "{e:?}"
    );
    let e = client
        .renew_production_csid(&production_csid(), &otp("123456"), &csr())
        .unwrap_err();
    assert!(
        matches!(e, FatooraError::Server { status: 500, .. }),
        "{e:?}"
    );
    let seen = server.finish();
    let paths: Vec<_> = seen.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/compliance/invoices",
            "/compliance/invoices",
            "/compliance/invoices",
            "/production/csids",
            "/production/csids"
        ]
    );
}

#[test]
fn timeouts_are_ambiguous_and_repeated_only_for_compliance_checks() {
    let slow = Canned {
        status: 200,
        body: recorded("isb-compliance-200.json"),
        delay: Duration::from_millis(600),
    };
    let server = Recorder::start(vec![slow]);
    let config = ClientConfig::new(server.url.clone())
        .timeouts(Duration::from_secs(5), Duration::from_millis(150))
        .retries(1, Duration::from_millis(1));
    let client = HttpFatoora::new(config).unwrap();
    assert_eq!(
        client.compliance_csid(&otp("123345"), &csr()).unwrap_err(),
        FatooraError::Timeout
    );
    assert_eq!(
        client
            .production_csid(
                &compliance_csid(),
                &ProductionCsidRequest {
                    compliance_request_id: "1".to_owned()
                }
            )
            .unwrap_err(),
        FatooraError::Timeout
    );
    assert_eq!(
        client
            .compliance_invoice(&compliance_csid(), &document())
            .unwrap_err(),
        FatooraError::Timeout
    );
    let e = FatooraError::Timeout;
    assert!(!e.nothing_happened());
    let seen = server.finish();
    let paths: Vec<_> = seen.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/compliance",
            "/production/csids",
            "/compliance/invoices",
            "/compliance/invoices"
        ]
    );
}

#[test]
fn refused_connections_are_repeated_for_every_call_then_typed() {
    // A port that was free a moment ago: nothing listens there.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let attempts = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&attempts);
    let client = HttpFatoora::new(
        ClientConfig::new(BaseUrl::parse(&format!("http://{addr}")).unwrap())
            .retries(2, Duration::from_millis(1)),
    )
    .unwrap()
    .with_observer(Box::new(move |x: &RedactedExchange| {
        log.lock()
            .unwrap()
            .push((x.attempt, x.status, x.error.clone()));
    }));
    let e = client
        .production_csid(
            &compliance_csid(),
            &ProductionCsidRequest {
                compliance_request_id: "1".to_owned(),
            },
        )
        .unwrap_err();
    assert!(matches!(e, FatooraError::Connection { .. }), "{e:?}");
    assert!(e.nothing_happened());
    let attempts = attempts.lock().unwrap();
    assert_eq!(attempts.iter().map(|a| a.0).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(attempts.iter().all(|a| a.1.is_none() && a.2.is_some()));
}

#[test]
fn observers_get_redacted_copies_and_errors_hold_no_secret() {
    let server = Recorder::start(vec![
        canned(200, recorded("isb-compliance-200.json")),
        canned(428, recorded("isb-production-csids-patch-428.json")),
        canned(400, recorded("isb-error-400-missing-otp.json")),
    ]);
    let copies = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&copies);
    let client = server
        .client()
        .with_observer(Box::new(move |x: &RedactedExchange| {
            log.lock().unwrap().push(x.clone());
        }));
    let pcsid = production_csid();
    let basic = pcsid.basic_authorization();
    client.compliance_csid(&otp("918273"), &csr()).unwrap();
    client
        .renew_production_csid(&pcsid, &otp("918273"), &csr())
        .unwrap();
    let e = client
        .renew_production_csid(&pcsid, &otp("918273"), &csr())
        .unwrap_err();
    server.finish();
    let copies = copies.lock().unwrap();
    assert_eq!(copies.len(), 3);
    let secrets = [
        "918273",
        "Dehvg1fc8GF6Jwt5bOxXwC6enR93VxeNEo2mlUatfgw=",
        "goDgeIdM5mkfTThl1unu8rP9XhknKWAc24hafXZS1f4=",
        pcsid.expose_secret(),
        basic.as_str().trim_start_matches("Basic "),
    ];
    for copy in copies.iter() {
        let shown = format!("{copy:?}");
        for s in secrets {
            assert!(!shown.contains(s), "{s} in {shown}");
        }
        assert!(copy.url.ends_with("/compliance") || copy.url.ends_with("/production/csids"));
    }
    let header = |x: &RedactedExchange, n: &str| {
        x.request_headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header(&copies[0], "OTP").as_deref(), Some("<redacted>"));
    assert_eq!(
        header(&copies[1], "Authorization").as_deref(),
        Some("<redacted>")
    );
    assert_eq!(header(&copies[1], "Accept-Version").as_deref(), Some("V2"));
    assert_eq!(copies[1].status, Some(428));
    // The CSR is kept; the secrets are not.
    assert!(copies[0].request_body.contains(&csr().csr));
    let body: serde_json::Value =
        serde_json::from_str(copies[1].response_body.as_deref().unwrap()).unwrap();
    assert_eq!(body["value"]["secret"], "<redacted>");
    assert_eq!(body["value"]["requestID"], 1_234_567_890_123_u64);
    let text = format!("{e} {e:?} {client:?}");
    for s in secrets {
        assert!(!text.contains(s), "{s} in {text}");
    }
}
