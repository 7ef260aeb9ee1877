//! One typed [`Settings`]: built-in defaults, then a TOML file, then environment variables.
//!
//! Environment variables are `LASTSCHRIFT_<KEY>`, nested keys joined with a double underscore
//! (`LASTSCHRIFT_CREDITOR__IBAN`, `LASTSCHRIFT_POLICIES__PRE_NOTIFICATION_DAYS`). `DATABASE_URL`
//! is read as well, as the usual way to point an application at PostgreSQL; the prefixed
//! `LASTSCHRIFT_DATABASE_URL` wins over it. Every key is documented in `lastschrift.example.toml`
//! at the repository root ([`EXAMPLE_TOML`]).
//!
//! Creditor values stay plain strings here: turning them into SEPA types (and reporting every
//! problem at once) is the job of the layer that builds a collection run.

mod sources;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveTime;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use lastschrift_store::DatabaseUrl;
pub use sources::{EffectiveSettings, SavedSettings, SettingLine, SettingsSources, Source};

/// The documented example configuration, shipped inside the binary (e.g. for `lastschrift config`).
pub const EXAMPLE_TOML: &str = include_str!("../../../../lastschrift.example.toml");

/// Prefix of every environment variable read into [`Settings`].
pub const ENV_PREFIX: &str = "LASTSCHRIFT_";

/// Name of the configuration file in the user's configuration directory.
pub const CONFIG_FILE_NAME: &str = "lastschrift.toml";

/// Name of the SQLite database file inside the data directory.
pub const SQLITE_FILE_NAME: &str = "lastschrift.sqlite3";

/// Top-level keys that `LASTSCHRIFT_*` variables may set. Other `LASTSCHRIFT_*` variables
/// (`LASTSCHRIFT_CONFIG`, `LASTSCHRIFT_LOG`, `LASTSCHRIFT_TEST_POSTGRES_URL`, …) belong to other
/// parts of the program and are not settings, so they must not trip the unknown-key check.
const ENV_KEYS: &[&str] = &[
    "data_dir",
    "database_url",
    "output_dir",
    "secret_key",
    "sevdesk",
    "creditor",
    "policies",
    "smtp",
    "notifications",
];

/// Why the settings could not be loaded. `Display` is the sentence for the user.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("the configuration file {} does not exist; create it from lastschrift.example.toml or leave the option away", path.display())]
    ConfigFileMissing { path: PathBuf },
    /// A value in the file or an environment variable is malformed or unknown; figment's message
    /// names the key and where it came from.
    #[error("invalid setting: {0}")]
    Invalid(Box<figment::Error>),
    #[error("invalid setting `{key}`: {reason}")]
    Rejected {
        key: &'static str,
        reason: String,
        /// The reason in German.
        german: String,
    },
    #[error(
        "no data directory could be determined for this user; set LASTSCHRIFT_DATA_DIR or `data_dir` in the configuration file"
    )]
    NoDataDir,
}

impl SettingsError {
    /// The sentence in German (key names and values stay as they are written in the file).
    pub fn german(&self) -> String {
        match self {
            SettingsError::ConfigFileMissing { path } => format!(
                "Die Konfigurationsdatei {} gibt es nicht; bitte aus lastschrift.example.toml anlegen oder die Option weglassen.",
                path.display()
            ),
            SettingsError::Invalid(e) => format!(
                "Ein Wert in der Konfigurationsdatei oder einer Umgebungsvariablen ist ungültig (Schlüssel und Fundstelle: {e})."
            ),
            SettingsError::Rejected { key, german, .. } => {
                format!("Die Einstellung `{key}` ist ungültig: {german}.")
            }
            SettingsError::NoDataDir => "Für diesen Benutzer lässt sich kein Datenverzeichnis bestimmen; bitte LASTSCHRIFT_DATA_DIR oder `data_dir` in der Konfigurationsdatei setzen.".into(),
        }
    }
}

impl From<figment::Error> for SettingsError {
    fn from(error: figment::Error) -> Self {
        SettingsError::Invalid(Box::new(error))
    }
}

