//! `lastschrift connect`: checks a sevdesk API token with one read-only call and stores it
//! encrypted. The token is read from SEVDESK_TOKEN or standard input, never from the command
//! line, where it would end up in the shell history and the process list.

use super::context::{open_app, runtime, setup};
use super::{Outcome, SetupError};
use clap::Args;
use lastschrift_core::ConnectOutcome;
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
        let app = open_app(config).await?;
        let outcome = app.connect(token).await.map_err(setup)?;
        app.close().await;
        if args.json {
            println!("{}", serde_json::to_string(&outcome)?);
        }
        match outcome {
            ConnectOutcome::Connected {
                bookkeeping_system_version,
                token,
            } => {
                if !args.json {
                    println!(
                        "Connected to sevdesk (bookkeeping system {bookkeeping_system_version}); the token {token} is stored encrypted."
                    );
                }
                Ok(Outcome::Done)
            }
            ConnectOutcome::Refused { reason } => {
                if !args.json {
                    eprintln!("The token was not stored: {reason}");
                }
                Ok(Outcome::ProblemsFound)
            }
        }
    })
}
