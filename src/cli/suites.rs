//! `scimtest suites list | export DIR`: the suites built into the binary.

use super::SuitesCommand;
use super::error::{Error, Exit};
use crate::{builtin, load};

pub(super) fn main(cmd: SuitesCommand) -> Result<Exit, Error> {
    match cmd {
        SuitesCommand::List => list(),
        SuitesCommand::Export { dir, force } => {
            let written = builtin::export(&dir, force).map_err(Error::Usage)?;
            super::say!(
                "wrote {} under {}; run them with `scimtest run --suite {}`: a suite \
                 named like a built-in one replaces it",
                crate::words::count(written.len(), "file"),
                dir.display(),
                dir.join("suites").display()
            );
            Ok(Exit::Passed)
        }
    }
}

fn list() -> Result<Exit, Error> {
    let schemas = crate::schema_store::SchemaStore::builtin_with(None).map_err(Error::Input)?;
    let suites = load::load_builtin(&schemas.names()).map_err(|errors| Error::Suites {
        rendered: errors.iter().map(|e| e.render()).collect(),
        summary: "the built-in suites do not load".into(),
    })?;
    for s in suites {
        super::say!(
            "{} ({}, {})",
            s.name,
            s.file.display(),
            crate::words::count(s.cases.len(), "case")
        );
    }
    Ok(Exit::Passed)
}
