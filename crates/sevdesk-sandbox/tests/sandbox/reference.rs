//! Checks against the reference material in `../shared/ref/sevdesk` (or `SEVDESK_REF_DIR`):
//! every sandbox response on the allow-listed paths validates against the response schema of
//! the official `openapi.yaml` where the spec defines one, and the sandbox serves the same key
//! sets as the recorded bodies in `examples/`. Runs with `--features openapi`; with the feature
//! on and the files missing, the tests fail and name what is missing.
//!
//! Where the real API differs from its own spec, recorded reality wins. Deviations:
//! 1. Nullability: the spec marks almost nothing `nullable`, real bodies send `null` for every
//!    unset optional field → every property also accepts `null` (see `convert`).
//! 2. Ids are strings on the wire; the spec says integer for `ContactAddress` (`id`,
//!    `contact.id`, `country.id`, `category.id`, `sevClient.id`) and `Contact.sevClient.id`.
//! 3. `showNet` and `smallSettlement` are "0"/"1" strings; the spec says boolean (Invoice,
//!    CreditNote).
//! 4. `/PaymentMethod`, `/Category` and `/StaticCountry` are served but not in the spec (no
//!    schema to validate against; shapes of /PaymentMethod are checked against the recording).
//! 5. Undocumented fields (`mandateReference`, `sepaMandateReference`, `sepaCreditorId`,
//!    `sepaPayerIban`, `addressName`/`addressStreet`/…, `additionalInformation`, …) and `total`
//!    (with `countAll=true`) are not in the response schemas; the schemas allow extra keys, so
//!    they validate, and the recorded-shape test pins them.
//! 6. `ContactCustomField.contactCustomFieldSetting` is a full setting object in the spec; the
//!    sandbox sends a reference `{id, objectName}` like every other relation (unverified: no
//!    recording of that endpoint exists). It validates because no setting property is required.
//! 7. Unknown ids answer 404 with `code` 151 (as recorded for another model); the spec says 400
//!    for `GET /Invoice/{id}`.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use common::get;
use serde_json::{Value, json};
use sevdesk_sandbox::{Sandbox, SandboxConfig};

fn ref_dir() -> PathBuf {
    sevdesk_sandbox::reference_dir()
}

fn read(rel: &str) -> String {
    let path = ref_dir().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "reference file {} is missing or unreadable ({e}); set SEVDESK_REF_DIR to the \
             directory holding openapi.yaml and examples/",
            path.display()
        )
    })
}

fn load_spec() -> Value {
    let text = read("openapi.yaml");
    serde_norway::from_str::<Value>(&text).expect("openapi.yaml parses as YAML")
}

/// OpenAPI 3.0 schema → JSON Schema (draft 4): `nullable: true` becomes a `null` alternative;
/// `example` is dropped (it is not a keyword and sometimes not even of the declared type).
///
/// Deviation (global): the spec marks almost no property `nullable`, yet every recorded body
/// sends `null` for unset optional fields (`titel`, `bankAccount`, `payDate`, `footText`, …).
/// Recorded reality wins, so every *property* schema also accepts `null`; the envelope
/// (`objects`) and the types of non-null values are still checked.
fn to_json_schema(v: &Value) -> Value {
    convert(v, false)
}

fn convert(v: &Value, is_property: bool) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, val) in m {
                if k == "example" || k == "nullable" {
                    continue;
                }
                let converted = if k == "properties" {
                    match val {
                        Value::Object(props) => Value::Object(
                            props
                                .iter()
                                .map(|(name, s)| (name.clone(), convert(s, name != "objects")))
                                .collect(),
                        ),
                        other => convert(other, false),
                    }
                } else {
                    convert(val, false)
                };
                out.insert(k.clone(), converted);
            }
            let nullable = m.get("nullable") == Some(&Value::Bool(true)) || is_property;
            if nullable {
                if let Some(Value::String(t)) = out.get("type").cloned() {
                    out.insert("type".into(), json!([t, "null"]));
                    if let Some(Value::Array(e)) = out.get_mut("enum") {
                        e.push(Value::Null);
                    }
                } else {
                    return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| convert(x, false)).collect()),
        other => other.clone(),
    }
}

