//! The plan of a collection run: which invoices are debited, for how much, on which date — and
//! for every open invoice left out, why. Planning reads only the store; it writes nothing, so
//! `collect --dry-run` and the web preview are exactly this.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::mandate::{same_bank, usable_mandate};
use super::{CollectError, ExclusionReason, invoice_exclusion};
use crate::settings::{CharacterPolicy, Policies, SequenceTypePolicy, Settings};
use crate::store::{
    Amendment, Contact, DebitStatus, Invoice, Mandate, MandateStatus, Scheme, SequenceType,
    SevdeskId, Store,
};

/// One sentence in both UI languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub english: String,
    pub german: String,
}

/// A debit the run will write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedDebit {
    pub invoice_id: SevdeskId,
    pub invoice_number: Option<String>,
    pub invoice_date: Option<NaiveDate>,
    pub contact_id: SevdeskId,
    pub customer_number: Option<String>,
    /// The debtor name as it will be written (after the character policy).
    pub debtor_name: String,
    pub iban: String,
    pub bic: Option<String>,
    pub mandate_reference: String,
    pub signature_date: NaiveDate,
    pub scheme: Scheme,
    pub sequence_type: SequenceType,
    pub amount_cents: i64,
    pub collection_date: NaiveDate,
    pub remittance: String,
    pub amendment: Option<Amendment>,
    /// Whether the amendment is a move to another bank (`SMNDA`) rather than a new account at
    /// the same bank.
    #[serde(skip)]
    pub amendment_new_bank: bool,
    /// Things the user should know that do not stop the debit (a transliterated name, a dropped BIC).
    pub notes: Vec<String>,
    /// The registry record to create or complete before the run is recorded.
    #[serde(skip)]
    pub mandate_to_register: Option<Mandate>,
    #[serde(skip)]
    pub(crate) debtor_address: Option<DebtorAddress>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DebtorAddress {
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub town: String,
    pub country: String,
}

/// An open invoice that is not collected, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exclusion {
    pub invoice_id: SevdeskId,
    pub invoice_number: Option<String>,
    pub contact_id: SevdeskId,
    pub contact_name: Option<String>,
    pub customer_number: Option<String>,
    /// What is open on the invoice.
    pub amount_cents: i64,
    pub reason: ExclusionReason,
}

/// Everything a dry run shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CollectionPlan {
    /// Bank time (Europe/Berlin) the plan was made for.
    pub planned_at: NaiveDateTime,
    pub earliest_date: NaiveDate,
    /// What sets the earliest date.
    pub earliest_reason: Explanation,
    pub collection_date: NaiveDate,
    /// Why the collection date differs from the one requested.
    pub date_note: Option<Explanation>,
    pub debits: Vec<PlannedDebit>,
    pub exclusions: Vec<Exclusion>,
    pub total_cents: i64,
    /// What this plan would write, as a short hash: the preview carries it to the confirmation,
    /// which goes ahead only while the plan is still the same, and records it with the run, so
    /// the same preview confirmed twice makes one run.
    pub fingerprint: String,
}

impl CollectionPlan {
    /// Exclusions grouped by reason code, largest group first (dashboard, summary).
    pub fn exclusions_by_reason(&self) -> Vec<(&'static str, Vec<&Exclusion>)> {
        let mut groups: HashMap<&'static str, Vec<&Exclusion>> = HashMap::new();
        for e in &self.exclusions {
            groups.entry(e.reason.code()).or_default().push(e);
        }
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        groups
    }

    pub(crate) fn recompute_total(&mut self) {
        self.total_cents = self.debits.iter().map(|d| d.amount_cents).sum();
    }

