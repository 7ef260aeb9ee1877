//! The token never shows up in tracing output, the request log, errors or `Debug` output.
//! A test binary of its own: tracing's per-callsite interest cache is process-wide, and tests
//! running in parallel with other subscribers could hide events from this one.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sevdesk::{ApiToken, Client, ClientConfig, RetryPolicy};
use sevdesk_sandbox::{Fault, FaultKind, Sandbox, SandboxConfig};

#[tokio::test]
async fn the_token_never_appears_in_log_errors_or_tracing() {
    let sb = Sandbox::start(SandboxConfig {
        invoices: 50,
        ..SandboxConfig::default()
    })
    .await
    .expect("the sandbox starts");
    let token = sb.token().to_owned();
    let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
    let writer = {
        let buffer = buffer.clone();
        move || BufWriter(buffer.clone())
    };
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(writer)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut cfg =
        ClientConfig::new(ApiToken::new(sb.token()).unwrap()).with_base_url(sb.base_url());
    cfg.retry = RetryPolicy {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    };
    let client = Client::new(cfg).unwrap();
    client.read_all().await.unwrap();
    sb.set_faults(vec![Fault::always(FaultKind::RejectToken)]);
    let err = client.bookkeeping_system_version().await.unwrap_err();

    let traced = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    assert!(traced.contains("sevdesk request"), "nothing was traced");
    let texts = [
        traced,
        format!("{err} {err:?} {}", err.user_message()),
        format!("{:?}", client.request_log().records()),
        format!("{client:?}"),
    ];
    for t in texts {
        assert!(!t.contains(&token), "the token leaked: {t}");
    }
    sb.shutdown().await;
}

struct BufWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for BufWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
