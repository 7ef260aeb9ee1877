//! Collection runs over real HTTP against the sevdesk sandbox, into a real store: planning with
//! every exclusion explained, the run recorded and written, the re-read before writing, returns,
//! recovery of a run whose files were not written, the mandate registry winning, amendments.
//!
//! Every test runs on a fresh SQLite file always, and on PostgreSQL with `postgres-tests`.

use test_support as common;
#[allow(unused_imports)]
use test_support::backends;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{NaiveDate, Utc};
use lastschrift_core::collect::{ExclusionReason, execute_collection, plan_collection};
use lastschrift_core::settings::{DatabaseUrl, SequenceTypePolicy, Settings};
use lastschrift_core::sync::{NoProgress, sync};
use lastschrift_store::*;
use sevdesk::Client;
use sevdesk_sandbox::Sandbox;

#[cfg(feature = "postgres-tests")]
use super::by_url::run_postgres;
use super::by_url::run_sqlite;
use super::{creditor, now, sandbox};

fn settings(url: DatabaseUrl, dir: &Path, sb: &Sandbox) -> Settings {
    let mut s = Settings {
        data_dir: dir.to_owned(),
        database_url: Some(url),
        output_dir: Some(dir.join("files")),
        creditor: Some(creditor()),
        ..Settings::default()
    };
    s.sevdesk.base_url = sb.base_url();
    s
}

struct Env {
    sb: Sandbox,
    client: Client,
    settings: Settings,
    store: std::sync::Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

impl Env {
    async fn new(url: DatabaseUrl, invoices: usize) -> Env {
        let dir = tempfile::tempdir().expect("temporary directory");
        let sb = sandbox(invoices).await;
        let client = common::sandbox_client(&sb, 1);
        let settings = settings(url, dir.path(), &sb);
        let store = lastschrift_store::open_url(&settings.database_url())
            .await
            .expect("store opens");
        let env = Env {
            sb,
            client,
            settings,
            store,
            _dir: dir,
        };
        env.sync().await;
        env
    }

    async fn sync(&self) {
        let summary = sync(
            &*self.store,
            &self.client,
            &self.settings,
            &NoProgress,
            Utc::now(),
        )
        .await
        .expect("sync works");
        assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    }
}

backends!(
    every_open_invoice_is_planned_or_explained,
    a_run_is_recorded_written_and_never_repeated,
    the_reread_drops_an_invoice_paid_since_the_sync,
    a_returned_debit_frees_the_invoice,
    a_recorded_run_without_files_is_written_by_the_next_collect,
    the_registry_wins_over_sevdesk_fields,
    frst_on_first_use_then_rcur_and_an_iban_change_is_an_amendment,
    the_reread_applies_the_invoice_rules_and_sevdesks_sepa_fields,
    a_mandate_reference_of_two_contacts_is_used_by_neither,
    a_debtor_bank_outside_the_eea_needs_a_bic,
    a_new_reference_amends_a_live_mandate_but_not_a_lapsed_one,
    an_open_credit_note_without_invoice_holds_back_the_contacts_invoices,
    an_amended_reference_keeps_the_old_signature_date_and_does_not_lapse,
    an_amendment_whose_debit_was_cancelled_is_sent_again,
    a_rejected_first_debit_leaves_the_mandate_unused,
    the_example_registry_governs_its_contacts_under_its_own_references,
);

fn xml_of(store_file: &CollectionFile) -> String {
    String::from_utf8(store_file.bytes.clone()).expect("pain.008 is UTF-8")
}

/// In the sandbox: the debtor of `used` moves to another bank (DE89 3704 …) and a new invoice,
/// a copy of the collected one, arrives; its sevdesk id.
fn moves_bank_with_a_new_invoice(sb: &Sandbox, used: &Debit) -> i64 {
    sb.with_data(|d| {
        let mut new = d.invoices[&(used.invoice_id as u64)].clone();
        let id = d.next_invoice_id();
        let t = d.change_time();
        new.id = id;
        new.invoice_number = Some(format!("RE-NEW-{id}"));
        new.update = t;
        new.create = t;
        // The template may carry sevdesk's SEPA fields with the old IBAN; a new invoice
        // written after the move would not.
        new.sepa_payer_iban = None;
        new.sepa_mandate_reference = None;
        new.sepa_creditor_id = None;
        d.insert_invoice(new);
        assert!(d.set_contact_iban(
            used.contact_id as u64,
            Some("DE89370400440532013000".into())
        ));
        id as i64
    })
}

mod tests {
    use super::*;

