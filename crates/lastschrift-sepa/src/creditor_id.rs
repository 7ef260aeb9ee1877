//! SEPA Creditor Identifier (Gläubiger-ID).

use std::fmt;

use crate::ascii::{Ascii, compact_upper, describe_char, mod97};
use crate::country::iban_parent;

/// Why a text is not a creditor identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditorIdError {
    /// Nothing was given.
    #[error("the creditor identifier is empty")]
    Empty,
    /// A character other than letter or digit.
    #[error("a creditor identifier contains only letters and digits, this one contains {0}")]
    BadCharacter(String),
    /// Too short or too long.
    #[error("a creditor identifier has 8 to 35 characters, this one has {0}")]
    WrongLength(usize),
    /// German ids are exactly 18 characters.
    #[error("a German creditor identifier has 18 characters, this one has {0}")]
    WrongGermanLength(usize),
    /// The national part of a German id is not 11 digits.
    #[error(
        "a German creditor identifier ends with 11 digits after the business code, not \"{0}\""
    )]
    GermanNationalPart(String),
    /// First two characters are no SEPA country code.
    #[error("a creditor identifier starts with the code of a SEPA country, not \"{0}\"")]
    BadCountry(String),
    /// Characters 3 and 4 are not digits.
    #[error("characters 3 and 4 of a creditor identifier are check digits, here they are \"{0}\"")]
    BadCheckDigitFormat(String),
    /// The mod-97 check failed.
    #[error("check digits do not match (typing error in the creditor identifier?)")]
    CheckDigits,
}

impl CreditorIdError {
    /// Stable code, e.g. `creditor_id_check_digits`.
    pub fn code(&self) -> &'static str {
        match self {
            CreditorIdError::Empty => "creditor_id_empty",
            CreditorIdError::BadCharacter(_) => "creditor_id_character",
            CreditorIdError::WrongLength(_) => "creditor_id_length",
            CreditorIdError::WrongGermanLength(_) => "creditor_id_german_length",
            CreditorIdError::GermanNationalPart(_) => "creditor_id_german_national_part",
            CreditorIdError::BadCountry(_) => "creditor_id_country",
            CreditorIdError::BadCheckDigitFormat(_) => "creditor_id_check_digit_format",
            CreditorIdError::CheckDigits => "creditor_id_check_digits",
        }
    }

    /// The message in German.
    pub fn german(&self) -> String {
        use crate::explain::quoted;
        match self {
            CreditorIdError::Empty => "Die Gläubiger-ID ist leer".into(),
            CreditorIdError::BadCharacter(c) => {
                format!("Eine Gläubiger-ID enthält nur Buchstaben und Ziffern, diese enthält {c}")
            }
            CreditorIdError::WrongLength(n) => {
                format!("Eine Gläubiger-ID hat 8 bis 35 Zeichen, diese hat {n}")
            }
            CreditorIdError::WrongGermanLength(n) => {
                format!("Eine deutsche Gläubiger-ID hat 18 Zeichen, diese hat {n}")
            }
            CreditorIdError::GermanNationalPart(s) => format!(
                "Eine deutsche Gläubiger-ID endet nach der Geschäftsbereichskennung mit 11 Ziffern, nicht mit {}",
                quoted(s)
            ),
            CreditorIdError::BadCountry(s) => format!(
                "Eine Gläubiger-ID beginnt mit dem Code eines SEPA-Landes, nicht mit {}",
                quoted(s)
            ),
            CreditorIdError::BadCheckDigitFormat(s) => format!(
                "Zeichen 3 und 4 einer Gläubiger-ID sind die Prüfziffern, hier stehen dort {}",
                quoted(s)
            ),
            CreditorIdError::CheckDigits => {
                "Die Prüfziffern stimmen nicht (Tippfehler in der Gläubiger-ID?)".into()
            }
        }
    }
}

/// A creditor identifier such as `DE98ZZZ09999999999`: country, two check digits, a three-character
/// business code (not covered by the check digits) and the national identifier.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CreditorId(Ascii<35>);

