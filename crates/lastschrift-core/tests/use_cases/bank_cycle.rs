//! The bank's answers to a real run, on SQLite and PostgreSQL: a sandbox account is synced and
//! collected through the [`App`]; the pain.008 file the run wrote is answered as banks answer
//! it (test_support::bank_files), every answer is validated against the XSDs in
//! `../shared/ref/xsd` before it is imported, and then the ledger, the worklist and the next dry
//! run must say what the answers mean.

#[allow(unused_imports)]
use test_support::backends;

use std::collections::HashMap;
use std::sync::Arc;

use lastschrift_core::App;
use lastschrift_core::bank::{BankFileOutcome, BankFileReport, worklist_csv};
use lastschrift_core::collect::ExclusionReason;
use lastschrift_core::secret::{SecretKey, SevdeskToken};
use lastschrift_core::settings::{DatabaseUrl, SequenceTypePolicy, Settings, SettingsSources};
use lastschrift_core::sync::NoProgress;
use lastschrift_store::*;
use sevdesk_sandbox::Sandbox;
use test_support::bank_files::{
    BankReturn, Bookings, CamtVersion, CollectionFile, Pain002Version, StatusOutcome,
    StatusReportOptions, camt053, camt054, pain002,
};

#[cfg(feature = "postgres-tests")]
use super::by_url::run_postgres;
use super::by_url::run_sqlite;
use super::installation::Fixed;
use super::sandbox;

backends!(
    a_month_of_bank_answers_ends_in_the_right_worklist_and_the_right_next_run,
    a_whole_file_and_a_whole_batch_rejected,
    bookings_with_details_prefixes_and_several_notifications_confirm_every_debit,
    another_account_is_refused_and_unknown_entries_are_listed,
);

/// An installation on the sandbox, synced and collected once (FRST on first use).
struct Cycle {
    app: App,
    store: Arc<dyn Store>,
    sb: Sandbox,
    run_id: i64,
    file: CollectionFile,
    debits: Vec<Debit>,
    _dir: tempfile::TempDir,
}

async fn collected(url: DatabaseUrl) -> Cycle {
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox(60).await;
    let mut settings: Settings =
        super::installation::settings(&url, dir.path(), Some(sb.base_url()));
    settings.policies.sequence_type = SequenceTypePolicy::FrstOnFirstUse;
    let store = open_url(&url).await.expect("the store opens");
    let app = App::new(
        SettingsSources::given(settings),
        store.clone(),
        SecretKey::generate(),
    )
    .with_clock(Arc::new(Fixed));
    app.store_token(&SevdeskToken::new(sb.token()).unwrap())
        .await
        .unwrap();
    app.sync(&NoProgress).await.unwrap();
    let run = app
        .collect(None, None)
        .await
        .unwrap()
        .run
        .expect("the sandbox has invoices to collect");
    let files = store.run_files(run.id).await.unwrap();
    assert_eq!(files.len(), 1, "one file for one date");
    let bytes = &files[0].bytes;
    test_support::assert_valid_pain008_08(bytes);
    let file = CollectionFile::read(bytes);
    let debits = store.debits_for_run(run.id).await.unwrap();
    assert_eq!(file.debits().count(), debits.len());
    assert!(
        debits.len() >= 6,
        "enough debits to answer: {}",
        debits.len()
    );
    Cycle {
        app,
        store,
        sb,
        run_id: run.id,
        file,
        debits,
        _dir: dir,
    }
}

impl Cycle {
    /// Validates `bytes` against `schemas` and imports it alone.
    async fn import(&self, name: &str, bytes: Vec<u8>, schemas: &[&str]) -> BankFileReport {
        if !schemas.is_empty() {
            test_support::assert_schema_valid(&bytes, schemas);
        }
        let mut reports = self
            .app
            .import_bank_files(vec![(name.into(), bytes)], Some("anna"))
            .await
            .unwrap();
        assert_eq!(reports.len(), 1);
        reports.remove(0)
    }

