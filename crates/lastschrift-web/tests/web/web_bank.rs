//! The bank's answers in the web, over real HTTP: several files uploaded at once — good ones
//! (validated against the XSDs first; one with a byte-order mark, one in ISO-8859-1) beside a
//! truncated file, a billion-laughs document and a file that is not a bank answer — each named
//! with what became of it, nothing of a bad one applied; a 100 MB upload refused with a sentence
//! while the server keeps serving; the worklist with fees, its exports and decisions; the count
//! on the dashboard; the dry run naming the retry; a viewer may look but not upload.

use crate::web_support::Server;
use lastschrift_store::{DebitStatus, Role};
use test_support::bank_files::{
    BankReturn, Bookings, CamtVersion, CollectionFile, Pain002Version, StatusOutcome,
    StatusReportOptions, camt053, camt054, pain002,
};

const ADMIN_PASSWORD: &str = "admin password 1";

/// The card of one uploaded file on the result page.
fn card<'a>(body: &'a str, file_name: &str) -> &'a str {
    let start = body
        .find(&format!("<h2>{file_name}"))
        .unwrap_or_else(|| panic!("no result for {file_name}: {body}"));
    let open = body[..start].rfind("<div class=\"card").unwrap();
    let end = start + body[start..].find("</div>").unwrap();
    &body[open..end]
}

