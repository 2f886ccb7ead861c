//! Reproduction scripts: for each failing case, a self-contained bash script that re-creates
//! what the case had created up to the failing step (the originals were deleted by the
//! cleanup), sends the failing request with the step's own credentials mode and the run's TLS
//! options, prints the answer, and deletes what it created (`KEEP=1` keeps it).
//!
//! Ids change when resources are re-created: every id an earlier create answered is replaced,
//! in later URLs and bodies, by the id the script's own create gets. Secrets are never written:
//! the script reads them from the same environment variables scimtest reads.

use crate::model::Auth;
use crate::record::{CaseResult, Exchange, Status, StepRecord};
use crate::redact::{MASK, Redactor};
use std::fmt::Write as _;
use std::path::PathBuf;

/// The run's credentials mode, without the secrets.
#[derive(Debug, Clone, Default)]
pub enum ReproAuth {
    /// No credentials.
    #[default]
    None,
    /// `SCIM_TOKEN`.
    Bearer,
    /// `SCIM_BASIC_USER` / `SCIM_BASIC_PASSWORD`.
    Basic,
    /// Client credentials at `token_url` (`SCIM_OAUTH_CLIENT_ID` / `SCIM_OAUTH_CLIENT_SECRET`).
    OAuth {
        /// Token endpoint.
        token_url: String,
        /// `client_secret_post` instead of `client_secret_basic`.
        post: bool,
        /// Scope to request.
        scope: Option<String>,
    },
}

/// What a script needs to know about how the run talked to the target.
#[derive(Debug, Clone, Default)]
pub struct ReproSettings {
    /// Credentials mode.
    pub auth: ReproAuth,
    /// `--ca-cert`.
    pub ca_cert: Option<PathBuf>,
    /// `--insecure`.
    pub insecure: bool,
    /// Per-request timeout in seconds.
    pub timeout_secs: u64,
    /// Whether the target was the built-in reference server (gone after the run).
    pub builtin_server: bool,
    /// The target's base URL, as the run used it.
    pub base_url: String,
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `text` as one shell word, with each earlier id replaced by its variable.
fn word(text: &str, ids: &[(String, String)]) -> String {
    let mut parts: Vec<(usize, usize, &str)> = Vec::new();
    for (old, var) in ids {
        let mut from = 0;
        while let Some(i) = text[from..].find(old.as_str()) {
            let start = from + i;
            if !parts
                .iter()
                .any(|(s, e, _)| start < *e && start + old.len() > *s)
            {
                parts.push((start, start + old.len(), var));
            }
            from = start + old.len();
        }
    }
    parts.sort_by_key(|p| p.0);
    let mut out = String::new();
    let mut at = 0;
    for (s, e, var) in parts {
        if s > at {
            out.push_str(&quote(&text[at..s]));
        }
        let _ = write!(out, "\"${{{var}}}\"");
        at = e;
    }
    if at < text.len() || out.is_empty() {
        out.push_str(&quote(&text[at..]));
    }
    out
}

/// The id a create answered, when the answer is a resource.
fn created_id(ex: &Exchange) -> Option<String> {
    if ex.method != "POST" || !(200..300).contains(&ex.status) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&ex.response_body).ok()?;
    v.get("id")?.as_str().map(String::from)
}

/// A file name for the case's script.
pub fn script_name(case: &CaseResult) -> String {
    let name: String = case
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.sh", name.trim_matches('_'))
}

/// The script for a failing case, or `None` when there is nothing to replay.
pub fn repro_script(case: &CaseResult, settings: &ReproSettings, r: &Redactor) -> Option<String> {
    if !matches!(case.status, Status::Failed | Status::Errored) {
        return None;
    }
    let failing = case
        .steps
        .iter()
        .position(|s| s.error.is_some() || s.failed())?;
    let mut s = preamble(case, settings, r);
    // The target's base URL first, so that TARGET can point the script elsewhere.
    let mut ids: Vec<(String, String)> = vec![(
        settings.base_url.trim_end_matches('/').to_string(),
        "TARGET".to_string(),
    )];
    let mut masked = false;
    for (n, step) in case.steps[..=failing].iter().enumerate() {
        let Some(ex) = &step.exchange else {
            continue;
        };
        let _ = writeln!(s, "# step {}: {}", n + 1, one_line(&step.name));
        let (args, secret) = curl_args(step.auth, ex, &ids);
        masked |= secret;
        if n == failing {
            failing_request(&mut s, step, &args, r);
            break;
        }
        replay(&mut s, n + 1, ex, &args, &mut ids);
    }
    if masked {
        s.insert_str(
            s.find("set -euo").unwrap_or(0),
            &format!("# Some header or body values were secrets and are written as {MASK}: put the real values in.\n"),
        );
    }
    Some(s)
}

