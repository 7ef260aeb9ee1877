//! The sandbox's data: typed records that tests may read and change through
//! [`crate::Sandbox::with_data`]. The JSON shapes sevdesk sends are produced from these by
//! `wire.rs`; nothing here knows about the wire format.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Timelike, Utc};

/// Money is kept in integer cents: the wire shows it as a decimal string ("34.51", "29", "-46.65").
pub type Cents = i64;
/// Instants are kept in UTC and rendered with the Berlin offset of that instant.
pub type Timestamp = DateTime<Utc>;

#[derive(Debug, Clone, PartialEq)]
pub struct PaymentMethod {
    pub id: u64,
    pub create: Timestamp,
    pub update: Timestamp,
    pub name: String,
    pub text: String,
    pub electronic_invoice_id: String,
    pub translation_code: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub id: u64,
    pub create: Timestamp,
    pub update: Timestamp,
    /// Set for organisations, `None` for persons (sevdesk has no type field).
    pub name: Option<String>,
    /// First name of a person (sevdesk's spelling).
    pub surename: Option<String>,
    /// Last name of a person.
    pub familyname: Option<String>,
    /// Organisation a person belongs to.
    pub parent: Option<u64>,
    pub customer_number: String,
    /// 2 supplier, 3 customer, 4 partner, 28 prospect.
    pub category_id: u64,
    pub status: String,
    pub description: Option<String>,
    pub gender: Option<String>,
    pub vat_number: Option<String>,
    /// The IBAN as the user typed it (may contain spaces, may be broken).
    pub bank_account: Option<String>,
    /// BIC on most, a legacy German BLZ on a few.
    pub bank_number: Option<String>,
    pub mandate_reference: Option<String>,
    pub buyer_reference: Option<String>,
    pub default_time_to_pay: Option<String>,
}

impl Contact {
    pub fn is_person(&self) -> bool {
        self.name.is_none()
    }

