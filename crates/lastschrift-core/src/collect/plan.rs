//! The plan of a collection run: which invoices are debited, for how much, on which date — and
//! for every open invoice left out, why.
//!
//! A functional core: [`Snapshot::load`] reads everything the rules look at from the store once;
//! [`plan`] then decides every invoice without any I/O, so each rule is a plain function of its
//! inputs and `collect --dry-run`, the web preview and the run itself are the very same decision.
//! The debits of a plan carry validated SEPA values (IBAN, BIC, name, mandate id, remittance,
//! address): building the file never parses a string again.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

pub use super::eligibility::Explanation;
use super::mandate::usable_mandate;
use super::{AnnouncedAs, ExclusionReason, invoice_exclusion};
use crate::settings::{
    CharacterPolicy, DueDatePolicy, Policies, PreNotificationPolicy, SequenceTypePolicy, Settings,
};
use lastschrift_store::{
    Amendment, Contact, CreditNote, DebitFollowUp, DebitStatus, FollowUp, Invoice, LedgerDebit,
    Mandate, MandateStatus, PaymentMethod, Scheme, SequenceType, SevdeskId, Store, StoreError,
};

/// A debit the run will write, in validated SEPA values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedDebit {
    pub invoice_id: SevdeskId,
    pub invoice_number: Option<String>,
    pub invoice_date: Option<NaiveDate>,
    pub contact_id: SevdeskId,
    pub customer_number: Option<String>,
    /// The debtor name as it will be written (after the character policy).
    pub debtor_name: sepa::Name,
    pub iban: sepa::Iban,
    pub bic: Option<sepa::Bic>,
    pub mandate_reference: sepa::MandateId,
    pub signature_date: NaiveDate,
    pub scheme: Scheme,
    pub sequence_type: SequenceType,
    pub amount_cents: i64,
    #[serde(skip)]
    pub amount: sepa::Amount,
    pub collection_date: NaiveDate,
    /// The rule that decided the collection date (the run's date, or the invoice's due date).
    pub date_reason: Explanation,
    pub remittance: sepa::RemittanceText,
    pub amendment: Option<PlannedAmendment>,
    /// Which mandate reference the debit uses, from which source, and what it overruled.
    pub reference_source: Explanation,
    /// Things the user should know that do not stop the debit (a transliterated name, a dropped BIC).
    pub notes: Vec<Explanation>,
    /// The pre-notification that announced this debit in time (`pre_notification = "send"`).
    pub pre_notification: Option<lastschrift_store::AnnouncedInvoice>,
    /// The registry record to create or complete before the run is recorded.
    #[serde(skip)]
    pub mandate_to_register: Option<Mandate>,
    /// Written where the SEPA rules ask for it (banks outside the EEA).
    #[serde(skip)]
    pub debtor_address: Option<sepa::PostalAddress>,
}

/// What changed since the mandate's last use (a mandate amendment, `AmdmntInd`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedAmendment {
    /// The reference the mandate was last collected under.
    pub original_reference: Option<sepa::MandateId>,
    /// The account the bank saw last.
    pub original_iban: Option<sepa::Iban>,
    /// The account moved to another bank (`SMNDA`) rather than within the same one.
    #[serde(skip)]
    pub new_bank: bool,
}

impl PlannedAmendment {
    /// What the ledger keeps of it.
    pub fn to_ledger(&self) -> Amendment {
        Amendment {
            original_reference: self
                .original_reference
                .as_ref()
                .map(|r| r.as_str().to_owned()),
            original_iban: self.original_iban.as_ref().map(|i| i.as_str().to_owned()),
        }
    }

    /// What the file says of it.
    pub fn to_sepa(&self) -> sepa::Amendment {
        sepa::Amendment {
            original_mandate_id: self.original_reference,
            original_creditor_id: None,
            original_creditor_name: None,
            original_account: match &self.original_iban {
                None => None,
                Some(_) if self.new_bank => Some(sepa::OriginalAccount::NewBank),
                Some(iban) => Some(sepa::OriginalAccount::SameBank(*iban)),
            },
        }
    }
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
    /// A collection date more than [`super::WAREHOUSING_DAYS`] calendar days ahead: the bank
    /// must hold the file until then, and many refuse it.
    pub far_ahead_note: Option<Explanation>,
    /// Who announced the debits to their debtors.
    pub pre_notification_policy: PreNotificationPolicy,
    /// The same, in a sentence.
    pub pre_notification_note: Explanation,
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

    /// Whether invoices meant for direct debit were left out for data someone must fix (a
    /// mandate, an IBAN, a name, a value the SEPA rules refuse) — the CLI's exit code 1, so a
    /// cron job notices.
    pub fn has_data_to_fix(&self) -> bool {
        self.exclusions.iter().any(|e| {
            e.reason.needs_mandate_data()
                || matches!(
                    e.reason,
                    ExclusionReason::Rejected { .. }
                        | ExclusionReason::NotRereadable { .. }
                        | ExclusionReason::InvalidDebtorName { .. }
                        | ExclusionReason::ContactMissing { .. }
                )
        })
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
                d.bic.as_ref().map(|b| b.as_str()).unwrap_or(""),
                d.scheme.as_str(),
                d.sequence_type.as_str(),
                d.debtor_name.as_str(),
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
                contact_name: Some(d.debtor_name.as_str().to_owned()),
                customer_number: d.customer_number,
                amount_cents: d.amount_cents,
                reason,
            });
            self.exclusions.sort_by_key(|e| e.invoice_id);
            self.recompute_total();
        }
    }
}

/// Everything the planner looks at, read from the store at one moment.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Open invoices (status 200 and 750, not gone), by id.
    pub invoices: Vec<Invoice>,
    pub contacts: Vec<Contact>,
    /// The mandate registry.
    pub mandates: Vec<Mandate>,
    pub open_credit_notes: Vec<CreditNote>,
    pub payment_methods: Vec<PaymentMethod>,
    /// Invoices with a pending or collected debit.
    pub already_collected: HashSet<SevdeskId>,
    /// Every debit of the ledger (which account the bank saw last per mandate).
    pub ledger: Vec<LedgerDebit>,
    pub newest_run: Option<i64>,
    /// Rejected and returned debits with what happens next (bank answers, the worklist).
    pub follow_ups: Vec<DebitFollowUp>,
    /// What sent pre-notifications announced (invoice, amount, date, when).
    pub announced: Vec<lastschrift_store::AnnouncedInvoice>,
}

