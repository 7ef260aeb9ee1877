//! Making a collection run: plan, re-read every chosen invoice from sevdesk, build the files,
//! record run + files + debits in ONE transaction, then write the files.
//!
//! Why this order keeps file and ledger consistent through a crash at any point:
//! - before the transaction commits, nothing is recorded and no file exists (files are written
//!   only from recorded bytes), so the next run simply plans again;
//! - after it commits, the run is `recorded` and its exact bytes are in the database; files are
//!   written atomically (temporary file, fsync, rename, fsync of the directory) and the run then
//!   becomes `exported`. A crash in between leaves a `recorded` run, and every later `collect`
//!   (or `runs file`) first writes the files of such runs from the stored bytes;
//! - the unique index on active debits per invoice refuses a second debit for an invoice, even
//!   from two runs started at the same time.
//!
//! A file on disk therefore always has its ledger entries, and a ledger entry gets its file.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{NaiveDate, NaiveDateTime};
use futures_util::StreamExt as _;
use serde::Serialize;

use super::build::{self, BuiltFile};
use super::plan::{CollectionPlan, PlannedDebit, plan_collection};
use super::{CollectError, ExclusionReason, Explanation, invoice_exclusion};
use crate::settings::Settings;
use lastschrift_store::{
    CollectionRun, Invoice, NewCollectionRun, RunStatus, SevdeskId, Store, StoreError,
    invoice_status,
};

/// Up to this many chosen invoices are re-read one by one (`GET /Invoice/{id}`); more are re-read
/// as the list of open invoices, which holds each of them, in a few paged requests.
const REREAD_ONE_BY_ONE_MAX: usize = 100;

/// What `collect` did.
#[derive(Debug, Serialize)]
pub struct CollectionOutcome {
    /// The plan as executed (after the re-read; its exclusions include invoices dropped then).
    pub plan: CollectionPlan,
    /// `None` when nothing was left to collect.
    pub run: Option<CollectionRun>,
    /// Files written for this run (pain.008 files and the control list).
    pub files_written: Vec<PathBuf>,
    /// Files of earlier runs that were recorded but not yet written (after a crash).
    pub recovered_files: Vec<PathBuf>,
    /// Invoices dropped because the re-read showed a change.
    pub dropped_on_reread: usize,
    /// Requests sent to sevdesk for the re-read (all GET).
    pub requests: usize,
    pub warnings: Vec<Explanation>,
    /// The confirmed preview had already been made into [`CollectionOutcome::run`] (a second
    /// confirmation of it); nothing new was recorded.
    pub already_confirmed: bool,
}

