//! The HTTP side: one handler that logs, refuses writes, injects faults, checks the token and
//! routes by path segments. Routing is done by hand so that unknown paths and methods get
//! sevdesk's error envelope (and are logged) instead of axum's plain-text defaults.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde::Serialize;

use crate::model::{Dataset, Invoice};
use crate::wire::{self, ListEnvelope};
use crate::{API_PREFIX, FaultKind, RecordedRequest, Shared, lock};

/// What the server answers GET requests with.
pub(crate) enum Mode {
    /// The generated data, with sevdesk's quirks (the sandbox proper).
    Generated,
    /// Only the bodies of sevdesk's official OpenAPI document.
    #[cfg(feature = "openapi")]
    Official(Arc<crate::official::OfficialExamples>),
}

/// The data plus per-contact indexes, so that `contact[id]` filters do not scan everything
/// (a full read asks once per contact).
pub(crate) struct Served {
    pub data: Dataset,
    by_contact: ContactIndex,
}

#[derive(Default)]
struct ContactIndex {
    addresses: HashMap<u64, Vec<u64>>,
    ways: HashMap<u64, Vec<u64>>,
    fields: HashMap<u64, Vec<u64>>,
    invoices: HashMap<u64, Vec<u64>>,
    credit_notes: HashMap<u64, Vec<u64>>,
}

fn group<T>(items: &BTreeMap<u64, T>, contact: impl Fn(&T) -> u64) -> HashMap<u64, Vec<u64>> {
    let mut m: HashMap<u64, Vec<u64>> = HashMap::new();
    // BTreeMap iteration is by id, so every list is sorted ascending.
    for (id, x) in items {
        m.entry(contact(x)).or_default().push(*id);
    }
    m
}

impl Served {
    pub fn new(data: Dataset) -> Served {
        let mut s = Served {
            data,
            by_contact: ContactIndex::default(),
        };
        s.reindex();
        s
    }

    pub fn reindex(&mut self) {
        let d = &self.data;
        self.by_contact = ContactIndex {
            addresses: group(&d.addresses, |a| a.contact_id),
            ways: group(&d.communication_ways, |w| w.contact_id),
            fields: group(&d.custom_fields, |f| f.contact_id),
            invoices: group(&d.invoices, |i| i.contact_id),
            credit_notes: group(&d.credit_notes, |c| c.contact_id),
        };
    }
}

/// Records of one contact via the index (ascending id), or all records.
fn candidates<'a, T>(
    all: &'a BTreeMap<u64, T>,
    index: &HashMap<u64, Vec<u64>>,
    contact: Option<u64>,
) -> Box<dyn DoubleEndedIterator<Item = &'a T> + 'a> {
    match contact {
        None => Box::new(all.values()),
        Some(c) => {
            let ids: Vec<u64> = index.get(&c).cloned().unwrap_or_default();
            Box::new(ids.into_iter().filter_map(move |id| all.get(&id)))
        }
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

/// A response before body faults are applied.
struct Reply {
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
    headers: Vec<(header::HeaderName, String)>,
}

impl Reply {
    fn json(status: StatusCode, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body,
            headers: Vec::new(),
        }
    }
}

fn error_reply(s: &Shared, status: StatusCode, message: &str, code: Option<u32>) -> Reply {
    Reply::json(
        status,
        wire::error_body(&next_uuid(s), message, code, status.as_u16()),
    )
}

/// Deterministic, unique-per-sandbox exception UUIDs (sevdesk sends a random one).
fn next_uuid(s: &Shared) -> String {
    let n = s.error_counter.fetch_add(1, Ordering::SeqCst) as u64 + 1;
    format!("{:08x}-5a4d-4b0c-9e1f-{:012x}", n & 0xffff_ffff, n)
}

fn not_found(s: &Shared, model: &str, id: &str) -> Reply {
    error_reply(
        s,
        StatusCode::NOT_FOUND,
        &format!("No Model_{model} with the id {id} was found"),
        Some(151),
    )
}

/// Query parameters in order; the first occurrence of a name wins.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: &str) -> Params {
        Params(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        )
    }
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// A filter value that does not parse is ignored, like sevdesk ignores filters it does not
    /// understand.
    fn u64(&self, name: &str) -> Option<u64> {
        self.get(name).and_then(|v| v.trim().parse().ok())
    }
    fn i64(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(|v| v.trim().parse().ok())
    }
}

