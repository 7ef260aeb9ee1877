//! Collection runs: date choice and preview, confirm, archive, downloads from stored bytes.

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;

use super::dashboard::{RunLine, run_line};
use super::{Base, download, render};
use crate::{AppState, Ctx, WebError};
use lastschrift_core::CoreError;
use lastschrift_core::collect::{self, CollectError, CollectionPlan};
use lastschrift_core::store::Role;

#[derive(Deserialize, Default)]
pub struct DateQuery {
    #[serde(default)]
    date: String,
}

pub struct DebitLine {
    pub number: String,
    pub debtor: String,
    pub iban: String,
    pub reference: String,
    /// Which source gave the reference, and what it overruled.
    pub reference_source: String,
    pub date: String,
    /// The rule that decided the date.
    pub date_reason: String,
    pub sequence: String,
    pub amount: String,
    /// What else the planner noted (a re-collection after a return, a transliterated name …).
    pub notes: String,
}

pub struct ExclusionLine {
    pub number: String,
    pub customer: String,
    pub amount: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "run.html")]
struct PreviewPage {
    b: Base,
    error: Option<String>,
    earliest: String,
    earliest_iso: String,
    earliest_reason: String,
    date_iso: String,
    date: String,
    date_note: Option<String>,
    far_ahead_note: Option<String>,
    pre_notification_note: String,
    /// lastschrift sends the pre-notifications: the link to them.
    notify_link: bool,
    debits: Vec<DebitLine>,
    exclusions: Vec<ExclusionLine>,
    total: String,
    /// Goes back with the confirmation: the run is made only from this very plan.
    fingerprint: String,
}

fn explanation(ctx: &Ctx, e: &collect::Explanation) -> String {
    if ctx.tr().de() {
        e.german.clone()
    } else {
        e.english.clone()
    }
}

fn preview_page(ctx: &Ctx, plan: &CollectionPlan, error: Option<String>) -> PreviewPage {
    let tr = ctx.tr();
    PreviewPage {
        b: Base::new(ctx, "run"),
        error,
        earliest: tr.date(plan.earliest_date),
        earliest_iso: plan.earliest_date.to_string(),
        earliest_reason: explanation(ctx, &plan.earliest_reason),
        date_iso: plan.collection_date.to_string(),
        date: tr.date(plan.collection_date),
        date_note: plan.date_note.as_ref().map(|e| explanation(ctx, e)),
        far_ahead_note: plan.far_ahead_note.as_ref().map(|e| explanation(ctx, e)),
        pre_notification_note: explanation(ctx, &plan.pre_notification_note),
        notify_link: plan.pre_notification_policy
            == lastschrift_core::settings::PreNotificationPolicy::Send,
        debits: plan
            .debits
            .iter()
            .map(|d| DebitLine {
                number: d
                    .invoice_number
                    .clone()
                    .unwrap_or_else(|| format!("#{}", d.invoice_id)),
                debtor: d.debtor_name.as_str().to_owned(),
                iban: d.iban.to_string(),
                reference: d.mandate_reference.to_string(),
                reference_source: explanation(ctx, &d.reference_source),
                date: tr.date(d.collection_date),
                date_reason: explanation(ctx, &d.date_reason),
                sequence: d.sequence_type.to_string(),
                amount: tr.money(d.amount_cents),
                notes: d
                    .notes
                    .iter()
                    .map(|n| explanation(ctx, n))
                    .collect::<Vec<_>>()
                    .join(" "),
            })
            .collect(),
        exclusions: plan
            .exclusions
            .iter()
            .map(|e| ExclusionLine {
                number: e
                    .invoice_number
                    .clone()
                    .unwrap_or_else(|| format!("#{}", e.invoice_id)),
                customer: e.contact_name.clone().unwrap_or_default(),
                amount: tr.money(e.amount_cents),
                reason: if tr.de() {
                    e.reason.german()
                } else {
                    e.reason.english()
                },
            })
            .collect(),
        total: tr.money(plan.total_cents),
        fingerprint: plan.fingerprint.clone(),
    }
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    lastschrift_core::dates::parse_date(text)
}

