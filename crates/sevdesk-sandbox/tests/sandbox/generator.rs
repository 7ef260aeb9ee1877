//! Properties of the generated data the application and the demo rely on.

use crate::common;

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;
use sevdesk_sandbox::generate::{FIELD_MANDATE_DATE, FIELD_MANDATE_REFERENCE, generate};
use sevdesk_sandbox::iban::iban_is_valid;
use sevdesk_sandbox::{Dataset, DatasetStats, SandboxConfig};

fn data(invoices: usize, seed: u64) -> Dataset {
    generate(&SandboxConfig {
        seed,
        ..common::config(invoices)
    })
}

/// Referential integrity and invariants that must hold at every size.
fn check_invariants(d: &Dataset) {
    let mut numbers = HashSet::new();
    for inv in d.invoices.values() {
        assert!(
            d.contacts.contains_key(&inv.contact_id),
            "invoice {} has no contact",
            inv.id
        );
        if let Some(n) = &inv.invoice_number {
            assert!(numbers.insert(n.clone()), "invoice number {n} twice");
        } else {
            assert_eq!(inv.status, 100, "only drafts lack a number");
        }
        if let Some(pm) = inv.payment_method_id {
            assert!(d.payment_methods.contains_key(&pm));
        }
        assert_eq!(inv.sum_gross, inv.sum_net + inv.sum_tax);
        match inv.status {
            750 => assert!(inv.paid_amount > 0 && inv.paid_amount < inv.sum_gross),
            100 => assert_eq!(inv.paid_amount, 0),
            _ => {}
        }
        if inv.invoice_type == "SR" {
            let origin = inv
                .origin_id
                .and_then(|o| d.invoices.get(&o))
                .expect("SR has an origin");
            assert_eq!((origin.status, inv.status), (1000, 1000));
            assert_eq!((origin.paid_amount, inv.paid_amount), (0, 0));
            assert_eq!(inv.sum_gross, -origin.sum_gross);
        }
        assert!(inv.invoice_date <= d.today);
        assert!(inv.update >= inv.create);
    }
    for a in d.addresses.values() {
        assert!(d.contacts.contains_key(&a.contact_id));
        assert!(d.countries.contains_key(&a.country_id));
    }
    for w in d.communication_ways.values() {
        assert!(d.contacts.contains_key(&w.contact_id));
    }
    for f in d.custom_fields.values() {
        assert!(d.contacts.contains_key(&f.contact_id));
        assert!(d.custom_field_settings.contains_key(&f.setting_id));
    }
    for c in d.credit_notes.values() {
        assert!(d.contacts.contains_key(&c.contact_id));
        if let Some(i) = c.ref_invoice_id {
            assert_eq!(d.invoices[&i].contact_id, c.contact_id);
        }
    }
    let customer_numbers: HashSet<&str> = d
        .contacts
        .values()
        .map(|c| c.customer_number.as_str())
        .collect();
    assert_eq!(
        customer_numbers.len(),
        d.contacts.len(),
        "customer numbers are unique"
    );
}

#[test]
fn sizes_from_10_to_100_000_hold_their_invariants() {
    for n in [10usize, 11, 100, 1000, 100_000] {
        let d = data(n, 42);
        assert_eq!(d.invoices.len(), n, "{n} invoices asked for");
        assert_eq!(d.contacts.len(), n.div_ceil(2).max(3));
        check_invariants(&d);
    }
}

#[test]
fn same_config_same_data_other_seed_other_data() {
    assert_eq!(data(2000, 5), data(2000, 5));
    assert_ne!(data(2000, 5), data(2000, 6));
}

#[test]
fn even_a_small_sandbox_shows_the_hard_cases() {
    let d = data(10, 42);
    let names: Vec<String> = d.contacts.values().map(|c| c.display_name()).collect();
    for expected in ["Müller & Söhne GmbH", "Łukasz Żółć", "Café Émile SARL"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing in {names:?}"
        );
    }
    let currencies: BTreeSet<&str> = d.invoices.values().map(|i| i.currency.as_str()).collect();
    assert!(
        currencies.contains("CHF") && currencies.contains("USD"),
        "{currencies:?}"
    );
    let dd = d.direct_debit_method_id().expect("a direct-debit method");
    assert_eq!(d.payment_methods[&dd].name, "SEPA Lastschrift");
    assert!(!d.credit_notes.is_empty());
}