    pub async fn every_open_invoice_is_planned_or_explained(url: DatabaseUrl) {
        let env = Env::new(url, 400).await;
        let before = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        // Break the account of two debtors in sevdesk; the next sync brings it in.
        let (broken, missing) = (&before.debits[0], &before.debits[1]);
        env.sb.with_data(|d| {
            assert!(d.set_contact_iban(
                broken.contact_id as u64,
                Some("DE02120300000000202052".into())
            ));
            assert!(d.set_contact_iban(missing.contact_id as u64, None));
        });
        env.sync().await;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let reason_of = |id| {
            plan.exclusions
                .iter()
                .find(|e| e.invoice_id == id)
                .map(|e| e.reason.code())
        };
        assert_eq!(reason_of(broken.invoice_id), Some("invalid_iban"));
        assert_eq!(reason_of(missing.invoice_id), Some("no_iban"));
        let open = env.store.open_invoices().await.unwrap();
        let planned: HashSet<i64> = plan.debits.iter().map(|d| d.invoice_id).collect();
        let excluded: HashSet<i64> = plan.exclusions.iter().map(|e| e.invoice_id).collect();
        assert!(planned.is_disjoint(&excluded));
        assert_eq!(planned.len() + excluded.len(), open.len());
        assert_eq!(
            planned.union(&excluded).copied().collect::<HashSet<_>>(),
            open.iter().map(|i| i.id).collect()
        );
        assert!(!plan.debits.is_empty());
        // The data holds each of these problems; each must be named as such.
        let codes: HashSet<&str> = plan.exclusions.iter().map(|e| e.reason.code()).collect();
        for expected in [
            "not_direct_debit",
            "not_eur",
            "no_signature_date",
            "invalid_iban",
            "no_iban",
            "mandate_expired",
            "invalid_mandate_reference",
            "open_credit_note",
            "partly_paid",
        ] {
            assert!(codes.contains(expected), "no `{expected}` among {codes:?}");
        }
        // Pre-notification (14 days) decides: 27 Nov + 14 = 11 Dec, a Friday.
        assert_eq!(
            plan.earliest_date,
            NaiveDate::from_ymd_opt(2026, 12, 11).unwrap()
        );
        assert_eq!(plan.collection_date, plan.earliest_date);
        assert!(plan.earliest_reason.german.contains("Vorabankündigung"));
        let total: i64 = plan.debits.iter().map(|d| d.amount_cents).sum();
        assert_eq!(plan.total_cents, total);
        for d in &plan.debits {
            let inv = open.iter().find(|i| i.id == d.invoice_id).unwrap();
            assert_eq!(inv.currency, "EUR");
            assert_eq!(d.amount_cents, inv.open_cents());
            assert_eq!(d.sequence_type, SequenceType::Rcur);
            sepa::Iban::parse(d.iban.as_str()).expect("only valid IBANs are planned");
        }
        // A requested date on a TARGET2 closing day moves, with the reason.
        let christmas = NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        let moved = plan_collection(&*env.store, &env.settings, now(), Some(christmas))
            .await
            .unwrap();
        assert_eq!(
            moved.collection_date,
            NaiveDate::from_ymd_opt(2026, 12, 28).unwrap()
        );
        assert!(moved.date_note.is_some());
        env.sb.shutdown().await;
    }

    pub async fn a_run_is_recorded_written_and_never_repeated(url: DatabaseUrl) {
        let env = Env::new(url, 200).await;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let outcome =
            execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
                .await
                .unwrap();
        let run = outcome.run.as_ref().expect("a run was made");
        assert_eq!(run.status, RunStatus::Exported);
        assert_eq!(run.debit_count as usize, plan.debits.len());
        assert_eq!(run.total_cents, plan.total_cents);
        assert_eq!(outcome.dropped_on_reread, 0);
        // The re-read asked sevdesk once per chosen invoice, GET only.
        assert!(outcome.requests >= plan.debits.len());
        assert_eq!(env.sb.write_attempts(), 0);

        let files = env.store.run_files(run.id).await.unwrap();
        assert_eq!(files.len(), 1);
        for f in &files {
            let on_disk = std::fs::read(env.settings.output_dir().join(&f.info.file_name)).unwrap();
            assert_eq!(on_disk, f.bytes, "the file on disk is the recorded bytes");
            let xml = xml_of(f);
            assert!(xml.contains(&format!("<NbOfTxs>{}</NbOfTxs>", run.debit_count)));
            assert!(xml.contains("urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"));
        }
        let csv = env.store.control_list(run.id).await.unwrap().unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert_eq!(
            csv.lines().count(),
            plan.debits.len() + 2,
            "header, debits, sum"
        );
        assert!(csv.starts_with("Datei;Rechnungsnummer;"));

        let debits = env.store.debits_for_run(run.id).await.unwrap();
        let collected: HashSet<i64> = debits.iter().map(|d| d.invoice_id).collect();
        assert_eq!(collected.len(), debits.len());

        // A second run collects none of them again.
        let again = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap();
        assert!(again.run.is_none());
        for id in &collected {
            let e = again
                .plan
                .exclusions
                .iter()
                .find(|e| e.invoice_id == *id)
                .expect("a collected invoice is explained");
            assert_eq!(e.reason, ExclusionReason::AlreadyCollected);
        }
        env.sb.shutdown().await;
    }

    pub async fn the_reread_drops_an_invoice_paid_since_the_sync(url: DatabaseUrl) {
        let env = Env::new(url, 200).await;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let paid = plan.debits[0].invoice_id;
        let partly = plan.debits[1].invoice_id;
        env.sb.with_data(|d| {
            assert!(d.mark_invoice_paid(paid as u64));
            assert!(d.add_partial_payment(partly as u64, 100));
        });
        let outcome =
            execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
                .await
                .unwrap();
        assert_eq!(outcome.dropped_on_reread, 2);
        let run = outcome.run.unwrap();
        let debits = env.store.debits_for_run(run.id).await.unwrap();
        assert!(
            debits
                .iter()
                .all(|d| d.invoice_id != paid && d.invoice_id != partly)
        );
        assert_eq!(debits.len(), plan.debits.len() - 2);
        for id in [paid, partly] {
            let e = outcome
                .plan
                .exclusions
                .iter()
                .find(|e| e.invoice_id == id)
                .unwrap();
            assert_eq!(e.reason.code(), "changed_in_sevdesk", "{:?}", e.reason);
        }
        // The store learnt the new state, so the next plan agrees without a sync.
        assert_eq!(
            env.store.invoice(paid).await.unwrap().unwrap().status,
            invoice_status::PAID
        );
        env.sb.shutdown().await;
    }

