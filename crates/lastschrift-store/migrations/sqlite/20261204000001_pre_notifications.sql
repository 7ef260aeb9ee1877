-- Pre-notifications (Vorabankündigungen): one per debtor (mandate) and collection date, with
-- what it announces (its items), exactly what was sent (subject, text, HTML, or the letter's
-- PDF), and the proof: channel, address, time, the mail server's reply or the PDF's hash.
-- `fingerprint` is what it announces: the same announcement prepared twice is one row, so it
-- is never sent twice. `sending` is claimed and not confirmed: after a crash it is not sent
-- again on its own.
CREATE TABLE pre_notifications (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint       TEXT NOT NULL UNIQUE,
    created_at        TEXT NOT NULL,
    collection_date   TEXT NOT NULL,
    mandate_reference TEXT NOT NULL,
    contact_id        INTEGER NOT NULL,
    debtor_name       TEXT NOT NULL,
    channel           TEXT NOT NULL CHECK (channel IN ('email', 'letter')),
    address           TEXT NOT NULL,
    creditor_id       TEXT NOT NULL,
    total_cents       INTEGER NOT NULL CHECK (total_cents > 0),
    subject           TEXT NOT NULL,
    body_text         TEXT NOT NULL,
    body_html         TEXT NOT NULL,
    template_version  TEXT NOT NULL,
    message_id        TEXT NOT NULL UNIQUE,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    sent_at           TEXT,
    server_reply      TEXT,
    pdf               BLOB,
    pdf_sha256        TEXT,
    last_error        TEXT,
    status_changed_at TEXT
);
CREATE INDEX pre_notifications_date ON pre_notifications (collection_date);

CREATE TABLE pre_notification_items (
    pre_notification_id INTEGER NOT NULL REFERENCES pre_notifications (id),
    position            INTEGER NOT NULL,
    invoice_id          INTEGER NOT NULL,
    invoice_number      TEXT,
    amount_cents        INTEGER NOT NULL CHECK (amount_cents > 0),
    PRIMARY KEY (pre_notification_id, position)
);
CREATE INDEX pre_notification_items_invoice ON pre_notification_items (invoice_id);
