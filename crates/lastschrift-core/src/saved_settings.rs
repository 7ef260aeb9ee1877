//! Where the values saved in the web UI are kept: JSON in the store's key/value settings
//! (`web.creditor` — the whole creditor section; `web.policies` — the policy keys the UI edited).
//! How they combine with the file and the environment is decided in one place,
//! [`crate::settings::SettingsSources::resolve`].

use serde_json::{Map, Value};

use crate::settings::{CreditorSettings, SavedSettings};
use lastschrift_store::{Store, StoreError};

pub const CREDITOR_KEY: &str = "web.creditor";
pub const POLICIES_KEY: &str = "web.policies";

/// Store key of a user's UI language.
pub fn language_key(user_id: i64) -> String {
    format!("web.user.{user_id}.language")
}

/// What the UI saved so far. (Earlier versions saved every policy key at once; such a record
/// reads as "every policy saved in the UI", which is what it meant.)
pub async fn load(store: &dyn Store) -> Result<SavedSettings, StoreError> {
    let creditor = match store.setting(CREDITOR_KEY).await? {
        None => None,
        Some(json) => Some(
            serde_json::from_str::<CreditorSettings>(&json)
                .map_err(|e| StoreError::Corrupt(format!("{CREDITOR_KEY}: {e}")))?,
        ),
    };
    let policies = match store.setting(POLICIES_KEY).await? {
        None => Map::new(),
        Some(json) => match serde_json::from_str::<Value>(&json) {
            Ok(Value::Object(map)) => map,
            Ok(_) | Err(_) => {
                return Err(StoreError::Corrupt(format!(
                    "{POLICIES_KEY}: not a JSON object"
                )));
            }
        },
    };
    Ok(SavedSettings { creditor, policies })
}

pub async fn save(store: &dyn Store, saved: &SavedSettings) -> Result<(), StoreError> {
    if let Some(creditor) = &saved.creditor {
        let json =
            serde_json::to_string(creditor).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        store.put_setting(CREDITOR_KEY, &json).await?;
    }
    if !saved.policies.is_empty() {
        let json = serde_json::to_string(&saved.policies)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        store.put_setting(POLICIES_KEY, &json).await?;
    }
    Ok(())
}
