//! Sync: reads sevdesk (never writes) and brings the store up to date.
//!
//! The first sync (no watermark) reads everything with [`sevdesk::Client::read_all`]; later ones
//! read what changed since the watermark with [`sevdesk::Client::read_changes`]. sevdesk records
//! are mapped to the store's records here; a record that cannot be mapped (missing amount,
//! fractions of a cent, no contact, …) becomes a [`SyncProblem`] naming the invoice or contact
//! and the field, and everything else is stored. Every request sent is appended to the store's
//! request log, a [`SyncReport`] is saved, and the watermark moves to the start of the read.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::SystemTime;

use chrono::{DateTime, SubsecRound, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::settings::{MandateReferenceSource, Settings};
use lastschrift_store::{
    Contact, CreditNote, Invoice, NewRequestLogEntry, PaymentMethod, SevdeskId, Store, StoreError,
    SyncProblem, SyncReport, UpsertCounts,
};

/// The watermark resource the sync keeps (one instant for all sevdesk lists: they are read
/// together in one snapshot).
pub const WATERMARK_RESOURCE: &str = "sevdesk";

/// `CommunicationWayKey` id of "Rechnungsadresse" (invoicing): the preferred e-mail address.
const EMAIL_KEY_INVOICING: u64 = 8;
/// `translationCode` of the address category "Rechnungsadresse".
const CATEGORY_INVOICE_ADDRESS: &str = "CATEGORY_INVOICE_ADDRESS";

/// Why a sync stopped. Nothing is half-stored in a way that loses data: the watermark only moves
/// after everything else was stored, so the next sync reads the same changes again.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("reading from sevdesk failed: {}", .0.user_message())]
    Sevdesk(#[from] sevdesk::Error),
    #[error("storing the synced data failed: {0}")]
    Store(#[from] StoreError),
}

impl SyncError {
    pub fn german(&self) -> String {
        match self {
            SyncError::Sevdesk(e) => format!(
                "Das Lesen aus sevdesk ist fehlgeschlagen: {}",
                crate::error::sevdesk_german(e)
            ),
            SyncError::Store(e) => format!(
                "Das Speichern der abgeglichenen Daten ist fehlgeschlagen: {}",
                crate::error::store_german(e)
            ),
        }
    }
}

/// Where a running sync is, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum SyncStage {
    /// Reading sevdesk; `incremental` is false for the first (full) read.
    Reading {
        incremental: bool,
    },
    StoringContacts {
        count: usize,
    },
    StoringInvoices {
        count: usize,
    },
    Finished,
}

/// Receives progress of a running sync.
pub trait SyncProgress: Send + Sync {
    fn stage(&self, stage: SyncStage);
}

/// Progress that nobody watches.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl SyncProgress for NoProgress {
    fn stage(&self, _stage: SyncStage) {}
}

impl<F: Fn(SyncStage) + Send + Sync> SyncProgress for F {
    fn stage(&self, stage: SyncStage) {
        self(stage)
    }
}

/// What one sync did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SyncSummary {
    /// False for the first, full read.
    pub incremental: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// The new watermark: the start of the sevdesk read, in whole seconds.
    pub watermark: DateTime<Utc>,
    pub contacts: UpsertCounts,
    /// Open invoices added and changed.
    pub invoices: UpsertCounts,
    /// Invoices that are no longer open (paid, cancelled, deleted).
    pub invoices_gone: u64,
    /// Open credit notes now stored.
    pub open_credit_notes: usize,
    pub payment_methods: usize,
    /// Requests sent to sevdesk during this sync (all GET).
    pub requests: usize,
    /// Records that were skipped, each naming the record and the field.
    pub problems: Vec<SyncProblem>,
    /// What the user should know although the sync succeeded (an optional endpoint missing).
    pub warnings: Vec<crate::collect::Explanation>,
    /// Id of the saved [`SyncReport`].
    pub report_id: i64,
}

