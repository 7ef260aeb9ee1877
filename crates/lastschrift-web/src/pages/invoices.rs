//! The invoice list: filters (ready, blocked by reason, collected, returned), search, paging —
//! all over the cached read model, so a page costs a scan of memory, not of the database.

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::{Base, Pager, render};
use crate::view::{self, BlockedGroup, InvoiceState as RowState};
use crate::{AppState, Ctx, WebError};
use lastschrift_core::store::Role;

pub const PAGE_SIZE: usize = 50;

#[derive(Deserialize, Default)]
pub struct InvoiceQuery {
    #[serde(default)]
    filter: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: u32,
}

pub struct Line {
    pub id: i64,
    pub number: String,
    pub customer: String,
    pub due: String,
    pub open: String,
    pub state_key: &'static str,
    pub state_class: &'static str,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "invoices.html")]
struct InvoicesPage {
    b: Base,
    lines: Vec<Line>,
    filter: String,
    reason: String,
    q: String,
    reasons: Vec<BlockedGroup>,
    pager: Pager,
    /// The query string without the page, for the paging links (already URL-encoded).
    base_query: String,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<InvoiceQuery>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let tr = ctx.tr();
    let index = view::invoice_index(&state).await?;
    let needle = query.q.trim().to_lowercase();
    let filter = query.filter.as_str();
    let hits = index.search(&needle);
    let matches = |(i, row): &(usize, &view::InvoiceLine)| {
        (filter.is_empty() || filter == "all" || row.state.filter() == filter)
            && (query.reason.is_empty()
                || matches!(&row.state, RowState::Blocked { code, .. } if *code == query.reason))
            && hits.as_ref().is_none_or(|hits| hits[*i])
    };
    // One pass over the rows: the count and the page come from the same list.
    let matching: Vec<&view::InvoiceLine> = index
        .overview
        .lines
        .iter()
        .enumerate()
        .filter(matches)
        .map(|(_, row)| row)
        .collect();
    let pager = Pager::new(query.page, PAGE_SIZE as u32, matching.len() as i64);
    let lines = matching
        .iter()
        .skip(pager.page as usize * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|row| {
            let (state_key, state_class, reason) = match &row.state {
                RowState::Ready => ("invoices.ready", "ready", String::new()),
                RowState::Blocked {
                    german, english, ..
                } => (
                    "invoices.blocked",
                    "blocked",
                    if tr.de() {
                        german.clone()
                    } else {
                        english.clone()
                    },
                ),
                RowState::Collected => ("invoices.collected", "collected", String::new()),
                RowState::Returned => ("invoices.returned", "returned", String::new()),
            };
            Line {
                id: row.id,
                number: row.number.clone(),
                customer: row.customer.clone(),
                due: row.due.map(|d| tr.date(d)).unwrap_or_default(),
                open: tr.money(row.open_cents),
                state_key,
                state_class,
                reason,
            }
        })
        .collect();
    let base_query = serde_urlencoded::to_string([
        ("filter", query.filter.as_str()),
        ("reason", query.reason.as_str()),
        ("q", query.q.as_str()),
    ])
    .unwrap_or_default();
    render(&InvoicesPage {
        b: Base::new(&ctx, "invoices"),
        lines,
        filter: query.filter.clone(),
        reason: query.reason.clone(),
        q: query.q.clone(),
        reasons: index.overview.blocked.clone(),
        pager,
        base_query,
    })
}
