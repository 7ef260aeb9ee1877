//! Pre-notifications through the [`App`], on SQLite and PostgreSQL, against a real SMTP server
//! over TCP (test_support::smtp): prepare → announce → wait → collect. The timing rule keeps
//! every debit out of the file until its pre-notification with the same amount and date went
//! out `pre_notification_days` before; the dry run names the first date it may go; a refused
//! address waits and is retried without sending anyone a second message.

#[allow(unused_imports)]
use test_support::backends;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use lastschrift_core::collect::ExclusionReason;
use lastschrift_core::notify::mail::{SmtpSecurity, SmtpSettings};
use lastschrift_core::secret::{SecretKey, SevdeskToken};
use lastschrift_core::settings::{DatabaseUrl, PreNotificationPolicy, Settings, SettingsSources};
use lastschrift_core::sync::NoProgress;
use lastschrift_core::{App, Clock};
use lastschrift_store::*;
use test_support::smtp::{Behaviour, SmtpReceiver};

#[cfg(feature = "postgres-tests")]
use super::by_url::run_postgres;
use super::by_url::run_sqlite;
use super::sandbox;

backends!(
    announced_in_time_collected_on_the_announced_date_and_never_sent_twice,
    a_refused_address_waits_and_a_retry_sends_only_what_is_missing,
    the_organisations_own_template_is_filled_with_real_data,
);

/// A clock the test moves forward.
#[derive(Debug)]
struct Movable(Mutex<DateTime<Utc>>);

impl Clock for Movable {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

struct Setup {
    app: App,
    store: Arc<dyn Store>,
    clock: Arc<Movable>,
    smtp: SmtpReceiver,
    _sandbox: sevdesk_sandbox::Sandbox,
    _dir: tempfile::TempDir,
}

async fn setup(url: DatabaseUrl, behaviour: Behaviour) -> Setup {
    setup_with(url, behaviour, |_| {}).await
}

async fn setup_with(
    url: DatabaseUrl,
    behaviour: Behaviour,
    edit: impl FnOnce(&mut Settings),
) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let sb = sandbox(40).await;
    // Every third contact has no e-mail address: its pre-notification is a letter.
    sb.with_data(|data| {
        data.communication_ways
            .retain(|_, way| way.kind != "EMAIL" || way.contact_id % 3 != 0)
    });
    let smtp = SmtpReceiver::start_with(behaviour).await;
    let mut settings: Settings =
        super::installation::settings(&url, dir.path(), Some(sb.base_url()));
    settings.policies.pre_notification = PreNotificationPolicy::Send;
    settings.smtp = Some(SmtpSettings {
        host: "127.0.0.1".into(),
        port: Some(smtp.port()),
        security: SmtpSecurity::None,
        username: None,
        password: None,
        from_name: "Muster Software GmbH – Buchhaltung".into(),
        from_address: "buchhaltung@muster-software.example".into(),
        timeout_seconds: 10,
    });
    edit(&mut settings);
    let store = open_url(&url).await.expect("the store opens");
    // Friday 2026-11-27 09:00 in Berlin.
    let clock = Arc::new(Movable(Mutex::new(
        Utc.with_ymd_and_hms(2026, 11, 27, 8, 0, 0).unwrap(),
    )));
    let app = App::new(
        SettingsSources::given(settings),
        store.clone(),
        SecretKey::generate(),
    )
    .with_clock(clock.clone());
    app.store_token(&SevdeskToken::new(sb.token()).unwrap())
        .await
        .unwrap();
    app.sync(&NoProgress).await.unwrap();
    Setup {
        app,
        store,
        clock,
        smtp,
        _sandbox: sb,
        _dir: dir,
    }
}

fn waiting(plan: &lastschrift_core::collect::CollectionPlan) -> Vec<&ExclusionReason> {
    plan.exclusions
        .iter()
        .map(|e| &e.reason)
        .filter(|r| matches!(r, ExclusionReason::WaitsForPreNotification { .. }))
        .collect()
}

mod tests {
    use super::*;

