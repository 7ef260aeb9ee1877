//! Where each setting comes from, and the one rule that combines the sources:
//!
//! **built-in defaults < configuration file < environment < values saved in the web UI.**
//!
//! Why the UI wins: it is where a bookkeeper changes the creditor data and the policies, and a
//! value they just saved must be the one that is used — by the web and by `lastschrift collect`
//! from cron alike, so that two runs against one ledger never use different creditor data. The
//! file and the environment are the starting values (and stay the only source for every key the
//! UI does not edit: paths, the database, the sevdesk address). `lastschrift config show` prints
//! every effective value with its source.
//!
//! The UI saves the whole creditor section at once (its form has every creditor field), but only
//! the policy keys its form shows; a policy the UI never touched keeps following the file.

use std::path::{Path, PathBuf};

use figment::Figment;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{CreditorSettings, Settings, SettingsError};

/// Where one effective value came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Source {
    /// The built-in default (see `lastschrift.example.toml`).
    Default,
    /// The configuration file at this path.
    File(PathBuf),
    /// This environment variable.
    Environment(String),
    /// Saved in the web UI (stored in the database).
    SavedInUi,
    /// Handed over by the program itself (the demo, a test).
    Given,
}

impl Source {
    /// For the CLI listing and the web: `file /etc/lastschrift.toml`, `environment
    /// LASTSCHRIFT_CREDITOR__IBAN`, …
    pub fn describe(&self) -> String {
        match self {
            Source::Default => "default".into(),
            Source::File(path) => format!("file {}", path.display()),
            Source::Environment(name) => format!("environment {name}"),
            Source::SavedInUi => "saved in the web UI".into(),
            Source::Given => "given by the program".into(),
        }
    }
}

/// The settings below the UI: defaults, file and environment as loaded (or one value handed over
/// whole by the demo or a test).
#[derive(Clone, Debug)]
pub struct SettingsSources {
    base: Settings,
    layers: Option<Layers>,
}

#[derive(Clone, Debug)]
struct Layers {
    figment: Figment,
    file: Option<PathBuf>,
}

/// What the web UI saved: the whole creditor section, and the policy keys its form edits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SavedSettings {
    pub creditor: Option<CreditorSettings>,
    /// Policy keys (as in the configuration file) with their values.
    pub policies: Map<String, Value>,
}

/// The settings in force, and for every key where its value came from.
#[derive(Clone, Debug)]
pub struct EffectiveSettings {
    pub settings: Settings,
    lines: Vec<SettingLine>,
}

/// One key of [`EffectiveSettings`]: its value as shown (secrets masked) and its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SettingLine {
    /// As in the configuration file: `policies.pre_notification_days`.
    pub key: String,
    /// JSON text of the value; secrets are masked (the types serialize masked).
    pub value: String,
    pub source: Source,
}

impl SettingsSources {
    /// Defaults, then `config_file` (which must exist when given) or else the default
    /// configuration file if there is one, then the environment.
    pub fn load(config_file: Option<&Path>) -> Result<SettingsSources, SettingsError> {
        let file = match config_file {
            Some(path) if !path.is_file() => {
                return Err(SettingsError::ConfigFileMissing {
                    path: path.to_owned(),
                });
            }
            Some(path) => Some(path.to_owned()),
            None => Settings::default_config_file().filter(|path| path.is_file()),
        };
        let figment = Settings::figment(file.as_deref());
        Self::from_figment(figment, file)
    }

    /// The layered sources of any figment (tests add their own on top).
    pub fn from_figment(
        figment: Figment,
        file: Option<PathBuf>,
    ) -> Result<SettingsSources, SettingsError> {
        let base = Settings::from_figment(&figment)?;
        Ok(SettingsSources {
            base,
            layers: Some(Layers { figment, file }),
        })
    }

    /// One value handed over whole (the demo, tests): every key's source is [`Source::Given`].
    pub fn given(settings: Settings) -> SettingsSources {
        SettingsSources {
            base: settings,
            layers: None,
        }
    }

    /// Defaults, file and environment, without what the UI saved. Paths, the database and the
    /// sevdesk address come only from here (the UI cannot change them).
    pub fn base(&self) -> &Settings {
        &self.base
    }

    /// The configuration file that was read, if any.
    pub fn config_file(&self) -> Option<&Path> {
        self.layers.as_ref().and_then(|l| l.file.as_deref())
    }

