#!/usr/bin/env python3
"""Writes the SDK R3.3.3 samples without their signature parts (comments,
ext:UBLExtensions, cac:Signature, the QR cac:AdditionalDocumentReference):
the unsigned documents a till sends to be signed. Run from this folder."""
import re, pathlib

SAMPLES = {
    "simplified-invoice.xml": "Simplified/Invoice/Simplified_Invoice.xml",
    "standard-invoice.xml": "Standard/Invoice/Standard_Invoice.xml",
    "simplified-credit-note.xml": "Simplified/Credit/Simplified_Credit_Note.xml",
    "standard-debit-note.xml": "Standard/Debit/Standard_Debit_Note.xml",
}
here = pathlib.Path(__file__).parent
for name, rel in SAMPLES.items():
    xml = (here / "../invoices/sdk-r3.3.3" / rel).read_text(encoding="utf-8")
    xml = re.sub(r"<!--.*?-->", "", xml, flags=re.S)
    xml = re.sub(r"<ext:UBLExtensions>.*?</ext:UBLExtensions>", "", xml, count=1, flags=re.S)
    xml = re.sub(r"<cac:Signature>.*?</cac:Signature>", "", xml, count=1, flags=re.S)
    xml = re.sub(r"<cac:AdditionalDocumentReference>\s*<cbc:ID>QR</cbc:ID>.*?</cac:AdditionalDocumentReference>", "", xml, count=1, flags=re.S)
    (here / name).write_text(xml, encoding="utf-8")
