//! Where `body_file` paths resolve: the suite's own `fixtures/` folder first (the nearest one
//! at or above the suite file), then the fixtures built into the binary. A path must stay inside
//! the fixtures folder: absolute paths, `..` and symbolic links pointing out are refused, so a
//! suite cannot make scimtest read (and send) an arbitrary file.

use crate::builtin;
use std::path::{Component, Path, PathBuf};

/// The fixture folders a suite file sees.
#[derive(Debug, Clone, Default)]
pub struct Fixtures {
    /// The suite's own `fixtures/` folder on disk, if it has one.
    pub disk: Option<PathBuf>,
}

/// Why a fixture could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixtureError {
    /// The path leaves the fixtures folder.
    Outside(String),
    /// No such fixture on disk nor built in.
    Missing(String),
    /// The file exists but cannot be read.
    Unreadable(String),
}

impl std::fmt::Display for FixtureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FixtureError::Outside(m) | FixtureError::Missing(m) | FixtureError::Unreadable(m) => {
                f.write_str(m)
            }
        }
    }
}

/// Whether `rel` is a plain relative path: no root, no `..`, no drive prefix.
fn contained(rel: &str) -> bool {
    let p = Path::new(rel);
    !rel.is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

impl Fixtures {
    /// Fixtures for a suite file on disk: its nearest `fixtures/` folder, then the built-in ones.
    pub(crate) fn for_file(file: &Path) -> Self {
        Fixtures {
            disk: super::fixtures_root(file),
        }
    }

    /// Reads fixture `rel`: returns the name to show for it and its text.
    pub fn read(&self, rel: &str) -> Result<(PathBuf, String), FixtureError> {
        if !contained(rel) {
            return Err(FixtureError::Outside(format!(
                "`{rel}` leaves the fixtures folder: body_file paths are relative to `fixtures/` and may not use `..` or start with `/`"
            )));
        }
        if let Some(root) = &self.disk {
            let path = root.join(rel);
            if path.exists() {
                // A symbolic link may still point outside: compare the resolved paths.
                let inside = match (root.canonicalize(), path.canonicalize()) {
                    (Ok(r), Ok(p)) => p.starts_with(r),
                    _ => false,
                };
                if !inside {
                    return Err(FixtureError::Outside(format!(
                        "`{}` resolves outside the fixtures folder {}",
                        path.display(),
                        root.display()
                    )));
                }
                return std::fs::read_to_string(&path)
                    .map(|t| (path.clone(), t))
                    .map_err(|e| {
                        FixtureError::Unreadable(format!("cannot read `{}`: {e}", path.display()))
                    });
            }
        }
        match builtin::fixture(rel) {
            Some(text) => Ok((
                builtin::display_path(&format!("fixtures/{rel}")),
                text.to_string(),
            )),
            None => Err(FixtureError::Missing(match &self.disk {
                Some(root) => format!(
                    "no fixture `{rel}`: not in {} and not built in",
                    root.display()
                ),
                None => format!(
                    "no fixture `{rel}`: no `fixtures/` folder next to the suite and none built in"
                ),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_must_stay_inside() {
        assert!(contained("entra/entra/users/create.json"));
        assert!(contained("./a.json"));
        assert!(!contained("../secret.json"));
        assert!(!contained("a/../../b"));
        assert!(!contained("/etc/passwd"));
        assert!(!contained(""));
        let f = Fixtures::default();
        assert!(matches!(
            f.read("../../etc/passwd"),
            Err(FixtureError::Outside(_))
        ));
        assert!(matches!(f.read("nope.json"), Err(FixtureError::Missing(_))));
        let (shown, text) = f.read("entra/entra/users/create.json").unwrap();
        assert!(shown.starts_with(builtin::PREFIX) && text.contains("userName"));
    }
}