    async fn statuses(&self) -> HashMap<String, Debit> {
        self.store
            .debits_for_run(self.run_id)
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.end_to_end_id.clone(), d))
            .collect()
    }

    fn bank_debit(&self, debit: &Debit) -> test_support::bank_files::BankDebit {
        self.file.debit(&debit.end_to_end_id).clone()
    }
}

fn imported(report: &BankFileReport) -> &[lastschrift_core::bank::BankLine] {
    match &report.outcome {
        BankFileOutcome::Imported { lines, .. } => lines,
        other => panic!("{} was not imported: {other:?}", report.file_name),
    }
}

mod tests {
    use super::*;

    pub async fn a_month_of_bank_answers_ends_in_the_right_worklist_and_the_right_next_run(
        url: DatabaseUrl,
    ) {
        let c = collected(url).await;
        let [
            rejected_closed,
            rejected_funds,
            returned_funds,
            returned_no_mandate,
        ] = [&c.debits[0], &c.debits[1], &c.debits[2], &c.debits[3]];
        assert!(
            c.debits
                .iter()
                .all(|d| d.sequence_type == SequenceType::Frst),
            "a new mandate starts with FRST"
        );

        // 1. The status report (German DK variant): PART, two single debits rejected.
        let status = pain002(
            &c.file,
            &StatusReportOptions {
                version: Pain002Version::V03Dk,
                outcome: StatusOutcome::Partial {
                    rejects: vec![
                        (rejected_closed.end_to_end_id.clone(), "AC04".into()),
                        (rejected_funds.end_to_end_id.clone(), "AM04".into()),
                    ],
                },
                ..StatusReportOptions::default()
            },
        );
        let report = c
            .import("pain002.xml", status, Pain002Version::V03Dk.schemas())
            .await;
        assert_eq!(report.count(BankEffect::Rejected), 2, "{report:?}");
        assert_eq!(report.count(BankEffect::Unmatched), 0, "{report:?}");

        // 2. The booking of the batch as one sum, without details: the rest is collected.
        let rejected = [
            rejected_closed.end_to_end_id.as_str(),
            rejected_funds.end_to_end_id.as_str(),
        ];
        let booked = Bookings {
            collections: c.file.booked_batches(&rejected),
            with_details: false,
            ..Bookings::for_file(&c.file)
        };
        let report = c
            .import(
                "camt054-batch.xml",
                camt054(CamtVersion::V02, &booked),
                &[CamtVersion::V02.camt054_schema()],
            )
            .await;
        assert_eq!(
            report.count(BankEffect::Collected),
            c.debits.len() - 2,
            "{report:?}"
        );

        // 3. Two returns with fees (2019 edition), one without its end-to-end id.
        let returns = Bookings::returns_of(
            &c.file,
            vec![
                BankReturn {
                    debit: c.bank_debit(returned_funds),
                    reason: "AM04".into(),
                    fee_cents: 350,
                    ..BankReturn::default()
                },
                BankReturn {
                    debit: c.bank_debit(returned_no_mandate),
                    reason: "MD01".into(),
                    fee_cents: 300,
                    without_end_to_end_id: true,
                },
            ],
        );
        let returns_file = camt054(CamtVersion::V08, &returns);
        let report = c
            .import(
                "camt054-returns.xml",
                returns_file.clone(),
                &[CamtVersion::V08.camt054_schema()],
            )
            .await;
        let lines = imported(&report);
        assert_eq!(report.count(BankEffect::Returned), 2, "{report:?}");
        let fee_of = |debit: &Debit| {
            lines
                .iter()
                .find(|l| l.debit_id == Some(debit.id))
                .map(|l| l.fee_cents)
        };
        assert_eq!(fee_of(returned_funds), Some(350));
        assert_eq!(fee_of(returned_no_mandate), Some(300));

        // 4. The same file again, and the account statement with the same bookings: nothing
        //    changes, no fee counts twice.
        let again = c.import("again.xml", returns_file, &[]).await;
        assert!(
            matches!(again.outcome, BankFileOutcome::AlreadyImported { .. }),
            "{again:?}"
        );
        let before = c.statuses().await;
        let statement = Bookings {
            collections: c.file.booked_batches(&rejected),
            returns: returns.returns.clone(),
            file_message_id: Some("STMT-2026-12-07".into()),
            ..Bookings::for_file(&c.file)
        };
        let report = c
            .import("camt053.xml", camt053(CamtVersion::V08, &statement), &[])
            .await;
        assert_eq!(report.format.as_deref(), Some("camt.053.001.08"));
        for effect in [
            BankEffect::Rejected,
            BankEffect::Returned,
            BankEffect::Collected,
        ] {
            assert_eq!(report.count(effect), 0, "{effect:?} again: {report:?}");
        }
        let after = c.statuses().await;
        for (e2e, debit) in &before {
            assert_eq!(after[e2e].status, debit.status, "{e2e}");
            assert_eq!(after[e2e].fee_cents, debit.fee_cents, "{e2e}");
        }
        assert_eq!(after[&returned_funds.end_to_end_id].fee_cents, Some(350));
        assert_eq!(
            after[&rejected_closed.end_to_end_id].status,
            DebitStatus::Rejected
        );
        assert_eq!(
            after[&returned_funds.end_to_end_id].status,
            DebitStatus::Returned
        );
        let collected = after
            .values()
            .filter(|d| d.status == DebitStatus::Collected)
            .count();
        assert_eq!(collected, c.debits.len() - 4);

        // 5. The worklist: reason in words, what happens next, the fees to pass on.
        let worklist = c.app.worklist().await.unwrap();
        assert_eq!(worklist.len(), 4, "{worklist:?}");
        let item = |debit: &Debit| {
            worklist
                .iter()
                .find(|i| i.debit_id == debit.id)
                .unwrap_or_else(|| panic!("debit {} on the worklist", debit.id))
        };
        assert_eq!(item(rejected_closed).follow_up, FollowUp::BlockMandate);
        assert_eq!(item(rejected_funds).follow_up, FollowUp::CollectAgain);
        assert_eq!(item(returned_funds).follow_up, FollowUp::CollectAgain);
        assert_eq!(item(returned_funds).fee_cents, 350);
        assert_eq!(item(returned_no_mandate).follow_up, FollowUp::Review);
        assert_eq!(
            item(returned_funds).reason.as_ref().unwrap().german,
            "keine Deckung"
        );
        assert!(
            item(returned_funds).next.german.contains("Versuch 2 von 3"),
            "{:?}",
            item(returned_funds).next
        );
        let csv = String::from_utf8(worklist_csv(&worklist)).unwrap();
        assert!(csv.contains("Bankgebühr (EUR)"), "{csv}");
        assert!(csv.contains(";3,50;"), "{csv}");
        assert!(csv.contains("Summe Gebühren;;;;;;6,50"), "{csv}");

        // 6. The next dry run: the invoices the policy collects again, with the right sequence
        //    type (a rejected first debit stays FRST, a returned one was presented: RCUR), the
        //    blocked mandates left out with the reason.
        let plan = c.app.plan(None).await.unwrap();
        let planned = |debit: &Debit| {
            plan.debits
                .iter()
                .find(|p| p.invoice_id == debit.invoice_id)
        };
        let again_rejected = planned(rejected_funds).expect("AM04 reject collected again");
        assert_eq!(again_rejected.sequence_type, SequenceType::Frst);
        let again_returned = planned(returned_funds).expect("AM04 return collected again");
        assert_eq!(again_returned.sequence_type, SequenceType::Rcur);
        assert!(
            again_returned
                .notes
                .iter()
                .any(|n| n.english.contains("attempt 2 of 3")),
            "{:?}",
            again_returned.notes
        );
        assert!(planned(rejected_closed).is_none());
        assert!(planned(returned_no_mandate).is_none());
        let exclusion = |debit: &Debit| {
            plan.exclusions
                .iter()
                .find(|e| e.invoice_id == debit.invoice_id)
                .unwrap_or_else(|| panic!("invoice {} explained", debit.invoice_id))
                .reason
                .clone()
        };
        assert!(
            matches!(
                exclusion(rejected_closed),
                ExclusionReason::MandateBlocked { .. }
            ),
            "{:?}",
            exclusion(rejected_closed)
        );
        assert!(matches!(
            exclusion(returned_no_mandate),
            ExclusionReason::MandateBlocked { .. }
        ));
        // The collected invoices are not collected again.
        for d in c.debits.iter().skip(4) {
            assert!(
                planned(d).is_none(),
                "invoice {} collected twice",
                d.invoice_id
            );
        }

        // 7. Decisions: the closed account's block is lifted (new data arrived by phone); the
        //    refund case is settled otherwise.
        c.app
            .decide_follow_up(rejected_closed.id, FollowUp::CollectAgain, Some("anna"))
            .await
            .unwrap();
        c.app
            .decide_follow_up(returned_no_mandate.id, FollowUp::Done, Some("anna"))
            .await
            .unwrap();
        let plan = c.app.plan(None).await.unwrap();
        assert!(
            plan.debits
                .iter()
                .any(|p| p.invoice_id == rejected_closed.invoice_id)
        );
        let handled = plan
            .exclusions
            .iter()
            .find(|e| e.invoice_id == returned_no_mandate.invoice_id)
            .expect("a handled return is explained");
        assert!(
            matches!(handled.reason, ExclusionReason::ReturnHandled { .. }),
            "{:?}",
            handled.reason
        );
        assert_eq!(
            c.app
                .worklist()
                .await
                .unwrap()
                .iter()
                .filter(|i| i.open())
                .count(),
            3
        );
        c.sb.shutdown().await;
    }

