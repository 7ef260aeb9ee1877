//! Handlers, one file per area. Each takes the [`Ctx`] the guard filled in, checks the role it
//! needs, calls the store or a use case, and renders a template.

pub mod assets;
pub mod bank;
pub mod dashboard;
pub mod invoices;
pub mod login;
pub mod mandate;
pub mod mandates;
pub mod notify;
pub mod requests;
pub mod runs;
pub mod settings;
pub mod sync;
pub mod users;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::i18n::{Lang, Tr};
use super::{Ctx, WebError};
use lastschrift_core::store::Role;

/// What the layout (`base.html`) needs on every page.
pub struct Base {
    pub tr: Tr,
    pub csrf: String,
    pub username: Option<String>,
    pub role_key: &'static str,
    pub is_admin: bool,
    pub can_prepare: bool,
    /// Which navigation entry is current.
    pub nav: &'static str,
    pub path: String,
    /// A one-line message at the top (e.g. "Saved.").
    pub notice: Option<String>,
    /// The largest upload the server takes: the browser refuses a bigger file before sending
    /// it (a refusal from the server mid-upload shows as a broken connection).
    pub max_upload_bytes: usize,
}

impl Base {
    pub fn new(ctx: &Ctx, nav: &'static str) -> Base {
        let role = ctx.user.as_ref().map(|u| u.role);
        Base {
            tr: ctx.tr(),
            csrf: ctx.csrf.clone(),
            username: ctx.user.as_ref().map(|u| u.username.clone()),
            role_key: match role {
                Some(Role::Admin) => "role.admin",
                Some(Role::Preparer) => "role.preparer",
                _ => "role.viewer",
            },
            is_admin: role == Some(Role::Admin),
            can_prepare: matches!(role, Some(Role::Admin | Role::Preparer)),
            nav,
            path: ctx.path.clone(),
            notice: None,
            max_upload_bytes: crate::MAX_UPLOAD_BYTES,
        }
    }

    pub fn notice(mut self, text: impl Into<String>) -> Base {
        self.notice = Some(text.into());
        self
    }
}

pub fn render(template: &impl Template) -> Result<Response, WebError> {
    Ok(Html(template.render()?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    german: &'static str,
    english: &'static str,
}

/// The error page, in both languages (errors are rendered where the user's language may not be
/// known).
pub fn error_page(key: &str) -> Response {
    let page = ErrorPage {
        german: Tr::new(Lang::De).t(key),
        english: Tr::new(Lang::En).t(key),
    };
    match page.render() {
        Ok(html) => Html(html).into_response(),
        Err(_) => "error".into_response(),
    }
}

pub async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, error_page("error.not_found")).into_response()
}

/// A file download: exact bytes, a safe file name, never rendered inline.
pub fn download(bytes: Vec<u8>, file_name: &str, content_type: &'static str) -> Response {
    let safe: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Page numbers for a list of `total` items, `size` per page.
pub struct Pager {
    pub page: u32,
    pub pages: u32,
    pub total: i64,
}

impl Pager {
    pub fn new(page: u32, size: u32, total: i64) -> Pager {
        let pages = u32::try_from((total.max(0) + i64::from(size) - 1) / i64::from(size))
            .unwrap_or(u32::MAX)
            .max(1);
        Pager {
            page: page.min(pages - 1),
            pages,
            total,
        }
    }

    /// 1-based, for display.
    pub fn shown(&self) -> u32 {
        self.page + 1
    }

    pub fn has_previous(&self) -> bool {
        self.page > 0
    }

    pub fn has_next(&self) -> bool {
        self.page + 1 < self.pages
    }
}
