-- Version 1: the devices of the lifecycle and the service's accounts.
--
-- A device's rows other than `devices` (keys, CSRs, CSIDs, results) are keyed
-- by (environment, device_id, generation) without a foreign key: the
-- lifecycle writes a generation's key and CSR before the device row that
-- commits them, and rows of a generation never committed are overwritten by
-- the next attempt, as files are in the directory store.

CREATE TABLE devices (
    environment TEXT NOT NULL CHECK (environment IN ('development', 'simulation', 'production')),
    device_id   TEXT NOT NULL,
    vat         TEXT NOT NULL,
    egs_serial  TEXT NOT NULL,
    state       TEXT NOT NULL,
    -- The DeviceRecord as JSON (no secret): the commit point of every step.
    record      TEXT NOT NULL,
    PRIMARY KEY (environment, device_id)
) WITHOUT ROWID;

CREATE INDEX devices_by_vat ON devices (vat);

CREATE TABLE device_keys (
    environment TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    generation  INTEGER NOT NULL CHECK (generation >= 1),
    -- The private key as unencrypted PKCS#8 DER.
    key_pkcs8   BLOB    NOT NULL,
    PRIMARY KEY (environment, device_id, generation)
) WITHOUT ROWID;

CREATE TABLE device_csrs (
    environment TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    generation  INTEGER NOT NULL CHECK (generation >= 1),
    csr_pem     TEXT    NOT NULL,
    PRIMARY KEY (environment, device_id, generation)
) WITHOUT ROWID;

CREATE TABLE device_csids (
    environment TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('compliance', 'production')),
    generation  INTEGER NOT NULL CHECK (generation >= 1),
    -- ZATCA's binarySecurityToken, secret and requestID.
    token       TEXT    NOT NULL,
    secret      TEXT    NOT NULL,
    request_id  TEXT,
    PRIMARY KEY (environment, device_id, kind, generation)
) WITHOUT ROWID;

CREATE TABLE compliance_results (
    environment TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    generation  INTEGER NOT NULL CHECK (generation >= 1),
    -- The StepResult list as JSON.
    results     TEXT    NOT NULL,
    PRIMARY KEY (environment, device_id, generation)
) WITHOUT ROWID;

CREATE TABLE activities (
    activity_id TEXT NOT NULL PRIMARY KEY,
    device_id   TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('IN_PROGRESS', 'SUCCEEDED', 'FAILED')),
    -- The Activity as JSON.
    record      TEXT NOT NULL
) WITHOUT ROWID;

-- A restart looks for the interrupted activities: a partial index holds only those.
CREATE INDEX activities_in_progress ON activities (activity_id) WHERE status = 'IN_PROGRESS';
CREATE INDEX activities_by_device ON activities (device_id);

CREATE TABLE vats (
    vat       TEXT NOT NULL PRIMARY KEY,
    name      TEXT,
    group_vat TEXT REFERENCES vats (vat)
) WITHOUT ROWID;

CREATE TABLE users (
    user_id      INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'viewer')),
    -- SHA-256 of the token's text; the token itself is never stored.
    token_sha256 BLOB    NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    revoked      INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
);

CREATE TABLE user_vats (
    user_id INTEGER NOT NULL REFERENCES users (user_id),
    vat     TEXT    NOT NULL REFERENCES vats (vat),
    PRIMARY KEY (user_id, vat)
) WITHOUT ROWID;
