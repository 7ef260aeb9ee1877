//! The whole flow in a real headless Chromium driven through chromedriver: first start → create
//! the administrator → setup (creditor with live validation, sevdesk token of the in-process
//! sandbox) → sync → preview → confirm → download; the downloaded file validates against the
//! pain.008 schemas, and downloading again gives the same bytes. A screenshot of each main page is
//! kept under `$CARGO_TARGET_TMPDIR/web-screenshots/` (not committed).
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian: `apt-get install chromium
//! chromium-driver`) and `xmllint` (libxml2-utils). Missing tools fail the test with that
//! sentence; it never skips.

use crate::web_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt as _;
use sevdesk_sandbox::{Sandbox, SandboxConfig};
use sha2::{Digest, Sha256};
use std::panic::AssertUnwindSafe;
use web_support::Server;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port; killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver() -> Driver {
    for tool in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(tool).is_file(),
            "{tool} is missing: the browser test needs Debian's `chromium` and `chromium-driver` \
             packages (apt-get install chromium chromium-driver)"
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on port {port} within 10 s");
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1000", "--lang=de-DE"],
            "prefs": {"intl.accept_languages": "de-DE,de"}
        }),
    );
    ClientBuilder::rustls()
        .expect("TLS roots")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session through chromedriver")
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

async fn fill(client: &Client, css: &str, text: &str) {
    let field = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client
        .wait()
        .at_most(Duration::from_secs(60))
        .every(Duration::from_millis(100))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(e) => panic!(
            "{css} did not appear: {e}\n{}",
            client.source().await.unwrap_or_default()
        ),
    }
}

