use clap::Parser;

/// Turns the open invoices of a sevdesk account into SEPA direct-debit files (pain.008).
#[derive(Parser)]
#[command(name = "lastschrift", version)]
struct Cli {}

fn main() {
    let _cli = Cli::parse();
}
