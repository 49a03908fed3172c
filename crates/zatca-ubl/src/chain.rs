//! Writing a document's place in its device's invoice chain: the ICV and PIH
//! `cac:AdditionalDocumentReference`s, as every SDK sample carries them:
//!
//! ```xml
//! <cac:AdditionalDocumentReference>
//!     <cbc:ID>ICV</cbc:ID>
//!     <cbc:UUID>10</cbc:UUID>
//! </cac:AdditionalDocumentReference>
//! <cac:AdditionalDocumentReference>
//!     <cbc:ID>PIH</cbc:ID>
//!     <cac:Attachment>
//!         <cbc:EmbeddedDocumentBinaryObject mimeCode="text/plain">…</cbc:EmbeddedDocumentBinaryObject>
//!     </cac:Attachment>
//! </cac:AdditionalDocumentReference>
//! ```
//!
//! Both are part of the invoice hash, so they are written before signing and
//! never into a signed document.

use roxmltree::Node;

use crate::{Invoice, NS_CAC, NS_CBC, NS_EXT, UblError, has_id};

/// Writes `icv` and `pih` into an unsigned invoice, credit or debit note and
/// returns the new document text.
///
/// An existing ICV or PIH reference keeps its place and layout: only the value
/// (`cbc:UUID`, `cac:Attachment/cbc:EmbeddedDocumentBinaryObject`) is
/// replaced. A missing one is inserted next to the other, else after the last
/// `cac:AdditionalDocumentReference`, else before `cac:AccountingSupplierParty`
/// (the UBL 2.1 order), indented like its neighbour. Everything else stays byte
/// for byte, and the same input gives the same output.
///
/// Refused: a document with a signature part ([`UblError::AlreadySigned`]); a
/// duplicated ICV or PIH reference, one without its value element or with
/// markup in it ([`UblError::MalformedChainReference`]); a PIH that is not
/// base64 ([`UblError::InvalidValue`]).
///
/// ```
/// let xml = br#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
///     <cbc:UUID>3cf5ee18-ee25-44ea-a444-2c37ba7f28be</cbc:UUID>
///     <cac:AccountingSupplierParty/>
/// </Invoice>"#;
/// let chained = zatca_ubl::write_chain_references(xml, 7, zatca_sign::FIRST_PIH)?;
/// let invoice = zatca_ubl::Invoice::parse(chained.as_bytes())?;
/// assert_eq!(invoice.icv()?, 7);
/// assert_eq!(invoice.pih()?, zatca_sign::FIRST_PIH);
/// # Ok::<(), zatca_ubl::UblError>(())
/// ```
pub fn write_chain_references(xml: &[u8], icv: u64, pih: &str) -> Result<String, UblError> {
    check_pih(pih)?;
    let invoice = Invoice::parse(xml)?;
    let root = invoice.root();
    let text = invoice.doc.input_text();

    let mut icv_ref = None;
    let mut pih_ref = None;
    let mut last_reference = None;
    let mut supplier = None;
    for child in root.children().filter(Node::is_element) {
        if child.has_tag_name((NS_EXT, "UBLExtensions")) {
            return Err(UblError::AlreadySigned {
                element: "/Invoice/ext:UBLExtensions",
            });
        }
        if child.has_tag_name((NS_CAC, "Signature")) {
            return Err(UblError::AlreadySigned {
                element: "/Invoice/cac:Signature",
            });
        }
        if child.has_tag_name((NS_CAC, "AdditionalDocumentReference")) {
            let slot = if has_id(child, "QR") {
                return Err(UblError::AlreadySigned {
                    element: "/Invoice/cac:AdditionalDocumentReference[cbc:ID='QR']",
                });
            } else if has_id(child, "ICV") {
                (&mut icv_ref, "ICV")
            } else if has_id(child, "PIH") {
                (&mut pih_ref, "PIH")
            } else {
                check_not_chain_like(child)?;
                last_reference = Some(child);
                continue;
            };
            if slot.0.replace(child).is_some() {
                return Err(UblError::MalformedChainReference {
                    reference: slot.1,
                    problem: "appears more than once; expected one",
                });
            }
            last_reference = Some(child);
        } else if supplier.is_none() && child.has_tag_name((NS_CAC, "AccountingSupplierParty")) {
            supplier = Some(child);
        }
    }

    let icv_text = icv.to_string();
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::with_capacity(2);
    if let Some(r) = icv_ref {
        let value = value_element(
            r,
            &[(NS_CBC, "UUID")],
            "ICV",
            "has no cbc:UUID; expected the counter in cbc:UUID",
        )?;
        edits.push(replace_value(text, value, &icv_text, "ICV")?);
    }
    if let Some(r) = pih_ref {
        let value = value_element(
            r,
            &[
                (NS_CAC, "Attachment"),
                (NS_CBC, "EmbeddedDocumentBinaryObject"),
            ],
            "PIH",
            "has no cac:Attachment/cbc:EmbeddedDocumentBinaryObject; expected the previous invoice hash there",
        )?;
        edits.push(replace_value(text, value, pih, "PIH")?);
    }

    let decl = namespace_declarations(root);
    match (icv_ref, pih_ref) {
        (Some(_), Some(_)) => {}
        (Some(icv_node), None) => {
            let ws = leading_whitespace(text, icv_node);
            let end = icv_node.range().end;
            edits.push((end..end, format!("{ws}{}", pih_block(&decl, ws, pih))));
        }
        (None, Some(pih_node)) => {
            let ws = leading_whitespace(text, pih_node);
            let start = pih_node.range().start;
            edits.push((
                start..start,
                format!("{}{ws}", icv_block(&decl, ws, &icv_text)),
            ));
        }
        (None, None) => {
            let blocks = |ws: &str| (icv_block(&decl, ws, &icv_text), pih_block(&decl, ws, pih));
            if let Some(after) = last_reference {
                let ws = leading_whitespace(text, after);
                let (icv_block, pih_block) = blocks(ws);
                let end = after.range().end;
                edits.push((end..end, format!("{ws}{icv_block}{ws}{pih_block}")));
            } else {
                let before = supplier.ok_or(UblError::MissingElement {
                    path: "/Invoice/cac:AccountingSupplierParty",
                })?;
                let ws = leading_whitespace(text, before);
                let (icv_block, pih_block) = blocks(ws);
                let start = before.range().start;
                edits.push((start..start, format!("{icv_block}{ws}{pih_block}{ws}")));
            }
        }
    }

    edits.sort_by_key(|(range, _)| range.start);
    let extra: usize = edits.iter().map(|(_, t)| t.len()).sum();
    let mut out = String::with_capacity(text.len() + extra);
    let mut pos = 0;
    for (range, replacement) in &edits {
        out.push_str(text.get(pos..range.start).unwrap_or_default());
        out.push_str(replacement);
        pos = range.end;
    }
    out.push_str(text.get(pos..).unwrap_or_default());
    Ok(out)
}

