//! Setup and settings (administrators): creditor data, the sevdesk token, policies; and the
//! field check behind the live validation (`/api/check/{iban,bic,creditor_id}`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form, Json};
use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

use super::{Base, render};
use crate::{AppState, Ctx, WebError};
use lastschrift_core::secret::SevdeskToken;
use lastschrift_core::settings::{
    AddressSettings, CreditorSettings, OutputFormat, Policies, SequenceTypePolicy, SettingsError,
};
use lastschrift_core::store::Role;
use lastschrift_core::{ConnectOutcome, PolicyChanges};

/// What the forms show: the values and, per field, an error.
#[derive(Default)]
pub struct Field {
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    fn of(value: impl Into<String>) -> Field {
        Field {
            value: value.into(),
            error: None,
        }
    }
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    b: Base,
    creditor_done: bool,
    token_done: bool,
    name: Field,
    iban: Field,
    bic: Field,
    creditor_id: Field,
    street: Field,
    building: Field,
    postcode: Field,
    town: Field,
    country: Field,
    token_masked: Option<String>,
    token_error: Option<String>,
    pre_notification_days: Field,
    bank_lead_days: Field,
    max_days_ahead: Field,
    cut_off_time: Field,
    frst_on_first_use: bool,
    sequence_type_error: Option<String>,
    format_02: bool,
    output_format_error: Option<String>,
    partial: bool,
}

