//! Regressions of the web UI probed as a careful attacker and a clumsy user would (issue
//! "The web UI under a careful attacker and a clumsy user"), each named after what went wrong.

use crate::web_support::{Client, Server};
use lastschrift_core::settings::DatabaseUrl;
use lastschrift_store::{Contact, Role};

// The ones that fire requests at once run on both store backends.
on_both_backends!(
    a_long_mandate_upload_neither_blocks_other_pages_nor_outlives_its_client,
    guessing_slows_the_attacker_but_does_not_lock_out_the_owner,
);

const ADMIN_PASSWORD: &str = "admin password 1";

fn contact(id: i64) -> Contact {
    test_support::organisation(
        id,
        &format!("K{id}"),
        &format!("Kunde {id}"),
        "DE89370400440532013000",
    )
}

/// Regression: one 5 MiB mandate upload kept a core busy for minutes, two froze the server (a
/// stylesheet took 10.6 s), and closing the connection did not stop it. Now the import is
/// linear, yields to the other requests, runs one at a time, and stops when its client leaves.
/// Two uploads are fired at once here (60 000 rows each, not the full 5 MiB: a debug build
/// would take minutes); the pages complete while they run.
async fn a_long_mandate_upload_neither_blocks_other_pages_nor_outlives_its_client(
    database: Option<DatabaseUrl>,
) {
    let server = Server::start_on(None, database).await;
    server.add_user("admin", ADMIN_PASSWORD, Role::Admin).await;
    let n = 60_000;
    let contacts: Vec<Contact> = (1..=n).map(contact).collect();
    server.store.upsert_contacts(&contacts).await.unwrap();
    let mut csv = String::from("Mandatsreferenz;Kontakt-ID;Unterschriftsdatum\n");
    for id in 1..=n {
        csv.push_str(&format!("MR-{id:06};{id};01.02.2024\n"));
    }

    // Both log in first: a login is an argon2 check, slow in a debug build under load.
    let mut uploader = server.client();
    uploader.login("admin", ADMIN_PASSWORD).await;
    let mut other = server.client();
    other.login("admin", ADMIN_PASSWORD).await;
    // A second upload at the same moment: it waits for the first (one heavy request at a
    // time) and must not hold up the pages either.
    let mut second = server.client();
    second.login("admin", ADMIN_PASSWORD).await;
    let second_csrf = second.csrf().await;
    let second_csv = csv.clone();
    let second_upload = tokio::spawn(async move {
        second
            .post_multipart(
                "/mandates/import",
                &[
                    ("csrf", None, second_csrf.as_bytes()),
                    ("file", Some("mandate.csv"), second_csv.as_bytes()),
                ],
            )
            .await
            .status
    });
    let csrf = uploader.csrf().await;
    let upload = tokio::spawn(async move {
        uploader
            .post_multipart(
                "/mandates/import",
                &[
                    ("csrf", None, csrf.as_bytes()),
                    ("file", Some("mandate.csv"), csv.as_bytes()),
                ],
            )
            .await
            .status
    });
    // The import is under way once its first chunk is stored.
    let started = std::time::Instant::now();
    while server.store.mandates().await.unwrap().is_empty() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the import never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // Meanwhile everybody else is served.
    // (Light pages: the mandate list and the dashboard read every mandate themselves.)
    for path in ["/static/style.css", "/account", "/bank"] {
        assert_eq!(other.get(path).await.status, 200, "{path}");
    }
    let served_at = server.store.mandates().await.unwrap().len();
    assert!(
        served_at < n as usize,
        "the pages were only served after the import: the test proves nothing"
    );

    // The client goes away: the work stops, and the next import gets its turn.
    upload.abort();
    second_upload.abort();
    let _ = upload.await;
    let _ = second_upload.await;
    let at_abort = server.store.mandates().await.unwrap().len();
    let mut stopped_at = at_abort;
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let now = server.store.mandates().await.unwrap().len();
        if now == stopped_at {
            break;
        }
        stopped_at = now;
    }
    assert!(
        stopped_at < n as usize,
        "the import went on after its client had gone: {at_abort} rows at the abort, {stopped_at} in the end"
    );
    let csrf = other.csrf().await;
    let small = other
        .post_multipart(
            "/mandates/import",
            &[
                ("csrf", None, csrf.as_bytes()),
                (
                    "file",
                    Some("mandate.csv"),
                    b"Mandatsreferenz;Kontakt-ID;Unterschriftsdatum\nMR-X;1;01.02.2024\n",
                ),
            ],
        )
        .await;
    assert_eq!(small.status, 200, "{}", small.body);
    server.store.close().await;
}

