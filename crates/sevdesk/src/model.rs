//! Typed models of what we read from sevdesk.
//!
//! Only the fields the application uses are modelled; unknown fields are ignored, every field
//! except `id` may be missing or `null`, and unknown codes are kept as `Other(code)`. Field names
//! follow sevdesk's wire names (`surename` is sevdesk's spelling of the first name).

use std::fmt;

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::de::{self, Id};

/// A reference to another sevdesk object: `{"id": "…", "objectName": "Contact"}`. An embedded
/// full object (as in write answers) is read as its reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ref {
    pub id: Id,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub object_name: Option<String>,
}

macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )* }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A code this crate does not know (sevdesk adds codes silently), kept as sent.
            Other(String),
        }

        impl $name {
            /// The code as sevdesk sends it.
            pub fn code(&self) -> &str {
                match self {
                    $( Self::$variant => $code, )*
                    Self::Other(code) => code,
                }
            }

            /// Reads a code; unknown codes become `Other`.
            pub fn from_code(code: &str) -> Self {
                match code.trim() {
                    $( $code => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = de::opt_string(d)?;
                Ok(Self::from_code(text.as_deref().unwrap_or("")))
            }
        }
    };
}

code_enum! {
    /// `Invoice.status` (sevdesk-api.md §5.2). There is no "cancelled" status.
    pub enum InvoiceStatus {
        /// 50: a deactivated recurring invoice template (not a draft).
        Deactivated = "50",
        /// 100: draft, not sent.
        Draft = "100",
        /// 200: open / due.
        Open = "200",
        /// 750: partially paid (since June 2024).
        PartiallyPaid = "750",
        /// 1000: paid — or cancelled, together with its cancellation invoice.
        Paid = "1000",
    }
}

code_enum! {
    /// `Invoice.invoiceType`.
    pub enum InvoiceType {
        /// RE: a normal invoice.
        Invoice = "RE",
        /// WKR: a recurring invoice template.
        Recurring = "WKR",
        /// SR: a cancellation invoice (negative sums, `origin` = the cancelled invoice).
        Cancellation = "SR",
        /// MA: a payment reminder (dunning).
        Reminder = "MA",
        /// TR: a partial invoice.
        Partial = "TR",
        /// AR: an advance invoice.
        Advance = "AR",
        /// ER: a final invoice.
        Final = "ER",
    }
}

code_enum! {
    /// `CreditNote.status`.
    pub enum CreditNoteStatus {
        Draft = "100",
        /// 200: open / delivered — money owed to the customer.
        Open = "200",
        PartiallyPaid = "750",
        Paid = "1000",
    }
}

code_enum! {
    /// `Contact.status`.
    pub enum ContactStatus {
        Lead = "100",
        Pending = "500",
        Active = "1000",
    }
}

code_enum! {
    /// `CommunicationWay.type`.
    pub enum CommunicationWayType {
        Email = "EMAIL",
        Phone = "PHONE",
        Web = "WEB",
        Mobile = "MOBILE",
        Fax = "FAX",
    }
}

/// `GET /Tools/bookkeepingSystemVersion`: `"1.0"` or `"2.0"` (sevdesk-Update 2.0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookkeepingSystemVersion {
    #[serde(default, deserialize_with = "de::opt_string")]
    pub version: Option<String>,
}

/// One invoice (`GET /Invoice`, `GET /Invoice/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invoice {
    pub id: Id,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub invoice_number: Option<String>,
    #[serde(default)]
    pub invoice_type: Option<InvoiceType>,
    #[serde(default)]
    pub status: Option<InvoiceStatus>,
    #[serde(default)]
    pub contact: Option<Ref>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub invoice_date: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub delivery_date: Option<DateTime<FixedOffset>>,
    /// Days until due; there is no due-date field (see [`Invoice::due_date`]).
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub time_to_pay: Option<i64>,
    /// Skonto percentage.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub discount: Option<Decimal>,
    /// Skonto period in days.
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub discount_time: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub sum_net: Option<Decimal>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub sum_tax: Option<Decimal>,
    /// The amount owed.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub sum_gross: Option<Decimal>,
    /// Already received; a JSON number on the wire.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub paid_amount: Option<Decimal>,
    #[serde(default)]
    pub payment_method: Option<Ref>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub header: Option<String>,
    /// The UI's "Referenz/Bestellnummer".
    #[serde(default, deserialize_with = "de::opt_string")]
    pub customer_internal_note: Option<String>,
    /// Multi-line snapshot of the billing address.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub address: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub address_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub address_street: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub address_zip: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub address_city: Option<String>,
    #[serde(default)]
    pub address_country: Option<Ref>,
    /// For a cancellation invoice (SR): the cancelled invoice.
    #[serde(default)]
    pub origin: Option<Ref>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub sepa_mandate_reference: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub sepa_creditor_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub sepa_payer_iban: Option<String>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub pay_date: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub send_date: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub enshrined: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "de::opt_i64")]
    pub dunning_level: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub create: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub update: Option<DateTime<FixedOffset>>,
}