    pub async fn announced_in_time_collected_on_the_announced_date_and_never_sent_twice(
        url: DatabaseUrl,
    ) {
        let s = setup(url, Behaviour::default()).await;
        // Nothing announced: the dry run keeps every debit out and names the first date after
        // a pre-notification sent today (27 Nov + 14 days = Fri 11 Dec).
        let before = s.app.plan(None).await.unwrap();
        assert!(before.debits.is_empty(), "{:?}", before.debits);
        let waits = waiting(&before);
        assert!(!waits.is_empty());
        for reason in &waits {
            let ExclusionReason::WaitsForPreNotification {
                announced,
                first_date,
            } = reason
            else {
                unreachable!()
            };
            assert_eq!(*announced, None);
            assert_eq!(*first_date, d(2026, 12, 11));
            assert!(
                reason.german().contains("frühestens am 11.12.2026"),
                "{}",
                reason.german()
            );
        }
        assert!(
            before
                .pre_notification_note
                .german
                .contains("von lastschrift verschickt")
        );

        // The preview: one message per debtor, nothing recorded, nothing sent.
        let preview = s.app.notification_preview(None).await.unwrap();
        assert_eq!(preview.plan.collection_date, d(2026, 12, 11));
        let announced = &preview.announcement.notifications;
        assert!(!announced.is_empty());
        assert!(s.store.pre_notifications(None).await.unwrap().is_empty());
        assert!(s.smtp.messages().is_empty());
        let debit_count: usize = announced.iter().map(|n| n.items.len()).sum();
        assert_eq!(debit_count, preview.plan.debits.len());
        let mut references: Vec<&str> = announced
            .iter()
            .map(|n| n.mandate_reference.as_str())
            .collect();
        references.dedup();
        assert_eq!(references.len(), announced.len(), "one per debtor and date");

        let outcome = s.app.notify(None).await.unwrap();
        let report = &outcome.report;
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        assert_eq!(report.sent.len(), announced.len());
        let emails: Vec<&PreNotification> = report
            .sent
            .iter()
            .filter(|n| n.channel == NotificationChannel::Email)
            .collect();
        let letters: Vec<&PreNotification> = report
            .sent
            .iter()
            .filter(|n| n.channel == NotificationChannel::Letter)
            .collect();
        assert!(!emails.is_empty(), "the sandbox has contacts with e-mail");
        assert!(!letters.is_empty(), "and contacts without");
        let received = s.smtp.wait_for(emails.len(), Duration::from_secs(10)).await;
        assert_eq!(received.len(), emails.len());
        for n in &emails {
            let mail = received
                .iter()
                .find(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(&n.address)))
                .unwrap_or_else(|| panic!("no message to {}", n.address));
            let parsed = mail.parsed();
            assert_eq!(parsed.message_id, n.message_id);
            assert!(
                parsed
                    .subject
                    .starts_with("Vorabankündigung: SEPA-Lastschrift am 11.12.2026 über "),
                "{}",
                parsed.subject
            );
            assert!(
                parsed.from[0].name.as_deref() == Some("Muster Software GmbH – Buchhaltung"),
                "{:?}",
                parsed.from
            );
            let text = parsed.text.as_deref().expect("a text part");
            let html = parsed.html.as_deref().expect("an HTML part");
            for needle in [
                n.mandate_reference.as_str(),
                "DE98ZZZ09999999999",
                "Gläubiger-Identifikationsnummer",
                "Mit freundlichen Grüßen",
            ] {
                assert!(text.contains(needle), "{needle}: {text}");
                assert!(html.contains(needle), "{needle}: {html}");
            }
            for item in &n.items {
                let number = item.invoice_number.as_deref().unwrap();
                assert!(text.contains(number), "{number}: {text}");
                assert!(text.contains(&lastschrift_core::collect::format_euro(item.amount_cents)));
            }
            assert!(!html.contains("<img"), "no images: {html}");
            assert!(!html.contains("http"), "nothing remote: {html}");
            // The proof: the server's own reply to this message.
            let reply = n.server_reply.as_deref().unwrap();
            assert!(reply.starts_with("250"), "{reply}");
            assert!(reply.contains("queued as"), "{reply}");
            assert_eq!(n.template_version, "builtin-1-de");
        }
        for n in &letters {
            let pdf = s.app.pre_notification_pdf(n.id).await.unwrap().unwrap();
            assert_eq!(n.pdf_sha256.as_deref().map(str::len), Some(64));
            let text = test_support::pdf::text(&pdf);
            assert!(text.contains(&n.mandate_reference), "{text}");
            assert!(text.contains("Vorabankündigung"), "{text}");
            assert!(text.contains("DE98ZZZ09999999999"), "{text}");
            // The window envelope shows the debtor's name and town.
            for line in n.address.lines() {
                assert!(text.contains(line.trim()), "{line}: {text}");
            }
            assert_eq!(test_support::pdf::page_count(&pdf), 1);
            // Kept for a look (not committed), like the browser suite's screenshots.
            let kept = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("letters");
            std::fs::create_dir_all(&kept).unwrap();
            std::fs::write(kept.join(format!("{}.pdf", n.mandate_reference)), &pdf).unwrap();
        }

