//! The command line's grammar: every command and option, parsed by clap.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  scimtest                                   run every suite against the built-in reference server
  export SCIM_TOKEN=…                        secrets come from the environment, not the command line
  scimtest run --target https://api.example.com/scim/v2
  SCIM_BASE_URL=http://localhost:8080/scim SCIM_TOKEN=… scimtest run entra-users::
  scimtest run --profile entra-flag disable_user --test-threads 4
  scimtest run --list
  scimtest serve --addr 127.0.0.1:8080 --token dev --defect empty-query-404
  scimtest run --suite my-suites/              the built-in suites plus your own
  scimtest suites export my-suites/            a copy of the built-in suites to customise
  scimtest lint my-suites/
  scimtest sweep --target https://api.example.com/scim/v2 --run-id 1a2b3c4d --yes

Exit codes: 0 every required case passed; 1 a required case failed or errored;
2 nothing could run (bad arguments, invalid suite file, a filter matching no case, or the
preflight found the URL, TLS or credentials wrong).";

/// SCIM 2.0 conformance harness: replays Microsoft Entra ID provisioning traffic against a
/// SCIM endpoint and reports in JUnit.
#[derive(Debug, Parser)]
#[command(name = "scimtest", version, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Option<Command>,
    #[command(flatten)]
    pub(super) run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub(super) enum Command {
    /// Run suites against a target (the default command).
    #[command(after_help = EXAMPLES)]
    Run(Box<RunArgs>),
    /// Run the reference SCIM server.
    Serve(ServeArgs),
    /// Check suite files without sending anything.
    Lint(LintArgs),
    /// Rehearse Entra's provisioning cycles at tenant scale, with the provisioning log.
    Cycle(Box<CycleArgs>),
    /// List (and with --yes delete) resources earlier runs left on a target.
    Sweep(Box<SweepArgs>),
    /// The built-in suites: list them, or export them as a starting point for your own.
    #[command(subcommand)]
    Suites(SuitesCommand),
}

/// `scimtest suites …`.
#[derive(Debug, Subcommand)]
pub(crate) enum SuitesCommand {
    /// List the built-in suite files and their cases.
    List,
    /// Write the built-in suites and fixtures to DIR (`DIR/suites/…`, `DIR/fixtures/…`).
    Export {
        /// The folder to write into (created if missing).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Overwrite files that already exist.
        #[arg(long)]
        force: bool,
    },
}