/// Everything the application can be configured with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Where the SQLite database, the key file and (by default) written files live.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// `postgres://…` selects PostgreSQL; unset means the SQLite file in [`Settings::data_dir`].
    /// Use [`Settings::database_url`] for the resolved value.
    #[serde(default)]
    pub database_url: Option<DatabaseUrl>,
    /// Where pain.008 files and control lists are written; unset means `<data_dir>/files`.
    /// Use [`Settings::output_dir`] for the resolved value.
    #[serde(default)]
    pub output_dir: Option<PathBuf>,
    /// Base64 of the 32-byte key that encrypts stored secrets. Unset means the key file
    /// `<data_dir>/secret.key` (created on first use). Meant for `LASTSCHRIFT_SECRET_KEY`.
    #[serde(default)]
    pub secret_key: Option<SecretKeyText>,
    #[serde(default)]
    pub sevdesk: SevdeskSettings,
    /// Unset until the user has entered their creditor data; collecting needs it, syncing not.
    #[serde(default)]
    pub creditor: Option<CreditorSettings>,
    #[serde(default)]
    pub policies: Policies,
    /// The mail server pre-notifications go through; unset: e-mails cannot be sent.
    #[serde(default)]
    pub smtp: Option<crate::notify::mail::SmtpSettings>,
    #[serde(default)]
    pub notifications: NotificationSettings,
}

/// An unencrypted connection is for a relay on this machine only: elsewhere the password and
/// the debtors' data would cross the network in plain text.
fn smtp_problems(smtp: Option<&crate::notify::mail::SmtpSettings>) -> Vec<SettingsError> {
    let Some(smtp) = smtp else { return Vec::new() };
    let host = smtp
        .host
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let local = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if smtp.security == crate::notify::mail::SmtpSecurity::None && !local {
        return vec![SettingsError::Rejected {
            key: "smtp.security",
            reason: format!(
                "\"none\" sends the password and the debtors' data unencrypted; it is only allowed for a relay on this machine (localhost), not for {host}: use \"starttls\" or \"tls\""
            ),
            german: format!(
                "\"none\" verschickt Passwort und Daten der Zahlungspflichtigen unverschlüsselt; das ist nur für einen Mailserver auf diesem Rechner (localhost) erlaubt, nicht für {host}: bitte \"starttls\" oder \"tls\""
            ),
        }];
    }
    Vec::new()
}

/// How pre-notifications are written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationSettings {
    /// `de` or `en`.
    pub language: crate::notify::announce::Language,
    /// The organisation's own subject, with placeholders such as `{collection_date}`; unset:
    /// the built-in one of the language.
    pub subject: Option<String>,
    /// The organisation's own text (paragraphs separated by an empty line); it must name
    /// `{collection_date}`, `{invoices}`, `{total}`, `{mandate_reference}` and `{creditor_id}`.
    pub text: Option<String>,
}

impl NotificationSettings {
    /// The own subject and text, when both are set.
    pub fn custom(&self) -> Option<(&str, &str)> {
        match (self.subject.as_deref(), self.text.as_deref()) {
            (Some(subject), Some(text)) => Some((subject, text)),
            _ => None,
        }
    }

    /// Recorded with each message: the built-in template, or a hash of the own one (a changed
    /// text is another version).
    pub fn template_version(&self) -> String {
        use sha2::Digest;
        let language = crate::notify::announce::language_code(self.language);
        match self.custom() {
            None => format!("{}-{language}", crate::notify::announce::TEMPLATE_VERSION),
            Some((subject, text)) => {
                let hash = sha2::Sha256::digest(format!("{subject}\n\n{text}").as_bytes());
                let short: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
                format!("custom-{short}-{language}")
            }
        }
    }

    /// What is wrong with the own templates, each naming its key.
    pub fn problems(&self) -> Vec<SettingsError> {
        use crate::notify::announce::{REQUIRED, fill, named};
        let mut problems = Vec::new();
        let rejected = |key, reason: String, german: String| SettingsError::Rejected {
            key,
            reason,
            german,
        };
        if self.subject.is_some() != self.text.is_some() {
            problems.push(rejected(
                "notifications.text",
                "set both notifications.subject and notifications.text, or neither".into(),
                "notifications.subject und notifications.text zusammen setzen oder beide weglassen"
                    .into(),
            ));
        }
        for (key, template) in [
            ("notifications.subject", &self.subject),
            ("notifications.text", &self.text),
        ] {
            let Some(template) = template else { continue };
            if let Err(why) = fill(template, &|name| {
                crate::notify::announce::PLACEHOLDERS
                    .contains(&name)
                    .then(String::new)
            }) {
                problems.push(rejected(key, why.clone(), why));
            }
        }
        if let Some(text) = &self.text {
            let present = named(text);
            let missing: Vec<String> = REQUIRED
                .iter()
                .filter(|r| !present.iter().any(|p| p == *r))
                .map(|r| format!("{{{r}}}"))
                .collect();
            if !missing.is_empty() {
                problems.push(rejected(
                    "notifications.text",
                    format!(
                        "a pre-notification must name {}: the text lacks them",
                        missing.join(", ")
                    ),
                    format!(
                        "eine Vorabankündigung muss {} nennen: der Text enthält sie nicht",
                        missing.join(", ")
                    ),
                ));
            }
        }
        problems
    }

