//! Free text (names, remittance information, address parts) under a character policy, with
//! transliteration of everything the policy does not allow.

use std::borrow::Cow;
use std::fmt;

/// Which characters free-text fields may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CharacterPolicy {
    /// EPC basic set, accepted by every SEPA bank: `a–z A–Z 0–9 / - ? : ( ) . , ' +` and space.
    #[default]
    Basic,
    /// German extended set: the basic set plus `Ä Ö Ü ä ö ü ß & * $ %`, which German banks accept.
    German,
}

impl CharacterPolicy {
    /// Parses `basic` or `german` (case-insensitive), as a command-line flag would give it.
    pub fn parse(s: &str) -> Option<CharacterPolicy> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("basic") {
            Some(CharacterPolicy::Basic)
        } else if s.eq_ignore_ascii_case("german") {
            Some(CharacterPolicy::German)
        } else {
            None
        }
    }

    /// True when `c` may appear unchanged in a text field.
    pub fn allows(self, c: char) -> bool {
        match c {
            'a'..='z'
            | 'A'..='Z'
            | '0'..='9'
            | '/'
            | '-'
            | '?'
            | ':'
            | '('
            | ')'
            | '.'
            | ','
            | '\''
            | '+'
            | ' ' => true,
            'Ä' | 'Ö' | 'Ü' | 'ä' | 'ö' | 'ü' | 'ß' | '&' | '*' | '$' | '%' => {
                self == CharacterPolicy::German
            }
            _ => false,
        }
    }
}

/// Why a text cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Empty or only spaces as given.
    #[error("is empty")]
    Empty,
    /// Nothing left after dropping characters that cannot be converted.
    #[error("contains nothing usable after replacing characters banks do not accept")]
    EmptyAfterConversion,
}

impl TextError {
    /// Stable code: `text_empty`, `text_empty_after_conversion`.
    pub fn code(&self) -> &'static str {
        match self {
            TextError::Empty => "text_empty",
            TextError::EmptyAfterConversion => "text_empty_after_conversion",
        }
    }

    /// The German fragment that follows the field's name, like the English `Display`
    /// ("Der Verwendungszweck " + "ist leer").
    pub fn german(&self) -> String {
        match self {
            TextError::Empty => "ist leer".into(),
            TextError::EmptyAfterConversion => {
                "enthält nach dem Ersetzen der Zeichen, die Banken nicht annehmen, nichts Verwendbares"
                    .into()
            }
        }
    }
}

/// A change made to a text so a bank accepts it. Reported as a warning, never silent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextChange {
    /// Characters outside the policy were replaced (original, replacement; each pair once).
    Replaced(Vec<(char, String)>),
    /// The text was cut to the field's maximum length.
    Shortened {
        /// Maximum characters of the field.
        max: usize,
        /// Characters before shortening.
        from: usize,
        /// The text as written.
        result: String,
    },
}

impl fmt::Display for TextChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextChange::Replaced(pairs) => {
                f.write_str("replaced characters banks do not accept: ")?;
                for (i, (from, to)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    let from = crate::ascii::describe_char(*from);
                    if to.is_empty() {
                        write!(f, "{from} dropped")?;
                    } else {
                        write!(f, "{from} → \"{to}\"")?;
                    }
                }
                Ok(())
            }
            TextChange::Shortened { max, from, result } => {
                write!(f, "shortened from {from} to {max} characters: \"{result}\"")
            }
        }
    }
}

impl TextChange {
    /// Stable code: `text_replaced`, `text_shortened`.
    pub fn code(&self) -> &'static str {
        match self {
            TextChange::Replaced(_) => "text_replaced",
            TextChange::Shortened { .. } => "text_shortened",
        }
    }

    /// The change in German.
    pub fn german(&self) -> String {
        match self {
            TextChange::Replaced(pairs) => {
                let mut out = String::from("Zeichen ersetzt, die Banken nicht annehmen: ");
                for (i, (from, to)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let from = crate::ascii::describe_char(*from);
                    if to.is_empty() {
                        out.push_str(&format!("{from} entfernt"));
                    } else {
                        out.push_str(&format!("{from} → „{to}“"));
                    }
                }
                out
            }
            TextChange::Shortened { max, from, result } => {
                format!("von {from} auf {max} Zeichen gekürzt: „{result}“")
            }
        }
    }
}

/// Replacement for an ASCII character outside the policy.
fn ascii_replacement(c: char, policy: CharacterPolicy) -> &'static str {
    match c {
        '@' => "(at)",
        '&' => "+",
        '_' | '=' | '~' => "-",
        '"' | '`' => "'",
        '<' | '[' | '{' => "(",
        '>' | ']' | '}' => ")",
        '\\' | '|' => "/",
        ';' => ",",
        '$' => "USD",
        '%' => " pct",
        _ => {
            // '!' '#' '^' '*' and anything else printable: EPC217-08 suggests '.'.
            let _ = policy;
            "."
        }
    }
}

