//! The route table of the service and the OpenAPI 3.1 document made from it
//! (`GET /openapi.json`). The router in [`crate::Service::router`] serves
//! exactly these routes; the end-to-end tests request every one of them.

use serde_json::{Map, Value, json};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (health, metrics, this document).
    Public,
    /// A user with any role for the `vat` header's VAT.
    Read,
    /// A user with the admin role for the `vat` header's VAT.
    Admin,
}

/// One route of the service.
#[derive(Debug, Clone, Copy)]
pub struct RouteDoc {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path under the base path, with `{Param}` placeholders.
    pub path: &'static str,
    /// The OpenAPI operation id.
    pub operation: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Who may call it.
    pub access: Access,
    /// The HTTP statuses it answers, with their meaning.
    pub responses: &'static [(u16, &'static str)],
}

const AUTH_RESPONSES: [(u16, &str); 2] = [
    (401, "The auth token is missing or not valid."),
    (
        403,
        "The user is not authorized for the operation (role, `vat` header, VAT of the request).",
    ),
];

/// Every route, in the order the document lists them.
pub const ROUTES: &[RouteDoc] = &[
    RouteDoc {
        method: "POST",
        path: "/onboarding/register-device",
        operation: "registerDevice",
        summary: "Register a device (Device ID, key, CSR); with an Otp, start its CSID and PCSID activity.",
        access: Access::Admin,
        responses: &[
            (200, "GENERATED (an existing device carries warning 6002)."),
            (
                400,
                "Validation issues (the full ErrorList), or a VAT the service does not serve.",
            ),
            AUTH_RESPONSES[0],
            AUTH_RESPONSES[1],
        ],
    },
    RouteDoc {
        method: "POST",
        path: "/onboarding/generate-csid",
        operation: "generateCsid",
        summary: "Start the CSID and PCSID activity of a registered device; returns at once with its PcsidGenerationActivityId.",
        access: Access::Admin,
        responses: &[
            (200, "GENERATED: the activity started."),
            (
                400,
                "Validation issues; 6002 once the device has its PCSID.",
            ),
            AUTH_RESPONSES[0],
            AUTH_RESPONSES[1],
        ],
    },
    RouteDoc {
        method: "POST",
        path: "/onboarding/renew-pcsid",
        operation: "renewPcsid",
        summary: "Renew a device's PCSID (synchronous).",
        access: Access::Admin,
        responses: &[
            (200, "GENERATED: the new PCSID is in use."),
            (
                400,
                "Validation issues; 6003 while the device has no PCSID; ZATCA's refusal.",
            ),
            AUTH_RESPONSES[0],
            AUTH_RESPONSES[1],
            (
                502,
                "ZATCA did not answer usably; look at the device before trying again.",
            ),
        ],
    },
    RouteDoc {
        method: "GET",
        path: "/onboarding/{ActivityId}/pcsid-status",
        operation: "pcsidStatus",
        summary: "Get PCSID Generation Status.",
        access: Access::Read,
        responses: &[
            (200, "IN_PROGRESS or SUCCEEDED."),
            (
                400,
                "The ActivityId is not valid or not related to a PCSID generation of this VAT.",
            ),
            AUTH_RESPONSES[0],
            AUTH_RESPONSES[1],
            (500, "FAILED: ErrorList says why."),
        ],
    },
    RouteDoc {
        method: "GET",
        path: "/devices",
        operation: "listDevices",
        summary: "The devices of the `vat` header's VAT (and of its group's members): state, environment, CSID serials and expiry, renewal window; never a key, secret or OTP.",
        access: Access::Read,
        responses: &[(200, "The devices."), AUTH_RESPONSES[0], AUTH_RESPONSES[1]],
    },
    RouteDoc {
        method: "GET",
        path: "/devices/{DeviceId}",
        operation: "showDevice",
        summary: "One device, as the list gives it.",
        access: Access::Read,
        responses: &[
            (200, "The device."),
            AUTH_RESPONSES[0],
            AUTH_RESPONSES[1],
            (404, "No such device for this VAT."),
        ],
    },
    RouteDoc {
        method: "POST",
        path: "/devices",
        operation: "createDevice",
        summary: "Register a device and onboard it in one synchronous call (the other provider's API): deviceId, csid, CSR, and for InvoiceFormat Xml/Pdf the privateKey and secret, in this answer only.",
        access: Access::Admin,
        responses: &[
            (
                200,
                "status Success: the device has its production CSID (an existing one carries warning 6002 and no key or secret).",
            ),
            (
                400,
                "status Failed: validation issues (the full errorList), a missing OTP, ZATCA's refusal or failed compliance checks.",
            ),
            AUTH_RESPONSES[0],
            AUTH_RESPONSES[1],
            (
                502,
                "ZATCA did not answer usably; the device stays registered, try again with a new OTP.",
            ),
        ],
    },
    RouteDoc {
        method: "POST",
        path: "/devices/{DeviceId}/invoices",
        operation: "signInvoice",
        summary: "Sign an unsigned UBL invoice, credit or debit note as the device's next document: the service assigns ICV and PIH, signs with the production CSID and commits before answering {icv, pih, invoiceHash, uuid, qr, signedInvoice}. Idempotency-Key: a retry answers the same document.",
        access: Access::Admin,
        responses: &[
            (
                200,
                "The signed document (Idempotent-Replayed: true when an earlier call with the same Idempotency-Key signed it).",
            ),
            (
                400,
                "The body is not an unsigned UBL document (XML, or {\"invoice\": base64}), or a malformed Idempotency-Key.",
            ),
            AUTH_RESPONSES[0],
            AUTH_RESPONSES[1],
            (404, "No such device for this VAT."),
            (
                409,
                "The device cannot sign here: no production CSID, invoice format Xml/Pdf (its caller manages the chain), or the Idempotency-Key was used for another document.",
            ),
        ],
    },
    RouteDoc {
        method: "GET",
        path: "/devices/{DeviceId}/invoices/{icv}",
        operation: "getInvoice",
        summary: "A committed document of the device's chain, by ICV, as the sign call answered it.",
        access: Access::Read,
        responses: &[
            (200, "The signed document."),
            AUTH_RESPONSES[0],
            AUTH_RESPONSES[1],
            (
                404,
                "No such device for this VAT, or no committed document with this ICV.",
            ),
        ],
    },
    RouteDoc {
        method: "GET",
        path: "/healthz",
        operation: "health",
        summary: "Liveness: {\"Status\":\"UP\"}.",
        access: Access::Public,
        responses: &[(200, "The service is up.")],
    },
    RouteDoc {
        method: "GET",
        path: "/metrics",
        operation: "metrics",
        summary: "Prometheus text: requests by route and status, activities by state, PCSIDs expiring within 30 days.",
        access: Access::Public,
        responses: &[(200, "The metrics.")],
    },
    RouteDoc {
        method: "GET",
        path: "/openapi.json",
        operation: "openapi",
        summary: "This document.",
        access: Access::Public,
        responses: &[(200, "The OpenAPI 3.1 document.")],
    },
];

