//! A policy pack: the policies, their tests, shared library modules and compliance frameworks read
//! from a directory (or embedded in the binary), checked for duplicate ids.

use crate::{framework, metadata, PolicyError, PolicyMetadata};
use palisade_model::Framework;
use std::path::Path;
use std::sync::Arc;

/// A pack file (Rego, or a framework's YAML) by the path used in messages and its contents.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub contents: String,
}

/// One policy: its metadata, its Rego package (`data.palisade.aws.s3.bucket_encryption`) and file.
#[derive(Debug, Clone)]
pub struct Policy {
    pub metadata: Arc<PolicyMetadata>,
    pub package: String,
    pub file: SourceFile,
}

/// Policies plus the modules they need: library modules (files under a `lib/` folder, without
/// METADATA) and test modules (`*_test.rego`); and the compliance frameworks (`*.yaml` under a
/// `frameworks/` folder) whose controls the policies' `compliance` metadata refers to.
#[derive(Debug, Clone, Default)]
pub struct Pack {
    pub policies: Vec<Policy>,
    pub libraries: Vec<SourceFile>,
    pub tests: Vec<SourceFile>,
    pub frameworks: Vec<Framework>,
    /// Where each framework came from, for duplicate-id messages (parallel to `frameworks`).
    framework_paths: Vec<String>,
}

/// A policy's `compliance` entry naming a control its framework does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownControl {
    pub policy_id: String,
    pub framework: String,
    pub control: String,
}

impl Pack {
    /// The pack compiled into the binary from the repository's `policies/` folder.
    pub fn builtin() -> Result<Self, PolicyError> {
        let files = crate::builtin::BUILTIN_FILES
            .iter()
            .map(|(path, contents)| SourceFile { path: format!("policies/{path}"), contents: contents.to_string() });
        Self::from_files(files)
    }

    /// Every `.rego` file under `dir`, recursively, and every `.yaml` file in a `frameworks/`
    /// folder under it.
    pub fn from_dir(dir: &Path) -> Result<Self, PolicyError> {
        let mut paths = Vec::new();
        collect_pack_files(dir, &mut paths)?;
        paths.sort();
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let contents =
                std::fs::read_to_string(&path).map_err(|source| PolicyError::Read { path: path.clone(), source })?;
            files.push(SourceFile { path: path.display().to_string(), contents });
        }
        Self::from_files(files)
    }

    pub fn from_files(files: impl IntoIterator<Item = SourceFile>) -> Result<Self, PolicyError> {
        let mut pack = Pack::default();
        for file in files {
            if framework::is_framework_path(&file.path) {
                let parsed = framework::parse(&file.path, &file.contents)?;
                pack.push_framework(parsed, file.path)?;
            } else if file.path.ends_with("_test.rego") {
                pack.tests.push(file);
            } else if file.path.split('/').any(|part| part == "lib") {
                pack.libraries.push(file);
            } else {
                let metadata = metadata::parse(&file.path, &file.contents)?;
                let package = package_of(&file)?;
                pack.push_policy(Policy { metadata: Arc::new(metadata), package, file })?;
            }
        }
        Ok(pack)
    }

    /// Adds another pack's contents (e.g. a user's `--policies DIR` on top of the built-ins).
    pub fn extend(&mut self, other: Pack) -> Result<(), PolicyError> {
        for p in other.policies {
            self.push_policy(p)?;
        }
        self.libraries.extend(other.libraries);
        self.tests.extend(other.tests);
        for (f, path) in other.frameworks.into_iter().zip(other.framework_paths) {
            self.push_framework(f, path)?;
        }
        Ok(())
    }

    fn push_framework(&mut self, framework: Framework, path: String) -> Result<(), PolicyError> {
        if let Some(i) = self.frameworks.iter().position(|f| f.id == framework.id) {
            return Err(PolicyError::DuplicateFramework {
                path,
                id: framework.id,
                other: self.framework_paths[i].clone(),
            });
        }
        self.frameworks.push(framework);
        self.framework_paths.push(path);
        Ok(())
    }

    pub fn framework(&self, id: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.id == id)
    }

    /// `compliance` entries that name a framework of this pack but a control it does not have
    /// (a typo would otherwise silently leave the control without evidence). Entries for
    /// frameworks the pack does not carry are not checked.
    pub fn unknown_controls(&self) -> Vec<UnknownControl> {
        let mut out = Vec::new();
        for p in &self.policies {
            for (framework_id, controls) in &p.metadata.compliance {
                let Some(framework) = self.framework(framework_id) else { continue };
                for control in controls.iter().filter(|c| framework.control(c).is_none()) {
                    out.push(UnknownControl {
                        policy_id: p.metadata.id.to_string(),
                        framework: framework_id.clone(),
                        control: control.clone(),
                    });
                }
            }
        }
        out
    }

    fn push_policy(&mut self, policy: Policy) -> Result<(), PolicyError> {
        if let Some(existing) = self.policies.iter().find(|p| p.metadata.id == policy.metadata.id) {
            return Err(PolicyError::DuplicateId {
                path: policy.file.path.clone(),
                id: policy.metadata.id.to_string(),
                other: existing.file.path.clone(),
            });
        }
        self.policies.push(policy);
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.metadata.id.as_str() == id)
    }
}

