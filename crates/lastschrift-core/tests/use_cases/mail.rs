//! Pre-notification e-mail over real SMTP: the mailer talks TCP to the test receiver on
//! 127.0.0.1 and the test reads what arrived the way a mail program would.

use std::time::Duration;

use lastschrift_core::notify::mail::{
    MailError, Mailer, OutgoingMail, SmtpPassword, SmtpSecurity, SmtpSettings, one_line,
};
use proptest::prelude::*;
use test_support::smtp::{Behaviour, ParsedAddress, SmtpReceiver, unused_port};

const WAIT: Duration = Duration::from_secs(5);
const SUBJECT: &str = "Vorabankündigung für Müller & Söhne – 1.234,56 €";

fn settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port: Some(port),
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from_name: "Muster Software GmbH".into(),
        from_address: "buchhaltung@muster-software.example".into(),
        timeout_seconds: 5,
    }
}

fn mail() -> OutgoingMail {
    OutgoingMail {
        to_name: "Müller & Söhne GmbH".into(),
        to_address: "buero@mueller-soehne.example".into(),
        subject: SUBJECT.into(),
        text: "Sehr geehrte Damen und Herren,\n\nwir ziehen am 03.12.2026 1.234,56 € ein \
               (Mandat MUELLER-01, Gläubiger-ID DE98ZZZ09999999999).\n.\nMit freundlichen Grüßen\n"
            .into(),
        html: "<!DOCTYPE html><html><body><p>Sehr geehrte Damen und Herren,</p>\
               <p>wir ziehen am 03.12.2026 <b>1.234,56 €</b> ein.</p>\
               <p>Mit freundlichen Grüßen</p></body></html>"
            .into(),
        message_id: "<ls-7-42@lastschrift.muster-software.example>".into(),
    }
}

/// Line ends as the reader sees them (the wire has CRLF). A leading byte-order mark is dropped when a mail program
/// decodes the charset (mailparse decodes through encoding_rs, which strips it), so it is not
/// part of what a debtor reads either.
fn lines(text: &str) -> String {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n")
}

#[tokio::test]
async fn a_pre_notification_arrives_with_every_header_and_both_parts_in_utf8() {
    let receiver = SmtpReceiver::start().await;
    let mailer = Mailer::new(&settings(receiver.port())).unwrap();
    let sent = mail();
    let before = chrono::Utc::now().timestamp();

    let receipt = mailer.send(&sent).await.expect("the receiver accepts");

    let received = receiver.wait_for(1, WAIT).await;
    assert_eq!(received.len(), 1);
    let got = &received[0];
    assert_eq!(receipt.reply, "250 2.0.0 Ok: queued as 1");
    assert_eq!(receipt.reply, got.reply);
    assert_eq!(receipt.message_id, sent.message_id);
    assert_eq!(got.mail_from, "buchhaltung@muster-software.example");
    assert_eq!(got.rcpt_to, ["buero@mueller-soehne.example"]);
    assert_eq!(got.auth, None);
    assert!(
        got.data.is_ascii(),
        "7-bit on the wire: umlauts are encoded, not sent raw"
    );

    let parsed = got.parsed();
    assert_eq!(parsed.subject, SUBJECT);
    assert_eq!(
        parsed.from,
        [ParsedAddress {
            name: Some("Muster Software GmbH".into()),
            address: "buchhaltung@muster-software.example".into()
        }]
    );
    assert_eq!(
        parsed.to,
        [ParsedAddress {
            name: Some("Müller & Söhne GmbH".into()),
            address: "buero@mueller-soehne.example".into()
        }]
    );
    assert_eq!(parsed.message_id, sent.message_id);
    let date = parsed
        .date_timestamp
        .unwrap_or_else(|| panic!("a readable Date header, got {:?}", parsed.date));
    assert!(
        (before - 5..=before + 60).contains(&date),
        "Date {} is now",
        parsed.date
    );
    assert_eq!(parsed.content_type, "multipart/alternative");
    assert_eq!(
        parsed.part_types,
        [
            ("text/plain".to_owned(), "utf-8".to_owned()),
            ("text/html".to_owned(), "utf-8".to_owned())
        ]
    );
    assert_eq!(lines(parsed.text.as_deref().unwrap()), sent.text);
    assert_eq!(lines(parsed.html.as_deref().unwrap()), sent.html);

    let names: Vec<String> = parsed
        .headers
        .iter()
        .map(|(name, _)| name.to_ascii_lowercase())
        .collect();
    for name in [
        "from",
        "to",
        "subject",
        "message-id",
        "date",
        "mime-version",
        "content-type",
    ] {
        assert_eq!(
            names.iter().filter(|n| *n == name).count(),
            1,
            "exactly one {name} header in {names:?}"
        );
    }
    assert!(!names.iter().any(|n| n == "bcc" || n == "cc"), "{names:?}");
}

