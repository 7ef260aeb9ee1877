//! Regression: a 404 on a list endpoint (`GET /PaymentMethod`, `GET /Invoice`, …) used to be
//! reported as "the record was probably deleted in sevdesk", which is wrong (no record was
//! asked for) and leaves the bookkeeper without a next step. Over real HTTP against the sandbox
//! with its `EndpointMissing` fault.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sevdesk::{ApiEndpoint, ApiToken, Client, ClientConfig, Error, Id, ReadOptions, RetryPolicy};
use sevdesk_sandbox::{Fault, FaultKind, Sandbox, SandboxConfig};

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        invoices: 60,
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts on 127.0.0.1:0")
}

fn client_for(sb: &Sandbox) -> Client {
    let mut cfg = ClientConfig::new(ApiToken::new(sb.token()).expect("sandbox token is usable"))
        .with_base_url(sb.base_url());
    cfg.retry = RetryPolicy {
        max_retries: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(5),
    };
    Client::new(cfg).expect("client config is valid")
}

fn missing(path: &str) -> Vec<Fault> {
    vec![Fault::always(FaultKind::EndpointMissing).on(path)]
}

type Op = for<'a> fn(&'a Client) -> Pin<Box<dyn Future<Output = Result<(), Error>> + 'a>>;

/// Every list read of the client, with the endpoint it must name.
fn list_reads() -> Vec<(ApiEndpoint, Op)> {
    vec![
        (ApiEndpoint::PaymentMethods, |c| {
            Box::pin(async move { c.payment_methods().await.map(drop) })
        }),
        (ApiEndpoint::Invoices, |c| {
            Box::pin(async move { c.open_invoices(None).await.map(drop) })
        }),
        (ApiEndpoint::Contacts, |c| {
            Box::pin(async move { c.contacts(None).await.map(drop) })
        }),
        (ApiEndpoint::ContactAddresses, |c| {
            Box::pin(async move { c.contact_addresses(None).await.map(drop) })
        }),
        (ApiEndpoint::CommunicationWays, |c| {
            Box::pin(async move { c.email_addresses(None).await.map(drop) })
        }),
        (ApiEndpoint::ContactCustomFields, |c| {
            Box::pin(async move { c.contact_custom_fields(None).await.map(drop) })
        }),
        (ApiEndpoint::ContactCustomFieldSettings, |c| {
            Box::pin(async move { c.contact_custom_field_settings().await.map(drop) })
        }),
        (ApiEndpoint::AddressCategories, |c| {
            Box::pin(async move { c.address_categories().await.map(drop) })
        }),
        (ApiEndpoint::StaticCountries, |c| {
            Box::pin(async move { c.static_countries().await.map(drop) })
        }),
        (ApiEndpoint::CreditNotes, |c| {
            Box::pin(async move { c.open_credit_notes().await.map(drop) })
        }),
    ]
}

fn assert_names_the_endpoint(err: &Error, endpoint: ApiEndpoint) {
    match err {
        Error::EndpointUnavailable {
            endpoint: e,
            path,
            status: 404,
        } => {
            assert_eq!(*e, endpoint, "{err:?}");
            assert_eq!(path, endpoint.path(), "{err:?}");
        }
        other => panic!("a 404 on {endpoint} must be EndpointUnavailable, got {other:?}"),
    }
    assert!(err.is_endpoint_unavailable());
    assert_eq!(err.endpoint(), Some(endpoint));
    let msg = err.user_message();
    assert!(msg.contains(endpoint.path()), "names the endpoint: {msg}");
    assert!(
        !msg.contains("deleted") && !msg.contains("record was"),
        "must not blame a deleted record: {msg}"
    );
    assert!(
        msg.contains("sevdesk address in the settings") && msg.contains("plan"),
        "says what to do: {msg}"
    );
    assert!(err.to_string().contains(endpoint.path()), "{err}");
}

