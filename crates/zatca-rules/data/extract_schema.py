#!/usr/bin/env python3
"""Extract the UBL 2.1 Invoice schema's content models from ZATCA's XSDs (SDK R3.3.3).

Usage: extract_schema.py XSD_DIR > ubl-2.1-invoice.json
XSD_DIR is the SDK's `Data/Schemas/xsds/UBL2.1/xsd` folder. For every global element of the
Invoice document, aggregate, basic and extension components it records its type: an ordered
sequence of child elements with their occurrence bounds, or simple content with its XSD
primitive base and its attributes (name → required). UBL 2.1 uses sequences of global
element references only (no choice, no local elements), so this is the whole content model
of those namespaces. The content of `ext:ExtensionContent` (`xsd:any`, the signature) is
marked as not described here.
"""
import json, os, sys
import xml.etree.ElementTree as ET

XS = "{http://www.w3.org/2001/XMLSchema}"
FILES = [
    "maindoc/UBL-Invoice-2.1.xsd",
    "common/UBL-CommonAggregateComponents-2.1.xsd",
    "common/UBL-CommonBasicComponents-2.1.xsd",
    "common/UBL-CommonExtensionComponents-2.1.xsd",
    "common/UBL-ExtensionContentDataType-2.1.xsd",
    "common/UBL-UnqualifiedDataTypes-2.1.xsd",
    "common/CCTS_CCT_SchemaModule-2.1.xsd",
]


def prefixes(path):
    out = {}
    for event, (prefix, uri) in ET.iterparse(path, events=["start-ns"]):
        out.setdefault(prefix, uri)
    return out


def qname(value, ns_map, default):
    prefix, _, local = value.rpartition(":")
    return f"{ns_map.get(prefix, default) if prefix else default} {local}"


def main():
    folder = sys.argv[1]
    elements, types = {}, {}
    for rel in FILES:
        path = os.path.join(folder, rel)
        root = ET.parse(path).getroot()
        target = root.get("targetNamespace")
        ns_map = prefixes(path)
        for el in root.findall(XS + "element"):
            elements[f"{target} {el.get('name')}"] = qname(el.get("type"), ns_map, target)
        for ct in root.findall(XS + "complexType"):
            key = f"{target} {ct.get('name')}"
            seq = ct.find(XS + "sequence")
            simple = ct.find(XS + "simpleContent")
            if seq is not None:
                children = []
                for item in seq:
                    if item.tag == XS + "element":
                        children.append([qname(item.get("ref"), ns_map, target),
                                         int(item.get("minOccurs", "1")),
                                         None if item.get("maxOccurs") == "unbounded"
                                         else int(item.get("maxOccurs", "1"))])
                    elif item.tag == XS + "any":
                        children.append(["*any", int(item.get("minOccurs", "1")),
                                         int(item.get("maxOccurs", "1"))])
                types[key] = {"sequence": children}
            elif simple is not None:
                derivation = simple[0]
                attrs = {a.get("name"): a.get("use") == "required"
                         for a in derivation.findall(XS + "attribute")}
                types[key] = {"base": qname(derivation.get("base"), ns_map, target),
                              "derivation": derivation.tag.replace(XS, ""), "attributes": attrs}
    # Resolve simple content down to an XSD primitive, collecting the attributes.
    xsd = "http://www.w3.org/2001/XMLSchema"
    resolved = {}

    def resolve(key):
        if key in resolved:
            return resolved[key]
        t = types[key]
        if "sequence" in t:
            resolved[key] = {"sequence": t["sequence"]}
            return resolved[key]
        base = t["base"]
        if base.startswith(xsd + " "):
            out = {"base": base.split(" ")[1], "attributes": dict(t["attributes"])}
        else:
            parent = resolve(base)
            attrs = dict(parent["attributes"])
            attrs.update(t["attributes"])
            out = {"base": parent["base"], "attributes": attrs}
        resolved[key] = out
        return out

    prefix = {"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "ubl",
              "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
              "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc",
              "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext"}

    def short(key):
        if key == "*any":
            return key
        ns, local = key.split(" ")
        return f"{prefix[ns]}:{local}"

    # Types, deduplicated by content: a list, and each element's index into it.
    shapes, index, out_elements = [], {}, {}
    for name, type_key in sorted(elements.items()):
        if type_key not in types:
            sys.exit(f"{name}: type {type_key} not found")
        if name.split(" ")[0] not in prefix:
            continue
        t = resolve(type_key)
        if "sequence" in t:
            shape = {"sequence": [[short(c), lo, hi] for c, lo, hi in t["sequence"]]}
        else:
            shape = {"base": t["base"], "attributes": dict(sorted(t["attributes"].items()))}
        key = json.dumps(shape, sort_keys=True)
        if key not in index:
            index[key] = len(shapes)
            shapes.append(shape)
        out_elements[short(name)] = index[key]
    json.dump({"source": "ZATCA e-invoicing SDK R3.3.3, Data/Schemas/xsds/UBL2.1/xsd/: "
               + ", ".join(FILES), "namespaces": {v: k for k, v in prefix.items()},
               "elements": out_elements, "types": shapes},
              sys.stdout, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
