//! PostgreSQL backend, selected by a `postgres://` or `postgresql://` database URL.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use super::model::*;
use super::rows::*;
use super::sql::*;
use super::{Backend, Result, Store, StoreError};
use crate::DatabaseUrl;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// Masked: no password.
    url: String,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.url)
            .finish()
    }
}

impl PostgresStore {
    /// Connects and migrates. URL parameters such as `options=-c search_path=…` pass through
    /// to the server (the tests give every test its own schema that way).
    pub async fn open_url(url: &DatabaseUrl) -> Result<Self> {
        let masked = url.masked();
        let open_error = |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Open {
            backend: Backend::Postgres,
            url: masked.clone(),
            source,
        };
        let options = PgConnectOptions::from_str(url.expose())
            .map_err(|error| open_error(Box::new(error)))?;
        // One plain connection first: a wrong host or password fails at once with the server's
        // answer, instead of the pool retrying until its acquire timeout.
        PgConnection::connect_with(&options)
            .await
            .map_err(|error| open_error(Box::new(error)))?
            .close()
            .await
            .map_err(|error| open_error(Box::new(error)))?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await
            .map_err(|error| open_error(Box::new(error)))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|error| open_error(Box::new(error)))?;
        Ok(PostgresStore { pool, url: masked })
    }
}

impl_store!(
    PostgresStore,
    sqlx::Postgres,
    Backend::Postgres,
    "BEGIN",
    " FOR UPDATE",
    "SELECT pg_advisory_xact_lock(7301205)"
);
