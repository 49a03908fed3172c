//! `zatca invoice sign --device` and `zatca device chain` on the directory
//! store: consecutive ICVs and linked PIHs, sequentially, from concurrent
//! processes, and with processes killed mid-way.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{finish, json, sample, spawn_zatca, stdout, testdata, text, unsigned_sample, zatca};
use serde_json::Value;

/// A store with one device onboarded in development; its folder and id.
fn onboarded(dir: &Path) -> (PathBuf, String) {
    let store = dir.join("store");
    let s = store.to_str().unwrap();
    let out = zatca(&["onboard", &sample(), "--env", "development", "--store", s]);
    assert!(out.status.success(), "{}", text(&out));
    let list = json(&zatca(&["device", "list", "--store", s, "--json"]));
    let id = list[0]["DeviceId"].as_str().unwrap().to_owned();
    (store, id)
}

/// The SDK's simplified invoice without its signature parts, written to `dir`.
fn unsigned_invoice(dir: &Path) -> PathBuf {
    let path = dir.join("unsigned.xml");
    std::fs::write(&path, unsigned_sample("simplified-invoice")).unwrap();
    path
}

fn sign_args<'a>(doc: &'a str, id: &'a str, store: &'a str, out: &'a str) -> Vec<&'a str> {
    vec![
        "invoice", "sign", doc, "--device", id, "--store", store, "--out", out, "--json",
    ]
}

/// The stored documents of the chain, by ICV, and the head (last ICV, next PIH).
fn stored_chain(store: &Path, id: &str) -> (BTreeMap<u64, Value>, u64, String) {
    let dir = store.join("devices/development").join(id);
    let device: Value =
        serde_json::from_slice(&std::fs::read(dir.join("device.json")).unwrap()).unwrap();
    let last = device["Chain"]["LastIcv"].as_u64().unwrap();
    let pih = device["Chain"]["Pih"].as_str().unwrap().to_owned();
    let mut docs = BTreeMap::new();
    for icv in 1..=last {
        let path = dir.join(format!("invoices/{icv}.json"));
        docs.insert(
            icv,
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap(),
        );
    }
    (docs, last, pih)
}

/// Every committed document links to the one before it and the head to the
/// last; each verifies and hashes (`zatca invoice hash`) to its recorded hash.
fn assert_linked(dir: &Path, store: &Path, id: &str) -> BTreeMap<u64, Value> {
    let (docs, last, head_pih) = stored_chain(store, id);
    let mut pih =
        "NWZlY2ViNjZmZmM4NmYzOGQ5NTI3ODZjNmQ2OTZjNzljMmRiYzIzOWRkNGU5MWI0NjcyOWQ3M2EyN2ZiNTdlOQ=="
            .to_owned();
    for (icv, doc) in &docs {
        assert_eq!(doc["Icv"].as_u64(), Some(*icv));
        assert_eq!(doc["Pih"].as_str(), Some(pih.as_str()), "ICV {icv}");
        let file = dir.join(format!("check-{icv}.xml"));
        std::fs::write(&file, doc["SignedInvoice"].as_str().unwrap()).unwrap();
        let f = file.to_str().unwrap();
        let hash = zatca(&["invoice", "hash", f]);
        assert_eq!(stdout(&hash).trim(), doc["InvoiceHash"].as_str().unwrap());
        let verify = zatca(&["invoice", "verify", f]);
        assert!(verify.status.success(), "ICV {icv}: {}", text(&verify));
        pih = doc["InvoiceHash"].as_str().unwrap().to_owned();
    }
    assert_eq!(head_pih, pih);
    assert_eq!(docs.len() as u64, last);
    docs
}

