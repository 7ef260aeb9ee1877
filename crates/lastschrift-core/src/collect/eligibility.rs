//! Why an invoice is left out of a collection run, and the invoice-level checks. The mandate and
//! debtor checks are in [`super::mandate`].

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Serialize;

use lastschrift_store::{Invoice, SevdeskId, invoice_status};

/// One sentence in both UI languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explanation {
    pub english: String,
    pub german: String,
}

impl Explanation {
    pub fn new(english: impl Into<String>, german: impl Into<String>) -> Explanation {
        Explanation {
            english: english.into(),
            german: german.into(),
        }
    }

    /// The sentences of a SEPA error (its `Display` and its German).
    pub fn of(error: &impl sepa::Explain) -> Explanation {
        Explanation::new(error.to_string(), error.german())
    }

    /// The sentence in the language of `german`.
    pub fn in_language(&self, german: bool) -> &str {
        if german { &self.german } else { &self.english }
    }
}

/// What an earlier pre-notification announced for an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncedAs {
    pub collection_date: NaiveDate,
    pub amount_cents: i64,
    /// Bank date (Europe/Berlin) it went out.
    pub sent_on: NaiveDate,
}

/// Why an open invoice is not collected. Each reason has a stable [`ExclusionReason::code`] (for
/// filters and `--json`), a German and an English sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExclusionReason {
    NotDirectDebit,
    NotEur {
        currency: String,
    },
    NotInvoiceType {
        invoice_type: String,
    },
    NothingToPay,
    PartlyPaidRemainderNotCollected,
    /// sevdesk status 750 ("partially paid") with no paid amount: the remainder is unknown.
    PartlyPaidAmountUnknown,
    OpenCreditNote,
    /// An open credit note of the same contact that names no invoice: money is owed to the
    /// customer, so the customer's invoices wait until it is settled or linked.
    OpenCreditNoteForContact {
        credit_note_id: SevdeskId,
        amount_cents: i64,
    },
    AlreadyCollected,
    /// The invoice's contact was not synced (it had a problem of its own).
    ContactMissing {
        contact_id: SevdeskId,
    },
    NoMandateReference,
    InvalidMandateReference {
        reference: String,
        reason: Explanation,
    },
    /// The registry holds this reference for another contact.
    MandateOfOtherContact {
        reference: String,
        contact_id: SevdeskId,
    },
    /// Other contacts in sevdesk have the same reference (ignoring case) and the registry does
    /// not say whose it is. A reference identifies one mandate of the creditor.
    MandateReferenceShared {
        reference: String,
        other_contact_ids: Vec<SevdeskId>,
    },
    NoSignatureDate {
        field: String,
    },
    /// The mandate form for this reference was printed (the reference is reserved in the
    /// registry) and has not come back signed: no signature date entered yet.
    MandateFormNotSigned {
        reference: String,
    },
    UnreadableSignatureDate {
        field: String,
        value: String,
    },
    SignatureDateInFuture {
        date: NaiveDate,
    },
    MandateRevoked {
        reference: String,
    },
    MandateExpired {
        reference: String,
        since: NaiveDate,
    },
    NoIban,
    InvalidIban {
        reason: Explanation,
    },
    InvalidDebtorName {
        reason: Explanation,
    },
    /// FRST-on-first-use: another invoice of the same new mandate carries the first debit; this
    /// one follows as RCUR in a later run.
    WaitsForFirstDebit {
        reference: String,
    },
    /// The invoice is due after the run's collection date (`policies.due_date = "wait"`).
    WaitsForDueDate {
        due_date: NaiveDate,
        collection_date: NaiveDate,
    },
    /// `policies.pre_notification = "send"`: no pre-notification with this amount and date
    /// went out `pre_notification_days` before the collection date (none yet, too late, or the
    /// amount or date changed since).
    WaitsForPreNotification {
        /// The latest announcement of the invoice, if there was one.
        announced: Option<AnnouncedAs>,
        /// The first collection date the debit may go on: the announced date, or the first one
        /// after a pre-notification sent today.
        first_date: NaiveDate,
    },
    /// A one-off mandate (OOFF) carries another debit (collected, or in this run); it allows no
    /// further one.
    OneOffMandateUsed {
        reference: String,
    },
    /// The mandate was marked as ending and its final debit (FNAL) has been collected.
    MandateEnded {
        reference: String,
    },
    /// The bank returned or rejected this invoice's debit as often as the policy allows.
    RetryLimitReached {
        attempts: u32,
        last_reason: Option<String>,
    },
    /// A reject or return blocked the mandate (account closed, no mandate, …): nothing is
    /// collected under it until the debtor's account changes in sevdesk or the block is lifted
    /// in the worklist.
    MandateBlocked {
        reference: String,
        reason_code: Option<String>,
        /// Flagged for review (no mandate, refund).
        review: bool,
    },
    /// The return of this invoice's debit was marked as done in the worklist: it is not
    /// collected again.
    ReturnHandled {
        reason_code: Option<String>,
    },
    /// The SEPA rules refuse a value of this debit (e.g. a debtor outside the EEA without address).
    Rejected {
        /// The field of the debit, e.g. `debtor.bic`.
        field: String,
        /// The SEPA crate's rule code, e.g. `bic_required_outside_eea`.
        rule: &'static str,
        reason: Explanation,
    },
    /// Re-read just before writing: the invoice changed in sevdesk since the last sync.
    ChangedInSevdesk {
        what: Explanation,
    },
    /// Re-read just before writing failed; not collected rather than collected blind.
    NotRereadable {
        message: Explanation,
    },
    /// sevdesk's own SEPA field on the invoice (`sepaPayerIban`, `sepaMandateReference`,
    /// `sepaCreditorId`: what the invoice told the customer) disagrees with the debit.
    SevdeskSepaFieldMismatch {
        field: String,
        on_invoice: String,
        planned: String,
    },
}