fn german_basic(c: char) -> Option<&'static str> {
    Some(match c {
        'Ä' => "Ae",
        'Ö' => "Oe",
        'Ü' => "Ue",
        'ä' => "ae",
        'ö' => "oe",
        'ü' => "ue",
        'ß' => "ss",
        '€' => "EUR",
        // Typographic quotes and dashes: deunicode would turn „ into ",,".
        '„' | '“' | '”' | '‟' | '″' | '«' | '»' | '‚' | '‘' | '’' | '‛' | '′' | '‹' | '›' => {
            "'"
        }
        '–' | '—' | '‒' | '―' | '‐' | '‑' | '−' => "-",
        _ => return None,
    })
}

/// Converts `input` to the policy. Returns the converted text (borrowed when nothing changed
/// apart from trimming) and the replaced characters.
fn convert(input: &str, policy: CharacterPolicy) -> (Cow<'_, str>, Vec<(char, String)>) {
    let trimmed = input.trim_matches(|c: char| c.is_whitespace() || c.is_control());
    if trimmed.chars().all(|c| policy.allows(c)) {
        return (Cow::Borrowed(trimmed), Vec::new());
    }
    let mut out = String::with_capacity(trimmed.len() + 8);
    let mut pairs: Vec<(char, String)> = Vec::new();
    let mut note = |c: char, to: &str| {
        if !pairs.iter().any(|(f, _)| *f == c) {
            pairs.push((c, to.to_string()));
        }
    };
    for c in trimmed.chars() {
        if policy.allows(c) {
            out.push(c);
        } else if c.is_whitespace() || c.is_control() {
            // Line breaks, tabs, NBSP and control characters become one space.
            if !out.ends_with(' ') {
                out.push(' ');
            }
            note(c, " ");
        } else if let Some(r) = german_basic(c) {
            out.push_str(r);
            note(c, r);
        } else if c.is_ascii() {
            let r = ascii_replacement(c, policy);
            out.push_str(r);
            note(c, r);
        } else {
            let start = out.len();
            match deunicode::deunicode_char(c) {
                Some(t) => {
                    for d in t.chars() {
                        if policy.allows(d) {
                            out.push(d);
                        } else if d.is_ascii() && !d.is_ascii_control() {
                            out.push_str(ascii_replacement(d, policy));
                        }
                    }
                }
                None => out.push('.'),
            }
            let r = out[start..].to_string();
            note(c, &r);
        }
    }
    // Replacement may leave spaces at the edges or doubled where a line break met a space.
    let cleaned = out.trim().to_string();
    (Cow::Owned(cleaned), pairs)
}

/// Text of at most `MAX` characters that satisfies the character policy it was made with.
///
/// Aliases: [`Name`] (70), [`RemittanceText`] (140), [`StreetName`] (70), [`BuildingNumber`] (16),
/// [`PostCode`] (16), [`TownName`] (35), [`AddressLine`] (70).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Text<const MAX: usize>(String);

/// Name of a party (creditor, debtor, ultimate parties, initiating party): 70 characters.
pub type Name = Text<70>;
/// Unstructured remittance information (Verwendungszweck): 140 characters.
pub type RemittanceText = Text<140>;
/// Street name: 70 characters.
pub type StreetName = Text<70>;
/// Building number: 16 characters.
pub type BuildingNumber = Text<16>;
/// Post code: 16 characters.
pub type PostCode = Text<16>;
/// Town name: 35 characters.
pub type TownName = Text<35>;
/// One address line of a hybrid address: 70 characters.
pub type AddressLine = Text<70>;

impl<const MAX: usize> Text<MAX> {
    /// Converts `input` to the policy: trims, replaces line breaks and control characters by a
    /// space, transliterates other characters (é→e, ø→o, €→EUR, @→(at), typographic quotes and
    /// dashes) and cuts to `MAX` characters. Every replacement and cut comes back as a
    /// [`TextChange`]. Text that is empty or only spaces (before or after conversion) is an error.
    ///
    /// ```
    /// use lastschrift_sepa::{CharacterPolicy, Name};
    /// let (name, changes) = Name::parse("Café Müller & Söhne", CharacterPolicy::German).unwrap();
    /// assert_eq!(name.as_str(), "Cafe Müller & Söhne");
    /// assert_eq!(changes.len(), 1);
    /// ```
    pub fn parse(
        input: &str,
        policy: CharacterPolicy,
    ) -> Result<(Self, Vec<TextChange>), TextError> {
        let (converted, pairs) = convert(input, policy);
        Self::finish(converted, pairs, input)
    }

    /// Like [`Text::parse`], but takes ownership so unchanged text keeps its allocation.
    pub fn parse_owned(
        input: String,
        policy: CharacterPolicy,
    ) -> Result<(Self, Vec<TextChange>), TextError> {
        let (converted, pairs) = convert(&input, policy);
        if let Cow::Borrowed(b) = converted {
            if b.len() == input.len() && (b.len() <= MAX || b.chars().nth(MAX).is_none()) {
                if input.is_empty() {
                    return Err(TextError::Empty);
                }
                return Ok((Text(input), Vec::new()));
            }
            let owned = Cow::Owned(b.to_string());
            return Self::finish(owned, pairs, &input);
        }
        Self::finish(converted, pairs, &input)
    }