/// Options of `scimtest run`.
#[derive(Debug, Clone, Args)]
pub(crate) struct RunArgs {
    /// Base URL of the SCIM endpoint (the Tenant URL you give Entra). Without it, the built-in
    /// reference server is started on 127.0.0.1 and tested.
    #[arg(long, env = "SCIM_BASE_URL", value_name = "URL")]
    pub target: Option<String>,
    /// How to reach and authenticate to the target.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Settings file (default: `scimtest.toml` in the current folder, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Your own suite file or folder (repeatable), run with the built-in suites; a suite named
    /// like a built-in one replaces it.
    #[arg(long = "suite", value_name = "PATH")]
    pub suites: Vec<PathBuf>,
    /// Run only the suites given with --suite, not the built-in ones.
    #[arg(long)]
    pub no_builtin: bool,
    /// Only these client profiles (repeatable).
    #[arg(long = "profile", value_name = "NAME", value_parser = profile_names())]
    pub profiles: Vec<String>,
    /// Where reports are written (default `reports`).
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Leave a failing case's resources on the target for inspection instead of deleting
    /// them; the summary lists them and the command that removes them.
    #[arg(long)]
    pub keep_on_failure: bool,
    /// Skip the preflight probe (Entra's Test Connection query) that stops the run with one
    /// line when the URL, TLS or credentials are wrong.
    #[arg(long)]
    pub no_preflight: bool,
    /// In junit.xml, write every failed case as <failure>. By default only what fails the run
    /// (a required case, not baselined) is one; other failures are <skipped> with the reason,
    /// so CI dashboards agree with the exit code.
    #[arg(long)]
    pub junit_all_failures: bool,
    /// Known failures (TOML): shown, but they do not fail the run; entries that now pass are
    /// reported as stale.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Longest one case may run, in seconds (default 300); its cleanup still runs afterwards.
    #[arg(long, value_name = "SECS")]
    pub case_timeout: Option<u64>,
    /// Switch on a reference-server defect (only without --target; for self-tests and demos).
    #[arg(long = "defect", value_name = "NAME")]
    pub defects: Vec<String>,
    /// Generate the `mapped` suite from the app's Entra synchronization schema (Graph
    /// `…/synchronization/jobs/{id}/schema`; docs/mapping.md).
    #[arg(long, value_name = "FILE")]
    pub entra_schema: Option<PathBuf>,
    /// Generate the `mapped` suite from the target's own `/Schemas`.
    #[arg(long, conflicts_with = "entra_schema")]
    pub discover: bool,
    /// The built-in reference server learns these RFC 7643 schemas (custom extensions).
    #[arg(long = "schema", value_name = "FILE")]
    pub server_schemas: Vec<PathBuf>,
    /// The app does not provision groups: cases that need `/Groups` are skipped.
    #[arg(long)]
    pub no_groups: bool,
    /// The app does not support the enterprise `manager`: manager cases are skipped.
    #[arg(long)]
    pub no_manager: bool,
    /// The app keeps deleted users (soft delete): cases expecting a deleted user gone are skipped.
    #[arg(long)]
    pub soft_delete: bool,
    /// Domain of generated userNames and emails (e.g. a verified domain your app requires).
    #[arg(long, value_name = "DOMAIN")]
    pub domain: Option<String>,
    /// Replace every case variable NAME with VALUE (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Run only cases whose name contains one of the FILTERs (as in `cargo test`). A filter
    /// that matches no case is an error.
    #[arg(value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Each FILTER must match a case name exactly.
    #[arg(long)]
    pub exact: bool,
    /// Skip cases whose name contains this (repeatable).
    #[arg(long, value_name = "FILTER")]
    pub skip: Vec<String>,
    /// List the cases instead of running them.
    #[arg(long)]
    pub list: bool,
    /// Number of cases run in parallel (default: one per CPU; at least 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub test_threads: Option<u16>,
    /// One character per case instead of one line.
    #[arg(long, short)]
    pub quiet: bool,
    /// After the run, print every failing case with its details (the failed check at its
    /// place in the suite file, Entra's consequence, a reproduction), not only the root causes.
    #[arg(long, short)]
    pub verbose: bool,
    /// The capabilities `[capabilities]` of the config file declared absent (not a flag), so
    /// that messages name what the user wrote.
    #[arg(skip)]
    pub config_absent: Vec<crate::model::Capability>,
}

/// Credentials, TLS and timeouts for talking to a target. Every secret can come from an
/// environment variable, so it never sits on a command line (visible to other users).
#[derive(Debug, Clone, Args)]
pub(crate) struct ConnectionArgs {
    /// Bearer token for the target.
    #[arg(long, env = "SCIM_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub token: Option<String>,
    /// How `--token` is sent: `bearer` (`Authorization: Bearer <token>`, the default) or
    /// `raw` (`Authorization: <token>`, the OIN Wizard's "Header" authentication).
    #[arg(long, env = "SCIM_TOKEN_SCHEME", value_name = "SCHEME", value_parser = ["bearer", "raw"])]
    pub token_scheme: Option<String>,
    /// HTTP Basic user name (instead of a bearer token).
    #[arg(long, env = "SCIM_BASIC_USER", value_name = "USER")]
    pub basic_user: Option<String>,
    /// HTTP Basic password.
    #[arg(
        long,
        env = "SCIM_BASIC_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub basic_password: Option<String>,
    /// OAuth 2.0 token endpoint: fetch bearer tokens with client credentials, as Entra does.
    #[arg(long, env = "SCIM_OAUTH_TOKEN_URL", value_name = "URL")]
    pub oauth_token_url: Option<String>,
    /// OAuth client id.
    #[arg(long, env = "SCIM_OAUTH_CLIENT_ID", value_name = "ID")]
    pub oauth_client_id: Option<String>,
    /// OAuth client secret.
    #[arg(
        long,
        env = "SCIM_OAUTH_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub oauth_client_secret: Option<String>,
    /// OAuth scope to request.
    #[arg(long, env = "SCIM_OAUTH_SCOPE", value_name = "SCOPE")]
    pub oauth_scope: Option<String>,
    /// How the client authenticates at the token endpoint: `basic` (client_secret_basic, the
    /// default) or `post` (client_secret_post).
    #[arg(long, value_name = "METHOD", value_parser = ["basic", "post"])]
    pub oauth_auth_method: Option<String>,
    /// Extra header on every request, `Name: value` (repeatable); values are masked in output.
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Also trust the CA certificates in this PEM file.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify TLS certificates (prints a warning; reports record it).
    #[arg(long)]
    pub insecure: bool,
    /// Per-request timeout in seconds (default 30; connect: at most 10).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
}

