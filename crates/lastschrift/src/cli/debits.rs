//! `lastschrift debits reject|return|cancel DEBIT_ID`: records what happened to a debit after the file
//! went to the bank. Either frees the invoice for a later run. The work is done by
//! [`lastschrift_core::runs::mark_debit`].

use super::context::{open_app, runtime, setup};
use super::output::quiet_broken_pipe;
use super::{Outcome, SetupError};
use clap::{Args, Subcommand};
use lastschrift_core::CoreError;
use lastschrift_core::collect::format_euro;
use lastschrift_core::runs::{self, DebitMark};
use lastschrift_core::store::StoreError;
use std::io::Write as _;
use std::path::Path;

#[derive(Debug, Args)]
pub struct DebitsArgs {
    #[command(subcommand)]
    command: DebitsCommand,
}

#[derive(Debug, Subcommand)]
enum DebitsCommand {
    /// Marks a debit as rejected by the bank before settlement (status report pain.002).
    #[command(
        after_help = "A pending debit (or one the settlement period already took for collected)
can be rejected. A rejected debit was never presented to the debtor's bank: it does not count as
a use of the mandate (a rejected first debit leaves the mandate unused, so the next one is the
first again), and the invoice becomes open for a later collection run.

Examples:
  lastschrift debits reject 42 --reason AC04"
    )]
    Reject(MarkArgs),
    /// Marks a debit as returned (Rücklastschrift), e.g. with the bank's reason code.
    #[command(
        after_help = "A pending or collected debit can be returned. The invoice becomes open for
a later collection run again.

Examples:
  lastschrift debits return 42 --reason AM04
  lastschrift runs show 7      # lists the debit ids of run 7"
    )]
    Return(MarkArgs),
    /// Marks a pending debit as cancelled (withdrawn before it was collected).
    #[command(
        after_help = "Only a pending debit can be cancelled; once collected, use `debits return`.
The invoice becomes open for a later collection run again. When every debit of a run is
cancelled, the run is marked as cancelled too.

Examples:
  lastschrift debits cancel 42 --reason \"customer paid by transfer\""
    )]
    Cancel(MarkArgs),
}

#[derive(Debug, Args)]
struct MarkArgs {
    /// The debit id (see `lastschrift runs show RUN`).
    debit_id: i64,
    /// Why: the R-code from the bank (AM04, MD06, …) or a short text.
    #[arg(long)]
    reason: Option<String>,
    /// Print the changed debit as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &DebitsArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    let (mark, args) = match &args.command {
        DebitsCommand::Reject(args) => (DebitMark::Rejected, args),
        DebitsCommand::Return(args) => (DebitMark::Returned, args),
        DebitsCommand::Cancel(args) => (DebitMark::Cancelled, args),
    };
    quiet_broken_pipe(runtime()?.block_on(async {
        let app = open_app(config).await?;
        let result = app
            .mark_debit(args.debit_id, mark, args.reason.as_deref())
            .await;
        app.close().await;
        let marked = match result {
            Ok(marked) => marked,
            Err(CoreError::Store(StoreError::NotFound { .. })) => {
                return Err(SetupError::new(format!(
                    "debit {} does not exist; `lastschrift runs show RUN` lists the debits of a run",
                    args.debit_id
                ))
                .into());
            }
            // A debit in the wrong state is a problem with this request, not with the setup.
            Err(CoreError::Store(StoreError::Conflict(message))) => {
                eprintln!("Nothing was changed: {message}.");
                return Ok(Outcome::ProblemsFound);
            }
            Err(e) => return Err(setup(e)),
        };
        let mut out = std::io::stdout().lock();
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&marked)?)?;
            return Ok(Outcome::Done);
        }
        let debit = &marked.debit;
        let invoice = marked
            .invoice_number
            .clone()
            .unwrap_or_else(|| format!("id {}", debit.invoice_id));
        writeln!(
            out,
            "Debit {} (invoice {invoice}, {}, run {}) is now {}{}.",
            debit.id,
            format_euro(debit.amount_cents),
            debit.run_id,
            debit.status,
            debit
                .status_reason
                .as_deref()
                .map(|r| match runs::return_reason_text(r) {
                    Some(meaning) => format!(" ({r}: {meaning})"),
                    None => format!(" ({r})"),
                })
                .unwrap_or_default()
        )?;
        if marked.invoice_free {
            writeln!(out, "Invoice {invoice} can be collected again in a later run.")?;
        }
        if marked.run_cancelled {
            writeln!(
                out,
                "Every debit of run {} is cancelled now, so the run is marked as cancelled.",
                debit.run_id
            )?;
        }
        Ok(Outcome::Done)
    }))
}