    /// The domain of our Message-IDs: the sender's, else a name that is no one's.
    pub fn message_id_domain(&self, smtp: Option<&crate::notify::mail::SmtpSettings>) -> String {
        smtp.and_then(|s| s.from_address.rsplit_once('@'))
            .map(|(_, domain)| domain.trim().to_ascii_lowercase())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "lastschrift.invalid".into())
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: default_data_dir(),
            database_url: None,
            output_dir: None,
            secret_key: None,
            sevdesk: SevdeskSettings::default(),
            creditor: None,
            policies: Policies::default(),
            smtp: None,
            notifications: NotificationSettings::default(),
        }
    }
}

impl Settings {
    /// Loads defaults, then `config_file` (which must exist when given) or else the default
    /// configuration file if there is one, then the environment.
    ///
    /// The path comes from the CLI, e.g. `#[arg(long, env = "LASTSCHRIFT_CONFIG")] config:
    /// Option<PathBuf>`; `LASTSCHRIFT_CONFIG` is deliberately not a setting itself.
    pub fn load(config_file: Option<&Path>) -> Result<Settings, SettingsError> {
        let figment = match config_file {
            Some(path) if !path.is_file() => {
                return Err(SettingsError::ConfigFileMissing {
                    path: path.to_owned(),
                });
            }
            Some(path) => Self::figment(Some(path)),
            None => Self::figment(Self::default_config_file().as_deref()),
        };
        Self::from_figment(&figment)
    }

    /// The layered sources, for callers that want to add their own on top (tests, CLI flags).
    /// A missing file is skipped here; [`Settings::load`] checks an explicit path.
    pub fn figment(config_file: Option<&Path>) -> Figment {
        let mut figment = Figment::new();
        if let Some(path) = config_file {
            figment = figment.merge(Toml::file(path));
        }
        figment.merge(Env::raw().only(&["DATABASE_URL"])).merge(
            Env::prefixed(ENV_PREFIX)
                .filter(|key| {
                    let top = key.as_str().split("__").next().unwrap_or_default();
                    ENV_KEYS.iter().any(|known| top.eq_ignore_ascii_case(known))
                })
                .split("__"),
        )
    }

    /// Extracts and checks the settings from any figment.
    pub fn from_figment(figment: &Figment) -> Result<Settings, SettingsError> {
        let settings: Settings = figment.extract()?;
        settings.validate()?;
        Ok(settings)
    }

    /// `<config dir>/lastschrift.toml` for this user (`~/.config/lastschrift/` on Linux).
    pub fn default_config_file() -> Option<PathBuf> {
        project_dirs().map(|dirs| dirs.config_dir().join(CONFIG_FILE_NAME))
    }

    /// The settings of the demo and the benchmarks: everything below `dir` (files in
    /// `<dir>/files`), a made-up creditor, and the sevdesk at `sevdesk_base_url` (the sandbox).
    pub fn demo(dir: &Path, sevdesk_base_url: String) -> Settings {
        Settings {
            data_dir: dir.to_owned(),
            output_dir: Some(dir.join("files")),
            sevdesk: SevdeskSettings {
                base_url: sevdesk_base_url,
            },
            creditor: Some(CreditorSettings {
                name: "Muster Software GmbH".into(),
                iban: "DE89370400440532013000".into(),
                bic: Some("COBADEFFXXX".into()),
                creditor_id: "DE98ZZZ09999999999".into(),
                address: None,
            }),
            ..Settings::default()
        }
    }

    /// The database to open: the configured URL, else the SQLite file in the data directory.
    pub fn database_url(&self) -> DatabaseUrl {
        match &self.database_url {
            Some(url) => url.clone(),
            None => DatabaseUrl::sqlite_file(&self.sqlite_path()),
        }
    }

    /// The SQLite file used when no database URL is configured.
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join(SQLITE_FILE_NAME)
    }

    /// Where files are written: the configured directory, else `<data_dir>/files`.
    pub fn output_dir(&self) -> PathBuf {
        self.output_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("files"))
    }

    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        if self.data_dir.as_os_str().is_empty() {
            return Err(SettingsError::NoDataDir);
        }
        if let Some(problem) = self
            .policies
            .problems()
            .into_iter()
            .chain(self.notifications.problems())
            .chain(smtp_problems(self.smtp.as_ref()))
            .next()
        {
            return Err(problem);
        }
        let rejected = |key, reason: String, german: String| {
            Err(SettingsError::Rejected {
                key,
                reason,
                german,
            })
        };
        if !(self.sevdesk.base_url.starts_with("https://")
            || self.sevdesk.base_url.starts_with("http://"))
        {
            return rejected(
                "sevdesk.base_url",
                format!("`{}` is not an http(s) URL", self.sevdesk.base_url),
                format!("`{}` ist keine http(s)-Adresse", self.sevdesk.base_url),
            );
        }
        Ok(())
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "lastschrift")
}

