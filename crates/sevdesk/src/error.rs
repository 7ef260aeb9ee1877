//! Errors of the sevdesk client.
//!
//! `Display` is the technical detail for the log (endpoint path, status, attempts);
//! [`Error::user_message`] is the sentence for the bookkeeper. Neither ever contains the token.

use std::time::Duration;

use crate::endpoint::ApiEndpoint;

/// Everything that can go wrong reading sevdesk.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// HTTP 401 (or an error envelope saying 401): the token is wrong, was regenerated, or the
    /// user it belongs to was deleted. Never retried.
    #[error("sevdesk rejected the API token (HTTP 401) on GET {path}")]
    Unauthorized { path: String },

    /// HTTP 403.
    #[error("sevdesk denied access (HTTP 403) on GET {path}")]
    Forbidden { path: String },

    /// HTTP 404 on a read of one record by its id (`/Invoice/{id}`, `/Contact/{id}`,
    /// `/Invoice/{id}/getIsPartiallyPaid`), or such a read that returned no object (`status`
    /// 200): the record is gone.
    #[error("sevdesk found nothing at GET {path} (HTTP {status})")]
    NotFound { path: String, status: u16 },

    /// HTTP 404 on an endpoint that is not one record: a list such as `GET /PaymentMethod` or
    /// `GET /Invoice`, or the version check. sevdesk does not offer the endpoint to this
    /// account (plan, API changes) or the base URL is wrong; no record is missing. Never
    /// retried. `path` is the path as requested, `endpoint` the endpoint it belongs to.
    #[error("sevdesk does not offer GET {path} (HTTP {status}): endpoint {endpoint} unavailable")]
    EndpointUnavailable {
        endpoint: ApiEndpoint,
        path: String,
        status: u16,
    },

    /// HTTP 400 or 422: sevdesk refused the request as such.
    #[error("sevdesk refused GET {path} (HTTP {status}){}", fmt_msg(message))]
    Rejected {
        path: String,
        status: u16,
        message: Option<String>,
    },

    /// sevdesk's error envelope `{"error": {...}}`, here with an HTTP status that claims success.
    #[error(
        "sevdesk answered GET {path} with an error (HTTP {status}, code {}, response code {}){}",
        opt(code),
        opt(response_code),
        fmt_msg(message)
    )]
    Api {
        path: String,
        status: u16,
        code: Option<i64>,
        response_code: Option<i64>,
        message: Option<String>,
    },

    /// HTTP 429 on every attempt, or a `Retry-After` longer than we are willing to wait.
    #[error(
        "sevdesk asked us to slow down (HTTP 429) on GET {path}; gave up after {attempts} attempt(s){}",
        retry_after.map(|d| format!(", Retry-After {}s", d.as_secs())).unwrap_or_default()
    )]
    RateLimited {
        path: String,
        attempts: u32,
        retry_after: Option<Duration>,
    },

    /// HTTP 5xx on every attempt.
    #[error(
        "sevdesk had a server error (HTTP {status}) on GET {path}; gave up after {attempts} attempt(s)"
    )]
    Server {
        path: String,
        status: u16,
        attempts: u32,
    },

    /// No complete answer within the configured request timeout, on every attempt.
    #[error("GET {path} timed out after {}s on each of {attempts} attempt(s)", timeout.as_secs_f64())]
    Timeout {
        path: String,
        attempts: u32,
        timeout: Duration,
    },

    /// The connection failed (DNS, refused, TLS, reset) on every attempt.
    #[error("could not reach sevdesk for GET {path} after {attempts} attempt(s): {detail}")]
    Connection {
        path: String,
        attempts: u32,
        detail: String,
    },

    /// The answer broke off before the end, on every attempt.
    #[error(
        "the answer to GET {path} was cut off (HTTP {status}) on each of {attempts} attempt(s): {detail}"
    )]
    Truncated {
        path: String,
        status: u16,
        attempts: u32,
        detail: String,
    },

    /// The answer is not JSON at all (e.g. an HTML maintenance or login page).
    #[error("GET {path} answered HTTP {status} with {content_type} instead of JSON: {snippet:?}")]
    NotJson {
        path: String,
        status: u16,
        content_type: String,
        snippet: String,
    },

    /// The answer is JSON but not in the shape we read (broken JSON, a field of the wrong type
    /// or missing). `field` names the field that could not be read (`sumGross`, `contact.id`,
    /// `version`; `None` when the JSON itself is broken), `record_id` the id of the record it
    /// belongs to when that record has one; `detail` has everything for the log (record
    /// position, field, value, parser message).
    #[error("the answer to GET {path} could not be read: {detail}")]
    Malformed {
        path: String,
        field: Option<String>,
        record_id: Option<String>,
        detail: String,
    },

    /// Any other HTTP status.
    #[error("GET {path} answered with unexpected HTTP {status}")]
    UnexpectedStatus { path: String, status: u16 },

    /// The pages of a list did not add up (records changed while we read, on every try).
    #[error(
        "reading {path} page by page gave {got} distinct records, but sevdesk reported {expected}"
    )]
    Inconsistent {
        path: String,
        expected: u64,
        got: u64,
    },

    /// The client's configuration is unusable.
    #[error("invalid sevdesk client configuration: {detail}")]
    InvalidConfig { detail: String },

    /// A request outside the read-only allow-list was about to be sent. This is a bug in this
    /// crate; the request was not sent.
    #[error("refused to send {method} {path}: not on the read-only allow-list")]
    NotAllowed { method: String, path: String },
}

