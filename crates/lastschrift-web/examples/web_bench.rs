//! Load benchmark of the web UI's invoice list: generates N sandbox invoices (default 25 000, of
//! which about 10 200 are open — the rest are paid, drafts or cancelled), syncs them from the
//! in-process sevdesk sandbox into a fresh SQLite store, logs a user in, serves the UI and prints
//! the `wrk` commands to run against it.
//!
//! ```text
//! cargo run --release -p lastschrift --example web_bench -- 25000 8088
//! wrk -t2 -c50 -d15s --latency -H 'Cookie: lastschrift_session=…' http://127.0.0.1:8088/invoices
//! ```
//! Ctrl-C stops it.

use std::time::Instant;

use lastschrift_core::secret::SecretKey;
use lastschrift_core::settings::{CreditorSettings, DatabaseUrl, Settings};
use lastschrift_core::store::{NewUser, Role, Session};
use lastschrift_web::{self as web, AppState, auth};
use sevdesk_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let invoices: usize = args.next().map_or(Ok(25_000), |a| a.parse())?;
    let port: u16 = args.next().map_or(Ok(8088), |a| a.parse())?;

    let today = chrono::Utc::now().date_naive();
    let sandbox = Sandbox::start(SandboxConfig {
        seed: 1,
        invoices,
        today,
        ..SandboxConfig::default()
    })
    .await?;
    let dir = tempfile::tempdir()?;
    let mut settings = Settings {
        data_dir: dir.path().to_owned(),
        creditor: Some(CreditorSettings {
            name: "Muster Software GmbH".into(),
            iban: "DE89370400440532013000".into(),
            bic: Some("COBADEFFXXX".into()),
            creditor_id: "DE98ZZZ09999999999".into(),
            address: None,
        }),
        ..Settings::default()
    };
    settings.sevdesk.base_url = sandbox.base_url();
    let store = lastschrift_core::store::open_url(&DatabaseUrl::sqlite_file(
        &dir.path().join("lastschrift.sqlite3"),
    ))
    .await?;

    let started = Instant::now();
    let client = sevdesk::Client::new(
        sevdesk::ClientConfig::new(sevdesk::ApiToken::new(sandbox.token())?)
            .with_base_url(sandbox.base_url()),
    )?;
    let summary = lastschrift_core::sync::sync(
        &*store,
        &client,
        &settings,
        &lastschrift_core::sync::NoProgress,
        chrono::Utc::now(),
    )
    .await?;
    eprintln!(
        "synced {} open invoices in {:.1} s",
        summary.invoices.inserted,
        started.elapsed().as_secs_f64()
    );

    let user = store
        .create_user(&NewUser {
            username: "bench".into(),
            password_hash: auth::hash_password("bench password")?,
            role: Role::Viewer,
        })
        .await?;
    let token = auth::new_token();
    let now = chrono::Utc::now();
    store
        .create_session(&Session {
            token_hash: auth::token_hash(&token),
            user_id: user.id,
            created_at: now,
            expires_at: now + auth::SESSION_LIFETIME,
        })
        .await?;

    let state = AppState::new(store.clone(), settings, SecretKey::generate());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(web::serve(listener, web::router(state), async {
        let _ = tokio::signal::ctrl_c().await;
    }));

    // The first request builds the read model; time it separately.
    let http = reqwest::Client::new();
    let cookie = format!("lastschrift_session={token}");
    let started = Instant::now();
    let first = http
        .get(format!("http://{addr}/invoices"))
        .header("cookie", &cookie)
        .send()
        .await?;
    eprintln!(
        "first /invoices (builds the read model): {} in {} ms",
        first.status(),
        started.elapsed().as_millis()
    );
    println!(
        "wrk -t2 -c50 -d15s --latency -H 'Cookie: {cookie}' 'http://{addr}/invoices'\n\
         wrk -t2 -c50 -d15s --latency -H 'Cookie: {cookie}' 'http://{addr}/invoices?filter=blocked&q=gmbh&page=2'"
    );
    server.await??;
    Ok(())
}