async fn server_with_admin() -> Server {
    let server = Server::start(None).await;
    server.add_user("admin", ADMIN_PASSWORD, Role::Admin).await;
    server
}

async fn wrong_login(client: &mut Client, name: &str) -> u16 {
    let csrf = client.get("/login").await.csrf();
    client
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", name),
                ("password", "a wrong guess"),
            ],
        )
        .await
        .status
}

/// Regression: `back=/\evil.example` (and tabs, which browsers drop) redirected to another
/// site, and CR/LF in it gave a plain 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_switch_is_no_open_redirect() {
    let server = server_with_admin().await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    for back in [
        "/\\evil.example",
        "/\t/evil.example",
        "//evil.example",
        "/\r\nX: y",
        "https://evil.example",
    ] {
        let csrf = admin.csrf().await;
        let answer = admin
            .post(
                "/account/language",
                &[("csrf", &csrf), ("lang", "en"), ("back", back)],
            )
            .await;
        assert_eq!(answer.status, 303, "{back:?}: {}", answer.body);
        assert_eq!(answer.location.as_deref(), Some("/"), "{back:?}");
    }
    let csrf = admin.csrf().await;
    let answer = admin
        .post(
            "/account/language",
            &[
                ("csrf", &csrf),
                ("lang", "de"),
                ("back", "/invoices?page=2"),
            ],
        )
        .await;
    assert_eq!(answer.location.as_deref(), Some("/invoices?page=2"));
}

/// Regression: the CSRF value was accepted from the query string (it ends up in logs and
/// referrers), and any pre-login cookie a client chose was accepted (whoever sets it knows the
/// CSRF value of the login form).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csrf_comes_from_the_body_and_the_pre_login_cookie_from_the_server() {
    let server = server_with_admin().await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let csrf = admin.csrf().await;
    let in_query = admin
        .post(&format!("/account/language?csrf={csrf}"), &[("lang", "en")])
        .await;
    assert_eq!(in_query.status, 403, "{}", in_query.body);

    // A cookie of the attacker's choosing, with the CSRF value that belongs to it.
    let chosen = "a".repeat(64);
    let mut victim = server.client();
    victim
        .cookies
        .insert("lastschrift_pre".into(), chosen.clone());
    let forged = victim
        .post(
            "/login",
            &[
                ("csrf", &lastschrift_web::auth::csrf_token(&chosen)),
                ("username", "admin"),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(!victim.cookies.contains_key("lastschrift_session"));
    // The server's own pre-login cookie works.
    victim.cookies.clear();
    victim.login("admin", ADMIN_PASSWORD).await;
}

/// Regression: logging in again left the old session valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logging_in_again_ends_the_old_session() {
    let server = server_with_admin().await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let old = admin.cookies["lastschrift_session"].clone();
    // The login form posted again from the logged-in browser (an old tab).
    let csrf = admin.csrf().await;
    let again = admin
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "admin"),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, 303, "{}", again.body);
    let new = admin.cookies["lastschrift_session"].clone();
    assert_ne!(old, new);
    let mut stale = server.client();
    stale.cookies.insert("lastschrift_session".into(), old);
    let answer = stale.get("/").await;
    assert_eq!(answer.status, 303, "the old session still works");
    assert_eq!(answer.location.as_deref(), Some("/login"));
    assert_eq!(admin.get("/").await.status, 200);
}