    pub async fn a_whole_file_and_a_whole_batch_rejected(url: DatabaseUrl) {
        let c = collected(url).await;
        // A batch-level reject (ISO .03, namespace prefix) rejects every debit of the block.
        let batch = c.file.batches[0].clone();
        let report = c
            .import(
                "batch.xml",
                pain002(
                    &c.file,
                    &StatusReportOptions {
                        version: Pain002Version::V03,
                        outcome: StatusOutcome::BatchRejected {
                            payment_information_id: batch.payment_information_id.clone(),
                            reason: "MS03".into(),
                        },
                        prefix: Some("ns2".into()),
                        message_id: Some("STS-BATCH".into()),
                    },
                ),
                Pain002Version::V03.schemas(),
            )
            .await;
        assert_eq!(
            report.count(BankEffect::Rejected),
            batch.debits.len(),
            "{report:?}"
        );
        // The file-level reject (2019 edition) afterwards changes nothing more for the block.
        let report = c
            .import(
                "file.xml",
                pain002(
                    &c.file,
                    &StatusReportOptions {
                        version: Pain002Version::V10,
                        outcome: StatusOutcome::FileRejected {
                            reason: "FF01".into(),
                        },
                        ..StatusReportOptions::default()
                    },
                ),
                Pain002Version::V10.schemas(),
            )
            .await;
        assert_eq!(report.count(BankEffect::Rejected), 0, "{report:?}");
        assert_eq!(
            report.count(BankEffect::Unchanged),
            c.debits.len(),
            "{report:?}"
        );
        for d in c.statuses().await.values() {
            assert_eq!(d.status, DebitStatus::Rejected);
            assert_eq!(d.status_reason.as_deref(), Some("MS03"));
        }
        // Unspecified reason: every invoice is collected again, on FRST.
        let plan = c.app.plan(None).await.unwrap();
        for d in &c.debits {
            let p = plan
                .debits
                .iter()
                .find(|p| p.invoice_id == d.invoice_id)
                .unwrap_or_else(|| panic!("invoice {} collected again", d.invoice_id));
            assert_eq!(p.sequence_type, SequenceType::Frst);
        }
        c.sb.shutdown().await;
    }

