//! Sync over real HTTP against the sevdesk sandbox, into a real store.
//!
//! Every test runs on a fresh SQLite file always, and on PostgreSQL with the feature
//! `postgres-tests` (LASTSCHRIFT_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test;
//! one schema per test, dropped afterwards). If PostgreSQL cannot be reached those tests fail
//! with a sentence saying so.

use test_support as common;
#[allow(unused_imports)]
use test_support::backends;

use std::sync::Arc;

use chrono::Utc;
use lastschrift_core::settings::Settings;
use lastschrift_core::sync::{NoProgress, SyncStage, WATERMARK_RESOURCE, sync};
use lastschrift_store::*;

#[cfg(feature = "postgres-tests")]
use super::by_store::run_postgres;
use super::by_store::run_sqlite;

use sevdesk_sandbox::generate::{
    CATEGORY_INVOICE_ADDRESS, FIELD_MANDATE_DATE, FIELD_MANDATE_REFERENCE,
};
use sevdesk_sandbox::{Fault, FaultKind, Sandbox, SandboxConfig};

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        invoices: 80,
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts on 127.0.0.1:0")
}

/// The store record the sync should make of a sandbox contact, derived here independently.
fn expected_contact(d: &sevdesk_sandbox::Dataset, c: &sevdesk_sandbox::model::Contact) -> Contact {
    let mut addrs: Vec<_> = d
        .addresses
        .values()
        .filter(|a| a.contact_id == c.id)
        .collect();
    addrs.sort_by_key(|a| a.id);
    let addr = addrs
        .iter()
        .find(|a| a.category_id == Some(CATEGORY_INVOICE_ADDRESS))
        .or_else(|| addrs.first());
    let mut mails: Vec<_> = d
        .communication_ways
        .values()
        .filter(|w| w.contact_id == c.id && w.kind == "EMAIL")
        .collect();
    mails.sort_by_key(|w| w.id);
    let email = mails
        .iter()
        .find(|w| w.key_id == 8)
        .or_else(|| mails.iter().find(|w| w.main))
        .or_else(|| mails.first())
        .map(|w| w.value.clone());
    let text = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    Contact {
        id: c.id as i64,
        customer_number: Some(c.customer_number.clone()),
        display_name: c.display_name(),
        is_organisation: !c.is_person(),
        parent_id: c.parent.map(|p| p as i64),
        iban: text(&c.bank_account),
        bic: text(&c.bank_number),
        mandate_reference_field: d
            .custom_field_value(c.id, FIELD_MANDATE_REFERENCE)
            .map(str::to_owned),
        mandate_reference: text(&c.mandate_reference),
        signature_date_field: d
            .custom_field_value(c.id, FIELD_MANDATE_DATE)
            .map(str::to_owned),
        email,
        street: addr.and_then(|a| text(&a.street)),
        zip: addr.and_then(|a| text(&a.zip)),
        city: addr.and_then(|a| text(&a.city)),
        country_code: addr.and_then(|a| d.country_code(a.country_id).map(str::to_uppercase)),
        updated_at: Some(c.update),
    }
}

/// Open invoices (200/750) of the sandbox data, by id.
fn open_invoice_ids(sb: &Sandbox) -> Vec<i64> {
    sb.with_data(|d| {
        d.invoices
            .values()
            .filter(|i| i.status == 200 || i.status == 750)
            .map(|i| i.id as i64)
            .collect()
    })
}

backends!(
    first_sync_stores_all_open_invoices_and_contacts,
    second_sync_picks_up_exactly_the_changes,
    broken_records_are_reported_and_the_rest_stored,
    changed_address_or_field_alone_updates_the_contact,
    failed_read_stores_nothing_but_the_request_log,
    a_missing_list_endpoint_is_named_not_called_a_deleted_record,
    a_missing_payment_methods_endpoint_is_a_warning_when_the_settings_name_the_methods,
);

mod tests {
    use super::*;

