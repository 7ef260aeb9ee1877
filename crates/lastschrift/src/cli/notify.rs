//! `lastschrift notify`: the pre-notifications of the next run — previewed, recorded, sent by
//! e-mail or made into letters — and what was sent before, with its proof.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::Args;

use super::Outcome;
use super::collect::parse_date;
use super::context::{open_app, runtime, setup};
use lastschrift_core::collect::format_euro;
use lastschrift_core::store::{NotificationChannel, PreNotification};

#[derive(Debug, Args)]
#[command(after_help = "The workflow with policies.pre_notification = \"send\":
  lastschrift notify --preview      every message as it would go out; nothing is sent
  lastschrift notify                record and send them (e-mail, else a PDF letter to print)
  (wait pre_notification_days)
  lastschrift collect               collects what was announced in time, for the date announced

Letters are written to <output_dir>/letters/ (or --letters DIR) for printing.
Exit codes: 0 everything sent; 1 some could not be sent or announced (shown); 2 setup error.")]
pub struct NotifyArgs {
    /// The collection date to announce (YYYY-MM-DD or DD.MM.YYYY); default: the earliest a
    /// pre-notification sent today allows.
    #[arg(long, value_parser = parse_date)]
    date: Option<NaiveDate>,
    /// Show every message (subject, address, text) without recording or sending anything.
    #[arg(long)]
    preview: bool,
    /// List the recorded pre-notifications with their proof instead (optionally of --date).
    #[arg(long, conflicts_with = "preview")]
    list: bool,
    /// Release a message reported as unclear (started, never confirmed) once you have checked
    /// that it did not arrive; the next `notify` sends it again.
    #[arg(long, value_name = "ID", conflicts_with_all = ["preview", "list"])]
    release: Option<i64>,
    /// Where the letters' PDFs are written.
    #[arg(long)]
    letters: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn run(args: &NotifyArgs, config: Option<&Path>) -> anyhow::Result<Outcome> {
    runtime()?.block_on(async {
        let app = open_app(config).await?;
        if let Some(id) = args.release {
            let released = app
                .release_pre_notification(id, "the command line")
                .await
                .map_err(setup)?;
            println!(
                "Freigegeben / released: #{} an / to {}; `lastschrift notify` verschickt sie erneut / sends it again.",
                released.id, released.address
            );
            return Ok(Outcome::Done);
        }
        if args.list {
            let all = app.pre_notifications(args.date).await.map_err(setup)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for n in &all {
                    print_record(n);
                }
                if all.is_empty() {
                    println!("Keine Vorabankündigungen / no pre-notifications recorded.");
                }
            }
            return Ok(Outcome::Done);
        }
        if args.preview {
            let preview = app.notification_preview(args.date).await.map_err(setup)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&preview)?);
            } else {
                println!(
                    "Vorabankündigungen für den Einzug am {} / pre-notifications for {}:",
                    preview.plan.collection_date.format("%d.%m.%Y"),
                    preview.plan.collection_date
                );
                for n in &preview.announcement.notifications {
                    let before = preview.recorded.iter().find(|r| r.fingerprint == n.fingerprint);
                    println!(
                        "\n--- {} an / to {} ({}){}",
                        channel_word(n.channel),
                        n.address.replace('\n', ", "),
                        n.mandate_reference,
                        before
                            .map(|r| format!(" — schon erfasst / recorded before: {}", r.status))
                            .unwrap_or_default()
                    );
                    println!("Betreff / subject: {}\n", n.subject);
                    println!("{}", n.body_text.trim_end());
                }
                print_unannounceable(&preview.announcement.unannounceable);
                println!("\nVorschau: nichts verschickt / preview: nothing was sent.");
            }
            return Ok(
                if preview.announcement.unannounceable.is_empty() {
                    Outcome::Done
                } else {
                    Outcome::ProblemsFound
                },
            );
        }
        let outcome = app.notify(args.date).await.map_err(setup)?;
        let letters_dir = match &args.letters {
            Some(dir) => dir.clone(),
            None => app.settings().await.map_err(setup)?.settings.output_dir().join("letters"),
        };
        let mut written = Vec::new();
        for n in outcome
            .report
            .sent
            .iter()
            .filter(|n| n.channel == NotificationChannel::Letter)
        {
            let Some(pdf) = app.pre_notification_pdf(n.id).await.map_err(setup)? else {
                continue;
            };
            std::fs::create_dir_all(&letters_dir)?;
            let path = letters_dir.join(format!(
                "Vorabankuendigung-{}-{}.pdf",
                n.collection_date,
                file_safe(&n.mandate_reference)
            ));
            std::fs::write(&path, pdf)?;
            written.push(path);
        }
        app.close().await;
        let report = &outcome.report;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&outcome)?);
        } else {
            println!(
                "Einzug am / collection date {}: {} verschickt / sent, {} fehlgeschlagen / failed, {} schon vorher / before, {} unklar / unclear",
                outcome.preview.plan.collection_date.format("%d.%m.%Y"),
                report.sent.len(),
                report.failed.len(),
                report.already_sent.len(),
                report.unclear.len()
            );
            for n in &report.sent {
                print_record(n);
            }
            for path in &written {
                println!("  Brief zum Drucken / letter to print: {}", path.display());
            }
            for n in &report.failed {
                print_record(n);
            }
            for n in &report.unclear {
                println!(
                    "  unklar / unclear: #{} {} an {} — begonnen, aber nicht bestätigt (Absturz?); wird nicht erneut verschickt, bitte im Postausgang prüfen, dann `lastschrift notify --release {}` / started, never confirmed; not sent again: check the mailbox, then release it",
                    n.id, n.mandate_reference, n.address, n.id
                );
            }
            print_unannounceable(&outcome.preview.announcement.unannounceable);
        }
        let complete = report.failed.is_empty()
            && report.unclear.is_empty()
            && outcome.preview.announcement.unannounceable.is_empty();
        Ok(if complete {
            Outcome::Done
        } else {
            Outcome::ProblemsFound
        })
    })
}

fn channel_word(channel: NotificationChannel) -> &'static str {
    match channel {
        NotificationChannel::Email => "E-Mail",
        NotificationChannel::Letter => "Brief / letter",
    }
}

fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn print_record(n: &PreNotification) {
    let proof = match (&n.server_reply, &n.pdf_sha256, &n.last_error) {
        (Some(reply), _, _) => format!("Server: {reply}"),
        (_, Some(hash), _) => format!("PDF SHA-256 {hash}"),
        (_, _, Some(error)) => format!("Fehler / error: {error}"),
        _ => String::new(),
    };
    println!(
        "  #{} {} {} an / to {} — {} für / for {} — {} {}{} — {} — {}",
        n.id,
        n.status,
        channel_word(n.channel),
        n.address.replace('\n', ", "),
        format_euro(n.total_cents),
        n.collection_date.format("%d.%m.%Y"),
        n.mandate_reference,
        n.sent_at
            .map(|t| format!("am / at {} ", t.format("%Y-%m-%d %H:%M:%S UTC")))
            .unwrap_or_default(),
        n.message_id,
        n.template_version,
        proof
    );
}

fn print_unannounceable(list: &[lastschrift_core::notify::announce::Unannounceable]) {
    for u in list {
        println!(
            "  nicht ankündbar / cannot be announced: {} ({}, Kontakt {}): {} / {}",
            u.debtor_name, u.mandate_reference, u.contact_id, u.german, u.english
        );
    }
}
