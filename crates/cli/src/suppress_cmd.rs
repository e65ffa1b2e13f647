//! `palisade suppress add|list|remove`: accept a policy's findings on the resources whose id
//! matches a glob, with a reason and an optional expiry. Remediation never fixes a suppressed
//! finding; the suppression stays in the store (and its listing) after it expires.

use crate::args::ListFormat;
use crate::exit;
use crate::source_cmd::open;
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct SuppressArgs {
    #[command(subcommand)]
    pub command: SuppressCommand,
}

#[derive(Subcommand, Debug)]
pub enum SuppressCommand {
    /// Suppress a policy on the resources matching a pattern.
    Add {
        #[arg(long, default_value = "palisade.db")]
        db: PathBuf,
        /// The policy id, e.g. AWS.S3.Bucket.BlockPublicAccess.
        #[arg(long)]
        policy: String,
        /// A glob over resource ids: `*` any run of characters, `?` one character, e.g.
        /// 'arn:aws:s3:::public-site-*'.
        #[arg(long)]
        resource: String,
        /// Why the finding is accepted (kept with the suppression, shown in listings).
        #[arg(long)]
        reason: String,
        /// When it stops applying: a date (2027-01-31, UTC midnight) or an RFC 3339 time.
        #[arg(long, value_parser = parse_expiry)]
        expires: Option<DateTime<Utc>>,
    },
    /// List suppressions, expired ones included.
    List {
        #[arg(long, default_value = "palisade.db")]
        db: PathBuf,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Remove a suppression by id.
    Remove {
        id: i64,
        #[arg(long, default_value = "palisade.db")]
        db: PathBuf,
    },
}

pub fn run(args: SuppressArgs) -> anyhow::Result<u8> {
    match args.command {
        SuppressCommand::Add { db, policy, resource, reason, expires } => {
            if reason.trim().is_empty() {
                anyhow::bail!("--reason must say why the finding is accepted");
            }
            if expires.is_some_and(|e| e <= Utc::now()) {
                anyhow::bail!("--expires is in the past");
            }
            let id = open(&db)?
                .add_suppression(&policy, &resource, &reason, expires)
                .with_context(|| format!("suppressing {policy} on {resource}"))?;
            println!("suppression {id}: {policy} on {resource}");
            Ok(exit::OK)
        }
        SuppressCommand::List { db, format } => {
            let rows = open(&db)?.suppressions()?;
            match format {
                ListFormat::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
                ListFormat::Table => {
                    let mut table = Table::new();
                    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
                    table.set_header(["ID", "POLICY", "RESOURCES", "REASON", "EXPIRES", "CREATED"]);
                    let now = Utc::now();
                    for s in &rows {
                        let expires = match s.expires_at {
                            None => "never".to_string(),
                            Some(e) if e <= now => format!("{} (expired)", e.to_rfc3339()),
                            Some(e) => e.to_rfc3339(),
                        };
                        table.add_row([
                            s.id.to_string(),
                            s.policy_id.clone(),
                            s.resource_pattern.clone(),
                            s.reason.clone(),
                            expires,
                            s.created_at.to_rfc3339(),
                        ]);
                    }
                    println!("{table}");
                }
            }
            Ok(exit::OK)
        }
        SuppressCommand::Remove { id, db } => {
            if !open(&db)?.remove_suppression(id)? {
                anyhow::bail!("no suppression with id {id}");
            }
            println!("removed suppression {id}");
            Ok(exit::OK)
        }
    }
}

/// A date (UTC midnight) or an RFC 3339 time.
fn parse_expiry(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc())
        .map_err(|_| format!("invalid expiry {s:?}: expected a date (2027-01-31) or an RFC 3339 time"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_a_date_or_a_time() {
        assert_eq!(parse_expiry("2027-01-31").unwrap().to_rfc3339(), "2027-01-31T00:00:00+00:00");
        assert_eq!(parse_expiry("2027-01-31T12:00:00+02:00").unwrap().to_rfc3339(), "2027-01-31T10:00:00+00:00");
        assert!(parse_expiry("next week").unwrap_err().contains("next week"));
    }
}
