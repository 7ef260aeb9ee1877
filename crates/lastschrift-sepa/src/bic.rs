//! Business Identifier Code (ISO 9362, 2019 pattern).

use std::fmt;

use crate::ascii::{Ascii, compact_upper, describe_char};
use crate::country::iban_parent;
use crate::iban::Iban;

/// Why a text is not a BIC.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BicError {
    /// Nothing was given.
    #[error("the BIC is empty")]
    Empty,
    /// Not 8 or 11 characters.
    #[error("a BIC has 8 or 11 characters, this one has {0}")]
    WrongLength(usize),
    /// A character other than a letter or digit.
    #[error("a BIC contains only letters and digits, this one contains {0}")]
    BadCharacter(String),
    /// Characters 5 and 6 are not a country code.
    #[error("characters 5 and 6 of a BIC are a country code (two letters), here they are \"{0}\"")]
    BadCountry(String),
}

impl BicError {
    /// Stable code, e.g. `bic_length`.
    pub fn code(&self) -> &'static str {
        match self {
            BicError::Empty => "bic_empty",
            BicError::WrongLength(_) => "bic_length",
            BicError::BadCharacter(_) => "bic_character",
            BicError::BadCountry(_) => "bic_country",
        }
    }

    /// The message in German.
    pub fn german(&self) -> String {
        match self {
            BicError::Empty => "Die BIC ist leer".into(),
            BicError::WrongLength(n) => format!("Eine BIC hat 8 oder 11 Zeichen, diese hat {n}"),
            BicError::BadCharacter(c) => {
                format!("Eine BIC enthält nur Buchstaben und Ziffern, diese enthält {c}")
            }
            BicError::BadCountry(s) => format!(
                "Zeichen 5 und 6 einer BIC sind ein Ländercode (zwei Buchstaben), hier stehen dort {}",
                crate::explain::quoted(s)
            ),
        }
    }
}

/// A BIC in the 2019 form `[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bic(Ascii<11>);

impl Bic {
    /// Parses what a person typed (spaces dropped, upper-cased).
    ///
    /// ```
    /// assert_eq!(lastschrift_sepa::Bic::parse("cobadeffxxx").unwrap().as_str(), "COBADEFFXXX");
    /// ```
    pub fn parse(input: &str) -> Result<Bic, BicError> {
        let s = compact_upper(input);
        if s.is_empty() {
            return Err(BicError::Empty);
        }
        if let Some(c) = s.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(BicError::BadCharacter(describe_char(c)));
        }
        if s.len() != 8 && s.len() != 11 {
            return Err(BicError::WrongLength(s.len()));
        }
        let country = &s[4..6];
        if !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(BicError::BadCountry(country.to_string()));
        }
        Ok(Bic(Ascii::new(&s)))
    }

    /// The BIC as 8 or 11 upper-case characters.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Country code (characters 5–6).
    pub fn country_code(&self) -> &str {
        &self.as_str()[4..6]
    }

    /// True when the BIC also fits the stricter 2009 pattern of pain.008.001.02
    /// (`[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?`).
    pub fn fits_2009_pattern(&self) -> bool {
        let b = self.as_str().as_bytes();
        b[..6].iter().all(u8::is_ascii_uppercase)
            && (b[6].is_ascii_uppercase() || (b'2'..=b'9').contains(&b[6]))
            && b[7] != b'O'
    }

    /// A warning text when this BIC's country does not fit the IBAN's country, taking territories
    /// that use their parent's IBANs into account (an FR IBAN with an MQ BIC is fine).
    pub fn country_mismatch(&self, iban: &Iban) -> Option<String> {
        self.country_mismatch_both(iban).map(|(english, _)| english)
    }

    /// [`Bic::country_mismatch`] in English and German.
    pub(crate) fn country_mismatch_both(&self, iban: &Iban) -> Option<(String, String)> {
        let bic_country = self.country_code();
        if iban_parent(bic_country) == Some(iban.country_code()) {
            return None;
        }
        Some((
            format!(
                "the BIC {} belongs to country {}, but the IBAN is from {}; please check both",
                self.as_str(),
                bic_country,
                iban.country_code()
            ),
            format!(
                "Die BIC {} gehört zum Land {}, die IBAN ist aber aus {}; bitte beide prüfen",
                self.as_str(),
                bic_country,
                iban.country_code()
            ),
        ))
    }
}

impl fmt::Display for Bic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Bic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bic({})", self.as_str())
    }
}

impl std::str::FromStr for Bic {
    type Err = BicError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Bic::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_bics() {
        assert_eq!(Bic::parse("COBADEFFXXX").unwrap().as_str(), "COBADEFFXXX");
        assert_eq!(Bic::parse(" cobadeff ").unwrap().as_str(), "COBADEFF");
        assert_eq!(
            Bic::parse("DEUT DE DB BER").unwrap().as_str(),
            "DEUTDEDBBER"
        );
        // 2019 pattern allows digits in the institution code.
        let b = Bic::parse("1BANDEFF").unwrap();
        assert!(!b.fits_2009_pattern());
        assert!(Bic::parse("COBADEFFXXX").unwrap().fits_2009_pattern());
        assert!(!Bic::parse("COBADE1F").unwrap().fits_2009_pattern());
    }

    #[test]
    fn invalid_bics() {
        assert_eq!(Bic::parse(""), Err(BicError::Empty));
        assert_eq!(Bic::parse("COBADEF"), Err(BicError::WrongLength(7)));
        assert_eq!(Bic::parse("COBADEFFXX"), Err(BicError::WrongLength(10)));
        assert_eq!(
            Bic::parse("COBA12FF"),
            Err(BicError::BadCountry("12".into()))
        );
        assert_eq!(
            Bic::parse("COBA-EFF"),
            Err(BicError::BadCharacter("'-'".into()))
        );
    }

    #[test]
    fn every_error_has_a_code_and_a_german_sentence() {
        crate::explain::tests::assert_explained(&[
            BicError::Empty,
            BicError::WrongLength(7),
            BicError::BadCharacter("'-'".into()),
            BicError::BadCountry("12".into()),
        ]);
    }

    #[test]
    fn country_fit() {
        let de = Iban::parse("DE89370400440532013000").unwrap();
        let fr = Iban::parse("FR1420041010050500013M02606").unwrap();
        let gb = Iban::parse("GB29NWBK60161331926819").unwrap();
        assert!(
            Bic::parse("COBADEFF")
                .unwrap()
                .country_mismatch(&de)
                .is_none()
        );
        assert!(
            Bic::parse("BNPAFRPP")
                .unwrap()
                .country_mismatch(&de)
                .is_some()
        );
        assert!(
            Bic::parse("BNPAMQMQ")
                .unwrap()
                .country_mismatch(&fr)
                .is_none()
        );
        assert!(
            Bic::parse("BNPAMAMC")
                .unwrap()
                .country_mismatch(&fr)
                .is_some()
        );
        assert!(
            Bic::parse("RBOSJESH")
                .unwrap()
                .country_mismatch(&gb)
                .is_none()
        );
    }
}
