#!/usr/bin/env python3
"""Extract the UBL 2.1 Invoice schema's content models from ZATCA's XSDs (SDK R3.3.3).

Usage: extract_schema.py XSD_DIR > ubl-2.1-invoice.json
XSD_DIR is the SDK's `Data/Schemas/xsds/UBL2.1/xsd` folder. Read: the Invoice document,
the aggregate, basic and extension components, and the signature schemas the extension
content imports (UBL's signature components, XML Signature, XAdES 1.3.2 and 1.4.1).

Output: every global element (`prefix:Local`) with the index of its type's shape, and the
shapes, deduplicated by content:
- `{"simple": [base, enumeration], "attributes": ATTRS}`: character content of an XSD
  primitive (`decimal`, `anyURI`, `ID`…), optionally restricted to an enumeration;
- `{"model": PARTICLE, "mixed": bool, "attributes": ATTRS, "any_attribute": PROCESS}`:
  element content (`model` null for empty content); `mixed` allows character content;
  `any_attribute` is the attribute wildcard's processContents (null without one);
- `{"any_type": true}`: `xsd:anyType` (an element declared without a type).
ATTRS maps an attribute name to `[required, base, enumeration]`. A PARTICLE is
`["seq" | "choice", min, max, [PARTICLE…]]`, `["element", min, max, "prefix:Local", shape]`
(shape null for a reference to the global element, else the local declaration's type) or
`["any", min, max, excluded, process]` (excluded: null for `##any`, else the prefix of the
namespace `##other` excludes besides no namespace). max null means unbounded.
"""
import json, os, sys
import xml.etree.ElementTree as ET

XS = "{http://www.w3.org/2001/XMLSchema}"
XSD = "http://www.w3.org/2001/XMLSchema"
FILES = [
    "maindoc/UBL-Invoice-2.1.xsd",
    "common/UBL-CommonAggregateComponents-2.1.xsd",
    "common/UBL-CommonBasicComponents-2.1.xsd",
    "common/UBL-CommonExtensionComponents-2.1.xsd",
    "common/UBL-ExtensionContentDataType-2.1.xsd",
    "common/UBL-UnqualifiedDataTypes-2.1.xsd",
    "common/UBL-QualifiedDataTypes-2.1.xsd",
    "common/CCTS_CCT_SchemaModule-2.1.xsd",
    "common/UBL-CommonSignatureComponents-2.1.xsd",
    "common/UBL-SignatureAggregateComponents-2.1.xsd",
    "common/UBL-SignatureBasicComponents-2.1.xsd",
    "common/UBL-xmldsig-core-schema-2.1.xsd",
    "common/UBL-XAdESv132-2.1.xsd",
    "common/UBL-XAdESv141-2.1.xsd",
]
PREFIX = {
    "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2": "ubl",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2": "ext",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonSignatureComponents-2": "sig",
    "urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2": "sac",
    "urn:oasis:names:specification:ubl:schema:xsd:SignatureBasicComponents-2": "sbc",
    "http://www.w3.org/2000/09/xmldsig#": "ds",
    "http://uri.etsi.org/01903/v1.3.2#": "xades",
    "http://uri.etsi.org/01903/v1.4.1#": "xades141",
}
# Attribute and element value types these schemas use, all checked by the schema stage.
PRIMITIVES = {"string", "normalizedString", "token", "language", "anyURI", "ID", "integer",
              "decimal", "boolean", "date", "time", "dateTime", "base64Binary"}
IGNORED = {XS + "annotation", XS + "import", XS + "include"}


def prefixes(path):
    out = {}
    for _, (prefix, uri) in ET.iterparse(path, events=["start-ns"]):
        out.setdefault(prefix, uri)
    return out


def declarations(node):
    """The schema children of `node`: its elements but comments, annotations, imports and
    includes."""
    return [c for c in node if isinstance(c.tag, str) and c.tag not in IGNORED]


def occurs(node):
    hi = node.get("maxOccurs", "1")
    return [int(node.get("minOccurs", "1")), None if hi == "unbounded" else int(hi)]