    pub async fn the_example_registry_governs_its_contacts_under_its_own_references(
        url: DatabaseUrl,
    ) {
        let env = Env::new(url, 200).await;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        // Customers 1001–1003 of examples/mandates.csv each get an open direct-debit invoice
        // (a copy of one that is collected), whatever they had.
        let template = plan.debits[0].invoice_id as u64;
        let contacts = env.store.contacts().await.unwrap();
        let contact_of = |number: &str| {
            contacts
                .iter()
                .find(|c| c.customer_number.as_deref() == Some(number))
                .unwrap_or_else(|| panic!("the sandbox has no customer {number}"))
                .id
        };
        let mut invoice_of = HashMap::new();
        for number in ["1001", "1002", "1003"] {
            let contact_id = contact_of(number);
            let id = env.sb.with_data(|d| {
                let mut new = d.invoices[&template].clone();
                let id = d.next_invoice_id();
                let t = d.change_time();
                new.id = id;
                new.contact_id = contact_id as u64;
                new.invoice_number = Some(format!("RE-REG-{number}"));
                new.update = t;
                new.create = t;
                new.sepa_payer_iban = None;
                new.sepa_mandate_reference = None;
                new.sepa_creditor_id = None;
                d.insert_invoice(new);
                id as i64
            });
            invoice_of.insert(number, id);
        }
        env.sync().await;
        let csv = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/mandates.csv"),
        )
        .unwrap();
        let report = lastschrift_core::mandates::import_csv(&*env.store, &csv, now().date())
            .await
            .unwrap();
        assert_eq!(report.errors(), 0, "{report:?}");

        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let debit_of = |number: &str| {
            plan.debits
                .iter()
                .find(|d| d.invoice_id == invoice_of[number])
                .unwrap_or_else(|| {
                    panic!(
                        "customer {number} is not collected: {:?}",
                        plan.exclusions
                            .iter()
                            .find(|e| e.invoice_id == invoice_of[number])
                    )
                })
        };
        // The registry's own reference, found by customer number, whatever sevdesk carries.
        let first = debit_of("1001");
        assert_eq!(first.mandate_reference.as_str(), "MANDAT-1001");
        assert_eq!(
            first.signature_date,
            NaiveDate::from_ymd_opt(2021, 3, 15).unwrap()
        );
        assert_eq!(first.scheme, Scheme::Core);
        assert!(
            first
                .reference_source
                .english
                .starts_with("mandate reference MANDAT-1001 from the mandate registry"),
            "{:?}",
            first.reference_source
        );
        assert!(
            first
                .reference_source
                .german
                .contains("aus dem Mandatsregister")
        );
        // B2B and its signature date come from the registry.
        let firm = debit_of("1002");
        assert_eq!(firm.mandate_reference.as_str(), "MANDAT-1002");
        assert_eq!(firm.scheme, Scheme::B2b);
        assert_eq!(
            firm.signature_date,
            NaiveDate::from_ymd_opt(2025, 11, 2).unwrap()
        );
        // Revoked in the registry: not collected under sevdesk's reference either.
        let revoked = plan
            .exclusions
            .iter()
            .find(|e| e.invoice_id == invoice_of["1003"])
            .expect("the revoked mandate's customer is left out");
        assert_eq!(
            revoked.reason,
            ExclusionReason::MandateRevoked {
                reference: "MANDAT-1003".into()
            }
        );
        assert!(revoked.reason.german().contains("MANDAT-1003"));
        env.sb.shutdown().await;
    }

    pub async fn a_rejected_first_debit_leaves_the_mandate_unused(url: DatabaseUrl) {
        let mut env = Env::new(url, 120).await;
        env.settings.policies.sequence_type = SequenceTypePolicy::FrstOnFirstUse;
        let run = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap()
            .run
            .unwrap();
        let debits = env.store.debits_for_run(run.id).await.unwrap();
        let first = debits
            .iter()
            .find(|d| d.sequence_type == SequenceType::Frst)
            .expect("a new mandate starts with FRST")
            .clone();
        let used = env
            .store
            .mandate_by_reference(&first.mandate_reference)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(used.first_collection, Some(first.collection_date));

        // The settlement period passes for nothing before the collection date...
        let day_before = first.collection_date.pred_opt().unwrap();
        assert_eq!(
            lastschrift_core::runs::settle_debits(&*env.store, day_before, 2)
                .await
                .unwrap(),
            0
        );
        // ...the bank rejects the first debit (pain.002, AC04) before settlement.
        env.store
            .mark_debit_rejected(first.id, Some("AC04"))
            .await
            .unwrap();
        let unused = env
            .store
            .mandate_by_reference(&first.mandate_reference)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(unused.first_collection, None, "a rejected debit is no use");
        assert_eq!(unused.last_collection, None);
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let again = plan
            .debits
            .iter()
            .find(|d| d.invoice_id == first.invoice_id)
            .expect("the rejected invoice is collected again");
        assert_eq!(again.sequence_type, SequenceType::Frst);

        // Two TARGET2 business days after their date without a reject, the others count as
        // collected; the rejected one stays rejected.
        let later = sepa::calendar::add_business_days(first.collection_date, 2);
        let settled = lastschrift_core::runs::settle_debits(&*env.store, later, 2)
            .await
            .unwrap();
        assert_eq!(settled as usize, debits.len() - 1);
        for d in env.store.debits_for_run(run.id).await.unwrap() {
            let expected = if d.id == first.id {
                DebitStatus::Rejected
            } else {
                DebitStatus::Collected
            };
            assert_eq!(d.status, expected, "debit {}", d.id);
        }
        env.sb.shutdown().await;
    }

