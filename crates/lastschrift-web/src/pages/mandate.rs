//! One mandate: entered by hand (the same checks as the CSV import), shown with its history,
//! revoked, and its signed copy uploaded and downloaded.

use askama::Template;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::{Base, download, render};
use crate::{AppState, Ctx, WebError};
use lastschrift_core::CoreError;
use lastschrift_core::mandates::{EntryForm, MandateDetail, NewMandate};
use lastschrift_core::store::Role;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    contact_id: String,
    #[serde(default)]
    customer_number: String,
    #[serde(default)]
    signature_date: String,
    #[serde(default)]
    scheme: String,
    #[serde(default)]
    kind: String,
}

#[derive(Template)]
#[template(path = "mandate_new.html")]
struct NewPage {
    b: Base,
    form: NewForm,
    error: Option<String>,
}

pub async fn new_form(Extension(ctx): Extension<Ctx>) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    render(&NewPage {
        b: Base::new(&ctx, "mandates"),
        form: NewForm::default(),
        error: None,
    })
}

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

pub async fn new_submit(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<NewForm>,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let entry = NewMandate {
        reference: some(&form.reference),
        contact_id: some(&form.contact_id),
        customer_number: some(&form.customer_number),
        signature_date: some(&form.signature_date),
        scheme: some(&form.scheme),
        kind: some(&form.kind),
    };
    match state.app().add_mandate(&entry, EntryForm::Web).await {
        Ok(mandate) => {
            state.changed();
            Ok(Redirect::to(&show_url(&mandate.reference)).into_response())
        }
        Err(error) if error.is_input_problem() => {
            let mut response = render(&NewPage {
                b: Base::new(&ctx, "mandates"),
                error: Some(ctx.tr().error(&error)),
                form,
            })?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(error) => Err(error.into()),
    }
}

fn show_url(reference: &str) -> String {
    let query = serde_urlencoded::to_string([("reference", reference)]).unwrap_or_default();
    format!("/mandates/show?{query}")
}

pub struct DocumentLine {
    pub id: i64,
    pub file_name: String,
    pub content_type: &'static str,
    pub size: String,
    pub uploaded_at: String,
    pub uploaded_by: String,
}

#[derive(Template)]
#[template(path = "mandate_show.html")]
struct ShowPage {
    b: Base,
    reference: String,
    customer: String,
    contact_id: i64,
    customer_number: String,
    signature_date: String,
    scheme: String,
    kind_key: &'static str,
    status_key: &'static str,
    revoked: bool,
    revoked_on: String,
    revocation_note: String,
    first_collection: String,
    last_collection: String,
    source: String,
    documents: Vec<DocumentLine>,
    debits: usize,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct ShowQuery {
    reference: String,
    #[serde(default)]
    done: Option<String>,
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    reference: &str,
    error: Option<String>,
    notice: Option<&'static str>,
) -> Result<Response, WebError> {
    let app = state.app();
    let detail: MandateDetail = app
        .mandate(reference, app.bank_today())
        .await?
        .ok_or(WebError::NotFound)?;
    let tr = ctx.tr();
    let v = &detail.view;
    let failed = error.is_some();
    let mut response = render(&ShowPage {
        b: Base::new(ctx, "mandates"),
        reference: v.reference.clone(),
        customer: v.contact_name.clone().unwrap_or_default(),
        contact_id: v.contact_id,
        customer_number: v.customer_number.clone().unwrap_or_default(),
        signature_date: v.signature_date.map(|d| tr.date(d)).unwrap_or_default(),
        scheme: v.scheme.to_string(),
        kind_key: match (detail.one_off, detail.ending) {
            (true, _) => "mandate.kind_one_off",
            (false, true) => "mandate.kind_ending",
            (false, false) => "mandate.kind_recurrent",
        },
        status_key: super::mandates::status_key(v.status),
        revoked: v.status == lastschrift_core::mandates::EffectiveStatus::Revoked,
        revoked_on: detail
            .revocation
            .as_ref()
            .map(|r| tr.date(r.revoked_on))
            .unwrap_or_default(),
        revocation_note: detail
            .revocation
            .as_ref()
            .and_then(|r| r.note.clone())
            .unwrap_or_default(),
        first_collection: v.first_collection.map(|d| tr.date(d)).unwrap_or_default(),
        last_collection: v.last_collection.map(|d| tr.date(d)).unwrap_or_default(),
        source: v.source.to_string(),
        documents: detail
            .documents
            .iter()
            .map(|d| DocumentLine {
                id: d.id,
                file_name: d.file_name.clone(),
                content_type: d.content_type.as_str(),
                size: format!("{} KiB", (d.size_bytes + 1023) / 1024),
                uploaded_at: tr.datetime(d.uploaded_at),
                uploaded_by: d.uploaded_by.clone().unwrap_or_default(),
            })
            .collect(),
        debits: detail.debits.len(),
        error,
        notice,
    })?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let notice = match query.done.as_deref() {
        Some("revoked") => Some("mandate.revoked_notice"),
        Some("attached") => Some("mandate.attached_notice"),
        _ => None,
    };
    show_page(&state, &ctx, &query.reference, None, notice).await
}

#[derive(Deserialize)]
pub struct RevokeForm {
    reference: String,
    #[serde(default)]
    revoked_on: String,
    #[serde(default)]
    note: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<RevokeForm>,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let result = state
        .app()
        .revoke_mandate(&form.reference, Some(&form.revoked_on), Some(&form.note))
        .await;
    match result {
        Ok((mandate, _)) => {
            state.changed();
            Ok(
                Redirect::to(&format!("{}&done=revoked", show_url(&mandate.reference)))
                    .into_response(),
            )
        }
        Err(CoreError::Mandate(lastschrift_core::mandates::MandateError::UnknownMandate(_))) => {
            Err(WebError::NotFound)
        }
        Err(error) if error.is_input_problem() => {
            let message = ctx.tr().error(&error);
            show_page(&state, &ctx, &form.reference, Some(message), None).await
        }
        Err(error) => Err(error.into()),
    }
}

/// The upload form: `reference`, `file` (the scan), `csrf` (checked by the guard).
pub async fn upload(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    request: Request,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let mut form = Multipart::from_request(request, &state)
        .await
        .map_err(|_| WebError::BadUpload)?;
    let mut reference = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut unreadable = false;
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                unreadable = true;
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let Ok(bytes) = field.bytes().await else {
            unreadable = true;
            break;
        };
        match name.as_str() {
            "reference" => reference = String::from_utf8_lossy(&bytes).trim().to_string(),
            "file" => file = Some((file_name, bytes.to_vec())),
            _ => {}
        }
    }
    if reference.is_empty() {
        return Err(WebError::NotFound);
    }
    let tr = ctx.tr();
    let (file_name, bytes) = match file {
        Some(file) if !unreadable => file,
        _ => {
            let message = tr.t("mandates.upload_unreadable").to_owned();
            return show_page(&state, &ctx, &reference, Some(message), None).await;
        }
    };
    let uploader = ctx.user.as_ref().map(|u| u.username.clone());
    match state
        .app()
        .attach_mandate_document(&reference, &file_name, bytes, uploader.as_deref())
        .await
    {
        Ok(info) => Ok(Redirect::to(&format!(
            "{}&done=attached",
            show_url(&info.mandate_reference)
        ))
        .into_response()),
        Err(CoreError::Mandate(lastschrift_core::mandates::MandateError::UnknownMandate(_))) => {
            Err(WebError::NotFound)
        }
        Err(error) if error.is_input_problem() => {
            let message = tr.error(&error);
            show_page(&state, &ctx, &reference, Some(message), None).await
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Deserialize)]
pub struct DocumentQuery {
    reference: String,
    id: i64,
}

pub async fn document(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<DocumentQuery>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let document = state
        .app()
        .mandate_document(&query.reference, query.id)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok(download(
        document.bytes,
        &document.info.file_name,
        document.info.content_type.as_str(),
    ))
}
