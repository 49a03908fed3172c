-- Version 1: the onboarding service's tables on PostgreSQL. The same rows as
-- the SQLite store's (records as JSON text, secrets sealed under the master
-- key, bound to their row), with what several instances need: a lock row per
-- device, activity leases, and the unique (environment, VAT, EGS serial).

CREATE TABLE devices (
    environment TEXT NOT NULL CHECK (environment IN ('development', 'simulation', 'production')),
    device_id   TEXT NOT NULL,
    vat         TEXT NOT NULL,
    egs_serial  TEXT NOT NULL,
    state       TEXT NOT NULL,
    -- The DeviceRecord as JSON (no secret): the commit point of every step.
    record      TEXT NOT NULL,
    PRIMARY KEY (environment, device_id),
    -- One device per VAT and EGS serial in an environment, whichever instance registers it.
    UNIQUE (environment, vat, egs_serial)
);

CREATE INDEX devices_by_vat ON devices (vat);

-- One row per device ever locked: `SELECT … FOR UPDATE` on it, in a
-- transaction held for the whole operation, serializes the operations on a
-- device across every instance (and ends with the holder's connection).
CREATE TABLE device_locks (
    device_id TEXT PRIMARY KEY
);

CREATE TABLE device_keys (
    environment TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    generation  INTEGER NOT NULL CHECK (generation >= 1),
    -- The PKCS#8 DER key, sealed: nonce || AES-256-GCM ciphertext || tag.
    key_sealed  BYTEA   NOT NULL,
    key_version INTEGER NOT NULL CHECK (key_version >= 1),
    PRIMARY KEY (environment, device_id, generation)
);

CREATE TABLE device_csrs (
    environment TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    generation  INTEGER NOT NULL CHECK (generation >= 1),
    csr_pem     TEXT    NOT NULL,
    PRIMARY KEY (environment, device_id, generation)
);

CREATE TABLE device_csids (
    environment    TEXT    NOT NULL,
    device_id      TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('compliance', 'production')),
    generation     INTEGER NOT NULL CHECK (generation >= 1),
    -- ZATCA's binarySecurityToken and requestID, and the secret, sealed.
    token          TEXT    NOT NULL,
    secret_sealed  BYTEA   NOT NULL,
    secret_version INTEGER NOT NULL CHECK (secret_version >= 1),
    request_id     TEXT,
    PRIMARY KEY (environment, device_id, kind, generation)
);

CREATE TABLE compliance_results (
    environment TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    generation  INTEGER NOT NULL CHECK (generation >= 1),
    -- The StepResult list as JSON.
    results     TEXT    NOT NULL,
    PRIMARY KEY (environment, device_id, generation)
);

CREATE TABLE activities (
    activity_id TEXT NOT NULL PRIMARY KEY,
    device_id   TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('IN_PROGRESS', 'SUCCEEDED', 'FAILED')),
    -- The Activity as JSON.
    record      TEXT NOT NULL,
    -- The instance running it ('' : reserved for the instance that started
    -- it) and until when, by the database's clock; NULL once it ended.
    lease_owner TEXT,
    lease_until TIMESTAMPTZ
);

CREATE INDEX activities_in_progress ON activities (activity_id) WHERE status = 'IN_PROGRESS';
CREATE INDEX activities_by_device ON activities (device_id);

CREATE TABLE invoices (
    environment     TEXT   NOT NULL,
    device_id       TEXT   NOT NULL,
    icv             BIGINT NOT NULL CHECK (icv >= 1),
    uuid            TEXT   NOT NULL,
    invoice_hash    TEXT   NOT NULL,
    idempotency_key TEXT,
    -- The InvoiceRecord as JSON (with the signed document).
    record          TEXT   NOT NULL,
    PRIMARY KEY (environment, device_id, icv),
    FOREIGN KEY (environment, device_id) REFERENCES devices (environment, device_id)
);

CREATE UNIQUE INDEX invoices_by_idempotency_key
    ON invoices (environment, device_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE vats (
    vat       TEXT NOT NULL PRIMARY KEY,
    name      TEXT,
    group_vat TEXT REFERENCES vats (vat)
);

CREATE TABLE users (
    user_id      BIGSERIAL PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'viewer')),
    -- SHA-256 of the token's text; the token itself is never stored.
    token_sha256 BYTEA   NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    revoked      BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE user_vats (
    user_id BIGINT NOT NULL REFERENCES users (user_id),
    vat     TEXT   NOT NULL REFERENCES vats (vat),
    PRIMARY KEY (user_id, vat)
);

-- Exactly one row once the store is opened: its master key's version and a
-- known text sealed under it (a wrong key does not open it).
CREATE TABLE master_key (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    version     INTEGER NOT NULL CHECK (version >= 1),
    check_value BYTEA   NOT NULL
);