#[tokio::test]
async fn list_endpoint_404_names_the_endpoint_not_a_deleted_record() {
    let sb = sandbox().await;
    let client = client_for(&sb);
    for (endpoint, op) in list_reads() {
        sb.clear_requests();
        sb.set_faults(missing(endpoint.path()));
        let err = op(&client)
            .await
            .expect_err("the read must fail when the endpoint is missing");
        assert_names_the_endpoint(&err, endpoint);
        // A missing endpoint does not come back by retrying: one request per series.
        let asked: Vec<_> = sb
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with(endpoint.path()))
            .collect();
        let series = if matches!(endpoint, ApiEndpoint::Invoices | ApiEndpoint::CreditNotes) {
            2 // status 200 and status 750, one series each
        } else {
            1
        };
        assert!(
            !asked.is_empty() && asked.len() <= series,
            "{endpoint}: {asked:?}"
        );
        assert!(asked.iter().all(|r| r.status == 404), "{asked:?}");
    }
    assert_eq!(sb.write_attempts(), 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn version_check_404_names_the_endpoint_and_the_address_to_check() {
    let sb = sandbox().await;
    sb.set_faults(missing("/Tools/bookkeepingSystemVersion"));
    let err = client_for(&sb)
        .bookkeeping_system_version()
        .await
        .expect_err("the token check must fail");
    assert_names_the_endpoint(&err, ApiEndpoint::BookkeepingSystemVersion);
    sb.shutdown().await;
}

#[tokio::test]
async fn single_invoice_404_still_says_the_record_was_probably_deleted() {
    let sb = sandbox().await;
    let client = client_for(&sb);
    let err = client
        .invoice(Id(999_999_999))
        .await
        .expect_err("an unknown invoice id");
    assert!(
        matches!(err, Error::NotFound { status: 404, .. }),
        "{err:?}"
    );
    assert_eq!(err.endpoint(), Some(ApiEndpoint::Invoice));
    assert!(!err.is_endpoint_unavailable());
    assert!(err.user_message().contains("probably deleted"));
    let err = client.contact(Id(999_999_999)).await.expect_err("unknown");
    assert!(
        matches!(err, Error::NotFound { status: 404, .. }),
        "{err:?}"
    );
    assert_eq!(err.endpoint(), Some(ApiEndpoint::Contact));
    sb.shutdown().await;
}

#[tokio::test]
async fn read_all_without_payment_methods_fails_naming_the_optional_endpoint() {
    let sb = sandbox().await;
    sb.set_faults(missing("/PaymentMethod"));
    let err = client_for(&sb)
        .read_all()
        .await
        .expect_err("read_all needs every endpoint");
    assert_names_the_endpoint(&err, ApiEndpoint::PaymentMethods);
    // What the application checks before going on with a warning.
    assert!(err.endpoint().is_some_and(ApiEndpoint::is_optional));
    sb.shutdown().await;
}

#[tokio::test]
async fn read_all_with_optional_payment_methods_goes_on_without_them() {
    let sb = sandbox().await;
    let client = client_for(&sb);
    let complete = client.read_all().await.expect("a complete read");
    assert!(complete.unavailable.is_empty());
    assert!(!complete.payment_methods.is_empty());

    sb.set_faults(missing("/PaymentMethod"));
    let options = ReadOptions::new().payment_methods_optional();
    let partial = client
        .read_all_with(&options)
        .await
        .expect("everything but the payment methods is read");
    assert_eq!(partial.unavailable, [ApiEndpoint::PaymentMethods]);
    assert!(partial.payment_methods.is_empty());
    assert_eq!(partial.invoices, complete.invoices);
    assert_eq!(partial.contacts, complete.contacts);
    assert_eq!(partial.credit_notes, complete.credit_notes);

    let since = complete.started_at - chrono::Duration::days(3650);
    let changes = client
        .read_changes_with(since, &options)
        .await
        .expect("incremental read goes on as well");
    assert_eq!(changes.unavailable, [ApiEndpoint::PaymentMethods]);
    assert!(!changes.invoices.is_empty());

    // Once sevdesk offers the endpoint again, the same options read it.
    sb.clear_faults();
    let again = client
        .read_all_with(&options)
        .await
        .expect("complete again");
    assert!(again.unavailable.is_empty());
    assert_eq!(again.payment_methods, complete.payment_methods);
    sb.shutdown().await;
}

#[tokio::test]
async fn optional_payment_methods_do_not_hide_other_failures() {
    let sb = sandbox().await;
    let client = client_for(&sb);
    let options = ReadOptions::new().payment_methods_optional();
    // Another failure of the optional endpoint still fails the read.
    sb.set_faults(vec![
        Fault::always(FaultKind::ServerError(500)).on("/PaymentMethod"),
    ]);
    match client.read_all_with(&options).await {
        Err(e @ Error::Server { .. }) => {
            assert_eq!(e.endpoint(), Some(ApiEndpoint::PaymentMethods))
        }
        other => panic!("a 500 on /PaymentMethod must fail the read, got {other:?}"),
    }
    // A missing endpoint that is not optional still fails the read.
    sb.set_faults(missing("/CreditNote"));
    let err = client
        .read_all_with(&options)
        .await
        .expect_err("credit notes are not optional");
    assert_names_the_endpoint(&err, ApiEndpoint::CreditNotes);
    assert!(!err.endpoint().is_some_and(ApiEndpoint::is_optional));
    sb.shutdown().await;
}
