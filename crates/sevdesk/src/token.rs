//! The sevdesk API token, masked wherever it could be printed.

use std::fmt;

use crate::error::Error;

/// A sevdesk API token (sent as `Authorization: <token>`, without `Bearer`).
///
/// `Debug` and `Display` never show it; the only way out is the request header, which is marked
/// sensitive.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    /// Checks that the token can travel in an HTTP header. sevdesk tokens are 32 hex characters,
    /// but other lengths are accepted (sandbox tokens, a future format); surrounding blanks from
    /// copy and paste are removed.
    pub fn new(token: impl Into<String>) -> Result<Self, Error> {
        let token = token.into();
        let trimmed = token.trim();
        if trimmed.is_empty() {
            return Err(Error::InvalidConfig {
                detail: "the sevdesk API token is empty".into(),
            });
        }
        if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::InvalidConfig {
                detail: "the sevdesk API token contains spaces or characters that are not plain \
                         letters, digits or punctuation"
                    .into(),
            });
        }
        Ok(ApiToken(trimmed.to_owned()))
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(********)")
    }
}

impl fmt::Display for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_masked_in_debug_and_display() {
        let secret = "0123456789abcdef0123456789abcdef";
        let token = ApiToken::new(format!("  {secret}\n")).unwrap();
        assert_eq!(token.expose(), secret);
        for shown in [
            format!("{token}"),
            format!("{token:?}"),
            format!("{token:#?}"),
        ] {
            assert!(!shown.contains("abcdef"), "{shown}");
            assert!(!shown.contains("0123"), "{shown}");
        }
    }

    #[test]
    fn unusable_tokens_are_rejected() {
        assert!(ApiToken::new("").is_err());
        assert!(ApiToken::new("   ").is_err());
        assert!(ApiToken::new("abc def").is_err());
        assert!(ApiToken::new("abc\u{e4}").is_err());
    }
}
