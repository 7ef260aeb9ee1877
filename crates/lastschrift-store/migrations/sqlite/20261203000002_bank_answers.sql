-- What the bank says back (pain.002 status reports, camt.054/camt.053 bookings): every imported
-- file with its exact bytes (one row per content: the same file twice is one import), every
-- effect it had on the ledger or why it had none, and the follow-up of each rejected or returned
-- debit (collect again, mandate blocked, review, done).
CREATE TABLE bank_imports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256       TEXT NOT NULL UNIQUE,
    file_name    TEXT NOT NULL,
    format       TEXT NOT NULL,
    message_id   TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    imported_at  TEXT NOT NULL,
    imported_by  TEXT
);

CREATE TABLE bank_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id    INTEGER NOT NULL REFERENCES bank_imports (id),
    debit_id     INTEGER REFERENCES debits (id),
    effect       TEXT NOT NULL
                 CHECK (effect IN ('rejected', 'returned', 'collected', 'unchanged', 'unmatched')),
    reason_code  TEXT,
    amount_cents INTEGER,
    fee_cents    INTEGER NOT NULL DEFAULT 0,
    booked_on    TEXT,
    detail       TEXT NOT NULL
);
CREATE INDEX bank_events_import ON bank_events (import_id);
CREATE INDEX bank_events_debit ON bank_events (debit_id);

ALTER TABLE debits ADD COLUMN status_on TEXT;
ALTER TABLE debits ADD COLUMN fee_cents INTEGER;
ALTER TABLE debits ADD COLUMN confirmed_by_bank BOOLEAN NOT NULL DEFAULT 0;

CREATE TABLE debit_follow_ups (
    debit_id      INTEGER PRIMARY KEY REFERENCES debits (id),
    action        TEXT NOT NULL CHECK (action IN ('collect_again', 'block_mandate', 'review', 'done')),
    reason_code   TEXT,
    -- The debtor account the bank refused: a new IBAN in sevdesk lifts a block.
    blocked_iban  TEXT,
    decided_at    TEXT NOT NULL,
    decided_by    TEXT
);