/// Where recorded reality differs from the official spec, the spec is patched here before
/// validating. Each patch: (JSON pointer into the spec, replacement schema, why).
fn deviations() -> Vec<(String, Value, &'static str)> {
    const IDS: &str = "ids are strings on the wire (contact.json, contact_address_list.json); \
                       the spec says integer";
    const FLAGS: &str = "flags are \"0\"/\"1\" strings on the wire (invoice_enshrined.json, \
                         credit_note.json); the spec says boolean";
    let id = || json!({"type": "string", "pattern": "^[0-9]+$"});
    let flag = || json!({"type": "string", "enum": ["0", "1"]});
    let s = "/components/schemas";
    let mut v = vec![(
        format!("{s}/Model_ContactResponse/properties/sevClient/properties/id"),
        id(),
        IDS,
    )];
    for p in [
        "id",
        "contact/properties/id",
        "country/properties/id",
        "category/properties/id",
        "sevClient/properties/id",
    ] {
        let pointer = format!("{s}/Model_ContactAddressResponse/properties/{p}");
        v.push((pointer, id(), IDS));
    }
    for model in ["Model_InvoiceResponse", "Model_creditNoteResponse"] {
        for p in ["showNet", "smallSettlement"] {
            v.push((format!("{s}/{model}/properties/{p}"), flag(), FLAGS));
        }
    }
    v
}

fn apply_deviations(spec: &mut Value) {
    for (pointer, replacement, why) in deviations() {
        let slot = spec.pointer_mut(&pointer).unwrap_or_else(|| {
            panic!("deviation patch {pointer} ({why}) no longer matches the spec")
        });
        *slot = replacement;
    }
}

fn response_schema(spec: &Value, path: &str) -> Option<Value> {
    let s = spec
        .get("paths")?
        .get(path)?
        .get("get")?
        .get("responses")?
        .get("200")?
        .get("content")?
        .get("application/json")?
        .get("schema")?
        .clone();
    let mut root = to_json_schema(&s);
    // Refs are "#/components/schemas/…": carry the components along so they resolve.
    if let Value::Object(m) = &mut root {
        m.insert("components".into(), to_json_schema(&spec["components"]));
    }
    Some(root)
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        seed: 11,
        ..common::config(400)
    })
    .await
    .expect("sandbox starts")
}

