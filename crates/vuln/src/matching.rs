//! Matching an inventory against OSV records, with the OSV schema's evaluation rules
//! (<https://ossf.github.io/osv-schema/#evaluation>): a version is affected when it is listed in
//! `versions` or lies in a range. Within a range, events are taken in version order: at or above
//! an `introduced` it is affected, at or above a `fixed` (or above a `last_affected`) it is not,
//! and `limit` events (if any) bound the range from above. `introduced: "0"` is below every
//! version. `ECOSYSTEM` ranges use the ecosystem's own version order, `SEMVER` ranges SemVer;
//! `GIT` ranges need the repository and are not evaluated.
//!
//! Distribution records match the source package (Red Hat's also the binary package) of the same
//! distribution release only; withdrawn records never match.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use palisade_model::Severity;
use serde::Serialize;

use crate::ecosystem::{normalize_pypi_name, Ecosystem};
use crate::inventory::{Inventory, Package};
use crate::osv::{Affected, Event, RangeKind, Vulnerability};
use crate::severity;
use crate::version::VersionScheme;

/// One vulnerable installed package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// The installed package's name (a binary package for distributions).
    pub package: String,
    /// The installed package's source package, where it has one (distribution records are keyed
    /// by it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_package: Option<String>,
    /// The installed package's own version (a distribution package is compared by its source
    /// version, which differs on binary-only rebuilds such as Debian's `+b1`).
    pub installed_version: String,
    /// The record's ecosystem, as it names it (`Debian:12`, `PyPI`).
    pub ecosystem: String,
    pub vulnerability_id: String,
    /// The record's aliases and upstream ids (CVE ids).
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The lowest fixed version above the installed one, if a fix exists.
    pub fixed_version: Option<String>,
    pub severity: Option<Severity>,
    pub cvss_score: Option<f64>,
    pub cvss_vector: Option<String>,
    /// Where the package was found (a lockfile path), from the inventory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// One affected package of one record, with its ecosystem parsed once.
struct Candidate<'v> {
    vuln: &'v Vulnerability,
    affected: &'v Affected,
    ecosystem: Ecosystem,
    scheme: VersionScheme,
}

/// Candidates by (ecosystem family, package name as records spell it).
type Index<'v> = HashMap<(String, String), Vec<Candidate<'v>>>;

fn index(vulns: &[Vulnerability]) -> Index<'_> {
    let mut index: Index<'_> = HashMap::new();
    for vuln in vulns.iter().filter(|v| !v.is_withdrawn()) {
        for affected in &vuln.affected {
            let Some(package) = &affected.package else { continue };
            let ecosystem = Ecosystem::parse(&package.ecosystem);
            let Some(scheme) = ecosystem.scheme() else { continue };
            let key = (ecosystem.family_name().to_string(), name_key(&ecosystem, &package.name));
            index.entry(key).or_default().push(Candidate { vuln, affected, ecosystem, scheme });
        }
    }
    index
}

fn name_key(ecosystem: &Ecosystem, name: &str) -> String {
    match ecosystem {
        Ecosystem::PyPI => normalize_pypi_name(name),
        _ => name.to_string(),
    }
}

/// The (name, version) pairs a package is looked up by in its ecosystem.
fn lookup_keys<'p>(package: &'p Package, ecosystem: &Ecosystem) -> Vec<(&'p str, &'p str)> {
    let binary = (package.name.as_str(), package.version.as_str());
    let source = package.source.as_ref().map(|s| (s.name.as_str(), s.version.as_str()));
    match ecosystem {
        Ecosystem::Distro { family, .. } if family.names_binary_packages() => match source {
            Some(source) if source.0 != binary.0 => vec![binary, source],
            _ => vec![binary],
        },
        Ecosystem::Distro { .. } => vec![source.unwrap_or(binary)],
        _ => vec![binary],
    }
}