/// Runs one sync. `now` is when the sync started, as the caller's clock says.
///
/// The requests sent are appended to the store's request log also when the sync fails, so the
/// log proves what was sent in every case.
pub async fn sync(
    store: &dyn Store,
    client: &sevdesk::Client,
    settings: &Settings,
    progress: &dyn SyncProgress,
    now: DateTime<Utc>,
) -> Result<SyncSummary, SyncError> {
    let log_since = SystemTime::now();
    let outcome = run(store, client, settings, progress, now).await;
    let entries = request_entries(client, log_since);
    let logged = store.append_request_log(&entries).await;
    let mut summary = outcome?;
    logged?;
    summary.requests = entries.len();
    Ok(summary)
}

/// The requests this client sent since `since`, as log entries.
pub(crate) fn request_entries(
    client: &sevdesk::Client,
    since: SystemTime,
) -> Vec<NewRequestLogEntry> {
    client
        .request_log()
        .records()
        .into_iter()
        .filter(|r| r.started_at >= since)
        .map(|r| NewRequestLogEntry {
            at: DateTime::<Utc>::from(r.started_at),
            method: r.method.to_owned(),
            path: if r.query.is_empty() {
                r.path
            } else {
                format!("{}?{}", r.path, r.query)
            },
            status: r.status.map(i32::from),
            duration_ms: i64::try_from(r.duration.as_millis()).unwrap_or(i64::MAX),
        })
        .collect()
}