/// Regression: five wrong passwords for `admin` from anywhere locked the real admin out for 15
/// minutes, renewable forever; an open session could not change its password meanwhile; behind
/// a reverse proxy all users shared one address; forty parallel guesses got eleven checks.
async fn guessing_slows_the_attacker_but_does_not_lock_out_the_owner(
    database: Option<DatabaseUrl>,
) {
    let proxy: std::net::IpAddr = "127.0.0.1".parse().unwrap();
    let server =
        Server::start_configured(None, database, |s| s.with_trusted_proxies(vec![proxy])).await;
    server.add_user("admin", ADMIN_PASSWORD, Role::Admin).await;
    let mut owner = server.client();
    owner
        .headers
        .push(("x-forwarded-for".into(), "198.51.100.10".into()));
    owner.login("admin", ADMIN_PASSWORD).await;

    // Forty guesses at once from one address behind the proxy: at most five are checked.
    let mut attackers = Vec::new();
    for _ in 0..40 {
        let mut c = server.client();
        c.headers
            .push(("x-forwarded-for".into(), "203.0.113.66".into()));
        // The login page first, so every one has its pre-login cookie and CSRF value.
        let csrf = c.get("/login").await.csrf();
        attackers.push((c, csrf));
    }
    let guesses = attackers.into_iter().map(|(mut c, csrf)| {
        tokio::spawn(async move {
            c.post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", "admin"),
                    ("password", "guess"),
                ],
            )
            .await
            .status
        })
    });
    let mut statuses = Vec::new();
    for g in guesses {
        statuses.push(g.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= 5, "{checked} password checks: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 40 - checked);

    // The owner's open session keeps working and can change the password.
    assert_eq!(owner.get("/").await.status, 200);
    let csrf = owner.csrf().await;
    let changed = owner
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", ADMIN_PASSWORD),
                ("new", "a new admin password 2"),
                ("new2", "a new admin password 2"),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);

    // The account waits a little, never fifteen minutes: the Retry-After says how long.
    let mut late = server.client();
    late.headers
        .push(("x-forwarded-for".into(), "192.0.2.5".into()));
    let csrf = late.get("/login").await.csrf();
    let answer = late
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "admin"),
                ("password", "a new admin password 2"),
            ],
        )
        .await;
    if answer.status == 429 {
        let wait: u64 = answer.headers["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(wait <= 60, "{wait}");
        assert!(answer.body.contains("einer Minute") || answer.body.contains("a minute"));
    } else {
        assert_eq!(answer.status, 303, "{}", answer.body);
    }

    // Other users behind the same proxy are counted by their own address.
    server
        .add_user("zweite", "second password", Role::Viewer)
        .await;
    let mut colleague = server.client();
    colleague
        .headers
        .push(("x-forwarded-for".into(), "198.51.100.11".into()));
    for _ in 0..5 {
        assert_eq!(wrong_login(&mut colleague, "zweite").await, 401);
    }
    server.store.close().await;
}

/// Regression: there was no timeout for reading request headers: 300 half-open connections
/// stayed open. Now a connection that has not sent its headers within
/// `HEADER_READ_TIMEOUT` is closed, and others are served meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connections_are_closed_after_the_header_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = server_with_admin().await;
    let mut idle = Vec::new();
    for n in 0..60 {
        let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        if n % 2 == 0 {
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
                .await
                .unwrap();
        }
        idle.push(stream);
    }
    let mut client = server.client();
    assert_eq!(client.get("/login").await.status, 200, "served meanwhile");
    let deadline = lastschrift_web::HEADER_READ_TIMEOUT + std::time::Duration::from_secs(10);
    for (n, mut stream) in idle.into_iter().enumerate() {
        let mut buffer = Vec::new();
        let read = tokio::time::timeout(deadline, stream.read_to_end(&mut buffer)).await;
        assert!(
            read.is_ok(),
            "connection {n} ({}) still open after {deadline:?}",
            if n % 2 == 0 {
                "half a header"
            } else {
                "nothing sent"
            }
        );
    }
}

