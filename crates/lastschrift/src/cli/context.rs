//! What every sevdesk-facing command needs: settings, the store, the key for the stored token,
//! and a read-only client. Built once at the edge; the use cases receive the parts.

use super::SetupError;
use anyhow::Context as _;
use lastschrift_core::secret::{self, SecretKey, SevdeskToken};
use lastschrift_core::settings::Settings;
use lastschrift_core::store::Store;
use std::path::Path;
use std::sync::Arc;

pub struct AppContext {
    pub settings: Settings,
    pub store: Arc<dyn Store>,
    pub key: SecretKey,
}

impl AppContext {
    pub async fn open(config: Option<&Path>) -> anyhow::Result<AppContext> {
        let settings = Settings::load(config).map_err(|e| SetupError::new(e.to_string()))?;
        let store = lastschrift_core::open_store(&settings)
            .await
            .map_err(|e| SetupError::new(e.to_string()))?;
        let key =
            SecretKey::from_settings(&settings).map_err(|e| SetupError::new(e.to_string()))?;
        Ok(AppContext {
            settings,
            store,
            key,
        })
    }

    pub fn client(&self, token: &SevdeskToken) -> anyhow::Result<sevdesk::Client> {
        let api_token = sevdesk::ApiToken::new(token.expose())
            .map_err(|e| SetupError::new(e.user_message()))?;
        let config = sevdesk::ClientConfig::new(api_token)
            .with_base_url(self.settings.sevdesk.base_url.clone());
        sevdesk::Client::new(config).map_err(|e| SetupError::new(e.user_message()).into())
    }

    /// The stored token, or a setup error that says how to store one.
    pub async fn stored_client(&self) -> anyhow::Result<sevdesk::Client> {
        let token = secret::load_sevdesk_token(&*self.store, &self.key)
            .await
            .map_err(|e| SetupError::new(e.to_string()))?
            .ok_or_else(|| {
                SetupError::new(
                    "no sevdesk API token is stored yet; run `lastschrift connect` first",
                )
            })?;
        self.client(&token)
    }

    pub async fn save_token(&self, token: &SevdeskToken) -> anyhow::Result<()> {
        secret::save_sevdesk_token(&*self.store, &self.key, token)
            .await
            .context("could not store the sevdesk token")
    }
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}
