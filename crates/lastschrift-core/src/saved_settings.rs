//! Settings entered in the web UI and how they combine with the file/environment settings.
//!
//! The creditor data and the policies a user saves in the UI are stored as JSON in the store's
//! key/value settings (`web.creditor`, `web.policies`). **What was saved in the UI wins** over
//! the configuration file and the environment: the UI is where a bookkeeper changes things, and a
//! value they just saved must be the one that is used. The file and environment remain the
//! starting values (and the only source for the CLI until something is saved in the UI).
//! [`effective_settings`] is the one place that applies this rule.

use crate::settings::{CreditorSettings, Policies, Settings};
use crate::store::{Store, StoreError};

pub const CREDITOR_KEY: &str = "web.creditor";
pub const POLICIES_KEY: &str = "web.policies";

/// Store key of a user's UI language.
pub fn language_key(user_id: i64) -> String {
    format!("web.user.{user_id}.language")
}

/// The settings to use: `base` (defaults, file, environment) with the UI-saved creditor and
/// policies on top.
pub async fn effective_settings(
    store: &dyn Store,
    base: &Settings,
) -> Result<Settings, StoreError> {
    let mut settings = base.clone();
    if let Some(json) = store.setting(CREDITOR_KEY).await? {
        let creditor: CreditorSettings = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("{CREDITOR_KEY}: {e}")))?;
        settings.creditor = Some(creditor);
    }
    if let Some(json) = store.setting(POLICIES_KEY).await? {
        let policies: Policies = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("{POLICIES_KEY}: {e}")))?;
        settings.policies = policies;
    }
    Ok(settings)
}

pub async fn save_creditor(
    store: &dyn Store,
    creditor: &CreditorSettings,
) -> Result<(), StoreError> {
    let json = serde_json::to_string(creditor).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    store.put_setting(CREDITOR_KEY, &json).await
}

pub async fn save_policies(store: &dyn Store, policies: &Policies) -> Result<(), StoreError> {
    let json = serde_json::to_string(policies).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    store.put_setting(POLICIES_KEY, &json).await
}