/// Removes `token=` from a query string before it is logged.
fn strip_token(query: &str) -> String {
    query
        .split('&')
        .filter(|kv| {
            let key = kv.split('=').next().unwrap_or("");
            !key.eq_ignore_ascii_case("token") && !kv.is_empty()
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn handle(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let raw_query = req.uri().query().unwrap_or("").to_string();
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    drop(req);

    let (reply, body_fault, fault_name) = respond(&s, &method, &path, &raw_query, auth).await;
    let status = reply.status.as_u16();
    let response = build(&s, reply, body_fault);

    let query = strip_token(&raw_query);
    let duration = start.elapsed();
    tracing::info!(
        method = %method,
        path = %path,
        query = %query,
        status,
        ms = duration.as_millis() as u64,
        fault = fault_name.as_deref().unwrap_or("-"),
        "sandbox request"
    );
    lock(&s.log).push(RecordedRequest {
        method: method.to_string(),
        path,
        query,
        status,
        duration,
        fault: fault_name,
    });
    response
}

fn fault_name(kind: &FaultKind) -> &'static str {
    match kind {
        FaultKind::Latency(_) => "Latency",
        FaultKind::TooManyRequests { .. } => "TooManyRequests",
        FaultKind::ServerError(_) => "ServerError",
        FaultKind::Hang => "Hang",
        FaultKind::SlowBody(_) => "SlowBody",
        FaultKind::MalformedJson => "MalformedJson",
        FaultKind::TruncatedBody => "TruncatedBody",
        FaultKind::HtmlErrorPage => "HtmlErrorPage",
        FaultKind::ErrorEnvelopeWith200 => "ErrorEnvelopeWith200",
        FaultKind::RejectToken => "RejectToken",
        FaultKind::EndpointMissing => "EndpointMissing",
    }
}

fn prefix_matches(prefix: &Option<String>, path: &str, rel: &str) -> bool {
    match prefix {
        None => true,
        Some(p) if p.starts_with(API_PREFIX) => path.starts_with(p.as_str()),
        Some(p) => rel.starts_with(p.as_str()),
    }
}

/// Picks the faults for this request and counts them down: all matching latencies add up; the
/// first matching other fault fires.
fn take_faults(s: &Shared, path: &str, rel: &str) -> (Duration, Option<FaultKind>) {
    let mut faults = lock(&s.faults);
    let mut latency = Duration::ZERO;
    let mut chosen = None;
    for f in faults.iter_mut() {
        if f.remaining == Some(0) || !prefix_matches(&f.fault.path_prefix, path, rel) {
            continue;
        }
        let fire = match &f.fault.kind {
            FaultKind::Latency(d) => {
                latency += *d;
                true
            }
            other if chosen.is_none() => {
                chosen = Some(other.clone());
                true
            }
            _ => false,
        };
        if fire && let Some(n) = f.remaining.as_mut() {
            *n -= 1;
        }
    }
    (latency, chosen)
}

/// Waits for `d`, or until the sandbox shuts down.
async fn pause(s: &Shared, d: Duration) {
    let mut rx = s.shutdown.clone();
    tokio::select! {
        _ = tokio::time::sleep(d) => {}
        _ = rx.wait_for(|stop| *stop) => {}
    }
}

async fn respond(
    s: &Shared,
    method: &Method,
    path: &str,
    raw_query: &str,
    auth: Option<String>,
) -> (Reply, Option<FaultKind>, Option<String>) {
    if method != Method::GET {
        s.write_attempts.fetch_add(1, Ordering::SeqCst);
        let mut r = error_reply(
            s,
            StatusCode::METHOD_NOT_ALLOWED,
            &format!("Method {method} not allowed: this sevdesk sandbox is read-only"),
            None,
        );
        r.headers.push((header::ALLOW, "GET".into()));
        return (r, None, None);
    }
    let rel = path.strip_prefix(API_PREFIX).unwrap_or("");
    let (latency, fault) = take_faults(s, path, rel);
    let mut name: Option<String> = fault.as_ref().map(|f| fault_name(f).to_string());
    if !latency.is_zero() {
        name.get_or_insert_with(|| "Latency".to_string());
        pause(s, latency).await;
    }
    let early = match &fault {
        Some(FaultKind::TooManyRequests { retry_after_secs }) => {
            let mut r = error_reply(s, StatusCode::TOO_MANY_REQUESTS, "Too Many Requests", None);
            r.headers
                .push((header::RETRY_AFTER, retry_after_secs.to_string()));
            Some(r)
        }
        Some(FaultKind::ServerError(code)) => {
            let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some(error_reply(s, status, "Internal Server Error", None))
        }
        Some(FaultKind::Hang) => {
            let mut rx = s.shutdown.clone();
            let _ = rx.wait_for(|stop| *stop).await;
            Some(error_reply(
                s,
                StatusCode::SERVICE_UNAVAILABLE,
                "Sandbox shutting down",
                None,
            ))
        }
        Some(FaultKind::HtmlErrorPage) => Some(Reply {
            status: StatusCode::BAD_GATEWAY,
            content_type: "text/html; charset=utf-8",
            body: HTML_502.as_bytes().to_vec(),
            headers: Vec::new(),
        }),
        Some(FaultKind::ErrorEnvelopeWith200) => Some(Reply::json(
            StatusCode::OK,
            wire::error_body(
                &next_uuid(s),
                "An unexpected error occurred while processing the request",
                None,
                500,
            ),
        )),
        Some(FaultKind::RejectToken) => Some(unauthorized(s)),
        _ => None,
    };
    if let Some(r) = early {
        return (r, None, name);
    }
    if auth.as_deref() != Some(s.token.as_str()) {
        return (unauthorized(s), None, name);
    }
    if matches!(fault, Some(FaultKind::EndpointMissing)) {
        return (
            error_reply(s, StatusCode::NOT_FOUND, "Resource not found", None),
            None,
            name,
        );
    }
    if !path.starts_with(API_PREFIX) || !(rel.is_empty() || rel.starts_with('/')) {
        return (
            error_reply(s, StatusCode::NOT_FOUND, "Resource not found", None),
            None,
            name,
        );
    }
    let mut reply = match &s.mode {
        Mode::Generated => {
            let data = match s.data.read() {
                Ok(g) => g,
                Err(poisoned) => poisoned.into_inner(),
            };
            route(s, &data, rel, &Params::parse(raw_query))
        }
        #[cfg(feature = "openapi")]
        Mode::Official(examples) => official_reply(s, examples, rel),
    };
    if matches!(fault, Some(FaultKind::MalformedJson)) {
        reply = Reply::json(StatusCode::OK, MALFORMED.as_bytes().to_vec());
    }
    let body_fault =
        fault.filter(|f| matches!(f, FaultKind::SlowBody(_) | FaultKind::TruncatedBody));
    (reply, body_fault, name)
}

/// The document's body for this path, whatever the query; 404 for a path it does not have.
#[cfg(feature = "openapi")]
fn official_reply(s: &Shared, examples: &crate::official::OfficialExamples, rel: &str) -> Reply {
    match examples.find(rel) {
        Some(p) => Reply::json(
            StatusCode::OK,
            serde_json::to_vec(&p.body).unwrap_or_default(),
        ),
        None => error_reply(
            s,
            StatusCode::NOT_FOUND,
            "Resource not found (GET of this path is not in sevdesk's official OpenAPI document)",
            None,
        ),
    }
}

const MALFORMED: &str = r#"{"objects":[{"id":"135169163" "objectName":"Invoice","status":"200"}]}"#;

const HTML_502: &str = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n";

fn unauthorized(s: &Shared) -> Reply {
    error_reply(s, StatusCode::UNAUTHORIZED, "Authentication required", None)
}

fn build(s: &Shared, reply: Reply, body_fault: Option<FaultKind>) -> Response {
    let full_len = reply.body.len();
    let body = match body_fault {
        Some(FaultKind::SlowBody(d)) => {
            let size = full_len.div_ceil(10).max(1);
            let chunks: Vec<Bytes> = reply
                .body
                .chunks(size)
                .map(Bytes::copy_from_slice)
                .collect();
            let shutdown = s.shutdown.clone();
            let stream = futures_util::stream::unfold(
                (chunks.into_iter(), shutdown),
                move |(mut it, mut shutdown)| async move {
                    let chunk = it.next()?;
                    if !*shutdown.borrow() {
                        tokio::select! {
                            _ = tokio::time::sleep(d) => {}
                            _ = shutdown.wait_for(|stop| *stop) => {}
                        }
                    }
                    Some((Ok::<Bytes, std::io::Error>(chunk), (it, shutdown)))
                },
            );
            Body::from_stream(stream)
        }
        Some(FaultKind::TruncatedBody) => {
            let half = Bytes::copy_from_slice(&reply.body[..full_len / 2]);
            let parts: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(half),
                Err(std::io::Error::other("body truncated by sandbox fault")),
            ];
            let stream = futures_util::stream::unfold(parts.into_iter(), |mut it| async move {
                let item = it.next()?;
                if item.is_err() {
                    // Let the first half reach the client before the connection is cut.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Some((item, it))
            });
            Body::from_stream(stream)
        }
        _ => Body::from(reply.body),
    };
    let mut response = Response::new(body);
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(reply.content_type),
    );
    if matches!(body_fault, Some(FaultKind::TruncatedBody)) {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(full_len));
    }
    for (name, value) in reply.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    response
}