/// A heading per reason code for lists that group invoices by reason (the dashboard, filters):
/// `(German, English)`. The sentences of [`ExclusionReason::german`] name one invoice's details.
pub fn reason_title(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "not_direct_debit" => (
            "Zahlungsart ist keine Lastschrift",
            "payment method is not direct debit",
        ),
        "not_eur" => ("Währung ist nicht EUR", "currency is not EUR"),
        "not_invoice_type" => ("keine normale Rechnung (RE)", "not a regular invoice (RE)"),
        "nothing_to_pay" => ("nichts mehr zu zahlen", "nothing left to pay"),
        "partly_paid" => (
            "teilweise bezahlt (Restbeträge werden nicht eingezogen)",
            "partly paid (remainders not collected)",
        ),
        "partly_paid_amount_unknown" => (
            "teilweise bezahlt, Restbetrag unbekannt",
            "partly paid, remainder unknown",
        ),
        "open_credit_note" => (
            "offene Gutschrift zur Rechnung",
            "open credit note on the invoice",
        ),
        "open_credit_note_for_contact" => (
            "offene Gutschrift für den Kunden",
            "open credit note for the customer",
        ),
        "already_collected" => ("bereits eingezogen", "already collected"),
        "contact_missing" => ("Kontakt nicht synchronisiert", "contact not synced"),
        "no_mandate" => ("keine Mandatsreferenz", "no mandate reference"),
        "invalid_mandate_reference" => ("ungültige Mandatsreferenz", "invalid mandate reference"),
        "mandate_of_other_contact" => (
            "Mandat gehört zu einem anderen Kontakt",
            "mandate belongs to another contact",
        ),
        "mandate_reference_shared" => (
            "Mandatsreferenz bei mehreren Kontakten",
            "mandate reference on several contacts",
        ),
        "no_signature_date" => ("kein Datum der Unterschrift", "no signature date"),
        "unreadable_signature_date" => (
            "Datum der Unterschrift unlesbar",
            "signature date unreadable",
        ),
        "signature_date_in_future" => (
            "Datum der Unterschrift in der Zukunft",
            "signature date in the future",
        ),
        "mandate_revoked" => ("Mandat widerrufen", "mandate revoked"),
        "mandate_expired" => (
            "Mandat verfallen (36 Monate ungenutzt)",
            "mandate expired (36 months unused)",
        ),
        "no_iban" => ("keine IBAN", "no IBAN"),
        "invalid_iban" => ("ungültige IBAN", "invalid IBAN"),
        "invalid_debtor_name" => ("Name nicht verwendbar", "name not usable"),
        "waits_for_first_debit" => (
            "wartet auf die Erstlastschrift (FRST)",
            "waits for the first debit (FRST)",
        ),
        "waits_for_due_date" => ("noch nicht fällig", "not due yet"),
        "waits_for_pre_notification" => (
            "wartet auf die Vorabankündigung",
            "waits for the pre-notification",
        ),
        "one_off_mandate_used" => (
            "Einzelmandat schon eingezogen",
            "one-off mandate already used",
        ),
        "mandate_ended" => (
            "Mandat mit letzter Lastschrift beendet",
            "mandate ended with its final debit",
        ),
        "retry_limit_reached" => ("zu oft zurückgegeben", "returned too often"),
        "mandate_blocked" => (
            "Mandat nach Rücklastschrift gesperrt",
            "mandate blocked after a return",
        ),
        "return_handled" => ("Rücklastschrift erledigt", "return handled"),
        "rejected_by_sepa_rules" => (
            "nach den SEPA-Regeln unzulässig",
            "refused by the SEPA rules",
        ),
        "changed_in_sevdesk" => ("in sevdesk geändert", "changed in sevdesk"),
        "sevdesk_sepa_field_mismatch" => (
            "SEPA-Angaben der Rechnung widersprechen",
            "invoice's SEPA fields disagree",
        ),
        "not_rereadable" => ("nicht erneut lesbar", "could not be re-read"),
        _ => return None,
    })
}

