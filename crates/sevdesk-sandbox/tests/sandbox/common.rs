//! Helpers shared by the sandbox's integration tests.
#![allow(dead_code)]

use chrono::NaiveDate;
use sevdesk_sandbox::{Sandbox, SandboxConfig};

pub fn config(invoices: usize) -> SandboxConfig {
    SandboxConfig {
        seed: 7,
        invoices,
        today: NaiveDate::from_ymd_opt(2026, 11, 28).expect("valid date"),
        ..Default::default()
    }
}

pub async fn start(invoices: usize) -> Sandbox {
    Sandbox::start(config(invoices))
        .await
        .expect("sandbox starts on 127.0.0.1:0")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("reqwest client")
}

/// GET `path_and_query` (relative to the base URL) with the right token; status and JSON body.
pub async fn get(sb: &Sandbox, path_and_query: &str) -> (u16, serde_json::Value) {
    get_with(&client(), sb, path_and_query).await
}

/// Like [`get`] with a given client (building one per request costs milliseconds).
pub async fn get_with(
    client: &reqwest::Client,
    sb: &Sandbox,
    path_and_query: &str,
) -> (u16, serde_json::Value) {
    let resp = client
        .get(format!("{}{}", sb.base_url(), path_and_query))
        .header("Authorization", sb.token())
        .send()
        .await
        .expect("request is answered");
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.expect("body is JSON");
    (status, body)
}

pub fn objects(body: &serde_json::Value) -> &Vec<serde_json::Value> {
    body["objects"].as_array().expect("objects is an array")
}

/// Asserts the body is sevdesk's error envelope with this responseCode.
pub fn assert_error_envelope(body: &serde_json::Value, response_code: u16) {
    assert!(body["objects"].is_null(), "objects must be null: {body}");
    let e = &body["error"];
    assert!(e["exceptionUUID"].is_string(), "{body}");
    assert!(e["message"].is_string(), "{body}");
    assert_eq!(e["errorCode"], 0, "{body}");
    assert!(e["data"].as_array().is_some_and(|d| d.is_empty()), "{body}");
    assert_eq!(e["responseCode"], response_code, "{body}");
}
