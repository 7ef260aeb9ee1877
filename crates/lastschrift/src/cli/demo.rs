//! `lastschrift demo`: the whole product on a seeded fake sevdesk account, with no configuration,
//! no network and no sevdesk account: start the sandbox in-process, connect, sync, dry run,
//! collect, and show that sevdesk received not a single write request.

use std::path::{Path, PathBuf};

use clap::Args;
use sevdesk_sandbox::{Sandbox, SandboxConfig};

use super::context::{runtime, setup};
use super::{Outcome, SetupError};
use lastschrift_core::App;
use lastschrift_core::collect::{bank_time, format_euro};
use lastschrift_core::secret::SevdeskToken;
use lastschrift_core::settings::Settings;
use lastschrift_core::sync::NoProgress;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  lastschrift demo                       1 000 invoices, files in ./demo/files
  lastschrift demo --invoices 10000 --dir /tmp/lastschrift-demo")]
pub struct DemoArgs {
    /// Folder for the demo database and files; its earlier demo data is replaced.
    #[arg(long, default_value = "demo")]
    dir: PathBuf,
    /// Number of invoices in the fake sevdesk account.
    #[arg(long, default_value_t = 1000)]
    invoices: usize,
    /// Seed of the generated account (same seed, same data).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Print the run as JSON instead of the walkthrough.
    #[arg(long)]
    json: bool,
}

/// Files the demo creates; only these are removed before a new demo run.
fn remove_earlier_demo(dir: &Path) -> std::io::Result<()> {
    for name in [
        lastschrift_core::settings::SQLITE_FILE_NAME.to_owned(),
        format!("{}-wal", lastschrift_core::settings::SQLITE_FILE_NAME),
        format!("{}-shm", lastschrift_core::settings::SQLITE_FILE_NAME),
    ] {
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    if let Ok(entries) = std::fs::read_dir(dir.join("files")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = (name.starts_with("LS-") && name.ends_with(".xml"))
                || (name.starts_with("lauf-") && name.ends_with("-kontrollliste.csv"));
            if ours {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

pub fn run(args: &DemoArgs) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        std::fs::create_dir_all(&args.dir).map_err(|e| {
            SetupError::new(format!(
                "the demo folder {} cannot be created ({e}); choose another with --dir",
                args.dir.display()
            ))
        })?;
        let dir = std::fs::canonicalize(&args.dir)?;
        remove_earlier_demo(&dir).map_err(|e| {
            SetupError::new(format!(
                "the earlier demo data in {} cannot be removed ({e})",
                dir.display()
            ))
        })?;
        let now = bank_time(chrono::Utc::now());
        let sandbox = Sandbox::start(SandboxConfig {
            seed: args.seed,
            invoices: args.invoices,
            today: now.date(),
            ..SandboxConfig::default()
        })
        .await?;
        let settings = Settings::demo(&dir, sandbox.base_url());
        let say = |text: String| {
            if !args.json {
                println!("{text}");
            }
        };
        say(format!(
            "1. A fake sevdesk account with {} invoices runs at {} (in this process).",
            args.invoices,
            sandbox.base_url()
        ));

        let sqlite_path = settings.sqlite_path();
        let app = App::open_given(settings).await.map_err(setup)?;
        let token = SevdeskToken::new(sandbox.token().to_owned())?;
        app.store_token(&token).await.map_err(setup)?;
        say(format!(
            "2. Connected; the API token is stored encrypted in {}.",
            sqlite_path.display()
        ));

        let summary = app.sync(&NoProgress).await.map_err(setup)?;
        say(format!(
            "3. Synced (GET only): {} open invoices, {} contacts, {} requests; {} record(s) skipped with a reason.",
            summary.invoices.inserted,
            summary.contacts.inserted,
            summary.requests,
            summary.problems.len()
        ));

        let plan = app.plan(None).await.map_err(setup)?;
        say(format!(
            "4. Dry run: {} invoice(s) for {} on {} ({}); {} left out:",
            plan.debits.len(),
            format_euro(plan.total_cents),
            plan.collection_date.format("%d.%m.%Y"),
            plan.earliest_reason.english,
            plan.exclusions.len()
        ));
        for (code, group) in plan.exclusions_by_reason() {
            say(format!(
                "     {:>5} × {code}  (e.g. {}: {})",
                group.len(),
                group[0].invoice_number.as_deref().unwrap_or("-"),
                group[0].reason.english()
            ));
        }

        let outcome = app.collect(None, None).await.map_err(setup)?;
        let writes = sandbox.write_attempts();
        let requests = sandbox.requests().len();
        if args.json {
            println!("{}", serde_json::to_string_pretty(&outcome)?);
        } else {
            match &outcome.run {
                Some(run) => {
                    println!(
                        "5. Collected: run {} with {} debit(s), {}, recorded in the ledger; files:",
                        run.id,
                        run.debit_count,
                        format_euro(run.total_cents)
                    );
                    for path in &outcome.files_written {
                        println!("     {}", path.display());
                    }
                }
                None => println!("5. Nothing was left to collect."),
            }
            println!(
                "6. The fake sevdesk received {requests} request(s): {writes} write request(s)."
            );
        }
        app.close().await;
        sandbox.shutdown().await;
        Ok(if writes == 0 && outcome.run.is_some() {
            Outcome::Done
        } else {
            Outcome::ProblemsFound
        })
    })
}
