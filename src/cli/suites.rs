//! `scimtest suites list | export DIR`: the suites built into the binary.

use super::SuitesCommand;
use crate::{builtin, load};
use std::process::ExitCode;

pub fn main(cmd: SuitesCommand) -> ExitCode {
    match cmd {
        SuitesCommand::List => list(),
        SuitesCommand::Export { dir, force } => match builtin::export(&dir, force) {
            Ok(written) => {
                super::say!(
                    "wrote {} files under {}; run them with `scimtest run --suite {}`: a suite \
                     named like a built-in one replaces it",
                    written.len(),
                    dir.display(),
                    dir.join("suites").display()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
    }
}

fn list() -> ExitCode {
    let schemas = match crate::schema_store::SchemaStore::builtin_with(None) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match load::load_builtin(&schemas.names()) {
        Ok(suites) => {
            for s in suites {
                super::say!("{} ({}, {} cases)", s.name, s.file.display(), s.cases.len());
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{}", e.render());
            }
            ExitCode::from(2)
        }
    }
}
