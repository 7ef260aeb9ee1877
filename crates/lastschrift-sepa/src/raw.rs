//! Unvalidated input as plain strings (what the CLI reads from JSON or CSV) and [`validate`],
//! which turns it into a [`ValidMessage`] or reports every problem at once.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::address::PostalAddress;
use crate::amount::Amount;
use crate::bic::Bic;
use crate::codes::{CountryCode, CreationTime, LocalInstrument, PurposeCode, SequenceType};
use crate::creditor_id::CreditorId;
use crate::explain::Explain;
use crate::iban::Iban;
use crate::ids::{EndToEndId, MandateId, MessageId};
use crate::mandate::{Amendment, Mandate, OriginalAccount};
use crate::model::{
    Creditor, Debit, Debtor, Findings, MessageBuilder, MessageHeader, Place, Problem, ValidMessage,
    Warning,
};
use crate::rules::{Rule, What};
use crate::text::{CharacterPolicy, Text};

/// A message description as plain strings. Deserializes from the documented JSON input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMessage {
    /// Message id; when absent it is derived from the creation time and the scheme
    /// (`LS-20261128-140500-CORE`).
    #[serde(default)]
    pub message_id: Option<String>,
    /// Creation time (`2026-11-28T14:05:00`, optionally with `Z` or an offset); when absent,
    /// [`ValidationOptions::created_at`] is used.
    #[serde(default)]
    pub created_at: Option<String>,
    /// `BtchBookg`; not written when absent.
    #[serde(default)]
    pub batch_booking: Option<bool>,
    /// Initiating party name; the creditor's name when absent.
    #[serde(default)]
    pub initiating_party: Option<String>,
    /// The creditor.
    pub creditor: RawCreditor,
    /// The debits.
    #[serde(default)]
    pub debits: Vec<RawDebit>,
}

/// Creditor as plain strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCreditor {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// IBAN.
    #[serde(default)]
    pub iban: String,
    /// BIC (optional).
    #[serde(default)]
    pub bic: Option<String>,
    /// Creditor identifier.
    #[serde(default)]
    pub creditor_id: String,
    /// Postal address (optional).
    #[serde(default)]
    pub address: Option<RawAddress>,
}

/// Postal address as plain strings: structured parts and/or up to two lines; town and country
/// are required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAddress {
    /// Street name.
    #[serde(default)]
    pub street: Option<String>,
    /// Building number.
    #[serde(default)]
    pub building: Option<String>,
    /// Post code.
    #[serde(default)]
    pub postcode: Option<String>,
    /// Town.
    #[serde(default)]
    pub town: Option<String>,
    /// Two-letter country code.
    #[serde(default)]
    pub country: Option<String>,
    /// Up to two address lines.
    #[serde(default)]
    pub lines: Vec<String>,
}

/// Debtor as plain strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDebtor {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// IBAN.
    #[serde(default)]
    pub iban: String,
    /// BIC (optional).
    #[serde(default)]
    pub bic: Option<String>,
    /// Postal address (optional unless the debtor's bank is in a non-EEA SEPA country).
    #[serde(default)]
    pub address: Option<RawAddress>,
}

/// Mandate as plain strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMandate {
    /// Mandate reference.
    #[serde(default)]
    pub id: String,
    /// Signature date `YYYY-MM-DD`.
    #[serde(default)]
    pub signed_on: String,
    /// Amendment, if the mandate changed since the last collection.
    #[serde(default)]
    pub amendment: Option<RawAmendment>,
}

/// Amendment as plain strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAmendment {
    /// Old mandate reference.
    #[serde(default)]
    pub original_mandate_id: Option<String>,
    /// Old creditor identifier.
    #[serde(default)]
    pub original_creditor_id: Option<String>,
    /// Old creditor name.
    #[serde(default)]
    pub original_creditor_name: Option<String>,
    /// Old IBAN at the same bank.
    #[serde(default)]
    pub original_iban: Option<String>,
    /// `true` when the debtor moved to another bank (SMNDA).
    #[serde(default)]
    pub new_bank: Option<bool>,
}

