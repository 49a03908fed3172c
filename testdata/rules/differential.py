#!/usr/bin/env python3
"""Compare zatca-rules with ZATCA's own rule files on a sample of documents (the fuzz
target's findings, or any folder of XML files).

Usage (from the repository root):
    python3 testdata/rules/differential.py DIR [N]

Takes up to N (default 50) files of DIR at random, runs the official rule files on them
(testdata/zatca-rules/run-official.py, one JVM) and this crate's engine
(`cargo run -p zatca-rules --example verdicts`), and prints every file where the error or
warning ids of an implemented rule differ. Exit 1 if any does. A `*-NOT-RUN` on the
official side where we do not stop is reported separately: the official rules stopped in
an assertion we may not evaluate yet.
"""
import importlib.util, json, os, random, subprocess, sys, tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ORACLE = os.path.join(ROOT, "testdata", "zatca-rules", "run-official.py")


def main():
    folder = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder)
                   if os.path.isfile(os.path.join(folder, f)))
    random.seed(0)
    files = random.sample(files, min(count, len(files)))

    def utf8(path):
        try:
            with open(path, "rb") as f:
                f.read().decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False

    # The oracle's xmllint output is read as UTF-8: leave other bytes out (we refuse them
    # at the schema stage, and so does the SDK's parser).
    skipped = [f for f in files if not utf8(f)]
    files = [f for f in files if utf8(f)]
    with tempfile.TemporaryDirectory() as tmp:
        # The oracle reads files by name; give each a .xml copy.
        copies = []
        for i, f in enumerate(files):
            c = os.path.join(tmp, f"{i:04d}.xml")
            with open(f, "rb") as src, open(c, "wb") as dst:
                dst.write(src.read())
            copies.append(c)
        spec = importlib.util.spec_from_file_location("oracle", ORACLE)
        oracle = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(oracle)
        # Fuzzed bytes reach xmllint's messages: read them leniently (the schema verdict is
        # all that matters here).
        oracle.xsd_errors = lambda path: [l for l in subprocess.run(
            ["xmllint", "--noout", "--schema", oracle.XSD, path], capture_output=True,
            text=True, errors="replace").stderr.splitlines() if "validates" not in l]
        official = {r["file"]: r for r in oracle.check_all(copies)}
        ours = json.loads(subprocess.run(
            ["cargo", "run", "-q", "-p", "zatca-rules", "--example", "verdicts", "--"] + copies,
            cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    implemented = set(ours["implemented"])
    differences = 0
    not_xml = 0
    for original, copy in zip(files, copies):
        o = official[copy]
        mine = ours["documents"][copy]
        try:
            ET.parse(original)
        except (ET.ParseError, LookupError, ValueError):
            # Not XML: Saxon cannot read it (both Schematrons "not run"), we refuse it at
            # the schema stage.
            not_xml += 1
            if "XSD_ZATCA_INVALID" not in mine.get("errors", []):
                differences += 1
                print(f"DIFF {original}: not XML, and we did not refuse it")
            continue
        for kind in ("errors", "warnings"):
            theirs = {e.split(":")[0] for e in o[kind]}
            stopped = {t for t in theirs if t.endswith("-NOT-RUN")}
            if stopped - set(mine.get(kind, [])):
                print(f"official stop not reproduced: {original}: {sorted(stopped)}")
                continue
            theirs = {t for t in theirs if t in implemented or t.endswith("-NOT-RUN")}
            have = {t for t in mine.get(kind, []) if t in implemented or t.endswith("-NOT-RUN")}
            if theirs != have:
                differences += 1
                print(f"DIFF {original} {kind}: ours {sorted(have)} official {sorted(theirs)}")
    print(f"{len(files)} files ({not_xml} not XML; {len(skipped)} not UTF-8 left out), "
          f"{differences} differences")
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
