//! Every request sent to sevdesk: method, path, status, time.

use askama::Template;
use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use super::{Base, Pager, render};
use crate::{AppState, Ctx, WebError};
use lastschrift_core::store::{Page, RequestLogEntry, Role};

const PAGE_SIZE: u32 = 100;

#[derive(Deserialize, Default)]
pub struct PageQuery {
    #[serde(default)]
    page: u32,
}

#[derive(Template)]
#[template(path = "requests.html")]
struct RequestsPage {
    b: Base,
    entries: Vec<(String, RequestLogEntry)>,
    pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<PageQuery>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let tr = ctx.tr();
    let paged = state
        .app()
        .request_log(Page {
            number: query.page,
            size: PAGE_SIZE,
        })
        .await?;
    render(&RequestsPage {
        b: Base::new(&ctx, "requests"),
        pager: Pager::new(query.page, PAGE_SIZE, paged.total),
        entries: paged
            .items
            .into_iter()
            .map(|e| (tr.datetime(e.at), e))
            .collect(),
    })
}
