//! Login, logout, the first administrator, the language switch.

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Base, render};
use crate::auth::{Attempt, Subject};
use crate::i18n::Lang;
use crate::{AppState, Ctx, WebError, auth};
use lastschrift_core::CoreError;
use lastschrift_core::users::UserError;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    b: Base,
    username: String,
    error: Option<&'static str>,
}

pub async fn form(Extension(ctx): Extension<Ctx>) -> Result<Response, WebError> {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    render(&LoginPage {
        b: Base::new(&ctx, "login"),
        username: String::new(),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub async fn submit(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let username = form.username.trim().to_owned();
    let refuse = |key: &'static str, status: StatusCode| -> Result<Response, WebError> {
        let mut response = render(&LoginPage {
            b: Base::new(&ctx, "login"),
            username: username.clone(),
            error: Some(key),
        })?;
        *response.status_mut() = status;
        Ok(response)
    };
    let attempt = match Attempt::begin(
        &state.inner().limiter,
        Subject::account(&username),
        ctx.client_ip,
    ) {
        Ok(attempt) => attempt,
        Err(wait) => {
            tracing::warn!(
                username = %username,
                client = ?ctx.client_ip,
                wait_seconds = auth::wait_seconds(wait),
                "login refused: too many failed attempts"
            );
            let mut response = refuse("login.limited", StatusCode::TOO_MANY_REQUESTS)?;
            if let Ok(value) = HeaderValue::from_str(&auth::wait_seconds(wait).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return Ok(response);
        }
    };
    let user = state.app().check_login(&username, &form.password).await?;
    let Some(user) = user else {
        attempt.failed();
        tracing::warn!(username = %username, client = ?ctx.client_ip, "login failed");
        return refuse("login.failed", StatusCode::UNAUTHORIZED);
    };
    attempt.succeeded();
    tracing::info!(username = %user.username, client = ?ctx.client_ip, "login");
    start_session(&state, &ctx, user.id, "/").await
}

/// A new session for `user_id`: a fresh random token (never the pre-session one), its hash in the
/// store, the cookie on the redirect.
pub(super) async fn start_session(
    state: &AppState,
    ctx: &Ctx,
    user_id: i64,
    to: &str,
) -> Result<Response, WebError> {
    // A session this browser still had ends: logging in again must not leave the old token
    // valid (someone who saw it would stay logged in).
    if let Some(old) = ctx.session_token() {
        let hash = old.hash();
        state.app().end_session(&hash).await?;
        state.forget_session(&hash);
    }
    let token = state.app().start_session(user_id).await?;
    let mut response = Redirect::to(to).into_response();
    let cookie = auth::set_cookie(
        auth::SESSION_COOKIE,
        token.expose(),
        Some(auth::SESSION_LIFETIME.num_seconds()),
        ctx.secure,
    );
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| WebError::Internal(e.into()))?,
    );
    Ok(response)
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, WebError> {
    if let Some(token) = ctx.session_token() {
        let hash = token.hash();
        state.app().end_session(&hash).await?;
        state.forget_session(&hash);
    }
    let mut response = Redirect::to("/login").into_response();
    let cookie = auth::set_cookie(auth::SESSION_COOKIE, "", Some(0), ctx.secure);
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| WebError::Internal(e.into()))?,
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "setup_admin.html")]
struct AdminPage {
    b: Base,
    username: String,
    errors: Vec<&'static str>,
}

pub async fn admin_form(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Result<Response, WebError> {
    if state.app().has_users().await? {
        return Ok(Redirect::to("/login").into_response());
    }
    render(&AdminPage {
        b: Base::new(&ctx, "setup"),
        username: String::new(),
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
pub struct AdminForm {
    username: String,
    password: String,
    password2: String,
}

pub async fn admin_submit(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<AdminForm>,
) -> Result<Response, WebError> {
    // Only while no user exists: afterwards this form must not create anyone. (The store decides
    // that atomically; this early answer only saves the password hashing.)
    if state.app().has_users().await? {
        return Err(WebError::Forbidden);
    }
    let mut errors = Vec::new();
    if form.password != form.password2 {
        errors.push("admin.mismatch");
    }
    let user = if errors.is_empty() {
        match state
            .app()
            .create_first_admin(&form.username, &form.password)
            .await
        {
            Ok(user) => Some(user),
            // Two first-start forms sent at once: the other one won.
            Err(CoreError::User(UserError::AlreadySetUp)) => return Err(WebError::Forbidden),
            Err(CoreError::User(e)) => {
                errors.push(user_error_key(&e));
                None
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let Some(user) = user else {
        let mut response = render(&AdminPage {
            b: Base::new(&ctx, "setup"),
            username: form.username.trim().to_owned(),
            errors,
        })?;
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    };
    state.users_exist();
    state.set_language(user.id, ctx.lang).await?;
    start_session(&state, &ctx, user.id, "/settings").await
}

/// The catalogue key of a user error (`admin.*` texts are shared by the forms that create users).
pub(super) fn user_error_key(error: &UserError) -> &'static str {
    match error {
        UserError::UsernameEmpty => "admin.username_empty",
        UserError::UsernameInvalid => "admin.username_invalid",
        UserError::PasswordTooShort => "admin.short",
        UserError::UsernameTaken => "users.taken",
        UserError::AlreadySetUp => "error.forbidden",
        UserError::LastAdmin => "users.last_admin",
        UserError::NotFound => "error.not_found",
    }
}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    back: String,
}

pub async fn language(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<LanguageForm>,
) -> Result<Response, WebError> {
    let user = ctx.user.as_ref().ok_or(WebError::Unauthenticated)?;
    let lang = Lang::from_code(&form.lang).ok_or(WebError::InvalidChoice)?;
    state.set_language(user.id, lang).await?;
    Ok(Redirect::to(local_path(&form.back)).into_response())
}

/// `back` if it is a path on this server, else `/`: never an open redirect. Browsers read
/// `/\\host`, `/\thost` (tabs and line breaks are dropped) and `//host` as another host, and a
/// line break in a header is a 500; only printable ASCII without a backslash is let through.
pub(crate) fn local_path(back: &str) -> &str {
    let bytes = back.as_bytes();
    let local = bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && bytes.iter().all(|b| b.is_ascii_graphic() && *b != b'\\');
    if local { back } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn the_language_switch_goes_back_only_to_a_local_path() {
        for ok in ["/", "/invoices?page=2&q=M%C3%BCller", "/runs/3"] {
            assert_eq!(local_path(ok), ok);
        }
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/a\\b",
            "https://evil.example",
            "evil",
            "",
            "/ü",
            "/a b",
        ] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }
}
