//! The use-case suites of the application core, on SQLite and (feature `postgres-tests`) on
//! PostgreSQL. One test binary for the crate, one module per suite: each test binary links every
//! dependency, and on two cores linking dominates the build.

mod collect;
mod collect_concurrent;
mod forms;
mod mandates;
mod rules;
mod secrets;
mod sync;

/// Needs sevdesk's official OpenAPI document (`SEVDESK_REF_DIR`, feature `reference`).
#[cfg(feature = "reference")]
mod official_sync;

use chrono::{NaiveDate, NaiveDateTime};
use lastschrift_core::settings::CreditorSettings;
use sevdesk_sandbox::{Sandbox, SandboxConfig};

/// The sandbox's `today` in the collection suites: Saturday 2026-11-28.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
}

/// Friday 2026-11-27 09:00 bank time, the day before the sandbox's `today`: planning with a fixed
/// clock keeps the dates of these tests stable.
fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 11, 27)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap()
}

/// A sandbox account of `invoices` invoices on [`today`].
async fn sandbox(invoices: usize) -> Sandbox {
    Sandbox::start(SandboxConfig {
        invoices,
        today: today(),
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts on 127.0.0.1:0")
}

/// Who collects in these suites.
fn creditor() -> CreditorSettings {
    CreditorSettings {
        name: "Muster Software GmbH".into(),
        iban: "DE89370400440532013000".into(),
        bic: None,
        creditor_id: "DE98ZZZ09999999999".into(),
        address: None,
    }
}

/// Runners of `backends!` (test_support) for test bodies that take the database's URL: a module
/// imports `run_sqlite` and, with `postgres-tests`, `run_postgres` from here.
mod by_url {
    use lastschrift_core::settings::DatabaseUrl;
    use std::future::Future;

    pub async fn run_sqlite<F, Fut>(test: F)
    where
        F: FnOnce(DatabaseUrl) -> Fut,
        Fut: Future<Output = ()>,
    {
        test_support::with_sqlite(|url, _| test(url)).await;
    }

    #[cfg(feature = "postgres-tests")]
    pub async fn run_postgres<F, Fut>(test: F)
    where
        F: FnOnce(DatabaseUrl) -> Fut,
        Fut: Future<Output = ()>,
    {
        test_support::with_postgres_schema("lastschrift_core", test).await;
    }
}

/// Runners of `backends!` for test bodies that take an open store (closed after the body).
mod by_store {
    #[cfg(feature = "postgres-tests")]
    use lastschrift_store::Backend;
    use lastschrift_store::{Store, open_url};
    use std::future::Future;
    use std::sync::Arc;

    pub async fn run_sqlite<F, Fut>(test: F)
    where
        F: FnOnce(Arc<dyn Store>) -> Fut,
        Fut: Future<Output = ()>,
    {
        test_support::with_sqlite(|url, _| async move {
            let store = open_url(&url).await.expect("open SQLite store");
            test(store.clone()).await;
            store.close().await;
        })
        .await;
    }

    #[cfg(feature = "postgres-tests")]
    pub async fn run_postgres<F, Fut>(test: F)
    where
        F: FnOnce(Arc<dyn Store>) -> Fut,
        Fut: Future<Output = ()>,
    {
        test_support::with_postgres_schema("lastschrift_core", |url| async move {
            let store = open_url(&url).await.expect("open PostgreSQL store");
            assert_eq!(store.backend(), Backend::Postgres);
            test(store.clone()).await;
            store.close().await;
        })
        .await;
    }
}
