//! The service-managed invoice chain over HTTP, for the tests that drive it:
//! onboarding a `Model` device with `POST /devices`, signing over HTTP, and
//! checking a whole chain (consecutive ICVs, linked PIHs, every document
//! verifying and hashing, independently, to its `invoiceHash`).

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use serde_json::{Value, json};

use super::independent_invoice_hash;
use super::serve::{Answer, Server, add_vat_and_admin, call, post_raw};

pub const VAT: &str = "399999999900003";

pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// One unsigned document of each kind the chain signs ([`super::unsigned_sample`]).
pub const SAMPLES: [&str; 4] = [
    "simplified-invoice",
    "standard-invoice",
    "simplified-credit-note",
    "standard-debit-note",
];

/// A database with the VAT and an admin; the admin's token.
pub fn database(dir: &Path) -> (std::path::PathBuf, String) {
    let db = dir.join("service.db");
    let token = add_vat_and_admin(&db, VAT);
    (db, token)
}

/// `POST /devices`; the answer must be 200 `Success`.
pub fn onboard(server: &Server, token: &str, body: &Value) -> Value {
    let (status, answer) = call(
        "POST",
        &format!("{}/devices", server.base),
        Some(token),
        Some(VAT),
        Some(body),
    );
    assert_eq!(
        (status, &answer["status"]),
        (200, &json!("Success")),
        "{answer}"
    );
    answer
}

/// Signs `xml` for device `id` (XML body, or JSON `{"invoice": base64}`).
pub fn sign(
    server: &Server,
    token: &str,
    id: &str,
    xml: &str,
    as_json: bool,
    key: Option<&str>,
) -> Answer {
    let url = format!("{}/devices/{id}/invoices", server.base);
    let extra: Vec<(&str, &str)> = key.map(|k| ("Idempotency-Key", k)).into_iter().collect();
    if as_json {
        let body = json!({ "invoice": B64.encode(xml) }).to_string();
        post_raw(
            &url,
            token,
            VAT,
            "application/json",
            &extra,
            body.as_bytes(),
        )
    } else {
        post_raw(&url, token, VAT, "application/xml", &extra, xml.as_bytes())
    }
}

pub fn signed_xml(answer: &Value) -> String {
    String::from_utf8(
        B64.decode(answer["signedInvoice"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap()
}

/// The answers sorted by ICV must be ICV 1..=n, each PIH the previous
/// document's hash (the first the genesis value), each document carrying
/// its ICV, PIH and UUID, verifying, and hashing (independently, where
/// xmllint and openssl exist) to its `invoiceHash`.
pub fn assert_chain(answers: &[Value]) {
    let mut by_icv: BTreeMap<u64, &Value> = BTreeMap::new();
    for answer in answers {
        let icv = answer["icv"].as_u64().unwrap();
        assert!(
            by_icv.insert(icv, answer).is_none(),
            "ICV {icv} answered twice"
        );
    }
    let icvs: Vec<u64> = by_icv.keys().copied().collect();
    assert_eq!(icvs, (1..=answers.len() as u64).collect::<Vec<_>>());
    let mut pih = zatca_sign::FIRST_PIH.to_owned();
    for (icv, answer) in by_icv {
        assert_eq!(answer["pih"], json!(pih), "ICV {icv}");
        let xml = signed_xml(answer);
        let doc = zatca_ubl::Invoice::parse(xml.as_bytes()).unwrap();
        assert_eq!(
            (doc.icv().unwrap(), doc.pih().unwrap()),
            (icv, pih.as_str())
        );
        assert_eq!(doc.uuid().unwrap(), answer["uuid"].as_str().unwrap());
        assert_eq!(doc.qr(), answer["qr"].as_str());
        zatca_ubl::verify_invoice(xml.as_bytes()).unwrap();
        let hash = answer["invoiceHash"].as_str().unwrap().to_owned();
        if let Some(independent) = independent_invoice_hash(&xml) {
            assert_eq!(independent, hash, "ICV {icv}");
        }
        pih = hash;
    }
}

/// The codes of an answer's `errorList`.
pub fn error_codes_of(answer: &Value) -> Vec<String> {
    answer["errorList"]
        .as_array()
        .unwrap_or_else(|| panic!("no errorList: {answer}"))
        .iter()
        .map(|e| e["ErrorCode"].as_str().unwrap().to_owned())
        .collect()
}

/// A small xorshift generator: kill points that differ from run to run.
pub struct Random(pub u64);

impl Random {
    pub fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        Self(u64::from(nanos) | 1)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// `count` signers started together, signer `n` sending [`SAMPLES`]`[n % 4]`
/// to `servers[n % len]` (XML, or JSON every other time) under the
/// idempotency key `till-n`; each must answer 200. The answers, by signer.
pub fn sign_in_parallel(
    servers: &[std::sync::Arc<Server>],
    token: &str,
    id: &str,
    count: usize,
) -> Vec<(usize, Value)> {
    use std::sync::{Arc, Barrier};
    let unsigned: Vec<String> = SAMPLES.iter().map(|s| super::unsigned_sample(s)).collect();
    let barrier = Arc::new(Barrier::new(count));
    let threads: Vec<_> = (0..count)
        .map(|n| {
            let server = Arc::clone(&servers[n % servers.len()]);
            let (barrier, token, id) = (Arc::clone(&barrier), token.to_owned(), id.to_owned());
            let xml = unsigned[n % unsigned.len()].clone();
            std::thread::spawn(move || {
                barrier.wait();
                let key = format!("till-{n}");
                let answer = sign(&server, &token, &id, &xml, n % 2 == 0, Some(&key));
                assert_eq!(answer.status, 200, "{}", answer.body);
                (n, answer.body)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}
