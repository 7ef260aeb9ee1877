//! Sending one e-mail over SMTP, the way a pre-notification reaches a debtor.
//!
//! The seam is small on purpose: [`Mailer::send`] takes a finished [`OutgoingMail`] (the caller
//! writes subject, text and HTML) and answers with the server's own reply to the message, or with
//! one of three [`MailError`]s that tell the caller what to do next: fix an address, wait and try
//! again, or fix the server settings. Everything that can be checked without a connection (our
//! sender address, the debtor's address, the Message-ID) is checked before connecting.
//!
//! The Message-ID is the caller's: a retry after a lost connection can carry the same one, so
//! the debtor's mail program shows a duplicate as one message and the log can match them up.

use std::fmt;
use std::time::Duration;

use lettre::message::{Mailbox, Message, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::response::Response;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587). A server that
    /// offers no STARTTLS is not talked to: falling back to plain text would let anyone on the
    /// path read the password and the debtor data.
    #[default]
    #[serde(rename = "starttls")]
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption at all: only for a relay on the same machine or a loopback test server.
    None,
}

/// The SMTP password. `Debug` masks it and it has no `Serialize`, so it cannot reach a log or a
/// settings dump by accident; [`SmtpPassword::expose`] is the only way out. Zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpPassword(Zeroizing<String>);

impl SmtpPassword {
    pub fn new(password: impl Into<String>) -> Self {
        SmtpPassword(Zeroizing::new(password.into()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SmtpPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpPassword(***)")
    }
}

impl<'de> Deserialize<'de> for SmtpPassword {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SmtpPassword::new)
    }
}

/// The `[smtp]` section of the settings file. The password is best given as
/// `LASTSCHRIFT_SMTP__PASSWORD` rather than written into the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    /// Unset: the standard port of the security, 587 for STARTTLS and plain, 465 for TLS
    /// ([`SmtpSettings::port`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default)]
    pub security: SmtpSecurity,
    /// With a user name the mailer logs in (AUTH PLAIN or LOGIN, whichever the server offers);
    /// without one it does not, and a password alone is not used.
    #[serde(default)]
    pub username: Option<String>,
    /// Shown as "***" when the settings are listed; never written out.
    #[serde(
        default,
        serialize_with = "serialize_masked",
        skip_serializing_if = "Option::is_none"
    )]
    pub password: Option<SmtpPassword>,
    /// The sender's name as the debtor's mail program shows it (usually the creditor's name).
    pub from_name: String,
    pub from_address: String,
    /// For one message's whole conversation, from connecting to the server's reply to the data.
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
}

impl SmtpSettings {
    /// The port connected to: the configured one, else the security's standard port.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::StartTls | SmtpSecurity::None => 587,
        })
    }
}

fn default_timeout_seconds() -> u64 {
    30
}

fn serialize_masked<S: Serializer>(
    password: &Option<SmtpPassword>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match password {
        Some(_) => serializer.serialize_str("***"),
        None => serializer.serialize_none(),
    }
}

/// One message to one debtor. `text` and `html` are the two forms of the same content; the HTML
/// is sent as given (it should load nothing from the network: mail programs block remote
/// images, and a pre-notification must read completely without them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to_name: String,
    pub to_address: String,
    /// Sent as one line: line breaks and runs of blanks become single spaces (see
    /// [`one_line`]).
    pub subject: String,
    pub text: String,
    pub html: String,
    /// `<local@domain>`, chosen by the caller (e.g. `<ls-…@host>`) so that a retry can be
    /// recognised as the same message.
    pub message_id: String,
}

/// Proof that the server took the message: its reply to the message data, as it said it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpReceipt {
    /// Code and text, e.g. `250 2.0.0 Ok: queued as ABC`; the queue id in it is what the mail
    /// server's log knows the message by.
    pub reply: String,
    pub message_id: String,
}

