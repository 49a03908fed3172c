//! Signing many invoices in one process, one thread against two: what
//! `zatca invoice sign --out-dir DIR FILE…` does per document (one signer,
//! one signing time, each document read, signed and its XML kept), spread
//! over threads the way the CLI spreads it (scoped threads taking the next
//! document from a shared counter).
//!
//! Input: 256 copies of SDK R3.3.3 `Simplified_Invoice.xml`, each with its own
//! UUID (a batch of 64 spent about 5% of its time on two threads starting and
//! the last document, which no month-end batch does). Target: on 2 cores, 2
//! threads ≥ 1.8× the throughput of 1.
//!
//! `batch_sign/speedup_2_threads_over_1` is that ratio under
//! [`zatca_benches::Ratio`]: each iteration signs the batch with one thread
//! and with two, in turn, and the sample is the time of one ÷ the time of two.
//!
//! `ZATCA_INTERLEAVED=ROUNDS cargo bench -p zatca-benches --bench batch`
//! times one thread and two in turn, round after round, and prints the median
//! of each and of the per-round ratio: on a machine whose speed drifts, a ratio
//! of two benchmarks timed one after the other is not to be trusted.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{Criterion, Throughput, criterion_group};
use zatca_benches::{Ratio, interleaved_ratio};

const DOCUMENTS: usize = 256;

/// Signs every document with `threads` workers; the total signed length.
fn sign_all(
    signer: &zatca_ubl::InvoiceSigner<'_>,
    time: &zatca_ubl::SigningTime,
    docs: &[String],
    threads: usize,
) -> usize {
    let next = AtomicUsize::new(0);
    let total = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(doc) = docs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let signed = signer.sign(doc.as_bytes(), time).unwrap();
                    total.fetch_add(black_box(signed.xml()).len(), Ordering::Relaxed);
                }
            });
        }
    });
    total.into_inner()
}

/// The signer's inputs and the documents, made once.
struct Batch {
    key: zatca_keys::PrivateKey,
    cert: zatca_cert::Certificate,
    time: zatca_ubl::SigningTime,
    docs: Vec<String>,
}

impl Batch {
    fn new() -> Self {
        let (key, cert) = zatca_benches::sdk_key_and_certificate().unwrap();
        let time = zatca_ubl::SigningTime::parse("2024-01-14T10:26:49").unwrap();
        let sample = zatca_benches::sdk_simplified_invoice().unwrap();
        let uuid = "8e6000cf-1a98-4174-b3e7-b5d5954bc10d";
        assert!(sample.contains(uuid));
        let docs: Vec<String> = (0..DOCUMENTS)
            .map(|i| sample.replace(uuid, &format!("8e6000cf-1a98-4174-b3e7-{i:012}")))
            .collect();
        Self {
            key,
            cert,
            time,
            docs,
        }
    }

    fn signer(&self) -> zatca_ubl::InvoiceSigner<'_> {
        zatca_ubl::InvoiceSigner::new(&self.key, &self.cert).unwrap()
    }
}

fn bench(c: &mut Criterion) {
    let batch = Batch::new();
    let signer = batch.signer();
    let (time, docs) = (&batch.time, &batch.docs);
    assert_eq!(
        sign_all(&signer, time, docs, 1),
        sign_all(&signer, time, docs, 2)
    );

    let mut g = c.benchmark_group("batch_sign");
    g.throughput(Throughput::Elements(DOCUMENTS as u64));
    for threads in [1, 2] {
        g.bench_function(format!("{DOCUMENTS}_documents/{threads}_threads"), |b| {
            b.iter(|| sign_all(&signer, time, docs, threads))
        });
    }
    g.finish();
}

/// The speed-up of two threads, both timed in turn within every iteration.
fn bench_speedup(c: &mut Criterion<Ratio>) {
    let batch = Batch::new();
    let signer = batch.signer();
    let (time, docs) = (&batch.time, &batch.docs);
    let mut g = c.benchmark_group("batch_sign");
    g.bench_function("speedup_2_threads_over_1", |b| {
        b.iter_custom(|iters| {
            interleaved_ratio(
                iters,
                || {
                    black_box(sign_all(&signer, time, docs, 1));
                },
                || {
                    black_box(sign_all(&signer, time, docs, 2));
                },
            )
        })
    });
    g.finish();
}

/// `ZATCA_INTERLEAVED=ROUNDS`: one thread and two timed in turn, each round.
fn interleaved(rounds: usize) {
    let batch = Batch::new();
    let signer = batch.signer();
    let mut times: [Vec<f64>; 2] = [Vec::with_capacity(rounds), Vec::with_capacity(rounds)];
    let mut ratios = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let mut round = [0.0; 2];
        for (threads, time) in [1, 2].into_iter().zip(&mut round) {
            let start = std::time::Instant::now();
            black_box(sign_all(&signer, &batch.time, &batch.docs, threads));
            *time = start.elapsed().as_secs_f64();
        }
        times[0].push(round[0]);
        times[1].push(round[1]);
        ratios.push(round[0] / round[1]);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (one, two) = (median(&mut times[0]), median(&mut times[1]));
    println!("{rounds} interleaved rounds of {DOCUMENTS} documents");
    for (threads, t) in [(1, one), (2, two)] {
        println!(
            "{threads} thread(s): median {:.3} ms, {:.0} documents/s",
            t * 1e3,
            DOCUMENTS as f64 / t
        );
    }
    println!(
        "2 threads / 1 thread: {:.2}x (median of the per-round ratios; {:.2}x of the medians)",
        median(&mut ratios),
        one / two
    );
}

criterion_group!(benches, bench);
criterion_group! {
    name = speedup;
    config = Criterion::default().with_measurement(Ratio);
    targets = bench_speedup
}

fn main() {
    zatca_benches::bench_main(interleaved, &[benches, speedup]);
}