async fn run(
    store: &dyn Store,
    client: &sevdesk::Client,
    settings: &Settings,
    progress: &dyn SyncProgress,
    now: DateTime<Utc>,
) -> Result<SyncSummary, SyncError> {
    let watermark = store.sync_watermark(WATERMARK_RESOURCE).await?;
    progress.stage(SyncStage::Reading {
        incremental: watermark.is_some(),
    });
    // When the settings already name the payment methods that mean direct debit, the list of
    // payment methods is only a convenience: an account whose API does not offer it can still
    // be synced (with a warning) instead of not at all.
    let mut options = sevdesk::ReadOptions::new();
    if !settings
        .policies
        .direct_debit_payment_methods
        .payment_method_ids
        .is_empty()
    {
        options = options.payment_methods_optional();
    }
    let snapshot = match watermark {
        None => client.read_all_with(&options).await?,
        Some(since) => client.read_changes_with(since, &options).await?,
    };
    let mut warnings = Vec::new();
    let incremental = snapshot.updated_after.is_some();
    let mut problems = Vec::new();

    // An incremental read lists only changed addresses, e-mails and fields; choosing a contact's
    // address or e-mail needs all of them, so for changed contacts the full lists are read
    // (a few bulk requests, never one per contact).
    let touched_owners: BTreeSet<u64> = snapshot
        .contact_addresses
        .iter()
        .filter_map(|a| a.contact.as_ref())
        .chain(
            snapshot
                .email_addresses
                .iter()
                .filter_map(|e| e.contact.as_ref()),
        )
        .chain(
            snapshot
                .custom_fields
                .iter()
                .filter_map(|f| f.contact.as_ref()),
        )
        .map(|r| r.id.0)
        .collect();
    let (addresses, emails, fields) =
        if incremental && (!snapshot.contacts.is_empty() || !touched_owners.is_empty()) {
            tokio::try_join!(
                client.contact_addresses(None),
                client.email_addresses(None),
                client.contact_custom_fields(None),
            )?
        } else {
            (
                snapshot.contact_addresses.clone(),
                snapshot.email_addresses.clone(),
                snapshot.custom_fields.clone(),
            )
        };
    let lookups = Lookups::new(&snapshot, &addresses, &emails, &fields, settings);

    // --- contacts ---------------------------------------------------------------------------
    let mut contacts = Vec::new();
    let mut mapped_ids: HashSet<u64> = HashSet::new();
    let mut skipped_contacts: HashSet<u64> = HashSet::new();
    for c in &snapshot.contacts {
        mapped_ids.insert(c.id.0);
        match map_contact(c, &lookups) {
            Ok(contact) => contacts.push(contact),
            Err(problem) => {
                skipped_contacts.insert(c.id.0);
                problems.push(problem);
            }
        }
    }
    let stored_contacts: HashMap<SevdeskId, Contact> = if incremental {
        store
            .contacts()
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect()
    } else {
        HashMap::new()
    };
    for owner in touched_owners.iter().filter(|id| !mapped_ids.contains(id)) {
        let Ok(id) = SevdeskId::try_from(*owner) else {
            continue;
        };
        match stored_contacts.get(&id) {
            Some(stored) => {
                let mut contact = stored.clone();
                lookups.apply_derived(*owner, &mut contact);
                contacts.push(contact);
            }
            // A sub-record of a contact we have never seen: read that contact once.
            None => {
                let c = client.contact(sevdesk::Id(*owner)).await?;
                match map_contact(&c, &lookups) {
                    Ok(contact) => contacts.push(contact),
                    Err(problem) => {
                        skipped_contacts.insert(c.id.0);
                        problems.push(problem);
                    }
                }
            }
        }
    }
    progress.stage(SyncStage::StoringContacts {
        count: contacts.len(),
    });
    let contact_counts = store.upsert_contacts(&contacts).await?;

    // --- invoices ---------------------------------------------------------------------------
    let known_contacts: HashSet<SevdeskId> = contacts
        .iter()
        .map(|c| c.id)
        .chain(stored_contacts.keys().copied())
        .collect();
    let stored_open: HashSet<SevdeskId> = store
        .open_invoices()
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let mut open = Vec::new();
    let mut closed = Vec::new();
    let mut gone_ids = Vec::new();
    let mut seen: HashSet<SevdeskId> = HashSet::new();
    for inv in &snapshot.invoices {
        if let Ok(id) = SevdeskId::try_from(inv.id.0) {
            seen.insert(id);
        }
        if inv.is_open() {
            match map_invoice(inv, &known_contacts, &skipped_contacts) {
                Ok(invoice) => open.push(invoice),
                Err(problem) => problems.push(problem),
            }
        } else if let Ok(id) = SevdeskId::try_from(inv.id.0)
            && stored_open.contains(&id)
        {
            // Keep the new status and amounts for the history, then flag it; if the closed
            // record does not map, flagging it is still right.
            if let Ok(invoice) = map_invoice(inv, &known_contacts, &skipped_contacts) {
                closed.push(invoice);
            }
            gone_ids.push(id);
        }
    }
    if !incremental {
        // A full read lists every open invoice: what it does not list is no longer open.
        gone_ids.extend(stored_open.iter().filter(|id| !seen.contains(id)));
    }
    progress.stage(SyncStage::StoringInvoices { count: open.len() });
    let invoice_counts = store.upsert_invoices(&open).await?;
    store.upsert_invoices(&closed).await?;
    gone_ids.sort_unstable();
    gone_ids.dedup();
    let invoices_gone = store.mark_invoices_gone(&gone_ids).await?;

    // --- credit notes and payment methods ---------------------------------------------------
    let mut notes: BTreeMap<SevdeskId, CreditNote> = if incremental {
        store
            .open_credit_notes()
            .await?
            .into_iter()
            .map(|n| (n.id, n))
            .collect()
    } else {
        BTreeMap::new()
    };
    for note in &snapshot.credit_notes {
        let Ok(id) = SevdeskId::try_from(note.id.0) else {
            continue;
        };
        notes.remove(&id);
        let is_open = matches!(
            note.status,
            Some(sevdesk::CreditNoteStatus::Open | sevdesk::CreditNoteStatus::PartiallyPaid)
        );
        if is_open {
            match map_credit_note(note) {
                Ok(n) => {
                    notes.insert(n.id, n);
                }
                Err(problem) => problems.push(problem),
            }
        }
    }
    let notes: Vec<CreditNote> = notes.into_values().collect();
    store.replace_open_credit_notes(&notes).await?;
    let methods: Vec<PaymentMethod> = snapshot
        .payment_methods
        .iter()
        .filter_map(|m| {
            Some(PaymentMethod {
                id: SevdeskId::try_from(m.id.0).ok()?,
                name: m
                    .name
                    .clone()
                    .or_else(|| m.text.clone())
                    .unwrap_or_default(),
                electronic_invoice_id: m.electronic_invoice_id.clone(),
            })
        })
        .collect();
    if snapshot
        .unavailable
        .contains(&sevdesk::ApiEndpoint::PaymentMethods)
    {
        // Keep what an earlier sync stored; the configured ids decide meanwhile.
        warnings.push(crate::collect::Explanation::new(
            "sevdesk does not offer the list of payment methods (/PaymentMethod) to this account; the sync went on, and the payment method ids in the settings (policies.direct_debit_payment_methods.payment_method_ids) decide which invoices are paid by direct debit",
            "sevdesk bietet diesem Konto die Liste der Zahlungsarten (/PaymentMethod) nicht an; der Abgleich lief weiter, und die Zahlungsart-IDs in den Einstellungen (policies.direct_debit_payment_methods.payment_method_ids) entscheiden, welche Rechnungen per Lastschrift bezahlt werden",
        ));
    } else {
        store.replace_payment_methods(&methods).await?;
    }

    // --- report, watermark ----------------------------------------------------------------
    let finished_at = Utc::now();
    let report = SyncReport {
        started_at: now,
        finished_at,
        new: contact_counts.inserted + invoice_counts.inserted,
        changed: contact_counts.updated + invoice_counts.updated,
        gone: invoices_gone,
        problems: problems.clone(),
    };
    let report_id = store.save_sync_report(&report).await?;
    // sevdesk timestamps have whole seconds and `updateAfter` reads "at or after": flooring
    // re-reads at most one second of changes (harmless, upserts are idempotent) but never misses
    // a change made in the same second the read started.
    let new_watermark = snapshot.started_at.trunc_subsecs(0);
    store
        .set_sync_watermark(WATERMARK_RESOURCE, new_watermark)
        .await?;
    progress.stage(SyncStage::Finished);

    Ok(SyncSummary {
        incremental,
        started_at: now,
        finished_at,
        watermark: new_watermark,
        contacts: contact_counts,
        invoices: invoice_counts,
        invoices_gone,
        open_credit_notes: notes.len(),
        payment_methods: methods.len(),
        requests: 0,
        problems,
        warnings,
        report_id,
    })
}

