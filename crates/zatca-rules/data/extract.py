#!/usr/bin/env python3
"""Extract ZATCA's rule table from the SDK's two compiled Schematrons (XSLT 2.0).

Usage: extract.py RULES_DIR > r3.3.3.json
RULES_DIR is the SDK's `Data/Rules/schematrons` folder. For every Schematron rule (one
`xsl:template` in a pattern's mode) it records the Schematron, the pattern, the XSLT priority
and declaration order (they decide which rule of a pattern fires on a node: the highest
priority, the last declared on a tie), the context (`match`), and every assertion: its id, its
flag (`error`, `fatal` or `warning`), its test, its message and its category, verbatim.
"""
import json, os, re, sys
import xml.etree.ElementTree as ET

XSL = "{http://www.w3.org/1999/XSL/Transform}"
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
SCHX = "{https://doi.org/10.5281/zenodo.1495494}"
FILES = [("EN16931", "CEN-EN16931-UBL.xsl"),
         ("KSA", "20210819_ZATCA_E-invoice_Validation_Rules.xsl")]


def guard_of(node, parent):
    """The XSLT control flow that emits an assertion: the enclosing `if`/`when`/`otherwise`
    and `for-each` steps, outermost first. The compiled files were edited by hand: this, not
    the assertion's `test` attribute, is what decides whether it fires."""
    steps = []
    while node in parent:
        up = parent[node]
        tag = node.tag.replace(XSL, "xsl:")
        if tag in ("xsl:if", "xsl:when"):
            steps.append(f"{tag[4:]}({' '.join(node.get('test').split())})")
        elif tag == "xsl:otherwise":
            whens = [' '.join(w.get('test').split()) for w in up if w.tag == XSL + "when"]
            steps.append("otherwise(not any of: " + " ; ".join(whens) + ")")
        elif tag == "xsl:for-each":
            steps.append(f"for-each({' '.join(node.get('select').split())})")
        node = up
    return " / ".join(reversed(steps))


def code_lists(guard):
    """The code lists a guard tests membership in: its literals `' A B C '` (space-separated,
    a space at each end)."""
    return [m for m in re.findall(r"'( [^'()=]+ )'", guard)
            if len(m.split()) >= 3 and not {"and", "or"} & set(m.split())]


def rules_of(schematron, path):
    root = ET.parse(path).getroot()
    out = []
    for order, t in enumerate(root.findall(XSL + "template")):
        match, mode = t.get("match"), t.get("mode")
        if match is None or mode in (None, "#all"):
            continue
        fired = None
        for rule in t.iter(SCHX + "rule"):
            if rule.find(SVRL + "fired-rule") is not None:
                fired = rule
        if fired is None:
            continue
        parent = {c: p for p in fired.iter() for c in p}
        asserts = []
        for fa in fired.iter(SVRL + "failed-assert"):
            attr = fa.find(XSL + "attribute")
            category = fa.find(SVRL + "message-category")
            asserts.append({
                "id": fa.get("id"),
                "flag": fa.get("flag") or "error",
                "test": " ".join((attr.text or "").split()) if attr is not None else "",
                "guard": guard_of(fa, parent),
                "code_lists": code_lists(guard_of(fa, parent)),
                "message": (fa.find(SVRL + "text").text or "").strip(),
                "category": (category.text or "").strip() if category is not None else "",
            })
        variables = [{"name": v.get("name"), "select": " ".join((v.get("select") or "").split())}
                     for v in fired.iter(XSL + "variable")]
        out.append({
            "schematron": schematron,
            "pattern": fired.get("pattern"),
            "priority": int(t.get("priority")),
            "order": order,
            "context": " ".join(match.split()),
            "variables": variables,
            "asserts": asserts,
        })
    return out


def main():
    folder = sys.argv[1]
    rules = []
    for name, file in FILES:
        rules += rules_of(name, os.path.join(folder, file))
    ids = sorted({a["id"] for r in rules for a in r["asserts"]})
    json.dump({"profile": "r3.3.3",
               "source": "ZATCA e-invoicing SDK R3.3.3, Data/Rules/schematrons/: "
                         + ", ".join(f for _, f in FILES),
               "rule_ids": len(ids),
               "rules": rules}, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
