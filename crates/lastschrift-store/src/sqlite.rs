//! SQLite backend: one file in the data directory, WAL, a busy timeout, foreign keys on.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::model::*;
use super::rows::*;
use super::sql::*;
use super::{Backend, Result, Store, StoreError};
use crate::DatabaseUrl;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a writer waits for another one before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating it and its directory if needed) and migrates the database file.
    pub async fn open(path: &Path) -> Result<Self> {
        Self::open_with(SqliteConnectOptions::new().filename(path)).await
    }

    /// `sqlite://PATH` (or `sqlite:PATH`).
    pub async fn open_url(url: &DatabaseUrl) -> Result<Self> {
        let options =
            SqliteConnectOptions::from_str(url.expose()).map_err(|error| StoreError::Open {
                backend: Backend::Sqlite,
                url: url.masked(),
                source: Box::new(error),
            })?;
        Self::open_with(options).await
    }

    async fn open_with(options: SqliteConnectOptions) -> Result<Self> {
        let path = options.get_filename().to_owned();
        let open_error = |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Open {
            backend: Backend::Sqlite,
            url: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|error| open_error(Box::new(error)))?;
        }
        if path.as_os_str() != ":memory:" && !path.as_os_str().is_empty() {
            private_file(&path).map_err(|error| open_error(Box::new(error)))?;
        }
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed ledger entry survives a power cut, not only a crash; the files
            // written next to it rely on that.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|error| open_error(Box::new(error)))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|error| open_error(Box::new(error)))?;
        Ok(SqliteStore { pool, path })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The database holds IBANs, mandates and the encrypted token: owner-only (0600). Created so
