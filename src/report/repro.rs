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
    /// `SCIM_TOKEN`, sent as the whole Authorization value (Okta's "Header" mode).
    Header,
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

/// `s` as one shell word that is data only: single quotes, or `$'…'` with `\xHH` escapes when
/// it holds control characters, so the script file carries no raw terminal escape either.
fn quote(s: &str) -> String {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(unsafe_char) {
        return format!("'{}'", s.replace('\'', "'\\''"));
    }
    let mut out = String::from("$'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c if unsafe_char(c) => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\x{b:02X}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Where a value the run used may be replaced by a script variable: only where it stands
/// whole, so a short id (`1`) never rewrites unrelated text (`scimtest-…-1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// At the very start of a URL (the target's base URL).
    UrlStart,
    /// A whole path segment of a URL (an encoded id).
    Segment,
    /// A whole JSON string's content (an id in a header or body).
    JsonString,
}

/// A value of the run, the script variable that replaces it, and where.
#[derive(Debug, Clone)]
struct Sub {
    old: String,
    var: String,
    place: Place,
}

impl Sub {
    fn fits(&self, text: &str, start: usize) -> bool {
        let before = text[..start].chars().last();
        let after = text[start + self.old.len()..].chars().next();
        match self.place {
            Place::UrlStart => start == 0,
            Place::Segment => before == Some('/') && matches!(after, None | Some('/' | '?' | '#')),
            Place::JsonString => before == Some('"') && after == Some('"'),
        }
    }
}

/// `text` as one shell word, with each earlier value replaced by its variable where it stands
/// whole. Empty values are never looked for (an empty id would match everywhere).
fn word(text: &str, subs: &[Sub]) -> String {
    let mut parts: Vec<(usize, usize, &str)> = Vec::new();
    for sub in subs.iter().filter(|s| !s.old.is_empty()) {
        for (start, _) in text.match_indices(sub.old.as_str()) {
            let end = start + sub.old.len();
            let overlaps = parts.iter().any(|(s, e, _)| start < *e && end > *s);
            if !overlaps && sub.fits(text, start) {
                parts.push((start, end, &sub.var));
            }
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

/// The id a create answered, when the answer is a resource: a string or a number, never
/// empty.
fn created_id(ex: &Exchange) -> Option<String> {
    if ex.method != "POST" || !(200..300).contains(&ex.status) {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&ex.response_body).ok()?;
    let id = match v.get("id")? {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!id.is_empty()).then_some(id)
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
    let mut ids: Vec<Sub> = vec![Sub {
        old: settings.base_url.trim_end_matches('/').to_string(),
        var: "TARGET".to_string(),
        place: Place::UrlStart,
    }];
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
            deleted_if_created(&mut s, ex, &ids);
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
            .replace(char::is_control, "")
    );
    // --globoff: brackets and braces in a URL are data, never a glob.
    let mut curl = vec!["curl".to_string(), "-sS".into(), "--globoff".into()];
    curl.push(format!("--max-time {}", settings.timeout_secs.max(1)));
    if let Some(ca) = &settings.ca_cert {
        curl.push(format!("--cacert {}", quote(&ca.display().to_string())));
    }
    if settings.insecure {
        curl.push("--insecure".into());
    }
    let _ = writeln!(s, "CURL=({})", curl.join(" "));
    s.push_str(&auth(&settings.auth, r));
    s.push_str(SCRIPT_FUNCTIONS);
    s
}

/// The cleanup trap and the helpers that turn a create's answer into a path segment. Nothing a
/// server answers reaches curl's `-w` format or a URL unencoded: the path is printed by
/// `printf '%s'`, and ids are percent-encoded whole (`seg`).
const SCRIPT_FUNCTIONS: &str = r#"NL=$'\n'
CREATED=()
cleanup() {
  if [ "${KEEP:-0}" = 1 ]; then
    for p in "${CREATED[@]}"; do printf 'kept: %s\n' "$p"; done
    return
  fi
  local i code
  for ((i=${#CREATED[@]}-1; i>=0; i--)); do
    code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X DELETE "${AUTH[@]}" "${CREATED[i]}") || code="not sent"
    printf 'cleanup: DELETE %s → %s\n' "${CREATED[i]}" "$code"
  done
}
trap cleanup EXIT

# The first "id" of a JSON answer as JSON text: a string's escaped content, or a number.
id_json() {
  local m
  m=$(grep -oE '"id"[[:space:]]*:[[:space:]]*("([^"\\]|\\.)*"|-?[0-9]+)' || true)
  m=${m%%"$NL"*}
  m=${m#*:}
  m=${m#"${m%%[![:space:]]*}"}
  case $m in \"*) m=${m:1:${#m}-2} ;; esac
  printf '%s' "$m"
}
# A JSON string's content, unescaped.
json_text() {
  local s=$1 out= c h i=0
  while ((i < ${#s})); do
    c=${s:i:1}
    i=$((i + 1))
    if [ "$c" = '\' ]; then
      c=${s:i:1}
      i=$((i + 1))
      case $c in
        n) c=$'\n' ;; t) c=$'\t' ;; r) c=$'\r' ;; b) c=$'\b' ;; f) c=$'\f' ;;
        u) h=${s:i:4}; c=; i=$((i + 4))
           if [[ $h =~ ^[0-9a-fA-F]{4}$ ]]; then printf -v c "\\u$h"; fi ;;
      esac
    fi
    out+=$c
  done
  printf '%s' "$out"
}
# A value as one URL path segment: every byte but the unreserved ones percent-encoded, and a
# segment of dots encoded too (`.` and `..` would name another path).
seg() (
  LC_ALL=C
  local s=$1 out= c h i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [a-zA-Z0-9._~-]) out+=$c ;;
      *) printf -v h '%%%02X' "'$c"; out+=$h ;;
    esac
  done
  case $out in *[!.]*) ;; *) out=${out//./%2E} ;; esac
  printf '%s' "$out"
)

"#;

/// The `AUTH` array: credentials read from the environment, never written in the script.
fn auth(auth: &ReproAuth, r: &Redactor) -> String {
    match auth {
        ReproAuth::None => "AUTH=()\n".into(),
        ReproAuth::Bearer => {
            ": \"${SCIM_TOKEN:?set SCIM_TOKEN to the bearer token of the target}\"\nAUTH=(-H \"Authorization: Bearer $SCIM_TOKEN\")\n".into()
        }
        ReproAuth::Header => {
            ": \"${SCIM_TOKEN:?set SCIM_TOKEN to the API token of the target}\"\nAUTH=(-H \"Authorization: $SCIM_TOKEN\")\n".into()
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
fn curl_args(auth: Auth, ex: &Exchange, ids: &[Sub]) -> (Vec<String>, bool) {
    let mut masked = false;
    let mut args = vec![format!("-X {}", ex.method)];
    match auth {
        Auth::Default => args.push("\"${AUTH[@]}\"".into()),
        // The run's token alone; a Bearer run's script holds it in $SCIM_TOKEN too.
        Auth::Header => args.push("-H \"Authorization: ${SCIM_TOKEN:-$TOKEN}\"".into()),
        Auth::None => {}
        Auth::Invalid => {
            args.push("-H \"Authorization: Bearer scimtest-invalid-$RANDOM$RANDOM\"".into())
        }
        Auth::NonToken => args.push("-H \"Authorization: non-token\"".into()),
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
    // Kept in OUT (and printed) so that what it created can be deleted.
    let _ = writeln!(
        s,
        "OUT=$(\"${{CURL[@]}}\" -i -w '\\n%{{http_code}}' {})",
        args.join(" \\\n  ")
    );
    let _ = writeln!(s, "printf '%s\\n' \"${{OUT%$NL*}}\"");
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

/// When the failing request created a resource in the run (a duplicate create a server
/// accepted), the script's own copy of it is deleted with the rest: the id its answer carries
/// joins the cleanup list.
fn deleted_if_created(s: &mut String, ex: &Exchange, ids: &[Sub]) {
    if created_id(ex).is_none() {
        return;
    }
    let collection = word(
        ex.url
            .split('?')
            .next()
            .unwrap_or(&ex.url)
            .trim_end_matches('/'),
        ids,
    );
    // The answer's body: what follows the blank line after the headers; its id read and
    // encoded as the replayed creates' are. A fixed server answers without an id (409):
    // nothing to delete, and no error.
    let _ = writeln!(
        s,
        "JID_FAILING=$(printf '%s' \"${{OUT%$NL*}}\" | sed -n '/^[[:space:]]*$/,$p' | id_json)\nID_FAILING=$(json_text \"$JID_FAILING\")\nSEG_FAILING=$(seg \"$ID_FAILING\")"
    );
    let _ = writeln!(
        s,
        "if [ -n \"$ID_FAILING\" ]; then CREATED+=({collection}/\"$SEG_FAILING\"); fi"
    );
}

/// An earlier step, replayed: its status is printed, and the id it created is kept (as
/// `ID_<n>`) for the later requests and the cleanup.
fn replay(s: &mut String, n: usize, ex: &Exchange, args: &[String], ids: &mut Vec<Sub>) {
    let var = format!("ID_{n}");
    let _ = writeln!(
        s,
        "OUT=$(\"${{CURL[@]}}\" -w '\\n%{{http_code}}' {})",
        args.join(" \\\n  ")
    );
    let _ = writeln!(s, "echo \"step {n}: {} → ${{OUT##*$NL}}\"", ex.method);
    if let Some(old) = created_id(ex) {
        let _ = writeln!(
            s,
            "JID_{n}=$(printf '%s' \"${{OUT%$NL*}}\" | id_json)\n{var}=$(json_text \"$JID_{n}\")\nSEG_{n}=$(seg \"${var}\")"
        );
        let collection = word(
            ex.url
                .split('?')
                .next()
                .unwrap_or(&ex.url)
                .trim_end_matches('/'),
            ids,
        );
        let _ = writeln!(
            s,
            "if [ -n \"${var}\" ]; then CREATED+=({collection}/\"$SEG_{n}\"); fi"
        );
        let json = serde_json::to_string(&old).unwrap_or_default();
        ids.push(Sub {
            old: crate::run::encode_segment(&old),
            var: format!("SEG_{n}"),
            place: Place::Segment,
        });
        ids.push(Sub {
            old: json[1..json.len() - 1].to_string(),
            var: format!("JID_{n}"),
            place: Place::JsonString,
        });
    }
    s.push('\n');
}

/// `text` on one line with no raw control character: fit for a comment or an `echo`.
fn one_line(text: &str) -> String {
    crate::report::terminal_safe(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::{Place, Sub, quote, word};

    fn sub(old: &str, var: &str, place: Place) -> Sub {
        Sub {
            old: old.into(),
            var: var.into(),
            place,
        }
    }

    #[test]
    fn ids_become_variables_in_one_shell_word() {
        let ids = vec![
            sub("abc", "SEG_1", Place::Segment),
            sub("abc", "JID_1", Place::JsonString),
        ];
        assert_eq!(word("/Users/abc", &ids), "'/Users/'\"${SEG_1}\"");
        assert_eq!(
            word("{\"value\":\"abc\"}", &ids),
            "'{\"value\":\"'\"${JID_1}\"'\"}'"
        );
        assert_eq!(word("it's", &[]), "'it'\\''s'");
        assert_eq!(word("", &[]), "''");
    }

    #[test]
    fn short_and_empty_ids_replace_only_what_stands_whole() {
        let ids = vec![
            sub("1", "SEG_1", Place::Segment),
            sub("", "SEG_2", Place::Segment),
            sub("1", "JID_1", Place::JsonString),
        ];
        assert_eq!(
            word("/Users/1?x=scimtest-1", &ids),
            "'/Users/'\"${SEG_1}\"'?x=scimtest-1'"
        );
        assert_eq!(word("{\"a\":\"x1\"}", &ids), "'{\"a\":\"x1\"}'");
    }

    #[test]
    fn control_characters_are_written_as_escapes() {
        assert_eq!(quote("a\u{1b}[2J'\\"), "$'a\\x1B[2J\\'\\\\'");
        assert_eq!(quote("\u{9b}"), "$'\\xC2\\x9B'");
    }
}
