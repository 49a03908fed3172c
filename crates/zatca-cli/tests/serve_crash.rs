//! `zatca serve` stopped the hard way and the soft way: SIGKILL at random
//! points during onboardings, then a restart on the same `--db`; SIGTERM
//! while activities run; SIGTERM while a request is in flight.
//!
//! What must hold after any stop: every activity ends `SUCCEEDED` or
//! `FAILED` with a reason (none stays `IN_PROGRESS`), the simulated ZATCA
//! issued at most one production CSID per device (an activity interrupted
//! after its production-CSID request was sent ends `FAILED` with `ZO007`
//! rather than asking again), the device shows the production CSID it was
//! issued, and the database passes SQLite's `PRAGMA integrity_check`.
//!
//! The kill points come from a seeded PRNG; the seed is printed, and
//! `ZATCA_CRASH_SEED=N` replays a run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::serve::{
    Server, add_vat_and_admin, call, error_codes, register_body, simulator_state, try_call,
};
use serde_json::Value;
use zatca_onboarding::DeviceStore as _;

const VAT: &str = "399999999900003";
const OTP: &str = "724513";
/// The kill/restart cycles of the SIGKILL test and the onboardings each starts.
const KILL_CYCLES: usize = 10;
const ONBOARDINGS_PER_CYCLE: usize = 20;
/// The SIGKILL comes this many milliseconds (at most) after the onboardings
/// start: in every other cycle (on average) within the first
/// [`EARLY_KILL_DELAY_MS`], while registrations are still being answered.
const LONGEST_KILL_DELAY_MS: u64 = 1_500;
const EARLY_KILL_DELAY_MS: u64 = 200;
/// How long every activity has, after a restart, to leave `IN_PROGRESS`.
const SETTLE_WITHIN: Duration = Duration::from_secs(90);

/// xorshift64*: reproducible kill points from a printed seed.
struct Prng(u64);

