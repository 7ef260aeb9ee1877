//! lastschrift's application core: settings, the secret key, sync, mandates and collection runs.

mod app;
pub mod collect;
pub mod dates;
mod error;
pub mod mandates;
pub mod overview;
pub mod runs;
pub mod saved_settings;
pub mod secret;
pub mod settings;
pub mod sync;
pub mod users;

pub use app::{App, Clock, ConnectOutcome, PolicyChanges, SetupStatus, SystemClock};
pub use error::{CoreError, sevdesk_german};

pub use lastschrift_store as store;

/// Opens (and migrates) the database the settings name.
pub async fn open_store(
    settings: &settings::Settings,
) -> Result<std::sync::Arc<dyn store::Store>, store::StoreError> {
    store::open_url(&settings.database_url()).await
}
