//! `scimtest lint`: load every suite, report every problem, send nothing.

use super::LintArgs;
use crate::load;
use std::process::ExitCode;

pub fn main(args: LintArgs) -> ExitCode {
    let schemas = match super::run::schema_store(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Without paths, lint checks the built-in suites; with paths, only those files.
    match load::load_suites(&args.paths, args.paths.is_empty(), &schemas.names()) {
        Ok(suites) => {
            let cases: usize = suites.iter().map(|s| s.cases.len()).sum();
            super::say!(
                "{} suite files, {cases} cases: no problems found",
                suites.len()
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            let n: usize = errors.iter().map(|e| e.diagnostics.len()).sum();
            for e in &errors {
                eprint!("{}", e.render());
                eprintln!();
            }
            eprintln!("{n} problems in {} files", errors.len());
            ExitCode::from(2)
        }
    }
}