impl Prng {
    fn from_env_or_clock() -> Self {
        let seed = std::env::var("ZATCA_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        println!("seed {seed} (replay with ZATCA_CRASH_SEED={seed})");
        Self(seed | 1)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % bound
    }
}

/// Starts `count` onboardings (register-device with OTP, serials
/// `PREFIX-0…`) at once; returns how many got an answer.
fn start_onboardings(base: &str, token: &str, prefix: &str, count: usize) -> usize {
    let threads: Vec<_> = (0..count)
        .map(|n| {
            let url = format!("{base}/onboarding/register-device");
            let token = token.to_owned();
            let body = register_body(VAT, &format!("{prefix}-{n}"), Some(OTP));
            std::thread::spawn(move || try_call("POST", &url, Some(&token), Some(VAT), Some(&body)))
        })
        .collect();
    let mut answered = 0;
    for thread in threads {
        if let Ok((status, answer)) = thread.join().unwrap() {
            assert_eq!(status, 200, "{answer}");
            assert_eq!(answer["Status"], "GENERATED", "{answer}");
            assert!(answer["PcsidGenerationActivityId"].is_string(), "{answer}");
            answered += 1;
        }
    }
    answered
}

fn get(base: &str, token: &str, path: &str) -> (u16, Value) {
    call(
        "GET",
        &format!("{base}{path}"),
        Some(token),
        Some(VAT),
        None,
    )
}

/// The devices the service lists.
fn devices(base: &str, token: &str) -> Vec<Value> {
    let (status, answer) = get(base, token, "/devices");
    assert_eq!(status, 200, "{answer}");
    answer["Devices"].as_array().unwrap().clone()
}

/// Polls every device's last activity until none is `IN_PROGRESS`; checks
/// each ended `SUCCEEDED` (200) or `FAILED` (500) with a non-empty
/// `ErrorList`; returns the outcomes by activity id.
fn settle(base: &str, token: &str) -> BTreeMap<String, String> {
    let deadline = Instant::now() + SETTLE_WITHIN;
    let mut ended = BTreeMap::new();
    loop {
        let mut running = Vec::new();
        for device in devices(base, token) {
            let Some(activity) = device["LastActivityId"].as_str() else {
                continue;
            };
            if ended.contains_key(activity) {
                continue;
            }
            let (status, answer) =
                get(base, token, &format!("/onboarding/{activity}/pcsid-status"));
            match answer["Status"].as_str() {
                Some("IN_PROGRESS") => {
                    assert_eq!(status, 200, "{answer}");
                    running.push(activity.to_owned());
                }
                Some("SUCCEEDED") => {
                    assert_eq!(status, 200, "{answer}");
                    ended.insert(activity.to_owned(), "SUCCEEDED".to_owned());
                }
                Some("FAILED") => {
                    assert_eq!(status, 500, "{answer}");
                    let codes = error_codes(&answer);
                    assert!(
                        !codes.is_empty() && codes.iter().all(|c| !c.is_empty()),
                        "a FAILED activity without a reason: {answer}"
                    );
                    ended.insert(activity.to_owned(), format!("FAILED:{}", codes.join(",")));
                }
                _ => panic!("pcsid-status of {activity}: {status} {answer}"),
            }
        }
        if running.is_empty() {
            return ended;
        }
        assert!(
            Instant::now() < deadline,
            "activities still IN_PROGRESS after a restart: {running:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The production CSIDs the simulated ZATCA issued, by the subject of their
/// certificate; checks each compliance CSID got at most one.
fn production_csids_by_subject(db: &Path) -> BTreeMap<String, Vec<String>> {
    let issued = zatca_simulator::issued_csids(&simulator_state(db, "development")).unwrap();
    assert_eq!(
        issued.production.len(),
        issued.compliance_with_production,
        "production CSIDs issued vs compliance CSIDs that got one"
    );
    let mut by_subject: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for token in &issued.production {
        let cert = zatca_cert::Certificate::from_binary_security_token(token).unwrap();
        by_subject
            .entry(cert.subject_name().to_owned())
            .or_default()
            .push(cert.serial_decimal().to_owned());
    }
    by_subject
}

/// The checks after the last stop: every device has at most one production
/// CSID issued and shows the one it has; the store has nothing
/// `IN_PROGRESS` and passes `integrity_check`.
fn check_devices_and_store(
    db: &Path,
    devices: &[Value],
    outcomes: &BTreeMap<String, String>,
) -> usize {
    let issued = production_csids_by_subject(db);
    let mut lost = 0;
    let mut subjects_seen = BTreeSet::new();
    for device in devices {
        let common_name = device["CommonName"].as_str().unwrap();
        let subject = issued
            .keys()
            .find(|s| s.split(", ").any(|rdn| rdn == format!("CN={common_name}")))
            .cloned();
        let serials = subject
            .as_ref()
            .map(|s| issued[s].clone())
            .unwrap_or_default();
        assert!(
            serials.len() <= 1,
            "device {common_name} got {} production CSIDs: {serials:?}",
            serials.len()
        );
        subjects_seen.extend(subject);
        let shown = device["ProductionCsid"]["Serial"].as_str();
        let succeeded = device["LastActivityId"]
            .as_str()
            .is_some_and(|a| outcomes.get(a).is_some_and(|o| o == "SUCCEEDED"));
        if succeeded {
            assert_eq!(device["State"], "PRODUCTION", "{device}");
            assert_eq!(shown, serials.first().map(String::as_str), "{device}");
        } else {
            assert_eq!(
                shown, None,
                "a device whose activity failed shows a PCSID: {device}"
            );
            // Issued by ZATCA, its answer lost with the killed process.
            lost += serials.len();
        }
    }
    assert_eq!(
        subjects_seen.len(),
        issued.len(),
        "production CSIDs issued for no listed device: {issued:?}"
    );
    let store = common::serve::open_store(db).unwrap();
    store.integrity_check().unwrap();
    assert_eq!(store.in_progress_activities().unwrap(), Vec::new());
    lost
}

fn tally(outcomes: &BTreeMap<String, String>) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for outcome in outcomes.values() {
        *counts.entry(outcome.as_str()).or_default() += 1;
    }
    counts
}

fn assert_no_panic(log: &Path) {
    let text = std::fs::read_to_string(log).unwrap();
    assert!(
        !text.contains("panicked"),
        "a panic in the server's log:\n{text}"
    );
}

#[test]
fn sigkill_during_onboardings_then_restart_resumes_every_activity() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("service.db");
    let log = dir.path().join("server.log");
    let token = add_vat_and_admin(&db, VAT);
    let mut prng = Prng::from_env_or_clock();
    let started = Instant::now();
    let mut answered = 0;
    let mut in_progress_after_kill = 0;
    for cycle in 0..KILL_CYCLES {
        let server = Server::start(&db, &log, &[]);
        // Every other cycle (on average) the kill may also hit the activities
        // this start resumes.
        let resuming = prng.below(2) == 0;
        if !resuming {
            settle(&server.base, &token);
        }
        let longest = if prng.below(2) == 0 {
            EARLY_KILL_DELAY_MS
        } else {
            LONGEST_KILL_DELAY_MS
        };
        let delay = Duration::from_millis(prng.below(longest));
        let base = server.base.clone();
        let onboarding_token = token.clone();
        let onboardings = std::thread::spawn(move || {
            start_onboardings(
                &base,
                &onboarding_token,
                &format!("K{cycle}"),
                ONBOARDINGS_PER_CYCLE,
            )
        });
        std::thread::sleep(delay);
        server.kill9();
        let cycle_answered = onboardings.join().unwrap();
        answered += cycle_answered;
        let left = common::serve::open_store(&db)
            .unwrap()
            .in_progress_activities()
            .unwrap()
            .len();
        in_progress_after_kill += left;
        println!(
            "cycle {cycle}: SIGKILL after {} ms{}, {cycle_answered}/{ONBOARDINGS_PER_CYCLE} registrations answered, {left} activities left IN_PROGRESS",
            delay.as_millis(),
            if resuming { " (while resuming)" } else { "" }
        );
    }
    let server = Server::start(&db, &log, &[]);
    let outcomes = settle(&server.base, &token);
    let listed = devices(&server.base, &token);
    let mut shown = Vec::new();
    for device in &listed {
        let id = device["DeviceId"].as_str().unwrap();
        let (status, view) = get(&server.base, &token, &format!("/devices/{id}"));
        assert_eq!(status, 200, "{view}");
        shown.push(view);
    }
    assert!(server.terminate().success(), "exit after SIGTERM");
    let lost = check_devices_and_store(&db, &shown, &outcomes);
    assert_no_panic(&log);
    assert!(!outcomes.is_empty(), "no onboarding started");
    // The development simulator takes any OTP and issues everything asked
    // right: the only failure a kill may cause is the resumption's ZO007.
    // A second production-CSID request would fail with ZATCA's refusal.
    for (activity, outcome) in &outcomes {
        assert!(
            outcome == "SUCCEEDED" || outcome == "FAILED:ZO007",
            "{activity}: {outcome}"
        );
    }
    println!(
        "{KILL_CYCLES} SIGKILLs, {} onboardings started, {answered} answered, {} devices, {} activities, {in_progress_after_kill} left IN_PROGRESS by the kills, outcomes {:?}, {lost} production CSIDs issued but lost with a killed process, {:.1} s",
        KILL_CYCLES * ONBOARDINGS_PER_CYCLE,
        listed.len(),
        outcomes.len(),
        tally(&outcomes),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn sigterm_lets_running_onboardings_finish_and_the_restart_resume_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("service.db");
    let log = dir.path().join("server.log");
    let token = add_vat_and_admin(&db, VAT);
    let server = Server::start(&db, &log, &["--workers", "1"]);
    let answered = start_onboardings(&server.base, &token, "T", ONBOARDINGS_PER_CYCLE);
    assert_eq!(answered, ONBOARDINGS_PER_CYCLE);
    assert!(server.terminate().success(), "exit after SIGTERM");
    let left = common::serve::open_store(&db)
        .unwrap()
        .in_progress_activities()
        .unwrap()
        .len();

    let server = Server::start(&db, &log, &[]);
    let outcomes = settle(&server.base, &token);
    assert_eq!(outcomes.len(), ONBOARDINGS_PER_CYCLE);
    for (activity, outcome) in &outcomes {
        assert!(
            outcome == "SUCCEEDED" || outcome == "FAILED:ZO007",
            "{activity}: {outcome}"
        );
    }
    let listed = devices(&server.base, &token);
    let mut shown = Vec::new();
    for device in &listed {
        let id = device["DeviceId"].as_str().unwrap();
        shown.push(get(&server.base, &token, &format!("/devices/{id}")).1);
    }
    assert!(server.terminate().success(), "exit after SIGTERM");
    check_devices_and_store(&db, &shown, &outcomes);
    assert_no_panic(&log);
    println!(
        "SIGTERM with {ONBOARDINGS_PER_CYCLE} onboardings under way (1 worker): {left} left IN_PROGRESS, after the restart {:?}",
        tally(&outcomes)
    );
}

/// A Fatoora that accepts connections and never answers; counts them.
fn silent_fatoora() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    // Lives as long as the test binary: the held connections never get an answer.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    (url, accepted)
}

#[test]
fn sigterm_while_zatca_does_not_answer_leaves_activities_for_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("service.db");
    let log = dir.path().join("server.log");
    let token = add_vat_and_admin(&db, VAT);
    let (fatoora, accepted) = silent_fatoora();
    let args = ["--env", "development", "--fatoora", fatoora.as_str()];
    let server = Server::start(&db, &log, &args);
    let answered = start_onboardings(&server.base, &token, "S", ONBOARDINGS_PER_CYCLE);
    assert_eq!(answered, ONBOARDINGS_PER_CYCLE);
    let deadline = Instant::now() + Duration::from_secs(20);
    while accepted.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "no activity called Fatoora");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The workers wait on ZATCA longer than the stop's grace for activities.
    assert!(server.terminate().success(), "exit after SIGTERM");
    let store = common::serve::open_store(&db).unwrap();
    assert_eq!(
        store.in_progress_activities().unwrap().len(),
        ONBOARDINGS_PER_CYCLE,
        "every activity waits on ZATCA or on a worker"
    );
    drop(store);
    let calls_before_restart = accepted.load(Ordering::SeqCst);

