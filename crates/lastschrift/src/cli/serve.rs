//! `lastschrift serve`: the web UI on a local address.

use super::Outcome;
use super::context::{open_app, runtime};
use anyhow::Context as _;
use clap::Args;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Keep it on localhost unless a TLS proxy sits in front.
    #[arg(long, default_value = "127.0.0.1:8080", env = "LASTSCHRIFT_LISTEN")]
    listen: SocketAddr,
    /// Mark cookies `Secure` always (behind a TLS proxy that does not send X-Forwarded-Proto).
    #[arg(long)]
    secure_cookies: bool,
    /// A reverse proxy whose `X-Forwarded-For` header names the client (repeat for several).
    /// Without it every user behind the proxy shares the proxy's address in the login limits.
    #[arg(
        long = "trusted-proxy",
        value_name = "IP",
        env = "LASTSCHRIFT_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<std::net::IpAddr>,
}

pub fn run(args: &ServeArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let state = lastschrift_web::AppState::new(app.clone())
            .with_secure_cookies(args.secure_cookies)
            .with_trusted_proxies(args.trusted_proxies.clone());
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("could not listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        eprintln!("lastschrift web UI on http://{addr}/ (Ctrl-C stops it)");
        lastschrift_web::serve(listener, lastschrift_web::router(state), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the web server stopped")?;
        app.close().await;
        Ok(Outcome::Done)
    })
}
