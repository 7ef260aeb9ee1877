//! The dashboard: last sync, ready and blocked invoices, expiring mandates, last runs.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;

use super::{Base, render};
use crate::view::{self, BlockedGroup};
use crate::{AppState, Ctx, WebError};
use lastschrift_core::store::Role;

/// Mandates that lapse within this many days are listed.
const EXPIRY_WARNING_DAYS: i64 = 60;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    b: Base,
    last_sync: Option<String>,
    last_sync_problems: usize,
    ready_count: usize,
    ready_sum: String,
    blocked: Vec<BlockedGroup>,
    plan_error: Option<String>,
    expiring: Vec<(String, String, String)>,
    runs: Vec<RunLine>,
    setup_missing: bool,
    /// Rejected or returned debits not marked done.
    open_returns: usize,
}

pub struct RunLine {
    pub id: i64,
    pub created: String,
    pub dates: String,
    pub count: i64,
    pub sum: String,
    pub status: String,
}

pub fn run_line(tr: crate::i18n::Tr, run: &lastschrift_core::store::CollectionRun) -> RunLine {
    RunLine {
        id: run.id,
        created: tr.datetime(run.created_at),
        dates: run
            .collection_dates
            .iter()
            .map(|d| tr.date(d))
            .collect::<Vec<_>>()
            .join(", "),
        count: run.debit_count,
        sum: tr.money(run.total_cents),
        status: tr.run_status(run.status).to_owned(),
    }
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let tr = ctx.tr();
    let index = view::invoice_index(&state).await?;
    let overview = &index.overview;
    let app = state.app();
    let last = app.last_sync().await?;
    let setup = app.setup_status().await?;
    let expiring = app.expiring_mandates(EXPIRY_WARNING_DAYS).await?;
    let runs = app.runs().await?;
    let open_returns = app.open_returns().await?;
    render(&DashboardPage {
        open_returns,
        b: Base::new(&ctx, "dashboard"),
        last_sync: last.as_ref().map(|r| tr.datetime(r.report.finished_at)),
        last_sync_problems: last.as_ref().map_or(0, |r| r.report.problems.len()),
        ready_count: overview.ready_count,
        ready_sum: tr.money(overview.ready_cents),
        blocked: overview.blocked.clone(),
        plan_error: overview
            .plan_error
            .as_ref()
            .map(|(de, en)| if tr.de() { de.clone() } else { en.clone() }),
        expiring: expiring
            .into_iter()
            .map(|m| {
                (
                    m.reference,
                    m.contact_name.unwrap_or_default(),
                    tr.date(m.expires_on),
                )
            })
            .collect(),
        runs: runs.iter().take(5).map(|r| run_line(tr, r)).collect(),
        setup_missing: !setup.complete(),
    })
}
