//! One store suite, two backends.
//!
//! Every test is an `async fn(Arc<Ctx>)` listed once in `backends!` at the bottom; it runs against
//! a fresh SQLite file in a temporary directory always, and against PostgreSQL with the feature
//! `postgres-tests` (LASTSCHRIFT_TEST_POSTGRES_URL, default
//! postgres://postgres@127.0.0.1:5432/test). Each PostgreSQL test gets its own schema (created
//! here, selected with `search_path` in the connection URL, dropped afterwards, also when the test
//! fails), so tests run in parallel and leave nothing behind. If PostgreSQL cannot be reached the
//! PostgreSQL tests fail with a sentence saying so.

use test_support as common;
#[allow(unused_imports)]
use test_support::backends;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use lastschrift_store::*;

/// What a test gets: the open store, and enough to reopen it or reach the raw database.
struct Ctx {
    store: Arc<dyn Store>,
    url: DatabaseUrl,
    /// SQLite only: the database file.
    sqlite_path: Option<PathBuf>,
}

impl Ctx {
    async fn reopen(&self) -> Arc<dyn Store> {
        open_url(&self.url).await.expect("reopen the store")
    }

    /// Runs SQL beside the store (to prove the database itself enforces a rule).
    async fn raw_execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        use sqlx::Connection;
        match self.store.backend() {
            Backend::Sqlite => {
                let path = self.sqlite_path.as_ref().expect("sqlite path");
                let options = sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(path)
                    .foreign_keys(true);
                let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
                let done = sqlx::query(sql).execute(&mut conn).await?;
                Ok(done.rows_affected())
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(self.url.expose()).await?;
                let done = sqlx::query(sql).execute(&mut conn).await?;
                Ok(done.rows_affected())
            }
        }
    }
}

async fn run_sqlite<F, Fut>(test: F)
where
    F: FnOnce(Arc<Ctx>) -> Fut,
    Fut: Future<Output = ()>,
{
    common::with_sqlite(|url, path| async move {
        let store = open_url(&url).await.expect("open SQLite store");
        assert_eq!(store.backend(), Backend::Sqlite);
        let ctx = Arc::new(Ctx {
            store,
            url,
            sqlite_path: Some(path),
        });
        test(ctx.clone()).await;
        ctx.store.close().await;
    })
    .await;
}

#[cfg(feature = "postgres-tests")]
async fn run_postgres<F, Fut>(test: F)
where
    F: FnOnce(Arc<Ctx>) -> Fut,
    Fut: Future<Output = ()>,
{
    common::with_postgres_schema("lastschrift_test", |url| async move {
        let store = open_url(&url).await.expect("open PostgreSQL store");
        assert_eq!(store.backend(), Backend::Postgres);
        let ctx = Arc::new(Ctx {
            store,
            url,
            sqlite_path: None,
        });
        test(ctx.clone()).await;
        ctx.store.close().await;
    })
    .await;
}

backends!(
    settings_and_secrets_round_trip,
    contacts_upsert_counts_and_round_trip,
    invoices_open_gone_and_reappear,
    credit_notes_and_payment_methods_are_replaced,
    sync_watermark_and_history,
    mandates_registry,
    collection_run_round_trips_files_exactly,
    double_collection_is_refused,
    unique_index_guards_even_without_the_store,
    record_collection_run_is_atomic,
    concurrent_runs_collect_an_invoice_once,
    debit_status_changes,
    migrations_are_idempotent_on_reopen,
    request_log_pages,
    users_and_sessions,
    single_mandates_are_entered_once_in_any_case,
    concurrent_inserts_of_one_reference_enter_it_once,
    revocation_keeps_its_date_and_refuses_a_second,
    signed_copies_are_kept_with_their_mandate,
    a_bank_file_applies_once_and_keeps_its_bytes,
    the_same_bank_file_imported_at_once_applies_once,
    a_pre_notification_is_prepared_once_and_sent_once,
    a_pre_notification_claimed_at_once_is_sent_by_one,
);

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn contact(id: i64) -> Contact {
    Contact {
        id,
        customer_number: Some(format!("{}", 1000 + id)),
        display_name: format!("Kundin {id} GmbH & Co. KG – Müller"),
        is_organisation: true,
        parent_id: None,
        iban: Some("DE02120300000000202051".into()),
        bic: Some("BYLADEM1001".into()),
        mandate_reference_field: Some(format!("MANDAT-{id}")),
        mandate_reference: None,
        signature_date_field: Some("01.02.2024".into()),
        email: Some(format!("kunde{id}@example.org")),
        street: Some("Hauptstraße 1".into()),
        zip: Some("10115".into()),
        city: Some("Berlin".into()),
        country_code: Some("DE".into()),
        updated_at: Some(Utc.with_ymd_and_hms(2026, 9, 1, 8, 30, 15).unwrap()),
    }
}

fn invoice(id: i64, status: i32) -> Invoice {
    Invoice {
        id,
        number: Some(format!("RE-{id}")),
        invoice_type: "RE".into(),
        status,
        contact_id: 1,
        currency: "EUR".into(),
        sum_gross_cents: 11_900 + id,
        paid_cents: 0,
        payment_method_id: Some(21920),
        invoice_date: Some(date(2026, 9, 1)),
        due_date: Some(date(2026, 9, 15)),
        // Nanoseconds on purpose: the store keeps microseconds on both backends.
        updated_at: Some(Utc.timestamp_opt(1_788_000_000, 123_456_789).unwrap()),
        gone: false,
    }
}

fn debit(invoice_id: i64, e2e: &str) -> NewDebit {
    NewDebit {
        invoice_id,
        contact_id: 1,
        mandate_reference: "MANDAT-1".into(),
        iban: "DE02120300000000202051".into(),
        amount_cents: 100 * invoice_id + 1,
        sequence_type: SequenceType::Rcur,
        end_to_end_id: e2e.into(),
        collection_date: date(2026, 12, 1),
        amendment: None,
    }
}

