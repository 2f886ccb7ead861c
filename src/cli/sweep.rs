//! `scimtest sweep`: the command line around the client core's sweep (`client::sweep`), which
//! lists what runs may have left and deletes only what a journal signed here proves.

use super::SweepArgs;
use super::error::{Error, Exit};
use crate::client::sweep::{Said, SweepArgs as Plan, sweep};
use crate::run::Http;

/// Runs the command.
pub(super) fn main(args: SweepArgs) -> Result<Exit, Error> {
    if args
        .run_id
        .as_deref()
        .is_some_and(|id| id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(Error::Usage(
            "--run-id takes the 8 hex digits a run prints (`run id …`)".into(),
        ));
    }
    if args.yes && args.journal.is_none() {
        return Err(Error::Usage(
            "sweep deletes only what a run's journal proves it created: give --journal <report folder>/journal.jsonl (the run prints the whole command); without --yes it lists what is named `scimtest-…`".into(),
        ));
    }
    super::target::check(&args.target)?;
    let http = args
        .connection
        .client_options()
        .and_then(|o| Http::with_options(o).map_err(|e| e.to_string()))
        .map_err(Error::Usage)?;
    http.redactor().add_url_secrets(&args.target);
    if http.insecure {
        eprintln!("warning: --insecure: TLS certificates are not verified");
    }
    let rt = super::runtime()?;
    let plan = Plan {
        target: args.target.clone(),
        run_id: args.run_id.clone(),
        journal: args.journal.clone(),
        yes: args.yes,
    };
    let mut tell = |said: Said| match said {
        Said::Out(line) => super::say!("{line}"),
        Said::Err(line) => eprintln!("{line}"),
    };
    match rt.block_on(sweep(&plan, &http, &mut tell)) {
        Ok(clean) => Ok(Exit::failed_if(!clean)),
        Err(e) => Err(Error::Target(crate::report::terminal_safe(
            &http.redactor().redact(&e.to_string()),
        ))),
    }
}
