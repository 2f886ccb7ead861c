//! Root causes: failures grouped by what actually went wrong, so that thirty cases failing on
//! one rejected schema URI read as one problem, not thirty. A case's cause is its first
//! failing step: the request (method and path, ids and query values taken out) and either
//! the status it got, the transport error, or the first failed check (its kind and where it
//! looked, not the run's random values).

use crate::model::Severity;
use crate::record::{CaseResult, RunRecord, StepRecord};
use crate::record::{CheckKind, Status};

/// One root cause and the cases it explains.
#[derive(Debug, Clone)]
pub struct RootCause {
    /// One line: what went wrong, in the request's terms.
    pub summary: String,
    /// An example of the detail (expected and actual) from the first case.
    pub example: Option<String>,
    /// The cases, `SUITE::CASE[PROFILE]`, in plan order.
    pub cases: Vec<String>,
    /// The most severe severity among them (what decides whether it fails the run).
    pub severity: Severity,
}

/// The failing cases that count (not baselined), grouped by cause, largest group first.
pub fn root_causes(run: &RunRecord) -> Vec<RootCause> {
    let mut groups: Vec<RootCause> = Vec::new();
    for c in run
        .cases
        .iter()
        .filter(|c| matches!(c.status, Status::Failed | Status::Errored))
        .filter(|c| c.known_failure.is_none())
    {
        let (summary, example) = cause(c);
        let example = example.map(|e| one_line(&e));
        match groups.iter_mut().find(|g| g.summary == summary) {
            Some(g) => {
                g.cases.push(c.name.clone());
                g.severity = g.severity.min(c.severity);
            }
            None => groups.push(RootCause {
                summary,
                example,
                cases: vec![c.name.clone()],
                severity: c.severity,
            }),
        }
    }
    groups.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(b.cases.len().cmp(&a.cases.len()))
    });
    groups
}

/// The run's verdict in one line: what the exit code means, in Entra's terms. `causes` are
/// the run's `root_causes`.
pub fn verdict(run: &RunRecord, causes: &[RootCause]) -> String {
    let required: Vec<&RootCause> = causes
        .iter()
        .filter(|c| c.severity == Severity::Required)
        .collect();
    let failing = |sev: Severity| {
        run.cases
            .iter()
            .filter(|c| c.severity == sev && c.known_failure.is_none())
            .filter(|c| matches!(c.status, Status::Failed | Status::Errored))
            .count()
    };
    if run.interrupted {
        return "Verdict: INCOMPLETE: the run was interrupted; no conclusion about the endpoint."
            .into();
    }
    if run.required_failed() {
        let n = run.cases.iter().filter(|c| c.fails_run()).count();
        let blocked = run
            .cases
            .iter()
            .filter(|c| c.fails_run() && c.blocked_by().is_some())
            .count();
        let blocked = if blocked > 0 {
            format!(" ({blocked} of them blocked by a failing set-up step)")
        } else {
            String::new()
        };
        return format!(
            "Verdict: FAIL: {n} required case{} fail{}{blocked} from {} root cause{} (see each client's verdict).",
            plural(n),
            if n == 1 { "s" } else { "" },
            required.len(),
            plural(required.len())
        );
    }
    // A baselined PASS says what it carries: the known failures are still failures.
    let known = run
        .cases
        .iter()
        .filter(|c| c.severity == Severity::Required && c.known_failure.is_some())
        .filter(|c| matches!(c.status, Status::Failed | Status::Errored))
        .count();
    let passed = if known > 0 {
        format!(
            "Verdict: PASS: every required case passed except {known} known failure{} the baseline accepts",
            plural(known)
        )
    } else {
        "Verdict: PASS: every required case passed".into()
    };
    let other = failing(Severity::Recommended) + failing(Severity::Preview);
    if other > 0 {
        format!(
            "{passed}; {other} recommended or preview case{} fail{} (reported, not fatal).",
            plural(other),
            if other == 1 { "s" } else { "" }
        )
    } else {
        format!("{passed}.")
    }
}

