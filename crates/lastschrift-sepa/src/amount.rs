//! Amounts in euro, held as integer cents.

use std::fmt;

/// Why a text is not a valid SEPA amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// Nothing was given.
    #[error("the amount is empty")]
    Empty,
    /// Not a plain decimal number.
    #[error(
        "\"{0}\" is not an amount; write it like 12.34 or 12,34 (no thousands separators, no currency)"
    )]
    NotANumber(String),
    /// More than two decimals.
    #[error("an amount has at most two decimals, \"{0}\" has more")]
    TooManyDecimals(String),
    /// Zero or negative.
    #[error("the amount must be at least 0.01 EUR")]
    TooSmall,
    /// Above 999 999 999.99.
    #[error("a SEPA direct debit can collect at most 999999999.99 EUR")]
    TooLarge,
}

impl AmountError {
    /// Stable code, e.g. `amount_decimals`.
    pub fn code(&self) -> &'static str {
        match self {
            AmountError::Empty => "amount_empty",
            AmountError::NotANumber(_) => "amount_not_a_number",
            AmountError::TooManyDecimals(_) => "amount_decimals",
            AmountError::TooSmall => "amount_too_small",
            AmountError::TooLarge => "amount_too_large",
        }
    }

    /// The message in German.
    pub fn german(&self) -> String {
        use crate::explain::quoted;
        match self {
            AmountError::Empty => "Der Betrag ist leer".into(),
            AmountError::NotANumber(s) => format!(
                "{} ist kein Betrag; bitte wie 12,34 oder 12.34 schreiben (ohne Tausendertrennzeichen, ohne Währung)",
                quoted(s)
            ),
            AmountError::TooManyDecimals(s) => format!(
                "Ein Betrag hat höchstens zwei Nachkommastellen, {} hat mehr",
                quoted(s)
            ),
            AmountError::TooSmall => "Der Betrag muss mindestens 0,01 EUR sein".into(),
            AmountError::TooLarge => {
                "Eine SEPA-Lastschrift kann höchstens 999.999.999,99 EUR einziehen".into()
            }
        }
    }
}

/// An amount of a single collection: 0.01 to 999 999 999.99 EUR, exact (integer cents).
///
/// Parsing accepts a decimal point or a decimal comma (`12.34`, `12,34`), zero to two decimals
/// (`12`, `12.5`), surrounding spaces, and nothing else: no thousands separators (`1.234,56` is
/// refused because it is ambiguous), no sign, no currency. `Display` always writes two decimals
/// with a point (`12.50`), as the XML needs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Amount(u64);

impl Amount {
    /// Largest amount of one collection, in cents.
    pub const MAX_CENTS: u64 = 99_999_999_999;

    /// Builds an amount from integer cents.
    pub fn from_cents(cents: u64) -> Result<Amount, AmountError> {
        match cents {
            0 => Err(AmountError::TooSmall),
            c if c > Self::MAX_CENTS => Err(AmountError::TooLarge),
            c => Ok(Amount(c)),
        }
    }

    /// Parses what a person typed, see the type's documentation.
    ///
    /// ```
    /// assert_eq!(lastschrift_sepa::Amount::parse("12,5").unwrap().cents(), 1250);
    /// assert!(lastschrift_sepa::Amount::parse("12.345").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<Amount, AmountError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(AmountError::Empty);
        }
        let bad = || AmountError::NotANumber(s.to_string());
        let (int, frac) = match s.find(['.', ',']) {
            Some(i) => (&s[..i], &s[i + 1..]),
            None => (s, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if s.contains(['.', ',']) && frac.is_empty() {
            return Err(bad());
        }
        if frac.len() > 2 {
            return Err(AmountError::TooManyDecimals(s.to_string()));
        }
        let int = int.trim_start_matches('0');
        if int.len() > 9 {
            return Err(AmountError::TooLarge);
        }
        let euros: u64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| bad())?
        };
        let mut cents: u64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        if frac.len() == 1 {
            cents *= 10;
        }
        Amount::from_cents(euros * 100 + cents)
    }

    /// The amount in cents.
    pub fn cents(&self) -> u64 {
        self.0
    }
}

/// Writes integer cents as `euros.cc`.
pub(crate) fn write_cents(f: &mut impl fmt::Write, cents: u128) -> fmt::Result {
    write!(f, "{}.{:02}", cents / 100, cents % 100)
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_cents(f, u128::from(self.0))
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({self} EUR)")
    }
}

impl std::str::FromStr for Amount {
    type Err = AmountError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Amount::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let cases = [
            ("12.34", 1234),
            ("12,34", 1234),
            ("12", 1200),
            ("12.5", 1250),
            (" 0.01 ", 1),
            ("999999999.99", 99_999_999_999),
            ("0999.00", 99_900),
            (".5", 50),
        ];
        for (s, c) in cases {
            assert_eq!(Amount::parse(s).map(|a| a.cents()), Ok(c), "{s}");
        }
        assert_eq!(Amount::parse("7.5").unwrap().to_string(), "7.50");
        assert_eq!(Amount::parse("1000").unwrap().to_string(), "1000.00");
    }

    #[test]
    fn every_error_has_a_code_and_a_german_sentence() {
        crate::explain::tests::assert_explained(&[
            AmountError::Empty,
            AmountError::NotANumber("1.234,56".into()),
            AmountError::TooManyDecimals("12.345".into()),
            AmountError::TooSmall,
            AmountError::TooLarge,
        ]);
    }

    #[test]
    fn refuses() {
        assert_eq!(Amount::parse(""), Err(AmountError::Empty));
        assert_eq!(Amount::parse("0"), Err(AmountError::TooSmall));
        assert_eq!(Amount::parse("0.00"), Err(AmountError::TooSmall));
        assert_eq!(Amount::parse("1000000000.00"), Err(AmountError::TooLarge));
        assert_eq!(
            Amount::parse("99999999999999999999"),
            Err(AmountError::TooLarge)
        );
        assert_eq!(
            Amount::parse("12.345"),
            Err(AmountError::TooManyDecimals("12.345".into()))
        );
        for s in ["-1", "1.234,56", "12 EUR", "1e3", "12.", ".", "+5", "1 000"] {
            assert!(
                matches!(Amount::parse(s), Err(AmountError::NotANumber(_))),
                "{s}"
            );
        }
        assert_eq!(Amount::from_cents(0), Err(AmountError::TooSmall));
    }
}
