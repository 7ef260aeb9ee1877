//! The sevdesk quirks the sandbox must reproduce, observed over real HTTP.

use crate::common;

use common::{assert_error_envelope, client, get, objects, start};
use sevdesk_sandbox::{Sandbox, SandboxConfig};

#[tokio::test]
async fn same_seed_gives_same_json_and_another_seed_does_not() {
    let a = start(300).await;
    let b = start(300).await;
    let c = Sandbox::start(SandboxConfig {
        seed: 8,
        ..common::config(300)
    })
    .await
    .expect("start");
    for path in [
        "/Invoice?limit=1000",
        "/Contact?depth=1&limit=1000",
        "/ContactAddress?limit=1000",
        "/CommunicationWay?limit=1000",
        "/ContactCustomField?limit=1000",
        "/CreditNote?limit=1000",
        "/PaymentMethod",
    ] {
        let (_, ja) = get(&a, path).await;
        let (_, jb) = get(&b, path).await;
        assert_eq!(
            ja, jb,
            "{path} differs between two sandboxes with the same seed"
        );
        let (_, jc) = get(&c, path).await;
        assert_ne!(ja, jc, "{path} is the same for seeds 7 and 8");
    }
    a.shutdown().await;
    b.shutdown().await;
    c.shutdown().await;
}

#[tokio::test]
async fn depth_zero_hides_persons_and_depth_one_shows_them() {
    let sb = start(200).await;
    let (persons, total) = sb.with_data(|d| {
        (
            d.contacts.values().filter(|c| c.is_person()).count(),
            d.contacts.len(),
        )
    });
    assert!(persons > 0, "the generator made no persons");
    let (_, without) = get(&sb, "/Contact?limit=1000&countAll=true").await;
    let (_, zero) = get(&sb, "/Contact?limit=1000&depth=0").await;
    let (_, with) = get(&sb, "/Contact?limit=1000&depth=1&countAll=true").await;
    assert_eq!(objects(&without).len(), total - persons);
    assert_eq!(objects(&zero).len(), total - persons);
    assert!(objects(&without).iter().all(|c| c["name"].is_string()));
    assert_eq!(objects(&with).len(), total);
    assert_eq!(with["total"], total.to_string());
    sb.shutdown().await;
}

