-- lastschrift schema, SQLite. Kept in step with ../postgres/ (same tables, columns and names).
-- Money is INTEGER cents; timestamps are RFC 3339 TEXT in UTC; dates are YYYY-MM-DD TEXT.

CREATE TABLE app_settings (
    key         TEXT PRIMARY KEY NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Only ciphertext (see src/secret.rs); never a secret in clear.
CREATE TABLE secrets (
    name        TEXT PRIMARY KEY NOT NULL,
    sealed      BLOB NOT NULL,
    updated_at  TEXT NOT NULL
);

-- Synced from sevdesk (read-only copy). No foreign keys between synced tables: one bad record
-- is skipped by sync, and the rest must still be stored.
CREATE TABLE contacts (
    id                       INTEGER PRIMARY KEY NOT NULL,
    customer_number          TEXT,
    display_name             TEXT NOT NULL,
    is_organisation          BOOLEAN NOT NULL,
    parent_id                INTEGER,
    iban                     TEXT,
    bic                      TEXT,
    mandate_reference_field  TEXT,
    mandate_reference        TEXT,
    signature_date_field     TEXT,
    email                    TEXT,
    street                   TEXT,
    zip                      TEXT,
    city                     TEXT,
    country_code             TEXT,
    sevdesk_updated_at       TEXT,
    synced_at                TEXT NOT NULL
);
CREATE INDEX contacts_customer_number ON contacts (customer_number);

CREATE TABLE invoices (
    id                  INTEGER PRIMARY KEY NOT NULL,
    number              TEXT,
    invoice_type        TEXT NOT NULL,
    status              INTEGER NOT NULL,
    contact_id          INTEGER NOT NULL,
    currency            TEXT NOT NULL,
    sum_gross_cents     INTEGER NOT NULL,
    paid_cents          INTEGER NOT NULL,
    payment_method_id   INTEGER,
    invoice_date        TEXT,
    due_date            TEXT,
    sevdesk_updated_at  TEXT,
    gone                BOOLEAN NOT NULL DEFAULT FALSE,
    synced_at           TEXT NOT NULL
);
CREATE INDEX invoices_open ON invoices (status) WHERE NOT gone;
CREATE INDEX invoices_contact ON invoices (contact_id);

CREATE TABLE credit_notes (
    id            INTEGER PRIMARY KEY NOT NULL,
    contact_id    INTEGER NOT NULL,
    invoice_id    INTEGER,
    amount_cents  INTEGER NOT NULL,
    status        INTEGER NOT NULL,
    synced_at     TEXT NOT NULL
);
CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id);

CREATE TABLE payment_methods (
    id                     INTEGER PRIMARY KEY NOT NULL,
    name                   TEXT NOT NULL,
    electronic_invoice_id  TEXT,
    synced_at              TEXT NOT NULL
);

-- Highest sevdesk `update` seen per resource ("invoices", "contacts", …).
CREATE TABLE sync_watermarks (
    resource     TEXT PRIMARY KEY NOT NULL,
    last_update  TEXT NOT NULL
);

CREATE TABLE sync_runs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at     TEXT NOT NULL,
    finished_at    TEXT NOT NULL,
    new_count      INTEGER NOT NULL,
    changed_count  INTEGER NOT NULL,
    gone_count     INTEGER NOT NULL,
    error_count    INTEGER NOT NULL,
    -- JSON array of {object, id, message}
    errors         TEXT NOT NULL
);

-- Our own mandate registry.
CREATE TABLE mandates (
    reference         TEXT PRIMARY KEY NOT NULL,
    contact_id        INTEGER NOT NULL,
    signature_date    TEXT,
    scheme            TEXT NOT NULL CHECK (scheme IN ('CORE', 'B2B')),
    status            TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    first_collection  TEXT,
    last_collection   TEXT,
    last_iban         TEXT,
    last_reference    TEXT,
    source            TEXT NOT NULL CHECK (source IN ('csv_import', 'sevdesk_field', 'manual')),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX mandates_contact ON mandates (contact_id);

-- The ledger. Ids are never reused (AUTOINCREMENT).
CREATE TABLE collection_runs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at        TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('recorded', 'exported', 'cancelled')),
    format            TEXT NOT NULL,
    -- comma-separated YYYY-MM-DD, ascending
    collection_dates  TEXT NOT NULL,
    debit_count       INTEGER NOT NULL,
    total_cents       INTEGER NOT NULL,
    control_list_csv  BLOB NOT NULL
);

CREATE TABLE collection_files (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id       INTEGER NOT NULL REFERENCES collection_runs (id),
    position     INTEGER NOT NULL,
    file_name    TEXT NOT NULL,
    message_id   TEXT NOT NULL UNIQUE,
    bytes        BLOB NOT NULL,
    sha256       TEXT NOT NULL,
    debit_count  INTEGER NOT NULL,
    total_cents  INTEGER NOT NULL,
    UNIQUE (run_id, position)
);

-- invoice_id and contact_id are sevdesk ids without foreign keys: the ledger outlives the synced
-- copy (which may be rebuilt) and must never lose a row because of it.
CREATE TABLE debits (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id             INTEGER NOT NULL REFERENCES collection_runs (id),
    file_id            INTEGER NOT NULL REFERENCES collection_files (id),
    invoice_id         INTEGER NOT NULL,
    contact_id         INTEGER NOT NULL,
    mandate_reference  TEXT NOT NULL,
    iban               TEXT NOT NULL,
    amount_cents       INTEGER NOT NULL CHECK (amount_cents > 0),
    sequence_type      TEXT NOT NULL CHECK (sequence_type IN ('FRST', 'RCUR', 'OOFF', 'FNAL')),
    end_to_end_id      TEXT NOT NULL UNIQUE,
    collection_date    TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'collected', 'returned', 'cancelled')),
    status_changed_at  TEXT,
    status_reason      TEXT
);
CREATE INDEX debits_run ON debits (run_id);
CREATE INDEX debits_invoice ON debits (invoice_id);
-- Never collect an invoice twice: at most one debit per invoice that is not returned/cancelled.
CREATE UNIQUE INDEX debits_one_active_per_invoice ON debits (invoice_id)
    WHERE status NOT IN ('returned', 'cancelled');

CREATE TABLE mandate_amendments (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    mandate_reference   TEXT NOT NULL,
    debit_id            INTEGER REFERENCES debits (id),
    detected_at         TEXT NOT NULL,
    original_reference  TEXT,
    original_iban       TEXT,
    new_iban            TEXT
);
CREATE INDEX mandate_amendments_reference ON mandate_amendments (mandate_reference);

CREATE TABLE request_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    status       INTEGER,
    duration_ms  INTEGER NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    username       TEXT NOT NULL UNIQUE,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'preparer', 'viewer')),
    created_at     TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
