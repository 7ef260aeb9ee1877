//! The use-case suites of the application core, on SQLite and (feature `postgres-tests`) on
//! PostgreSQL. One test binary for the crate, one module per suite: each test binary links every
//! dependency, and on two cores linking dominates the build.

mod bank;
mod bank_cycle;
mod collect;
mod collect_concurrent;
mod forms;
mod mail;
mod mandates;
mod notify_cycle;
mod rules;
mod secrets;
mod single_mandates;
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

/// Installations for the suites that go through the [`lastschrift_core::App`] (the calls the CLI
/// and the web make), with a fixed clock.
mod installation {
    use std::path::Path;
    use std::sync::Arc;

    use chrono::{DateTime, TimeZone, Utc};
    use lastschrift_core::secret::SecretKey;
    use lastschrift_core::settings::{DatabaseUrl, Settings, SettingsSources};
    use lastschrift_core::{App, Clock};
    use lastschrift_store::open_url;

    /// Friday 2026-11-27 09:00 in Berlin, the day before the sandbox's `today`.
    #[derive(Debug)]
    pub struct Fixed;

    impl Clock for Fixed {
        fn now(&self) -> DateTime<Utc> {
            Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap()
        }
    }

    pub fn settings(url: &DatabaseUrl, dir: &Path, base_url: Option<String>) -> Settings {
        let mut s = Settings {
            data_dir: dir.to_owned(),
            database_url: Some(url.clone()),
            output_dir: Some(dir.join("files")),
            creditor: Some(super::creditor()),
            ..Settings::default()
        };
        if let Some(base_url) = base_url {
            s.sevdesk.base_url = base_url;
        }
        s
    }

    /// An installation on the database at `url` with its own data directory.
    pub async fn app(url: &DatabaseUrl, dir: &Path, base_url: Option<String>) -> App {
        app_with_key(url, dir, base_url, SecretKey::generate()).await
    }

    /// Installations of one database share its secret key (as several server instances do).
    pub async fn app_with_key(
        url: &DatabaseUrl,
        dir: &Path,
        base_url: Option<String>,
        key: SecretKey,
    ) -> App {
        let settings = settings(url, dir, base_url);
        let store = open_url(url).await.expect("the store opens");
        App::new(SettingsSources::given(settings), store, key)
            .with_clock(Arc::new(Fixed))
            .with_sevdesk_retry(sevdesk::RetryPolicy {
                max_retries: 1,
                initial_backoff: std::time::Duration::from_millis(5),
                max_backoff: std::time::Duration::from_millis(20),
                max_retry_after: std::time::Duration::from_secs(1),
            })
    }
}