    /// Name as sevdesk prints it on documents.
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => format!(
                "{} {}",
                self.surename.as_deref().unwrap_or(""),
                self.familyname.as_deref().unwrap_or("")
            )
            .trim()
            .to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContactAddress {
    pub id: u64,
    pub create: Timestamp,
    pub update: Timestamp,
    pub contact_id: u64,
    pub street: Option<String>,
    pub zip: Option<String>,
    pub city: Option<String>,
    pub country_id: u64,
    pub category_id: Option<u64>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CommunicationWay {
    pub id: u64,
    pub create: Timestamp,
    pub update: Timestamp,
    pub contact_id: u64,
    /// EMAIL, PHONE, WEB, MOBILE.
    pub kind: String,
    pub value: String,
    /// 1 Privat, 2 Arbeit, … 8 Rechnungsadresse.
    pub key_id: u64,
    pub main: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContactCustomFieldSetting {
    pub id: u64,
    pub create: Timestamp,
    pub update: Timestamp,
    pub name: String,
    pub identifier: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContactCustomField {
    pub id: u64,
    pub create: Timestamp,
    pub update: Timestamp,
    pub contact_id: u64,
    pub setting_id: u64,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    pub id: u64,
    pub name: String,
    /// Contact, ContactAddress, Invoice, …
    pub object_type: String,
    pub priority: String,
    pub translation_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StaticCountry {
    pub id: u64,
    /// ISO 3166 alpha-2, lower case as sevdesk sends it.
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub translation_code: String,
    pub locale: String,
    pub priority: String,
}

/// How the `paymentMethod` key looks on an invoice without one: recorded bodies show both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingKey {
    Absent,
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    pub id: u64,
    /// `None` for drafts.
    pub invoice_number: Option<String>,
    pub contact_id: u64,
    pub create: Timestamp,
    pub update: Timestamp,
    pub invoice_date: NaiveDate,
    pub header: Option<String>,
    pub head_text: Option<String>,
    pub time_to_pay: u32,
    pub address_name: Option<String>,
    pub address_street: Option<String>,
    pub address_zip: Option<String>,
    pub address_city: Option<String>,
    pub address_country_id: u64,
    pub pay_date: Option<Timestamp>,
    pub delivery_date: NaiveDate,
    pub delivery_date_until: Option<NaiveDate>,
    /// 100 draft, 200 open, 750 partially paid, 1000 paid (also cancelled pairs).
    pub status: u16,
    pub payment_method_id: Option<u64>,
    /// How a missing payment method is sent (absent key or explicit null).
    pub payment_method_missing: MissingKey,
    pub send_date: Option<Timestamp>,
    /// For a cancellation invoice (SR): the cancelled original.
    pub origin_id: Option<u64>,
    /// RE, SR, …
    pub invoice_type: String,
    /// Multi-line snapshot of the billing address.
    pub address: Option<String>,
    pub currency: String,
    pub sum_net: Cents,
    pub sum_tax: Cents,
    pub sum_gross: Cents,
    /// Foreign-currency gross for non-EUR invoices, 0 otherwise.
    pub sum_gross_foreign_currency: Cents,
    /// Sent as a JSON number.
    pub paid_amount: Cents,
    pub customer_internal_note: Option<String>,
    pub sepa_mandate_reference: Option<String>,
    pub sepa_creditor_id: Option<String>,
    pub sepa_payer_iban: Option<String>,
    pub enshrined: Option<Timestamp>,
    pub send_type: Option<String>,
    pub tax_text: String,
    pub tax_rule_id: u64,
    pub show_net: bool,
}

impl Invoice {
    /// What `getIsPartiallyPaid` answers: something was paid, but not everything.
    pub fn is_partially_paid(&self) -> bool {
        self.paid_amount > 0 && self.paid_amount < self.sum_gross && self.status != 1000
    }

    pub fn due_date(&self) -> NaiveDate {
        self.invoice_date + chrono::Days::new(u64::from(self.time_to_pay))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreditNote {
    pub id: u64,
    pub credit_note_number: Option<String>,
    pub contact_id: u64,
    pub create: Timestamp,
    pub update: Timestamp,
    pub credit_note_date: NaiveDate,
    pub header: Option<String>,
    pub address_name: Option<String>,
    pub address_street: Option<String>,
    pub address_zip: Option<String>,
    pub address_city: Option<String>,
    pub address_country_id: u64,
    pub pay_date: Option<Timestamp>,
    pub delivery_date: NaiveDate,
    /// 100 draft, 200 open, 1000 paid/settled.
    pub status: u16,
    pub send_date: Option<Timestamp>,
    /// The invoice this credit note reduces (`origin` and `refSrcInvoice`).
    pub ref_invoice_id: Option<u64>,
    pub address: Option<String>,
    pub currency: String,
    pub sum_net: Cents,
    pub sum_tax: Cents,
    pub sum_gross: Cents,
    pub customer_internal_note: Option<String>,
    pub enshrined: Option<Timestamp>,
    pub send_type: Option<String>,
    pub booking_category: String,
    pub tax_rule_id: u64,
}

/// Everything the sandbox serves. Maps are keyed by id, so lookups by id are cheap and list
/// order is stable.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub sev_client_id: u64,
    /// The sevdesk user that "created" all documents.
    pub sev_user_id: u64,
    pub bookkeeping_version: String,
    /// The date the data was generated around (due dates spread around it).
    pub today: NaiveDate,
    pub payment_methods: BTreeMap<u64, PaymentMethod>,
    pub contacts: BTreeMap<u64, Contact>,
    pub addresses: BTreeMap<u64, ContactAddress>,
    pub communication_ways: BTreeMap<u64, CommunicationWay>,
    pub custom_field_settings: BTreeMap<u64, ContactCustomFieldSetting>,
    pub custom_fields: BTreeMap<u64, ContactCustomField>,
    pub categories: BTreeMap<u64, Category>,
    pub countries: BTreeMap<u64, StaticCountry>,
    pub invoices: BTreeMap<u64, Invoice>,
    pub credit_notes: BTreeMap<u64, CreditNote>,
}

impl Dataset {
    /// The communication ways that are e-mail addresses (what `GET /CommunicationWay?type=EMAIL`
    /// lists).
    pub fn email_count(&self) -> usize {
        self.communication_ways
            .values()
            .filter(|c| c.kind == "EMAIL")
            .count()
    }

    /// The categories of contact addresses (what `GET /Category?objectType=ContactAddress` lists).
    pub fn address_category_count(&self) -> usize {
        self.categories
            .values()
            .filter(|c| c.object_type == "ContactAddress")
            .count()
    }

    /// A timestamp for a change made now: never earlier than anything already in the data,
    /// so `updateAfter` reads see the change even when the data was generated around a future
    /// `today`.
    pub fn change_time(&self) -> Timestamp {
        let latest = self
            .invoices
            .values()
            .map(|i| i.update)
            .chain(self.contacts.values().map(|c| c.update))
            .chain(self.credit_notes.values().map(|c| c.update))
            .max();
        // Whole seconds: the wire has no finer resolution, so neither should the data.
        let now = Utc::now().with_nanosecond(0).unwrap_or_else(Utc::now);
        match latest {
            Some(l) if l >= now => l + chrono::Duration::seconds(1),
            _ => now,
        }
    }

    /// Books the full open amount: status 1000, `paidAmount` = gross, `update` bumped.
    /// Returns false when there is no such invoice.
    pub fn mark_invoice_paid(&mut self, id: u64) -> bool {
        let t = self.change_time();
        match self.invoices.get_mut(&id) {
            Some(inv) => {
                inv.status = 1000;
                inv.paid_amount = inv.sum_gross;
                inv.pay_date = Some(t);
                inv.update = t;
                true
            }
            None => false,
        }
    }

    /// Books a partial payment: status 750, `paidAmount` += amount, `update` bumped.
    pub fn add_partial_payment(&mut self, id: u64, amount: Cents) -> bool {
        let t = self.change_time();
        match self.invoices.get_mut(&id) {
            Some(inv) => {
                inv.paid_amount += amount;
                inv.status = if inv.paid_amount >= inv.sum_gross {
                    1000
                } else {
                    750
                };
                inv.pay_date = Some(t);
                inv.update = t;
                true
            }
            None => false,
        }
    }

    /// Replaces a contact's IBAN (`bankAccount`) and bumps its `update`.
    pub fn set_contact_iban(&mut self, contact_id: u64, iban: Option<String>) -> bool {
        let t = self.change_time();
        match self.contacts.get_mut(&contact_id) {
            Some(c) => {
                c.bank_account = iban;
                c.update = t;
                true
            }
            None => false,
        }
    }

    /// Bumps a contact's `update` after a test changed it by hand.
    pub fn touch_contact(&mut self, contact_id: u64) -> bool {
        let t = self.change_time();
        match self.contacts.get_mut(&contact_id) {
            Some(c) => {
                c.update = t;
                true
            }
            None => false,
        }
    }

    /// Bumps an invoice's `update` after a test changed it by hand.
    pub fn touch_invoice(&mut self, id: u64) -> bool {
        let t = self.change_time();
        match self.invoices.get_mut(&id) {
            Some(i) => {
                i.update = t;
                true
            }
            None => false,
        }
    }

    /// The id a newly added invoice should get (one above the highest).
    pub fn next_invoice_id(&self) -> u64 {
        self.invoices.keys().next_back().map_or(1, |k| k + 1)
    }

    /// Adds (or replaces) an invoice; the caller sets its timestamps.
    pub fn insert_invoice(&mut self, invoice: Invoice) {
        self.invoices.insert(invoice.id, invoice);
    }

    /// The payment method sevdesk uses for direct debit (`electronicInvoiceId` 59).
    pub fn direct_debit_method_id(&self) -> Option<u64> {
        self.payment_methods
            .values()
            .find(|p| p.electronic_invoice_id == "59")
            .map(|p| p.id)
    }

    /// Custom field value of a contact for the setting with this identifier (a scan: for tests).
    pub fn custom_field_value(&self, contact_id: u64, identifier: &str) -> Option<&str> {
        let setting = self
            .custom_field_settings
            .values()
            .find(|s| s.identifier == identifier)?;
        self.custom_fields
            .values()
            .find(|f| f.contact_id == contact_id && f.setting_id == setting.id)
            .map(|f| f.value.as_str())
    }

    pub fn country_code(&self, country_id: u64) -> Option<&str> {
        self.countries.get(&country_id).map(|c| c.code.as_str())
    }
}
