//! Harness of the web suites: the real router on 127.0.0.1:0 over a fresh SQLite store, and a
//! small cookie-keeping HTTP client that never follows redirects (tests look at each answer).

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use lastschrift_core::App;
use lastschrift_core::secret::SecretKey;
use lastschrift_core::settings::{DatabaseUrl, Settings, SettingsSources};
use lastschrift_core::store::{NewUser, Role, Store};
use lastschrift_web::{self as web, AppState};

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
        let dir = tempfile::tempdir().expect("temporary directory");
        let data_dir = dir.path().join("data");
        let mut settings = Settings {
            data_dir: data_dir.clone(),
            ..Settings::default()
        };
        if let Some(url) = base_url {
            settings.sevdesk.base_url = url;
        }
        let database = database
            .unwrap_or_else(|| DatabaseUrl::sqlite_file(&data_dir.join("lastschrift.sqlite3")));
        let store = lastschrift_core::store::open_url(&database)
            .await
            .expect("the store opens");
        let app = App::new(
            SettingsSources::given(settings),
            store.clone(),
            SecretKey::generate(),
        );
        let state = AppState::new(app.clone());
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
        Client {
            base: format!("http://{}", self.addr),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
            headers: Vec::new(),
        }
    }
}

pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    /// The CSRF value of the first form on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no csrf field in page:\n{}", self.body))
            + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }
}

/// An HTTP client with a cookie jar and no redirect following.
pub struct Client {
    base: String,
    http: reqwest::Client,
    pub cookies: HashMap<String, String>,
    /// Extra headers sent with every request.
    pub headers: Vec<(String, String)>,
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let mut request = request;
        if !self.cookies.is_empty() {
            request = request.header("cookie", self.cookie_header());
        }
        for (k, v) in &self.headers {
            request = request.header(k.as_str(), v.as_str());
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let set_cookies: Vec<String> = headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for cookie in &set_cookies {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.into(), value.into());
            }
        }
        Answer {
            status,
            location: headers
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned()),
            set_cookies,
            headers,
            body: response.text().await.unwrap_or_default(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let request = self.http.get(format!("{}{}", self.base, path));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let body = serde_urlencoded::to_string(form).unwrap();
        let request = self
            .http
            .post(format!("{}{}", self.base, path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    /// A `multipart/form-data` post: `(name, file name, content)` per part; a part with a file
    /// name is a file upload, like a browser sends an `<input type="file">`.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        parts: &[(&str, Option<&str>, &[u8])],
    ) -> Answer {
        let boundary = "----lastschrift-test-boundary-7d93b1";
        let mut body = Vec::new();
        for (name, file_name, content) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            match file_name {
                Some(file_name) => body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                         Content-Type: text/csv\r\n\r\n"
                    )
                    .as_bytes(),
                ),
                None => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                ),
            }
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let request = self
            .http
            .post(format!("{}{}", self.base, path))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        self.send(request).await
    }

    /// Logs in through the form; panics unless it works.
    pub async fn login(&mut self, name: &str, password: &str) {
        let page = self.get("/login").await;
        assert_eq!(page.status, 200, "{}", page.body);
        let csrf = page.csrf();
        let answer = self
            .post(
                "/login",
                &[("csrf", &csrf), ("username", name), ("password", password)],
            )
            .await;
        assert_eq!(answer.status, 303, "login failed: {}", answer.body);
        assert_eq!(answer.location.as_deref(), Some("/"));
    }

    /// A fresh CSRF value of this session (from a page every role may see).
    pub async fn csrf(&mut self) -> String {
        self.get("/").await.csrf()
    }
}

/// A concrete path for a route pattern (`{id}` → 1, `{kind}` → iban).
pub fn concrete(pattern: &str) -> String {
    pattern
        .replace("{id}", "1")
        .replace("{file_id}", "1")
        .replace("{kind}", "iban")
}