    pub async fn bookings_with_details_prefixes_and_several_notifications_confirm_every_debit(
        url: DatabaseUrl,
    ) {
        let c = collected(url).await;
        let accepted = pain002(
            &c.file,
            &StatusReportOptions {
                version: Pain002Version::V10,
                ..StatusReportOptions::default()
            },
        );
        let report = c
            .import("accepted.xml", accepted, Pain002Version::V10.schemas())
            .await;
        assert_eq!(report.count(BankEffect::Rejected), 0, "{report:?}");
        assert!(matches!(report.outcome, BankFileOutcome::Imported { .. }));
        // Split so that the file holds more notifications than one: one per debit-less part is
        // not allowed, so one collection per block and the blocks over two notifications.
        let mut bookings = Bookings {
            prefix: Some("camt".into()),
            parts: 2,
            ..Bookings::for_file(&c.file)
        };
        // Two entries at least, so that two notifications are written: the block split in two
        // bookings with details.
        let block = bookings.collections.remove(0);
        let half = block.debits.len() / 2;
        let mut first = block.clone();
        first.debits.truncate(half);
        let mut second = block;
        second.debits.drain(..half);
        bookings.collections = vec![first, second];
        let bytes = camt054(CamtVersion::V08, &bookings);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert_eq!(text.matches("<camt:Ntfctn>").count(), 2, "{text}");
        let report = c
            .import("camt054.xml", bytes, &[CamtVersion::V08.camt054_schema()])
            .await;
        assert_eq!(
            report.count(BankEffect::Collected),
            c.debits.len(),
            "{report:?}"
        );
        for d in c.statuses().await.values() {
            assert_eq!(d.status, DebitStatus::Collected, "{}", d.end_to_end_id);
        }
        assert!(c.app.worklist().await.unwrap().is_empty());
        c.sb.shutdown().await;
    }

