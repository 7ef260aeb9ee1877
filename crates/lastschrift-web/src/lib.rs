//! The web UI (`lastschrift serve`): server-rendered pages on the same use cases as the CLI.
//!
//! Layout:
//! - `mod.rs`: the state, the route table ([`ROUTES`]; the router and the tests read the same
//!   table, so a route cannot be added without the unauthenticated-access test covering it) and
//!   the guard middleware (first start, session, CSRF, security headers);
//! - `auth.rs`: passwords, session tokens, CSRF tokens, the login rate limit;
//! - `i18n.rs`: the German/English catalogue;
//! - `view.rs`: the cached read model behind the dashboard and the invoice list;
//! - `pages/*.rs`: the handlers, one file per area. Each parses its input, calls one method of
//!   the [`App`] (the same one the CLI calls) and renders the result: no SQL, no business rules.
//!
//! Templates are askama (`templates/`): compiled into the binary and checked at build time, so a
//! typo in a field name is a compile error, not a runtime 500; output is HTML-escaped by default.
//! No script is inline: the CSP is `script-src 'self'` and the one small script is
//! `/static/app.js` (live field checks).

pub mod auth;
pub mod i18n;
mod pages;
mod view;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};

use i18n::{Lang, Tr};
use lastschrift_core::store::{Role, Session, User};
use lastschrift_core::users::{self, SessionToken};
use lastschrift_core::{App, CoreError};

pub use view::InvoiceIndex;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Login, first start and static assets.
    Public,
    /// Any logged-in user; the handler checks the role where it matters.
    Session,
}

/// One table drives both the router and [`ROUTES`].
macro_rules! routes {
    ($( $method:ident $path:literal $access:ident => $handler:path ),* $(,)?) => {
        /// Every route: method, path pattern, access. Tests iterate over it.
        pub const ROUTES: &[(&str, &str, Access)] = &[
            $( (stringify!($method), $path, Access::$access) ),*
        ];

        fn add_routes(router: Router<AppState>) -> Router<AppState> {
            router $( .route($path, axum::routing::$method($handler)) )*
        }
    };
}

routes! {
    get "/static/style.css" Public => pages::assets::style,
    get "/static/app.js" Public => pages::assets::script,
    get "/login" Public => pages::login::form,
    post "/login" Public => pages::login::submit,
    get "/setup/admin" Public => pages::login::admin_form,
    post "/setup/admin" Public => pages::login::admin_submit,
    post "/logout" Session => pages::login::logout,
    post "/account/language" Session => pages::login::language,
    get "/" Session => pages::dashboard::show,
    get "/invoices" Session => pages::invoices::list,
    get "/mandates" Session => pages::mandates::list,
    get "/mandates/edit" Session => pages::mandates::edit_form,
    post "/mandates/edit" Session => pages::mandates::edit_submit,
    post "/mandates/import" Session => pages::mandates::import,
    post "/mandates/forms" Session => pages::mandates::forms,
    get "/mandates/new" Session => pages::mandate::new_form,
    post "/mandates/new" Session => pages::mandate::new_submit,
    get "/mandates/show" Session => pages::mandate::show,
    post "/mandates/revoke" Session => pages::mandate::revoke,
    post "/mandates/document" Session => pages::mandate::upload,
    get "/mandates/document" Session => pages::mandate::document,
    get "/run" Session => pages::runs::preview,
    post "/run" Session => pages::runs::confirm,
    get "/runs" Session => pages::runs::archive,
    get "/notify" Session => pages::notify::show,
    post "/notify" Session => pages::notify::send,
    get "/notify/{id}/pdf" Session => pages::notify::letter,
    post "/notify/{id}/release" Session => pages::notify::release,
    get "/bank" Session => pages::bank::show,
    post "/bank/import" Session => pages::bank::import,
    get "/worklist" Session => pages::bank::worklist,
    get "/worklist.csv" Session => pages::bank::worklist_export_csv,
    get "/worklist.json" Session => pages::bank::worklist_export_json,
    post "/worklist/decide" Session => pages::bank::decide,
    get "/runs/{id}" Session => pages::runs::show,
    get "/runs/{id}/files/{file_id}" Session => pages::runs::file,
    get "/runs/{id}/control-list" Session => pages::runs::control_list,
    get "/sync" Session => pages::sync::show,
    post "/sync" Session => pages::sync::start,
    get "/requests" Session => pages::requests::list,
    get "/users" Session => pages::users::list,
    post "/users" Session => pages::users::create,
    post "/users/{id}/delete" Session => pages::users::delete,
    post "/users/{id}/role" Session => pages::users::role,
    post "/users/{id}/password" Session => pages::users::reset_password,
    get "/account" Session => pages::users::account,
    post "/account/password" Session => pages::users::password,
    get "/settings" Session => pages::settings::show,
    post "/settings/creditor" Session => pages::settings::creditor,
    post "/settings/sevdesk" Session => pages::settings::sevdesk,
    post "/settings/policies" Session => pages::settings::policies,
    get "/api/check/{kind}" Session => pages::settings::check,
}