/// Makes a collection run. See the module documentation for the crash guarantees.
///
/// `confirm` is the fingerprint of the preview the user confirmed: when a run was already made
/// from it, that run is the answer (nothing new is recorded); when the plan is no longer the
/// previewed one, [`CollectError::PlanChanged`] brings the new plan back instead of writing it.
pub async fn execute_collection(
    store: &dyn Store,
    client: &sevdesk::Client,
    settings: &Settings,
    now: NaiveDateTime,
    requested_date: Option<NaiveDate>,
    confirm: Option<&str>,
) -> Result<CollectionOutcome, CollectError> {
    // One collect per output directory at a time: a second one (another terminal, the web UI)
    // waits here, so it never removes or races the other's temporary files.
    let _lock = lock_collection(settings).await?;
    let recovered_files = export_recorded_runs_locked(store, settings).await?;
    let creditor = build::creditor(settings)?;
    // The plan already drops what the SEPA rules refuse (it builds the messages once), so the
    // re-read below asks sevdesk only about invoices that can be written.
    let mut plan = plan_collection(store, settings, now, requested_date).await?;
    if let Some(key) = confirm {
        if let Some(run) = store.collection_run_by_confirm_key(key).await? {
            return Ok(CollectionOutcome::confirmed_before(
                plan,
                run,
                recovered_files,
            ));
        }
        if plan.fingerprint != key {
            return Err(CollectError::PlanChanged(Box::new(plan)));
        }
    }

    let log_since = SystemTime::now();
    let reread = reread(&mut plan, store, client, settings, &creditor).await;
    let entries = crate::sync::request_entries(client, log_since);
    store.append_request_log(&entries).await?;
    let dropped_on_reread = reread?;

    let mut outcome = CollectionOutcome {
        plan,
        run: None,
        files_written: Vec::new(),
        recovered_files,
        dropped_on_reread,
        requests: entries.len(),
        warnings: Vec::new(),
        already_confirmed: false,
    };
    if outcome.plan.debits.is_empty() {
        return Ok(outcome);
    }
    let token = run_token();
    let files = build::build_files(&mut outcome.plan, &creditor, settings, now, &token)?;
    if outcome.plan.debits.is_empty() {
        return Ok(outcome);
    }
    for d in &outcome.plan.debits {
        let number = d.invoice_number.as_deref().unwrap_or("?");
        outcome.warnings.extend(d.notes.iter().map(|n| {
            Explanation::new(
                format!("invoice {number}: {}", n.english),
                format!("Rechnung {number}: {}", n.german),
            )
        }));
    }
    outcome
        .warnings
        .extend(files.iter().flat_map(|f| f.warnings.iter().cloned()));

    // New mandates (first seen in the sevdesk fields) enter the registry, so the run can move
    // their first/last collection. Harmless if the run below never commits.
    let mut registered = HashSet::new();
    for d in &outcome.plan.debits {
        if let Some(m) = &d.mandate_to_register
            && registered.insert(m.reference.clone())
        {
            store.upsert_mandate(m).await?;
        }
    }

    let control_list_csv = control_list(&outcome.plan, &files)?;
    let new_run = NewCollectionRun {
        format: settings.policies.output_format.as_str().to_owned(),
        confirm_key: confirm.map(str::to_owned),
        control_list_csv,
        files: files.into_iter().map(|f| f.file).collect(),
    };
    let run = match store.record_collection_run(&new_run).await {
        Ok(run) => run,
        // Another instance (no shared lock file) recorded the same confirmed preview first: its
        // run is the answer; the unique index on active debits kept this one from collecting.
        Err(error @ (StoreError::Conflict(_) | StoreError::AlreadyCollected { .. })) => {
            match confirm {
                Some(key) => match store.collection_run_by_confirm_key(key).await? {
                    Some(run) => {
                        outcome.run = Some(run);
                        outcome.already_confirmed = true;
                        return Ok(outcome);
                    }
                    None => return Err(error.into()),
                },
                None => return Err(error.into()),
            }
        }
        Err(error) => return Err(error.into()),
    };
    fail_point("after_record");
    outcome.files_written = export_run(store, settings, &run).await?;
    outcome.run = Some(store.collection_run(run.id).await?.unwrap_or(run));
    Ok(outcome)
}

impl CollectionOutcome {
    fn confirmed_before(
        plan: CollectionPlan,
        run: CollectionRun,
        recovered_files: Vec<PathBuf>,
    ) -> CollectionOutcome {
        CollectionOutcome {
            plan,
            run: Some(run),
            files_written: Vec::new(),
            recovered_files,
            dropped_on_reread: 0,
            requests: 0,
            warnings: Vec::new(),
            already_confirmed: true,
        }
    }
}

/// For tests of the crash guarantees: `LASTSCHRIFT_FAIL_POINT=after_record` aborts the process
/// at that point, as a power cut would. Only in builds with the feature `fail-points`; the
/// product has no such hook (`.ci/check-product-binary` looks for it in the binary).
#[cfg(feature = "fail-points")]
pub(crate) fn fail_point(name: &str) {
    if std::env::var("LASTSCHRIFT_FAIL_POINT").is_ok_and(|v| v == name) {
        std::process::abort();
    }
}

#[cfg(not(feature = "fail-points"))]
#[inline(always)]
pub(crate) fn fail_point(_name: &str) {}

fn run_token() -> String {
    use rand::Rng as _;
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..6)
        .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
        .collect()
}