impl ConnectionArgs {
    /// Whether any credential or extra header (a possible secret) would be sent.
    pub(crate) fn has_credentials(&self) -> bool {
        let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
        given(&self.token)
            || given(&self.basic_user)
            || given(&self.oauth_token_url)
            || !self.headers.is_empty()
    }

    /// The credentials these arguments give: one kind at most.
    fn credentials(&self) -> Result<crate::run::Credentials, String> {
        use crate::run::{ClientAuthMethod, Credentials, OAuth};
        let given = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        let oauth = given(&self.oauth_token_url);
        let basic = given(&self.basic_user);
        let token = given(&self.token);
        let kinds = [oauth.is_some(), basic.is_some(), token.is_some()];
        if kinds.iter().filter(|k| **k).count() > 1 {
            return Err(
                "give one kind of credentials: --token, --basic-user or --oauth-token-url".into(),
            );
        }
        Ok(if let Some(token_url) = oauth {
            let method = match self.oauth_auth_method.as_deref().unwrap_or("basic") {
                "basic" => ClientAuthMethod::Basic,
                "post" => ClientAuthMethod::Post,
                other => {
                    return Err(format!(
                        "--oauth-auth-method `{other}`: use `basic` or `post`"
                    ));
                }
            };
            Credentials::OAuth(OAuth {
                token_url,
                client_id: given(&self.oauth_client_id)
                    .ok_or("--oauth-token-url needs --oauth-client-id")?,
                client_secret: given(&self.oauth_client_secret).ok_or(
                    "--oauth-token-url needs --oauth-client-secret (or SCIM_OAUTH_CLIENT_SECRET)",
                )?,
                scope: given(&self.oauth_scope),
                method,
            })
        } else if let Some(user) = basic {
            Credentials::Basic {
                user,
                password: given(&self.basic_password).unwrap_or_default(),
            }
        } else {
            match (token, self.token_scheme.as_deref()) {
                (Some(t), Some("raw")) => Credentials::Header(t),
                (None, Some("raw")) => return Err("--token-scheme raw needs --token".into()),
                (t, _) => t.map_or(Credentials::None, Credentials::Bearer),
            }
        })
    }

    /// The HTTP client options these arguments describe.
    pub(crate) fn client_options(&self) -> Result<crate::run::ClientOptions, String> {
        use crate::run::ClientOptions;
        let credentials = self.credentials()?;
        let mut headers = Vec::new();
        for (n, h) in self.headers.iter().enumerate() {
            // The value may be a secret: errors name the header, never repeat its value.
            let (name, value) = h.split_once(':').ok_or_else(|| {
                format!(
                    "header {} given with -H has no `:`; write `Name: value`",
                    n + 1
                )
            })?;
            let name = name.trim();
            if name.is_empty() {
                return Err(format!(
                    "header {} given with -H has no name; write `Name: value`",
                    n + 1
                ));
            }
            if name.eq_ignore_ascii_case("authorization") {
                return Err(
                    "-H Authorization: use --token, --basic-user or --oauth-token-url for credentials"
                        .into(),
                );
            }
            headers.push((name.to_string(), value.trim().to_string()));
        }
        let ca_cert_pem = match &self.ca_cert {
            Some(path) => Some(
                std::fs::read(path)
                    .map_err(|e| format!("cannot read --ca-cert {}: {e}", path.display()))?,
            ),
            None => None,
        };
        Ok(ClientOptions {
            credentials,
            timeout: std::time::Duration::from_secs(self.timeout.unwrap_or(30).max(1)),
            ca_cert_pem,
            insecure: self.insecure,
            headers,
        })
    }
}

/// Options of `scimtest serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
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
    /// Most users (and most groups) the server stores; further creates answer 507.
    #[arg(long, value_name = "N", default_value_t = 200_000)]
    pub max_resources: usize,
    /// Learn a schema file (RFC 7643 §7 Schema resources: one, a list, or a ListResponse):
    /// its extension attributes are then accepted, stored, published and filterable.
    #[arg(long = "schema", value_name = "FILE")]
    pub schemas: Vec<std::path::PathBuf>,
    /// List the defect catalogue and exit.
    #[arg(long)]
    pub list_defects: bool,
}

