#!/usr/bin/env python3
"""Generate the rule corpus: ZATCA compliance documents and mutated SDK samples.

Usage (from the repository root): python3 testdata/rules/generate.py [ZATCA_BINARY]

- compliance/TSXY/: the signed documents `zatca compliance-docs` writes for devices with
  TSXY 1100, 1000 and 0100 (the SDK sample key and certificate, fixed signing time);
- mutations/NAME.xml: one SDK R3.3.3 sample with one textual change each, made to break
  the rule the name starts with (the official verdict, recorded by record.py, says what
  it really breaks).

The SDK samples themselves are used in place (testdata/invoices/sdk-r3.3.3/). Then run
record.py to record the official verdicts of every corpus document.
"""
import json, os, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.dirname(HERE)
SDK = os.path.join(TESTDATA, "invoices", "sdk-r3.3.3")
BASES = {
    "SS": "Simplified/Invoice/Simplified_Invoice.xml",
    "ST": "Standard/Invoice/Standard_Invoice.xml",
    "SC": "Standard/Credit/Standard_Credit_Note.xml",
    "SD": "Standard/Debit/Standard_Debit_Note.xml",
    "SSC": "Simplified/Credit/Simplified_Credit_Note.xml",
    "EX": "Standard/Invoice/Exempt Tax Invoice.xml",
    "ZR": "Simplified/Invoice/Simplified Tax Invoice with Zero Rated Item.xml",
    "OS": "Standard/Invoice/Out of Scope Standard Tax Invoice.xml",
    "AP": "Standard/Invoice/Advance Payment adjustments.xml",
    "DC": "Standard/Invoice/Standard Invoice with Document Level Charge.xml",
    "FX": "Standard/Invoice/Advance Payment adjustments with foreign currency invoice.xml",
}

SUPPLIER_POSTAL = "<cbc:PostalZone>23333</cbc:PostalZone>"
ISSUE_SS = "<cbc:IssueDate>2022-08-17</cbc:IssueDate>"
ISSUE_ST = "<cbc:IssueDate>2022-09-07</cbc:IssueDate>"
LINE_TAX_S = """<cbc:ID>S</cbc:ID>
                <cbc:Percent>15.00</cbc:Percent>"""

RATE = ("<cac:TaxExchangeRate><cbc:SourceCurrencyCode>{}</cbc:SourceCurrencyCode>"
        "<cbc:TargetCurrencyCode>{}</cbc:TargetCurrencyCode><cbc:CalculationRate>{}</cbc:CalculationRate>"
        "</cac:TaxExchangeRate>\n    ")

