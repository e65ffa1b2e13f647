//! The `palisade` command: parses arguments, runs one command, and maps its outcome to an exit
//! code. The work itself lives in the library crates.

mod args;
mod dead_letters_cmd;
mod findings_cmd;
mod image_cmd;
mod onboard_cmd;
mod output;
mod policy_cmd;
mod progress;
mod remediate_cmd;
mod report_cmd;
mod scan_cmd;
mod serve_cmd;
mod source_cmd;
mod suppress_cmd;
mod token_cmd;

use clap::Parser;
use std::process::ExitCode;

/// Exit codes scripts can rely on.
pub(crate) mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    /// `--fail-on` found a FAIL at or above the given severity.
    pub const FINDINGS: u8 = 3;
    /// Interrupted by SIGINT/SIGTERM; the previous results are unchanged.
    pub const INTERRUPTED: u8 = 130;
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    // `serve` runs unattended: by default it logs each scan it starts and ends.
    let default_log = if matches!(cli.command, args::Command::Serve(_)) { serve_cmd::DEFAULT_LOG } else { "warn" };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default_log.into()))
        .with_writer(std::io::stderr)
        // Colours only for people: `serve`'s log often goes to a file or a journal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            args::Command::Scan(a) => scan_cmd::run(a).await,
            args::Command::Findings(a) => findings_cmd::run(a),
            args::Command::Policy(a) => policy_cmd::run(a),
            args::Command::Source(a) => source_cmd::run(a).await,
            args::Command::Token(a) => token_cmd::run(a),
            args::Command::Onboard(a) => onboard_cmd::run(a).await,
            args::Command::Report(a) => report_cmd::run(a),
            args::Command::Serve(a) => serve_cmd::run(a).await,
            args::Command::DeadLetters(a) => dead_letters_cmd::run(a),
            args::Command::Suppress(a) => suppress_cmd::run(a),
            args::Command::Remediate(a) => remediate_cmd::run(a).await,
            args::Command::Image(a) => image_cmd::run(a),
        }
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}
