//! Regressions of the web UI probed as a careful attacker and a clumsy user would (issue
//! "The web UI under a careful attacker and a clumsy user"), each named after what went wrong.

use crate::web_support::Server;
use lastschrift_store::{Contact, Role};

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
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_mandate_upload_neither_blocks_other_pages_nor_outlives_its_client() {
    let server = Server::start(None).await;
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
    let _ = upload.await;
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
}