impl ExclusionReason {
    /// A stable snake_case key, e.g. for filters in the web UI and `--json`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotDirectDebit => "not_direct_debit",
            Self::NotEur { .. } => "not_eur",
            Self::NotInvoiceType { .. } => "not_invoice_type",
            Self::NothingToPay => "nothing_to_pay",
            Self::PartlyPaidRemainderNotCollected => "partly_paid",
            Self::PartlyPaidAmountUnknown => "partly_paid_amount_unknown",
            Self::OpenCreditNote => "open_credit_note",
            Self::OpenCreditNoteForContact { .. } => "open_credit_note_for_contact",
            Self::AlreadyCollected => "already_collected",
            Self::ContactMissing { .. } => "contact_missing",
            Self::NoMandateReference => "no_mandate",
            Self::InvalidMandateReference { .. } => "invalid_mandate_reference",
            Self::MandateOfOtherContact { .. } => "mandate_of_other_contact",
            Self::MandateReferenceShared { .. } => "mandate_reference_shared",
            Self::NoSignatureDate { .. } | Self::MandateFormNotSigned { .. } => "no_signature_date",
            Self::UnreadableSignatureDate { .. } => "unreadable_signature_date",
            Self::SignatureDateInFuture { .. } => "signature_date_in_future",
            Self::MandateRevoked { .. } => "mandate_revoked",
            Self::MandateExpired { .. } => "mandate_expired",
            Self::NoIban => "no_iban",
            Self::InvalidIban { .. } => "invalid_iban",
            Self::InvalidDebtorName { .. } => "invalid_debtor_name",
            Self::WaitsForFirstDebit { .. } => "waits_for_first_debit",
            Self::WaitsForDueDate { .. } => "waits_for_due_date",
            Self::WaitsForPreNotification { .. } => "waits_for_pre_notification",
            Self::OneOffMandateUsed { .. } => "one_off_mandate_used",
            Self::MandateEnded { .. } => "mandate_ended",
            Self::RetryLimitReached { .. } => "retry_limit_reached",
            Self::MandateBlocked { .. } => "mandate_blocked",
            Self::ReturnHandled { .. } => "return_handled",
            Self::Rejected { .. } => "rejected_by_sepa_rules",
            Self::ChangedInSevdesk { .. } => "changed_in_sevdesk",
            Self::NotRereadable { .. } => "not_rereadable",
            Self::SevdeskSepaFieldMismatch { .. } => "sevdesk_sepa_field_mismatch",
        }
    }

    /// Problems a new signed mandate (the mandate form) solves: there is none, it cannot be
    /// used any more, or its reference cannot be used.
    pub fn calls_for_mandate_form(&self) -> bool {
        matches!(
            self,
            Self::NoMandateReference
                | Self::InvalidMandateReference { .. }
                | Self::MandateReferenceShared { .. }
                | Self::MandateOfOtherContact { .. }
                | Self::NoSignatureDate { .. }
                | Self::MandateFormNotSigned { .. }
                | Self::MandateRevoked { .. }
                | Self::MandateExpired { .. }
                | Self::OneOffMandateUsed { .. }
                | Self::MandateEnded { .. }
        )
    }

    /// True for reasons the user can fix in the mandate data (the "needs mandate" list).
    pub fn needs_mandate_data(&self) -> bool {
        matches!(
            self,
            Self::NoMandateReference
                | Self::InvalidMandateReference { .. }
                | Self::MandateReferenceShared { .. }
                | Self::NoSignatureDate { .. }
                | Self::MandateFormNotSigned { .. }
                | Self::UnreadableSignatureDate { .. }
                | Self::SignatureDateInFuture { .. }
                | Self::MandateExpired { .. }
                | Self::NoIban
                | Self::InvalidIban { .. }
                | Self::SevdeskSepaFieldMismatch { .. }
                | Self::OneOffMandateUsed { .. }
                | Self::MandateBlocked { .. }
                | Self::MandateEnded { .. }
        )
    }

    pub fn english(&self) -> String {
        match self {
            Self::NotDirectDebit => "the payment method is not direct debit".into(),
            Self::NotEur { currency } => format!("the currency is {currency}, not EUR"),
            Self::NotInvoiceType { invoice_type } => {
                format!("the invoice type is {invoice_type}, not RE")
            }
            Self::NothingToPay => "nothing is left to pay".into(),
            Self::PartlyPaidRemainderNotCollected => {
                "the invoice is partly paid and remainders are not collected (policy collect_partial_remainders)".into()
            }
            Self::PartlyPaidAmountUnknown => {
                "sevdesk marks the invoice partly paid (status 750) but reports no paid amount, so the open remainder is unknown; check the payments in sevdesk".into()
            }
            Self::OpenCreditNote => "an open credit note exists for this invoice".into(),
            Self::OpenCreditNoteForContact {
                credit_note_id,
                amount_cents,
            } => format!(
                "the customer has an open credit note (sevdesk id {credit_note_id}, {}) that names no invoice; settle it or link it to an invoice in sevdesk first",
                super::format_euro(*amount_cents)
            ),
            Self::AlreadyCollected => {
                "the invoice is already in the ledger (mark that debit returned or cancelled to collect it again)".into()
            }
            Self::ContactMissing { contact_id } => {
                format!("its contact {contact_id} was not synced (see the sync problems)")
            }
            Self::NoMandateReference => {
                "the contact has no mandate reference (custom field, sevdesk mandate reference or customer number)".into()
            }
            Self::InvalidMandateReference { reference, reason } => format!(
                "the mandate reference `{reference}` is not usable: {}",
                reason.english
            ),
            Self::MandateOfOtherContact {
                reference,
                contact_id,
            } => format!(
                "the mandate reference `{reference}` belongs to contact {contact_id} in the mandate registry"
            ),
            Self::MandateReferenceShared {
                reference,
                other_contact_ids,
            } => format!(
                "the mandate reference `{reference}` is also the reference of contact(s) {} (case ignored); a reference names one mandate — give each contact its own or record in the mandate registry whose it is",
                join_ids(other_contact_ids)
            ),
            Self::NoSignatureDate { field } => format!(
                "the mandate has no signature date (neither in the registry nor in the contact field {field})"
            ),
            Self::MandateFormNotSigned { reference } => format!(
                "the mandate form for {reference} has not come back signed; enter its signature date in the mandate registry when it has"
            ),
            Self::UnreadableSignatureDate { field, value } => format!(
                "the contact field {field} holds `{value}`, which is not a date (use DD.MM.YYYY)"
            ),
            Self::SignatureDateInFuture { date } => {
                format!("the mandate's signature date {date} is in the future")
            }
            Self::MandateRevoked { reference } => format!("mandate {reference} is revoked"),
            Self::MandateExpired { reference, since } => format!(
                "mandate {reference} expired: not used for 36 months (last use or signature {since})"
            ),
            Self::NoIban => "the contact has no IBAN".into(),
            Self::InvalidIban { reason } => {
                format!("the contact's IBAN is invalid: {}", reason.english)
            }
            Self::InvalidDebtorName { reason } => {
                format!("the contact's name cannot be used: {}", reason.english)
            }
            Self::WaitsForFirstDebit { reference } => format!(
                "mandate {reference} is used for the first time by another invoice of this run (FRST); this one follows in a later run"
            ),
            Self::WaitsForDueDate {
                due_date,
                collection_date,
            } => format!(
                "the invoice is due on {due_date}, after this run's collection date {collection_date}; it waits for a run on or after its due date"
            ),
            Self::WaitsForPreNotification {
                announced: None,
                first_date,
            } => format!(
                "waits for the pre-notification: none was sent yet; sent today (`lastschrift notify`), the debit may go on {first_date} at the earliest"
            ),
            Self::WaitsForPreNotification {
                announced: Some(a),
                first_date,
            } => format!(
                "waits for the pre-notification: the one sent on {} announced {} for {}, which does not match this debit (amount, date, or sent too late); the debit may go on {first_date} at the earliest",
                a.sent_on,
                super::format_euro(a.amount_cents),
                a.collection_date
            ),
            Self::OneOffMandateUsed { reference } => format!(
                "mandate {reference} is a one-off mandate (OOFF) and carries another debit already; this invoice needs a new mandate"
            ),
            Self::MandateEnded { reference } => format!(
                "mandate {reference} ended with its final debit (FNAL); a new mandate is needed"
            ),
            Self::RetryLimitReached {
                attempts,
                last_reason,
            } => format!(
                "the bank returned or rejected this invoice's debit {attempts} times{}; it is not collected again (policies.bank_answers.retry_limit) — ask the customer to pay otherwise",
                reason_suffix(last_reason.as_deref(), false)
            ),
            Self::MandateBlocked {
                reference,
                reason_code,
                review,
            } => format!(
                "mandate {reference} is blocked after a reject or return{}{}; it is used again when the debtor's IBAN changes in sevdesk or the block is lifted in the worklist",
                reason_suffix(reason_code.as_deref(), false),
                if *review { ", flagged for review" } else { "" }
            ),
            Self::ReturnHandled { reason_code } => format!(
                "the return of this invoice's debit{} was marked as done in the worklist; it is not collected again",
                reason_suffix(reason_code.as_deref(), false)
            ),
            Self::Rejected {
                field,
                rule,
                reason,
            } => {
                let hint = if *rule == "bic_required_outside_eea" {
                    "; enter it with the contact's bank details in sevdesk"
                } else {
                    ""
                };
                format!("{field}: {}{hint}", reason.english)
            }
            Self::ChangedInSevdesk { what } => {
                format!("changed in sevdesk since the last sync: {}", what.english)
            }
            Self::NotRereadable { message } => format!(
                "could not be re-read from sevdesk before writing: {}",
                message.english
            ),
            Self::SevdeskSepaFieldMismatch {
                field,
                on_invoice,
                planned,
            } => format!(
                "the invoice's sevdesk field {field} says `{on_invoice}` but the debit would use `{planned}`; the invoice told the customer otherwise, so correct the invoice or the mandate data first"
            ),
        }
    }

    pub fn german(&self) -> String {
        match self {
            Self::NotDirectDebit => "Die Zahlungsart ist keine Lastschrift.".into(),
            Self::NotEur { currency } => format!("Die Währung ist {currency}, nicht EUR."),
            Self::NotInvoiceType { invoice_type } => {
                format!("Der Rechnungstyp ist {invoice_type}, nicht RE.")
            }
            Self::NothingToPay => "Es ist nichts mehr zu zahlen.".into(),
            Self::PartlyPaidRemainderNotCollected => {
                "Die Rechnung ist teilweise bezahlt; Restbeträge werden nicht eingezogen.".into()
            }
            Self::PartlyPaidAmountUnknown => {
                "sevdesk meldet die Rechnung als teilweise bezahlt (Status 750), aber ohne bezahlten Betrag; der offene Rest ist unbekannt. Bitte die Zahlungen in sevdesk prüfen.".into()
            }
            Self::OpenCreditNote => "Zu dieser Rechnung gibt es eine offene Gutschrift.".into(),
            Self::OpenCreditNoteForContact {
                credit_note_id,
                amount_cents,
            } => format!(
                "Der Kunde hat eine offene Gutschrift ohne Rechnungsbezug (sevdesk-ID {credit_note_id}, {}); bitte zuerst in sevdesk ausgleichen oder einer Rechnung zuordnen.",
                super::format_euro(*amount_cents)
            ),
            Self::AlreadyCollected => {
                "Die Rechnung wurde bereits eingezogen (erneut nur nach Rücklastschrift oder Storno)."
                    .into()
            }
            Self::ContactMissing { contact_id } => format!(
                "Der Kontakt {contact_id} wurde nicht synchronisiert (siehe Probleme der Synchronisation)."
            ),
            Self::NoMandateReference => "Der Kontakt hat keine Mandatsreferenz.".into(),
            Self::InvalidMandateReference { reference, reason } => format!(
                "Die Mandatsreferenz „{reference}“ ist ungültig: {}",
                reason.german
            ),
            Self::MandateOfOtherContact {
                reference,
                contact_id,
            } => format!(
                "Die Mandatsreferenz „{reference}“ gehört laut Mandatsverwaltung zu Kontakt {contact_id}."
            ),
            Self::MandateReferenceShared {
                reference,
                other_contact_ids,
            } => format!(
                "Die Mandatsreferenz „{reference}“ haben auch Kontakt(e) {} (ohne Beachtung der Groß-/Kleinschreibung); eine Referenz bezeichnet genau ein Mandat. Bitte jedem Kontakt eine eigene geben oder in der Mandatsverwaltung festlegen, wem sie gehört.",
                join_ids(other_contact_ids)
            ),
            Self::NoSignatureDate { field } => format!(
                "Das Mandat hat kein Datum der Unterschrift (weder in der Mandatsverwaltung noch im Kontaktfeld {field})."
            ),
            Self::MandateFormNotSigned { reference } => format!(
                "Das Mandatsformular {reference} ist noch nicht unterschrieben zurück; bitte das Datum der Unterschrift in der Mandatsverwaltung eintragen, sobald es vorliegt."
            ),
            Self::UnreadableSignatureDate { field, value } => format!(
                "Das Kontaktfeld {field} enthält „{value}“, kein Datum (Format TT.MM.JJJJ)."
            ),
            Self::SignatureDateInFuture { date } => format!(
                "Das Datum der Unterschrift ({}) liegt in der Zukunft.",
                date.format("%d.%m.%Y")
            ),
            Self::MandateRevoked { reference } => format!("Das Mandat {reference} ist widerrufen."),
            Self::MandateExpired { reference, since } => format!(
                "Das Mandat {reference} ist verfallen: 36 Monate ohne Lastschrift (seit {}).",
                since.format("%d.%m.%Y")
            ),
            Self::NoIban => "Der Kontakt hat keine IBAN.".into(),
            Self::InvalidIban { reason } => {
                format!("Die IBAN des Kontakts ist ungültig: {}", reason.german)
            }
            Self::InvalidDebtorName { reason } => {
                format!("Der Name des Kontakts ist nicht verwendbar: {}", reason.german)
            }
            Self::WaitsForFirstDebit { reference } => format!(
                "Das Mandat {reference} wird in diesem Einzug erstmals genutzt (FRST); diese Rechnung folgt im nächsten Einzug."
            ),
            Self::WaitsForDueDate {
                due_date,
                collection_date,
            } => format!(
                "Die Rechnung ist erst am {} fällig, nach dem Einzugsdatum dieses Laufs ({}); sie wartet auf einen Lauf ab ihrer Fälligkeit.",
                due_date.format("%d.%m.%Y"),
                collection_date.format("%d.%m.%Y")
            ),
            Self::WaitsForPreNotification {
                announced: None,
                first_date,
            } => format!(
                "Wartet auf die Vorabankündigung: Es wurde noch keine verschickt; heute verschickt (lastschrift notify), darf die Lastschrift frühestens am {} eingezogen werden.",
                first_date.format("%d.%m.%Y")
            ),
            Self::WaitsForPreNotification {
                announced: Some(a),
                first_date,
            } => format!(
                "Wartet auf die Vorabankündigung: Die am {} verschickte kündigte {} zum {} an; das passt nicht zu dieser Lastschrift (Betrag, Datum oder zu spät verschickt). Frühestens möglich: {}.",
                a.sent_on.format("%d.%m.%Y"),
                super::format_euro(a.amount_cents),
                a.collection_date.format("%d.%m.%Y"),
                first_date.format("%d.%m.%Y")
            ),
            Self::OneOffMandateUsed { reference } => format!(
                "Das Mandat {reference} ist ein Einzelmandat (OOFF) und trägt schon eine andere Lastschrift; diese Rechnung braucht ein neues Mandat."
            ),
            Self::MandateEnded { reference } => format!(
                "Das Mandat {reference} endete mit seiner letzten Lastschrift (FNAL); es braucht ein neues Mandat."
            ),
            Self::RetryLimitReached {
                attempts,
                last_reason,
            } => format!(
                "Die Bank hat die Lastschrift dieser Rechnung {attempts}-mal zurückgegeben oder abgelehnt{}; sie wird nicht mehr eingezogen (policies.bank_answers.retry_limit) – bitte den Kunden um eine andere Zahlung bitten.",
                reason_suffix(last_reason.as_deref(), true)
            ),
            Self::MandateBlocked {
                reference,
                reason_code,
                review,
            } => format!(
                "Das Mandat {reference} ist nach einer Ablehnung oder Rücklastschrift gesperrt{}{}; es wird wieder verwendet, wenn sich die IBAN des Kunden in sevdesk ändert oder die Sperre in der Arbeitsliste aufgehoben wird.",
                reason_suffix(reason_code.as_deref(), true),
                if *review { ", zur Prüfung markiert" } else { "" }
            ),
            Self::ReturnHandled { reason_code } => format!(
                "Die Rücklastschrift dieser Rechnung{} wurde in der Arbeitsliste als erledigt markiert; sie wird nicht erneut eingezogen.",
                reason_suffix(reason_code.as_deref(), true)
            ),
            Self::Rejected {
                field,
                rule,
                reason,
            } => {
                let hint = if *rule == "bic_required_outside_eea" {
                    " Bitte die BIC bei den Bankdaten des Kontakts in sevdesk eintragen."
                } else {
                    ""
                };
                format!(
                    "Nach den SEPA-Regeln unzulässig ({field}): {}{hint}",
                    reason.german
                )
            }
            Self::ChangedInSevdesk { what } => format!(
                "Seit der letzten Synchronisation in sevdesk geändert: {}",
                what.german
            ),
            Self::NotRereadable { message } => format!(
                "Konnte vor dem Schreiben nicht erneut aus sevdesk gelesen werden: {}",
                message.german
            ),
            Self::SevdeskSepaFieldMismatch {
                field,
                on_invoice,
                planned,
            } => format!(
                "Das sevdesk-Feld {field} der Rechnung nennt „{on_invoice}“, die Lastschrift würde „{planned}“ verwenden; die Rechnung hat dem Kunden anderes angekündigt. Bitte Rechnung oder Mandatsdaten korrigieren."
            ),
        }
    }
}