/// Everything needed to fill a contact's address, e-mail and contact fields, indexed once.
struct Lookups {
    /// Per contact: addresses sorted by id.
    addresses: HashMap<u64, Vec<sevdesk::ContactAddress>>,
    /// Per contact: e-mail ways sorted by id.
    emails: HashMap<u64, Vec<sevdesk::CommunicationWay>>,
    /// Per contact: field value by setting id.
    fields: HashMap<u64, HashMap<u64, String>>,
    invoice_categories: HashSet<u64>,
    countries: HashMap<u64, String>,
    /// Setting id of the configured mandate-reference field, if it exists in sevdesk.
    mandate_field: Option<u64>,
    signature_field: Option<u64>,
}

impl Lookups {
    fn new(
        snapshot: &sevdesk::Snapshot,
        addresses: &[sevdesk::ContactAddress],
        emails: &[sevdesk::CommunicationWay],
        fields: &[sevdesk::ContactCustomField],
        settings: &Settings,
    ) -> Lookups {
        let mut by_contact_addr: HashMap<u64, Vec<sevdesk::ContactAddress>> = HashMap::new();
        for a in addresses {
            if let Some(c) = &a.contact {
                by_contact_addr.entry(c.id.0).or_default().push(a.clone());
            }
        }
        let mut by_contact_mail: HashMap<u64, Vec<sevdesk::CommunicationWay>> = HashMap::new();
        for e in emails {
            if let Some(c) = &e.contact {
                by_contact_mail.entry(c.id.0).or_default().push(e.clone());
            }
        }
        for list in by_contact_addr.values_mut() {
            list.sort_by_key(|a| a.id);
        }
        for list in by_contact_mail.values_mut() {
            list.sort_by_key(|e| e.id);
        }
        let mut by_contact_field: HashMap<u64, HashMap<u64, String>> = HashMap::new();
        for f in fields {
            if let (Some(c), Some(s), Some(v)) =
                (&f.contact, &f.contact_custom_field_setting, &f.value)
            {
                by_contact_field
                    .entry(c.id.0)
                    .or_default()
                    .insert(s.id.0, v.clone());
            }
        }
        // The settings name a field by its placeholder (`SEPAMANDATSREFERENZ`) or its visible
        // name; both are accepted, case-insensitively.
        let setting_id = |wanted: &str| {
            let wanted = wanted.trim();
            snapshot
                .custom_field_settings
                .iter()
                .find(|s| {
                    [s.identifier.as_deref(), s.name.as_deref()]
                        .into_iter()
                        .flatten()
                        .any(|n| n.trim().eq_ignore_ascii_case(wanted))
                })
                .map(|s| s.id.0)
        };
        let mandate_field = settings
            .policies
            .mandate_reference_sources
            .iter()
            .find_map(|s| match s {
                MandateReferenceSource::CustomField(name) => Some(name.as_str()),
                _ => None,
            })
            .and_then(setting_id);
        let signature_field = setting_id(&settings.policies.signature_date_field);
        Lookups {
            addresses: by_contact_addr,
            emails: by_contact_mail,
            fields: by_contact_field,
            invoice_categories: snapshot
                .address_categories
                .iter()
                .filter(|c| c.translation_code.as_deref() == Some(CATEGORY_INVOICE_ADDRESS))
                .map(|c| c.id.0)
                .collect(),
            countries: snapshot
                .countries
                .iter()
                .filter_map(|c| Some((c.id.0, c.code.as_ref()?.trim().to_ascii_uppercase())))
                .collect(),
            mandate_field,
            signature_field,
        }
    }