#[test]
fn sequential_signing_chains_and_device_chain_shows_the_head() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = onboarded(dir.path());
    let s = store.to_str().unwrap();
    let doc = unsigned_invoice(dir.path());
    let d = doc.to_str().unwrap();

    let head = json(&zatca(&["device", "chain", &id, "--store", s, "--json"]));
    assert_eq!(head["LastIcv"], 0);
    assert_eq!(head["NextIcv"], 1);

    let mut previous = head["NextPih"].as_str().unwrap().to_owned();
    for icv in 1..=3u64 {
        let out_path = dir.path().join(format!("signed-{icv}.xml"));
        let o = out_path.to_str().unwrap();
        let out = zatca(&sign_args(d, &id, s, o));
        assert!(out.status.success(), "{}", text(&out));
        let answer = json(&out);
        assert_eq!(answer["icv"], icv);
        assert_eq!(answer["pih"].as_str(), Some(previous.as_str()));
        let hash = zatca(&["invoice", "hash", o, "--json"]);
        let hash = json(&hash);
        assert_eq!(hash["invoice_hash"], answer["invoiceHash"]);
        assert_eq!(hash["icv"], icv);
        assert!(zatca(&["invoice", "verify", o]).status.success());
        previous = answer["invoiceHash"].as_str().unwrap().to_owned();
    }
    assert_linked(dir.path(), &store, &id);

    let out = zatca(&["device", "chain", &id, "--store", s]);
    assert!(out.status.success(), "{}", text(&out));
    let shown = stdout(&out);
    assert!(shown.contains("last ICV:  3"), "{shown}");
    assert!(shown.contains(&format!("next PIH:  {previous}")), "{shown}");

    // `--out` that exists is refused before an ICV is taken.
    let taken = dir.path().join("signed-1.xml");
    let out = zatca(&sign_args(d, &id, s, taken.to_str().unwrap()));
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let head = json(&zatca(&["device", "chain", &id, "--store", s, "--json"]));
    assert_eq!(head["LastIcv"], 3);

    // The same idempotency key writes the committed document again.
    let first = dir.path().join("keyed-1.xml");
    let again = dir.path().join("keyed-2.xml");
    let keyed = |out: &Path| {
        let mut args = sign_args(d, &id, s, out.to_str().unwrap());
        args.extend(["--idempotency-key", "till-1-0042"]);
        json(&zatca(&args))
    };
    let a = keyed(&first);
    let b = keyed(&again);
    assert_eq!((a["icv"].as_u64(), b["icv"].as_u64()), (Some(4), Some(4)));
    assert_eq!(b["replayed"], true);
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

#[test]
fn device_and_key_are_exclusive_and_refusals_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = onboarded(dir.path());
    let s = store.to_str().unwrap();
    let doc = unsigned_invoice(dir.path());
    let out = dir.path().join("out.xml");
    let o = out.to_str().unwrap();
    let key = testdata("keys/sdk-r3.3.3-priv-key.b64");
    let r = zatca(&[
        "invoice",
        "sign",
        doc.to_str().unwrap(),
        "--device",
        &id,
        "--key",
        &key,
        "--out",
        o,
    ]);
    assert_eq!(r.status.code(), Some(2), "{}", text(&r));
    // A signed document is refused, naming the file; nothing is committed.
    let signed = testdata("invoices/sdk-r3.3.3/Simplified/Invoice/Simplified_Invoice.xml");
    let r = zatca(&[
        "invoice", "sign", &signed, "--device", &id, "--store", s, "--out", o,
    ]);
    assert_eq!(r.status.code(), Some(1), "{}", text(&r));
    assert!(text(&r).contains("Simplified_Invoice.xml"), "{}", text(&r));
    assert!(text(&r).contains("UBLExtensions"), "{}", text(&r));
    let head = json(&zatca(&["device", "chain", &id, "--store", s, "--json"]));
    assert_eq!(head["LastIcv"], 0);
    // An unknown device.
    let unknown = "00000000-0000-4000-8000-000000000000";
    let r = zatca(&["device", "chain", unknown, "--store", s]);
    assert_eq!(r.status.code(), Some(1), "{}", text(&r));
    assert!(
        text(&r).contains("ZO003") || text(&r).contains("no device"),
        "{}",
        text(&r)
    );
}

