//! The rules that must hold under concurrency, fired at once through the [`App`] (the same calls
//! the CLI and the web make), on SQLite and on PostgreSQL: exactly one first administrator,
//! never no administrator, one status change per debit state, mandate edits that keep each
//! other's fields, and one run per confirmed preview — also from two installations (two data
//! directories, so no shared lock file) on one database.

#[allow(unused_imports)]
use test_support::backends;

use chrono::NaiveDate;
use lastschrift_core::collect::bank_time;
use lastschrift_core::runs::DebitMark;
use lastschrift_core::secret::{SecretKey, SevdeskToken};
use lastschrift_core::settings::DatabaseUrl;
use lastschrift_core::sync::NoProgress;
use lastschrift_core::users::UserError;
use lastschrift_core::{App, Clock, CoreError};
use lastschrift_store::*;

#[cfg(feature = "postgres-tests")]
use super::by_url::run_postgres;
use super::by_url::run_sqlite;

/// How many requests each test fires at once.
const AT_ONCE: usize = 8;

use super::installation::{Fixed, app, app_with_key};

backends!(
    concurrent_first_start_forms_create_exactly_one_administrator,
    two_administrators_demoting_each_other_at_once_leave_one,
    two_administrators_deleting_each_other_at_once_leave_one,
    one_debit_changes_status_once_when_changes_arrive_at_once,
    cancelling_the_last_debits_at_once_cancels_the_run,
    concurrent_edits_of_one_mandate_keep_each_others_fields,
    an_import_at_the_same_time_as_a_run_keeps_the_collection_history,
    two_confirms_of_the_same_preview_give_one_run,
);

/// A run of `n` debits for invoices 1..=n (no sevdesk needed).
fn run_of(n: i64) -> NewCollectionRun {
    NewCollectionRun {
        format: "pain.008.001.08".into(),
        confirm_key: None,
        control_list_csv: b"x\n".to_vec(),
        files: vec![NewCollectionFile {
            file_name: "LS-TEST-1.xml".into(),
            message_id: format!("LS-TEST-{n}"),
            bytes: b"<xml/>".to_vec(),
            debits: (1..=n)
                .map(|i| NewDebit {
                    invoice_id: i,
                    contact_id: 100 + i,
                    mandate_reference: format!("M-{i}"),
                    iban: "DE02120300000000202051".into(),
                    amount_cents: 1_000,
                    sequence_type: SequenceType::Rcur,
                    end_to_end_id: format!("{i}-TEST"),
                    collection_date: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
                    amendment: None,
                })
                .collect(),
        }],
    }
}

mod tests {
    use super::*;

