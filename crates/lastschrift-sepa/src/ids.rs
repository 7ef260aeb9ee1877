//! Identifiers restricted to the EPC basic character set: message, payment-information,
//! end-to-end and mandate ids.

use std::fmt;

use crate::ascii::{Ascii, describe_char};

/// Why a text is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Nothing (or only spaces) was given.
    #[error("the {0} is empty")]
    Empty(&'static str),
    /// More than 35 characters.
    #[error("a {what} has at most 35 characters, this one has {len}")]
    TooLong {
        /// Which identifier.
        what: &'static str,
        /// Length given.
        len: usize,
    },
    /// A character outside the allowed set.
    #[error(
        "a {what} may contain only A-Z a-z 0-9 and / - ? : ( ) . , ' +{space}; this one contains {ch}"
    )]
    BadCharacter {
        /// Which identifier.
        what: &'static str,
        /// The offending character, described.
        ch: String,
        /// " and space" where spaces are allowed.
        space: &'static str,
    },
    /// Begins or ends with a slash.
    #[error("a {0} must not begin or end with '/'")]
    EdgeSlash(&'static str),
    /// Contains two slashes in a row.
    #[error("a {0} must not contain '//'")]
    DoubleSlash(&'static str),
}

/// The German name of an identifier ("end-to-end id" → "Ende-zu-Ende-Referenz"); all feminine.
fn german_what(what: &str) -> &'static str {
    match what {
        "message id" => "Nachrichtenreferenz",
        "payment-information id" => "Sammlerreferenz",
        "end-to-end id" => "Ende-zu-Ende-Referenz",
        "mandate id" => "Mandatsreferenz",
        _ => "Referenz",
    }
}

impl IdError {
    /// Stable code, e.g. `id_character`.
    pub fn code(&self) -> &'static str {
        match self {
            IdError::Empty(_) => "id_empty",
            IdError::TooLong { .. } => "id_too_long",
            IdError::BadCharacter { .. } => "id_character",
            IdError::EdgeSlash(_) => "id_edge_slash",
            IdError::DoubleSlash(_) => "id_double_slash",
        }
    }

    /// The message in German.
    pub fn german(&self) -> String {
        match self {
            IdError::Empty(what) => format!("Die {} ist leer", german_what(what)),
            IdError::TooLong { what, len } => format!(
                "Eine {} hat höchstens 35 Zeichen, diese hat {len}",
                german_what(what)
            ),
            IdError::BadCharacter { what, ch, space } => format!(
                "Eine {} darf nur A-Z a-z 0-9 und / - ? : ( ) . , ' +{} enthalten; diese enthält {ch}",
                german_what(what),
                if space.is_empty() {
                    ""
                } else {
                    " sowie Leerzeichen"
                }
            ),
            IdError::EdgeSlash(what) => format!(
                "Eine {} darf nicht mit „/“ beginnen oder enden",
                german_what(what)
            ),
            IdError::DoubleSlash(what) => {
                format!("Eine {} darf „//“ nicht enthalten", german_what(what))
            }
        }
    }
}

fn is_basic_id_char(c: char) -> bool {
    matches!(c, 'a'..='z' | 'A'..='Z' | '0'..='9' | '/' | '-' | '?' | ':' | '(' | ')' | '.' | ',' | '\'' | '+')
}

fn check_id<'a>(input: &'a str, what: &'static str, allow_space: bool) -> Result<&'a str, IdError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(IdError::Empty(what));
    }
    if let Some(c) = s
        .chars()
        .find(|&c| !(is_basic_id_char(c) || (allow_space && c == ' ')))
    {
        return Err(IdError::BadCharacter {
            what,
            ch: describe_char(c),
            space: if allow_space { " and space" } else { "" },
        });
    }
    if s.len() > 35 {
        return Err(IdError::TooLong { what, len: s.len() });
    }
    if s.starts_with('/') || s.ends_with('/') {
        return Err(IdError::EdgeSlash(what));
    }
    if s.contains("//") {
        return Err(IdError::DoubleSlash(what));
    }
    Ok(s)
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $space:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Ascii<35>);

        impl $name {
            /// Parses the identifier: surrounding spaces are trimmed; the content must be 1–35
            /// characters of the restricted set, not begin or end with `/` and not contain `//`.
            /// Case is kept as given.
            pub fn parse(input: &str) -> Result<Self, IdError> {
                check_id(input, $what, $space).map(|s| $name(Ascii::new(s)))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            #[allow(dead_code)] // not every id type is hashed or written per debit
            pub(crate) fn as_bytes(&self) -> &[u8] {
                self.0.as_bytes()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }
    };
}