#[test]
fn eight_concurrent_processes_get_consecutive_icvs_in_one_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = onboarded(dir.path());
    let s = store.to_str().unwrap();
    let doc = unsigned_invoice(dir.path());
    let d = doc.to_str().unwrap();
    let outs: Vec<String> = (0..8)
        .map(|n| {
            dir.path()
                .join(format!("signed-{n}.xml"))
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let children: Vec<_> = outs
        .iter()
        .map(|o| spawn_zatca(&sign_args(d, &id, s, o), &[]))
        .collect();
    let mut answers = BTreeMap::new();
    for (child, o) in children.into_iter().zip(&outs) {
        let out = finish(child, &sign_args(d, &id, s, o));
        assert!(out.status.success(), "{}", text(&out));
        let answer = json(&out);
        let icv = answer["icv"].as_u64().unwrap();
        // The document written is the one answered.
        let hash = json(&zatca(&["invoice", "hash", o, "--json"]));
        assert_eq!(hash["invoice_hash"], answer["invoiceHash"]);
        assert!(answers.insert(icv, answer).is_none(), "ICV {icv} twice");
    }
    assert_eq!(
        answers.keys().copied().collect::<Vec<_>>(),
        (1..=8).collect::<Vec<_>>()
    );
    let docs = assert_linked(dir.path(), &store, &id);
    for (icv, answer) in &answers {
        assert_eq!(docs[icv]["InvoiceHash"], answer["invoiceHash"]);
    }
}

#[test]
fn killed_processes_never_repeat_an_icv_nor_fork_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let (store, id) = onboarded(dir.path());
    let s = store.to_str().unwrap();
    let doc = unsigned_invoice(dir.path());
    let d = doc.to_str().unwrap();
    let mut answered: BTreeMap<u64, Value> = BTreeMap::new();
    let mut killed = 0;
    for round in 0..4u64 {
        let outs: Vec<String> = (0..6)
            .map(|n| {
                dir.path()
                    .join(format!("signed-{round}-{n}.xml"))
                    .to_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        let mut children: Vec<_> = outs
            .iter()
            .map(|o| spawn_zatca(&sign_args(d, &id, s, o), &[]))
            .collect();
        // Kill every other process after a delay that grows each round, so
        // the kills land at different points (waiting for the lock, signing,
        // between the invoice file and device.json, after the commit).
        for (n, child) in children.iter_mut().enumerate() {
            if n % 2 == 1 {
                std::thread::sleep(Duration::from_millis(5 + 15 * round));
                if child.kill().is_ok() {
                    killed += 1;
                }
            }
        }
        for (child, o) in children.into_iter().zip(&outs) {
            let out = finish(child, &sign_args(d, &id, s, o));
            if out.status.success() {
                let answer = json(&out);
                let icv = answer["icv"].as_u64().unwrap();
                assert!(answered.insert(icv, answer).is_none(), "ICV {icv} twice");
            }
        }
    }
    assert!(killed > 0);
    // The store is consistent and the next document goes on from the head.
    let out_path = dir.path().join("after.xml");
    let out = zatca(&sign_args(d, &id, s, out_path.to_str().unwrap()));
    assert!(out.status.success(), "{}", text(&out));
    let last = json(&out);
    let icv = last["icv"].as_u64().unwrap();
    assert!(answered.insert(icv, last).is_none(), "ICV {icv} twice");
    let docs = assert_linked(dir.path(), &store, &id);
    // Every answer given is the committed document of its ICV: none was
    // overwritten by a later signer.
    for (icv, answer) in &answered {
        assert_eq!(docs[icv]["InvoiceHash"], answer["invoiceHash"], "ICV {icv}");
    }
}
