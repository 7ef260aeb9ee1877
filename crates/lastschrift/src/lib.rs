//! The lastschrift application: settings, store, sync, collection runs, CLI and web UI.

pub mod cli;
pub mod collect;
pub mod mandates;
pub mod runs;
pub mod secret;
pub mod settings;
pub mod store;
pub mod sync;
pub mod web;
