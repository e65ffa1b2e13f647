//! The severity of a vulnerability for one affected package: from a CVSS v3 vector where the
//! record gives one (the package's own severity first, then the record's), otherwise from the
//! severity words databases put in `ecosystem_specific`/`database_specific` (GitHub's
//! `MODERATE`, Red Hat's `Important`) or Ubuntu's priority.

use palisade_model::Severity;
use serde::Serialize;
use serde_json::Value;

use crate::cvss::{self, CvssV3};
use crate::osv::{Affected, SeverityScore, Vulnerability};

/// What is known of a vulnerability's severity for one package.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SeverityRating {
    pub severity: Option<Severity>,
    /// The CVSS v3 base score computed from `cvss_vector`.
    pub cvss_score: Option<f64>,
    /// The CVSS vector the record gives (v3, else v4, which is kept but not scored).
    pub cvss_vector: Option<String>,
}

/// Rates `vuln` for the package of `affected`.
pub fn rate(vuln: &Vulnerability, affected: &Affected) -> SeverityRating {
    // Package-level scores replace the record's (the schema forbids having both).
    let scores: &[SeverityScore] = if affected.severity.is_empty() { &vuln.severity } else { &affected.severity };

    for score in scores.iter().filter(|s| s.kind == "CVSS_V3") {
        if let Ok(vector) = CvssV3::parse(&score.score) {
            let base = vector.base_score();
            return SeverityRating {
                severity: Some(cvss::rating(base)),
                cvss_score: Some(base),
                cvss_vector: Some(score.score.trim().to_string()),
            };
        }
    }

    let cvss_vector = scores.iter().find(|s| s.kind == "CVSS_V4").map(|s| s.score.trim().to_string());
    let word = [&affected.ecosystem_specific, &affected.database_specific, &vuln.database_specific]
        .into_iter()
        .flatten()
        .find_map(|specific| specific.get("severity").and_then(Value::as_str))
        .or_else(|| scores.iter().find(|s| s.kind == "Ubuntu").map(|s| s.score.as_str()));
    SeverityRating { severity: word.and_then(severity_from_word), cvss_score: None, cvss_vector }
}

/// Reads the severity words databases use; unknown words (Debian's `not yet assigned`) give none.
pub fn severity_from_word(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" | "important" => Some(Severity::High),
        "medium" | "moderate" => Some(Severity::Medium),
        "low" | "negligible" | "unimportant" => Some(Severity::Low),
        "none" | "info" | "informational" => Some(Severity::Info),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(record: &str, expected: SeverityRating) {
        let vuln = Vulnerability::from_json(record.as_bytes()).unwrap();
        assert_eq!(rate(&vuln, &vuln.affected[0]), expected, "{record}");
    }

    fn rating(severity: Option<Severity>, score: Option<f64>, vector: Option<&str>) -> SeverityRating {
        SeverityRating { severity, cvss_score: score, cvss_vector: vector.map(str::to_string) }
    }

    const CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const HIGH: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N";

    #[test]
    fn computes_the_score_from_a_cvss_v3_vector() {
        check(
            &format!(r#"{{"id":"X","severity":[{{"type":"CVSS_V3","score":"{CRITICAL}"}}],"affected":[{{}}]}}"#),
            rating(Some(Severity::Critical), Some(9.8), Some(CRITICAL)),
        );
    }

    #[test]
    fn prefers_the_packages_own_severity() {
        check(
            &format!(
                r#"{{"id":"X","severity":[{{"type":"CVSS_V3","score":"{CRITICAL}"}}],
                    "affected":[{{"severity":[{{"type":"CVSS_V3","score":"{HIGH}"}}]}}]}}"#
            ),
            rating(Some(Severity::High), Some(7.5), Some(HIGH)),
        );
    }

    #[test]
    fn skips_an_unreadable_vector_for_a_readable_one() {
        check(
            &format!(
                r#"{{"id":"X","severity":[{{"type":"CVSS_V3","score":"CVSS:3.1/AV:Q"}},{{"type":"CVSS_V3","score":"{HIGH}"}}],
                    "affected":[{{}}]}}"#
            ),
            rating(Some(Severity::High), Some(7.5), Some(HIGH)),
        );
    }

    #[test]
    fn falls_back_to_database_severity_words() {
        // GitHub advisories: top-level database_specific.
        check(
            r#"{"id":"GHSA-1","database_specific":{"severity":"MODERATE"},"affected":[{}]}"#,
            rating(Some(Severity::Medium), None, None),
        );
        // A CVSS v4 vector is kept, the word gives the level.
        check(
            r#"{"id":"X","severity":[{"type":"CVSS_V4","score":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}],
                "affected":[{"database_specific":{"severity":"Important"}}]}"#,
            rating(Some(Severity::High), None, Some("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")),
        );
        // Ubuntu priorities.
        check(
            r#"{"id":"UBUNTU-CVE-1","severity":[{"type":"Ubuntu","score":"negligible"}],"affected":[{}]}"#,
            rating(Some(Severity::Low), None, None),
        );
        // Debian's urgency is not a severity.
        check(
            r#"{"id":"DSA-1","affected":[{"ecosystem_specific":{"urgency":"not yet assigned"}}]}"#,
            SeverityRating::default(),
        );
    }
}
