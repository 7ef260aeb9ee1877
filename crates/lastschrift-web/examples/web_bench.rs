//! Load benchmark of the web UI's invoice list: generates N sandbox invoices (default 25 000, of
//! which about 10 200 are open — the rest are paid, drafts or cancelled), syncs them from the
//! in-process sevdesk sandbox into a fresh SQLite store, logs a user in, serves the UI and prints
//! the `wrk` commands to run against it.
//!
//! ```text
//! cargo run --release -p lastschrift-web --example web_bench -- 25000 8088
//! wrk -t2 -c50 -d15s --latency -H 'Cookie: lastschrift_session=…' http://127.0.0.1:8088/invoices
//! ```
//! Ctrl-C stops it.

use std::time::Instant;

use lastschrift_core::App;
use lastschrift_core::secret::SevdeskToken;
use lastschrift_core::settings::Settings;
use lastschrift_store::Role;
use lastschrift_web::{self as web, AppState};
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
    let settings = Settings::demo(dir.path(), sandbox.base_url());
    let app = App::open_given(settings).await?;
    app.store_token(&SevdeskToken::new(sandbox.token().to_owned())?)
        .await?;

    let started = Instant::now();
    let summary = app.sync(&lastschrift_core::sync::NoProgress).await?;
    eprintln!(
        "synced {} open invoices in {:.1} s",
        summary.invoices.inserted,
        started.elapsed().as_secs_f64()
    );

    let user = app
        .create_user("bench", "bench password", Role::Viewer)
        .await?;
    let token = app.start_session(user.id).await?;
    let token = token.expose().to_owned();

    let state = AppState::new(app.clone());
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