/// What the script says it does, then its settings: the target, curl's options, how it
/// authenticates, and the cleanup trap.
fn preamble(case: &CaseResult, settings: &ReproSettings, r: &Redactor) -> String {
    let mut s = String::from("#!/usr/bin/env bash\n");
    let _ = writeln!(
        s,
        "# Reproduces {} as scimtest ran it: re-creates what the case had created before the\n# failing step, sends that step's request, prints the answer, and deletes what it created\n# (KEEP=1 keeps it). Needs bash and curl.",
        case.name
    );
    if let Some(reason) = &case.reason {
        let _ = writeln!(s, "# Failed: {}", one_line(&r.redact(reason)));
    }
    if settings.builtin_server {
        s.push_str("# The target was scimtest's built-in reference server, which stopped with the run: start\n# one with `scimtest serve --token T` (and the run's --defect, if any), then run this with\n# SCIM_TOKEN=T TARGET=<its URL>.\n");
    }
    s.push_str("set -euo pipefail\n\n");
    let _ = writeln!(
        s,
        "TARGET=\"${{TARGET:-{}}}\"",
        r.redact(settings.base_url.trim_end_matches('/'))
            .replace(['"', '$', '`', '\\'], "")
    );
    let mut curl = vec!["curl".to_string(), "-sS".into()];
    curl.push(format!("--max-time {}", settings.timeout_secs.max(1)));
    if let Some(ca) = &settings.ca_cert {
        curl.push(format!("--cacert {}", quote(&ca.display().to_string())));
    }
    if settings.insecure {
        curl.push("--insecure".into());
    }
    let _ = writeln!(s, "CURL=({})", curl.join(" "));
    s.push_str(&auth(&settings.auth, r));
    s.push_str(
        "NL=$'\\n'\nCREATED=()\ncleanup() {\n  if [ \"${KEEP:-0}\" = 1 ]; then\n    for p in \"${CREATED[@]}\"; do echo \"kept: $p\"; done\n    return\n  fi\n  local i\n  for ((i=${#CREATED[@]}-1; i>=0; i--)); do\n    \"${CURL[@]}\" -o /dev/null -w \"cleanup: DELETE ${CREATED[i]} → %{http_code}\\n\" -X DELETE \"${AUTH[@]}\" \"${CREATED[i]}\" || true\n  done\n}\ntrap cleanup EXIT\n\n# The id a create answered (the first top-level \"id\" of the body).\nid_of() { grep -o '\"id\" *: *\"[^\"]*\"' | head -n 1 | sed 's/.*\"\\([^\"]*\\)\"$/\\1/'; }\n\n",
    );
    s
}

/// The `AUTH` array: credentials read from the environment, never written in the script.
fn auth(auth: &ReproAuth, r: &Redactor) -> String {
    match auth {
        ReproAuth::None => "AUTH=()\n".into(),
        ReproAuth::Bearer => {
            ": \"${SCIM_TOKEN:?set SCIM_TOKEN to the bearer token of the target}\"\nAUTH=(-H \"Authorization: Bearer $SCIM_TOKEN\")\n".into()
        }
        ReproAuth::Basic => {
            ": \"${SCIM_BASIC_USER:?set SCIM_BASIC_USER}\" \"${SCIM_BASIC_PASSWORD:?set SCIM_BASIC_PASSWORD}\"\nAUTH=(-u \"$SCIM_BASIC_USER:$SCIM_BASIC_PASSWORD\")\n".into()
        }
        ReproAuth::OAuth {
            token_url,
            post,
            scope,
        } => {
            let mut s = String::from(": \"${SCIM_OAUTH_CLIENT_ID:?set SCIM_OAUTH_CLIENT_ID}\" \"${SCIM_OAUTH_CLIENT_SECRET:?set SCIM_OAUTH_CLIENT_SECRET}\"\n");
            let client = if *post {
                "--data-urlencode \"client_id=$SCIM_OAUTH_CLIENT_ID\" --data-urlencode \"client_secret=$SCIM_OAUTH_CLIENT_SECRET\""
            } else {
                "-u \"$SCIM_OAUTH_CLIENT_ID:$SCIM_OAUTH_CLIENT_SECRET\""
            };
            let scope = scope
                .as_deref()
                .map(|sc| format!(" --data-urlencode {}", quote(&format!("scope={sc}"))))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "TOKEN=$(\"${{CURL[@]}}\" {client} -d grant_type=client_credentials{scope} {} | sed -n 's/.*\"access_token\" *: *\"\\([^\"]*\\)\".*/\\1/p')\nAUTH=(-H \"Authorization: Bearer $TOKEN\")",
                quote(&r.redact(token_url))
            );
            s
        }
    }
}