impl Invoice {
    /// The invoice date as the calendar date sevdesk shows (in the offset it was sent with,
    /// not converted to UTC).
    pub fn invoice_day(&self) -> Option<NaiveDate> {
        self.invoice_date.map(|d| d.date_naive())
    }

    /// Invoice date plus `timeToPay` days.
    pub fn due_date(&self) -> Option<NaiveDate> {
        let days = u64::try_from(self.time_to_pay?).ok()?;
        self.invoice_day()?.checked_add_days(Days::new(days))
    }

    /// `sumGross − paidAmount` (a missing `paidAmount` counts as nothing paid).
    pub fn open_amount(&self) -> Option<Decimal> {
        let gross = self.sum_gross?;
        gross.checked_sub(self.paid_amount.unwrap_or(Decimal::ZERO))
    }

    /// Status 200 or 750.
    pub fn is_open(&self) -> bool {
        matches!(
            self.status,
            Some(InvoiceStatus::Open | InvoiceStatus::PartiallyPaid)
        )
    }
}

/// A contact: an organisation (`name` set) or a person (`surename`/`familyname` set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub id: Id,
    /// Organisation name; `null` for persons.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name2: Option<String>,
    /// A person's first name (sevdesk's spelling).
    #[serde(default, deserialize_with = "de::opt_string")]
    pub surename: Option<String>,
    /// A person's last name.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub familyname: Option<String>,
    /// The organisation a person belongs to.
    #[serde(default)]
    pub parent: Option<Ref>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub customer_number: Option<String>,
    #[serde(default)]
    pub category: Option<Ref>,
    #[serde(default)]
    pub status: Option<ContactStatus>,
    /// The debtor IBAN, unvalidated.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub bank_account: Option<String>,
    /// Most likely the BIC (legacy data may hold a German BLZ), unvalidated.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub bank_number: Option<String>,
    /// Undocumented field; the only mandate datum on the contact.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub mandate_reference: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub vat_number: Option<String>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub create: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub update: Option<DateTime<FixedOffset>>,
}

impl Contact {
    /// A person has no organisation name.
    pub fn is_person(&self) -> bool {
        self.name.is_none() && (self.surename.is_some() || self.familyname.is_some())
    }

    /// The organisation name, or "first last" for a person.
    pub fn display_name(&self) -> Option<String> {
        if let Some(name) = &self.name {
            return Some(name.clone());
        }
        let parts: Vec<&str> = [self.surename.as_deref(), self.familyname.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// A postal address of a contact (`GET /ContactAddress`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactAddress {
    pub id: Id,
    #[serde(default)]
    pub contact: Option<Ref>,
    /// Street and house number in one string.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub street: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub zip: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub city: Option<String>,
    /// A `StaticCountry` reference; resolve the ISO code via [`StaticCountry::code`].
    #[serde(default)]
    pub country: Option<Ref>,
    /// Address category (invoice address, work, …); resolve via [`Category`].
    #[serde(default)]
    pub category: Option<Ref>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name2: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name3: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name4: Option<String>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub create: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub update: Option<DateTime<FixedOffset>>,
}

/// An e-mail address, phone number, … of a contact (`GET /CommunicationWay`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationWay {
    pub id: Id,
    #[serde(default)]
    pub contact: Option<Ref>,
    #[serde(default, rename = "type")]
    pub kind: Option<CommunicationWayType>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub value: Option<String>,
    /// `CommunicationWayKey`: 1 private, 2 work, …, 8 invoicing.
    #[serde(default)]
    pub key: Option<Ref>,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub main: Option<bool>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub create: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub update: Option<DateTime<FixedOffset>>,
}

/// The value of a user-defined contact field (`GET /ContactCustomField`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactCustomField {
    pub id: Id,
    #[serde(default)]
    pub contact: Option<Ref>,
    #[serde(default)]
    pub contact_custom_field_setting: Option<Ref>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub value: Option<String>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub create: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub update: Option<DateTime<FixedOffset>>,
}

/// The definition of a user-defined contact field (`GET /ContactCustomFieldSetting`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactCustomFieldSetting {
    pub id: Id,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    /// The placeholder, e.g. `SEPAMANDATSREFERENZ`.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub identifier: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub create: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub update: Option<DateTime<FixedOffset>>,
}

/// A category (`GET /Category`), e.g. the address categories with `translationCode`
/// `CATEGORY_INVOICE_ADDRESS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Category {
    pub id: Id,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub object_type: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub translation_code: Option<String>,
    #[serde(default)]
    pub parent: Option<Ref>,
}

/// A country (`GET /StaticCountry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StaticCountry {
    pub id: Id,
    /// ISO 3166 alpha-2 code, lower or upper case as sevdesk sends it.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name_en: Option<String>,
}

/// A payment method (`GET /PaymentMethod`, undocumented endpoint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethod {
    pub id: Id,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub text: Option<String>,
    /// UNTDID 4461 code: 59 = SEPA direct debit, 58 = SEPA credit transfer.
    #[serde(default, deserialize_with = "de::opt_string")]
    pub electronic_invoice_id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub translation_code: Option<String>,
}

