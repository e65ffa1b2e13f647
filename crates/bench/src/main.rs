//! `palisade-bench`: Palisade's benchmarks. `scripts/bench.sh` builds it in release mode, starts
//! the emulator, and runs it; each part prints its figures and, with `--record`, writes them into
//! `docs/benchmarks.md`.

mod accounts;
mod measure;
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
    }
    Ok(())
}