/// Shared state of the web server.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub(crate) struct Inner {
    pub app: App,
    /// Always mark cookies `Secure` (set when the server sits behind TLS without sending
    /// `X-Forwarded-Proto`).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client (the login limits count per
    /// client address; behind a proxy every connection comes from the proxy).
    pub trusted_proxies: Vec<IpAddr>,
    pub limiter: Mutex<auth::LoginLimiter>,
    pub sync_job: Mutex<pages::sync::SyncJob>,
    /// Set once a user exists; users cannot delete the last administrator, so it never resets.
    has_users: AtomicBool,
    /// Bumped by every change made through the UI; the cached read model is rebuilt when it moved.
    generation: AtomicU64,
    pub index_cache: Mutex<Option<view::CachedIndex>>,
    /// Held while the read model is built, so concurrent requests build it once.
    pub index_build: tokio::sync::Mutex<()>,
    /// A background rebuild is running.
    pub index_refreshing: AtomicBool,
    /// Per user: the chosen language, `None` for "follow the browser". Cached: it is read on
    /// every request.
    languages: Mutex<HashMap<i64, Option<Lang>>>,
    /// Recently checked sessions by token hash, with their user, so a busy page does not cost two
    /// database round trips per request. An entry is trusted for [`SESSION_CACHE_TTL`] at most;
    /// logout and deleting a user remove entries at once (both happen in this process; no other
    /// program ends web sessions).
    sessions: Mutex<HashMap<String, (std::time::Instant, Session, User)>>,
    /// One heavy request (a mandate or bank file import) at a time: on two cores two of them
    /// would leave nothing for the pages of everybody else.
    heavy: tokio::sync::Semaphore,
    /// A run's warnings, kept from its confirm to the next view of its page by the same session
    /// (then forgotten): the page after the redirect shows them once.
    run_warnings: Mutex<HashMap<(String, i64), Vec<String>>>,
}

/// How long a heavy request waits for the one before it before it is answered "busy".
const HEAVY_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

const SESSION_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(10);

impl AppState {
    pub fn new(app: App) -> AppState {
        AppState(Arc::new(Inner {
            app,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            limiter: Mutex::default(),
            sync_job: Mutex::default(),
            has_users: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            index_cache: Mutex::new(None),
            index_build: tokio::sync::Mutex::new(()),
            index_refreshing: AtomicBool::new(false),
            languages: Mutex::default(),
            sessions: Mutex::default(),
            heavy: tokio::sync::Semaphore::new(1),
            run_warnings: Mutex::default(),
        }))
    }

    /// Keeps `warnings` of run `run_id` for the next view of its page by this session.
    pub(crate) fn keep_run_warnings(&self, session: &str, run_id: i64, warnings: Vec<String>) {
        let mut kept = self.0.run_warnings.lock().expect("lock");
        // Bounded: a session that never looks at its run does not keep memory for ever.
        if kept.len() > 1000 {
            kept.clear();
        }
        kept.insert((session.to_owned(), run_id), warnings);
    }

    /// The warnings kept for this session and run, once.
    pub(crate) fn take_run_warnings(&self, session: &str, run_id: i64) -> Vec<String> {
        self.0
            .run_warnings
            .lock()
            .expect("lock")
            .remove(&(session.to_owned(), run_id))
            .unwrap_or_default()
    }

    /// The permit for a heavy request, or `None` after [`HEAVY_WAIT`] (another import is still
    /// running): the caller answers "busy, try again".
    pub(crate) async fn heavy_permit(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        tokio::time::timeout(HEAVY_WAIT, self.0.heavy.acquire())
            .await
            .ok()
            .and_then(Result::ok)
    }

