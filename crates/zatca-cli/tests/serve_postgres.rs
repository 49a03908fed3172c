//! `zatca serve --db postgres://…`: two instances on one database behave as
//! one service. One device per VAT and serial under 16 concurrent
//! registrations spread over both; one gap-free chain under 64 signs spread
//! over both; `kill -9` of one instance during 10 onboardings, the other
//! finishing them with at most one production CSID each; a database that
//! goes away answers 503 at once and the service recovers by itself.
//! PostgreSQL is the throwaway server of `zatca_store_postgres::testing`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use common::chain::{VAT, assert_chain, onboard, sign_in_parallel};
use common::serve::{
    Server, add_vat_and_admin, call, device_body, error_codes, register_body, try_call,
};
use serde_json::{Value, json};
use zatca_store_postgres::testing;

/// A fresh database with the VAT and an admin: its URL (as `--db`) and the token.
fn database() -> Option<(std::path::PathBuf, String)> {
    let server = testing::server()?;
    let db = std::path::PathBuf::from(server.fresh_database());
    let token = add_vat_and_admin(&db, VAT);
    Some((db, token))
}

#[test]
fn sixteen_registrations_over_two_instances_make_one_device() {
    let Some((db, token)) = database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let servers = [
        Arc::new(Server::start(
            &db,
            &dir.path().join("a.log"),
            &["--env", "development"],
        )),
        Arc::new(Server::start(
            &db,
            &dir.path().join("b.log"),
            &["--env", "development"],
        )),
    ];
    let barrier = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|n| {
            let (server, barrier, token) = (
                Arc::clone(&servers[n % 2]),
                Arc::clone(&barrier),
                token.clone(),
            );
            std::thread::spawn(move || {
                barrier.wait();
                call(
                    "POST",
                    &format!("{}/onboarding/register-device", server.base),
                    Some(&token),
                    Some(VAT),
                    Some(&register_body(VAT, "RACE", None)),
                )
            })
        })
        .collect();
    let answers: Vec<(u16, Value)> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let ids: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|(status, a)| {
            assert_eq!((*status, &a["Status"]), (200, &json!("GENERATED")), "{a}");
            a["DeviceId"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    let warned = answers
        .iter()
        .filter(|(_, a)| error_codes(a) == ["6002"])
        .count();
    assert_eq!(warned, 15, "one winner, fifteen told the device exists");
    for server in &servers {
        let (_, list) = call(
            "GET",
            &format!("{}/devices", server.base),
            Some(&token),
            Some(VAT),
            None,
        );
        assert_eq!(list["Devices"].as_array().unwrap().len(), 1, "{list}");
    }
    // A revocation made once is seen by both instances at once: no cache.
    common::serve::admin(&db, &["user", "revoke", "admin"]);
    for server in &servers {
        let url = format!("{}/devices", server.base);
        let (status, answer) = call("GET", &url, Some(&token), Some(VAT), None);
        assert_eq!(
            (status, error_codes(&answer)),
            (401, vec!["ZS002".to_owned()])
        );
    }
}

#[test]
fn sixty_four_signs_over_two_instances_make_one_linked_chain() {
    let Some((db, token)) = database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let a = Arc::new(Server::start(
        &db,
        &dir.path().join("a.log"),
        &["--env", "development"],
    ));
    let b = Arc::new(Server::start(
        &db,
        &dir.path().join("b.log"),
        &["--env", "development"],
    ));
    let device = onboard(
        &a,
        &token,
        &device_body(VAT, "TILL-PG", "Model", "Development", "any"),
    );
    let id = device["deviceId"].as_str().unwrap().to_owned();
    let servers = [Arc::clone(&a), Arc::clone(&b)];
    let answers: Vec<Value> = sign_in_parallel(&servers, &token, &id, 64)
        .into_iter()
        .map(|(_, answer)| answer)
        .collect();
    assert_chain(&answers);
    // Each instance sees every document the other signed.
    for answer in &answers {
        let (status, again) = call(
            "GET",
            &format!("{}/devices/{id}/invoices/{}", b.base, answer["icv"]),
            Some(&token),
            Some(VAT),
            None,
        );
        assert_eq!((status, &again), (200, answer));
    }
}

/// The production CSIDs the shared simulator issued, by certificate subject.
fn production_by_subject(state: &Path) -> std::collections::BTreeMap<String, usize> {
    let issued = zatca_simulator::issued_csids(&state.join("development")).unwrap();
    assert_eq!(issued.production.len(), issued.compliance_with_production);
    let mut by_subject = std::collections::BTreeMap::new();
    for token in &issued.production {
        let cert = zatca_cert::Certificate::from_binary_security_token(token).unwrap();
        *by_subject
            .entry(cert.subject_name().to_owned())
            .or_insert(0) += 1;
    }
    by_subject
}

#[test]
fn kill_9_of_one_instance_during_ten_onboardings_leaves_the_other_to_finish_them() {
    let Some((db, token)) = database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("simulator");
    let state_arg = state.to_str().unwrap().to_owned();
    let args = |workers: &'static str| {
        vec![
            "--env".to_owned(),
            "development".to_owned(),
            "--simulator-state".to_owned(),
            state_arg.clone(),
            "--lease-seconds".to_owned(),
            "3".to_owned(),
            "--workers".to_owned(),
            workers.to_owned(),
        ]
    };
    let a_args = args("1");
    let b_args = args("4");
    let a_refs: Vec<&str> = a_args.iter().map(String::as_str).collect();
    let b_refs: Vec<&str> = b_args.iter().map(String::as_str).collect();
    let a = Server::start(&db, &dir.path().join("a.log"), &a_refs);
    let b = Server::start(&db, &dir.path().join("b.log"), &b_refs);
    let mut activities = Vec::new();
    for n in 0..10 {
        let (status, answer) = call(
            "POST",
            &format!("{}/onboarding/register-device", a.base),
            Some(&token),
            Some(VAT),
            Some(&register_body(VAT, &format!("K{n}"), Some("123345"))),
        );
        assert_eq!(status, 200, "{answer}");
        activities.push(
            answer["PcsidGenerationActivityId"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // A runs them one at a time: most are still queued or running now.
    std::thread::sleep(Duration::from_millis(150));
    a.kill9();

    let deadline = Instant::now() + Duration::from_secs(60);
    let mut statuses = std::collections::BTreeMap::new();
    for activity in &activities {
        loop {
            let (_, answer) = call(
                "GET",
                &format!("{}/onboarding/{activity}/pcsid-status", b.base),
                Some(&token),
                Some(VAT),
                None,
            );
            let status = answer["Status"].as_str().unwrap().to_owned();
            if status != "IN_PROGRESS" {
                statuses.insert(activity.clone(), (status, answer["ErrorList"].clone()));
                break;
            }
            assert!(
                Instant::now() < deadline,
                "activity {activity} never finished: {answer}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    // Finished, each device with one production CSID at most; the ones A
    // was interrupted in before their compliance CSID need a new OTP.
    for (activity, (status, errors)) in &statuses {
        assert!(
            status == "SUCCEEDED" || (status == "FAILED" && errors.to_string().contains("ZO007")),
            "{activity}: {status} {errors}"
        );
    }
    // At most one production CSID per device: one for each SUCCEEDED, and
    // at most one for each activity interrupted after its request was sent.
    let by_subject = production_by_subject(&state);
    assert!(by_subject.values().all(|n| *n == 1), "{by_subject:?}");
    let succeeded = statuses.values().filter(|(s, _)| s == "SUCCEEDED").count();
    let sent_unanswered = statuses
        .values()
        .filter(|(_, e)| e.to_string().contains("interrupted at PRODUCTION_CSID"))
        .count();
    assert!(
        (succeeded..=succeeded + sent_unanswered).contains(&by_subject.len()),
        "{by_subject:?} {statuses:?}"
    );
    eprintln!(
        "10 onboardings, instance A killed: {succeeded} SUCCEEDED, {} FAILED (ZO007), {} production CSIDs issued",
        statuses.len() - succeeded,
        by_subject.len()
    );
    let b_log = b.terminate_with_log();
    assert!(
        b_log.contains("resumed=true"),
        "B took nothing over: {b_log}"
    );
}

/// A TCP relay to PostgreSQL that the test can cut and restore.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn start(target: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let (accept_up, accept_connections) = (Arc::clone(&up), Arc::clone(&connections));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !accept_up.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let mut held = accept_connections.lock().unwrap();
                held.push(client.try_clone().unwrap());
                held.push(server.try_clone().unwrap());
                drop(held);
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 16 * 1024];
                        while let Ok(n) = from.read(&mut buf) {
                            if n == 0 || to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Self {
            port,
            up,
            connections,
        }
    }

    /// Refuses new connections and cuts the open ones: the database is gone.
    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for stream in self.connections.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[test]
fn a_database_that_goes_away_answers_503_at_once_and_the_service_recovers() {
    let Some(server) = testing::server() else {
        return;
    };
    let direct = server.fresh_database();
    let (prefix, rest) = direct.split_once("@127.0.0.1:").unwrap();
    let (port, name) = rest.split_once('/').unwrap();
    let relay = Relay::start(port.parse().unwrap());
    let db = std::path::PathBuf::from(format!("{prefix}@127.0.0.1:{}/{name}", relay.port));
    let token = add_vat_and_admin(&db, VAT);
    let dir = tempfile::tempdir().unwrap();
    let service = Server::start(&db, &dir.path().join("log"), &["--env", "development"]);
    let register = format!("{}/onboarding/register-device", service.base);
    let body = register_body(VAT, "OUTAGE-1", None);
    let (status, answer) = call("POST", &register, Some(&token), Some(VAT), Some(&body));
    assert_eq!(status, 200, "{answer}");

    relay.cut();
    for path in ["/onboarding/register-device", "/devices"] {
        let started = Instant::now();
        let url = format!("{}{path}", service.base);
        let (method, body) = if path == "/devices" {
            ("GET", None)
        } else {
            ("POST", Some(&body))
        };
        let (status, answer) = try_call(method, &url, Some(&token), Some(VAT), body).unwrap();
        assert_eq!(status, 503, "{path}: {answer}");
        let codes = error_codes(&answer);
        assert!(codes == ["ZS503"] || codes == ["ZO044"], "{path}: {answer}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{path} took {:?}",
            started.elapsed()
        );
    }
    let (status, health) = call(
        "GET",
        &format!("{}/healthz", service.base),
        None,
        None,
        None,
    );
    assert_eq!(status, 200, "{health}");

    relay.restore();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, answer) = call(
            "POST",
            &register,
            Some(&token),
            Some(VAT),
            Some(&register_body(VAT, "OUTAGE-2", None)),
        );
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "{answer}");
        assert!(
            Instant::now() < deadline,
            "the service did not recover: {answer}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (_, list) = call(
        "GET",
        &format!("{}/devices", service.base),
        Some(&token),
        Some(VAT),
        None,
    );
    assert_eq!(list["Devices"].as_array().unwrap().len(), 2, "{list}");
}

#[test]
fn the_admin_commands_work_against_postgres_and_rotate_the_master_key() {
    let Some((db, _token)) = database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let new_key = dir.path().join("new.key");
    let new_key = new_key.to_str().unwrap();
    let created = common::zatca(&["serve", "init", "--master-key-file", new_key]);
    assert!(created.status.success(), "{}", common::text(&created));
    let vats = common::serve::admin(&db, &["vat", "list", "--json"]);
    assert!(vats.contains(VAT), "{vats}");
    let users = common::serve::admin(&db, &["user", "list", "--json"]);
    assert!(users.contains("\"admin\""), "{users}");
    let rotated = common::serve::admin(
        &db,
        &["rotate-master-key", "--new-master-key-file", new_key],
    );
    assert!(rotated.contains("re-sealed"), "{rotated}");
    // The old key is refused now, naming where it came from; the new one opens it.
    let refused = common::serve::refused(&db, &["vat", "list"]);
    assert!(refused.contains("ZATCA_MASTER_KEY"), "{refused}");
    let url = db.to_str().unwrap();
    let listed = common::zatca(&[
        "serve",
        "--db",
        url,
        "--master-key-file",
        new_key,
        "vat",
        "list",
    ]);
    assert!(listed.status.success(), "{}", common::text(&listed));
    assert!(
        !common::text(&listed).contains("postgres@"),
        "no URL in the output"
    );
}