# (name, base, [(old, new), ...]): each `old` must occur; its first occurrence is replaced
# (a trailing "*" on the name replaces every occurrence).
MUTATIONS = [
    # The three of the compliance-endpoint scenarios.
    ("BR-CL-04-currency-xyz*", "SS", [(">SAR<", ">XYZ<"), ('currencyID="SAR"', 'currencyID="XYZ"')]),
    ("BR-KSA-04-issue-date-future", "SS", [(ISSUE_SS, "<cbc:IssueDate>2099-08-17</cbc:IssueDate>")]),
    ("BR-CL-18-tax-category-q*", "SS", [(">S</cbc:ID>", ">Q</cbc:ID>")]),
    # Document level.
    ("BR-KSA-04-standard-future", "ST", [(ISSUE_ST, "<cbc:IssueDate>2098-01-01</cbc:IssueDate>")]),
    ("BR-KSA-F-01-issue-date-format", "SS", [(ISSUE_SS, "<cbc:IssueDate>17-08-2022</cbc:IssueDate>")]),
    ("BR-KSA-F-01-leap-2100", "SS", [(ISSUE_SS, "<cbc:IssueDate>2100-02-29</cbc:IssueDate>")]),
    ("BR-02-no-id", "SS", [("<cbc:ID>SME00010</cbc:ID>", "")]),
    ("BR-KSA-F-06-C1-long-id", "SS", [("<cbc:ID>SME00010</cbc:ID>", "<cbc:ID>" + "X" * 128 + "</cbc:ID>")]),
    ("BR-KSA-F-06-C2-long-note", "SS", [(">ABC</cbc:Note>", ">" + "n" * 1001 + "</cbc:Note>")]),
    ("BR-03-no-issue-date", "SS", [(ISSUE_SS, "")]),
    ("BR-05-no-currency", "SS", [("<cbc:DocumentCurrencyCode>SAR</cbc:DocumentCurrencyCode>", "")]),
    ("BR-KSA-CL-01-currency-usd-lines", "SS", [("<cbc:DocumentCurrencyCode>SAR</cbc:DocumentCurrencyCode>",
                                                 "<cbc:DocumentCurrencyCode>USD</cbc:DocumentCurrencyCode>")]),
    ("BR-CL-05-tax-currency", "SS", [("<cbc:TaxCurrencyCode>SAR</cbc:TaxCurrencyCode>", "<cbc:TaxCurrencyCode>ABC</cbc:TaxCurrencyCode>")]),
    ("BR-KSA-68-no-tax-currency", "SS", [("<cbc:TaxCurrencyCode>SAR</cbc:TaxCurrencyCode>", "")]),
    ("BR-KSA-EN16931-02-tax-currency-usd", "SS", [("<cbc:TaxCurrencyCode>SAR</cbc:TaxCurrencyCode>", "<cbc:TaxCurrencyCode>USD</cbc:TaxCurrencyCode>")]),
    ("BR-KSA-EN16931-01-profile", "SS", [("<cbc:ProfileID>reporting:1.0</cbc:ProfileID>", "<cbc:ProfileID>clearance:1.0</cbc:ProfileID>")]),
    ("BR-KSA-03-no-uuid", "SS", [("<cbc:UUID>8e6000cf-1a98-4174-b3e7-b5d5954bc10d</cbc:UUID>", "")]),
    ("BR-KSA-03-uuid-punctuation", "SS", [("<cbc:UUID>8e6000cf-1a98-4174-b3e7-b5d5954bc10d</cbc:UUID>", "<cbc:UUID>#8e6000cf</cbc:UUID>")]),
    ("BR-KSA-05-type-code-380", "SS", [('name="0200000">388<', 'name="0200000">380<')]),
    ("BR-CL-01-type-code-999", "SS", [('name="0200000">388<', 'name="0200000">999<')]),
    ("BR-KSA-06-subtype-short", "SS", [('name="0200000"', 'name="020000"')]),
    ("BR-KSA-06-subtype-03", "SS", [('name="0200000"', 'name="0300000"')]),
    ("BR-KSA-07-summary-self-billed", "ST", [('name="0100000"', 'name="0100101"')]),
    ("BR-KSA-31-simplified-third-party-summary", "SS", [('name="0200000"', 'name="0200100"')]),
    ("BR-KSA-72-simplified-summary-no-delivery", "SS", [('name="0200000"', 'name="0200010"')]),
    ("BR-KSA-70-issue-time", "SS", [("<cbc:IssueTime>17:41:08</cbc:IssueTime>", "<cbc:IssueTime>5:41 PM</cbc:IssueTime>")]),
    ("BR-KSA-70-no-issue-time", "SS", [("<cbc:IssueTime>17:41:08</cbc:IssueTime>", "")]),
    ("BR-KSA-33-no-icv", "SS", [("<cbc:ID>ICV</cbc:ID>", "<cbc:ID>ICX</cbc:ID>")]),
    ("BR-KSA-34-icv-letters", "SS", [("<cbc:UUID>10</cbc:UUID>", "<cbc:UUID>1a</cbc:UUID>")]),
    ("BR-KSA-61-no-pih", "SS", [("<cbc:ID>PIH</cbc:ID>", "<cbc:ID>PIX</cbc:ID>")]),
    ("BR-KSA-26-pih-mime", "SS", [('<cbc:EmbeddedDocumentBinaryObject mimeCode="text/plain">NWZl', '<cbc:EmbeddedDocumentBinaryObject mimeCode="text/csv">NWZl')]),
    ("BR-KSA-CL-03-mime-unknown", "SS", [('<cbc:EmbeddedDocumentBinaryObject mimeCode="text/plain">NWZl', '<cbc:EmbeddedDocumentBinaryObject mimeCode="text/html">NWZl')]),
    ("BR-KSA-27-no-qr", "SS", [("<cbc:ID>QR</cbc:ID>", "<cbc:ID>QX</cbc:ID>")]),
    ("BR-KSA-60-no-signature", "SS", [("<cbc:SignatureMethod>urn:oasis:names:specification:ubl:dsig:enveloped:xades</cbc:SignatureMethod>", "<cbc:SignatureMethod>x</cbc:SignatureMethod>")]),
    ("BR-KSA-29-signature-id", "SS", [("<cbc:ID>urn:oasis:names:specification:ubl:signature:Invoice</cbc:ID>", "<cbc:ID>urn:x</cbc:ID>")]),
    ("BR-KSA-28-signature-information", "SS", [("<cbc:ID>urn:oasis:names:specification:ubl:signature:1</cbc:ID>", "<cbc:ID>urn:x:1</cbc:ID>")]),
    # Seller.
    ("BR-KSA-08-seller-scheme", "SS", [('<cbc:ID schemeID="CRN">1010010000</cbc:ID>', '<cbc:ID schemeID="XYZ">1010010000</cbc:ID>')]),
    ("BR-KSA-08-seller-id-dash", "SS", [('<cbc:ID schemeID="CRN">1010010000</cbc:ID>', '<cbc:ID schemeID="CRN">1010-010000</cbc:ID>')]),
    ("BR-KSA-09-seller-no-district", "SS", [("<cbc:CitySubdivisionName>المربع | Al-Murabba</cbc:CitySubdivisionName>", "")]),
    ("BR-KSA-F-06-C9-seller-empty-district", "SS", [("<cbc:CitySubdivisionName>المربع | Al-Murabba</cbc:CitySubdivisionName>", "<cbc:CitySubdivisionName></cbc:CitySubdivisionName>")]),
    ("BR-KSA-37-building-number", "SS", [("<cbc:BuildingNumber>2322</cbc:BuildingNumber>", "<cbc:BuildingNumber>232</cbc:BuildingNumber>")]),
    ("BR-KSA-66-seller-postal-zone", "SS", [(SUPPLIER_POSTAL, "<cbc:PostalZone>2333</cbc:PostalZone>")]),
    ("BR-KSA-F-06-C7-seller-city-long", "SS", [("<cbc:CityName>الرياض | Riyadh</cbc:CityName>", "<cbc:CityName>" + "c" * 128 + "</cbc:CityName>")]),
    ("BR-KSA-F-06-C4-seller-street-empty", "SS", [("<cbc:StreetName>الامير سلطان | Prince Sultan</cbc:StreetName>", "<cbc:StreetName/>")]),
    ("BR-KSA-40-seller-vat", "SS", [("<cbc:CompanyID>399999999900003</cbc:CompanyID>", "<cbc:CompanyID>399999999900004</cbc:CompanyID>")]),
    ("BR-KSA-39-no-seller-vat", "SS", [("<cbc:CompanyID>399999999900003</cbc:CompanyID>", "")]),
    ("BR-CUSTOM-VALIDATION-01-same-vat", "SS", [("<cbc:CompanyID>399999999800003</cbc:CompanyID>", "<cbc:CompanyID>399999999900003</cbc:CompanyID>")]),
    ("BR-06-no-seller-name", "SS", [("<cbc:RegistrationName>شركة توريد التكنولوجيا بأقصى سرعة المحدودة | Maximum Speed Tech Supply LTD</cbc:RegistrationName>", "")]),
    ("BR-CL-14-country-xx", "SS", [("<cbc:IdentificationCode>SA</cbc:IdentificationCode>", "<cbc:IdentificationCode>XX</cbc:IdentificationCode>")]),
    # Buyer.
    ("BR-KSA-44-buyer-vat", "SS", [("<cbc:CompanyID>399999999800003</cbc:CompanyID>", "<cbc:CompanyID>39999999980000</cbc:CompanyID>")]),
    ("BR-KSA-67-buyer-postal-zone", "ST", [("<cbc:PostalZone>12222</cbc:PostalZone>", "<cbc:PostalZone>1222</cbc:PostalZone>")]),
    ("BR-KSA-63-buyer-no-building", "ST", [("<cbc:BuildingNumber>1111</cbc:BuildingNumber>", "")]),
    ("BR-KSA-42-buyer-no-name", "ST", [("<cbc:RegistrationName>شركة نماذج فاتورة المحدودة | Fatoora Samples LTD</cbc:RegistrationName>", "")]),
    ("BR-KSA-81-buyer-no-vat-no-id", "ST", [("<cbc:CompanyID>399999999800003</cbc:CompanyID>", "")]),
    ("BR-KSA-10-buyer-no-street", "ST", [("<cbc:StreetName>صلاح الدين | Salah Al-Din</cbc:StreetName>", "")]),
    ("BR-KSA-F-06-C28-buyer-no-district", "ST", [("<cbc:CitySubdivisionName>المروج | Al-Murooj</cbc:CitySubdivisionName>", "")]),
    # Delivery.
    ("BR-KSA-15-no-delivery", "ST", [("<cbc:ActualDeliveryDate>2022-09-07</cbc:ActualDeliveryDate>", "")]),
    ("BR-KSA-35-latest-only", "ST", [("<cbc:ActualDeliveryDate>2022-09-07</cbc:ActualDeliveryDate>", "<cbc:LatestDeliveryDate>2022-09-07</cbc:LatestDeliveryDate>")]),
    ("BR-KSA-36-latest-before-actual", "ST", [("<cbc:ActualDeliveryDate>2022-09-07</cbc:ActualDeliveryDate>", "<cbc:ActualDeliveryDate>2022-09-07</cbc:ActualDeliveryDate><cbc:LatestDeliveryDate>2022-09-01</cbc:LatestDeliveryDate>")]),
    ("BR-KSA-F-01-delivery-date", "ST", [("<cbc:ActualDeliveryDate>2022-09-07</cbc:ActualDeliveryDate>", "<cbc:ActualDeliveryDate>2022-9-7</cbc:ActualDeliveryDate>")]),
    # Payment means.
    ("BR-CL-16-payment-code", "SS", [("<cbc:PaymentMeansCode>10</cbc:PaymentMeansCode>", "<cbc:PaymentMeansCode>71</cbc:PaymentMeansCode>")]),
    ("BR-KSA-16-payment-code-zzz9", "SS", [("<cbc:PaymentMeansCode>10</cbc:PaymentMeansCode>", "<cbc:PaymentMeansCode>999</cbc:PaymentMeansCode>")]),
    # Credit and debit notes.
    ("BR-KSA-17-credit-no-reason", "SC", [("<cbc:InstructionNote>", "<cbc:PaymentNote>"), ("</cbc:InstructionNote>", "</cbc:PaymentNote>")]),
    ("BR-KSA-56-credit-no-billing-reference", "SC", [("<cbc:ID>SME00002</cbc:ID>", "")]),
    ("BR-55-debit-empty-billing-id", "SD", [("<cac:InvoiceDocumentReference>", "<cac:InvoiceDocumentReference><cbc:UUID>x</cbc:UUID>")]),
    # Allowances and charges.
    ("BR-KSA-F-02-charge-indicator-yes", "SS", [("<cbc:ChargeIndicator>false</cbc:ChargeIndicator>", "<cbc:ChargeIndicator>yes</cbc:ChargeIndicator>")]),
    ("BR-31-allowance-no-amount", "SS", [('<cbc:Amount currencyID="SAR">0.00</cbc:Amount>', "")]),
    ("BR-DEC-01-allowance-decimals", "SS", [('<cbc:Amount currencyID="SAR">0.00</cbc:Amount>', '<cbc:Amount currencyID="SAR">0.000</cbc:Amount>')]),
    ("BR-KSA-F-04-negative-allowance", "SS", [('<cbc:Amount currencyID="SAR">0.00</cbc:Amount>', '<cbc:Amount currencyID="SAR">-1.00</cbc:Amount>')]),
    ("BR-CL-03-amount-currency", "SS", [('<cbc:Amount currencyID="SAR">0.00</cbc:Amount>', '<cbc:Amount currencyID="ABC">0.00</cbc:Amount>')]),
    ("BR-KSA-CL-02-amount-currency-usd", "SS", [('<cbc:Amount currencyID="SAR">0.00</cbc:Amount>', '<cbc:Amount currencyID="USD">0.00</cbc:Amount>')]),
    ("BR-KSA-CL-02-amount-currency-regex", "SS", [('<cbc:Amount currencyID="SAR">0.00</cbc:Amount>', '<cbc:Amount currencyID="S.R">0.00</cbc:Amount>')]),
    ("BR-KSA-CL-02-amount-currency-bad-regex", "SS", [('<cbc:Amount currencyID="SAR">0.00</cbc:Amount>', '<cbc:Amount currencyID="S(R">0.00</cbc:Amount>')]),
    ("BR-KSA-84-allowance-rate-10", "SS", [("<cbc:Percent>15</cbc:Percent>", "<cbc:Percent>10</cbc:Percent>")]),
    ("BR-KSA-DEC-02-percent-decimals", "SS", [("<cbc:Percent>15</cbc:Percent>", "<cbc:Percent>15.001</cbc:Percent>")]),
    ("BR-KSA-DEC-02-percent-over-100", "SS", [("<cbc:Percent>15</cbc:Percent>", "<cbc:Percent>150</cbc:Percent>")]),
    ("BR-KSA-DEC-02-percent-not-decimal", "SS", [("<cbc:Percent>15</cbc:Percent>", "<cbc:Percent>15%</cbc:Percent>")]),
    ("BR-S-06-allowance-rate-zero", "SS", [("<cbc:Percent>15</cbc:Percent>", "<cbc:Percent>0</cbc:Percent>")]),
    ("BR-32-allowance-no-category", "SS", [('''<cbc:Amount currencyID="SAR">0.00</cbc:Amount>
        <cac:TaxCategory>
            <cbc:ID schemeID="UN/ECE 5305" schemeAgencyID="6">S</cbc:ID>''', '''<cbc:Amount currencyID="SAR">0.00</cbc:Amount>
        <cac:TaxCategory>
            <cbc:ID schemeID="UN/ECE 5305" schemeAgencyID="6"></cbc:ID>''')]),
    ("BR-KSA-CL-06-charge-reason-code", "DC", [("<cbc:AllowanceChargeReasonCode>", "<cbc:AllowanceChargeReasonCode>QQ")]),
    ("BR-KSA-19-charge-no-reason-code", "DC", [("<cbc:AllowanceChargeReasonCode>", "<cbc:AllowanceChargeReasonCodeX>"), ("</cbc:AllowanceChargeReasonCode>", "</cbc:AllowanceChargeReasonCodeX>")]),
    ("BR-KSA-DEC-01-multiplier", "SS", [("<cbc:AllowanceChargeReason>discount</cbc:AllowanceChargeReason>", "<cbc:AllowanceChargeReason>discount</cbc:AllowanceChargeReason><cbc:MultiplierFactorNumeric>101</cbc:MultiplierFactorNumeric>")]),
    ("BR-KSA-EN16931-04-multiplier-no-base", "SS", [("<cbc:AllowanceChargeReason>discount</cbc:AllowanceChargeReason>", "<cbc:AllowanceChargeReason>discount</cbc:AllowanceChargeReason><cbc:MultiplierFactorNumeric>10</cbc:MultiplierFactorNumeric>")]),
    ("BR-KSA-EN16931-05-base-no-multiplier", "SS", [('<cbc:Amount currencyID="SAR">0.00</cbc:Amount>', '<cbc:Amount currencyID="SAR">0.00</cbc:Amount><cbc:BaseAmount currencyID="SAR">10.00</cbc:BaseAmount>')]),
    # Totals.
    ("BR-13-no-tax-exclusive", "SS", [('<cbc:TaxExclusiveAmount currencyID="SAR">201.00</cbc:TaxExclusiveAmount>', "")]),
    ("BR-14-no-tax-inclusive", "SS", [('<cbc:TaxInclusiveAmount currencyID="SAR">231.15</cbc:TaxInclusiveAmount>', "")]),
    ("BR-15-no-payable", "SS", [('<cbc:PayableAmount currencyID="SAR">231.15</cbc:PayableAmount>', "")]),
    ("BR-DEC-18-payable-decimals", "SS", [('<cbc:PayableAmount currencyID="SAR">231.15</cbc:PayableAmount>', '<cbc:PayableAmount currencyID="SAR">231.150</cbc:PayableAmount>')]),
    ("BR-CO-15-tax-inclusive-wrong", "SS", [('<cbc:TaxInclusiveAmount currencyID="SAR">231.15</cbc:TaxInclusiveAmount>', '<cbc:TaxInclusiveAmount currencyID="SAR">231.16</cbc:TaxInclusiveAmount>')]),
    ("BR-CO-10-line-total-wrong", "SS", [('<cbc:LineExtensionAmount currencyID="SAR">201.00</cbc:LineExtensionAmount>', '<cbc:LineExtensionAmount currencyID="SAR">202.00</cbc:LineExtensionAmount>')]),
    ("BR-DEC-13-tax-total-decimals", "SS", [('<cbc:TaxAmount currencyID="SAR">30.15</cbc:TaxAmount>\n    </cac:TaxTotal>', '<cbc:TaxAmount currencyID="SAR">30.150</cbc:TaxAmount>\n    </cac:TaxTotal>')]),
    ("BR-CO-14-tax-total-wrong", "SS", [('''<cbc:TaxAmount currencyID="SAR">30.15</cbc:TaxAmount>
        <cac:TaxSubtotal>''', '''<cbc:TaxAmount currencyID="SAR">31.15</cbc:TaxAmount>
        <cac:TaxSubtotal>''')]),
    ("BR-S-09-subtotal-tax-wrong", "SS", [('''<cbc:TaxAmount currencyID="SAR">30.15</cbc:TaxAmount>
             <cac:TaxCategory>''', '''<cbc:TaxAmount currencyID="SAR">35.15</cbc:TaxAmount>
             <cac:TaxCategory>''')]),
    ("BR-KSA-84-subtotal-rate-16", "SS", [("<cbc:Percent>15.00</cbc:Percent>\n                <cac:TaxScheme>\n                   <cbc:ID", "<cbc:Percent>16.00</cbc:Percent>\n                <cac:TaxScheme>\n                   <cbc:ID")]),
    ("BR-CO-18-no-subtotal", "SS", [("<cac:TaxSubtotal>", "<cac:TaxSubtotalX>"), ("</cac:TaxSubtotal>", "</cac:TaxSubtotalX>")]),
    # Lines.
    ("BR-KSA-F-06-C17-line-id-long", "SS", [("<cbc:ID>1</cbc:ID>", "<cbc:ID>1234567</cbc:ID>")]),
    ("BR-22-quantity-zero", "SS", [('<cbc:InvoicedQuantity unitCode="PCE">33.000000</cbc:InvoicedQuantity>', '<cbc:InvoicedQuantity unitCode="PCE">0</cbc:InvoicedQuantity>')]),
    ("BR-24-line-no-amount", "SS", [('<cbc:LineExtensionAmount currencyID="SAR">99.00</cbc:LineExtensionAmount>', "")]),
    ("BR-KSA-EN16931-11-line-amount-wrong", "SS", [('<cbc:LineExtensionAmount currencyID="SAR">99.00</cbc:LineExtensionAmount>', '<cbc:LineExtensionAmount currencyID="SAR">98.00</cbc:LineExtensionAmount>')]),
    ("BR-25-item-no-name", "SS", [("<cbc:Name>كتاب</cbc:Name>", "")]),
    ("BR-KSA-F-06-C19-item-name-empty", "SS", [("<cbc:Name>كتاب</cbc:Name>", "<cbc:Name></cbc:Name>")]),
    ("BR-KSA-51-rounding-wrong", "SS", [('<cbc:RoundingAmount currencyID="SAR">113.85</cbc:RoundingAmount>', '<cbc:RoundingAmount currencyID="SAR">113.86</cbc:RoundingAmount>')]),
    ("BR-KSA-DEC-04-rounding-decimals", "SS", [('<cbc:RoundingAmount currencyID="SAR">113.85</cbc:RoundingAmount>', '<cbc:RoundingAmount currencyID="SAR">113.850</cbc:RoundingAmount>')]),
    ("BR-KSA-53-standard-no-rounding", "ST", [("<cbc:RoundingAmount", "<cbc:RoundingAmountX"), ("</cbc:RoundingAmount>", "</cbc:RoundingAmountX>")]),
    ("BR-KSA-84-line-rate-10", "SS", [(LINE_TAX_S, "<cbc:ID>S</cbc:ID>\n                <cbc:Percent>10.00</cbc:Percent>")]),
    ("BR-S-05-line-rate-zero", "SS", [(LINE_TAX_S, "<cbc:ID>S</cbc:ID>\n                <cbc:Percent>0.00</cbc:Percent>")]),
    ("BR-CO-04-line-no-category", "SS", [(LINE_TAX_S, "<cbc:IDX>S</cbc:IDX>\n                <cbc:Percent>15.00</cbc:Percent>")]),
    ("BR-KSA-EN16931-12-base-quantity-zero", "SS", [('<cbc:PriceAmount currencyID="SAR">3.00</cbc:PriceAmount>', '<cbc:PriceAmount currencyID="SAR">3.00</cbc:PriceAmount><cbc:BaseQuantity unitCode="PCE">0</cbc:BaseQuantity>')]),
    ("BR-KSA-EN16931-06-price-charge-indicator", "SS", [("<cbc:ChargeIndicator>true</cbc:ChargeIndicator>", "<cbc:ChargeIndicator>TRUE</cbc:ChargeIndicator>")]),
    # Exemptions.
    ("BR-KSA-CL-04-exemption-code", "EX", [(">VATEX-SA-29-7<", ">VATEX-SA-99<")]),
    ("BR-KSA-23-exempt-no-code", "EX", [("<cbc:TaxExemptionReasonCode>VATEX-SA-29-7</cbc:TaxExemptionReasonCode>", "")]),
    ("BR-KSA-83-exemption-no-reason", "EX", [("<cbc:TaxExemptionReason>", "<cbc:TaxExemptionReasonX>"), ("</cbc:TaxExemptionReason>", "</cbc:TaxExemptionReasonX>")]),
    ("BR-KSA-49-education-without-national-id", "ZR", [(">VATEX-SA-35<", ">VATEX-SA-EDU<")]),
    ("BR-KSA-11-out-of-scope-line-rate", "OS", [("\n                <cbc:Percent>0.00</cbc:Percent>", "\n                <cbc:Percent>5.00</cbc:Percent>")]),
    # Prepayments and exchange rates.
    ("BR-KSA-80-prepaid-wrong", "AP", [("<cbc:PrepaidAmount currencyID=\"SAR\">", "<cbc:PrepaidAmount currencyID=\"SAR\">1")]),
    ("BR-KSA-88-exchange-source", "FX", [("<cac:TaxTotal>", RATE.format("EUR", "SAR", "3.75") + "<cac:TaxTotal>")]),
    ("BR-KSA-89-exchange-target", "FX", [("<cac:TaxTotal>", RATE.format("USD", "EUR", "3.75") + "<cac:TaxTotal>")]),
    ("BR-KSA-90-exchange-rate-long", "FX", [("<cac:TaxTotal>", RATE.format("USD", "SAR", "3.7500000000001") + "<cac:TaxTotal>")]),
    ("BR-KSA-87-exchange-rate-empty", "FX", [("<cac:TaxTotal>", RATE.format("USD", "SAR", "") + "<cac:TaxTotal>")]),
]

