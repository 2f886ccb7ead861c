//! The command line: `scimtest [run] | serve | lint | cycle | sweep | suites`. The grammar is in
//! `args`, the dispatch and the exit code in `dispatch`, each command in its own file.

// The one place that prints: results reach the user through here and nowhere else.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod config;
mod cycle;
mod dispatch;
mod error;
mod lint;
mod mapping;
mod run;
mod serve;
mod suites;
mod sweep;
mod target;

pub(crate) use args::{
    ConnectionArgs, CycleArgs, LintArgs, RunArgs, ServeArgs, SuitesCommand, SweepArgs,
};
pub use dispatch::main;
use dispatch::{runtime, say};
pub use error::{Error, Exit};