/// Re-reads the chosen invoices and moves every one that changed (paid meanwhile, amount or
/// payment method changed, no longer open), or whose sevdesk SEPA fields name another account,
/// mandate or creditor, to the exclusions. Returns how many were dropped.
async fn reread(
    plan: &mut CollectionPlan,
    store: &dyn Store,
    client: &sevdesk::Client,
    settings: &Settings,
    creditor: &sepa::Creditor,
) -> Result<usize, CollectError> {
    let ids: Vec<SevdeskId> = plan.debits.iter().map(|d| d.invoice_id).collect();
    if ids.is_empty() {
        return Ok(0);
    }
    let methods =
        super::plan::direct_debit_methods(&settings.policies, &store.payment_methods().await?);
    let mut fresh: HashMap<SevdeskId, Result<sevdesk::Invoice, Explanation>> = HashMap::new();
    if ids.len() <= REREAD_ONE_BY_ONE_MAX {
        let results: Vec<_> = futures_util::stream::iter(ids.iter().copied())
            .map(|id| async move {
                let answer = match u64::try_from(id) {
                    Ok(raw) => client.invoice(sevdesk::Id(raw)).await.map_err(|e| {
                        Explanation::new(e.user_message(), crate::error::sevdesk_german(&e))
                    }),
                    Err(_) => Err(Explanation::new(
                        "the id is not a sevdesk id",
                        "die ID ist keine sevdesk-ID",
                    )),
                };
                (id, answer)
            })
            .buffer_unordered(4)
            .collect()
            .await;
        fresh.extend(results);
    } else {
        let open = client
            .open_invoices(None)
            .await
            .map_err(CollectError::Reread)?;
        for invoice in open {
            if let Ok(id) = i64::try_from(invoice.id.0) {
                fresh.insert(id, Ok(invoice));
            }
        }
    }

    let before: HashMap<SevdeskId, &PlannedDebit> =
        plan.debits.iter().map(|d| (d.invoice_id, d)).collect();
    let mut changed_records = Vec::new();
    let mut drops = Vec::new();
    for (&id, &planned) in &before {
        let contact_id = planned.contact_id;
        let reason = match fresh.remove(&id) {
            None => Some(ExclusionReason::ChangedInSevdesk {
                what: Explanation::new(
                    "it is no longer open (paid, cancelled or deleted)",
                    "sie ist nicht mehr offen (bezahlt, storniert oder gelöscht)",
                ),
            }),
            Some(Err(message)) => Some(ExclusionReason::NotRereadable { message }),
            Some(Ok(raw)) => {
                match crate::sync::map_invoice(&raw, &HashSet::from([contact_id]), &HashSet::new())
                {
                    Err(problem) => Some(ExclusionReason::NotRereadable {
                        message: Explanation::new(problem.message, problem.message_de),
                    }),
                    Ok(now) => {
                        let reason = change(&now, planned, &methods);
                        if reason.is_some() {
                            changed_records.push(now);
                        }
                        reason.or_else(|| sepa_field_mismatch(&raw, planned, creditor))
                    }
                }
            }
        };
        if let Some(reason) = reason {
            drops.push((id, reason));
        }
    }
    if !changed_records.is_empty() {
        // Keep the store truthful for the next plan; the sync would find the same.
        store.upsert_invoices(&changed_records).await?;
    }
    let dropped = drops.len();
    for (id, reason) in drops {
        plan.exclude(id, reason);
    }
    Ok(dropped)
}

fn change(
    now: &Invoice,
    planned: &PlannedDebit,
    direct_debit_methods: &HashSet<SevdeskId>,
) -> Option<ExclusionReason> {
    let planned_cents = planned.amount_cents;
    let what = if now.status != invoice_status::OPEN && now.status != invoice_status::PARTIALLY_PAID
    {
        Explanation::new(
            format!("its status is now {}", now.status),
            format!("ihr Status ist jetzt {}", now.status),
        )
    } else if now.contact_id != planned.contact_id {
        Explanation::new(
            format!("its contact is now {}", now.contact_id),
            format!("ihr Kontakt ist jetzt {}", now.contact_id),
        )
    } else if let Some(reason) = invoice_exclusion(
        now,
        direct_debit_methods,
        // A new partial payment shows as a changed amount below, the clearer sentence.
        true,
        &HashSet::new(),
        &HashSet::new(),
    ) {
        // The invoice-level rules of the plan, applied to what sevdesk says now (payment method
        // switched to transfer, type or currency changed, status 750 without a paid amount).
        return Some(reason);
    } else if now.open_cents() != planned_cents {
        Explanation::new(
            format!(
                "the open amount is now {} instead of {}",
                super::format_euro(now.open_cents()),
                super::format_euro(planned_cents)
            ),
            format!(
                "der offene Betrag ist jetzt {} statt {}",
                super::format_euro(now.open_cents()),
                super::format_euro(planned_cents)
            ),
        )
    } else {
        return None;
    };
    Some(ExclusionReason::ChangedInSevdesk { what })
}