/// Options of `scimtest sweep`.
#[derive(Debug, Args)]
pub(crate) struct SweepArgs {
    /// Base URL of the SCIM endpoint.
    #[arg(long, env = "SCIM_BASE_URL", value_name = "URL")]
    pub target: String,
    /// How to reach and authenticate to the target.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Only resources of this run (`scimtest-<run id>-…`); default: of every run.
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    /// A run's `journal.jsonl` (in its report folder): sweep the resources it lists, by id and
    /// by name, even where the target's filters are unreliable.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Delete what was found (without it, sweep only lists).
    #[arg(long)]
    pub yes: bool,
}

/// Options of `scimtest cycle`.
#[derive(Debug, Args)]
pub(crate) struct CycleArgs {
    /// Base URL of the SCIM endpoint (default: the built-in reference server).
    #[arg(long, env = "SCIM_BASE_URL", value_name = "URL")]
    pub target: Option<String>,
    /// How to reach and authenticate to the target.
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Settings file (default: `scimtest.toml` in the current folder, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Users in the source directory.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub users: usize,
    /// Groups in the source directory (default 10; none when the mapping has no groups).
    #[arg(long = "groups", value_name = "M")]
    pub groups_given: Option<usize>,
    /// The groups the cycle creates: `--groups`, its default, or none for a mapping without
    /// groups (set when the settings are read).
    #[arg(skip = 10usize)]
    pub groups: usize,
    /// Members of each group.
    #[arg(long, value_name = "K", default_value_t = 10)]
    pub members_per_group: usize,
    /// Requests per second (default: as fast as the target answers; 25 rehearses the gallery's floor).
    #[arg(long, value_name = "R")]
    pub rate: Option<f64>,
    /// Requests in flight at most.
    #[arg(long, value_name = "C", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
    /// Client mode whose request shapes are sent.
    #[arg(long, value_name = "P", default_value = "entra", value_parser = ["entra", "entra-flag", "okta"])]
    pub profile: String,
    /// Incremental rounds after the initial cycle.
    #[arg(long, value_name = "ROUNDS", default_value_t = 1)]
    pub incremental: usize,
    /// The app's Entra synchronization schema: users also carry its own attributes (custom
    /// and enterprise), written on create and verified; without a group mapping, no groups.
    #[arg(long, value_name = "FILE")]
    pub entra_schema: Option<PathBuf>,
    /// Seed of the source directory and its changes (default: random, printed).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Report folder (default `reports/`).
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Leave what the cycles created on the target (the summary says how to remove it).
    #[arg(long)]
    pub keep: bool,
    /// Longest the cycles may take, in seconds: past it nothing new is sent, what was created
    /// is cleaned up (within 15 minutes more) and the rest is reported (default 4 hours).
    #[arg(long, value_name = "SECONDS", default_value_t = 14400)]
    pub deadline: u64,
    /// Switch on a reference-server defect (built-in server only; repeatable).
    #[arg(long = "defect", value_name = "NAME")]
    pub defects: Vec<String>,
    /// The built-in server answers every Nth request with 429 and `Retry-After: 1`.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub throttle_every: u64,
    /// The built-in server learns these RFC 7643 schemas (custom extensions).
    #[arg(long = "schema", value_name = "FILE")]
    pub server_schemas: Vec<PathBuf>,
    /// Deletes and disables one incremental cycle may send, as Entra's accidental-deletion
    /// prevention (default 500, Entra's); above it they are held (`StagedDelete`) and the job
    /// is quarantined. 0: no limit.
    #[arg(long, value_name = "N", default_value_t = 500)]
    pub deletion_threshold: usize,
    /// After the initial cycle and each incremental round, list every user as Entra's
    /// Account Discovery does (`GET /Users?startIndex=K&count=N`, no filter) and compare the
    /// listing with the source directory.
    #[arg(long)]
    pub account_discovery: bool,
    /// Users per Account Discovery page.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub page_size: u32,
}

/// Options of `scimtest lint`.
#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Suite files or folders (default: the built-in suites).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// The profile names `--profile` takes (config files give them as text and are checked where
/// they are merged).
fn profile_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(crate::model::Profile::ALL.iter().map(|p| p.name()))
}