/// One debit as plain strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDebit {
    /// End-to-end id.
    #[serde(default)]
    pub end_to_end_id: String,
    /// Amount as text, `12.34` (a decimal comma is accepted too). A JSON number (`12.34`) is
    /// accepted as well and turned into its shortest decimal form, which is exact for every
    /// amount SEPA allows (at most 11 significant digits).
    #[serde(default, deserialize_with = "string_or_number")]
    pub amount: String,
    /// Collection date `YYYY-MM-DD`.
    #[serde(default)]
    pub collection_date: String,
    /// FRST, RCUR, OOFF or FNAL.
    #[serde(default)]
    pub sequence: String,
    /// CORE or B2B; CORE when absent.
    #[serde(default)]
    pub scheme: Option<String>,
    /// Remittance information.
    #[serde(default)]
    pub remittance: Option<String>,
    /// Purpose code.
    #[serde(default)]
    pub purpose: Option<String>,
    /// The debtor.
    #[serde(default)]
    pub debtor: RawDebtor,
    /// The mandate.
    #[serde(default)]
    pub mandate: RawMandate,
    /// Ultimate debtor name.
    #[serde(default)]
    pub ultimate_debtor: Option<String>,
    /// Ultimate creditor name.
    #[serde(default)]
    pub ultimate_creditor: Option<String>,
}

/// Accepts a JSON string or number as text.
fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an amount such as \"12.34\" or 12.34")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
            // Rust prints the shortest text that reads back as the same f64: for up to 15
            // significant digits that is exactly the decimal that was written in the JSON.
            Ok(format!("{v}"))
        }
    }
    d.deserialize_any(V)
}

fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(|s| s.trim().is_empty())
}

impl RawAddress {
    /// True when every part is absent or empty (e.g. empty spreadsheet cells); such an address
    /// counts as no address.
    pub fn is_blank(&self) -> bool {
        blank(&self.street)
            && blank(&self.building)
            && blank(&self.postcode)
            && blank(&self.town)
            && blank(&self.country)
            && self.lines.iter().all(|l| l.trim().is_empty())
    }
}

impl RawAmendment {
    /// True when nothing is given (`new_bank` absent or false); such an amendment counts as none.
    pub fn is_blank(&self) -> bool {
        blank(&self.original_mandate_id)
            && blank(&self.original_creditor_id)
            && blank(&self.original_creditor_name)
            && blank(&self.original_iban)
            && self.new_bank != Some(true)
    }
}

impl RawMessage {
    /// Splits a message whose debits use both CORE and B2B into one message per scheme (CORE
    /// first). A given message id gets `-CORE` / `-B2B` appended (shortened to fit 35
    /// characters); an absent one is derived per scheme anyway. Debit indices in findings then
    /// refer to the split message. A message with one scheme comes back unchanged.
    pub fn split_by_scheme(self) -> Vec<RawMessage> {
        let is_b2b = |d: &RawDebit| {
            d.scheme
                .as_deref()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("B2B"))
        };
        if self.debits.iter().all(is_b2b) || !self.debits.iter().any(is_b2b) {
            return vec![self];
        }
        let RawMessage {
            message_id,
            created_at,
            batch_booking,
            initiating_party,
            creditor,
            debits,
        } = self;
        let (b2b, core): (Vec<RawDebit>, Vec<RawDebit>) = debits.into_iter().partition(is_b2b);
        let with_suffix = |suffix: &str| {
            message_id.as_ref().map(|m| {
                let m = m.trim();
                let keep = m.len().min(35 - suffix.len());
                let mut cut = keep;
                while !m.is_char_boundary(cut) {
                    cut -= 1;
                }
                format!("{}{suffix}", &m[..cut])
            })
        };
        vec![
            RawMessage {
                message_id: with_suffix("-CORE"),
                created_at: created_at.clone(),
                batch_booking,
                initiating_party: initiating_party.clone(),
                creditor: creditor.clone(),
                debits: core,
            },
            RawMessage {
                message_id: with_suffix("-B2B"),
                created_at,
                batch_booking,
                initiating_party,
                creditor,
                debits: b2b,
            },
        ]
    }
}

/// Options for [`validate`].
#[derive(Debug, Clone, Default)]
pub struct ValidationOptions {
    /// Character policy for names, remittance and address text.
    pub policy: CharacterPolicy,
    /// Creation time used when the input has none (the caller's clock).
    pub created_at: Option<CreationTime>,
}

struct Ctx<'a> {
    f: &'a mut Findings,
    place: Place<'a>,
    policy: CharacterPolicy,
}

