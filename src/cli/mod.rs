//! The command line: `scimtest [run] | serve | lint`. Parsing here; each command in its file.

mod lint;
mod run;
mod serve;
mod sweep;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub use run::{RunOutcome, execute as execute_run};

const EXAMPLES: &str = "\
Examples:
  scimtest                                   run every suite against the built-in reference server
  scimtest run --target https://api.example.com/scim/v2 --token \"$SCIM_TOKEN\"
  SCIM_BASE_URL=http://localhost:8080/scim SCIM_TOKEN=… scimtest run entra-users::
  scimtest run --profile entra-flag disable_user --test-threads 4
  scimtest run --list
  scimtest serve --addr 127.0.0.1:8080 --token dev --defect empty-query-404
  scimtest lint suites/
  scimtest sweep --target https://api.example.com/scim/v2 --run-id 1a2b3c4d --yes

Exit codes: 0 every required case passed; 1 a required case failed or errored;
2 nothing could run (bad arguments, invalid suite file, target unreachable).";

/// SCIM 2.0 conformance harness: replays Microsoft Entra ID provisioning traffic against a
/// SCIM endpoint and reports in JUnit.
#[derive(Debug, Parser)]
#[command(name = "scimtest", version, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run suites against a target (the default command).
    #[command(after_help = EXAMPLES)]
    Run(RunArgs),
    /// Run the reference SCIM server.
    Serve(ServeArgs),
    /// Check suite files without sending anything.
    Lint(LintArgs),
    /// List (and with --yes delete) resources earlier runs left on a target.
    Sweep(SweepArgs),
}

/// Options of `scimtest run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Base URL of the SCIM endpoint (the Tenant URL you give Entra). Without it, the built-in
    /// reference server is started on 127.0.0.1 and tested.
    #[arg(long, env = "SCIM_BASE_URL", value_name = "URL")]
    pub target: Option<String>,
    /// Bearer token for the target. Prefer the SCIM_TOKEN variable: a command line is visible
    /// to other users of the machine.
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Suite file or folder (repeatable).
    #[arg(long = "suite", value_name = "PATH", default_value = "suites")]
    pub suites: Vec<PathBuf>,
    /// Only these client profiles: entra, entra-flag, validator (repeatable).
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Where reports are written.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub report_dir: PathBuf,
    /// Per-request timeout in seconds (connect: at most 10).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
    /// Longest one case may run, in seconds; its cleanup still runs afterwards.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub case_timeout: u64,
    /// Switch on a reference-server defect (only without --target; for self-tests and demos).
    #[arg(long = "defect", value_name = "NAME")]
    pub defects: Vec<String>,
    /// Run only cases whose name contains FILTER (as in `cargo test`).
    #[arg(value_name = "FILTER")]
    pub filter: Option<String>,
    /// FILTER must match a case name exactly.
    #[arg(long)]
    pub exact: bool,
    /// Skip cases whose name contains this (repeatable).
    #[arg(long, value_name = "FILTER")]
    pub skip: Vec<String>,
    /// List the cases instead of running them.
    #[arg(long)]
    pub list: bool,
    /// Number of cases run in parallel (default: one per CPU).
    #[arg(long, value_name = "N")]
    pub test_threads: Option<usize>,
    /// One character per case instead of one line.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Options of `scimtest serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Path prefix of every endpoint.
    #[arg(long, default_value = "/scim/v2")]
    pub base_path: String,
    /// Bearer token clients must send (generated and printed when absent).
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Switch on a named defect (repeatable); see --list-defects.
    #[arg(long = "defect", value_name = "NAME")]
    pub defects: Vec<String>,
    /// Answer every Nth request with 429 and `Retry-After: 1`, to rehearse throttling.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub throttle_every: u64,
    /// List the defect catalogue and exit.
    #[arg(long)]
    pub list_defects: bool,
}

/// Options of `scimtest sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Base URL of the SCIM endpoint.
    #[arg(long, env = "SCIM_BASE_URL", value_name = "URL")]
    pub target: String,
    /// Bearer token (prefer the SCIM_TOKEN variable).
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Only resources of this run (`scimtest-<run id>-…`); default: of every run.
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    /// Delete what was found (without it, sweep only lists).
    #[arg(long)]
    pub yes: bool,
    /// Per-request timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
}

/// Options of `scimtest lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Suite files or folders.
    #[arg(value_name = "PATH", default_value = "suites")]
    pub paths: Vec<PathBuf>,
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Run(args)) => run::main(args),
        None => run::main(cli.run),
        Some(Command::Serve(args)) => serve::main(args),
        Some(Command::Lint(args)) => lint::main(args),
        Some(Command::Sweep(args)) => sweep::main(args),
    }
}

/// Builds the tokio runtime explicitly: libtest-mimic may run a trial on the main thread,
/// so the runtime must be entered by handle, not by `#[tokio::main]`.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}
