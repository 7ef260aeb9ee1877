//! The simple types of ISO 20022 as they appear in bank files: amounts (exact, into cents),
//! dates, date-times, booleans.

use chrono::{NaiveDate, NaiveDateTime};

use super::error::AmountProblem;

pub(crate) const EXPECT_DATE: &str = "a date (YYYY-MM-DD)";
pub(crate) const EXPECT_DATE_TIME: &str = "a date and time (YYYY-MM-DDThh:mm:ss)";
pub(crate) const EXPECT_BOOL: &str = "true or false";
pub(crate) const EXPECT_CREDIT_DEBIT: &str = "CRDT or DBIT";
pub(crate) const EXPECT_COUNT: &str = "a number of transactions";
pub(crate) const EXPECT_CURRENCY: &str = "a currency code of three capital letters";

/// The largest amount accepted: 18 digits as the ISO decimal allows, in cents within `i64`.
const MAX_CENTS: i64 = 99_999_999_999_999_999;

/// An `xs:decimal` amount → cents, exactly. `12`, `12.3`, `12.30`, `+12.30` and `12.300` are
/// accepted; a sign `-`, a non-zero third decimal, an exponent or anything not a plain decimal
/// is refused.
pub(crate) fn parse_cents(text: &str) -> Result<i64, AmountProblem> {
    let text = text.trim();
    let unsigned = match text.as_bytes().first() {
        Some(b'-') => {
            return if parse_cents(&text[1..]).is_ok() {
                Err(AmountProblem::Negative)
            } else {
                Err(AmountProblem::NotANumber)
            };
        }
        Some(b'+') => &text[1..],
        _ => text,
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
        return Err(AmountProblem::NotANumber);
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 16 {
        return Err(AmountProblem::TooLarge);
    }
    let (cents_part, rest) = fraction.split_at(fraction.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return Err(AmountProblem::FractionOfACent);
    }
    let euros: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| AmountProblem::TooLarge)?
    };
    let cents: i64 = format!("{cents_part:0<2}")
        .parse()
        .map_err(|_| AmountProblem::NotANumber)?;
    let total = euros
        .checked_mul(100)
        .and_then(|e| e.checked_add(cents))
        .ok_or(AmountProblem::TooLarge)?;
    if total > MAX_CENTS {
        return Err(AmountProblem::TooLarge);
    }
    Ok(total)
}

/// Drops an `xs:date`/`xs:dateTime` time-zone suffix: `Z`, `+01:00`, `-05:00`.
fn without_zone(text: &str) -> &str {
    if let Some(rest) = text.strip_suffix('Z') {
        return rest;
    }
    let bytes = text.as_bytes();
    if bytes.len() > 6 {
        let tail = &bytes[bytes.len() - 6..];
        if (tail[0] == b'+' || tail[0] == b'-')
            && tail[1].is_ascii_digit()
            && tail[2].is_ascii_digit()
            && tail[3] == b':'
            && tail[4].is_ascii_digit()
            && tail[5].is_ascii_digit()
        {
            return &text[..text.len() - 6];
        }
    }
    text
}

/// `2026-12-14` (a time-zone suffix is allowed and dropped).
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = without_zone(text.trim());
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// `2026-12-14T10:00:00`, with optional fractional seconds and time-zone suffix (dropped: the
/// time is kept as written).
pub(crate) fn parse_date_time(text: &str) -> Option<NaiveDateTime> {
    let text = without_zone(text.trim());
    if !text.is_char_boundary(10) || text.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok()
}

/// `xs:boolean`: `true`, `false`, `1`, `0`.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// `CRDT` → true, `DBIT` → false.
pub(crate) fn parse_credit(text: &str) -> Option<bool> {
    match text.trim() {
        "CRDT" => Some(true),
        "DBIT" => Some(false),
        _ => None,
    }
}

/// A currency code: three capital letters.
pub(crate) fn is_currency(text: &str) -> bool {
    text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_cents() {
        assert_eq!(parse_cents("12.34"), Ok(1234));
        assert_eq!(parse_cents("12.3"), Ok(1230));
        assert_eq!(parse_cents("12"), Ok(1200));
        assert_eq!(parse_cents("12."), Ok(1200));
        assert_eq!(parse_cents(".5"), Ok(50));
        assert_eq!(parse_cents("+0.01"), Ok(1));
        assert_eq!(parse_cents(" 7.00000 "), Ok(700));
        assert_eq!(parse_cents("0000000000000000000001.00"), Ok(100));
        assert_eq!(parse_cents("12.345"), Err(AmountProblem::FractionOfACent));
        assert_eq!(parse_cents("12.001"), Err(AmountProblem::FractionOfACent));
        assert_eq!(parse_cents("-1.00"), Err(AmountProblem::Negative));
        assert_eq!(parse_cents("-x"), Err(AmountProblem::NotANumber));
        assert_eq!(parse_cents(""), Err(AmountProblem::NotANumber));
        assert_eq!(parse_cents("."), Err(AmountProblem::NotANumber));
        assert_eq!(parse_cents("1,00"), Err(AmountProblem::NotANumber));
        assert_eq!(parse_cents("1e3"), Err(AmountProblem::NotANumber));
        assert_eq!(parse_cents("١٢"), Err(AmountProblem::NotANumber));
        assert_eq!(
            parse_cents("99999999999999999999"),
            Err(AmountProblem::TooLarge)
        );
        assert_eq!(
            parse_cents("999999999999999.99"),
            Ok(99_999_999_999_999_999)
        );
    }

    #[test]
    fn dates_and_times() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 14).unwrap();
        assert_eq!(parse_date("2026-12-14"), Some(d));
        assert_eq!(parse_date("2026-12-14+01:00"), Some(d));
        assert_eq!(parse_date("2026-12-14Z"), Some(d));
        assert_eq!(parse_date("2026-13-14"), None);
        assert_eq!(parse_date("14.12.2026"), None);
        let t = parse_date_time("2026-12-14T10:11:12.345+01:00").unwrap();
        assert_eq!(t.date(), d);
        assert!(parse_date_time("2026-12-14T10:11:12").is_some());
        assert!(parse_date_time("2026-12-14").is_none());
        assert!(parse_date_time("2026-12-1€T10:11:12").is_none());
    }
}
