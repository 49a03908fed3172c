//! Fuzz oracles: one function per parser of outside input.
//!
//! Each function feeds arbitrary bytes to one parser and checks what must hold
//! for any input: no panic, and where the format has a canonical encoding, that
//! what parses re-encodes and parses back to the same value. The cargo-fuzz
//! targets in `fuzz/` call these functions, and this crate's tests replay every
//! committed corpus and crash file through them on stable Rust, so a fixed crash
//! stays fixed.
//!
//! A violated property panics on purpose: that is how a fuzzer reports it.
#![forbid(unsafe_code)]
#![allow(clippy::panic)]

use zatca_keys::{OutputFormat, PrivateKey};

/// An oracle: feeds one input to one parser and panics if a property fails.
pub type Oracle = fn(&[u8]);

/// The oracles by fuzz-target name, for the replay tests.
pub const TARGETS: &[(&str, Oracle)] = &[("key_import", key_import)];

/// Private-key import in every form: never panics; a key that parses re-encodes
/// in every output format to the same key.
pub fn key_import(data: &[u8]) {
    let Ok((key, _form)) = PrivateKey::from_bytes(data) else {
        return;
    };
    for format in [
        OutputFormat::Sec1Pem,
        OutputFormat::Pkcs8Pem,
        OutputFormat::SdkBase64,
    ] {
        let Ok(text) = key.encode(format) else {
            panic!("a parsed key failed to encode as {format:?}");
        };
        match PrivateKey::from_bytes(text.as_bytes()) {
            Ok((again, _)) if again.public_key() == key.public_key() => {}
            _ => panic!("a parsed key did not round-trip through {format:?}"),
        }
    }
}
