//! Defensive deserializers for sevdesk's loosely typed JSON.
//!
//! sevdesk sends ids, codes and flags as strings, amounts as decimal strings but `paidAmount` as
//! a JSON number, booleans as `"0"`/`"1"` or real booleans, and `null` almost anywhere. Every
//! helper here reads the value's literal JSON text (via [`RawValue`]) so that a JSON number never
//! passes through `f64` on its way to a [`Decimal`].

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use rust_decimal::Decimal;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// One JSON scalar as sevdesk sent it.
pub(crate) enum Scalar {
    Null,
    /// A JSON string, unescaped.
    Str(String),
    /// A JSON number, as its literal text.
    Num(String),
    Bool(bool),
}

impl Scalar {
    /// The value as text, with blank strings and `null` read as absent.
    fn into_text(self) -> Option<String> {
        match self {
            Scalar::Null => None,
            Scalar::Str(s) => {
                let trimmed = s.trim();
                if trimmed.is_empty() {
                    None
                } else if trimmed.len() == s.len() {
                    Some(s)
                } else {
                    Some(trimmed.to_owned())
                }
            }
            Scalar::Num(n) => Some(n),
            Scalar::Bool(b) => Some(b.to_string()),
        }
    }
}

pub(crate) fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
    let raw: Box<RawValue> = Deserialize::deserialize(d)?;
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text)
            .map(Scalar::Str)
            .map_err(de::Error::custom),
        Some(b'-' | b'0'..=b'9') => Ok(Scalar::Num(text.to_owned())),
        _ if text == "null" => Ok(Scalar::Null),
        _ if text == "true" => Ok(Scalar::Bool(true)),
        _ if text == "false" => Ok(Scalar::Bool(false)),
        _ => Err(de::Error::custom(format_args!(
            "expected a string, number, boolean or null, found {}",
            abbreviate(text)
        ))),
    }
}

fn abbreviate(text: &str) -> String {
    let mut out: String = text.chars().take(40).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// Parses a decimal from a string (`"34.51"`, `"-46.65"`, `"29"`) or a JSON number (`0`, `12.5`,
/// `1e2`), exactly.
pub(crate) fn parse_decimal(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let parsed = if t.contains(['e', 'E']) {
        Decimal::from_scientific(t)
    } else {
        Decimal::from_str_exact(t)
    };
    parsed.map_err(|e| format!("{t:?} is not a decimal amount ({e})"))
}

pub(crate) fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match scalar(d)?.into_text() {
        None => Ok(None),
        Some(t) => parse_decimal(&t).map(Some).map_err(de::Error::custom),
    }
}

pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match scalar(d)?.into_text() {
        None => Ok(None),
        Some(t) => {
            // "14", 14 and the odd "14.0" all mean 14 days.
            if let Ok(n) = i64::from_str(&t) {
                return Ok(Some(n));
            }
            let dec = parse_decimal(&t).map_err(de::Error::custom)?;
            if dec.fract().is_zero() {
                i64::try_from(dec).map(Some).map_err(de::Error::custom)
            } else {
                Err(de::Error::custom(format_args!(
                    "{t:?} is not a whole number"
                )))
            }
        }
    }
}

pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match scalar(d)? {
        Scalar::Bool(b) => Ok(Some(b)),
        other => match other.into_text().as_deref() {
            None => Ok(None),
            Some("1" | "true" | "TRUE" | "True") => Ok(Some(true)),
            Some("0" | "false" | "FALSE" | "False") => Ok(Some(false)),
            Some(t) => Err(de::Error::custom(format_args!(
                "{t:?} is not a yes/no flag"
            ))),
        },
    }
}

/// Text fields; numbers are kept as their text (a zip code or customer number may come as a
/// number), blank strings read as absent.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(scalar(d)?.into_text())
}

/// Parses a sevdesk timestamp, keeping its offset (sevdesk sends Berlin local time).
pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<FixedOffset>, String> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt);
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S%:z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(t, format) {
            return Ok(dt);
        }
    }
    // A bare date or a timestamp without offset: sevdesk's values are Berlin local time, but
    // without an offset we cannot know which one applied, so the calendar date is kept as given
    // at offset zero (the calendar date is what callers use).
    let utc = chrono::Offset::fix(&chrono::Utc);
    if let Ok(naive) = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S"))
    {
        return Ok(utc.from_utc_datetime(&naive));
    }
    if let Ok(date) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN)));
    }
    Err(format!("{t:?} is not a timestamp"))
}

