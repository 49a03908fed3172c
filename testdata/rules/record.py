#!/usr/bin/env python3
"""Record the official verdict of every rule-corpus document.

Usage (from the repository root):
    python3 testdata/rules/record.py          # rewrite testdata/rules/verdicts.json
    python3 testdata/rules/record.py --check  # exit 1 if a recording is stale

The corpus: the SDK R3.3.3 samples (testdata/invoices/sdk-r3.3.3/), the compliance documents
and the mutations generate.py writes (testdata/rules/compliance/, testdata/rules/mutations/).
The oracle is testdata/zatca-rules/run-official.py: ZATCA's own rule files run as the SDK
runs them (xmllint for the XSD, Saxon-HE for the two Schematrons), all documents in one JVM.
Dates: BR-KSA-04 compares with the day of recording; the corpus keeps its dates in the past
(or far in the future) so that the recording stays valid.
"""
import importlib.util, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.dirname(HERE)
ORACLE = os.path.join(TESTDATA, "zatca-rules", "run-official.py")
VERDICTS = os.path.join(HERE, "verdicts.json")


def corpus():
    paths = []
    for folder in (os.path.join(TESTDATA, "invoices", "sdk-r3.3.3"),
                   os.path.join(HERE, "compliance"), os.path.join(HERE, "mutations")):
        for root, _, files in os.walk(folder):
            paths += [os.path.join(root, f) for f in files if f.endswith(".xml")]
    return sorted(paths)


def split(entries):
    """`ID: text` entries to {id: [texts]}."""
    out = {}
    for e in entries:
        rid, _, text = e.partition(":")
        out.setdefault(rid, [])
        if text.strip() not in out[rid]:
            out[rid].append(text.strip())
    return {k: sorted(v) for k, v in sorted(out.items())}


def record():
    spec = importlib.util.spec_from_file_location("oracle", ORACLE)
    oracle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(oracle)
    paths = corpus()
    docs = {}
    for r in oracle.check_all(paths):
        rel = os.path.relpath(r["file"], TESTDATA)
        docs[rel] = {
            "verdict": r["verdict"],
            "xsd": [l.replace(r["file"], "DOCUMENT") for l in r["xsd"]],
            "errors": split(r["errors"]),
            "warnings": split(r["warnings"]),
        }
    return {"oracle": "testdata/zatca-rules/run-official.py (ZATCA SDK R3.3.3 rule files)",
            "documents": docs}


def main():
    fresh = record()
    if "--check" in sys.argv[1:]:
        with open(VERDICTS, encoding="utf-8") as f:
            stored = json.load(f)
        stale = [k for k in sorted(set(fresh["documents"]) | set(stored["documents"]))
                 if fresh["documents"].get(k) != stored["documents"].get(k)]
        for k in stale:
            print(f"stale: {k}")
        sys.exit(1 if stale else 0)
    with open(VERDICTS, "w", encoding="utf-8") as f:
        json.dump(fresh, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{len(fresh['documents'])} documents recorded")


if __name__ == "__main__":
    main()
