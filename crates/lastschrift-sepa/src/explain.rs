//! Stable machine codes and German sentences for every error and finding of the crate. The
//! English `Display` text stays what it is; the web UI is German first and must not show English
//! fragments inside German pages, and a program should match on a code, not on a sentence.

/// An error that can say what it is in a stable code and in German.
///
/// Every error type of the crate has these as inherent methods too (no import needed); the
/// trait is for code that handles several of them alike.
pub trait Explain: std::fmt::Display {
    /// Stable snake_case code, e.g. `iban_length`; unique within its type.
    fn code(&self) -> &'static str;
    /// The same sentence in German.
    fn german(&self) -> String;
}

/// Implements [`Explain`] by the inherent `code` and `german` of each type.
macro_rules! explain_by_inherent {
    ($($t:ty),* $(,)?) => {
        $(impl Explain for $t {
            fn code(&self) -> &'static str {
                <$t>::code(self)
            }
            fn german(&self) -> String {
                <$t>::german(self)
            }
        })*
    };
}

explain_by_inherent!(
    crate::IbanError,
    crate::BicError,
    crate::CreditorIdError,
    crate::AmountError,
    crate::IdError,
    crate::TextError,
    crate::AddressError,
    crate::CodeError,
    crate::WriteError,
    crate::TextChange,
    crate::bank::BankFileError,
);

/// A date as German text reads it: `14.12.2026`.
pub(crate) fn german_date(d: chrono::NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

/// `„text“`, the German quotation marks.
pub(crate) fn quoted(s: &str) -> String {
    format!("„{s}“")
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::HashSet;

    use super::Explain;

    /// Every sample has a non-empty code, unique within the samples (one per variant), and a
    /// German sentence that is not the English one (so none was forgotten).
    pub(crate) fn assert_explained<E: Explain>(samples: &[E]) {
        let mut codes = HashSet::new();
        for e in samples {
            let code = e.code();
            assert!(!code.is_empty(), "{e}");
            assert!(
                code.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{code} is not snake_case"
            );
            assert!(codes.insert(code), "code {code} twice");
            let english = e.to_string();
            let german = e.german();
            assert!(!german.trim().is_empty(), "{code}: no German");
            assert_ne!(
                german, english,
                "{code}: the German sentence is the English one"
            );
        }
    }

    #[test]
    fn german_dates_and_quotes() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(super::german_date(d), "04.12.2026");
        assert_eq!(super::quoted("AB"), "„AB“");
    }
}