pub async fn preview(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<DateQuery>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let (date, mut message) = requested_date(&ctx, &query.date);
    let plan = match state.app().plan(date).await {
        Ok(plan) => plan,
        // Too far ahead: say so and show the earliest date instead.
        Err(error @ CoreError::Collect(CollectError::DateTooFar { .. })) => {
            message = Some(ctx.tr().error(&error));
            state.app().plan(None).await?
        }
        Err(error) => return Err(error.into()),
    };
    render(&preview_page(&ctx, &plan, message))
}

/// The requested date, and a sentence when the text is no date (it was silently ignored).
fn requested_date(ctx: &Ctx, text: &str) -> (Option<NaiveDate>, Option<String>) {
    let text = text.trim();
    if text.is_empty() {
        return (None, None);
    }
    match parse_date(text) {
        Some(date) => (Some(date), None),
        None => {
            let shown: String = text.chars().take(40).collect();
            let message = if ctx.tr().de() {
                format!(
                    "„{shown}“ ist kein Datum (TT.MM.JJJJ oder JJJJ-MM-TT); gezeigt wird das frühestmögliche."
                )
            } else {
                format!(
                    "“{shown}” is not a date (DD.MM.YYYY or YYYY-MM-DD); the earliest possible one is shown."
                )
            };
            (None, Some(message))
        }
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    date: String,
    #[serde(default)]
    fingerprint: String,
}

pub async fn confirm(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let (date, bad_date) = requested_date(&ctx, &form.date);
    if let Some(message) = bad_date {
        // Never collect on another date than the one the user typed.
        let plan = state.app().plan(None).await?;
        return render(&preview_page(&ctx, &plan, Some(message)));
    }
    let fingerprint = form.fingerprint.trim();
    let confirm = (!fingerprint.is_empty()).then_some(fingerprint);
    let outcome = state.app().collect(date, confirm).await;
    state.changed();
    match outcome {
        Ok(outcome) => match outcome.run {
            // The warnings go with the redirect to the run page, shown there once.
            Some(run) if !outcome.warnings.is_empty() => {
                let de = ctx.tr().de();
                let warnings = outcome
                    .warnings
                    .iter()
                    .map(|w| w.in_language(de).to_owned())
                    .collect();
                if let Some(session) = ctx.session_token() {
                    state.keep_run_warnings(&session.hash(), run.id, warnings);
                }
                Ok(Redirect::to(&format!("/runs/{}", run.id)).into_response())
            }
            Some(run) => Ok(Redirect::to(&format!("/runs/{}", run.id)).into_response()),
            None => render(&preview_page(
                &ctx,
                &outcome.plan,
                Some(ctx.tr().t("run.nothing").into()),
            )),
        },
        // The plan moved since the preview: show the new one, write nothing.
        Err(CoreError::Collect(CollectError::PlanChanged(plan))) => render(&preview_page(
            &ctx,
            &plan,
            Some(ctx.tr().t("run.changed").into()),
        )),
        Err(error) => {
            tracing::warn!(error = ?error, "collection run failed");
            let message = match &error {
                CoreError::NoToken => ctx.tr().t("sync.no_token").into(),
                other => ctx.tr().error(other),
            };
            // The plan for the date asked for, else (a date too far ahead) the earliest one.
            let plan = match state.app().plan(date).await {
                Ok(plan) => plan,
                Err(_) => state.app().plan(None).await?,
            };
            render(&preview_page(&ctx, &plan, Some(message)))
        }
    }
}

#[derive(Template)]
#[template(path = "runs.html")]
struct ArchivePage {
    b: Base,
    runs: Vec<RunLine>,
}

pub async fn archive(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let tr = ctx.tr();
    let runs = state.app().runs().await?;
    render(&ArchivePage {
        b: Base::new(&ctx, "archive"),
        runs: runs.iter().map(|r| run_line(tr, r)).collect(),
    })
}

pub struct FileLine {
    pub id: i64,
    pub name: String,
    pub message_id: String,
    pub sha256: String,
    pub count: i64,
    pub sum: String,
}

pub struct LedgerLine {
    pub end_to_end: String,
    pub reference: String,
    pub iban: String,
    pub sequence: String,
    pub date: String,
    pub amount: String,
    pub status: String,
    /// How and when its pre-notification went out (empty when the invoice announced it).
    pub announced: String,
}

#[derive(Template)]
#[template(path = "run_detail.html")]
struct RunPage {
    b: Base,
    run: RunLine,
    format: String,
    files: Vec<FileLine>,
    debits: Vec<LedgerLine>,
    /// What the run changed to make the file acceptable (transliterations, shortened texts),
    /// shown once right after the confirm.
    warnings: Vec<String>,
}

fn run_id(id: &str) -> Result<i64, WebError> {
    id.parse().map_err(|_| WebError::NotFound)
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let id = run_id(&id)?;
    let warnings = ctx
        .session_token()
        .map(|s| state.take_run_warnings(&s.hash(), id))
        .unwrap_or_default();
    run_page(&state, &ctx, id, warnings).await
}

async fn run_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    warnings: Vec<String>,
) -> Result<Response, WebError> {
    let tr = ctx.tr();
    let detail = state.app().run(id).await?.ok_or(WebError::NotFound)?;
    let run = &detail.run;
    let announced = state.app().announced_invoices().await?;
    let announcement = |d: &lastschrift_core::store::Debit| -> String {
        announced
            .iter()
            .rev()
            .find(|a| {
                a.invoice_id == d.invoice_id
                    && a.amount_cents == d.amount_cents
                    && a.collection_date == d.collection_date
            })
            .map(|a| {
                let channel = match a.channel {
                    lastschrift_core::store::NotificationChannel::Email => tr.t("notify.email"),
                    lastschrift_core::store::NotificationChannel::Letter => tr.t("notify.letter"),
                };
                format!(
                    "{channel} · {} · {}",
                    tr.datetime(a.sent_at),
                    a.address.replace('\n', ", ")
                )
            })
            // Debits without a sent pre-notification were announced by their invoice (the
            // policy of that time); the control list says the same.
            .unwrap_or_else(|| tr.t("notify.by_invoice").to_owned())
    };
    render(&RunPage {
        b: Base::new(ctx, "archive"),
        run: run_line(tr, run),
        format: run.format.clone(),
        files: run
            .files
            .iter()
            .map(|f| FileLine {
                id: f.id,
                name: f.file_name.clone(),
                message_id: f.message_id.clone(),
                sha256: f.sha256.clone(),
                count: f.debit_count,
                sum: tr.money(f.total_cents),
            })
            .collect(),
        debits: detail
            .debits
            .iter()
            .map(|line| &line.debit)
            .map(|d| LedgerLine {
                end_to_end: d.end_to_end_id.clone(),
                reference: d.mandate_reference.clone(),
                iban: d.iban.clone(),
                sequence: d.sequence_type.to_string(),
                date: tr.date(d.collection_date),
                amount: tr.money(d.amount_cents),
                status: tr.debit_status(d.status).to_owned(),
                announced: announcement(d),
            })
            .collect(),
        warnings,
    })
}

pub async fn file(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let id = run_id(&id)?;
    let file_id = run_id(&file_id)?;
    let file = state
        .app()
        .run_file(id, file_id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(download(
        file.bytes,
        &file.info.file_name,
        "application/xml",
    ))
}

pub async fn control_list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let id = run_id(&id)?;
    let (name, bytes) = state
        .app()
        .control_list(id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(download(bytes, &name, "text/csv; charset=utf-8"))
}
