//! `lastschrift collect [--dry-run]`: the collection run from the command line.

use std::path::Path;

use chrono::NaiveDate;
use clap::Args;

use super::Outcome;
use super::context::{open_app, runtime, setup};
use super::output::shorten;
use lastschrift_core::collect::{CollectionOutcome, CollectionPlan, format_euro};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  lastschrift collect --dry-run                 what would be collected, and why the rest is not
  lastschrift collect --date 15.12.2026         collect on that date (moved if not allowed)
  lastschrift collect --json                    the run as JSON

Exit codes: 0 done; 1 invoices paid by direct debit were left out because of data to fix
(mandate, IBAN, signature date, …); 2 setup error.")]
pub struct CollectArgs {
    /// Show what would be collected without writing anything.
    #[arg(long)]
    dry_run: bool,
    /// Requested collection date (YYYY-MM-DD or DD.MM.YYYY); default: the earliest allowed.
    #[arg(long, value_parser = parse_date)]
    date: Option<NaiveDate>,
    /// Print the plan (dry run) or the run as JSON.
    #[arg(long)]
    json: bool,
    /// List every invoice (by default the first 20 debits and 20 of each reason left out).
    #[arg(long)]
    all: bool,
}

pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    lastschrift_core::dates::parse_date(text)
        .ok_or_else(|| format!("`{text}` is not a date; use YYYY-MM-DD or DD.MM.YYYY"))
}

pub fn run(args: &CollectArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        if args.dry_run {
            let plan = app.plan(args.date).await.map_err(setup)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&plan)?);
            } else {
                print_plan(&plan, args.all);
                println!("Dry run: nothing was written.");
            }
            return Ok(outcome_of(&plan));
        }
        let outcome = app.collect(args.date, None).await.map_err(setup)?;
        app.close().await;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&outcome)?);
        } else {
            print_outcome(&outcome, args.all);
        }
        Ok(outcome_of(&outcome.plan))
    })
}

pub(crate) fn outcome_of(plan: &CollectionPlan) -> Outcome {
    if plan.has_data_to_fix() {
        Outcome::ProblemsFound
    } else {
        Outcome::Done
    }
}

pub(crate) fn print_plan(plan: &CollectionPlan, all: bool) {
    println!(
        "Einzugsdatum / collection date: {}",
        plan.collection_date.format("%d.%m.%Y")
    );
    println!(
        "  frühestens / earliest {}: {}",
        plan.earliest_date.format("%d.%m.%Y"),
        plan.earliest_reason.english
    );
    if let Some(note) = &plan.date_note {
        println!("  {}", note.english);
    }
    if let Some(note) = &plan.far_ahead_note {
        println!("  Achtung / warning: {}", note.english);
    }
    println!("  {}", plan.pre_notification_note.english);
    println!(
        "\nZum Einzug / to collect: {} invoice(s), {}",
        plan.debits.len(),
        format_euro(plan.total_cents)
    );
    let shown = if all {
        plan.debits.len()
    } else {
        plan.debits.len().min(20)
    };
    for d in &plan.debits[..shown] {
        println!(
            "  {:<14} {:<30} {:<20} {:<27} {:>14} {}",
            d.invoice_number.as_deref().unwrap_or("-"),
            shorten(d.debtor_name.as_str(), 30),
            d.mandate_reference,
            d.iban,
            format_euro(d.amount_cents),
            d.sequence_type
        );
        // Which rule decided the date and which source the reference: the dry run's promise.
        println!(
            "      {}: {} · {}",
            d.collection_date.format("%d.%m.%Y"),
            d.date_reason.english,
            d.reference_source.english
        );
        for note in &d.notes {
            println!("      note: {}", note.english);
        }
    }
    if shown < plan.debits.len() {
        println!(
            "  … {} more (--all shows every one)",
            plan.debits.len() - shown
        );
    }
    println!(
        "\nNicht eingezogen / left out: {} invoice(s)",
        plan.exclusions.len()
    );
    for (code, group) in plan.exclusions_by_reason() {
        println!("  {code}: {}", group.len());
        let shown = if all {
            group.len()
        } else {
            group.len().min(20)
        };
        for e in &group[..shown] {
            println!(
                "    {:<14} {:<30} {:>14}  {}",
                e.invoice_number.as_deref().unwrap_or("-"),
                shorten(e.contact_name.as_deref().unwrap_or("-"), 30),
                format_euro(e.amount_cents),
                e.reason.english()
            );
        }
        if shown < group.len() {
            println!("    … {} more (--all shows every one)", group.len() - shown);
        }
    }
}

pub(crate) fn print_outcome(outcome: &CollectionOutcome, all: bool) {
    for path in &outcome.recovered_files {
        println!(
            "Wrote {} of an earlier run that was recorded but not yet written.",
            path.display()
        );
    }
    print_plan(&outcome.plan, all);
    for w in &outcome.warnings {
        eprintln!("warning: {}", w.english);
    }
    match &outcome.run {
        None => println!("\nNothing to collect; no file was written."),
        Some(run) => {
            println!(
                "\nRun {} recorded: {} debit(s), {}; re-read {} invoice(s) from sevdesk ({} request(s), all GET), {} dropped because they changed.",
                run.id,
                run.debit_count,
                format_euro(run.total_cents),
                outcome.plan.debits.len() + outcome.dropped_on_reread,
                outcome.requests,
                outcome.dropped_on_reread
            );
            for path in &outcome.files_written {
                println!("  {}", path.display());
            }
        }
    }
}