#[test]
fn a_thousand_invoices_cover_every_case_in_plausible_proportions() {
    let d = data(1000, 42);
    let st = DatasetStats::of(&d);
    let countries: BTreeSet<&str> = d
        .addresses
        .values()
        .filter_map(|a| d.country_code(a.country_id))
        .collect();
    assert_eq!(countries, BTreeSet::from(["at", "ch", "de", "fr", "nl"]));
    assert!(st.persons > 100 && st.organisations > 200, "{st:?}");
    assert!(
        st.contacts_without_iban > 10 && st.contacts_broken_iban > 5,
        "{st:?}"
    );
    assert!(st.contacts_valid_iban > st.contacts / 2, "{st:?}");
    assert!(
        st.contacts_mandate_on_contact > 50 && st.contacts_mandate_in_custom_field > 50,
        "{st:?}"
    );
    assert!(st.invoices_draft > 0 && st.invoices_open > 0 && st.invoices_partially_paid > 0);
    assert!(
        st.invoices_paid > 0 && st.invoices_cancellation > 0,
        "{st:?}"
    );
    assert!(
        st.invoices_open_direct_debit * 10 > (st.invoices_open + st.invoices_partially_paid) * 7
    );
    assert!(st.credit_notes_open_on_open_invoice > 0, "{st:?}");
    assert!(
        st.invoices_collectible > 50 && st.collectible_cents > 0,
        "{st:?}"
    );

    // IBAN validity as stored: the stats' notion of broken is the IBAN check itself.
    let broken = d
        .contacts
        .values()
        .filter(|c| c.bank_account.as_deref().is_some_and(|i| !iban_is_valid(i)))
        .count();
    assert_eq!(broken, st.contacts_broken_iban);
    assert!(
        d.contacts
            .values()
            .any(|c| c.bank_account.as_deref().is_some_and(|i| i.contains(' ')))
    );
    assert!(
        d.contacts
            .values()
            .any(|c| c.bank_number.as_deref().is_some_and(|b| b.len() == 11))
    );

    // Mandate dates: "DD.MM.YYYY" on most contacts with a reference; a few impossible ones.
    let (mut ok, mut bad) = (0, 0);
    for c in d.contacts.values() {
        let has_ref = c.mandate_reference.is_some()
            || d.custom_field_value(c.id, FIELD_MANDATE_REFERENCE)
                .is_some();
        if let Some(v) = d.custom_field_value(c.id, FIELD_MANDATE_DATE) {
            assert!(has_ref, "a mandate date without a reference on {}", c.id);
            match NaiveDate::parse_from_str(v, "%d.%m.%Y") {
                Ok(date) => {
                    assert!(date < d.today);
                    ok += 1;
                }
                Err(_) => bad += 1,
            }
        }
    }
    assert!(
        ok > 100 && bad > 0,
        "{ok} valid, {bad} invalid mandate dates"
    );

    // Due dates spread over weeks around today: overdue and not yet due.
    let open: Vec<_> = d.invoices.values().filter(|i| i.status == 200).collect();
    let overdue = open.iter().filter(|i| i.due_date() < d.today).count();
    let not_due = open.iter().filter(|i| i.due_date() > d.today).count();
    assert!(
        overdue > 20 && not_due > 20,
        "{overdue} overdue, {not_due} not yet due"
    );
    let spread = open
        .iter()
        .map(|i| i.due_date())
        .collect::<BTreeSet<_>>()
        .len();
    assert!(spread > 30, "only {spread} distinct due dates");
}

#[test]
fn payment_method_ids_depend_on_the_seed_but_codes_do_not() {
    let a = data(10, 1);
    let b = data(10, 2);
    let ida = a.direct_debit_method_id();
    let idb = b.direct_debit_method_id();
    assert!(ida.is_some() && idb.is_some());
    assert_ne!(ida, idb);
    let codes = |d: &Dataset| {
        d.payment_methods
            .values()
            .map(|p| p.electronic_invoice_id.clone())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(codes(&a), codes(&b));
}