/// sevdesk's own SEPA fields on the invoice (undocumented; filled for e-invoices, where they
/// tell the customer which account, mandate and creditor the debit uses). When one is filled and
/// names something else than the debit, the customer was told otherwise: do not collect.
fn sepa_field_mismatch(
    raw: &sevdesk::Invoice,
    planned: &PlannedDebit,
    creditor: &sepa::Creditor,
) -> Option<ExclusionReason> {
    fn compact(value: &str) -> String {
        value
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase()
    }
    fn filled(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    let checks = [
        (
            "sepaPayerIban",
            filled(&raw.sepa_payer_iban),
            planned.iban.as_str(),
        ),
        (
            "sepaMandateReference",
            filled(&raw.sepa_mandate_reference),
            planned.mandate_reference.as_str(),
        ),
        (
            "sepaCreditorId",
            filled(&raw.sepa_creditor_id),
            creditor.creditor_id.as_str(),
        ),
    ];
    checks.into_iter().find_map(|(field, on_invoice, planned)| {
        let on_invoice = on_invoice?;
        // IBAN and creditor id are compared in electronic form; mandate references without
        // regard to case, as banks and creditors treat them.
        let same = if field == "sepaMandateReference" {
            on_invoice.eq_ignore_ascii_case(planned)
        } else {
            compact(on_invoice) == compact(planned)
        };
        (!same).then(|| ExclusionReason::SevdeskSepaFieldMismatch {
            field: field.into(),
            on_invoice: on_invoice.into(),
            planned: planned.into(),
        })
    })
}

/// How the debit was announced: channel, address, when (bank time), and the proof (the mail
/// server's reply and our Message-ID, or the letter's SHA-256).
fn pre_notification_cells(
    d: &super::PlannedDebit,
    plan: &CollectionPlan,
) -> (String, String, String, String) {
    match &d.pre_notification {
        Some(a) => (
            match a.channel {
                lastschrift_store::NotificationChannel::Email => "E-Mail".into(),
                lastschrift_store::NotificationChannel::Letter => "Brief".into(),
            },
            a.address.replace('\n', ", "),
            super::bank_time(a.sent_at)
                .format("%d.%m.%Y %H:%M")
                .to_string(),
            match (&a.server_reply, &a.pdf_sha256) {
                (Some(reply), _) => format!("{reply} · Message-ID {}", a.message_id),
                (None, Some(hash)) => format!("PDF SHA-256 {hash}"),
                _ => a.message_id.clone(),
            },
        ),
        None if plan.pre_notification_policy == crate::settings::PreNotificationPolicy::Invoice => {
            (
                "durch die Rechnung".into(),
                String::new(),
                String::new(),
                String::new(),
            )
        }
        None => Default::default(),
    }
}

/// The control list for the accountant: one line per debit, German headers, `;`, decimal comma
/// (opens as-is in a German spreadsheet), a sum line at the end.
fn control_list(plan: &CollectionPlan, files: &[BuiltFile]) -> Result<Vec<u8>, CollectError> {
    let mut file_of = HashMap::new();
    let mut e2e_of = HashMap::new();
    for f in files {
        for d in &f.file.debits {
            file_of.insert(d.invoice_id, f.file.file_name.as_str());
            e2e_of.insert(d.invoice_id, d.end_to_end_id.as_str());
        }
    }
    let mut out = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let io = |e: csv::Error| CollectError::Io(std::io::Error::other(e));
    out.write_record([
        "Datei",
        "Rechnungsnummer",
        "sevdesk-Rechnungs-ID",
        "Kunde",
        "Kundennummer",
        "Mandatsreferenz",
        "Datum der Unterschrift",
        "Art",
        "Sequenz",
        "IBAN",
        "BIC",
        "Betrag (EUR)",
        "Einzugsdatum",
        "End-to-End-ID",
        "Verwendungszweck",
        "Vorabankündigung",
        "Vorabankündigung an",
        "Vorabankündigung am",
        "Vorabankündigung Nachweis",
    ])
    .map_err(io)?;
    let mut debits: Vec<_> = plan.debits.iter().collect();
    debits.sort_by_key(|d| (file_of.get(&d.invoice_id).copied(), d.invoice_id));
    for d in debits {
        let cell = crate::csv_input::spreadsheet_cell;
        let (way, to, at, proof) = pre_notification_cells(d, plan);
        out.write_record([
            file_of.get(&d.invoice_id).copied().unwrap_or_default(),
            &cell(d.invoice_number.as_deref().unwrap_or_default()),
            &d.invoice_id.to_string(),
            &cell(d.debtor_name.as_str()),
            &cell(d.customer_number.as_deref().unwrap_or_default()),
            &cell(d.mandate_reference.as_str()),
            &d.signature_date.format("%d.%m.%Y").to_string(),
            d.scheme.as_str(),
            d.sequence_type.as_str(),
            d.iban.as_str(),
            d.bic.as_ref().map(|b| b.as_str()).unwrap_or_default(),
            &super::format_euro_plain(d.amount_cents),
            &d.collection_date.format("%d.%m.%Y").to_string(),
            e2e_of.get(&d.invoice_id).copied().unwrap_or_default(),
            &cell(d.remittance.as_str()),
            &way,
            &cell(&to),
            &at,
            &cell(&proof),
        ])
        .map_err(io)?;
    }
    let total = super::format_euro_plain(plan.total_cents);
    let count = plan.debits.len().to_string();
    out.write_record([
        "Summe", "", "", &count, "", "", "", "", "", "", "", &total, "", "", "", "", "", "", "",
    ])
    .map_err(io)?;
    out.into_inner()
        .map_err(|e| CollectError::Io(std::io::Error::other(e.to_string())))
}

/// The file name of a run's control list in the output directory.
pub fn control_list_file_name(run: &CollectionRun) -> String {
    format!("lauf-{}-kontrollliste.csv", run.id)
}

/// Writes the files of every run that is recorded but not yet exported (a crash between the
/// ledger commit and the file write), then marks them exported. Also removes temporary files a
/// crash left behind. Returns the paths written.
pub async fn export_recorded_runs(
    store: &dyn Store,
    settings: &Settings,
) -> Result<Vec<PathBuf>, CollectError> {
    let _lock = lock_collection(settings).await?;
    export_recorded_runs_locked(store, settings).await
}

/// The lock file in the data directory (not among the files the user uploads); held (flock) while
/// a process collects or writes files. The operating system releases it when the process ends,
/// also by a crash.
const LOCK_FILE: &str = "collect.lock";

/// An exclusive hold on the output directory, released on drop.
#[derive(Debug)]
pub struct CollectionLock {
    _file: std::fs::File,
}

/// Waits until no other process of this installation collects or writes files, then holds that.
pub async fn lock_collection(settings: &Settings) -> Result<CollectionLock, CollectError> {
    let dir = settings.data_dir.as_path();
    let output = |source: std::io::Error| CollectError::Output {
        path: dir.join(LOCK_FILE),
        source,
    };
    std::fs::create_dir_all(dir).map_err(output)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))
        .map_err(output)?;
    let file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
        .await
        .map_err(|e| output(std::io::Error::other(e)))?
        .map_err(output)?;
    Ok(CollectionLock { _file: file })
}