impl PaymentMethod {
    /// UNTDID 4461 code of SEPA direct debit.
    pub const SEPA_DIRECT_DEBIT_CODE: &'static str = "59";

    /// The built-in "SEPA Lastschrift" method, recognised by its code (ids differ per account,
    /// and `translationCode` is wrong on it).
    pub fn is_sepa_direct_debit(&self) -> bool {
        self.electronic_invoice_id.as_deref() == Some(Self::SEPA_DIRECT_DEBIT_CODE)
    }
}

/// A credit note (`GET /CreditNote`): money owed to the customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreditNote {
    pub id: Id,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub credit_note_number: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub credit_note_type: Option<String>,
    #[serde(default)]
    pub status: Option<CreditNoteStatus>,
    #[serde(default)]
    pub contact: Option<Ref>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub credit_note_date: Option<DateTime<FixedOffset>>,
    /// The invoice this credit note reduces.
    #[serde(default)]
    pub ref_src_invoice: Option<Ref>,
    #[serde(default)]
    pub origin: Option<Ref>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub booking_category: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub sum_net: Option<Decimal>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub sum_tax: Option<Decimal>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub sum_gross: Option<Decimal>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub paid_amount: Option<Decimal>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub create: Option<DateTime<FixedOffset>>,
    #[serde(default, deserialize_with = "de::opt_timestamp")]
    pub update: Option<DateTime<FixedOffset>>,
}

impl CreditNote {
    /// The invoice this credit note refers to: `refSrcInvoice`, else an `origin` that is an
    /// invoice.
    pub fn invoice_ref(&self) -> Option<Id> {
        if let Some(r) = &self.ref_src_invoice {
            return Some(r.id);
        }
        self.origin
            .as_ref()
            .filter(|r| r.object_name.as_deref().is_none_or(|n| n == "Invoice"))
            .map(|r| r.id)
    }
}

/// Objects that carry a sevdesk id, for de-duplication across pages.
pub(crate) trait HasId {
    fn id(&self) -> Id;
    fn updated(&self) -> Option<DateTime<FixedOffset>>;
}

macro_rules! has_id {
    ($($t:ty => $update:ident),* $(,)?) => {
        $(impl HasId for $t {
            fn id(&self) -> Id { self.id }
            fn updated(&self) -> Option<DateTime<FixedOffset>> { has_id!(@u self $update) }
        })*
    };
    (@u $s:ident update) => { $s.update };
    (@u $s:ident none) => { None };
}

has_id! {
    Invoice => update,
    Contact => update,
    ContactAddress => update,
    CommunicationWay => update,
    ContactCustomField => update,
    ContactCustomFieldSetting => update,
    Category => none,
    StaticCountry => none,
    PaymentMethod => none,
    CreditNote => update,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn unknown_codes_are_kept() {
        assert_eq!(
            InvoiceStatus::from_code("750"),
            InvoiceStatus::PartiallyPaid
        );
        assert_eq!(
            InvoiceStatus::from_code("500"),
            InvoiceStatus::Other("500".into())
        );
        let s: InvoiceStatus = serde_json::from_str("200").unwrap();
        assert_eq!(s, InvoiceStatus::Open);
        let t: InvoiceType = serde_json::from_str(r#""XX""#).unwrap();
        assert_eq!(t.code(), "XX");
    }

    #[test]
    fn invoice_amounts_and_dates() {
        let inv: Invoice = serde_json::from_str(
            r#"{"id":"7","status":"750","invoiceDate":"2026-09-01T00:00:00+02:00","timeToPay":"14",
                "sumGross":"100.10","paidAmount":40.05,"unknownField":{"a":[1,2]},"currency":"EUR"}"#,
        )
        .unwrap();
        assert!(inv.is_open());
        assert_eq!(inv.open_amount(), Some(Decimal::from_str("60.05").unwrap()));
        assert_eq!(inv.due_date(), NaiveDate::from_ymd_opt(2026, 9, 15));
        assert_eq!(inv.invoice_day(), NaiveDate::from_ymd_opt(2026, 9, 1));
    }

    #[test]
    fn person_and_organisation_names() {
        let person: Contact = serde_json::from_str(
            r#"{"id":"1","name":null,"surename":"Jörg","familyname":"Müller-Lüdenscheidt"}"#,
        )
        .unwrap();
        assert!(person.is_person());
        assert_eq!(
            person.display_name().as_deref(),
            Some("Jörg Müller-Lüdenscheidt")
        );
        let org: Contact = serde_json::from_str(r#"{"id":2,"name":"ACME GmbH"}"#).unwrap();
        assert!(!org.is_person());
        assert_eq!(org.display_name().as_deref(), Some("ACME GmbH"));
    }

    #[test]
    fn models_round_trip_through_json() {
        let inv: Invoice = serde_json::from_str(
            r#"{"id":"9","status":"200","invoiceType":"RE","sumGross":"34.51","paidAmount":0,
                "invoiceDate":"2026-09-01T00:00:00+02:00","contact":{"id":"5","objectName":"Contact"}}"#,
        )
        .unwrap();
        let again: Invoice = serde_json::from_str(&serde_json::to_string(&inv).unwrap()).unwrap();
        assert_eq!(inv, again);
    }
}
