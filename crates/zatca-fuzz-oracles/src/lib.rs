//! Fuzz oracles: one function per parser of outside input.
//!
//! Each function feeds arbitrary bytes to one parser and checks what must hold
//! for any input: no panic, and where the format has a canonical encoding, that
//! what parses re-encodes and parses back to the same value (or the same
//! bytes). The cargo-fuzz targets in `fuzz/` call these functions, and this
//! crate's tests replay every committed corpus and crash file through them on
//! stable Rust, so a fixed crash stays fixed.
//!
//! A violated property panics on purpose: that is how a fuzzer reports it.
//!
//! Dependencies: every workspace crate that parses outside input (the parsers
//! under test), `x509-cert` and `der` to re-encode a parsed CSR structure,
//! `serde_json` for the onboarding store's JSON files; `zatca-service` for
//! what the onboarding service parses from a request.
#![forbid(unsafe_code)]
// Panicking is this crate's way of reporting a violated property to the fuzzer.
#![allow(clippy::panic)]

use std::sync::OnceLock;

use der::{Decode as _, Encode as _};
use zatca_cert::Certificate;
use zatca_csr::Csr;
use zatca_fatoora::{Csid, ZatcaErrors};
use zatca_keys::{Curve, OutputFormat, PrivateKey};
use zatca_profile::{EgsProfile, Environment, RequestInput, ValidateOptions, ValidationProfile};
use zatca_sign::qr::Qr;
use zatca_sign::{InvoiceHash, InvoiceSignature};

/// An oracle: feeds one input to one parser, panics if a property fails, and
/// returns whether the parser accepted the input (so the replay test can check
/// that the valid seeds really reach the round-trip checks).
pub type Oracle = fn(&[u8]) -> bool;

/// The oracles by fuzz-target name, for the replay tests. Every entry has a
/// `fuzz/fuzz_targets/NAME.rs` and a seed corpus in `fuzz/corpus/NAME/`.
pub const TARGETS: &[(&str, Oracle)] = &[
    ("key_import", key_import),
    ("request", request),
    ("csr", csr),
    ("certificate", certificate),
    ("csid_response", csid_response),
    ("qr", qr),
    ("hash_signature", hash_signature),
    ("c14n", c14n),
    ("c14n_differential", c14n_differential),
    ("invoice", invoice),
    ("verify_invoice", verify_invoice),
    ("compliance_report", compliance_report),
    ("store_json", store_json),
    ("service_request", service_request),
    ("rules", rules),
];

/// Private-key import in every form: never panics; a key that parses re-encodes
/// in every output format to the same key.
pub fn key_import(data: &[u8]) -> bool {
    let Ok((key, _form)) = PrivateKey::from_bytes(data) else {
        return false;
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
    true
}

/// The fixed secp256k1 key the CSR round trips sign with (scalar 1…1).
fn fixed_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(
        || match PrivateKey::from_scalar(Curve::Secp256k1, &[1; 32]) {
            Ok(key) => key,
            Err(e) => panic!("the fixed fuzz key is invalid: {e}"),
        },
    )
}

/// Whether two profiles carry the same CSR values (the shape and how the
/// common name was obtained are not in a CSR, so they are not compared).
pub fn same_csr_values(a: &EgsProfile, b: &EgsProfile) -> bool {
    a.common_name() == b.common_name()
        && a.egs_serial() == b.egs_serial()
        && a.vat() == b.vat()
        && a.organization_unit() == b.organization_unit()
        && a.organization_name() == b.organization_name()
        && a.country() == b.country()
        && a.invoice_types() == b.invoice_types()
        && a.location() == b.location()
        && a.industry() == b.industry()
        && a.environment() == b.environment()
}

