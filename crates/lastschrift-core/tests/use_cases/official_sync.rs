//! The sync against a server that serves only the paths and example bodies of sevdesk's
//! official OpenAPI document: it completes, or it stops with a sentence (English and German)
//! that names the endpoint and, for a body it cannot read, the field.

use std::sync::Arc;

use lastschrift_core::App;
use lastschrift_core::CoreError;
use lastschrift_core::secret::{SecretKey, SevdeskToken};
use lastschrift_core::settings::{Settings, SettingsSources};
use lastschrift_core::sync::{NoProgress, SyncError};
use lastschrift_store as store;
use sevdesk_sandbox::official::{OfficialExamples, OfficialServer};

const TOKEN: &str = "0fficial0examples0only0000000000";

async fn sync_on_official_examples(settings: Settings) -> Result<(), CoreError> {
    let examples =
        OfficialExamples::load(test_support::sevdesk_openapi_yaml()).expect("openapi.yaml loads");
    let server = OfficialServer::start(examples, TOKEN)
        .await
        .expect("the official-examples server starts");
    let dir = tempfile::tempdir().unwrap();
    let mut settings = settings;
    settings.data_dir = dir.path().to_owned();
    settings.sevdesk.base_url = server.base_url();
    let store: Arc<dyn store::Store> = store::open_url(&settings.database_url())
        .await
        .expect("store opens");
    let app = App::new(
        SettingsSources::given(settings),
        store,
        SecretKey::generate(),
    )
    .with_sevdesk_retry(sevdesk::RetryPolicy::none());
    app.store_token(&SevdeskToken::new(TOKEN).unwrap())
        .await
        .unwrap();
    let outcome = app.sync(&NoProgress).await.map(|_| ());
    assert_eq!(server.write_attempts(), 0, "GET only, even here");
    server.shutdown().await;
    outcome
}

/// The sentence names the endpoint (and the field) in both languages.
fn assert_names_endpoint_and_field(error: &CoreError) {
    let CoreError::Sync(SyncError::Sevdesk(cause)) = error else {
        panic!("not a sevdesk failure: {error:?}");
    };
    let path = match cause {
        sevdesk::Error::EndpointUnavailable { endpoint, .. } => endpoint.path().to_owned(),
        sevdesk::Error::Malformed { path, field, .. } => {
            let field = field.as_deref().expect("the unreadable field is known");
            for sentence in [error.to_string(), error.german()] {
                assert!(sentence.contains(field), "no field in: {sentence}");
            }
            path.clone()
        }
        other => panic!("neither a missing endpoint nor an unreadable field: {other:?}"),
    };
    for sentence in [error.to_string(), error.german()] {
        assert!(
            sentence.contains(&path),
            "no endpoint {path} in: {sentence}"
        );
    }
}

#[tokio::test]
async fn sync_on_the_official_examples_completes_or_names_endpoint_and_field() {
    match sync_on_official_examples(Settings::default()).await {
        Ok(()) => {}
        Err(error) => assert_names_endpoint_and_field(&error),
    }
}

/// With the direct-debit payment methods named in the settings, the missing `/PaymentMethod`
/// (not in the document at all) no longer stops the sync; what stops it next is named.
#[tokio::test]
async fn with_payment_methods_configured_the_next_stop_is_named_too() {
    let mut settings = Settings::default();
    settings
        .policies
        .direct_debit_payment_methods
        .payment_method_ids = vec![1];
    match sync_on_official_examples(settings).await {
        Ok(()) => {}
        Err(error) => {
            assert_names_endpoint_and_field(&error);
            assert!(
                !error.to_string().contains("/PaymentMethod"),
                "the optional endpoint stopped the sync: {error}"
            );
        }
    }
}
