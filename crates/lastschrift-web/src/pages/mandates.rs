//! Mandates: the registry (list, edit signature date / scheme / status), CSV import with a result
//! per row, the customers who pay by direct debit but lack mandate data, and the mandate forms to
//! sign for them (a PDF; the references the forms name are reserved).

use askama::Template;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;

use super::{Base, download, render};
use crate::{AppState, Ctx, WebError};
use lastschrift_core::CoreError;
use lastschrift_core::mandates::{EditError, EffectiveStatus, FormRequest, RowOutcome};
use lastschrift_core::store::{MandateEdit, MandateStatus, Role, Scheme};

pub struct MandateLine {
    pub reference: String,
    pub customer: String,
    pub signature_date: String,
    pub scheme: String,
    pub status_key: &'static str,
    pub last_collection: String,
    pub source: String,
}

pub struct NeedsLine {
    pub contact_id: i64,
    /// The first line of its contact that a mandate form fixes: the one with the form button.
    pub first_of_contact: bool,
    pub customer: String,
    pub invoice: String,
    pub amount: String,
    pub reason: String,
}

pub struct ImportLine {
    pub row: u64,
    pub reference: String,
    pub outcome: String,
    pub error: bool,
}

#[derive(Template)]
#[template(path = "mandates.html")]
struct MandatesPage {
    b: Base,
    mandates: Vec<MandateLine>,
    needs: Vec<NeedsLine>,
    import_rows: Vec<ImportLine>,
    import_error: Option<String>,
    import_summary: Option<String>,
    /// Why the mandate forms asked for were not made.
    forms_error: Option<String>,
}

pub(super) fn status_key(status: EffectiveStatus) -> &'static str {
    match status {
        EffectiveStatus::Active => "mandates.active",
        EffectiveStatus::Expired => "mandates.expired",
        EffectiveStatus::Revoked => "mandates.revoked",
    }
}

/// What a form of the page brought back: the import's rows, or why it or the mandate forms
/// failed.
#[derive(Default)]
struct Outcome {
    import_rows: Vec<ImportLine>,
    import_error: Option<String>,
    import_summary: Option<String>,
    forms_error: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    import_rows: Vec<ImportLine>,
    import_error: Option<String>,
    import_summary: Option<String>,
) -> Result<Response, WebError> {
    page_with(
        state,
        ctx,
        Outcome {
            import_rows,
            import_error,
            import_summary,
            forms_error: None,
        },
    )
    .await
}