/// Why a message was not sent. `Display` is the English sentence with the detail for the log;
/// [`MailError::german`] is the sentence for the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Our sender address, the debtor's address or the Message-ID cannot be used; found before
    /// any connection, so nothing was sent.
    #[error("the e-mail address `{address}` cannot be used: {reason}")]
    InvalidAddress { address: String, reason: String },
    /// The server answered no. 5xx is final for this message; 4xx means "later" (greylisting,
    /// a full queue). `reply` starts with the code.
    #[error("the mail server refused the message: {reply}")]
    Refused { code: u16, reply: String },
    /// No connection, TLS failed, no answer in time, or the connection broke off. If it broke
    /// off after the message data was sent, the server may still have delivered it: a retry
    /// should use the same Message-ID.
    #[error("the mail server {server} could not be reached: {reason}")]
    Unreachable { server: String, reason: String },
}

impl MailError {
    /// Whether sending the same message again cannot help: a 5xx reply or an unusable address.
    /// A 4xx reply and an unreachable server are worth another try later.
    pub fn is_permanent(&self) -> bool {
        match self {
            MailError::InvalidAddress { .. } => true,
            MailError::Refused { code, .. } => *code >= 500,
            MailError::Unreachable { .. } => false,
        }
    }

    /// A stable name for logs, JSON output and tests.
    pub fn code(&self) -> &'static str {
        match self {
            MailError::InvalidAddress { .. } => "mail_address_invalid",
            MailError::Refused { .. } if self.is_permanent() => "mail_refused",
            MailError::Refused { .. } => "mail_deferred",
            MailError::Unreachable { .. } => "mail_server_unreachable",
        }
    }

    /// The sentence in German. The server's reply and the network detail stay as they were
    /// (they are what the mail provider's support asks for).
    pub fn german(&self) -> String {
        match self {
            MailError::InvalidAddress { address, reason } => {
                let why = german_reason(reason)
                    .map(|why| format!(": {why}"))
                    .unwrap_or_default();
                format!(
                    "Die E-Mail-Adresse „{address}“ ist nicht verwendbar{why}; es wurde nichts gesendet."
                )
            }
            MailError::Refused {
                code: 530 | 534 | 535,
                reply,
            } => format!(
                "Der Mailserver hat die Anmeldung abgelehnt ({reply}); bitte Benutzername und Passwort in den SMTP-Einstellungen prüfen."
            ),
            MailError::Refused { reply, .. } if self.is_permanent() => {
                format!("Der Mailserver hat die E-Mail abgelehnt ({reply}).")
            }
            MailError::Refused { reply, .. } => format!(
                "Der Mailserver hat die E-Mail vorläufig abgewiesen ({reply}); ein späterer Versuch kann gelingen."
            ),
            MailError::Unreachable { server, reason } => format!(
                "Der Mailserver {server} ist nicht erreichbar oder hat die Verbindung abgebrochen ({reason}); bitte die SMTP-Einstellungen prüfen oder später noch einmal versuchen."
            ),
        }
    }
}

// The reasons `InvalidAddress` carries, in English and German. The variant holds a `String` so
// the seam stays plain; the German is looked up from the English text.
const REASON_EMPTY: &str = "it is empty";
const REASON_NO_AT: &str = "it has no @ between name and domain";
const REASON_LOCAL_NOT_ASCII: &str =
    "the part before the @ has characters outside ASCII, which most mail servers refuse";
const REASON_BAD_DOMAIN: &str = "the domain after the @ is not a valid domain name";
const REASON_BAD_LOCAL: &str = "the part before the @ has characters an address cannot have";
const REASON_BAD_MESSAGE_ID: &str =
    "a Message-ID must look like <local@domain> with visible ASCII characters only";

fn german_reason(reason: &str) -> Option<&'static str> {
    Some(match reason {
        REASON_EMPTY => "sie ist leer",
        REASON_NO_AT => "ihr fehlt das @ zwischen Name und Domain",
        REASON_LOCAL_NOT_ASCII => {
            "der Teil vor dem @ enthält Zeichen außerhalb von ASCII, die die meisten Mailserver ablehnen"
        }
        REASON_BAD_DOMAIN => "die Domain nach dem @ ist kein gültiger Domainname",
        REASON_BAD_LOCAL => {
            "der Teil vor dem @ enthält Zeichen, die in einer Adresse nicht vorkommen dürfen"
        }
        REASON_BAD_MESSAGE_ID => {
            "eine Message-ID hat die Form <name@domain> aus sichtbaren ASCII-Zeichen"
        }
        _ => return None,
    })
}