/// A PIH goes into the document as it is: base64 only, so it can carry no markup.
fn check_pih(pih: &str) -> Result<(), UblError> {
    let base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    if pih.is_empty() || !pih.bytes().all(base64) {
        return Err(UblError::invalid(
            "PIH",
            "the base64 hash of the previous invoice",
            pih,
        ));
    }
    Ok(())
}

/// A reference whose `cbc:ID` is `ICV` or `PIH` only up to whitespace would
/// be missed by ZATCA's exact match and leave the document with two chains.
fn check_not_chain_like(node: Node<'_, '_>) -> Result<(), UblError> {
    for id in node.children().filter(|c| c.has_tag_name((NS_CBC, "ID"))) {
        let value: String = id
            .descendants()
            .filter(Node::is_text)
            .filter_map(|t| t.text())
            .collect();
        for reference in ["ICV", "PIH"] {
            if value.trim() == reference {
                return Err(UblError::MalformedChainReference {
                    reference,
                    problem: "its cbc:ID has whitespace around the name; expected exactly the name",
                });
            }
        }
    }
    Ok(())
}

/// The value element at `steps` under `reference`: one of each step, holding text only.
fn value_element<'a, 'input>(
    reference: Node<'a, 'input>,
    steps: &[(&str, &str)],
    name: &'static str,
    missing: &'static str,
) -> Result<Node<'a, 'input>, UblError> {
    let mut node = reference;
    for &step in steps {
        let mut matches = node.children().filter(|c| c.has_tag_name(step));
        node = matches.next().ok_or(UblError::MalformedChainReference {
            reference: name,
            problem: missing,
        })?;
        if matches.next().is_some() {
            return Err(UblError::MalformedChainReference {
                reference: name,
                problem: "its value element appears more than once; expected one",
            });
        }
    }
    if node.children().any(|c| !c.is_text()) {
        return Err(UblError::MalformedChainReference {
            reference: name,
            problem: "its value element holds markup; expected text only",
        });
    }
    Ok(node)
}

