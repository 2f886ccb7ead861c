//! Finding suite files, reading them and loading each into a `Suite`, or positioned
//! diagnostics: the built-in suites, the user's folders, and text already in memory.

use super::{Fixtures, LowerContext, lower, raw};
use crate::builtin;
use crate::diagnostic::{Diagnostic, suggestion};
use crate::model::Suite;
use std::path::{Path, PathBuf};

/// Most diagnostics rendered for one file: thousands of the same mistake would bury the first.
const MAX_SHOWN: usize = 50;

/// Problems found in one file, with its text so they can be rendered with context.
#[derive(Debug, Clone)]
pub struct FileErrors {
    /// The file.
    pub file: PathBuf,
    /// Its text (when it could be read).
    pub source: Option<String>,
    /// What is wrong.
    pub diagnostics: Vec<Diagnostic>,
}

impl FileErrors {
    /// Renders the first [`MAX_SHOWN`] diagnostics, and counts the rest.
    pub fn render(&self) -> String {
        let mut shown = self
            .diagnostics
            .iter()
            .take(MAX_SHOWN)
            .map(|d| {
                // A diagnostic may point into a fixture file rather than the suite.
                let source = if d.file == self.file {
                    self.source.clone()
                } else {
                    source_text(&d.file)
                };
                d.render(source.as_deref())
            })
            .collect::<Vec<_>>()
            .join("\n");
        if self.diagnostics.len() > MAX_SHOWN {
            shown.push_str(&format!(
                "\n… and {} more problems in {}\n",
                self.diagnostics.len() - MAX_SHOWN,
                self.file.display()
            ));
        }
        shown
    }
}

/// The text of a file named in a diagnostic: built in, or read from disk.
pub(crate) fn source_text(path: &Path) -> Option<String> {
    if builtin::is_builtin(path) {
        let rel = path.strip_prefix(builtin::PREFIX).ok()?;
        let rel = rel.to_string_lossy().replace('\\', "/");
        return builtin::files()
            .find(|(p, _)| *p == rel)
            .map(|(_, t)| t.to_string());
    }
    std::fs::read_to_string(path).ok()
}

/// The nearest `fixtures/` folder at or above the suite file's folder.
pub(crate) fn fixtures_root(file: &Path) -> Option<PathBuf> {
    let start = file.parent()?;
    let start = if start.as_os_str().is_empty() {
        Path::new(".")
    } else {
        start
    };
    start
        .ancestors()
        .map(|dir| dir.join("fixtures"))
        .find(|f| f.is_dir())
}

/// The largest suite file read (bytes): the built-in suites are each under 64 KiB, and
/// loading costs many times a file's size in memory.
pub(crate) const MAX_SUITE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads at most [`MAX_SUITE_BYTES`] of `file`; a larger file is an error, never read whole.
fn read_bounded(file: &Path) -> Result<String, Diagnostic> {
    use std::io::Read as _;
    let fail = |m: String| Diagnostic::new(file, 1, 1, m);
    let f =
        std::fs::File::open(file).map_err(|e| fail(format!("cannot read the suite file: {e}")))?;
    let mut text = String::new();
    f.take(MAX_SUITE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| fail(format!("cannot read the suite file: {e}")))?;
    if text.len() as u64 > MAX_SUITE_BYTES {
        return Err(fail(format!(
            "the suite file is larger than the {} MiB scimtest reads",
            MAX_SUITE_BYTES / (1024 * 1024)
        ))
        .hint("split it into several suite files in one folder"));
    }
    Ok(text)
}

/// The most suite text one run reads, all files together: loading costs many times a file's
/// size in memory (about 28 times, measured), so this keeps a whole folder under half a GiB.
pub(crate) const MAX_TOTAL_SUITE_BYTES: u64 = 16 * 1024 * 1024;

/// The most suite files one run reads.
pub(crate) const MAX_SUITE_FILES: usize = 1000;