#[tokio::test]
async fn each_message_gets_the_servers_own_reply() {
    let receiver = SmtpReceiver::start().await;
    let mailer = Mailer::new(&settings(receiver.port())).unwrap();
    let mut replies = Vec::new();
    for n in 1..=3 {
        let mut mail = mail();
        mail.message_id = format!("<ls-{n}@lastschrift.example>");
        replies.push(mailer.send(&mail).await.unwrap().reply);
    }
    assert_eq!(
        replies,
        [
            "250 2.0.0 Ok: queued as 1",
            "250 2.0.0 Ok: queued as 2",
            "250 2.0.0 Ok: queued as 3"
        ]
    );
    let ids: Vec<String> = receiver
        .wait_for(3, WAIT)
        .await
        .iter()
        .map(|m| m.parsed().message_id)
        .collect();
    assert_eq!(
        ids,
        [
            "<ls-1@lastschrift.example>",
            "<ls-2@lastschrift.example>",
            "<ls-3@lastschrift.example>"
        ]
    );
}

#[tokio::test]
async fn a_refused_recipient_is_a_permanent_refusal_in_the_servers_words() {
    let receiver = SmtpReceiver::start_with(Behaviour {
        refuse_recipients: vec!["buero@mueller-soehne.example".into()],
        ..Behaviour::default()
    })
    .await;
    let mailer = Mailer::new(&settings(receiver.port())).unwrap();

    let error = mailer.send(&mail()).await.unwrap_err();

    let MailError::Refused { code, reply } = &error else {
        panic!("expected Refused, got {error:?}");
    };
    assert_eq!(*code, 550);
    assert_eq!(
        reply,
        "550 5.1.1 <buero@mueller-soehne.example>: Recipient address rejected: User unknown"
    );
    assert!(error.is_permanent());
    assert_eq!(error.code(), "mail_refused");
    assert!(
        error.german().contains(reply.as_str()),
        "{}",
        error.german()
    );
    assert!(receiver.messages().is_empty());
}

#[tokio::test]
async fn a_451_to_the_data_is_a_temporary_refusal_and_a_retry_gets_through() {
    let receiver = SmtpReceiver::start_with(Behaviour {
        fail_data_with: Some((451, "4.3.0 try again later".into())),
        ..Behaviour::default()
    })
    .await;
    let mailer = Mailer::new(&settings(receiver.port())).unwrap();

    let error = mailer.send(&mail()).await.unwrap_err();

    assert_eq!(
        error,
        MailError::Refused {
            code: 451,
            reply: "451 4.3.0 try again later".into()
        }
    );
    assert!(!error.is_permanent());
    assert_eq!(error.code(), "mail_deferred");
    assert!(receiver.messages().is_empty());

    receiver.set_behaviour(Behaviour::default());
    let receipt = mailer.send(&mail()).await.expect("the retry is accepted");
    assert_eq!(receipt.reply, "250 2.0.0 Ok: queued as 1");
    assert_eq!(
        receiver.wait_for(1, WAIT).await[0].parsed().message_id,
        mail().message_id
    );
}

#[tokio::test]
async fn a_server_that_is_down_is_unreachable_and_named_with_host_and_port() {
    let port = unused_port();
    let mailer = Mailer::new(&settings(port)).unwrap();

    let error = mailer.send(&mail()).await.unwrap_err();

    let MailError::Unreachable { server, reason } = &error else {
        panic!("expected Unreachable, got {error:?}");
    };
    assert_eq!(server, &format!("127.0.0.1:{port}"));
    assert!(reason.to_lowercase().contains("refused"), "{reason}");
    assert!(!error.is_permanent());
    assert_eq!(error.code(), "mail_server_unreachable");
    assert!(error.german().contains(&format!("127.0.0.1:{port}")));
}

#[tokio::test]
async fn a_server_that_never_greets_times_out_as_unreachable() {
    // Connections complete in the kernel's backlog, but nobody ever answers them.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let mut settings = settings(port);
    settings.timeout_seconds = 1;
    let mailer = Mailer::new(&settings).unwrap();

    let started = std::time::Instant::now();
    let error = mailer.send(&mail()).await.unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(10), "{error:?}");
    let MailError::Unreachable { server, reason } = &error else {
        panic!("expected Unreachable, got {error:?}");
    };
    assert_eq!(server, &format!("127.0.0.1:{port}"));
    assert!(reason.contains("1 s"), "{reason}");
}