impl Snapshot {
    pub async fn load(store: &dyn Store) -> Result<Snapshot, StoreError> {
        Ok(Snapshot {
            invoices: store.open_invoices().await?,
            contacts: store.contacts().await?,
            mandates: store.mandates().await?,
            open_credit_notes: store.open_credit_notes().await?,
            payment_methods: store.payment_methods().await?,
            already_collected: store.active_debit_invoice_ids().await?,
            ledger: store.mandate_ledger().await?,
            newest_run: store.newest_run_id().await?,
            follow_ups: store.debit_follow_ups().await?,
            announced: store.announced_invoices().await?,
        })
    }

    /// The debtor IBAN the bank last saw for a mandate, from the ledger: that of the latest debit
    /// not withdrawn; when every debit was withdrawn, the account before the first of them (its
    /// amendment's original IBAN, else its own). `None` when the ledger has no debit of it.
    fn presented_ibans(&self) -> HashMap<&str, &str> {
        let mut latest: HashMap<&str, &LedgerDebit> = HashMap::new();
        let mut first: HashMap<&str, &LedgerDebit> = HashMap::new();
        for d in &self.ledger {
            let reference = d.mandate_reference.as_str();
            first.entry(reference).or_insert(d);
            if d.status != DebitStatus::Cancelled {
                // The ledger is ordered by id: a later one wins.
                latest.insert(reference, d);
            }
        }
        first
            .into_iter()
            .map(|(reference, first)| {
                let iban = match latest.get(reference) {
                    Some(latest) => latest.iban.as_str(),
                    None => first.original_iban.as_deref().unwrap_or(&first.iban),
                };
                (reference, iban)
            })
            .collect()
    }
}

fn pre_notification_note(policies: &Policies) -> Explanation {
    let days = policies.pre_notification_days;
    match policies.pre_notification {
        PreNotificationPolicy::Invoice => Explanation::new(
            format!(
                "pre-notification: the invoice announces each debit (policies.pre_notification = \"invoice\"); nothing is sent, and the collection date is at least {days} days from today"
            ),
            format!(
                "Vorabankündigung: Die Rechnung kündigt jede Lastschrift an (Einstellung policies.pre_notification = \"invoice\"); es wird nichts verschickt, das Einzugsdatum liegt mindestens {days} Tage nach heute."
            ),
        ),
        PreNotificationPolicy::Send => Explanation::new(
            format!(
                "pre-notification: sent by lastschrift (`lastschrift notify`); a debit goes only when its pre-notification with the same amount and date went out at least {days} days before"
            ),
            format!(
                "Vorabankündigung: von lastschrift verschickt (lastschrift notify); eine Lastschrift geht erst mit, wenn ihre Vorabankündigung mit gleichem Betrag und Datum mindestens {days} Tage vorher verschickt wurde."
            ),
        ),
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
                "Das gewünschte Datum ist ein TARGET2-Feiertag ({}); verschoben auf den nächsten Geschäftstag.",
                day.german()
            ),
        },
    }
}

/// Which sevdesk payment methods mean direct debit, by id.
pub(crate) fn direct_debit_methods(
    policies: &Policies,
    methods: &[PaymentMethod],
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

/// The debtor's address as sevdesk holds it, if the SEPA types accept it; an address they refuse
/// is left out (the builder then says whether this debtor needs one — only outside the EEA).
fn debtor_address(contact: &Contact, policy: sepa::CharacterPolicy) -> Option<sepa::PostalAddress> {
    let town = contact.city.as_deref()?;
    let country = contact.country_code.as_deref()?;
    super::build::structured_address(
        contact.street.as_deref(),
        None,
        contact.zip.as_deref(),
        town,
        country,
        policy,
    )
    .ok()
}

/// A debit's collection date and the rule that decided it, or the reason it waits.
type Dated = Result<(NaiveDate, Explanation), ExclusionReason>;

/// The date a debit of `invoice` is collected on and the rule that decided it, or the reason it
/// waits. `run_date` is the run's collection date (earliest allowed, or the requested one).
fn debit_date(
    invoice: &Invoice,
    run_date: NaiveDate,
    run_reason: &Explanation,
    policy: DueDatePolicy,
) -> Dated {
    let Some(due) = invoice.due_date else {
        return Ok((run_date, run_reason.clone()));
    };
    match policy {
        DueDatePolicy::Ignore => Ok((
            run_date,
            Explanation::new(
                format!(
                    "{}; the due date {due} is not looked at (policies.due_date = \"ignore\")",
                    run_reason.english
                ),
                format!(
                    "{} Die Fälligkeit ({}) bleibt unberücksichtigt (policies.due_date = \"ignore\").",
                    run_reason.german,
                    due.format("%d.%m.%Y")
                ),
            ),
        )),
        _ if due <= run_date => Ok((
            run_date,
            Explanation::new(
                format!("{}; the invoice is due on {due}", run_reason.english),
                format!(
                    "{} Die Rechnung ist am {} fällig.",
                    run_reason.german,
                    due.format("%d.%m.%Y")
                ),
            ),
        )),
        DueDatePolicy::Wait => Err(ExclusionReason::WaitsForDueDate {
            due_date: due,
            collection_date: run_date,
        }),
        DueDatePolicy::CollectOnDueDate => {
            let date = sepa::calendar::next_business_day_from(due);
            let (english, german) = if date == due {
                (
                    format!("the invoice's due date {due}"),
                    format!("Fälligkeit der Rechnung ({}).", due.format("%d.%m.%Y")),
                )
            } else {
                (
                    format!("the invoice's due date {due}, moved to the next TARGET2 business day"),
                    format!(
                        "Fälligkeit der Rechnung ({}), verschoben auf den nächsten TARGET2-Geschäftstag.",
                        due.format("%d.%m.%Y")
                    ),
                )
            };
            Ok((date, Explanation::new(english, german)))
        }
    }
}

/// Plans a run from what the store holds: [`Snapshot::load`], then [`plan`].
pub async fn plan_collection(
    store: &dyn Store,
    settings: &Settings,
    now: NaiveDateTime,
    requested_date: Option<NaiveDate>,
) -> Result<CollectionPlan, StoreError> {
    let snapshot = Snapshot::load(store).await?;
    Ok(plan(&snapshot, settings, now, requested_date))
}

/// Decides every open invoice of the snapshot. `now` is bank time (Europe/Berlin, see
/// [`super::bank_time`]); `requested_date` is kept when the calendar allows it. No I/O.
pub fn plan(
    snapshot: &Snapshot,
    settings: &Settings,
    now: NaiveDateTime,
    requested_date: Option<NaiveDate>,
) -> CollectionPlan {
    plan_for(snapshot, settings, now, requested_date, Purpose::Collect)
}

/// What a plan is made for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A collection run (the dry run, the preview, the file).
    Collect,
    /// The pre-notifications of a run still to come: announced today, so its date is at least
    /// `pre_notification_days` ahead, and no announcement is asked for yet.
    Announce,
}

