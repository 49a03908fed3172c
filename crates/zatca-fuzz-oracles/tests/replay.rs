//! Replays every committed fuzz corpus and crash file through its oracle (stable Rust).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

#[test]
fn every_corpus_and_artifact_replays_cleanly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut replayed = 0usize;
    for (target, oracle) in zatca_fuzz_oracles::TARGETS {
        assert!(
            root.join("fuzz_targets")
                .join(format!("{target}.rs"))
                .is_file(),
            "{target}: no fuzz/fuzz_targets/{target}.rs"
        );
        let mut count = 0usize;
        let mut seeds_accepted = 0usize;
        for dir in ["corpus", "artifacts", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_file() {
                    let data = std::fs::read(&path).unwrap();
                    let outcome = std::panic::catch_unwind(|| oracle(&data));
                    let Ok(accepted) = outcome else {
                        panic!("{target}: {} fails its oracle", path.display());
                    };
                    let is_seed = path
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("seed-"));
                    if dir == "corpus" && is_seed && accepted {
                        seeds_accepted += 1;
                    }
                    count += 1;
                }
            }
        }
        assert!(
            count > 0,
            "{target}: no committed corpus under fuzz/corpus/{target}"
        );
        // The valid samples must get past the parser, or the round-trip checks
        // behind it would never run.
        assert!(
            seeds_accepted > 0,
            "{target}: no seed-* input in fuzz/corpus/{target} is accepted by its parser"
        );
        eprintln!("{target}: {count} inputs, {seeds_accepted} seeds accepted");
        replayed += count;
    }
    eprintln!("replayed {replayed} corpus and crash inputs");
}

#[test]
fn every_fuzz_target_has_an_oracle() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/fuzz_targets");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        assert!(
            zatca_fuzz_oracles::TARGETS.iter().any(|(t, _)| *t == name),
            "fuzz target {name} has no entry in TARGETS"
        );
    }
}