fn collect_pack_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), PolicyError> {
    let read_err = |source| PolicyError::Read { path: dir.to_path_buf(), source };
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if path.is_dir() {
            collect_pack_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rego") || framework::is_framework_path(&path.to_string_lossy())
        {
            out.push(path);
        }
    }
    Ok(())
}

/// `data.<package>` of a module, read from its `package` line.
pub(crate) fn package_of(file: &SourceFile) -> Result<String, PolicyError> {
    for (i, line) in file.contents.lines().enumerate() {
        if let Some(rest) = line.trim().strip_prefix("package ") {
            let name = rest.trim();
            if name.is_empty() {
                break;
            }
            return Ok(format!("data.{name}"));
        }
        let _ = i;
    }
    Err(PolicyError::Compile { path: file.path.clone(), line: 1, message: "no `package` declaration".into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_pack_loads_with_unique_ids() {
        let pack = Pack::builtin().unwrap();
        for id in [
            "AWS.S3.Bucket.Encryption",
            "AWS.EC2.SecurityGroup.SSHOpenToWorld",
            "AWS.IAM.AccessKey.Rotation",
            "AWS.IAM.Policy.AdminWildcard",
        ] {
            assert!(pack.get(id).is_some(), "built-in pack lacks {id}");
        }
        assert!(!pack.tests.is_empty());
    }

    #[test]
    fn builtin_frameworks_load_and_policies_name_their_controls() {
        let pack = Pack::builtin().unwrap();
        let cis = pack.framework("cis-aws-foundations-3.0").expect("CIS AWS Foundations 3.0 framework");
        assert_eq!(cis.controls.len(), 62);
        assert_eq!(cis.controls.iter().filter(|c| c.manual).count(), 12);
        assert_eq!(pack.unknown_controls(), Vec::new());
    }

    #[test]
    fn frameworks_load_from_a_directory_and_clash_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let fw = dir.path().join("frameworks");
        std::fs::create_dir(&fw).unwrap();
        let yaml = "id: t-1\ntitle: T\nversion: \"1\"\ncontrols:\n  - id: \"1\"\n    title: One\n    section: S\n";
        std::fs::write(fw.join("t-1.yaml"), yaml).unwrap();
        // YAML outside a frameworks folder is not part of a pack.
        std::fs::write(dir.path().join("notes.yaml"), "not: [a framework").unwrap();
        let extra = Pack::from_dir(dir.path()).unwrap();
        assert_eq!(extra.frameworks.len(), 1);
        let mut pack = Pack::from_dir(dir.path()).unwrap();
        let e = pack.extend(extra).unwrap_err().to_string();
        assert!(e.contains("framework t-1 is also defined in"), "{e}");
        std::fs::write(fw.join("t-1.yaml"), yaml.replace("title: One", "title: [One")).unwrap();
        let e = Pack::from_dir(dir.path()).unwrap_err().to_string();
        assert!(e.contains("t-1.yaml:6:"), "{e}");
    }

    #[test]
    fn compliance_entries_must_name_known_controls() {
        let policy = "# METADATA\n# title: T\n# custom:\n#   id: A.B\n#   severity: LOW\n#   resource_types: [X]\n#   compliance:\n#     t-1: [\"1\", \"9\"]\n#     elsewhere: [\"1\"]\npackage p\n";
        let framework = "id: t-1\ntitle: T\nversion: \"1\"\ncontrols:\n  - id: \"1\"\n    title: One\n    section: S\n";
        let pack = Pack::from_files([
            SourceFile { path: "p.rego".into(), contents: policy.into() },
            SourceFile { path: "frameworks/t-1.yaml".into(), contents: framework.into() },
        ])
        .unwrap();
        let unknown = UnknownControl { policy_id: "A.B".into(), framework: "t-1".into(), control: "9".into() };
        assert_eq!(pack.unknown_controls(), vec![unknown]);
    }

    #[test]
    fn duplicate_ids_name_both_files() {
        let src =
            "# METADATA\n# title: T\n# custom:\n#   id: A.B\n#   severity: LOW\n#   resource_types: [X]\npackage p\n";
        let files = ["a.rego", "b.rego"].map(|p| SourceFile { path: p.into(), contents: src.into() });
        let e = Pack::from_files(files).unwrap_err().to_string();
        assert!(e.contains("b.rego") && e.contains("a.rego"), "{e}");
    }
}
