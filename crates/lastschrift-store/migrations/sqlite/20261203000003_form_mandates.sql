-- A mandate can be reserved by a printed mandate form (source `form`): its reference is taken in
-- the registry before the debtor signs, and its signature date comes only from the registry.
-- SQLite cannot change a CHECK constraint, so the table is rebuilt. Foreign keys that point at
-- mandates (signed copies, revocations) are deferred: they have their mandate back before the
-- commit checks them.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE mandates_copy AS SELECT * FROM mandates;
DROP TABLE mandates;
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
    source            TEXT NOT NULL CHECK (source IN ('csv_import', 'sevdesk_field', 'manual', 'form')),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    one_off           BOOLEAN NOT NULL DEFAULT FALSE,
    ending            BOOLEAN NOT NULL DEFAULT FALSE
);
INSERT INTO mandates (reference, contact_id, signature_date, scheme, status, first_collection,
        last_collection, last_iban, last_reference, source, created_at, updated_at, one_off, ending)
    SELECT reference, contact_id, signature_date, scheme, status, first_collection,
        last_collection, last_iban, last_reference, source, created_at, updated_at, one_off, ending
    FROM mandates_copy;
DROP TABLE mandates_copy;
CREATE INDEX mandates_contact ON mandates (contact_id);