    // Resumed without their OTP (never kept), before a compliance CSID:
    // FAILED with ZO007, and nothing is sent to ZATCA again.
    let server = Server::start(&db, &log, &args);
    let outcomes = settle(&server.base, &token);
    assert_eq!(outcomes.len(), ONBOARDINGS_PER_CYCLE);
    assert_eq!(
        tally(&outcomes),
        BTreeMap::from([("FAILED:ZO007", ONBOARDINGS_PER_CYCLE)])
    );
    assert_eq!(accepted.load(Ordering::SeqCst), calls_before_restart);
    assert!(server.terminate().success(), "exit after SIGTERM");
    let store = common::serve::open_store(&db).unwrap();
    store.integrity_check().unwrap();
    assert_eq!(store.in_progress_activities().unwrap(), Vec::new());
    assert_no_panic(&log);
}

#[test]
fn sigterm_answers_the_request_in_flight_then_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("service.db");
    let log = dir.path().join("server.log");
    let token = add_vat_and_admin(&db, VAT);
    let server = Server::start(&db, &log, &[]);
    let address = server.host_port().to_owned();

    // A register-device whose body is still arriving when SIGTERM comes.
    let body = register_body(VAT, "INFLIGHT", None).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(&address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /onboarding/register-device HTTP/1.1\r\nHost: {address}\r\ncontent-type: application/json\r\nx-cleartax-auth-token: {token}\r\nvat: {VAT}\r\ncontent-length: {}\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.signal("-TERM");
    std::thread::sleep(Duration::from_millis(500));

    // No new connection is served once stopping.
    let refused = try_call(
        "GET",
        &format!("{}/devices", server.base),
        Some(&token),
        Some(VAT),
        None,
    );
    assert!(refused.is_err(), "a new request after SIGTERM: {refused:?}");

    stream.write_all(rest.as_bytes()).unwrap();
    stream.flush().unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let json = answer.split("\r\n\r\n").nth(1).unwrap();
    let json: Value = serde_json::from_str(json).unwrap();
    assert_eq!(json["Status"], "GENERATED", "{json}");
    assert!(json["DeviceId"].is_string(), "{json}");

    let status = server.wait();
    assert!(status.success(), "exit after SIGTERM: {status}");
    assert_no_panic(&log);
    let store = common::serve::open_store(&db).unwrap();
    store.integrity_check().unwrap();
    assert_eq!(store.list_devices().unwrap().devices.len(), 1);
}