    pub async fn another_account_is_refused_and_unknown_entries_are_listed(url: DatabaseUrl) {
        let c = collected(url).await;
        let returned = &c.debits[0];
        let foreign = Bookings {
            account_iban: "DE02120300000000202051".into(),
            ..Bookings::returns_of(
                &c.file,
                vec![BankReturn {
                    debit: c.bank_debit(returned),
                    reason: "AC04".into(),
                    ..BankReturn::default()
                }],
            )
        };
        let report = c
            .import(
                "other-account.xml",
                camt054(CamtVersion::V02, &foreign),
                &[CamtVersion::V02.camt054_schema()],
            )
            .await;
        match &report.outcome {
            BankFileOutcome::Refused {
                code, message_de, ..
            } => {
                assert_eq!(*code, "other_account");
                assert!(
                    message_de.contains("DE02120300000000202051"),
                    "{message_de}"
                );
            }
            other => panic!("another account's file is refused: {other:?}"),
        }
        assert!(c.store.bank_imports().await.unwrap().is_empty());

        // A return of ours and one of somebody else's debit: the first applies, the second is
        // listed with what the file said.
        let stranger = test_support::bank_files::BankDebit {
            end_to_end_id: "NOT-OURS-1".into(),
            mandate_id: "FREMD-1".into(),
            amount_cents: 4_711,
            debtor_name: "Fremde GmbH".into(),
            debtor_iban: "DE02120300000000202051".into(),
        };
        let mixed = Bookings::returns_of(
            &c.file,
            vec![
                BankReturn {
                    debit: c.bank_debit(returned),
                    reason: "AC04".into(),
                    ..BankReturn::default()
                },
                BankReturn {
                    debit: stranger,
                    reason: "AM04".into(),
                    fee_cents: 100,
                    ..BankReturn::default()
                },
            ],
        );
        let report = c
            .import(
                "mixed.xml",
                camt054(CamtVersion::V02, &mixed),
                &[CamtVersion::V02.camt054_schema()],
            )
            .await;
        assert_eq!(report.count(BankEffect::Returned), 1, "{report:?}");
        let unmatched: Vec<_> = imported(&report)
            .iter()
            .filter(|l| l.effect == BankEffect::Unmatched)
            .collect();
        assert_eq!(unmatched.len(), 1, "{report:?}");
        assert!(
            unmatched[0].detail.contains("NOT-OURS-1"),
            "{:?}",
            unmatched[0]
        );
        assert!(
            unmatched[0].detail.contains("FREMD-1"),
            "{:?}",
            unmatched[0]
        );
        assert_eq!(
            c.statuses().await[&returned.end_to_end_id].status,
            DebitStatus::Returned
        );
        c.sb.shutdown().await;
    }
}