    pub async fn first_sync_stores_all_open_invoices_and_contacts(store: Arc<dyn Store>) {
        let sb = sandbox().await;
        let client = common::sandbox_client(&sb, 2);
        let settings = Settings::default();
        let stages = std::sync::Mutex::new(Vec::new());
        let progress = |s: SyncStage| stages.lock().unwrap().push(s);

        let summary = sync(&*store, &client, &settings, &progress, Utc::now())
            .await
            .expect("first sync succeeds");

        assert!(!summary.incremental);
        assert!(summary.problems.is_empty(), "{:?}", summary.problems);
        let mut expected = open_invoice_ids(&sb);
        expected.sort_unstable();
        assert!(!expected.is_empty(), "the sandbox data has open invoices");
        let stored: Vec<i64> = store
            .open_invoices()
            .await
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(stored, expected);
        assert_eq!(summary.invoices.inserted, expected.len() as u64);
        let contact_count = sb.with_data(|d| d.contacts.len());
        assert_eq!(store.contacts().await.unwrap().len(), contact_count);
        assert_eq!(summary.contacts.inserted, contact_count as u64);

        // Every open invoice and every contact, field by field, against the sandbox's data.
        let data = sb.with_data(|d| d.clone());
        for id in &expected {
            let inv = &data.invoices[&(*id as u64)];
            let got = store.invoice(*id).await.unwrap().expect("stored");
            assert_eq!(got.sum_gross_cents, inv.sum_gross, "invoice {id}");
            assert_eq!(got.paid_cents, inv.paid_amount, "invoice {id}");
            assert_eq!(got.number, inv.invoice_number, "invoice {id}");
            assert_eq!(got.invoice_type, inv.invoice_type, "invoice {id}");
            assert_eq!(got.status, i32::from(inv.status), "invoice {id}");
            assert_eq!(got.currency, inv.currency, "invoice {id}");
            assert_eq!(got.invoice_date, Some(inv.invoice_date), "invoice {id}");
            assert_eq!(got.due_date, Some(inv.due_date()), "invoice {id}");
            assert_eq!(got.contact_id, inv.contact_id as i64, "invoice {id}");
            assert_eq!(
                got.payment_method_id,
                inv.payment_method_id.map(|p| p as i64),
                "invoice {id}"
            );
        }
        let stored: std::collections::HashMap<i64, Contact> = store
            .contacts()
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        for c in data.contacts.values() {
            let got = &stored[&(c.id as i64)];
            assert_eq!(got, &expected_contact(&data, c), "contact {}", c.id);
        }
        // Every request is in the store's log, all GET; sevdesk saw no write.
        let log = store.request_log(Page::first(10_000)).await.unwrap();
        assert_eq!(log.total, summary.requests as i64);
        assert!(summary.requests > 0);
        assert!(log.items.iter().all(|e| e.method == "GET"));
        assert_eq!(sb.write_attempts(), 0);
        assert!(sb.requests().iter().all(|r| r.method == "GET"));

        assert_eq!(
            store.sync_watermark(WATERMARK_RESOURCE).await.unwrap(),
            Some(summary.watermark)
        );
        let last = store.last_sync().await.unwrap().expect("a report is saved");
        assert_eq!(last.id, summary.report_id);
        assert_eq!(
            last.report.new,
            summary.invoices.inserted + summary.contacts.inserted
        );
        let stages = stages.into_inner().unwrap();
        assert_eq!(
            stages.first(),
            Some(&SyncStage::Reading { incremental: false })
        );
        assert_eq!(stages.last(), Some(&SyncStage::Finished));
    }