/// Sends [`OutgoingMail`]s with one set of [`SmtpSettings`]. Each message gets its own
/// connection, so an error belongs to exactly one message.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// `host:port`, for error messages.
    server: String,
    timeout: Duration,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Checks the sender address and prepares TLS; does not connect.
    pub fn new(settings: &SmtpSettings) -> Result<Mailer, MailError> {
        let server = format!("{}:{}", settings.host, settings.port());
        let host = settings.host.trim();
        if host.is_empty() {
            return Err(MailError::Unreachable {
                server,
                reason: "no mail server is configured (smtp.host is empty)".into(),
            });
        }
        let from = mailbox(&settings.from_name, &settings.from_address)?;
        let tls_parameters = || {
            TlsParameters::new_rustls(host.to_owned()).map_err(|error| MailError::Unreachable {
                server: server.clone(),
                reason: format!("TLS could not be set up: {error}"),
            })
        };
        let tls = match settings.security {
            SmtpSecurity::StartTls => Tls::Required(tls_parameters()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters()?),
            SmtpSecurity::None => Tls::None,
        };
        // Zero would make every read time out at once; a second is the least that can work.
        let timeout = Duration::from_secs(settings.timeout_seconds.max(1));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(settings.port())
            .tls(tls)
            .timeout(Some(timeout));
        if let Some(username) = &settings.username {
            let password = settings
                .password
                .as_ref()
                .map(|p| p.expose().to_owned())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(username.clone(), password));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            server,
            timeout,
        })
    }

    /// Sends one message as multipart/alternative (text/plain and text/html, UTF-8) with our
    /// From, the debtor's To, the caller's Message-ID and the current Date.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<SmtpReceipt, MailError> {
        let to = mailbox(&mail.to_name, &mail.to_address)?;
        check_message_id(&mail.message_id)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(one_line(&mail.subject))
            .message_id(Some(mail.message_id.clone()))
            .date_now()
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            // With one From and one To set, building has nothing left to refuse; should lettre
            // ever find something, it is about the addresses.
            .map_err(|error| MailError::InvalidAddress {
                address: mail.to_address.clone(),
                reason: error.to_string(),
            })?;
        // lettre's async transport bounds only the connect; a server that accepts and then
        // stays silent would hold the run forever, so the whole conversation has the limit.
        let response = tokio::time::timeout(self.timeout, self.transport.send(message))
            .await
            .map_err(|_| MailError::Unreachable {
                server: self.server.clone(),
                reason: format!("no answer within {} s", self.timeout.as_secs()),
            })?
            .map_err(|error| self.classify(&error))?;
        Ok(SmtpReceipt {
            reply: reply_text(&response),
            message_id: mail.message_id.clone(),
        })
    }

    fn classify(&self, error: &lettre::transport::smtp::Error) -> MailError {
        if let Some(code) = error.status() {
            let code = u16::from(code);
            // lettre keeps the reply's text lines as the error's source.
            let text = std::error::Error::source(error)
                .map(|source| source.to_string())
                .unwrap_or_default();
            return MailError::Refused {
                code,
                reply: format!("{code} {text}").trim_end().to_owned(),
            };
        }
        let reason = if error.is_timeout() {
            format!("no answer within {} s", self.timeout.as_secs())
        } else {
            error.to_string()
        };
        MailError::Unreachable {
            server: self.server.clone(),
            reason,
        }
    }
}

