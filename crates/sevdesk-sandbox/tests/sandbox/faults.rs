//! Every fault kind, observed over real HTTP on 127.0.0.1.

use crate::common;

use std::time::{Duration, Instant};

use common::{assert_error_envelope, client, get, start};
use sevdesk_sandbox::{Fault, FaultKind, Sandbox};

async fn raw(sb: &Sandbox, path: &str) -> reqwest::Response {
    client()
        .get(format!("{}{}", sb.base_url(), path))
        .header("Authorization", sb.token())
        .send()
        .await
        .expect("answered")
}

#[tokio::test]
async fn latency_delays_and_still_answers() {
    let sb = start(10).await;
    sb.set_faults(vec![Fault::always(FaultKind::Latency(
        Duration::from_millis(300),
    ))]);
    let t = Instant::now();
    let (status, _) = get(&sb, "/PaymentMethod").await;
    assert_eq!(status, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(sb.requests()[0].fault.as_deref(), Some("Latency"));
    sb.shutdown().await;
}

#[tokio::test]
async fn too_many_requests_with_retry_after_for_n_times_then_success() {
    let sb = start(10).await;
    sb.set_faults(vec![Fault::times(
        FaultKind::TooManyRequests {
            retry_after_secs: 3,
        },
        2,
    )]);
    for _ in 0..2 {
        let r = raw(&sb, "/Invoice").await;
        assert_eq!(r.status().as_u16(), 429);
        assert_eq!(
            r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
            Some("3")
        );
        let body: serde_json::Value = r.json().await.expect("JSON");
        assert_error_envelope(&body, 429);
    }
    let (status, _) = get(&sb, "/Invoice").await;
    assert_eq!(status, 200, "the fault must stop after 2 times");
    let statuses: Vec<u16> = sb.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200]);
    sb.shutdown().await;
}