/// Paging as sevdesk does it: default limit 100, 1 … 1000 allowed, `countAll=true` adds the
/// total as a string.
struct Page {
    offset: usize,
    limit: usize,
    count_all: bool,
}

fn page(s: &Shared, p: &Params) -> Result<Page, Reply> {
    let limit = match p.get("limit") {
        None => 100,
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if (1..=1000).contains(&n) => n as usize,
            _ => {
                return Err(error_reply(
                    s,
                    StatusCode::BAD_REQUEST,
                    "The limit must be between 1 and 1000",
                    None,
                ));
            }
        },
    };
    let offset = p
        .get("offset")
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let count_all = matches!(p.get("countAll"), Some("true") | Some("1"));
    Ok(Page {
        offset,
        limit,
        count_all,
    })
}

fn list<T, W: Serialize>(pg: &Page, items: Vec<&T>, to_wire: impl Fn(&T) -> W) -> Reply {
    let total = items.len();
    let objects: Vec<W> = items
        .into_iter()
        .skip(pg.offset)
        .take(pg.limit)
        .map(to_wire)
        .collect();
    let env = ListEnvelope {
        objects,
        total: pg.count_all.then(|| total.to_string()),
    };
    Reply::json(StatusCode::OK, serde_json::to_vec(&env).unwrap_or_default())
}