SIG_METHOD = '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>'
DIGEST_METHOD = '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
SIGNING_TIME = "<xades:SigningTime>2024-01-14T10:26:49</xades:SigningTime>"
SIG_INFO_ID = "<cbc:ID>urn:oasis:names:specification:ubl:signature:1</cbc:ID>"
C14N = '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11"/>'
XPATH_1 = "<ds:XPath>not(//ancestor-or-self::ext:UBLExtensions)</ds:XPath>"
EXTENSIONS_END = "</ext:UBLExtensions>"


def added_extension(content):
    """The edit that adds a second ext:UBLExtension holding `content`."""
    block = f"<ext:UBLExtension><ext:ExtensionContent>{content}</ext:ExtensionContent></ext:UBLExtension>"
    return [(EXTENSIONS_END, block + EXTENSIONS_END)]


LONG = "x" * 1001
L128 = "y" * 128
BUYER_PARTY = "<cac:AccountingCustomerParty>\n        <cac:Party>"
BUYER_ADDRESS = BUYER_PARTY + "\n            <cac:PostalAddress>"
SELLER_ADDRESS = "<cbc:BuildingNumber>2322</cbc:BuildingNumber>"
BUYER_NAME_END = "Fatoora Samples LTD</cbc:RegistrationName>\n            </cac:PartyLegalEntity>"
LINE_AMOUNT = '<cbc:LineExtensionAmount currencyID="SAR">99.00</cbc:LineExtensionAmount>'
ITEM_NAME = "<cbc:Name>كتاب</cbc:Name>"
DOC_ALLOWANCE = "<cbc:AllowanceChargeReason>discount</cbc:AllowanceChargeReason>"
DC_CHARGE_AMOUNT = '<cbc:Amount currencyID="SAR">60.00</cbc:Amount>'
SUB_S = '<cbc:ID schemeID="UN/ECE 5305" schemeAgencyID="6">S</cbc:ID>\n                 <cbc:Percent>15.00</cbc:Percent>'
PRICE_AC = '<cbc:ChargeIndicator>true</cbc:ChargeIndicator>\n               <cbc:AllowanceChargeReason>discount</cbc:AllowanceChargeReason>\n               <cbc:Amount currencyID="SAR">0.00</cbc:Amount>'

