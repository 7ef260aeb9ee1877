//! Counts over a data set, so the demo and tests can say what to expect without re-deriving the
//! generator's rules. "Collectible" here is the sandbox's view of a clean case, not the
//! application's decision: open (200/750), type RE, EUR, paid by the direct-debit method,
//! something left to pay, the contact has a valid IBAN, a mandate reference made of SEPA
//! characters and a parseable signature date, and no open credit note reduces the invoice.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::generate::{FIELD_MANDATE_DATE, FIELD_MANDATE_REFERENCE};
use crate::iban::iban_is_valid;
use crate::model::Dataset;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatasetStats {
    pub contacts: usize,
    pub persons: usize,
    pub organisations: usize,
    pub contacts_valid_iban: usize,
    pub contacts_broken_iban: usize,
    pub contacts_without_iban: usize,
    pub contacts_mandate_on_contact: usize,
    pub contacts_mandate_in_custom_field: usize,
    pub contacts_with_mandate_date: usize,
    pub invoices: usize,
    pub invoices_draft: usize,
    pub invoices_open: usize,
    pub invoices_partially_paid: usize,
    pub invoices_paid: usize,
    pub invoices_cancellation: usize,
    /// Open (200/750) and paid by the direct-debit payment method.
    pub invoices_open_direct_debit: usize,
    pub invoices_foreign_currency: usize,
    pub credit_notes: usize,
    pub credit_notes_open_on_open_invoice: usize,
    /// See the module comment.
    pub invoices_collectible: usize,
    /// Sum of what is left to pay on the collectible invoices, in cents.
    pub collectible_cents: i64,
}

/// The SEPA character set (Latin subset) allowed in references.
fn sepa_reference_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 35
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-?:().,'+".contains(c) || c == ' ')
        && !s.contains(' ')
}

impl DatasetStats {
    pub fn of(d: &Dataset) -> DatasetStats {
        let mut st = DatasetStats {
            contacts: d.contacts.len(),
            invoices: d.invoices.len(),
            credit_notes: d.credit_notes.len(),
            ..Default::default()
        };
        let dd = d.direct_debit_method_id();
        // Index the custom fields once: looking them up per contact would be quadratic.
        let setting_of = |ident: &str| {
            d.custom_field_settings
                .values()
                .find(|s| s.identifier == ident)
                .map(|s| s.id)
        };
        let (ref_setting, date_setting) = (
            setting_of(FIELD_MANDATE_REFERENCE),
            setting_of(FIELD_MANDATE_DATE),
        );
        let mut field_ref: HashMap<u64, &str> = HashMap::new();
        let mut field_date: HashMap<u64, &str> = HashMap::new();
        for f in d.custom_fields.values() {
            if Some(f.setting_id) == ref_setting {
                field_ref.entry(f.contact_id).or_insert(f.value.as_str());
            } else if Some(f.setting_id) == date_setting {
                field_date.entry(f.contact_id).or_insert(f.value.as_str());
            }
        }
        for c in d.contacts.values() {
            if c.is_person() {
                st.persons += 1;
            } else {
                st.organisations += 1;
            }
            match c.bank_account.as_deref() {
                None => st.contacts_without_iban += 1,
                Some(i) if iban_is_valid(i) => st.contacts_valid_iban += 1,
                Some(_) => st.contacts_broken_iban += 1,
            }
            if c.mandate_reference.is_some() {
                st.contacts_mandate_on_contact += 1;
            }
            if field_ref.contains_key(&c.id) {
                st.contacts_mandate_in_custom_field += 1;
            }
            if field_date.contains_key(&c.id) {
                st.contacts_with_mandate_date += 1;
            }
        }
        let open_credit_targets: std::collections::HashSet<u64> = d
            .credit_notes
            .values()
            .filter(|c| c.status == 200)
            .filter_map(|c| c.ref_invoice_id)
            .collect();
        for c in d.credit_notes.values() {
            if c.status == 200
                && c.ref_invoice_id
                    .and_then(|i| d.invoices.get(&i))
                    .is_some_and(|i| matches!(i.status, 200 | 750))
            {
                st.credit_notes_open_on_open_invoice += 1;
            }
        }
        for i in d.invoices.values() {
            match (i.status, i.invoice_type.as_str()) {
                (_, "SR") => st.invoices_cancellation += 1,
                (100, _) => st.invoices_draft += 1,
                (200, _) => st.invoices_open += 1,
                (750, _) => st.invoices_partially_paid += 1,
                (1000, _) => st.invoices_paid += 1,
                _ => {}
            }
            if i.currency != "EUR" {
                st.invoices_foreign_currency += 1;
            }
            let open = matches!(i.status, 200 | 750);
            if open && dd.is_some() && i.payment_method_id == dd {
                st.invoices_open_direct_debit += 1;
            } else {
                continue;
            }
            let Some(c) = d.contacts.get(&i.contact_id) else {
                continue;
            };
            let iban_ok = c.bank_account.as_deref().is_some_and(iban_is_valid);
            let reference = c
                .mandate_reference
                .as_deref()
                .or_else(|| field_ref.get(&c.id).copied());
            let date_ok = field_date
                .get(&c.id)
                .is_some_and(|v| NaiveDate::parse_from_str(v, "%d.%m.%Y").is_ok());
            let left = i.sum_gross - i.paid_amount;
            if i.invoice_type == "RE"
                && i.currency == "EUR"
                && left > 0
                && iban_ok
                && reference.is_some_and(sepa_reference_ok)
                && date_ok
                && !open_credit_targets.contains(&i.id)
            {
                st.invoices_collectible += 1;
                st.collectible_cents += left;
            }
        }
        st
    }
}
