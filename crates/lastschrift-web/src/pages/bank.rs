//! The bank's answers: upload of status reports and bookings (several files at once), what each
//! did, and the worklist of rejected and returned debits with its actions and exports.

use askama::Template;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::{Base, download, render};
use crate::{AppState, Ctx, WebError};
use lastschrift_core::bank::{BankFileOutcome, WorklistItem, worklist_csv};
use lastschrift_core::store::{BankEffect, FollowUp, Role};

pub struct FileLine {
    pub name: String,
    pub format: String,
    pub refused: bool,
    pub summary: String,
    pub lines: Vec<EntryLine>,
}

pub struct EntryLine {
    pub debit: String,
    pub effect: &'static str,
    pub amount: String,
    pub fee: String,
    pub detail: String,
}

pub struct ImportLine {
    pub id: i64,
    pub at: String,
    pub file_name: String,
    pub format: String,
    pub by: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "bank.html")]
struct BankPage {
    b: Base,
    results: Vec<FileLine>,
    imports: Vec<ImportLine>,
    error: Option<String>,
}

fn effect_key(effect: BankEffect) -> &'static str {
    match effect {
        BankEffect::Rejected => "bank.rejected",
        BankEffect::Returned => "bank.returned",
        BankEffect::Collected => "bank.collected",
        BankEffect::Unchanged => "bank.unchanged",
        BankEffect::Unmatched => "bank.unmatched",
    }
}

fn summary(tr: crate::i18n::Tr, events: &[BankEffect]) -> String {
    let count = |e: BankEffect| events.iter().filter(|x| **x == e).count();
    [
        BankEffect::Collected,
        BankEffect::Rejected,
        BankEffect::Returned,
        BankEffect::Unchanged,
        BankEffect::Unmatched,
    ]
    .iter()
    .map(|e| format!("{} {}", count(*e), tr.t(effect_key(*e))))
    .collect::<Vec<_>>()
    .join(" · ")
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    results: Vec<FileLine>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let tr = ctx.tr();
    let imports = state
        .app()
        .bank_imports()
        .await?
        .into_iter()
        .take(50)
        .map(|i| ImportLine {
            id: i.id,
            at: tr.datetime(i.imported_at),
            summary: summary(tr, &i.events.iter().map(|e| e.effect).collect::<Vec<_>>()),
            file_name: i.file_name,
            format: i.format,
            by: i.imported_by.unwrap_or_default(),
        })
        .collect();
    let failed = error.is_some();
    let mut response = render(&BankPage {
        b: Base::new(ctx, "bank"),
        results,
        imports,
        error,
    })?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    page(&state, &ctx, Vec::new(), None).await
}

/// The upload: any number of `files` parts (`csrf` is checked by the guard).
pub async fn import(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    request: Request,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let tr = ctx.tr();
    let Ok(mut form) = Multipart::from_request(request, &state).await else {
        let message = tr.t("mandates.upload_unreadable").to_owned();
        return page(&state, &ctx, Vec::new(), Some(message)).await;
    };
    let mut files = Vec::new();
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                if field.name() != Some("files") {
                    continue;
                }
                let name = field.file_name().unwrap_or("upload.xml").to_owned();
                match field.bytes().await {
                    Ok(bytes) if !bytes.is_empty() => files.push((name, bytes.to_vec())),
                    Ok(_) => {}
                    Err(_) => {
                        let message = tr.t("mandates.upload_unreadable").to_owned();
                        return page(&state, &ctx, Vec::new(), Some(message)).await;
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                let message = tr.t("mandates.upload_unreadable").to_owned();
                return page(&state, &ctx, Vec::new(), Some(message)).await;
            }
        }
    }
    if files.is_empty() {
        let message = tr.t("bank.no_file").to_owned();
        return page(&state, &ctx, Vec::new(), Some(message)).await;
    }
    let Some(_permit) = state.heavy_permit().await else {
        let message = tr.t("error.busy").to_owned();
        let mut response = page(&state, &ctx, Vec::new(), Some(message)).await?;
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return Ok(response);
    };
    let user = ctx.user.as_ref().map(|u| u.username.clone());
    let reports = state
        .app()
        .import_bank_files(files, user.as_deref())
        .await?;
    state.changed();
    let de = tr.de();
    let results = reports
        .into_iter()
        .map(|r| {
            let format = r.format.clone().unwrap_or_default();
            match r.outcome {
                BankFileOutcome::Refused {
                    message,
                    message_de,
                    ..
                } => FileLine {
                    name: r.file_name,
                    format,
                    refused: true,
                    summary: if de { message_de } else { message },
                    lines: Vec::new(),
                },
                BankFileOutcome::AlreadyImported { import_id, .. } => FileLine {
                    name: r.file_name,
                    format,
                    refused: false,
                    summary: format!("{} ({import_id})", tr.t("bank.already")),
                    lines: Vec::new(),
                },
                BankFileOutcome::Imported { lines, .. } => FileLine {
                    summary: summary(tr, &lines.iter().map(|l| l.effect).collect::<Vec<_>>()),
                    lines: lines
                        .iter()
                        .filter(|l| l.effect != BankEffect::Collected)
                        .map(|l| EntryLine {
                            debit: l.debit_id.map(|d| d.to_string()).unwrap_or_default(),
                            effect: effect_key(l.effect),
                            amount: l.amount_cents.map(|c| tr.money(c)).unwrap_or_default(),
                            fee: if l.fee_cents > 0 {
                                tr.money(l.fee_cents)
                            } else {
                                String::new()
                            },
                            detail: match (&l.reason, de) {
                                (Some(reason), true) => format!("{} – {}", l.detail, reason.german),
                                _ => l.detail.clone(),
                            },
                        })
                        .collect(),
                    name: r.file_name,
                    format,
                    refused: false,
                },
            }
        })
        .collect();
    page(&state, &ctx, results, None).await
}

