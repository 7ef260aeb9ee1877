//! The two-backend harness of the integration suites: a test body runs on a fresh SQLite file
//! always, and with the feature `postgres-tests` in a fresh PostgreSQL schema
//! (LASTSCHRIFT_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test) that is
//! dropped afterwards, also when the test fails. An unreachable server fails the test with a
//! sentence saying so.
//!
//! One crate for every suite of the workspace (a dev-dependency of each), so a helper exists once:
//! also the binary run with a clean environment ([`cli`]) and the web suites' HTTP client
//! ([`http`]), reading the PDFs it makes ([`pdf`]), and an SMTP server that receives its mail
//! ([`smtp`]).

pub mod bank_files;
pub mod cli;
pub mod http;
pub mod pdf;
pub mod smtp;

use lastschrift_store::DatabaseUrl;
use std::future::Future;
use std::path::PathBuf;

/// Runs `test` with the URL and path of a SQLite file in a temporary directory that lives as
/// long as the test.
pub async fn with_sqlite<F, Fut>(test: F)
where
    F: FnOnce(DatabaseUrl, PathBuf) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("data").join("lastschrift.sqlite3");
    test(DatabaseUrl::sqlite_file(&path), path).await;
}

/// Runs `test` with a URL whose search_path is a new schema named after `prefix`.
pub async fn with_postgres_schema<F, Fut>(prefix: &str, test: F)
where
    F: FnOnce(DatabaseUrl) -> Fut,
    Fut: Future<Output = ()>,
{
    use futures_util::FutureExt;
    use sqlx::Connection;
    use std::panic::AssertUnwindSafe;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);

    let base = std::env::var("LASTSCHRIFT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let shown = DatabaseUrl::new(base.clone()).masked();
    let mut admin = sqlx::PgConnection::connect(&base)
        .await
        .unwrap_or_else(|error| {
            panic!(
                "PostgreSQL at {shown} is not reachable ({error}); start it or point \
             LASTSCHRIFT_TEST_POSTGRES_URL at a server, or run without --features postgres-tests"
            )
        });
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let schema = format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .expect("create test schema");
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = DatabaseUrl::new(format!(
        "{base}{separator}options=-c%20search_path%3D{schema}"
    ));
    let outcome = AssertUnwindSafe(test(url)).catch_unwind().await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut admin)
        .await
        .expect("drop test schema");
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Each named test body (in a module `tests`) once per backend: `name::sqlite` and, with the
/// feature `postgres-tests` of the calling crate, `name::postgres`; the file provides `run_sqlite`
/// and `run_postgres`.
#[macro_export]
macro_rules! backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::run_sqlite(super::tests::$name).await;
            }

            #[cfg(feature = "postgres-tests")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::run_postgres(super::tests::$name).await;
            }
        }
    )+};
}

/// A read-only client for a test sandbox, with short retry pauses so fault tests stay fast.
pub fn sandbox_client(sb: &sevdesk_sandbox::Sandbox, max_retries: u32) -> sevdesk::Client {
    let mut cfg = sevdesk::ClientConfig::new(
        sevdesk::ApiToken::new(sb.token()).expect("sandbox token is usable"),
    )
    .with_base_url(sb.base_url());
    cfg.retry = sevdesk::RetryPolicy {
        max_retries,
        initial_backoff: std::time::Duration::from_millis(5),
        max_backoff: std::time::Duration::from_millis(40),
        max_retry_after: std::time::Duration::from_secs(2),
    };
    sevdesk::Client::new(cfg).expect("client config is valid")
}

/// Every file below `dir`.
pub fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The text of the first `<name>` element (the group header's, in a pain.008 file).
pub fn element<'a>(xml: &'a str, name: &str) -> &'a str {
    let open = format!("<{name}>");
    let start = xml.find(&open).unwrap_or_else(|| panic!("no <{name}>")) + open.len();
    let end = start + xml[start..].find('<').unwrap();
    &xml[start..end]
}

/// `1234.5` or `1234.56` → cents, without floating point.
pub fn cents(text: &str) -> i64 {
    let (euros, fraction) = text.split_once('.').unwrap_or((text, "0"));
    assert!(fraction.len() <= 2, "{text}");
    let fraction = format!("{fraction:0<2}");
    euros.parse::<i64>().unwrap() * 100 + fraction.parse::<i64>().unwrap()
}

/// The folder of the pain.008 schemas: `SEPA_XSD_DIR`, default `../shared/ref/xsd` beside the
/// workspace. Fails, never skips, when it does not hold `pain.008.001.08.xsd`.
pub fn xsd_dir() -> PathBuf {
    let xsd = std::env::var_os("SEPA_XSD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ref/xsd")
        });
    assert!(
        xsd.join("pain.008.001.08.xsd").is_file(),
        "the schema folder {} is missing; set SEPA_XSD_DIR to ../shared/ref/xsd",
        xsd.display()
    );
    xsd
}

/// The schemas a pain.008.001.08 file must pass: ISO and the German DK GBIC_5 (in [`xsd_dir`]).
pub const PAIN008_08_SCHEMAS: [&str; 2] = ["pain.008.001.08.xsd", "dk/pain.008.001.08_GBIC_5.xsd"];

/// The schemas a pain.008.001.02 file must pass: ISO and the German DK GBIC_3.
pub const PAIN008_02_SCHEMAS: [&str; 2] = ["pain.008.001.02.xsd", "dk/pain.008.001.02_GBIC_3.xsd"];

/// Checks a pain.008.001.08 file with xmllint against the ISO schema and the German GBIC_5 one
/// (in [`xsd_dir`]). Fails, never skips, when a piece is missing.
pub fn assert_valid_pain008_08(bytes: &[u8]) {
    assert_schema_valid(bytes, &PAIN008_08_SCHEMAS);
}

/// Checks a file with xmllint against each of `schemas` (paths relative to [`xsd_dir`]). Fails,
/// never skips, when xmllint or a schema is missing.
pub fn assert_schema_valid(bytes: &[u8], schemas: &[&str]) {
    let xsd = xsd_dir();
    let file = tempfile::NamedTempFile::new().expect("temporary file");
    std::fs::write(file.path(), bytes).expect("write the file to check");
    for schema in schemas {
        let schema = xsd.join(schema);
        assert!(
            schema.is_file(),
            "{} is missing; set SEPA_XSD_DIR to ../shared/ref/xsd",
            schema.display()
        );
        let out = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&schema)
            .arg(file.path())
            .output()
            .expect("xmllint is needed for this suite (Debian package libxml2-utils)");
        assert!(
            out.status.success(),
            "not valid against {}: {}",
            schema.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// sevdesk's official OpenAPI document (see [`sevdesk_sandbox::reference_dir`]). Fails, never
/// skips, when it is missing.
pub fn sevdesk_openapi_yaml() -> PathBuf {
    sevdesk_sandbox::reference_file("openapi.yaml")
}

/// A synced sevdesk contact as the suites need it: an organisation in Germany with a valid IBAN
/// and no mandate data in sevdesk (the registry or the test adds that).
pub fn organisation(
    id: i64,
    customer_number: &str,
    name: &str,
    iban: &str,
) -> lastschrift_store::Contact {
    lastschrift_store::Contact {
        id,
        customer_number: Some(customer_number.into()),
        display_name: name.into(),
        is_organisation: true,
        parent_id: None,
        iban: Some(iban.into()),
        bic: None,
        mandate_reference_field: None,
        mandate_reference: None,
        signature_date_field: None,
        email: None,
        street: None,
        zip: None,
        city: None,
        country_code: Some("DE".into()),
        updated_at: None,
    }
}
