//! Harness of the web suites: the real router on 127.0.0.1:0 over a fresh SQLite store, and a
//! small cookie-keeping HTTP client that never follows redirects (tests look at each answer).

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use lastschrift_core::App;
use lastschrift_core::secret::SecretKey;
use lastschrift_core::settings::{DatabaseUrl, Settings, SettingsSources};
use lastschrift_store::{NewUser, Role, Store};
use lastschrift_web::{self as web, AppState};
pub use test_support::http::Client;

pub struct Server {
    pub addr: SocketAddr,
    /// The application the server runs on (the same one the CLI would use).
    pub app: App,
    /// Its store, for what a test checks behind the application's back.
    pub store: Arc<dyn Store>,
    pub data_dir: PathBuf,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Server {
    /// `base_url`: where sevdesk is (the sandbox), if the test talks to it. SQLite store.
    pub async fn start(base_url: Option<String>) -> Server {
        Server::start_on(base_url, None).await
    }

    /// Like [`Server::start`], on the database at `database` (e.g. a PostgreSQL schema).
    pub async fn start_on(base_url: Option<String>, database: Option<DatabaseUrl>) -> Server {
        Server::start_configured(base_url, database, |state| state).await
    }

    /// Like [`Server::start_on`], with the web state changed by `configure` (trusted proxies …).
    pub async fn start_configured(
        base_url: Option<String>,
        database: Option<DatabaseUrl>,
        configure: impl FnOnce(AppState) -> AppState,
    ) -> Server {
        Server::start_with_settings(base_url, database, |_| {}, configure).await
    }

    /// Like [`Server::start_configured`], with the installation's settings changed by `edit`
    /// (as a configuration file would).
    pub async fn start_with_settings(
        base_url: Option<String>,
        database: Option<DatabaseUrl>,
        edit: impl FnOnce(&mut Settings),
        configure: impl FnOnce(AppState) -> AppState,
    ) -> Server {
        let dir = tempfile::tempdir().expect("temporary directory");
        let data_dir = dir.path().join("data");
        let mut settings = Settings {
            data_dir: data_dir.clone(),
            ..Settings::default()
        };
        if let Some(url) = base_url {
            settings.sevdesk.base_url = url;
        }
        edit(&mut settings);
        let database = database
            .unwrap_or_else(|| DatabaseUrl::sqlite_file(&data_dir.join("lastschrift.sqlite3")));
        let store = lastschrift_store::open_url(&database)
            .await
            .expect("the store opens");
        let app = App::new(
            SettingsSources::given(settings),
            store.clone(),
            SecretKey::generate(),
        );
        let state = configure(AppState::new(app.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(web::serve(listener, web::router(state), async move {
            let _ = rx.await;
        }));
        Server {
            addr,
            app,
            store,
            data_dir,
            _dir: dir,
            _shutdown: tx,
        }
    }

    /// A sandbox account of `invoices` invoices on 2026-11-28 (changed by `prepare` first), and
    /// a server on it with the suites' creditor (Muster Software GmbH, with `address`), the
    /// token stored and one sync done. No users: the test adds them.
    pub async fn synced(
        invoices: usize,
        address: Option<lastschrift_core::settings::AddressSettings>,
        prepare: impl FnOnce(&sevdesk_sandbox::Sandbox),
    ) -> (Server, sevdesk_sandbox::Sandbox) {
        Server::synced_on(None, invoices, address, prepare).await
    }

    /// Like [`Server::synced`], on the database at `database` (e.g. a PostgreSQL schema).
    pub async fn synced_on(
        database: Option<DatabaseUrl>,
        invoices: usize,
        address: Option<lastschrift_core::settings::AddressSettings>,
        prepare: impl FnOnce(&sevdesk_sandbox::Sandbox),
    ) -> (Server, sevdesk_sandbox::Sandbox) {
        Server::synced_with(database, invoices, address, prepare, |_| {}).await
    }

    /// Like [`Server::synced_on`], with the settings changed by `edit`.
    pub async fn synced_with(
        database: Option<DatabaseUrl>,
        invoices: usize,
        address: Option<lastschrift_core::settings::AddressSettings>,
        prepare: impl FnOnce(&sevdesk_sandbox::Sandbox),
        edit: impl FnOnce(&mut Settings),
    ) -> (Server, sevdesk_sandbox::Sandbox) {
        let sandbox = sevdesk_sandbox::Sandbox::start(sevdesk_sandbox::SandboxConfig {
            invoices,
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            ..sevdesk_sandbox::SandboxConfig::default()
        })
        .await
        .unwrap();
        prepare(&sandbox);
        let server =
            Server::start_with_settings(Some(sandbox.base_url()), database, edit, |state| state)
                .await;
        server
            .app
            .save_creditor(lastschrift_core::settings::CreditorSettings {
                name: "Muster Software GmbH".into(),
                iban: "DE89370400440532013000".into(),
                bic: None,
                creditor_id: "DE98ZZZ09999999999".into(),
                address,
            })
            .await
            .unwrap();
        server
            .app
            .store_token(&lastschrift_core::secret::SevdeskToken::new(sandbox.token()).unwrap())
            .await
            .unwrap();
        server
            .app
            .sync(&lastschrift_core::sync::NoProgress)
            .await
            .unwrap();
        (server, sandbox)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Creates a user directly in the store (the admin form is tested on its own).
    pub async fn add_user(&self, name: &str, password: &str, role: Role) {
        self.store
            .create_user(&NewUser {
                username: name.into(),
                password_hash: lastschrift_core::users::hash_password(password),
                role,
            })
            .await
            .unwrap();
    }

    pub fn client(&self) -> Client {
        Client::new(&format!("http://{}", self.addr))
    }
}

/// A concrete path for a route pattern (`{id}` → 1, `{kind}` → iban).
pub fn concrete(pattern: &str) -> String {
    pattern
        .replace("{id}", "1")
        .replace("{file_id}", "1")
        .replace("{kind}", "iban")
}

/// Confirms the run `preview` (a `/run` page) shows, as its button does: its CSRF value, date
/// and fingerprint.
pub async fn confirm_run(
    client: &mut Client,
    preview: &test_support::http::Answer,
) -> test_support::http::Answer {
    let (csrf, date, fingerprint) = (
        preview.csrf(),
        preview.field("date"),
        preview.field("fingerprint"),
    );
    client
        .post(
            "/run",
            &[
                ("csrf", csrf.as_str()),
                ("date", date.as_str()),
                ("fingerprint", fingerprint.as_str()),
            ],
        )
        .await
}
