//! `lastschrift config show [--json]`: every effective setting and where it came from — the same
//! settings `collect` and the web use (defaults < file < environment < saved in the web UI).

use super::Outcome;
use super::context::{open_app, runtime, setup};
use clap::{Args, Subcommand};
use std::io::Write as _;
use std::path::Path;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Prints every effective setting with its source; secrets are masked.
    #[command(
        after_help = "Sources, lowest first: default < file < environment < saved in the web UI.

Examples:
  lastschrift config show
  lastschrift config show --json | jq '.settings[] | select(.source.kind == \"saved_in_ui\")'"
    )]
    Show(ShowArgs),
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// Print the settings as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ConfigArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    let ConfigCommand::Show(args) = &args.command;
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let effective = app.settings().await.map_err(setup)?;
        let token = app.token_masked().await.map_err(setup)?;
        app.close().await;
        let mut out = std::io::stdout().lock();
        if args.json {
            let json = serde_json::json!({
                "settings": effective.lines(),
                "sevdesk_token": token,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
            return Ok(Outcome::Done);
        }
        let width = effective
            .lines()
            .iter()
            .map(|l| l.key.chars().count())
            .max()
            .unwrap_or(0);
        for line in effective.lines() {
            writeln!(
                out,
                "{:<width$}  {}  ({})",
                line.key,
                line.value,
                line.source.describe()
            )?;
        }
        writeln!(
            out,
            "{:<width$}  {}  (stored encrypted in the database)",
            "sevdesk token",
            token
                .as_deref()
                .unwrap_or("not stored yet; run `lastschrift connect`")
        )?;
        Ok(Outcome::Done)
    })
}