    /// Marks every cookie `Secure` (for a server that is reached over TLS).
    pub fn with_secure_cookies(self, secure: bool) -> AppState {
        let mut inner = Arc::try_unwrap(self.0).unwrap_or_else(|_| {
            panic!("with_secure_cookies must be called before the state is shared")
        });
        inner.secure_cookies = secure;
        AppState(Arc::new(inner))
    }

    /// Trusts `X-Forwarded-For` from these proxy addresses.
    pub fn with_trusted_proxies(self, proxies: Vec<IpAddr>) -> AppState {
        let mut inner = Arc::try_unwrap(self.0).unwrap_or_else(|_| {
            panic!("with_trusted_proxies must be called before the state is shared")
        });
        inner.trusted_proxies = proxies;
        AppState(Arc::new(inner))
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.0
    }

    pub(crate) fn app(&self) -> &App {
        &self.0.app
    }

    /// Something the read model shows has changed.
    pub(crate) fn changed(&self) {
        self.0.generation.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::SeqCst)
    }

    async fn has_users(&self) -> Result<bool, WebError> {
        if self.0.has_users.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let any = self.app().has_users().await?;
        if any {
            self.0.has_users.store(true, Ordering::Relaxed);
        }
        Ok(any)
    }

    pub(crate) fn users_exist(&self) {
        self.0.has_users.store(true, Ordering::Relaxed);
    }

    pub(crate) async fn language_of(&self, user_id: i64) -> Result<Option<Lang>, WebError> {
        if let Some(lang) = self.0.languages.lock().expect("lock").get(&user_id) {
            return Ok(*lang);
        }
        let stored = self
            .app()
            .language(user_id)
            .await?
            .and_then(|code| Lang::from_code(&code));
        self.0
            .languages
            .lock()
            .expect("lock")
            .insert(user_id, stored);
        Ok(stored)
    }

    /// The live session with this token hash and its user (cached briefly, see `sessions`).
    async fn session_user(&self, token_hash: &str) -> Result<Option<User>, WebError> {
        let now = self.app().now();
        if let Some((checked, session, user)) =
            self.0.sessions.lock().expect("lock").get(token_hash)
            && checked.elapsed() < SESSION_CACHE_TTL
            && session.expires_at > now
        {
            return Ok(Some(user.clone()));
        }
        let Some((session, user)) = self.app().session_user(token_hash).await? else {
            self.forget_session(token_hash);
            return Ok(None);
        };
        let mut cache = self.0.sessions.lock().expect("lock");
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(
            token_hash.to_owned(),
            (std::time::Instant::now(), session, user.clone()),
        );
        Ok(Some(user))
    }

    pub(crate) fn forget_session(&self, token_hash: &str) {
        self.0.sessions.lock().expect("lock").remove(token_hash);
    }

    pub(crate) fn forget_user(&self, user_id: i64) {
        self.0
            .sessions
            .lock()
            .expect("lock")
            .retain(|_, (_, session, _)| session.user_id != user_id);
        self.0.languages.lock().expect("lock").remove(&user_id);
    }

    pub(crate) async fn set_language(&self, user_id: i64, lang: Lang) -> Result<(), WebError> {
        self.app().set_language(user_id, lang.code()).await?;
        self.0
            .languages
            .lock()
            .expect("lock")
            .insert(user_id, Some(lang));
        Ok(())
    }
}

