//! After a failure where ZATCA may have acted (a 5xx or no answer to
//! `POST /compliance`), every command that sent it says to look at the device
//! before trying again: `onboard`, `device register --otp` and `device csid`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::time::Duration;

use common::{sample, zatca};

/// A Fatoora on loopback that answers every request with HTTP 500; stops after `max` requests.
fn failing_fatoora(max: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 16 * 1024];
            let _ = stream.read(&mut buf);
            let body = r#"{"code":"500","message":"Something went wrong"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

const HINT: &str = "ZATCA may or may not have acted";

#[test]
fn every_command_that_sent_an_ambiguous_request_says_to_look_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let s = store.to_str().unwrap();
    let url = failing_fatoora(20);
    let sample = sample();
    let r = sample.as_str();

    let out = zatca(&[
        "onboard",
        r,
        "--env",
        "development",
        "--fatoora",
        &url,
        "--store",
        s,
    ]);
    assert_eq!(out.status.code(), Some(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(HINT), "onboard: {stderr}");

    let out = zatca(&[
        "device",
        "register",
        r,
        "--env",
        "development",
        "--otp",
        "123345",
        "--fatoora",
        &url,
        "--store",
        s,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(5));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["Status"], "FAILED");
    // The device exists from the first try (warning 6002), then the failure with its hint.
    assert_eq!(answer["ErrorList"][0]["ErrorCode"], "6002");
    let hinted = answer["ErrorList"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["Hint"].as_str().is_some_and(|h| h.contains(HINT)));
    assert!(hinted, "{answer}");
    let id = answer["DeviceId"].as_str().unwrap().to_owned();

    let out = zatca(&[
        "device",
        "csid",
        &id,
        "--otp",
        "123345",
        "--fatoora",
        &url,
        "--store",
        s,
    ]);
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains(HINT));

    // A local refusal is not ambiguous: no hint.
    let out = zatca(&[
        "device",
        "renew",
        &id,
        "--otp",
        "123345",
        "--fatoora",
        &url,
        "--store",
        s,
    ]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains(HINT));
}