/// Regressions: no way for an admin to reset another user's password; an invalid choice value
/// gave "This page does not exist"; user names were not normalised.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_resets_a_password_and_forms_say_what_is_wrong() {
    let server = server_with_admin().await;
    server
        .add_user("vera", "viewer password 1", Role::Viewer)
        .await;
    let vera_id = server
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "vera")
        .unwrap()
        .id;
    let mut vera = server.client();
    vera.login("vera", "viewer password 1").await;
    let mut admin = server.client();
    admin.login("ADMIN", ADMIN_PASSWORD).await;
    let page = admin.get("/users").await;
    assert!(
        page.body
            .contains(&format!("action=\"/users/{vera_id}/password\"")),
        "{}",
        page.body
    );

    let csrf = admin.csrf().await;
    let short = admin
        .post(
            &format!("/users/{vera_id}/password"),
            &[("csrf", &csrf), ("password", "short")],
        )
        .await;
    assert_eq!(short.status, 422);
    assert!(
        short.body.contains("mindestens 10 Zeichen"),
        "{}",
        short.body
    );
    let reset = admin
        .post(
            &format!("/users/{vera_id}/password"),
            &[("csrf", &csrf), ("password", "a new viewer password")],
        )
        .await;
    assert_eq!(reset.status, 303, "{}", reset.body);
    assert_eq!(vera.get("/").await.status, 303, "vera's old session ended");
    vera.login("vera", "a new viewer password").await;
    // A viewer cannot reset anybody's password.
    let csrf_v = vera.csrf().await;
    let refused = vera
        .post(
            "/users/1/password",
            &[("csrf", &csrf_v), ("password", "taken over 123")],
        )
        .await;
    assert_eq!(refused.status, 403);

    let invalid = admin
        .post(
            &format!("/users/{vera_id}/role"),
            &[("csrf", &csrf), ("role", "superuser")],
        )
        .await;
    assert_eq!(invalid.status, 422, "{}", invalid.body);
    assert!(
        invalid.body.contains("Diese Rolle gibt es nicht"),
        "{}",
        invalid.body
    );

    for name in ["ad\u{200b}min", "\u{430}dmin", "x\ny", &"a".repeat(10_000)] {
        let answer = admin
            .post(
                "/users",
                &[
                    ("csrf", &csrf),
                    ("username", name),
                    ("password", "a long password 1"),
                    ("role", "viewer"),
                ],
            )
            .await;
        assert_eq!(answer.status, 422, "{name:?}: {}", answer.status);
        assert!(answer.body.contains("Kleinbuchstaben a–z"), "{name:?}");
    }
    let taken = admin
        .post(
            "/users",
            &[
                ("csrf", &csrf),
                ("username", "VERA"),
                ("password", "a long password 1"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(taken.status, 422);
    assert_eq!(server.store.users().await.unwrap().len(), 2);
}

/// Regressions: an invalid `?date=` was silently ignored, a collection date had no upper
/// bound, and a stale or mistyped confirm date could make a run for another day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_far_collection_date_is_named_not_ignored() {
    let server = server_with_admin().await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let bad = admin.get("/run?date=kaputt").await;
    assert_eq!(bad.status, 200, "{}", bad.body);
    assert!(bad.body.contains("„kaputt“ ist kein Datum"), "{}", bad.body);
    let far = admin.get("/run?date=2062-01-01").await;
    assert_eq!(far.status, 200, "{}", far.body);
    assert!(far.body.contains("zu weit in der Zukunft"), "{}", far.body);
    let csrf = admin.csrf().await;
    for date in ["2062-01-01", "31.02.2027"] {
        let confirm = admin
            .post(
                "/run",
                &[("csrf", &csrf), ("date", date), ("fingerprint", "x")],
            )
            .await;
        assert_eq!(confirm.status, 200, "{date}: {}", confirm.body);
        assert!(
            confirm.body.contains("zu weit in der Zukunft")
                || confirm.body.contains("ist kein Datum"),
            "{date}: {}",
            confirm.body
        );
    }
    assert!(server.app.runs().await.unwrap().is_empty());
}

/// Regressions: raw framework errors in English ("Failed to deserialize query string"), and a
/// broken upload reported as "the form has expired".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_requests_are_explained_in_words_a_person_can_act_on() {
    let server = server_with_admin().await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let answer = admin.get("/invoices?page=abc").await;
    assert_eq!(answer.status, 400);
    assert!(
        !answer.body.contains("Failed to deserialize"),
        "{}",
        answer.body
    );
    assert!(answer.body.contains("ungültigen Wert"), "{}", answer.body);

    let broken = reqwest::Client::new()
        .post(server.url("/mandates/import"))
        .header("cookie", format!("lastschrift_session={}", admin.cookies["lastschrift_session"]))
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.csv\"\r\n\r\nMandatsrefe")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status().as_u16(), 400);
    let body = broken.text().await.unwrap();
    assert!(body.contains("nicht vollständig"), "{body}");
    assert!(!body.contains("abgelaufen"), "{body}");
}

