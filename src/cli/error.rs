//! The one error type of the commands, and the exit codes (README "Exit codes"): each
//! command returns `Result<Exit, Error>`, and only `cli::main` turns either into a code and
//! prints the error. No command calls `std::process::exit` except on a second interrupt
//! (`run::watch_signals`), where leaving at once is the point.

use std::process::ExitCode;

/// How a command that ran ended: the documented exit codes 0 and 1. Code 2 belongs to
/// [`Error`], code 130 to a second interrupt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every required case passed; every action of a cycle succeeded; the sweep found
    /// nothing it could not remove. Code 0.
    Passed,
    /// A required case failed or errored, or the run was interrupted; a cycle action failed
    /// or the target differs from the source; the sweep left something. Code 1.
    Failed,
}

impl Exit {
    /// The process exit code.
    pub const fn code(self) -> u8 {
        match self {
            Exit::Passed => 0,
            Exit::Failed => 1,
        }
    }

    /// `Failed` when `failed`.
    pub const fn failed_if(failed: bool) -> Exit {
        if failed { Exit::Failed } else { Exit::Passed }
    }
}

/// The exit code of every [`Error`]: nothing could run.
pub(super) const NOTHING_RAN: u8 = 2;

/// Why a command could not run at all (exit code 2). The variants say whose mistake it is,
/// which is what the user needs to know first.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An argument, a setting or the config file is wrong, or names nothing.
    #[error("{0}")]
    Usage(String),
    /// A file the command reads (schemas, a mapping, a baseline) cannot be used.
    #[error("{0}")]
    Input(String),
    /// Suite files with problems: each file's rendered diagnostics, then one summary line.
    #[error("{summary}")]
    Suites {
        /// `file:line:col` diagnostics, one rendered block per file.
        rendered: Vec<String>,
        /// The count of problems and what to do.
        summary: String,
    },
    /// The target is set up wrong or did not answer as needed (the preflight, `--discover`).
    #[error("{0}")]
    Target(String),
    /// This machine stopped the command: a runtime or listening socket that cannot start, a
    /// report folder that cannot be written.
    #[error("{0}")]
    Environment(String),
}

impl Error {
    /// The process exit code.
    pub const fn code(&self) -> u8 {
        NOTHING_RAN
    }

    /// What the user sees on stderr: any diagnostics, then `error: …`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Error::Suites { rendered, .. } = self {
            for r in rendered {
                out.push_str(r);
                out.push('\n');
            }
        }
        // Errors quote what servers answered (preflight, OAuth, discovery): shown, not obeyed.
        out.push_str(&format!(
            "error: {}\n",
            crate::report::terminal_safe(&self.to_string())
        ));
        out
    }
}

/// The exit code of a command's result, printing its error.
pub(super) fn finish(result: Result<Exit, Error>) -> ExitCode {
    match result {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) => {
            eprint!("{}", e.render());
            ExitCode::from(e.code())
        }
    }
}