/// Refuses a set of suite files too large to load together, before any is read: the file at
/// which the total passes [`MAX_TOTAL_SUITE_BYTES`], or the count past [`MAX_SUITE_FILES`].
fn within_total(files: &[PathBuf]) -> Result<(), FileErrors> {
    let refuse = |file: &Path, message: String| FileErrors {
        file: file.to_path_buf(),
        source: None,
        diagnostics: vec![
            Diagnostic::new(file, 1, 1, message)
                .hint("give --suite the folder or files this run needs, not a larger tree"),
        ],
    };
    if files.len() > MAX_SUITE_FILES {
        return Err(refuse(
            &files[MAX_SUITE_FILES],
            format!(
                "{} suite files found; scimtest reads at most {MAX_SUITE_FILES} in one run",
                files.len()
            ),
        ));
    }
    let mut total = 0u64;
    for f in files {
        total += std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        if total > MAX_TOTAL_SUITE_BYTES {
            return Err(refuse(
                f,
                format!(
                    "the suite files up to this one hold more than the {} MiB scimtest reads in one run",
                    MAX_TOTAL_SUITE_BYTES / (1024 * 1024)
                ),
            ));
        }
    }
    Ok(())
}

/// Parses and lowers one suite file.
pub fn load_file(file: &Path, schemas: &[String]) -> Result<Suite, FileErrors> {
    match read_bounded(file) {
        Ok(text) => load_text(file, text, schemas),
        Err(d) => Err(FileErrors {
            file: file.to_path_buf(),
            source: None,
            diagnostics: vec![d],
        }),
    }
}

/// Parses and lowers suite text as if it were the content of `file` (on disk: its nearest
/// `fixtures/` folder is used, then the built-in fixtures).
pub fn load_text(file: &Path, text: String, schemas: &[String]) -> Result<Suite, FileErrors> {
    load_with(file, text, schemas, Fixtures::for_file(file))
}