    pub async fn concurrent_first_start_forms_create_exactly_one_administrator(url: DatabaseUrl) {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&url, dir.path(), None).await;
        let attempts = (0..AT_ONCE).map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                app.create_first_admin(&format!("admin{i}"), "ein langes Passwort")
                    .await
            })
        });
        let results = futures_util::future::join_all(attempts).await;
        let mut created = 0;
        for result in results {
            match result.unwrap() {
                Ok(user) => {
                    created += 1;
                    assert_eq!(user.role, Role::Admin);
                }
                Err(CoreError::User(UserError::AlreadySetUp)) => {}
                Err(other) => panic!("{other:?}"),
            }
        }
        assert_eq!(created, 1, "exactly one first administrator");
        assert_eq!(app.users().await.unwrap().len(), 1);
        // Later first-start forms create no one either.
        assert!(matches!(
            app.create_first_admin("late", "ein langes Passwort").await,
            Err(CoreError::User(UserError::AlreadySetUp))
        ));
        app.close().await;
    }

    async fn two_admins(app: &App) -> (User, User) {
        let a = app
            .create_first_admin("anna", "ein langes Passwort")
            .await
            .unwrap();
        let b = app
            .create_user("bert", "ein langes Passwort", Role::Admin)
            .await
            .unwrap();
        (a, b)
    }

    pub async fn two_administrators_demoting_each_other_at_once_leave_one(url: DatabaseUrl) {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&url, dir.path(), None).await;
        let (a, b) = two_admins(&app).await;
        for round in 0..5 {
            let (x, y) = tokio::join!(
                app.set_user_role(a.id, Role::Viewer),
                app.set_user_role(b.id, Role::Viewer)
            );
            let refused = [&x, &y]
                .iter()
                .filter(|r| matches!(r, Err(CoreError::Store(StoreError::LastAdmin))))
                .count();
            assert!(
                x.is_ok() != y.is_ok() && refused == 1,
                "round {round}: {x:?} {y:?}"
            );
            let admins = app
                .users()
                .await
                .unwrap()
                .into_iter()
                .filter(|u| u.role == Role::Admin)
                .count();
            assert_eq!(admins, 1, "round {round}");
            // Both administrators again for the next round.
            app.set_user_role(a.id, Role::Admin).await.unwrap();
            app.set_user_role(b.id, Role::Admin).await.unwrap();
        }
        app.close().await;
    }

    pub async fn two_administrators_deleting_each_other_at_once_leave_one(url: DatabaseUrl) {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&url, dir.path(), None).await;
        let (a, b) = two_admins(&app).await;
        let (x, y) = tokio::join!(app.delete_user(b.id), app.delete_user(a.id));
        assert!(x.is_ok() != y.is_ok(), "{x:?} {y:?}");
        let users = app.users().await.unwrap();
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].role, Role::Admin);
        app.close().await;
    }

    pub async fn one_debit_changes_status_once_when_changes_arrive_at_once(url: DatabaseUrl) {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&url, dir.path(), None).await;
        let store = open_url(&url).await.unwrap();
        let run = store.record_collection_run(&run_of(1)).await.unwrap();
        let debit = store.debits_for_run(run.id).await.unwrap()[0].id;
        // Half return it, half cancel it: a pending debit allows either, but only once.
        let attempts = (0..AT_ONCE).map(|i| {
            let app = app.clone();
            let mark = if i % 2 == 0 {
                DebitMark::Returned
            } else {
                DebitMark::Cancelled
            };
            tokio::spawn(async move { app.mark_debit(debit, mark, Some("AM04")).await })
        });
        let results: Vec<_> = futures_util::future::join_all(attempts)
            .await
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        let done = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(done, 1, "{results:?}");
        for r in &results {
            if let Err(e) = r {
                assert!(
                    matches!(e, CoreError::Store(StoreError::Conflict(_))),
                    "{e:?}"
                );
            }
        }
        let after = store.debits_for_run(run.id).await.unwrap();
        let winner = results.iter().find_map(|r| r.as_ref().ok()).unwrap();
        assert_eq!(after[0].status, winner.debit.status);
        app.close().await;
        store.close().await;
    }

    pub async fn cancelling_the_last_debits_at_once_cancels_the_run(url: DatabaseUrl) {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&url, dir.path(), None).await;
        let store = open_url(&url).await.unwrap();
        let run = store
            .record_collection_run(&run_of(AT_ONCE as i64))
            .await
            .unwrap();
        let ids: Vec<i64> = store
            .debits_for_run(run.id)
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect();
        let attempts = ids.iter().map(|id| {
            let app = app.clone();
            let id = *id;
            tokio::spawn(async move { app.mark_debit(id, DebitMark::Cancelled, None).await })
        });
        let results = futures_util::future::join_all(attempts).await;
        assert!(results.iter().all(|r| r.as_ref().unwrap().is_ok()));
        let run = store.collection_run(run.id).await.unwrap().unwrap();
        assert_eq!(
            run.status,
            RunStatus::Cancelled,
            "every debit cancelled, so the run is"
        );
        app.close().await;
        store.close().await;
    }

    pub async fn concurrent_edits_of_one_mandate_keep_each_others_fields(url: DatabaseUrl) {
        let dir = tempfile::tempdir().unwrap();
        let app = app(&url, dir.path(), None).await;
        let store = open_url(&url).await.unwrap();
        let mut m = Mandate::new("M-1", 7, MandateSource::CsvImport);
        m.signature_date = Some(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap());
        store.upsert_mandate(&m).await.unwrap();
        let signed = NaiveDate::from_ymd_opt(2025, 5, 5).unwrap();
        for _ in 0..5 {
            let date = MandateEdit {
                signature_date: Some(Some(signed)),
                ..MandateEdit::default()
            };
            let scheme = MandateEdit {
                scheme: Some(Scheme::B2b),
                ..MandateEdit::default()
            };
            let status = MandateEdit {
                status: Some(MandateStatus::Revoked),
                ..MandateEdit::default()
            };
            let (x, y, z) = tokio::join!(
                app.edit_mandate("M-1", &date),
                app.edit_mandate("M-1", &scheme),
                app.edit_mandate("M-1", &status),
            );
            x.unwrap();
            y.unwrap();
            z.unwrap();
            let now = store.mandate_by_reference("M-1").await.unwrap().unwrap();
            assert_eq!(now.signature_date, Some(signed));
            assert_eq!(now.scheme, Scheme::B2b);
            assert_eq!(now.status, MandateStatus::Revoked);
            // Back to the start for the next round.
            store.upsert_mandate(&m).await.unwrap();
        }
        // The same rules as the import: no signature in the future.
        let future = app
            .edit_mandate(
                "M-1",
                &MandateEdit {
                    signature_date: Some(Some(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap())),
                    ..MandateEdit::default()
                },
            )
            .await;
        assert!(matches!(future, Err(CoreError::Edit(_))), "{future:?}");
        app.close().await;
        store.close().await;
    }

    pub async fn an_import_at_the_same_time_as_a_run_keeps_the_collection_history(
        url: DatabaseUrl,
    ) {
        let store = open_url(&url).await.unwrap();
        // The registry record an import would write: older history than the ledger's.
        let mut imported = Mandate::new("M-1", 101, MandateSource::CsvImport);
        imported.signature_date = Some(NaiveDate::from_ymd_opt(2020, 1, 2).unwrap());
        imported.first_collection = Some(NaiveDate::from_ymd_opt(2020, 2, 1).unwrap());
        imported.last_collection = Some(NaiveDate::from_ymd_opt(2021, 2, 1).unwrap());
        store.upsert_mandate(&imported).await.unwrap();
        let new_run = run_of(1);
        let (run, import) = tokio::join!(
            store.record_collection_run(&new_run),
            store.upsert_mandate(&imported)
        );
        run.unwrap();
        import.unwrap();
        let m = store.mandate_by_reference("M-1").await.unwrap().unwrap();
        assert_eq!(
            m.first_collection,
            Some(NaiveDate::from_ymd_opt(2020, 2, 1).unwrap()),
            "the earlier first collection wins"
        );
        assert_eq!(
            m.last_collection,
            Some(NaiveDate::from_ymd_opt(2026, 12, 14).unwrap()),
            "the run's collection is never written back over"
        );
        assert_eq!(m.last_iban.as_deref(), Some("DE02120300000000202051"));
        store.close().await;
    }

    pub async fn two_confirms_of_the_same_preview_give_one_run(url: DatabaseUrl) {
        let sb = crate::sandbox(120).await;
        // Two installations on one database: separate data directories, so the file lock does
        // not serialise them; only the store's confirm key can.
        let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let key = SecretKey::generate();
        let a = app_with_key(&url, dir_a.path(), Some(sb.base_url()), key.clone()).await;
        let b = app_with_key(&url, dir_b.path(), Some(sb.base_url()), key).await;
        a.store_token(&SevdeskToken::new(sb.token()).unwrap())
            .await
            .unwrap();
        a.sync(&NoProgress).await.unwrap();
        let preview = a.plan(None).await.unwrap();
        assert!(
            !preview.debits.is_empty(),
            "the sandbox has debits to collect"
        );
        assert_eq!(preview.planned_at, bank_time(Fixed.now()));
        let key = preview.fingerprint.clone();
        let (x, y) = tokio::join!(a.collect(None, Some(&key)), b.collect(None, Some(&key)));
        let (x, y) = (x.unwrap(), y.unwrap());
        let (rx, ry) = (x.run.expect("a run"), y.run.expect("the same run"));
        assert_eq!(rx.id, ry.id, "one preview, one run");
        assert!(x.already_confirmed != y.already_confirmed);
        let store = open_url(&url).await.unwrap();
        assert_eq!(store.collection_runs().await.unwrap().len(), 1);
        // A third, late confirmation of that preview is answered with the run too.
        let late = a.collect(None, Some(&key)).await.unwrap();
        assert_eq!(late.run.map(|r| r.id), Some(rx.id));
        assert!(late.already_confirmed);
        // A confirmation of a preview that is out of date writes nothing.
        let stale = b.collect(None, Some("0123456789abcdef01234567")).await;
        assert!(
            matches!(
                stale,
                Err(CoreError::Collect(
                    lastschrift_core::collect::CollectError::PlanChanged(_)
                ))
            ),
            "{stale:?}"
        );
        assert_eq!(store.collection_runs().await.unwrap().len(), 1);
        assert_eq!(sb.write_attempts(), 0);
        for app in [a, b] {
            app.close().await;
        }
        store.close().await;
        sb.shutdown().await;
    }
}
