//! Users and roles (administrators only).

use askama::Template;
use axum::Extension;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Base, render};
use crate::store::{NewUser, Role, StoreError};
use crate::web::{AppState, Ctx, WebError, auth};

pub struct UserLine {
    pub id: i64,
    pub username: String,
    pub role_key: &'static str,
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