/// Like [`plan`], for `purpose`.
pub fn plan_for(
    snapshot: &Snapshot,
    settings: &Settings,
    now: NaiveDateTime,
    requested_date: Option<NaiveDate>,
    purpose: Purpose,
) -> CollectionPlan {
    let policies = &settings.policies;
    // With pre-notifications sent by lastschrift, each debit's own announcement sets how early
    // it may go (checked per debit below), not the calendar's "as if announced today".
    let check_announcements =
        policies.pre_notification == PreNotificationPolicy::Send && purpose == Purpose::Collect;
    let mut timing = bank_timing(policies);
    if check_announcements {
        timing.pre_notification_days = 0;
    }
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
    let run_reason = match &date_note {
        None if requested_date.is_some() => {
            Explanation::new("the requested collection date", "Gewünschtes Einzugsdatum.")
        }
        None => {
            let why = earliest_explanation(limit, policies);
            Explanation::new(
                format!("the earliest possible date: {}", why.english),
                format!("Frühestmögliches Datum: {}", why.german),
            )
        }
        Some(moved) => moved.clone(),
    };

    let contacts: HashMap<SevdeskId, &Contact> =
        snapshot.contacts.iter().map(|c| (c.id, c)).collect();
    let by_reference: HashMap<&str, &Mandate> = snapshot
        .mandates
        .iter()
        .map(|m| (m.reference.as_str(), m))
        .collect();
    // A mandate reference is unique per creditor regardless of case ("mr-1" and "MR-1" are one
    // mandate to a bank), so the registry is also searched without case.
    let by_reference_folded: HashMap<String, &Mandate> = snapshot
        .mandates
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
    for c in &snapshot.contacts {
        if let Some(r) = super::mandate::mandate_reference(c, policies) {
            reference_owners
                .entry(r.to_uppercase())
                .or_default()
                .push(c.id);
        }
    }
    let mut by_contact: HashMap<SevdeskId, Vec<&Mandate>> = HashMap::new();
    for m in &snapshot.mandates {
        by_contact.entry(m.contact_id).or_default().push(m);
    }
    let credit_note_invoices: HashSet<SevdeskId> = snapshot
        .open_credit_notes
        .iter()
        .filter_map(|n| n.invoice_id)
        .collect();
    // A credit note that names no invoice is still money owed to that customer.
    let mut unlinked_credit_notes: HashMap<SevdeskId, &CreditNote> = HashMap::new();
    for n in snapshot
        .open_credit_notes
        .iter()
        .filter(|n| n.invoice_id.is_none() && n.amount_cents > 0)
    {
        unlinked_credit_notes.entry(n.contact_id).or_insert(n);
    }
    let methods = direct_debit_methods(policies, &snapshot.payment_methods);
    let char_policy = sepa_policy(policies.character_policy);
    let presented_ibans = snapshot.presented_ibans();
    // Bank answers: per invoice its rejected/returned debits (oldest first), and the blocks.
    let mut answers_of_invoice: HashMap<SevdeskId, Vec<&DebitFollowUp>> = HashMap::new();
    for f in &snapshot.follow_ups {
        answers_of_invoice
            .entry(f.debit.invoice_id)
            .or_default()
            .push(f);
    }
    let blocks: Vec<&DebitFollowUp> = snapshot
        .follow_ups
        .iter()
        .filter(|f| matches!(f.action, FollowUp::BlockMandate | FollowUp::Review))
        .collect();

    let mut announced: HashMap<SevdeskId, Vec<&lastschrift_store::AnnouncedInvoice>> =
        HashMap::new();
    for a in &snapshot.announced {
        announced.entry(a.invoice_id).or_default().push(a);
    }
    let notice_days = u64::from(policies.pre_notification_days);
    // The first collection date a pre-notification sent today allows.
    let announced_today_allows = sepa::calendar::next_business_day_from(
        today
            .checked_add_days(chrono::Days::new(notice_days))
            .unwrap_or(today),
    );

    let mut debits = Vec::new();
    let mut exclusions = Vec::new();
    // FRST-on-first-use: the first invoice of a never-used mandate takes the FRST.
    let mut first_use_taken: HashSet<String> = HashSet::new();

    // Ended mandates: a final debit (FNAL) the bank has not rejected.
    let ended: HashSet<&str> = snapshot
        .ledger
        .iter()
        .filter(|d| {
            d.sequence_type == SequenceType::Fnal
                && !matches!(d.status, DebitStatus::Cancelled | DebitStatus::Rejected)
        })
        .map(|d| d.mandate_reference.as_str())
        .collect();
    // Invoices in the order of their collection dates, so that the first debit of a mandate
    // (FRST, OOFF) is its earliest and the final one (FNAL) its latest.
    let mut invoices: Vec<(&Invoice, Dated)> = snapshot
        .invoices
        .iter()
        .map(|i| {
            (
                i,
                debit_date(i, collection_date, &run_reason, policies.due_date),
            )
        })
        .collect();
    invoices.sort_by_key(|(i, date)| (date.as_ref().map(|d| d.0).ok(), i.id));

    for (invoice, dated) in invoices {
        let contact = contacts.get(&invoice.contact_id).copied();
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
            &snapshot.already_collected,
        ) {
            exclude(reason);
            continue;
        }
        let answers = answers_of_invoice
            .get(&invoice.id)
            .map_or(&[][..], Vec::as_slice);
        if let Some(last) = answers.last() {
            if last.action == FollowUp::Done {
                exclude(ExclusionReason::ReturnHandled {
                    reason_code: last.reason_code.clone(),
                });
                continue;
            }
            let attempts = u32::try_from(answers.len()).unwrap_or(u32::MAX);
            if last.action == FollowUp::CollectAgain && attempts > policies.bank_answers.retry_limit
            {
                exclude(ExclusionReason::RetryLimitReached {
                    attempts,
                    last_reason: last.reason_code.clone(),
                });
                continue;
            }
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
        let on = dated.as_ref().map_or(collection_date, |d| d.0);
        let governing = super::mandate::governing_mandate(
            by_contact.get(&contact.id).map_or(&[][..], Vec::as_slice),
            on,
        );
        let chosen = super::mandate::choose_reference(contact, governing, policies);
        let reference = chosen.as_ref().map(|c| c.reference.clone());
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
                            && !m.is_expired(on)
                    })
                    .max_by_key(|m| m.last_collection)
                    .copied()
            })
            .flatten();
        let usable = match usable_mandate(
            contact,
            reference.as_deref(),
            registered,
            policies,
            today,
            on,
            previous.and_then(|p| p.last_collection),
        ) {
            Ok(m) => m,
            Err(reason) => {
                exclude(reason);
                continue;
            }
        };
        if let Some(block) = blocks.iter().find(|f| {
            f.debit
                .mandate_reference
                .eq_ignore_ascii_case(&usable.mandate.reference)
                && (f.action == FollowUp::Review
                    // A new account in sevdesk is the fix for a closed or wrong one.
                    || f.blocked_iban.as_deref().is_none_or(|iban| {
                        iban.eq_ignore_ascii_case(usable.iban.as_str())
                    }))
        }) {
            exclude(ExclusionReason::MandateBlocked {
                reference: usable.mandate.reference.clone(),
                reason_code: block.reason_code.clone(),
                review: block.action == FollowUp::Review,
            });
            continue;
        }
        if usable.mandate.one_off && usable.mandate.first_collection.is_some() {
            exclude(ExclusionReason::OneOffMandateUsed {
                reference: usable.mandate.reference.clone(),
            });
            continue;
        }
        if ended.contains(usable.mandate.reference.as_str()) {
            exclude(ExclusionReason::MandateEnded {
                reference: usable.mandate.reference.clone(),
            });
            continue;
        }
        // The due date decides last: a missing mandate or IBAN is worth knowing now, before
        // the invoice is due.
        let (debit_date, date_reason) = match dated {
            Ok(dated) => dated,
            Err(reason) => {
                exclude(reason);
                continue;
            }
        };
        let (name, changes) = match sepa::Name::parse(&contact.display_name, char_policy) {
            Ok(parsed) => parsed,
            Err(error) => {
                exclude(ExclusionReason::InvalidDebtorName {
                    reason: Explanation::of(&error),
                });
                continue;
            }
        };
        let mut notes = usable.notes.clone();
        if let Some(last) = answers.last() {
            let attempt = answers.len() + 1;
            let reason = last.reason_code.as_deref().unwrap_or("?");
            let (de, en) = crate::runs::reason_meaning(reason).unwrap_or(("", ""));
            notes.push(Explanation::new(
                format!(
                    "collected again after the bank's {} {reason}{} (attempt {attempt} of {})",
                    last.debit.status,
                    if en.is_empty() {
                        String::new()
                    } else {
                        format!(": {en}")
                    },
                    policies.bank_answers.retry_limit + 1
                ),
                format!(
                    "Erneuter Einzug nach {} {reason}{} (Versuch {attempt} von {}).",
                    if last.debit.status == DebitStatus::Rejected {
                        "Ablehnung"
                    } else {
                        "Rücklastschrift"
                    },
                    if de.is_empty() {
                        String::new()
                    } else {
                        format!(": {de}")
                    },
                    policies.bank_answers.retry_limit + 1
                ),
            ));
        }
        if !changes.is_empty() {
            notes.push(Explanation::new(
                format!(
                    "the name `{}` is written as `{}`",
                    contact.display_name,
                    name.as_str()
                ),
                format!(
                    "Der Name „{}“ wird als „{}“ geschrieben.",
                    contact.display_name,
                    name.as_str()
                ),
            ));
        }
        // The reference was checked by `usable_mandate`; the registry's own spelling wins.
        let Ok(mandate_id) = sepa::MandateId::parse(&usable.mandate.reference) else {
            exclude(ExclusionReason::NoMandateReference);
            continue;
        };
        let Ok(amount) = u64::try_from(invoice.open_cents())
            .map_err(|_| ())
            .and_then(|cents| sepa::Amount::from_cents(cents).map_err(|_| ()))
        else {
            exclude(ExclusionReason::NothingToPay);
            continue;
        };
        let remittance = match sepa::RemittanceText::parse(&remittance_text(invoice), char_policy) {
            Ok((text, _)) => text,
            Err(error) => {
                exclude(ExclusionReason::Rejected {
                    field: "remittance".into(),
                    rule: sepa::Explain::code(&error),
                    reason: Explanation::of(&error),
                });
                continue;
            }
        };

        let mut announcement = None;
        if check_announcements {
            let amount_cents = invoice.open_cents();
            let of_invoice = announced.get(&invoice.id).map_or(&[][..], Vec::as_slice);
            let in_time = |a: &&lastschrift_store::AnnouncedInvoice| {
                super::bank_time(a.sent_at)
                    .date()
                    .checked_add_days(chrono::Days::new(notice_days))
                    .is_some_and(|allowed| allowed <= debit_date)
            };
            let matching: Vec<_> = of_invoice
                .iter()
                .filter(|a| a.amount_cents == amount_cents && a.collection_date == debit_date)
                .collect();
            announcement = matching
                .iter()
                .rev()
                .find(|a| in_time(a))
                .map(|a| (**a).clone());
            if announcement.is_none() {
                // Announced with this amount for another date: that date, if it can still be.
                let announced_for = of_invoice
                    .iter()
                    .rev()
                    .find(|a| a.amount_cents == amount_cents && in_time(a))
                    .map(|a| a.collection_date);
                exclude(ExclusionReason::WaitsForPreNotification {
                    announced: of_invoice.last().map(|a| AnnouncedAs {
                        collection_date: a.collection_date,
                        amount_cents: a.amount_cents,
                        sent_on: super::bank_time(a.sent_at).date(),
                    }),
                    first_date: announced_for
                        .filter(|d| *d >= collection_date)
                        .unwrap_or(announced_today_allows),
                });
                continue;
            }
        }

        // An amendment: the account changed since the mandate's last use, or the contact's
        // reference changed away from a mandate that was used before. The registry's last IBAN
        // is that of the last recorded debit, even one withdrawn before the bank saw it; the
        // ledger says which account the bank knows.
        let source = if usable.mandate.last_iban.is_some() {
            Some(&usable.mandate)
        } else {
            previous
        };
        let last_iban = source
            .and_then(|m| {
                presented_ibans
                    .get(m.reference.as_str())
                    .copied()
                    .or(m.last_iban.as_deref())
            })
            .and_then(|raw| sepa::Iban::parse(raw).ok());
        let changed_iban = last_iban.filter(|old| old != &usable.iban);
        let amendment = (previous.is_some() || changed_iban.is_some()).then(|| PlannedAmendment {
            original_reference: previous.and_then(|p| sepa::MandateId::parse(&p.reference).ok()),
            new_bank: changed_iban
                .as_ref()
                .is_some_and(|old| !old.same_bank(&usable.iban)),
            original_iban: changed_iban,
        });

        let reference = usable.mandate.reference.clone();
        let used_before = usable.mandate.first_collection.is_some() || previous.is_some();
        let sequence_type = match policies.sequence_type {
            // A one-off mandate carries exactly one debit, whatever the policy for series.
            _ if usable.mandate.one_off => {
                if !first_use_taken.insert(reference.clone()) {
                    exclude(ExclusionReason::OneOffMandateUsed { reference });
                    continue;
                }
                SequenceType::Ooff
            }
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
            // The first and last collection read back are derived from the ledger; only what
            // the user entered is stored, so they are not written back.
            Some(Mandate {
                first_collection: None,
                last_collection: None,
                ..usable.mandate.clone()
            })
        } else {
            None
        };
        debits.push(PlannedDebit {
            invoice_id: invoice.id,
            invoice_number: invoice.number.clone(),
            invoice_date: invoice.invoice_date,
            contact_id: contact.id,
            customer_number: contact.customer_number.clone(),
            debtor_name: name,
            iban: usable.iban,
            bic: usable.bic,
            mandate_reference: mandate_id,
            signature_date: usable.signature_date,
            scheme: usable.scheme,
            sequence_type,
            amount_cents: invoice.open_cents(),
            amount,
            collection_date: debit_date,
            date_reason,
            remittance,
            amendment,
            reference_source: chosen
                .as_ref()
                .map(|c| c.explanation())
                .unwrap_or_else(|| Explanation::new("", "")),
            notes,
            pre_notification: announcement,
            mandate_to_register,
            debtor_address: debtor_address(contact, char_policy),
        });
    }

    // A mandate marked as ending: its latest debit in this run is the final one (FNAL). A FRST
    // or OOFF stays what it is; the FNAL then follows in a later run.
    let ending: HashSet<&str> = snapshot
        .mandates
        .iter()
        .filter(|m| m.ending)
        .map(|m| m.reference.as_str())
        .collect();
    if !ending.is_empty() {
        let mut last: HashMap<String, usize> = HashMap::new();
        for (i, d) in debits.iter().enumerate() {
            if ending.contains(d.mandate_reference.as_str()) {
                // Debits are in date order: a later one replaces the earlier.
                last.insert(d.mandate_reference.as_str().to_owned(), i);
            }
        }
        for i in last.into_values() {
            if debits[i].sequence_type == SequenceType::Rcur {
                debits[i].sequence_type = SequenceType::Fnal;
            }
        }
    }
    debits.sort_by_key(|d| (d.collection_date, d.invoice_id));
    let latest_date = debits
        .last()
        .map_or(collection_date, |d| d.collection_date.max(collection_date));
    let far_ahead_note = ((latest_date - today).num_days() > super::WAREHOUSING_DAYS).then(|| {
        let date = latest_date.format("%d.%m.%Y");
        let days = (latest_date - today).num_days();
        Explanation::new(
            format!(
                "the collection date {date} is {days} days ahead: the bank must hold the file until then; many banks accept files at most {} calendar days ahead, ask yours or hand the file in later",
                super::WAREHOUSING_DAYS
            ),
            format!(
                "Das Einzugsdatum {date} liegt {days} Tage in der Zukunft: Die Bank muss die Datei bis dahin aufbewahren; viele Banken nehmen Dateien höchstens {} Kalendertage im Voraus an. Bitte bei der Bank nachfragen oder die Datei später einreichen.",
                super::WAREHOUSING_DAYS
            ),
        )
    });

    exclusions.sort_by_key(|e| e.invoice_id);
    let mut plan = CollectionPlan {
        planned_at: now,
        earliest_date,
        earliest_reason: earliest_explanation(limit, policies),
        collection_date,
        date_note,
        far_ahead_note,
        pre_notification_policy: policies.pre_notification,
        pre_notification_note: pre_notification_note(policies),
        debits,
        exclusions,
        total_cents: 0,
        fingerprint: String::new(),
    };
    plan.recompute_total();
    // What the SEPA rules refuse (e.g. a debtor outside the EEA without BIC or address) is found
    // by building the messages once; those debits become exclusions too, so the preview is
    // honest and the verdict is the SEPA crate's, the same as `lastschrift pain008` gives.
    if let Ok(creditor) = super::build::creditor(settings) {
        super::build::exclude_rejected(&mut plan, &creditor, settings, now);
    }
    plan.fingerprint = plan.compute_fingerprint(snapshot.newest_run);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::CreditorSettings;
    use crate::settings::DueDatePolicy;
    use chrono::NaiveTime;
    use lastschrift_store::MandateSource;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn now() -> NaiveDateTime {
        d(2026, 12, 2).and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap())
    }

    fn settings() -> Settings {
        Settings {
            creditor: Some(CreditorSettings {
                name: "Muster GmbH".into(),
                iban: "DE89370400440532013000".into(),
                bic: None,
                creditor_id: "DE98ZZZ09999999999".into(),
                address: None,
            }),
            ..Settings::default()
        }
    }

    fn contact(id: SevdeskId, customer_number: &str) -> Contact {
        super::super::test_contact(id, customer_number)
    }

    fn invoice(id: SevdeskId, contact_id: SevdeskId, cents: i64) -> Invoice {
        Invoice {
            id,
            number: Some(format!("RE-{id}")),
            invoice_type: "RE".into(),
            status: lastschrift_store::invoice_status::OPEN,
            contact_id,
            currency: "EUR".into(),
            sum_gross_cents: cents,
            paid_cents: 0,
            payment_method_id: Some(1),
            invoice_date: Some(d(2026, 11, 20)),
            due_date: Some(d(2026, 12, 4)),
            updated_at: None,
            gone: false,
        }
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            invoices: vec![invoice(10, 1, 4_900), invoice(11, 2, 1_250)],
            contacts: vec![contact(1, "K-1"), contact(2, "K-2")],
            payment_methods: vec![PaymentMethod {
                id: 1,
                name: "Lastschrift".into(),
                electronic_invoice_id: Some("59".into()),
            }],
            ..Snapshot::default()
        }
    }

    #[test]
    fn the_plan_is_a_function_of_the_snapshot() {
        let s = snapshot();
        let a = plan(&s, &settings(), now(), None);
        let b = plan(&s, &settings(), now(), None);
        assert_eq!(a, b);
        assert_eq!(a.debits.len(), 2);
        assert_eq!(a.total_cents, 6_150);
        assert_eq!(a.debits[0].iban.as_str(), "DE02120300000000202051");
        assert_eq!(
            a.debits[0].remittance.as_str(),
            "Rechnung RE-10 vom 20.11.2026"
        );
        // Another newest run makes another preview of the same debits.
        let later = Snapshot {
            newest_run: Some(7),
            ..s
        };
        assert_ne!(
            plan(&later, &settings(), now(), None).fingerprint,
            a.fingerprint
        );
    }

    #[test]
    fn a_collection_date_beyond_fourteen_days_warns_that_the_bank_must_hold_the_file() {
        let s = snapshot();
        // now() is 2 Dec 2026: 16 Dec is 14 days ahead, 17 Dec 15.
        let within = plan(&s, &settings(), now(), Some(d(2026, 12, 16)));
        assert_eq!(within.collection_date, d(2026, 12, 16));
        assert_eq!(within.far_ahead_note, None);
        let beyond = plan(&s, &settings(), now(), Some(d(2026, 12, 17)));
        let note = beyond.far_ahead_note.expect("a warning beyond 14 days");
        assert!(note.german.contains("17.12.2026 liegt 15 Tage"), "{note:?}");
        assert!(note.english.contains("14 calendar days"), "{note:?}");
        assert_eq!(beyond.debits.len(), 2, "a warning, no exclusion");
    }

    #[test]
    fn a_reference_two_contacts_share_is_collected_from_neither() {
        let mut s = snapshot();
        s.contacts[1].customer_number = Some("k-1".into());
        let p = plan(&s, &settings(), now(), None);
        assert!(p.debits.is_empty(), "{:?}", p.debits);
        assert!(
            p.exclusions
                .iter()
                .all(|e| e.reason.code() == "mandate_reference_shared")
        );
    }

    #[test]
    fn the_registry_decides_whose_a_shared_reference_is() {
        let mut s = snapshot();
        s.contacts[1].customer_number = Some("K-1".into());
        let mut m = Mandate::new("K-1", 1, MandateSource::CsvImport);
        m.signature_date = Some(d(2024, 1, 2));
        s.mandates.push(m);
        let p = plan(&s, &settings(), now(), None);
        assert_eq!(p.debits.len(), 1);
        assert_eq!(p.debits[0].contact_id, 1);
        assert_eq!(p.exclusions[0].reason.code(), "mandate_of_other_contact");
    }

    #[test]
    fn frst_on_first_use_lets_one_invoice_of_a_new_mandate_go_first() {
        let mut s = snapshot();
        s.invoices.push(invoice(12, 1, 700));
        let mut settings = settings();
        settings.policies.sequence_type = SequenceTypePolicy::FrstOnFirstUse;
        let p = plan(&s, &settings, now(), None);
        let of_one: Vec<_> = p.debits.iter().filter(|d| d.contact_id == 1).collect();
        assert_eq!(of_one.len(), 1);
        assert_eq!(of_one[0].sequence_type, SequenceType::Frst);
        assert!(
            p.exclusions
                .iter()
                .any(|e| e.invoice_id == 12 && e.reason.code() == "waits_for_first_debit")
        );
    }

    #[test]
    fn the_account_the_bank_saw_last_comes_from_the_ledger() {
        let mut s = snapshot();
        let mut m = Mandate::new("K-1", 1, MandateSource::CsvImport);
        m.signature_date = Some(d(2024, 1, 2));
        m.first_collection = Some(d(2025, 1, 2));
        m.last_collection = Some(d(2026, 6, 2));
        // The registry's last IBAN is that of a debit withdrawn before the bank saw it.
        m.last_iban = Some("DE02120300000000202051".into());
        s.mandates.push(m);
        s.ledger = vec![
            LedgerDebit {
                id: 1,
                mandate_reference: "K-1".into(),
                status: DebitStatus::Collected,
                iban: "DE89370400440532013000".into(),
                original_iban: None,
                sequence_type: SequenceType::Rcur,
                collection_date: d(2026, 6, 2),
            },
            LedgerDebit {
                id: 2,
                mandate_reference: "K-1".into(),
                status: DebitStatus::Cancelled,
                iban: "DE02120300000000202051".into(),
                original_iban: Some("DE89370400440532013000".into()),
                sequence_type: SequenceType::Rcur,
                collection_date: d(2026, 11, 2),
            },
        ];
        let p = plan(&s, &settings(), now(), None);
        let debit = p
            .debits
            .iter()
            .find(|d| d.contact_id == 1)
            .unwrap_or_else(|| panic!("{:?}", p.exclusions));
        let amendment = debit.amendment.as_ref().expect("the account changed");
        assert_eq!(
            amendment.original_iban.as_ref().map(|i| i.as_str()),
            Some("DE89370400440532013000")
        );
        assert!(
            amendment.new_bank,
            "another German bank code is another bank"
        );
    }

    #[test]
    fn an_unlinked_credit_note_holds_back_the_contacts_invoices() {
        let mut s = snapshot();
        s.open_credit_notes.push(CreditNote {
            id: 5,
            contact_id: 2,
            invoice_id: None,
            amount_cents: 300,
            status: 200,
        });
        let p = plan(&s, &settings(), now(), None);
        assert_eq!(p.debits.len(), 1);
        assert_eq!(
            p.exclusions[0].reason.code(),
            "open_credit_note_for_contact"
        );
    }

    #[test]
    fn a_swiss_debtor_without_bic_gets_the_sepa_crates_verdict() {
        let mut s = snapshot();
        s.contacts[0].iban = Some("CH9300762011623852957".into());
        s.contacts[0].city = Some("Zürich".into());
        s.contacts[0].country_code = Some("CH".into());
        let p = plan(&s, &settings(), now(), None);
        let excluded = p
            .exclusions
            .iter()
            .find(|e| e.invoice_id == 10)
            .expect("the Swiss debit is left out");
        match &excluded.reason {
            ExclusionReason::Rejected {
                field,
                rule,
                reason,
            } => {
                assert_eq!(field, "debtor.bic");
                assert_eq!(*rule, "bic_required_outside_eea");
                assert!(reason.german.contains("BIC"), "{reason:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_german_policy_keeps_umlauts_and_eszett_of_austrian_debtors() {
        // Debtor name, street, town and invoice number as an Austrian sevdesk account holds
        // them; the remittance carries the invoice number.
        let customers = [
            (
                "Grünwald Bäckerei GmbH",
                "Mariahilfer Straße 12",
                "1060",
                "Wien",
            ),
            ("Jürgen Größinger", "Schönaugasse 5", "8010", "Graz"),
            ("Österreicher & Söhne KG", "Landstraße 33", "4020", "Linz"),
            (
                "Weiß Ärzte OG",
                "Maria-Theresien-Straße 18",
                "6020",
                "Innsbruck",
            ),
            (
                "Sören Hüttenbrenner",
                "Rathausplatz 1",
                "3100",
                "Sankt Pölten",
            ),
        ];
        let ibans = [
            "AT611904300234573201",
            "AT871200052066543301",
            "AT132011182715868200",
            "AT656000000001234567",
            "AT063200000000123456",
        ];
        let mut s = snapshot();
        s.contacts.clear();
        s.invoices.clear();
        for (k, ((name, street, zip, city), iban)) in customers.iter().zip(ibans).enumerate() {
            let id = 20 + k as SevdeskId;
            let mut c = contact(id, &format!("AT-{id}"));
            c.display_name = (*name).into();
            c.iban = Some(iban.into());
            c.street = Some((*street).into());
            c.zip = Some((*zip).into());
            c.city = Some((*city).into());
            c.country_code = Some("AT".into());
            s.contacts.push(c);
            let mut i = invoice(100 + id, id, 1_000 + id);
            i.number = Some(format!("RE-Süd-{id}"));
            s.invoices.push(i);
        }
        let mut german = settings();
        german.policies.character_policy = CharacterPolicy::German;
        let p = plan(&s, &german, now(), None);
        assert!(p.exclusions.is_empty(), "{:?}", p.exclusions);
        assert_eq!(p.debits.len(), customers.len());
        for (d, (name, street, zip, city)) in p.debits.iter().zip(customers) {
            assert_eq!(d.debtor_name.as_str(), name);
            assert_eq!(d.iban.country_code(), "AT");
            let address = d.debtor_address.as_ref().expect("an Austrian address");
            assert_eq!(address.street().map(|t| t.as_str()), Some(street));
            assert_eq!(address.postcode().map(|t| t.as_str()), Some(zip));
            assert_eq!(address.town().as_str(), city);
            assert_eq!(address.country().as_str(), "AT");
            assert_eq!(
                d.remittance.as_str(),
                format!("Rechnung RE-Süd-{} vom 20.11.2026", d.contact_id)
            );
            // Nothing was changed, so there is nothing to tell the user.
            assert!(d.notes.is_empty(), "{:?}", d.notes);
        }

        // The basic set would spell them differently: the policy is what keeps them.
        let p = plan(&s, &settings(), now(), None);
        assert_eq!(p.debits.len(), customers.len());
        for (d, (name, _, _, _)) in p.debits.iter().zip(customers) {
            assert!(
                d.debtor_name.as_str().is_ascii(),
                "{}",
                d.debtor_name.as_str()
            );
            assert_ne!(d.debtor_name.as_str(), name);
            let address = d.debtor_address.as_ref().expect("an Austrian address");
            assert!(address.street().is_some_and(|t| t.as_str().is_ascii()));
            assert!(d.remittance.as_str().is_ascii());
        }
    }

    fn registered(reference: &str, contact_id: SevdeskId) -> Mandate {
        let mut m = Mandate::new(reference, contact_id, MandateSource::CsvImport);
        m.signature_date = Some(d(2024, 1, 2));
        m
    }

    fn ledger_debit(
        reference: &str,
        sequence_type: SequenceType,
        status: DebitStatus,
    ) -> LedgerDebit {
        LedgerDebit {
            id: 1,
            mandate_reference: reference.into(),
            status,
            iban: "DE02120300000000202051".into(),
            original_iban: None,
            sequence_type,
            collection_date: d(2026, 11, 2),
        }
    }

    fn reason_of(p: &CollectionPlan, invoice_id: SevdeskId) -> Option<&ExclusionReason> {
        p.exclusions
            .iter()
            .find(|e| e.invoice_id == invoice_id)
            .map(|e| &e.reason)
    }

    #[test]
    fn an_invoice_due_after_the_collection_date_waits_by_default() {
        let mut s = snapshot();
        s.invoices[1].due_date = Some(d(2027, 1, 15));
        let p = plan(&s, &settings(), now(), None);
        assert_eq!(p.debits.len(), 1);
        let reason = reason_of(&p, 11).expect("the invoice not yet due is left out");
        assert_eq!(reason.code(), "waits_for_due_date");
        assert!(
            reason.german().contains("15.01.2027"),
            "{}",
            reason.german()
        );
        assert!(
            reason.english().contains("2027-01-15"),
            "{}",
            reason.english()
        );
        // The debit that goes names the rule that decided its date, in both languages.
        let debit = &p.debits[0];
        assert_eq!(debit.collection_date, p.earliest_date);
        assert!(
            debit
                .date_reason
                .german
                .starts_with("Frühestmögliches Datum")
        );
        assert!(debit.date_reason.english.contains("is due on 2026-12-04"));
    }

    #[test]
    fn collect_on_due_date_gives_each_debit_its_due_date_on_a_target2_day() {
        let mut s = snapshot();
        s.invoices[1].due_date = Some(d(2026, 12, 30));
        // Christmas Day is a TARGET2 closing day: the next business day is Monday the 28th.
        s.invoices.push(Invoice {
            due_date: Some(d(2026, 12, 25)),
            ..invoice(12, 2, 990)
        });
        let mut settings = settings();
        settings.policies.due_date = DueDatePolicy::CollectOnDueDate;
        let p = plan(&s, &settings, now(), None);
        let date_of = |id| {
            p.debits
                .iter()
                .find(|d| d.invoice_id == id)
                .unwrap_or_else(|| panic!("{:?}", p.exclusions))
        };
        assert_eq!(date_of(10).collection_date, p.earliest_date);
        assert_eq!(date_of(11).collection_date, d(2026, 12, 30));
        assert!(
            date_of(11)
                .date_reason
                .german
                .contains("Fälligkeit der Rechnung (30.12.2026)")
        );
        assert_eq!(date_of(12).collection_date, d(2026, 12, 28));
        assert!(date_of(12).date_reason.german.contains("verschoben"));
        // Debits are in date order, so a mandate's first debit is its earliest.
        let dates: Vec<_> = p.debits.iter().map(|d| d.collection_date).collect();
        assert!(dates.is_sorted(), "{dates:?}");

        // One file per date by default; one file with a block per date when switched off.
        let creditor = super::super::build::creditor(&settings).unwrap();
        let mut run = p.clone();
        let files =
            super::super::build::build_files(&mut run, &creditor, &settings, now(), "T1").unwrap();
        assert_eq!(files.len(), 3);
        settings.policies.one_collection_date_per_file = false;
        let mut run = p.clone();
        let files =
            super::super::build::build_files(&mut run, &creditor, &settings, now(), "T1").unwrap();
        assert_eq!(files.len(), 1);
        let xml = String::from_utf8(files[0].file.bytes.clone()).unwrap();
        assert_eq!(xml.matches("<ReqdColltnDt>").count(), 3, "{xml}");

        // Ignore: every debit on the run's date, due or not.
        settings.policies.due_date = DueDatePolicy::Ignore;
        let p = plan(&s, &settings, now(), None);
        assert!(
            p.debits
                .iter()
                .all(|d| d.collection_date == p.earliest_date)
        );
        assert!(
            p.debits[0]
                .date_reason
                .german
                .contains("bleibt unberücksichtigt")
        );
    }

    #[test]
    fn a_one_off_mandate_is_collected_once_with_ooff() {
        let mut s = snapshot();
        s.invoices.push(invoice(12, 1, 700));
        let mut m = registered("EINMAL-1", 1);
        m.one_off = true;
        s.mandates.push(m.clone());
        let p = plan(&s, &settings(), now(), None);
        let of_one: Vec<_> = p.debits.iter().filter(|d| d.contact_id == 1).collect();
        assert_eq!(of_one.len(), 1);
        assert_eq!(of_one[0].sequence_type, SequenceType::Ooff);
        assert_eq!(of_one[0].mandate_reference.as_str(), "EINMAL-1");
        assert_eq!(
            reason_of(&p, 12).map(|r| r.code()),
            Some("one_off_mandate_used")
        );
        // Once used, it carries no further debit.
        m.first_collection = Some(d(2026, 11, 2));
        s.mandates = vec![m];
        let p = plan(&s, &settings(), now(), None);
        assert!(p.debits.iter().all(|d| d.contact_id != 1));
        let reason = reason_of(&p, 10).unwrap();
        assert_eq!(reason.code(), "one_off_mandate_used");
        assert!(
            reason.german().contains("Einzelmandat"),
            "{}",
            reason.german()
        );
        assert!(p.has_data_to_fix(), "a used-up mandate needs a new one");
    }

    #[test]
    fn an_ending_mandate_gets_fnal_on_its_last_debit_and_then_ends() {
        let mut s = snapshot();
        s.invoices.push(invoice(12, 1, 700));
        let mut m = registered("ENDE-1", 1);
        m.first_collection = Some(d(2025, 1, 2));
        m.last_collection = Some(d(2026, 11, 2));
        m.ending = true;
        s.mandates.push(m);
        let p = plan(&s, &settings(), now(), None);
        let sequence = |id| {
            p.debits
                .iter()
                .find(|d| d.invoice_id == id)
                .unwrap()
                .sequence_type
        };
        assert_eq!(sequence(10), SequenceType::Rcur);
        assert_eq!(sequence(12), SequenceType::Fnal);
        assert_eq!(
            sequence(11),
            SequenceType::Rcur,
            "other mandates are not affected"
        );
        // After its final debit the mandate is used up...
        s.ledger = vec![ledger_debit(
            "ENDE-1",
            SequenceType::Fnal,
            DebitStatus::Pending,
        )];
        let p = plan(&s, &settings(), now(), None);
        assert_eq!(reason_of(&p, 10).map(|r| r.code()), Some("mandate_ended"));
        assert_eq!(reason_of(&p, 12).map(|r| r.code()), Some("mandate_ended"));
        // ...unless the bank rejected that final debit: then the next one is the final one.
        s.ledger = vec![ledger_debit(
            "ENDE-1",
            SequenceType::Fnal,
            DebitStatus::Rejected,
        )];
        let p = plan(&s, &settings(), now(), None);
        assert_eq!(
            p.debits
                .iter()
                .find(|d| d.invoice_id == 12)
                .map(|d| d.sequence_type),
            Some(SequenceType::Fnal)
        );
    }

    #[test]
    fn the_registry_mandate_of_a_contact_governs_under_its_own_reference() {
        // examples/mandates.csv: MANDAT-1001 for customer number 1001, whose sevdesk reference
        // falls back to the customer number.
        let mut s = snapshot();
        let mut m = registered("MANDAT-1001", 1);
        m.scheme = Scheme::B2b;
        m.signature_date = Some(d(2021, 3, 15));
        m.last_collection = Some(d(2026, 10, 1));
        s.mandates.push(m.clone());
        let p = plan(&s, &settings(), now(), None);
        let debit = p
            .debits
            .iter()
            .find(|d| d.contact_id == 1)
            .unwrap_or_else(|| panic!("{:?}", p.exclusions));
        assert_eq!(debit.mandate_reference.as_str(), "MANDAT-1001");
        assert_eq!(debit.scheme, Scheme::B2b);
        assert_eq!(debit.signature_date, d(2021, 3, 15));
        assert!(
            debit
                .reference_source
                .english
                .contains("from the mandate registry; the customer number says K-1")
        );
        assert!(
            debit
                .reference_source
                .german
                .contains("aus dem Mandatsregister; in der Kundennummer steht K-1")
        );
        // Revoked in the registry: the contact is not collected, whatever sevdesk says.
        m.status = MandateStatus::Revoked;
        s.mandates = vec![m];
        let p = plan(&s, &settings(), now(), None);
        assert_eq!(reason_of(&p, 10).map(|r| r.code()), Some("mandate_revoked"));
    }
}
