//! The suites, fixtures and JSON Schemas compiled into the binary (by `build.rs`), so that
//! `scimtest` runs its whole job from any folder. Paths are relative to the crate root and use
//! `/`: `suites/entra/users.yaml`, `fixtures/entra/entra/users/create.json`,
//! `fixtures/schemas/User.json`.

use std::path::{Path, PathBuf};

/// Every built-in file, sorted by path.
static FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_files.rs"));

/// How built-in suite files are named in diagnostics and reports: not a path on disk.
pub(crate) const PREFIX: &str = "<built-in>";

/// Every built-in file as (relative path, text).
pub(crate) fn files() -> impl Iterator<Item = (&'static str, &'static str)> {
    FILES.iter().copied()
}

/// The built-in suite files (`suites/**/*.yaml`) as (relative path, text).
pub(crate) fn suites() -> impl Iterator<Item = (&'static str, &'static str)> {
    files()
        .filter(|(p, _)| p.starts_with("suites/") && (p.ends_with(".yaml") || p.ends_with(".yml")))
}

/// A built-in fixture by its path relative to `fixtures/`.
pub(crate) fn fixture(rel: &str) -> Option<&'static str> {
    let rel = rel.trim_start_matches("./");
    files()
        .find(|(p, _)| p.strip_prefix("fixtures/") == Some(rel))
        .map(|(_, t)| t)
}

/// The built-in JSON Schemas (`fixtures/schemas/*.json`) as (name, text).
pub(crate) fn schemas() -> impl Iterator<Item = (&'static str, &'static str)> {
    files().filter_map(|(p, t)| {
        let name = p.strip_prefix("fixtures/schemas/")?.strip_suffix(".json")?;
        (!name.contains('/')).then_some((name, t))
    })
}

/// The name a built-in suite file carries in diagnostics and reports.
pub(crate) fn display_path(rel: &str) -> PathBuf {
    Path::new(PREFIX).join(rel)
}

/// Whether `path` names a built-in file (see [`display_path`]).
pub(crate) fn is_builtin(path: &Path) -> bool {
    path.starts_with(PREFIX)
}

/// Writes every built-in suite and fixture under `dir` (`dir/suites/…`, `dir/fixtures/…`), as a
/// starting point for a customised copy. Existing files are left alone unless `force`; the
/// paths written are returned.
pub(crate) fn export(dir: &Path, force: bool) -> Result<Vec<PathBuf>, String> {
    let mut clashes = Vec::new();
    for (rel, _) in files() {
        let target = dir.join(rel);
        if target.exists() && !force {
            clashes.push(target.display().to_string());
        }
    }
    if !clashes.is_empty() {
        return Err(format!(
            "{} already {} (first: {}); nothing was written. Add --force to overwrite them",
            crate::words::count(clashes.len(), "file"),
            if clashes.len() == 1 {
                "exists"
            } else {
                "exist"
            },
            clashes[0]
        ));
    }
    let mut written = Vec::new();
    for (rel, text) in files() {
        let target = dir.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&target, text)
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        written.push(target);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_fixtures_and_schemas_are_built_in() {
        assert!(suites().any(|(p, _)| p == "suites/entra/users.yaml"));
        assert!(fixture("entra/entra/users/create.json").is_some());
        assert!(fixture("schemas/User.json").is_some());
        assert!(fixture("nope.json").is_none());
        let names: Vec<&str> = schemas().map(|(n, _)| n).collect();
        assert!(
            names.contains(&"User") && names.contains(&"Error"),
            "{names:?}"
        );
        assert!(is_builtin(&display_path("suites/entra/users.yaml")));
        assert!(!is_builtin(Path::new("suites/entra/users.yaml")));
    }
}
