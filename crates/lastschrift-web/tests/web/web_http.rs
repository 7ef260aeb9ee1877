//! The web UI over real HTTP: the router from `lastschrift_web` on 127.0.0.1:0, a SQLite store,
//! and (for sync) the sevdesk sandbox. Security properties first: sessions, CSRF, roles, headers,
//! rate limit, the token never shown.

use crate::web_support;
#[cfg(feature = "postgres-tests")]
use test_support as common;
#[allow(unused_imports)]
use test_support::backends;

use lastschrift_store::Role;
use lastschrift_web::{Access, ROUTES};
use sevdesk_sandbox::{Sandbox, SandboxConfig};
use web_support::{Server, concrete};

const ADMIN_PASSWORD: &str = "admin password 1";

async fn server_with_admin() -> Server {
    let server = Server::start(None).await;
    server.add_user("admin", ADMIN_PASSWORD, Role::Admin).await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_leads_to_the_admin_form_and_only_once() {
    let server = Server::start(None).await;
    let mut browser = server.client();
    for (method, pattern, _) in ROUTES {
        let path = concrete(pattern);
        if path.starts_with("/static/") || path == "/setup/admin" {
            continue;
        }
        let answer = if *method == "get" {
            browser.get(&path).await
        } else {
            browser.post(&path, &[]).await
        };
        assert_eq!(answer.status, 303, "{method} {path}");
        assert_eq!(
            answer.location.as_deref(),
            Some("/setup/admin"),
            "{method} {path}"
        );
    }
    let form = browser.get("/setup/admin").await;
    assert_eq!(form.status, 200);
    let csrf = form.csrf();
    let short = browser
        .post(
            "/setup/admin",
            &[
                ("csrf", &csrf),
                ("username", "chefin"),
                ("password", "kurz"),
                ("password2", "kurz"),
            ],
        )
        .await;
    assert_eq!(short.status, 422);
    assert_eq!(server.store.user_count().await.unwrap(), 0);
    let created = browser
        .post(
            "/setup/admin",
            &[
                ("csrf", &csrf),
                ("username", "chefin"),
                ("password", ADMIN_PASSWORD),
                ("password2", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(created.location.as_deref(), Some("/settings"));
    let user = server
        .store
        .user_by_username("chefin")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, Role::Admin);
    assert!(user.password_hash.starts_with("$argon2id$"));
    // Logged in right away; the settings page (setup wizard) shows.
    assert_eq!(browser.get("/settings").await.status, 200);

    // A second first-start form (another browser) creates nobody.
    let mut other = server.client();
    let page = other.get("/setup/admin").await;
    assert_eq!(page.location.as_deref(), Some("/login"));
    let csrf = other.get("/login").await.csrf();
    let again = other
        .post(
            "/setup/admin",
            &[
                ("csrf", &csrf),
                ("username", "mallory"),
                ("password", ADMIN_PASSWORD),
                ("password2", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, 403);
    assert!(
        server
            .store
            .user_by_username("mallory")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_refuses_an_unauthenticated_request() {
    let server = server_with_admin().await;
    let mut anonymous = server.client();
    let mut checked = 0;
    for (method, pattern, access) in ROUTES {
        let path = concrete(pattern);
        if *access == Access::Public {
            continue;
        }
        let answer = if *method == "get" {
            anonymous.get(&path).await
        } else {
            // Even with a valid pre-session CSRF value the request needs a session.
            let csrf = anonymous.get("/login").await.csrf();
            anonymous.post(&path, &[("csrf", &csrf)]).await
        };
        assert_eq!(answer.status, 303, "{method} {path}: {}", answer.body);
        assert_eq!(
            answer.location.as_deref(),
            Some("/login"),
            "{method} {path}"
        );
        assert!(
            !answer.body.contains("<table"),
            "{method} {path} leaked a page"
        );
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} routes checked");
    // A made-up session cookie is no session.
    anonymous
        .cookies
        .insert("lastschrift_session".into(), "forged".into());
    assert_eq!(anonymous.get("/").await.location.as_deref(), Some("/login"));
    // The public routes answer.
    for path in ["/login", "/static/style.css", "/static/app.js"] {
        assert_eq!(server.client().get(path).await.status, 200, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_post_without_its_csrf_token_is_refused() {
    let server = server_with_admin().await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let policies = [
        ("pre_notification_days", "5"),
        ("bank_lead_days", "2"),
        ("cut_off_time", "09:30"),
    ];
    let missing = admin.post("/settings/policies", &policies).await;
    assert_eq!(missing.status, 403, "{}", missing.body);
    let mut wrong = vec![("csrf", "00ff")];
    wrong.extend(policies);
    assert_eq!(admin.post("/settings/policies", &wrong).await.status, 403);

    // A valid value of another session does not count either.
    let mut other = server.client();
    other.login("admin", ADMIN_PASSWORD).await;
    let foreign = other.csrf().await;
    let mut with_foreign = vec![("csrf", foreign.as_str())];
    with_foreign.extend(policies);
    assert_eq!(
        admin.post("/settings/policies", &with_foreign).await.status,
        403
    );
    assert!(
        server
            .store
            .setting("web.policies")
            .await
            .unwrap()
            .is_none()
    );

    let own = admin.csrf().await;
    let mut with_own = vec![("csrf", own.as_str())];
    with_own.extend(policies);
    let saved = admin.post("/settings/policies", &with_own).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let stored = server.store.setting("web.policies").await.unwrap().unwrap();
    assert!(stored.contains("\"pre_notification_days\":5"), "{stored}");

    // The login form is protected as well (pre-session token).
    let mut anonymous = server.client();
    let refused = anonymous
        .post(
            "/login",
            &[("username", "admin"), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(!anonymous.cookies.contains_key("lastschrift_session"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_cannot_start_a_run_or_change_settings() {
    let server = server_with_admin().await;
    server
        .add_user("leser", "viewer password", Role::Viewer)
        .await;
    let mut viewer = server.client();
    viewer.login("leser", "viewer password").await;
    assert_eq!(viewer.get("/").await.status, 200);
    assert_eq!(viewer.get("/invoices").await.status, 200);
    assert_eq!(viewer.get("/runs").await.status, 200);
    assert_eq!(viewer.get("/settings").await.status, 403);
    assert_eq!(viewer.get("/users").await.status, 403);
    let csrf = viewer.csrf().await;
    for (path, form) in [
        ("/run", vec![("date", "2030-01-02")]),
        ("/sync", vec![]),
        (
            "/settings/creditor",
            vec![
                ("name", "X"),
                ("iban", "DE89370400440532013000"),
                ("creditor_id", "DE98ZZZ09999999999"),
            ],
        ),
        (
            "/settings/policies",
            vec![
                ("pre_notification_days", "1"),
                ("bank_lead_days", "1"),
                ("cut_off_time", "10:00"),
            ],
        ),
        (
            "/settings/sevdesk",
            vec![("token", "0123456789abcdef0123456789abcdef")],
        ),
        (
            "/users",
            vec![
                ("username", "x"),
                ("password", "long enough pw"),
                ("role", "admin"),
            ],
        ),
        (
            "/mandates/import",
            vec![("csv", "reference,contact_id\nA,1\n")],
        ),
    ] {
        let mut body = vec![("csrf", csrf.as_str())];
        body.extend(form);
        let answer = viewer.post(path, &body).await;
        assert_eq!(answer.status, 403, "{path}: {}", answer.body);
    }
    assert!(
        server
            .store
            .setting("web.creditor")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        server
            .store
            .setting("web.policies")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(server.store.users().await.unwrap().len(), 2);
    assert!(server.store.collection_runs().await.unwrap().is_empty());
    assert!(server.store.mandates().await.unwrap().is_empty());

    // A preparer may not change settings either.
    server
        .add_user("vorbereiter", "preparer password", Role::Preparer)
        .await;
    let mut preparer = server.client();
    preparer.login("vorbereiter", "preparer password").await;
    let csrf = preparer.csrf().await;
    let answer = preparer
        .post(
            "/settings/policies",
            &[
                ("csrf", &csrf),
                ("pre_notification_days", "1"),
                ("bank_lead_days", "1"),
                ("cut_off_time", "10:00"),
            ],
        )
        .await;
    assert_eq!(answer.status, 403);

    // Deleting a user ends their sessions at once.
    assert_eq!(viewer.get("/").await.status, 200);
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let csrf = admin.csrf().await;
    let id = server
        .store
        .user_by_username("leser")
        .await
        .unwrap()
        .unwrap()
        .id;
    let deleted = admin
        .post(&format!("/users/{id}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(deleted.location.as_deref(), Some("/users"));
    assert_eq!(viewer.get("/").await.location.as_deref(), Some("/login"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_cannot_be_reused_after_logout() {
    let server = server_with_admin().await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let stolen = admin.cookies.get("lastschrift_session").cloned().unwrap();
    assert_eq!(admin.get("/").await.status, 200);
    let csrf = admin.csrf().await;
    let out = admin.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert!(
        out.set_cookies
            .iter()
            .any(|c| c.starts_with("lastschrift_session=;") && c.contains("Max-Age=0"))
    );
    assert_eq!(admin.get("/").await.location.as_deref(), Some("/login"));

    let mut replay = server.client();
    replay.cookies.insert("lastschrift_session".into(), stolen);
    let answer = replay.get("/").await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location.as_deref(), Some("/login"));
    assert_eq!(
        replay.get("/settings").await.location.as_deref(),
        Some("/login")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attempts_are_rate_limited() {
    let server = server_with_admin().await;
    let mut attacker = server.client();
    for attempt in 0..5 {
        let csrf = attacker.get("/login").await.csrf();
        let answer = attacker
            .post(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", "admin"),
                    ("password", "guess"),
                ],
            )
            .await;
        assert_eq!(answer.status, 401, "attempt {attempt}");
    }
    let csrf = attacker.get("/login").await.csrf();
    let blocked = attacker
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "admin"),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(blocked.status, 429, "even the right password waits");
    assert!(!attacker.cookies.contains_key("lastschrift_session"));
    // Another user name from the same address is not affected.
    server
        .add_user("zweite", "second password", Role::Viewer)
        .await;
    attacker.login("zweite", "second password").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_and_cookie_flags() {
    let server = server_with_admin().await;
    let mut client = server.client();
    let page = client.get("/login").await;
    let header = |name: &str| {
        page.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let csp = header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    assert_eq!(header("referrer-policy").as_deref(), Some("no-referrer"));
    assert!(!page.body.contains("<script>"), "no inline script");
    assert!(!page.body.contains(" onclick="), "no inline handlers");

    client.login("admin", ADMIN_PASSWORD).await;
    let mut over_tls = server.client();
    over_tls
        .headers
        .push(("x-forwarded-proto".into(), "https".into()));
    let csrf = over_tls.get("/login").await.csrf();
    let login = over_tls
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "admin"),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    let cookie = login
        .set_cookies
        .iter()
        .find(|c| c.starts_with("lastschrift_session="))
        .unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    // The store keeps only the hash of the session token.
    let token = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    assert!(
        server
            .store
            .session(token, chrono::Utc::now())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_follows_the_browser_then_the_user_choice() {
    let server = server_with_admin().await;
    let mut client = server.client();
    client
        .headers
        .push(("accept-language".into(), "en-GB,en;q=0.9,de;q=0.5".into()));
    assert!(client.get("/login").await.body.contains("Log in"));
    client.headers.clear();
    assert!(client.get("/login").await.body.contains("Anmelden"));
    client.login("admin", ADMIN_PASSWORD).await;
    assert!(client.get("/").await.body.contains("Übersicht"));
    let csrf = client.csrf().await;
    let switched = client
        .post(
            "/account/language",
            &[("csrf", &csrf), ("lang", "en"), ("back", "/invoices")],
        )
        .await;
    assert_eq!(switched.location.as_deref(), Some("/invoices"));
    assert!(client.get("/").await.body.contains("Dashboard"));
    // No open redirect.
    let csrf = client.csrf().await;
    let away = client
        .post(
            "/account/language",
            &[("csrf", &csrf), ("lang", "de"), ("back", "//evil.example")],
        )
        .await;
    assert_eq!(away.location.as_deref(), Some("/"));
}

/// Saves the sandbox token through the form, syncs, and then reads every page: the token is in
/// none of them (only its masked form), and only GETs reached sevdesk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sevdesk_token_is_never_in_any_page() {
    let today = chrono::Utc::now().date_naive();
    let sandbox = Sandbox::start(SandboxConfig {
        seed: 11,
        invoices: 120,
        today,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let token = sandbox.token().to_owned();
    let server = Server::start(Some(sandbox.base_url())).await;
    server.add_user("admin", ADMIN_PASSWORD, Role::Admin).await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;

    let csrf = admin.csrf().await;
    let wrong = admin
        .post(
            "/settings/sevdesk",
            &[
                ("csrf", &csrf),
                ("token", "0123456789abcdef0123456789abcdef"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("id=\"token-error\""), "{}", wrong.body);
    assert!(
        server
            .store
            .secret("sevdesk_token")
            .await
            .unwrap()
            .is_none()
    );

    let saved = admin
        .post("/settings/sevdesk", &[("csrf", &csrf), ("token", &token)])
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("id=\"token-masked\""));
    assert!(!saved.body.contains(&token));

    let started = admin.post("/sync", &[("csrf", &csrf)]).await;
    assert_eq!(started.location.as_deref(), Some("/sync"));
    let mut finished = false;
    for _ in 0..300 {
        let page = admin.get("/sync").await;
        assert!(!page.body.contains(&token));
        if page.body.contains("id=\"sync-finished\"") {
            finished = true;
            break;
        }
        assert!(!page.body.contains("id=\"sync-failed\""), "{}", page.body);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(finished, "the sync did not finish");

    let mut pages = 0;
    for (method, pattern, _) in ROUTES {
        if *method != "get" {
            continue;
        }
        let answer = admin.get(&concrete(pattern)).await;
        assert!(!answer.body.contains(&token), "{pattern} shows the token");
        assert!(
            !answer.body.contains(&token[..12]),
            "{pattern} shows part of the token"
        );
        pages += 1;
    }
    for path in [
        "/invoices?filter=blocked",
        "/invoices?page=1",
        "/requests",
        "/settings",
    ] {
        let answer = admin.get(path).await;
        assert_eq!(answer.status, 200, "{path}");
        assert!(!answer.body.contains(&token), "{path}");
    }
    assert!(pages > 10);

    let requests = admin.get("/requests").await.body;
    assert!(
        requests.contains("<td class=\"method\">GET</td>"),
        "{requests}"
    );
    assert!(!requests.contains("<td class=\"method\">POST</td>"));
    assert_eq!(sandbox.write_attempts(), 0);
}

/// CSV import answers per row; the edit form changes signature date, scheme and status and keeps
/// the rest; a viewer can do neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mandates_import_with_a_result_per_row_and_edit() {
    use lastschrift_store::{MandateStatus, Scheme};
    let server = server_with_admin().await;
    server
        .store
        .upsert_contacts(&[test_support::organisation(
            77,
            "1077",
            "Gross GmbH",
            "DE89370400440532013000",
        )])
        .await
        .unwrap();
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let csrf = admin.csrf().await;
    let csv = "reference,contact_id,signature_date\nMR-77,77,2024-02-01\nMR-99,99,2024-02-01\n";
    let answer = admin
        .post("/mandates/import", &[("csrf", &csrf), ("csv", csv)])
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let rows = answer
        .body
        .split("id=\"import-rows\"")
        .nth(1)
        .expect("a result table");
    assert!(rows.contains("<td>MR-77</td><td>created</td>"), "{rows}");
    assert!(
        rows.contains("class=\"error\"><td>3</td><td>MR-99</td>"),
        "{rows}"
    );
    assert!(answer.body.contains("<td>Gross GmbH</td>"));

    let form = admin.get("/mandates/edit?reference=MR-77").await;
    assert_eq!(form.status, 200);
    let saved = edit_mr_77(&mut admin, &csrf, "2024-03-05", "B2B", "revoked").await;
    assert_eq!(
        saved.location.as_deref(),
        Some("/mandates"),
        "{}",
        saved.body
    );
    let mandate = stored_mr_77(&server).await;
    assert_eq!(
        mandate.signature_date,
        chrono::NaiveDate::from_ymd_opt(2024, 3, 5)
    );
    assert_eq!(mandate.scheme, Scheme::B2b);
    assert_eq!(mandate.status, MandateStatus::Revoked);
    assert_eq!(mandate.contact_id, 77);
    let bad = edit_mr_77(&mut admin, &csrf, "5.3.", "CORE", "active").await;
    assert_eq!(bad.status, 422);
    assert_eq!(stored_mr_77(&server).await, mandate, "nothing changed");

    server
        .add_user("leser", "viewer password", Role::Viewer)
        .await;
    let mut viewer = server.client();
    viewer.login("leser", "viewer password").await;
    assert!(
        !viewer
            .get("/mandates")
            .await
            .body
            .contains("/mandates/edit?")
    );
    assert_eq!(
        viewer.get("/mandates/edit?reference=MR-77").await.status,
        403
    );
    let csrf = viewer.csrf().await;
    let refused = edit_mr_77(&mut viewer, &csrf, "", "CORE", "active").await;
    assert_eq!(refused.status, 403);
    assert_eq!(stored_mr_77(&server).await, mandate, "nothing changed");
}

/// The mandate edit form for MR-77, as a browser sends it.
async fn edit_mr_77(
    client: &mut web_support::Client,
    csrf: &str,
    date: &str,
    scheme: &str,
    status: &str,
) -> test_support::http::Answer {
    client
        .post(
            "/mandates/edit",
            &[
                ("csrf", csrf),
                ("reference", "MR-77"),
                ("signature_date", date),
                ("scheme", scheme),
                ("status", status),
            ],
        )
        .await
}

async fn stored_mr_77(server: &Server) -> lastschrift_store::Mandate {
    server
        .store
        .mandate_by_reference("MR-77")
        .await
        .unwrap()
        .expect("MR-77 is stored")
}

fn count_of(body: &str) -> usize {
    let marker = "id=\"invoice-count\">";
    let start = body.find(marker).expect("invoice count") + marker.len();
    body[start..].split(' ').next().unwrap().parse().unwrap()
}

/// The invoice list after a sync: the filters partition the list, blocked-by-reason matches the
/// dashboard groups, search narrows, paging walks through without overlap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoice_list_filters_search_and_pages() {
    let sandbox = Sandbox::start(SandboxConfig {
        seed: 3,
        invoices: 400,
        today: chrono::Utc::now().date_naive(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let server = Server::start(Some(sandbox.base_url())).await;
    server.add_user("admin", ADMIN_PASSWORD, Role::Admin).await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let csrf = admin.csrf().await;
    let token = sandbox.token().to_owned();
    admin
        .post("/settings/sevdesk", &[("csrf", &csrf), ("token", &token)])
        .await;
    admin.post("/sync", &[("csrf", &csrf)]).await;
    for _ in 0..300 {
        if admin
            .get("/sync")
            .await
            .body
            .contains("id=\"sync-finished\"")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let open = server.store.open_invoices().await.unwrap().len();
    let all = count_of(&admin.get("/invoices").await.body);
    assert_eq!(all, open);
    let parts: usize = [
        count_of(&admin.get("/invoices?filter=ready").await.body),
        count_of(&admin.get("/invoices?filter=blocked").await.body),
        count_of(&admin.get("/invoices?filter=collected").await.body),
        count_of(&admin.get("/invoices?filter=returned").await.body),
    ]
    .iter()
    .sum();
    assert_eq!(parts, all, "every invoice is in exactly one filter");

    // Each dashboard group links to a filter with exactly its count.
    let dashboard = admin.get("/").await.body;
    let mut groups = 0;
    for piece in dashboard
        .split("href=\"/invoices?filter=blocked&amp;reason=")
        .skip(1)
    {
        let code = piece.split('"').next().unwrap();
        let count: usize = piece
            .split("<td class=\"num\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let listed = count_of(
            &admin
                .get(&format!("/invoices?filter=blocked&reason={code}"))
                .await
                .body,
        );
        assert_eq!(listed, count, "{code}");
        groups += 1;
    }
    assert!(groups >= 2, "{dashboard}");

    let first = server.store.open_invoices().await.unwrap()[0].clone();
    let number = first.number.unwrap();
    let found = admin.get(&format!("/invoices?q={number}")).await.body;
    assert!(count_of(&found) >= 1 && count_of(&found) < all);
    assert!(found.contains(&format!("<td>{number}</td>")));

    let page0 = admin.get("/invoices").await.body;
    let page1 = admin.get("/invoices?page=1").await.body;
    let ids = |body: &str| -> Vec<String> {
        body.split("data-id=\"")
            .skip(1)
            .map(|p| p.split('"').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&page0).len(), 50);
    assert!(ids(&page1).iter().all(|id| !ids(&page0).contains(id)));
    assert!(page0.contains("rel=\"next\""));
}

/// The session, CSRF and role rules on PostgreSQL as well (same router, other store backend).
#[cfg(feature = "postgres-tests")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_csrf_and_roles_on_postgres() {
    common::with_postgres_schema("web", |url| async move {
        let server = Server::start_on(None, Some(url)).await;
        server.add_user("admin", ADMIN_PASSWORD, Role::Admin).await;
        server
            .add_user("leser", "viewer password", Role::Viewer)
            .await;
        let mut admin = server.client();
        admin.login("admin", ADMIN_PASSWORD).await;
        let csrf = admin.csrf().await;
        let form = [
            ("pre_notification_days", "3"),
            ("bank_lead_days", "1"),
            ("cut_off_time", "10:00"),
        ];
        assert_eq!(admin.post("/settings/policies", &form).await.status, 403);
        let mut with_csrf = vec![("csrf", csrf.as_str())];
        with_csrf.extend(form);
        assert_eq!(
            admin.post("/settings/policies", &with_csrf).await.status,
            200
        );

        let mut viewer = server.client();
        viewer.login("leser", "viewer password").await;
        let viewer_csrf = viewer.csrf().await;
        let mut as_viewer = vec![("csrf", viewer_csrf.as_str())];
        as_viewer.extend(form);
        assert_eq!(
            viewer.post("/settings/policies", &as_viewer).await.status,
            403
        );

        let stolen = admin.cookies.get("lastschrift_session").cloned().unwrap();
        admin.post("/logout", &[("csrf", &csrf)]).await;
        let mut replay = server.client();
        replay.cookies.insert("lastschrift_session".into(), stolen);
        assert_eq!(replay.get("/").await.location.as_deref(), Some("/login"));
        server.store.close().await;
    })
    .await;
}

fn contact(id: i64, name: &str) -> lastschrift_store::Contact {
    test_support::organisation(id, &format!("1{id:03}"), name, "DE89370400440532013000")
}

/// The mandate CSV as a real file upload (multipart/form-data): a result per row, the good row
/// stored; no CSRF value or a viewer: refused; too large: a clear message; pasting still works
/// through the same form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mandate_csv_upload_as_a_file() {
    let server = server_with_admin().await;
    server
        .store
        .upsert_contacts(&[contact(77, "Gross GmbH"), contact(78, "Klein KG")])
        .await
        .unwrap();
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let page = admin.get("/mandates").await;
    assert!(
        page.body.contains("enctype=\"multipart/form-data\"")
            && page.body.contains("type=\"file\" name=\"file\""),
        "{}",
        page.body
    );
    let csrf = admin.csrf().await;
    let csv = b"reference,contact_id,signature_date\nMR-77,77,2024-02-01\nMR-99,99,2024-02-01\n";

    // Without the CSRF value: refused before anything is read into the store.
    let refused = admin
        .post_multipart("/mandates/import", &[("file", Some("mandate.csv"), csv)])
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let wrong = admin
        .post_multipart(
            "/mandates/import",
            &[("csrf", None, b"00ff"), ("file", Some("mandate.csv"), csv)],
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert!(server.store.mandates().await.unwrap().is_empty());

    // A viewer with a valid CSRF value: refused by role.
    server
        .add_user("leser", "viewer password", Role::Viewer)
        .await;
    let mut viewer = server.client();
    viewer.login("leser", "viewer password").await;
    let viewer_csrf = viewer.csrf().await;
    let answer = viewer
        .post_multipart(
            "/mandates/import",
            &[
                ("csrf", None, viewer_csrf.as_bytes()),
                ("file", Some("mandate.csv"), csv),
            ],
        )
        .await;
    assert_eq!(answer.status, 403);
    assert!(server.store.mandates().await.unwrap().is_empty());

    // The file, with an empty paste field as the browser sends it.
    let answer = admin
        .post_multipart(
            "/mandates/import",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("file", Some("mandate.csv"), csv),
                ("csv", None, b""),
            ],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let rows = answer
        .body
        .split("id=\"import-rows\"")
        .nth(1)
        .expect("a result table");
    assert!(
        rows.contains("<td>2</td><td>MR-77</td><td>created</td>"),
        "{rows}"
    );
    assert!(
        rows.contains("class=\"error\"><td>3</td><td>MR-99</td>"),
        "{rows}"
    );
    let stored = server.store.mandates().await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].reference, "MR-77");
    assert_eq!(stored[0].contact_id, 77);
    assert_eq!(
        stored[0].signature_date,
        chrono::NaiveDate::from_ymd_opt(2024, 2, 1)
    );

    // No file chosen: the pasted text is imported.
    let answer = admin
        .post_multipart(
            "/mandates/import",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("file", Some(""), b""),
                (
                    "csv",
                    None,
                    b"reference,contact_id,signature_date\nMR-78,78,2024-03-01\n",
                ),
            ],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(
        server
            .store
            .mandate_by_reference("MR-78")
            .await
            .unwrap()
            .is_some()
    );

    // Neither: a sentence, nothing imported.
    let empty = admin
        .post_multipart(
            "/mandates/import",
            &[("csrf", None, csrf.as_bytes()), ("file", Some(""), b"")],
        )
        .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("id=\"import-error\""), "{}", empty.body);

    // Over 5 MiB: refused with a clear message, nothing imported.
    let mut big = b"reference,contact_id,signature_date\n".to_vec();
    while big.len() <= lastschrift_web::MAX_UPLOAD_BYTES {
        big.extend_from_slice(b"MR-BIG,77,2024-02-01\n");
    }
    let too_large = admin
        .post_multipart(
            "/mandates/import",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("file", Some("big.csv"), &big),
            ],
        )
        .await;
    assert_eq!(too_large.status, 413, "{}", too_large.body);
    assert!(too_large.body.contains("5 MiB"), "{}", too_large.body);
    assert!(
        server
            .store
            .mandate_by_reference("MR-BIG")
            .await
            .unwrap()
            .is_none()
    );

    // A body beyond the form limit (the upload plus room for the other fields) is refused by the
    // guard, after it was read to its end (so the sender gets the answer), and the page says why.
    big.resize(lastschrift_web::MAX_UPLOAD_BYTES + 1024 * 1024, b'\n');
    let way_too_large = admin
        .post_multipart(
            "/mandates/import",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("file", Some("big.csv"), &big),
            ],
        )
        .await;
    assert_eq!(way_too_large.status, 413);
    assert!(
        way_too_large.body.contains("5 MiB"),
        "{}",
        way_too_large.body
    );
    assert!(
        server
            .store
            .mandate_by_reference("MR-BIG")
            .await
            .unwrap()
            .is_none()
    );
}

/// An administrator changes roles; the change counts from the next request on (no stale cached
/// session); the last administrator stays one; nobody else may change roles.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_changes_roles_and_it_counts_at_once() {
    let server = server_with_admin().await;
    server
        .add_user("leser", "viewer password", Role::Viewer)
        .await;
    let mut viewer = server.client();
    viewer.login("leser", "viewer password").await;
    assert_eq!(viewer.get("/users").await.status, 403);
    let viewer_id = server
        .store
        .user_by_username("leser")
        .await
        .unwrap()
        .unwrap()
        .id;
    let admin_id = server
        .store
        .user_by_username("admin")
        .await
        .unwrap()
        .unwrap()
        .id;

    // The viewer cannot change roles, not even their own.
    let csrf = viewer.csrf().await;
    let refused = viewer
        .post(
            &format!("/users/{viewer_id}/role"),
            &[("csrf", &csrf), ("role", "admin")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        server.store.user(viewer_id).await.unwrap().unwrap().role,
        Role::Viewer
    );

    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let users = admin.get("/users").await;
    assert!(
        users
            .body
            .contains(&format!("action=\"/users/{viewer_id}/role\"")),
        "{}",
        users.body
    );
    let csrf = admin.csrf().await;
    let changed = admin
        .post(
            &format!("/users/{viewer_id}/role"),
            &[("csrf", &csrf), ("role", "preparer")],
        )
        .await;
    assert_eq!(
        changed.location.as_deref(),
        Some("/users"),
        "{}",
        changed.body
    );
    assert_eq!(
        server.store.user(viewer_id).await.unwrap().unwrap().role,
        Role::Preparer
    );
    // The very next request of the already logged-in user has the new role.
    let mandates = viewer.get("/mandates").await;
    assert!(mandates.body.contains("action=\"/mandates/import\""));
    assert_eq!(viewer.get("/users").await.status, 403);

    // A preparer cannot change roles either.
    let csrf = viewer.csrf().await;
    let refused = viewer
        .post(
            &format!("/users/{viewer_id}/role"),
            &[("csrf", &csrf), ("role", "admin")],
        )
        .await;
    assert_eq!(refused.status, 403);

    // Promoted to admin: the users page opens on the next request.
    let csrf = admin.csrf().await;
    admin
        .post(
            &format!("/users/{viewer_id}/role"),
            &[("csrf", &csrf), ("role", "admin")],
        )
        .await;
    assert_eq!(viewer.get("/users").await.status, 200);

    // Demoted again: refused at once.
    admin
        .post(
            &format!("/users/{viewer_id}/role"),
            &[("csrf", &csrf), ("role", "viewer")],
        )
        .await;
    assert_eq!(viewer.get("/users").await.status, 403);

    // The last administrator cannot stop being one.
    let last = admin
        .post(
            &format!("/users/{admin_id}/role"),
            &[("csrf", &csrf), ("role", "viewer")],
        )
        .await;
    assert_eq!(last.status, 422, "{}", last.body);
    assert_eq!(
        server.store.user(admin_id).await.unwrap().unwrap().role,
        Role::Admin
    );
    // An unknown role is no role, and the page says so (not "this page does not exist").
    let unknown = admin
        .post(
            &format!("/users/{viewer_id}/role"),
            &[("csrf", &csrf), ("role", "root")],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("Diese Rolle gibt es nicht"));
}

/// Every user changes their own password: the current one is required, the new one is stored as
/// argon2id, and every other session of the user ends while this browser stays logged in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_password_change_needs_the_current_one_and_ends_other_sessions() {
    let server = server_with_admin().await;
    server
        .add_user("leser", "viewer password", Role::Viewer)
        .await;
    let mut here = server.client();
    here.login("leser", "viewer password").await;
    let mut elsewhere = server.client();
    elsewhere.login("leser", "viewer password").await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    // Warm the session cache for the other browser.
    assert_eq!(elsewhere.get("/").await.status, 200);

    let account = here.get("/account").await;
    assert_eq!(account.status, 200);
    assert!(account.body.contains("action=\"/account/password\""));
    let csrf = account.csrf();
    let new_password = "new viewer password";

    // Without the CSRF value: refused.
    let no_csrf = here
        .post(
            "/account/password",
            &[
                ("current", "viewer password"),
                ("new", new_password),
                ("new2", new_password),
            ],
        )
        .await;
    assert_eq!(no_csrf.status, 403);

    // A wrong current password: refused, nothing changes.
    let before = server
        .store
        .user_by_username("leser")
        .await
        .unwrap()
        .unwrap();
    let wrong = here
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", "not my password"),
                ("new", new_password),
                ("new2", new_password),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("class=\"error\""), "{}", wrong.body);
    // Too short or not repeated alike: refused as well.
    for (new, new2) in [("kurz", "kurz"), (new_password, "something else!!")] {
        let answer = here
            .post(
                "/account/password",
                &[
                    ("csrf", &csrf),
                    ("current", "viewer password"),
                    ("new", new),
                    ("new2", new2),
                ],
            )
            .await;
        assert_eq!(answer.status, 422, "{new}/{new2}");
    }
    let unchanged = server
        .store
        .user_by_username("leser")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged.password_hash, before.password_hash);
    assert_eq!(elsewhere.get("/").await.status, 200);

    let changed = here
        .post(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", "viewer password"),
                ("new", new_password),
                ("new2", new_password),
            ],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(changed.location.as_deref(), Some("/account?changed=1"));
    let after = server
        .store
        .user_by_username("leser")
        .await
        .unwrap()
        .unwrap();
    assert!(after.password_hash.starts_with("$argon2id$"));
    assert_ne!(after.password_hash, before.password_hash);

    // This browser continues (with a fresh session), the other one is logged out at once,
    // another user's session is untouched.
    let notice = here.get("/account?changed=1").await;
    assert_eq!(notice.status, 200);
    assert!(notice.body.contains("id=\"notice\""));
    assert_eq!(elsewhere.get("/").await.location.as_deref(), Some("/login"));
    assert_eq!(admin.get("/").await.status, 200);

    // Only the new password logs in.
    let mut old = server.client();
    let csrf = old.get("/login").await.csrf();
    let refused = old
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", "leser"),
                ("password", "viewer password"),
            ],
        )
        .await;
    assert_eq!(refused.status, 401);
    server.client().login("leser", new_password).await;
}

/// The creditor address is edited on the settings page and checked per field with the same
/// rules the collection file's builder applies; a bad field keeps everything unsaved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creditor_address_is_edited_and_checked_per_field() {
    let server = server_with_admin().await;
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let page = admin.get("/settings").await;
    assert!(page.body.contains("id=\"creditor-town\""), "{}", page.body);
    let csrf = page.csrf();
    let base = [
        ("name", "Muster GmbH"),
        ("iban", "DE89370400440532013000"),
        ("creditor_id", "DE98ZZZ09999999999"),
    ];
    let post = |fields: &[(&'static str, &'static str)]| {
        let mut body = vec![("csrf", csrf.clone())];
        body.extend(base.iter().map(|(k, v)| (*k, v.to_string())));
        body.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        body
    };
    let send = async |client: &mut web_support::Client, body: Vec<(&str, String)>| {
        let body: Vec<(&str, &str)> = body.iter().map(|(k, v)| (*k, v.as_str())).collect();
        client.post("/settings/creditor", &body).await
    };

    // Text fields are converted for the bank (as in a run), never refused; the country must be
    // an ISO code: that field is named, the typed value stays.
    let bad = send(
        &mut admin,
        post(&[("town", "Berlin"), ("country", "Deutschland")]),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"country-error\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"Deutschland\""));
    assert!(!bad.body.contains("id=\"town-error\""));
    assert!(
        server
            .store
            .setting("web.creditor")
            .await
            .unwrap()
            .is_none()
    );

    // A street without town and country: those two are required.
    let bad = send(&mut admin, post(&[("street", "Hauptstraße")])).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"town-error\""), "{}", bad.body);
    assert!(bad.body.contains("id=\"country-error\""));
    assert!(!bad.body.contains("id=\"street-error\""));
    assert!(
        server
            .store
            .setting("web.creditor")
            .await
            .unwrap()
            .is_none()
    );

    // A good address is stored and shown again.
    let saved = send(
        &mut admin,
        post(&[
            ("street", "Hauptstraße"),
            ("building", "5a"),
            ("postcode", "10115"),
            ("town", "Berlin"),
            ("country", "de"),
        ]),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    let stored = server.store.setting("web.creditor").await.unwrap().unwrap();
    let creditor: lastschrift_core::settings::CreditorSettings =
        serde_json::from_str(&stored).unwrap();
    let address = creditor.address.expect("an address");
    assert_eq!(address.street.as_deref(), Some("Hauptstraße"));
    assert_eq!(address.building.as_deref(), Some("5a"));
    assert_eq!(address.postcode.as_deref(), Some("10115"));
    assert_eq!(address.town.as_deref(), Some("Berlin"));
    assert_eq!(address.country.as_deref(), Some("DE"));
    let page = admin.get("/settings").await;
    assert!(page.body.contains("value=\"10115\""), "{}", page.body);

    // Emptying every address field removes the address (it is optional).
    let cleared = send(&mut admin, post(&[])).await;
    assert_eq!(cleared.status, 200);
    let stored = server.store.setting("web.creditor").await.unwrap().unwrap();
    let creditor: lastschrift_core::settings::CreditorSettings =
        serde_json::from_str(&stored).unwrap();
    assert_eq!(creditor.address, None);
}

/// One mandate through the web: the form with the import's checks (422 and the sentence, nothing
/// stored), the mandate page, the signed copy uploaded and downloaded byte for byte, the
/// revocation; a viewer sees the page but changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_mandate_is_entered_revoked_and_its_signed_copy_kept() {
    let server = server_with_admin().await;
    server
        .store
        .upsert_contacts(&[contact(77, "Gross GmbH"), contact(78, "Klein KG")])
        .await
        .unwrap();
    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let list = admin.get("/mandates").await;
    assert!(
        list.body.contains("href=\"/mandates/new\""),
        "{}",
        list.body
    );
    let form = admin.get("/mandates/new").await;
    assert_eq!(form.status, 200);
    let csrf = form.csrf();
    let entry = |reference: &'static str, number: &'static str, date: &'static str| {
        vec![
            ("reference", reference),
            ("customer_number", number),
            ("contact_id", ""),
            ("signature_date", date),
            ("scheme", "CORE"),
            ("kind", "recurrent"),
        ]
    };
    let post = |fields: Vec<(&'static str, &'static str)>| {
        let mut form = vec![("csrf", csrf.clone())];
        form.extend(fields.into_iter().map(|(k, v)| (k, v.to_string())));
        form
    };

    let future = post(entry("WEB-77", "1077", "2099-01-01"));
    let future: Vec<(&str, &str)> = future.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = admin.post("/mandates/new", &future).await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(
        answer.body.contains("id=\"mandate-error\"")
            && answer
                .body
                .contains("Unterschriftsdatum „2099-01-01“ liegt in der Zukunft"),
        "{}",
        answer.body
    );
    assert!(
        answer.body.contains("value=\"WEB-77\""),
        "the entry is kept"
    );
    assert!(server.store.mandates().await.unwrap().is_empty());

    let good = post(entry("WEB-77", "1077", "2026-02-01"));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = admin.post("/mandates/new", &good).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(
        answer.location.as_deref(),
        Some("/mandates/show?reference=WEB-77")
    );
    let stored = server
        .store
        .mandate_by_reference("WEB-77")
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.contact_id, 77);
    let twice = post(entry("web-77", "1078", "2026-02-01"));
    let twice: Vec<(&str, &str)> = twice.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = admin.post("/mandates/new", &twice).await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.body.contains("gibt es schon als WEB-77"),
        "{}",
        answer.body
    );

    // The signed copy: a PDF upload, then the exact bytes back.
    let mut scan = b"%PDF-1.4\n".to_vec();
    scan.extend((0..=255u8).cycle().take(20_000));
    let answer = admin
        .post_multipart(
            "/mandates/document",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("reference", None, b"WEB-77"),
                ("file", Some("Mandat Groß.pdf"), &scan),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let page = admin.get("/mandates/show?reference=WEB-77").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Mandat Groß.pdf"), "{}", page.body);
    let documents = server.store.mandate_documents("WEB-77").await.unwrap();
    assert_eq!(documents.len(), 1);
    let link = format!("/mandates/document?reference=WEB-77&id={}", documents[0].id);
    assert!(
        page.body.contains(&link.replace('&', "&amp;")),
        "{}",
        page.body
    );
    let (status, headers, bytes) = admin.get_bytes(&link).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, scan);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;"),
        "never shown inline"
    );
    let (status, _, _) = admin
        .get_bytes(&format!(
            "/mandates/document?reference=OTHER&id={}",
            documents[0].id
        ))
        .await;
    assert_eq!(status, 404, "a copy is only found under its own mandate");
    let answer = admin
        .post_multipart(
            "/mandates/document",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("reference", None, b"WEB-77"),
                ("file", Some("mandat.pdf"), b"<script>alert(1)</script>"),
            ],
        )
        .await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.body.contains("weder PDF noch PNG- oder JPEG-Bild"),
        "{}",
        answer.body
    );
    let without_csrf = admin
        .post_multipart(
            "/mandates/document",
            &[
                ("reference", None, b"WEB-77"),
                ("file", Some("mandat.pdf"), &scan),
            ],
        )
        .await;
    assert_eq!(without_csrf.status, 403);
    assert_eq!(
        server
            .store
            .mandate_documents("WEB-77")
            .await
            .unwrap()
            .len(),
        1
    );

    // A viewer sees the mandate and its copy, but can neither upload nor revoke.
    server
        .add_user("leser", "viewer password", Role::Viewer)
        .await;
    let mut viewer = server.client();
    viewer.login("leser", "viewer password").await;
    let seen = viewer.get("/mandates/show?reference=WEB-77").await;
    assert_eq!(seen.status, 200);
    assert!(!seen.body.contains("id=\"mandate-revoke\""));
    let viewer_csrf = viewer.csrf().await;
    let refused = viewer
        .post(
            "/mandates/revoke",
            &[("csrf", &viewer_csrf), ("reference", "WEB-77")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(viewer.get("/mandates/new").await.status, 403);

    // The revocation: a future date refused with the sentence, then recorded.
    let answer = admin
        .post(
            "/mandates/revoke",
            &[
                ("csrf", &csrf),
                ("reference", "WEB-77"),
                ("revoked_on", "2099-01-01"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.body.contains("liegt in der Zukunft"),
        "{}",
        answer.body
    );
    let answer = admin
        .post(
            "/mandates/revoke",
            &[
                ("csrf", &csrf),
                ("reference", "WEB-77"),
                ("revoked_on", "2026-11-30"),
                ("note", "Brief <b>vom</b> 29.11."),
            ],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    let page = admin
        .get("/mandates/show?reference=WEB-77&done=revoked")
        .await;
    assert!(page.body.contains("id=\"mandate-notice\""));
    assert!(page.body.contains("30.11.2026"), "{}", page.body);
    assert!(page.body.contains("Brief "), "{}", page.body);
    assert!(!page.body.contains("<b>vom</b>"), "the note is escaped");
    assert!(!page.body.contains("id=\"mandate-revoke\""));
    assert_eq!(
        server
            .store
            .mandate_by_reference("WEB-77")
            .await
            .unwrap()
            .unwrap()
            .status,
        lastschrift_store::MandateStatus::Revoked
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mandate_forms_come_as_a_pdf_download_and_reserve_their_references() {
    use lastschrift_core::mandates::FormRequest;
    use lastschrift_core::settings::AddressSettings;
    use test_support::pdf;

    let (server, sandbox) = Server::synced(
        120,
        Some(AddressSettings {
            street: Some("Hauptstraße".into()),
            building: Some("1".into()),
            postcode: Some("10115".into()),
            town: Some("Berlin".into()),
            country: Some("DE".into()),
        }),
        |_| {},
    )
    .await;
    server.add_user("admin", ADMIN_PASSWORD, Role::Admin).await;
    server
        .add_user("vera", "viewer password 1", Role::Viewer)
        .await;

    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let page = admin.get("/mandates").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("action=\"/mandates/forms\"")
            && page.body.contains("Mandatsformulare (PDF)")
            && page.body.contains("class=\"form-one\""),
        "{}",
        page.body
    );
    let csrf = page.csrf();

    // Without the token, and for a viewer, nothing is made or reserved.
    let missing = admin.post("/mandates/forms", &[("scheme", "")]).await;
    assert_eq!(missing.status, 403, "{}", missing.body);
    let mut viewer = server.client();
    viewer.login("vera", "viewer password 1").await;
    let viewer_csrf = viewer.csrf().await;
    let refused = viewer
        .post("/mandates/forms", &[("csrf", viewer_csrf.as_str())])
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    let viewer_page = viewer.get("/mandates").await;
    assert!(!viewer_page.body.contains("action=\"/mandates/forms\""));
    let reserved = |store: &std::sync::Arc<dyn lastschrift_store::Store>| {
        let store = store.clone();
        async move {
            store
                .mandates()
                .await
                .unwrap()
                .into_iter()
                .filter(|m| m.source == lastschrift_store::MandateSource::Form)
                .collect::<Vec<_>>()
        }
    };
    assert!(reserved(&server.store).await.is_empty());

    // The whole list: one PDF, one page per contact, as a download.
    let all = admin
        .post(
            "/mandates/forms",
            &[("csrf", csrf.as_str()), ("scheme", "")],
        )
        .await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.headers.get("content-type").unwrap(), "application/pdf");
    assert_eq!(
        all.headers.get("content-disposition").unwrap(),
        "attachment; filename=\"Mandatsformulare.pdf\""
    );
    let stored = reserved(&server.store).await;
    assert!(stored.len() >= 2, "{stored:?}");
    assert_eq!(pdf::page_count(&all.bytes), stored.len());
    let text = pdf::text(&all.bytes);
    for expected in [
        "SEPA-Lastschriftmandat",
        "Gläubiger-Identifikationsnummer",
        "DE98ZZZ09999999999",
        "Hinweis: Ich kann innerhalb von acht Wochen, beginnend mit dem Belastungsdatum, die Erstattung des belasteten Betrages verlangen.",
        "A refund must be claimed within 8 weeks starting from the date on which your account was debited.",
    ] {
        assert!(text.contains(expected), "`{expected}` not in {text}");
    }
    for m in &stored {
        assert!(text.contains(&m.reference), "{} not in {text}", m.reference);
        assert_eq!(m.signature_date, None);
    }

    // The list now names the reserved references; one contact's button gives its form again,
    // as B2B, and reserves nothing new.
    let page = admin.get("/mandates").await;
    assert!(
        page.body.contains(&format!(
            "Das Mandatsformular {} ist noch nicht unterschrieben zurück",
            stored[0].reference
        )),
        "{}",
        page.body
    );
    let contact = stored[0].contact_id.to_string();
    let one = admin
        .post(
            "/mandates/forms",
            &[
                ("csrf", csrf.as_str()),
                ("contact", contact.as_str()),
                ("scheme", "B2B"),
            ],
        )
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(
        one.headers
            .get("content-disposition")
            .unwrap()
            .to_str()
            .unwrap(),
        format!(
            "attachment; filename=\"Mandat-{}.pdf\"",
            stored[0].reference
        )
    );
    assert_eq!(pdf::page_count(&one.bytes), 1);
    assert!(pdf::text(&one.bytes).contains("SEPA-Firmenlastschrift-Mandat"));
    assert_eq!(reserved(&server.store).await.len(), stored.len());

    // A contact that is not synced: no PDF, the reason on the page.
    let none = admin
        .post(
            "/mandates/forms",
            &[("csrf", csrf.as_str()), ("contact", "987654321")],
        )
        .await;
    assert_eq!(none.status, 422, "{}", none.body);
    assert!(
        none.body.contains("id=\"forms-error\"")
            && none
                .body
                .contains("Es wurde kein Mandatsformular erstellt.")
            && none
                .body
                .contains("nicht unter den synchronisierten Kontakten"),
        "{}",
        none.body
    );
    // The core call behind the page gives the same forms as the CLI.
    let again = server
        .app
        .mandate_forms(&FormRequest::default())
        .await
        .unwrap();
    assert_eq!(again.newly_reserved(), 0);
    sandbox.shutdown().await;
}
