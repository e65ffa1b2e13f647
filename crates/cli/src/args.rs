//! Command-line arguments. Command names, flags and their meanings are a public interface.

use clap::{Args, Parser, Subcommand, ValueEnum};
use palisade_model::{FindingStatus, Region, Severity};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "palisade",
    version,
    about = "Cloud security posture management: scan cloud accounts for misconfigurations"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan the AWS account of the standard credential chain and print its findings.
    Scan(ScanArgs),
    /// Print the current findings from the store, without scanning.
    Findings(FindingsArgs),
    /// Work with policies: run their tests, list them, document their coverage.
    Policy(PolicyArgs),
    /// A compliance report for one framework from the current findings in the store.
    Report(ReportArgs),
    /// Manage sources: the accounts Palisade scans, with their labels and roles.
    Source(crate::source_cmd::SourceArgs),
    /// Manage API tokens of the server (admin or read-only); a new token is shown once.
    Token(crate::token_cmd::TokenArgs),
    /// Generate onboarding templates: the read-only role, the real-time events StackSet.
    Onboard(crate::onboard_cmd::OnboardArgs),
    /// Run until stopped: scheduled scans, real-time rescans from the event queue, metrics.
    Serve(crate::serve_cmd::ServeArgs),
    /// List the real-time messages that could not be used, with the reason.
    DeadLetters(crate::dead_letters_cmd::DeadLettersArgs),
    /// Accept a policy's findings on matching resources, with a reason and an optional expiry.
    Suppress(crate::suppress_cmd::SuppressArgs),
    /// Plan (the default) or apply the opt-in fixes of failing findings; audited and verified by rescan.
    Remediate(crate::remediate_cmd::RemediateArgs),
    /// Read a local disk image's packages (without mounting) and match them against OSV records.
    Image(crate::image_cmd::ImageArgs),
}

/// How findings are printed (`scan`, `findings`).
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    /// An array of findings with the documented fields.
    Json,
    /// One row per finding, the JSON fields as columns.
    Csv,
    /// An array of OCSF 1.1.0 Detection Findings (class 2004), as Prowler emits.
    Ocsf,
}

/// How a compliance report is printed.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    /// One self-contained page to read or share.
    Html,
}

/// How `policy list` prints.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Scan every enabled source in the store (each through its own role) instead of the
    /// account of the ambient credentials.
    #[arg(long, conflicts_with_all = ["source", "regions"])]
    pub all: bool,
    /// Scan one source from the store.
    #[arg(long, conflicts_with = "regions")]
    pub source: Option<String>,
    /// With --all: accounts scanned at once.
    #[arg(long, default_value_t = 8)]
    pub max_accounts: usize,
    /// With --all: collector tasks at once over all accounts (--concurrency limits each account).
    #[arg(long, default_value_t = 32)]
    pub max_concurrency: usize,
    /// Regions to scan, comma-separated (default: every region enabled for the account).
    #[arg(long, value_delimiter = ',')]
    pub regions: Option<Vec<Region>>,
    /// The embedded store (SQLite).
    #[arg(long, default_value = "palisade.db")]
    pub db: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the findings here instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// A directory of extra policies (and their tests), added to the built-in pack.
    #[arg(long)]
    pub policies: Option<PathBuf>,
    /// Exit with status 3 when a FAIL at or above this severity exists.
    #[arg(long, value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Collector tasks (one service in one region) running at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Label stamped on every resource and finding of this account (Prod, Dev, ...).
    #[arg(long, default_value = "")]
    pub label: String,
    /// A policy parameter, KEY=VALUE (VALUE parsed as JSON, else taken as a string), e.g.
    /// iam_access_key_max_age_days=60. Repeatable.
    #[arg(long = "param", value_parser = parse_param)]
    pub params: Vec<(String, serde_json::Value)>,
}