PREPAID_SUB = ('<cbc:TaxAmount currencyID="SAR">150</cbc:TaxAmount>\n                <cac:TaxCategory>\n'
               '                    <cbc:ID>S</cbc:ID>\n                    <cbc:Percent>15.00</cbc:Percent>')


def line_charge(charge, amount="1.00", reason=None, code=None, base=None, category="S", percent="15"):
    parts = [f"<cbc:ChargeIndicator>{charge}</cbc:ChargeIndicator>"]
    if code is not None:
        parts.append(f"<cbc:AllowanceChargeReasonCode>{code}</cbc:AllowanceChargeReasonCode>")
    if reason is not None:
        parts.append(f"<cbc:AllowanceChargeReason>{reason}</cbc:AllowanceChargeReason>")
    if amount is not None:
        parts.append(f'<cbc:Amount currencyID="SAR">{amount}</cbc:Amount>')
    if base is not None:
        parts.append(f'<cbc:BaseAmount currencyID="SAR">{base}</cbc:BaseAmount>')
    if category is not None:
        parts.append(f"<cac:TaxCategory><cbc:ID>{category}</cbc:ID><cbc:Percent>{percent}</cbc:Percent>"
                     "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>")
    return "<cac:AllowanceCharge>" + "".join(parts) + "</cac:AllowanceCharge>"