/// Whitespace runs (a server's multi-line detail) as single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The cause of one failing case, and an example of its detail.
fn cause(c: &CaseResult) -> (String, Option<String>) {
    let Some(step) = c.failing_step() else {
        // Failed in cleanup or before any step: the reason is all there is.
        return (generic(c.reason.as_deref().unwrap_or("failed")), None);
    };
    let request = request_of(step);
    if let Some(e) = &step.error {
        return (format!("{request}: {}", generic(e)), None);
    }
    let Some(check) = step.checks.iter().find(|k| !k.passed) else {
        return (format!("{request}: failed"), None);
    };
    if check.what == CheckKind::Status {
        let status = step.exchange.as_ref().map_or(0, |e| e.status);
        let scim_type = step
            .exchange
            .as_ref()
            .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.response_body).ok())
            .and_then(|j| j.get("scimType").and_then(|t| t.as_str()).map(String::from))
            .map(|t| format!(" ({t})"))
            .unwrap_or_default();
        return (
            format!(
                "{request} answered {status}{scim_type}, not {}",
                check.expected
            ),
            Some(format!("{}: {}", c.name, check.actual)),
        );
    }
    let at = check
        .pointer
        .as_deref()
        .map(|p| format!(" at {}", generic(p)))
        .unwrap_or_default();
    (
        format!("{request}: {}{at}", check.what),
        Some(format!(
            "{}: expected {}, got {}",
            c.name, check.expected, check.actual
        )),
    )
}

/// `METHOD /Collection/{id}?param=…` of the step's request, without the base URL, ids and
/// query values.
fn request_of(step: &StepRecord) -> String {
    let Some(ex) = &step.exchange else {
        return format!("step `{}`", step.name);
    };
    let url = reqwest::Url::parse(&ex.url).ok();
    let path = url
        .as_ref()
        .map_or(ex.url.clone(), |u| u.path().to_string());
    // The SCIM part of the path: from the last known collection on.
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let start = segments
        .iter()
        .rposition(|s| {
            matches!(
                *s,
                "Users"
                    | "Groups"
                    | "Schemas"
                    | "ResourceTypes"
                    | "ServiceProviderConfig"
                    | ".search"
            )
        })
        .unwrap_or(0);
    let mut shown = String::new();
    for (i, s) in segments[start..].iter().enumerate() {
        shown.push('/');
        shown.push_str(if i == 0 { s } else { "{id}" });
    }
    if shown.is_empty() {
        shown.push('/');
    }
    let params: Vec<String> = url
        .iter()
        .flat_map(|u| u.query_pairs())
        .map(|(k, _)| format!("{k}=…"))
        .collect();
    if !params.is_empty() {
        shown.push('?');
        shown.push_str(&params.join("&"));
    }
    format!("{} {shown}", ex.method)
}

/// Text with the run's generated values taken out, so that the same cause reads the same in
/// every case: `scimtest-<run id>-…` names, UUIDs and long hex ids become `…`.
fn generic(text: &str) -> String {
    let delimiter = |c: char| c.is_whitespace() || matches!(c, '/' | '"' | '\'' | ',' | '(' | ')');
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let id_like = word.starts_with("scimtest-")
            || (word.len() >= 16
                && word.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
                && word.chars().any(|c| c.is_ascii_digit()));
        out.push_str(if id_like { "…" } else { word });
        word.clear();
    };
    for c in text.chars() {
        if delimiter(c) {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::generic;

    #[test]
    fn generated_values_are_taken_out() {
        assert_eq!(
            generic(
                "user scimtest-ab12cd34-x@example.com not found at /Users/9f86d081884c7d659a2feaa0c55ad015"
            ),
            "user … not found at /Users/…"
        );
        assert_eq!(generic("length at /members"), "length at /members");
    }
}