pub struct WorkLine {
    pub debit_id: i64,
    pub date: String,
    pub debtor: String,
    pub invoice: String,
    pub amount: String,
    pub fee: String,
    pub status: String,
    pub reason: String,
    pub next: String,
    pub attempts: usize,
    pub open: bool,
    pub blocked: bool,
}

#[derive(Template)]
#[template(path = "worklist.html")]
struct WorklistPage {
    b: Base,
    lines: Vec<WorkLine>,
    all: bool,
}

#[derive(Deserialize)]
pub struct WorklistQuery {
    #[serde(default)]
    all: Option<String>,
}

fn work_line(tr: crate::i18n::Tr, i: &WorklistItem) -> WorkLine {
    WorkLine {
        debit_id: i.debit_id,
        date: i.status_on.map(|d| tr.date(d)).unwrap_or_default(),
        debtor: i.debtor.clone().unwrap_or_default(),
        invoice: i
            .invoice_number
            .clone()
            .unwrap_or_else(|| format!("#{}", i.invoice_id)),
        amount: tr.money(i.amount_cents),
        fee: tr.money(i.fee_cents),
        status: tr
            .t(match i.status {
                lastschrift_core::store::DebitStatus::Rejected => "bank.rejected",
                _ => "bank.returned",
            })
            .to_owned(),
        reason: match (&i.reason_code, &i.reason) {
            (Some(code), Some(r)) => {
                format!("{code}: {}", if tr.de() { &r.german } else { &r.english })
            }
            (Some(code), None) => code.clone(),
            _ => String::new(),
        },
        next: if tr.de() {
            i.next.german.clone()
        } else {
            i.next.english.clone()
        },
        attempts: i.attempts,
        open: i.open(),
        blocked: matches!(i.follow_up, FollowUp::BlockMandate | FollowUp::Review),
    }
}

pub async fn worklist(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<WorklistQuery>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let all = query.all.is_some();
    let tr = ctx.tr();
    let items = state.app().worklist().await?;
    render(&WorklistPage {
        b: Base::new(&ctx, "worklist"),
        lines: items
            .iter()
            .filter(|i| all || i.open())
            .map(|i| work_line(tr, i))
            .collect(),
        all,
    })
}

pub async fn worklist_export_csv(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let items = state.app().worklist().await?;
    Ok(download(
        worklist_csv(&items),
        "ruecklastschriften.csv",
        "text/csv; charset=utf-8",
    ))
}

pub async fn worklist_export_json(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let items = state.app().worklist().await?;
    let json = serde_json::to_vec_pretty(&items).map_err(|e| WebError::Internal(e.into()))?;
    Ok(download(
        json,
        "ruecklastschriften.json",
        "application/json",
    ))
}

#[derive(Deserialize)]
pub struct DecideForm {
    debit_id: i64,
    action: String,
}

pub async fn decide(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<DecideForm>,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let action = match form.action.as_str() {
        "collect_again" => FollowUp::CollectAgain,
        "block_mandate" => FollowUp::BlockMandate,
        "done" => FollowUp::Done,
        _ => return Err(WebError::NotFound),
    };
    let user = ctx.user.as_ref().map(|u| u.username.clone());
    match state
        .app()
        .decide_follow_up(form.debit_id, action, user.as_deref())
        .await
    {
        Ok(_) => {}
        Err(lastschrift_core::CoreError::Store(
            lastschrift_core::store::StoreError::NotFound { .. },
        )) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    state.changed();
    Ok(Redirect::to("/worklist").into_response())
}