MUTATIONS += [
    ("BR-04-no-type-code", "SS", [('<cbc:InvoiceTypeCode name="0200000">388</cbc:InvoiceTypeCode>', "")]),
    ("BR-08-no-seller-address", "SS", [("<cac:PostalAddress>", "<cac:PostalAddressX>"), ("</cac:PostalAddress>", "</cac:PostalAddressX>")]),
    ("BR-09-seller-country-empty", "SS", [("<cbc:IdentificationCode>SA</cbc:IdentificationCode>", "<cbc:IdentificationCode></cbc:IdentificationCode>")]),
    ("BR-16-no-lines*", "SS", [("<cac:InvoiceLine>", "<cac:InvoiceLineX>"), ("</cac:InvoiceLine>", "</cac:InvoiceLineX>")]),
    ("BR-21-line-id-empty", "SS", [("<cbc:ID>1</cbc:ID>", "<cbc:ID></cbc:ID>")]),
    ("BR-26-no-price-amount", "SS", [('<cbc:PriceAmount currencyID="SAR">3.00</cbc:PriceAmount>', "")]),
    ("BR-32-allowance-gst", "SS", [('schemeAgencyID="6">VAT</cbc:ID>', 'schemeAgencyID="6">GST</cbc:ID>'), ('schemeAgencyID="6">VAT</cbc:ID>', 'schemeAgencyID="6">GST</cbc:ID>')]),
    ("BR-36-charge-no-amount", "DC", [(DC_CHARGE_AMOUNT, "")]),
    ("BR-37-charge-no-category-id", "DC", [("<cbc:ID>S</cbc:ID>\n            <cbc:Percent>15</cbc:Percent>", "<cbc:Percent>15</cbc:Percent>")]),
    ("BR-DEC-05-charge-decimals", "DC", [(DC_CHARGE_AMOUNT, '<cbc:Amount currencyID="SAR">60.000</cbc:Amount>')]),
    ("BR-DEC-06-charge-base-decimals", "DC", [(DC_CHARGE_AMOUNT, DC_CHARGE_AMOUNT + '<cbc:BaseAmount currencyID="SAR">600.001</cbc:BaseAmount>')]),
    ("BR-S-07-charge-rate-zero", "DC", [("<cbc:Percent>15</cbc:Percent>", "<cbc:Percent>0</cbc:Percent>")]),
    ("BR-KSA-21-charge-no-reason", "DC", [("<cbc:AllowanceChargeReason>Legalisation fee</cbc:AllowanceChargeReason>", "")]),
    ("BR-KSA-F-06-C33-charge-reason-long", "DC", [("<cbc:AllowanceChargeReason>Legalisation fee</cbc:AllowanceChargeReason>", f"<cbc:AllowanceChargeReason>{LONG}</cbc:AllowanceChargeReason>")]),
    ("BR-CO-12-charge-total-wrong", "DC", [('<cbc:ChargeTotalAmount currencyID="SAR">60.00</cbc:ChargeTotalAmount>', '<cbc:ChargeTotalAmount currencyID="SAR">61.00</cbc:ChargeTotalAmount>')]),
    ("BR-CO-12-charge-total-empty", "DC", [('<cbc:ChargeTotalAmount currencyID="SAR">60.00</cbc:ChargeTotalAmount>', '<cbc:ChargeTotalAmount currencyID="SAR"> </cbc:ChargeTotalAmount>')]),
    ("BR-DEC-11-charge-total-decimals", "DC", [('<cbc:ChargeTotalAmount currencyID="SAR">60.00</cbc:ChargeTotalAmount>', '<cbc:ChargeTotalAmount currencyID="SAR">60.000</cbc:ChargeTotalAmount>')]),
    ("BR-KSA-20-line-charge", "SS", [(LINE_AMOUNT, LINE_AMOUNT + line_charge("true", amount="1.000", base="10.001"))]),
    ("BR-43-line-charge-no-amount", "SS", [(LINE_AMOUNT, LINE_AMOUNT + line_charge("true", amount=None, reason="fee", code="LF"))]),
    ("BR-KSA-F-06-C34-line-charge-reason-empty", "SS", [(LINE_AMOUNT, LINE_AMOUNT + line_charge("true", reason="", code="LF"))]),
    ("BR-41-line-allowance-no-amount", "SS", [(LINE_AMOUNT, LINE_AMOUNT + line_charge("false", amount=None, reason=LONG, base="1.001"))]),
    ("BR-41-credit-line-allowance", "SC", [("<cac:InvoiceLine>", "<cac:InvoiceLine>" + line_charge("false", amount=None, reason="x"))]),
    ("BR-45-no-taxable", "SS", [('<cbc:TaxableAmount currencyID="SAR">201.00</cbc:TaxableAmount>', "")]),
    ("BR-46-no-subtotal-tax", "SS", [('<cbc:TaxAmount currencyID="SAR">30.15</cbc:TaxAmount>\n             <cac:TaxCategory>', "<cac:TaxCategory>")]),
    ("BR-47-no-subtotal-category-id", "SS", [(SUB_S, "<cbc:Percent>15.00</cbc:Percent>")]),
    ("BR-48-no-subtotal-rate", "SS", [(SUB_S, '<cbc:ID schemeID="UN/ECE 5305" schemeAgencyID="6">S</cbc:ID>')]),
    ("BR-49-standard-no-payment-code", "ST", [("<cbc:PaymentMeansCode>10</cbc:PaymentMeansCode>", "")]),
    ("BR-52-reference-without-id", "SS", [("<cac:Signature>", "<cac:AdditionalDocumentReference><cbc:DocumentType>x</cbc:DocumentType></cac:AdditionalDocumentReference><cac:Signature>")]),
    ("BR-54-item-property-no-value", "SS", [(ITEM_NAME, ITEM_NAME + "<cac:AdditionalItemProperty><cbc:Name>colour</cbc:Name></cac:AdditionalItemProperty>")]),
    ("BR-CL-KSA-14-qr-long", "SS", [('<cbc:ID>QR</cbc:ID>\n        <cac:Attachment>\n            <cbc:EmbeddedDocumentBinaryObject mimeCode="text/plain">', '<cbc:ID>QR</cbc:ID>\n        <cac:Attachment>\n            <cbc:EmbeddedDocumentBinaryObject mimeCode="text/plain">' + "Q" * 701)]),
    ("BR-DEC-02-allowance-base-decimals", "SS", [(DOC_ALLOWANCE, DOC_ALLOWANCE + '<cbc:BaseAmount currencyID="SAR">1.001</cbc:BaseAmount>')]),
    ("BR-DEC-09-line-total-decimals", "SS", [('<cbc:LineExtensionAmount currencyID="SAR">201.00</cbc:LineExtensionAmount>', '<cbc:LineExtensionAmount currencyID="SAR">201.000</cbc:LineExtensionAmount>')]),
    ("BR-DEC-10-allowance-total-decimals", "SS", [('<cbc:AllowanceTotalAmount currencyID="SAR">0.00</cbc:AllowanceTotalAmount>', '<cbc:AllowanceTotalAmount currencyID="SAR">0.000</cbc:AllowanceTotalAmount>')]),
    ("BR-DEC-12-exclusive-decimals", "SS", [('<cbc:TaxExclusiveAmount currencyID="SAR">201.00</cbc:TaxExclusiveAmount>', '<cbc:TaxExclusiveAmount currencyID="SAR">201.000</cbc:TaxExclusiveAmount>')]),
    ("BR-DEC-14-inclusive-decimals", "SS", [('<cbc:TaxInclusiveAmount currencyID="SAR">231.15</cbc:TaxInclusiveAmount>', '<cbc:TaxInclusiveAmount currencyID="SAR">231.150</cbc:TaxInclusiveAmount>')]),
    ("BR-DEC-16-prepaid-decimals", "SS", [('<cbc:PrepaidAmount currencyID="SAR">0.00</cbc:PrepaidAmount>', '<cbc:PrepaidAmount currencyID="SAR">0.000</cbc:PrepaidAmount>')]),
    ("BR-DEC-17-rounding-decimals", "SS", [('<cbc:PrepaidAmount currencyID="SAR">0.00</cbc:PrepaidAmount>', '<cbc:PrepaidAmount currencyID="SAR">0.00</cbc:PrepaidAmount><cbc:PayableRoundingAmount currencyID="SAR">0.001</cbc:PayableRoundingAmount>')]),
    ("BR-DEC-19-taxable-decimals", "SS", [('<cbc:TaxableAmount currencyID="SAR">201.00</cbc:TaxableAmount>', '<cbc:TaxableAmount currencyID="SAR">201.000</cbc:TaxableAmount>')]),
    ("BR-DEC-20-subtotal-tax-decimals", "SS", [('<cbc:TaxAmount currencyID="SAR">30.15</cbc:TaxAmount>\n             <cac:TaxCategory>', '<cbc:TaxAmount currencyID="SAR">30.150</cbc:TaxAmount>\n             <cac:TaxCategory>')]),
    ("BR-DEC-23-line-amount-decimals", "SS", [(LINE_AMOUNT, '<cbc:LineExtensionAmount currencyID="SAR">99.000</cbc:LineExtensionAmount>')]),
    ("BR-KSA-DEC-03-line-tax-decimals", "SS", [('<cbc:TaxAmount currencyID="SAR">14.85</cbc:TaxAmount>', '<cbc:TaxAmount currencyID="SAR">14.850</cbc:TaxAmount>')]),
    ("BR-E-05-exempt-line-rate", "EX", [("<cbc:ID>E</cbc:ID>\n                <cbc:Percent>0.00</cbc:Percent>", "<cbc:ID>E</cbc:ID>\n                <cbc:Percent>5.00</cbc:Percent>")]),
    ("BR-E-08-exempt-taxable-wrong", "EX", [('<cbc:TaxableAmount currencyID="SAR">1000.00</cbc:TaxableAmount>', '<cbc:TaxableAmount currencyID="SAR">1001.00</cbc:TaxableAmount>')]),
    ("BR-E-09-exempt-tax-nonzero", "EX", [('<cbc:TaxAmount currencyID="SAR">00.00</cbc:TaxAmount>', '<cbc:TaxAmount currencyID="SAR">1.00</cbc:TaxAmount>')]),
    ("BR-E-01-exempt-without-breakdown", "EX", [("<cbc:ID>E</cbc:ID>\n                 <cbc:Percent>0.00</cbc:Percent>", "<cbc:ID>Z</cbc:ID>\n                 <cbc:Percent>0.00</cbc:Percent>")]),
    ("BR-E-06-exempt-allowance-rate", "SS", [("<cac:TaxTotal>", line_charge("false", reason="x", category="E", percent="5") + "<cac:TaxTotal>")]),
    ("BR-Z-05-zero-line-rate", "ZR", [("<cbc:ID>Z</cbc:ID>\n                <cbc:Percent>0.00</cbc:Percent>", "<cbc:ID>Z</cbc:ID>\n                <cbc:Percent>1.00</cbc:Percent>")]),
    ("BR-Z-08-zero-taxable-wrong", "ZR", [('<cbc:TaxableAmount currencyID="SAR">50.00</cbc:TaxableAmount>', '<cbc:TaxableAmount currencyID="SAR">51.00</cbc:TaxableAmount>')]),
    ("BR-Z-09-zero-tax-nonzero", "ZR", [('<cbc:TaxAmount currencyID="SAR">00.00</cbc:TaxAmount>', '<cbc:TaxAmount currencyID="SAR">0.01</cbc:TaxAmount>')]),
    ("BR-Z-01-zero-without-breakdown", "ZR", [("<cbc:ID>Z</cbc:ID>\n                 <cbc:Percent>0.00</cbc:Percent>", "<cbc:ID>E</cbc:ID>\n                 <cbc:Percent>0.00</cbc:Percent>")]),
    ("BR-Z-06-zero-allowance-rate", "SS", [("<cac:TaxTotal>", line_charge("false", reason="x", category="Z", percent="5") + "<cac:TaxTotal>")]),
    ("BR-Z-07-zero-charge-rate", "SS", [("<cac:TaxTotal>", line_charge("true", reason="x", code="LF", category="Z", percent="5") + "<cac:TaxTotal>")]),
    ("BR-E-07-exempt-charge-rate", "SS", [("<cac:TaxTotal>", line_charge("true", reason="x", code="LF", category="E", percent="5") + "<cac:TaxTotal>")]),
    ("BR-KSA-12-out-of-scope-allowance-rate", "SS", [("<cac:TaxTotal>", line_charge("false", reason="x", category="O", percent="5") + "<cac:TaxTotal>")]),
    ("BR-KSA-13-out-of-scope-charge-rate", "SS", [("<cac:TaxTotal>", line_charge("true", reason="x", code="LF", category="O", percent="5") + "<cac:TaxTotal>")]),
    ("BR-O-08-out-of-scope-taxable-wrong", "OS", [('<cbc:TaxableAmount currencyID="SAR">500.00</cbc:TaxableAmount>', '<cbc:TaxableAmount currencyID="SAR">501.00</cbc:TaxableAmount>')]),
    ("BR-O-09-out-of-scope-tax-nonzero", "OS", [('<cbc:TaxAmount currencyID="SAR">00.00</cbc:TaxAmount>', '<cbc:TaxAmount currencyID="SAR">2.00</cbc:TaxAmount>')]),
    ("BR-O-01-out-of-scope-without-breakdown", "OS", [("<cbc:ID>O</cbc:ID>\n                 <cbc:Percent>0.00</cbc:Percent>", "<cbc:ID>Z</cbc:ID>\n                 <cbc:Percent>0.00</cbc:Percent>")]),
    ("BR-KSA-24-out-of-scope-no-code", "OS", [("<cbc:TaxExemptionReasonCode>VATEX-SA-OOS</cbc:TaxExemptionReasonCode>", "")]),
    ("BR-KSA-69-zero-no-code", "ZR", [("<cbc:TaxExemptionReasonCode>VATEX-SA-35</cbc:TaxExemptionReasonCode>", "")]),
    ("BR-KSA-F-06-C16-exemption-reason-long", "EX", [("<cbc:TaxExemptionReason>", "<cbc:TaxExemptionReason>" + LONG)]),
    ("BR-S-10-standard-with-exemption", "SS", [(SUB_S, SUB_S + "<cbc:TaxExemptionReason>x</cbc:TaxExemptionReason>")]),
    ("BR-KSA-14-buyer-id-scheme", "SS", [(BUYER_PARTY, BUYER_PARTY + '<cac:PartyIdentification><cbc:ID schemeID="XX">1-2</cbc:ID></cac:PartyIdentification>')]),
    ("BR-KSA-52-standard-line-no-tax", "ST", [('<cbc:TaxAmount currencyID="SAR">0.60</cbc:TaxAmount>\n             <cbc:RoundingAmount', '<cbc:RoundingAmount')]),
    ("BR-KSA-60-no-signature-element", "SS", [("<cac:Signature>", "<cac:SignatureX>"), ("</cac:Signature>", "</cac:SignatureX>")]),
    ("BR-KSA-71-simplified-summary-no-buyer-name", "SS", [('name="0200000"', 'name="0200010"'), ("<cbc:RegistrationName>شركة نماذج فاتورة المحدودة | Fatoora Samples LTD</cbc:RegistrationName>", "")]),
    ("BR-KSA-85-buyer-contact", "SS", [(BUYER_NAME_END, BUYER_NAME_END + f"<cac:Contact><cbc:Name>{LONG}</cbc:Name><cbc:Telephone>12</cbc:Telephone><cbc:ElectronicMail>a@b</cbc:ElectronicMail><cbc:Note>{LONG}</cbc:Note></cac:Contact>")]),
    ("BR-KSA-86-buyer-mail-ok-phone-ok", "SS", [(BUYER_NAME_END, BUYER_NAME_END + "<cac:Contact><cbc:Telephone>+966500000000</cbc:Telephone><cbc:ElectronicMail>buyer@example.com</cbc:ElectronicMail></cac:Contact>")]),
    ("BR-KSA-EN16931-06-price-no-indicator", "SS", [(PRICE_AC, PRICE_AC.replace("<cbc:ChargeIndicator>true</cbc:ChargeIndicator>", ""))]),
    ("BR-KSA-EN16931-07-price-base-wrong", "SS", [(PRICE_AC, PRICE_AC + '<cbc:BaseAmount currencyID="SAR">5.00</cbc:BaseAmount>')]),
    ("BR-KSA-EN16931-12-base-quantity-negative", "SS", [('<cbc:PriceAmount currencyID="SAR">3.00</cbc:PriceAmount>', '<cbc:PriceAmount currencyID="SAR">3.00</cbc:PriceAmount><cbc:BaseQuantity unitCode="' + L128 + '">-1</cbc:BaseQuantity>')]),
    ("BR-KSA-F-05-line-reference-time", "AP", [("<cbc:IssueTime>12:28:17</cbc:IssueTime>", "<cbc:IssueTime>12:28</cbc:IssueTime>")]),
    ("BR-KSA-F-06-C3-order-id-long", "SS", [("<cbc:DocumentCurrencyCode>", f"<cac:OrderReference><cbc:ID>{L128}</cbc:ID></cac:OrderReference><cac:ContractDocumentReference><cbc:ID>{L128}</cbc:ID></cac:ContractDocumentReference><cbc:DocumentCurrencyCode>")]),
    ("BR-KSA-F-06-C6-seller-address-long", "SS", [(SELLER_ADDRESS, f"<cbc:AdditionalStreetName>{L128}</cbc:AdditionalStreetName>" + SELLER_ADDRESS + f"<cbc:CountrySubentity>{L128}</cbc:CountrySubentity>")]),
    ("BR-KSA-F-06-C10-seller-name-long", "SS", [("<cbc:RegistrationName>شركة توريد", f"<cbc:RegistrationName>{LONG}شركة توريد")]),
    ("BR-KSA-F-06-C11-buyer-address-long", "SS", [(BUYER_ADDRESS, BUYER_ADDRESS + f"<cbc:AdditionalStreetName>{L128}</cbc:AdditionalStreetName><cbc:CountrySubentity>{L128}</cbc:CountrySubentity>"), ("<cbc:CityName>الرياض | Riyadh</cbc:CityName>\n                <cbc:PostalZone>12222", f"<cbc:CityName>{L128}</cbc:CityName>\n                <cbc:PostalZone>12222"), ("<cbc:StreetName>صلاح الدين", f"<cbc:StreetName>{LONG}")]),
    ("BR-KSA-F-06-C12-standard-buyer-name-long", "ST", [("<cbc:RegistrationName>شركة نماذج", f"<cbc:RegistrationName>{LONG}")]),
    ("BR-KSA-F-06-C32-simplified-buyer-name-long", "SS", [("<cbc:RegistrationName>شركة نماذج", f"<cbc:RegistrationName>{LONG}")]),
    ("BR-KSA-F-06-C25-standard-buyer-city-empty", "ST", [("<cbc:CityName>الرياض | Riyadh</cbc:CityName>\n                <cbc:PostalZone>12222", "<cbc:CityName></cbc:CityName>\n                <cbc:PostalZone>12222"), ("<cbc:CitySubdivisionName>المروج | Al-Murooj</cbc:CitySubdivisionName>", f"<cbc:CitySubdivisionName>{L128}</cbc:CitySubdivisionName>")]),
    ("BR-KSA-F-06-C13-reason-long", "SC", [("<cbc:InstructionNote>CANCELLATION_OR_TERMINATION</cbc:InstructionNote>", f"<cbc:InstructionNote>{LONG}</cbc:InstructionNote><cac:PayeeFinancialAccount><cbc:ID>{L128}</cbc:ID><cbc:PaymentNote>{LONG}</cbc:PaymentNote></cac:PayeeFinancialAccount>")]),
    ("BR-KSA-F-06-C22-billing-id-long", "SC", [("<cbc:ID>SME00002</cbc:ID>", "<cbc:ID>" + "B" * 5001 + "</cbc:ID>")]),
    ("BR-KSA-F-06-C18-line-identifiers-long", "SS", [('unitCode="PCE">33.000000', f'unitCode="{L128}">33.000000'), (ITEM_NAME, ITEM_NAME + f"<cac:BuyersItemIdentification><cbc:ID>{L128}</cbc:ID></cac:BuyersItemIdentification><cac:SellersItemIdentification><cbc:ID>{L128}</cbc:ID></cac:SellersItemIdentification><cac:StandardItemIdentification><cbc:ID>{L128}</cbc:ID></cac:StandardItemIdentification>")]),
    ("BR-KSA-F-06-C35-allowance-reason-long", "SS", [(DOC_ALLOWANCE, f"<cbc:AllowanceChargeReason>{LONG}</cbc:AllowanceChargeReason>")]),
    # A UBL CreditNote document (ZATCA sends credit notes as Invoice: this one fails the XSD,
    # but the Schematrons still judge it): the rules on cac:CreditNoteLine.
    ("BR-41-credit-note-document*", "SC", [
        ('<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"',
         '<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"'),
        ("</Invoice>", "</CreditNote>"),
        ("<cac:InvoiceLine>", "<cac:CreditNoteLine>"), ("</cac:InvoiceLine>", "</cac:CreditNoteLine>"),
        ('<cbc:InvoicedQuantity unitCode="PCE">2.000000</cbc:InvoicedQuantity>',
         '<cbc:CreditedQuantity unitCode="PCE">2.000000</cbc:CreditedQuantity>'
         + line_charge("false", amount=None, reason="x", base="1.001")
         + line_charge("false", amount="1.001", reason="y")),
    ]),
    # The UBL 2.1 schema alone (the rules do not see these).
    ("XSD-element-order", "SS", [("<cbc:IssueDate>2022-08-17</cbc:IssueDate>\n    <cbc:IssueTime>17:41:08</cbc:IssueTime>", "<cbc:IssueTime>17:41:08</cbc:IssueTime>\n    <cbc:IssueDate>2022-08-17</cbc:IssueDate>")]),
    ("XSD-unknown-element", "SS", [(ITEM_NAME, ITEM_NAME + "<cbc:Colour>red</cbc:Colour>")]),
    ("XSD-unknown-attribute", "SS", [("<cbc:ProfileID>", '<cbc:ProfileID kind="x">')]),
    ("XSD-amount-without-currency", "SS", [('<cbc:PrepaidAmount currencyID="SAR">0.00</cbc:PrepaidAmount>', "<cbc:PrepaidAmount>0.00</cbc:PrepaidAmount>")]),
    ("XSD-two-issue-dates", "SS", [(ISSUE_SS, ISSUE_SS + ISSUE_SS)]),
    ("XSD-text-in-aggregate", "SS", [("<cac:PaymentMeans>", "<cac:PaymentMeans>cash")]),
    ("XSD-quantity-not-decimal", "SS", [('unitCode="PCE">33.000000', 'unitCode="PCE">33,5')]),
    ("XSD-date-with-zone", "SS", [(ISSUE_SS, "<cbc:IssueDate>2022-08-17+03:00</cbc:IssueDate>")]),
    # Attribute values (their XSD simple types).
    ("XSD-attribute-language", "SS", [('languageID="ar"', 'languageID="ar_SA"')]),
    ("XSD-attribute-language-long-subtag-valid", "SS", [('languageID="ar"', 'languageID="ar-abcdefgh"')]),
    ("XSD-attribute-uri-percent", "SS", [('<cbc:ID schemeID="CRN">', '<cbc:ID schemeID="CRN" schemeURI="urn:crn:%zz">')]),
    ("XSD-attribute-uri-space-valid", "SS", [('<cbc:ID schemeID="CRN">', '<cbc:ID schemeID="CRN" schemeURI="urn:crn:list of schemes">')]),
    ("XSD-attribute-currency-newline-valid", "SS", [('<cbc:PrepaidAmount currencyID="SAR">', '<cbc:PrepaidAmount currencyID="S&#10;AR">')]),
    # The signature in ext:ExtensionContent (xsd:any, lax: validated against UBL's signature
    # components, XML Signature and XAdES).
    ("XSD-sig-unknown-in-signed-info", "SS", [(SIG_METHOD, SIG_METHOD + "<ds:Colour>red</ds:Colour>")]),
    ("XSD-sig-text-in-signed-info", "SS", [("<ds:SignedInfo>", "<ds:SignedInfo>signed")]),
    ("XSD-sig-unknown-attribute", "SS", [("<ds:SignedInfo>", '<ds:SignedInfo Colour="red">')]),
    ("XSD-sig-no-signature-value", "SS", [("<ds:SignatureValue>", "<!--"), ("</ds:SignatureValue>", "-->")]),
    ("XSD-sig-no-reference*", "SS", [("<ds:Reference ", "<!--<ds:Reference "), ("</ds:Reference>", "</ds:Reference>-->")]),
    ("XSD-sig-two-signature-values", "SS", [("<ds:SignatureValue>", "<ds:SignatureValue>QUJD</ds:SignatureValue><ds:SignatureValue>")]),
    ("XSD-sig-no-algorithm", "SS", [(DIGEST_METHOD, "<ds:DigestMethod/>")]),
    ("XSD-sig-algorithm-not-uri", "SS", [(DIGEST_METHOD, '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc%zzsha256"/>')]),
    ("XSD-sig-reference-uri-two-fragments", "SS", [('URI="#xadesSignedProperties"', 'URI="#xades#SignedProperties"')]),
    ("XSD-sig-reference-uri-port", "SS", [('URI="#xadesSignedProperties"', 'URI="http://example.com:port/"')]),
    ("XSD-sig-id-not-ncname", "SS", [('Id="signature"', 'Id="1signature"')]),
    ("XSD-sig-id-duplicate", "SS", [('Id="invoiceSignedData"', 'Id="signature"')]),
    ("XSD-sig-digest-not-base64", "SS", [("<ds:DigestValue>Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA=", "<ds:DigestValue>Hss2gNFjBY5OJn/5CEVZSSNUMrSf4QlCMxwsioPN6fA")]),
    ("XSD-sig-signing-time-not-datetime", "SS", [("<xades:SigningTime>2024-01-14T10:26:49", "<xades:SigningTime>2024-01-14 10:26:49")]),
    ("XSD-sig-signed-signature-properties-order", "SS", [(SIGNING_TIME, ""), ("</xades:SigningCertificate>", "</xades:SigningCertificate>" + SIGNING_TIME)]),
    ("XSD-sig-signed-properties-order", "SS", [('<xades:SignedProperties Id="xadesSignedProperties">', '<xades:SignedProperties Id="xadesSignedProperties"><xades:SignedDataObjectProperties/>')]),
    ("XSD-sig-signed-properties-unknown", "SS", [("</xades:SignedSignatureProperties>", "</xades:SignedSignatureProperties><xades:Colour/>")]),
    ("XSD-sig-unknown-in-signature-information", "SS", [(SIG_INFO_ID, SIG_INFO_ID + "<sac:Colour>red</sac:Colour>")]),
    ("XSD-sig-signature-information-order", "SS", [(SIG_INFO_ID, ""), ("</sbc:ReferencedSignatureID>", "</sbc:ReferencedSignatureID>" + SIG_INFO_ID)]),
    ("XSD-sig-strict-wildcard-undeclared", "SS", [(C14N, C14N.replace("/>", '><o:Parameter xmlns:o="urn:example:other"/></ds:CanonicalizationMethod>'))]),
    ("XSD-sig-issuer-serial-order", "SS", [("<ds:X509IssuerName>", "<ds:X509SerialNumber>1</ds:X509SerialNumber><ds:X509IssuerName>")]),
    ("XSD-ext-extension-namespace", "SS", added_extension("<ext:ExtensionURI>urn:x</ext:ExtensionURI>")),
    ("XSD-ext-no-namespace", "SS", added_extension('<Anything xmlns=""/>')),
    ("XSD-ext-two-children", "SS", [("</sig:UBLDocumentSignatures>", "</sig:UBLDocumentSignatures><o:More xmlns:o=\"urn:example:other\"/>")]),
    ("XSD-ext-empty", "SS", added_extension("")),
    ("XSD-ext-lax-declared-inside-unknown", "SS", added_extension('<o:Wrapper xmlns:o="urn:example:other"><cbc:IssueDate>17-08-2022</cbc:IssueDate></o:Wrapper>')),
    ("XSD-ext-lax-signature-inside-unknown", "SS", added_extension('<o:Wrapper xmlns:o="urn:example:other"><sac:SignatureInformation xmlns:sac="urn:oasis:names:specification:ubl:schema:xsd:SignatureAggregateComponents-2"><sac:Colour/></sac:SignatureInformation></o:Wrapper>')),
    # Valid under lax processing: what the wildcards admit without a declaration.
    ("XSD-ext-lax-unknown-namespace-valid", "SS", added_extension('<o:Anything xmlns:o="urn:example:other" o:a="1" b="2">text<o:Child/><cbc:IssueDate>2022-08-17</cbc:IssueDate></o:Anything>')),
    ("XSD-ext-lax-undeclared-ds-valid", "SS", added_extension('<ds:Colour xmlns:ds="http://www.w3.org/2000/09/xmldsig#" shade="red"><ds:Hue/></ds:Colour>')),
    ("XSD-ext-lax-undeclared-invoice-namespace-valid", "SS", added_extension("<Anything>text</Anything>")),
    ("XSD-ext-lax-declared-valid", "SS", added_extension('<ds:KeyName xmlns:ds="http://www.w3.org/2000/09/xmldsig#">key</ds:KeyName>')),
    ("XSD-sig-object-any-valid", "SS", [("</xades:QualifyingProperties>", '</xades:QualifyingProperties>note<o:Extra xmlns:o="urn:example:other" o:x="1"/>')]),
    ("XSD-sig-transform-other-valid", "SS", [(XPATH_1, XPATH_1 + '<o:Parameter xmlns:o="urn:example:other">1</o:Parameter>')]),
    ("XSD-sig-key-info-other-valid", "SS", [("</ds:X509Data>", '</ds:X509Data><o:Hint xmlns:o="urn:example:other"/>')]),
    ("XSD-sig-transform-ds-invalid", "SS", [(XPATH_1, XPATH_1 + "<ds:KeyName>k</ds:KeyName>")]),
    # Prepayment deduction lines (an invoice with a positive PrepaidAmount).
    ("BR-KSA-74-prepayment-type-388", "AP", [("<cbc:DocumentTypeCode>386</cbc:DocumentTypeCode>", "<cbc:DocumentTypeCode>388</cbc:DocumentTypeCode>")]),
    ("BR-KSA-82-prepayment-line-amount", "AP", [('<cbc:LineExtensionAmount currencyID="SAR">0.00</cbc:LineExtensionAmount>\n        <cac:DocumentReference>', '<cbc:LineExtensionAmount currencyID="SAR">1.00</cbc:LineExtensionAmount>\n        <cac:DocumentReference>')]),
    ("BR-KSA-82-prepayment-line-allowance", "AP", [("<cac:DocumentReference>", line_charge("false", amount="2.00", reason="x") + "<cac:DocumentReference>")]),
    ("BR-KSA-73-prepayment-no-time", "AP", [("<cbc:IssueTime>12:28:17</cbc:IssueTime>", "")]),
    ("BR-KSA-73-prepayment-no-reference", "AP", [("<cac:DocumentReference>", "<cac:DocumentReferenceX>"), ("</cac:DocumentReference>", "</cac:DocumentReferenceX>")]),
    ("BR-KSA-75-prepayment-no-rate", "AP", [(PREPAID_SUB, PREPAID_SUB.replace("\n                    <cbc:Percent>15.00</cbc:Percent>", ""))]),
    ("BR-KSA-DEC-06-prepayment-decimals", "AP", [('<cbc:TaxableAmount currencyID="SAR">1000</cbc:TaxableAmount>', '<cbc:TaxableAmount currencyID="SAR">1000.001</cbc:TaxableAmount>')]),
    ("BR-KSA-76-prepayment-zero-rated", "AP", [(PREPAID_SUB, PREPAID_SUB.replace("<cbc:ID>S</cbc:ID>", "<cbc:ID>Z</cbc:ID>"))]),
    ("BR-KSA-77-prepayment-exempt", "AP", [(PREPAID_SUB, PREPAID_SUB.replace("<cbc:ID>S</cbc:ID>", "<cbc:ID>E</cbc:ID>"))]),
    ("BR-KSA-78-prepayment-out-of-scope", "AP", [(PREPAID_SUB, PREPAID_SUB.replace("<cbc:ID>S</cbc:ID>", "<cbc:ID>O</cbc:ID>"))]),
    # BR-CO-13 adds the line amounts as doubles and converts the sum to xs:decimal with
    # its binary value: 1.015 (1.01499999…) rounds to 1.01.
    ("BR-CO-13-double-sum-binary-down", "SS", [(LINE_AMOUNT, '<cbc:LineExtensionAmount currencyID="SAR">1.015</cbc:LineExtensionAmount>'), ('<cbc:LineExtensionAmount currencyID="SAR">102.00</cbc:LineExtensionAmount>', '<cbc:LineExtensionAmount currencyID="SAR">0</cbc:LineExtensionAmount>'), ('<cbc:TaxExclusiveAmount currencyID="SAR">201.00</cbc:TaxExclusiveAmount>', '<cbc:TaxExclusiveAmount currencyID="SAR">1.01</cbc:TaxExclusiveAmount>')]),
    ("BR-CO-13-double-sum-shortest-up", "SS", [(LINE_AMOUNT, '<cbc:LineExtensionAmount currencyID="SAR">1.015</cbc:LineExtensionAmount>'), ('<cbc:LineExtensionAmount currencyID="SAR">102.00</cbc:LineExtensionAmount>', '<cbc:LineExtensionAmount currencyID="SAR">0</cbc:LineExtensionAmount>'), ('<cbc:TaxExclusiveAmount currencyID="SAR">201.00</cbc:TaxExclusiveAmount>', '<cbc:TaxExclusiveAmount currencyID="SAR">1.02</cbc:TaxExclusiveAmount>')]),
    # BR-KSA-51 compares format-number(…, '#.00') strings: half to even on the decimal form.
    ("BR-KSA-51-rounding-half-even-down", "SS", [('<cbc:RoundingAmount currencyID="SAR">113.85</cbc:RoundingAmount>', '<cbc:RoundingAmount currencyID="SAR">113.845</cbc:RoundingAmount>')]),
    ("BR-KSA-51-rounding-below-half", "SS", [('<cbc:RoundingAmount currencyID="SAR">113.85</cbc:RoundingAmount>', '<cbc:RoundingAmount currencyID="SAR">113.854</cbc:RoundingAmount>')]),
    ("BR-KSA-51-rounding-missing", "SS", [('<cbc:RoundingAmount currencyID="SAR">113.85</cbc:RoundingAmount>', "")]),
    ("BR-KSA-EN16931-03-percentage", "SS", [(DOC_ALLOWANCE, DOC_ALLOWANCE + "<cbc:MultiplierFactorNumeric>2.5</cbc:MultiplierFactorNumeric>"), ('<cbc:Amount currencyID="SAR">0.00</cbc:Amount>', '<cbc:Amount currencyID="SAR">0.25</cbc:Amount><cbc:BaseAmount currencyID="SAR">10.00</cbc:BaseAmount>')]),
    ("BR-KSA-EN16931-03-percentage-wrong", "SS", [(DOC_ALLOWANCE, DOC_ALLOWANCE + "<cbc:MultiplierFactorNumeric>2.5</cbc:MultiplierFactorNumeric>"), ('<cbc:Amount currencyID="SAR">0.00</cbc:Amount>', '<cbc:Amount currencyID="SAR">0.26</cbc:Amount><cbc:BaseAmount currencyID="SAR">10.00</cbc:BaseAmount>')]),
    # BR-KSA-79 accepts a prepayment VAT amount within a halala of the computed one.
    ("BR-KSA-79-prepayment-vat-one-halala-off", "AP", [('<cbc:TaxAmount currencyID="SAR">150</cbc:TaxAmount>', '<cbc:TaxAmount currencyID="SAR">150.01</cbc:TaxAmount>')]),
    ("BR-KSA-79-prepayment-vat-two-halalas-off", "AP", [('<cbc:TaxAmount currencyID="SAR">150</cbc:TaxAmount>', '<cbc:TaxAmount currencyID="SAR">150.02</cbc:TaxAmount>')]),
    # BR-CO-17 and BR-S-09 accept a VAT amount within a halala per line (two lines here),
    # computed in xs:float.
    ("BR-CO-17-within-tolerance", "SS", [('<cbc:TaxAmount currencyID="SAR">30.15</cbc:TaxAmount>\n             <cac:TaxCategory>', '<cbc:TaxAmount currencyID="SAR">30.17</cbc:TaxAmount>\n             <cac:TaxCategory>')]),
    ("BR-CO-17-past-tolerance", "SS", [('<cbc:TaxAmount currencyID="SAR">30.15</cbc:TaxAmount>\n             <cac:TaxCategory>', '<cbc:TaxAmount currencyID="SAR">30.18</cbc:TaxAmount>\n             <cac:TaxCategory>')]),
    ("BR-CO-17-rate-not-a-number", "SS", [("<cbc:Percent>15.00</cbc:Percent>\n                <cac:TaxScheme>\n                   <cbc:ID", "<cbc:Percent>fifteen</cbc:Percent>\n                <cac:TaxScheme>\n                   <cbc:ID")]),
    ("BR-48-exempt-breakdown-without-rate", "EX", [("<cbc:ID>E</cbc:ID>\n                 <cbc:Percent>0.00</cbc:Percent>", "<cbc:ID>E</cbc:ID>")]),
    ("BR-KSA-F-02-charge-indicator-numeric", "SS", [("<cbc:ChargeIndicator>false</cbc:ChargeIndicator>", "<cbc:ChargeIndicator>0</cbc:ChargeIndicator>")]),
]