/// A valid profile builds a CSR that verifies, parses back from PEM and reads
/// back to the same values.
pub fn profile_round_trip(profile: &EgsProfile) {
    let profile = match profile.environment() {
        Some(_) => profile.clone(),
        None => match profile.clone().with_environment(Environment::Simulation) {
            Ok(p) => p,
            Err(e) => panic!("setting the environment of a profile without one failed: {e}"),
        },
    };
    let built = match Csr::build(&profile, fixed_key()) {
        Ok(csr) => csr,
        Err(e) => panic!("a valid profile did not build a CSR: {e}"),
    };
    if let Err(e) = built.verify() {
        panic!("a built CSR does not verify: {e}");
    }
    let pem = match built.to_pem() {
        Ok(pem) => pem,
        Err(e) => panic!("a built CSR did not encode as PEM: {e}"),
    };
    let parsed = match Csr::parse(pem.as_bytes()) {
        Ok((csr, _)) => csr,
        Err(e) => panic!("a built CSR did not parse back: {e}"),
    };
    if parsed.to_der() != built.to_der() {
        panic!("a built CSR's DER changed through PEM");
    }
    match parsed.to_profile(profile.validation_profile()) {
        Ok(back) if same_csr_values(&back, &profile) => {}
        Ok(back) => panic!("a CSR read back to different values: {back:?} vs {profile:?}"),
        Err(e) => panic!("a built CSR did not read back to a profile: {e}"),
    }
    if !parsed.matches_sdk_structure() && profile.validation_profile() == ValidationProfile::Sdk {
        panic!("a built CSR does not have the SDK's structure");
    }
}

/// Request input (both JSON shapes and SDK `.properties`): never panics;
/// whatever validates (under either profile) builds a CSR that parses back to
/// the same profile.
pub fn request(data: &[u8]) -> bool {
    let Ok(input) = RequestInput::from_bytes(data) else {
        return false;
    };
    let mut valid_under_any = false;
    for profile in [ValidationProfile::Sdk, ValidationProfile::Strict] {
        let options = ValidateOptions {
            profile,
            environment: None,
            require_environment: false,
        };
        match input.validate_with(&options) {
            Ok(valid) => {
                profile_round_trip(&valid);
                valid_under_any = true;
            }
            Err(errors) => {
                // Error rendering must not panic either.
                let _ = errors.to_json();
            }
        }
    }
    valid_under_any
}

/// CSR parse (PEM, DER, base64 of either): never panics; every query on a
/// parsed CSR returns; the DER is canonical (its structure re-encodes to the
/// same bytes); every output form parses back to the same DER; values that
/// read back as a valid profile build a CSR (with a fixed key) that reads back
/// to the same values.
pub fn csr(data: &[u8]) -> bool {
    let Ok((csr, _form)) = Csr::parse(data) else {
        return false;
    };
    let der = csr.to_der();
    match x509_cert::request::CertReq::from_der(der).and_then(|r| r.to_der()) {
        Ok(again) if again == der => {}
        Ok(_) => panic!("a parsed CSR's structure re-encodes to different DER"),
        Err(e) => panic!("a parsed CSR does not decode again: {e}"),
    }
    for format in [
        zatca_csr::OutputFormat::Pem,
        zatca_csr::OutputFormat::Der,
        zatca_csr::OutputFormat::Base64,
    ] {
        let Ok(bytes) = csr.encode(format) else {
            panic!("a parsed CSR failed to encode as {format:?}");
        };
        match Csr::parse(&bytes) {
            Ok((again, _)) if again.to_der() == der => {}
            Ok(_) => panic!("a parsed CSR changed through {format:?}"),
            Err(e) => panic!("a parsed CSR did not parse back from {format:?}: {e}"),
        }
    }
    let _ = csr.verify();
    let _ = csr.public_key();
    let _ = csr.subject();
    let _ = csr.extensions();
    let _ = csr.template_name();
    let _ = csr.environment();
    let _ = csr.san_directory_name();
    let _ = csr.matches_sdk_structure();
    for profile in [ValidationProfile::Sdk, ValidationProfile::Strict] {
        if let Ok(read) = csr.to_profile(profile)
            && read.environment().is_some()
        {
            // What a CSR says validates, so it must build a CSR of its own.
            profile_round_trip(&read);
        }
    }
    true
}

