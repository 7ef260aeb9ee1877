//! Open-ended list queries (any limit, offset, filter values and unknown parameters) against a
//! model of what sevdesk does: the served ids are exactly the expected slice, `total` counts
//! all matches, bad limits are 400 with the envelope, unknown parameters change nothing.

use crate::common;

use proptest::prelude::*;
use sevdesk_sandbox::Sandbox;

const KNOWN: &[&str] = &[
    "limit",
    "offset",
    "countAll",
    "status",
    "contact[id]",
    "paymentMethod[id]",
    "invoiceNumber",
    "invoiceType",
    "updateAfter",
    "updateBefore",
    "createAfter",
    "createBefore",
    "startDate",
    "endDate",
    "partiallyPaid",
    "orderByInvoiceNumber",
    "token",
];

#[derive(Debug, Clone)]
struct Query {
    limit: Option<i64>,
    offset: Option<usize>,
    count_all: bool,
    status: Option<String>,
    contact: Option<usize>,
    junk: Option<(String, String)>,
}

fn query() -> impl Strategy<Value = Query> {
    (
        proptest::option::of(-3i64..1200),
        proptest::option::of(0usize..200),
        any::<bool>(),
        proptest::option::of(prop_oneof![
            Just("100".to_string()),
            Just("200".to_string()),
            Just("750".to_string()),
            Just("1000".to_string()),
            "[a-z0-9]{0,4}",
        ]),
        proptest::option::of(0usize..100),
        proptest::option::of(("[a-zA-Z][a-zA-Z\\[\\]]{0,14}", "[a-zA-Z0-9]{0,8}")),
    )
        .prop_map(|(limit, offset, count_all, status, contact, junk)| Query {
            limit,
            offset,
            count_all,
            status,
            contact,
            junk: junk.filter(|(k, _)| !KNOWN.contains(&k.as_str())),
        })
}

/// What the model needs of each invoice, newest first (the sandbox's default order).
struct Model {
    contact_ids: Vec<u64>,
    invoices: Vec<(u64, u16, u64)>,
}

fn check(
    rt: &tokio::runtime::Runtime,
    sb: &Sandbox,
    client: &reqwest::Client,
    m: &Model,
    q: &Query,
) -> Result<(), TestCaseError> {
    let contact = q
        .contact
        .map(|i| m.contact_ids.get(i).copied().unwrap_or(1));
    let mut params: Vec<String> = Vec::new();
    if let Some(l) = q.limit {
        params.push(format!("limit={l}"));
    }
    if let Some(o) = q.offset {
        params.push(format!("offset={o}"));
    }
    if q.count_all {
        params.push("countAll=true".into());
    }
    if let Some(s) = &q.status {
        params.push(format!("status={s}"));
    }
    if let Some(c) = contact {
        params.push(format!("contact[id]={c}&contact[objectName]=Contact"));
    }
    if let Some((k, v)) = &q.junk {
        params.push(format!("{k}={v}"));
    }
    let url = format!("/Invoice?{}", params.join("&"));
    let (status, body) = rt.block_on(common::get_with(client, sb, &url));

    if let Some(l) = q.limit
        && !(1..=1000).contains(&l)
    {
        prop_assert_eq!(status, 400, "{}", url);
        prop_assert!(body["objects"].is_null());
        return Ok(());
    }
    prop_assert_eq!(status, 200, "{}", url);
    let wanted_status: Option<u16> = q.status.as_deref().and_then(|s| s.parse().ok());
    let expected: Vec<String> = m
        .invoices
        .iter()
        .filter(|(_, s, _)| wanted_status.is_none_or(|w| *s == w))
        .filter(|(_, _, c)| contact.is_none_or(|w| *c == w))
        .map(|(id, _, _)| id.to_string())
        .collect();
    let limit = q.limit.map_or(100, |l| l as usize);
    let offset = q.offset.unwrap_or(0);
    let page: Vec<String> = expected.iter().skip(offset).take(limit).cloned().collect();
    let got: Vec<String> = common::objects(&body)
        .iter()
        .map(|o| o["id"].as_str().unwrap_or("").to_string())
        .collect();
    prop_assert_eq!(got, page, "{}", url);
    if q.count_all {
        prop_assert_eq!(
            &body["total"],
            &serde_json::json!(expected.len().to_string())
        );
    } else {
        prop_assert!(body.get("total").is_none());
    }
    Ok(())
}

#[test]
fn any_invoice_list_query_matches_the_model() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sb = rt
        .block_on(Sandbox::start(common::config(150)))
        .expect("sandbox starts");
    let model = sb.with_data(|d| Model {
        contact_ids: d.contacts.keys().copied().collect(),
        invoices: d
            .invoices
            .values()
            .rev()
            .map(|i| (i.id, i.status, i.contact_id))
            .collect(),
    });
    let client = common::client();
    proptest!(|(q in query())| {
        check(&rt, &sb, &client, &model, &q)?;
    });
    rt.block_on(sb.shutdown());
}
