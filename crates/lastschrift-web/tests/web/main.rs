//! The web suites: the real router over HTTP (`web_http`) and the whole flow in headless Chromium
//! (`browser`), on the harness in `web_support`. One test binary for the crate, one module per
//! suite: each test binary links every dependency, and on two cores linking dominates the build.

/// Each named `async fn(Option<DatabaseUrl>)` of the module as a test on SQLite (`None`) and,
/// with the `postgres-tests` feature, on a fresh PostgreSQL schema: `sqlite::NAME` and
/// `postgres::NAME`.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(None).await;
                }
            )+
        }
        #[cfg(feature = "postgres-tests")]
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    test_support::with_postgres_schema("web", |url| async move {
                        super::$name(Some(url)).await;
                    })
                    .await;
                }
            )+
        }
    };
}

mod browser;
mod web_bank;
mod web_concurrency;
mod web_hardening;
mod web_http;
mod web_notify;
mod web_support;
