//! A policy pack: the policies, their tests and shared library modules read from a directory (or
//! embedded in the binary), checked for duplicate ids.

use crate::{metadata, PolicyError, PolicyMetadata};
use std::path::Path;
use std::sync::Arc;

/// A Rego file by the path used in messages and its contents.
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
/// METADATA) and test modules (`*_test.rego`).
#[derive(Debug, Clone, Default)]
pub struct Pack {
    pub policies: Vec<Policy>,
    pub libraries: Vec<SourceFile>,
    pub tests: Vec<SourceFile>,
}

impl Pack {
    /// The pack compiled into the binary from the repository's `policies/` folder.
    pub fn builtin() -> Result<Self, PolicyError> {
        let files = crate::builtin::BUILTIN_FILES
            .iter()
            .map(|(path, contents)| SourceFile { path: format!("policies/{path}"), contents: contents.to_string() });
        Self::from_files(files)
    }

    /// Every `.rego` file under `dir`, recursively.
    pub fn from_dir(dir: &Path) -> Result<Self, PolicyError> {
        let mut paths = Vec::new();
        collect_rego_files(dir, &mut paths)?;
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
            if file.path.ends_with("_test.rego") {
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
        Ok(())
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

fn collect_rego_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), PolicyError> {
    let read_err = |source| PolicyError::Read { path: dir.to_path_buf(), source };
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if path.is_dir() {
            collect_rego_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rego") {
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
    fn duplicate_ids_name_both_files() {
        let src =
            "# METADATA\n# title: T\n# custom:\n#   id: A.B\n#   severity: LOW\n#   resource_types: [X]\npackage p\n";
        let files = ["a.rego", "b.rego"].map(|p| SourceFile { path: p.into(), contents: src.into() });
        let e = Pack::from_files(files).unwrap_err().to_string();
        assert!(e.contains("b.rego") && e.contains("a.rego"), "{e}");
    }
}