/// `text` in ISO-8859-1, with the declaration saying so.
fn latin1(text: &str) -> Vec<u8> {
    text.replacen("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"", 1)
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
        .collect()
}

const BILLION_LAUGHS: &[u8] = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>&lol9;</BkToCstmrDbtCdtNtfctn></Document>
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bank_files_uploaded_at_once_good_and_bad_then_the_worklist() {
    let (server, sandbox) = Server::synced(60, None, |_| {}).await;
    server.add_user("admin", ADMIN_PASSWORD, Role::Admin).await;
    server
        .add_user("vera", "viewer password 1", Role::Viewer)
        .await;
    let run = server.app.collect(None, None).await.unwrap().run.unwrap();
    let pain008 = server
        .store
        .run_files(run.id)
        .await
        .unwrap()
        .remove(0)
        .bytes;
    let file = CollectionFile::read(&pain008);
    let debits: Vec<_> = file.debits().cloned().collect();
    let (rejected, returned, not_returned) = (&debits[0], &debits[1], &debits[2]);

    let status = pain002(
        &file,
        &StatusReportOptions {
            version: Pain002Version::V03Dk,
            outcome: StatusOutcome::Partial {
                rejects: vec![(rejected.end_to_end_id.clone(), "AM04".into())],
            },
            ..StatusReportOptions::default()
        },
    );
    test_support::assert_schema_valid(&status, Pain002Version::V03Dk.schemas());
    let booking = camt054(
        CamtVersion::V02,
        &Bookings {
            collections: file.booked_batches(&[rejected.end_to_end_id.as_str()]),
            with_details: false,
            ..Bookings::for_file(&file)
        },
    );
    test_support::assert_schema_valid(&booking, &[CamtVersion::V02.camt054_schema()]);
    let mut booking_with_bom = b"\xEF\xBB\xBF".to_vec();
    booking_with_bom.extend_from_slice(&booking);
    let return_of = |debit: &test_support::bank_files::BankDebit, fee_cents| {
        Bookings::returns_of(
            &file,
            vec![BankReturn {
                debit: debit.clone(),
                reason: "AC04".into(),
                fee_cents,
                ..BankReturn::default()
            }],
        )
    };
    // The statement in ISO-8859-1 (its return text "Rücklastschrift" has a Latin-1 byte).
    let statement =
        String::from_utf8(camt053(CamtVersion::V02, &return_of(returned, 450))).unwrap();
    assert!(statement.contains("Rücklastschrift"));
    let statement = latin1(&statement);
    assert!(statement.contains(&0xFC), "ü as one Latin-1 byte");
    let truncated_return = camt054(CamtVersion::V08, &return_of(not_returned, 300));
    let truncated = &truncated_return[..truncated_return.len() * 2 / 3];

    let mut admin = server.client();
    admin.login("admin", ADMIN_PASSWORD).await;
    let page = admin.get("/bank").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("name=\"files\" multiple"),
        "{}",
        page.body
    );
    let csrf = admin.csrf().await;
    let answer = admin
        .post_multipart(
            "/bank/import",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("files", Some("pain002.xml"), &status),
                ("files", Some("camt054-bom.xml"), &booking_with_bom),
                ("files", Some("camt053-latin1.xml"), &statement),
                ("files", Some("truncated.xml"), truncated),
                ("files", Some("laughs.xml"), BILLION_LAUGHS),
                ("files", Some("our-own-pain008.xml"), &pain008),
            ],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = &answer.body;
    for good in ["pain002.xml", "camt054-bom.xml", "camt053-latin1.xml"] {
        let card = card(body, good);
        assert!(!card.contains("class=\"card error\""), "{good}: {card}");
    }
    assert!(card(body, "pain002.xml").contains("1 abgelehnt"), "{body}");
    assert!(
        card(body, "camt053-latin1.xml").contains("1 zurückgegeben"),
        "{body}"
    );
    for bad in ["truncated.xml", "laughs.xml", "our-own-pain008.xml"] {
        let card = card(body, bad);
        assert!(card.contains("class=\"card error\""), "{bad}: {card}");
    }
    assert!(
        card(body, "our-own-pain008.xml").contains("pain.008"),
        "the refusal names what the file is: {body}"
    );
    let state = |e2e: &str| {
        let e2e = e2e.to_string();
        let store = server.store.clone();
        async move { store.debits_by_end_to_end_ids(&[e2e]).await.unwrap()[0].status }
    };
    assert_eq!(state(&rejected.end_to_end_id).await, DebitStatus::Rejected);
    assert_eq!(state(&returned.end_to_end_id).await, DebitStatus::Returned);
    assert_eq!(
        state(&not_returned.end_to_end_id).await,
        DebitStatus::Collected,
        "nothing of the truncated file applied"
    );
    assert_eq!(server.store.bank_imports().await.unwrap().len(), 3);

    // 20 MB: read and thrown away, refused with a sentence. 100 MB: refused by its declared
    // length without reading it (the connection may close before the answer is read). Either
    // way the server keeps serving.
    let csrf = admin.csrf().await;
    let big = vec![b' '; 20 * 1024 * 1024];
    let answer = admin
        .post_multipart(
            "/bank/import",
            &[
                ("csrf", None, csrf.as_bytes()),
                ("files", Some("big.xml"), &big),
            ],
        )
        .await;
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert!(answer.body.contains("5 MiB"), "{}", answer.body);
    drop(big);
    let huge = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(server.url("/bank/import"))
        .header("content-type", "multipart/form-data; boundary=x")
        .body(vec![b' '; 100 * 1024 * 1024])
        .send()
        .await;
    if let Ok(answer) = huge {
        // Anonymous: to the login page, or refused by size first.
        assert!(
            [303, 413].contains(&answer.status().as_u16()),
            "{}",
            answer.status()
        );
    }
    assert_eq!(admin.get("/").await.status, 200);
    assert_eq!(server.store.bank_imports().await.unwrap().len(), 3);

    // The worklist: both, with reason, next step and the fee; the exports; the dashboard count.
    let worklist = admin.get("/worklist").await;
    assert_eq!(worklist.status, 200);
    assert!(worklist.body.contains("4,50 €"), "{}", worklist.body);
    assert!(
        worklist.body.contains("Konto aufgelöst"),
        "{}",
        worklist.body
    );
    assert!(worklist.body.contains("keine Deckung"), "{}", worklist.body);
    let csv = admin.get("/worklist.csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains(";4,50;"), "{}", csv.body);
    let json: serde_json::Value =
        serde_json::from_str(&admin.get("/worklist.json").await.body).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2, "{json}");
    let dashboard = admin.get("/").await;
    assert!(
        dashboard.body.contains("Offene Rücklastschriften"),
        "{}",
        dashboard.body
    );

    // The preview names the invoice collected again and its attempt.
    let preview = admin.get("/run").await;
    assert_eq!(preview.status, 200);
    assert!(preview.body.contains("Versuch 2 von 3"), "{}", preview.body);

    // A viewer sees the worklist but may not upload or decide.
    let mut viewer = server.client();
    viewer.login("vera", "viewer password 1").await;
    assert_eq!(viewer.get("/worklist").await.status, 200);
    let viewer_csrf = viewer.csrf().await;
    let refused = viewer
        .post_multipart(
            "/bank/import",
            &[
                ("csrf", None, viewer_csrf.as_bytes()),
                ("files", Some("again.xml"), &status),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    let returned_id = json
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["reason_code"] == "AC04")
        .unwrap()["debit_id"]
        .as_i64()
        .unwrap()
        .to_string();
    let refused = viewer
        .post(
            "/worklist/decide",
            &[
                ("csrf", &viewer_csrf),
                ("debit_id", &returned_id),
                ("action", "done"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);

    // The admin marks the return done: it leaves the open list.
    let csrf = admin.csrf().await;
    let decided = admin
        .post(
            "/worklist/decide",
            &[
                ("csrf", &csrf),
                ("debit_id", &returned_id),
                ("action", "done"),
            ],
        )
        .await;
    assert!(
        decided.status == 303 || decided.status == 200,
        "{}",
        decided.body
    );
    let open = admin.get("/worklist").await;
    assert!(
        !open.body.contains(&format!("id=\"debit-{returned_id}\"")),
        "{}",
        open.body
    );
    let all = admin.get("/worklist?all=1").await;
    assert!(
        all.body.contains(&format!("id=\"debit-{returned_id}\"")),
        "{}",
        all.body
    );
    sandbox.shutdown().await;
}
