-- Version 2: the devices' invoice chains.
--
-- One row per signed document, written in the same transaction as the device
-- record whose chain head (`Chain.LastIcv`, `Chain.Pih`) moves to it: a
-- document is committed exactly when the head covers it.

CREATE TABLE invoices (
    environment     TEXT    NOT NULL,
    device_id       TEXT    NOT NULL,
    icv             INTEGER NOT NULL CHECK (icv >= 1),
    uuid            TEXT    NOT NULL,
    invoice_hash    TEXT    NOT NULL,
    idempotency_key TEXT,
    -- The InvoiceRecord as JSON (with the signed document).
    record          TEXT    NOT NULL,
    PRIMARY KEY (environment, device_id, icv),
    FOREIGN KEY (environment, device_id) REFERENCES devices (environment, device_id)
) WITHOUT ROWID;

-- A retry with the same idempotency key finds its document.
CREATE UNIQUE INDEX invoices_by_idempotency_key
    ON invoices (environment, device_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
