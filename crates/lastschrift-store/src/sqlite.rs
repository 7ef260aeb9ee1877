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
    ""
);