/// Regressions: a token with a space gave a generic 500; the creditor name was not checked on
/// save and was silently cut to 70 characters in every file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_with_a_space_and_a_creditor_name_too_long_are_named() {
    let server = server_with_admin().await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let csrf = admin.csrf().await;
    let token = admin
        .post(
            "/settings/sevdesk",
            &[("csrf", &csrf), ("token", "abcdef0123 456789")],
        )
        .await;
    assert_eq!(token.status, 422, "{}", token.body);
    assert!(token.body.contains("Leerzeichen"), "{}", token.body);
    assert!(server.app.token_masked().await.unwrap().is_none());

    let long = "Muster Software und Beratung für Handwerksbetriebe im Raum Berlin-Brandenburg GmbH & Co. KG";
    assert!(long.chars().count() > 70);
    let saved = admin
        .post(
            "/settings/creditor",
            &[
                ("csrf", &csrf),
                ("name", long),
                ("iban", "DE89370400440532013000"),
                ("creditor_id", "DE98ZZZ09999999999"),
            ],
        )
        .await;
    assert_eq!(saved.status, 422, "{}", saved.body);
    assert!(saved.body.contains("auf 70 Zeichen"), "{}", saved.body);
    assert!(
        server
            .store
            .setting("web.creditor")
            .await
            .unwrap()
            .is_none()
    );
}

/// Regression: a double-clicked confirm said "No invoice can be collected" right after the
/// first click had made the run. The second click of the same preview lands on that run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_clicked_confirm_lands_on_the_run_the_first_click_made() {
    let (server, sandbox) = Server::synced(40, None, |_| {}).await;
    server.add_user("admin", ADMIN_PASSWORD, Role::Admin).await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let preview = admin.get("/run").await;
    assert_eq!(preview.status, 200);
    let fingerprint = preview.field("fingerprint");
    let date = preview.field("date");
    let csrf = preview.csrf();
    let form = [
        ("csrf", csrf.as_str()),
        ("date", date.as_str()),
        ("fingerprint", fingerprint.as_str()),
    ];
    let first = admin.post("/run", &form).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let second = admin.post("/run", &form).await;
    assert_eq!(second.status, 303, "{}", second.body);
    assert_eq!(first.location, second.location);
    assert_eq!(server.app.runs().await.unwrap().len(), 1);
    sandbox.shutdown().await;
}

