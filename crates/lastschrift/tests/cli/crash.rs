//! Crash injection: the real `lastschrift collect` binary is killed with SIGKILL at random
//! moments of its run (and aborted at each fail point), each time followed by a normal re-run.
//! After every re-run, and at the end, the ledger (read with the store API from the same SQLite
//! file) and the output directory must agree: no invoice collected twice, every run exported,
//! every run file on disk with exactly its stored bytes, no stray or temporary file, and the
//! totals in each file equal to its debits in the ledger.
//!
//! Every iteration first adds new collectible invoices to the sandbox and syncs, so every
//! `collect` has something to write and the kill can land in each window (before the ledger
//! commit, between commit and file write, between files, before a rename, after the export).
//!
//! The kill delays come from a seeded RNG; the seed is printed, and
//! `LASTSCHRIFT_CRASH_SEED=<seed>` repeats a run.

use test_support as common;
#[allow(unused_imports)]
use test_support::backends;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{cents, element};
use lastschrift_core::settings::DatabaseUrl;
use lastschrift_store::{RunStatus, Store};
use rand::rngs::StdRng;
use rand::seq::SliceRandom as _;
use rand::{Rng as _, SeedableRng as _};
use sevdesk_sandbox::{Sandbox, SandboxConfig};
use test_support::cli::Lastschrift;

/// SIGKILLs that hit a running `collect` at a random moment of its run.
const RANDOM_KILLS: usize = 200;
/// Aborts at each `LASTSCHRIFT_FAIL_POINT`.
const FAIL_POINT_RUNS: usize = 10;
const FAIL_POINTS: [&str; 3] = ["after_record", "between_files", "before_rename"];
/// Normal runs at the start whose duration sets the range of the kill delays.
const MEASURED_RUNS: usize = 5;
/// Invoice files are split after this many debits, so most runs have two or more pain.008
/// files and the "between files" window exists.
const MAX_DEBITS_PER_FILE: &str = "2";

/// Runs to the end; panics with the run unless the exit code is one of `ok`.
fn run(cli: &Lastschrift, args: &[&str], ok: &[i32]) -> String {
    let out = cli.run(args);
    assert!(ok.contains(&out.code), "{out:?}");
    out.text().to_owned()
}

/// Where a crash left things, seen from the ledger and the output directory before the re-run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Stage {
    /// The process had already ended when the kill came.
    EndedBeforeKill,
    /// No new run in the ledger: killed before the transaction committed.
    BeforeCommit,
    /// A run is recorded but none of its files is on disk.
    RecordedNoFile,
    /// A run is recorded and some, not all, of its files are on disk.
    RecordedSomeFiles,
    /// A run is recorded and all its files are on disk, but it is not marked exported.
    RecordedAllFiles,
    /// The run is exported: killed after the last step.
    Exported,
}

#[derive(Default)]
struct Tally {
    stages: BTreeMap<(String, Stage), usize>,
    partial_left: usize,
}

impl Tally {
    fn add(&mut self, how: &str, stage: Stage, partial: bool) {
        *self.stages.entry((how.to_owned(), stage)).or_default() += 1;
        if partial {
            self.partial_left += 1;
        }
    }

    fn count(&self, pred: impl Fn(&str, Stage) -> bool) -> usize {
        self.stages
            .iter()
            .filter(|((how, stage), _)| pred(how, *stage))
            .map(|(_, n)| n)
            .sum()
    }
}