#[tokio::test]
async fn an_invalid_address_is_refused_before_any_connection() {
    // Nothing listens: had the mailer connected, the error would be Unreachable.
    let port = unused_port();
    let mailer = Mailer::new(&settings(port)).unwrap();
    for address in [
        "",
        "buero.mueller-soehne.example",
        "büro@mueller-soehne.example",
        "buero@mueller soehne.example",
    ] {
        let mut mail = mail();
        mail.to_address = address.into();
        let error = mailer.send(&mail).await.unwrap_err();
        assert!(
            matches!(&error, MailError::InvalidAddress { address: a, .. } if a == address),
            "{address:?}: {error:?}"
        );
        assert!(error.is_permanent());
        assert_eq!(error.code(), "mail_address_invalid");
        assert!(
            error.german().contains("nichts gesendet"),
            "{}",
            error.german()
        );
    }

    let mut bad_id = mail();
    bad_id.message_id = "ls-7-42 at lastschrift".into();
    assert!(matches!(
        mailer.send(&bad_id).await.unwrap_err(),
        MailError::InvalidAddress { .. }
    ));

    let mut ours = settings(port);
    ours.from_address = "buchhaltung".into();
    let error = Mailer::new(&ours).unwrap_err();
    assert!(
        matches!(&error, MailError::InvalidAddress { address, .. } if address == "buchhaltung"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_debtor_at_an_umlaut_domain_is_sent_to_in_punycode() {
    let receiver = SmtpReceiver::start().await;
    let mailer = Mailer::new(&settings(receiver.port())).unwrap();
    let mut mail = mail();
    mail.to_address = "buero@müller-söhne.de".into();

    mailer.send(&mail).await.unwrap();

    let got = &receiver.wait_for(1, WAIT).await[0];
    assert_eq!(got.rcpt_to, ["buero@xn--mller-shne-kcb9d.de"]);
    assert_eq!(got.parsed().to[0].address, "buero@xn--mller-shne-kcb9d.de");
}

#[tokio::test]
async fn the_login_arrives_when_credentials_are_set() {
    let receiver = SmtpReceiver::start_with(Behaviour {
        require_auth: Some(("lastschrift".into(), "s3cret-Passwört".into())),
        ..Behaviour::default()
    })
    .await;
    let mut with_login = settings(receiver.port());
    with_login.username = Some("lastschrift".into());
    with_login.password = Some(SmtpPassword::new("s3cret-Passwört"));

    Mailer::new(&with_login)
        .unwrap()
        .send(&mail())
        .await
        .expect("logged in and accepted");

    let got = &receiver.wait_for(1, WAIT).await[0];
    assert_eq!(
        got.auth,
        Some(("lastschrift".into(), "s3cret-Passwört".into()))
    );

    let mut wrong = with_login.clone();
    wrong.password = Some(SmtpPassword::new("falsch"));
    let error = Mailer::new(&wrong)
        .unwrap()
        .send(&mail())
        .await
        .unwrap_err();
    assert!(
        matches!(error, MailError::Refused { code: 535, .. }),
        "{error:?}"
    );
    assert!(error.german().contains("Passwort"), "{}", error.german());
    assert!(!format!("{error:?} {error}").contains("falsch"));

    let error = Mailer::new(&settings(receiver.port()))
        .unwrap()
        .send(&mail())
        .await
        .unwrap_err();
    assert!(
        matches!(error, MailError::Refused { code: 530, .. }),
        "without a login the server says so: {error:?}"
    );
    assert_eq!(receiver.messages().len(), 1);
}

#[test]
fn the_password_is_not_in_the_debug_output_of_the_settings() {
    let mut settings = settings(587);
    settings.username = Some("lastschrift".into());
    settings.password = Some(SmtpPassword::new("s3cret-Passwört"));
    let shown = format!("{settings:?} {settings:#?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("lastschrift"), "the rest is shown: {shown}");
    let mailer = Mailer::new(&settings).unwrap();
    assert!(!format!("{mailer:?}").contains("s3cret"));
}

/// Text with what tends to break mail: umlauts and symbols, line breaks, lines that start with
/// a dot, long words, and any other character.
fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => any::<char>(),
            2 => prop::sample::select(vec!['ä', 'ö', 'ü', 'ß', 'Ä', '€', '–', '„', '“', '😀']),
            2 => Just(' '),
            1 => Just('\n'),
            1 => Just('.'),
            2 => prop::char::range('a', 'z'),
        ],
        0..max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// 32 real sends, whatever PROPTEST_CASES says: the `proptest!` macro lets the variable
/// override the count, and CI's 3000 real sends would take a quarter of an hour.
#[test]
fn any_subject_and_text_arrive_as_written() {
    use proptest::test_runner::{Config, TestRunner};
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let receiver = runtime.block_on(SmtpReceiver::start());
    let mailer = Mailer::new(&settings(receiver.port())).unwrap();
    let mut runner = TestRunner::new(Config::with_cases(32));
    let outcome = runner.run(&(text(120), text(400)), |(subject, body)| {
        let mut mail = mail();
        mail.subject = subject.clone();
        mail.text = body.clone();
        mail.html = format!("<p>{}</p>", body.replace('<', "&lt;"));
        let before = receiver.messages().len();
        runtime
            .block_on(mailer.send(&mail))
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let received = runtime.block_on(receiver.wait_for(before + 1, WAIT));
        let parsed = received.last().unwrap().parsed();
        prop_assert_eq!(&parsed.subject, &one_line(&subject));
        prop_assert_eq!(lines(parsed.text.as_deref().unwrap_or("")), lines(&body));
        Ok(())
    });
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}