fn parameters(route: &RouteDoc) -> Vec<Value> {
    let mut out = Vec::new();
    if route.access != Access::Public {
        out.push(json!({"name": "vat", "in": "header", "required": true,
            "description": "VAT or group VAT of the entity.", "schema": {"type": "string"}}));
    }
    if route.operation == "signInvoice" {
        out.push(json!({"name": "Idempotency-Key", "in": "header", "required": false,
            "description": "1 to 255 visible ASCII characters: a retry with the same key and document answers the committed document, never a new ICV.",
            "schema": {"type": "string"}}));
    }
    let mut rest = route.path;
    while let Some(start) = rest.find('{') {
        let after = rest.get(start + 1..).unwrap_or("");
        let Some(end) = after.find('}') else { break };
        let name = after.get(..end).unwrap_or("");
        out.push(
            json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}),
        );
        rest = after.get(end..).unwrap_or("");
    }
    out
}

fn body_schema(route: &RouteDoc) -> Option<Value> {
    match route.operation {
        "registerDevice" => Some(json!({
            "type": "object",
            "description": "ClearTax's register-device body (DeviceDetails, OrganizationDetails, Otp); the Device/Organization/OTP/Environment shape is accepted too.",
            "properties": {
                "DeviceDetails": {"type": "object"},
                "OrganizationDetails": {"type": "object"},
                "Otp": {"type": "string"}
            }
        })),
        "createDevice" => Some(json!({
            "type": "object",
            "required": ["Device", "Organization", "OTP"],
            "description": "The other provider's register body; a plain Device.EgsSerialNumber is completed as 1-<solution>|2-<model>|3-<serial>.",
            "properties": {
                "Device": {"type": "object"},
                "Organization": {"type": "object"},
                "Environment": {"type": "string", "enum": ["Development", "Simulation", "Production"]},
                "OTP": {"type": "string"},
                "InvoiceFormat": {"type": "string", "enum": ["Xml", "Pdf", "Model"]}
            }
        })),
        "signInvoice" => Some(json!({
            "type": "object",
            "description": "The unsigned UBL document as the body (Content-Type application/xml), or {\"invoice\": base64 of it}.",
            "properties": {"invoice": {"type": "string", "contentEncoding": "base64"}}
        })),
        "generateCsid" | "renewPcsid" => Some(json!({
            "type": "object",
            "required": ["DeviceId", "Otp"],
            "properties": {"DeviceId": {"type": "string"}, "Otp": {"type": "string"}}
        })),
        _ => None,
    }
}

/// The OpenAPI 3.1 document of [`ROUTES`], served under `base_path`.
pub fn document(base_path: &str) -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let mut responses = Map::new();
        for (status, description) in route.responses {
            responses.insert(
                status.to_string(),
                json!({"description": description, "content": {"application/json": {}}}),
            );
        }
        let mut operation = json!({
            "operationId": route.operation,
            "summary": route.summary,
            "parameters": parameters(route),
            "responses": responses,
        });
        if let Value::Object(op) = &mut operation {
            if route.access == Access::Public {
                op.insert("security".to_owned(), json!([]));
            }
            if let Some(schema) = body_schema(route) {
                let mut content = Map::new();
                content.insert("application/json".to_owned(), json!({"schema": schema}));
                if route.operation == "signInvoice" {
                    content.insert(
                        "application/xml".to_owned(),
                        json!({"schema": {"type": "string"}}),
                    );
                }
                op.insert(
                    "requestBody".to_owned(),
                    json!({"required": true, "content": content}),
                );
            }
        }
        let entry = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(methods) = entry {
            methods.insert(route.method.to_ascii_lowercase(), operation);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ZATCA onboarding service",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "ClearTax's KSA onboarding APIs (register-device, generate-csid, renew-pcsid, pcsid-status) and the other provider's register call (POST /devices) with the service-managed invoice chain, self-hosted."
        },
        "servers": [{"url": if base_path.is_empty() { "/" } else { base_path }}],
        "security": [{"authToken": []}, {"bearer": []}],
        "components": {"securitySchemes": {
            "authToken": {"type": "apiKey", "in": "header", "name": "x-cleartax-auth-token"},
            "bearer": {"type": "http", "scheme": "bearer"}
        }},
        "paths": paths,
    })
}