/// Certificate parse (PEM, DER, base64, base64 of PEM, `binarySecurityToken`):
/// never panics; every form the crate writes reads back to the same DER. The
/// DER is kept as received (stack notes trap 6), so structural re-encoding is
/// deliberately not required.
pub fn certificate(data: &[u8]) -> bool {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Certificate::from_binary_security_token(text);
    }
    let Ok((cert, _form)) = Certificate::from_bytes(data) else {
        return false;
    };
    let forms: [(&str, Result<Certificate, zatca_cert::CertError>); 4] = [
        ("DER", Certificate::from_der(cert.der())),
        (
            "PEM",
            Certificate::from_bytes(cert.to_pem().as_bytes()).map(|(c, _)| c),
        ),
        (
            "base64",
            Certificate::from_bytes(cert.base64().as_bytes()).map(|(c, _)| c),
        ),
        (
            "binarySecurityToken",
            Certificate::from_binary_security_token(&cert.binary_security_token()),
        ),
    ];
    for (name, again) in forms {
        match again {
            Ok(again) if again == cert => {}
            Ok(_) => panic!("a parsed certificate changed through its {name} form"),
            Err(e) => panic!("a parsed certificate did not read back from its {name} form: {e}"),
        }
    }
    let _ = cert.ca_family();
    let _ = cert.is_shared_sandbox_certificate();
    let _ = format!("{cert:?}");
    true
}

/// CSID response and ZATCA error bodies: never panic; a parsed CSID's
/// certificate reads back from its token; the secret never shows in `Debug`.
pub fn csid_response(data: &[u8]) -> bool {
    if let Ok(errors) = ZatcaErrors::from_json(data) {
        for e in errors.iter() {
            let _ = format!("{e} {e:?}");
        }
    }
    let response = match Csid::from_response_json(data) {
        Ok(r) => r,
        Err(e) => {
            let _ = e.to_string();
            return false;
        }
    };
    let csid = &response.csid;
    match Certificate::from_binary_security_token(csid.token()) {
        Ok(cert) if &cert == csid.certificate() => {}
        _ => panic!("a CSID's token does not read back to its certificate"),
    }
    let secret = csid.expose_secret();
    // A short secret can occur by chance in any text; only longer ones are checked.
    if secret.len() >= 8 && format!("{response:?}").contains(secret) {
        panic!("a CSID's Debug shows its secret");
    }
    true
}

