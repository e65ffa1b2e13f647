//! The policy coverage document (`docs/coverage.md`): every policy with its resource types,
//! severity and framework controls, then each framework's controls with the policies that back
//! them. Generated from metadata by `palisade policy coverage`, never written by hand, so it cannot
//! drift from the pack; it holds no timestamp, so regenerating an unchanged pack changes nothing.

use crate::error::write_err;
use crate::{Catalog, ReportError};
use palisade_model::Framework;
use std::io::Write;

/// Writes the coverage document of `catalog`'s policies against `frameworks` as Markdown.
pub fn write_coverage(out: &mut dyn Write, catalog: &Catalog<'_>, frameworks: &[Framework]) -> Result<(), ReportError> {
    out.write_all(render(catalog, frameworks).as_bytes()).and_then(|()| out.flush()).map_err(write_err("Markdown"))
}

fn render(catalog: &Catalog<'_>, frameworks: &[Framework]) -> String {
    let mut md = String::from(
        "# Policy coverage\n\n\
         <!-- Generated from the policies' METADATA by `palisade policy coverage --output docs/coverage.md`. \
         Do not edit: a test fails when this file differs from the command's output. -->\n\n",
    );
    let policies: Vec<_> = catalog.iter().collect();
    md.push_str(&format!(
        "{} policies. Which controls a policy provides evidence for is declared in its own METADATA \
         (`compliance`); see [policies.md](policies.md). How the CIS controls are tested, and the states the \
         test emulator cannot produce, are in \
         [cis-aws-foundations-3.0.md](cis-aws-foundations-3.0.md#how-the-controls-are-tested-and-the-emulators-gaps).\n\n",
        policies.len()
    ));
    md.push_str("## Policies\n\n| Policy | Resource type | Severity | Frameworks |\n| --- | --- | --- | --- |\n");
    for p in &policies {
        let types: Vec<_> = p.resource_types.iter().map(|t| format!("`{t}`")).collect();
        let frameworks: Vec<_> =
            p.compliance.iter().map(|(framework, controls)| format!("{framework}: {}", controls.join(", "))).collect();
        md.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            p.id,
            types.join(", "),
            p.severity,
            escape(&frameworks.join("; "))
        ));
    }
    for f in frameworks {
        let automated = f.controls.iter().filter(|c| !c.manual).count();
        let backed: Vec<(&palisade_model::Control, Vec<String>)> = f
            .controls
            .iter()
            .map(|c| {
                let ids = policies
                    .iter()
                    .filter(|p| p.controls_of(&f.id).contains(&c.id))
                    .map(|p| format!("`{}`", p.id))
                    .collect();
                (c, ids)
            })
            .collect();
        let covered = backed.iter().filter(|(c, ids)| !c.manual && !ids.is_empty()).count();
        md.push_str(&format!(
            "\n## {} v{} (`{}`)\n\n{covered} of {automated} automated controls have at least one policy; {} \
             controls are manual (assessed by hand, reported as MANUAL).\n\n\
             | Control | Title | Policies |\n| --- | --- | --- |\n",
            escape(&f.title),
            escape(&f.version),
            f.id,
            f.controls.len() - automated,
        ));
        for (c, ids) in backed {
            let policies = match (c.manual, ids.is_empty()) {
                (true, _) => "manual".to_string(),
                (false, true) => "none yet".to_string(),
                (false, false) => ids.join(", "),
            };
            md.push_str(&format!("| {} | {} | {policies} |\n", escape(&c.id), escape(&c.title)));
        }
    }
    md
}

/// Escapes what Markdown would otherwise read as table cell breaks or emphasis (CIS titles carry
/// `"*:*"`).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '\\' | '|' | '*' | '_' | '`' | '<' | '>' | '[' | ']') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{framework, policies};

    fn check() -> String {
        let metas = policies();
        let mut out = Vec::new();
        write_coverage(&mut out, &Catalog::new(&metas), &[framework()]).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn lists_policies_then_framework_controls() {
        let md = check();
        assert!(md.starts_with("# Policy coverage\n"), "{md}");
        assert!(md.contains("| `Test.Sg` | `AWS.EC2.SecurityGroup` | HIGH | test-fw-1.0: 5.2, 5.3 |\n"), "{md}");
        assert!(md.contains("## Test Benchmark v1.0.0 (`test-fw-1.0`)\n\n3 of 3 automated controls"), "{md}");
        assert!(md.contains("| 1.1 | Maintain contacts | manual |\n"), "{md}");
        assert!(
            md.contains("| 5.2 | Ensure no security groups allow ingress from 0.0.0.0/0 | `Test.Nacl`, `Test.Sg` |\n"),
            "{md}"
        );
        // Policies are listed by id, so the output does not depend on load order.
        assert!(md.find("`Test.Bucket`").unwrap() < md.find("`Test.Sg`").unwrap());
    }

    #[test]
    fn is_stable_and_escapes_markdown() {
        assert_eq!(check(), check());
        assert_eq!(escape(r#"allow full "*:*" | x_y"#), r#"allow full "\*:\*" \| x\_y"#);
    }
}