impl Ctx<'_> {
    fn text<const N: usize>(&mut self, field: &str, value: String, what: What) -> Option<Text<N>> {
        match Text::<N>::parse_owned(value, self.policy) {
            Ok((t, changes)) => {
                if self.f.count_warnings_only {
                    self.f.unlisted_warnings += changes.len();
                    return Some(t);
                }
                for c in changes {
                    self.f
                        .warning_said(self.place, field, c.code(), c.to_string(), c.german());
                }
                Some(t)
            }
            Err(e) => {
                self.f.problem_said(
                    self.place,
                    field,
                    e.code(),
                    format!("the {} {e}", what.en),
                    format!("{} {}", what.de, e.german()),
                );
                None
            }
        }
    }

    fn opt_text<const N: usize>(
        &mut self,
        field: &str,
        value: Option<String>,
        what: What,
    ) -> Option<Option<Text<N>>> {
        match value {
            None => Some(None),
            Some(v) if v.trim().is_empty() => Some(None),
            Some(v) => self.text(field, v, what).map(Some),
        }
    }

    fn parse<T, E: Explain>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        r.map_err(|e| {
            self.f
                .problem_said(self.place, field, e.code(), e.to_string(), e.german())
        })
        .ok()
    }

    fn date(&mut self, field: &str, value: &str, what: What) -> Option<NaiveDate> {
        let v = value.trim();
        if v.is_empty() {
            self.f
                .problem(self.place, field, Rule::DateMissing { what });
            return None;
        }
        match parse_iso_date(v) {
            Ok(d) => Some(d),
            Err(_) => {
                self.f
                    .problem(self.place, field, Rule::DateFormat { what, value: v });
                None
            }
        }
    }

    fn address(&mut self, prefix: &str, a: RawAddress) -> Option<PostalAddress> {
        let field = |f: &str| format!("{prefix}.{f}");
        let street = self.opt_text::<70>(&field("street"), a.street, What::STREET);
        let building = self.opt_text::<16>(&field("building"), a.building, What::BUILDING);
        let postcode = self.opt_text::<16>(&field("postcode"), a.postcode, What::POSTCODE);
        let town = match a.town {
            Some(t) if !t.trim().is_empty() => self.text::<35>(&field("town"), t, What::TOWN),
            _ => {
                self.f
                    .problem(self.place, &field("town"), Rule::AddressTownMissing);
                None
            }
        };
        let country = match a.country {
            Some(c) if !c.trim().is_empty() => {
                self.parse(&field("country"), CountryCode::parse(&c))
            }
            _ => {
                self.f
                    .problem(self.place, &field("country"), Rule::AddressCountryMissing);
                None
            }
        };
        let n = a.lines.len();
        let mut lines = Vec::new();
        for (i, l) in a.lines.into_iter().enumerate() {
            if let Some(t) = self.text::<70>(&format!("{prefix}.lines[{i}]"), l, What::ADDRESS_LINE)
            {
                lines.push(t);
            }
        }
        if n > 2 {
            self.f.problem(
                self.place,
                &field("lines"),
                Rule::AddressTooManyLines { lines: n },
            );
            return None;
        }
        let (street, building, postcode, town, country) =
            (street?, building?, postcode?, town?, country?);
        if lines.len() != n {
            return None;
        }
        PostalAddress::hybrid(street, building, postcode, town, country, lines).ok()
    }
}

/// `YYYY-MM-DD` exactly (chrono's format parser is slow for a million dates).
fn parse_iso_date(v: &str) -> Result<NaiveDate, ()> {
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(());
    }
    let num = |r: std::ops::Range<usize>| -> Result<u32, ()> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            if c.is_ascii_digit() {
                Ok(acc * 10 + u32::from(c - b'0'))
            } else {
                Err(())
            }
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?).ok_or(())
}

fn opt_nonempty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

/// Checks raw input completely and returns the valid message with its warnings, or every problem.
///
/// `today` is the caller's date: collection dates must be after it, mandate signature dates not
/// after it. Transliterations and truncations come back as warnings.
pub fn validate(
    raw: RawMessage,
    options: &ValidationOptions,
    today: NaiveDate,
) -> Result<(ValidMessage, Vec<Warning>), Vec<Problem>> {
    let mut f = Findings::default();
    let policy = options.policy;
    let RawMessage {
        message_id,
        created_at,
        batch_booking,
        initiating_party,
        creditor,
        debits,
    } = raw;
    let first_scheme = debits.first().and_then(|d| d.scheme.as_deref());
    let header = parse_header(
        &mut f,
        policy,
        options,
        RawHeader {
            message_id,
            created_at,
            batch_booking,
            initiating_party,
        },
        first_scheme,
    );
    let creditor = parse_creditor(&mut f, policy, creditor);

    // Without a usable header or creditor the debits are still checked one by one, so every
    // problem is reported in one go. The raw debits are turned into typed ones in place: the
    // typed vector reuses the raw vector's memory (a typed debit is smaller than a raw one), so
    // validation does not need a second copy of a large input.
    let mut skipped: Vec<usize> = Vec::new();
    let parsed: Vec<Debit> = debits
        .into_iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let debit = parse_one(&mut f, policy, i, d);
            if debit.is_none() {
                skipped.push(i);
            }
            debit
        })
        .collect();
    let builder = match (header, creditor) {
        (Some(h), Some(c)) => {
            let mut b = MessageBuilder::new(h, c, today);
            b.absorb(std::mem::take(&mut f));
            b.adopt(parsed, skipped);
            Some(b)
        }
        _ => None,
    };
    match builder {
        Some(b) => b.build(),
        None => Err(f.problems),
    }
}

