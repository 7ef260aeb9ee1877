//! Answers the sandbox does not produce, served by a small scripted HTTP server on
//! 127.0.0.1 (port 0): lists without `total`, a server that serves smaller pages than asked,
//! HTML with status 200, single objects instead of lists, error envelopes, 4xx codes,
//! redirects, `Retry-After` as a date and empty bodies.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sevdesk::{ApiToken, Client, ClientConfig, Error, Id, InvoiceQuery, RetryPolicy};

struct Server {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// Serves `respond(path, query, request number)` for every request and records
/// "METHOD path?query".
async fn serve(respond: impl Fn(&str, &str, usize) -> Response + Send + Sync + 'static) -> Server {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let counter = Arc::new(AtomicUsize::new(0));
    let respond = Arc::new(respond);
    let app = Router::new().fallback({
        let seen = seen.clone();
        move |req: Request| {
            let path = req.uri().path().to_owned();
            let query = req.uri().query().unwrap_or("").to_owned();
            seen.lock()
                .unwrap()
                .push(format!("{} {path}?{query}", req.method()));
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let response = respond(&path, &query, n);
            async move { response }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Server {
        base: format!("http://{addr}/api/v1"),
        seen,
    }
}

fn client(server: &Server) -> Client {
    let mut cfg = ClientConfig::new(ApiToken::new("0123456789abcdef0123456789abcdef").unwrap())
        .with_base_url(&server.base);
    cfg.retry = RetryPolicy {
        max_retries: 2,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
    };
    cfg.request_timeout = Duration::from_secs(5);
    Client::new(cfg).unwrap()
}

fn param(query: &str, name: &str) -> Option<u64> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
}

fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn invoices(ids: impl Iterator<Item = u64>, total: Option<u64>) -> String {
    let objects: Vec<String> = ids
        .map(|id| format!(r#"{{"id":"{id}","objectName":"Invoice","status":"200"}}"#))
        .collect();
    match total {
        Some(t) => format!(r#"{{"objects":[{}],"total":"{t}"}}"#, objects.join(",")),
        None => format!(r#"{{"objects":[{}]}}"#, objects.join(",")),
    }
}

#[tokio::test]
async fn without_total_pages_are_read_until_a_short_page() {
    let server = serve(|_, query, _| {
        let offset = param(query, "offset").unwrap_or(0);
        let limit = param(query, "limit").unwrap_or(100);
        let end = (offset + limit).min(250);
        json(StatusCode::OK, invoices(offset + 1..=end, None))
    })
    .await;
    let mut cfg = client(&server).config().clone();
    cfg.page_size = 100;
    let client = Client::new(cfg).unwrap();
    let got = client.invoices(&InvoiceQuery::default()).await.unwrap();
    let ids: Vec<u64> = got.iter().map(|i| i.id.0).collect();
    assert_eq!(ids, (1..=250).collect::<Vec<_>>());
    assert_eq!(server.seen().len(), 3, "{:?}", server.seen());
}

#[tokio::test]
async fn a_server_serving_smaller_pages_than_asked_is_followed() {
    // Like sevdesk's default page of 100 when it ignores our limit.
    let server = serve(|_, query, _| {
        let offset = param(query, "offset").unwrap_or(0);
        let end = (offset + 100).min(250);
        json(StatusCode::OK, invoices(offset + 1..=end, Some(250)))
    })
    .await;
    let got = client(&server)
        .invoices(&InvoiceQuery::default())
        .await
        .unwrap();
    assert_eq!(got.len(), 250);
    assert_eq!(server.seen().len(), 3, "{:?}", server.seen());
}

#[tokio::test]
async fn html_with_status_200_is_not_json_and_not_retried() {
    let server = serve(|_, _, _| {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>Wartungsarbeiten</body></html>",
        )
            .into_response()
    })
    .await;
    let err = client(&server)
        .bookkeeping_system_version()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotJson { status: 200, .. }), "{err:?}");
    assert!(err.user_message().contains("web page"));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_single_object_instead_of_a_list_is_read() {
    let server = serve(|_, _, _| {
        json(
            StatusCode::OK,
            r#"{"objects":{"id":"7","objectName":"Invoice","status":"750","paidAmount":1.5}}"#
                .into(),
        )
    })
    .await;
    let inv = client(&server).invoice(Id(7)).await.unwrap();
    assert_eq!(inv.paid_amount, Some("1.5".parse().unwrap()));
}

#[tokio::test]
async fn by_id_read_of_another_object_is_not_found() {
    // An ignored path parameter would return a list of other objects.
    let server = serve(|_, _, _| json(StatusCode::OK, invoices(1..=3, None))).await;
    let err = client(&server).invoice(Id(99)).await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn an_envelope_saying_401_inside_200_is_unauthorized() {
    let server = serve(|_, _, _| {
        json(
            StatusCode::OK,
            r#"{"error":{"message":"Authentication required","code":null,"responseCode":401},"objects":null}"#.into(),
        )
    })
    .await;
    let err = client(&server).payment_methods().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn client_errors_are_typed_and_not_retried() {
    for (status, want) in [
        (403u16, "Forbidden"),
        (422, "Rejected"),
        (400, "Rejected"),
        (409, "UnexpectedStatus"),
    ] {
        let server = serve(move |_, _, _| {
            json(
                StatusCode::from_u16(status).unwrap(),
                r#"{"error":{"message":"Das geht so nicht","code":null},"objects":null}"#.into(),
            )
        })
        .await;
        let err = client(&server).contacts(None).await.unwrap_err();
        let got = match &err {
            Error::Forbidden { .. } => "Forbidden",
            Error::Rejected {
                message, status: s, ..
            } => {
                assert_eq!(*s, status);
                assert_eq!(message.as_deref(), Some("Das geht so nicht"));
                "Rejected"
            }
            Error::UnexpectedStatus { .. } => "UnexpectedStatus",
            other => panic!("HTTP {status}: {other:?}"),
        };
        assert_eq!(got, want, "HTTP {status}");
        assert_eq!(server.seen().len(), 1, "HTTP {status} was retried");
    }
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let server = serve(|path, _, _| {
        if path.contains("Export") {
            json(StatusCode::OK, r#"{"objects":{"version":"2.0"}}"#.into())
        } else {
            (
                StatusCode::FOUND,
                [(header::LOCATION, "/api/v1/Export/datevCSV?enshrine=true")],
            )
                .into_response()
        }
    })
    .await;
    let err = client(&server)
        .bookkeeping_system_version()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedStatus { status: 302, .. }),
        "{err:?}"
    );
    assert!(
        server.seen().iter().all(|r| !r.contains("Export")),
        "{:?}",
        server.seen()
    );
}

#[tokio::test]
async fn retry_after_as_a_date_and_empty_bodies_are_retried() {
    let server = serve(|_, _, n| match n {
        0 => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "Wed, 21 Oct 2015 07:28:00 GMT")],
        )
            .into_response(),
        1 => json(StatusCode::OK, String::new()),
        _ => json(StatusCode::OK, r#"{"objects":{"version":"1.0"}}"#.into()),
    })
    .await;
    let client = client(&server);
    assert_eq!(client.bookkeeping_system_version().await.unwrap(), "1.0");
    let statuses: Vec<Option<u16>> = client
        .request_log()
        .records()
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![Some(429), Some(200), Some(200)]);
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error() {
    // Bind and drop a listener so that the port is (very likely) closed.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cfg = ClientConfig::new(ApiToken::new("0123456789abcdef0123456789abcdef").unwrap())
        .with_base_url(format!("http://127.0.0.1:{port}/api/v1"));
    cfg.retry = RetryPolicy {
        max_retries: 1,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
        max_retry_after: Duration::from_secs(1),
    };
    let err = Client::new(cfg)
        .unwrap()
        .bookkeeping_system_version()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Connection { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(err.user_message().contains("could not be reached"));
}

#[tokio::test]
async fn token_goes_raw_in_authorization_with_a_meaningful_user_agent() {
    let headers = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new().fallback({
        let headers = headers.clone();
        move |req: Request| {
            let h = req.headers();
            let get = |name: header::HeaderName| {
                h.get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned()
            };
            headers.lock().unwrap().push((
                get(header::AUTHORIZATION),
                get(header::USER_AGENT),
                get(header::ACCEPT),
            ));
            async { json(StatusCode::OK, r#"{"objects":{"version":"2.0"}}"#.into()) }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let cfg = ClientConfig::new(ApiToken::new("0123456789abcdef0123456789abcdef").unwrap())
        .with_base_url(format!("http://{addr}/api/v1"));
    Client::new(cfg)
        .unwrap()
        .bookkeeping_system_version()
        .await
        .unwrap();
    let seen = headers.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (auth, agent, accept) = &seen[0];
    assert_eq!(auth, "0123456789abcdef0123456789abcdef");
    assert!(agent.starts_with("lastschrift/"), "{agent}");
    assert!(agent.contains("read-only"), "{agent}");
    assert_eq!(accept, "application/json");
}
