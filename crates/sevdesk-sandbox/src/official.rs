//! A server that serves only what sevdesk's official OpenAPI document promises (cargo feature
//! `openapi`).
//!
//! Every GET path of the document that has a JSON answer for HTTP 200 is answered with that
//! answer's example body, or — where the document gives none, which is almost everywhere — with
//! a body built from the `example` values of the response schema and nothing else:
//!
//! - a schema (or `$ref` target) with an `example` gives exactly that value;
//! - an object gives the properties that yield something (a property without an example is
//!   left out, never invented; an object that yields no property is left out as well);
//! - `allOf` merges its parts, `oneOf`/`anyOf` take the first part that yields something;
//! - an array gives one element when its `items` yield something;
//! - `enum`, `type`, `format` and `default` are not examples and give nothing.
//!
//! No sandbox data, no quirks: query parameters (filters, `limit`, `offset`, `countAll`) are
//! ignored, the path parameters are not put into the body, there is no `total`. Paths the
//! document does not have (e.g. `/PaymentMethod`) answer 404 with sevdesk's error envelope. What
//! the server shares with the sandbox: the `Authorization` check (the document's security
//! scheme), 405 for every non-GET request, the request log, and fault injection.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use sevdesk_sandbox::official::{OfficialExamples, OfficialServer};
//! let examples = OfficialExamples::load("../shared/ref/sevdesk/openapi.yaml")?;
//! let server = OfficialServer::start(examples, "0123456789abcdef0123456789abcdef").await?;
//! println!("{}", server.base_url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use crate::server::Mode;
use crate::{Dataset, Fault, RecordedRequest, Sandbox};

/// `$ref` chains and nesting deeper than this give nothing (the document has no cycles in the
/// paths we serve, but a generator must not loop on one).
const MAX_DEPTH: usize = 24;

/// Reading the OpenAPI document failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error("cannot read the OpenAPI document {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the OpenAPI document {path} is not valid YAML: {source}")]
    Yaml {
        path: PathBuf,
        #[source]
        source: serde_norway::Error,
    },
    #[error("the OpenAPI document {path} has no `paths` object")]
    NoPaths { path: PathBuf },
}

/// Where a served body comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyOrigin {
    /// The document's own example of the 200 answer (`example` or the first of `examples`).
    Example,
    /// Built from the `example` values of the 200 answer's schema.
    SchemaExamples,
}

/// One GET path of the document and the body served for it.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficialPath {
    /// The path as the document writes it, e.g. `/Invoice/{invoiceId}`.
    pub template: String,
    pub body: Value,
    pub origin: BodyOrigin,
}

/// The bodies of every GET path of an OpenAPI document.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficialExamples {
    paths: Vec<OfficialPath>,
}