#[tokio::test]
async fn server_errors_500_and_503() {
    let sb = start(10).await;
    for code in [500u16, 503] {
        sb.set_faults(vec![Fault::always(FaultKind::ServerError(code))]);
        let r = raw(&sb, "/Contact").await;
        assert_eq!(r.status().as_u16(), code);
        let body: serde_json::Value = r.json().await.expect("JSON");
        assert_error_envelope(&body, code);
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn path_prefix_limits_the_fault() {
    let sb = start(10).await;
    sb.set_faults(vec![
        Fault::always(FaultKind::ServerError(500)).on("/Invoice"),
    ]);
    assert_eq!(raw(&sb, "/Invoice?limit=5").await.status().as_u16(), 500);
    assert_eq!(raw(&sb, "/Contact").await.status().as_u16(), 200);
    sb.set_faults(vec![
        Fault::always(FaultKind::ServerError(503)).on("/api/v1/Contact"),
    ]);
    assert_eq!(raw(&sb, "/Invoice?limit=5").await.status().as_u16(), 200);
    assert_eq!(raw(&sb, "/Contact").await.status().as_u16(), 503);
    sb.clear_faults();
    assert_eq!(raw(&sb, "/Contact").await.status().as_u16(), 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn hang_never_answers_until_shutdown() {
    let sb = start(10).await;
    sb.set_faults(vec![Fault::always(FaultKind::Hang)]);
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_millis(400))
        .build()
        .expect("client");
    let err = quick
        .get(format!("{}/Invoice", sb.base_url()))
        .header("Authorization", sb.token())
        .send()
        .await
        .expect_err("a hung request must time out");
    assert!(err.is_timeout(), "{err}");
    // A request still hanging must not keep shutdown from finishing.
    let url = format!("{}/Invoice", sb.base_url());
    let token = sb.token().to_string();
    let pending = tokio::spawn(async move {
        client()
            .get(url)
            .header("Authorization", token)
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    tokio::time::timeout(Duration::from_secs(10), sb.shutdown())
        .await
        .expect("shutdown finishes although a request hangs");
    let answered = pending.await.expect("task");
    if let Ok(r) = answered {
        assert_eq!(r.status().as_u16(), 503);
    }
}

#[tokio::test]
async fn slow_body_dribbles_the_complete_body() {
    let sb = start(30).await;
    let (_, normal) = get(&sb, "/Invoice?limit=20").await;
    sb.set_faults(vec![Fault::always(FaultKind::SlowBody(
        Duration::from_millis(60),
    ))]);
    let t = Instant::now();
    let mut r = raw(&sb, "/Invoice?limit=20").await;
    let head_at = t.elapsed();
    let mut body = Vec::new();
    let mut chunks = 0;
    while let Some(c) = r.chunk().await.expect("body chunk") {
        body.extend_from_slice(&c);
        chunks += 1;
    }
    assert!(chunks >= 2, "body came in {chunks} chunk(s)");
    assert!(
        t.elapsed() >= Duration::from_millis(600),
        "{:?}",
        t.elapsed()
    );
    assert!(
        head_at < Duration::from_millis(600),
        "headers took {head_at:?}"
    );
    let slow: serde_json::Value = serde_json::from_slice(&body).expect("complete JSON");
    assert_eq!(slow, normal);
    // A client with a short read timeout gives up.
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let res = quick
        .get(format!("{}/Invoice?limit=20", sb.base_url()))
        .header("Authorization", sb.token())
        .send()
        .await;
    let failed = match res {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(failed, "a 200 ms timeout must not get the whole slow body");
    sb.shutdown().await;
}

#[tokio::test]
async fn malformed_json_is_200_json_that_does_not_parse() {
    let sb = start(10).await;
    sb.set_faults(vec![Fault::times(FaultKind::MalformedJson, 1)]);
    let r = raw(&sb, "/Invoice").await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let bytes = r.bytes().await.expect("body");
    assert!(serde_json::from_slice::<serde_json::Value>(&bytes).is_err());
    let (status, _) = get(&sb, "/Invoice").await;
    assert_eq!(status, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn truncated_body_fails_to_read_completely() {
    let sb = start(30).await;
    sb.set_faults(vec![Fault::always(FaultKind::TruncatedBody)]);
    let r = raw(&sb, "/Invoice?limit=20").await;
    assert_eq!(r.status().as_u16(), 200);
    let announced: usize = r
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("content-length announced");
    match r.bytes().await {
        Err(_) => {}
        Ok(b) => {
            assert!(b.len() < announced, "got {} of {announced}", b.len());
            assert!(serde_json::from_slice::<serde_json::Value>(&b).is_err());
        }
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn html_error_page_is_502_text_html() {
    let sb = start(10).await;
    sb.set_faults(vec![Fault::always(FaultKind::HtmlErrorPage)]);
    let r = raw(&sb, "/Invoice").await;
    assert_eq!(r.status().as_u16(), 502);
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(ct.starts_with("text/html"), "{ct}");
    let text = r.text().await.expect("body");
    assert!(text.starts_with("<!DOCTYPE html>"));
    sb.shutdown().await;
}

#[tokio::test]
async fn error_envelope_with_200() {
    let sb = start(10).await;
    sb.set_faults(vec![Fault::always(FaultKind::ErrorEnvelopeWith200)]);
    let (status, body) = get(&sb, "/Invoice").await;
    assert_eq!(status, 200);
    assert_error_envelope(&body, 500);
    sb.shutdown().await;
}

#[tokio::test]
async fn reject_token_answers_401_to_the_right_token() {
    let sb = start(10).await;
    sb.set_faults(vec![Fault::times(FaultKind::RejectToken, 1)]);
    let (status, body) = get(&sb, "/Tools/bookkeepingSystemVersion").await;
    assert_eq!(status, 401);
    assert_error_envelope(&body, 401);
    let (status, _) = get(&sb, "/Tools/bookkeepingSystemVersion").await;
    assert_eq!(status, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn latency_combines_with_another_fault_and_writes_are_never_faulted() {
    let sb = start(10).await;
    sb.set_faults(vec![
        Fault::always(FaultKind::Latency(Duration::from_millis(150))),
        Fault::always(FaultKind::ServerError(503)),
    ]);
    let t = Instant::now();
    assert_eq!(raw(&sb, "/Invoice").await.status().as_u16(), 503);
    assert!(t.elapsed() >= Duration::from_millis(150));
    let r = client()
        .post(format!("{}/Invoice", sb.base_url()))
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(sb.write_attempts(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn endpoint_missing_answers_404_on_that_path_only_and_401_to_a_wrong_token() {
    let sb = start(10).await;
    sb.set_faults(vec![
        Fault::always(FaultKind::EndpointMissing).on("/PaymentMethod"),
    ]);
    let (status, body) = get(&sb, "/PaymentMethod").await;
    assert_eq!(status, 404);
    assert_error_envelope(&body, 404);
    assert_eq!(sb.requests()[0].fault.as_deref(), Some("EndpointMissing"));
    let (status, _) = get(&sb, "/Invoice?limit=5").await;
    assert_eq!(status, 200, "other paths answer normally");
    let r = client()
        .get(format!("{}/PaymentMethod", sb.base_url()))
        .header("Authorization", "wrong")
        .send()
        .await
        .expect("answered");
    assert_eq!(
        r.status().as_u16(),
        401,
        "the token is checked before the 404"
    );
    sb.clear_faults();
    let (status, _) = get(&sb, "/PaymentMethod").await;
    assert_eq!(status, 200);
    sb.shutdown().await;
}
