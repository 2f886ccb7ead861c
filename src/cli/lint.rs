//! `scimtest lint`: load every suite, report every problem, send nothing.

use super::LintArgs;
use super::error::{Error, Exit};
use crate::load;
use crate::words::count;

pub(super) fn main(args: LintArgs) -> Result<Exit, Error> {
    let schemas = super::run::schema_store(&args.paths).map_err(Error::Input)?;
    // Without paths, lint checks the built-in suites; with paths, only those files.
    let suites = load::load_suites(&args.paths, args.paths.is_empty(), &schemas.names()).map_err(
        |errors| {
            let n: usize = errors.iter().map(|e| e.diagnostics.len()).sum();
            Error::Suites {
                rendered: errors.iter().map(|e| e.render()).collect(),
                summary: format!("{} in {}", count(n, "problem"), count(errors.len(), "file")),
            }
        },
    )?;
    let cases: usize = suites.iter().map(|s| s.cases.len()).sum();
    super::say!(
        "{}, {}: no problems found",
        count(suites.len(), "suite file"),
        count(cases, "case")
    );
    Ok(Exit::Passed)
}
