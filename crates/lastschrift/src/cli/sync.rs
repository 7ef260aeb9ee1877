//! `lastschrift sync`: reads open invoices and their contacts from sevdesk (GET only) into the
//! store. A spinner on a terminal, nothing when piped; a summary at the end.

use super::Outcome;
use super::context::{open_app, runtime, setup};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lastschrift_core::CoreError;
use lastschrift_core::sync::{SyncProgress, SyncStage};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

struct Spinner(ProgressBar);

impl Spinner {
    fn new() -> Spinner {
        let bar = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
        };
        Spinner(bar)
    }
}

impl SyncProgress for Spinner {
    fn stage(&self, stage: SyncStage) {
        let message = match stage {
            SyncStage::Reading { incremental: true } => "reading changes from sevdesk".to_string(),
            SyncStage::Reading { incremental: false } => {
                "reading everything from sevdesk".to_string()
            }
            SyncStage::StoringContacts { count } => format!("storing {count} contacts"),
            SyncStage::StoringInvoices { count } => format!("storing {count} invoices"),
            SyncStage::Finished => "done".to_string(),
        };
        self.0.set_message(message);
    }
}

pub fn run(args: &SyncArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let spinner = Spinner::new();
        let result = app.sync(&spinner).await;
        spinner.0.finish_and_clear();
        app.close().await;
        let summary = match result {
            Ok(summary) => summary,
            Err(e @ CoreError::Sync(_)) => {
                tracing::info!(error = ?e, "sync failed");
                eprintln!("The sync stopped, nothing of it was stored: {e}");
                return Ok(Outcome::ProblemsFound);
            }
            Err(e) => return Err(setup(e)),
        };
        if args.json {
            println!("{}", serde_json::to_string_pretty(&summary)?);
        } else {
            println!(
                "{} sync: invoices {} new, {} changed, {} no longer open; contacts {} new, {} changed; {} requests (all GET).",
                if summary.incremental { "Incremental" } else { "Full" },
                summary.invoices.inserted,
                summary.invoices.updated,
                summary.invoices_gone,
                summary.contacts.inserted,
                summary.contacts.updated,
                summary.requests,
            );
            for w in &summary.warnings {
                eprintln!("warning: {}", w.english);
            }
            for p in &summary.problems {
                eprintln!(
                    "skipped {} {}: {}",
                    p.object,
                    p.id.as_deref().unwrap_or("?"),
                    p.message
                );
            }
        }
        Ok(if summary.problems.is_empty() {
            Outcome::Done
        } else {
            Outcome::ProblemsFound
        })
    })
}
