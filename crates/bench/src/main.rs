//! `palisade-bench`: Palisade's benchmarks. `scripts/bench.sh` builds it in release mode, starts
//! the emulator, and runs it; each part prints its figures and, with `--record`, writes them into
//! `docs/benchmarks.md`.

mod accounts;
mod measure;
mod policies;
mod prowler;
mod realtime;
mod record;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Palisade's benchmarks (run through scripts/bench.sh)")]
struct Cli {
    #[command(subcommand)]
    part: Part,
    /// Write the figures into this markdown file (between the part's markers).
    #[arg(long, global = true)]
    record: Option<PathBuf>,
    /// The palisade binary to measure (default: the one built beside this one).
    #[arg(long, global = true)]
    palisade: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Part {
    /// Seed N emulator accounts and measure one `palisade scan --all` over them.
    Accounts {
        /// Account counts to measure, each in a store of its own.
        #[arg(long, value_delimiter = ',', default_value = "50,500")]
        counts: Vec<usize>,
        /// Accounts scanned at once (`scan --max-accounts`).
        #[arg(long, default_value_t = 8)]
        max_accounts: usize,
    },
    /// Event-to-finding latency of `palisade serve --queue-url` over N events.
    Realtime {
        #[arg(long, default_value_t = 1000)]
        events: usize,
        /// Security groups the events name (round robin).
        #[arg(long, default_value_t = 50)]
        groups: usize,
        /// Events sent per second.
        #[arg(long, default_value_t = 50.0)]
        rate: f64,
    },
    /// Policy evaluation throughput over a synthetic inventory, with the whole built-in pack.
    Policies(policies::PoliciesArgs),
    /// Palisade and Prowler scanning the same emulator account, side by side.
    Prowler(prowler::ProwlerArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let palisade = match cli.palisade {
        Some(p) => p,
        None => std::env::current_exe()?.with_file_name("palisade"),
    };
    anyhow::ensure!(palisade.exists(), "no palisade binary at {} (build it, or pass --palisade)", palisade.display());
    match cli.part {
        Part::Accounts { counts, max_accounts } => {
            let endpoint = palisade_testkit::endpoint();
            let dir = accounts::store_dir();
            std::fs::create_dir_all(&dir)?;
            let mut runs = Vec::new();
            for n in counts {
                eprintln!("accounts: seeding and scanning {n} account(s)");
                runs.push(accounts::run(&palisade, &endpoint, &dir, n, max_accounts).await?);
            }
            let _ = std::fs::remove_dir_all(&dir);
            let table = accounts::table(&runs);
            println!("{table}");
            if let Some(doc) = &cli.record {
                record::write(doc, "accounts", &format!("`scan --max-accounts {max_accounts}`. {table}"))?;
            }
        }
        Part::Policies(args) => policies::main(args, cli.record.as_deref())?,
        Part::Prowler(args) => prowler::main(args, &palisade, cli.record.as_deref()).await?,
        Part::Realtime { events, groups, rate } => {
            let dir = accounts::store_dir();
            std::fs::create_dir_all(&dir)?;
            let result = realtime::run(&palisade, &palisade_testkit::endpoint(), &dir, events, groups, rate).await;
            let _ = std::fs::remove_dir_all(&dir);
            let table = realtime::table(&result?);
            println!("{table}");
            if let Some(doc) = &cli.record {
                record::write(doc, "realtime", &table)?;
            }
        }
    }
    Ok(())
}
