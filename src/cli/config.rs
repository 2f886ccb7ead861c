//! `scimtest.toml`: defaults for `scimtest run`, overridden by flags and by the `SCIM_*`
//! environment variables. Secrets are never written in the file: it names the environment
//! variables that hold them. Relative paths are relative to the file's folder.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Largest config file read (bytes).
const MAX_CONFIG: u64 = 1024 * 1024;

/// A TOML error as `file:line:col: message`, without the line itself (it may hold a secret
/// written where it should not be) and without any quoted value from the file.
fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> String {
    let at = e
        .span()
        .map(|s| {
            let before = text.get(..s.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!(":{line}:{col}")
        })
        .unwrap_or_default();
    let mut message = String::new();
    let mut quoted = false;
    for c in e.message().trim().chars() {
        if c == '"' {
            quoted = !quoted;
            message.push_str(if quoted { "\"…" } else { "\"" });
        } else if !quoted {
            message.push(c);
        }
    }
    format!("{}{at}: {message}", path.display())
}

/// Credentials, by environment variable name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuthConfig {
    /// Variable holding the bearer token.
    pub token_env: Option<String>,
    /// HTTP Basic user name.
    pub basic_user: Option<String>,
    /// Variable holding the Basic password.
    pub basic_password_env: Option<String>,
    /// OAuth token endpoint.
    pub oauth_token_url: Option<String>,
    /// OAuth client id.
    pub oauth_client_id: Option<String>,
    /// Variable holding the OAuth client secret.
    pub oauth_client_secret_env: Option<String>,
    /// OAuth scope.
    pub oauth_scope: Option<String>,
    /// `basic` or `post`.
    pub oauth_auth_method: Option<String>,
}

/// What the app supports (`[capabilities]`); an absent key means "supported".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CapabilitiesConfig {
    /// Groups are provisioned.
    pub groups: Option<bool>,
    /// The enterprise manager is supported.
    pub manager: Option<bool>,
    /// DELETE removes a user (false: the app soft-deletes).
    pub hard_delete: Option<bool>,
    /// Domain of generated userNames and emails.
    pub domain: Option<String>,
}

/// The file's settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// Target base URL.
    pub target: Option<String>,
    /// Suite files or folders.
    pub suites: Option<Vec<PathBuf>>,
    /// Profiles to run.
    pub profiles: Option<Vec<String>>,
    /// Report folder.
    pub report_dir: Option<PathBuf>,
    /// Baseline file of known failures.
    pub baseline: Option<PathBuf>,
    /// Per-request timeout, seconds.
    pub timeout: Option<u64>,
    /// Per-case limit, seconds.
    pub case_timeout: Option<u64>,
    /// Parallel cases.
    pub test_threads: Option<usize>,
    /// Extra headers, `Name: value` (put secrets in environment variables instead).
    pub headers: Option<Vec<String>>,
    /// Extra CA certificates (PEM).
    pub ca_cert: Option<PathBuf>,
    /// Skip TLS verification.
    pub insecure: Option<bool>,
    /// The app's Entra synchronization schema: generate the `mapped` suite from it.
    pub entra_schema: Option<PathBuf>,
    /// Generate the `mapped` suite from the target's `/Schemas`.
    pub discover: Option<bool>,
    /// RFC 7643 schemas the built-in reference server learns.
    pub schemas: Option<Vec<PathBuf>>,
    /// Credentials.
    #[serde(default)]
    pub auth: AuthConfig,
    /// What the app supports.
    #[serde(default)]
    pub capabilities: CapabilitiesConfig,
    /// Values that replace case variables of the same name.
    #[serde(default)]
    pub vars: std::collections::BTreeMap<String, toml::Value>,
    /// Whether the file was found in the current folder rather than named by `--config`.
    #[serde(skip)]
    pub found_here: bool,
}

impl Config {
    /// Reads `path`, resolving relative paths against its folder.
    pub(crate) fn load(path: &Path) -> Result<Config, String> {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size > MAX_CONFIG {
            return Err(format!(
                "{} is {size} bytes; a config file holds at most {MAX_CONFIG}",
                path.display()
            ));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut c: Config = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        c.suites.iter_mut().flatten().for_each(fix);
        c.report_dir.iter_mut().for_each(fix);
        c.baseline.iter_mut().for_each(fix);
        c.ca_cert.iter_mut().for_each(fix);
        c.entra_schema.iter_mut().for_each(fix);
        c.schemas.iter_mut().flatten().for_each(fix);
        Ok(c)
    }

    /// The explicit `--config` file, or `scimtest.toml` in the current folder if there is one.
    pub(crate) fn find(explicit: Option<&Path>) -> Result<Option<Config>, String> {
        match explicit {
            Some(p) => Config::load(p).map(Some),
            None if Path::new("scimtest.toml").is_file() => {
                let mut c = Config::load(Path::new("scimtest.toml"))?;
                c.found_here = true;
                Ok(Some(c))
            }
            None => Ok(None),
        }
    }
}

/// A target set by a `scimtest.toml` that was found in the current folder (not named by
/// `--config`), when credentials would go to it: confirmed at a terminal, refused otherwise.
/// A file in a folder one merely enters must not send a secret to a host the user did not
/// name.
pub(crate) fn confirm_found_target(target: &str, credentials: bool) -> Result<(), String> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    if !credentials {
        return Ok(());
    }
    let shown = crate::report::terminal_safe(&crate::redact::strip_url_secrets(target));
    let refusal = format!(
        "scimtest.toml in the current folder sets the target {shown}, and credentials would be sent to it; name the file (--config scimtest.toml) or the target (--target) to confirm"
    );
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Err(refusal);
    }
    eprint!(
        "scimtest.toml in this folder sets the target {shown}; send the credentials there? [y/N] "
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(refusal)
    }
}