    pub async fn second_sync_picks_up_exactly_the_changes(store: Arc<dyn Store>) {
        let sb = sandbox().await;
        let client = common::sandbox_client(&sb, 2);
        let settings = Settings::default();
        sync(&*store, &client, &settings, &NoProgress, Utc::now())
            .await
            .expect("first sync succeeds");

        let paid = open_invoice_ids(&sb)[0];
        let contact_id = sb.with_data(|d| {
            // A contact with no open invoice, so the two changes are independent.
            *d.contacts.keys().last().expect("contacts")
        });
        let new_iban = "DE02120300000000202051".to_string();
        sb.with_data(|d| {
            assert!(d.mark_invoice_paid(paid as u64));
            assert!(d.set_contact_iban(contact_id, Some(new_iban.clone())));
        });

        let summary = sync(&*store, &client, &settings, &NoProgress, Utc::now())
            .await
            .expect("second sync succeeds");
        assert!(summary.incremental);
        assert!(summary.problems.is_empty(), "{:?}", summary.problems);
        assert_eq!(summary.invoices_gone, 1);
        assert_eq!(summary.invoices, UpsertCounts::default());
        assert_eq!(
            summary.contacts,
            UpsertCounts {
                inserted: 0,
                updated: 1
            }
        );
        let gone = store.invoice(paid).await.unwrap().expect("still stored");
        assert!(gone.gone);
        assert_eq!(gone.status, invoice_status::PAID);
        assert!(
            !store
                .open_invoices()
                .await
                .unwrap()
                .iter()
                .any(|i| i.id == paid)
        );
        let contact = store.contact(contact_id as i64).await.unwrap().unwrap();
        assert_eq!(contact.iban.as_deref(), Some(new_iban.as_str()));

        let last = store.last_sync().await.unwrap().unwrap();
        assert_eq!(
            (last.report.new, last.report.changed, last.report.gone),
            (0, 1, 1)
        );
        assert_eq!(store.sync_history(Page::first(10)).await.unwrap().total, 2);

        // A third sync with nothing changed reports nothing.
        let summary = sync(&*store, &client, &settings, &NoProgress, Utc::now())
            .await
            .expect("third sync succeeds");
        assert_eq!(summary.invoices, UpsertCounts::default());
        assert_eq!(summary.contacts, UpsertCounts::default());
        assert_eq!(summary.invoices_gone, 0);
        assert_eq!(sb.write_attempts(), 0);
    }

    pub async fn broken_records_are_reported_and_the_rest_stored(store: Arc<dyn Store>) {
        let sb = sandbox().await;
        let client = common::sandbox_client(&sb, 2);
        let open = open_invoice_ids(&sb);
        let (orphan, no_currency) = sb.with_data(|d| {
            let numbered: Vec<u64> = open
                .iter()
                .map(|id| *id as u64)
                .filter(|id| d.invoices[id].invoice_number.is_some())
                .collect();
            let (a, b) = (numbered[0], numbered[1]);
            d.invoices.get_mut(&a).unwrap().contact_id = 999_999_999;
            d.invoices.get_mut(&b).unwrap().currency = String::new();
            (
                d.invoices[&a].invoice_number.clone().unwrap(),
                d.invoices[&b].invoice_number.clone().unwrap(),
            )
        });
        // A contact without any name, owner of some open invoices: it and they are skipped.
        let (nameless, nameless_number, its_invoices) = sb.with_data(|d| {
            let owner = d.invoices[&(open[open.len() - 1] as u64)].contact_id;
            let c = d.contacts.get_mut(&owner).unwrap();
            c.name = None;
            c.surename = None;
            c.familyname = None;
            let number = c.customer_number.clone();
            let invoices: Vec<String> = d
                .invoices
                .values()
                .filter(|i| i.contact_id == owner && (i.status == 200 || i.status == 750))
                .map(|i| {
                    i.invoice_number
                        .clone()
                        .unwrap_or_else(|| format!("id {}", i.id))
                })
                .collect();
            (owner, number, invoices)
        });

        let summary = sync(
            &*store,
            &client,
            &Settings::default(),
            &NoProgress,
            Utc::now(),
        )
        .await
        .expect("a broken record does not stop the sync");

        assert_eq!(
            summary.problems.len(),
            3 + its_invoices.len(),
            "{:?}",
            summary.problems
        );
        let find = |number: &str| {
            summary
                .problems
                .iter()
                .find(|p| p.id.as_deref() == Some(number))
                .unwrap_or_else(|| panic!("no problem names {number}: {:?}", summary.problems))
        };
        let p = find(&orphan);
        assert_eq!(p.object, "Invoice");
        assert!(p.message.contains("`contact`"), "{}", p.message);
        assert!(p.message.contains("999999999"), "{}", p.message);
        let p = find(&no_currency);
        assert!(p.message.contains("`currency`"), "{}", p.message);

        let p = find(&nameless_number);
        assert_eq!(p.object, "Contact");
        assert!(p.message.contains("`name`"), "{}", p.message);
        assert!(store.contact(nameless as i64).await.unwrap().is_none());
        for number in &its_invoices {
            let p = find(number);
            assert!(p.message.contains("skipped"), "{}", p.message);
        }

        let stored_open = open.len() - 2 - its_invoices.len();
        assert_eq!(store.open_invoices().await.unwrap().len(), stored_open);
        assert_eq!(summary.invoices.inserted, stored_open as u64);
        let contacts = sb.with_data(|d| d.contacts.len());
        assert_eq!(store.contacts().await.unwrap().len(), contacts - 1);
        let report = store.last_sync().await.unwrap().unwrap().report;
        assert_eq!(report.problems, summary.problems);
        assert_eq!(sb.write_attempts(), 0);
    }

