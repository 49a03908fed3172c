-- Version 2: the secrets sealed under a master key.
--
-- A sealed value is nonce (12 bytes) || AES-256-GCM ciphertext || tag (16
-- bytes), bound to its row by the associated data. It is stored in the
-- column that held the secret in clear (`device_keys.key_pkcs8`, and
-- `device_csids.secret` as a BLOB), and the version of the master key it is
-- sealed under beside it. A NULL version means the value is in clear: a row
-- written before the database had a master key. The first open with a
-- master key seals every such row (in Rust: the key is not in SQL) in the
-- transaction that records the check value below.

ALTER TABLE device_keys ADD COLUMN key_version INTEGER CHECK (key_version >= 1);

ALTER TABLE device_csids ADD COLUMN secret_version INTEGER CHECK (secret_version >= 1);

-- At most one row: the database's master key, once it has one.
CREATE TABLE master_key (
    singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
    -- Incremented by each rotation; every sealed value records it.
    version     INTEGER NOT NULL CHECK (version >= 1),
    -- A known text sealed under the key: a wrong key does not open it.
    check_value BLOB    NOT NULL
);
