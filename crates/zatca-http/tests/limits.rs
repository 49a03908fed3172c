//! The serving limits against hostile clients on loopback: a client stalled
//! inside its body delays no other and is closed after the body timeout; an
//! oversized header is refused before it ends; connections past the limit wait
//! and every connection task ends when its connection closes; a stop lets the
//! request in hand finish. Bounded: a few dozen connections, timeouts of
//! seconds, and every server stops when its test ends.
#![cfg(all(feature = "client", feature = "server"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use zatca_csr::Csr;
use zatca_fatoora::{CsrSubmission, Fatoora, Otp};
use zatca_http::serve::{self, Limits, Running, Stopper};
use zatca_http::{ClientConfig, FatooraServer, HttpFatoora};
use zatca_keys::{Curve, PrivateKey};
use zatca_profile::{Environment, RequestInput, ValidateOptions, ValidationProfile};
use zatca_simulator::{Simulator, SimulatorConfig};

const NOW: u64 = 1_767_225_600; // 2026-01-01

fn csr() -> CsrSubmission {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/requests/sample-device.json");
    let input = RequestInput::from_bytes(&std::fs::read(path).unwrap()).unwrap();
    let profile = input
        .validate_with(&ValidateOptions {
            profile: ValidationProfile::Sdk,
            environment: Some(Environment::Development),
            require_environment: true,
        })
        .unwrap();
    let key = PrivateKey::generate(Curve::Secp256k1).unwrap();
    CsrSubmission {
        csr: Csr::build(&profile, &key).unwrap().to_base64_pem().unwrap(),
    }
}