fn env(name: &Option<String>) -> Result<Option<String>, String> {
    match name {
        Some(var) => match std::env::var(var) {
            Ok(v) => Ok(Some(v)),
            Err(_) => Err(format!(
                "scimtest.toml names the environment variable {var}, which is not set"
            )),
        },
        None => Ok(None),
    }
}

impl super::RunArgs {
    /// Fills every option not given on the command line (or by `SCIM_*` variables) from `c`.
    pub(crate) fn merge(&mut self, c: Config) -> Result<(), String> {
        self.target = self.target.take().or(c.target.clone());
        if self.suites.is_empty() {
            self.suites = c.suites.unwrap_or_default();
        }
        if self.profiles.is_empty() {
            self.profiles = c.profiles.unwrap_or_default();
        }
        self.report_dir = self.report_dir.take().or(c.report_dir);
        self.baseline = self.baseline.take().or(c.baseline);
        self.case_timeout = self.case_timeout.or(c.case_timeout);
        if c.test_threads == Some(0) {
            return Err("scimtest.toml: test_threads must be at least 1".into());
        }
        self.test_threads = self
            .test_threads
            .or(c.test_threads.map(|n| n.min(u16::MAX as usize) as u16));
        self.entra_schema = self.entra_schema.take().or(c.entra_schema);
        self.discover |= c.discover.unwrap_or(false) && self.entra_schema.is_none();
        if self.server_schemas.is_empty() {
            self.server_schemas = c.schemas.unwrap_or_default();
        }
        let caps = c.capabilities;
        use crate::model::Capability;
        for (flag, key, capability) in [
            (&mut self.no_groups, caps.groups, Capability::Groups),
            (&mut self.no_manager, caps.manager, Capability::Manager),
            (
                &mut self.soft_delete,
                caps.hard_delete,
                Capability::HardDelete,
            ),
        ] {
            if key == Some(false) && !*flag {
                *flag = true;
                self.config_absent.push(capability);
            }
        }
        self.domain = self.domain.take().or(caps.domain);
        // Command-line values come first; the file's fill in the rest. A set, not a scan per
        // entry: 40,000 entries took 8.8 s that way.
        let given: std::collections::HashSet<String> = self
            .vars
            .iter()
            .filter_map(|v| v.split_once('=').map(|(n, _)| n.to_string()))
            .collect();
        for (name, value) in c.vars {
            if given.contains(&name) {
                continue;
            }
            let text = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                _ => {
                    return Err(format!(
                        "scimtest.toml: [vars] {name} must be a string, number or boolean"
                    ));
                }
            };
            self.vars.push(format!("{name}={text}"));
        }
        self.connection
            .merge(c.timeout, c.headers, c.ca_cert, c.insecure, c.auth)
    }
}

impl super::ConnectionArgs {
    /// Fills the connection options not given on the command line from the file's.
    pub(crate) fn merge(
        &mut self,
        timeout: Option<u64>,
        headers: Option<Vec<String>>,
        ca_cert: Option<PathBuf>,
        insecure: Option<bool>,
        a: AuthConfig,
    ) -> Result<(), String> {
        let conn = self;
        conn.timeout = conn.timeout.or(timeout);
        if conn.headers.is_empty() {
            conn.headers = headers.unwrap_or_default();
        }
        conn.ca_cert = conn.ca_cert.take().or(ca_cert);
        conn.insecure |= insecure.unwrap_or(false);
        let no_credentials =
            conn.token.is_none() && conn.basic_user.is_none() && conn.oauth_token_url.is_none();
        if no_credentials {
            conn.token = env(&a.token_env)?;
            conn.basic_user = a.basic_user;
            conn.basic_password = env(&a.basic_password_env)?;
            conn.oauth_token_url = a.oauth_token_url;
            conn.oauth_client_id = conn.oauth_client_id.take().or(a.oauth_client_id);
            conn.oauth_client_secret = conn
                .oauth_client_secret
                .take()
                .or(env(&a.oauth_client_secret_env)?);
            conn.oauth_scope = conn.oauth_scope.take().or(a.oauth_scope);
            if let Some(m) = a.oauth_auth_method {
                conn.oauth_auth_method = Some(m);
            }
        }
        Ok(())
    }
}