/// The message-level fields beside the creditor and the debits.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawHeader {
    pub message_id: Option<String>,
    pub created_at: Option<String>,
    pub batch_booking: Option<bool>,
    pub initiating_party: Option<String>,
}

const TOP: Place<'static> = Place {
    debit: None,
    e2e: None,
};

/// The group header, or `None` with the problems in `f`. `first_scheme` (of the first debit)
/// names a derived message id.
pub(crate) fn parse_header(
    f: &mut Findings,
    policy: CharacterPolicy,
    options: &ValidationOptions,
    raw: RawHeader,
    first_scheme: Option<&str>,
) -> Option<MessageHeader> {
    let mut cx = Ctx {
        f,
        place: TOP,
        policy,
    };
    let created_at = match opt_nonempty(raw.created_at) {
        Some(s) => cx.parse("created_at", CreationTime::parse(&s)),
        None => match options.created_at {
            Some(t) => Some(t),
            None => {
                cx.f.problem(TOP, "created_at", Rule::CreatedAtMissing);
                None
            }
        },
    };
    let message_id = match opt_nonempty(raw.message_id) {
        Some(m) => cx.parse("message_id", MessageId::parse(&m)),
        None => {
            let scheme = first_scheme
                .and_then(|s| LocalInstrument::parse(s).ok())
                .unwrap_or_default();
            created_at.map(|t| MessageId::derived(&t, scheme))
        }
    };
    let initiating_party = cx.opt_text::<70>(
        "initiating_party",
        raw.initiating_party,
        What::INITIATING_PARTY,
    );
    match (message_id, created_at, initiating_party) {
        (Some(message_id), Some(created_at), Some(initiating_party)) => Some(MessageHeader {
            message_id,
            created_at,
            initiating_party,
            batch_booking: raw.batch_booking,
        }),
        _ => None,
    }
}

/// The creditor, or `None` with the problems in `f`.
pub(crate) fn parse_creditor(
    f: &mut Findings,
    policy: CharacterPolicy,
    creditor: RawCreditor,
) -> Option<Creditor> {
    let mut cx = Ctx {
        f,
        place: TOP,
        policy,
    };
    let name = cx.text::<70>("creditor.name", creditor.name, What::CREDITOR_NAME);
    let iban = cx.parse("creditor.iban", Iban::parse(&creditor.iban));
    let bic = match opt_nonempty(creditor.bic) {
        Some(b) => cx.parse("creditor.bic", Bic::parse(&b)).map(Some),
        None => Some(None),
    };
    let creditor_id = cx.parse(
        "creditor.creditor_id",
        CreditorId::parse(&creditor.creditor_id),
    );
    let address = match creditor.address {
        Some(a) if !a.is_blank() => cx.address("creditor.address", a).map(Some),
        Some(_) => Some(None),
        None => Some(None),
    };
    match (name, iban, bic, creditor_id, address) {
        (Some(name), Some(iban), Some(bic), Some(creditor_id), Some(address)) => Some(Creditor {
            name,
            iban,
            bic,
            creditor_id,
            address,
        }),
        _ => None,
    }
}

/// Debit `index` of the input, or `None` with its problems in `f`.
pub(crate) fn parse_one(
    f: &mut Findings,
    policy: CharacterPolicy,
    index: usize,
    mut d: RawDebit,
) -> Option<Debit> {
    // Moved out (not copied) so findings can borrow it while the rest of `d` is consumed.
    let e2e_raw = std::mem::take(&mut d.end_to_end_id);
    let e2e_raw = if e2e_raw.trim().len() == e2e_raw.len() {
        e2e_raw
    } else {
        e2e_raw.trim().to_string()
    };
    let place = Place {
        debit: Some(index),
        e2e: if e2e_raw.is_empty() {
            None
        } else {
            Some(&e2e_raw)
        },
    };
    let mut cx = Ctx { f, place, policy };
    parse_debit(&mut cx, &e2e_raw, d)
}