/// Empty when the platform knows no data directory; [`Settings::from_figment`] then refuses
/// with [`SettingsError::NoDataDir`] instead of silently using the working directory.
fn default_data_dir() -> PathBuf {
    project_dirs()
        .map(|dirs| dirs.data_dir().to_owned())
        .unwrap_or_default()
}

/// Where the sevdesk API is. The token is not a setting: it is stored encrypted in the database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SevdeskSettings {
    pub base_url: String,
}

impl Default for SevdeskSettings {
    fn default() -> Self {
        SevdeskSettings {
            base_url: "https://my.sevdesk.de/api/v1".into(),
        }
    }
}

/// The firm that collects, as entered (validated into SEPA types elsewhere).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditorSettings {
    pub name: String,
    pub iban: String,
    #[serde(default)]
    pub bic: Option<String>,
    /// Gläubiger-Identifikationsnummer, e.g. `DE98ZZZ09999999999`.
    pub creditor_id: String,
    #[serde(default)]
    pub address: Option<AddressSettings>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AddressSettings {
    pub street: Option<String>,
    pub building: Option<String>,
    pub postcode: Option<String>,
    pub town: Option<String>,
    /// ISO 3166 alpha-2, e.g. `DE`.
    pub country: Option<String>,
}

/// How collection runs are built.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policies {
    pub sequence_type: SequenceTypePolicy,
    /// Days between the pre-notification and the collection date (SEPA default 14).
    pub pre_notification_days: u32,
    /// Who announces a debit to its debtor: the invoice itself, or lastschrift (`notify`).
    pub pre_notification: PreNotificationPolicy,
    /// TARGET2 business days the bank needs before the collection date.
    pub bank_lead_days: u32,
    /// How many calendar days ahead a collection date may be requested (a typo such as 2062
    /// for 2026 must not become a run). Beyond 14 days the dry run warns: the bank must hold
    /// the file until then, and many do not.
    pub max_days_ahead: u32,
    /// The bank's daily cut-off; a file handed in later counts from the next business day.
    #[serde(
        serialize_with = "serialize_time",
        deserialize_with = "deserialize_time"
    )]
    pub cut_off_time: NaiveTime,
    pub character_policy: CharacterPolicy,
    pub output_format: OutputFormat,
    pub batch_booking: bool,
    /// Debits of different collection dates go into separate files (else one file with a block
    /// per date). Only matters with `due_date = "collect_on_due_date"`, where a run has several.
    pub one_collection_date_per_file: bool,
    /// How the invoice's due date (invoice date plus payment term in sevdesk) limits its debit.
    pub due_date: DueDatePolicy,
    /// Unset means no limit.
    pub max_debits_per_file: Option<u32>,
    /// A pending debit counts as collected this many TARGET2 business days after its collection
    /// date when no reject was recorded; 0: only when the bank's answer is imported.
    pub collected_after_business_days: u32,
    pub direct_debit_payment_methods: DirectDebitPaymentMethods,
    /// Whether the open remainder of a partly paid invoice (sevdesk status 750, or 200 with a
    /// paid amount) is collected.
    pub collect_partial_remainders: bool,
    /// Where a contact's mandate reference comes from, first match wins.
    pub mandate_reference_sources: Vec<MandateReferenceSource>,
    /// Name of the sevdesk contact field that holds the mandate's signature date.
    pub signature_date_field: String,
    /// What a reject or return leads to, by reason code.
    pub bank_answers: BankAnswerPolicy,
}