/// Regression: the run's warnings (what was changed so the bank accepts the file) were never
/// shown in the web; they appear on the run page right after the confirm.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_confirm_shows_what_the_run_changed_for_the_bank() {
    // Every organisation's name gets a `{`, which no bank takes: the run replaces it.
    let (server, sandbox) = Server::synced(40, None, |sandbox| {
        sandbox.with_data(|d| {
            for c in d.contacts.values_mut() {
                if let Some(name) = &mut c.name {
                    name.push_str(" {Nord}");
                }
            }
        })
    })
    .await;
    server.add_user("admin", ADMIN_PASSWORD, Role::Admin).await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let preview = admin.get("/run").await;
    let confirmed = crate::web_support::confirm_run(&mut admin, &preview).await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let run_page = admin.get(confirmed.location.as_deref().unwrap()).await;
    let body = &run_page.body;
    assert!(body.contains("id=\"run-warnings\""), "{body}");
    assert!(
        body.contains("wird als") && body.contains("(Nord)"),
        "{body}"
    );
    assert!(body.contains("/files/"), "the run page with its files");
    assert_eq!(server.app.runs().await.unwrap().len(), 1);
    // Shown once: the next view does not repeat them.
    let later = admin.get(confirmed.location.as_deref().unwrap()).await;
    assert!(!later.body.contains("id=\"run-warnings\""));
    // Regression: the run's and the debits' status words were English on the German page.
    assert!(
        later.body.contains("<td>offen (bei der Bank)</td>"),
        "{}",
        later.body
    );
    assert!(!later.body.contains(">pending<"), "{}", later.body);
    // Under the invoice policy each debit says who announced it.
    assert!(
        later
            .body
            .contains("<td class=\"announced\">durch die Rechnung</td>"),
        "{}",
        later.body
    );
    let archive = admin.get("/runs").await;
    assert!(!archive.body.contains(">exported<"), "{}", archive.body);
    assert!(!archive.body.contains(">recorded<"), "{}", archive.body);
    assert!(
        archive.body.contains("<td>Datei geschrieben</td>")
            || archive.body.contains("<td>gespeichert</td>"),
        "{}",
        archive.body
    );
    sandbox.shutdown().await;
}

