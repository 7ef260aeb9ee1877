//! Users and roles (administrators only), and every user's own account page (password change).

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Base, render};
use crate::{AppState, Ctx, WebError, auth};
use lastschrift_core::store::{NewUser, Role, StoreError};

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
    let users = state.store().users().await?;
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
    let username = form.username.trim().to_owned();
    let mut errors = Vec::new();
    if username.is_empty() {
        errors.push("admin.username_empty");
    }
    if form.password.chars().count() < auth::MIN_PASSWORD_CHARS {
        errors.push("admin.short");
    }
    let role: Role = form.role.parse().map_err(|_| WebError::NotFound)?;
    if !errors.is_empty() {
        return page(&state, &ctx, errors).await;
    }
    let hash = auth::hash_password(&form.password)
        .map_err(|e| WebError::Internal(anyhow::anyhow!("hashing failed: {e}")))?;
    match state
        .store()
        .create_user(&NewUser {
            username,
            password_hash: hash,
            role,
        })
        .await
    {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(StoreError::Conflict(_)) => page(&state, &ctx, vec!["users.taken"]).await,
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
    let users = state.store().users().await?;
    let target = users
        .iter()
        .find(|u| u.id == id)
        .ok_or(WebError::NotFound)?;
    let admins = users.iter().filter(|u| u.role == Role::Admin).count();
    if target.role == Role::Admin && admins <= 1 {
        return page(&state, &ctx, vec!["users.last_admin"]).await;
    }
    state.store().delete_user(id).await?;
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
    let role: Role = form.role.parse().map_err(|_| WebError::NotFound)?;
    let users = state.store().users().await?;
    let target = users
        .iter()
        .find(|u| u.id == id)
        .ok_or(WebError::NotFound)?;
    let admins = users.iter().filter(|u| u.role == Role::Admin).count();
    if target.role == Role::Admin && role != Role::Admin && admins <= 1 {
        return page(&state, &ctx, vec!["users.last_admin_role"]).await;
    }
    state.store().set_user_role(id, role).await?;
    state.forget_user(id);
    Ok(Redirect::to("/users").into_response())
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

/// The logged-in user's own password: the current one is required (and wrong guesses count
/// against the login rate limit, so a left-open session is no brute-force oracle). Afterwards
/// every session of the user is ended and this browser gets a fresh one.
pub async fn password(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, WebError> {
    let me = ctx.require(Role::Viewer)?;
    // The stored hash, not the cached user's: it may have changed within the cache window.
    let user = state
        .store()
        .user(me.id)
        .await?
        .ok_or(WebError::Unauthenticated)?;
    let now = std::time::Instant::now();
    let allowed =
        state
            .inner()
            .limiter
            .lock()
            .expect("lock")
            .allowed(&user.username, ctx.client_ip, now);
    if !allowed {
        return account_page(&ctx, vec!["login.limited"], StatusCode::TOO_MANY_REQUESTS);
    }
    if !auth::verify_password(&form.current, &user.password_hash) {
        state
            .inner()
            .limiter
            .lock()
            .expect("lock")
            .failed(&user.username, ctx.client_ip, now);
        return account_page(
            &ctx,
            vec!["account.wrong_current"],
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let mut errors = Vec::new();
    if form.new.chars().count() < auth::MIN_PASSWORD_CHARS {
        errors.push("admin.short");
    }
    if form.new != form.new2 {
        errors.push("admin.mismatch");
    }
    if !errors.is_empty() {
        return account_page(&ctx, errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let hash = auth::hash_password(&form.new)
        .map_err(|e| WebError::Internal(anyhow::anyhow!("hashing failed: {e}")))?;
    state.store().set_user_password_hash(user.id, &hash).await?;
    state.store().delete_sessions_of_user(user.id).await?;
    state.forget_user(user.id);
    super::login::start_session(&state, &ctx, user.id, "/account?changed=1").await
}
