//! The one date parser for dates people type: in a sevdesk contact field, a CSV cell, a command
//! line flag or a form. Every place gives the same answer for the same text.

use chrono::{Datelike as _, NaiveDate};

/// `DD.MM.YYYY`, `D.M.YYYY`, `DD.MM.YY` (a two-digit year is 20YY: SEPA mandates exist since
/// 2009) or ISO `YYYY-MM-DD`; surrounding blanks are ignored. Years before 1900 are refused: they
/// are typing errors, not dates anyone collects on.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let date = if let Some((day_month, year)) = text.rsplit_once('.') {
        // chrono reads "02.01.24" with `%Y` as the year 24, so the year's length picks the
        // format.
        let format = match year.len() {
            2 => "%d.%m.%y",
            4 => "%d.%m.%Y",
            _ => return None,
        };
        if !day_month.contains('.') {
            return None;
        }
        NaiveDate::parse_from_str(text, format).ok()?
    } else {
        let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
        // `%Y` takes any number of digits; a year must have four.
        if text.split('-').next().is_none_or(|year| year.len() != 4) {
            return None;
        }
        date
    };
    (date.year() >= 1900).then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn one_date_parser_reads_1_2_24_as_2024_everywhere() {
        assert_eq!(parse_date("1.2.24"), Some(d(2024, 2, 1)));
        assert_eq!(parse_date("01.02.2024"), Some(d(2024, 2, 1)));
        assert_eq!(parse_date(" 2024-02-01 "), Some(d(2024, 2, 1)));
        assert_eq!(parse_date("02.01.24"), Some(d(2024, 1, 2)));
    }

    #[test]
    fn what_is_not_a_date_is_refused() {
        for text in [
            "",
            "Januar 2024",
            "31.02.2024",
            "02.01.0024",
            "1.2.",
            "24",
            "2024-2",
            "0024-01-01",
            "1.2.2024.5",
            "01.02.024",
            "12024-01-01",
        ] {
            assert_eq!(parse_date(text), None, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn every_written_date_reads_back(days in 0i64..80_000) {
            let date = d(1900, 1, 1) + chrono::Duration::days(days);
            proptest::prop_assert_eq!(parse_date(&date.format("%d.%m.%Y").to_string()), Some(date));
            proptest::prop_assert_eq!(parse_date(&date.format("%Y-%m-%d").to_string()), Some(date));
            proptest::prop_assert_eq!(parse_date(&date.format("%-d.%-m.%Y").to_string()), Some(date));
        }
    }
}
