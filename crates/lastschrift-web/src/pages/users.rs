//! Users and roles (administrators only), and every user's own account page (password change).

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Base, render};
use crate::{AppState, Ctx, WebError};
use lastschrift_core::CoreError;
use lastschrift_core::store::{Role, StoreError};
use lastschrift_core::users::UserError;

pub struct UserLine {
    pub id: i64,
    pub username: String,
    pub role_key: &'static str,
    /// `admin`, `preparer` or `viewer`: preselects the role form.
    pub role: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    b: Base,
    users: Vec<UserLine>,
    errors: Vec<&'static str>,
    me: i64,
}

fn role_key(role: Role) -> &'static str {
    match role {
        Role::Admin => "role.admin",
        Role::Preparer => "role.preparer",
        Role::Viewer => "role.viewer",
    }
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    errors: Vec<&'static str>,
) -> Result<Response, WebError> {
    let me = ctx.require(Role::Admin)?.id;
    let tr = ctx.tr();
    let users = state.app().users().await?;
    let failed = !errors.is_empty();
    let mut response = render(&UsersPage {
        b: Base::new(ctx, "users"),
        users: users
            .into_iter()
            .map(|u| UserLine {
                id: u.id,
                username: u.username,
                role_key: role_key(u.role),
                role: u.role.to_string(),
                created: tr.datetime(u.created_at),
            })
            .collect(),
        errors,
        me,
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
    page(&state, &ctx, Vec::new()).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    username: String,
    password: String,
    role: String,
}

pub async fn create(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<NewUserForm>,
) -> Result<Response, WebError> {
    ctx.require(Role::Admin)?;
    // A value the form never offers (a tampered or outdated page): say so, not "no such page".
    let Ok(role) = form.role.parse::<Role>() else {
        let mut response = page(&state, &ctx, vec!["users.invalid_role"]).await?;
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    };
    match state
        .app()
        .create_user(&form.username, &form.password, role)
        .await
    {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(CoreError::User(e)) => {
            let mut response = page(&state, &ctx, vec![super::login::user_error_key(&e)]).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    ctx.require(Role::Admin)?;
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    match state.app().delete_user(id).await {
        Ok(()) => {}
        Err(CoreError::Store(StoreError::LastAdmin)) => {
            return page(&state, &ctx, vec!["users.last_admin"]).await;
        }
        Err(CoreError::Store(StoreError::NotFound { .. })) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    state.forget_user(id);
    Ok(Redirect::to("/users").into_response())
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

/// Changes a user's role. The session cache holds users with their role, so the user's entries
/// are dropped: the new role counts from the next request on.
pub async fn role(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, WebError> {
    ctx.require(Role::Admin)?;
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    // A value the form never offers (a tampered or outdated page): say so, not "no such page".
    let Ok(role) = form.role.parse::<Role>() else {
        let mut response = page(&state, &ctx, vec!["users.invalid_role"]).await?;
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(response);
    };
    match state.app().set_user_role(id, role).await {
        Ok(()) => {}
        Err(CoreError::Store(StoreError::LastAdmin)) => {
            return page(&state, &ctx, vec!["users.last_admin_role"]).await;
        }
        Err(CoreError::Store(StoreError::NotFound { .. })) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    state.forget_user(id);
    Ok(Redirect::to("/users").into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

/// An administrator sets a new password for another user (who forgot theirs); every session of
/// that user ends.
pub async fn reset_password(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, WebError> {
    let admin = ctx.require(Role::Admin)?.clone();
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    match state.app().reset_password(id, &form.password).await {
        Ok(()) => {}
        Err(CoreError::User(UserError::NotFound)) => return Err(WebError::NotFound),
        Err(CoreError::User(e)) => {
            let mut response = page(&state, &ctx, vec![super::login::user_error_key(&e)]).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
        Err(e) => return Err(e.into()),
    }
    tracing::info!(by = %admin.username, user_id = id, "password reset by an administrator");
    state.forget_user(id);
    Ok(Redirect::to("/users?reset=1").into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    b: Base,
    errors: Vec<&'static str>,
}

#[derive(Deserialize)]
pub struct AccountQuery {
    #[serde(default)]
    changed: Option<String>,
}

fn account_page(
    ctx: &Ctx,
    errors: Vec<&'static str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let mut response = render(&AccountPage {
        b: Base::new(ctx, "account"),
        errors,
    })?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn account(
    Extension(ctx): Extension<Ctx>,
    Query(query): Query<AccountQuery>,
) -> Result<Response, WebError> {
    ctx.require(Role::Viewer)?;
    let mut b = Base::new(&ctx, "account");
    if query.changed.is_some() {
        b = b.notice(ctx.tr().t("account.changed"));
    }
    render(&AccountPage {
        b,
        errors: Vec::new(),
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    new2: String,
}

/// The logged-in user's own password: the current one is required (and wrong guesses are
/// limited per session, so a left-open session is no brute-force oracle). Afterwards
/// every session of the user is ended and this browser gets a fresh one.
pub async fn password(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let user = ctx.require(Role::Viewer)?.clone();
    // Guesses are limited per session: failed logins at the form (from anywhere) do not keep
    // the owner's open session from changing the password.
    let Some(session) = ctx.session_token() else {
        return Err(WebError::Unauthenticated);
    };
    let attempt = match crate::auth::Attempt::begin(
        &state.inner().limiter,
        crate::auth::Subject::Session(session.hash()),
        ctx.client_ip,
    ) {
        Ok(attempt) => attempt,
        Err(_) => {
            return account_page(&ctx, vec!["login.limited"], StatusCode::TOO_MANY_REQUESTS);
        }
    };
    if form.new != form.new2 {
        return account_page(
            &ctx,
            vec!["admin.mismatch"],
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    // The current password is checked against the stored hash, not the cached user's: it may
    // have changed within the cache window.
    match state
        .app()
        .change_password(user.id, &form.current, &form.new)
        .await
    {
        Ok(true) => {}
        Ok(false) => {
            attempt.failed();
            return account_page(
                &ctx,
                vec!["account.wrong_current"],
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Err(CoreError::User(e)) => {
            return account_page(
                &ctx,
                vec![super::login::user_error_key(&e)],
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Err(e) => return Err(e.into()),
    }
    state.forget_user(user.id);
    super::login::start_session(&state, &ctx, user.id, "/account?changed=1").await
}
