//! Sync with visible progress: POST starts the use case in a background task; the page shows its
//! stage and reloads itself every second while it runs (`<meta http-equiv=refresh>`, no script).

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::{Base, render};
use crate::{AppState, Ctx, WebError};
use lastschrift_core::CoreError;
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
    /// Shown in the language of whoever looks at the page.
    Failed(Box<CoreError>),
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
            SyncJob::Failed(error) => (false, "", None, Some(ctx.tr().error(error))),
        }
    };
    let last_sync = state
        .app()
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
    if !state.app().setup_status().await?.token {
        *state.inner().sync_job.lock().expect("lock") =
            SyncJob::Failed(Box::new(CoreError::NoToken));
        return Ok(Redirect::to("/sync").into_response());
    }
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
        let result = task_state.app().sync(&progress).await;
        task_state.changed();
        *task_state.inner().sync_job.lock().expect("lock") = match result {
            Ok(summary) => SyncJob::Finished(Box::new(summary)),
            Err(error) => {
                tracing::warn!(error = ?error, "sync failed");
                SyncJob::Failed(Box::new(error))
            }
        };
    });
    Ok(Redirect::to("/sync").into_response())
}
