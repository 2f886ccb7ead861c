//! From the parsed command line to an exit code: the command runs, its error is printed.

use super::args::{Cli, Command};
use super::error::{self, Error};
use super::{cycle, lint, run, serve, suites, sweep};
use clap::Parser as _;
use std::process::ExitCode;

/// `println!` that never panics: once stdout is closed (`scimtest … | head`) output is
/// dropped and the command goes on, so a run still cleans up and writes its reports.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}
pub(crate) use say;

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    error::finish(match cli.command {
        Some(Command::Run(args)) => run::main(*args),
        None => run::main(cli.run),
        Some(Command::Serve(args)) => serve::main(args),
        Some(Command::Lint(args)) => lint::main(args),
        Some(Command::Cycle(args)) => cycle::main(*args),
        Some(Command::Sweep(args)) => sweep::main(*args),
        Some(Command::Suites(cmd)) => suites::main(cmd),
    })
}

/// Builds the tokio runtime explicitly: libtest-mimic may run a trial on the main thread,
/// so the runtime must be entered by handle, not by `#[tokio::main]`.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Environment(format!("cannot start the async runtime: {e}")))
}
