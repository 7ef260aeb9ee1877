//! The rules that must hold when requests arrive at once, fired over HTTP against the real
//! router, on SQLite and on PostgreSQL (issue "The web UI under a careful attacker and a clumsy
//! user", point 3 and 4). The rules themselves are atomic store methods; these tests show that
//! no handler undoes them.

use futures_util::future::join_all;
use lastschrift_core::settings::DatabaseUrl;
use lastschrift_store::Role;

use crate::web_support::Server;

const PASSWORD: &str = "ein langes Passwort";
/// How many browsers fire at once.
const AT_ONCE: usize = 8;

on_both_backends!(
    parallel_first_start_forms_create_one_administrator,
    two_administrators_demoting_each_other_at_once_leave_one,
    confirms_of_one_preview_from_several_browsers_make_one_run,
);

/// Regression: parallel first-start forms with different names created several admins.
async fn parallel_first_start_forms_create_one_administrator(database: Option<DatabaseUrl>) {
    let server = Server::start_on(None, database).await;
    let mut browsers = Vec::new();
    for _ in 0..AT_ONCE {
        let mut browser = server.client();
        let csrf = browser.get("/setup/admin").await.csrf();
        browsers.push((browser, csrf));
    }
    let answers = join_all(browsers.into_iter().enumerate().map(
        |(i, (mut browser, csrf))| async move {
            let name = format!("chefin{i}");
            browser
                .post(
                    "/setup/admin",
                    &[
                        ("csrf", csrf.as_str()),
                        ("username", name.as_str()),
                        ("password", PASSWORD),
                        ("password2", PASSWORD),
                    ],
                )
                .await
                .status
        },
    ))
    .await;
    let created = answers.iter().filter(|status| **status == 303).count();
    let users = server.app.users().await.unwrap();
    assert_eq!(users.len(), 1, "{answers:?}: {users:?}");
    assert_eq!(users[0].role, Role::Admin);
    // Every other form is told it came too late (no crash, no second account).
    assert!(created >= 1, "{answers:?}");
    assert!(
        answers.iter().all(|s| [303, 403, 409, 422].contains(s)),
        "{answers:?}"
    );
    server.store.close().await;
}

/// Regression: two admins demoting each other at once both succeeded and left no administrator;
/// `/users` and `/settings` were then closed to everyone.
async fn two_administrators_demoting_each_other_at_once_leave_one(database: Option<DatabaseUrl>) {
    let server = Server::start_on(None, database).await;
    for round in 0..4 {
        let (anna, bert) = (format!("anna{round}"), format!("bert{round}"));
        server.add_user(&anna, PASSWORD, Role::Admin).await;
        server.add_user(&bert, PASSWORD, Role::Admin).await;
        let id = |name: String| {
            let store = server.store.clone();
            async move { store.user_by_username(&name).await.unwrap().unwrap().id }
        };
        let (anna_id, bert_id) = (id(anna.clone()).await, id(bert.clone()).await);
        // Every other administrator of earlier rounds is gone: these two are the last ones.
        for user in server.app.users().await.unwrap() {
            if user.role == Role::Admin && user.id != anna_id && user.id != bert_id {
                server.store.delete_user(user.id).await.unwrap();
            }
        }
        let mut a = server.client();
        a.login(&anna, PASSWORD).await;
        let a_csrf = a.csrf().await;
        let mut b = server.client();
        b.login(&bert, PASSWORD).await;
        let b_csrf = b.csrf().await;
        let (a_path, b_path) = (
            format!("/users/{bert_id}/role"),
            format!("/users/{anna_id}/role"),
        );
        let a_form = [("csrf", a_csrf.as_str()), ("role", "viewer")];
        let b_form = [("csrf", b_csrf.as_str()), ("role", "viewer")];
        let (by_anna, by_bert) = tokio::join!(a.post(&a_path, &a_form), b.post(&b_path, &b_form));
        let admins: Vec<_> = server
            .app
            .users()
            .await
            .unwrap()
            .into_iter()
            .filter(|u| u.role == Role::Admin)
            .collect();
        assert_eq!(
            admins.len(),
            1,
            "round {round}: {} / {}: {admins:?}",
            by_anna.status,
            by_bert.status
        );
        let statuses = [by_anna.status, by_bert.status];
        assert!(
            statuses.contains(&303),
            "one demotion went through: {statuses:?}"
        );
        assert!(
            statuses.contains(&422) || statuses.contains(&403),
            "the other one is refused with a reason: {statuses:?}"
        );
        // The one left can still open the users page.
        let left = if admins[0].id == anna_id {
            &mut a
        } else {
            &mut b
        };
        assert_eq!(left.get("/users").await.status, 200);
    }
    server.store.close().await;
}

/// Regression: two confirms of one preview could make two runs. Several browsers (and a
/// double click) confirming the same preview at once make one run, and all land on it.
async fn confirms_of_one_preview_from_several_browsers_make_one_run(database: Option<DatabaseUrl>) {
    let (server, sandbox) = Server::synced_on(database, 30, None, |_| {}).await;
    server.add_user("admin", PASSWORD, Role::Admin).await;
    let mut browsers = Vec::new();
    for _ in 0..AT_ONCE / 2 {
        let mut browser = server.client();
        browser.login("admin", PASSWORD).await;
        let preview = browser.get("/run").await;
        assert_eq!(preview.status, 200, "{}", preview.body);
        let form = [
            ("csrf".to_owned(), preview.csrf()),
            ("date".to_owned(), preview.field("date")),
            ("fingerprint".to_owned(), preview.field("fingerprint")),
        ];
        browsers.push((browser, form));
    }
    let fingerprints: Vec<_> = browsers.iter().map(|(_, f)| f[2].1.clone()).collect();
    assert!(fingerprints.windows(2).all(|w| w[0] == w[1]), "one preview");
    let answers = join_all(
        browsers
            .into_iter()
            .flat_map(|(browser, form)| {
                // Each browser clicks twice.
                let form: Vec<(String, String)> = form.to_vec();
                [(browser.clone(), form.clone()), (browser, form)]
            })
            .map(|(mut browser, form)| async move {
                let form: Vec<(&str, &str)> =
                    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let answer = browser.post("/run", &form).await;
                (answer.status, answer.location)
            }),
    )
    .await;
    let runs = server.app.runs().await.unwrap();
    assert_eq!(runs.len(), 1, "{answers:?}");
    let expected = format!("/runs/{}", runs[0].id);
    for (status, location) in &answers {
        assert_eq!(*status, 303, "{answers:?}");
        assert_eq!(location.as_deref(), Some(expected.as_str()), "{answers:?}");
    }
    sandbox.shutdown().await;
    server.store.close().await;
}
