//! Invoice-level eligibility checks (the first half of the decision; mandate and IBAN checks
//! are not yet here).

use std::collections::HashSet;

use crate::store::{Invoice, SevdeskId};

/// Why an open invoice is not collected. Each reason has a German and an English sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExclusionReason {
    NotDirectDebit,
    NotEur { currency: String },
    NotInvoiceType { invoice_type: String },
    NothingToPay,
    PartlyPaidRemainderNotCollected,
    OpenCreditNote,
    AlreadyCollected,
}

impl ExclusionReason {
    pub fn english(&self) -> String {
        match self {
            Self::NotDirectDebit => "the payment method is not direct debit".into(),
            Self::NotEur { currency } => format!("the currency is {currency}, not EUR"),
            Self::NotInvoiceType { invoice_type } => {
                format!("the invoice type is {invoice_type}, not RE")
            }
            Self::NothingToPay => "nothing is left to pay".into(),
            Self::PartlyPaidRemainderNotCollected => {
                "the invoice is partly paid and remainders are not collected".into()
            }
            Self::OpenCreditNote => "an open credit note exists for this invoice".into(),
            Self::AlreadyCollected => "the invoice is already in an active collection".into(),
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
            Self::OpenCreditNote => "Zu dieser Rechnung gibt es eine offene Gutschrift.".into(),
            Self::AlreadyCollected => "Die Rechnung ist bereits in einem aktiven Einzug.".into(),
        }
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
    if invoice.paid_cents > 0 && !collect_partial_remainders {
        return Some(ExclusionReason::PartlyPaidRemainderNotCollected);
    }
    if credit_note_invoice_ids.contains(&invoice.id) {
        return Some(ExclusionReason::OpenCreditNote);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