/// A subject is one line of text: line breaks and control characters have no place in it (lettre
/// would write some of them raw into the header), and runs of blanks do not survive the way back
/// (the header is folded at blanks, and many mail programs read a fold with the blanks after it
/// as one space). So each run of those becomes one space. Everything else, a no-break space in
/// `1.234,56 €` included, stays.
pub fn one_line(subject: &str) -> String {
    subject
        .split(|c: char| c.is_ascii_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn reply_text(response: &Response) -> String {
    let lines: Vec<&str> = response.message().collect();
    format!("{} {}", u16::from(response.code()), lines.join(" "))
        .trim_end()
        .to_owned()
}

/// Name and address as a mailbox. Blanks around the address (from copy and paste) are dropped;
/// a domain with umlauts becomes its ASCII (punycode) form, which every server accepts.
fn mailbox(name: &str, address: &str) -> Result<Mailbox, MailError> {
    let invalid = |reason: &str| MailError::InvalidAddress {
        address: address.to_owned(),
        reason: reason.to_owned(),
    };
    let trimmed = address.trim();
    if trimmed.is_empty() {
        return Err(invalid(REASON_EMPTY));
    }
    let (local, domain) = trimmed
        .rsplit_once('@')
        .ok_or_else(|| invalid(REASON_NO_AT))?;
    if local.is_empty() || domain.is_empty() {
        return Err(invalid(REASON_NO_AT));
    }
    // Without SMTPUTF8 (which many servers lack) such an address cannot be sent to; finding out
    // only after connecting would look like a server problem.
    if !local.is_ascii() {
        return Err(invalid(REASON_LOCAL_NOT_ASCII));
    }
    let ascii_domain = idna::domain_to_ascii(domain).map_err(|_| invalid(REASON_BAD_DOMAIN))?;
    let parsed = Address::new(local, &ascii_domain).map_err(|error| match error {
        lettre::address::AddressError::InvalidDomain => invalid(REASON_BAD_DOMAIN),
        _ => invalid(REASON_BAD_LOCAL),
    })?;
    let name = name.trim();
    Ok(Mailbox::new(
        (!name.is_empty()).then(|| name.to_owned()),
        parsed,
    ))
}

/// `<id-left@id-right>` of visible ASCII. lettre would RFC 2047-encode anything else, which no
/// mail program reads as a Message-ID, so the retry could not be recognised.
fn check_message_id(id: &str) -> Result<(), MailError> {
    let inner = id.strip_prefix('<').and_then(|rest| rest.strip_suffix('>'));
    let valid = inner.is_some_and(|inner| {
        let mut parts = inner.split('@');
        let (Some(left), Some(right), None) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        !left.is_empty()
            && !right.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'"' | b'\\'))
    });
    if valid {
        Ok(())
    } else {
        Err(MailError::InvalidAddress {
            address: id.to_owned(),
            reason: REASON_BAD_MESSAGE_ID.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::{Format, Toml};

    fn from_toml(text: &str) -> Result<SmtpSettings, String> {
        figment::Figment::new()
            .merge(Toml::string(text))
            .extract()
            .map_err(|error| error.to_string())
    }

    fn settings() -> SmtpSettings {
        SmtpSettings {
            host: "smtp.example.com".into(),
            port: Some(587),
            security: SmtpSecurity::StartTls,
            username: Some("lastschrift".into()),
            password: Some(SmtpPassword::new("hunter2-geheim")),
            from_name: "Muster Software GmbH".into(),
            from_address: "buchhaltung@example.com".into(),
            timeout_seconds: 30,
        }
    }

    #[test]
    fn settings_from_toml_take_the_defaults() {
        let toml = r#"
            host = "smtp.example.com"
            from_name = "Muster Software GmbH"
            from_address = "buchhaltung@example.com"
        "#;
        let parsed = from_toml(toml).unwrap();
        assert_eq!(parsed.port(), 587);
        let tls = from_toml(&format!("{toml}\nsecurity = \"tls\"")).unwrap();
        assert_eq!(tls.port(), 465, "TLS without a port: 465");
        assert_eq!(parsed.security, SmtpSecurity::StartTls);
        assert_eq!(parsed.timeout_seconds, 30);
        assert_eq!(parsed.username, None);
        assert_eq!(parsed.password, None);
    }

    #[test]
    fn security_is_written_in_lower_case() {
        for (text, expected) in [
            ("starttls", SmtpSecurity::StartTls),
            ("tls", SmtpSecurity::Tls),
            ("none", SmtpSecurity::None),
        ] {
            let toml = format!(
                "host = \"h\"\nfrom_name = \"n\"\nfrom_address = \"a@b.de\"\nsecurity = \"{text}\"\npassword = \"pw\""
            );
            let parsed = from_toml(&toml).unwrap();
            assert_eq!(parsed.security, expected);
            assert_eq!(parsed.password.unwrap().expose(), "pw");
        }
        let wrong = from_toml(
            "host = \"h\"\nfrom_name = \"n\"\nfrom_address = \"a@b.de\"\nsecurity = \"ssl\"",
        );
        assert!(wrong.unwrap_err().contains("ssl"));
    }

    #[test]
    fn the_password_never_shows() {
        let settings = settings();
        let debug = format!("{settings:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("SmtpPassword(***)"), "{debug}");
        let json = serde_json::to_string(&settings).unwrap();
        assert!(!json.contains("hunter2"), "{json}");
        assert!(json.contains(r#""password":"***""#), "{json}");
        let mailer = Mailer::new(&settings).unwrap();
        assert!(!format!("{mailer:?}").contains("hunter2"));
    }

    #[test]
    fn addresses_are_checked_before_connecting() {
        for (address, reason) in [
            ("", REASON_EMPTY),
            ("   ", REASON_EMPTY),
            ("mueller.example.com", REASON_NO_AT),
            ("@example.com", REASON_NO_AT),
            ("müller@example.com", REASON_LOCAL_NOT_ASCII),
            ("a b@example.com", REASON_BAD_LOCAL),
            ("mueller@exa mple.com", REASON_BAD_DOMAIN),
            ("mueller@-.com", REASON_BAD_DOMAIN),
        ] {
            let error = mailbox("", address).unwrap_err();
            assert_eq!(
                error,
                MailError::InvalidAddress {
                    address: address.into(),
                    reason: reason.into()
                },
                "{address:?}"
            );
            assert!(error.is_permanent());
            assert!(german_reason(reason).is_some());
        }
    }

    #[test]
    fn an_umlaut_domain_goes_out_as_punycode() {
        let mailbox = mailbox("Jörg Müller", " joerg@müller-söhne.de ").unwrap();
        assert_eq!(mailbox.email.to_string(), "joerg@xn--mller-shne-kcb9d.de");
        assert_eq!(mailbox.name.as_deref(), Some("Jörg Müller"));
    }

    #[test]
    fn a_message_id_must_be_one_angle_bracketed_ascii_id() {
        for good in ["<ls-1-2@lastschrift.example>", "<a.b+c@[127.0.0.1]>"] {
            assert_eq!(check_message_id(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "ls-1@host",
            "<ls-1@host",
            "<ls 1@host>",
            "<ls-1>",
            "<a@b@c>",
            "<ls-ü@host>",
            "<ls-1@host>\r\nBcc: x@y.de",
        ] {
            assert!(check_message_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn permanence_and_codes_follow_the_reply() {
        let refused = |code| MailError::Refused {
            code,
            reply: format!("{code} no"),
        };
        assert!(refused(550).is_permanent());
        assert_eq!(refused(550).code(), "mail_refused");
        assert!(!refused(451).is_permanent());
        assert_eq!(refused(451).code(), "mail_deferred");
        assert!(refused(451).german().contains("später"));
        assert!(refused(535).german().contains("Passwort"));
        let down = MailError::Unreachable {
            server: "h:1".into(),
            reason: "refused".into(),
        };
        assert!(!down.is_permanent());
        assert_eq!(down.code(), "mail_server_unreachable");
        assert!(down.german().contains("h:1"));
    }

    #[test]
    fn a_subject_is_one_line() {
        assert_eq!(
            one_line(" Vorabankündigung\r\n  für\tMüller\u{b}\u{1b}1.234,56\u{a0}€ "),
            "Vorabankündigung für Müller 1.234,56\u{a0}€"
        );
    }

    #[test]
    fn an_empty_host_is_named() {
        let mut settings = settings();
        settings.host = " ".into();
        let error = Mailer::new(&settings).unwrap_err();
        assert!(matches!(error, MailError::Unreachable { .. }), "{error:?}");
        assert!(error.to_string().contains("smtp.host"));
    }
}
