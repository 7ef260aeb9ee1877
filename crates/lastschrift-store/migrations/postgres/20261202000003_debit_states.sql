-- A debit's real state: `rejected` (refused before settlement, pain.002) is added to the ledger's
-- statuses; like `cancelled` it frees the invoice and does not count as a use of the mandate.
ALTER TABLE debits DROP CONSTRAINT debits_status_check;
ALTER TABLE debits ADD CONSTRAINT debits_status_check
    CHECK (status IN ('pending', 'collected', 'rejected', 'returned', 'cancelled'));
DROP INDEX debits_one_active_per_invoice;
-- Never collect an invoice twice: at most one debit per invoice that is still standing.
CREATE UNIQUE INDEX debits_one_active_per_invoice ON debits (invoice_id)
    WHERE status NOT IN ('rejected', 'returned', 'cancelled');
CREATE INDEX debits_mandate ON debits (mandate_reference);

-- One-off mandates (OOFF) and mandates that end with their next debit (FNAL).
ALTER TABLE mandates ADD COLUMN one_off BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE mandates ADD COLUMN ending BOOLEAN NOT NULL DEFAULT FALSE;

-- A mandate's first and last collection are now read from the ledger (its debits that were not
-- rejected or cancelled) joined with what the user entered (CSV import); the stored columns
-- keep only the latter. Mandates taken over from sevdesk's fields had nothing entered.
UPDATE mandates SET first_collection = NULL, last_collection = NULL WHERE source = 'sevdesk_field';
