//! The server, serving the offline simulator on loopback: ZATCA's status codes
//! and body shapes (compared with the recorded ones in `testdata/api/`), and
//! typed errors that survive the round trip through HTTP.
#![cfg(all(feature = "client", feature = "server"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use zatca_csr::Csr;
use zatca_fatoora::{
    Csid, CsrSubmission, ErrorKind, Fatoora, FatooraError, Otp, ProductionCsidRequest,
};
use zatca_http::{ClientConfig, FatooraServer, HttpError, HttpFatoora};
use zatca_keys::{Curve, PrivateKey};
use zatca_profile::{Environment, RequestInput, ValidateOptions, ValidationProfile};
use zatca_simulator::{Failure, Simulator, SimulatorConfig};

const NOW: u64 = 1_767_225_600; // 2026-01-01

fn csr_for(env: Environment, key: &PrivateKey) -> CsrSubmission {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/requests/sample-device.json");
    let input = RequestInput::from_bytes(&std::fs::read(path).unwrap()).unwrap();
    let profile = input
        .validate_with(&ValidateOptions {
            profile: ValidationProfile::Sdk,
            environment: Some(env),
            require_environment: true,
        })
        .unwrap();
    CsrSubmission {
        csr: Csr::build(&profile, key).unwrap().to_base64_pem().unwrap(),
    }
}

fn recorded_keys(name: &str) -> Vec<String> {
    let body = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/api")
            .join(name),
    )
    .unwrap();
    keys(&serde_json::from_slice(&body).unwrap())
}

fn keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// Runs `f` against a served simulator of `env`; the server stops when `f` returns.
fn with_server(env: Environment, f: impl FnOnce(&Simulator, SocketAddr, &HttpFatoora)) {
    let sim = Simulator::new(SimulatorConfig::for_environment(env, NOW)).unwrap();
    let server = FatooraServer::bind("127.0.0.1:0".parse().unwrap(), sim)
        .unwrap()
        .with_clock(Box::new(|| 1_654_514_661_409));
    let stopper = server.stopper();
    let client = HttpFatoora::new(
        ClientConfig::new(server.base_url())
            .timeouts(Duration::from_secs(5), Duration::from_secs(30)),
    )
    .unwrap();
    /// Stops the server however `f` ends (a panic too), so the test never hangs.
    struct StopOnDrop(zatca_http::Stopper);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            self.0.stop();
        }
    }
    std::thread::scope(|s| {
        let _stop = StopOnDrop(stopper);
        s.spawn(|| server.serve(Some(100)));
        f(server.fatoora(), server.local_addr(), &client);
    });
}