id_type!(
    /// `GrpHdr/MsgId`: unique per creditor for a long period; 1–35 characters, no spaces.
    MessageId, "message id", false
);
id_type!(
    /// `PmtInf/PmtInfId`: id of one payment-information block; derived from the message id.
    PaymentInformationId, "payment-information id", false
);
id_type!(
    /// `PmtId/EndToEndId` (Ende-zu-Ende-Referenz): the creditor's reference of one collection,
    /// returned with every R-transaction. 1–35 characters, no spaces.
    EndToEndId, "end-to-end id", false
);
id_type!(
    /// Mandate reference (Mandatsreferenz): 1–35 characters; spaces are allowed (not recommended).
    MandateId, "mandate id", true
);

impl MessageId {
    /// A message id derived from the creation time and the scheme, e.g. `LS-20261128-140502-CORE`,
    /// for callers that were given none. Unique as long as no two messages of one scheme are
    /// created in the same second.
    pub fn derived(t: &crate::CreationTime, scheme: crate::LocalInstrument) -> MessageId {
        let s = format!("{}-{}", t.naive().format("LS-%Y%m%d-%H%M%S"), scheme.code());
        MessageId(Ascii::new(&s))
    }
}

impl PaymentInformationId {
    /// The id of block number `n` (1-based) of message `msg`: `<msg>-<n>`, the message id
    /// shortened at the end when needed so the result fits 35 characters.
    pub fn for_block(msg: &MessageId, n: usize) -> PaymentInformationId {
        let suffix = format!("-{n}");
        let keep = 35usize.saturating_sub(suffix.len()).min(msg.as_str().len());
        let mut s = String::with_capacity(35);
        s.push_str(&msg.as_str()[..keep]);
        s.push_str(&suffix);
        PaymentInformationId(Ascii::new(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_ids() {
        assert_eq!(
            EndToEndId::parse(" RE-2026/0001 ").unwrap().as_str(),
            "RE-2026/0001"
        );
        assert_eq!(MandateId::parse("MANDAT 42").unwrap().as_str(), "MANDAT 42");
        assert_eq!(
            MessageId::parse("a+b?c:d(e).f,g'h").unwrap().as_str(),
            "a+b?c:d(e).f,g'h"
        );
        assert!(MessageId::parse(&"X".repeat(35)).is_ok());
    }

    #[test]
    fn invalid_ids() {
        assert_eq!(
            EndToEndId::parse("  "),
            Err(IdError::Empty("end-to-end id"))
        );
        assert_eq!(
            MessageId::parse(&"X".repeat(36)),
            Err(IdError::TooLong {
                what: "message id",
                len: 36
            })
        );
        assert_eq!(
            EndToEndId::parse("/RE1"),
            Err(IdError::EdgeSlash("end-to-end id"))
        );
        assert_eq!(
            EndToEndId::parse("RE1/"),
            Err(IdError::EdgeSlash("end-to-end id"))
        );
        assert_eq!(
            MandateId::parse("A//B"),
            Err(IdError::DoubleSlash("mandate id"))
        );
        assert!(matches!(
            EndToEndId::parse("RE 1"),
            Err(IdError::BadCharacter { .. })
        ));
        assert!(matches!(
            MandateId::parse("M_1"),
            Err(IdError::BadCharacter { .. })
        ));
        assert!(matches!(
            MandateId::parse("MÜ1"),
            Err(IdError::BadCharacter { .. })
        ));
        assert!(matches!(
            MessageId::parse("A|B"),
            Err(IdError::BadCharacter { .. })
        ));
        let e = MandateId::parse("M_1").unwrap_err().to_string();
        assert!(e.contains("'_'") && e.contains("and space"), "{e}");
    }

    #[test]
    fn every_error_has_a_code_and_a_german_sentence() {
        crate::explain::tests::assert_explained(&[
            IdError::Empty("end-to-end id"),
            IdError::TooLong {
                what: "message id",
                len: 36,
            },
            IdError::BadCharacter {
                what: "mandate id",
                ch: "'_'".into(),
                space: " and space",
            },
            IdError::EdgeSlash("end-to-end id"),
            IdError::DoubleSlash("mandate id"),
        ]);
        assert_eq!(
            MandateId::parse("M_1").unwrap_err().german(),
            "Eine Mandatsreferenz darf nur A-Z a-z 0-9 und / - ? : ( ) . , ' + sowie Leerzeichen enthalten; diese enthält '_'"
        );
        for what in [
            "message id",
            "payment-information id",
            "end-to-end id",
            "mandate id",
        ] {
            assert_ne!(german_what(what), "Referenz", "{what}");
        }
    }

    #[test]
    fn block_ids_fit() {
        let m = MessageId::parse(&"M".repeat(35)).unwrap();
        let b = PaymentInformationId::for_block(&m, 12);
        assert_eq!(b.as_str().len(), 35);
        assert!(b.as_str().ends_with("-12"));
        let short = MessageId::parse("MSG1").unwrap();
        assert_eq!(
            PaymentInformationId::for_block(&short, 1).as_str(),
            "MSG1-1"
        );
    }
}