    pub async fn a_returned_debit_frees_the_invoice(url: DatabaseUrl) {
        let env = Env::new(url, 120).await;
        let first = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap()
            .run
            .unwrap();
        let debits = env.store.debits_for_run(first.id).await.unwrap();
        let returned = &debits[0];
        let cancelled = &debits[1];
        env.store
            .mark_debit_returned(returned.id, Some("AM04"))
            .await
            .unwrap();
        env.store
            .mark_debit_cancelled(cancelled.id, None)
            .await
            .unwrap();
        let second = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap();
        let run = second.run.expect("the freed invoices are collected again");
        let again = env.store.debits_for_run(run.id).await.unwrap();
        let ids: HashSet<i64> = again.iter().map(|d| d.invoice_id).collect();
        assert_eq!(
            ids,
            HashSet::from([returned.invoice_id, cancelled.invoice_id])
        );
        // A new end-to-end id, so a return of the new debit is not confused with the old one.
        assert!(
            again
                .iter()
                .all(|d| d.end_to_end_id != returned.end_to_end_id
                    && d.end_to_end_id != cancelled.end_to_end_id)
        );
        env.sb.shutdown().await;
    }

    pub async fn a_recorded_run_without_files_is_written_by_the_next_collect(url: DatabaseUrl) {
        let env = Env::new(url, 120).await;
        let run = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap()
            .run
            .unwrap();
        // As after a crash between the ledger commit and the file write.
        let dir = env.settings.output_dir();
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        std::fs::write(dir.join(".lastschrift-x1.partial"), b"half a file").unwrap();
        env.store
            .set_run_status(run.id, RunStatus::Recorded)
            .await
            .unwrap();
        let outcome =
            execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
                .await
                .unwrap();
        assert!(outcome.run.is_none(), "nothing new to collect");
        assert_eq!(
            outcome.recovered_files.len(),
            2,
            "the XML and the control list"
        );
        for f in env.store.run_files(run.id).await.unwrap() {
            assert_eq!(std::fs::read(dir.join(&f.info.file_name)).unwrap(), f.bytes);
        }
        assert!(!dir.join(".lastschrift-x1.partial").exists());
        assert_eq!(
            env.store
                .collection_run(run.id)
                .await
                .unwrap()
                .unwrap()
                .status,
            RunStatus::Exported
        );
        // A different file under the same name is never overwritten.
        let f = &env.store.run_files(run.id).await.unwrap()[0];
        std::fs::write(dir.join(&f.info.file_name), b"someone else's").unwrap();
        env.store
            .set_run_status(run.id, RunStatus::Recorded)
            .await
            .unwrap();
        let error = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("already exists"), "{error}");
        env.sb.shutdown().await;
    }

    pub async fn the_registry_wins_over_sevdesk_fields(url: DatabaseUrl) {
        let env = Env::new(url, 200).await;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let revoked = &plan.debits[0];
        let b2b = &plan.debits[1];
        let mut m = Mandate::new(
            revoked.mandate_reference.as_str(),
            revoked.contact_id,
            MandateSource::Manual,
        );
        m.status = MandateStatus::Revoked;
        env.store.upsert_mandate(&m).await.unwrap();
        let mut m = Mandate::new(
            b2b.mandate_reference.as_str(),
            b2b.contact_id,
            MandateSource::Manual,
        );
        m.scheme = Scheme::B2b;
        m.signature_date = Some(NaiveDate::from_ymd_opt(2025, 6, 1).unwrap());
        env.store.upsert_mandate(&m).await.unwrap();
        // A contact without signature date in sevdesk becomes collectible through the registry.
        let undated = plan
            .exclusions
            .iter()
            .find(|e| e.reason.code() == "no_signature_date")
            .expect("the data has a contact without signature date");
        let contact = env
            .store
            .contact(undated.contact_id)
            .await
            .unwrap()
            .unwrap();
        let reference =
            lastschrift_core::collect::mandate::mandate_reference(&contact, &env.settings.policies)
                .expect("it has a reference");
        let mut m = Mandate::new(&reference, contact.id, MandateSource::CsvImport);
        m.signature_date = Some(NaiveDate::from_ymd_opt(2025, 1, 15).unwrap());
        env.store.upsert_mandate(&m).await.unwrap();

        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let find = |id| plan.exclusions.iter().find(|e| e.invoice_id == id);
        assert_eq!(
            find(revoked.invoice_id).map(|e| e.reason.code()),
            Some("mandate_revoked")
        );
        let d = plan
            .debits
            .iter()
            .find(|d| d.invoice_id == b2b.invoice_id)
            .unwrap();
        assert_eq!(d.scheme, Scheme::B2b);
        assert_eq!(
            d.signature_date,
            NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
        );
        assert!(
            plan.debits
                .iter()
                .any(|d| d.invoice_id == undated.invoice_id)
        );

        // CORE and B2B go into separate files.
        let run = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap()
            .run
            .unwrap();
        let files = env.store.run_files(run.id).await.unwrap();
        assert_eq!(files.len(), 2);
        #[cfg(feature = "xsd")]
        for f in &files {
            common::assert_valid_pain008_08(&f.bytes);
        }
        assert!(xml_of(&files[0]).contains("<Cd>CORE</Cd>"));
        assert!(xml_of(&files[1]).contains("<Cd>B2B</Cd>"));
        assert!(!xml_of(&files[1]).contains("<Cd>CORE</Cd>"));
        env.sb.shutdown().await;
    }

    pub async fn frst_on_first_use_then_rcur_and_an_iban_change_is_an_amendment(url: DatabaseUrl) {
        let mut env = Env::new(url, 200).await;
        env.settings.policies.sequence_type = SequenceTypePolicy::FrstOnFirstUse;
        env.settings.policies.max_debits_per_file = Some(10);
        let first = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap();
        let run = first.run.unwrap();
        let debits = env.store.debits_for_run(run.id).await.unwrap();
        assert!(debits.iter().all(|d| d.sequence_type == SequenceType::Frst));
        // At most 10 debits per file.
        let files = env.store.run_files(run.id).await.unwrap();
        assert_eq!(files.len(), debits.len().div_ceil(10));
        assert!(files.iter().all(|f| f.info.debit_count <= 10));
        // A contact with several invoices: one FRST now, the others wait for the next run.
        let waiting: Vec<_> = first
            .plan
            .exclusions
            .iter()
            .filter(|e| e.reason.code() == "waits_for_first_debit")
            .collect();

        // The debtor moves to another bank; a new invoice arrives.
        let used = &debits[0];
        let invoice_id = moves_bank_with_a_new_invoice(&env.sb, used);
        env.sync().await;
        let second = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap();
        let run = second.run.unwrap();
        let debits = env.store.debits_for_run(run.id).await.unwrap();
        let new = debits
            .iter()
            .find(|d| d.invoice_id == invoice_id)
            .expect("the new invoice is collected");
        assert_eq!(new.sequence_type, SequenceType::Rcur);
        for w in &waiting {
            let d = debits.iter().find(|d| d.invoice_id == w.invoice_id);
            assert_eq!(
                d.map(|d| d.sequence_type),
                Some(SequenceType::Rcur),
                "invoice {} waited for the FRST and follows as RCUR",
                w.invoice_id
            );
        }
        let amendments = env
            .store
            .mandate_amendments(&used.mandate_reference)
            .await
            .unwrap();
        assert_eq!(amendments.len(), 1);
        assert_eq!(
            amendments[0].original_iban.as_deref(),
            Some(used.iban.as_str())
        );
        let all_xml: String = env
            .store
            .run_files(run.id)
            .await
            .unwrap()
            .iter()
            .map(xml_of)
            .collect();
        #[cfg(feature = "xsd")]
        for f in env.store.run_files(run.id).await.unwrap() {
            common::assert_valid_pain008_08(&f.bytes);
        }
        assert!(all_xml.contains("<AmdmntInd>true</AmdmntInd>"));
        assert!(
            all_xml.contains("SMNDA"),
            "a move to another bank is sent as SMNDA"
        );
        env.sb.shutdown().await;
    }

    pub async fn the_reread_applies_the_invoice_rules_and_sevdesks_sepa_fields(url: DatabaseUrl) {
        let env = Env::new(url, 200).await;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        assert!(plan.debits.len() > 6);
        let d = &plan.debits;
        // Changed in sevdesk after the sync, seen only by the re-read.
        env.sb.with_data(|data| {
            let transfer = data
                .payment_methods
                .values()
                .find(|m| m.electronic_invoice_id == "58")
                .expect("the sandbox has SEPA Überweisung")
                .id;
            macro_rules! invoice {
                ($i:expr) => {
                    data.invoices.get_mut(&(d[$i].invoice_id as u64)).unwrap()
                };
            }
            // Switched to bank transfer: no longer a direct debit.
            invoice!(0).payment_method_id = Some(transfer);
            // sevdesk says partly paid but gives no paid amount.
            invoice!(1).status = 750;
            invoice!(1).paid_amount = 0;
            // sevdesk's own SEPA fields (what the invoice told the customer) disagree with the
            // debit: another account, another mandate, another creditor.
            assert_ne!(d[2].iban.as_str(), "DE89370400440532013000");
            invoice!(2).sepa_payer_iban = Some("DE89 3704 0044 0532 0130 00".into());
            invoice!(3).sepa_mandate_reference = Some("OTHER-MANDATE-1".into());
            invoice!(4).sepa_creditor_id = Some("AT61ZZZ01234567890".into());
            // The same values, spelled differently: no reason to stop.
            let spaced: String = d[5]
                .iban
                .as_str()
                .to_lowercase()
                .chars()
                .enumerate()
                .flat_map(|(i, c)| (i > 0 && i % 4 == 0).then_some(' ').into_iter().chain([c]))
                .collect();
            invoice!(5).sepa_payer_iban = Some(spaced);
            invoice!(5).sepa_mandate_reference = Some(format!(" {} ", d[5].mandate_reference));
            invoice!(5).sepa_creditor_id = Some("de98zzz09999999999".into());
        });
        let outcome =
            execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
                .await
                .unwrap();
        let reason_of = |id| {
            outcome
                .plan
                .exclusions
                .iter()
                .find(|e| e.invoice_id == id)
                .map(|e| e.reason.clone())
        };
        assert_eq!(
            reason_of(d[0].invoice_id).map(|r| r.code()),
            Some("not_direct_debit")
        );
        assert_eq!(
            reason_of(d[1].invoice_id).map(|r| r.code()),
            Some("partly_paid_amount_unknown")
        );
        for (i, field) in [
            (2, "sepaPayerIban"),
            (3, "sepaMandateReference"),
            (4, "sepaCreditorId"),
        ] {
            let reason = reason_of(d[i].invoice_id).expect("dropped by the re-read");
            assert_eq!(reason.code(), "sevdesk_sepa_field_mismatch", "{reason:?}");
            assert!(reason.english().contains(field), "{}", reason.english());
        }
        assert_eq!(outcome.dropped_on_reread, 5);
        let run = outcome.run.expect("the others are collected");
        let debits = env.store.debits_for_run(run.id).await.unwrap();
        assert!(debits.iter().any(|x| x.invoice_id == d[5].invoice_id));
        assert_eq!(debits.len(), plan.debits.len() - 5);
        // The store learnt what the re-read saw, so the next plan agrees without a sync.
        let next = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let next_reason = |id| {
            next.exclusions
                .iter()
                .find(|e| e.invoice_id == id)
                .map(|e| e.reason.code())
        };
        assert_eq!(next_reason(d[0].invoice_id), Some("not_direct_debit"));
        assert_eq!(
            next_reason(d[1].invoice_id),
            Some("partly_paid_amount_unknown")
        );
        env.sb.shutdown().await;
    }

    pub async fn a_mandate_reference_of_two_contacts_is_used_by_neither(url: DatabaseUrl) {
        let env = Env::new(url, 200).await;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let a = plan.debits[0].clone();
        let b = plan
            .debits
            .iter()
            .find(|d| d.contact_id != a.contact_id)
            .unwrap()
            .clone();
        // In sevdesk, b's contact gets a's mandate reference, typed in lower case. A mandate
        // reference identifies one mandate of the creditor, whatever the case.
        let shared = a.mandate_reference.as_str().to_lowercase();
        assert_ne!(
            shared,
            a.mandate_reference.as_str(),
            "the test needs letters"
        );
        env.sb.with_data(|d| {
            let field_setting = d
                .custom_field_settings
                .values()
                .find(|s| s.identifier == "SEPAMANDATSREFERENZ")
                .unwrap()
                .id;
            d.custom_fields.retain(|_, f| {
                !(f.contact_id == b.contact_id as u64 && f.setting_id == field_setting)
            });
            d.contacts
                .get_mut(&(b.contact_id as u64))
                .unwrap()
                .mandate_reference = Some(shared.clone());
            assert!(d.touch_contact(b.contact_id as u64));
        });
        env.sync().await;
        let contact = env.store.contact(b.contact_id).await.unwrap().unwrap();
        assert_eq!(
            lastschrift_core::collect::mandate::mandate_reference(&contact, &env.settings.policies),
            Some(shared.clone())
        );

        // Nobody registered it: it is unclear whose mandate it is, so neither is debited.
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        for contact_id in [a.contact_id, b.contact_id] {
            assert!(plan.debits.iter().all(|d| d.contact_id != contact_id));
            let reasons: Vec<_> = plan
                .exclusions
                .iter()
                .filter(|e| e.contact_id == contact_id)
                .map(|e| e.reason.code())
                .collect();
            assert!(
                reasons.contains(&"mandate_reference_shared"),
                "contact {contact_id}: {reasons:?}"
            );
        }
        let execute =
            execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
                .await
                .unwrap();
        let run = execute.run.unwrap();
        let debits = env.store.debits_for_run(run.id).await.unwrap();
        assert!(
            debits
                .iter()
                .all(|d| !d.mandate_reference.eq_ignore_ascii_case(&shared))
        );

        // The registry says it is a's: a is debited with the registry's spelling, b is not.
        let mut m = Mandate::new(
            a.mandate_reference.as_str(),
            a.contact_id,
            MandateSource::Manual,
        );
        m.signature_date = Some(a.signature_date);
        env.store.upsert_mandate(&m).await.unwrap();
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let planned_a = plan
            .debits
            .iter()
            .find(|d| d.invoice_id == a.invoice_id)
            .expect("a is collected through the registry");
        assert_eq!(planned_a.mandate_reference, a.mandate_reference);
        let b_reason = plan
            .exclusions
            .iter()
            .find(|e| e.invoice_id == b.invoice_id)
            .map(|e| e.reason.code());
        assert_eq!(b_reason, Some("mandate_of_other_contact"));
        env.sb.shutdown().await;
    }

    pub async fn a_debtor_bank_outside_the_eea_needs_a_bic(url: DatabaseUrl) {
        let env = Env::new(url, 200).await;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        // Two debtors with a postal address (also required outside the EEA), so only the BIC
        // makes the difference.
        let mut with_address = Vec::new();
        for d in &plan.debits {
            let c = env.store.contact(d.contact_id).await.unwrap().unwrap();
            if c.city.is_some()
                && c.country_code.is_some()
                && with_address
                    .iter()
                    .all(|x: &lastschrift_core::collect::PlannedDebit| x.contact_id != d.contact_id)
            {
                with_address.push(d.clone());
            }
        }
        let (no_bic, with_bic) = (&with_address[0], &with_address[1]);
        // Both move to a Swiss bank (SEPA, not EEA); one gives the bank's BIC, one does not.
        env.sb.with_data(|d| {
            for (contact, bic) in [
                (no_bic.contact_id, None),
                (with_bic.contact_id, Some("UBSWCHZH80A")),
            ] {
                assert!(d.set_contact_iban(contact as u64, Some("CH9300762011623852957".into())));
                d.contacts.get_mut(&(contact as u64)).unwrap().bank_number = bic.map(Into::into);
                assert!(d.touch_contact(contact as u64));
            }
        });
        env.sync().await;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let reason = plan
            .exclusions
            .iter()
            .find(|e| e.invoice_id == no_bic.invoice_id)
            .map(|e| e.reason.clone());
        match reason {
            Some(ExclusionReason::Rejected { field, .. }) => assert_eq!(field, "debtor.bic"),
            other => panic!("a Swiss debtor without BIC must not be planned: {other:?}"),
        }
        let planned = plan
            .debits
            .iter()
            .find(|d| d.invoice_id == with_bic.invoice_id)
            .expect("a Swiss debtor with BIC and address is collected");
        assert_eq!(
            planned.bic.as_ref().map(|b| b.as_str()),
            Some("UBSWCHZH80A")
        );
        let run = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap()
            .run
            .unwrap();
        let xml: String = env
            .store
            .run_files(run.id)
            .await
            .unwrap()
            .iter()
            .map(xml_of)
            .collect();
        assert!(xml.contains("<BICFI>UBSWCHZH80A</BICFI>"));
        assert!(xml.contains("<IBAN>CH9300762011623852957</IBAN>"));
        env.sb.shutdown().await;
    }

    pub async fn a_new_reference_amends_a_live_mandate_but_not_a_lapsed_one(url: DatabaseUrl) {
        let mut env = Env::new(url, 200).await;
        env.settings.policies.sequence_type = SequenceTypePolicy::FrstOnFirstUse;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let d = plan.debits[0].clone();
        assert_eq!(d.sequence_type, SequenceType::Frst);
        assert_eq!(d.amendment, None);
        let day = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        // The contact had another mandate, used before under another reference.
        let old_reference = format!("OLD-{}", d.contact_id);
        let mut old = Mandate::new(&old_reference, d.contact_id, MandateSource::CsvImport);
        old.signature_date = Some(day(2019, 3, 1));
        old.first_collection = Some(day(2019, 4, 1));
        old.last_iban = Some("DE89370400440532013000".into());
        let planned_for = |plan: &lastschrift_core::collect::CollectionPlan| {
            plan.debits
                .iter()
                .find(|x| x.contact_id == d.contact_id)
                .cloned()
                .expect("the contact is still collected")
        };

        // Last used 18 months ago. By default the registry decides: the old mandate governs the
        // contact and the dry run says that sevdesk's other reference was overruled.
        old.last_collection = Some(day(2025, 6, 2));
        env.store.upsert_mandate(&old).await.unwrap();
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let governed = planned_for(&plan);
        assert_eq!(governed.mandate_reference.as_str(), old_reference);
        assert!(
            governed
                .reference_source
                .english
                .contains(d.mandate_reference.as_str())
                && governed.reference_source.german.contains("Mandatsregister"),
            "{:?}",
            governed.reference_source
        );
        // With sevdesk first in the precedence the current reference there continues that
        // mandate, so the debit says so (original mandate id, original account) and is not a
        // first debit.
        env.settings
            .policies
            .mandate_reference_sources
            .rotate_left(1);
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let amended = planned_for(&plan);
        let amendment = amended
            .amendment
            .expect("a changed reference is an amendment");
        assert_eq!(
            amendment.original_reference.as_ref().map(|r| r.as_str()),
            Some(old_reference.as_str())
        );
        assert_eq!(amended.sequence_type, SequenceType::Rcur);

        // Last used more than 36 months before the collection date: that mandate has lapsed and
        // must not be used, amended or continued; the current one is a new mandate. (Another
        // contact: the registry never moves a last collection back.)
        let other = plan
            .debits
            .iter()
            .find(|x| x.contact_id != d.contact_id)
            .cloned()
            .expect("a second contact is collected");
        let lapsed_reference = format!("OLD-{}", other.contact_id);
        let mut lapsed = Mandate::new(
            &lapsed_reference,
            other.contact_id,
            MandateSource::CsvImport,
        );
        lapsed.signature_date = Some(day(2019, 3, 1));
        lapsed.first_collection = Some(day(2019, 4, 1));
        lapsed.last_iban = Some("DE89370400440532013000".into());
        lapsed.last_collection = Some(day(2023, 6, 1));
        env.store.upsert_mandate(&lapsed).await.unwrap();
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let fresh = plan
            .debits
            .iter()
            .find(|x| x.contact_id == other.contact_id)
            .cloned()
            .expect("the second contact is still collected");
        assert_eq!(fresh.amendment, None, "a lapsed mandate is not amended");
        assert_eq!(fresh.sequence_type, SequenceType::Frst);
        env.sb.shutdown().await;
    }

    pub async fn an_open_credit_note_without_invoice_holds_back_the_contacts_invoices(
        url: DatabaseUrl,
    ) {
        let env = Env::new(url, 200).await;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let owed = plan.debits[0].clone();
        let other = plan
            .debits
            .iter()
            .find(|d| d.contact_id != owed.contact_id)
            .unwrap()
            .clone();
        // A credit note (money owed to the customer) that names no invoice, e.g. a goodwill
        // credit: debiting the customer's invoices in full would ignore it.
        env.sb.with_data(|d| {
            let mut note = d.credit_notes.values().next().unwrap().clone();
            note.id = d.credit_notes.keys().max().unwrap() + 1;
            note.credit_note_number = Some(format!("GU-{}", note.id));
            note.contact_id = owed.contact_id as u64;
            note.ref_invoice_id = None;
            note.status = 200;
            note.update = d.change_time();
            note.create = note.update;
            d.credit_notes.insert(note.id, note);
        });
        env.sync().await;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        assert!(plan.debits.iter().all(|d| d.contact_id != owed.contact_id));
        let reason = plan
            .exclusions
            .iter()
            .find(|e| e.invoice_id == owed.invoice_id)
            .map(|e| e.reason.code());
        assert_eq!(reason, Some("open_credit_note_for_contact"));
        assert!(
            plan.debits.iter().any(|d| d.invoice_id == other.invoice_id),
            "other customers are not affected"
        );
        env.sb.shutdown().await;
    }

    pub async fn an_amended_reference_keeps_the_old_signature_date_and_does_not_lapse(
        url: DatabaseUrl,
    ) {
        let env = Env::new(url, 200).await;
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let d = plan.debits[0].clone();
        let day = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        // Signed in 2019 and collected until October under the old reference; the creditor
        // renamed the reference. It is the same mandate: same signature date, and its 36 months
        // run from the last collection, not from the signature.
        let old_reference = format!("OLD-{}", d.contact_id);
        let mut old = Mandate::new(&old_reference, d.contact_id, MandateSource::CsvImport);
        old.signature_date = Some(day(2019, 3, 1));
        old.first_collection = Some(day(2019, 4, 1));
        old.last_collection = Some(day(2026, 10, 1));
        old.last_iban = Some(d.iban.to_string());
        env.store.upsert_mandate(&old).await.unwrap();
        let mut renamed = Mandate::new(
            d.mandate_reference.as_str(),
            d.contact_id,
            MandateSource::CsvImport,
        );
        renamed.signature_date = Some(day(2019, 3, 1));
        env.store.upsert_mandate(&renamed).await.unwrap();

        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let Some(planned) = plan.debits.iter().find(|x| x.invoice_id == d.invoice_id) else {
            let reason = plan
                .exclusions
                .iter()
                .find(|e| e.invoice_id == d.invoice_id);
            panic!("the amended mandate is not collected: {reason:?}");
        };
        assert_eq!(planned.signature_date, day(2019, 3, 1));
        let amendment = planned
            .amendment
            .clone()
            .expect("the new reference is sent as an amendment");
        assert_eq!(
            amendment.original_reference.as_ref().map(|r| r.as_str()),
            Some(old_reference.as_str())
        );
        assert_eq!(amendment.original_iban, None, "the account did not change");
        env.sb.shutdown().await;
    }

    pub async fn an_amendment_whose_debit_was_cancelled_is_sent_again(url: DatabaseUrl) {
        let env = Env::new(url, 200).await;
        let first = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap()
            .run
            .unwrap();
        let used = env.store.debits_for_run(first.id).await.unwrap()[0].clone();
        // The debtor moves to another bank; a new invoice arrives.
        let invoice_id = moves_bank_with_a_new_invoice(&env.sb, &used);
        env.sync().await;
        let second = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap()
            .run
            .unwrap();
        let carried = env
            .store
            .debits_for_run(second.id)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.invoice_id == invoice_id)
            .expect("the new invoice is collected");
        // That run is withdrawn before the bank saw it: the amendment never reached the bank.
        env.store
            .mark_debit_cancelled(carried.id, Some("run withdrawn"))
            .await
            .unwrap();
        let plan = plan_collection(&*env.store, &env.settings, now(), None)
            .await
            .unwrap();
        let again = plan
            .debits
            .iter()
            .find(|d| d.invoice_id == invoice_id)
            .expect("the cancelled debit's invoice is collected again");
        let amendment = again
            .amendment
            .clone()
            .expect("the account change is still news to the bank");
        assert_eq!(
            amendment.original_iban.as_ref().map(|i| i.as_str()),
            Some(used.iban.as_str())
        );
        let third = execute_collection(&*env.store, &env.client, &env.settings, now(), None, None)
            .await
            .unwrap()
            .run
            .unwrap();
        let xml: String = env
            .store
            .run_files(third.id)
            .await
            .unwrap()
            .iter()
            .map(xml_of)
            .collect();
        assert!(
            xml.contains("SMNDA"),
            "the move to another bank is sent as SMNDA"
        );
        env.sb.shutdown().await;
    }
}