async fn page_with(state: &AppState, ctx: &Ctx, outcome: Outcome) -> Result<Response, WebError> {
    let Outcome {
        import_rows,
        import_error,
        import_summary,
        forms_error,
    } = outcome;
    ctx.require(Role::Viewer)?;
    let tr = ctx.tr();
    let app = state.app();
    let views = app.mandates(app.bank_today()).await?;
    // The planner decides who lacks mandate data; a plan that cannot be made lists nobody.
    let mut seen = std::collections::HashSet::new();
    let needs = match app.needs_mandate().await {
        Ok(exclusions) => exclusions
            .iter()
            .map(|e| NeedsLine {
                contact_id: e.contact_id,
                // Only where a signed mandate is the fix (not for an invalid IBAN alone).
                first_of_contact: e.reason.calls_for_mandate_form() && seen.insert(e.contact_id),
                customer: e
                    .contact_name
                    .clone()
                    .unwrap_or_else(|| format!("#{}", e.contact_id)),
                invoice: e
                    .invoice_number
                    .clone()
                    .unwrap_or_else(|| format!("#{}", e.invoice_id)),
                amount: tr.money(e.amount_cents),
                reason: if tr.de() {
                    e.reason.german()
                } else {
                    e.reason.english()
                },
            })
            .collect(),
        Err(error) => {
            tracing::info!(error = %error, "no plan for the needs-mandate list");
            Vec::new()
        }
    };
    let failed = import_error.is_some() || forms_error.is_some();
    let mut response = render(&MandatesPage {
        b: Base::new(ctx, "mandates"),
        mandates: views
            .into_iter()
            .map(|v| MandateLine {
                reference: v.reference,
                customer: v
                    .contact_name
                    .unwrap_or_else(|| format!("#{}", v.contact_id)),
                signature_date: v.signature_date.map(|d| tr.date(d)).unwrap_or_default(),
                scheme: v.scheme.to_string(),
                status_key: status_key(v.status),
                last_collection: v.last_collection.map(|d| tr.date(d)).unwrap_or_default(),
                source: v.source.to_string(),
            })
            .collect(),
        needs,
        import_rows,
        import_error,
        import_summary,
        forms_error,
    })?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

pub async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, WebError> {
    page(&state, &ctx, Vec::new(), None, None).await
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    csv: String,
}

/// What the import form brought: the uploaded file if one was chosen, else the pasted text.
enum ImportInput {
    Csv(Vec<u8>),
    /// A page key: why there is nothing to import, and the status to answer with.
    Refused(&'static str, StatusCode),
}

/// Reads the import form: `multipart/form-data` (file field `file`, text field `csv`) from the
/// page, or `application/x-www-form-urlencoded` (`csv` only) from scripts and older pages.
async fn import_input(state: &AppState, request: Request) -> Result<ImportInput, Response> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (file, pasted) = if multipart {
        let mut form = Multipart::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut file = Vec::new();
        let mut pasted = Vec::new();
        loop {
            let field = match form.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(_) => {
                    return Ok(ImportInput::Refused(
                        "mandates.upload_unreadable",
                        StatusCode::BAD_REQUEST,
                    ));
                }
            };
            let name = field.name().unwrap_or_default().to_owned();
            let Ok(bytes) = field.bytes().await else {
                return Ok(ImportInput::Refused(
                    "mandates.upload_unreadable",
                    StatusCode::BAD_REQUEST,
                ));
            };
            match name.as_str() {
                "file" => file = bytes.to_vec(),
                "csv" => pasted = bytes.to_vec(),
                _ => {}
            }
        }
        (file, pasted)
    } else {
        let Form(form) = Form::<ImportForm>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        (Vec::new(), form.csv.into_bytes())
    };
    let csv = if file.is_empty() { pasted } else { file };
    if csv.len() > crate::MAX_UPLOAD_BYTES {
        return Ok(ImportInput::Refused(
            "mandates.upload_too_large",
            StatusCode::PAYLOAD_TOO_LARGE,
        ));
    }
    if csv.iter().all(u8::is_ascii_whitespace) {
        return Ok(ImportInput::Refused(
            "mandates.import_empty",
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    Ok(ImportInput::Csv(csv))
}

pub async fn import(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    request: Request,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let csv = match import_input(&state, request).await {
        Ok(ImportInput::Csv(csv)) => csv,
        Ok(ImportInput::Refused(key, status)) => {
            let message = ctx.tr().t(key).to_owned();
            let mut response = page(&state, &ctx, Vec::new(), Some(message), None).await?;
            *response.status_mut() = status;
            return Ok(response);
        }
        Err(rejection) => return Ok(rejection),
    };
    let Some(_permit) = state.heavy_permit().await else {
        let message = ctx.tr().t("error.busy").to_owned();
        let mut response = page(&state, &ctx, Vec::new(), Some(message), None).await?;
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return Ok(response);
    };
    let result = state
        .app()
        .import_mandates(&csv, state.app().bank_today())
        .await;
    state.changed();
    match result {
        Ok(report) => {
            let summary = format!(
                "+{} ~{} ={} !{}",
                report.created(),
                report.updated(),
                report.unchanged(),
                report.errors()
            );
            let de = ctx.tr().de();
            let rows = report
                .rows
                .into_iter()
                .map(|r| {
                    let (outcome, error) = match r.outcome {
                        RowOutcome::Created => ("created".to_string(), false),
                        RowOutcome::Updated => ("updated".to_string(), false),
                        RowOutcome::Unchanged => ("unchanged".to_string(), false),
                        RowOutcome::Error {
                            message,
                            message_de,
                        } => (if de { message_de } else { message }, true),
                    };
                    ImportLine {
                        row: r.row,
                        reference: r.reference.unwrap_or_default(),
                        outcome,
                        error,
                    }
                })
                .collect();
            page(&state, &ctx, rows, None, Some(summary)).await
        }
        Err(error) => {
            let message = ctx.tr().error(&error);
            page(&state, &ctx, Vec::new(), Some(message), None).await
        }
    }
}

#[derive(Deserialize)]
pub struct ReferenceQuery {
    reference: String,
}

#[derive(Template)]
#[template(path = "mandate_edit.html")]
struct EditPage {
    b: Base,
    reference: String,
    customer: String,
    signature_date: String,
    b2b: bool,
    revoked: bool,
    /// recurrent, one-off or ending (the words the import accepts).
    kind: &'static str,
    error: Option<&'static str>,
}

fn kind_word(one_off: bool, ending: bool) -> &'static str {
    match (one_off, ending) {
        (true, _) => "one-off",
        (false, true) => "ending",
        (false, false) => "recurrent",
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<ReferenceQuery>,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let detail = state
        .app()
        .mandate(&query.reference, state.app().bank_today())
        .await?
        .ok_or(WebError::NotFound)?;
    let customer = detail.view.contact_name.clone().unwrap_or_default();
    let mandate = state
        .app()
        .mandate_record(&detail.view.reference)
        .await?
        .ok_or(WebError::NotFound)?;
    render(&EditPage {
        b: Base::new(&ctx, "mandates"),
        reference: mandate.reference,
        customer,
        signature_date: mandate
            .signature_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
        b2b: mandate.scheme == Scheme::B2b,
        revoked: mandate.status == MandateStatus::Revoked,
        kind: kind_word(mandate.one_off, mandate.ending),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct EditForm {
    reference: String,
    #[serde(default)]
    signature_date: String,
    scheme: String,
    status: String,
    /// Absent from older pages: the kind stays as it is.
    #[serde(default)]
    kind: String,
}

pub async fn edit_submit(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<EditForm>,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let mandate = state
        .app()
        .mandate_record(&form.reference)
        .await?
        .ok_or(WebError::NotFound)?;
    let refuse = |ctx: &Ctx, key: &'static str| -> Result<Response, WebError> {
        let mut response = render(&EditPage {
            b: Base::new(ctx, "mandates"),
            reference: mandate.reference.clone(),
            customer: String::new(),
            signature_date: form.signature_date.clone(),
            b2b: form.scheme == "B2B",
            revoked: form.status == "revoked",
            kind: kind_word(form.kind == "one-off", form.kind == "ending"),
            error: Some(key),
        })?;
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok(response)
    };
    let date = form.signature_date.trim();
    let signature_date = if date.is_empty() {
        None
    } else {
        match lastschrift_core::dates::parse_date(date) {
            Some(d) => Some(d),
            None => return refuse(&ctx, "mandates.invalid_date"),
        }
    };
    // A value the form does not offer is named, not answered with "page not found".
    let (Ok(scheme), Ok(status)) = (
        form.scheme.parse::<Scheme>(),
        form.status.parse::<MandateStatus>(),
    ) else {
        return refuse(&ctx, "settings.invalid_choice");
    };
    let kind = match form.kind.trim() {
        "" => None,
        word => match lastschrift_core::mandates::kind_flags(word) {
            Some(flags) => Some(flags),
            None => return refuse(&ctx, "settings.invalid_choice"),
        },
    };
    // Only what the form changed is written, so a concurrent edit of another field survives.
    let edit = MandateEdit {
        signature_date: (signature_date != mandate.signature_date).then_some(signature_date),
        scheme: (scheme != mandate.scheme).then_some(scheme),
        status: (status != mandate.status).then_some(status),
        one_off: kind
            .map(|(one_off, _)| one_off)
            .filter(|one_off| *one_off != mandate.one_off),
        ending: kind
            .map(|(_, ending)| ending)
            .filter(|ending| *ending != mandate.ending),
    };
    if edit.is_empty() {
        return Ok(Redirect::to("/mandates").into_response());
    }
    match state.app().edit_mandate(&mandate.reference, &edit).await {
        Ok(_) => {}
        Err(CoreError::Edit(EditError::SignatureInFuture { .. })) => {
            return refuse(&ctx, "mandates.future_date");
        }
        Err(e) => return Err(e.into()),
    }
    state.changed();
    Ok(Redirect::to("/mandates").into_response())
}

#[derive(Deserialize)]
pub struct FormsForm {
    /// One contact (its button in the list); none: every contact on the list.
    #[serde(default)]
    contact: Option<String>,
    /// `CORE` or `B2B`; empty: a reservation's scheme, else CORE.
    #[serde(default)]
    scheme: Option<String>,
}

/// The mandate forms to sign as one PDF (a page per contact), for one contact of the
/// needs-mandate list or all of them; the references they name are reserved.
pub async fn forms(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<FormsForm>,
) -> Result<Response, WebError> {
    ctx.require(Role::Preparer)?;
    let contact = match form.contact.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => Some(id.parse::<i64>().map_err(|_| WebError::InvalidChoice)?),
    };
    let scheme = match form.scheme.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<Scheme>()
                .map_err(|_| WebError::InvalidChoice)?,
        ),
    };
    let request = FormRequest {
        contacts: contact.map(|id| vec![id]),
        scheme,
        one_off: None,
    };
    let result = state.app().mandate_forms(&request).await;
    state.changed();
    let tr = ctx.tr();
    let message = match result {
        Ok(mut batch) => match batch.pdf.take() {
            Some(pdf) => {
                let name = match batch.forms.as_slice() {
                    [one] => format!("Mandat-{}.pdf", one.reference),
                    _ => "Mandatsformulare.pdf".to_owned(),
                };
                tracing::info!(
                    forms = batch.forms.len(),
                    newly_reserved = batch.newly_reserved(),
                    "mandate forms made"
                );
                return Ok(download(pdf, &name, "application/pdf"));
            }
            None => {
                let reasons: Vec<String> = batch
                    .skipped
                    .iter()
                    .map(|s| {
                        format!(
                            "{}: {}",
                            s.contact_name
                                .clone()
                                .unwrap_or_else(|| format!("#{}", s.contact_id)),
                            s.reason.in_language(tr.de())
                        )
                    })
                    .collect();
                format!("{} {}", tr.t("mandates.forms_none"), reasons.join(" · "))
            }
        },
        Err(error) if error.is_input_problem() || matches!(error, CoreError::Form(_)) => {
            tr.error(&error)
        }
        Err(error) => return Err(error.into()),
    };
    page_with(
        &state,
        &ctx,
        Outcome {
            forms_error: Some(message),
            ..Outcome::default()
        },
    )
    .await
}