/// Polls `condition` every 20 ms for up to 10 s; whether it came true.
fn eventually(condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

/// A connection that has sent `bytes` and nothing more.
fn send(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(bytes).unwrap();
    stream
}

/// Everything the server sends until it closes (or `wait` passes: then an error).
fn read_all(stream: &mut TcpStream, wait: Duration) -> std::io::Result<String> {
    stream.set_read_timeout(Some(wait))?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

fn get_request(addr: SocketAddr, path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n")
}

/// Set once a `GET /slow` is in hand.
static SLOW_STARTED: AtomicBool = AtomicBool::new(false);

/// A router that answers `GET /` with `ok`, and `GET /slow` after 300 ms.
fn plain(limits: Limits) -> Running {
    let router = Router::new().route("/", get(|| async { "ok" })).route(
        "/slow",
        get(|| async {
            SLOW_STARTED.store(true, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(300)).await;
            "slow"
        }),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    serve::start(listener, router, limits, Stopper::new()).unwrap()
}

#[test]
fn a_stalled_body_delays_no_other_client_and_is_closed_after_the_body_timeout() {
    let simulator = Simulator::new(SimulatorConfig::for_environment(
        Environment::Development,
        NOW,
    ))
    .unwrap();
    let server = FatooraServer::bind("127.0.0.1:0".parse().unwrap(), simulator)
        .unwrap()
        .with_limits(Limits {
            body_read_timeout: Duration::from_secs(2),
            ..Limits::default()
        });
    let addr = server.local_addr();
    let stopper = server.stopper();
    let client = HttpFatoora::new(
        ClientConfig::new(server.base_url())
            .timeouts(Duration::from_secs(5), Duration::from_secs(30))
            .retries(0, Duration::ZERO),
    )
    .unwrap();
    std::thread::scope(|s| {
        let serving = s.spawn(|| server.serve(None));
        // Headers that promise 5000 body bytes, then one byte and silence.
        let mut stalled = send(
            addr,
            format!(
                "POST /compliance HTTP/1.1\r\nHost: {addr}\r\nAccept-Version: V2\r\nOTP: 123345\r\nContent-Length: 5000\r\n\r\n{{"
            )
            .as_bytes(),
        );
        let stalled_answer = s.spawn(move || {
            let answer = read_all(&mut stalled, Duration::from_secs(30));
            (answer, Instant::now())
        });
        assert!(eventually(|| server.live_connections() == 1));

        let answer = client.compliance_csid(&Otp::new("123345".to_owned()), &csr());
        let live_answered = Instant::now();
        assert!(answer.is_ok(), "{answer:?}");

        let (stalled, stalled_answered) = stalled_answer.join().unwrap();
        let stalled = stalled.unwrap();
        assert!(stalled.starts_with("HTTP/1.1 408"), "{stalled}");
        assert!(stalled.contains("Invalid-Request"), "{stalled}");
        assert!(
            live_answered < stalled_answered,
            "the live client was answered while the stalled one was pending"
        );
        assert!(eventually(|| server.live_connections() == 0));
        stopper.stop();
        assert_eq!(serving.join().unwrap().unwrap(), 1);
    });
}

#[test]
fn an_oversized_header_is_refused_before_it_ends() {
    let running = plain(Limits {
        // Far longer than the test: a refusal can only come from the size bound.
        header_read_timeout: Duration::from_secs(60),
        ..Limits::default()
    });
    let addr = running.local_addr();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\nX-Padding: ").as_bytes())
        .unwrap();
    // 1 MiB of one header, never terminated; the server may close mid-way.
    let chunk = vec![b'a'; 16 * 1024];
    for _ in 0..64 {
        if stream.write_all(&chunk).is_err() {
            break;
        }
    }
    match read_all(&mut stream, Duration::from_secs(20)) {
        Ok(answer) => assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
            "{answer}"
        ),
        Err(e) => assert!(
            !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "the server waited for the rest of the header: {e}"
        ),
    }
    assert!(eventually(|| running.live_connections() == 0));
    let mut next = send(addr, get_request(addr, "/").as_bytes());
    let answer = read_all(&mut next, Duration::from_secs(10)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    running.stop();
}

#[test]
fn connections_past_the_limit_wait_and_every_task_ends_when_its_connection_closes() {
    let limit = 8;
    let running = plain(Limits {
        max_connections: limit,
        header_read_timeout: Duration::from_secs(60),
        ..Limits::default()
    });
    let addr = running.local_addr();
    let idle: Vec<TcpStream> = (0..5 * limit)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    assert!(eventually(|| running.live_connections() == limit));

    // A request past the limit waits in the backlog for a free slot.
    let mut waiting = send(addr, get_request(addr, "/").as_bytes());
    waiting
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut byte = [0u8; 1];
    let early = waiting.read(&mut byte);
    assert!(
        matches!(&early, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "answered past the connection limit: {early:?}"
    );
    assert_eq!(running.live_connections(), limit);

    drop(idle);
    let answer = read_all(&mut waiting, Duration::from_secs(10)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        eventually(|| running.live_connections() == 0),
        "{} connection tasks left",
        running.live_connections()
    );
    let mut next = send(addr, get_request(addr, "/").as_bytes());
    let answer = read_all(&mut next, Duration::from_secs(10)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    running.stop();
}

#[test]
fn idle_connections_are_closed_after_the_header_timeout() {
    let running = plain(Limits {
        header_read_timeout: Duration::from_secs(1),
        ..Limits::default()
    });
    let addr = running.local_addr();
    let mut idle: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(addr).unwrap()).collect();
    // One that sent half a request line, one that sent nothing at all.
    idle[0].write_all(b"GET / HT").unwrap();
    for stream in &mut idle {
        // Closed by the server (EOF, perhaps after a 408), not by this read's timeout.
        match read_all(stream, Duration::from_secs(20)) {
            Ok(answer) => assert!(
                answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
                "{answer}"
            ),
            Err(e) => assert!(
                !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
                "still open: {e}"
            ),
        }
    }
    assert!(eventually(|| running.live_connections() == 0));
    running.stop();
}

#[test]
fn a_stop_answers_the_request_in_hand_then_refuses_connections() {
    let running = plain(Limits::default());
    let addr = running.local_addr();
    let mut in_hand = send(addr, get_request(addr, "/slow").as_bytes());
    assert!(eventually(|| SLOW_STARTED.load(Ordering::SeqCst)));
    let stopper = running.stopper();
    stopper.stop();
    let answer = read_all(&mut in_hand, Duration::from_secs(10)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("slow"), "{answer}");
    running.wait();
    assert!(TcpStream::connect(addr).is_err(), "still listening");
}

#[test]
fn a_body_past_the_limit_is_refused_413_declared_or_chunked() {
    let running = plain(Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    });
    let addr = running.local_addr();
    // Declared too large: refused at once, the body never sent.
    let mut declared = send(
        addr,
        format!("POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 3145728\r\n\r\n").as_bytes(),
    );
    let answer = read_all(&mut declared, Duration::from_secs(10)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("larger than 1024 bytes"), "{answer}");
    // Chunked, with no length up front: refused once past the limit.
    let mut chunked =
        format!("POST / HTTP/1.1\r\nHost: {addr}\r\nTransfer-Encoding: chunked\r\n\r\n");
    for _ in 0..4 {
        chunked.push_str(&format!("200\r\n{}\r\n", "a".repeat(0x200)));
    }
    chunked.push_str("0\r\n\r\n");
    let mut chunked = send(addr, chunked.as_bytes());
    let answer = read_all(&mut chunked, Duration::from_secs(10)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    running.stop();
}

#[test]
fn out_of_range_limits_are_brought_into_range() {
    let running = plain(Limits {
        header_read_timeout: Duration::MAX,
        body_read_timeout: Duration::MAX,
        max_header_bytes: 0,
        max_body_bytes: 0,
        max_connections: 0,
        shutdown_grace: Duration::MAX,
    });
    let addr = running.local_addr();
    let mut stream = send(addr, get_request(addr, "/").as_bytes());
    let answer = read_all(&mut stream, Duration::from_secs(10)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    running.stop();
}
