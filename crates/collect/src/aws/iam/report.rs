//! The IAM credential report: generated, polled until ready, and parsed into rows by user.

use super::service::{listing_error, other_error, SERVICE};
use crate::aws::error::{api_error, error_code};
use crate::CollectError;
use palisade_model::Region;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::Duration;

/// The credential report's name for the root user's row.
pub(super) const ROOT_ROW: &str = "<root_account>";
/// The report is usually ready within seconds; waits grow 1 s, 2 s, ... between attempts.
const REPORT_ATTEMPTS: u32 = 5;
const REPORT_WAIT: Duration = Duration::from_secs(1);

/// Credential report rows keyed by their `user` column (`<root_account>` for root); each row maps
/// the CSV header names to the cell text.
pub(super) type CredentialReport = HashMap<String, Map<String, Value>>;

/// Generates the credential report and polls (boundedly) until it can be downloaded.
pub(super) async fn credential_report(client: &aws_sdk_iam::Client) -> Result<CredentialReport, CollectError> {
    const OP: &str = "GetCredentialReport";
    let generate = || async {
        client.generate_credential_report().send().await.map_err(listing_error("GenerateCredentialReport"))
    };
    generate().await?;
    for attempt in 1..=REPORT_ATTEMPTS {
        match client.get_credential_report().send().await {
            Ok(report) => {
                let content = report.content().map(|b| b.as_ref()).unwrap_or_default();
                return parse_credential_report(content)
                    .map_err(|e| other_error(OP, format!("the credential report is not valid csv: {e}")));
            }
            Err(e) => match error_code(&e) {
                Some("ReportInProgress") => {}
                // Expired or never generated (for example purged meanwhile): ask again.
                Some("ReportNotPresent") | Some("ReportExpired") => {
                    generate().await?;
                }
                _ => return Err(api_error(SERVICE, Region::GLOBAL, OP, e)),
            },
        }
        if attempt < REPORT_ATTEMPTS {
            tokio::time::sleep(REPORT_WAIT * attempt).await;
        }
    }
    Err(other_error(OP, format!("the credential report was not ready after {REPORT_ATTEMPTS} attempts")))
}

/// Parses the report's CSV into rows keyed by the `user` column, cells kept as strings.
fn parse_credential_report(content: &[u8]) -> Result<CredentialReport, csv::Error> {
    let mut reader = csv::Reader::from_reader(content);
    let headers = reader.headers()?.clone();
    let mut rows = CredentialReport::new();
    for record in reader.records() {
        let record = record?;
        let row: Map<String, Value> =
            headers.iter().zip(record.iter()).map(|(h, v)| (h.to_string(), Value::String(v.to_string()))).collect();
        if let Some(Value::String(user)) = row.get("user") {
            rows.insert(user.clone(), row);
        }
    }
    Ok(rows)
}

pub(super) fn report_row(report: Option<&CredentialReport>, user: &str) -> Value {
    report.and_then(|r| r.get(user)).map(|row| Value::Object(row.clone())).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::iam::fixtures::check;
    use serde_json::json;

    #[test]
    fn parses_the_credential_report() {
        let csv = "user,arn,mfa_active,access_key_1_active\n\
                   <root_account>,arn:aws:iam::1:root,true,false\n\
                   alice,arn:aws:iam::1:user/alice,false,true\n";
        let report = parse_credential_report(csv.as_bytes()).expect("valid csv");
        check(
            report_row(Some(&report), "alice"),
            json!({"user": "alice", "arn": "arn:aws:iam::1:user/alice", "mfa_active": "false", "access_key_1_active": "true"}),
        );
        assert_eq!(report_row(Some(&report), ROOT_ROW)["mfa_active"], json!("true"));
        assert_eq!(report_row(Some(&report), "nobody"), Value::Null);
        assert_eq!(report_row(None, "alice"), Value::Null);
        assert!(parse_credential_report(b"user,arn\nalice\n").is_err(), "short rows are rejected");
    }
}