/// Every (package, vulnerability) pair where the installed version is affected, in inventory
/// order, each vulnerability reported once per package.
pub fn matches(inventory: &Inventory, vulns: &[Vulnerability]) -> Vec<Match> {
    let index = index(vulns);
    let mut found = Vec::new();
    for package in &inventory.packages {
        let Some(installed) = inventory.ecosystem_of(package) else { continue };
        let mut reported: HashSet<&str> = HashSet::new();
        for (name, version) in lookup_keys(package, &installed) {
            let key = (installed.family_name().to_string(), name_key(&installed, name));
            for candidate in index.get(&key).into_iter().flatten() {
                if !candidate.ecosystem.covers(&installed)
                    || reported.contains(candidate.vuln.id.as_str())
                    || !is_affected(candidate.affected, version, candidate.scheme)
                {
                    continue;
                }
                reported.insert(&candidate.vuln.id);
                let rating = severity::rate(candidate.vuln, candidate.affected);
                found.push(Match {
                    package: package.name.clone(),
                    source_package: package.source.as_ref().map(|s| s.name.clone()),
                    installed_version: package.version.clone(),
                    ecosystem: candidate.ecosystem.to_string(),
                    vulnerability_id: candidate.vuln.id.clone(),
                    aliases: candidate.vuln.related_ids(),
                    summary: candidate.vuln.summary.clone(),
                    fixed_version: next_fixed(candidate.affected, version, candidate.scheme).map(str::to_string),
                    severity: rating.severity,
                    cvss_score: rating.cvss_score,
                    cvss_vector: rating.cvss_vector,
                    location: package.location.clone(),
                });
            }
        }
    }
    found
}

/// The version order of a range: SemVer for `SEMVER` ranges, the ecosystem's for `ECOSYSTEM`.
fn range_scheme(kind: &RangeKind, ecosystem_scheme: VersionScheme) -> Option<VersionScheme> {
    match kind {
        RangeKind::Semver => Some(VersionScheme::Semver),
        RangeKind::Ecosystem => Some(ecosystem_scheme),
        RangeKind::Git | RangeKind::Other(_) => None,
    }
}

/// Whether `version` is affected: listed in `versions`, or inside one of the ranges.
pub fn is_affected(affected: &Affected, version: &str, scheme: VersionScheme) -> bool {
    if affected.versions.iter().any(|listed| listed == version || scheme.compare(listed, version) == Ordering::Equal) {
        return true;
    }
    affected.ranges.iter().any(|range| {
        range_scheme(&range.kind, scheme)
            .is_some_and(|scheme| scheme.is_valid(version) && range_contains(&range.events, version, scheme))
    })
}

/// One range's events, per the schema's evaluation: the event with the highest version among
/// those `version` has reached decides (on a tie, the later one in the list, as a stable sort
/// would leave it). Evaluated without sorting, so an odd comparison never breaks a sort.
fn range_contains(events: &[Event], version: &str, scheme: VersionScheme) -> bool {
    let reached = |bound: &str| scheme.is_valid(bound).then(|| scheme.compare(version, bound));
    let limits: Vec<&str> =
        events.iter().filter_map(|e| if let Event::Limit(limit) = e { Some(limit.as_str()) } else { None }).collect();
    if !limits.is_empty() && !limits.iter().any(|limit| limit.contains('*') || reached(limit) == Some(Ordering::Less)) {
        return false;
    }
    // `None` as the bound stands for `introduced: "0"`, below every version.
    let mut deciding: Option<(&Event, Option<&str>)> = None;
    for event in events {
        let (applies, bound) = match event {
            Event::Introduced(bound) if bound.trim() == "0" => (true, None),
            Event::Introduced(bound) | Event::Fixed(bound) => {
                (reached(bound).is_some_and(|o| o != Ordering::Less), Some(bound.as_str()))
            }
            Event::LastAffected(bound) => (reached(bound) == Some(Ordering::Greater), Some(bound.as_str())),
            Event::Limit(_) => continue,
        };
        if !applies {
            continue;
        }
        let is_highest = match (deciding, bound) {
            (None, _) => true,
            (Some((_, None)), _) => true,
            (Some((_, Some(_))), None) => false,
            (Some((_, Some(previous))), Some(bound)) => scheme.compare(bound, previous) != Ordering::Less,
        };
        if is_highest {
            deciding = Some((event, bound));
        }
    }
    matches!(deciding, Some((Event::Introduced(_), _)))
}

/// The lowest `fixed` version above `version` in the evaluable ranges.
pub fn next_fixed<'a>(affected: &'a Affected, version: &str, scheme: VersionScheme) -> Option<&'a str> {
    let mut lowest: Option<(&str, VersionScheme)> = None;
    for range in &affected.ranges {
        let Some(scheme) = range_scheme(&range.kind, scheme) else { continue };
        for event in &range.events {
            let Event::Fixed(fixed) = event else { continue };
            if !scheme.is_valid(fixed) || scheme.compare(fixed, version) != Ordering::Greater {
                continue;
            }
            if lowest.is_none_or(|(current, scheme)| scheme.compare(fixed, current) == Ordering::Less) {
                lowest = Some((fixed, scheme));
            }
        }
    }
    lowest.map(|(fixed, _)| fixed)
}

#[cfg(test)]
mod tests;
