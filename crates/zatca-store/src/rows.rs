//! How a back end keeps the lifecycle's records in rows: the row a sealed
//! secret is bound to, the name of a row in errors, and the checks that a
//! record read back is the one its row's key names.

use zatca_onboarding::{ActivityStatus, CsidKind, DeviceRecord, InvoiceRecord};

use crate::custody::RowId;

/// `table TABLE, row (ENVIRONMENT, DEVICE, generation N)`: a row in errors.
pub fn row_name(table: &str, record: &DeviceRecord, generation: u32) -> String {
    format!(
        "table {table}, row ({}, {}, generation {generation})",
        record.environment.as_str(),
        record.device_id
    )
}

/// The row a generation's private key is sealed for (table `device_keys`).
pub fn key_row(record: &DeviceRecord, generation: u32) -> RowId<'_> {
    RowId {
        table: "device_keys",
        environment: record.environment.as_str(),
        device_id: record.device_id.as_str(),
        generation,
        kind: "key",
    }
}

/// The row a generation's CSID secret is sealed for (table `device_csids`).
pub fn csid_row(record: &DeviceRecord, kind: CsidKind, generation: u32) -> RowId<'_> {
    RowId {
        table: "device_csids",
        environment: record.environment.as_str(),
        device_id: record.device_id.as_str(),
        generation,
        kind: kind.name(),
    }
}

/// An activity status as the `activities.status` column holds it.
pub const fn status_name(status: ActivityStatus) -> &'static str {
    match status {
        ActivityStatus::InProgress => "IN_PROGRESS",
        ActivityStatus::Succeeded => "SUCCEEDED",
        ActivityStatus::Failed => "FAILED",
    }
}

/// The device record in `json`, which the row (`environment`, `id`) holds;
/// the error says what is wrong with it.
pub fn read_device(environment: &str, id: &str, json: &str) -> Result<DeviceRecord, String> {
    let record: DeviceRecord = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if record.environment.as_str() != environment || record.device_id.as_str() != id {
        return Err("the record is of another device".to_owned());
    }
    Ok(record)
}

/// A signed document of `device` in `json`; the error says what is wrong.
pub fn read_invoice(device: &DeviceRecord, json: &str) -> Result<InvoiceRecord, String> {
    let invoice: InvoiceRecord = serde_json::from_str(json).map_err(|e| e.to_string())?;
    if invoice.device_id != device.device_id {
        return Err("the invoice is of another device".to_owned());
    }
    Ok(invoice)
}
