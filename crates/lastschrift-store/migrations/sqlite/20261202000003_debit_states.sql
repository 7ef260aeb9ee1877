-- A debit's real state: `rejected` (refused before settlement, pain.002) is added to the ledger's
-- statuses; like `cancelled` it frees the invoice and does not count as a use of the mandate.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt. sqlx runs every migration
-- in a transaction, where foreign keys cannot be switched off; they are deferred instead: the
-- amendments that point at a debit are orphans between the DROP and the INSERT below, and have
-- their debit back before the commit checks them.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE debits_copy AS SELECT * FROM debits;
DROP TABLE debits;
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
    status             TEXT NOT NULL
                       CHECK (status IN ('pending', 'collected', 'rejected', 'returned', 'cancelled')),
    status_changed_at  TEXT,
    status_reason      TEXT
);
INSERT INTO debits (id, run_id, file_id, invoice_id, contact_id, mandate_reference, iban,
        amount_cents, sequence_type, end_to_end_id, collection_date, status, status_changed_at,
        status_reason)
    SELECT id, run_id, file_id, invoice_id, contact_id, mandate_reference, iban, amount_cents,
        sequence_type, end_to_end_id, collection_date, status, status_changed_at, status_reason
    FROM debits_copy;
DROP TABLE debits_copy;
CREATE INDEX debits_run ON debits (run_id);
CREATE INDEX debits_invoice ON debits (invoice_id);
CREATE INDEX debits_mandate ON debits (mandate_reference);
-- Never collect an invoice twice: at most one debit per invoice that is still standing.
CREATE UNIQUE INDEX debits_one_active_per_invoice ON debits (invoice_id)
    WHERE status NOT IN ('rejected', 'returned', 'cancelled');

-- One-off mandates (OOFF) and mandates that end with their next debit (FNAL).
ALTER TABLE mandates ADD COLUMN one_off BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE mandates ADD COLUMN ending BOOLEAN NOT NULL DEFAULT FALSE;

-- A mandate's first and last collection are now read from the ledger (its debits that were not
-- rejected or cancelled) joined with what the user entered (CSV import); the stored columns
-- keep only the latter. Mandates taken over from sevdesk's fields had nothing entered.
UPDATE mandates SET first_collection = NULL, last_collection = NULL WHERE source = 'sevdesk_field';