    /// Applies the rule of this module: the saved values on top of the base, checked as a whole.
    pub fn resolve(&self, saved: &SavedSettings) -> Result<EffectiveSettings, SettingsError> {
        let mut settings = self.base.clone();
        if let Some(creditor) = &saved.creditor {
            settings.creditor = Some(creditor.clone());
        }
        if !saved.policies.is_empty() {
            let mut policies =
                serde_json::to_value(&settings.policies).map_err(|e| SettingsError::Rejected {
                    key: "policies",
                    reason: e.to_string(),
                    german: e.to_string(),
                })?;
            merge(&mut policies, &Value::Object(saved.policies.clone()));
            settings.policies =
                serde_json::from_value(policies).map_err(|e| SettingsError::Rejected {
                    key: "policies",
                    reason: format!("a value saved in the web UI is not valid: {e}"),
                    german: format!(
                        "ein in der Weboberfläche gespeicherter Wert ist ungültig ({e})"
                    ),
                })?;
        }
        settings.validate()?;
        let mut lines = Vec::new();
        let shown = serde_json::to_value(&settings).unwrap_or(Value::Null);
        flatten("", &shown, &mut lines);
        let lines = lines
            .into_iter()
            .map(|(key, value)| SettingLine {
                source: self.source_of(&key, saved),
                key,
                value,
            })
            .collect();
        Ok(EffectiveSettings { settings, lines })
    }

    fn source_of(&self, key: &str, saved: &SavedSettings) -> Source {
        if saved.creditor.is_some() && (key == "creditor" || key.starts_with("creditor.")) {
            return Source::SavedInUi;
        }
        if let Some(rest) = key.strip_prefix("policies.")
            && saved_contains(&saved.policies, rest)
        {
            return Source::SavedInUi;
        }
        let Some(layers) = &self.layers else {
            return Source::Given;
        };
        let Some(metadata) = layers.figment.find_metadata(key) else {
            return Source::Default;
        };
        match &metadata.source {
            Some(figment::Source::File(path)) => Source::File(path.clone()),
            // figment names the provider, not the variable: the variable follows from the key
            // and the provider (prefixed `LASTSCHRIFT_` with `__` nesting, or plain).
            _ if metadata.name.contains(super::ENV_PREFIX) => Source::Environment(format!(
                "{}{}",
                super::ENV_PREFIX,
                key.replace('.', "__").to_uppercase()
            )),
            _ => Source::Environment(key.to_uppercase()),
        }
    }
}

impl EffectiveSettings {
    /// Every key with its shown value and source, in the order of the configuration file.
    pub fn lines(&self) -> &[SettingLine] {
        &self.lines
    }

    /// The source of one key (`None` for an unknown key).
    pub fn source(&self, key: &str) -> Option<&Source> {
        self.lines.iter().find(|l| l.key == key).map(|l| &l.source)
    }
}

/// Whether the saved policies hold `key` (dotted, e.g. `direct_debit_payment_methods.payment_method_ids`).
fn saved_contains(saved: &Map<String, Value>, key: &str) -> bool {
    let mut parts = key.split('.');
    let Some(first) = parts.next() else {
        return false;
    };
    let mut value = match saved.get(first) {
        Some(v) => v,
        None => return false,
    };
    for part in parts {
        match value.get(part) {
            Some(v) => value = v,
            None => return false,
        }
    }
    true
}