fn parse_debit(cx: &mut Ctx<'_>, e2e: &str, d: RawDebit) -> Option<Debit> {
    let end_to_end_id = cx.parse("end_to_end_id", EndToEndId::parse(e2e));
    let amount = cx.parse("amount", Amount::parse(&d.amount));
    let collection_date = cx.date("collection_date", &d.collection_date, What::COLLECTION_DATE);
    let sequence = if d.sequence.trim().is_empty() {
        cx.f.problem(cx.place, "sequence", Rule::SequenceMissing);
        None
    } else {
        cx.parse("sequence", SequenceType::parse(&d.sequence))
    };
    let scheme = match opt_nonempty(d.scheme) {
        Some(s) => cx.parse("scheme", LocalInstrument::parse(&s)),
        None => Some(LocalInstrument::Core),
    };
    let remittance = cx.opt_text::<140>("remittance", d.remittance, What::REMITTANCE);
    let purpose = match opt_nonempty(d.purpose) {
        Some(p) => cx.parse("purpose", PurposeCode::parse(&p)).map(Some),
        None => Some(None),
    };
    let debtor_name = cx.text::<70>("debtor.name", d.debtor.name, What::DEBTOR_NAME);
    let debtor_iban = cx.parse("debtor.iban", Iban::parse(&d.debtor.iban));
    let debtor_bic = match opt_nonempty(d.debtor.bic) {
        Some(b) => cx.parse("debtor.bic", Bic::parse(&b)).map(Some),
        None => Some(None),
    };
    let debtor_address = match d.debtor.address {
        Some(a) if !a.is_blank() => cx.address("debtor.address", a).map(Some),
        Some(_) => Some(None),
        None => Some(None),
    };
    let mandate_id = cx.parse("mandate.id", MandateId::parse(&d.mandate.id));
    let signed_on = cx.date(
        "mandate.signed_on",
        &d.mandate.signed_on,
        What::SIGNATURE_DATE,
    );
    let amendment = match d.mandate.amendment {
        None => Some(None),
        Some(a) if !a.is_blank() => parse_amendment(cx, a).map(|a| Some(Box::new(a))),
        Some(_) => Some(None),
    };
    let ultimate_debtor =
        cx.opt_text::<70>("ultimate_debtor", d.ultimate_debtor, What::ULTIMATE_DEBTOR);
    let ultimate_creditor = cx.opt_text::<70>(
        "ultimate_creditor",
        d.ultimate_creditor,
        What::ULTIMATE_CREDITOR,
    );
    Some(Debit {
        end_to_end_id: end_to_end_id?,
        amount: amount?,
        collection_date: collection_date?,
        sequence: sequence?,
        mandate: Mandate {
            id: mandate_id?,
            signed_on: signed_on?,
            scheme: scheme?,
            amendment: amendment?,
        },
        debtor: Debtor {
            name: debtor_name?,
            iban: debtor_iban?,
            bic: debtor_bic?,
            address: debtor_address?,
        },
        remittance: remittance?,
        purpose: purpose?,
        ultimate_debtor: ultimate_debtor?,
        ultimate_creditor: ultimate_creditor?,
    })
}

fn parse_amendment(cx: &mut Ctx<'_>, a: RawAmendment) -> Option<Amendment> {
    let p = "mandate.amendment";
    let original_mandate_id = match opt_nonempty(a.original_mandate_id) {
        Some(m) => cx
            .parse(&format!("{p}.original_mandate_id"), MandateId::parse(&m))
            .map(Some),
        None => Some(None),
    };
    let original_creditor_id = match opt_nonempty(a.original_creditor_id) {
        Some(m) => cx
            .parse(&format!("{p}.original_creditor_id"), CreditorId::parse(&m))
            .map(Some),
        None => Some(None),
    };
    let original_creditor_name = cx.opt_text::<70>(
        &format!("{p}.original_creditor_name"),
        a.original_creditor_name,
        What::ORIGINAL_CREDITOR_NAME,
    );
    let new_bank = a.new_bank.unwrap_or(false);
    let original_account = match (opt_nonempty(a.original_iban), new_bank) {
        (Some(_), true) => {
            cx.f.problem(cx.place, p, Rule::AmendmentIbanAndNewBank);
            None
        }
        (Some(i), false) => cx
            .parse(&format!("{p}.original_iban"), Iban::parse(&i))
            .map(|i| Some(OriginalAccount::SameBank(i))),
        (None, true) => Some(Some(OriginalAccount::NewBank)),
        (None, false) => Some(None),
    };
    Some(Amendment {
        original_mandate_id: original_mandate_id?,
        original_creditor_id: original_creditor_id?,
        original_creditor_name: original_creditor_name?,
        original_account: original_account?,
    })
}