fn run_of(message_id: &str, debits: Vec<NewDebit>) -> NewCollectionRun {
    NewCollectionRun {
        confirm_key: None,
        format: "pain.008.001.08".into(),
        control_list_csv: b"invoice;amount\n".to_vec(),
        files: vec![NewCollectionFile {
            file_name: format!("{message_id}.xml"),
            message_id: message_id.into(),
            bytes: format!("<Document>{message_id}</Document>").into_bytes(),
            debits,
        }],
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

mod tests {
    use super::*;

    pub async fn settings_and_secrets_round_trip(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        assert_eq!(store.setting("creditor.name").await.unwrap(), None);
        store
            .put_setting("creditor.name", "Muster GmbH")
            .await
            .unwrap();
        store
            .put_setting("creditor.name", "Muster AG")
            .await
            .unwrap();
        assert_eq!(
            store.setting("creditor.name").await.unwrap().as_deref(),
            Some("Muster AG")
        );

        assert_eq!(store.secret("x").await.unwrap(), None);
        let sealed: Vec<u8> = (0..=255u8).collect();
        store.put_secret("x", &sealed).await.unwrap();
        assert_eq!(store.secret("x").await.unwrap(), Some(sealed));
        assert!(store.delete_secret("x").await.unwrap());
        assert!(!store.delete_secret("x").await.unwrap());
        assert_eq!(store.secret("x").await.unwrap(), None);
    }

    pub async fn contacts_upsert_counts_and_round_trip(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        let mut person = contact(2);
        person.is_organisation = false;
        person.parent_id = Some(1);
        person.iban = None;
        let counts = store
            .upsert_contacts(&[contact(1), person.clone()])
            .await
            .unwrap();
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 2,
                updated: 0
            }
        );
        assert_eq!(store.contact(1).await.unwrap(), Some(contact(1)));
        assert_eq!(store.contact(2).await.unwrap(), Some(person.clone()));
        assert_eq!(store.contact(3).await.unwrap(), None);

        let again = store
            .upsert_contacts(&[contact(1), person.clone()])
            .await
            .unwrap();
        assert_eq!(
            again,
            UpsertCounts::default(),
            "unchanged records count in neither"
        );

        person.email = None;
        person.mandate_reference = Some("SEPA-2".into());
        let counts = store
            .upsert_contacts(&[contact(1), person.clone(), contact(3)])
            .await
            .unwrap();
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 1,
                updated: 1
            }
        );
        assert_eq!(store.contact(2).await.unwrap(), Some(person));
        assert_eq!(store.contacts().await.unwrap().len(), 3);
    }

    pub async fn invoices_open_gone_and_reappear(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        let mut partly = invoice(2, invoice_status::PARTIALLY_PAID);
        partly.paid_cents = 5_000;
        let counts = store
            .upsert_invoices(&[
                invoice(1, invoice_status::OPEN),
                partly.clone(),
                invoice(3, invoice_status::PAID),
                invoice(4, invoice_status::DRAFT),
            ])
            .await
            .unwrap();
        assert_eq!(counts.inserted, 4);
        let stored = store.invoice(2).await.unwrap().unwrap();
        assert_eq!(stored.open_cents(), 11_902 - 5_000);
        assert_eq!(
            stored.updated_at.unwrap().timestamp_subsec_nanos(),
            123_456_000,
            "microseconds kept"
        );
        let open: Vec<i64> = store
            .open_invoices()
            .await
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(open, vec![1, 2]);

        assert_eq!(store.mark_invoices_gone(&[2, 99]).await.unwrap(), 1);
        assert_eq!(
            store.mark_invoices_gone(&[2]).await.unwrap(),
            0,
            "already gone"
        );
        assert!(store.invoice(2).await.unwrap().unwrap().gone);
        let open: Vec<i64> = store
            .open_invoices()
            .await
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(open, vec![1]);

        // Seen again by a sync: no longer gone.
        let counts = store.upsert_invoices(&[partly.clone()]).await.unwrap();
        assert_eq!(
            counts,
            UpsertCounts {
                inserted: 0,
                updated: 1
            }
        );
        assert!(!store.invoice(2).await.unwrap().unwrap().gone);
        assert_eq!(store.open_invoices().await.unwrap().len(), 2);
    }

    pub async fn credit_notes_and_payment_methods_are_replaced(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        let note = |id, invoice_id| CreditNote {
            id,
            contact_id: 1,
            invoice_id,
            amount_cents: 1_000,
            status: 200,
        };
        store
            .replace_open_credit_notes(&[note(1, Some(7)), note(2, None)])
            .await
            .unwrap();
        store
            .replace_open_credit_notes(&[note(2, None), note(3, Some(8))])
            .await
            .unwrap();
        assert_eq!(
            store.open_credit_notes().await.unwrap(),
            vec![note(2, None), note(3, Some(8))]
        );

        let method = |id, code: Option<&str>| PaymentMethod {
            id,
            name: format!("Methode {id}"),
            electronic_invoice_id: code.map(str::to_owned),
        };
        store
            .replace_payment_methods(&[method(21920, Some("59")), method(21919, Some("58"))])
            .await
            .unwrap();
        store
            .replace_payment_methods(&[method(21920, Some("59")), method(5, None)])
            .await
            .unwrap();
        assert_eq!(
            store.payment_methods().await.unwrap(),
            vec![method(5, None), method(21920, Some("59"))]
        );
    }

    pub async fn sync_watermark_and_history(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        assert_eq!(store.sync_watermark("invoices").await.unwrap(), None);
        assert_eq!(store.last_sync().await.unwrap(), None);
        let mark = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
        store.set_sync_watermark("invoices", mark).await.unwrap();
        store
            .set_sync_watermark("invoices", mark + Duration::hours(1))
            .await
            .unwrap();
        assert_eq!(
            store.sync_watermark("invoices").await.unwrap(),
            Some(mark + Duration::hours(1))
        );
        assert_eq!(store.sync_watermark("contacts").await.unwrap(), None);

        let report = |new| SyncReport {
            started_at: mark,
            finished_at: mark + Duration::seconds(3),
            new,
            changed: 2,
            gone: 1,
            problems: vec![SyncProblem {
                object: "Invoice".into(),
                id: Some("42".into()),
                message: "sumGross `abc` is not an amount".into(),
                message_de: "sumGross `abc` ist kein Betrag".into(),
            }],
        };
        let mut ids = Vec::new();
        for new in 0..5 {
            ids.push(store.save_sync_report(&report(new)).await.unwrap());
        }
        let last = store.last_sync().await.unwrap().unwrap();
        assert_eq!(last.id, ids[4]);
        assert_eq!(last.report, report(4));
        let page = store
            .sync_history(Page { number: 1, size: 2 })
            .await
            .unwrap();
        assert_eq!(page.total, 5);
        let news: Vec<u64> = page.items.iter().map(|r| r.report.new).collect();
        assert_eq!(news, vec![2, 1], "newest first, second page");
    }

    pub async fn mandates_registry(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        let mut mandate = Mandate::new("MANDAT-1", 1, MandateSource::CsvImport);
        mandate.signature_date = Some(date(2024, 2, 1));
        store.upsert_mandate(&mandate).await.unwrap();
        let mut b2b = Mandate::new("B2B-7", 7, MandateSource::Manual);
        b2b.scheme = Scheme::B2b;
        store.upsert_mandate(&b2b).await.unwrap();
        assert_eq!(
            store.mandate_by_reference("MANDAT-1").await.unwrap(),
            Some(mandate.clone())
        );
        assert_eq!(store.mandate_by_reference("nope").await.unwrap(), None);
        assert_eq!(
            store.mandates().await.unwrap(),
            vec![b2b.clone(), mandate.clone()]
        );

        mandate.status = MandateStatus::Revoked;
        store.upsert_mandate(&mandate).await.unwrap();
        assert_eq!(
            store.mandates_for_contact(1).await.unwrap(),
            vec![mandate.clone()]
        );
        mandate.status = MandateStatus::Active;
        store.upsert_mandate(&mandate).await.unwrap();

        // Recording runs moves first/last collection and the last IBAN; amendments are kept.
        let mut first = debit(1, "E2E-1");
        first.collection_date = date(2026, 12, 1);
        store
            .record_collection_run(&run_of("MSG-1", vec![first]))
            .await
            .unwrap();
        let mut second = debit(2, "E2E-2");
        second.collection_date = date(2027, 1, 4);
        second.iban = "DE89370400440532013000".into();
        second.amendment = Some(Amendment {
            original_reference: None,
            original_iban: Some("DE02120300000000202051".into()),
        });
        store
            .record_collection_run(&run_of("MSG-2", vec![second]))
            .await
            .unwrap();
        let used = store
            .mandate_by_reference("MANDAT-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(used.first_collection, Some(date(2026, 12, 1)));
        assert_eq!(used.last_collection, Some(date(2027, 1, 4)));
        assert_eq!(used.last_iban.as_deref(), Some("DE89370400440532013000"));
        assert_eq!(used.last_reference.as_deref(), Some("MANDAT-1"));
        assert!(!used.is_expired(date(2029, 12, 31)));
        assert!(used.is_expired(date(2030, 1, 5)));
        let amendments = store.mandate_amendments("MANDAT-1").await.unwrap();
        assert_eq!(amendments.len(), 1);
        assert_eq!(
            amendments[0].original_iban.as_deref(),
            Some("DE02120300000000202051")
        );
        assert_eq!(
            amendments[0].new_iban.as_deref(),
            Some("DE89370400440532013000")
        );
        assert!(amendments[0].debit_id.is_some());
        // An earlier date recorded later does not move last_collection back; first and last
        // collection are the earliest and latest debit that counts.
        let mut late = debit(3, "E2E-3");
        late.collection_date = date(2026, 11, 20);
        let run = store
            .record_collection_run(&run_of("MSG-3", vec![late]))
            .await
            .unwrap();
        let used = store
            .mandate_by_reference("MANDAT-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(used.first_collection, Some(date(2026, 11, 20)));
        assert_eq!(used.last_collection, Some(date(2027, 1, 4)));
        // A rejected debit was never presented: it no longer counts.
        let rejected = store.debits_for_run(run.id).await.unwrap()[0].id;
        store
            .mark_debit_rejected(rejected, Some("AC04"))
            .await
            .unwrap();
        let used = store
            .mandate_by_reference("MANDAT-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(used.first_collection, Some(date(2026, 12, 1)));
        assert_eq!(used.last_collection, Some(date(2027, 1, 4)));
        assert!(
            !store.active_debit_invoice_ids().await.unwrap().contains(&3),
            "a rejected debit frees its invoice"
        );
    }

    pub async fn collection_run_round_trips_files_exactly(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        // Every byte value, invalid UTF-8, a BOM and NULs: what goes in comes out.
        let mut first_bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        first_bytes.extend_from_slice(&[0xEF, 0xBB, 0xBF, 0, 0, 0xFF, 0xFE]);
        let second_bytes = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document>ä</Document>\n"
            .as_bytes()
            .to_vec();
        let control = "Rechnung;Betrag\nRE-1;1,01\n".as_bytes().to_vec();
        let mut later = debit(3, "E2E-3");
        later.collection_date = date(2026, 12, 2);
        let run = NewCollectionRun {
            confirm_key: None,
            format: "pain.008.001.08".into(),
            control_list_csv: control.clone(),
            files: vec![
                NewCollectionFile {
                    file_name: "a.xml".into(),
                    message_id: "MSG-A".into(),
                    bytes: first_bytes.clone(),
                    debits: vec![debit(1, "E2E-1"), debit(2, "E2E-2")],
                },
                NewCollectionFile {
                    file_name: "b.xml".into(),
                    message_id: "MSG-B".into(),
                    bytes: second_bytes.clone(),
                    debits: vec![later],
                },
            ],
        };
        let recorded = store.record_collection_run(&run).await.unwrap();
        assert_eq!(recorded.status, RunStatus::Recorded);
        assert_eq!(recorded.debit_count, 3);
        assert_eq!(recorded.total_cents, 101 + 201 + 301);
        assert_eq!(
            recorded.collection_dates,
            vec![date(2026, 12, 1), date(2026, 12, 2)]
        );
        assert_eq!(recorded.files.len(), 2);
        assert_eq!(recorded.files[0].position, 1);
        assert_eq!(recorded.files[0].debit_count, 2);
        assert_eq!(recorded.files[0].total_cents, 302);
        assert_eq!(recorded.files[0].sha256, sha256_hex(&first_bytes));
        assert_eq!(recorded.files[1].sha256, sha256_hex(&second_bytes));

        let file = store.run_file(recorded.files[0].id).await.unwrap().unwrap();
        assert!(file.bytes == first_bytes, "file bytes changed in the store");
        assert_eq!(sha256_hex(&file.bytes), file.info.sha256);
        let files = store.run_files(recorded.id).await.unwrap();
        assert_eq!(files.len(), 2);
        assert!(files[1].bytes == second_bytes);
        assert_eq!(
            store.control_list(recorded.id).await.unwrap(),
            Some(control)
        );
        assert_eq!(store.run_file(9_999).await.unwrap(), None);
        assert_eq!(store.collection_run(9_999).await.unwrap(), None);

        assert_eq!(
            store.collection_run(recorded.id).await.unwrap(),
            Some(recorded.clone())
        );
        assert_eq!(
            store.collection_runs().await.unwrap(),
            vec![recorded.clone()]
        );
        let debits = store.debits_for_run(recorded.id).await.unwrap();
        assert_eq!(debits.len(), 3);
        assert!(debits.iter().all(|d| d.status == DebitStatus::Pending));
        assert_eq!(debits[2].file_id, recorded.files[1].id);
        assert_eq!(debits[0].end_to_end_id, "E2E-1");
        let mut active: Vec<i64> = store
            .active_debit_invoice_ids()
            .await
            .unwrap()
            .into_iter()
            .collect();
        active.sort();
        assert_eq!(active, vec![1, 2, 3]);

        store
            .set_run_status(recorded.id, RunStatus::Exported)
            .await
            .unwrap();
        assert_eq!(
            store
                .collection_run(recorded.id)
                .await
                .unwrap()
                .unwrap()
                .status,
            RunStatus::Exported
        );
        assert!(matches!(
            store.set_run_status(9_999, RunStatus::Exported).await,
            Err(StoreError::NotFound { .. })
        ));
    }

    pub async fn double_collection_is_refused(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        let first = store
            .record_collection_run(&run_of("MSG-1", vec![debit(1, "E2E-1")]))
            .await
            .unwrap();

        let error = store
            .record_collection_run(&run_of("MSG-2", vec![debit(1, "E2E-2")]))
            .await
            .unwrap_err();
        assert!(
            matches!(error, StoreError::AlreadyCollected { invoice_id: 1 }),
            "{error:?}"
        );
        assert!(error.to_string().contains("invoice 1 "), "{error}");

        // The same invoice twice in one run is refused as well, and nothing of that run stays.
        let error = store
            .record_collection_run(&run_of(
                "MSG-3",
                vec![debit(5, "E2E-5a"), debit(5, "E2E-5b")],
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(error, StoreError::AlreadyCollected { invoice_id: 5 }),
            "{error:?}"
        );
        assert_eq!(store.collection_runs().await.unwrap().len(), 1);

        // Collected (not only pending) still blocks.
        let debit_id = store.debits_for_invoice(1).await.unwrap()[0].id;
        store.mark_debit_collected(debit_id).await.unwrap();
        assert!(matches!(
            store
                .record_collection_run(&run_of("MSG-4", vec![debit(1, "E2E-4")]))
                .await,
            Err(StoreError::AlreadyCollected { invoice_id: 1 })
        ));

        // Only a returned (or cancelled) debit frees the invoice.
        store
            .mark_debit_returned(debit_id, Some("AM04"))
            .await
            .unwrap();
        assert!(store.active_debit_invoice_ids().await.unwrap().is_empty());
        let again = store
            .record_collection_run(&run_of("MSG-5", vec![debit(1, "E2E-5")]))
            .await
            .unwrap();
        assert_ne!(again.id, first.id);
        let history = store.debits_for_invoice(1).await.unwrap();
        let statuses: Vec<DebitStatus> = history.iter().map(|d| d.status).collect();
        assert_eq!(statuses, vec![DebitStatus::Returned, DebitStatus::Pending]);
        assert_eq!(history[0].status_reason.as_deref(), Some("AM04"));
    }

    pub async fn unique_index_guards_even_without_the_store(ctx: Arc<Ctx>) {
        let recorded = ctx
            .store
            .record_collection_run(&run_of("MSG-1", vec![debit(1, "E2E-1")]))
            .await
            .unwrap();
        let (run_id, file_id) = (recorded.id, recorded.files[0].id);
        let insert = |invoice: i64, e2e: &str, status: &str| {
            format!(
                "INSERT INTO debits (run_id, file_id, invoice_id, contact_id, mandate_reference, \
                 iban, amount_cents, sequence_type, end_to_end_id, collection_date, status) \
                 VALUES ({run_id}, {file_id}, {invoice}, 1, 'M', 'DE02120300000000202051', 100, \
                 'RCUR', '{e2e}', '2026-12-01', '{status}')"
            )
        };
        let error = ctx
            .raw_execute(&insert(1, "RAW-1", "pending"))
            .await
            .expect_err("a second active debit for invoice 1 must be refused by the database");
        match error {
            sqlx::Error::Database(db) => assert!(db.is_unique_violation(), "{db}"),
            other => panic!("expected a unique violation, got {other}"),
        }
        assert!(
            ctx.raw_execute(&insert(1, "RAW-2", "collected"))
                .await
                .is_err()
        );
        // Returned and cancelled rows do not count.
        assert_eq!(
            ctx.raw_execute(&insert(1, "RAW-3", "returned"))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            ctx.raw_execute(&insert(1, "RAW-4", "cancelled"))
                .await
                .unwrap(),
            1
        );
        // Turning a returned debit active again while another is active is refused too.
        assert!(
            ctx.raw_execute("UPDATE debits SET status = 'pending' WHERE end_to_end_id = 'RAW-3'")
                .await
                .is_err()
        );
        assert_eq!(ctx.store.debits_for_invoice(1).await.unwrap().len(), 3);
    }

    pub async fn record_collection_run_is_atomic(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        store
            .upsert_mandate(&Mandate::new("MANDAT-1", 1, MandateSource::Manual))
            .await
            .unwrap();
        let first = store
            .record_collection_run(&run_of("MSG-1", vec![debit(1, "E2E-1")]))
            .await
            .unwrap();
        let mandate_before = store.mandate_by_reference("MANDAT-1").await.unwrap();

        // Third debit of the second file fails (invoice 1 is in the ledger): nothing of this run
        // may remain, not the run, not the first file, not the debits before it, not the mandate
        // update.
        let mut later = debit(3, "E2E-3");
        later.collection_date = date(2027, 2, 1);
        let failing = NewCollectionRun {
            confirm_key: None,
            format: "pain.008.001.08".into(),
            control_list_csv: b"x".to_vec(),
            files: vec![
                NewCollectionFile {
                    file_name: "ok.xml".into(),
                    message_id: "MSG-OK".into(),
                    bytes: b"<ok/>".to_vec(),
                    debits: vec![debit(2, "E2E-2")],
                },
                NewCollectionFile {
                    file_name: "bad.xml".into(),
                    message_id: "MSG-BAD".into(),
                    bytes: b"<bad/>".to_vec(),
                    debits: vec![later, debit(1, "E2E-again")],
                },
            ],
        };
        let error = store.record_collection_run(&failing).await.unwrap_err();
        assert!(
            matches!(error, StoreError::AlreadyCollected { invoice_id: 1 }),
            "{error:?}"
        );
        assert_eq!(store.collection_runs().await.unwrap(), vec![first.clone()]);
        assert!(store.debits_for_invoice(2).await.unwrap().is_empty());
        assert!(store.debits_for_invoice(3).await.unwrap().is_empty());
        assert_eq!(
            store.mandate_by_reference("MANDAT-1").await.unwrap(),
            mandate_before,
            "mandate dates moved by a run that was not recorded"
        );
        let mut active: Vec<i64> = store
            .active_debit_invoice_ids()
            .await
            .unwrap()
            .into_iter()
            .collect();
        active.sort();
        assert_eq!(active, vec![1]);

        // Other refusals roll back the same way: a reused end-to-end id, a reused message id.
        let error = store
            .record_collection_run(&run_of(
                "MSG-NEW",
                vec![debit(7, "E2E-7"), debit(8, "E2E-1")],
            ))
            .await
            .unwrap_err();
        assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
        assert!(error.to_string().contains("E2E-1"), "{error}");
        let error = store
            .record_collection_run(&run_of("MSG-1", vec![debit(9, "E2E-9")]))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("MSG-1"), "{error}");
        assert!(store.debits_for_invoice(7).await.unwrap().is_empty());
        assert!(store.debits_for_invoice(9).await.unwrap().is_empty());

        // Refused before the database: empty runs and non-positive amounts.
        let mut zero = debit(10, "E2E-10");
        zero.amount_cents = 0;
        assert!(matches!(
            store
                .record_collection_run(&run_of("MSG-Z", vec![zero]))
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            store.record_collection_run(&run_of("MSG-E", vec![])).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(store.collection_runs().await.unwrap().len(), 1);

        // The ledger still works after all those rollbacks.
        store
            .record_collection_run(&run_of("MSG-2", vec![debit(2, "E2E-2")]))
            .await
            .unwrap();
        assert_eq!(store.collection_runs().await.unwrap().len(), 2);
    }

    pub async fn concurrent_runs_collect_an_invoice_once(ctx: Arc<Ctx>) {
        // Eight writers race for the same invoices; each invoice must end up collected once.
        let mut tasks = Vec::new();
        for writer in 0..8 {
            let store = ctx.store.clone();
            tasks.push(tokio::spawn(async move {
                let debits = (1..=5)
                    .map(|invoice| debit(invoice, &format!("E2E-{writer}-{invoice}")))
                    .collect();
                store
                    .record_collection_run(&run_of(&format!("MSG-{writer}"), debits))
                    .await
            }));
        }
        let mut succeeded = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => succeeded += 1,
                Err(StoreError::AlreadyCollected { .. }) => {}
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }
        assert_eq!(succeeded, 1);
        for invoice in 1..=5 {
            assert_eq!(
                ctx.store.debits_for_invoice(invoice).await.unwrap().len(),
                1
            );
        }
        assert_eq!(ctx.store.collection_runs().await.unwrap().len(), 1);
    }

    pub async fn debit_status_changes(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        store
            .record_collection_run(&run_of(
                "MSG-1",
                vec![debit(1, "E2E-1"), debit(2, "E2E-2"), debit(3, "E2E-3")],
            ))
            .await
            .unwrap();
        let id = |invoice| {
            let store = store.clone();
            async move { store.debits_for_invoice(invoice).await.unwrap()[0].id }
        };
        let (one, two, three) = (id(1).await, id(2).await, id(3).await);

        let collected = store.mark_debit_collected(one).await.unwrap();
        assert_eq!(collected.status, DebitStatus::Collected);
        assert!(collected.status_changed_at.is_some());
        let returned = store.mark_debit_returned(one, Some("MD06")).await.unwrap();
        assert_eq!(returned.status, DebitStatus::Returned);
        assert_eq!(store.debits_for_invoice(1).await.unwrap()[0], returned);

        let cancelled = store
            .mark_debit_cancelled(two, Some("withdrawn"))
            .await
            .unwrap();
        assert_eq!(cancelled.status, DebitStatus::Cancelled);

        // Collected debits cannot be cancelled; finished ones cannot change again.
        store.mark_debit_collected(three).await.unwrap();
        for error in [
            store.mark_debit_cancelled(three, None).await.unwrap_err(),
            store.mark_debit_collected(one).await.unwrap_err(),
            store.mark_debit_returned(two, None).await.unwrap_err(),
        ] {
            assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
        }
        assert!(matches!(
            store.mark_debit_returned(9_999, None).await,
            Err(StoreError::NotFound { .. })
        ));
        let mut active: Vec<i64> = store
            .active_debit_invoice_ids()
            .await
            .unwrap()
            .into_iter()
            .collect();
        active.sort();
        assert_eq!(active, vec![3]);
    }

    pub async fn migrations_are_idempotent_on_reopen(ctx: Arc<Ctx>) {
        ctx.store.upsert_contacts(&[contact(1)]).await.unwrap();
        let run = ctx
            .store
            .record_collection_run(&run_of("MSG-1", vec![debit(1, "E2E-1")]))
            .await
            .unwrap();
        for _ in 0..3 {
            let reopened = ctx.reopen().await;
            assert_eq!(reopened.contact(1).await.unwrap(), Some(contact(1)));
            assert_eq!(
                reopened.collection_run(run.id).await.unwrap(),
                Some(run.clone())
            );
            // The guard survives reopening (the index is not re-created or dropped).
            assert!(matches!(
                reopened
                    .record_collection_run(&run_of("MSG-2", vec![debit(1, "E2E-2")]))
                    .await,
                Err(StoreError::AlreadyCollected { invoice_id: 1 })
            ));
            reopened.close().await;
        }
    }

    pub async fn request_log_pages(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        let start = Utc.with_ymd_and_hms(2026, 11, 28, 9, 0, 0).unwrap();
        let entries: Vec<NewRequestLogEntry> = (0..25)
            .map(|i| NewRequestLogEntry {
                at: start + Duration::milliseconds(i * 250),
                method: "GET".into(),
                path: format!("/Invoice?offset={i}"),
                status: if i == 3 { None } else { Some(200) },
                duration_ms: i,
            })
            .collect();
        store.append_request_log(&entries[..20]).await.unwrap();
        store.append_request_log(&entries[20..]).await.unwrap();
        let sizes = [10, 10, 5, 0];
        for (number, size) in sizes.into_iter().enumerate() {
            let page = store
                .request_log(Page {
                    number: number as u32,
                    size: 10,
                })
                .await
                .unwrap();
            assert_eq!(page.total, 25);
            assert_eq!(page.items.len(), size, "page {number}");
        }
        let first = store.request_log(Page::first(10)).await.unwrap();
        assert_eq!(first.items[0].path, "/Invoice?offset=24", "newest first");
        assert_eq!(first.items[0].at, entries[24].at);
        let last = store
            .request_log(Page {
                number: 2,
                size: 10,
            })
            .await
            .unwrap();
        assert_eq!(last.items[1].status, None);
        assert_eq!(last.items[4].path, "/Invoice?offset=0");
    }

    pub async fn users_and_sessions(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        assert_eq!(store.user_count().await.unwrap(), 0);
        let admin = store
            .create_user(&NewUser {
                username: "anna".into(),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
                role: Role::Admin,
            })
            .await
            .unwrap();
        let duplicate = store
            .create_user(&NewUser {
                username: "anna".into(),
                password_hash: "x".into(),
                role: Role::Viewer,
            })
            .await
            .unwrap_err();
        assert!(
            matches!(duplicate, StoreError::Conflict(_)),
            "{duplicate:?}"
        );
        assert!(duplicate.to_string().contains("anna"));
        let viewer = store
            .create_user(&NewUser {
                username: "ben".into(),
                password_hash: "y".into(),
                role: Role::Viewer,
            })
            .await
            .unwrap();
        assert_eq!(store.user(admin.id).await.unwrap(), Some(admin.clone()));
        assert_eq!(
            store.user_by_username("anna").await.unwrap(),
            Some(admin.clone())
        );
        assert!(!format!("{admin:?}").contains("argon2"), "hash in Debug");
        store
            .set_user_role(viewer.id, Role::Preparer)
            .await
            .unwrap();
        store.set_user_password_hash(viewer.id, "z").await.unwrap();
        let changed = store.user(viewer.id).await.unwrap().unwrap();
        assert_eq!(
            (changed.role, changed.password_hash.as_str()),
            (Role::Preparer, "z")
        );
        assert_eq!(store.users().await.unwrap().len(), 2);
        assert!(matches!(
            store.set_user_role(9_999, Role::Admin).await,
            Err(StoreError::NotFound { .. })
        ));

        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let session = |hash: &str, user_id, hours| Session {
            token_hash: hash.into(),
            user_id,
            created_at: now,
            expires_at: now + Duration::hours(hours),
        };
        store
            .create_session(&session("s1", admin.id, 8))
            .await
            .unwrap();
        store
            .create_session(&session("s2", admin.id, -1))
            .await
            .unwrap();
        store
            .create_session(&session("s3", viewer.id, 8))
            .await
            .unwrap();
        assert!(matches!(
            store.create_session(&session("s4", 9_999, 8)).await,
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(
            store.session("s1", now).await.unwrap(),
            Some(session("s1", admin.id, 8))
        );
        assert_eq!(store.session("s2", now).await.unwrap(), None, "expired");
        assert_eq!(
            store.session("s1", now + Duration::hours(8)).await.unwrap(),
            None
        );
        assert_eq!(store.delete_expired_sessions(now).await.unwrap(), 1);
        store.delete_session("s1").await.unwrap();
        assert_eq!(store.session("s1", now).await.unwrap(), None);

        store.delete_user(viewer.id).await.unwrap();
        assert_eq!(store.session("s3", now).await.unwrap(), None);
        assert_eq!(store.user_count().await.unwrap(), 1);
        assert!(matches!(
            store.delete_user(viewer.id).await,
            Err(StoreError::NotFound { .. })
        ));
    }

    pub async fn single_mandates_are_entered_once_in_any_case(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        let mut mandate = Mandate::new("MANDAT-7", 7, MandateSource::Manual);
        mandate.signature_date = Some(date(2026, 3, 1));
        mandate.scheme = Scheme::B2b;
        mandate.one_off = true;
        let stored = store.insert_mandate(&mandate).await.unwrap();
        assert_eq!(stored, mandate);
        assert_eq!(
            store.mandate_by_reference("MANDAT-7").await.unwrap(),
            Some(mandate.clone())
        );
        match store.insert_mandate(&mandate).await {
            Err(StoreError::Conflict(text)) => assert!(text.contains("MANDAT-7"), "{text}"),
            other => panic!("a second insert must be refused, got {other:?}"),
        }
        let other_case = Mandate::new("mandat-7", 8, MandateSource::Manual);
        match store.insert_mandate(&other_case).await {
            Err(StoreError::Conflict(text)) => {
                assert!(
                    text.contains("upper/lower case") && text.contains("`MANDAT-7`"),
                    "{text}"
                )
            }
            other => panic!("a reference differing only in case must be refused, got {other:?}"),
        }
        assert_eq!(store.mandates().await.unwrap(), vec![mandate]);
    }

    pub async fn concurrent_inserts_of_one_reference_enter_it_once(ctx: Arc<Ctx>) {
        // Twelve clerks enter the same mandate at once, in different spellings.
        let mut tasks = Vec::new();
        for clerk in 0..12_i64 {
            let store = ctx.store.clone();
            tasks.push(tokio::spawn(async move {
                let reference = if clerk % 2 == 0 { "M-RACE" } else { "m-race" };
                store
                    .insert_mandate(&Mandate::new(reference, clerk, MandateSource::Manual))
                    .await
            }));
        }
        let mut entered = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => entered += 1,
                Err(StoreError::Conflict(_)) => {}
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }
        assert_eq!(entered, 1);
        assert_eq!(ctx.store.mandates().await.unwrap().len(), 1);
    }

    pub async fn revocation_keeps_its_date_and_refuses_a_second(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        assert!(matches!(
            store.revoke_mandate("NOPE", date(2026, 5, 1), None).await,
            Err(StoreError::NotFound { .. })
        ));
        store
            .insert_mandate(&Mandate::new("M-REV", 3, MandateSource::Manual))
            .await
            .unwrap();
        assert_eq!(store.mandate_revocation("M-REV").await.unwrap(), None);
        let (mandate, revocation) = store
            .revoke_mandate("M-REV", date(2026, 5, 1), Some("Brief vom 30.04."))
            .await
            .unwrap();
        assert_eq!(mandate.status, MandateStatus::Revoked);
        assert_eq!(revocation.revoked_on, date(2026, 5, 1));
        assert_eq!(
            store.mandate_revocation("M-REV").await.unwrap(),
            Some(revocation.clone())
        );
        match store.revoke_mandate("M-REV", date(2026, 6, 1), None).await {
            Err(StoreError::Conflict(text)) => assert!(text.contains("already revoked"), "{text}"),
            other => panic!("a second revocation must be refused, got {other:?}"),
        }
        assert_eq!(
            store.mandate_revocation("M-REV").await.unwrap(),
            Some(revocation),
            "the first revocation's date stays"
        );
    }

    pub async fn signed_copies_are_kept_with_their_mandate(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        for reference in ["M-DOC", "M-OTHER"] {
            store
                .insert_mandate(&Mandate::new(reference, 4, MandateSource::Manual))
                .await
                .unwrap();
        }
        let scan = |name: &str, bytes: &[u8]| NewMandateDocument {
            file_name: name.into(),
            content_type: DocumentType::Pdf,
            bytes: bytes.to_vec(),
            uploaded_by: Some("anna".into()),
        };
        assert!(matches!(
            store
                .attach_mandate_document("NOPE", &scan("x.pdf", b"%PDF-1.4 x"))
                .await,
            Err(StoreError::NotFound { .. })
        ));
        let first = store
            .attach_mandate_document("M-DOC", &scan("mandat.pdf", b"%PDF-1.4 first"))
            .await
            .unwrap();
        // Every byte value survives, not only text.
        let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let second = store
            .attach_mandate_document("M-DOC", &scan("mandat-neu.pdf", &binary))
            .await
            .unwrap();
        assert_eq!(second.size_bytes, 70_000);
        assert_eq!(second.sha256, sha256_hex(&binary));
        assert_eq!(second.uploaded_by.as_deref(), Some("anna"));
        let listed = store.mandate_documents("M-DOC").await.unwrap();
        assert_eq!(listed, vec![second.clone(), first.clone()], "newest first");
        let read = store
            .mandate_document("M-DOC", second.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.bytes, binary);
        assert_eq!(read.info, second);
        assert_eq!(
            store.mandate_document("M-OTHER", first.id).await.unwrap(),
            None,
            "a copy is only found under its own mandate"
        );
        assert!(store.mandate_documents("M-OTHER").await.unwrap().is_empty());
    }

    fn bank_change(debit_id: Option<i64>, effect: BankEffect, reason: Option<&str>) -> BankChange {
        BankChange {
            debit_id,
            effect,
            reason_code: reason.map(str::to_string),
            amount_cents: Some(201),
            fee_cents: if effect == BankEffect::Returned {
                350
            } else {
                0
            },
            booked_on: Some(date(2026, 12, 3)),
            detail: format!("entry for {debit_id:?}"),
            follow_up: match effect {
                BankEffect::Returned => Some(FollowUp::CollectAgain),
                BankEffect::Rejected => Some(FollowUp::BlockMandate),
                _ => None,
            },
            blocked_iban: (effect == BankEffect::Rejected).then(|| "DE02120300000000202051".into()),
        }
    }

    fn bank_file(bytes: &[u8], changes: Vec<BankChange>) -> NewBankImport {
        NewBankImport {
            file_name: "camt054.xml".into(),
            format: "camt.054.001.08".into(),
            message_id: "BANK-1".into(),
            bytes: bytes.to_vec(),
            imported_by: Some("anna".into()),
            changes,
        }
    }

    pub async fn a_bank_file_applies_once_and_keeps_its_bytes(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        let run = store
            .record_collection_run(&run_of(
                "MSG-B",
                vec![debit(1, "E2E-1"), debit(2, "E2E-2"), debit(3, "E2E-3")],
            ))
            .await
            .unwrap();
        let ids: Vec<i64> = store
            .debits_for_run(run.id)
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect();
        let (info, by_file) = store.file_by_message_id("MSG-B").await.unwrap().unwrap();
        assert_eq!(info.message_id, "MSG-B");
        assert_eq!(by_file.len(), 3);
        assert!(store.file_by_message_id("NOPE").await.unwrap().is_none());
        let found = store
            .debits_by_end_to_end_ids(&["E2E-2".into(), "E2E-9".into()])
            .await
            .unwrap();
        assert_eq!(found.iter().map(|d| d.id).collect::<Vec<_>>(), vec![ids[1]]);

        let bytes = b"<Document>camt.054 one</Document>";
        let first = store
            .record_bank_import(&bank_file(
                bytes,
                vec![
                    bank_change(Some(ids[0]), BankEffect::Collected, None),
                    bank_change(Some(ids[1]), BankEffect::Returned, Some("AM04")),
                    bank_change(Some(ids[2]), BankEffect::Rejected, Some("AC04")),
                    bank_change(None, BankEffect::Unmatched, None),
                ],
            ))
            .await
            .unwrap();
        let BankImportOutcome::Imported(first) = first else {
            panic!("a new file is imported: {first:?}")
        };
        let effects: Vec<BankEffect> = first.events.iter().map(|e| e.effect).collect();
        assert_eq!(
            effects,
            vec![
                BankEffect::Collected,
                BankEffect::Returned,
                BankEffect::Rejected,
                BankEffect::Unmatched
            ]
        );
        let debits = store.debits_for_run(run.id).await.unwrap();
        assert_eq!(debits[0].status, DebitStatus::Collected);
        assert!(debits[0].confirmed_by_bank);
        assert_eq!(debits[1].status, DebitStatus::Returned);
        assert_eq!(debits[1].status_reason.as_deref(), Some("AM04"));
        assert_eq!(debits[1].fee_cents, Some(350));
        assert_eq!(debits[1].status_on, Some(date(2026, 12, 3)));
        assert_eq!(debits[2].status, DebitStatus::Rejected);
        let follow_ups = store.debit_follow_ups().await.unwrap();
        assert_eq!(follow_ups.len(), 2);
        assert_eq!(follow_ups[0].action, FollowUp::CollectAgain);
        assert_eq!(follow_ups[1].action, FollowUp::BlockMandate);
        assert_eq!(
            follow_ups[1].blocked_iban.as_deref(),
            Some("DE02120300000000202051")
        );

        // The same bytes again: nothing changes, the first import is named.
        let again = store
            .record_bank_import(&bank_file(
                bytes,
                vec![bank_change(
                    Some(ids[0]),
                    BankEffect::Returned,
                    Some("MD06"),
                )],
            ))
            .await
            .unwrap();
        assert_eq!(again, BankImportOutcome::AlreadyImported(first.clone()));
        // Another file saying the same again (the statement after the notification): unchanged.
        let later = store
            .record_bank_import(&bank_file(
                b"<Document>camt.053</Document>",
                vec![
                    bank_change(Some(ids[1]), BankEffect::Returned, Some("AM04")),
                    bank_change(Some(ids[0]), BankEffect::Collected, None),
                    bank_change(Some(ids[2]), BankEffect::Returned, Some("AC04")),
                ],
            ))
            .await
            .unwrap();
        let BankImportOutcome::Imported(later) = later else {
            panic!("{later:?}")
        };
        assert!(
            later
                .events
                .iter()
                .all(|e| e.effect == BankEffect::Unchanged)
        );
        assert!(
            later.events[0].detail.contains("is already returned"),
            "{:?}",
            later.events
        );
        assert_eq!(store.debits_for_run(run.id).await.unwrap(), debits);

        let imports = store.bank_imports().await.unwrap();
        assert_eq!(imports.len(), 2);
        assert_eq!(imports[1], first, "newest first");
        assert_eq!(
            store.bank_import_bytes(first.id).await.unwrap().as_deref(),
            Some(&bytes[..])
        );

        let done = store
            .set_follow_up(ids[1], FollowUp::Done, Some("anna"))
            .await
            .unwrap();
        assert_eq!(done.action, FollowUp::Done);
        assert_eq!(done.decided_by.as_deref(), Some("anna"));
        assert!(matches!(
            store.set_follow_up(ids[0], FollowUp::Done, None).await,
            Err(StoreError::NotFound { .. })
        ));
    }

    pub async fn the_same_bank_file_imported_at_once_applies_once(ctx: Arc<Ctx>) {
        let run = ctx
            .store
            .record_collection_run(&run_of("MSG-C", vec![debit(1, "E2E-1")]))
            .await
            .unwrap();
        let id = ctx.store.debits_for_run(run.id).await.unwrap()[0].id;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let store = ctx.store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .record_bank_import(&bank_file(
                        b"<Document>the same file</Document>",
                        vec![bank_change(Some(id), BankEffect::Returned, Some("AM04"))],
                    ))
                    .await
            }));
        }
        let mut imported = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(BankImportOutcome::Imported(_)) => imported += 1,
                Ok(BankImportOutcome::AlreadyImported(_)) => {}
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }
        assert_eq!(imported, 1);
        let imports = ctx.store.bank_imports().await.unwrap();
        assert_eq!(imports.len(), 1);
        assert_eq!(imports[0].events.len(), 1);
    }

    fn pre_notification(reference: &str, items: &[(i64, i64)]) -> NewPreNotification {
        NewPreNotification {
            fingerprint: format!("{reference}-{items:?}"),
            collection_date: date(2026, 12, 21),
            mandate_reference: reference.into(),
            contact_id: 7,
            debtor_name: "Müller & Söhne".into(),
            channel: NotificationChannel::Email,
            address: "buchhaltung@mueller.example".into(),
            creditor_id: "DE98ZZZ09999999999".into(),
            items: items
                .iter()
                .map(|(invoice_id, amount_cents)| PreNotificationItem {
                    invoice_id: *invoice_id,
                    invoice_number: Some(format!("RE-{invoice_id}")),
                    amount_cents: *amount_cents,
                })
                .collect(),
            subject: "Vorabankündigung – SEPA-Lastschrift".into(),
            body_text: "Sehr geehrte Damen und Herren, …".into(),
            body_html: "<p>Sehr geehrte Damen und Herren, …</p>".into(),
            template_version: "builtin-de-1".into(),
            message_id: format!("<{reference}-{}@lastschrift.invalid>", items.len()),
        }
    }

    pub async fn a_pre_notification_is_prepared_once_and_sent_once(ctx: Arc<Ctx>) {
        let store = &ctx.store;
        let first = pre_notification("M-1", &[(10, 4_900), (11, 1_250)]);
        let stored = store
            .prepare_pre_notifications(std::slice::from_ref(&first))
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        let n = &stored[0];
        assert_eq!(n.status, NotificationStatus::Pending);
        assert_eq!(n.total_cents, 6_150);
        assert_eq!(n.items, first.items);
        assert_eq!(n.debtor_name, "Müller & Söhne");
        // Prepared again (a second preview, another instance): the same record.
        let again = store.prepare_pre_notifications(&[first]).await.unwrap();
        assert_eq!(again[0].id, n.id);
        assert_eq!(store.pre_notifications(None).await.unwrap().len(), 1);
        assert!(store.announced_invoices().await.unwrap().is_empty());

        assert!(store.claim_pre_notification(n.id).await.unwrap());
        assert!(
            !store.claim_pre_notification(n.id).await.unwrap(),
            "claimed twice"
        );
        let failed = store
            .record_pre_notification_failed(n.id, "451 4.3.0 try again later")
            .await
            .unwrap();
        assert_eq!(failed.status, NotificationStatus::Failed);
        assert_eq!(
            failed.last_error.as_deref(),
            Some("451 4.3.0 try again later")
        );
        assert!(
            store.claim_pre_notification(n.id).await.unwrap(),
            "a failed one is retried"
        );
        let sent_at = Utc.with_ymd_and_hms(2026, 12, 4, 9, 30, 0).unwrap();
        let sent = store
            .record_pre_notification_sent(n.id, sent_at, Some("250 2.0.0 Ok: queued as 7"), None)
            .await
            .unwrap();
        assert_eq!(sent.status, NotificationStatus::Sent);
        assert_eq!(sent.attempts, 2);
        assert_eq!(sent.sent_at, Some(sent_at));
        assert_eq!(
            sent.server_reply.as_deref(),
            Some("250 2.0.0 Ok: queued as 7")
        );
        assert_eq!(sent.last_error, None);
        // Sent is final: no claim, no second "sent", no "failed".
        assert!(!store.claim_pre_notification(n.id).await.unwrap());
        assert!(matches!(
            store.record_pre_notification_failed(n.id, "late").await,
            Err(StoreError::Conflict(_))
        ));
        let announced = store.announced_invoices().await.unwrap();
        assert_eq!(announced.len(), 2);
        assert_eq!(announced[0].collection_date, date(2026, 12, 21));
        assert_eq!(announced[0].sent_at, sent_at);
        assert_eq!(
            store.pre_notifications_for_invoice(11).await.unwrap().len(),
            1
        );
        assert!(
            store
                .pre_notifications_for_invoice(12)
                .await
                .unwrap()
                .is_empty()
        );

        // A letter keeps its PDF and hash.
        let letter = NewPreNotification {
            channel: NotificationChannel::Letter,
            address: "Müller & Söhne\nHauptstr. 1\n10115 Berlin".into(),
            ..pre_notification("M-2", &[(20, 990)])
        };
        let letter = &store.prepare_pre_notifications(&[letter]).await.unwrap()[0];
        assert!(store.claim_pre_notification(letter.id).await.unwrap());
        let pdf = b"%PDF-1.7 letter".to_vec();
        let made = store
            .record_pre_notification_sent(letter.id, sent_at, None, Some(&pdf))
            .await
            .unwrap();
        assert_eq!(made.pdf_sha256.as_deref().map(str::len), Some(64));
        assert_eq!(
            store.pre_notification_pdf(letter.id).await.unwrap(),
            Some(pdf)
        );
        assert_eq!(
            store
                .pre_notifications(Some(date(2026, 12, 21)))
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(
            store
                .pre_notifications(Some(date(2026, 12, 22)))
                .await
                .unwrap()
                .is_empty()
        );
    }

    pub async fn a_pre_notification_claimed_at_once_is_sent_by_one(ctx: Arc<Ctx>) {
        let n = ctx
            .store
            .prepare_pre_notifications(&[pre_notification("M-RACE", &[(30, 100)])])
            .await
            .unwrap()
            .remove(0);
        let claims = (0..12).map(|_| {
            let store = ctx.store.clone();
            tokio::spawn(async move { store.claim_pre_notification(n.id).await.unwrap() })
        });
        let mut won = 0;
        for claim in claims {
            if claim.await.unwrap() {
                won += 1;
            }
        }
        assert_eq!(won, 1, "exactly one sender");
        // Two instances preparing the same announcement at once record it once.
        let preparing = (0..6).map(|_| {
            let store = ctx.store.clone();
            tokio::spawn(async move {
                store
                    .prepare_pre_notifications(&[pre_notification("M-TWICE", &[(31, 100)])])
                    .await
            })
        });
        let mut ids = std::collections::HashSet::new();
        for p in preparing {
            ids.insert(p.await.unwrap().unwrap()[0].id);
        }
        assert_eq!(ids.len(), 1, "{ids:?}");
    }
}

#[tokio::test]
async fn unknown_database_scheme_is_refused_precisely() {
    let error = open_url(&DatabaseUrl::new("mysql://root:hunter2@db/app"))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::UnsupportedUrl { .. }));
    let message = error.to_string();
    assert!(message.contains("`mysql`"), "{message}");
    assert!(message.contains("postgres://"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(matches!(
        Backend::from_url("postgresql://x@y/z"),
        Ok(Backend::Postgres)
    ));
    assert!(matches!(
        Backend::from_url("/just/a/path.db"),
        Err(StoreError::UnsupportedUrl { .. })
    ));
}

#[tokio::test]
async fn unreachable_postgres_is_an_open_error_without_the_password() {
    // Port 1 on localhost refuses at once.
    let error = open_url(&DatabaseUrl::new(
        "postgres://app:hunter2@127.0.0.1:1/db?connect_timeout=2",
    ))
    .await
    .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Open {
                backend: Backend::Postgres,
                ..
            }
        ),
        "{error:?}"
    );
    let message = format!("{error} {error:?}");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.contains("app:****@127.0.0.1:1"), "{message}");
}