fn join_ids(ids: &[SevdeskId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl serde::Serialize for ExclusionReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("ExclusionReason", 3)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.english())?;
        s.serialize_field("message_de", &self.german())?;
        s.end()
    }
}

/// The first invoice-level reason that excludes `invoice`, or `None` when the invoice passes
/// the invoice-level checks.
pub fn invoice_exclusion(
    invoice: &Invoice,
    direct_debit_methods: &HashSet<SevdeskId>,
    collect_partial_remainders: bool,
    credit_note_invoice_ids: &HashSet<SevdeskId>,
    already_collected: &HashSet<SevdeskId>,
) -> Option<ExclusionReason> {
    if already_collected.contains(&invoice.id) {
        return Some(ExclusionReason::AlreadyCollected);
    }
    if invoice.invoice_type != "RE" {
        return Some(ExclusionReason::NotInvoiceType {
            invoice_type: invoice.invoice_type.clone(),
        });
    }
    if !invoice
        .payment_method_id
        .is_some_and(|m| direct_debit_methods.contains(&m))
    {
        return Some(ExclusionReason::NotDirectDebit);
    }
    if invoice.currency != "EUR" {
        return Some(ExclusionReason::NotEur {
            currency: invoice.currency.clone(),
        });
    }
    if invoice.open_cents() <= 0 {
        return Some(ExclusionReason::NothingToPay);
    }
    // Status and paid amount disagree (sevdesk's notes: ask getIsPartiallyPaid then). Debiting
    // sumGross would take money already received; not debiting is the safe side.
    if invoice.status == invoice_status::PARTIALLY_PAID && invoice.paid_cents == 0 {
        return Some(ExclusionReason::PartlyPaidAmountUnknown);
    }
    if invoice.paid_cents > 0 && !collect_partial_remainders {
        return Some(ExclusionReason::PartlyPaidRemainderNotCollected);
    }
    if credit_note_invoice_ids.contains(&invoice.id) {
        return Some(ExclusionReason::OpenCreditNote);
    }
    None
}

