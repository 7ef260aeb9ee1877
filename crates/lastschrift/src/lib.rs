//! The lastschrift application: settings, store, sync, collection runs, CLI and web UI.

pub mod settings;
pub mod secret;
pub mod store;