/// curl's arguments for one exchange, with the ids of earlier creates as variables; and
/// whether a masked secret stands in a header or the body.
fn curl_args(auth: Auth, ex: &Exchange, ids: &[(String, String)]) -> (Vec<String>, bool) {
    let mut masked = false;
    let mut args = vec![format!("-X {}", ex.method)];
    match auth {
        Auth::Default => args.push("\"${AUTH[@]}\"".into()),
        Auth::None => {}
        Auth::Invalid => {
            args.push("-H \"Authorization: Bearer scimtest-invalid-$RANDOM$RANDOM\"".into())
        }
    }
    for (k, v) in &ex.request_headers {
        if k.eq_ignore_ascii_case("authorization") {
            continue;
        }
        masked |= v.contains(MASK);
        args.push(format!("-H {}", word(&format!("{k}: {v}"), ids)));
    }
    if let Some(body) = &ex.request_body {
        masked |= body.contains(MASK);
        args.push(format!("--data-raw {}", word(body, ids)));
    }
    args.push(word(&ex.url, ids));
    (args, masked)
}

/// The failing request, sent with its answer shown, and what scimtest expected of it.
fn failing_request(s: &mut String, step: &StepRecord, args: &[String], r: &Redactor) {
    let _ = writeln!(s, "echo '--- the failing request:'");
    let _ = writeln!(s, "\"${{CURL[@]}}\" -i {}", args.join(" \\\n  "));
    let _ = writeln!(s, "echo");
    if let Some(c) = step.checks.iter().find(|c| !c.passed) {
        let _ = writeln!(
            s,
            "echo {}",
            quote(&format!(
                "--- scimtest expected: {}",
                one_line(&r.redact(&c.describe()))
            ))
        );
    } else if let Some(e) = &step.error {
        let _ = writeln!(
            s,
            "echo {}",
            quote(&format!("--- scimtest saw: {}", one_line(&r.redact(e))))
        );
    }
}

/// An earlier step, replayed: its status is printed, and the id it created is kept (as
/// `ID_<n>`) for the later requests and the cleanup.
fn replay(
    s: &mut String,
    n: usize,
    ex: &Exchange,
    args: &[String],
    ids: &mut Vec<(String, String)>,
) {
    let var = format!("ID_{n}");
    let _ = writeln!(
        s,
        "OUT=$(\"${{CURL[@]}}\" -w '\\n%{{http_code}}' {})",
        args.join(" \\\n  ")
    );
    let _ = writeln!(s, "echo \"step {n}: {} → ${{OUT##*$NL}}\"", ex.method);
    if let Some(old) = created_id(ex) {
        let _ = writeln!(s, "{var}=$(printf '%s' \"${{OUT%$NL*}}\" | id_of)");
        let collection = word(
            ex.url
                .split('?')
                .next()
                .unwrap_or(&ex.url)
                .trim_end_matches('/'),
            ids,
        );
        let _ = writeln!(s, "[ -n \"${var}\" ] && CREATED+=({collection}/\"${var}\")");
        ids.push((old, var));
    }
    s.push('\n');
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::word;

    #[test]
    fn ids_become_variables_in_one_shell_word() {
        let ids = vec![("abc".to_string(), "ID_1".to_string())];
        assert_eq!(word("/Users/abc", &ids), "'/Users/'\"${ID_1}\"");
        assert_eq!(
            word("{\"value\":\"abc\"}", &ids),
            "'{\"value\":\"'\"${ID_1}\"'\"}'"
        );
        assert_eq!(word("it's", &[]), "'it'\\''s'");
        assert_eq!(word("", &[]), "''");
    }
}
