//! Replays every committed fuzz corpus and crash file through its oracle (stable Rust).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

#[test]
fn every_corpus_and_artifact_replays_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut replayed = 0usize;
    for (target, oracle) in zatca_fuzz_oracles::TARGETS {
        let mut count = 0usize;
        for dir in ["corpus", "artifacts", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_file() {
                    let data = std::fs::read(&path).unwrap();
                    let outcome = std::panic::catch_unwind(|| oracle(&data));
                    assert!(
                        outcome.is_ok(),
                        "{target}: {} fails its oracle",
                        path.display()
                    );
                    count += 1;
                }
            }
        }
        assert!(
            count > 0,
            "{target}: no committed corpus under fuzz/corpus/{target}"
        );
        replayed += count;
    }
    eprintln!("replayed {replayed} corpus and crash inputs");
}