impl Policies {
    /// Every value out of its range, each naming its key (`policies.bank_lead_days`): the
    /// configuration file, the environment and the web's settings form are checked alike.
    pub fn problems(&self) -> Vec<SettingsError> {
        let policies = self;
        let rejected = |key, reason: String, german: String| SettingsError::Rejected {
            key,
            reason,
            german,
        };
        let mut problems = Vec::new();
        if policies.max_debits_per_file == Some(0) {
            problems.push(rejected(
                "policies.max_debits_per_file",
                "must be at least 1 (or left away for no limit)".into(),
                "muss mindestens 1 sein (oder weggelassen werden: keine Grenze)".into(),
            ));
        }
        if policies.mandate_reference_sources.is_empty() {
            problems.push(rejected(
                "policies.mandate_reference_sources",
                "name at least one source, e.g. [\"customer_number\"]".into(),
                "mindestens eine Quelle nennen, z. B. [\"customer_number\"]".into(),
            ));
        }
        if policies.signature_date_field.trim().is_empty() {
            problems.push(rejected(
                "policies.signature_date_field",
                "must name the contact field holding the signature date".into(),
                "muss das Kontaktfeld mit dem Unterschriftsdatum nennen".into(),
            ));
        }
        if policies.pre_notification_days > 365 {
            problems.push(rejected(
                "policies.pre_notification_days",
                format!("{} must be at most 365", policies.pre_notification_days),
                format!("{} ist mehr als 365 Tage", policies.pre_notification_days),
            ));
        }
        if policies.bank_lead_days > 30 {
            problems.push(rejected(
                "policies.bank_lead_days",
                format!("{} must be at most 30", policies.bank_lead_days),
                format!("{} ist mehr als 30 Geschäftstage", policies.bank_lead_days),
            ));
        }
        if !(1..=365).contains(&policies.max_days_ahead) {
            problems.push(rejected(
                "policies.max_days_ahead",
                format!("{} must be between 1 and 365", policies.max_days_ahead),
                format!(
                    "{} muss zwischen 1 und 365 Tagen liegen",
                    policies.max_days_ahead
                ),
            ));
        }
        problems
    }
}

/// What happens after the bank rejected or returned a debit: the follow-up per reason code
/// (`policies.bank_answers.reasons`, over the defaults) and how often an invoice is collected
/// again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BankAnswerPolicy {
    /// An invoice whose debit came back with a "collect again" reason is collected again at
    /// most this many times.
    pub retry_limit: u32,
    /// Reason code → `collect_again`, `block_mandate`, `review` or `done`, over the defaults.
    pub reasons: std::collections::BTreeMap<String, lastschrift_store::FollowUp>,
}

impl Default for BankAnswerPolicy {
    fn default() -> Self {
        BankAnswerPolicy {
            retry_limit: 2,
            reasons: Default::default(),
        }
    }
}

impl BankAnswerPolicy {
    /// The default table: insufficient funds and unspecified reasons may be collected again;
    /// a closed, blocked or wrong account and a deceased debtor block the mandate until the
    /// data changes; no mandate and refunds block it and ask for a look; anything else too.
    pub fn default_follow_up(code: &str) -> lastschrift_store::FollowUp {
        use lastschrift_store::FollowUp;
        match code {
            "AM04" | "MS02" | "MS03" => FollowUp::CollectAgain,
            "AC01" | "AC04" | "AC06" | "AG01" | "MD07" => FollowUp::BlockMandate,
            _ => FollowUp::Review,
        }
    }

    /// The follow-up for a reason code (any case); no code at all is a review.
    pub fn follow_up(&self, code: Option<&str>) -> lastschrift_store::FollowUp {
        let Some(code) = code.map(|c| c.trim().to_ascii_uppercase()) else {
            return lastschrift_store::FollowUp::Review;
        };
        self.reasons
            .iter()
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(&code))
            .map(|(_, v)| *v)
            .unwrap_or_else(|| Self::default_follow_up(&code))
    }
}

impl Default for Policies {
    fn default() -> Self {
        Policies {
            sequence_type: SequenceTypePolicy::RcurOnly,
            pre_notification_days: 14,
            pre_notification: PreNotificationPolicy::Invoice,
            bank_lead_days: 1,
            max_days_ahead: 90,
            cut_off_time: NaiveTime::from_hms_opt(10, 0, 0).expect("10:00 is a time"),
            character_policy: CharacterPolicy::Basic,
            output_format: OutputFormat::Pain00800108,
            batch_booking: true,
            one_collection_date_per_file: true,
            due_date: DueDatePolicy::Wait,
            max_debits_per_file: None,
            collected_after_business_days: 2,
            direct_debit_payment_methods: DirectDebitPaymentMethods::default(),
            collect_partial_remainders: false,
            mandate_reference_sources: vec![
                MandateReferenceSource::Registry,
                MandateReferenceSource::CustomField("SEPAMANDATSREFERENZ".into()),
                MandateReferenceSource::MandateReference,
                MandateReferenceSource::CustomerNumber,
            ],
            signature_date_field: "SEPAMANDATSDATUM".into(),
            bank_answers: BankAnswerPolicy::default(),
        }
    }
}

/// Who tells the debtor amount and date of a debit before it is collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreNotificationPolicy {
    /// The invoice announces the debit (its text names amount and date, "wird per Lastschrift
    /// eingezogen"): nothing is sent; the collection date is at least `pre_notification_days`
    /// after today, as if the notice went out today.
    Invoice,
    /// lastschrift sends a pre-notification per debtor (`notify`: e-mail, else a PDF letter),
    /// and a debit goes into a file only when its pre-notification, with the same amount and
    /// date, went out at least `pre_notification_days` before the collection date.
    Send,
}

