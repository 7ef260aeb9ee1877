//! Mandates (SEPA-Lastschriftmandat) and mandate amendments.

use chrono::NaiveDate;

use crate::codes::LocalInstrument;
use crate::creditor_id::CreditorId;
use crate::iban::Iban;
use crate::ids::MandateId;
use crate::text::Name;

/// A signed mandate as far as a collection needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mandate {
    /// Mandate reference (Mandatsreferenz).
    pub id: MandateId,
    /// Date of signature; not in the future and not after the collection date (checked when the
    /// debit is added to a message).
    pub signed_on: NaiveDate,
    /// CORE or B2B; the debit is collected under this scheme.
    pub scheme: LocalInstrument,
    /// What changed since the last collection, if anything (boxed: rare, and large).
    pub amendment: Option<Box<Amendment>>,
}

/// Changes to a mandate since the previous collection (`AmdmntInfDtls`). At least one part is set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Amendment {
    /// The mandate reference changed; this is the old one.
    pub original_mandate_id: Option<MandateId>,
    /// The creditor identifier changed; this is the old one.
    pub original_creditor_id: Option<CreditorId>,
    /// The creditor name changed; this is the old one.
    pub original_creditor_name: Option<Name>,
    /// The debtor's account changed.
    pub original_account: Option<OriginalAccount>,
}

impl Amendment {
    /// True when no part is set (such an amendment is refused).
    pub fn is_empty(&self) -> bool {
        self.original_mandate_id.is_none()
            && self.original_creditor_id.is_none()
            && self.original_creditor_name.is_none()
            && self.original_account.is_none()
    }
}

/// How the debtor's account changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginalAccount {
    /// New account at the same bank: the old IBAN is sent (`OrgnlDbtrAcct/Id/IBAN`).
    SameBank(Iban),
    /// The debtor moved to another bank: `SMNDA` is sent (`OrgnlDbtrAcct/Id/Othr/Id`).
    NewBank,
}