pub(crate) fn opt_timestamp<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
    match scalar(d)? {
        Scalar::Num(n) => {
            // Unix seconds, as sevdesk uses in filters; read in UTC.
            let secs = i64::from_str(&n).map_err(de::Error::custom)?;
            DateTime::from_timestamp(secs, 0)
                .map(|dt| Some(dt.fixed_offset()))
                .ok_or_else(|| de::Error::custom(format_args!("{n} is not a valid Unix time")))
        }
        other => match other.into_text() {
            None => Ok(None),
            Some(t) => parse_timestamp(&t).map(Some).map_err(de::Error::custom),
        },
    }
}

/// A sevdesk object id. Ids are strings on the wire (`"135169163"`) and integers in paths and
/// filters; both forms are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(pub u64);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for Id {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim().parse().map(Id)
    }
}

impl From<u64> for Id {
    fn from(value: u64) -> Self {
        Id(value)
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match scalar(d)?.into_text() {
            None => Err(de::Error::custom("an id is missing")),
            Some(t) => Id::from_str(&t)
                .map_err(|_| de::Error::custom(format_args!("{t:?} is not a sevdesk id"))),
        }
    }
}

/// `total` of a `countAll=true` list: a string in sevdesk's answers, a number elsewhere.
pub(crate) fn opt_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match opt_i64(d)? {
        None => Ok(None),
        Some(n) => u64::try_from(n)
            .map(Some)
            .map_err(|_| de::Error::custom(format_args!("{n} is not a count"))),
    }
}