/// QR TLV (and its base64 text): never panics; what parses re-encodes to the
/// very same bytes (the TLV is canonical: one length byte, fixed tag order).
pub fn qr(data: &[u8]) -> bool {
    let mut accepted = false;
    if let Ok(qr) = Qr::from_tlv(data) {
        accepted = true;
        match qr.to_tlv() {
            Ok(again) if again == data => {}
            Ok(_) => panic!("a parsed QR re-encodes to different TLV bytes"),
            Err(e) => panic!("a parsed QR does not re-encode: {e}"),
        }
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(qr) = Qr::from_base64(text)
    {
        accepted = true;
        match qr.to_base64() {
            Ok(again) if again == text.trim() => {}
            Ok(_) => panic!("a parsed QR text re-encodes to a different text"),
            Err(e) => panic!("a parsed QR text does not re-encode: {e}"),
        }
    }
    accepted
}

/// Invoice hash and signature base64: never panic; what parses re-encodes to
/// the same text.
pub fn hash_signature(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let mut accepted = false;
    if let Ok(hash) = InvoiceHash::from_base64(text) {
        accepted = true;
        if hash.to_base64() != text.trim() {
            panic!("a parsed invoice hash re-encodes to a different text");
        }
    }
    if let Ok(signature) = InvoiceSignature::from_base64(text) {
        accepted = true;
        if signature.to_base64() != text.trim() {
            panic!("a parsed invoice signature re-encodes to a different text");
        }
        let key = fixed_key().public_key();
        let _ = zatca_sign::verify_invoice_signature(
            &key,
            &InvoiceHash::from_bytes([7; 32]),
            &signature,
        );
    }
    accepted
}

/// C14N 1.1: never panics; canonical output is a fixed point (canonicalizing
/// it again gives the same bytes).
pub fn c14n(data: &[u8]) -> bool {
    let Ok(canonical) = zatca_ubl::c14n::canonicalize(data) else {
        return false;
    };
    match zatca_ubl::c14n::canonicalize(&canonical) {
        Ok(again) if again == canonical => {}
        Ok(_) => panic!("canonical XML changed when canonicalized again"),
        Err(e) => panic!("canonical XML does not parse again: {e}"),
    }
    true
}

/// The streaming canonicaliser against the tree canonicaliser (the oracle):
/// wherever the streaming one writes a canonical form, of the whole document
/// or of the invoice hash input, the tree one accepts the document and writes
/// the same bytes; where the streaming one declines, the public entry points
/// give the tree's result. Signing by the streaming path (with the SDK sample
/// key and certificate) gives the same document and values as signing from
/// the tree, or the same error. Returns whether the streaming canonicaliser read
/// the input itself.
pub fn c14n_differential(data: &[u8]) -> bool {
    use zatca_ubl::c14n;
    let tree = c14n::canonicalize_with_tree(data);
    let streamed = c14n::canonicalize_streaming(data);
    match (&streamed, &tree) {
        (Some(s), Ok(t)) if s == t => {}
        (Some(s), Ok(t)) => panic!(
            "streaming and tree C14N differ:\nstreaming {:?}\ntree      {:?}",
            String::from_utf8_lossy(s),
            String::from_utf8_lossy(t)
        ),
        (Some(_), Err(e)) => panic!("the streaming C14N accepted what the tree refuses: {e}"),
        (None, _) => {}
    }
    // What the tree refuses as XML it refuses as an invoice too; the
    // streaming pass must then decline (checked on every input all the same).
    let tree_input = match &tree {
        Ok(_) => c14n::invoice_hash_input_with_tree(data),
        Err(e) => Err(e.clone()),
    };
    let streamed_input = c14n::invoice_hash_input_streaming(data);
    match (&streamed_input, &tree_input) {
        (Some(s), Ok(t)) if s == t => {}
        (Some(s), Ok(t)) => panic!(
            "streaming and tree invoice hash inputs differ:\nstreaming {:?}\ntree      {:?}",
            String::from_utf8_lossy(s),
            String::from_utf8_lossy(t)
        ),
        (Some(_), Err(e)) => panic!("the streaming hash input accepted what the tree refuses: {e}"),
        (None, _) => {}
    }
    // Signing: the places and values the streaming pass reads, against the
    // tree's (the signatures themselves are the same code after that).
    if streamed_input.is_some() {
        let streamed_reading = zatca_ubl::signing_reading_streaming(data);
        let tree_reading = zatca_ubl::signing_reading_with_tree(data);
        match (&streamed_reading, &tree_reading) {
            (Some(s), Ok(t)) if s == t => {}
            (Some(s), Ok(t)) => {
                panic!("streaming and tree signing read differently:\nstreaming {s}\ntree      {t}")
            }
            (Some(_), Err(e)) => {
                panic!("the streaming signing accepted what the tree refuses: {e}")
            }
            (None, _) => {}
        }
        // Verification: what the streaming pass accepts, the tree of the
        // whole document accepts, with the same result.
        if let Some(s) = zatca_ubl::verification_streaming(data) {
            match zatca_ubl::verification_with_tree(data) {
                Ok(t) if s == t => {}
                Ok(t) => {
                    panic!("streaming and tree verification differ:\nstreaming {s}\ntree      {t}")
                }
                Err(e) => {
                    panic!("the streaming verification accepted what the tree refuses: {e:?}")
                }
            }
        }
    }
    streamed.is_some() || streamed_input.is_some()
}

/// Invoice parse and hash: never panics; the hash is SHA-256 of the hash input,
/// and the hash input (canonical XML) is a C14N fixed point.
pub fn invoice(data: &[u8]) -> bool {
    let Ok(invoice) = zatca_ubl::Invoice::parse(data) else {
        return false;
    };
    let input = invoice.hash_input();
    if invoice.hash() != InvoiceHash::of_canonical_invoice(&input) {
        panic!("an invoice's hash is not the SHA-256 of its hash input");
    }
    match zatca_ubl::c14n::canonicalize(&input) {
        Ok(again) if again == input => {}
        Ok(_) => panic!("an invoice's hash input is not canonical"),
        Err(e) => panic!("an invoice's hash input does not parse again: {e}"),
    }
    true
}

/// Signed-invoice verification: never panics; what verifies also passes the
/// all-errors check, with the same hash.
pub fn verify_invoice(data: &[u8]) -> bool {
    let verified = zatca_ubl::verify_invoice(data);
    let checked = zatca_ubl::check_invoice(data);
    match (verified, checked) {
        (Ok(a), Ok(b)) if a.hash() == b.hash() => true,
        (Ok(_), Ok(_)) => panic!("verify_invoice and check_invoice disagree on the hash"),
        (Ok(_), Err(errors)) => {
            panic!("verify_invoice accepted what check_invoice refused: {errors:?}")
        }
        (Err(e), Ok(_)) => panic!("check_invoice accepted what verify_invoice refused: {e}"),
        (Err(_), Err(errors)) if errors.is_empty() => panic!("check_invoice failed with no error"),
        (Err(_), Err(_)) => false,
    }
}

/// The compliance-invoice answer: never panics; what parses re-serializes and
/// parses back equal.
pub fn compliance_report(data: &[u8]) -> bool {
    let Ok(report) = zatca_fatoora::ComplianceReport::from_json(data) else {
        return false;
    };
    let _ = report.passed();
    json_round_trip(&report, "compliance report");
    true
}

fn json_round_trip<T>(value: &T, what: &str)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = match serde_json::to_vec(value) {
        Ok(t) => t,
        Err(e) => panic!("a parsed {what} does not serialize: {e}"),
    };
    match serde_json::from_slice::<T>(&text) {
        Ok(again) if &again == value => {}
        Ok(again) => panic!("a parsed {what} changed through JSON: {again:?} vs {value:?}"),
        Err(e) => panic!("a parsed {what} does not parse back: {e}"),
    }
}