#[tokio::test]
async fn sandbox_responses_validate_against_the_official_response_schemas() {
    let mut spec = load_spec();
    apply_deviations(&mut spec);
    let sb = sandbox().await;

    // Endpoints that sevdesk serves but its spec lacks (recorded: /PaymentMethod; used by
    // other clients: /Category, /StaticCountry). If the spec ever gains them, validate them.
    for missing in ["/PaymentMethod", "/Category", "/StaticCountry"] {
        assert!(
            response_schema(&spec, missing).is_none(),
            "the spec now defines {missing}: add it to the validated list"
        );
    }

    let ids = sb.with_data(|d| {
        let pick = |v: Vec<u64>| v.into_iter().take(25).collect::<Vec<_>>();
        let mut invoices: Vec<u64> = d.invoices.keys().copied().collect();
        // Make sure every variant is among the by-id reads: SR, drafts, partial, foreign.
        invoices.sort_by_key(|id| {
            let i = &d.invoices[id];
            (
                i.invoice_type == "RE" && i.status == 1000 && i.currency == "EUR",
                *id,
            )
        });
        (
            pick(invoices),
            pick(d.contacts.keys().copied().collect()),
            pick(d.addresses.keys().copied().collect()),
            pick(d.communication_ways.keys().copied().collect()),
            pick(d.custom_fields.keys().copied().collect()),
            pick(d.custom_field_settings.keys().copied().collect()),
            pick(d.credit_notes.keys().copied().collect()),
        )
    });
    let (inv, con, adr, cw, cf, cfs, cn) = ids;

    let mut requests: Vec<(&str, String)> = vec![
        (
            "/Tools/bookkeepingSystemVersion",
            "/Tools/bookkeepingSystemVersion".into(),
        ),
        ("/Invoice", "/Invoice?limit=1000&countAll=true".into()),
        (
            "/Contact",
            "/Contact?depth=1&limit=1000&countAll=true".into(),
        ),
        ("/ContactAddress", "/ContactAddress?limit=1000".into()),
        ("/CommunicationWay", "/CommunicationWay?limit=1000".into()),
        (
            "/ContactCustomField",
            "/ContactCustomField?limit=1000".into(),
        ),
        (
            "/ContactCustomFieldSetting",
            "/ContactCustomFieldSetting".into(),
        ),
        ("/CreditNote", "/CreditNote?limit=1000".into()),
    ];
    for id in &inv {
        requests.push(("/Invoice/{invoiceId}", format!("/Invoice/{id}")));
        requests.push((
            "/Invoice/{invoiceId}/getIsPartiallyPaid",
            format!("/Invoice/{id}/getIsPartiallyPaid"),
        ));
    }
    for id in &con {
        requests.push(("/Contact/{contactId}", format!("/Contact/{id}")));
    }
    for id in &adr {
        requests.push((
            "/ContactAddress/{contactAddressId}",
            format!("/ContactAddress/{id}"),
        ));
    }
    for id in &cw {
        requests.push((
            "/CommunicationWay/{communicationWayId}",
            format!("/CommunicationWay/{id}"),
        ));
    }
    for id in &cf {
        requests.push((
            "/ContactCustomField/{contactCustomFieldId}",
            format!("/ContactCustomField/{id}"),
        ));
    }
    for id in &cfs {
        requests.push((
            "/ContactCustomFieldSetting/{contactCustomFieldSettingId}",
            format!("/ContactCustomFieldSetting/{id}"),
        ));
    }
    for id in &cn {
        requests.push(("/CreditNote/{creditNoteId}", format!("/CreditNote/{id}")));
    }

    let mut validators = BTreeMap::new();
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut checked = 0usize;
    for (spec_path, url) in &requests {
        let validator = validators.entry(*spec_path).or_insert_with(|| {
            let schema = response_schema(&spec, spec_path)
                .unwrap_or_else(|| panic!("the spec has no 200 JSON schema for GET {spec_path}"));
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft4)
                .build(&schema)
                .unwrap_or_else(|e| panic!("schema for {spec_path} does not compile: {e}"))
        });
        let (status, body) = get(&sb, url).await;
        assert_eq!(status, 200, "GET {url}");
        if let Some(list) = body["objects"].as_array() {
            assert!(!list.is_empty(), "GET {url} returned nothing to validate");
        }
        for err in validator.iter_errors(&body) {
            let at = err.instance_path.to_string();
            // Group by field: "/objects/17/sevClient/id" → "/objects/*/sevClient/id".
            let field: String = at
                .split('/')
                .map(|seg| {
                    if seg.chars().all(|c| c.is_ascii_digit()) && !seg.is_empty() {
                        "*"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let first = format!("{spec_path} {field}: {err}  (e.g. GET {url})");
            failures.push((format!("{spec_path} {field}"), first));
        }
        checked += 1;
    }
    sb.shutdown().await;
    let mut by_field: BTreeMap<String, String> = BTreeMap::new();
    for (field, example) in failures {
        by_field.entry(field).or_insert(example);
    }
    assert!(
        by_field.is_empty(),
        "schema violations in {checked} responses, one line per field:\n{}",
        by_field.values().cloned().collect::<Vec<_>>().join("\n")
    );
}

/// The recorded bodies themselves against the patched spec: proves the deviation list above
/// covers what the real API was seen to send (where the sandbox does not exercise a field).
#[test]
fn recorded_examples_validate_against_the_patched_spec() {
    let mut spec = load_spec();
    apply_deviations(&mut spec);
    let cases = [
        (
            "examples/bookkeeping_system_version.json",
            "/Tools/bookkeepingSystemVersion",
        ),
        ("examples/invoice_list.json", "/Invoice"),
        ("examples/invoice_enshrined.json", "/Invoice/{invoiceId}"),
        ("examples/contact.json", "/Contact/{contactId}"),
        ("examples/contact_list_by_customer_number.json", "/Contact"),
        ("examples/contact_address_list.json", "/ContactAddress"),
        ("examples/communication_way_list.json", "/CommunicationWay"),
        ("examples/credit_note.json", "/CreditNote/{creditNoteId}"),
    ];
    let mut failures = Vec::new();
    for (file, path) in cases {
        let body: Value = serde_json::from_str(&read(file)).expect("example is JSON");
        let schema = response_schema(&spec, path).expect("schema exists");
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .build(&schema)
            .expect("schema compiles");
        for err in validator.iter_errors(&body) {
            failures.push(format!("{file}: {err} at {}", err.instance_path));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Key set and JSON type of every field, recursively for nested objects (`contact`, `taxRule`…).
#[derive(Default, Debug)]
struct Shape {
    /// Keys present in every recorded object.
    always: Option<BTreeSet<String>>,
    /// Keys present in some recorded object, with the non-null JSON types seen for each.
    seen: BTreeMap<String, BTreeSet<&'static str>>,
    nested: BTreeMap<String, Shape>,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl Shape {
    fn learn(&mut self, v: &Value) {
        let Value::Object(m) = v else { return };
        let keys: BTreeSet<String> = m.keys().cloned().collect();
        self.always = Some(match self.always.take() {
            None => keys,
            Some(a) => a.intersection(&keys).cloned().collect(),
        });
        for (k, val) in m {
            let types = self.seen.entry(k.clone()).or_default();
            if !val.is_null() {
                types.insert(kind(val));
            }
            if val.is_object() {
                self.nested.entry(k.clone()).or_default().learn(val);
            }
        }
    }

    /// Differences between a served object and the recorded shape. `extra_ok`: keys the sandbox
    /// may add; `may_lack`: keys the recordings always have that the sandbox may leave out.
    fn check(
        &self,
        v: &Value,
        at: &str,
        (extra_ok, may_lack): (&[&str], &[&str]),
        out: &mut BTreeSet<String>,
    ) {
        let Value::Object(m) = v else {
            out.insert(format!("{at}: not an object"));
            return;
        };
        for k in self.always.iter().flatten() {
            if !m.contains_key(k) && !may_lack.contains(&k.as_str()) {
                out.insert(format!("{at}: recorded key `{k}` is missing"));
            }
        }
        for (k, val) in m {
            match self.seen.get(k) {
                None if extra_ok.contains(&k.as_str()) => {}
                None => {
                    out.insert(format!("{at}: key `{k}` never appears in the recordings"));
                }
                Some(types) => {
                    if !val.is_null() && !types.is_empty() && !types.contains(kind(val)) {
                        out.insert(format!(
                            "{at}.{k}: sandbox sends {}, recordings have {types:?}",
                            kind(val)
                        ));
                    }
                    if let (Some(n), true) = (self.nested.get(k), val.is_object()) {
                        n.check(val, &format!("{at}.{k}"), (&[], &[]), out);
                    }
                }
            }
        }
    }
}

fn recorded_objects(file: &str) -> Vec<Value> {
    let body: Value = serde_json::from_str(&read(file)).expect("example is JSON");
    match &body["objects"] {
        Value::Array(a) => a.clone(),
        Value::Object(_) => vec![body["objects"].clone()],
        other => panic!("{file}: objects is {other}"),
    }
}

#[tokio::test]
async fn sandbox_serves_the_recorded_shapes() {
    let sb = sandbox().await;
    // (recorded files, sandbox request, keys the sandbox may add, keys it may leave out);
    // every exception has its reason next to it.
    type Case<'a> = (Vec<&'a str>, &'a str, Vec<&'a str>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            vec![
                "examples/invoice_list.json",
                "examples/invoice_enshrined.json",
            ],
            "/Invoice?limit=1000",
            vec![],
            vec![],
        ),
        (
            vec![
                "examples/contact.json",
                "examples/contact_list_by_customer_number.json",
            ],
            "/Contact?depth=1&limit=1000",
            // `parent` is a documented Contact field for persons inside an organisation; the
            // recorded contacts have no parent, so they lack the key.
            vec!["parent"],
            vec![],
        ),
        (
            vec!["examples/contact_address_list.json"],
            "/ContactAddress?limit=1000",
            vec![],
            vec![],
        ),
        (
            vec!["examples/communication_way_list.json"],
            "/CommunicationWay?limit=1000",
            vec![],
            vec![],
        ),
        (
            vec!["examples/payment_method_list.json"],
            "/PaymentMethod",
            vec![],
            vec![],
        ),
        (
            vec!["examples/credit_note.json"],
            "/CreditNote?limit=1000",
            vec![],
            // Draft credit notes not made from an invoice have no source invoice; unset
            // references are left out, as recorded invoices leave out `origin`/`paymentMethod`.
            vec!["origin", "refSrcInvoice"],
        ),
    ];
    let mut problems = BTreeSet::new();
    for (files, url, extra_ok, may_lack) in cases {
        let mut shape = Shape::default();
        for f in &files {
            for o in recorded_objects(f) {
                shape.learn(&o);
            }
        }
        // The person embedded in write_invoice_cancel.json is a recorded contact as well.
        if url.starts_with("/Contact?") {
            let cancel = recorded_objects("examples/write_invoice_cancel.json");
            shape.learn(&cancel[0]["contact"]);
        }
        let (status, body) = get(&sb, url).await;
        assert_eq!(status, 200, "GET {url}");
        let served = common::objects(&body);
        assert!(!served.is_empty(), "GET {url} returned nothing");
        for o in served {
            shape.check(o, url, (&extra_ok, &may_lack), &mut problems);
        }
    }
    // The unknown-id error and the version answer: same keys as recorded.
    let recorded_err: Value =
        serde_json::from_str(&read("examples/error_404_code_151.json")).expect("JSON");
    let (status, served_err) = get(&sb, "/Invoice/1").await;
    assert_eq!(status, 404);
    let keys = |v: &Value| {
        v.as_object()
            .map(|m| m.keys().cloned().collect::<BTreeSet<_>>())
    };
    assert_eq!(keys(&served_err), keys(&recorded_err));
    assert_eq!(keys(&served_err["error"]), keys(&recorded_err["error"]));
    let recorded_version: Value =
        serde_json::from_str(&read("examples/bookkeeping_system_version.json")).expect("JSON");
    let (_, served_version) = get(&sb, "/Tools/bookkeepingSystemVersion").await;
    assert_eq!(served_version, recorded_version);
    sb.shutdown().await;
    assert!(
        problems.is_empty(),
        "sandbox shapes differ from the recordings:\n{}",
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// The server of the official examples (`sevdesk_sandbox::official`) over HTTP: the document's
/// bodies whatever the query, 404 for paths the document lacks, the token checked, writes
/// refused.
#[tokio::test]
async fn official_server_serves_only_the_documents_examples() {
    use sevdesk_sandbox::official::{BodyOrigin, OfficialExamples, OfficialServer};
    let path = ref_dir().join("openapi.yaml");
    let examples = OfficialExamples::load(&path).unwrap_or_else(|e| {
        panic!("{e}; set SEVDESK_REF_DIR to the directory holding openapi.yaml")
    });
    // Only one GET answer of the document has an example body of its own; every other body
    // comes from the schemas' example values.
    let literal: Vec<&str> = examples
        .paths()
        .iter()
        .filter(|p| p.origin == BodyOrigin::Example)
        .map(|p| p.template.as_str())
        .collect();
    assert!(
        literal.contains(&"/Tools/bookkeepingSystemVersion"),
        "{literal:?}"
    );
    let server = OfficialServer::start(examples.clone(), "tok-en")
        .await
        .expect("starts");
    let http = common::client();
    let get = |p: &str, token: &str| {
        http.get(format!("{}{p}", server.base_url()))
            .header("Authorization", token)
            .send()
    };
    let version = get("/Tools/bookkeepingSystemVersion", "tok-en")
        .await
        .unwrap();
    assert_eq!(version.status().as_u16(), 200);
    let body: Value = version.json().await.unwrap();
    assert_eq!(body, json!({"objects": {"version": "2.0"}}));

    // Filters and paging are not applied: the same body for any query.
    let spec_list = examples
        .find("/Invoice")
        .expect("/Invoice is in the document");
    for q in [
        "/Invoice",
        "/Invoice?status=200&limit=1000&offset=0&countAll=true",
    ] {
        let r = get(q, "tok-en").await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{q}");
        let served: Value = r.json().await.unwrap();
        assert_eq!(served, spec_list.body, "{q}");
        assert!(served.get("total").is_none());
    }
    let by_id: Value = get("/Invoice/135169163", "tok-en")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_id, examples.find("/Invoice/1").unwrap().body);

    for missing in ["/PaymentMethod", "/Category", "/StaticCountry"] {
        let r = get(missing, "tok-en").await.unwrap();
        assert_eq!(r.status().as_u16(), 404, "{missing} is not in the document");
        let body: Value = r.json().await.unwrap();
        common::assert_error_envelope(&body, 404);
    }
    assert_eq!(
        get("/Invoice", "wrong").await.unwrap().status().as_u16(),
        401
    );
    let post = http
        .post(format!("{}/Invoice", server.base_url()))
        .header("Authorization", "tok-en")
        .send()
        .await
        .unwrap();
    assert_eq!(post.status().as_u16(), 405);
    assert_eq!(server.write_attempts(), 1);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| !r.query.contains("tok-en"))
    );
    server.shutdown().await;
}
