//! `lastschrift notify` as a user runs it, against a sandbox account and a real SMTP server on
//! a loopback port: the dry run says what waits for its pre-notification, the preview shows
//! every message and sends nothing, `notify` sends (e-mail, else a letter to print) and keeps
//! the server's reply, `--list` shows the proof, and a second `notify` sends nothing again.

use std::time::Duration;

use sevdesk_sandbox::{Sandbox, SandboxConfig};
use test_support::smtp::SmtpReceiver;

use super::lastschrift;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_previews_sends_once_and_lists_the_proof() {
    let sandbox = Sandbox::start(SandboxConfig {
        seed: 11,
        invoices: 80,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let smtp = SmtpReceiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let letters = dir.path().join("briefe");
    let cli = lastschrift(&dir.path().join("data"))
        .output_dir(dir.path().join("out"))
        .sevdesk_base_url(sandbox.base_url())
        .creditor(
            "Muster Software GmbH",
            "DE89370400440532013000",
            "DE98ZZZ09999999999",
        )
        .env("LASTSCHRIFT_POLICIES__PRE_NOTIFICATION", "send")
        .env("LASTSCHRIFT_SMTP__HOST", "127.0.0.1")
        .env("LASTSCHRIFT_SMTP__PORT", smtp.port().to_string())
        .env("LASTSCHRIFT_SMTP__SECURITY", "none")
        .env("LASTSCHRIFT_SMTP__FROM_NAME", "Muster Software GmbH")
        .env(
            "LASTSCHRIFT_SMTP__FROM_ADDRESS",
            "buchhaltung@muster-software.example",
        );
    let connect = cli
        .clone()
        .token(sandbox.token())
        .run_async(["connect"])
        .await;
    assert_eq!(connect.code, 0, "{connect:?}");
    let sync = cli.run_async(["sync"]).await;
    assert!(sync.code == 0 || sync.code == 1, "{sync:?}");

    let dry = cli.run_async(["collect", "--dry-run", "--json"]).await;
    let plan = dry.json();
    assert!(plan["debits"].as_array().unwrap().is_empty(), "{plan}");
    let waiting = plan["exclusions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["reason"]["code"] == "waits_for_pre_notification")
        .count();
    assert!(waiting > 0, "{plan}");
    let dry_text = cli.run_async(["collect", "--dry-run", "--all"]).await;
    assert!(
        dry_text.text().contains("waits for the pre-notification"),
        "{dry_text:?}"
    );

    let preview = cli.run_async(["notify", "--preview"]).await;
    assert!(preview.code == 0 || preview.code == 1, "{preview:?}");
    let text = preview.text();
    assert!(
        text.contains("Vorabankündigung: SEPA-Lastschrift am"),
        "{text}"
    );
    assert!(
        text.contains("Gläubiger-Identifikationsnummer: DE98ZZZ09999999999"),
        "{text}"
    );
    assert!(text.contains("nothing was sent"), "{text}");
    assert!(smtp.messages().is_empty(), "the preview sent mail");

    let sent = cli
        .run_async(["notify", "--json", "--letters", letters.to_str().unwrap()])
        .await;
    assert!(sent.code == 0 || sent.code == 1, "{sent:?}");
    let outcome = sent.json();
    let report = &outcome["report"];
    assert!(report["failed"].as_array().unwrap().is_empty(), "{report}");
    let sent_list = report["sent"].as_array().unwrap();
    let emails = sent_list.iter().filter(|n| n["channel"] == "email").count();
    let letter_count = sent_list
        .iter()
        .filter(|n| n["channel"] == "letter")
        .count();
    assert!(emails > 0, "{report}");
    let received = smtp.wait_for(emails, Duration::from_secs(10)).await;
    assert_eq!(received.len(), emails);
    for n in sent_list.iter().filter(|n| n["channel"] == "email") {
        assert!(
            n["server_reply"].as_str().unwrap().starts_with("250"),
            "{n}"
        );
    }
    let pdfs = std::fs::read_dir(&letters).map(|d| d.count()).unwrap_or(0);
    assert_eq!(
        pdfs,
        letter_count,
        "one PDF per letter in {}",
        letters.display()
    );

    let list = cli.run_async(["notify", "--list"]).await;
    assert_eq!(list.code, 0, "{list:?}");
    assert!(list.text().contains("Server: 250"), "{list:?}");

    let again = cli.run_async(["notify", "--json"]).await;
    let again = again.json();
    assert!(
        again["report"]["sent"].as_array().unwrap().is_empty(),
        "{again}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), emails, "a message was sent twice");

    // With the invoice policy there is nothing to send, and the command says why.
    let invoice_policy = cli
        .clone()
        .env("LASTSCHRIFT_POLICIES__PRE_NOTIFICATION", "invoice")
        .run_async(["notify"])
        .await;
    assert_eq!(invoice_policy.code, 2, "{invoice_policy:?}");
    assert!(
        invoice_policy.stderr.contains("invoices announce"),
        "{invoice_policy:?}"
    );
}