        // Asked again (a second click, another instance): nothing is sent twice.
        let again = s.app.notify(None).await.unwrap();
        assert!(again.report.sent.is_empty(), "{:?}", again.report.sent);
        assert_eq!(again.report.already_sent.len(), announced.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            s.smtp.messages().len(),
            emails.len(),
            "a message sent twice"
        );

        // Today the run would be on 30 Nov: not what was announced, so it waits for 11 Dec.
        let early = s.app.plan(None).await.unwrap();
        assert!(early.debits.is_empty());
        for reason in waiting(&early) {
            let ExclusionReason::WaitsForPreNotification {
                first_date,
                announced,
            } = reason
            else {
                unreachable!()
            };
            assert_eq!(*first_date, d(2026, 12, 11));
            assert_eq!(announced.as_ref().unwrap().sent_on, d(2026, 11, 27));
        }
        // On the announced date every announced debit goes.
        let on_date = s.app.plan(Some(d(2026, 12, 11))).await.unwrap();
        assert_eq!(on_date.debits.len(), debit_count, "{:?}", waiting(&on_date));
        assert!(waiting(&on_date).is_empty());

        // An amount changed after the announcement needs a new one: that invoice waits, named
        // with what was announced; the others still go.
        let changed = announced[0].items[0].clone();
        s._sandbox.with_data(|data| {
            let t = data.change_time();
            let invoice = data.invoices.get_mut(&(changed.invoice_id as u64)).unwrap();
            invoice.sum_gross += 100;
            invoice.update = t;
        });
        s.app.sync(&NoProgress).await.unwrap();
        let after_change = s.app.plan(Some(d(2026, 12, 11))).await.unwrap();
        assert_eq!(after_change.debits.len(), debit_count - 1);
        let waits = after_change
            .exclusions
            .iter()
            .find(|e| e.invoice_id == changed.invoice_id)
            .expect("the changed invoice is explained");
        let ExclusionReason::WaitsForPreNotification {
            announced: Some(was),
            ..
        } = &waits.reason
        else {
            panic!("{:?}", waits.reason)
        };
        assert_eq!(was.amount_cents, changed.amount_cents);
        assert!(
            waits.reason.german().contains("passt nicht"),
            "{}",
            waits.reason.german()
        );

