//! Small code lists: sequence type, local instrument, purpose code, country code, creation time.

use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDateTime};

/// Why a code is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Unknown sequence type.
    #[error("the sequence type is FRST, RCUR, OOFF or FNAL, not \"{0}\"")]
    SequenceType(String),
    /// COR1 was retired.
    #[error(
        "COR1 is no longer accepted: it was retired in November 2016 when CORE took over its one-day lead time; use CORE"
    )]
    Cor1,
    /// Unknown scheme.
    #[error("the scheme is CORE or B2B, not \"{0}\"")]
    LocalInstrument(String),
    /// Not 1–4 letters.
    #[error("a purpose code has 4 letters (e.g. GDSV, SALA), not \"{0}\"")]
    Purpose(String),
    /// Not two letters.
    #[error("a country is given as a two-letter ISO code (e.g. DE), not \"{0}\"")]
    Country(String),
    /// Unreadable creation time.
    #[error(
        "the creation time must look like 2026-11-28T14:05:00 or 2026-11-28T14:05:00+01:00, not \"{0}\""
    )]
    CreationTime(String),
}

impl CodeError {
    /// Stable code, e.g. `code_sequence_type`.
    pub fn code(&self) -> &'static str {
        match self {
            CodeError::SequenceType(_) => "code_sequence_type",
            CodeError::Cor1 => "code_cor1",
            CodeError::LocalInstrument(_) => "code_scheme",
            CodeError::Purpose(_) => "code_purpose",
            CodeError::Country(_) => "code_country",
            CodeError::CreationTime(_) => "code_creation_time",
        }
    }

    /// The message in German.
    pub fn german(&self) -> String {
        use crate::explain::quoted;
        match self {
            CodeError::SequenceType(s) => format!(
                "Der Sequenztyp ist FRST, RCUR, OOFF oder FNAL, nicht {}",
                quoted(s)
            ),
            CodeError::Cor1 => "COR1 wird nicht mehr angenommen: Das Verfahren wurde im November 2016 abgeschafft, als CORE die eintägige Vorlaufzeit übernahm; bitte CORE verwenden".into(),
            CodeError::LocalInstrument(s) => {
                format!("Das Verfahren ist CORE oder B2B, nicht {}", quoted(s))
            }
            CodeError::Purpose(s) => format!(
                "Ein Purpose-Code hat 4 Buchstaben (z. B. GDSV, SALA), nicht {}",
                quoted(s)
            ),
            CodeError::Country(s) => format!(
                "Ein Land wird als ISO-Code aus zwei Buchstaben angegeben (z. B. DE), nicht {}",
                quoted(s)
            ),
            CodeError::CreationTime(s) => format!(
                "Der Erstellungszeitpunkt muss wie 2026-11-28T14:05:00 oder 2026-11-28T14:05:00+01:00 aussehen, nicht {}",
                quoted(s)
            ),
        }
    }
}

/// Position of a debit in the life of its mandate (AT-M006).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SequenceType {
    /// First collection of a recurrent mandate (Erstlastschrift).
    First,
    /// Recurrent collection (Folgelastschrift).
    Recurrent,
    /// Final collection (letzte Lastschrift).
    Final,
    /// One-off mandate (Einmallastschrift).
    OneOff,
}

impl SequenceType {
    /// The XML code: FRST, RCUR, FNAL or OOFF.
    pub fn code(self) -> &'static str {
        match self {
            SequenceType::First => "FRST",
            SequenceType::Recurrent => "RCUR",
            SequenceType::Final => "FNAL",
            SequenceType::OneOff => "OOFF",
        }
    }

    /// Parses FRST/RCUR/OOFF/FNAL (case-insensitive, trimmed).
    pub fn parse(input: &str) -> Result<SequenceType, CodeError> {
        let s = input.trim();
        let is = |code: &str| s.eq_ignore_ascii_case(code);
        if is("FRST") {
            Ok(SequenceType::First)
        } else if is("RCUR") {
            Ok(SequenceType::Recurrent)
        } else if is("FNAL") {
            Ok(SequenceType::Final)
        } else if is("OOFF") {
            Ok(SequenceType::OneOff)
        } else {
            Err(CodeError::SequenceType(s.to_string()))
        }
    }
}

impl fmt::Display for SequenceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The direct-debit scheme (`LclInstrm/Cd`). One message carries only one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum LocalInstrument {
    /// SEPA Core direct debit (Basislastschrift).
    #[default]
    Core,
    /// SEPA business-to-business direct debit (Firmenlastschrift).
    B2b,
}