/// The router with every page, the guard and the security headers.
pub fn router(state: AppState) -> Router {
    add_routes(Router::new())
        .fallback(pages::not_found)
        .layer(middleware::from_fn(readable_rejections))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        // Outside the guard, so the limit is known to the guard's CSRF look-up in a multipart
        // body as well as to the handlers' extractors (axum's own default is 2 MB).
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves. Client addresses reach the login
/// rate limit through `ConnectInfo`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use tower::ServiceExt as _;

    let mut builder = Builder::new(TokioExecutor::new());
    // A client that opens a connection and never finishes its headers is dropped: hundreds of
    // half-open connections otherwise stay open for ever.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let connections = tokio_util::task::TaskTracker::new();
    let (stopping, stop_signal) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait a moment instead of spinning.
                Err(error) => {
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let activity = Arc::new(ConnectionActivity::new());
        let tracked = activity.clone();
        let service = router
            .clone()
            .map_request(move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request.map(Body::new)
            })
            .map_future(move |answer| {
                let busy = ConnectionActivity::busy(&tracked);
                async move {
                    let answer = answer.await;
                    drop(busy);
                    answer
                }
            });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let builder = builder.clone();
        let mut stop_signal = stop_signal.clone();
        connections.spawn(async move {
            // hyper's header timeout starts with the first byte: a connection that sends
            // nothing at all is closed here.
            let mut first = [0u8; 1];
            match tokio::time::timeout(HEADER_READ_TIMEOUT, stream.peek(&mut first)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
            let connection = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .into_owned();
            let mut connection = std::pin::pin!(connection);
            let mut closing = false;
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    ended = connection.as_mut() => {
                        if let Err(error) = ended {
                            tracing::debug!(error = %error, "connection ended with an error");
                        }
                        break;
                    }
                    // The server stops: requests under way finish, then the connection closes.
                    _ = stop_signal.changed(), if !closing => {
                        connection.as_mut().graceful_shutdown();
                        closing = true;
                    }
                    // hyper has no timeout between two requests of a kept-alive connection:
                    // an idle one would hold its socket for ever.
                    _ = tick.tick(), if !closing => {
                        if activity.idle_for() >= KEEP_ALIVE_TIMEOUT {
                            connection.as_mut().graceful_shutdown();
                            closing = true;
                        }
                    }
                }
            }
        });
    }
    // Requests under way get a few seconds to finish.
    let _ = stopping.send(true);
    connections.close();
    let _ = tokio::time::timeout(Duration::from_secs(10), connections.wait()).await;
    Ok(())
}

/// When a connection last finished a request, and whether one is under way.
struct ConnectionActivity {
    in_flight: std::sync::atomic::AtomicUsize,
    last: Mutex<tokio::time::Instant>,
}

/// A request under way on its connection, until dropped.
struct Busy(Arc<ConnectionActivity>);

impl Drop for Busy {
    fn drop(&mut self) {
        *self.0.last.lock().expect("lock") = tokio::time::Instant::now();
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ConnectionActivity {
    fn new() -> ConnectionActivity {
        ConnectionActivity {
            in_flight: Default::default(),
            last: Mutex::new(tokio::time::Instant::now()),
        }
    }

    fn busy(activity: &Arc<ConnectionActivity>) -> Busy {
        activity.in_flight.fetch_add(1, Ordering::SeqCst);
        Busy(activity.clone())
    }

    /// Zero while a request is under way.
    fn idle_for(&self) -> Duration {
        if self.in_flight.load(Ordering::SeqCst) > 0 {
            return Duration::ZERO;
        }
        self.last.lock().expect("lock").elapsed()
    }
}

/// How long a kept-alive connection may wait for its next request (Apache: 5 s, nginx: 75 s).
pub const KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(15);

/// Longest pause between two pieces of a request body.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest time for a whole request body (5 MiB at 1 Mbit/s take 42 s).
pub const BODY_TOTAL_TIMEOUT: Duration = Duration::from_secs(180);

/// How long a client may take to send its request headers.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// What the guard learned about a request; handlers take it as an extension.
#[derive(Clone, Debug)]
pub struct Ctx {
    pub user: Option<User>,
    pub lang: Lang,
    /// The value every form must send back as `csrf`.
    pub csrf: String,
    /// The session token (to delete it on logout); never rendered, masked in `Debug`.
    session_token: Option<SessionToken>,
    pub client_ip: Option<IpAddr>,
    /// The request came over TLS (directly or via a proxy that says so).
    pub secure: bool,
    pub path: String,
}

impl Ctx {
    pub fn tr(&self) -> Tr {
        Tr::new(self.lang)
    }

    /// The logged-in user, with at least `role` (admin ≥ preparer ≥ viewer).
    pub fn require(&self, role: Role) -> Result<&User, WebError> {
        let user = self.user.as_ref().ok_or(WebError::Unauthenticated)?;
        if rank(user.role) >= rank(role) {
            Ok(user)
        } else {
            Err(WebError::Forbidden)
        }
    }

    pub fn session_token(&self) -> Option<&SessionToken> {
        self.session_token.as_ref()
    }
}

fn rank(role: Role) -> u8 {
    match role {
        Role::Viewer => 0,
        Role::Preparer => 1,
        Role::Admin => 2,
    }
}

/// Why a request failed. The page shows a sentence; the cause goes to the log.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not logged in")]
    Unauthenticated,
    #[error("forbidden for this role")]
    Forbidden,
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("not found")]
    NotFound,
    #[error("request body too large")]
    TooLarge,
    #[error("the upload is not a readable multipart form")]
    BadUpload,
    #[error("the request body did not arrive in time")]
    Timeout,
    /// A form value that the page does not offer (a hand-made or outdated form).
    #[error("a form value that is not offered")]
    InvalidChoice,
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl From<CoreError> for WebError {
    fn from(error: CoreError) -> Self {
        WebError::Internal(error.into())
    }
}

impl From<askama::Error> for WebError {
    fn from(error: askama::Error) -> Self {
        WebError::Internal(error.into())
    }
}

impl From<anyhow::Error> for WebError {
    fn from(error: anyhow::Error) -> Self {
        WebError::Internal(error)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, key) = match &self {
            WebError::Unauthenticated => return Redirect::to("/login").into_response(),
            WebError::Forbidden => (StatusCode::FORBIDDEN, "error.forbidden"),
            WebError::Csrf => (StatusCode::FORBIDDEN, "error.csrf"),
            WebError::NotFound => (StatusCode::NOT_FOUND, "error.not_found"),
            WebError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error.too_large"),
            WebError::BadUpload => (StatusCode::BAD_REQUEST, "error.bad_upload"),
            WebError::Timeout => (StatusCode::REQUEST_TIMEOUT, "error.timeout"),
            WebError::InvalidChoice => {
                (StatusCode::UNPROCESSABLE_ENTITY, "settings.invalid_choice")
            }
            WebError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "error.internal")
            }
        };
        (status, pages::error_page(key)).into_response()
    }
}

