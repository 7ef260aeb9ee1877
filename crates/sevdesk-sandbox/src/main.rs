//! Runs the sevdesk sandbox alone: `sevdesk-sandbox --port 8080 --invoices 1000 --seed 42`.

use std::net::{IpAddr, SocketAddr};

use anyhow::Context;
use clap::Parser;
use sevdesk_sandbox::{Sandbox, SandboxConfig};

#[derive(Parser, Debug)]
#[command(
    name = "sevdesk-sandbox",
    about = "A fake, read-only sevdesk API with generated data"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Number of invoices to generate.
    #[arg(long, default_value_t = 1000)]
    invoices: usize,
    /// Number of contacts (default: one per two invoices).
    #[arg(long)]
    contacts: Option<usize>,
    /// Seed for the data generator; the same seed gives the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// API token the sandbox accepts (default: a fixed 32-hex token).
    #[arg(long, env = "SEVDESK_SANDBOX_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Date the data is generated around, YYYY-MM-DD (default: today in Berlin).
    #[arg(long)]
    today: Option<chrono::NaiveDate>,
    /// Serve only what sevdesk's official OpenAPI document (this openapi.yaml) gives as
    /// examples, instead of generated data: no data of the sandbox, no quirks.
    #[cfg(feature = "openapi")]
    #[arg(long, value_name = "OPENAPI_YAML")]
    official_examples: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let mut config = SandboxConfig {
        seed: args.seed,
        invoices: args.invoices,
        contacts: args.contacts,
        ..Default::default()
    };
    if let Some(t) = args.token {
        config.token = t;
    }
    if let Some(d) = args.today {
        config.today = d;
    }
    #[cfg(feature = "openapi")]
    if let Some(spec) = &args.official_examples {
        use sevdesk_sandbox::official::{OfficialExamples, OfficialServer};
        let examples = OfficialExamples::load(spec)?;
        let server = OfficialServer::start_on(
            examples,
            config.token,
            SocketAddr::new(args.host, args.port),
        )
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
        println!(
            "sevdesk official-examples server running ({})",
            spec.display()
        );
        println!("base URL: {}", server.base_url());
        println!("token:    {}", server.token());
        println!("Press Ctrl-C to stop.");
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        server.shutdown().await;
        return Ok(());
    }
    let sandbox = Sandbox::start_on(config, SocketAddr::new(args.host, args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.host, args.port))?;
    let stats = sandbox.stats();
    // The token is printed on purpose: this is a local sandbox and the user needs it to connect.
    println!("sevdesk sandbox running");
    println!("base URL: {}", sandbox.base_url());
    println!("token:    {}", sandbox.token());
    println!(
        "data:     {} invoices ({} open, {} partially paid, {} open by direct debit, {} collectible), {} contacts",
        stats.invoices,
        stats.invoices_open,
        stats.invoices_partially_paid,
        stats.invoices_open_direct_debit,
        stats.invoices_collectible,
        stats.contacts
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .context("cannot wait for Ctrl-C")?;
    sandbox.shutdown().await;
    Ok(())
}
