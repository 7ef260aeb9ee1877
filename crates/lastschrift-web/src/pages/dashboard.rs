//! The dashboard: last sync, ready and blocked invoices, expiring mandates, last runs.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::response::Response;

use super::{Base, render};
use crate::view::{self, BlockedGroup};
use crate::{AppState, Ctx, WebError, config};
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
        status: run.status.to_string(),
    }
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let tr = ctx.tr();
    let store = state.store();
    let index = view::invoice_index(&state).await?;
    let last = store.last_sync().await?;
    let settings = config::effective_settings(store, &state.inner().base_settings).await?;
    let token_stored = store
        .secret(lastschrift_core::secret::SEVDESK_TOKEN)
        .await?
        .is_some();

    let contacts: std::collections::HashMap<i64, String> = store
        .contacts()
        .await?
        .into_iter()
        .map(|c| (c.id, c.display_name))
        .collect();
    let today = crate::berlin_now().date();
    let mut expiring: Vec<_> = store
        .mandates()
        .await?
        .into_iter()
        .filter(|m| {
            m.status == lastschrift_core::store::MandateStatus::Active && !m.is_expired(today)
        })
        .filter_map(|m| {
            let expiry = view::mandate_expiry(&m)?;
            ((expiry - today).num_days() <= EXPIRY_WARNING_DAYS).then_some((expiry, m))
        })
        .collect();
    expiring.sort_by_key(|(expiry, _)| *expiry);

    let runs = store.collection_runs().await?;
    render(&DashboardPage {
        b: Base::new(&ctx, "dashboard"),
        last_sync: last.as_ref().map(|r| tr.datetime(r.report.finished_at)),
        last_sync_problems: last.as_ref().map_or(0, |r| r.report.problems.len()),
        ready_count: index.ready_count,
        ready_sum: tr.money(index.ready_cents),
        blocked: index.blocked.clone(),
        plan_error: index.plan_error.clone(),
        expiring: expiring
            .into_iter()
            .map(|(expiry, m)| {
                (
                    m.reference,
                    contacts.get(&m.contact_id).cloned().unwrap_or_default(),
                    tr.date(expiry),
                )
            })
            .collect(),
        runs: runs.iter().take(5).map(|r| run_line(tr, r)).collect(),
        setup_missing: settings.creditor.is_none() || !token_stored,
    })
}
