-- Rules that must hold under concurrency, held by the database.

-- Exactly one first administrator: the first-start form claims this single row in the same
-- transaction that creates the user; a second form at the same time fails on the primary key.
CREATE TABLE installation_setup (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    done_at  TIMESTAMPTZ NOT NULL
);
-- An installation that already has users is set up.
INSERT INTO installation_setup (id, done_at)
    SELECT 1, MIN(created_at) FROM users HAVING COUNT(*) > 0;

-- One run per confirmed preview: a second confirmation of the same preview (double click, two
-- browsers, two server instances) finds the run the first one made.
ALTER TABLE collection_runs ADD COLUMN confirm_key TEXT;
CREATE UNIQUE INDEX collection_runs_confirm_key ON collection_runs (confirm_key);
