//! A fake sevdesk API for tests, the demo and users without an account.
//!
//! It answers the read paths the `sevdesk` client uses with the JSON shapes, status codes and
//! quirks of the real API (see `shared/docs/sevdesk-api.md`), over seeded, deterministic data,
//! and can inject faults per test. Every non-GET request is refused with 405 and counted.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use sevdesk_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig { invoices: 50, ..Default::default() }).await?;
//! println!("{} {}", sandbox.base_url(), sandbox.token());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::NaiveDate;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub mod generate;
pub mod iban;
pub mod model;
#[cfg(feature = "openapi")]
pub mod official;
mod server;
pub mod stats;
pub mod wire;

pub use model::Dataset;
pub use stats::DatasetStats;

/// Path prefix of the API, as in `https://my.sevdesk.de/api/v1`.
pub const API_PREFIX: &str = "/api/v1";

/// What to generate and how to guard it.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Same seed (with the same `invoices`, `contacts` and `today`) → same data.
    pub seed: u64,
    /// Number of invoices, cancellation invoices included (10 … 100 000 is the tested range).
    pub invoices: usize,
    /// The API token the sandbox accepts in the `Authorization` header (raw, no `Bearer`).
    pub token: String,
    /// The day the data is generated around: invoice dates lie up to 8 weeks before it.
    pub today: NaiveDate,
    /// Number of contacts; `None` = one per two invoices (at least 3).
    pub contacts: Option<usize>,
}

impl Default for SandboxConfig {
    /// Seed 42, 100 invoices, a fixed 32-hex token and `today` = the current Berlin date.
    /// Tests that compare data across days should set `today` explicitly.
    fn default() -> Self {
        SandboxConfig {
            seed: 42,
            invoices: 100,
            token: "5a9d0c4e1b7f4e2a8c3d6b0f9e1a2c4d".into(),
            today: chrono::Utc::now()
                .with_timezone(&chrono_tz::Europe::Berlin)
                .date_naive(),
            contacts: None,
        }
    }
}

impl std::fmt::Debug for SandboxConfig {
    // The token is a secret even in a sandbox: the demo shows logs to people.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("seed", &self.seed)
            .field("invoices", &self.invoices)
            .field("token", &"***")
            .field("today", &self.today)
            .field("contacts", &self.contacts)
            .finish()
    }
}

/// A fault the sandbox injects into matching GET requests.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// Only requests whose path starts with this (relative to `/api/v1`, e.g. "/Invoice", or
    /// absolute, e.g. "/api/v1/Invoice"); `None` = every request.
    pub path_prefix: Option<String>,
    pub kind: FaultKind,
    /// Fire this many times, then behave normally; `None` = always.
    pub times: Option<usize>,
}

impl Fault {
    /// A fault on every request, forever.
    pub fn always(kind: FaultKind) -> Fault {
        Fault {
            path_prefix: None,
            kind,
            times: None,
        }
    }

    /// A fault on every request, for the first `n` matching requests.
    pub fn times(kind: FaultKind, n: usize) -> Fault {
        Fault {
            path_prefix: None,
            kind,
            times: Some(n),
        }
    }

    /// Restricts the fault to paths starting with `prefix`.
    pub fn on(mut self, prefix: impl Into<String>) -> Fault {
        self.path_prefix = Some(prefix.into());
        self
    }
}

/// What goes wrong. Latency faults add up and combine with one other fault; of the other kinds
/// the first matching one in the list fires.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer normally after this delay.
    Latency(Duration),
    /// 429 with `Retry-After: <secs>` and an error envelope.
    TooManyRequests { retry_after_secs: u64 },
    /// This status (500, 503, …) with an error envelope.
    ServerError(u16),
    /// Never answer (until the sandbox shuts down, then 503).
    Hang,
    /// Headers at once, then the normal body in up to 10 chunks, each after this pause.
    SlowBody(Duration),
    /// 200 with `application/json` and a body that is not JSON (a comma is missing).
    MalformedJson,
    /// 200 with the full `Content-Length` announced, half the body sent, then the connection
    /// is cut.
    TruncatedBody,
    /// 502 with a `text/html` page, as a proxy in front of sevdesk sends it.
    HtmlErrorPage,
    /// 200 carrying sevdesk's error envelope (`objects: null`, responseCode 500).
    ErrorEnvelopeWith200,
    /// 401 with the envelope, whatever token was sent (a revoked or regenerated key).
    RejectToken,
    /// 404 with the error envelope ("Resource not found", no code) for a request with the
    /// right token, as if sevdesk did not offer this path to the account at all (e.g.
    /// `Fault::always(FaultKind::EndpointMissing).on("/PaymentMethod")`). A wrong token still
    /// gets 401. Remember that `on` matches a prefix: "/Contact" also hits "/ContactAddress".
    EndpointMissing,
}