/// The connection's peer address.
fn client_ip(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip())
}

/// Largest uploaded file (the mandate CSV import).
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;

/// Largest form body accepted: one upload plus room for the other fields and the multipart
/// framing.
const MAX_FORM_BYTES: usize = MAX_UPLOAD_BYTES + 256 * 1024;

/// How much of a too-large body is still read (and thrown away) before the refusal is sent: a
/// browser that is still uploading only shows the answer once its upload is through; cut off
/// earlier, it shows a broken connection instead of the page that says the file is too large.
const MAX_DRAIN_BYTES: usize = 64 * 1024 * 1024;

/// The body, at most [`MAX_FORM_BYTES`]; a bigger one is drained up to [`MAX_DRAIN_BYTES`] and
/// refused as too large.
async fn read_body(body: Body) -> Result<axum::body::Bytes, WebError> {
    use futures_util::StreamExt as _;
    let mut stream = body.into_data_stream();
    let mut buffer = Vec::new();
    let mut total = 0usize;
    let started = tokio::time::Instant::now();
    loop {
        // A body that stalls (or trickles in for ever) holds a connection and a buffer: each
        // piece must come within BODY_IDLE_TIMEOUT, the whole within BODY_TOTAL_TIMEOUT.
        let deadline =
            (started + BODY_TOTAL_TIMEOUT).min(tokio::time::Instant::now() + BODY_IDLE_TIMEOUT);
        let next = match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(next) => next,
            Err(_) => return Err(WebError::Timeout),
        };
        let Some(chunk) = next else { break };
        // The client went away or sent a broken body: a broken upload, not an expired form.
        let chunk = chunk.map_err(|_| WebError::BadUpload)?;
        total = total.saturating_add(chunk.len());
        if total <= MAX_FORM_BYTES {
            buffer.extend_from_slice(&chunk);
        } else if total > MAX_DRAIN_BYTES {
            return Err(WebError::TooLarge);
        }
    }
    if total > MAX_FORM_BYTES {
        return Err(WebError::TooLarge);
    }
    Ok(buffer.into())
}