/// The onboarding store's JSON files (`device.json`, activity files,
/// `compliance-N.json`) read back as the store reads them: never panic; what
/// parses writes back and parses equal.
pub fn store_json(data: &[u8]) -> bool {
    let mut accepted = false;
    if let Ok(record) = serde_json::from_slice::<zatca_onboarding::DeviceRecord>(data) {
        json_round_trip(&record, "device record");
        accepted = true;
    }
    if let Ok(activity) = serde_json::from_slice::<zatca_onboarding::Activity>(data) {
        json_round_trip(&activity, "activity");
        accepted = true;
    }
    if let Ok(results) = serde_json::from_slice::<Vec<zatca_onboarding::StepResult>>(data) {
        json_round_trip(&results, "compliance results");
        accepted = true;
    }
    accepted
}

/// A refusal of the service's request parsing must be typed: an HTTP status
/// among `statuses` and at least one entry, each with a code and a message.
fn typed_rejection(rejection: &zatca_service::request::Rejection, statuses: &[u16], what: &str) {
    if !statuses.contains(&rejection.status) {
        panic!(
            "{what}: refused with status {}, expected one of {statuses:?}",
            rejection.status
        );
    }
    if rejection.entries.is_empty() {
        panic!("{what}: refused with an empty ErrorList");
    }
    for entry in &rejection.entries {
        if entry.error_code.is_empty() || entry.error_message.is_empty() {
            panic!("{what}: an ErrorList entry without a code or a message: {entry:?}");
        }
    }
}

/// A register-device body, read and validated as `zatca serve` does.
fn service_register_body(body: &[u8]) -> bool {
    use zatca_service::request::register_body;
    let environment = Environment::Development;
    match register_body(body, environment, &zatca_onboarding::Options::default()) {
        Ok(read) => {
            if read.input.otp().is_some() {
                panic!("register-device: the OTP stayed in the request input");
            }
            if read.profile.environment() != Some(environment) {
                panic!("register-device: a profile of another environment was accepted");
            }
            profile_round_trip(&read.profile);
            true
        }
        Err(rejection) => {
            typed_rejection(&rejection, &[400], "register-device body");
            false
        }
    }
}

/// A `POST /devices` body (the other provider's register call).
fn service_device_body(body: &[u8]) -> bool {
    use zatca_service::request::{EgsCompletion, device_body};
    let environment = Environment::Simulation;
    let egs = EgsCompletion {
        solution: "zatca",
        model: "0.1.0",
    };
    match device_body(
        body,
        environment,
        &zatca_onboarding::Options::default(),
        egs,
    ) {
        Ok(read) => {
            if read.input.otp().is_some() {
                panic!("devices: the OTP stayed in the request input");
            }
            if zatca_onboarding::check_otp(environment, &read.otp).is_err() {
                panic!("devices: an OTP of the wrong form was accepted");
            }
            let serial = read.profile.egs_serial();
            if serial.manufacturer().is_empty() || serial.model().is_empty() {
                panic!("devices: an EGS serial without its parts was accepted");
            }
            profile_round_trip(&read.profile);
            true
        }
        Err(rejection) => {
            typed_rejection(&rejection, &[400], "devices body");
            false
        }
    }
}