/// A raw HTTP/1.1 exchange: status and body.
fn raw(addr: SocketAddr, method: &str, path: &str, headers: &[&str], body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for h in headers {
        request.push_str(h);
        request.push_str("\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

#[test]
fn the_served_simulator_issues_and_refuses_like_zatca() {
    with_server(Environment::Development, |sim, addr, client| {
        let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
        let csr = csr_for(Environment::Development, &key);
        let answer = client
            .compliance_csid(&Otp::new("123345".to_owned()), &csr)
            .unwrap();
        answer
            .csid
            .certificate()
            .check_public_key(&key.public_key())
            .unwrap();
        let request_id = answer.csid.request_id().unwrap().to_owned();

        // Production CSID before the compliance checks: the step list survives HTTP.
        let e = client
            .production_csid(
                &answer.csid,
                &ProductionCsidRequest {
                    compliance_request_id: request_id.clone(),
                },
            )
            .unwrap_err();
        match e.kind() {
            ErrorKind::MissingComplianceSteps(steps) => assert_eq!(steps.len(), 6, "{e}"),
            other => panic!("{other:?}: {e}"),
        }

        // A wrong secret: 401.
        let forged = Csid::new(
            answer.csid.token(),
            zeroize::Zeroizing::new("not-the-secret".to_owned()),
            None,
        )
        .unwrap();
        let e = client
            .production_csid(
                &forged,
                &ProductionCsidRequest {
                    compliance_request_id: request_id,
                },
            )
            .unwrap_err();
        assert_eq!(e, FatooraError::Unauthorized);

        // A scripted 500 in ZATCA's shape.
        sim.inject(Failure::ServerError);
        let e = client
            .compliance_csid(&Otp::new("123345".to_owned()), &csr)
            .unwrap_err();
        match &e {
            FatooraError::Server {
                status: 500,
                errors,
            } => {
                let first = errors.iter().next().unwrap();
                assert_eq!(first.category.as_deref(), Some("HTTP-Errors"));
                assert_eq!(first.code.as_deref(), Some("500"));
            }
            other => panic!("{other:?}"),
        }

        // The raw answers: 200 CSID keys as recorded, 406, 401 gateway body, 400, 404, 405.
        let csr_body = serde_json::to_string(&csr).unwrap();
        let (status, body) = raw(
            addr,
            "POST",
            "/e-invoicing/developer-portal/compliance",
            &[
                "Accept-Version: V2",
                "OTP: 123345",
                "Content-Type: application/json",
            ],
            &csr_body,
        );
        assert_eq!(status, 200, "{body}");
        let mut expected = recorded_keys("isb-production-csids-patch-200.json");
        expected.push("errors".to_owned());
        expected.sort();
        assert_eq!(keys(&serde_json::from_str(&body).unwrap()), expected);

        let (status, body) = raw(addr, "POST", "/compliance", &["OTP: 123345"], &csr_body);
        assert_eq!((status, body.as_str()), (406, "Version not supported"));

        let (status, body) = raw(
            addr,
            "POST",
            "/production/csids",
            &["Accept-Version: V2", "Authorization: Basic Zm9vOmJhcg=="],
            r#"{"compliance_request_id":"1"}"#,
        );
        assert_eq!(status, 401);
        let gateway: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(keys(&gateway), recorded_keys("isb-error-401.json"));
        assert_eq!(gateway["timestamp"], 1_654_514_661_409_u64);

        let (status, body) = raw(
            addr,
            "POST",
            "/compliance",
            &["Accept-Version: V2"],
            &csr_body,
        );
        assert_eq!(status, 400);
        let errors: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            keys(&errors),
            recorded_keys("isb-error-400-missing-otp.json")
        );
        assert_eq!(errors["errors"][0]["code"], "Missing-OTP");

        let (status, _) = raw(
            addr,
            "POST",
            "/compliance",
            &["Accept-Version: V2", "OTP: 1"],
            "{",
        );
        assert_eq!(status, 400);
        let (status, _) = raw(addr, "GET", "/compliance", &["Accept-Version: V2"], "");
        assert_eq!(status, 405);
        let (status, _) = raw(
            addr,
            "POST",
            "/invoices/reporting/single",
            &["Accept-Version: V2"],
            "{}",
        );
        assert_eq!(status, 404);
    });
}

#[test]
fn environment_rules_survive_http() {
    with_server(Environment::Simulation, |_, _, client| {
        let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
        // A development CSR (template of the developer portal) sent to simulation.
        let e = client
            .compliance_csid(
                &Otp::new("111111".to_owned()),
                &csr_for(Environment::Development, &key),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TemplateDenied, "{e}");
        let e = client
            .compliance_csid(
                &Otp::new("12".to_owned()),
                &csr_for(Environment::Simulation, &key),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidOtp, "{e}");
        let answer = client
            .compliance_csid(
                &Otp::new("222222".to_owned()),
                &csr_for(Environment::Simulation, &key),
            )
            .unwrap();
        assert_eq!(
            answer.csid.certificate().ca_family().map(|e| e.name()),
            Some("simulation")
        );
        // The OTP was used once.
        let e = client
            .compliance_csid(
                &Otp::new("222222".to_owned()),
                &csr_for(Environment::Simulation, &key),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidOtp, "{e}");
    });
}

#[test]
fn the_server_listens_on_loopback_only() {
    let sim = Simulator::new(SimulatorConfig::for_environment(
        Environment::Development,
        NOW,
    ))
    .unwrap();
    let addr: SocketAddr = "0.0.0.0:0".parse().unwrap();
    assert_eq!(
        FatooraServer::bind(addr, sim).unwrap_err(),
        HttpError::NotLoopback { addr }
    );
    assert!(
        HttpFatoora::new(ClientConfig::new(
            zatca_http::BaseUrl::parse("http://example.com").unwrap()
        ))
        .is_err()
    );
}

#[test]
fn serving_ends_after_max_requests_with_the_count() {
    let sim = Simulator::new(SimulatorConfig::for_environment(
        Environment::Development,
        NOW,
    ))
    .unwrap();
    let server = FatooraServer::bind("127.0.0.1:0".parse().unwrap(), sim).unwrap();
    let addr = server.local_addr();
    std::thread::scope(|s| {
        let serving = s.spawn(|| server.serve(Some(2)));
        for _ in 0..2 {
            let (status, _) = raw(addr, "GET", "/compliance", &["Accept-Version: V2"], "");
            assert_eq!(status, 405);
        }
        assert_eq!(serving.join().unwrap(), Ok(2));
    });
    assert_eq!(server.live_connections(), 0);
}