    /// The hash of everything the files would say, plus the newest run id (so that the same plan
    /// again after a run was undone is a new preview, not the old one).
    pub(crate) fn compute_fingerprint(&self, newest_run: Option<i64>) -> String {
        use sha2::{Digest, Sha256};
        use std::fmt::Write as _;
        let mut text = format!("{}|{}\n", self.collection_date, newest_run.unwrap_or(0));
        for d in &self.debits {
            let _ = writeln!(
                text,
                "{}|{}|{}|{}|{}|{}|{}|{}|{}|{:?}",
                d.invoice_id,
                d.amount_cents,
                d.mandate_reference,
                d.iban,
                d.bic.as_deref().unwrap_or(""),
                d.scheme.as_str(),
                d.sequence_type.as_str(),
                d.debtor_name,
                d.collection_date,
                d.amendment,
            );
        }
        Sha256::digest(text.as_bytes())
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Moves the debit of `invoice_id` to the exclusions with `reason`.
    pub(crate) fn exclude(&mut self, invoice_id: SevdeskId, reason: ExclusionReason) {
        if let Some(pos) = self.debits.iter().position(|d| d.invoice_id == invoice_id) {
            let d = self.debits.remove(pos);
            self.exclusions.push(Exclusion {
                invoice_id: d.invoice_id,
                invoice_number: d.invoice_number,
                contact_id: d.contact_id,
                contact_name: Some(d.debtor_name),
                customer_number: d.customer_number,
                amount_cents: d.amount_cents,
                reason,
            });
            self.exclusions.sort_by_key(|e| e.invoice_id);
            self.recompute_total();
        }
    }
}

/// The bank timing of the policies.
pub fn bank_timing(policies: &Policies) -> sepa::calendar::BankTiming {
    sepa::calendar::BankTiming {
        cut_off: policies.cut_off_time,
        lead_days: policies.bank_lead_days,
        pre_notification_days: policies.pre_notification_days,
    }
}

pub(crate) fn sepa_policy(policy: CharacterPolicy) -> sepa::CharacterPolicy {
    match policy {
        CharacterPolicy::Basic => sepa::CharacterPolicy::Basic,
        CharacterPolicy::German => sepa::CharacterPolicy::German,
    }
}

fn earliest_explanation(limit: sepa::calendar::EarliestLimit, policies: &Policies) -> Explanation {
    use sepa::calendar::EarliestLimit;
    let german = match limit {
        EarliestLimit::BankLeadTime => format!(
            "Die Bank braucht die Datei {} Geschäftstag(e) vor dem Einzugstag (TARGET2-Kalender).",
            policies.bank_lead_days.max(1)
        ),
        EarliestLimit::CutOffPassed => format!(
            "Der heutige Annahmeschluss der Bank ({}) ist vorbei.",
            policies.cut_off_time.format("%H:%M")
        ),
        EarliestLimit::PreNotification => format!(
            "Die Zahlungspflichtigen müssen {} Tage vorher informiert werden (Vorabankündigung).",
            policies.pre_notification_days
        ),
    };
    let english = match limit {
        EarliestLimit::BankLeadTime => format!(
            "the bank needs the file {} TARGET2 business day(s) before the collection date",
            policies.bank_lead_days.max(1)
        ),
        EarliestLimit::CutOffPassed => format!(
            "today's cut-off time at the bank ({}) has passed",
            policies.cut_off_time.format("%H:%M")
        ),
        EarliestLimit::PreNotification => format!(
            "the debtors must be notified {} days in advance (pre-notification)",
            policies.pre_notification_days
        ),
    };
    Explanation { english, german }
}

fn move_explanation(moved: &sepa::calendar::DateMove, policies: &Policies) -> Explanation {
    use sepa::calendar::DateMove;
    match moved {
        DateMove::TooEarly { limit, earliest } => {
            let why = earliest_explanation(*limit, policies);
            Explanation {
                english: format!(
                    "the requested date is too early, moved to {earliest}: {}",
                    why.english
                ),
                german: format!(
                    "Das gewünschte Datum ist zu früh, verschoben auf den {}: {}",
                    earliest.format("%d.%m.%Y"),
                    why.german
                ),
            }
        }
        DateMove::ClosingDay { day } => Explanation {
            english: format!(
                "the requested date is a TARGET2 closing day ({day}); moved to the next business day"
            ),
            german: format!(
                "Das gewünschte Datum ist ein TARGET2-Feiertag ({day}); verschoben auf den nächsten Geschäftstag."
            ),
        },
    }
}

/// Which sevdesk payment methods mean direct debit, by id.
pub(crate) fn direct_debit_methods(
    policies: &Policies,
    methods: &[crate::store::PaymentMethod],
) -> HashSet<SevdeskId> {
    let configured = &policies.direct_debit_payment_methods;
    let mut ids: HashSet<SevdeskId> = configured
        .payment_method_ids
        .iter()
        .filter_map(|id| i64::try_from(*id).ok())
        .collect();
    for m in methods {
        if m.electronic_invoice_id
            .as_deref()
            .is_some_and(|code| configured.electronic_invoice_ids.iter().any(|c| c == code))
        {
            ids.insert(m.id);
        }
    }
    ids
}

fn remittance_text(invoice: &Invoice) -> String {
    match (&invoice.number, invoice.invoice_date) {
        (Some(number), Some(date)) => {
            format!("Rechnung {number} vom {}", date.format("%d.%m.%Y"))
        }
        (Some(number), None) => format!("Rechnung {number}"),
        (None, _) => format!("Rechnung (sevdesk-ID {})", invoice.id),
    }
}

/// The debtor IBAN the bank last saw for a mandate, from the ledger: that of the latest debit
/// not withdrawn; when every debit was withdrawn, the account before the first of them (its
/// amendment's original IBAN, else its own). `None` when the ledger has no debit of the mandate.
async fn presented_iban(
    store: &dyn Store,
    reference: &str,
) -> Result<Option<String>, CollectError> {
    let debits = store.debits_for_mandate(reference).await?;
    if let Some(latest) = debits
        .iter()
        .filter(|d| d.status != DebitStatus::Cancelled)
        .max_by_key(|d| d.id)
    {
        return Ok(Some(latest.iban.clone()));
    }
    let Some(first) = debits.iter().min_by_key(|d| d.id) else {
        return Ok(None);
    };
    let original = store
        .mandate_amendments(reference)
        .await?
        .into_iter()
        .find(|a| a.debit_id == Some(first.id))
        .and_then(|a| a.original_iban);
    Ok(Some(original.unwrap_or_else(|| first.iban.clone())))
}

/// Plans a run from what the store holds. `now` is bank time (Europe/Berlin, see
/// [`super::bank_time`]); `requested_date` is kept when the calendar allows it.
pub async fn plan_collection(
    store: &dyn Store,
    settings: &Settings,
    now: NaiveDateTime,
    requested_date: Option<NaiveDate>,
) -> Result<CollectionPlan, CollectError> {
    let policies = &settings.policies;
    let timing = bank_timing(policies);
    let (earliest_date, limit) = sepa::calendar::earliest_collection_date(&timing, now);
    let (collection_date, date_note) = match requested_date {
        None => (earliest_date, None),
        Some(requested) => {
            let decided = sepa::calendar::collection_date(&timing, now, requested);
            (
                decided.date,
                decided
                    .moved
                    .as_ref()
                    .map(|m| move_explanation(m, policies)),
            )
        }
    };
    let today = now.date();

    let invoices = store.open_invoices().await?;
    let contacts: HashMap<SevdeskId, Contact> = store
        .contacts()
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mandates = store.mandates().await?;
    let by_reference: HashMap<&str, &Mandate> =
        mandates.iter().map(|m| (m.reference.as_str(), m)).collect();
    // A mandate reference is unique per creditor regardless of case ("mr-1" and "MR-1" are one
    // mandate to a bank), so the registry is also searched without case.
    let by_reference_folded: HashMap<String, &Mandate> = mandates
        .iter()
        .map(|m| (m.reference.to_uppercase(), m))
        .collect();
    let registry_entry = |reference: &str| {
        by_reference
            .get(reference)
            .or_else(|| by_reference_folded.get(&reference.to_uppercase()))
            .copied()
    };
    // Which contacts carry each reference in sevdesk (case folded).
    let mut reference_owners: HashMap<String, Vec<SevdeskId>> = HashMap::new();
    for c in contacts.values() {
        if let Some(r) = super::mandate::mandate_reference(c, policies) {
            reference_owners
                .entry(r.to_uppercase())
                .or_default()
                .push(c.id);
        }
    }
    let mut by_contact: HashMap<SevdeskId, Vec<&Mandate>> = HashMap::new();
    for m in &mandates {
        by_contact.entry(m.contact_id).or_default().push(m);
    }
    let credit_notes = store.open_credit_notes().await?;
    let credit_note_invoices: HashSet<SevdeskId> =
        credit_notes.iter().filter_map(|n| n.invoice_id).collect();
    // A credit note that names no invoice is still money owed to that customer.
    let mut unlinked_credit_notes: HashMap<SevdeskId, &crate::store::CreditNote> = HashMap::new();
    for n in credit_notes
        .iter()
        .filter(|n| n.invoice_id.is_none() && n.amount_cents > 0)
    {
        unlinked_credit_notes.entry(n.contact_id).or_insert(n);
    }
    let already_collected = store.active_debit_invoice_ids().await?;
    let methods = direct_debit_methods(policies, &store.payment_methods().await?);
    let char_policy = sepa_policy(policies.character_policy);
    let creditor_country = settings
        .creditor
        .as_ref()
        .and_then(|c| sepa::Iban::parse(&c.iban).ok())
        .map(|iban| iban.country_code().to_owned());

    let mut debits = Vec::new();
    let mut exclusions = Vec::new();
    // FRST-on-first-use: the first invoice of a never-used mandate takes the FRST.
    let mut first_use_taken: HashSet<String> = HashSet::new();
    // Per mandate reference: the debtor IBAN the bank last saw, from the ledger.
    let mut presented_ibans: HashMap<String, Option<String>> = HashMap::new();

    for invoice in &invoices {
        let contact = contacts.get(&invoice.contact_id);
        let mut exclude = |reason: ExclusionReason| {
            exclusions.push(Exclusion {
                invoice_id: invoice.id,
                invoice_number: invoice.number.clone(),
                contact_id: invoice.contact_id,
                contact_name: contact.map(|c| c.display_name.clone()),
                customer_number: contact.and_then(|c| c.customer_number.clone()),
                amount_cents: invoice.open_cents(),
                reason,
            })
        };
        if let Some(reason) = invoice_exclusion(
            invoice,
            &methods,
            policies.collect_partial_remainders,
            &credit_note_invoices,
            &already_collected,
        ) {
            exclude(reason);
            continue;
        }
        if let Some(note) = unlinked_credit_notes.get(&invoice.contact_id) {
            exclude(ExclusionReason::OpenCreditNoteForContact {
                credit_note_id: note.id,
                amount_cents: note.amount_cents,
            });
            continue;
        }
        let Some(contact) = contact else {
            exclude(ExclusionReason::ContactMissing {
                contact_id: invoice.contact_id,
            });
            continue;
        };
        let reference = super::mandate::mandate_reference(contact, policies);
        let registered = reference.as_deref().and_then(registry_entry);
        if let (Some(reference), None) = (&reference, registered) {
            let mut others: Vec<SevdeskId> = reference_owners
                .get(&reference.to_uppercase())
                .into_iter()
                .flatten()
                .copied()
                .filter(|id| *id != contact.id)
                .collect();
            if !others.is_empty() {
                others.sort_unstable();
                exclude(ExclusionReason::MandateReferenceShared {
                    reference: reference.clone(),
                    other_contact_ids: others,
                });
                continue;
            }
        }
        // The contact's last used mandate under another reference: the current reference then
        // continues it (an amendment), unless the current one has been used itself.
        let current_reference = registered
            .map(|m| m.reference.as_str())
            .or(reference.as_deref());
        let previous = registered
            .and_then(|m| m.last_collection)
            .is_none()
            .then(|| {
                by_contact
                    .get(&contact.id)
                    .into_iter()
                    .flatten()
                    .filter(|m| {
                        // A lapsed mandate (36 months unused) is gone: what follows it is a
                        // new mandate, not an amendment of it.
                        Some(m.reference.as_str()) != current_reference
                            && m.last_collection.is_some()
                            && m.status == MandateStatus::Active
                            && !m.is_expired(collection_date)
                    })
                    .max_by_key(|m| m.last_collection)
                    .copied()
            })
            .flatten();
        let usable = match usable_mandate(
            contact,
            registered,
            policies,
            today,
            collection_date,
            previous.and_then(|p| p.last_collection),
        ) {
            Ok(m) => m,
            Err(reason) => {
                exclude(reason);
                continue;
            }
        };
        // IBAN-only works inside the EEA; when a bank in a SEPA country outside it (CH, GB, …)
        // takes part, the debtor bank's BIC is required (the postal address too: the builder
        // checks that).
        if usable.bic.is_none()
            && let Some(country) = [
                Some(usable.iban.country_code()),
                creditor_country.as_deref(),
            ]
            .into_iter()
            .flatten()
            .find(|c| sepa::country::is_non_eea_sepa(c))
        {
            exclude(ExclusionReason::Rejected {
                field: "debtor.bic".into(),
                message: format!(
                    "the BIC of the debtor's bank is required because a bank in {country} (a SEPA country outside the EEA) takes part; enter it with the contact's bank details in sevdesk"
                ),
            });
            continue;
        }
        let (name, changes) = match sepa::Name::parse(&contact.display_name, char_policy) {
            Ok(parsed) => parsed,
            Err(error) => {
                exclude(ExclusionReason::InvalidDebtorName {
                    reason: error.to_string(),
                });
                continue;
            }
        };
        let mut notes = usable.notes.clone();
        if !changes.is_empty() {
            notes.push(format!(
                "the name `{}` is written as `{}`",
                contact.display_name,
                name.as_str()
            ));
        }

        // An amendment: the account changed since the mandate's last use, or the contact's
        // reference changed away from a mandate that was used before.
        let reference = usable.mandate.reference.clone();
        // The registry's last IBAN is that of the last recorded debit, even one withdrawn
        // before the bank saw it; the ledger says which account the bank knows.
        let source = if usable.mandate.last_iban.is_some() {
            Some(&usable.mandate)
        } else {
            previous
        };
        let last_iban_raw = match source {
            None => None,
            Some(m) => {
                if !presented_ibans.contains_key(&m.reference) {
                    let known = presented_iban(store, &m.reference).await?;
                    presented_ibans.insert(m.reference.clone(), known);
                }
                presented_ibans[&m.reference]
                    .clone()
                    .or_else(|| m.last_iban.clone())
            }
        };
        let last_iban = last_iban_raw.and_then(|raw| sepa::Iban::parse(&raw).ok());
        let changed_iban = last_iban.filter(|old| old != &usable.iban);
        let amendment = (previous.is_some() || changed_iban.is_some()).then(|| Amendment {
            original_reference: previous.map(|p| p.reference.clone()),
            original_iban: changed_iban.as_ref().map(|i| i.as_str().to_owned()),
        });
        let amendment_new_bank = changed_iban
            .as_ref()
            .is_some_and(|old| !same_bank(old, &usable.iban));

        let used_before = usable.mandate.first_collection.is_some() || previous.is_some();
        let sequence_type = match policies.sequence_type {
            SequenceTypePolicy::RcurOnly => SequenceType::Rcur,
            SequenceTypePolicy::FrstOnFirstUse if used_before => SequenceType::Rcur,
            SequenceTypePolicy::FrstOnFirstUse => {
                if !first_use_taken.insert(reference.clone()) {
                    exclude(ExclusionReason::WaitsForFirstDebit { reference });
                    continue;
                }
                SequenceType::Frst
            }
        };

        let mandate_to_register = if !usable.registered
            || usable.mandate.signature_date != registered.and_then(|m| m.signature_date)
        {
            Some(usable.mandate.clone())
        } else {
            None
        };
        let debtor_address = contact
            .city
            .as_ref()
            .zip(contact.country_code.as_ref())
            .map(|(town, country)| DebtorAddress {
                street: contact.street.clone(),
                postcode: contact.zip.clone(),
                town: town.clone(),
                country: country.clone(),
            });
        debits.push(PlannedDebit {
            invoice_id: invoice.id,
            invoice_number: invoice.number.clone(),
            invoice_date: invoice.invoice_date,
            contact_id: contact.id,
            customer_number: contact.customer_number.clone(),
            debtor_name: name.as_str().to_owned(),
            iban: usable.iban.as_str().to_owned(),
            bic: usable.bic.as_ref().map(|b| b.as_str().to_owned()),
            mandate_reference: reference,
            signature_date: usable.signature_date,
            scheme: usable.scheme,
            sequence_type,
            amount_cents: invoice.open_cents(),
            collection_date,
            remittance: remittance_text(invoice),
            amendment,
            amendment_new_bank,
            notes,
            mandate_to_register,
            debtor_address,
        });
    }

    exclusions.sort_by_key(|e| e.invoice_id);
    let mut plan = CollectionPlan {
        planned_at: now,
        earliest_date,
        earliest_reason: earliest_explanation(limit, policies),
        collection_date,
        date_note,
        debits,
        exclusions,
        total_cents: 0,
        fingerprint: String::new(),
    };
    plan.recompute_total();
    // What the SEPA rules refuse (e.g. a debtor outside the EEA without an address) is found by
    // building the messages once; those debits become exclusions too, so the preview is honest.
    if let Ok(creditor) = super::build::creditor(settings) {
        super::build::exclude_rejected(&mut plan, &creditor, settings, now);
    }
    let newest_run = store.collection_runs().await?.first().map(|r| r.id);
    plan.fingerprint = plan.compute_fingerprint(newest_run);
    Ok(plan)
}