    fn finish(
        converted: Cow<'_, str>,
        pairs: Vec<(char, String)>,
        input: &str,
    ) -> Result<(Self, Vec<TextChange>), TextError> {
        if converted.is_empty() {
            return Err(if input.trim().is_empty() {
                TextError::Empty
            } else {
                TextError::EmptyAfterConversion
            });
        }
        let mut changes = Vec::new();
        if !pairs.is_empty() {
            changes.push(TextChange::Replaced(pairs));
        }
        let count = if converted.len() <= MAX {
            converted.len()
        } else {
            converted.chars().count()
        };
        let text = if count > MAX {
            let cut: String = converted.chars().take(MAX).collect();
            let cut = cut.trim_end().to_string();
            changes.push(TextChange::Shortened {
                max: MAX,
                from: count,
                result: cut.clone(),
            });
            cut
        } else {
            converted.into_owned()
        };
        Ok((Text(text), changes))
    }

    /// The text as it will be written (before XML escaping).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize> fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize> fmt::Debug for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CharacterPolicy::{Basic, German};

    fn conv(s: &str, p: CharacterPolicy) -> String {
        Name::parse(s, p).unwrap().0.as_str().to_string()
    }

    #[test]
    fn keeps_allowed_text_unchanged() {
        let (t, ch) = Name::parse("  Max Mustermann  ", Basic).unwrap();
        assert_eq!(t.as_str(), "Max Mustermann");
        assert!(ch.is_empty());
        let (t, ch) = Name::parse("Müller & Söhne", German).unwrap();
        assert_eq!(t.as_str(), "Müller & Söhne");
        assert!(ch.is_empty());
    }

    #[test]
    fn transliterates() {
        assert_eq!(conv("Müller & Söhne", Basic), "Mueller + Soehne");
        assert_eq!(conv("Straße", Basic), "Strasse");
        assert_eq!(conv("Café Øresund", German), "Cafe Oresund");
        assert_eq!(conv("10 €", German), "10 EUR");
        assert_eq!(conv("info@example.de", German), "info(at)example.de");
        assert_eq!(conv("„Gänse“ – ‚Füße‘", German), "'Gänse' - 'Füße'");
        assert_eq!(conv("a\u{a0}b", German), "a b");
        assert_eq!(conv("Zeile 1\r\nZeile 2", German), "Zeile 1 Zeile 2");
        assert_eq!(conv("a\u{7}b", German), "a b");
        assert_eq!(conv("a_b", German), "a-b");
        assert_eq!(conv("Łódź", Basic), "Lodz");
    }

    #[test]
    fn reports_every_change() {
        let (_, ch) = Name::parse("Café", German).unwrap();
        assert_eq!(ch, vec![TextChange::Replaced(vec![('é', "e".into())])]);
        assert!(ch[0].to_string().contains("'é' → \"e\""), "{}", ch[0]);
        let long = "A".repeat(75);
        let (t, ch) = Name::parse(&long, Basic).unwrap();
        assert_eq!(t.as_str().len(), 70);
        assert!(matches!(
            ch[0],
            TextChange::Shortened {
                max: 70,
                from: 75,
                ..
            }
        ));
        let (t, ch) = RemittanceText::parse_owned("ß".repeat(141), German).unwrap();
        assert_eq!(t.as_str().chars().count(), 140);
        assert_eq!(ch.len(), 1);
    }

    #[test]
    fn every_error_and_change_has_a_code_and_german() {
        crate::explain::tests::assert_explained(&[
            TextError::Empty,
            TextError::EmptyAfterConversion,
        ]);
        crate::explain::tests::assert_explained(&[
            TextChange::Replaced(vec![('é', "e".into()), ('\u{301}', String::new())]),
            TextChange::Shortened {
                max: 70,
                from: 75,
                result: "A".repeat(70),
            },
        ]);
        let (_, ch) = Name::parse("Café", German).unwrap();
        assert_eq!(
            ch[0].german(),
            "Zeichen ersetzt, die Banken nicht annehmen: 'é' → „e“"
        );
    }

    #[test]
    fn policy_names() {
        assert_eq!(CharacterPolicy::parse("Basic"), Some(Basic));
        assert_eq!(CharacterPolicy::parse("german"), Some(German));
        assert_eq!(CharacterPolicy::parse("latin1"), None);
        assert!(
            German.allows('ß') && !Basic.allows('ß') && Basic.allows('+') && !German.allows('@')
        );
    }

    #[test]
    fn empty_is_an_error() {
        assert_eq!(Name::parse("", Basic).unwrap_err(), TextError::Empty);
        assert_eq!(Name::parse(" \t ", Basic).unwrap_err(), TextError::Empty);
        assert_eq!(
            Name::parse("\u{a0}\u{a0}", Basic).unwrap_err(),
            TextError::Empty
        );
        assert_eq!(
            Name::parse_owned("  ".into(), Basic).unwrap_err(),
            TextError::Empty
        );
        assert_eq!(
            Name::parse("\u{301}", Basic).unwrap_err(),
            TextError::EmptyAfterConversion
        );
    }
}