        // Two weeks later (10 Dec), the run for 11 Dec writes its file with the others.
        *s.clock.0.lock().unwrap() = Utc.with_ymd_and_hms(2026, 12, 10, 8, 0, 0).unwrap();
        let run = s
            .app
            .collect(Some(d(2026, 12, 11)), None)
            .await
            .unwrap()
            .run
            .expect("a run");
        assert_eq!(run.debit_count as usize, debit_count - 1);
        for file in s.store.run_files(run.id).await.unwrap() {
            test_support::assert_valid_pain008_08(&file.bytes);
        }
        // The control list carries each debit's proof of announcement.
        let control =
            String::from_utf8(s.store.control_list(run.id).await.unwrap().unwrap()).unwrap();
        let header = control.lines().next().unwrap();
        assert!(
            header.ends_with(
                "Vorabankündigung;Vorabankündigung an;Vorabankündigung am;Vorabankündigung Nachweis"
            ),
            "{header}"
        );
        for n in emails
            .iter()
            .filter(|n| n.items.iter().all(|i| i.invoice_id != changed.invoice_id))
        {
            let line = control
                .lines()
                .find(|l| l.contains(&format!(";{};", n.items[0].invoice_id)))
                .unwrap_or_else(|| panic!("no line for {}: {control}", n.items[0].invoice_id));
            assert!(
                line.contains(&format!("E-Mail;{};27.11.2026 09:00;250", n.address)),
                "{line}"
            );
            assert!(line.contains(&n.message_id), "{line}");
        }
        for n in letters
            .iter()
            .filter(|n| n.items.iter().all(|i| i.invoice_id != changed.invoice_id))
        {
            let line = control
                .lines()
                .find(|l| l.contains(&format!(";{};", n.items[0].invoice_id)))
                .unwrap();
            assert!(
                line.contains(&format!("PDF SHA-256 {}", n.pdf_sha256.as_deref().unwrap())),
                "{line}"
            );
        }
        s.store.close().await;
    }

    pub async fn a_refused_address_waits_and_a_retry_sends_only_what_is_missing(url: DatabaseUrl) {
        // The preview names the addresses; the server then refuses one of them.
        let s = setup(url, Behaviour::default()).await;
        let preview = s.app.notification_preview(None).await.unwrap();
        let refused = preview
            .announcement
            .notifications
            .iter()
            .find(|n| n.channel == NotificationChannel::Email)
            .expect("an e-mail debtor")
            .address
            .clone();
        s.smtp.set_behaviour(Behaviour {
            refuse_recipients: vec![refused.clone()],
            ..Behaviour::default()
        });
        let first = s.app.notify(None).await.unwrap();
        assert_eq!(first.report.failed.len(), 1, "{:?}", first.report.failed);
        let failed = &first.report.failed[0];
        assert_eq!(failed.address, refused);
        assert_eq!(failed.status, NotificationStatus::Failed);
        let error = failed.last_error.as_deref().unwrap();
        assert!(
            error.contains("550"),
            "the server's answer is kept: {error}"
        );
        assert_eq!(
            failed.sent_at, None,
            "nothing marked sent that was not accepted"
        );
        let sent_first = s.smtp.messages().len();
        // Its debits wait; the others' do not (on the announced date).
        let plan = s
            .app
            .plan(Some(preview.plan.collection_date))
            .await
            .unwrap();
        let waiting_invoices: Vec<SevdeskId> = plan
            .exclusions
            .iter()
            .filter(|e| matches!(e.reason, ExclusionReason::WaitsForPreNotification { .. }))
            .map(|e| e.invoice_id)
            .collect();
        let failed_invoices: Vec<SevdeskId> = failed.items.iter().map(|i| i.invoice_id).collect();
        assert_eq!(waiting_invoices, failed_invoices);

        // The server takes it again: the retry sends that one message and nothing else.
        s.smtp.set_behaviour(Behaviour::default());
        let retry = s.app.notify(None).await.unwrap();
        assert_eq!(retry.report.sent.len(), 1, "{:?}", retry.report.sent);
        assert_eq!(retry.report.sent[0].address, refused);
        assert_eq!(retry.report.sent[0].attempts, 2);
        let all = s
            .smtp
            .wait_for(sent_first + 1, Duration::from_secs(10))
            .await;
        assert_eq!(all.len(), sent_first + 1, "only the missing one was sent");
        let to_refused = all
            .iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r.eq_ignore_ascii_case(&refused)))
            .count();
        assert_eq!(to_refused, 1);

        // A crash between the server's acceptance and the record leaves it claimed: the next
        // round reports it as unclear and does not send it again.
        *s.clock.0.lock().unwrap() = Utc.with_ymd_and_hms(2026, 11, 30, 8, 0, 0).unwrap();
        let next = s
            .app
            .notification_preview(Some(d(2026, 12, 18)))
            .await
            .unwrap();
        let recorded = s
            .store
            .prepare_pre_notifications(&next.announcement.notifications)
            .await
            .unwrap();
        let crashed = recorded
            .iter()
            .find(|n| n.channel == NotificationChannel::Email)
            .expect("an e-mail for 18 Dec");
        assert!(s.store.claim_pre_notification(crashed.id).await.unwrap());
        let before_retry = s.smtp.messages().len();
        let round = s.app.notify(Some(d(2026, 12, 18))).await.unwrap();
        assert_eq!(round.report.unclear.len(), 1, "{:?}", round.report.unclear);
        assert_eq!(round.report.unclear[0].id, crashed.id);
        let expected = round
            .report
            .sent
            .iter()
            .filter(|n| n.channel == NotificationChannel::Email)
            .count();
        let after = s
            .smtp
            .wait_for(before_retry + expected, Duration::from_secs(10))
            .await;
        assert!(
            !after[before_retry..].iter().any(|m| m
                .rcpt_to
                .iter()
                .any(|r| r.eq_ignore_ascii_case(&crashed.address))),
            "the unclear one was sent again"
        );
        // Checked that it did not arrive, a person releases it: the next round sends it, once.
        assert!(
            matches!(
                s.app
                    .release_pre_notification(retry.report.sent[0].id, "test")
                    .await,
                Err(lastschrift_core::CoreError::Store(StoreError::Conflict(_)))
            ),
            "only an unclear one can be released"
        );
        let released = s
            .app
            .release_pre_notification(crashed.id, "Chefin")
            .await
            .unwrap();
        assert_eq!(released.status, NotificationStatus::Failed);
        assert!(
            released
                .last_error
                .as_deref()
                .unwrap()
                .contains("released for sending again by Chefin")
        );
        let count = s.smtp.messages().len();
        let resent = s.app.notify(Some(d(2026, 12, 18))).await.unwrap();
        assert_eq!(resent.report.sent.len(), 1, "{:?}", resent.report);
        assert_eq!(resent.report.sent[0].id, crashed.id);
        let all = s.smtp.wait_for(count + 1, Duration::from_secs(10)).await;
        assert_eq!(all.len(), count + 1);
        s.store.close().await;
    }

    pub async fn the_organisations_own_template_is_filled_with_real_data(url: DatabaseUrl) {
        let s = setup_with(url, Behaviour::default(), |settings| {
            settings.notifications.subject =
                Some("Ihre Lastschrift am {collection_date} – {total}".into());
            settings.notifications.text = Some(
                "Hallo {debtor_name},\n\nam {collection_date} buchen wir {total} ab ({iban}):\n{invoices}\n\nMandat {mandate_reference}, Gläubiger-ID {creditor_id}. {{Ihr Team}} von {creditor_name}".into(),
            );
        })
        .await;
        let preview = s.app.notification_preview(None).await.unwrap();
        let n = &preview.announcement.notifications[0];
        assert!(
            n.subject.starts_with("Ihre Lastschrift am 11.12.2026 – "),
            "{}",
            n.subject
        );
        assert!(
            n.body_text
                .starts_with(&format!("Hallo {},", n.debtor_name)),
            "{}",
            n.body_text
        );
        assert!(
            n.body_text.contains(&format!(
                "Mandat {}, Gläubiger-ID DE98ZZZ09999999999. {{Ihr Team}} von Muster Software GmbH",
                n.mandate_reference
            )),
            "{}",
            n.body_text
        );
        for item in &n.items {
            assert!(
                n.body_text
                    .contains(item.invoice_number.as_deref().unwrap()),
                "{}",
                n.body_text
            );
        }
        assert!(n.body_html.contains("<p>Hallo "), "{}", n.body_html);
        assert!(
            n.template_version.starts_with("custom-"),
            "{}",
            n.template_version
        );
        assert!(n.template_version.ends_with("-de"));
        s.store.close().await;
    }
}