/// A sign request: its body (both shapes, with and without an XML content
/// type), the `Idempotency-Key` header and the `{icv}` path parameter.
fn service_invoice_body(data: &[u8]) -> bool {
    use zatca_service::request::{
        HeaderMap, HeaderName, HeaderValue, IDEMPOTENCY_KEY_HEADER, icv, idempotency_key,
        invoice_body,
    };
    let mut accepted = false;
    let mut xml_type = HeaderMap::new();
    xml_type.insert(
        HeaderName::from_static("content-type"),
        HeaderValue::from_static("application/xml"),
    );
    for headers in [HeaderMap::new(), xml_type] {
        match invoice_body(&headers, data) {
            Ok(xml) => {
                accepted = true;
                if xml.len() > data.len() {
                    panic!("invoice body: the document is larger than the body");
                }
            }
            Err(rejection) => typed_rejection(&rejection, &[400], "invoice body"),
        }
    }
    if let Ok(value) = HeaderValue::from_bytes(data) {
        let mut headers = HeaderMap::new();
        headers.insert(HeaderName::from_static(IDEMPOTENCY_KEY_HEADER), value);
        match idempotency_key(&headers) {
            Ok(Some(key)) => {
                accepted = true;
                if zatca_onboarding::check_idempotency_key(&key).is_err() {
                    panic!("Idempotency-Key {key:?} accepted but not a key");
                }
            }
            Ok(None) => panic!("Idempotency-Key: a present header read as absent"),
            Err(rejection) => typed_rejection(&rejection, &[400], "Idempotency-Key"),
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        match icv(text) {
            Ok(n) => {
                accepted = true;
                if n == 0 || n.to_string() != text.trim_start_matches('0') {
                    panic!("ICV {text:?} read as {n}");
                }
            }
            Err(rejection) => typed_rejection(&rejection, &[404], "ICV"),
        }
    }
    accepted
}

/// A generate-csid or renew-pcsid body.
fn service_csid_body(body: &[u8]) -> bool {
    match zatca_service::request::csid_body(body) {
        Ok(read) => {
            let text = read.device_id.to_string();
            if zatca_service::request::device_id(&text).ok() != Some(read.device_id) {
                panic!("csid body: the Device ID {text:?} does not read back");
            }
            if read.otp.is_some_and(|otp| otp.expose().trim().is_empty()) {
                panic!("csid body: a blank OTP was accepted");
            }
            true
        }
        Err(rejection) => {
            typed_rejection(&rejection, &[400], "csid body");
            false
        }
    }
}

/// Headers from `name: value` lines (what HTTP could not carry is left out),
/// plus the whole text as the value of each auth header in turn.
fn service_headers(data: &[u8]) -> bool {
    use zatca_service::request::{
        HeaderMap, HeaderName, HeaderValue, TOKEN_HEADER, VAT_HEADER, auth_token, require_token,
        vat_header,
    };
    let mut maps = Vec::new();
    let mut lines = HeaderMap::new();
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = line.split_at(colon);
        let value = value.get(1..).unwrap_or_default();
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            lines.append(name, value);
        }
    }
    maps.push(lines);
    if let Ok(value) = HeaderValue::from_bytes(data) {
        for name in [TOKEN_HEADER, "authorization", VAT_HEADER] {
            let mut map = HeaderMap::new();
            map.insert(HeaderName::from_static(name), value.clone());
            maps.push(map);
        }
    }
    let mut accepted = false;
    for headers in &maps {
        let token = auth_token(headers);
        if let Some(token) = token {
            accepted = true;
            if token.is_empty() || token.trim() != token {
                panic!("auth headers: the token {token:?} is blank or not trimmed");
            }
            let carried = headers
                .values()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.contains(token));
            if !carried {
                panic!("auth headers: the token {token:?} is in no header");
            }
        }
        match require_token(headers) {
            Ok(t) if Some(t) == token => {}
            Ok(_) => panic!("auth headers: require_token and auth_token disagree"),
            Err(rejection) if token.is_none() => {
                typed_rejection(&rejection, &[401], "auth token");
            }
            Err(_) => panic!("auth headers: a token was found but require_token refused"),
        }
        match vat_header(headers) {
            Ok(vat) => {
                accepted = true;
                if zatca_profile::Vat::parse(vat.as_str()).ok().as_ref() != Some(&vat) {
                    panic!("vat header: {vat:?} does not read back");
                }
            }
            Err(rejection) => typed_rejection(&rejection, &[400, 403], "vat header"),
        }
    }
    accepted
}