impl LocalInstrument {
    /// The XML code: CORE or B2B.
    pub fn code(self) -> &'static str {
        match self {
            LocalInstrument::Core => "CORE",
            LocalInstrument::B2b => "B2B",
        }
    }

    /// Parses CORE/B2B (case-insensitive); COR1 is refused with the reason.
    pub fn parse(input: &str) -> Result<LocalInstrument, CodeError> {
        let s = input.trim();
        if s.eq_ignore_ascii_case("CORE") {
            Ok(LocalInstrument::Core)
        } else if s.eq_ignore_ascii_case("B2B") {
            Ok(LocalInstrument::B2b)
        } else if s.eq_ignore_ascii_case("COR1") {
            Err(CodeError::Cor1)
        } else {
            Err(CodeError::LocalInstrument(s.to_string()))
        }
    }
}

impl fmt::Display for LocalInstrument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// ISO external purpose code (AT-T007), four upper-case letters such as `GDSV`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PurposeCode([u8; 4]);

impl PurposeCode {
    /// Parses four letters (upper-cased, trimmed).
    pub fn parse(input: &str) -> Result<PurposeCode, CodeError> {
        let s = input.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() == 4 && b.iter().all(u8::is_ascii_uppercase) {
            Ok(PurposeCode([b[0], b[1], b[2], b[3]]))
        } else {
            Err(CodeError::Purpose(input.trim().to_string()))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Debug for PurposeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PurposeCode({})", self.as_str())
    }
}

/// ISO 3166 alpha-2 country code of an address (any country, not only SEPA).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses two letters (upper-cased, trimmed).
    pub fn parse(input: &str) -> Result<CountryCode, CodeError> {
        let s = input.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() == 2 && b.iter().all(u8::is_ascii_uppercase) {
            Ok(CountryCode([b[0], b[1]]))
        } else {
            Err(CodeError::Country(input.trim().to_string()))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

/// Creation time of a message (`GrpHdr/CreDtTm`), passed in by the caller (the library has no clock).
/// Either a local time without zone or a time with offset; written with whole seconds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CreationTime {
    /// Local time, written without zone: `2026-11-28T14:05:00`.
    Local(NaiveDateTime),
    /// Time with offset, written as `2026-11-28T14:05:00+01:00` (or `Z` for UTC).
    Offset(DateTime<FixedOffset>),
}

impl CreationTime {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff]` with optional `Z` or `±HH:MM`.
    pub fn parse(input: &str) -> Result<CreationTime, CodeError> {
        let s = input.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Ok(CreationTime::Offset(t));
        }
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
            .map(CreationTime::Local)
            .map_err(|_| CodeError::CreationTime(s.to_string()))
    }

    /// The local wall-clock time.
    pub fn naive(&self) -> NaiveDateTime {
        match self {
            CreationTime::Local(t) => *t,
            CreationTime::Offset(t) => t.naive_local(),
        }
    }

    /// The XML form.
    pub fn to_xml(&self) -> String {
        match self {
            CreationTime::Local(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
            CreationTime::Offset(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

impl From<NaiveDateTime> for CreationTime {
    fn from(t: NaiveDateTime) -> Self {
        CreationTime::Local(t)
    }
}

impl From<DateTime<FixedOffset>> for CreationTime {
    fn from(t: DateTime<FixedOffset>) -> Self {
        CreationTime::Offset(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(SequenceType::parse(" frst"), Ok(SequenceType::First));
        assert_eq!(
            SequenceType::parse("RPRE"),
            Err(CodeError::SequenceType("RPRE".into()))
        );
        assert_eq!(LocalInstrument::parse("b2b"), Ok(LocalInstrument::B2b));
        assert_eq!(LocalInstrument::parse("COR1"), Err(CodeError::Cor1));
        assert!(CodeError::Cor1.to_string().contains("November 2016"));
        assert_eq!(PurposeCode::parse("gdsv").unwrap().as_str(), "GDSV");
        assert!(PurposeCode::parse("GDS1").is_err());
        assert_eq!(CountryCode::parse("de").unwrap().as_str(), "DE");
        assert!(CountryCode::parse("DEU").is_err());
    }

    #[test]
    fn every_error_has_a_code_and_a_german_sentence() {
        crate::explain::tests::assert_explained(&[
            CodeError::SequenceType("RPRE".into()),
            CodeError::Cor1,
            CodeError::LocalInstrument("SDD".into()),
            CodeError::Purpose("GDS1".into()),
            CodeError::Country("DEU".into()),
            CodeError::CreationTime("2026-11-28".into()),
        ]);
    }

    #[test]
    fn creation_time() {
        assert_eq!(
            CreationTime::parse("2026-11-28T14:05:00").unwrap().to_xml(),
            "2026-11-28T14:05:00"
        );
        assert_eq!(
            CreationTime::parse("2026-11-28T14:05:00.123Z")
                .unwrap()
                .to_xml(),
            "2026-11-28T14:05:00Z"
        );
        assert_eq!(
            CreationTime::parse("2026-11-28T14:05:00+01:00")
                .unwrap()
                .to_xml(),
            "2026-11-28T14:05:00+01:00"
        );
        assert!(CreationTime::parse("2026-11-28").is_err());
    }
}
