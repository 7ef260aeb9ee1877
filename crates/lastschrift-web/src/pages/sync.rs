//! Sync with visible progress: POST starts the use case in a background task; the page shows its
//! stage and reloads itself every second while it runs (`<meta http-equiv=refresh>`, no script).

use std::sync::Arc;

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::{Base, render};
use crate::{AppState, Ctx, WebError, config};
use lastschrift_core::secret;
use lastschrift_core::settings::Settings;
use lastschrift_core::store::Role;
use lastschrift_core::sync::{SyncStage, SyncSummary};

/// The one sync the server runs at a time.
#[derive(Debug, Default)]
pub enum SyncJob {
    #[default]
    Idle,
    Running {
        stage: Option<SyncStage>,
    },
    Finished(Box<SyncSummary>),
    Failed(String),
}

/// A read-only sevdesk client with the stored token, or `None` if no token is stored yet.
pub async fn stored_client(
    state: &AppState,
    settings: &Settings,
) -> Result<Option<sevdesk::Client>, WebError> {
    let token = secret::load_sevdesk_token(state.store(), &state.inner().key)
        .await
        .map_err(|e| WebError::Internal(e.into()))?;
    token.map(|token| client_for(settings, &token)).transpose()
}

pub fn client_for(
    settings: &Settings,
    token: &secret::SevdeskToken,
) -> Result<sevdesk::Client, WebError> {
    let api_token = sevdesk::ApiToken::new(token.expose())
        .map_err(|e| WebError::Internal(anyhow::anyhow!(e.user_message())))?;
    let config =
        sevdesk::ClientConfig::new(api_token).with_base_url(settings.sevdesk.base_url.clone());
    sevdesk::Client::new(config).map_err(|e| WebError::Internal(anyhow::anyhow!(e.user_message())))
}

#[derive(Template)]
#[template(path = "sync.html")]
struct SyncPage {
    b: Base,
    running: bool,
    stage_key: &'static str,
    summary: Option<Box<SyncSummary>>,
    failure: Option<String>,
    last_sync: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let (running, stage_key, summary, failure) = {
        let job = state.inner().sync_job.lock().expect("lock");
        match &*job {
            SyncJob::Idle => (false, "", None, None),
            SyncJob::Running { stage } => (true, stage_key(*stage), None, None),
            SyncJob::Finished(summary) => (false, "", Some(summary.clone()), None),
            SyncJob::Failed(message) => (false, "", None, Some(message.clone())),
        }
    };
    let last_sync = state
        .store()
        .last_sync()
        .await?
        .map(|r| ctx.tr().datetime(r.report.finished_at));
    render(&SyncPage {
        b: Base::new(&ctx, "sync"),
        running,
        stage_key,
        summary,
        failure,
        last_sync,
    })
}

fn stage_key(stage: Option<SyncStage>) -> &'static str {
    match stage {
        None => "sync.stage_starting",
        Some(SyncStage::Reading { incremental: true }) => "sync.stage_reading_changes",
        Some(SyncStage::Reading { incremental: false }) => "sync.stage_reading_full",
        Some(SyncStage::StoringContacts { .. }) => "sync.stage_contacts",
        Some(SyncStage::StoringInvoices { .. }) | Some(SyncStage::Finished) => {
            "sync.stage_invoices"
        }
    }
}

pub async fn start(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let settings = config::effective_settings(state.store(), &state.inner().base_settings).await?;
    let Some(client) = stored_client(&state, &settings).await? else {
        *state.inner().sync_job.lock().expect("lock") =
            SyncJob::Failed(ctx.tr().t("sync.no_token").into());
        return Ok(Redirect::to("/sync").into_response());
    };
    {
        let mut job = state.inner().sync_job.lock().expect("lock");
        if matches!(*job, SyncJob::Running { .. }) {
            return Ok(Redirect::to("/sync").into_response());
        }
        *job = SyncJob::Running { stage: None };
    }
    let task_state = state.clone();
    tokio::spawn(async move {
        let progress_state = task_state.clone();
        let progress = move |stage: SyncStage| {
            if let SyncJob::Running { stage: current } =
                &mut *progress_state.inner().sync_job.lock().expect("lock")
            {
                *current = Some(stage);
            }
        };
        let store = Arc::clone(&task_state.inner().store);
        let result = lastschrift_core::sync::sync(
            &*store,
            &client,
            &settings,
            &progress,
            chrono::Utc::now(),
        )
        .await;
        task_state.changed();
        *task_state.inner().sync_job.lock().expect("lock") = match result {
            Ok(summary) => SyncJob::Finished(Box::new(summary)),
            Err(error) => {
                tracing::warn!(error = ?error, "sync failed");
                SyncJob::Failed(error.to_string())
            }
        };
    });
    Ok(Redirect::to("/sync").into_response())
}
