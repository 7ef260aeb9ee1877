//! `lastschrift bank import|worklist|decide`: what the bank says back. The work is done by
//! [`lastschrift_core::bank`]; this file reads files, parses arguments and prints.

use super::context::{open_app, runtime, setup};
use super::output::{date_text, emit, quiet_broken_pipe, shorten};
use super::{Outcome, SetupError};
use clap::{Args, Subcommand, ValueEnum};
use lastschrift_core::bank::{BankFileOutcome, BankFileReport};
use lastschrift_core::collect::format_euro;
use lastschrift_core::store::{BankEffect, FollowUp};
use lastschrift_core::{CoreError, bank};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct BankArgs {
    #[command(subcommand)]
    command: BankCommand,
}

#[derive(Debug, Subcommand)]
enum BankCommand {
    /// Imports the bank's answers: status reports (pain.002) and bookings (camt.054, camt.053).
    #[command(
        after_help = "Formats (recognised by their namespace): pain.002.001.03 (also the German
DK variant), pain.002.001.10, camt.054.001.02 and .08, camt.053.001.02 and .08.

Rejects (pain.002) and returns (Rücklastschriften, camt) are matched to our debits by message id,
payment information id and end-to-end id, or by mandate reference and amount; booked batches
confirm the collection. The reason code decides what happens next (policies.bank_answers; see
README \"The bank's answer\"). Every file is recorded with its exact bytes; the same file again
changes nothing. Each file is imported on its own: a refused one is reported, the others apply.

Exit code 0: every file imported (or imported before); 1: a file was refused or had entries that
match nothing (listed); 2: a file could not be read from disk.

Examples:
  lastschrift bank import ~/Downloads/camt054_2026-12-03.xml
  lastschrift bank import status/*.xml --json"
    )]
    Import(ImportArgs),
    /// Lists rejected and returned debits with their reason and what happens next.
    #[command(after_help = "Examples:
  lastschrift bank worklist
  lastschrift bank worklist --all --csv ruecklastschriften.csv   # for the accountant, with fees
  lastschrift bank worklist --json")]
    Worklist(WorklistArgs),
    /// Decides what happens with a rejected or returned debit.
    #[command(
        after_help = "collect-again: the invoice is collected in the next run (also lifts a block)
block:         the mandate is not used until the debtor's IBAN changes in sevdesk
done:          handled otherwise (e.g. paid by transfer): not collected again

Examples:
  lastschrift bank decide 42 done
  lastschrift bank decide 42 collect-again"
    )]
    Decide(DecideArgs),
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// One or more files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print the result of every file as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct WorklistArgs {
    /// Also the debits marked done.
    #[arg(long)]
    all: bool,
    /// Print the list as JSON.
    #[arg(long)]
    json: bool,
    /// Write the list as CSV (German headers, `;`, decimal comma) here; `-` for standard output.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Decision {
    CollectAgain,
    Block,
    Done,
}

#[derive(Debug, Args)]
struct DecideArgs {
    /// The debit id (see `lastschrift bank worklist`).
    debit_id: i64,
    decision: Decision,
}

pub fn run(args: &BankArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    quiet_broken_pipe(match &args.command {
        BankCommand::Import(args) => import(args, config),
        BankCommand::Worklist(args) => worklist(args, config),
        BankCommand::Decide(args) => decide(args, config),
    })
}

fn import(args: &ImportArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    let mut files = Vec::with_capacity(args.files.len());
    for path in &args.files {
        // One byte past the limit is enough for the parser to refuse the file by its size; a
        // wrong file of gigabytes is never read whole.
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|file| {
                file.take(sepa::bank::MAX_BANK_FILE_BYTES as u64 + 1)
                    .read_to_end(&mut bytes)
            })
            .map_err(|e| SetupError::new(format!("could not read {}: {e}", path.display())))?;
        files.push((path.display().to_string(), bytes));
    }
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let user = std::env::var("USER").ok();
        let result = app.import_bank_files(files, user.as_deref()).await;
        app.close().await;
        let reports = result.map_err(setup)?;
        let mut out = std::io::stdout().lock();
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&reports)?)?;
        } else {
            for report in &reports {
                print_report(&mut out, report)?;
            }
        }
        let problems = reports.iter().any(|r| {
            matches!(r.outcome, BankFileOutcome::Refused { .. })
                || r.count(BankEffect::Unmatched) > 0
        });
        Ok(if problems {
            Outcome::ProblemsFound
        } else {
            Outcome::Done
        })
    })
}

fn effect_word(effect: BankEffect) -> &'static str {
    match effect {
        BankEffect::Rejected => "rejected",
        BankEffect::Returned => "returned",
        BankEffect::Collected => "collected",
        BankEffect::Unchanged => "unchanged",
        BankEffect::Unmatched => "UNMATCHED",
    }
}

fn follow_up_word(follow_up: FollowUp) -> &'static str {
    match follow_up {
        FollowUp::CollectAgain => "collect again",
        FollowUp::BlockMandate => "mandate blocked",
        FollowUp::Review => "blocked, review",
        FollowUp::Done => "done",
    }
}

fn print_report(out: &mut impl std::io::Write, report: &BankFileReport) -> std::io::Result<()> {
    let format = report.format.as_deref().unwrap_or("?");
    match &report.outcome {
        BankFileOutcome::Refused { message, .. } => {
            writeln!(
                out,
                "{}: REFUSED, nothing applied: {message}.",
                report.file_name
            )
        }
        BankFileOutcome::AlreadyImported {
            import_id,
            imported_at,
        } => writeln!(
            out,
            "{} ({format}): imported before (import {import_id}, {}); nothing changed.",
            report.file_name,
            imported_at.format("%d.%m.%Y %H:%M UTC")
        ),
        BankFileOutcome::Imported { import_id, lines } => {
            writeln!(
                out,
                "{} ({format}, import {import_id}): {} collected, {} rejected, {} returned, {} unchanged, {} unmatched.",
                report.file_name,
                report.count(BankEffect::Collected),
                report.count(BankEffect::Rejected),
                report.count(BankEffect::Returned),
                report.count(BankEffect::Unchanged),
                report.count(BankEffect::Unmatched),
            )?;
            for line in lines.iter().filter(|l| l.effect != BankEffect::Collected) {
                writeln!(
                    out,
                    "  {:>6}  {:<10}  {:>12}  {:>9}  {:<16}  {}",
                    line.debit_id
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "–".into()),
                    effect_word(line.effect),
                    line.amount_cents.map(format_euro).unwrap_or_default(),
                    if line.fee_cents > 0 {
                        format!("+{}", format_euro(line.fee_cents))
                    } else {
                        String::new()
                    },
                    line.follow_up.map(follow_up_word).unwrap_or(""),
                    line.detail
                )?;
            }
            Ok(())
        }
    }
}

fn worklist(args: &WorklistArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let items = app.worklist().await;
        app.close().await;
        let items: Vec<_> = items
            .map_err(setup)?
            .into_iter()
            .filter(|i| args.all || i.open())
            .collect();
        if let Some(path) = &args.csv {
            let csv = bank::worklist_csv(&items);
            let output = (path.as_os_str() != "-").then_some(path.as_path());
            emit(&csv, output, "the worklist")?;
            return Ok(Outcome::Done);
        }
        let mut out = std::io::stdout().lock();
        if args.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&items)?)?;
            return Ok(Outcome::Done);
        }
        if items.is_empty() {
            writeln!(out, "Nothing to do: no rejected or returned debit is open.")?;
            return Ok(Outcome::Done);
        }
        writeln!(
            out,
            "{:>6}  {:<10}  {:<24}  {:<12}  {:>12}  {:>9}  {:<10}  {:<6}  Next",
            "Debit", "Date", "Debtor", "Invoice", "Amount", "Fee", "Status", "Reason"
        )?;
        for i in &items {
            writeln!(
                out,
                "{:>6}  {:<10}  {:<24}  {:<12}  {:>12}  {:>9}  {:<10}  {:<6}  {}",
                i.debit_id,
                date_text(i.status_on),
                shorten(i.debtor.as_deref().unwrap_or("?"), 24),
                shorten(i.invoice_number.as_deref().unwrap_or("?"), 12),
                format_euro(i.amount_cents),
                format_euro(i.fee_cents),
                i.status,
                i.reason_code.as_deref().unwrap_or("–"),
                i.next.english
            )?;
        }
        Ok(Outcome::Done)
    })
}

fn decide(args: &DecideArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    let action = match args.decision {
        Decision::CollectAgain => FollowUp::CollectAgain,
        Decision::Block => FollowUp::BlockMandate,
        Decision::Done => FollowUp::Done,
    };
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        let user = std::env::var("USER").ok();
        let result = app
            .decide_follow_up(args.debit_id, action, user.as_deref())
            .await;
        app.close().await;
        match result {
            Ok(follow_up) => {
                println!(
                    "Debit {} (invoice {}): {}.",
                    follow_up.debit.id,
                    follow_up.debit.invoice_id,
                    follow_up_word(follow_up.action)
                );
                Ok(Outcome::Done)
            }
            Err(CoreError::Store(lastschrift_core::store::StoreError::NotFound { .. })) => {
                Err(SetupError::new(format!(
                    "debit {} is not on the worklist (only rejected or returned debits from an imported bank file are); `lastschrift bank worklist` lists them",
                    args.debit_id
                ))
                .into())
            }
            Err(error) => Err(setup(error)),
        }
    })
}