/// Loads the suites built into the binary (they see only the built-in fixtures).
pub(crate) fn load_builtin(schemas: &[String]) -> Result<Vec<Suite>, Vec<FileErrors>> {
    let mut suites = Vec::new();
    let mut errors = Vec::new();
    for (rel, text) in builtin::suites() {
        let file = builtin::display_path(rel);
        match load_with(&file, text.to_string(), schemas, Fixtures::default()) {
            Ok(s) => suites.push(s),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(suites)
    } else {
        Err(errors)
    }
}

fn load_with(
    file: &Path,
    text: String,
    schemas: &[String],
    fixtures: Fixtures,
) -> Result<Suite, FileErrors> {
    let fail = |source: Option<String>, diagnostics: Vec<Diagnostic>| FileErrors {
        file: file.to_path_buf(),
        source,
        diagnostics,
    };
    let raw: raw::RawSuite = match serde_saphyr::from_str(&text) {
        Ok(r) => r,
        Err(e) => return Err(fail(Some(text.clone()), vec![yaml_diagnostic(file, &e)])),
    };
    let cx = LowerContext {
        file,
        schemas,
        fixtures,
        source: &text,
    };
    lower::lower(raw, &cx).map_err(|d| fail(Some(text), d))
}

fn yaml_diagnostic(file: &Path, e: &serde_saphyr::Error) -> Diagnostic {
    let e = e.without_snippet();
    let (line, col) = e
        .location()
        .map(|l| (l.line() as u32, l.column() as u32))
        .unwrap_or((0, 0));
    match e {
        serde_saphyr::Error::SerdeUnknownField {
            field, expected, ..
        } => Diagnostic::new(file, line, col, format!("unknown key `{field}`"))
            .hint(suggestion(field, expected.iter().copied())),
        serde_saphyr::Error::SerdeMissingField { field, .. } => {
            Diagnostic::new(file, line, col, format!("missing key `{field}`"))
        }
        other => {
            let text = other.to_string();
            // The crate appends its own position; ours is printed by the renderer.
            let text = match text.find(" at line ") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            Diagnostic::new(file, line, col, text)
                .hint("check the YAML syntax and the suite format in suites/README.md")
        }
    }
}

/// Every suite file under `paths` (files as given, folders searched for `*.yaml`/`*.yml`),
/// sorted, so runs and reports are in a stable order.
fn suite_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(format!("suite path {} does not exist", p.display()));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads every suite under `paths`; errors of all files are returned together.
pub fn load_all(paths: &[PathBuf], schemas: &[String]) -> Result<Vec<Suite>, Vec<FileErrors>> {
    let files = match suite_files(paths) {
        Ok(f) => f,
        Err(e) => {
            return Err(vec![FileErrors {
                file: paths.first().cloned().unwrap_or_default(),
                source: None,
                diagnostics: vec![Diagnostic::new(
                    paths.first().map_or(Path::new("."), |p| p.as_path()),
                    0,
                    0,
                    e,
                )],
            }]);
        }
    };
    if files.is_empty() {
        let first = paths.first().cloned().unwrap_or_default();
        return Err(vec![FileErrors {
            file: first.clone(),
            source: None,
            diagnostics: vec![
                Diagnostic::new(&first, 0, 0, "no suite files (*.yaml, *.yml) found here")
                    .hint("give --suite a suite file or a folder holding them"),
            ],
        }]);
    }
    if let Err(e) = within_total(&files) {
        return Err(vec![e]);
    }
    let mut suites = Vec::new();
    let mut errors = Vec::new();
    for f in files {
        match load_file(&f, schemas) {
            Ok(s) => suites.push(s),
            Err(e) => errors.push(e),
        }
    }
    let mut names: Vec<(&str, &Path)> = Vec::new();
    let mut dup = Vec::new();
    for s in &suites {
        if let Some((_, other)) = names.iter().find(|(n, _)| *n == s.name) {
            dup.push(FileErrors {
                file: s.file.clone(),
                source: None,
                diagnostics: vec![Diagnostic::new(
                    &s.file,
                    0,
                    0,
                    format!(
                        "suite name `{}` is also used by {}",
                        s.name,
                        other.display()
                    ),
                )],
            });
        }
        names.push((&s.name, &s.file));
    }
    errors.extend(dup);
    if errors.is_empty() {
        Ok(suites)
    } else {
        Err(errors)
    }
}

/// The suites a run or a lint sees: the built-in ones (unless `builtin` is false), then those
/// under `paths`. A suite on disk named like a built-in one replaces it, so an exported and
/// customised copy (`scimtest suites export`) takes the built-in suite's place.
pub(crate) fn load_suites(
    paths: &[PathBuf],
    builtin: bool,
    schemas: &[String],
) -> Result<Vec<Suite>, Vec<FileErrors>> {
    let mine = if paths.is_empty() {
        Vec::new()
    } else {
        load_all(paths, schemas)?
    };
    let mut suites = if builtin {
        load_builtin(schemas)?
    } else {
        Vec::new()
    };
    suites.retain(|b| !mine.iter().any(|m| m.name == b.name));
    suites.extend(mine);
    if suites.is_empty() {
        return Err(vec![FileErrors {
            file: PathBuf::from("--suite"),
            source: None,
            diagnostics: vec![
                Diagnostic::new(Path::new("--suite"), 0, 0, "no suite to run")
                    .hint("give --suite a suite file or folder, or drop --no-builtin"),
            ],
        }]);
    }
    Ok(suites)
}

/// The `fixtures/schemas` folder of the first suite path that has one: a user's own schemas,
/// added to (or replacing) the built-in ones.
pub(crate) fn user_schema_dir(paths: &[PathBuf]) -> Option<PathBuf> {
    paths.iter().find_map(|p| {
        let probe = if p.is_dir() { p.join("_") } else { p.clone() };
        fixtures_root(&probe)
            .map(|f| f.join("schemas"))
            .filter(|s| s.is_dir())
    })
}