impl CreditorId {
    /// Parses what a person typed (spaces dropped, upper-cased) and checks the check digits.
    ///
    /// ```
    /// assert!(lastschrift_sepa::CreditorId::parse("de98 zzz0 9999 9999 99").is_ok());
    /// assert!(lastschrift_sepa::CreditorId::parse("DE97ZZZ09999999999").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<CreditorId, CreditorIdError> {
        let s = compact_upper(input);
        if s.is_empty() {
            return Err(CreditorIdError::Empty);
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(CreditorIdError::BadCharacter(describe_char(c)));
        }
        if !(8..=35).contains(&s.len()) {
            return Err(CreditorIdError::WrongLength(s.len()));
        }
        let country = &s[..2];
        if iban_parent(country).is_none() {
            return Err(CreditorIdError::BadCountry(country.to_string()));
        }
        if country == "DE" && s.len() != 18 {
            return Err(CreditorIdError::WrongGermanLength(s.len()));
        }
        if country == "DE" && !s[7..].bytes().all(|b| b.is_ascii_digit()) {
            return Err(CreditorIdError::GermanNationalPart(s[7..].to_string()));
        }
        let check = &s[2..4];
        if !check.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CreditorIdError::BadCheckDigitFormat(check.to_string()));
        }
        // Business code (positions 5–7) is not part of the check. 00, 01 and 99 pass the
        // remainder test as aliases of 97, 98 and 02, but MOD 97-10 never issues them: a typo.
        let digits = s[7..].bytes().chain(s[..4].bytes());
        if matches!(check, "00" | "01" | "99") || mod97(digits) != 1 {
            return Err(CreditorIdError::CheckDigits);
        }
        Ok(CreditorId(Ascii::new(&s)))
    }

    /// The identifier, upper case, no spaces.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Country code (characters 1–2).
    pub fn country_code(&self) -> &str {
        &self.as_str()[..2]
    }
}

impl fmt::Display for CreditorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CreditorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CreditorId({})", self.as_str())
    }
}

impl std::str::FromStr for CreditorId {
    type Err = CreditorIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditorId::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_valid_ids() {
        for id in [
            "DE98ZZZ09999999999",
            "DE98ABC09999999999",
            "NL53ZZZ091734220000",
            "NL51ZZZ405365330000",
            "IT66ZZZA1B2C3D4E5F6G7H8",
            "FR72ZZZ123456",
        ] {
            assert_eq!(
                CreditorId::parse(id).map(|c| c.to_string()),
                Ok(id.to_string())
            );
        }
    }

    #[test]
    fn every_error_has_a_code_and_a_german_sentence() {
        crate::explain::tests::assert_explained(&[
            CreditorIdError::Empty,
            CreditorIdError::BadCharacter("'-'".into()),
            CreditorIdError::WrongLength(6),
            CreditorIdError::WrongGermanLength(17),
            CreditorIdError::GermanNationalPart("0999999999X".into()),
            CreditorIdError::BadCountry("US".into()),
            CreditorIdError::BadCheckDigitFormat("XX".into()),
            CreditorIdError::CheckDigits,
        ]);
    }

    #[test]
    fn normalises_typing() {
        assert_eq!(
            CreditorId::parse(" de98 zzz0 9999999999 ")
                .unwrap()
                .as_str(),
            "DE98ZZZ09999999999"
        );
    }

    #[test]
    fn refuses_bad_ids() {
        assert_eq!(
            CreditorId::parse("DE97ZZZ09999999999"),
            Err(CreditorIdError::CheckDigits)
        );
        assert_eq!(
            CreditorId::parse("DE98ZZZ0999999999"),
            Err(CreditorIdError::WrongGermanLength(17))
        );
        assert_eq!(
            CreditorId::parse("DE98ZZZ099999999990"),
            Err(CreditorIdError::WrongGermanLength(19))
        );
        assert_eq!(
            CreditorId::parse("US98ZZZ09999999999"),
            Err(CreditorIdError::BadCountry("US".into()))
        );
        assert_eq!(
            CreditorId::parse("DEXXZZZ09999999999"),
            Err(CreditorIdError::BadCheckDigitFormat("XX".into()))
        );
        assert_eq!(
            CreditorId::parse("DE98-ZZZ09999999999"),
            Err(CreditorIdError::BadCharacter("'-'".into()))
        );
        assert_eq!(CreditorId::parse(""), Err(CreditorIdError::Empty));
        assert_eq!(
            CreditorId::parse("DE98ZZ"),
            Err(CreditorIdError::WrongLength(6))
        );
        assert!(CreditorId::parse("DE98ZZZ09999999998").is_err());
        assert_eq!(
            CreditorId::parse("DE98ZZZ0999999999X"),
            Err(CreditorIdError::GermanNationalPart("0999999999X".into()))
        );
    }
}