    /// Fills what comes from the contact's sub-records: address, e-mail, contact fields.
    fn apply_derived(&self, contact_id: u64, contact: &mut Contact) {
        let fields = self.fields.get(&contact_id);
        let field = |setting: Option<u64>| Some(fields?.get(&setting?)?.clone());
        contact.mandate_reference_field = field(self.mandate_field);
        contact.signature_date_field = field(self.signature_field);

        let mails = self
            .emails
            .get(&contact_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let usable = |e: &&sevdesk::CommunicationWay| e.value.is_some();
        let email = mails
            .iter()
            .filter(usable)
            .find(|e| e.key.as_ref().map(|k| k.id.0) == Some(EMAIL_KEY_INVOICING))
            .or_else(|| mails.iter().filter(usable).find(|e| e.main == Some(true)))
            .or_else(|| mails.iter().find(usable));
        contact.email = email.and_then(|e| e.value.clone());

        let addrs = self
            .addresses
            .get(&contact_id)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let address = addrs
            .iter()
            .find(|a| {
                a.category
                    .as_ref()
                    .is_some_and(|c| self.invoice_categories.contains(&c.id.0))
            })
            .or_else(|| addrs.first());
        contact.street = address.and_then(|a| a.street.clone());
        contact.zip = address.and_then(|a| a.zip.clone());
        contact.city = address.and_then(|a| a.city.clone());
        contact.country_code = address
            .and_then(|a| a.country.as_ref())
            .and_then(|c| self.countries.get(&c.id.0).cloned());
    }
}

fn sevdesk_id(id: sevdesk::Id) -> Option<SevdeskId> {
    SevdeskId::try_from(id.0).ok()
}

fn contact_problem(c: &sevdesk::Contact, message: String, message_de: String) -> SyncProblem {
    SyncProblem {
        object: "Contact".into(),
        id: Some(
            c.customer_number
                .clone()
                .unwrap_or_else(|| format!("id {}", c.id)),
        ),
        message,
        message_de,
    }
}

fn map_contact(c: &sevdesk::Contact, lookups: &Lookups) -> Result<Contact, SyncProblem> {
    let name = |n: &str| c.customer_number.as_deref().unwrap_or(n).to_owned();
    let id = sevdesk_id(c.id).ok_or_else(|| {
        contact_problem(
            c,
            format!("contact {}: the id {} is too large", name("?"), c.id),
            format!("Kontakt {}: die ID {} ist zu groß", name("?"), c.id),
        )
    })?;
    let display_name = c.display_name().ok_or_else(|| {
        contact_problem(
            c,
            format!(
                "contact {} (id {}): field `name` (or `surename`/`familyname`) is empty; give the contact a name in sevdesk",
                name("without customer number"),
                c.id
            ),
            format!(
                "Kontakt {} (ID {}): das Feld `name` (oder `surename`/`familyname`) ist leer; bitte dem Kontakt in sevdesk einen Namen geben",
                name("ohne Kundennummer"),
                c.id
            ),
        )
    })?;
    let mut contact = Contact {
        id,
        customer_number: c.customer_number.clone(),
        display_name,
        is_organisation: c.name.is_some(),
        parent_id: c.parent.as_ref().and_then(|p| sevdesk_id(p.id)),
        iban: c.bank_account.clone(),
        bic: c.bank_number.clone(),
        mandate_reference_field: None,
        mandate_reference: c.mandate_reference.clone(),
        signature_date_field: None,
        email: None,
        street: None,
        zip: None,
        city: None,
        country_code: None,
        updated_at: c.update.map(|t| t.with_timezone(&Utc)),
    };
    lookups.apply_derived(c.id.0, &mut contact);
    Ok(contact)
}

/// What is wrong with a field, in English and German (`is missing`, `fehlt`).
type What<'a> = (&'a str, &'a str);

fn invoice_problem(inv: &sevdesk::Invoice, field: &str, (what, was): What<'_>) -> SyncProblem {
    let label = inv
        .invoice_number
        .clone()
        .unwrap_or_else(|| format!("id {}", inv.id));
    SyncProblem {
        object: "Invoice".into(),
        id: Some(label.clone()),
        message: format!("invoice {label}: field `{field}` {what}; the invoice was skipped"),
        message_de: format!(
            "Rechnung {label}: das Feld `{field}` {was}; die Rechnung wurde übersprungen"
        ),
    }
}

const MISSING: What<'static> = ("is missing", "fehlt");
const TOO_LARGE: What<'static> = ("is too large", "ist zu groß");
const NOT_A_NUMBER: What<'static> = ("is missing or not a number", "fehlt oder ist keine Zahl");

/// Exact euro cents; sevdesk amounts with fractions of a cent are refused, never rounded.
fn cents(amount: Decimal) -> Option<i64> {
    let scaled = amount.checked_mul(Decimal::ONE_HUNDRED)?;
    if !scaled.fract().is_zero() {
        return None;
    }
    i64::try_from(scaled).ok()
}

fn amount_cents(
    inv: &sevdesk::Invoice,
    field: &str,
    amount: Option<Decimal>,
) -> Result<Option<i64>, SyncProblem> {
    match amount {
        None => Ok(None),
        Some(a) => cents(a).map(Some).ok_or_else(|| {
            invoice_problem(
                inv,
                field,
                (
                    &format!("holds {a}, which is not a whole number of cents"),
                    &format!("enthält {a}, keinen ganzen Centbetrag"),
                ),
            )
        }),
    }
}

pub(crate) fn map_invoice(
    inv: &sevdesk::Invoice,
    known_contacts: &HashSet<SevdeskId>,
    skipped_contacts: &HashSet<u64>,
) -> Result<Invoice, SyncProblem> {
    let id = sevdesk_id(inv.id).ok_or_else(|| invoice_problem(inv, "id", TOO_LARGE))?;
    let contact = inv
        .contact
        .as_ref()
        .ok_or_else(|| invoice_problem(inv, "contact", MISSING))?;
    if skipped_contacts.contains(&contact.id.0) {
        return Err(invoice_problem(
            inv,
            "contact",
            (
                &format!(
                    "names contact {}, which was skipped (see that contact's problem)",
                    contact.id
                ),
                &format!(
                    "nennt den Kontakt {}, der übersprungen wurde (siehe dessen Problem)",
                    contact.id
                ),
            ),
        ));
    }
    let contact_id = sevdesk_id(contact.id)
        .filter(|id| known_contacts.contains(id))
        .ok_or_else(|| {
            invoice_problem(
                inv,
                "contact",
                (
                    &format!("names contact {}, which sevdesk does not list", contact.id),
                    &format!("nennt den Kontakt {}, den sevdesk nicht führt", contact.id),
                ),
            )
        })?;
    let status = inv
        .status
        .as_ref()
        .and_then(|s| s.code().parse::<i32>().ok())
        .ok_or_else(|| invoice_problem(inv, "status", NOT_A_NUMBER))?;
    let invoice_type = inv
        .invoice_type
        .as_ref()
        .map(|t| t.code().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| invoice_problem(inv, "invoiceType", MISSING))?;
    let currency = inv
        .currency
        .clone()
        .ok_or_else(|| invoice_problem(inv, "currency", MISSING))?;
    let sum_gross_cents = amount_cents(inv, "sumGross", inv.sum_gross)?
        .ok_or_else(|| invoice_problem(inv, "sumGross", MISSING))?;
    let paid_cents = amount_cents(inv, "paidAmount", inv.paid_amount)?.unwrap_or(0);
    Ok(Invoice {
        id,
        number: inv.invoice_number.clone(),
        invoice_type,
        status,
        contact_id,
        currency,
        sum_gross_cents,
        paid_cents,
        payment_method_id: inv.payment_method.as_ref().and_then(|p| sevdesk_id(p.id)),
        invoice_date: inv.invoice_day(),
        due_date: inv.due_date(),
        updated_at: inv.update.map(|t| t.with_timezone(&Utc)),
        gone: false,
    })
}

fn map_credit_note(note: &sevdesk::CreditNote) -> Result<CreditNote, SyncProblem> {
    let label = note
        .credit_note_number
        .clone()
        .unwrap_or_else(|| format!("id {}", note.id));
    let problem = |field: &str, (what, was): What<'_>| SyncProblem {
        object: "CreditNote".into(),
        id: Some(label.clone()),
        message: format!(
            "credit note {label}: field `{field}` {what}; the credit note was skipped"
        ),
        message_de: format!(
            "Gutschrift {label}: das Feld `{field}` {was}; die Gutschrift wurde übersprungen"
        ),
    };
    let id = sevdesk_id(note.id).ok_or_else(|| problem("id", TOO_LARGE))?;
    let contact_id = note
        .contact
        .as_ref()
        .and_then(|c| sevdesk_id(c.id))
        .ok_or_else(|| problem("contact", MISSING))?;
    let gross = note.sum_gross.ok_or_else(|| problem("sumGross", MISSING))?;
    // What is still owed to the customer: gross minus what was already paid out.
    let open = gross
        .checked_sub(note.paid_amount.unwrap_or(Decimal::ZERO))
        .and_then(cents)
        .ok_or_else(|| {
            problem(
                "sumGross",
                (
                    "is not a whole number of cents",
                    "ist kein ganzer Centbetrag",
                ),
            )
        })?;
    let status = note
        .status
        .as_ref()
        .and_then(|s| s.code().parse::<i32>().ok())
        .ok_or_else(|| problem("status", NOT_A_NUMBER))?;
    Ok(CreditNote {
        id,
        contact_id,
        invoice_id: note.invoice_ref().and_then(sevdesk_id),
        amount_cents: open,
        status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn cents_are_exact_or_refused() {
        assert_eq!(cents(Decimal::from_str("34.51").unwrap()), Some(3451));
        assert_eq!(cents(Decimal::from_str("-46.6500").unwrap()), Some(-4665));
        assert_eq!(cents(Decimal::from_str("29").unwrap()), Some(2900));
        assert_eq!(cents(Decimal::from_str("0.005").unwrap()), None);
    }
}