#[test]
fn collect_killed_at_random_points_then_rerun_keeps_ledger_and_files_consistent() {
    let seed: u64 = std::env::var("LASTSCHRIFT_CRASH_SEED")
        .ok()
        .map(|s| s.parse().expect("LASTSCHRIFT_CRASH_SEED is a number"))
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    println!("crash test seed: {seed} (repeat with LASTSCHRIFT_CRASH_SEED={seed})");
    let mut rng = StdRng::seed_from_u64(seed);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = rt
        .block_on(Sandbox::start(SandboxConfig {
            seed: 11,
            invoices: 60,
            ..SandboxConfig::default()
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output_dir = dir.path().join("out");
    let cli = super::collecting(&dir.path().join("data"), &output_dir, &sandbox.base_url()).env(
        "LASTSCHRIFT_POLICIES__MAX_DEBITS_PER_FILE",
        MAX_DEBITS_PER_FILE,
    );
    let connect = cli.clone().token(sandbox.token()).run(["connect"]);
    assert!(connect.status.success(), "{}", connect.stderr);
    run(&cli, &["sync"], &[0, 1]);

    // The invoices the plan would collect are the templates for the invoices added later: they
    // have a contact with IBAN and a mandate with a signature date.
    let dry: serde_json::Value =
        serde_json::from_str(&run(&cli, &["collect", "--dry-run", "--json"], &[0, 1])).unwrap();
    let templates: Vec<u64> = dry["debits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["invoice_id"].as_u64().unwrap())
        .collect();
    assert!(
        !templates.is_empty(),
        "the sandbox data has no collectible invoice: {dry}"
    );

    let db = cli
        .data_dir()
        .join(lastschrift_core::settings::SQLITE_FILE_NAME);
    let store = rt
        .block_on(lastschrift_store::open_url(&DatabaseUrl::sqlite_file(&db)))
        .unwrap();
    let mut checker = Checker::new(store.clone(), output_dir.clone());
    let mut added: Vec<u64> = Vec::new();
    let add_invoices = |rng: &mut StdRng, added: &mut Vec<u64>| {
        let n = rng.random_range(2..=4);
        let picks: Vec<u64> = (0..n)
            .map(|_| templates[rng.random_range(0..templates.len())])
            .collect();
        let extra: Vec<i64> = (0..n).map(|_| rng.random_range(1..=9_999)).collect();
        sandbox.with_data(|d| {
            for (template, extra) in picks.iter().zip(extra) {
                let mut invoice = d.invoices[template].clone();
                invoice.id = d.next_invoice_id();
                invoice.invoice_number = Some(format!("RE-K{}", invoice.id));
                // Another amount, so the sums in the files differ from run to run.
                invoice.sum_gross += extra;
                invoice.sum_net += extra;
                let t = d.change_time();
                invoice.create = t;
                invoice.update = t;
                added.push(invoice.id);
                d.insert_invoice(invoice);
            }
        });
        run(&cli, &["sync"], &[0, 1]);
    };

    // Normal runs first: they must work, and their duration sets the kill window.
    let mut durations = Vec::new();
    for _ in 0..MEASURED_RUNS {
        add_invoices(&mut rng, &mut added);
        let start = Instant::now();
        run(&cli, &["collect"], &[0, 1]);
        durations.push(start.elapsed());
        rt.block_on(checker.check(&added, false));
    }
    durations.sort();
    let normal = durations[durations.len() / 2];
    println!(
        "a normal collect takes {normal:?} (median of {MEASURED_RUNS}); kills land in 0..{:?}",
        normal.mul_f64(1.2)
    );

    let mut plans: Vec<Option<&str>> = vec![None; RANDOM_KILLS];
    for point in FAIL_POINTS {
        plans.extend(std::iter::repeat_n(Some(point), FAIL_POINT_RUNS));
    }
    plans.shuffle(&mut rng);

    let mut tally = Tally::default();
    let mut sigkills_sent = 0;
    let mut killed = 0;
    let window = normal.mul_f64(1.2);
    let mut iterations = 0;
    let mut plans = plans.into_iter();
    loop {
        // After the shuffled plan, more random kills until 200 really hit a running process.
        let plan = match plans.next() {
            Some(plan) => plan,
            None if killed < RANDOM_KILLS => None,
            None => break,
        };
        iterations += 1;
        add_invoices(&mut rng, &mut added);
        let runs_before = rt.block_on(store.collection_runs()).unwrap().len();
        match plan {
            None => {
                let delay = window.mul_f64(rng.random::<f64>());
                sigkills_sent += 1;
                let stage = if kill_after(&cli, delay) {
                    Stage::EndedBeforeKill
                } else {
                    killed += 1;
                    rt.block_on(checker.stage(runs_before))
                };
                tally.add("SIGKILL", stage, checker.partial_files() > 0);
                // Now and then the first re-run is killed too, while it recovers the run the
                // crash left (or makes its own).
                if rng.random_ratio(1, 5) {
                    let runs_before = rt.block_on(store.collection_runs()).unwrap().len();
                    let delay = window.mul_f64(rng.random::<f64>());
                    sigkills_sent += 1;
                    let stage = if kill_after(&cli, delay) {
                        Stage::EndedBeforeKill
                    } else {
                        killed += 1;
                        rt.block_on(checker.stage(runs_before))
                    };
                    tally.add("SIGKILL of the re-run", stage, checker.partial_files() > 0);
                }
            }
            Some(point) => {
                let status = cli
                    .command(["collect"])
                    .env("LASTSCHRIFT_FAIL_POINT", point)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                assert_eq!(
                    status.signal(),
                    Some(6),
                    "iteration {iterations}: fail point {point} should abort, got {status:?}"
                );
                let stage = rt.block_on(checker.stage(runs_before));
                tally.add(point, stage, checker.partial_files() > 0);
            }
        }
        run(&cli, &["collect"], &[0, 1]);
        rt.block_on(checker.check(&added, false));
    }
    rt.block_on(checker.check(&added, true));

    println!(
        "{sigkills_sent} SIGKILLs sent, {killed} of them killed a running collect; {} fail-point \
         aborts; {iterations} iterations; {} invoices added, {} runs in the ledger",
        FAIL_POINTS.len() * FAIL_POINT_RUNS,
        added.len(),
        checker.verified.len()
    );
    println!("where the crashes left the run (before the re-run):");
    for ((how, stage), n) in &tally.stages {
        println!("  {how:<22} {stage:?}: {n}");
    }
    println!(
        "  a temporary .partial file was left {} time(s)",
        tally.partial_left
    );

    // The windows were really hit: each fail point left its run recorded and unexported, and
    // the random kills landed both before the commit and after it.
    for point in FAIL_POINTS {
        assert_eq!(
            tally.count(|how, s| how == point && s != Stage::Exported && s != Stage::BeforeCommit),
            FAIL_POINT_RUNS,
            "fail point {point} did not leave a recorded run every time"
        );
    }
    assert!(killed >= RANDOM_KILLS);
    assert!(tally.partial_left >= FAIL_POINT_RUNS);
    assert!(tally.count(|how, s| how.starts_with("SIGKILL") && s == Stage::BeforeCommit) > 0);
    assert!(
        tally.count(|how, s| how.starts_with("SIGKILL")
            && s != Stage::BeforeCommit
            && s != Stage::EndedBeforeKill)
            > 0,
        "no random kill landed after the ledger commit"
    );
    assert_eq!(sandbox.write_attempts(), 0);

    rt.block_on(async {
        store.close().await;
        sandbox.shutdown().await;
    });
}

/// Starts `collect`, kills it with SIGKILL after `delay` and reaps it. Returns whether it had
/// already ended by itself.
fn kill_after(cli: &Lastschrift, delay: Duration) -> bool {
    let mut child = cli
        .command(["collect"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the lastschrift binary starts");
    std::thread::sleep(delay);
    if let Some(status) = child.try_wait().unwrap() {
        assert!(
            status.code().is_some_and(|c| c == 0 || c == 1),
            "collect failed by itself: {status:?}"
        );
        return true;
    }
    // std's Child::kill sends SIGKILL on Unix.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    if status.signal() == Some(9) {
        false
    } else {
        // It ended between try_wait and kill.
        assert!(
            status.code().is_some_and(|c| c == 0 || c == 1),
            "collect failed by itself: {status:?}"
        );
        true
    }
}

/// Checks ledger and output directory. Runs verified once (exported, files identical, sums
/// right) are remembered, so each iteration checks the new runs in full and the rest cheaply;
/// the final check re-verifies every run.
struct Checker {
    store: Arc<dyn Store>,
    out: PathBuf,
    /// Run id → the names of its files (pain.008 files and control list).
    verified: HashMap<i64, Vec<String>>,
    /// Invoice id → run id of its debit.
    debit_of: HashMap<i64, i64>,
}

impl Checker {
    fn new(store: Arc<dyn Store>, out: PathBuf) -> Checker {
        Checker {
            store,
            out,
            verified: HashMap::new(),
            debit_of: HashMap::new(),
        }
    }

    fn partial_files(&self) -> usize {
        list(&self.out)
            .iter()
            .filter(|n| n.starts_with(".lastschrift-") && n.ends_with(".partial"))
            .count()
    }

    /// Where the crash left the newest run (read before the re-run).
    async fn stage(&self, runs_before: usize) -> Stage {
        let runs = self.store.collection_runs().await.unwrap();
        if runs.len() == runs_before {
            return Stage::BeforeCommit;
        }
        assert_eq!(runs.len(), runs_before + 1, "one collect made two runs");
        let run = runs.iter().max_by_key(|r| r.id).unwrap();
        if run.status == RunStatus::Exported {
            return Stage::Exported;
        }
        assert_eq!(run.status, RunStatus::Recorded);
        let on_disk = run
            .files
            .iter()
            .filter(|f| self.out.join(&f.file_name).exists())
            .count();
        let control = self
            .out
            .join(format!("lauf-{}-kontrollliste.csv", run.id))
            .exists();
        match (on_disk, control) {
            (0, false) => Stage::RecordedNoFile,
            (n, true) if n == run.files.len() => Stage::RecordedAllFiles,
            _ => Stage::RecordedSomeFiles,
        }
    }

    async fn check(&mut self, added: &[u64], full: bool) {
        if full {
            self.verified.clear();
            self.debit_of.clear();
        }
        let runs = self.store.collection_runs().await.unwrap();
        let mut names: HashSet<String> = HashSet::new();
        for run in &runs {
            assert_eq!(
                run.status,
                RunStatus::Exported,
                "run {} is {:?} after a re-run",
                run.id,
                run.status
            );
            if let Some(files) = self.verified.get(&run.id) {
                names.extend(files.iter().cloned());
                continue;
            }
            let debits = self.store.debits_for_run(run.id).await.unwrap();
            assert!(!debits.is_empty(), "run {} has no debits", run.id);
            assert_eq!(run.debit_count, debits.len() as i64);
            assert_eq!(
                run.total_cents,
                debits.iter().map(|d| d.amount_cents).sum::<i64>()
            );
            for d in &debits {
                if let Some(other) = self.debit_of.insert(d.invoice_id, run.id) {
                    panic!(
                        "invoice {} has a debit in run {other} and in run {}",
                        d.invoice_id, run.id
                    );
                }
            }
            let mut run_names = Vec::new();
            let files = self.store.run_files(run.id).await.unwrap();
            assert_eq!(files.len(), run.files.len());
            for file in &files {
                let path = self.out.join(&file.info.file_name);
                let on_disk = std::fs::read(&path).unwrap_or_else(|e| {
                    panic!("file {} of run {} is missing: {e}", path.display(), run.id)
                });
                assert!(
                    on_disk == file.bytes,
                    "{} differs from the bytes in the ledger",
                    path.display()
                );
                let xml = String::from_utf8(on_disk).unwrap();
                let mine: Vec<_> = debits
                    .iter()
                    .filter(|d| d.file_id == file.info.id)
                    .collect();
                assert!(!mine.is_empty(), "{} has no debits", file.info.file_name);
                let sum: i64 = mine.iter().map(|d| d.amount_cents).sum();
                assert_eq!(
                    cents(element(&xml, "CtrlSum")),
                    sum,
                    "CtrlSum of {}",
                    file.info.file_name
                );
                assert_eq!(
                    element(&xml, "NbOfTxs"),
                    mine.len().to_string(),
                    "NbOfTxs of {}",
                    file.info.file_name
                );
                assert_eq!(xml.matches("<DrctDbtTxInf>").count(), mine.len());
                for d in &mine {
                    assert!(
                        xml.contains(&format!("<EndToEndId>{}</EndToEndId>", d.end_to_end_id)),
                        "{} lacks the debit of invoice {}",
                        file.info.file_name,
                        d.invoice_id
                    );
                }
                run_names.push(file.info.file_name.clone());
            }
            let control_name = format!("lauf-{}-kontrollliste.csv", run.id);
            let stored = self.store.control_list(run.id).await.unwrap();
            let stored = stored.unwrap_or_else(|| panic!("run {} has no control list", run.id));
            let on_disk = std::fs::read(self.out.join(&control_name))
                .unwrap_or_else(|e| panic!("{control_name} is missing: {e}"));
            assert!(on_disk == stored, "{control_name} differs from the ledger");
            // One line per debit, a header and a sum line.
            assert_eq!(
                String::from_utf8(on_disk).unwrap().lines().count(),
                debits.len() + 2
            );
            run_names.push(control_name);
            names.extend(run_names.iter().cloned());
            self.verified.insert(run.id, run_names);
        }

        // Every file in the output directory belongs to a run; nothing temporary is left.
        for name in list(&self.out) {
            assert!(
                names.contains(&name),
                "{name} in the output directory belongs to no run in the ledger"
            );
        }
        // Every invoice added so far was collected (exactly once, see `debit_of`).
        for id in added {
            assert!(
                self.debit_of.contains_key(&(*id as i64)),
                "invoice {id} was never collected"
            );
        }
        // The ledger's own view agrees.
        let active = self.store.active_debit_invoice_ids().await.unwrap();
        assert_eq!(active.len(), self.debit_of.len());
    }
}

fn list(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("{}: {e}", dir.display()),
    }
}