#[derive(Args, Debug)]
pub struct FindingsArgs {
    #[arg(long, default_value = "palisade.db")]
    pub db: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Only these statuses (PASS, FAIL, ERROR), comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = parse_status)]
    pub status: Vec<FindingStatus>,
    /// Only these severities, comma-separated (INFO, LOW, MEDIUM, HIGH, CRITICAL).
    #[arg(long, value_delimiter = ',', value_parser = parse_severity)]
    pub severity: Vec<Severity>,
    /// Only this severity and above.
    #[arg(long, value_parser = parse_severity)]
    pub min_severity: Option<Severity>,
    /// Only this policy id.
    #[arg(long)]
    pub policy: Option<String>,
    /// Only this account id.
    #[arg(long)]
    pub account_id: Option<String>,
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[arg(long, default_value = "palisade.db")]
    pub db: PathBuf,
    /// The framework to report on (a file of the pack's frameworks/ folder).
    #[arg(long, default_value = "cis-aws-foundations-3.0")]
    pub framework: String,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write the report here instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// A directory of extra policies (and frameworks), added to the built-in pack, as given to
    /// `scan --policies`.
    #[arg(long)]
    pub policies: Option<PathBuf>,
    /// Only this account id (default: every account in the store).
    #[arg(long)]
    pub account_id: Option<String>,
}

#[derive(Args, Debug)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// Run the `test_` rules of a policy directory (default: the built-in pack).
    Test { dir: Option<PathBuf> },
    /// List policies (the built-in pack, plus DIR if given).
    List {
        #[arg(long)]
        policies: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Write the coverage document (every policy with its resource types, severity and
    /// framework controls) as Markdown; docs/coverage.md is this command's output.
    Coverage {
        /// Write it here instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse().map_err(|e: palisade_model::ParseSeverityError| e.to_string())
}

fn parse_status(s: &str) -> Result<FindingStatus, String> {
    s.parse()
}

pub(crate) fn parse_param(s: &str) -> Result<(String, serde_json::Value), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))?;
    let value = serde_json::from_str(v).unwrap_or_else(|_| serde_json::Value::String(v.to_string()));
    Ok((k.trim().to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_scan_flags() {
        let cli = Cli::try_parse_from([
            "palisade",
            "scan",
            "--regions",
            "us-east-1,eu-west-1",
            "--format",
            "json",
            "--fail-on",
            "high",
            "--param",
            "iam_access_key_max_age_days=60",
        ])
        .unwrap();
        let Command::Scan(a) = cli.command else { panic!("not scan") };
        assert_eq!(a.regions.unwrap().len(), 2);
        assert_eq!(a.format, Format::Json);
        assert_eq!(a.fail_on, Some(Severity::High));
        assert_eq!(a.params, vec![("iam_access_key_max_age_days".to_string(), serde_json::json!(60))]);
        assert_eq!(a.db, PathBuf::from("palisade.db"));
    }

    #[test]
    fn parses_report_and_new_finding_formats() {
        let cli = Cli::try_parse_from(["palisade", "report", "--format", "html", "--output", "r.html"]).unwrap();
        let Command::Report(a) = cli.command else { panic!("not report") };
        assert_eq!((a.format, a.framework.as_str()), (ReportFormat::Html, "cis-aws-foundations-3.0"));
        assert_eq!(a.output, Some(PathBuf::from("r.html")));
        for (name, format) in [("csv", Format::Csv), ("ocsf", Format::Ocsf)] {
            let cli = Cli::try_parse_from(["palisade", "findings", "--format", name]).unwrap();
            let Command::Findings(a) = cli.command else { panic!("not findings") };
            assert_eq!(a.format, format);
        }
        // Each command accepts only the formats it can write.
        assert!(Cli::try_parse_from(["palisade", "report", "--format", "csv"]).is_err());
        assert!(Cli::try_parse_from(["palisade", "findings", "--format", "html"]).is_err());
        assert!(Cli::try_parse_from(["palisade", "policy", "list", "--format", "ocsf"]).is_err());
    }

    #[test]
    fn rejects_bad_region_and_severity() {
        assert!(Cli::try_parse_from(["palisade", "scan", "--regions", "US EAST"]).is_err());
        assert!(Cli::try_parse_from(["palisade", "scan", "--fail-on", "severe"]).is_err());
    }
}