/// What the invoice's due date means for its debit. A debit is never collected before the
/// invoice is due, unless the policy says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueDatePolicy {
    /// An invoice due after the run's collection date waits for a later run (the default).
    Wait,
    /// Each debit is collected on its invoice's due date (the next TARGET2 business day), or on
    /// the run's date if that is later: one run can carry several collection dates.
    CollectOnDueDate,
    /// The due date is not looked at: every debit on the run's date (earliest allowed).
    Ignore,
}

/// Which sequence type a debit gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequenceTypePolicy {
    /// Every debit is `RCUR` (allowed since November 2016; what most banks expect today).
    RcurOnly,
    /// The first debit of a mandate is `FRST`, later ones `RCUR`.
    FrstOnFirstUse,
}

/// Which characters free text may keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharacterPolicy {
    /// The EPC basic set every bank must accept; umlauts are transliterated (ä → ae).
    Basic,
    /// The basic set plus the German DK additions (Ä Ö Ü ä ö ü ß & * $ %).
    German,
}

/// Which pain.008 version is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutputFormat {
    #[serde(rename = "pain.008.001.08")]
    Pain00800108,
    /// Legacy version some older bank software still wants.
    #[serde(rename = "pain.008.001.02")]
    Pain00800102,
}

impl OutputFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputFormat::Pain00800108 => "pain.008.001.08",
            OutputFormat::Pain00800102 => "pain.008.001.02",
        }
    }
}

/// Which sevdesk payment methods mark an invoice for direct debit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DirectDebitPaymentMethods {
    /// `electronicInvoiceId` codes (UNTDID 4461); `59` is SEPA direct debit.
    #[serde(deserialize_with = "deserialize_codes")]
    pub electronic_invoice_ids: Vec<String>,
    /// Additional sevdesk `PaymentMethod` ids (they differ per account).
    pub payment_method_ids: Vec<u64>,
}

impl Default for DirectDebitPaymentMethods {
    fn default() -> Self {
        DirectDebitPaymentMethods {
            electronic_invoice_ids: vec!["59".into()],
            payment_method_ids: Vec::new(),
        }
    }
}

/// One place a mandate reference may come from. Written as `"registry"`, `"custom_field:NAME"`,
/// `"mandate_reference"` or `"customer_number"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MandateReferenceSource {
    /// The contact's mandate in lastschrift's own registry, as the user entered it (CSV import,
    /// the mandate form) — found by contact, whatever sevdesk's fields say.
    Registry,
    /// A sevdesk contact field (Kontaktfeld) with this name.
    CustomField(String),
    /// sevdesk's own `Contact.mandateReference`.
    MandateReference,
    /// The contact's customer number.
    CustomerNumber,
}

impl fmt::Display for MandateReferenceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MandateReferenceSource::Registry => f.write_str("registry"),
            MandateReferenceSource::CustomField(name) => write!(f, "custom_field:{name}"),
            MandateReferenceSource::MandateReference => f.write_str("mandate_reference"),
            MandateReferenceSource::CustomerNumber => f.write_str("customer_number"),
        }
    }
}

impl std::str::FromStr for MandateReferenceSource {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "registry" => Ok(MandateReferenceSource::Registry),
            "mandate_reference" => Ok(MandateReferenceSource::MandateReference),
            "customer_number" => Ok(MandateReferenceSource::CustomerNumber),
            other => match other.strip_prefix("custom_field:").map(str::trim) {
                Some(name) if !name.is_empty() => {
                    Ok(MandateReferenceSource::CustomField(name.to_owned()))
                }
                _ => Err(format!(
                    "`{other}` is not a mandate reference source; use \"registry\", \"custom_field:NAME\", \"mandate_reference\" or \"customer_number\""
                )),
            },
        }
    }
}

impl Serialize for MandateReferenceSource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MandateReferenceSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The base64 text of the secret key as configured; never printed: `Debug` and `Serialize` give
/// `********`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretKeyText(String);

impl Serialize for SecretKeyText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("********")
    }
}

impl SecretKeyText {
    pub fn new(text: impl Into<String>) -> Self {
        SecretKeyText(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKeyText(********)")
    }
}

impl Drop for SecretKeyText {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

fn deserialize_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveTime, D::Error> {
    let text = String::deserialize(deserializer)?;
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text.trim(), "%H:%M:%S"))
        .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a time like \"10:00\"")))
}

fn serialize_time<S: Serializer>(time: &NaiveTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&time.format("%H:%M"))
}

