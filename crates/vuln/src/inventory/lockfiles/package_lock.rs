//! `package-lock.json`, lockfile versions 2 and 3: the `packages` map from install path
//! (`node_modules/a/node_modules/@scope/b`) to `{version, resolved, link, ...}`. The root project
//! (`""`), workspace folders, links and git or file dependencies are left out. Version 1 files
//! have no `packages` map and are reported as unsupported rather than read as empty.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{dedup, utf8};
use crate::error::{FileKind, VulnError};
use crate::inventory::{Package, PackageManager};

#[derive(Deserialize)]
struct PackageLock {
    #[serde(rename = "lockfileVersion")]
    lockfile_version: Option<u64>,
    packages: Option<BTreeMap<String, Entry>>,
}

#[derive(Deserialize)]
struct Entry {
    /// Set when the folder name is an alias of the real package name.
    name: Option<String>,
    version: Option<String>,
    resolved: Option<String>,
    #[serde(default)]
    link: bool,
}

pub fn parse_package_lock(bytes: &[u8]) -> Result<Vec<Package>, VulnError> {
    let text = utf8(FileKind::PackageLockJson, bytes)?;
    let lock: PackageLock =
        serde_json::from_str(text).map_err(|source| VulnError::json(FileKind::PackageLockJson, source))?;
    let Some(entries) = lock.packages else {
        return Err(VulnError::Unsupported {
            kind: FileKind::PackageLockJson,
            message: format!(
                "lockfileVersion {} has no \"packages\" map (npm 7 or later writes one)",
                lock.lockfile_version.map_or_else(|| "(missing)".to_string(), |v| v.to_string())
            ),
        });
    };
    let packages = entries
        .into_iter()
        .filter(|(_, entry)| !entry.link)
        .filter(|(_, entry)| !entry.resolved.as_deref().is_some_and(|r| r.starts_with("git") || r.starts_with("file:")))
        .filter_map(|(path, entry)| {
            let folder = path.rsplit_once("node_modules/")?.1;
            let name = entry.name.unwrap_or_else(|| folder.to_string());
            Some(Package::new(PackageManager::Npm, name, entry.version?))
        })
        .collect();
    Ok(dedup(packages))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
  "name": "web",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {"name": "web", "version": "1.0.0", "dependencies": {"lodash": "^4.17.20"}},
    "node_modules/lodash": {
      "version": "4.17.20",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz",
      "integrity": "sha512-x"
    },
    "node_modules/@babel/core": {"version": "7.23.2", "dev": true},
    "node_modules/a/node_modules/lodash": {"version": "4.17.21"},
    "node_modules/b/node_modules/lodash": {"version": "4.17.21"},
    "node_modules/lodash-old": {"name": "lodash", "version": "3.10.1"},
    "node_modules/shared": {"resolved": "packages/shared", "link": true},
    "packages/shared": {"name": "shared", "version": "0.0.1"},
    "node_modules/forked": {"version": "1.0.0", "resolved": "git+ssh://git@example.com/forked.git#abc"},
    "node_modules/optional-missing": {"optional": true}
  }
}"#;

    #[test]
    fn inventories_installed_registry_packages() {
        let packages = parse_package_lock(LOCK.as_bytes()).unwrap();
        let mut summary: Vec<(&str, &str)> = packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        summary.sort();
        assert_eq!(
            summary,
            [("@babel/core", "7.23.2"), ("lodash", "3.10.1"), ("lodash", "4.17.20"), ("lodash", "4.17.21")]
        );
        assert!(packages.iter().all(|p| p.manager == PackageManager::Npm));
    }

    #[test]
    fn reports_version_one_lockfiles_as_unsupported() {
        let err =
            parse_package_lock(br#"{"lockfileVersion": 1, "dependencies": {"a": {"version": "1.0.0"}}}"#).unwrap_err();
        assert!(
            matches!(&err, VulnError::Unsupported { kind: FileKind::PackageLockJson, message } if message.contains("lockfileVersion 1")),
            "{err:?}"
        );
    }

    #[test]
    fn reports_malformed_json_with_its_line() {
        let err = parse_package_lock(
            b"{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/a\": {\"version\": 1}\n  }\n}",
        )
        .unwrap_err();
        assert!(matches!(err, VulnError::Json { kind: FileKind::PackageLockJson, line: 4, .. }), "{err:?}");
    }
}