/// First start, session, CSRF; fills [`Ctx`].
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match guard_inner(state, request, next).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn guard_inner(
    state: AppState,
    mut request: Request,
    next: Next,
) -> Result<Response, WebError> {
    let path = request.uri().path().to_owned();
    if path.starts_with("/static/") {
        return Ok(next.run(request).await);
    }
    if !state.has_users().await? && path != "/setup/admin" {
        return Ok(Redirect::to("/setup/admin").into_response());
    }
    let public = ROUTES
        .iter()
        .any(|(_, p, access)| *p == path && *access == Access::Public);
    let headers = request.headers();
    let secure = state.inner().secure_cookies
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let browser_lang = Lang::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );

    let mut user = None;
    let mut session_token = None;
    if let Some(token) = auth::cookie(headers, auth::SESSION_COOKIE)
        && let Some(found) = state.session_user(&users::token_hash(token)).await?
    {
        user = Some(found);
        session_token = Some(SessionToken::from_cookie(token));
    }
    if user.is_none() && !public {
        return Ok(Redirect::to("/login").into_response());
    }

    // The token the CSRF value is derived from: the session, else the pre-session cookie (a new
    // one is set on this response if there is none yet).
    let mut new_pre = None;
    let csrf_base = match &session_token {
        Some(token) => token.expose().to_owned(),
        // Only a pre-session cookie this installation signed: a value the client (or a
        // neighbouring site that can set cookies) chose would let it know the CSRF value.
        None => match auth::cookie(headers, auth::PRE_SESSION_COOKIE) {
            Some(pre) if auth::verify_signed(state.app(), PRE_SESSION_PURPOSE, pre) => {
                pre.to_owned()
            }
            _ => {
                let pre = auth::sign(state.app(), PRE_SESSION_PURPOSE, &users::random_token());
                new_pre = Some(pre.clone());
                pre
            }
        },
    };

    if request.method() == Method::POST {
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|length| length > MAX_DRAIN_BYTES) {
            return Err(WebError::TooLarge);
        }
        let (parts, body) = request.into_parts();
        let bytes = read_body(body).await?;
        let multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        // From the body only: a value in the URL ends up in logs, history and referrers.
        let submitted = if multipart {
            // A body that is no readable multipart form is a broken upload, not an expired form.
            multipart_value(&parts, bytes.clone(), "csrf")
                .await
                .map_err(|()| WebError::BadUpload)?
        } else {
            std::str::from_utf8(&bytes)
                .ok()
                .and_then(|body| form_value(body, "csrf"))
        };
        let valid = new_pre.is_none()
            && submitted.is_some_and(|value| auth::csrf_matches(&csrf_base, &value));
        if !valid {
            return Err(WebError::Csrf);
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }

    let lang = match &user {
        Some(user) => state.language_of(user.id).await?.unwrap_or(browser_lang),
        None => browser_lang,
    };
    let ctx = Ctx {
        user,
        lang,
        csrf: auth::csrf_token(&csrf_base),
        session_token,
        client_ip: auth::client_address(
            client_ip(&request),
            request
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok()),
            &state.inner().trusted_proxies,
        ),
        secure,
        path,
    };
    request.extensions_mut().insert(ctx);
    let mut response = next.run(request).await;
    if let Some(pre) = new_pre
        && let Ok(value) = HeaderValue::from_str(&auth::set_cookie(
            auth::PRE_SESSION_COOKIE,
            &pre,
            Some(3600),
            secure,
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The purpose the pre-session cookie is signed for.
const PRE_SESSION_PURPOSE: &str = "pre-session cookie";

/// One field of an `application/x-www-form-urlencoded` text.
fn form_value(text: &str, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(text)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// One text field of a buffered `multipart/form-data` body (the file upload forms send their
/// CSRF value this way).
async fn multipart_value(
    parts: &axum::http::request::Parts,
    bytes: axum::body::Bytes,
    name: &str,
) -> Result<Option<String>, ()> {
    let mut probe = Request::new(Body::from(bytes));
    *probe.headers_mut() = parts.headers.clone();
    *probe.extensions_mut() = parts.extensions.clone();
    let mut form = Multipart::from_request(probe, &()).await.map_err(|_| ())?;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some(name) => {
                return Ok(field.text().await.ok());
            }
            // Later fields are not read: only whether the whole body is well-formed matters,
            // and the handler reads it again.
            Ok(Some(_)) => {}
            Ok(None) => return Ok(None),
            Err(_) => return Err(()),
        }
    }
}

/// A request the framework's extractors refuse (a query or form field with the wrong type, a
/// missing field, a wrong content type) is answered with axum's English plain text ("Failed
/// to deserialize query string …"); a person gets the error page in German and English instead.
async fn readable_rejections(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if plain && status.is_client_error() {
        tracing::info!(%status, "request refused by an extractor");
        return (status, pages::error_page("error.bad_request")).into_response();
    }
    response
}

/// Security headers on every response, errors and assets included.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        // Pages show customer data: not for shared caches, not for the back button after logout.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
