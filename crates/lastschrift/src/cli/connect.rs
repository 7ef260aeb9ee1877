//! `lastschrift connect`: checks a sevdesk API token with one read-only call and stores it
//! encrypted. The token is read from SEVDESK_TOKEN or standard input, never from the command
//! line, where it would end up in the shell history and the process list.

use super::context::{AppContext, runtime};
use super::{Outcome, SetupError};
use clap::Args;
use lastschrift_core::secret::SevdeskToken;
use std::io::BufRead;
use std::path::Path;

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

fn read_token() -> anyhow::Result<SevdeskToken> {
    let text = match std::env::var("SEVDESK_TOKEN") {
        Ok(t) if !t.trim().is_empty() => t,
        _ => {
            eprintln!("sevdesk API token (Einstellungen → Benutzer → API-Token), then Enter:");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line
        }
    };
    SevdeskToken::new(text.trim().to_string()).map_err(|e| SetupError::new(e.to_string()).into())
}

pub fn run(args: &ConnectArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    let token = read_token()?;
    runtime()?.block_on(async {
        let ctx = AppContext::open(config).await?;
        let client = ctx.client(&token)?;
        match client.bookkeeping_system_version().await {
            Ok(version) => {
                ctx.save_token(&token).await?;
                if args.json {
                    println!(
                        "{}",
                        serde_json::json!({"connected": true, "bookkeeping_system_version": version, "token": token.masked()})
                    );
                } else {
                    println!(
                        "Connected to sevdesk (bookkeeping system {version}); the token {} is stored encrypted.",
                        token.masked()
                    );
                }
                Ok(Outcome::Done)
            }
            Err(e) => {
                tracing::info!(error = %e, "token check failed");
                if args.json {
                    println!(
                        "{}",
                        serde_json::json!({"connected": false, "reason": e.user_message()})
                    );
                } else {
                    eprintln!("The token was not stored: {}", e.user_message());
                }
                Ok(Outcome::ProblemsFound)
            }
        }
    })
}