/// A list that sevdesk sometimes sends as a single object (write answers, some by-id reads).
pub(crate) struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: DeserializeOwned> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of objects or one object")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1000));
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(OneOrMany(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let one = T::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(OneOrMany(vec![one]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "opt_decimal")]
        amount: Option<Decimal>,
        #[serde(default, deserialize_with = "opt_bool")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "opt_i64")]
        days: Option<i64>,
        #[serde(default, deserialize_with = "opt_timestamp")]
        at: Option<DateTime<FixedOffset>>,
        #[serde(default, deserialize_with = "opt_string")]
        text: Option<String>,
        #[serde(default, deserialize_with = "opt_count")]
        total: Option<u64>,
    }

    fn probe(json: &str) -> Probe {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn decimals_from_strings_and_numbers_are_exact() {
        let cases = [
            (r#"{"amount":"34.51"}"#, "34.51"),
            (r#"{"amount":"-46.65"}"#, "-46.65"),
            (r#"{"amount":"29"}"#, "29"),
            (r#"{"amount":0}"#, "0"),
            (r#"{"amount":0.1}"#, "0.1"),
            (
                r#"{"amount":12.345678901234567891}"#,
                "12.345678901234567891",
            ),
            (r#"{"amount":1e2}"#, "100"),
            (r#"{"amount":"1234567890123.45"}"#, "1234567890123.45"),
        ];
        for (json, want) in cases {
            assert_eq!(
                probe(json).amount,
                Some(Decimal::from_str(want).unwrap()),
                "{json}"
            );
        }
        assert_eq!(probe(r#"{"amount":null}"#).amount, None);
        assert_eq!(probe(r#"{"amount":""}"#).amount, None);
        assert_eq!(probe("{}").amount, None);
        assert!(serde_json::from_str::<Probe>(r#"{"amount":"12,50"}"#).is_err());
        assert!(serde_json::from_str::<Probe>(r#"{"amount":[1]}"#).is_err());
    }

    #[test]
    fn a_number_that_f64_cannot_hold_stays_exact() {
        // 0.1 + 0.2 style drift would show here if the value went through f64.
        let p = probe(r#"{"amount":9007199254740993.01}"#);
        assert_eq!(
            p.amount,
            Some(Decimal::from_str("9007199254740993.01").unwrap())
        );
    }

    #[test]
    fn flags_and_integers() {
        for (json, want) in [
            (r#"{"flag":"1"}"#, Some(true)),
            (r#"{"flag":"0"}"#, Some(false)),
            (r#"{"flag":true}"#, Some(true)),
            (r#"{"flag":0}"#, Some(false)),
            (r#"{"flag":null}"#, None),
        ] {
            assert_eq!(probe(json).flag, want, "{json}");
        }
        assert!(serde_json::from_str::<Probe>(r#"{"flag":"2"}"#).is_err());
        assert_eq!(probe(r#"{"days":"14"}"#).days, Some(14));
        assert_eq!(probe(r#"{"days":14}"#).days, Some(14));
        assert_eq!(probe(r#"{"days":"14.0"}"#).days, Some(14));
        assert!(serde_json::from_str::<Probe>(r#"{"days":"14.5"}"#).is_err());
        assert_eq!(probe(r#"{"total":"157"}"#).total, Some(157));
        assert_eq!(probe(r#"{"total":157}"#).total, Some(157));
        assert!(serde_json::from_str::<Probe>(r#"{"total":"-1"}"#).is_err());
    }

    #[test]
    fn timestamps_keep_the_berlin_offset_and_its_calendar_date() {
        let p = probe(r#"{"at":"2026-09-01T00:00:00+02:00"}"#);
        let at = p.at.unwrap();
        assert_eq!(at.offset().local_minus_utc(), 7200);
        // The calendar date in the given offset, not the UTC date (2026-08-31).
        assert_eq!(
            at.date_naive(),
            NaiveDate::from_ymd_opt(2026, 9, 1).unwrap()
        );
        let winter = probe(r#"{"at":"2026-10-27T00:00:00+01:00"}"#).at.unwrap();
        assert_eq!(
            winter.date_naive(),
            NaiveDate::from_ymd_opt(2026, 10, 27).unwrap()
        );
        let bare = probe(r#"{"at":"1990-05-17"}"#).at.unwrap();
        assert_eq!(
            bare.date_naive(),
            NaiveDate::from_ymd_opt(1990, 5, 17).unwrap()
        );
        assert_eq!(probe(r#"{"at":null}"#).at, None);
        assert!(serde_json::from_str::<Probe>(r#"{"at":"gestern"}"#).is_err());
    }

    #[test]
    fn strings_accept_numbers_and_treat_blank_as_absent() {
        assert_eq!(probe(r#"{"text":10115}"#).text.as_deref(), Some("10115"));
        assert_eq!(probe(r#"{"text":"  "}"#).text, None);
        assert_eq!(probe(r#"{"text":" DE89 "}"#).text.as_deref(), Some("DE89"));
        assert_eq!(
            probe(r#"{"text":"Müller \"M\""}"#).text.as_deref(),
            Some("Müller \"M\"")
        );
    }

    #[test]
    fn ids_from_strings_and_numbers() {
        assert_eq!(
            serde_json::from_str::<Id>(r#""135169163""#).unwrap(),
            Id(135169163)
        );
        assert_eq!(serde_json::from_str::<Id>("42").unwrap(), Id(42));
        assert!(serde_json::from_str::<Id>(r#""abc""#).is_err());
        assert!(serde_json::from_str::<Id>("null").is_err());
        assert_eq!(serde_json::to_string(&Id(7)).unwrap(), r#""7""#);
    }

    #[test]
    fn one_or_many() {
        let many: OneOrMany<Id> = serde_json::from_str(r#"["1", 2]"#).unwrap();
        assert_eq!(many.0, vec![Id(1), Id(2)]);
        let none: OneOrMany<Id> = serde_json::from_str("null").unwrap();
        assert!(none.0.is_empty());
    }

    proptest::proptest! {
        /// Any amount sevdesk could send, as a string or as a JSON number, parses exactly.
        #[test]
        fn any_decimal_parses_exactly(mantissa in -10_000_000_000_000i64..10_000_000_000_000i64, scale in 0u32..=8) {
            let want = Decimal::new(mantissa, scale);
            let text = want.to_string();
            let as_string = format!(r#"{{"amount":"{text}"}}"#);
            let as_number = format!(r#"{{"amount":{text}}}"#);
            proptest::prop_assert_eq!(probe(&as_string).amount, Some(want));
            proptest::prop_assert_eq!(probe(&as_number).amount, Some(want));
        }

        /// Arbitrary text in a string field never panics the parser and comes back unchanged
        /// (apart from surrounding blanks).
        #[test]
        fn any_text_round_trips(text in "\\PC{0,40}") {
            let json = serde_json::to_string(&serde_json::json!({ "text": text })).unwrap();
            let got = probe(&json).text;
            let trimmed = text.trim();
            let want = if trimmed.is_empty() { None } else { Some(trimmed.to_owned()) };
            proptest::prop_assert_eq!(got, want);
        }
    }
}