/// The edit that puts `value` in place of the element's text.
fn replace_value(
    text: &str,
    element: Node<'_, '_>,
    value: &str,
    name: &'static str,
) -> Result<(std::ops::Range<usize>, String), UblError> {
    if let Some(content) = element.first_child() {
        return Ok((content.range(), value.to_owned()));
    }
    let range = element.range();
    let source = text.get(range.clone()).unwrap_or_default();
    let malformed = UblError::MalformedChainReference {
        reference: name,
        problem: "its value element cannot be read back",
    };
    if source.ends_with("/>") {
        // `<p:UUID/>` (or with attributes): written out with an end tag.
        let qname_end = source
            .find(|c: char| c.is_ascii_whitespace() || c == '/')
            .ok_or(malformed)?;
        let qname = source.get(1..qname_end).unwrap_or_default();
        let open = source.get(..source.len() - 2).unwrap_or_default();
        Ok((range, format!("{open}>{value}</{qname}>")))
    } else {
        let open_end = source.find('>').ok_or(malformed)? + 1;
        let at = range.start + open_end;
        Ok((at..at, value.to_owned()))
    }
}

/// The whitespace just before `node` (its indentation, with the line break).
fn leading_whitespace<'t>(text: &'t str, node: Node<'_, '_>) -> &'t str {
    let start = node.range().start;
    let before = text.get(..start).unwrap_or_default();
    let ws = before.len() - before.trim_end_matches([' ', '\t', '\n', '\r']).len();
    before.get(start - ws..).unwrap_or_default()
}

/// The declarations the inserted elements need when the document element does
/// not bind `cac`/`cbc` as UBL does.
fn namespace_declarations(root: Node<'_, '_>) -> String {
    let mut decl = String::new();
    for (prefix, uri) in [("cac", NS_CAC), ("cbc", NS_CBC)] {
        if root.lookup_namespace_uri(Some(prefix)) != Some(uri) {
            decl.push_str(&format!(" xmlns:{prefix}=\"{uri}\""));
        }
    }
    decl
}

fn icv_block(decl: &str, ws: &str, icv: &str) -> String {
    format!(
        "<cac:AdditionalDocumentReference{decl}>{ws}    <cbc:ID>ICV</cbc:ID>{ws}    <cbc:UUID>{icv}</cbc:UUID>{ws}</cac:AdditionalDocumentReference>"
    )
}

fn pih_block(decl: &str, ws: &str, pih: &str) -> String {
    format!(
        "<cac:AdditionalDocumentReference{decl}>{ws}    <cbc:ID>PIH</cbc:ID>{ws}    <cac:Attachment>{ws}        <cbc:EmbeddedDocumentBinaryObject mimeCode=\"text/plain\">{pih}</cbc:EmbeddedDocumentBinaryObject>{ws}    </cac:Attachment>{ws}</cac:AdditionalDocumentReference>"
    )
}
