//! Pre-notifications in the run flow: the preview of every message before anything is sent, the
//! send button, and what was sent before with its proof (the letters as PDF downloads).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::{Extension, Form};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{Base, download, render};
use crate::{AppState, Ctx, WebError};
use lastschrift_core::CoreError;
use lastschrift_core::notify::NotifyError;
use lastschrift_core::store::{NotificationChannel, NotificationStatus, PreNotification, Role};

pub struct MessageLine {
    pub channel: &'static str,
    pub address: String,
    pub reference: String,
    pub subject: String,
    pub text: String,
    pub total: String,
    /// How far an earlier round got with the same message.
    pub recorded: Option<&'static str>,
}

pub struct RecordLine {
    pub id: i64,
    pub status: &'static str,
    pub failed: bool,
    pub channel: &'static str,
    pub address: String,
    pub reference: String,
    pub date: String,
    pub total: String,
    pub sent_at: String,
    pub proof: String,
    pub letter: bool,
    /// Claimed and never confirmed: a person may release it after checking it did not arrive.
    pub unclear: bool,
}

#[derive(Template)]
#[template(path = "notify.html")]
struct NotifyPage {
    b: Base,
    error: Option<String>,
    /// The run date the messages announce.
    date: String,
    date_iso: String,
    messages: Vec<MessageLine>,
    unannounceable: Vec<String>,
    recorded: Vec<RecordLine>,
    /// What the last send did, in a sentence.
    result: Option<String>,
}

#[derive(Deserialize)]
pub struct DateQuery {
    #[serde(default)]
    date: String,
}

fn channel_key(channel: NotificationChannel) -> &'static str {
    match channel {
        NotificationChannel::Email => "notify.email",
        NotificationChannel::Letter => "notify.letter",
    }
}

fn status_key(status: NotificationStatus) -> &'static str {
    match status {
        NotificationStatus::Pending => "notify.status.pending",
        NotificationStatus::Sending => "notify.status.sending",
        NotificationStatus::Sent => "notify.status.sent",
        NotificationStatus::Failed => "notify.status.failed",
    }
}

fn record_line(ctx: &Ctx, n: &PreNotification) -> RecordLine {
    let tr = ctx.tr();
    RecordLine {
        id: n.id,
        status: tr.t(status_key(n.status)),
        failed: n.status == NotificationStatus::Failed,
        channel: tr.t(channel_key(n.channel)),
        address: n.address.replace('\n', ", "),
        reference: n.mandate_reference.clone(),
        date: tr.date(n.collection_date),
        total: tr.money(n.total_cents),
        sent_at: n.sent_at.map(|t| tr.datetime(t)).unwrap_or_default(),
        proof: match (&n.server_reply, &n.pdf_sha256, &n.last_error) {
            (Some(reply), _, _) => format!("{reply} · {}", n.message_id),
            (_, Some(hash), _) => format!("PDF SHA-256 {hash}"),
            (_, _, Some(error)) => error.clone(),
            _ => String::new(),
        },
        letter: n.channel == NotificationChannel::Letter && n.status == NotificationStatus::Sent,
        unclear: n.status == NotificationStatus::Sending,
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    date: Option<NaiveDate>,
    result: Option<String>,
) -> Result<Response, WebError> {
    let tr = ctx.tr();
    let recorded: Vec<RecordLine> = state
        .app()
        .pre_notifications(None)
        .await?
        .iter()
        .take(200)
        .map(|n| record_line(ctx, n))
        .collect();
    let mut view = NotifyPage {
        b: Base::new(ctx, "notify"),
        error: None,
        date: String::new(),
        date_iso: String::new(),
        messages: Vec::new(),
        unannounceable: Vec::new(),
        recorded,
        result,
    };
    match state.app().notification_preview(date).await {
        Ok(preview) => {
            view.date = tr.date(preview.plan.collection_date);
            view.date_iso = preview.plan.collection_date.to_string();
            view.messages = preview
                .announcement
                .notifications
                .iter()
                .map(|n| MessageLine {
                    channel: tr.t(channel_key(n.channel)),
                    address: n.address.replace('\n', ", "),
                    reference: n.mandate_reference.clone(),
                    subject: n.subject.clone(),
                    text: n.body_text.clone(),
                    total: tr.money(n.items.iter().map(|i| i.amount_cents).sum::<i64>()),
                    recorded: preview
                        .recorded
                        .iter()
                        .find(|r| r.fingerprint == n.fingerprint)
                        .map(|r| tr.t(status_key(r.status))),
                })
                .collect();
            view.unannounceable = preview
                .announcement
                .unannounceable
                .iter()
                .map(|u| {
                    format!(
                        "{} ({}): {}",
                        u.debtor_name,
                        u.mandate_reference,
                        if tr.de() { &u.german } else { &u.english }
                    )
                })
                .collect();
        }
        Err(
            error @ (CoreError::Notify(NotifyError::InvoiceAnnounces | NotifyError::NoCreditor)
            | CoreError::Collect(_)),
        ) => view.error = Some(tr.error(&error)),
        Err(other) => return Err(other.into()),
    }
    render(&view)
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<DateQuery>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let date = lastschrift_core::dates::parse_date(query.date.trim());
    page(&state, &ctx, date, None).await
}

#[derive(Deserialize)]
pub struct SendForm {
    #[serde(default)]
    date: String,
}

/// Records and sends the previewed messages of that date; a second click sends nothing again.
pub async fn send(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<SendForm>,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let tr = ctx.tr();
    let date = lastschrift_core::dates::parse_date(form.date.trim());
    let result = match state.app().notify(date).await {
        Ok(outcome) => {
            let r = &outcome.report;
            Some(format!(
                "{}: {} · {}: {} · {}: {} · {}: {}",
                tr.t("notify.status.sent"),
                r.sent.len(),
                tr.t("notify.status.failed"),
                r.failed.len(),
                tr.t("notify.before"),
                r.already_sent.len(),
                tr.t("notify.status.sending"),
                r.unclear.len()
            ))
        }
        Err(error @ (CoreError::Notify(_) | CoreError::Collect(_))) => Some(tr.error(&error)),
        Err(other) => return Err(other.into()),
    };
    state.changed();
    page(&state, &ctx, date, result).await
}

/// Releases a message left unclear (claimed, never confirmed) once a person checked that it did
/// not arrive: the next send includes it again.
pub async fn release(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let by = ctx
        .user
        .as_ref()
        .map(|u| u.username.clone())
        .unwrap_or_default();
    let tr = ctx.tr();
    let result = match state.app().release_pre_notification(id, &by).await {
        Ok(_) => tr.t("notify.released").to_owned(),
        Err(error @ CoreError::Store(_)) => tr.error(&error),
        Err(other) => return Err(other.into()),
    };
    page(&state, &ctx, None, Some(result)).await
}

/// The PDF of a letter, as it was made.
pub async fn letter(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let pdf = state
        .app()
        .pre_notification_pdf(id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(download(
        pdf,
        &format!("Vorabankuendigung-{id}.pdf"),
        "application/pdf",
    ))
}