/// Regression: no timeout for request bodies: a client that announces a body and stalls held
/// the connection for ever. It gets 408 after `BODY_IDLE_TIMEOUT`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_request_body_is_answered_with_a_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = server_with_admin().await;
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ncsrf=ab",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let deadline = lastschrift_web::BODY_IDLE_TIMEOUT + std::time::Duration::from_secs(10);
    let read = tokio::time::timeout(deadline, async {
        let mut buffer = [0u8; 4096];
        loop {
            let n = stream.read(&mut buffer).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buffer[..n]);
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer after {deadline:?}");
    let head = String::from_utf8_lossy(&answer);
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
}

/// Regressions: the policies form had its own number limits, turned an unknown sequence type or
/// file format silently into the default, and the latest collection date was a constant. Now
/// every field is checked by the configuration file's rules, all wrong fields are named at
/// once, nothing is saved, and the saved maximum governs the run page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_form_is_checked_field_by_field_like_the_configuration_file() {
    let server = server_with_admin().await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let csrf = admin.csrf().await;
    let wrong = admin
        .post(
            "/settings/policies",
            &[
                ("csrf", csrf.as_str()),
                ("pre_notification_days", "400"),
                ("bank_lead_days", "31"),
                ("max_days_ahead", "0"),
                ("cut_off_time", "25:00"),
                ("sequence_type", "sometimes"),
                ("output_format", "pain.001.001.03"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    for expected in [
        "400 ist mehr als 365 Tage",
        "31 ist mehr als 30 Geschäftstage",
        "0 muss zwischen 1 und 365 Tagen liegen",
        "Bitte eine Uhrzeit als HH:MM eingeben.",
        "id=\"sequence-type-error\"",
        "id=\"output-format-error\"",
    ] {
        assert!(wrong.body.contains(expected), "{expected}: {}", wrong.body);
    }
    // What was typed stays in the form to be corrected.
    assert!(wrong.body.contains("value=\"400\""), "{}", wrong.body);
    assert!(
        server
            .store
            .setting("web.policies")
            .await
            .unwrap()
            .is_none()
    );
    let unchanged = server.app.settings().await.unwrap().settings.policies;
    assert_eq!(unchanged.pre_notification_days, 14);
    assert_eq!(unchanged.max_days_ahead, 90);

    let saved = admin
        .post(
            "/settings/policies",
            &[
                ("csrf", csrf.as_str()),
                ("pre_notification_days", "14"),
                ("bank_lead_days", "1"),
                ("max_days_ahead", "30"),
                ("cut_off_time", "10:00"),
                ("sequence_type", "frst_on_first_use"),
                ("output_format", "pain.008.001.08"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let policies = server.app.settings().await.unwrap().settings.policies;
    assert_eq!(policies.max_days_ahead, 30);
    assert_eq!(
        policies.sequence_type,
        lastschrift_core::settings::SequenceTypePolicy::FrstOnFirstUse
    );

    let today = chrono::Utc::now().date_naive();
    let beyond = admin
        .get(&format!("/run?date={}", today + chrono::Days::new(40)))
        .await;
    assert!(
        beyond.body.contains("zu weit in der Zukunft"),
        "{}",
        beyond.body
    );
    assert!(beyond.body.contains("30 Tage ab heute"), "{}", beyond.body);
    let far = admin
        .get(&format!("/run?date={}", today + chrono::Days::new(21)))
        .await;
    assert!(!far.body.contains("zu weit in der Zukunft"), "{}", far.body);
    assert!(far.body.contains("id=\"far-ahead-note\""), "{}", far.body);
    assert!(
        far.body.contains("höchstens 14 Kalendertage"),
        "{}",
        far.body
    );
    let near = admin
        .get(&format!("/run?date={}", today + chrono::Days::new(7)))
        .await;
    assert!(!near.body.contains("far-ahead-note"), "{}", near.body);
}

/// Regression: a mandate edit or a form request with a value the page does not offer answered
/// "this page does not exist".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_the_form_does_not_offer_is_named_not_a_missing_page() {
    let server = server_with_admin().await;
    server.store.upsert_contacts(&[contact(1)]).await.unwrap();
    server
        .app
        .import_mandates(
            b"reference,contact_id,signature_date\nMR-1,1,2024-03-01\n",
            chrono::Utc::now().date_naive(),
        )
        .await
        .unwrap();
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let csrf = admin.csrf().await;
    let edit = admin
        .post(
            "/mandates/edit",
            &[
                ("csrf", csrf.as_str()),
                ("reference", "MR-1"),
                ("signature_date", "01.03.2024"),
                ("scheme", "B2C"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(edit.status, 422, "{}", edit.body);
    assert!(
        edit.body.contains("Diese Auswahl gibt es nicht"),
        "{}",
        edit.body
    );
    let forms = admin
        .post(
            "/mandates/forms",
            &[("csrf", csrf.as_str()), ("scheme", "B2C")],
        )
        .await;
    assert_eq!(forms.status, 422, "{}", forms.body);
    assert!(
        forms.body.contains("Diese Auswahl gibt es nicht"),
        "{}",
        forms.body
    );
}

/// Regression: after its first request a kept-alive connection could stay idle for ever (hyper
/// has no timeout between requests), so a client could hold hundreds of sockets. It is closed
/// after `KEEP_ALIVE_TIMEOUT`; a connection that keeps asking stays open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = server_with_admin().await;
    let request = b"GET /login HTTP/1.1\r\nHost: localhost\r\n\r\n";
    let mut idle = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(request).await.unwrap();
    assert!(whole_page(&mut idle).await.starts_with("HTTP/1.1 200"));
    let mut busy = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let timeout = lastschrift_web::KEEP_ALIVE_TIMEOUT;
    let started = std::time::Instant::now();
    // The busy connection asks every few seconds, for longer than the timeout.
    while started.elapsed() < timeout + std::time::Duration::from_secs(3) {
        busy.write_all(request).await.unwrap();
        let first = whole_page(&mut busy).await;
        assert!(first.starts_with("HTTP/1.1 200"), "{first}");
        tokio::time::sleep(timeout / 3).await;
    }
    // The idle one was closed meanwhile: reading gives the end of the stream at once.
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        idle.read_to_end(&mut rest),
    )
    .await;
    assert!(
        matches!(closed, Ok(Ok(_))),
        "the idle connection is still open after {:?}",
        started.elapsed()
    );
}

/// One whole HTML answer from a raw connection (up to its `</html>`).
async fn whole_page(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt;
    let mut page = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    while !String::from_utf8_lossy(&page).contains("</html>") {
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(
            n > 0,
            "closed mid-answer: {}",
            String::from_utf8_lossy(&page)
        );
        page.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8_lossy(&page).into_owned()
}
