-- A mandate can be reserved by a printed mandate form (source `form`): its reference is taken in
-- the registry before the debtor signs, and its signature date comes only from the registry.
ALTER TABLE mandates DROP CONSTRAINT mandates_source_check;
ALTER TABLE mandates ADD CONSTRAINT mandates_source_check
    CHECK (source IN ('csv_import', 'sevdesk_field', 'manual', 'form'));
