//! Embeds the built-in policy pack (`policies/` at the workspace root: every `.rego` file and the
//! framework files `frameworks/*.yaml`) into the crate, so the binary carries its policies and a
//! policy edit triggers a rebuild.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "rego") || is_framework(&path) {
            out.push(path);
        }
    }
}

/// A framework file: YAML directly inside a `frameworks` folder (the rule `Pack` applies too).
fn is_framework(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "yaml" || e == "yml")
        && path.parent().and_then(Path::file_name).is_some_and(|d| d == "frameworks")
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../policies");
    let root = root.canonicalize().unwrap_or(root);
    // Relative on purpose: cargo resolves it against the package being built, so a target directory
    // shared by several checkouts (a warm cache in CI) rescans this checkout's policies instead of
    // trusting the absolute paths another checkout's build recorded.
    println!("cargo:rerun-if-changed=../../policies");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut code = String::from("/// `(path relative to policies/, contents)` of every built-in policy file.\npub static BUILTIN_FILES: &[(&str, &str)] = &[\n");
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        // The contents themselves, not include_str! of an absolute path: the compiled crate must
        // not depend on files of whichever checkout last ran this script.
        let contents = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("reading {}: {e}", f.display()));
        code.push_str(&format!("    ({rel:?}, {contents:?}),\n"));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("builtin_policies.rs");
    std::fs::write(out, code).unwrap();
}