    pub async fn changed_address_or_field_alone_updates_the_contact(store: Arc<dyn Store>) {
        let sb = sandbox().await;
        let client = common::sandbox_client(&sb, 2);
        let settings = Settings::default();
        sync(&*store, &client, &settings, &NoProgress, Utc::now())
            .await
            .expect("first sync succeeds");

        // Only sub-records change: an address of one contact, the mandate field of another.
        let (moved, renumbered) = sb.with_data(|d| {
            let t = d.change_time();
            // An invoice address: the one the sync must pick for its contact.
            let address = d
                .addresses
                .values_mut()
                .find(|a| a.category_id == Some(CATEGORY_INVOICE_ADDRESS))
                .expect("an invoice address");
            address.city = Some("Neustadt an der Weinstraße".into());
            address.update = t;
            let moved = address.contact_id;
            let field_setting = d
                .custom_field_settings
                .values()
                .find(|s| s.identifier == FIELD_MANDATE_REFERENCE)
                .expect("mandate field setting")
                .id;
            let field = d
                .custom_fields
                .values_mut()
                .find(|f| f.setting_id == field_setting && f.contact_id != moved)
                .expect("a contact with a mandate field");
            field.value = "MANDAT-NEU-0001".into();
            field.update = t;
            (moved, field.contact_id)
        });

        let summary = sync(&*store, &client, &settings, &NoProgress, Utc::now())
            .await
            .expect("second sync succeeds");
        assert!(summary.incremental);
        assert!(summary.problems.is_empty(), "{:?}", summary.problems);
        assert_eq!(
            summary.contacts,
            UpsertCounts {
                inserted: 0,
                updated: 2
            }
        );
        let data = sb.with_data(|d| d.clone());
        for id in [moved, renumbered] {
            let got = store.contact(id as i64).await.unwrap().unwrap();
            assert_eq!(
                got,
                expected_contact(&data, &data.contacts[&id]),
                "contact {id}"
            );
        }
        let got = store.contact(renumbered as i64).await.unwrap().unwrap();
        assert_eq!(
            got.mandate_reference_field.as_deref(),
            Some("MANDAT-NEU-0001")
        );
        assert_eq!(sb.write_attempts(), 0);
    }

