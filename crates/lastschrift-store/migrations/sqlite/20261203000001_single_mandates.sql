-- Single mandates entered in the web or the CLI: the signed copy kept with the mandate (every
-- version; the newest is the current one), and the debtor's revocation with its date.
CREATE TABLE mandate_documents (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    mandate_reference  TEXT NOT NULL REFERENCES mandates (reference),
    file_name          TEXT NOT NULL,
    content_type       TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    bytes              BLOB NOT NULL,
    sha256             TEXT NOT NULL,
    size_bytes         INTEGER NOT NULL CHECK (size_bytes > 0),
    uploaded_at        TEXT NOT NULL,
    uploaded_by        TEXT
);
CREATE INDEX mandate_documents_mandate ON mandate_documents (mandate_reference);

CREATE TABLE mandate_revocations (
    mandate_reference  TEXT PRIMARY KEY REFERENCES mandates (reference),
    revoked_on         TEXT NOT NULL,
    note               TEXT,
    recorded_at        TEXT NOT NULL
);