/// The page with the current values; `apply` lets a failed form put its own values and errors in.
async fn page(
    state: &AppState,
    ctx: &Ctx,
    notice: Option<&str>,
    apply: impl FnOnce(&mut SettingsPage),
) -> Result<Response, WebError> {
    let settings = state.app().settings().await?.settings;
    let token = state.app().token_masked().await?;
    let creditor = settings.creditor.clone();
    let policies = &settings.policies;
    let mut base = Base::new(ctx, "settings");
    if let Some(notice) = notice {
        base = base.notice(notice);
    }
    let mut page = SettingsPage {
        b: base,
        creditor_done: creditor.is_some(),
        token_done: token.is_some(),
        name: Field::of(
            creditor
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_default(),
        ),
        iban: Field::of(
            creditor
                .as_ref()
                .map(|c| c.iban.clone())
                .unwrap_or_default(),
        ),
        bic: Field::of(
            creditor
                .as_ref()
                .and_then(|c| c.bic.clone())
                .unwrap_or_default(),
        ),
        creditor_id: Field::of(
            creditor
                .as_ref()
                .map(|c| c.creditor_id.clone())
                .unwrap_or_default(),
        ),
        street: Field::of(address_part(&creditor, |a| &a.street)),
        building: Field::of(address_part(&creditor, |a| &a.building)),
        postcode: Field::of(address_part(&creditor, |a| &a.postcode)),
        town: Field::of(address_part(&creditor, |a| &a.town)),
        country: Field::of(address_part(&creditor, |a| &a.country)),
        token_masked: token,
        token_error: None,
        pre_notification_days: Field::of(policies.pre_notification_days.to_string()),
        bank_lead_days: Field::of(policies.bank_lead_days.to_string()),
        max_days_ahead: Field::of(policies.max_days_ahead.to_string()),
        cut_off_time: Field::of(policies.cut_off_time.format("%H:%M").to_string()),
        frst_on_first_use: policies.sequence_type == SequenceTypePolicy::FrstOnFirstUse,
        sequence_type_error: None,
        format_02: policies.output_format == OutputFormat::Pain00800102,
        output_format_error: None,
        partial: policies.collect_partial_remainders,
    };
    apply(&mut page);
    let failed = [
        &page.name,
        &page.iban,
        &page.bic,
        &page.creditor_id,
        &page.street,
        &page.building,
        &page.postcode,
        &page.town,
        &page.country,
        &page.pre_notification_days,
        &page.bank_lead_days,
        &page.max_days_ahead,
        &page.cut_off_time,
    ]
    .iter()
    .any(|f| f.error.is_some())
        || page.token_error.is_some()
        || page.sequence_type_error.is_some()
        || page.output_format_error.is_some();
    let mut response = render(&page)?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

fn address_part(
    creditor: &Option<CreditorSettings>,
    part: impl Fn(&AddressSettings) -> &Option<String>,
) -> String {
    creditor
        .as_ref()
        .and_then(|c| c.address.as_ref())
        .and_then(|a| part(a).clone())
        .unwrap_or_default()
}

pub async fn show(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, WebError> {
    ctx.require(Role::Admin)?;
    page(&state, &ctx, None, |_| {}).await
}

/// Checks one creditor field; `Ok` holds the normalised form, `Err` the sentence in the page's
/// language (the SEPA crate's own, as everywhere else).
fn check_field(kind: &str, value: &str, ctx_de: bool) -> Result<String, String> {
    use sepa::Explain;
    fn say(error: &impl Explain, de: bool) -> String {
        if de {
            format!("Ungültig: {}", error.german())
        } else {
            format!("Invalid: {error}")
        }
    }
    let value = value.trim();
    match kind {
        "iban" => sepa::Iban::parse(value)
            .map(|i| i.to_string())
            .map_err(|e| say(&e, ctx_de)),
        "bic" => sepa::Bic::parse(value)
            .map(|b| b.to_string())
            .map_err(|e| say(&e, ctx_de)),
        "creditor_id" => sepa::CreditorId::parse(value)
            .map(|c| c.to_string())
            .map_err(|e| say(&e, ctx_de)),
        _ => Err(if ctx_de { "Ungültig" } else { "Invalid" }.into()),
    }
}

#[derive(Deserialize)]
pub struct CreditorForm {
    name: String,
    iban: String,
    #[serde(default)]
    bic: String,
    creditor_id: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    building: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    country: String,
}

/// The address as entered: `None` when every field is empty (the address is optional).
fn address_of(form: &CreditorForm) -> Option<AddressSettings> {
    let part = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let address = AddressSettings {
        street: part(&form.street),
        building: part(&form.building),
        postcode: part(&form.postcode),
        town: part(&form.town),
        country: part(&form.country).map(|c| c.to_ascii_uppercase()),
    };
    (address != AddressSettings::default()).then_some(address)
}

/// The address fields with the problems the collection file's builder
/// ([`lastschrift_core::collect::build::creditor`], the same checks a run applies) finds in them, by field.
/// `[street, building, postcode, town, country]`.
fn address_fields(
    app: &lastschrift_core::App,
    policies: &Policies,
    candidate: &CreditorSettings,
    form: &CreditorForm,
    required: &str,
    lang_de: bool,
) -> [Field; 5] {
    let address = candidate.address.clone().unwrap_or_default();
    let mut fields = [
        Field::of(address.street.clone().unwrap_or_default()),
        Field::of(address.building.clone().unwrap_or_default()),
        Field::of(address.postcode.clone().unwrap_or_default()),
        Field::of(address.town.clone().unwrap_or_default()),
        Field::of(address.country.clone().unwrap_or_default()),
    ];
    if candidate.address.is_none() {
        return fields;
    }
    // A structured address needs town and country; without them the builder leaves the
    // address out, so say so here instead of dropping what was typed.
    if address.town.is_none() {
        fields[3].error = Some(required.into());
    }
    if address.country.is_none() {
        fields[4].error = Some(required.into());
    }
    // The builder names the first bad address field only; leaving that field out and asking
    // again finds the next one, so several bad fields are all named at once.
    let mut probe = candidate.clone();
    for _ in 0..fields.len() {
        let Err(problems) = app.check_creditor(&probe, policies) else {
            break;
        };
        let de = lang_de;
        let found = problems.iter().find_map(|problem| {
            let name = problem.field.strip_prefix("creditor.address.")?;
            let index = ["street", "building", "postcode", "town", "country"]
                .iter()
                .position(|n| *n == name)?;
            Some((
                index,
                if de {
                    problem.german.clone()
                } else {
                    problem.english.clone()
                },
            ))
        });
        let Some((index, message)) = found else {
            break;
        };
        if fields[index].error.is_some() {
            break;
        }
        fields[index].error = Some(message);
        let Some(a) = probe.address.as_mut() else {
            break;
        };
        let part = match index {
            0 => &mut a.street,
            1 => &mut a.building,
            2 => &mut a.postcode,
            3 => &mut a.town,
            _ => &mut a.country,
        };
        *part = None;
    }
    // What was typed stays in the form, not the normalised value.
    let typed = [
        &form.street,
        &form.building,
        &form.postcode,
        &form.town,
        &form.country,
    ];
    for (field, typed) in fields.iter_mut().zip(typed) {
        if field.error.is_some() {
            field.value = typed.clone();
        }
    }
    fields
}

pub async fn creditor(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<CreditorForm>,
) -> Result<Response, WebError> {
    ctx.require(Role::Admin)?;
    let de = ctx.tr().de();
    let required = ctx.tr().t("settings.required");
    let field = |kind: &str, value: &str| -> Field {
        if value.trim().is_empty() {
            return Field {
                value: value.into(),
                error: Some(required.into()),
            };
        }
        match check_field(kind, value, de) {
            Ok(normalised) => Field::of(normalised),
            Err(error) => Field {
                value: value.into(),
                error: Some(error),
            },
        }
    };
    let name = if form.name.trim().is_empty() {
        Field {
            value: String::new(),
            error: Some(required.into()),
        }
    } else {
        Field::of(form.name.trim())
    };
    let iban = field("iban", &form.iban);
    let bic = if form.bic.trim().is_empty() {
        Field::of("")
    } else {
        field("bic", &form.bic)
    };
    let creditor_id = field("creditor_id", &form.creditor_id);
    let current = state.app().settings().await?.settings;
    let creditor = CreditorSettings {
        name: name.value.clone(),
        iban: iban.value.clone(),
        bic: (!bic.value.is_empty()).then(|| bic.value.clone()),
        creditor_id: creditor_id.value.clone(),
        address: address_of(&form),
    };
    // The name is checked as a run would write it (refused when it would have to be cut).
    let mut name = name;
    if name.error.is_none()
        && let Err(problems) = state.app().check_creditor(&creditor, &current.policies)
        && let Some(problem) = problems.iter().find(|p| p.field == "creditor.name")
    {
        name.error = Some(if de {
            problem.german.clone()
        } else {
            problem.english.clone()
        });
    }
    let [street, building, postcode, town, country] = address_fields(
        state.app(),
        &current.policies,
        &creditor,
        &form,
        required,
        de,
    );
    if [
        &name,
        &iban,
        &bic,
        &creditor_id,
        &street,
        &building,
        &postcode,
        &town,
        &country,
    ]
    .iter()
    .any(|f| f.error.is_some())
    {
        return page(&state, &ctx, None, |p| {
            p.name = name;
            p.iban = iban;
            p.bic = bic;
            p.creditor_id = creditor_id;
            p.street = street;
            p.building = building;
            p.postcode = postcode;
            p.town = town;
            p.country = country;
        })
        .await;
    }
    state.app().save_creditor(creditor).await?;
    state.changed();
    page(&state, &ctx, Some(ctx.tr().t("settings.saved")), |_| {}).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    token: String,
}

pub async fn sevdesk(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    ctx.require(Role::Admin)?;
    let rejected = ctx.tr().t("settings.token_rejected");
    let token = match SevdeskToken::new(form.token) {
        Ok(token) => token,
        Err(error) => {
            let why = if ctx.tr().de() {
                error.german()
            } else {
                error.to_string()
            };
            return page(&state, &ctx, None, |p| {
                p.token_error = Some(format!("{rejected}: {why}"));
            })
            .await;
        }
    };
    // One read-only call proves the token works before anything is stored.
    let outcome = match state.app().connect(token).await {
        Ok(outcome) => outcome,
        // The client could not be made or the check failed on our side: say why, no 500.
        Err(error) => {
            tracing::warn!(error = ?error, "token check failed");
            let why = ctx.tr().error(&error);
            return page(&state, &ctx, None, |p| {
                p.token_error = Some(format!("{rejected}: {why}"));
            })
            .await;
        }
    };
    match outcome {
        ConnectOutcome::Connected { .. } => {
            page(&state, &ctx, Some(ctx.tr().t("settings.token_ok")), |_| {}).await
        }
        ConnectOutcome::Refused { reason } => {
            page(&state, &ctx, None, |p| {
                p.token_error = Some(format!("{rejected}: {reason}"));
            })
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct PoliciesForm {
    pre_notification_days: String,
    bank_lead_days: String,
    #[serde(default)]
    max_days_ahead: Option<String>,
    cut_off_time: String,
    #[serde(default)]
    sequence_type: Option<String>,
    #[serde(default)]
    output_format: Option<String>,
    #[serde(default)]
    partial: Option<String>,
}

/// The policies form, each field parsed on its own and then checked by the same rules as the
/// configuration file ([`lastschrift_core::settings::Policies::problems`]); every wrong field
/// is named at once and nothing is saved.
pub async fn policies(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<PoliciesForm>,
) -> Result<Response, WebError> {
    ctx.require(Role::Admin)?;
    let tr = ctx.tr();
    let invalid = |text: &str, key: &str| Field {
        value: text.into(),
        error: Some(tr.t(key).into()),
    };
    let number = |text: &str| match text.trim().parse::<u32>() {
        Ok(n) => (Some(n), Field::of(n.to_string())),
        Err(_) => (None, invalid(text, "settings.invalid_number")),
    };
    let (pre_value, mut pre) = number(&form.pre_notification_days);
    let (lead_value, mut lead) = number(&form.bank_lead_days);
    // An older form without the field leaves the value as it is.
    let (ahead_value, mut ahead) = match &form.max_days_ahead {
        Some(text) => number(text),
        None => (None, Field::of("")),
    };
    let cut_off = NaiveTime::parse_from_str(form.cut_off_time.trim(), "%H:%M").ok();
    let cut_off_field = match cut_off {
        Some(_) => Field::of(form.cut_off_time.trim()),
        None => invalid(&form.cut_off_time, "settings.invalid_time"),
    };
    // A choice left out leaves the value as it is; one that is not offered is named.
    let sequence_type = form.sequence_type.as_deref().map(|chosen| match chosen {
        "rcur_only" => Some(SequenceTypePolicy::RcurOnly),
        "frst_on_first_use" => Some(SequenceTypePolicy::FrstOnFirstUse),
        _ => None,
    });
    let output_format = form.output_format.as_deref().map(|chosen| match chosen {
        "pain.008.001.08" => Some(OutputFormat::Pain00800108),
        "pain.008.001.02" => Some(OutputFormat::Pain00800102),
        _ => None,
    });
    let choice_error = |chosen: bool| (!chosen).then(|| tr.t("settings.invalid_choice").to_owned());
    let sequence_type_error = choice_error(sequence_type != Some(None));
    let output_format_error = choice_error(output_format != Some(None));
    let (sequence_type, output_format) = (sequence_type.flatten(), output_format.flatten());
    let changes = PolicyChanges {
        pre_notification_days: pre_value,
        bank_lead_days: lead_value,
        max_days_ahead: ahead_value,
        cut_off_time: cut_off,
        sequence_type,
        output_format,
        collect_partial_remainders: Some(form.partial.is_some()),
    };
    let mut valid = [&pre, &lead, &ahead, &cut_off_field]
        .iter()
        .all(|f| f.error.is_none())
        && sequence_type_error.is_none()
        && output_format_error.is_none();
    // The ranges are checked for every number that parsed, so all wrong fields show at once.
    for problem in state.app().policy_problems(&changes).await? {
        let SettingsError::Rejected {
            key,
            reason,
            german,
        } = problem
        else {
            continue;
        };
        let field = match key {
            "policies.pre_notification_days" => &mut pre,
            "policies.bank_lead_days" => &mut lead,
            "policies.max_days_ahead" => &mut ahead,
            _ => continue,
        };
        field.error = Some(if tr.de() { german } else { reason });
        valid = false;
    }
    if !valid {
        return page(&state, &ctx, None, |p| {
            p.pre_notification_days = pre;
            p.bank_lead_days = lead;
            if form.max_days_ahead.is_some() {
                p.max_days_ahead = ahead;
            }
            p.cut_off_time = cut_off_field;
            p.sequence_type_error = sequence_type_error;
            p.output_format_error = output_format_error;
        })
        .await;
    }
    state.app().save_policies(changes).await?;
    state.changed();
    page(&state, &ctx, Some(tr.t("settings.saved")), |_| {}).await
}

#[derive(Deserialize)]
pub struct CheckQuery {
    #[serde(default)]
    value: String,
}

#[derive(Serialize)]
struct CheckAnswer {
    valid: bool,
    normalized: Option<String>,
    message: Option<String>,
}

/// Live validation for the creditor form (called by `/static/app.js`).
pub async fn check(
    Extension(ctx): Extension<Ctx>,
    Path(kind): Path<String>,
    Query(query): Query<CheckQuery>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    if !matches!(kind.as_str(), "iban" | "bic" | "creditor_id") {
        return Err(WebError::NotFound);
    }
    let answer = match check_field(&kind, &query.value, ctx.tr().de()) {
        Ok(normalized) => CheckAnswer {
            valid: true,
            normalized: Some(normalized),
            message: None,
        },
        Err(message) => CheckAnswer {
            valid: false,
            normalized: None,
            message: Some(message),
        },
    };
    Ok(Json(answer).into_response())
}