/// Deep merge of JSON objects: `top` wins, objects are merged key by key.
fn merge(base: &mut Value, top: &Value) {
    match (base, top) {
        (Value::Object(base), Value::Object(top)) => {
            for (key, value) in top {
                match base.get_mut(key) {
                    Some(slot) => merge(slot, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (slot, value) => *slot = value.clone(),
    }
}

/// Leaf keys (objects are walked, arrays and scalars are values) in serialization order.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                let key = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&key, inner, out);
            }
        }
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    fn sources_in(jail: &Jail) -> SettingsSources {
        let path = jail.directory().join("lastschrift.toml");
        let file = path.is_file().then_some(path);
        SettingsSources::from_figment(Settings::figment(file.as_deref()), file).unwrap()
    }

    #[test]
    fn every_key_names_its_source_and_the_ui_wins() {
        Jail::expect_with(|jail| {
            jail.clear_env();
            jail.create_file(
                "lastschrift.toml",
                r#"
                [creditor]
                name = "Datei GmbH"
                iban = "DE02120300000000202051"
                creditor_id = "DE98ZZZ09999999999"
                [policies]
                pre_notification_days = 5
                bank_lead_days = 2
                "#,
            )?;
            jail.set_env("LASTSCHRIFT_POLICIES__BANK_LEAD_DAYS", "3");
            jail.set_env("DATABASE_URL", "postgres://app:hunter2@db/x");
            let sources = sources_in(jail);
            let none = sources.resolve(&SavedSettings::default()).unwrap();
            assert_eq!(none.settings.policies.pre_notification_days, 5);
            assert_eq!(none.settings.policies.bank_lead_days, 3);
            let file = jail.directory().join("lastschrift.toml");
            assert_eq!(
                none.source("policies.pre_notification_days"),
                Some(&Source::File(file.clone()))
            );
            assert_eq!(
                none.source("policies.bank_lead_days"),
                Some(&Source::Environment(
                    "LASTSCHRIFT_POLICIES__BANK_LEAD_DAYS".into()
                ))
            );
            assert_eq!(
                none.source("database_url"),
                Some(&Source::Environment("DATABASE_URL".into()))
            );
            assert_eq!(none.source("policies.cut_off_time"), Some(&Source::Default));
            let listing = format!(
                "{:?} {} {}",
                none.lines(),
                serde_json::to_string(none.lines()).unwrap(),
                serde_json::to_string(&none.settings).unwrap()
            );
            assert!(!listing.contains("hunter2"), "{listing}");
            assert!(listing.contains("app:****@db"), "{listing}");

            let mut saved = SavedSettings {
                creditor: Some(CreditorSettings {
                    name: "UI GmbH".into(),
                    ..none.settings.creditor.clone().unwrap()
                }),
                ..SavedSettings::default()
            };
            saved
                .policies
                .insert("bank_lead_days".into(), Value::from(4));
            let ui = sources.resolve(&saved).unwrap();
            assert_eq!(ui.settings.creditor.as_ref().unwrap().name, "UI GmbH");
            assert_eq!(ui.settings.policies.bank_lead_days, 4);
            // A policy the UI never saved keeps following the file.
            assert_eq!(ui.settings.policies.pre_notification_days, 5);
            assert_eq!(ui.source("creditor.name"), Some(&Source::SavedInUi));
            assert_eq!(
                ui.source("policies.bank_lead_days"),
                Some(&Source::SavedInUi)
            );
            assert_eq!(
                ui.source("policies.pre_notification_days"),
                Some(&Source::File(file))
            );
            Ok(())
        });
    }

    #[test]
    fn a_saved_value_that_breaks_a_rule_is_refused() {
        let sources = SettingsSources::given(Settings::default());
        let mut saved = SavedSettings::default();
        saved
            .policies
            .insert("pre_notification_days".into(), Value::from(9999));
        let error = sources.resolve(&saved).unwrap_err().to_string();
        assert!(error.contains("pre_notification_days"), "{error}");
        saved
            .policies
            .insert("pre_notification_days".into(), Value::from("viele"));
        assert!(sources.resolve(&saved).is_err());
    }

    #[test]
    fn every_policy_out_of_range_is_named_at_once() {
        let policies = crate::settings::Policies {
            pre_notification_days: 366,
            bank_lead_days: 31,
            max_days_ahead: 0,
            ..Default::default()
        };
        let keys: Vec<String> = policies
            .problems()
            .iter()
            .map(|p| match p {
                SettingsError::Rejected { key, .. } => (*key).to_owned(),
                other => other.to_string(),
            })
            .collect();
        assert_eq!(
            keys,
            [
                "policies.pre_notification_days",
                "policies.bank_lead_days",
                "policies.max_days_ahead"
            ]
        );
        let fine = crate::settings::Policies {
            max_days_ahead: 365,
            ..Default::default()
        };
        assert!(fine.problems().is_empty());
    }

    #[test]
    fn an_unencrypted_mail_server_is_refused_unless_it_is_this_machine() {
        use crate::notify::mail::{SmtpSecurity, SmtpSettings};
        let with = |host: &str, security| Settings {
            smtp: Some(SmtpSettings {
                host: host.into(),
                port: Some(25),
                security,
                username: Some("buchhaltung".into()),
                password: None,
                from_name: "Muster".into(),
                from_address: "buchhaltung@muster.example".into(),
                timeout_seconds: 30,
            }),
            ..Settings::default()
        };
        let refused = SettingsSources::given(with("smtp.example.de", SmtpSecurity::None))
            .resolve(&SavedSettings::default())
            .unwrap_err()
            .to_string();
        assert!(refused.contains("smtp.security"), "{refused}");
        for local in ["127.0.0.1", "localhost", "::1"] {
            assert!(
                SettingsSources::given(with(local, SmtpSecurity::None))
                    .resolve(&SavedSettings::default())
                    .is_ok(),
                "{local}"
            );
        }
        assert!(
            SettingsSources::given(with("smtp.example.de", SmtpSecurity::StartTls))
                .resolve(&SavedSettings::default())
                .is_ok()
        );
    }
}
