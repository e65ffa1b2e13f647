//! CVSS v3.0/v3.1 base scores, computed from the vector string with the specification's base
//! equations (CVSS v3.1 §7.1, with Appendix A's `Roundup`), and the qualitative rating scale.
//!
//! Temporal and environmental metrics may appear in a vector; they are validated by name and
//! ignored, since only the base score is published with advisories.

use palisade_model::Severity;

use crate::error::VulnError;

/// The base metrics of a CVSS v3 vector, each kept as its letter (validated at parse time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CvssV3 {
    attack_vector: u8,
    attack_complexity: u8,
    privileges_required: u8,
    user_interaction: u8,
    scope_changed: bool,
    confidentiality: u8,
    integrity: u8,
    availability: u8,
}

const BASE_METRICS: [(&str, &[u8]); 8] = [
    ("AV", b"NALP"),
    ("AC", b"LH"),
    ("PR", b"NLH"),
    ("UI", b"NR"),
    ("S", b"UC"),
    ("C", b"HLN"),
    ("I", b"HLN"),
    ("A", b"HLN"),
];

const OTHER_METRICS: [&str; 14] =
    ["E", "RL", "RC", "CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"];

impl CvssV3 {
    pub fn parse(vector: &str) -> Result<Self, VulnError> {
        let error = |message: String| VulnError::CvssVector { vector: vector.to_string(), message };
        let metrics = vector
            .trim()
            .strip_prefix("CVSS:3.1/")
            .or_else(|| vector.trim().strip_prefix("CVSS:3.0/"))
            .ok_or_else(|| error("expected the prefix CVSS:3.0/ or CVSS:3.1/".into()))?;
        let mut base = [None::<u8>; 8];
        for metric in metrics.split('/') {
            let (name, value) =
                metric.split_once(':').ok_or_else(|| error(format!("metric {metric:?} has no value")))?;
            if let Some(index) = BASE_METRICS.iter().position(|(base_name, _)| *base_name == name) {
                let allowed = BASE_METRICS[index].1;
                let letter = match value.as_bytes() {
                    [letter] if allowed.contains(letter) => *letter,
                    _ => return Err(error(format!("{name} cannot be {value:?}"))),
                };
                if base[index].replace(letter).is_some() {
                    return Err(error(format!("{name} is given twice")));
                }
            } else if !OTHER_METRICS.contains(&name) {
                return Err(error(format!("unknown metric {name}")));
            }
        }
        let mut letters = [0u8; 8];
        for (index, letter) in base.into_iter().enumerate() {
            letters[index] =
                letter.ok_or_else(|| error(format!("base metric {} is missing", BASE_METRICS[index].0)))?;
        }
        let [av, ac, pr, ui, s, c, i, a] = letters;
        Ok(Self {
            attack_vector: av,
            attack_complexity: ac,
            privileges_required: pr,
            user_interaction: ui,
            scope_changed: s == b'C',
            confidentiality: c,
            integrity: i,
            availability: a,
        })
    }

    /// The base score, 0.0 to 10.0 in steps of 0.1.
    pub fn base_score(&self) -> f64 {
        let impact_weight = |letter: u8| -> f64 {
            match letter {
                b'H' => 0.56,
                b'L' => 0.22,
                _ => 0.0,
            }
        };
        let attack_vector = match self.attack_vector {
            b'N' => 0.85,
            b'A' => 0.62,
            b'L' => 0.55,
            _ => 0.2,
        };
        let attack_complexity = if self.attack_complexity == b'L' { 0.77 } else { 0.44 };
        // Privileges weigh more when the impact reaches beyond the vulnerable component.
        let privileges_required = match (self.privileges_required, self.scope_changed) {
            (b'N', _) => 0.85,
            (b'L', false) => 0.62,
            (b'L', true) => 0.68,
            (_, false) => 0.27,
            (_, true) => 0.5,
        };
        let user_interaction = if self.user_interaction == b'N' { 0.85 } else { 0.62 };

        let impact_sub_score = 1.0
            - (1.0 - impact_weight(self.confidentiality))
                * (1.0 - impact_weight(self.integrity))
                * (1.0 - impact_weight(self.availability));
        let impact = if self.scope_changed {
            7.52 * (impact_sub_score - 0.029) - 3.25 * (impact_sub_score - 0.02).powi(15)
        } else {
            6.42 * impact_sub_score
        };
        let exploitability = 8.22 * attack_vector * attack_complexity * privileges_required * user_interaction;
        if impact <= 0.0 {
            0.0
        } else if self.scope_changed {
            roundup((1.08 * (impact + exploitability)).min(10.0))
        } else {
            roundup((impact + exploitability).min(10.0))
        }
    }
}

/// The smallest number with one decimal place that is at least `value`, computed on integers so
/// that floating-point noise (`4.000000000000001`) does not push a score up a step.
fn roundup(value: f64) -> f64 {
    let scaled = (value * 100_000.0).round() as i64;
    if scaled % 10_000 == 0 {
        scaled as f64 / 100_000.0
    } else {
        (scaled / 10_000 + 1) as f64 / 10.0
    }
}

/// The CVSS v3 qualitative rating of a score; "None" (0.0) is reported as INFO.
pub fn rating(score: f64) -> Severity {
    match score {
        s if s >= 9.0 => Severity::Critical,
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        s if s > 0.0 => Severity::Low,
        _ => Severity::Info,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(vector: &str, expected: f64) {
        let score = CvssV3::parse(vector).unwrap_or_else(|e| panic!("{e}")).base_score();
        assert!((score - expected).abs() < 1e-9, "{vector}: got {score}, want {expected}");
    }

    #[test]
    fn scores_published_vectors() {
        // Scores as NVD publishes them for these vectors.
        check("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8);
        check("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8);
        check("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0); // CVE-2021-44228
        check("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5); // CVE-2014-0160
        check("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.1); // CVE-2024-6387
        check("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8); // CVE-2021-4034
        check("CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:C/C:H/I:N/A:N", 5.6); // CVE-2017-5753
        check("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8);
        check("CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8);
        check("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1);
        check("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4);
        check("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9);
        check("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9);
        check("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3);
        check("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N", 5.4);
        check("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", 5.5);
        check("CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8);
        check("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2);
        check("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1);
        check("CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:N/A:N", 2.3);
        check("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0);
    }

    #[test]
    fn ignores_temporal_and_environmental_metrics_and_metric_order() {
        check("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C/CR:H/MAV:L", 9.8);
        check("CVSS:3.1/C:H/I:N/A:N/S:U/UI:N/PR:N/AC:L/AV:N", 7.5);
    }

    #[test]
    fn rejects_malformed_vectors() {
        for bad in [
            "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:2.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A",
        ] {
            assert!(CvssV3::parse(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn rates_scores_on_the_qualitative_scale() {
        let cases = [
            (0.0, Severity::Info),
            (0.1, Severity::Low),
            (3.9, Severity::Low),
            (4.0, Severity::Medium),
            (6.9, Severity::Medium),
            (7.0, Severity::High),
            (8.9, Severity::High),
            (9.0, Severity::Critical),
            (10.0, Severity::Critical),
        ];
        for (score, severity) in cases {
            assert_eq!(rating(score), severity, "{score}");
        }
    }

    #[test]
    fn roundup_is_immune_to_floating_point_noise() {
        assert_eq!(roundup(4.000_000_000_000_001), 4.0);
        assert_eq!(roundup(4.02), 4.1);
        assert_eq!(roundup(4.0), 4.0);
    }
}