fn one<W: Serialize>(w: W) -> Reply {
    let env = ListEnvelope {
        objects: vec![w],
        total: None,
    };
    Reply::json(StatusCode::OK, serde_json::to_vec(&env).unwrap_or_default())
}

fn scalar(v: serde_json::Value) -> Reply {
    Reply::json(
        StatusCode::OK,
        serde_json::to_vec(&serde_json::json!({ "objects": v })).unwrap_or_default(),
    )
}

/// "RE-1015" → 1015 for ordering; drafts without a number sort last.
fn number_key(i: &Invoice) -> (bool, u64, u64) {
    let n = i
        .invoice_number
        .as_deref()
        .and_then(|n| n.rsplit('-').next())
        .and_then(|n| n.parse::<u64>().ok());
    (n.is_none(), n.unwrap_or(0), i.id)
}

fn route(s: &Shared, served: &Served, rel: &str, p: &Params) -> Reply {
    let d = &served.data;
    let ix = &served.by_contact;
    let segs: Vec<&str> = rel.split('/').filter(|x| !x.is_empty()).collect();
    let pg = match &segs[..] {
        ["Tools", "bookkeepingSystemVersion"] => {
            return scalar(serde_json::json!({ "version": d.bookkeeping_version }));
        }
        ["Invoice", id, "getIsPartiallyPaid"] => {
            return match id.parse::<u64>().ok().and_then(|i| d.invoices.get(&i)) {
                Some(inv) => scalar(serde_json::Value::Bool(inv.is_partially_paid())),
                None => not_found(s, "Invoice", id),
            };
        }
        [_] => match page(s, p) {
            Ok(pg) => pg,
            Err(r) => return r,
        },
        _ => Page {
            offset: 0,
            limit: 1,
            count_all: false,
        },
    };
    let contact = p.u64("contact[id]");
    let by_id = |id: &str| id.parse::<u64>().ok();
    match &segs[..] {
        ["PaymentMethod"] => list(
            &pg,
            d.payment_methods.values().collect(),
            wire::payment_method,
        ),
        ["Invoice"] => {
            let status = p.u64("status");
            let pm = p.u64("paymentMethod[id]");
            let number = p.get("invoiceNumber");
            let kind = p.get("invoiceType");
            let update_after = p.i64("updateAfter");
            let update_before = p.i64("updateBefore");
            let create_after = p.i64("createAfter");
            let create_before = p.i64("createBefore");
            let start = p.i64("startDate");
            let end = p.i64("endDate");
            let partially = p.get("partiallyPaid") == Some("true");
            // Newest first, as the recorded list shows (the SR before its original).
            let mut items: Vec<&Invoice> = candidates(&d.invoices, &ix.invoices, contact)
                .rev()
                .filter(|i| status.is_none_or(|st| u64::from(i.status) == st))
                .filter(|i| contact.is_none_or(|c| i.contact_id == c))
                .filter(|i| pm.is_none_or(|m| i.payment_method_id == Some(m)))
                .filter(|i| number.is_none_or(|n| i.invoice_number.as_deref() == Some(n)))
                .filter(|i| kind.is_none_or(|k| i.invoice_type == k))
                .filter(|i| update_after.is_none_or(|t| i.update.timestamp() > t))
                .filter(|i| update_before.is_none_or(|t| i.update.timestamp() < t))
                .filter(|i| create_after.is_none_or(|t| i.create.timestamp() > t))
                .filter(|i| create_before.is_none_or(|t| i.create.timestamp() < t))
                .filter(|i| start.is_none_or(|t| wire::date_unix(i.invoice_date) >= t))
                .filter(|i| end.is_none_or(|t| wire::date_unix(i.invoice_date) <= t))
                .filter(|i| !partially || i.is_partially_paid())
                .collect();
            match p.get("orderByInvoiceNumber") {
                Some("ASC") | Some("asc") => items.sort_by_key(|i| number_key(i)),
                Some("DESC") | Some("desc") => {
                    items.sort_by_key(|i| number_key(i));
                    items.reverse();
                }
                _ => {}
            }
            list(&pg, items, |i| wire::invoice(d, i))
        }
        ["Invoice", id] => match by_id(id).and_then(|i| d.invoices.get(&i)) {
            Some(i) => one(wire::invoice(d, i)),
            None => not_found(s, "Invoice", id),
        },
        ["Contact"] => {
            // depth=1 includes persons; anything else returns organisations only.
            let with_persons = p.get("depth") == Some("1");
            let number = p.get("customerNumber");
            let update_after = p.i64("updateAfter");
            let create_after = p.i64("createAfter");
            let category = p.u64("category[id]");
            let parent = p.u64("parent[id]");
            // `name` matches name, surename or familyname, not exactly (sevdesk's prose).
            let name = p.get("name").map(str::to_lowercase);
            let name_matches = |c: &crate::model::Contact| {
                name.as_deref().is_none_or(|n| {
                    [&c.name, &c.surename, &c.familyname]
                        .iter()
                        .any(|f| f.as_deref().is_some_and(|v| v.to_lowercase().contains(n)))
                })
            };
            let items = d
                .contacts
                .values()
                .filter(|c| with_persons || !c.is_person())
                .filter(|c| number.is_none_or(|n| c.customer_number == n))
                .filter(|c| update_after.is_none_or(|t| c.update.timestamp() > t))
                .filter(|c| create_after.is_none_or(|t| c.create.timestamp() > t))
                .filter(|c| category.is_none_or(|k| c.category_id == k))
                .filter(|c| parent.is_none_or(|k| c.parent == Some(k)))
                .filter(|c| name_matches(c))
                .collect();
            list(&pg, items, |c| wire::contact(d, c))
        }
        ["Contact", id] => match by_id(id).and_then(|i| d.contacts.get(&i)) {
            Some(c) => one(wire::contact(d, c)),
            None => not_found(s, "Contact", id),
        },
        ["ContactAddress"] => {
            let items = candidates(&d.addresses, &ix.addresses, contact)
                .filter(|a| contact.is_none_or(|c| a.contact_id == c))
                .collect();
            list(&pg, items, |a| wire::address(d, a))
        }
        ["ContactAddress", id] => match by_id(id).and_then(|i| d.addresses.get(&i)) {
            Some(a) => one(wire::address(d, a)),
            None => not_found(s, "ContactAddress", id),
        },
        ["CommunicationWay"] => {
            let kind = p.get("type");
            let main = p.get("main").map(|m| m == "1" || m == "true");
            let items = candidates(&d.communication_ways, &ix.ways, contact)
                .filter(|w| contact.is_none_or(|c| w.contact_id == c))
                .filter(|w| kind.is_none_or(|k| w.kind == k))
                .filter(|w| main.is_none_or(|m| w.main == m))
                .collect();
            list(&pg, items, |w| wire::communication_way(d, w))
        }
        ["CommunicationWay", id] => match by_id(id).and_then(|i| d.communication_ways.get(&i)) {
            Some(w) => one(wire::communication_way(d, w)),
            None => not_found(s, "CommunicationWay", id),
        },
        ["ContactCustomField"] => {
            let setting = p.u64("contactCustomFieldSetting[id]");
            let items = candidates(&d.custom_fields, &ix.fields, contact)
                .filter(|f| contact.is_none_or(|c| f.contact_id == c))
                .filter(|f| setting.is_none_or(|st| f.setting_id == st))
                .collect();
            list(&pg, items, |f| wire::custom_field(d, f))
        }
        ["ContactCustomField", id] => match by_id(id).and_then(|i| d.custom_fields.get(&i)) {
            Some(f) => one(wire::custom_field(d, f)),
            None => not_found(s, "ContactCustomField", id),
        },
        ["ContactCustomFieldSetting"] => {
            list(&pg, d.custom_field_settings.values().collect(), |x| {
                wire::custom_field_setting(d, x)
            })
        }
        ["ContactCustomFieldSetting", id] => {
            match by_id(id).and_then(|i| d.custom_field_settings.get(&i)) {
                Some(x) => one(wire::custom_field_setting(d, x)),
                None => not_found(s, "ContactCustomFieldSetting", id),
            }
        }
        ["Category"] => {
            let object_type = p.get("objectType");
            let epoch = d
                .payment_methods
                .values()
                .map(|m| m.create)
                .min()
                .unwrap_or_default();
            let items = d
                .categories
                .values()
                .filter(|c| object_type.is_none_or(|o| c.object_type == o))
                .collect();
            list(&pg, items, |c| wire::category(c, epoch))
        }
        ["StaticCountry"] => list(&pg, d.countries.values().collect(), wire::country),
        ["CreditNote"] => {
            let status = p.u64("status");
            let number = p.get("creditNoteNumber");
            let items = candidates(&d.credit_notes, &ix.credit_notes, contact)
                .rev()
                .filter(|c| status.is_none_or(|st| u64::from(c.status) == st))
                .filter(|c| contact.is_none_or(|k| c.contact_id == k))
                .filter(|c| number.is_none_or(|n| c.credit_note_number.as_deref() == Some(n)))
                .collect();
            list(&pg, items, |c| wire::credit_note(d, c))
        }
        ["CreditNote", id] => match by_id(id).and_then(|i| d.credit_notes.get(&i)) {
            Some(c) => one(wire::credit_note(d, c)),
            None => not_found(s, "CreditNote", id),
        },
        _ => error_reply(
            s,
            StatusCode::NOT_FOUND,
            "Resource not found (not served by the sandbox)",
            None,
        ),
    }
}