async fn export_recorded_runs_locked(
    store: &dyn Store,
    settings: &Settings,
) -> Result<Vec<PathBuf>, CollectError> {
    let dir = settings.output_dir();
    crate::files::remove_partial_files(&dir);
    let mut written = Vec::new();
    let mut runs = store.collection_runs().await?;
    runs.reverse(); // oldest first
    for run in runs.iter().filter(|r| r.status == RunStatus::Recorded) {
        written.extend(export_run(store, settings, run).await?);
    }
    Ok(written)
}

/// Writes a run's files (stored bytes, exactly) and control list into the output directory and
/// marks the run exported. Hold [`lock_collection`] while calling it.
pub async fn export_run(
    store: &dyn Store,
    settings: &Settings,
    run: &CollectionRun,
) -> Result<Vec<PathBuf>, CollectError> {
    let dir = settings.output_dir();
    std::fs::create_dir_all(&dir).map_err(|e| CollectError::Output {
        path: dir.clone(),
        source: e,
    })?;
    let mut written = Vec::new();
    for file in store.run_files(run.id).await? {
        let path = dir.join(&file.info.file_name);
        write_file_exactly(&path, &file.bytes)?;
        fail_point("between_files");
        written.push(path);
    }
    if let Some(csv) = store.control_list(run.id).await? {
        let path = dir.join(control_list_file_name(run));
        write_file_exactly(&path, &csv)?;
        written.push(path);
    }
    store.set_run_status(run.id, RunStatus::Exported).await?;
    Ok(written)
}

/// Writes `bytes` to `path` atomically; see [`crate::files::write_new_exactly`].
pub fn write_file_exactly(path: &Path, bytes: &[u8]) -> Result<(), CollectError> {
    crate::files::write_new_exactly(path, bytes).map_err(|e| match e {
        // The run-specific hint: its file is written from the recorded bytes once it is free.
        crate::files::FileError::ExistsWithOtherContent { path } => {
            CollectError::OutputExists { path }
        }
        other => CollectError::File(other),
    })
}
