//! What every command that works on the installation needs: the [`App`], opened once at the
//! edge, and the one rule that turns a core error into the CLI's sentence and exit code.

use super::SetupError;
use anyhow::Context as _;
use lastschrift_core::{App, CoreError};
use std::path::Path;

/// The application for the configuration file (or the default one) and the environment.
pub async fn open_app(config: Option<&Path>) -> anyhow::Result<App> {
    App::open(config).await.map_err(setup)
}

/// A core error the user must fix before the command can do its work (exit code 2). The sentence
/// is the error's own; its causes stay attached for `-v`.
pub fn setup(error: CoreError) -> anyhow::Error {
    tracing::info!(error = ?error, "command failed");
    SetupError::with_cause(error).into()
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")
}
