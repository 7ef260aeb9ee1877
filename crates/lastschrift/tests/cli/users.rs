//! `lastschrift users list|add|reset-password|set-role`: getting back into the web UI from the
//! command line (regression: nothing in the CLI could recover access — a forgotten password, or
//! no administrator left).

use lastschrift_core::App;
use lastschrift_core::settings::Settings;

use super::lastschrift;

#[test]
fn access_to_the_web_ui_is_recovered_from_the_command_line() {
    let home = tempfile::tempdir().unwrap();
    let cli = lastschrift(home.path());

    // Added with a random password printed once (empty input), and with one from stdin.
    let added = cli.run_with_input(["users", "add", "Notfall", "--role", "admin"], b"");
    assert_eq!(added.code, 0, "{added:?}");
    assert!(added.text().contains("Added notfall (admin)."), "{added:?}");
    let printed = added
        .text()
        .lines()
        .find_map(|l| l.strip_prefix("Password (shown once): "))
        .expect("the random password is printed")
        .to_owned();
    let anna = cli.run_with_input(
        ["users", "add", "anna", "--role", "preparer"],
        b"anna password 1\n",
    );
    assert_eq!(anna.code, 0, "{anna:?}");
    assert!(!anna.text().contains("shown once"), "{anna:?}");
    let bad = cli.run_with_input(["users", "add", "ad\u{200b}min"], b"some password 1\n");
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("a user name has at most"), "{bad:?}");

    let list = cli.run(["users", "list", "--json"]);
    assert_eq!(list.code, 0, "{list:?}");
    let users = list.json();
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["anna", "notfall"]);
    assert!(
        !list.text().contains("argon2"),
        "no password hash in the listing"
    );

    // The last administrator keeps the role; promoting brings another back.
    let refused = cli.run(["users", "set-role", "notfall", "viewer"]);
    assert_eq!(refused.code, 2, "{refused:?}");
    let promoted = cli.run(["users", "set-role", "anna", "admin"]);
    assert_eq!(promoted.code, 0, "{promoted:?}");
    let unknown = cli.run(["users", "set-role", "niemand", "admin"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("there is no user `niemand`"));

    // A forgotten password: reset from stdin; the old one stops working, the new one works.
    let reset = cli.run_with_input(
        ["users", "reset-password", "NOTFALL"],
        b"a brand new password\n",
    );
    assert_eq!(reset.code, 0, "{reset:?}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let app = App::open_given(Settings {
            data_dir: home.path().to_owned(),
            ..Settings::default()
        })
        .await
        .unwrap();
        assert!(
            app.check_login("notfall", &printed)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            app.check_login("Notfall", "a brand new password")
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            app.check_login("anna", "anna password 1")
                .await
                .unwrap()
                .is_some()
        );
        app.close().await;
    });
}