/// Codes are digits; accept `59` as well as `"59"` (TOML and environment values both occur).
fn deserialize_codes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        Text(String),
        Number(u64),
    }
    let codes = Vec::<Code>::deserialize(deserializer)?;
    Ok(codes
        .into_iter()
        .map(|code| match code {
            Code::Text(text) => text.trim().to_owned(),
            Code::Number(number) => number.to_string(),
        })
        .collect())
}

// figment's Jail closures must return figment::Error, which is large; that is its API.
#[cfg(test)]
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    fn load_in(jail: &Jail, file: Option<&str>) -> Result<Settings, SettingsError> {
        let path = file.map(|_| jail.directory().join("lastschrift.toml"));
        Settings::from_figment(&Settings::figment(path.as_deref()))
    }

    #[test]
    fn defaults_apply_without_file_or_environment() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            let settings = load_in(jail, None).map_err(|e| e.to_string())?;
            assert_eq!(settings.policies, Policies::default());
            assert_eq!(settings.policies.pre_notification_days, 14);
            assert_eq!(settings.policies.output_format.as_str(), "pain.008.001.08");
            assert_eq!(settings.sevdesk.base_url, "https://my.sevdesk.de/api/v1");
            assert!(settings.creditor.is_none());
            assert!(
                settings.database_url().expose().starts_with("sqlite://"),
                "default database is the SQLite file"
            );
            assert!(settings.database_url().expose().ends_with(SQLITE_FILE_NAME));
            assert_eq!(settings.output_dir(), settings.data_dir.join("files"));
            Ok(())
        });
    }

    #[test]
    fn file_overrides_defaults_and_environment_overrides_file() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(
                "lastschrift.toml",
                r#"
                data_dir = "/srv/lastschrift"
                [creditor]
                name = "Muster GmbH"
                iban = "DE02120300000000202051"
                creditor_id = "DE98ZZZ09999999999"
                [creditor.address]
                town = "Berlin"
                country = "DE"
                [policies]
                pre_notification_days = 5
                bank_lead_days = 2
                cut_off_time = "14:30"
                output_format = "pain.008.001.02"
                "#,
            )?;
            let from_file = load_in(jail, Some("lastschrift.toml")).map_err(|e| e.to_string())?;
            assert_eq!(from_file.data_dir, PathBuf::from("/srv/lastschrift"));
            assert_eq!(from_file.policies.pre_notification_days, 5);
            assert_eq!(from_file.policies.bank_lead_days, 2);
            assert_eq!(
                from_file.policies.cut_off_time,
                NaiveTime::from_hms_opt(14, 30, 0).unwrap()
            );
            assert_eq!(from_file.policies.output_format, OutputFormat::Pain00800102);
            // Keys the file does not name keep their defaults.
            assert!(from_file.policies.batch_booking);
            let creditor = from_file.creditor.clone().expect("creditor from file");
            assert_eq!(creditor.name, "Muster GmbH");
            assert_eq!(creditor.bic, None);
            assert_eq!(creditor.address.unwrap().town.as_deref(), Some("Berlin"));

            jail.set_env("LASTSCHRIFT_POLICIES__PRE_NOTIFICATION_DAYS", "3");
            jail.set_env("LASTSCHRIFT_CREDITOR__NAME", "Env GmbH");
            jail.set_env("LASTSCHRIFT_POLICIES__BATCH_BOOKING", "false");
            jail.set_env(
                "LASTSCHRIFT_POLICIES__MANDATE_REFERENCE_SOURCES",
                r#"["customer_number"]"#,
            );
            jail.set_env(
                "LASTSCHRIFT_POLICIES__DIRECT_DEBIT_PAYMENT_METHODS__PAYMENT_METHOD_IDS",
                "[21920]",
            );
            // Not settings: must be ignored, not rejected as unknown keys.
            jail.set_env("LASTSCHRIFT_CONFIG", "/nowhere.toml");
            jail.set_env("LASTSCHRIFT_TEST_POSTGRES_URL", "postgres://x@y/z");
            let from_env = load_in(jail, Some("lastschrift.toml")).map_err(|e| e.to_string())?;
            assert_eq!(from_env.policies.pre_notification_days, 3);
            assert_eq!(from_env.policies.bank_lead_days, 2, "file value kept");
            assert!(!from_env.policies.batch_booking);
            assert_eq!(from_env.creditor.unwrap().name, "Env GmbH");
            assert_eq!(
                from_env.policies.mandate_reference_sources,
                vec![MandateReferenceSource::CustomerNumber]
            );
            assert_eq!(
                from_env
                    .policies
                    .direct_debit_payment_methods
                    .payment_method_ids,
                vec![21920]
            );
            Ok(())
        });
    }

    #[test]
    fn database_url_precedence_and_masking() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(
                "lastschrift.toml",
                r#"database_url = "postgres://file:filepass@db/file""#,
            )?;
            let settings = load_in(jail, Some("x")).map_err(|e| e.to_string())?;
            assert_eq!(
                settings.database_url().expose(),
                "postgres://file:filepass@db/file"
            );
            jail.set_env("DATABASE_URL", "postgres://plain:s3cret@db/app");
            let settings = load_in(jail, Some("x")).map_err(|e| e.to_string())?;
            assert_eq!(
                settings.database_url().expose(),
                "postgres://plain:s3cret@db/app"
            );
            let shown = format!("{settings:?} {}", settings.database_url());
            assert!(!shown.contains("s3cret"), "password leaked: {shown}");
            assert!(shown.contains("postgres://plain:****@db/app"));

            jail.set_env("LASTSCHRIFT_DATABASE_URL", "postgresql://pre:fixed@db/x");
            let settings = load_in(jail, Some("x")).map_err(|e| e.to_string())?;
            assert_eq!(
                settings.database_url().expose(),
                "postgresql://pre:fixed@db/x"
            );
            Ok(())
        });
    }

    #[test]
    fn secret_key_is_masked_in_debug() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.set_env("LASTSCHRIFT_SECRET_KEY", "c2VjcmV0LWtleS10ZXh0");
            let settings = load_in(jail, None).map_err(|e| e.to_string())?;
            assert_eq!(
                settings.secret_key.as_ref().map(SecretKeyText::expose),
                Some("c2VjcmV0LWtleS10ZXh0")
            );
            assert!(!format!("{settings:?}").contains("c2VjcmV0LWtleS10ZXh0"));
            let serialized = serde_json::to_string(&settings).unwrap();
            assert!(!serialized.contains("c2VjcmV0LWtleS10ZXh0"), "{serialized}");
            Ok(())
        });
    }

    #[test]
    fn unknown_and_malformed_keys_are_refused_with_the_key_named() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(
                "lastschrift.toml",
                "[policies]\npre_notification_dayz = 3\n",
            )?;
            let error = load_in(jail, Some("x")).unwrap_err().to_string();
            assert!(error.contains("pre_notification_dayz"), "{error}");

            jail.create_file("lastschrift.toml", "[policies]\ncut_off_time = \"late\"\n")?;
            let error = load_in(jail, Some("x")).unwrap_err().to_string();
            assert!(error.contains("late"), "{error}");

            jail.create_file(
                "lastschrift.toml",
                "[policies]\nmandate_reference_sources = [\"iban\"]\n",
            )?;
            let error = load_in(jail, Some("x")).unwrap_err().to_string();
            assert!(error.contains("not a mandate reference source"), "{error}");

            jail.create_file("lastschrift.toml", "[policies]\nmax_debits_per_file = 0\n")?;
            let error = load_in(jail, Some("x")).unwrap_err().to_string();
            assert!(error.contains("max_debits_per_file"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn explicit_missing_config_file_is_an_error() {
        let error = Settings::load(Some(Path::new("/definitely/not/here.toml"))).unwrap_err();
        assert!(matches!(error, SettingsError::ConfigFileMissing { .. }));
        assert!(error.to_string().contains("/definitely/not/here.toml"));
    }

    #[test]
    fn the_example_file_parses_and_names_every_policy() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file("lastschrift.toml", EXAMPLE_TOML)?;
            let settings = load_in(jail, Some("x")).map_err(|e| e.to_string())?;
            assert!(settings.creditor.is_some(), "example has a creditor");
            // Every key that Settings serialises appears in the example text.
            let serialised = toml_keys(&serde_json::to_value(&settings).unwrap());
            for key in serialised {
                assert!(EXAMPLE_TOML.contains(&key), "example lacks `{key}`");
            }
            Ok(())
        });
    }

    fn toml_keys(value: &serde_json::Value) -> Vec<String> {
        let mut keys = Vec::new();
        if let serde_json::Value::Object(map) = value {
            for (key, inner) in map {
                keys.push(key.clone());
                keys.extend(toml_keys(inner));
            }
        }
        keys
    }

    #[test]
    fn mandate_reference_sources_round_trip() {
        for text in [
            "registry",
            "custom_field:SEPAMANDATSREFERENZ",
            "mandate_reference",
            "customer_number",
        ] {
            let source: MandateReferenceSource = text.parse().unwrap();
            assert_eq!(source.to_string(), text);
        }
        assert!("custom_field:".parse::<MandateReferenceSource>().is_err());
    }
}