fn fmt_msg(message: &Option<String>) -> String {
    message
        .as_deref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

fn opt(v: &Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_else(|| "none".into())
}

impl Error {
    /// A sentence for the bookkeeper: what happened and what to do.
    pub fn user_message(&self) -> String {
        match self {
            Error::Unauthorized { .. } => "sevdesk does not accept the API token. It may be \
                mistyped, or it was regenerated or revoked in sevdesk (Einstellungen → Benutzer → \
                API-Token). Enter the current token and try again."
                .into(),
            Error::Forbidden { .. } => "sevdesk refused access to this data. The user the API \
                token belongs to may lack the rights for it, or the sevdesk plan does not include \
                API access."
                .into(),
            Error::NotFound { .. } => "sevdesk no longer has this record: it was probably deleted \
                in sevdesk. Read the data again."
                .into(),
            Error::EndpointUnavailable { endpoint, .. } => format!(
                "sevdesk does not offer {endpoint} to this account (HTTP 404 for the whole \
                 endpoint, not a missing record): check that the sevdesk address in the settings \
                 is {} and that the account's sevdesk plan includes API access to it.",
                crate::client::SEVDESK_BASE_URL
            ),
            Error::Rejected { message, .. } | Error::Api { message, .. } => {
                let mut s = String::from("sevdesk reported an error while we were reading data");
                if let Some(m) = message {
                    s.push_str(&format!(" (\u{201c}{m}\u{201d})"));
                }
                s.push_str(
                    ". Nothing was changed in sevdesk. Try again later; if it keeps happening, \
                            contact sevdesk support with this message.",
                );
                s
            }
            Error::RateLimited { .. } => "sevdesk asked us to send fewer requests. Wait a few \
                minutes and try again."
                .into(),
            Error::Server { .. } => "sevdesk is having technical problems right now. Try again in \
                a few minutes."
                .into(),
            Error::Timeout { .. } => "sevdesk did not answer in time. Check the internet \
                connection or try again later."
                .into(),
            Error::Connection { .. } => "sevdesk could not be reached. Check the internet \
                connection and the sevdesk address in the settings."
                .into(),
            Error::Truncated { .. } => "The answer from sevdesk broke off before it was complete. \
                Try again; nothing was taken from the incomplete answer."
                .into(),
            Error::NotJson { .. } => {
                "sevdesk sent a web page instead of data (maybe a maintenance \
                page, or the address in the settings is not the sevdesk API). Check the address \
                or try again later."
                    .into()
            }
            Error::Malformed {
                path,
                field,
                record_id,
                ..
            } => {
                let what = match (field, record_id) {
                    (Some(f), Some(id)) => {
                        format!("the field \u{201c}{f}\u{201d} of the record with id {id}")
                    }
                    (Some(f), None) => format!("the field \u{201c}{f}\u{201d}"),
                    (None, _) => "the answer".to_owned(),
                };
                format!(
                    "sevdesk sent data for {path} that this program cannot read ({what}); \
                     nothing was taken from it. Try again later; if it keeps happening, please \
                     report it."
                )
            }
            Error::UnexpectedStatus { .. } => {
                "sevdesk gave an unexpected answer. Try again later.".into()
            }
            Error::Inconsistent { .. } => "The data in sevdesk changed while it was being read. \
                Read it again."
                .into(),
            Error::InvalidConfig { detail } => {
                format!("The sevdesk settings are not usable: {detail}.")
            }
            Error::NotAllowed { .. } => "An internal safety check stopped a request that could \
                have changed data in sevdesk. Nothing was sent. Please report this."
                .into(),
        }
    }

    /// [`Error::user_message`] in German, for the web UI (German first).
    pub fn user_message_de(&self) -> String {
        match self {
            Error::Unauthorized { .. } => {
                "sevdesk akzeptiert den API-Token nicht. Vielleicht ist er \
                vertippt, oder er wurde in sevdesk neu erzeugt oder widerrufen (Einstellungen → \
                Benutzer → API-Token). Bitte den aktuellen Token eingeben und erneut versuchen."
                    .into()
            }
            Error::Forbidden { .. } => "sevdesk verweigert den Zugriff auf diese Daten. Dem \
                Benutzer des API-Tokens fehlen vielleicht die Rechte, oder der sevdesk-Tarif \
                enthält keinen API-Zugang."
                .into(),
            Error::NotFound { .. } => "sevdesk hat diesen Datensatz nicht mehr: er wurde \
                wahrscheinlich in sevdesk gelöscht. Bitte die Daten neu abgleichen."
                .into(),
            Error::EndpointUnavailable { endpoint, .. } => format!(
                "sevdesk bietet {endpoint} für dieses Konto nicht an (HTTP 404 für den ganzen \
                 Endpunkt, kein fehlender Datensatz): bitte prüfen, dass die sevdesk-Adresse in \
                 den Einstellungen {} lautet und der sevdesk-Tarif des Kontos API-Zugriff darauf \
                 enthält.",
                crate::client::SEVDESK_BASE_URL
            ),
            Error::Rejected { message, .. } | Error::Api { message, .. } => {
                let mut s = String::from("sevdesk hat beim Lesen einen Fehler gemeldet");
                if let Some(m) = message {
                    s.push_str(&format!(" (\u{201e}{m}\u{201c})"));
                }
                s.push_str(
                    ". In sevdesk wurde nichts geändert. Bitte später erneut versuchen; wenn es \
                     so bleibt, mit dieser Meldung den sevdesk-Support fragen.",
                );
                s
            }
            Error::RateLimited { .. } => "sevdesk bittet um weniger Anfragen. Bitte einige \
                Minuten warten und erneut versuchen."
                .into(),
            Error::Server { .. } => "sevdesk hat gerade technische Probleme. Bitte in einigen \
                Minuten erneut versuchen."
                .into(),
            Error::Timeout { .. } => "sevdesk hat nicht rechtzeitig geantwortet. Bitte die \
                Internetverbindung prüfen oder später erneut versuchen."
                .into(),
            Error::Connection { .. } => "sevdesk ist nicht erreichbar. Bitte die \
                Internetverbindung und die sevdesk-Adresse in den Einstellungen prüfen."
                .into(),
            Error::Truncated { .. } => "Die Antwort von sevdesk brach vor dem Ende ab. Bitte \
                erneut versuchen; aus der unvollständigen Antwort wurde nichts übernommen."
                .into(),
            Error::NotJson { .. } => "sevdesk hat statt Daten eine Webseite geschickt \
                (vielleicht eine Wartungsseite, oder die Adresse in den Einstellungen ist nicht \
                die sevdesk-API). Bitte die Adresse prüfen oder später erneut versuchen."
                .into(),
            Error::Malformed {
                path,
                field,
                record_id,
                ..
            } => {
                let what = match (field, record_id) {
                    (Some(f), Some(id)) => {
                        format!("das Feld \u{201e}{f}\u{201c} des Datensatzes mit der ID {id}")
                    }
                    (Some(f), None) => format!("das Feld \u{201e}{f}\u{201c}"),
                    (None, _) => "die Antwort".to_owned(),
                };
                format!(
                    "sevdesk hat für {path} Daten geschickt, die dieses Programm nicht lesen kann \
                     ({what}); daraus wurde nichts übernommen. Bitte später erneut versuchen; \
                     wenn es so bleibt, bitte melden."
                )
            }
            Error::UnexpectedStatus { .. } => {
                "sevdesk hat unerwartet geantwortet. Bitte später erneut versuchen.".into()
            }
            Error::Inconsistent { .. } => "Die Daten in sevdesk haben sich während des Lesens \
                geändert. Bitte erneut abgleichen."
                .into(),
            Error::InvalidConfig { detail } => {
                format!("Die sevdesk-Einstellungen sind nicht verwendbar: {detail}.")
            }
            Error::NotAllowed { .. } => "Eine interne Sicherheitsprüfung hat eine Anfrage \
                gestoppt, die Daten in sevdesk hätte ändern können. Es wurde nichts gesendet. \
                Bitte melden."
                .into(),
        }
    }

    /// True for a rejected token: the user must act, retrying is pointless.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, Error::Unauthorized { .. })
    }

    /// True for [`Error::EndpointUnavailable`]: sevdesk does not offer this endpoint at all.
    /// Whether the caller may go on without it: [`ApiEndpoint::is_optional`].
    pub fn is_endpoint_unavailable(&self) -> bool {
        matches!(self, Error::EndpointUnavailable { .. })
    }

    /// The endpoint the failed request belongs to, e.g. [`ApiEndpoint::PaymentMethods`];
    /// `None` for configuration errors and for requests refused by the allow-list.
    pub fn endpoint(&self) -> Option<ApiEndpoint> {
        match self {
            Error::EndpointUnavailable { endpoint, .. } => Some(*endpoint),
            Error::InvalidConfig { .. } | Error::NotAllowed { .. } => None,
            other => other.path().and_then(ApiEndpoint::from_path),
        }
    }

    /// The request path the error concerns, if any (`/Invoice/135169163`; see
    /// [`Error::endpoint`] for the endpoint it belongs to).
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::Unauthorized { path }
            | Error::Forbidden { path }
            | Error::NotFound { path, .. }
            | Error::EndpointUnavailable { path, .. }
            | Error::Rejected { path, .. }
            | Error::Api { path, .. }
            | Error::RateLimited { path, .. }
            | Error::Server { path, .. }
            | Error::Timeout { path, .. }
            | Error::Connection { path, .. }
            | Error::Truncated { path, .. }
            | Error::NotJson { path, .. }
            | Error::Malformed { path, .. }
            | Error::UnexpectedStatus { path, .. }
            | Error::Inconsistent { path, .. }
            | Error::NotAllowed { path, .. } => Some(path),
            Error::InvalidConfig { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiEndpoint;

    fn every_kind() -> Vec<Error> {
        let path = || "/Invoice".to_string();
        vec![
            Error::Unauthorized { path: path() },
            Error::Forbidden { path: path() },
            Error::NotFound {
                path: path(),
                status: 404,
            },
            Error::EndpointUnavailable {
                endpoint: ApiEndpoint::PaymentMethods,
                path: "/PaymentMethod".into(),
                status: 404,
            },
            Error::Rejected {
                path: path(),
                status: 422,
                message: Some("x".into()),
            },
            Error::Api {
                path: path(),
                status: 200,
                code: None,
                response_code: None,
                message: None,
            },
            Error::RateLimited {
                path: path(),
                attempts: 3,
                retry_after: None,
            },
            Error::Server {
                path: path(),
                status: 503,
                attempts: 3,
            },
            Error::Timeout {
                path: path(),
                attempts: 3,
                timeout: Duration::from_secs(30),
            },
            Error::Connection {
                path: path(),
                attempts: 3,
                detail: "refused".into(),
            },
            Error::Truncated {
                path: path(),
                status: 200,
                attempts: 3,
                detail: "eof".into(),
            },
            Error::NotJson {
                path: path(),
                status: 200,
                content_type: "text/html".into(),
                snippet: "<html>".into(),
            },
            Error::Malformed {
                path: path(),
                field: Some("sumGross".into()),
                record_id: Some("7".into()),
                detail: "invalid type".into(),
            },
            Error::UnexpectedStatus {
                path: path(),
                status: 418,
            },
            Error::Inconsistent {
                path: path(),
                expected: 10,
                got: 9,
            },
            Error::InvalidConfig {
                detail: "base url".into(),
            },
            Error::NotAllowed {
                method: "POST".into(),
                path: path(),
            },
        ]
    }

    #[test]
    fn every_error_has_a_german_sentence_for_the_web() {
        for error in every_kind() {
            let (en, de) = (error.user_message(), error.user_message_de());
            assert!(!de.is_empty(), "{error:?}");
            assert_ne!(en, de, "{error:?} has no German sentence");
        }
    }

    #[test]
    fn unavailable_endpoints_and_unreadable_fields_are_named_in_both_languages() {
        let unavailable = &every_kind()[3];
        assert!(unavailable.user_message_de().contains("/PaymentMethod"));
        let malformed = &every_kind()[12];
        for sentence in [malformed.user_message(), malformed.user_message_de()] {
            assert!(sentence.contains("/Invoice"), "{sentence}");
            assert!(sentence.contains("sumGross"), "{sentence}");
        }
    }
}
