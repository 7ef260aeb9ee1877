//! The pre-notification step of the web run flow over HTTP, against a real SMTP server on a
//! loopback port: the run preview links to it, the page shows every message before anything is
//! sent, a viewer cannot send, the send button sends each message once (a double click sends
//! nothing twice), and the list shows the proof and the letters' PDFs.

use std::time::Duration;

use crate::web_support::Server;
use lastschrift_core::notify::mail::{SmtpSecurity, SmtpSettings};
use lastschrift_core::settings::PreNotificationPolicy;
use lastschrift_store::Role;
use test_support::smtp::SmtpReceiver;

const PASSWORD: &str = "ein langes Passwort";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_flow_previews_sends_once_and_shows_the_proof() {
    let smtp = SmtpReceiver::start().await;
    let port = smtp.port();
    let (server, sandbox) = Server::synced_with(
        None,
        40,
        None,
        |sandbox| {
            // Every third contact without e-mail: a letter.
            sandbox.with_data(|data| {
                data.communication_ways
                    .retain(|_, way| way.kind != "EMAIL" || way.contact_id % 3 != 0)
            })
        },
        |settings| {
            settings.policies.pre_notification = PreNotificationPolicy::Send;
            settings.smtp = Some(SmtpSettings {
                host: "127.0.0.1".into(),
                port: Some(port),
                security: SmtpSecurity::None,
                username: None,
                password: None,
                from_name: "Muster Software GmbH".into(),
                from_address: "buchhaltung@muster-software.example".into(),
                timeout_seconds: 10,
            });
        },
    )
    .await;
    server.add_user("chefin", PASSWORD, Role::Admin).await;
    server.add_user("leser", PASSWORD, Role::Viewer).await;
    let mut admin = server.client();
    admin.login("chefin", PASSWORD).await;

    // The run preview: nothing to collect yet, each invoice waits, and the link leads on.
    let run = admin.get("/run").await;
    assert_eq!(run.status, 200);
    assert!(run.body.contains("id=\"notify-link\""), "{}", run.body);
    assert!(run.body.contains("Vorabankündigung"), "{}", run.body);

    let page = admin.get("/notify").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let messages = page.body.matches("<article class=\"message\">").count();
    assert!(messages > 0, "{}", page.body);
    assert!(page.body.contains("Vorabankündigung: SEPA-Lastschrift am"));
    assert!(
        page.body
            .contains("Gläubiger-Identifikationsnummer: DE98ZZZ09999999999")
    );
    assert!(smtp.messages().is_empty(), "the preview sent mail");

    // A viewer sees the page, but cannot send.
    let mut viewer = server.client();
    viewer.login("leser", PASSWORD).await;
    let seen = viewer.get("/notify").await;
    assert_eq!(seen.status, 200);
    assert!(!seen.body.contains("id=\"notify-send\""));
    let csrf = viewer.csrf().await;
    let refused = viewer
        .post("/notify", &[("csrf", csrf.as_str()), ("date", "")])
        .await;
    assert_eq!(refused.status, 403);

    // Sent, then sent again (a double click): each message once.
    let date = page.field("date");
    let csrf = page.csrf();
    let form = [("csrf", csrf.as_str()), ("date", date.as_str())];
    let mut second_tab = admin.clone();
    let (first, second) = tokio::join!(
        admin.post("/notify", &form),
        second_tab.post("/notify", &form)
    );
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(second.status, 200, "{}", second.body);
    let records = server.app.pre_notifications(None).await.unwrap();
    assert_eq!(records.len(), messages);
    let emails = records
        .iter()
        .filter(|n| n.channel == lastschrift_core::store::NotificationChannel::Email)
        .count();
    smtp.wait_for(emails, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), emails, "a message went out twice");

    let after = admin.get("/notify").await;
    assert!(
        after.body.contains("id=\"pre-notifications\""),
        "{}",
        after.body
    );
    assert!(
        after.body.contains("250 2.0.0 Ok: queued as"),
        "{}",
        after.body
    );
    assert!(after.body.contains("verschickt"), "{}", after.body);
    let letter = records
        .iter()
        .find(|n| n.channel == lastschrift_core::store::NotificationChannel::Letter)
        .expect("a letter");
    assert!(after.body.contains(&format!("/notify/{}/pdf", letter.id)));
    let pdf = reqwest::Client::new()
        .get(server.url(&format!("/notify/{}/pdf", letter.id)))
        .header(
            "cookie",
            format!(
                "lastschrift_session={}",
                admin.cookies["lastschrift_session"]
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status().as_u16(), 200);
    let bytes = pdf.bytes().await.unwrap();
    assert!(test_support::pdf::text(&bytes).contains(&letter.mandate_reference));

    // A message left unclear by a crash (claimed, never confirmed) is shown with a release
    // button for preparers; released, it is failed and goes out with the next send.
    let later = server
        .app
        .notification_preview(Some(
            chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap() + chrono::Days::new(7),
        ))
        .await
        .unwrap();
    let unclear = server
        .store
        .prepare_pre_notifications(&later.announcement.notifications)
        .await
        .unwrap()
        .first()
        .cloned()
        .expect("the same invoices, announced for a week later");
    {
        assert!(
            server
                .store
                .claim_pre_notification(unclear.id)
                .await
                .unwrap()
        );
        let listed = admin.get("/notify").await;
        assert!(
            listed
                .body
                .contains(&format!("id=\"release-{}\"", unclear.id)),
            "{}",
            listed.body
        );
        let csrf = listed.csrf();
        let released = admin
            .post(
                &format!("/notify/{}/release", unclear.id),
                &[("csrf", csrf.as_str())],
            )
            .await;
        assert_eq!(released.status, 200, "{}", released.body);
        assert!(released.body.contains("Freigegeben"), "{}", released.body);
        let now = server.app.pre_notifications(None).await.unwrap();
        let n = now.iter().find(|n| n.id == unclear.id).unwrap();
        assert_eq!(
            n.status,
            lastschrift_core::store::NotificationStatus::Failed
        );
        assert!(n.last_error.as_deref().unwrap().contains("chefin"));
    }

    // On the announced date the run takes the announced debits, and its page shows how each
    // was announced.
    let preview = admin.get(&format!("/run?date={date}")).await;
    let confirmed = crate::web_support::confirm_run(&mut admin, &preview).await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let run_page = admin.get(confirmed.location.as_deref().unwrap()).await;
    let announced_cells = run_page
        .body
        .matches("<td class=\"announced\">E-Mail · ")
        .count()
        + run_page
            .body
            .matches("<td class=\"announced\">Brief · ")
            .count();
    let debits = run_page.body.matches("<td class=\"announced\">").count();
    assert!(debits > 0, "{}", run_page.body);
    assert_eq!(
        announced_cells, debits,
        "every debit with its announcement: {}",
        run_page.body
    );
    sandbox.shutdown().await;
}