def mutate():
    out_dir = os.path.join(HERE, "mutations")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    for name, base, edits in MUTATIONS:
        every = name.endswith("*")
        name = name.rstrip("*")
        with open(os.path.join(SDK, BASES[base]), encoding="utf-8") as f:
            text = f.read()
        for old, new in edits:
            if old not in text:
                sys.exit(f"{name}: {old[:60]!r} not in {BASES[base]}")
            text = text.replace(old, new) if every else text.replace(old, new, 1)
        with open(os.path.join(out_dir, name + ".xml"), "w", encoding="utf-8") as f:
            f.write(text)
    print(f"{len(MUTATIONS)} mutations")


def compliance(binary):
    keys = os.path.join(TESTDATA, "keys")
    with open(os.path.join(TESTDATA, "requests", "sample-device.json"), encoding="utf-8") as f:
        request = json.load(f)
    for tsxy in ("1100", "1000", "0100"):
        out = os.path.join(HERE, "compliance", tsxy)
        shutil.rmtree(out, ignore_errors=True)
        request["DeviceDetails"]["InvoiceType"] = tsxy
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "request.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(request, f)
            subprocess.run([binary, "compliance-docs", "--request", path,
                            "--key", os.path.join(keys, "sdk-r3.3.3-priv-key.b64"),
                            "--cert", os.path.join(keys, "sdk-r3.3.3-cert.b64"),
                            "--out", os.path.join(tmp, "out"), "--time", "2025-03-01T09:30:00Z"],
                           check=True, stdout=subprocess.DEVNULL)
            os.makedirs(out)
            for doc in sorted(os.listdir(os.path.join(tmp, "out"))):
                if doc.endswith(".xml"):
                    shutil.copy(os.path.join(tmp, "out", doc), os.path.join(out, doc))
    print("compliance documents for 1100, 1000, 0100")


if __name__ == "__main__":
    root = os.path.dirname(TESTDATA)
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "target", "debug", "zatca")
    mutate()
    compliance(binary)