impl OfficialExamples {
    /// Reads an OpenAPI document (YAML or JSON) from a file.
    pub fn load(path: impl AsRef<Path>) -> Result<OfficialExamples, LoadError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.to_owned(),
            source,
        })?;
        let spec: Value = serde_norway::from_str(&text).map_err(|source| LoadError::Yaml {
            path: path.to_owned(),
            source,
        })?;
        if !spec.get("paths").is_some_and(Value::is_object) {
            return Err(LoadError::NoPaths {
                path: path.to_owned(),
            });
        }
        Ok(OfficialExamples::from_spec(&spec))
    }

    /// The bodies of every GET path of an already parsed document.
    pub fn from_spec(spec: &Value) -> OfficialExamples {
        let mut paths = Vec::new();
        for (template, item) in spec
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let Some(media) = item
                .pointer("/get/responses/200/content")
                .and_then(Value::as_object)
                .and_then(|content| {
                    content
                        .iter()
                        .find(|(kind, _)| kind.starts_with("application/json"))
                        .map(|(_, media)| media)
                })
            else {
                continue;
            };
            let literal = media.get("example").cloned().or_else(|| {
                media
                    .get("examples")
                    .and_then(Value::as_object)
                    .and_then(|all| all.values().next())
                    .and_then(|first| resolve(spec, first, 0))
                    .and_then(|first| first.get("value").cloned())
            });
            let (body, origin) = match literal {
                Some(body) => (body, BodyOrigin::Example),
                None => (
                    media
                        .get("schema")
                        .and_then(|schema| generate(spec, schema, 0))
                        // The document promises a JSON object; its examples fill nothing of it.
                        .unwrap_or_else(|| Value::Object(Map::new())),
                    BodyOrigin::SchemaExamples,
                ),
            };
            paths.push(OfficialPath {
                template: template.clone(),
                body,
                origin,
            });
        }
        OfficialExamples { paths }
    }

    /// Every GET path with its body, in the document's order.
    pub fn paths(&self) -> &[OfficialPath] {
        &self.paths
    }

    /// The entry answering a request path relative to the API prefix (`/Invoice/135169163` →
    /// `/Invoice/{invoiceId}`). Literal segments win over parameters (`/Invoice/Factory/…`
    /// before `/Invoice/{invoiceId}/…`).
    pub fn find(&self, path: &str) -> Option<&OfficialPath> {
        let wanted: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.paths
            .iter()
            .filter_map(|p| {
                let template: Vec<&str> = p.template.trim_end_matches('/').split('/').collect();
                if template.len() != wanted.len() {
                    return None;
                }
                let mut literal = 0;
                for (t, w) in template.iter().zip(&wanted) {
                    if t.starts_with('{') && t.ends_with('}') {
                        if w.is_empty() {
                            return None;
                        }
                    } else if t == w {
                        literal += 1;
                    } else {
                        return None;
                    }
                }
                Some((literal, p))
            })
            .max_by_key(|(literal, _)| *literal)
            .map(|(_, p)| p)
    }
}

/// Follows `$ref` (only local `#/…` references).
fn resolve<'a>(spec: &'a Value, schema: &'a Value, depth: usize) -> Option<&'a Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    match schema.get("$ref").and_then(Value::as_str) {
        None => Some(schema),
        Some(reference) => {
            let target = spec.pointer(reference.strip_prefix('#')?)?;
            resolve(spec, target, depth + 1)
        }
    }
}

