//! Pure SEPA direct-debit domain for lastschrift: validated types, the message model, validation
//! that reports every problem at once, the TARGET2 calendar and pain.008 writers.
//!
//! The crate does no I/O except writing to an [`std::io::Write`], and has no clock: callers pass
//! "today" and the creation time.
//!
//! Two ways to a [`ValidMessage`]:
//! - from plain strings (JSON, CSV): deserialize a [`RawMessage`] and call [`validate`];
//! - from typed values (the application): parse each value ([`Iban::parse`], [`Name::parse`], …)
//!   and use a [`MessageBuilder`].
//!
//! Then [`ValidMessage::write`] writes pain.008.001.08 (default) or pain.008.001.02.
//!
//! ```
//! use lastschrift_sepa::*;
//! let raw: RawMessage = serde_json::from_str(r#"{
//!   "message_id": "MSG-2026-11-28-1",
//!   "created_at": "2026-11-28T10:00:00",
//!   "creditor": {"name": "Muster GmbH", "iban": "DE89370400440532013000",
//!                "creditor_id": "DE98ZZZ09999999999"},
//!   "debits": [{"end_to_end_id": "RE-1001", "amount": "19.99", "collection_date": "2026-12-14",
//!               "sequence": "RCUR", "remittance": "Rechnung RE-1001",
//!               "debtor": {"name": "Erika Mustermann", "iban": "DE02120300000000202051"},
//!               "mandate": {"id": "K-1001", "signed_on": "2024-01-02"}}]
//! }"#).unwrap();
//! let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
//! let (message, warnings) = validate(raw, &ValidationOptions::default(), today).unwrap();
//! let mut xml = Vec::new();
//! message.write(Format::Pain00800108, &mut xml).unwrap();
//! assert!(String::from_utf8(xml).unwrap().contains("<EndToEndId>RE-1001</EndToEndId>"));
//! ```
#![warn(missing_docs)]

mod address;
mod amount;
mod ascii;
pub mod bank;
mod bic;
pub mod calendar;
mod codes;
pub mod country;
mod creditor_id;
mod explain;
mod iban;
mod ids;
mod mandate;
mod model;
mod raw;
mod registry;
mod rules;
mod stream;
mod text;
mod writer;

pub use address::{AddressError, PostalAddress};
pub use amount::{Amount, AmountError};
pub use bic::{Bic, BicError};
pub use codes::{CodeError, CountryCode, CreationTime, LocalInstrument, PurposeCode, SequenceType};
pub use creditor_id::{CreditorId, CreditorIdError};
pub use explain::Explain;
pub use iban::{Iban, IbanError};
pub use ids::{EndToEndId, IdError, MandateId, MessageId, PaymentInformationId};
pub use mandate::{Amendment, Mandate, OriginalAccount};
pub use model::{
    Block, Creditor, Debit, Debtor, MessageBuilder, MessageHeader, Problem, ValidMessage, Warning,
};
pub use raw::{
    RawAddress, RawAmendment, RawCreditor, RawDebit, RawDebtor, RawMandate, RawMessage,
    ValidationOptions, validate,
};
pub use stream::{
    LISTING_LIMIT, Listed, MessageStream, ParsedDebit, RawMessageHeader, StreamedMessage,
};
pub use text::{
    AddressLine, BuildingNumber, CharacterPolicy, Name, PostCode, RemittanceText, StreetName, Text,
    TextChange, TextError, TownName,
};
pub use writer::{Format, WriteError};

/// Validated values serialize as the text they stand for (an IBAN as `DE89…`, an amount as
/// `12.34`), so a plan or report that carries them prints what the file will say. Deserializing
/// goes through the raw input types ([`RawMessage`]), never around the checks.
macro_rules! serialize_as_text {
    ($($ty:ty),* $(,)?) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }
    )*};
}

serialize_as_text!(
    Iban, Bic, CreditorId, Amount, EndToEndId, MandateId, MessageId
);

impl<const MAX: usize> serde::Serialize for Text<MAX> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