/// before SQLite opens it (SQLite would create it 0644, and gives its -wal and -shm files the
/// database file's mode); an existing file that group or others may read is tightened.
fn private_file(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if let Ok(meta) = std::fs::metadata(&file)
                && meta.permissions().mode() & 0o077 != 0
            {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The data directory holds IBANs and the encrypted token: owner-only when we create it.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

impl_store!(
    SqliteStore,
    sqlx::Sqlite,
    Backend::Sqlite,
    "BEGIN IMMEDIATE",
    "",
    "SELECT 1"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: the database file was created world-readable (0644).
    #[cfg(unix)]
    #[tokio::test]
    async fn the_database_file_and_its_wal_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lastschrift.sqlite3");
        let store = SqliteStore::open(&path).await.unwrap();
        store.upsert_contacts(&[]).await.unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
        store.pool.close().await;
        // A file someone made readable before is tightened on the next start.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = SqliteStore::open(&path).await.unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        store.pool.close().await;
    }

    /// The debits table is rebuilt to admit `rejected`; a ledger written before must come
    /// through whole, with its amendments still pointing at their debits.
    #[tokio::test]
    async fn the_debit_states_migration_keeps_an_existing_ledger_whole() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("old.sqlite3"))
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        let before = Migrator {
            migrations: std::borrow::Cow::Owned(
                MIGRATOR
                    .migrations
                    .iter()
                    .filter(|m| m.version < 20261202000003)
                    .cloned()
                    .collect(),
            ),
            ..Migrator::DEFAULT
        };
        before.run(&pool).await.unwrap();
        for sql in [
            "INSERT INTO collection_runs (id, created_at, status, format, collection_dates, \
             debit_count, total_cents, control_list_csv) \
             VALUES (1, '2026-11-01T10:00:00Z', 'exported', 'pain.008.001.08', '2026-11-16', 2, 300, x'00')",
            "INSERT INTO collection_files (id, run_id, position, file_name, message_id, bytes, \
             sha256, debit_count, total_cents) VALUES (1, 1, 1, 'a.xml', 'MSG-1', x'3c3e', 'h', 2, 300)",
            "INSERT INTO debits (id, run_id, file_id, invoice_id, contact_id, mandate_reference, \
             iban, amount_cents, sequence_type, end_to_end_id, collection_date, status) VALUES \
             (7, 1, 1, 100, 5, 'M-1', 'DE02120300000000202051', 100, 'FRST', 'E-7', '2026-11-16', 'collected'), \
             (9, 1, 1, 101, 5, 'M-1', 'DE02120300000000202051', 200, 'RCUR', 'E-9', '2026-11-16', 'cancelled')",
            "INSERT INTO mandate_amendments (mandate_reference, debit_id, detected_at, original_iban) \
             VALUES ('M-1', 7, '2026-11-01T10:00:00Z', 'DE89370400440532013000')",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        MIGRATOR.run(&pool).await.unwrap();

        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT id, status, end_to_end_id FROM debits ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(
            rows,
            vec![
                (7, "collected".into(), "E-7".into()),
                (9, "cancelled".into(), "E-9".into())
            ]
        );
        let broken: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert!(broken.is_empty(), "{broken:?}");
        let amended: i64 = sqlx::query_scalar(
            "SELECT d.id FROM mandate_amendments a JOIN debits d ON d.id = a.debit_id",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(amended, 7);
        // The new state is admitted, the invoice guard still holds, ids are not reused.
        sqlx::query("UPDATE debits SET status = 'rejected' WHERE id = 7")
            .execute(&pool)
            .await
            .unwrap();
        let next: i64 = sqlx::query_scalar(
            "INSERT INTO debits (run_id, file_id, invoice_id, contact_id, mandate_reference, \
             iban, amount_cents, sequence_type, end_to_end_id, collection_date, status) VALUES \
             (1, 1, 100, 5, 'M-1', 'DE02120300000000202051', 100, 'FRST', 'E-10', '2026-12-16', 'pending') \
             RETURNING id",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(next > 9, "{next}");
        let twice = sqlx::query(
            "INSERT INTO debits (run_id, file_id, invoice_id, contact_id, mandate_reference, \
             iban, amount_cents, sequence_type, end_to_end_id, collection_date, status) VALUES \
             (1, 1, 100, 5, 'M-1', 'DE02120300000000202051', 100, 'RCUR', 'E-11', '2026-12-16', 'pending')",
        )
        .execute(&pool)
        .await;
        assert!(twice.is_err(), "a second standing debit of invoice 100");
    }

    /// The mandates table is rebuilt to admit the source `form`; the registry written before
    /// must come through whole, with the signed copies and revocations that point at it.
    #[tokio::test]
    async fn the_form_mandates_migration_keeps_the_registry_and_what_points_at_it() {
        let dir = tempfile::tempdir().unwrap();
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("old.sqlite3"))
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        let before = Migrator {
            migrations: std::borrow::Cow::Owned(
                MIGRATOR
                    .migrations
                    .iter()
                    .filter(|m| m.version < 20261203000003)
                    .cloned()
                    .collect(),
            ),
            ..Migrator::DEFAULT
        };
        before.run(&pool).await.unwrap();
        for sql in [
            "INSERT INTO mandates (reference, contact_id, signature_date, scheme, status, \
             first_collection, last_collection, last_iban, last_reference, source, created_at, \
             updated_at, one_off, ending) VALUES \
             ('M-1', 5, '2024-01-02', 'B2B', 'revoked', '2024-02-01', '2025-03-01', \
              'DE02120300000000202051', 'OLD-1', 'csv_import', '2026-11-01T10:00:00Z', \
              '2026-11-02T10:00:00Z', TRUE, FALSE), \
             ('M-2', 6, NULL, 'CORE', 'active', NULL, NULL, NULL, NULL, 'manual', \
              '2026-11-01T10:00:00Z', '2026-11-01T10:00:00Z', FALSE, TRUE)",
            "INSERT INTO mandate_documents (mandate_reference, file_name, content_type, bytes, \
             sha256, size_bytes, uploaded_at) VALUES ('M-1', 'm.pdf', 'application/pdf', \
             x'25504446', 'h', 4, '2026-11-01T10:00:00Z')",
            "INSERT INTO mandate_revocations (mandate_reference, revoked_on, recorded_at) \
             VALUES ('M-1', '2026-10-01', '2026-11-01T10:00:00Z')",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        let old: Vec<sqlx::sqlite::SqliteRow> =
            sqlx::query("SELECT * FROM mandates ORDER BY reference")
                .fetch_all(&pool)
                .await
                .unwrap();
        let dump = |rows: &[sqlx::sqlite::SqliteRow]| -> Vec<Vec<Option<String>>> {
            use sqlx::Row as _;
            rows.iter()
                .map(|r| {
                    [
                        "reference",
                        "contact_id",
                        "signature_date",
                        "scheme",
                        "status",
                        "first_collection",
                        "last_collection",
                        "last_iban",
                        "last_reference",
                        "source",
                        "created_at",
                        "updated_at",
                        "one_off",
                        "ending",
                    ]
                    .iter()
                    .map(|c| {
                        r.try_get::<Option<String>, _>(*c)
                            .or_else(|_| {
                                r.try_get::<Option<i64>, _>(*c)
                                    .map(|v| v.map(|v| v.to_string()))
                            })
                            .unwrap()
                    })
                    .collect()
                })
                .collect()
        };
        let old = dump(&old);
        MIGRATOR.run(&pool).await.unwrap();

        let new: Vec<sqlx::sqlite::SqliteRow> =
            sqlx::query("SELECT * FROM mandates ORDER BY reference")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(dump(&new), old);
        let broken: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert!(broken.is_empty(), "{broken:?}");
        let copies: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM mandate_documents d JOIN mandates m ON m.reference = d.mandate_reference",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(copies, 1);
        // The new source is admitted, an unknown one still refused.
        sqlx::query("UPDATE mandates SET source = 'form' WHERE reference = 'M-2'")
            .execute(&pool)
            .await
            .unwrap();
        let unknown = sqlx::query("UPDATE mandates SET source = 'fax' WHERE reference = 'M-2'")
            .execute(&pool)
            .await;
        assert!(unknown.is_err());
    }
}