/// A value built from the schema's `example` values only (see the module documentation).
fn generate(spec: &Value, schema: &Value, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    let schema = resolve(spec, schema, depth)?;
    if let Some(example) = schema.get("example") {
        return Some(example.clone());
    }
    let mut merged = Map::new();
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for part in parts {
            if let Some(Value::Object(m)) = generate(spec, part, depth + 1) {
                merged.extend(m);
            }
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(parts) = schema.get(key).and_then(Value::as_array) {
            match parts.iter().find_map(|p| generate(spec, p, depth + 1)) {
                Some(Value::Object(m)) => merged.extend(m),
                Some(other) if merged.is_empty() => return Some(other),
                _ => {}
            }
        }
    }
    if let Some(items) = schema.get("items") {
        return generate(spec, items, depth + 1).map(|item| Value::Array(vec![item]));
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let write_only = resolve(spec, property, depth + 1)
                .and_then(|p| p.get("writeOnly"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if write_only {
                continue;
            }
            if let Some(v) = generate(spec, property, depth + 1) {
                merged.insert(name.clone(), v);
            }
        }
    }
    (!merged.is_empty()).then_some(Value::Object(merged))
}

/// A running server of the official examples.
pub struct OfficialServer {
    sandbox: Sandbox,
    examples: Arc<OfficialExamples>,
}

impl OfficialServer {
    /// Serves `examples` on 127.0.0.1 with a free port, accepting `token`.
    pub async fn start(
        examples: OfficialExamples,
        token: impl Into<String>,
    ) -> std::io::Result<OfficialServer> {
        OfficialServer::start_on(examples, token, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Serves `examples` on `addr` (port 0 = any free port), accepting `token`.
    pub async fn start_on(
        examples: OfficialExamples,
        token: impl Into<String>,
        addr: SocketAddr,
    ) -> std::io::Result<OfficialServer> {
        let examples = Arc::new(examples);
        let sandbox = Sandbox::serve_mode(
            no_data(),
            token.into(),
            addr,
            Mode::Official(examples.clone()),
        )
        .await?;
        Ok(OfficialServer { sandbox, examples })
    }

    pub fn examples(&self) -> &OfficialExamples {
        &self.examples
    }

    pub fn addr(&self) -> SocketAddr {
        self.sandbox.addr()
    }

    /// e.g. "http://127.0.0.1:41234/api/v1".
    pub fn base_url(&self) -> String {
        self.sandbox.base_url()
    }

    pub fn token(&self) -> &str {
        self.sandbox.token()
    }

    /// Replaces the active faults, as [`Sandbox::set_faults`].
    pub fn set_faults(&self, faults: Vec<Fault>) {
        self.sandbox.set_faults(faults);
    }

    /// Every request so far (never the token).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.sandbox.requests()
    }

    pub fn clear_requests(&self) {
        self.sandbox.clear_requests();
    }

    /// Number of non-GET requests received (each was answered 405).
    pub fn write_attempts(&self) -> usize {
        self.sandbox.write_attempts()
    }

    pub async fn shutdown(self) {
        self.sandbox.shutdown().await;
    }
}

/// The official server has no data of its own.
fn no_data() -> Dataset {
    Dataset {
        sev_client_id: 0,
        sev_user_id: 0,
        bookkeeping_version: String::new(),
        today: NaiveDate::default(),
        payment_methods: BTreeMap::new(),
        contacts: BTreeMap::new(),
        addresses: BTreeMap::new(),
        communication_ways: BTreeMap::new(),
        custom_field_settings: BTreeMap::new(),
        custom_fields: BTreeMap::new(),
        categories: BTreeMap::new(),
        countries: BTreeMap::new(),
        invoices: BTreeMap::new(),
        credit_notes: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({
            "paths": {
                "/Thing": {"get": {"responses": {"200": {"content": {"application/json": {
                    "schema": {"properties": {"objects": {"type": "array",
                        "items": {"$ref": "#/components/schemas/Thing"}}}}}}}}}},
                "/Thing/{thingId}": {"get": {"responses": {"200": {"content": {"application/json": {
                    "example": {"objects": [{"id": "9"}]}}}}}}},
                "/Thing/Factory/make": {"get": {"responses": {"200": {"content": {"application/json": {
                    "schema": {"properties": {"objects": {"type": "boolean"}}}}}}}}},
                "/Thing/{thingId}/write": {"put": {"responses": {"200": {}}}}
            },
            "components": {"schemas": {
                "Thing": {"allOf": [{"$ref": "#/components/schemas/Base"}], "properties": {
                    "name": {"type": "string", "example": "A"},
                    "secret": {"type": "string", "example": "s", "writeOnly": true},
                    "kind": {"type": "string", "enum": ["X", "Y"]},
                    "ref": {"properties": {"id": {"type": "integer"}, "objectName": {"example": "Ref"}}},
                    "empty": {"properties": {"id": {"type": "integer"}}}
                }},
                "Base": {"properties": {"id": {"type": "string", "example": "1"}}}
            }}
        })
    }

    #[test]
    fn bodies_come_only_from_examples() {
        let ex = OfficialExamples::from_spec(&spec());
        let mut templates: Vec<&str> = ex.paths().iter().map(|p| p.template.as_str()).collect();
        templates.sort_unstable();
        assert_eq!(
            templates,
            ["/Thing", "/Thing/Factory/make", "/Thing/{thingId}"],
            "only GET paths with a 200 JSON answer"
        );
        let list = ex.find("/Thing").unwrap();
        assert_eq!(list.origin, BodyOrigin::SchemaExamples);
        assert_eq!(
            list.body,
            json!({"objects": [{"id": "1", "name": "A", "ref": {"objectName": "Ref"}}]})
        );
        let one = ex.find("/Thing/42").unwrap();
        assert_eq!(one.origin, BodyOrigin::Example);
        assert_eq!(one.body, json!({"objects": [{"id": "9"}]}));
        // Nothing in the schema has an example: an empty object, nothing invented.
        assert_eq!(ex.find("/Thing/Factory/make").unwrap().body, json!({}));
        assert!(ex.find("/Thing/42/write").is_none());
        assert!(ex.find("/Other").is_none());
        assert!(ex.find("/Thing/").is_some_and(|p| p.template == "/Thing"));
    }
}
