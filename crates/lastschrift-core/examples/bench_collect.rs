//! Benchmark: sync plus collect for a large sevdesk account, through the library as
//! `lastschrift demo` does it, against the sandbox started in this process (real HTTP on
//! localhost, SQLite file in a temporary directory).
//!
//! ```text
//! cargo run --release -p lastschrift-core --example bench_collect -- --invoices 10000
//! ```
//!
//! Prints the wall time and the number of sevdesk requests of the full sync, of an incremental
//! sync right after it, of a dry run (the plan alone) and of the collection run (plan, re-read,
//! build, ledger, files), then the debits written and the file sizes.

use std::time::Instant;

use lastschrift_core::App;
use lastschrift_core::collect::bank_time;
use lastschrift_core::secret::SevdeskToken;
use lastschrift_core::settings::Settings;
use lastschrift_core::sync::NoProgress;
use sevdesk_sandbox::{Sandbox, SandboxConfig};

struct Args {
    invoices: usize,
    seed: u64,
}

fn args() -> anyhow::Result<Args> {
    let mut out = Args {
        invoices: 10_000,
        seed: 42,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| anyhow::anyhow!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--invoices" => out.invoices = value()?.parse()?,
            "--seed" => out.seed = value()?.parse()?,
            other => anyhow::bail!("unknown argument {other}; use --invoices N [--seed S]"),
        }
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let dir = tempfile::tempdir()?;
    let now = bank_time(chrono::Utc::now());
    let started = Instant::now();
    let sandbox = Sandbox::start(SandboxConfig {
        seed: args.seed,
        invoices: args.invoices,
        today: now.date(),
        ..SandboxConfig::default()
    })
    .await?;
    let stats = sandbox.stats();
    println!(
        "sandbox: {} invoices ({} open, {} partially paid, {} open by direct debit), {} contacts; generated in {:.2?}",
        stats.invoices,
        stats.invoices_open,
        stats.invoices_partially_paid,
        stats.invoices_open_direct_debit,
        stats.contacts,
        started.elapsed()
    );

    let settings = Settings::demo(dir.path(), sandbox.base_url());
    let app = App::open_given(settings).await?;
    app.store_token(&SevdeskToken::new(sandbox.token().to_owned())?)
        .await?;

    sandbox.clear_requests();
    let t = Instant::now();
    let summary = app.sync(&NoProgress).await?;
    let sync_time = t.elapsed();
    let sync_requests = sandbox.requests().len();
    println!(
        "full sync:        {sync_time:>9.2?}  {sync_requests:>5} requests  ({} invoices, {} contacts stored; {} skipped with a reason)",
        summary.invoices.inserted,
        summary.contacts.inserted,
        summary.problems.len()
    );

    sandbox.clear_requests();
    let t = Instant::now();
    let again = app.sync(&NoProgress).await?;
    println!(
        "incremental sync: {:>9.2?}  {:>5} requests  ({} new, {} changed)",
        t.elapsed(),
        sandbox.requests().len(),
        again.invoices.inserted,
        again.invoices.updated
    );

    // The dry run alone (plan: eligibility, mandates, dates), to see how collect's time splits.
    let t = Instant::now();
    let plan = app.plan(None).await?;
    println!(
        "dry run (plan):   {:>9.2?}      0 requests  ({} debits planned)",
        t.elapsed(),
        plan.debits.len()
    );

    sandbox.clear_requests();
    let t = Instant::now();
    let outcome = app.collect(None, None).await?;
    let collect_time = t.elapsed();
    let collect_requests = sandbox.requests().len();
    let run = outcome
        .run
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("nothing was collected"))?;
    let mut xml_bytes = 0;
    for file in &run.files {
        xml_bytes += app
            .run_file(run.id, file.id)
            .await?
            .map_or(0, |f| f.bytes.len());
    }
    let written_bytes: u64 = outcome
        .files_written
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    println!(
        "collect:          {collect_time:>9.2?}  {collect_requests:>5} requests  ({} debits, {} EUR cents, {} invoices left out, {} dropped on re-read)",
        run.debit_count,
        run.total_cents,
        outcome.plan.exclusions.len(),
        outcome.dropped_on_reread
    );
    println!(
        "files:            {} pain.008 file(s), {xml_bytes} bytes; with the control list {} files, {written_bytes} bytes",
        run.files.len(),
        outcome.files_written.len()
    );
    println!(
        "sync + collect:   {:.2?}; write requests seen by the sandbox: {}",
        sync_time + collect_time,
        sandbox.write_attempts()
    );
    app.close().await;
    sandbox.shutdown().await;
    Ok(())
}