/// ` (AM04: insufficient funds)` for a reason code, in the language asked for.
fn reason_suffix(code: Option<&str>, german: bool) -> String {
    match code {
        None => String::new(),
        Some(code) => match crate::runs::reason_meaning(code) {
            Some((de, en)) => format!(" ({code}: {})", if german { de } else { en }),
            None => format!(" ({code})"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_code_in_this_file_has_a_title() {
        let source = include_str!("eligibility.rs");
        let codes = source
            .split("=> \"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|code| code.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        let mut seen = 0;
        for code in codes {
            assert!(reason_title(code).is_some(), "no title for `{code}`");
            seen += 1;
        }
        assert!(seen >= 27, "only {seen} codes found");
    }

    fn invoice() -> Invoice {
        Invoice {
            id: 1,
            number: Some("RE-1".into()),
            invoice_type: "RE".into(),
            status: 200,
            contact_id: 7,
            currency: "EUR".into(),
            sum_gross_cents: 11_900,
            paid_cents: 0,
            payment_method_id: Some(21),
            invoice_date: None,
            due_date: None,
            updated_at: None,
            gone: false,
        }
    }

    fn check(inv: &Invoice, partial: bool) -> Option<ExclusionReason> {
        invoice_exclusion(
            inv,
            &HashSet::from([21]),
            partial,
            &HashSet::new(),
            &HashSet::new(),
        )
    }

    #[test]
    fn a_plain_eur_direct_debit_invoice_passes() {
        assert_eq!(check(&invoice(), false), None);
    }

    #[test]
    fn each_invoice_level_reason_is_detected() {
        let mut i = invoice();
        i.currency = "CHF".into();
        assert_eq!(
            check(&i, false),
            Some(ExclusionReason::NotEur {
                currency: "CHF".into()
            })
        );
        let mut i = invoice();
        i.payment_method_id = Some(99);
        assert_eq!(check(&i, false), Some(ExclusionReason::NotDirectDebit));
        let mut i = invoice();
        i.paid_cents = 11_900;
        assert_eq!(check(&i, false), Some(ExclusionReason::NothingToPay));
        let mut i = invoice();
        i.paid_cents = 100;
        assert_eq!(
            check(&i, false),
            Some(ExclusionReason::PartlyPaidRemainderNotCollected)
        );
        assert_eq!(check(&i, true), None);
        let i = invoice();
        assert_eq!(
            invoice_exclusion(
                &i,
                &HashSet::from([21]),
                false,
                &HashSet::from([1]),
                &HashSet::new()
            ),
            Some(ExclusionReason::OpenCreditNote)
        );
        assert_eq!(
            invoice_exclusion(
                &i,
                &HashSet::from([21]),
                false,
                &HashSet::new(),
                &HashSet::from([1])
            ),
            Some(ExclusionReason::AlreadyCollected)
        );
    }

    #[test]
    fn status_750_without_a_paid_amount_is_not_collected_in_full() {
        // sevdesk says "partially paid" but reports no paid amount: the open remainder is
        // unknown, so neither the full sum nor a guess may be debited, whatever the policy.
        let mut i = invoice();
        i.status = 750;
        assert_eq!(
            check(&i, true),
            Some(ExclusionReason::PartlyPaidAmountUnknown)
        );
        assert_eq!(
            check(&i, false),
            Some(ExclusionReason::PartlyPaidAmountUnknown)
        );
        // With a paid amount, status 750 is the ordinary partial payment.
        i.paid_cents = 1_000;
        assert_eq!(check(&i, true), None);
    }
}