#[tokio::test]
async fn default_limit_is_100_and_limit_above_1000_is_400() {
    let sb = start(250).await;
    let (status, body) = get(&sb, "/Invoice").await;
    assert_eq!(status, 200);
    assert_eq!(objects(&body).len(), 100);
    assert!(body.get("total").is_none(), "total only with countAll");
    let (_, body) = get(&sb, "/Invoice?limit=1000").await;
    assert_eq!(objects(&body).len(), 250);
    for bad in ["1001", "0", "-5", "abc"] {
        let (status, body) = get(&sb, &format!("/Invoice?limit={bad}")).await;
        assert_eq!(status, 400, "limit={bad}");
        assert_error_envelope(&body, 400);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn count_all_total_is_a_string_and_paging_covers_everything_once() {
    let sb = start(250).await;
    let mut seen = std::collections::BTreeSet::new();
    let mut offset = 0;
    loop {
        let (_, body) = get(
            &sb,
            &format!("/Invoice?limit=60&offset={offset}&countAll=true"),
        )
        .await;
        assert_eq!(body["total"], serde_json::json!("250"));
        let page = objects(&body);
        for inv in page {
            assert!(seen.insert(inv["id"].as_str().expect("id is a string").to_string()));
        }
        if page.len() < 60 {
            break;
        }
        offset += 60;
    }
    assert_eq!(seen.len(), 250);
    sb.shutdown().await;
}

#[tokio::test]
async fn unknown_filter_is_ignored_and_known_filters_filter() {
    let sb = start(200).await;
    let (_, all) = get(&sb, "/Invoice?limit=1000").await;
    let (_, typo) = get(&sb, "/Invoice?limit=1000&customerIntenalNote=PO-40001").await;
    assert_eq!(all, typo, "a misspelled filter must return everything");
    let (_, open) = get(&sb, "/Invoice?limit=1000&status=200").await;
    assert!(!objects(&open).is_empty());
    assert!(objects(&open).len() < objects(&all).len());
    assert!(objects(&open).iter().all(|i| i["status"] == "200"));
    let (_, partial) = get(&sb, "/Invoice?limit=1000&status=750").await;
    assert!(
        !objects(&partial).is_empty(),
        "no partially paid invoices generated"
    );
    for inv in objects(&partial) {
        assert!(
            inv["paidAmount"].is_number(),
            "paidAmount must be a JSON number"
        );
        assert!(inv["paidAmount"].as_f64().unwrap_or(0.0) > 0.0);
        let id = inv["id"].as_str().unwrap_or("");
        let (_, pp) = get(&sb, &format!("/Invoice/{id}/getIsPartiallyPaid")).await;
        assert_eq!(pp["objects"], serde_json::json!(true));
    }
    let contact_id = objects(&all)[0]["contact"]["id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let (_, by_contact) = get(
        &sb,
        &format!("/Invoice?limit=1000&contact[id]={contact_id}&contact[objectName]=Contact"),
    )
    .await;
    assert!(!objects(&by_contact).is_empty());
    assert!(
        objects(&by_contact)
            .iter()
            .all(|i| i["contact"]["id"] == contact_id.as_str())
    );
    let dd = sb
        .with_data(|d| d.direct_debit_method_id())
        .expect("direct debit method");
    let (_, by_pm) = get(
        &sb,
        &format!(
            "/Invoice?limit=1000&paymentMethod[id]={dd}&paymentMethod[objectName]=PaymentMethod"
        ),
    )
    .await;
    assert!(!objects(&by_pm).is_empty());
    assert!(
        objects(&by_pm)
            .iter()
            .all(|i| i["paymentMethod"]["id"] == dd.to_string().as_str())
    );
    let (_, asc) = get(
        &sb,
        "/Invoice?limit=1000&orderByInvoiceNumber=ASC&status=1000",
    )
    .await;
    let numbers: Vec<u64> = objects(&asc)
        .iter()
        .filter_map(|i| {
            i["invoiceNumber"]
                .as_str()?
                .strip_prefix("RE-")?
                .parse()
                .ok()
        })
        .collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "not ascending: {numbers:?}"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn update_after_sees_only_changed_records() {
    let sb = start(100).await;
    let (cutoff, invoice_id, contact_id) = sb.with_data(|d| {
        let latest = d
            .invoices
            .values()
            .map(|i| i.update)
            .chain(d.contacts.values().map(|c| c.update))
            .max();
        let inv = d.invoices.values().find(|i| i.status == 200).map(|i| i.id);
        let con = d.contacts.keys().next().copied();
        (latest.map(|t| t.timestamp()), inv, con)
    });
    let (cutoff, invoice_id, contact_id) = (
        cutoff.expect("data has timestamps"),
        invoice_id.expect("an open invoice"),
        contact_id.expect("a contact"),
    );
    let (_, none) = get(&sb, &format!("/Invoice?updateAfter={cutoff}")).await;
    assert!(objects(&none).is_empty());
    sb.with_data(|d| {
        assert!(d.mark_invoice_paid(invoice_id));
        assert!(d.set_contact_iban(contact_id, Some("DE89370400440532013000".into())));
    });
    let (_, changed) = get(&sb, &format!("/Invoice?updateAfter={cutoff}")).await;
    assert_eq!(objects(&changed).len(), 1);
    assert_eq!(objects(&changed)[0]["id"], invoice_id.to_string().as_str());
    assert_eq!(objects(&changed)[0]["status"], "1000");
    let (_, contacts) = get(&sb, &format!("/Contact?depth=1&updateAfter={cutoff}")).await;
    assert_eq!(objects(&contacts).len(), 1);
    assert_eq!(
        objects(&contacts)[0]["bankAccount"],
        "DE89370400440532013000"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn by_id_reads_are_one_element_lists_and_unknown_ids_get_the_envelope() {
    let sb = start(50).await;
    let (inv, con) = sb.with_data(|d| {
        (
            *d.invoices.keys().next().expect("invoice"),
            *d.contacts.keys().next().expect("contact"),
        )
    });
    let (status, body) = get(&sb, &format!("/Invoice/{inv}")).await;
    assert_eq!(status, 200);
    assert_eq!(objects(&body).len(), 1);
    assert_eq!(objects(&body)[0]["id"], inv.to_string().as_str());
    let (_, body) = get(&sb, &format!("/Contact/{con}")).await;
    assert_eq!(objects(&body).len(), 1);
    for path in [
        "/Invoice/1",
        "/Contact/999",
        "/Invoice/1/getIsPartiallyPaid",
    ] {
        let (status, body) = get(&sb, path).await;
        assert_eq!(status, 404, "{path}");
        assert_error_envelope(&body, 404);
        assert_eq!(body["error"]["code"], 151);
    }
    let (_, version) = get(&sb, "/Tools/bookkeepingSystemVersion").await;
    assert_eq!(version, serde_json::json!({"objects": {"version": "2.0"}}));
    sb.shutdown().await;
}

#[tokio::test]
async fn writes_get_405_and_are_counted_and_logged_without_token() {
    let sb = start(20).await;
    let c = client();
    let url = format!("{}/Invoice/135000000/bookAmount", sb.base_url());
    let responses = [
        c.post(&url)
            .header("Authorization", sb.token())
            .send()
            .await,
        c.put(&url).header("Authorization", sb.token()).send().await,
        c.delete(&url)
            .header("Authorization", sb.token())
            .send()
            .await,
        c.patch(&url).send().await,
    ];
    for r in responses {
        let r = r.expect("answered");
        assert_eq!(r.status().as_u16(), 405);
        let body: serde_json::Value = r.json().await.expect("JSON");
        assert_error_envelope(&body, 405);
    }
    assert_eq!(sb.write_attempts(), 4);
    let _ = c
        .get(format!(
            "{}/Invoice?token={}&limit=5",
            sb.base_url(),
            sb.token()
        ))
        .header("Authorization", sb.token())
        .send()
        .await
        .expect("answered");
    let log = sb.requests();
    assert_eq!(log.len(), 5);
    assert_eq!(log.iter().filter(|r| r.status == 405).count(), 4);
    let methods: Vec<&str> = log.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["POST", "PUT", "DELETE", "PATCH", "GET"]);
    assert_eq!(log[4].query, "limit=5");
    for r in &log {
        assert!(
            !format!("{r:?}").contains(sb.token()),
            "token in the log: {r:?}"
        );
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn bad_missing_or_bearer_token_is_401_with_envelope() {
    let sb = start(10).await;
    let c = client();
    let url = format!("{}/Tools/bookkeepingSystemVersion", sb.base_url());
    let bearer = format!("Bearer {}", sb.token());
    for auth in [Some("wrong"), None, Some(bearer.as_str())] {
        let mut rq = c.get(&url);
        if let Some(a) = auth {
            rq = rq.header("Authorization", a);
        }
        let r = rq.send().await.expect("answered");
        assert_eq!(r.status().as_u16(), 401, "{auth:?}");
        let body: serde_json::Value = r.json().await.expect("JSON");
        assert_error_envelope(&body, 401);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn sub_resources_filter_by_contact_and_type() {
    let sb = start(100).await;
    let cid = sb.with_data(|d| {
        d.communication_ways
            .values()
            .find(|w| w.key_id == 8)
            .map(|w| w.contact_id)
            .expect("some contact has an invoicing e-mail")
    });
    let (_, ways) = get(
        &sb,
        &format!("/CommunicationWay?contact[id]={cid}&contact[objectName]=Contact&type=EMAIL"),
    )
    .await;
    assert!(objects(&ways).len() >= 2);
    assert!(
        objects(&ways)
            .iter()
            .all(|w| w["type"] == "EMAIL" && w["contact"]["id"] == cid.to_string().as_str())
    );
    let (_, main) = get(
        &sb,
        &format!("/CommunicationWay?contact[id]={cid}&type=EMAIL&main=1"),
    )
    .await;
    assert_eq!(objects(&main).len(), 1);
    let (_, addrs) = get(
        &sb,
        &format!("/ContactAddress?contact[id]={cid}&contact[objectName]=Contact"),
    )
    .await;
    assert!(
        objects(&addrs)
            .iter()
            .all(|a| a["contact"]["id"] == cid.to_string().as_str())
    );
    let (_, bulk) = get(&sb, "/ContactAddress?limit=1000&countAll=true").await;
    let n_addr = sb.with_data(|d| d.addresses.len());
    assert_eq!(bulk["total"], n_addr.to_string());
    let (_, cats) = get(&sb, "/Category?objectType=ContactAddress").await;
    assert!(
        objects(&cats)
            .iter()
            .all(|c| c["objectType"] == "ContactAddress")
    );
    assert!(
        objects(&cats)
            .iter()
            .any(|c| c["translationCode"] == "CATEGORY_INVOICE_ADDRESS")
    );
    let (_, settings) = get(&sb, "/ContactCustomFieldSetting").await;
    let idents: Vec<&str> = objects(&settings)
        .iter()
        .filter_map(|s| s["identifier"].as_str())
        .collect();
    assert!(idents.contains(&"SEPAMANDATSREFERENZ") && idents.contains(&"SEPAMANDATSDATUM"));
    let (_, countries) = get(&sb, "/StaticCountry?limit=1000").await;
    let codes: Vec<&str> = objects(&countries)
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    for code in ["de", "at", "nl", "fr", "ch"] {
        assert!(codes.contains(&code), "{code} missing");
    }
    let (_, open_cn) = get(&sb, "/CreditNote?status=200").await;
    assert!(!objects(&open_cn).is_empty(), "no open credit note");
    assert!(objects(&open_cn).iter().all(|c| c["status"] == "200"));
    sb.shutdown().await;
}

#[tokio::test]
async fn contact_filters_customer_number_exact_and_name_partial() {
    let sb = start(40).await;
    let (_, exact) = get(&sb, "/Contact?depth=1&customerNumber=1001").await;
    assert_eq!(objects(&exact).len(), 1);
    assert_eq!(objects(&exact)[0]["customerNumber"], "1001");
    assert_eq!(objects(&exact)[0]["surename"], "Łukasz");
    let (_, prefix) = get(&sb, "/Contact?depth=1&customerNumber=100").await;
    assert!(
        objects(&prefix).is_empty(),
        "customerNumber must match exactly"
    );
    let (_, by_name) = get(&sb, "/Contact?depth=1&name=m%C3%BCller").await;
    assert!(
        objects(&by_name)
            .iter()
            .any(|c| c["name"] == "Müller & Söhne GmbH")
    );
    sb.shutdown().await;
}