async fn path_of(client: &Client) -> String {
    client.current_url().await.unwrap().path().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_to_downloaded_file_in_chromium() {
    let driver = start_driver().await;
    let today = chrono::Utc::now().date_naive();
    let sandbox = Sandbox::start(SandboxConfig {
        seed: 5,
        invoices: 80,
        today,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let server = Server::start(Some(sandbox.base_url())).await;
    let client = browser(&driver).await;
    // Close the browser session also when the walk fails, so no Chromium is left running.
    let result = AssertUnwindSafe(walk(&client, &server, &sandbox))
        .catch_unwind()
        .await;
    let _ = client.close().await;
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

async fn walk(client: &Client, server: &Server, sandbox: &Sandbox) {
    // First start: every page leads to the administrator form.
    client.goto(&server.url("/invoices")).await.unwrap();
    assert_eq!(path_of(client).await, "/setup/admin");
    shot(client, "01-create-admin").await;
    fill(client, "#username", "chefin").await;
    fill(client, "#password", "ein sicheres Passwort").await;
    fill(client, "#password2", "ein sicheres Passwort").await;
    click(client, "#admin-submit").await;
    wait_for(client, "#creditor-form").await;
    assert_eq!(path_of(client).await, "/settings");

    // Live validation through /static/app.js: a wrong check digit is reported before saving.
    fill(client, "#creditor-iban", "DE89370400440532013001").await;
    let message = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(
            "[data-check-for=creditor-iban].field-error:not(:empty)",
        ))
        .await
        .expect("the live check reports the bad IBAN");
    assert!(!message.text().await.unwrap().is_empty());
    fill(client, "#creditor-iban", "DE89 3704 0044 0532 0130 00").await;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("[data-check-for=creditor-iban].field-ok"))
        .await
        .expect("the live check accepts the corrected IBAN");
    fill(client, "#creditor-name", "Muster Software GmbH").await;
    fill(client, "#creditor-bic", "COBADEFFXXX").await;
    fill(client, "#creditor-id", "DE98ZZZ09999999999").await;
    click(client, "#save-creditor").await;
    wait_for(client, "#notice").await;

    fill(client, "#token", sandbox.token()).await;
    click(client, "#save-token").await;
    let masked = wait_for(client, "#token-masked")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        masked.starts_with("********") && !masked.contains(&sandbox.token()[..8]),
        "{masked}"
    );
    assert!(!client.source().await.unwrap().contains(sandbox.token()));
    shot(client, "02-settings").await;

    // Sync with progress; the page refreshes itself until it is done.
    client.goto(&server.url("/sync")).await.unwrap();
    click(client, "#start-sync").await;
    wait_for(client, "#sync-finished").await;
    shot(client, "03-sync").await;

    client.goto(&server.url("/")).await.unwrap();
    let ready = wait_for(client, "#ready").await.text().await.unwrap();
    shot(client, "04-dashboard").await;
    client.goto(&server.url("/invoices")).await.unwrap();
    wait_for(client, "#invoices").await;
    shot(client, "05-invoices").await;
    client.goto(&server.url("/mandates")).await.unwrap();
    shot(client, "06-mandates").await;
    client.goto(&server.url("/requests")).await.unwrap();
    let log = wait_for(client, "#requests").await.text().await.unwrap();
    assert!(log.contains("GET") && !log.contains("POST"), "{log}");
    shot(client, "07-requests").await;

    // Preview: the earliest date with its reason, every debit and every exclusion.
    client.goto(&server.url("/run")).await.unwrap();
    wait_for(client, "#earliest").await;
    let debits = client
        .find_all(Locator::Css("#debits tbody tr"))
        .await
        .unwrap()
        .len();
    assert!(
        debits > 0,
        "the sandbox has collectable invoices (dashboard said {ready})"
    );
    shot(client, "08-preview").await;
    click(client, "#confirm").await;
    wait_for(client, "#files").await;
    let run_path = path_of(client).await;
    assert!(run_path.starts_with("/runs/"), "{run_path}");
    shot(client, "09-run").await;
    let ledger = client
        .find_all(Locator::Css("#ledger tbody tr"))
        .await
        .unwrap()
        .len();
    assert_eq!(ledger, debits, "every previewed debit is in the ledger");

    // Download with the browser's own session cookie.
    let href = client
        .find(Locator::Css("a.download"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("download link");
    let shown_hash = client
        .find(Locator::Css("td.hash"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let cookie = client
        .get_named_cookie("lastschrift_session")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let fetch = |path: String| {
        let http = http.clone();
        let url = server.url(&path);
        let cookie = format!("lastschrift_session={}", cookie.value());
        async move {
            let response = http.get(url).header("cookie", cookie).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let disposition = response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(disposition.starts_with("attachment"), "{disposition}");
            response.bytes().await.unwrap().to_vec()
        }
    };
    let first = fetch(href.clone()).await;
    let again = fetch(href.clone()).await;
    assert_eq!(first, again, "downloading again gives the same bytes");
    let digest: String = Sha256::digest(&first)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        digest,
        shown_hash.trim(),
        "the page shows the file's SHA-256"
    );
    test_support::assert_valid_pain008_08(&first);
    let control = fetch(format!("{run_path}/control-list")).await;
    assert!(!control.is_empty());

    // The run is in the archive; the invoices are no longer ready.
    client.goto(&server.url("/runs")).await.unwrap();
    let archive = wait_for(client, "#runs").await.text().await.unwrap();
    assert!(
        archive.contains(run_path.trim_start_matches("/runs/")),
        "{archive}"
    );
    shot(client, "10-archive").await;
    client
        .goto(&server.url("/invoices?filter=collected"))
        .await
        .unwrap();
    let collected = wait_for(client, "#invoice-count")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        collected.starts_with(&debits.to_string()),
        "{collected} vs {debits}"
    );

    // A file larger than the server takes is refused by the browser before it is sent (cut
    // off mid-upload by the server, the browser would show a broken connection).
    client.goto(&server.url("/mandates")).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("mandate-big.csv");
    std::fs::write(&big, vec![b'x'; lastschrift_web::MAX_UPLOAD_BYTES + 1]).unwrap();
    let small = dir.path().join("mandate-small.csv");
    std::fs::write(&small, "reference,contact_id,signature_date\n").unwrap();
    let validity = r#"var i = document.getElementById("mandate-file");
        return [i.validity.valid, i.validationMessage];"#;
    for (file, valid) in [(&big, false), (&small, true)] {
        let input = wait_for(client, "#mandate-file").await;
        input.clear().await.unwrap();
        input.send_keys(file.to_str().unwrap()).await.unwrap();
        let answer = client.execute(validity, vec![]).await.unwrap();
        assert_eq!(
            answer[0],
            serde_json::Value::Bool(valid),
            "{file:?}: {answer}"
        );
        if !valid {
            assert!(
                answer[1].as_str().unwrap().contains("höchstens 5 MiB"),
                "{answer}"
            );
        }
    }

    // Log out: the old page is gone.
    click(client, "#logout").await;
    wait_for(client, "#login-submit").await;
    client.goto(&server.url("/")).await.unwrap();
    assert_eq!(path_of(client).await, "/login");
    eprintln!("screenshots in {}", screenshots().display());
    assert!(sandbox.requests().iter().all(|r| r.method == "GET"));
}