    pub async fn failed_read_stores_nothing_but_the_request_log(store: Arc<dyn Store>) {
        let sb = sandbox().await;
        let client = common::sandbox_client(&sb, 2);
        let settings = Settings::default();
        // A revoked token: sevdesk answers 401 to everything.
        sb.set_faults(vec![Fault::always(FaultKind::RejectToken)]);

        let error = sync(&*store, &client, &settings, &NoProgress, Utc::now())
            .await
            .expect_err("a rejected token fails the sync");
        assert!(
            matches!(error, lastschrift_core::sync::SyncError::Sevdesk(_)),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(!message.contains(sb.token()), "{message}");
        assert_eq!(
            store.sync_watermark(WATERMARK_RESOURCE).await.unwrap(),
            None
        );
        assert!(store.last_sync().await.unwrap().is_none());
        assert!(store.open_invoices().await.unwrap().is_empty());
        let log = store.request_log(Page::first(1000)).await.unwrap();
        assert!(log.total > 0, "the failed requests are logged");
        assert!(
            log.items.iter().any(|e| e.status == Some(401)),
            "{:?}",
            log.items
        );

        // Once the token works again the next sync is a full one.
        sb.clear_faults();
        let summary = sync(&*store, &client, &settings, &NoProgress, Utc::now())
            .await
            .expect("sync succeeds once sevdesk answers");
        assert!(!summary.incremental);
        assert_eq!(
            store.open_invoices().await.unwrap().len(),
            open_invoice_ids(&sb).len()
        );
        let total = store.request_log(Page::first(1)).await.unwrap().total;
        assert_eq!(total, log.total + summary.requests as i64);
        assert_eq!(sb.write_attempts(), 0);
    }

    /// Regression: a 404 on a list endpoint stopped the sync with "the record was probably
    /// deleted in sevdesk" — wrong, and no next step. Now the endpoint is named.
    pub async fn a_missing_list_endpoint_is_named_not_called_a_deleted_record(
        store: Arc<dyn Store>,
    ) {
        let sb = sandbox().await;
        sb.set_faults(vec![
            Fault::always(FaultKind::EndpointMissing).on("/PaymentMethod"),
        ]);
        let client = common::sandbox_client(&sb, 2);
        let error = sync(
            &*store,
            &client,
            &Settings::default(),
            &NoProgress,
            Utc::now(),
        )
        .await
        .expect_err("without the payment methods nothing tells which invoices are debits");
        for sentence in [error.to_string(), error.german()] {
            assert!(sentence.contains("/PaymentMethod"), "{sentence}");
            assert!(!sentence.contains("deleted"), "{sentence}");
            assert!(!sentence.contains("gelöscht"), "{sentence}");
        }
        assert!(
            store.open_invoices().await.unwrap().is_empty(),
            "nothing stored"
        );
        sb.shutdown().await;
    }

    /// An optional endpoint that is missing does not make the sync unusable when the settings
    /// already say which payment methods mean direct debit: it goes on and warns.
    pub async fn a_missing_payment_methods_endpoint_is_a_warning_when_the_settings_name_the_methods(
        store: Arc<dyn Store>,
    ) {
        let sb = sandbox().await;
        let debit_method = sb.with_data(|d| {
            d.payment_methods
                .values()
                .find(|m| m.electronic_invoice_id == "59")
                .map(|m| m.id)
                .expect("the sandbox has a direct-debit payment method")
        });
        sb.set_faults(vec![
            Fault::always(FaultKind::EndpointMissing).on("/PaymentMethod"),
        ]);
        let client = common::sandbox_client(&sb, 2);
        let mut settings = Settings::default();
        settings
            .policies
            .direct_debit_payment_methods
            .payment_method_ids = vec![debit_method];
        let summary = sync(&*store, &client, &settings, &NoProgress, Utc::now())
            .await
            .expect("the sync goes on without the payment methods");
        assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
        assert!(summary.warnings[0].english.contains("/PaymentMethod"));
        assert!(summary.warnings[0].german.contains("Zahlungsarten"));
        let mut expected = open_invoice_ids(&sb);
        expected.sort_unstable();
        let stored: Vec<i64> = store
            .open_invoices()
            .await
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(stored, expected);
        assert!(store.payment_methods().await.unwrap().is_empty());
        // The configured id alone marks the direct-debit invoices for the planner.
        let plan = lastschrift_core::collect::plan_collection(
            &*store,
            &settings,
            lastschrift_core::collect::bank_time(Utc::now()),
            None,
        )
        .await
        .unwrap();
        assert!(
            plan.exclusions
                .iter()
                .filter(|e| e.reason.code() == "not_direct_debit")
                .count()
                < expected.len(),
            "direct-debit invoices are recognised by the configured id"
        );
        sb.shutdown().await;
    }
}