/// The `{ActivityId}` and `{DeviceId}` path parameters (axum hands them
/// over percent-decoded, as UTF-8 text).
fn service_path_ids(data: &[u8]) -> bool {
    use zatca_service::request::{activity_id, device_id};
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let mut accepted = false;
    match activity_id(text) {
        Ok(id) => {
            accepted = true;
            if activity_id(&id.to_string()).ok() != Some(id) {
                panic!("ActivityId {text:?} does not read back");
            }
        }
        Err(rejection) => typed_rejection(&rejection, &[400], "ActivityId"),
    }
    match device_id(text) {
        Ok(id) => {
            accepted = true;
            if device_id(&id.to_string()).ok() != Some(id) {
                panic!("DeviceId {text:?} does not read back");
            }
        }
        Err(rejection) => typed_rejection(&rejection, &[400], "DeviceId"),
    }
    accepted
}

/// What `zatca serve` parses from a request (`zatca_service::request`): the
/// register-device body (both shapes), the generate-csid / renew-pcsid body,
/// the auth headers (`x-cleartax-auth-token`, `Authorization: Bearer`,
/// `vat`) and the `ActivityId` / `DeviceId` path parameters. The first line
/// names the part the rest is (`register-device`, `csid`, `headers`,
/// `path`); any other input goes to every part whole. Never panics; every
/// refusal is typed (a status the route may answer, a non-empty ErrorList
/// of coded entries); an accepted body builds a CSR that reads back, and
/// accepted ids and VATs read back to themselves.
pub fn service_request(data: &[u8]) -> bool {
    let (first, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(n) => (
            data.get(..n).unwrap_or_default(),
            data.get(n + 1..).unwrap_or_default(),
        ),
        None => (data, &[][..]),
    };
    match first.strip_suffix(b"\r").unwrap_or(first) {
        b"register-device" => service_register_body(rest),
        b"csid" => service_csid_body(rest),
        b"headers" => service_headers(rest),
        b"path" => service_path_ids(rest),
        b"devices" => service_device_body(rest),
        b"invoice" => service_invoice_body(rest),
        _ => {
            let parts = [
                service_register_body(data),
                service_csid_body(data),
                service_headers(data),
                service_path_ids(data),
                service_device_body(data),
                service_invoice_body(data),
            ];
            parts.contains(&true)
        }
    }
}

/// ZATCA's invoice rules (`zatca-rules`, R3.3.3) on arbitrary bytes: never
/// a panic, the same report twice, a status that follows the findings, and
/// a `validationResults` that says the same (its errors and warnings the
/// report's codes, its status the report's). Accepted: a document that
/// passes or only warns.
pub fn rules(data: &[u8]) -> bool {
    use zatca_rules::Status;
    // A fixed "now" inside the rule corpus's dates, so a verdict never depends on the day.
    let options = zatca_rules::Options::at(zatca_types::UnixTime::from_secs(1_796_083_200));
    let report = zatca_rules::validate(data, &options);
    if zatca_rules::validate(data, &options) != report {
        panic!("rules: two validations of one document differ");
    }
    let errors = report.error_codes();
    let warnings = report.warning_codes();
    let status = report.status();
    let expected = if !errors.is_empty() {
        Status::Error
    } else if !warnings.is_empty() {
        Status::Warning
    } else {
        Status::Pass
    };
    if status != expected {
        panic!("rules: status {status:?} with errors {errors:?} and warnings {warnings:?}");
    }
    let results = report.to_validation_results();
    if results.status != status.as_str() {
        panic!(
            "rules: validationResults.status {} for {status:?}",
            results.status
        );
    }
    let codes =
        |messages: &[zatca_fatoora::ValidationMessage]| -> std::collections::BTreeSet<String> {
            messages.iter().filter_map(|m| m.code.clone()).collect()
        };
    let as_owned = |set: &std::collections::BTreeSet<&str>| -> std::collections::BTreeSet<String> {
        set.iter().map(|c| (*c).to_owned()).collect()
    };
    if codes(&results.error_messages) != as_owned(&errors)
        || codes(&results.warning_messages) != as_owned(&warnings)
    {
        panic!("rules: validationResults and the report name different codes");
    }
    status != Status::Error
}