/// One request as the sandbox saw it. Never contains the token.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    /// Full path, e.g. "/api/v1/Invoice".
    pub path: String,
    /// Raw query string without any `token` parameter ("" when none).
    pub query: String,
    pub status: u16,
    /// Until the response head was ready (body faults dribble on after it).
    pub duration: Duration,
    /// Name of the fault that fired, if any (e.g. "TooManyRequests").
    pub fault: Option<String>,
}

pub(crate) struct ActiveFault {
    pub fault: Fault,
    pub remaining: Option<usize>,
}

pub(crate) struct Shared {
    pub mode: server::Mode,
    pub data: RwLock<server::Served>,
    pub token: String,
    pub faults: Mutex<Vec<ActiveFault>>,
    pub log: Mutex<Vec<RecordedRequest>>,
    pub write_attempts: AtomicUsize,
    pub error_counter: AtomicUsize,
    pub shutdown: watch::Receiver<bool>,
}

/// A running sandbox server.
pub struct Sandbox {
    shared: Arc<Shared>,
    addr: SocketAddr,
    shutdown_tx: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Sandbox {
    /// Generates the data and serves it on 127.0.0.1 with a free port.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        Sandbox::start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Generates the data and serves it on `addr` (port 0 = any free port).
    pub async fn start_on(config: SandboxConfig, addr: SocketAddr) -> std::io::Result<Sandbox> {
        let data = generate::generate(&config);
        Sandbox::serve(data, config.token, addr).await
    }

    /// Serves a prepared data set (e.g. one a test built or changed before starting).
    pub async fn serve(data: Dataset, token: String, addr: SocketAddr) -> std::io::Result<Sandbox> {
        Sandbox::serve_mode(data, token, addr, server::Mode::Generated).await
    }

    pub(crate) async fn serve_mode(
        data: Dataset,
        token: String,
        addr: SocketAddr,
        mode: server::Mode,
    ) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            mode,
            data: RwLock::new(server::Served::new(data)),
            token,
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            write_attempts: AtomicUsize::new(0),
            error_counter: AtomicUsize::new(0),
            shutdown: shutdown_rx.clone(),
        });
        let app = server::router(shared.clone());
        let mut rx = shutdown_rx;
        let task = tokio::spawn(async move {
            let result = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(e) = result {
                tracing::error!(error = %e, "sandbox server stopped with an error");
            }
        });
        tracing::info!(%addr, "sevdesk sandbox listening");
        Ok(Sandbox {
            shared,
            addr,
            shutdown_tx,
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// e.g. "http://127.0.0.1:41234/api/v1".
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, API_PREFIX)
    }

    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// Replaces the active faults (with fresh `times` counters).
    pub fn set_faults(&self, faults: Vec<Fault>) {
        let active = faults
            .into_iter()
            .map(|f| ActiveFault {
                remaining: f.times,
                fault: f,
            })
            .collect();
        *lock(&self.shared.faults) = active;
    }

    /// Removes all faults.
    pub fn clear_faults(&self) {
        self.set_faults(Vec::new());
    }

    /// Every request so far, in arrival order of completion.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Forgets the request log and the write-attempt count.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
        self.shared.write_attempts.store(0, Ordering::SeqCst);
    }

    /// Number of non-GET requests received (each was answered 405).
    pub fn write_attempts(&self) -> usize {
        self.shared.write_attempts.load(Ordering::SeqCst)
    }

    /// Reads or changes the served data; changes are visible to the next request.
    pub fn with_data<R>(&self, f: impl FnOnce(&mut Dataset) -> R) -> R {
        let mut guard = match self.shared.data.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let result = f(&mut guard.data);
        // Tests may add, remove or re-assign records: rebuild the per-contact index.
        guard.reindex();
        result
    }

    /// Counts of what the data holds (contacts with IBAN, collectible invoices, …).
    pub fn stats(&self) -> DatasetStats {
        let guard = match self.shared.data.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        DatasetStats::of(&guard.data)
    }

    /// Stops accepting requests, releases hung ones, and waits (briefly) for the server.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(task) = self.task.take() {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(5), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Where sevdesk's reference material lies (the official OpenAPI document, the community variant
/// and the recorded bodies in `examples/`): `SEVDESK_REF_DIR` — absolute, or relative to the
/// workspace root as CI gives it — else `../shared/ref/sevdesk` beside the workspace. For the
/// suites of every crate and the sandbox's `--official-examples`.
pub fn reference_dir() -> std::path::PathBuf {
    let workspace = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    match std::env::var_os("SEVDESK_REF_DIR") {
        Some(d) if std::path::Path::new(&d).is_absolute() => d.into(),
        Some(d) => workspace.join(d),
        None => workspace.join("../shared/ref/sevdesk"),
    }
}

/// A file of the reference material; panics with what to set when it is missing, so a suite
/// that needs it fails and says why instead of skipping.
pub fn reference_file(relative: &str) -> std::path::PathBuf {
    let path = reference_dir().join(relative);
    assert!(
        path.exists(),
        "sevdesk's reference material is missing: {} does not exist. Set SEVDESK_REF_DIR to the \
         directory holding openapi.yaml and examples/ (…/shared/ref/sevdesk).",
        path.display()
    );
    path
}
