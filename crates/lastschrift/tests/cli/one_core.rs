//! The CLI and the web are two faces of one application: what the web saves, `lastschrift` from
//! the shell uses too. Regression for "creditor data saved in the web UI wins in the web, but
//! `lastschrift collect` (from cron) reads only the file and the environment", and for the
//! effective settings with their sources (`config show`), and for the cause chain of `-v`.

use std::path::Path;

use lastschrift_core::App;
use sevdesk_sandbox::{Sandbox, SandboxConfig};
use test_support::cli::Output;
use test_support::http::Client;

/// The binary on the test's configuration file (`--config`), with a clean environment.
async fn lastschrift(home: &Path, config: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--config", config.to_str().expect("a UTF-8 path")];
    all.extend_from_slice(args);
    super::lastschrift(home).run_async(&all).await
}

fn creditor_name(xml: &[u8]) -> String {
    let xml = std::str::from_utf8(xml).unwrap();
    let at = xml.find("<Cdtr>").expect("a creditor block") + "<Cdtr>".len();
    test_support::element(&xml[at..], "Nm").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_and_web_collect_with_the_creditor_saved_in_the_web() {
    let sb = Sandbox::start(SandboxConfig {
        invoices: 120,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lastschrift.toml");
    std::fs::write(
        &config,
        format!(
            r#"data_dir = "{}"
[sevdesk]
base_url = "{}"
[creditor]
name = "Datei GmbH"
iban = "DE89370400440532013000"
creditor_id = "DE98ZZZ09999999999"
[policies]
bank_lead_days = 2
"#,
            // The harness sets LASTSCHRIFT_DATA_DIR to the test's directory, and the environment
            // wins over the file: name the same directory here, so both faces open one database.
            dir.path().display(),
            sb.base_url()
        ),
    )
    .unwrap();

    // The web, on the App the shell would open.
    let app = App::open(Some(&config)).await.expect("the app opens");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = lastschrift_web::AppState::new(app.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(lastschrift_web::serve(
        listener,
        lastschrift_web::router(state),
        async move {
            let _ = stopped.await;
        },
    ));
    let mut web = Client::new(&format!("http://{addr}"));
    let csrf = web.get("/setup/admin").await.csrf();
    let answer = web
        .post(
            "/setup/admin",
            &[
                ("csrf", &csrf),
                ("username", "anna"),
                ("password", "ein langes Passwort"),
                ("password2", "ein langes Passwort"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let csrf = web.get("/settings").await.csrf();
    let saved = web
        .post(
            "/settings/creditor",
            &[
                ("csrf", &csrf),
                ("name", "Oberfläche GmbH"),
                ("iban", "DE89370400440532013000"),
                ("bic", ""),
                ("creditor_id", "DE98ZZZ09999999999"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let csrf = web.get("/settings").await.csrf();
    let token = web
        .post(
            "/settings/sevdesk",
            &[("csrf", &csrf), ("token", sb.token())],
        )
        .await;
    assert_eq!(token.status, 200, "{}", token.body);

    // The shell sees the web's creditor and says where it came from.
    let shown = lastschrift(dir.path(), &config, &["config", "show", "--json"]).await;
    assert_eq!(shown.code, 0, "{shown:?}");
    let json: serde_json::Value = shown.json();
    let line = |key: &str| {
        json["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["key"] == key)
            .unwrap_or_else(|| panic!("no {key} in {json}"))
            .clone()
    };
    assert_eq!(line("creditor.name")["value"], "\"Oberfläche GmbH\"");
    assert_eq!(line("creditor.name")["source"]["kind"], "saved_in_ui");
    assert_eq!(line("policies.bank_lead_days")["source"]["kind"], "file");
    assert_eq!(line("policies.cut_off_time")["source"]["kind"], "default");
    assert!(json["sevdesk_token"].as_str().unwrap().starts_with("****"));
    assert!(
        !shown.text().contains(sb.token()),
        "the token is never printed"
    );

    // The web syncs and collects.
    let csrf = web.get("/sync").await.csrf();
    web.post("/sync", &[("csrf", &csrf)]).await;
    let mut finished = false;
    for _ in 0..200 {
        if web.get("/sync").await.body.contains("id=\"sync-finished\"") {
            finished = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(finished, "the web sync finishes");
    let preview = web.get("/run").await;
    let field = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let at = preview.body.rfind(&marker).expect("the confirm form") + marker.len();
        preview.body[at..].split('"').next().unwrap().to_owned()
    };
    let (csrf, date, fingerprint) = (field("csrf"), field("date"), field("fingerprint"));
    let confirmed = web
        .post(
            "/run",
            &[
                ("csrf", &csrf),
                ("date", &date),
                ("fingerprint", &fingerprint),
            ],
        )
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let run_page = web.get(confirmed.location.as_deref().unwrap()).await;
    let at = run_page.body.find("/files/").expect("a file link");
    let href_start = run_page.body[..at].rfind('"').unwrap() + 1;
    let href = run_page.body[href_start..]
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let web_file = web.get(&href).await;
    assert_eq!(web_file.status, 200);
    let web_creditor = creditor_name(web_file.body.as_bytes());

    // Undo that run from the shell and collect the same invoices again from the shell.
    let run = lastschrift(dir.path(), &config, &["runs", "show", "1", "--json"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let run: serde_json::Value = run.json();
    for debit in run["debits"].as_array().unwrap() {
        let id = debit["id"].to_string();
        let cancelled = lastschrift(dir.path(), &config, &["debits", "cancel", &id]).await;
        assert_eq!(cancelled.code, 0, "{cancelled:?}");
    }
    let collected = lastschrift(dir.path(), &config, &["collect", "--json"]).await;
    assert!(collected.code <= 1, "{collected:?}");
    let outcome: serde_json::Value = collected.json();
    let run_id = outcome["run"]["id"].to_string();
    assert_ne!(run_id, "1");
    let file = lastschrift(
        dir.path(),
        &config,
        &["runs", "file", &run_id, "--file", "1"],
    )
    .await;
    assert_eq!(file.code, 0, "{file:?}");
    let cli_creditor = creditor_name(&file.stdout);

    assert_eq!(web_creditor, cli_creditor, "one creditor for both faces");
    assert_eq!(
        cli_creditor, "Oberflaeche GmbH",
        "the web's creditor, not the file's"
    );
    assert_eq!(sb.write_attempts(), 0);
    let _ = stop.send(());
    app.close().await;
    sb.shutdown().await;
}

/// `-v` shows why (the database's own answer); without it the user reads one sentence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_shows_the_cause_chain_of_a_setup_error() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lastschrift.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = \"{}\"\ndatabase_url = \"postgres://app:hunter2@127.0.0.1:1/nowhere\"\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let plain = lastschrift(dir.path(), &config, &["runs", "list"]).await;
    assert_eq!(plain.code, 2, "{plain:?}");
    assert!(
        plain
            .stderr
            .contains("could not open the PostgreSQL database"),
        "{plain:?}"
    );
    assert!(!plain.stderr.contains("caused by"), "{plain:?}");
    let verbose = lastschrift(dir.path(), &config, &["-v", "runs", "list"]).await;
    assert_eq!(verbose.code, 2, "{verbose:?}");
    assert!(verbose.stderr.contains("caused by:"), "{verbose:?}");
    for out in [&plain, &verbose] {
        assert!(
            !out.stderr.contains("hunter2"),
            "the password leaked: {out:?}"
        );
        assert!(out.stderr.contains("app:****@127.0.0.1:1"), "{out:?}");
    }
}