class Schemas:
    def __init__(self, folder):
        self.elements, self.types, self.simple = {}, {}, {}
        for rel in FILES:
            path = os.path.join(folder, rel)
            root = ET.parse(path).getroot()
            target = root.get("targetNamespace")
            ns_map = prefixes(path)
            for child in declarations(root):
                kind = child.tag.replace(XS, "")
                if kind not in ("element", "complexType", "simpleType"):
                    sys.exit(f"{rel}: unexpected top-level {kind}")
                key = f"{target} {child.get('name')}"
                {"element": self.elements, "complexType": self.types,
                 "simpleType": self.simple}[kind][key] = (child, target, ns_map)
        self.shapes, self.index, self.memo, self.busy = [], {}, {}, set()

    def qname(self, value, ns_map, target):
        prefix, _, local = value.rpartition(":")
        return f"{ns_map.get(prefix, target) if prefix else ns_map.get('', target)} {local}"

    def short(self, key):
        ns, local = key.split(" ")
        return f"{PREFIX[ns]}:{local}"

    def value_type(self, key):
        """A simple type: [primitive, enumeration or None]."""
        ns, local = key.split(" ")
        if ns == XSD:
            if local not in PRIMITIVES:
                sys.exit(f"primitive xs:{local} not handled")
            return [local, None]
        node, target, ns_map = self.simple[key]
        restriction = node.find(XS + "restriction")
        if restriction is None:
            sys.exit(f"{key}: only restrictions are handled")
        base, enumeration = self.value_type(self.qname(restriction.get("base"), ns_map, target))
        for facet in restriction:
            if facet.tag == XS + "enumeration":
                enumeration = (enumeration or []) + [facet.get("value")]
            elif facet.tag not in IGNORED:
                sys.exit(f"{key}: facet {facet.tag} not handled")
        return [base, enumeration]

    def attributes(self, node, target, ns_map):
        out = {}
        for a in node.findall(XS + "attribute"):
            out[a.get("name")] = [a.get("use") == "required"] + self.value_type(
                self.qname(a.get("type", "xsd:anySimpleType"), ns_map, target))
        wildcard = node.find(XS + "anyAttribute")
        any_attribute = None if wildcard is None else wildcard.get("processContents", "strict")
        return out, any_attribute

    def particle(self, node, target, ns_map):
        kind = node.tag.replace(XS, "")
        lo_hi = occurs(node)
        if kind in ("sequence", "choice"):
            children = [self.particle(c, target, ns_map) for c in declarations(node)]
            return ["seq" if kind == "sequence" else "choice"] + lo_hi + [children]
        if kind == "element":
            if node.get("ref"):
                return ["element"] + lo_hi + [self.short(self.qname(node.get("ref"), ns_map, target)), None]
            return ["element"] + lo_hi + [self.short(f"{target} {node.get('name')}"),
                                           self.shape_of_declaration(node, target, ns_map)]
        if kind == "any":
            ns = node.get("namespace", "##any")
            if ns not in ("##any", "##other"):
                sys.exit(f"wildcard namespace {ns} not handled")
            return ["any"] + lo_hi + [None if ns == "##any" else PREFIX[target],
                                      node.get("processContents", "strict")]
        sys.exit(f"particle {kind} not handled")

    def shape_of_declaration(self, node, target, ns_map):
        if node.get("type") is None:
            if declarations(node):
                sys.exit(f"{node.get('name')}: anonymous types not handled")
            return self.add({"any_type": True})
        return self.shape(self.qname(node.get("type"), ns_map, target))

    def resolve(self, key):
        """A type's shape (before deduplication)."""
        if key in self.memo:
            return self.memo[key]
        if key in self.busy:
            sys.exit(f"{key}: recursive local types not handled")
        self.busy.add(key)
        if key not in self.types:
            out = {"simple": self.value_type(key), "attributes": {}}
        else:
            node, target, ns_map = self.types[key]
            simple = node.find(XS + "simpleContent")
            complex_ = node.find(XS + "complexContent")
            if simple is not None:
                derivation = simple.find(XS + "extension")
                if derivation is None:
                    derivation = simple.find(XS + "restriction")
                base_key = self.qname(derivation.get("base"), ns_map, target)
                parent = self.resolve(base_key)
                attrs = dict(parent.get("attributes", {}))
                own, wildcard = self.attributes(derivation, target, ns_map)
                if wildcard:
                    sys.exit(f"{key}: attribute wildcard on simple content not handled")
                attrs.update(own)
                out = {"simple": parent["simple"], "attributes": attrs}
            else:
                holder = node
                attrs = {}
                if complex_ is not None:
                    holder = complex_.find(XS + "restriction")
                    if holder is None:
                        sys.exit(f"{key}: complexContent extension not handled")
                    parent = self.resolve(self.qname(holder.get("base"), ns_map, target))
                    attrs = dict(parent["attributes"])
                groups = [c for c in holder if c.tag in (XS + "sequence", XS + "choice")]
                own, wildcard = self.attributes(holder, target, ns_map)
                attrs.update(own)
                out = {"model": self.particle(groups[0], target, ns_map) if groups else None,
                       "mixed": node.get("mixed") == "true",
                       "attributes": attrs, "any_attribute": wildcard}
        self.busy.discard(key)
        self.memo[key] = out
        return out

    def add(self, shape):
        if "attributes" in shape:
            shape = dict(shape, attributes=dict(sorted(shape["attributes"].items())))
        key = json.dumps(shape, sort_keys=True)
        if key not in self.index:
            self.index[key] = len(self.shapes)
            self.shapes.append(shape)
        return self.index[key]

    def shape(self, key):
        return self.add(self.resolve(key))


def main():
    schemas = Schemas(sys.argv[1])
    out_elements = {}
    for name in sorted(schemas.elements):
        if name.split(" ")[0] not in PREFIX:
            continue
        node, target, ns_map = schemas.elements[name]
        out_elements[schemas.short(name)] = schemas.shape_of_declaration(node, target, ns_map)
    json.dump({"source": "ZATCA e-invoicing SDK R3.3.3, Data/Schemas/xsds/UBL2.1/xsd/: "
               + ", ".join(FILES), "namespaces": {v: k for k, v in PREFIX.items()},
               "elements": out_elements, "types": schemas.shapes},
              sys.stdout, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
