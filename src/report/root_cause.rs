//! Root causes: failures grouped by what actually went wrong, so that thirty cases failing on
//! one rejected schema URI read as one problem, not thirty — and two defects never read as
//! one. A root cause is one request shape (method, SCIM path, query parameters, the body's
//! shape), one failing check, and one class of server detail (`cause_shape.rs`); it lists
//! each distinct detail it holds. A case's cause is its first failing step; a set-up finding
//! the case went on past is a cause of its own, reported once however many cases met it.

use super::cause_shape::{detail_class, generic, one_line, request_of, server_detail};
use crate::model::{Evidence, Severity};
use crate::record::{CaseResult, CheckKind, RunRecord, Status, StepRecord};

/// How many distinct details a root cause lists.
const DETAILS: usize = 5;

/// One root cause and the cases it explains.
#[derive(Debug, Clone)]
pub struct RootCause {
    /// One line: what went wrong, in the request's terms.
    pub summary: String,
    /// An example of the detail (expected and actual) from the first case.
    pub example: Option<String>,
    /// Each distinct detail it holds (the server's words, or what the check found), with the
    /// run's generated values taken out.
    pub details: Vec<String>,
    /// The failing cases it explains, `SUITE::CASE[PROFILE]`, in plan order.
    pub cases: Vec<String>,
    /// Cases that met it while setting up and went on to their subject (they did not fail
    /// because of it).
    pub found_in_setup: Vec<String>,
    /// The most severe severity among them (what decides whether it fails the run).
    pub severity: Severity,
    /// What Entra would do, from the failing check's step or the case whose subject it is
    /// (never a blocked case's own consequence).
    pub consequence: Option<String>,
    /// What the failing check rests on (docs/evidence.md).
    pub evidence: Option<Evidence>,
    /// Request shape, failing check and detail class: what makes two failures one cause.
    key: String,
    /// For a wrong status: the answer (`POST /Users answered 400`) and every status set the
    /// grouped cases expected, so the summary names them all.
    status: Option<(String, Vec<String>)>,
}

/// One failure, before grouping.
struct Occurrence {
    key: String,
    /// For a wrong status: the answer, and the statuses the case expected.
    status: Option<(String, String)>,
    summary: String,
    detail: Option<String>,
    example: Option<String>,
    evidence: Option<Evidence>,
}

/// The failing cases that count (not baselined), grouped by cause, largest group first; then
/// the set-up findings of every case, each cause once.
pub fn root_causes(run: &RunRecord) -> Vec<RootCause> {
    let mut groups: Vec<RootCause> = Vec::new();
    let counted = run
        .cases
        .iter()
        .filter(|c| c.known_failure.is_none())
        .filter(|c| matches!(c.status, Status::Failed | Status::Errored));
    for c in counted {
        let o = cause(c);
        let g = group(&mut groups, &o, c.severity);
        g.cases.push(c.name.clone());
        g.severity = g.severity.min(c.severity);
        if g.consequence.is_none() {
            g.consequence = c.consequence().map(str::to_string);
        }
    }
    for c in run.cases.iter().filter(|c| c.known_failure.is_none()) {
        for step in c.findings() {
            let o = step_cause(c, step);
            let g = group(&mut groups, &o, c.severity);
            if !g.cases.contains(&c.name) && !g.found_in_setup.contains(&c.name) {
                g.found_in_setup.push(c.name.clone());
            }
            if g.consequence.is_none() {
                g.consequence = step.entra.clone();
            }
        }
    }
    groups.sort_by(|a, b| {
        (a.cases.is_empty(), a.severity, b.cases.len()).cmp(&(
            b.cases.is_empty(),
            b.severity,
            a.cases.len(),
        ))
    });
    groups
}

/// The group of `o`, created when it is the first of its kind; its details gain `o`'s.
fn group<'a>(
    groups: &'a mut Vec<RootCause>,
    o: &Occurrence,
    severity: Severity,
) -> &'a mut RootCause {
    let at = match groups.iter().position(|g| g.key == o.key) {
        Some(i) => i,
        None => {
            groups.push(RootCause {
                summary: o.summary.clone(),
                example: o.example.clone(),
                details: Vec::new(),
                cases: Vec::new(),
                found_in_setup: Vec::new(),
                severity,
                consequence: None,
                evidence: o.evidence,
                key: o.key.clone(),
                status: o.status.clone().map(|(a, e)| (a, vec![e])),
            });
            groups.len() - 1
        }
    };
    let g = &mut groups[at];
    if let (Some((answer, expected)), Some((_, e))) = (&mut g.status, &o.status)
        && !expected.contains(e)
    {
        expected.push(e.clone());
        g.summary = format!("{answer}, not {}", expected.join(", nor "));
    }
    if let Some(d) = &o.detail
        && g.details.len() < DETAILS
        && !g.details.contains(d)
    {
        g.details.push(d.clone());
    }
    g
}

/// The run's verdict in one line: what the exit code means, in Entra's terms. `causes` are
/// the run's `root_causes`.
pub fn verdict(run: &RunRecord, causes: &[RootCause]) -> String {
    let required: Vec<&RootCause> = causes
        .iter()
        .filter(|c| c.severity == Severity::Required && !c.cases.is_empty())
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

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The cause of one failing case: its first failing step's, or its reason when it failed
/// before any step or in cleanup.
fn cause(c: &CaseResult) -> Occurrence {
    match c.failing_step() {
        Some(step) => step_cause(c, step),
        None => {
            let summary = generic(c.reason.as_deref().unwrap_or("failed"));
            Occurrence {
                key: summary.clone(),
                status: None,
                summary,
                detail: None,
                example: None,
                evidence: c.evidence,
            }
        }
    }
}

/// The cause of one failed step: its request's shape, its first failed check, and the class
/// of what the server said.
fn step_cause(c: &CaseResult, step: &StepRecord) -> Occurrence {
    let request = request_of(step);
    if let Some(e) = &step.error {
        let summary = format!("{request}: {}", generic(e));
        return Occurrence {
            key: summary.clone(),
            status: None,
            summary,
            detail: None,
            example: None,
            evidence: c.evidence,
        };
    }
    let Some(check) = step.checks.iter().find(|k| !k.passed) else {
        let summary = format!("{request}: failed");
        return Occurrence {
            key: summary.clone(),
            status: None,
            summary,
            detail: None,
            example: None,
            evidence: c.evidence,
        };
    };
    let class = detail_class(step, check);
    let mut status_of = None;
    let (summary, detail, example) = if check.what == CheckKind::Status {
        let status = step.exchange.as_ref().map_or(0, |e| e.status);
        let scim_type = step
            .exchange
            .as_ref()
            .and_then(|e| serde_json::from_str::<serde_json::Value>(&e.response_body).ok())
            .and_then(|j| j.get("scimType").and_then(|t| t.as_str()).map(String::from))
            .map(|t| format!(" ({t})"))
            .unwrap_or_default();
        let detail = server_detail(step).map(|d| generic(&d));
        let answer = format!("{request} answered {status}{scim_type}");
        status_of = Some((answer.clone(), check.expected.clone()));
        (
            format!("{answer}, not {}", check.expected),
            detail,
            Some(one_line(&format!("{}: {}", c.name, check.actual))),
        )
    } else {
        let at = check
            .pointer
            .as_deref()
            .map(|p| format!(" at {}", generic(p)))
            .unwrap_or_default();
        let found = format!("expected {}, got {}", check.expected, check.actual);
        (
            format!("{request}: {}{at}", check.what),
            Some(generic(&one_line(&found))),
            Some(one_line(&format!("{}: {found}", c.name))),
        )
    };
    // A wrong status is keyed by the answer, not by what the case expected: the same request
    // answered the same status is one server behaviour, whether the case accepts 201 only
    // (Entra's creates) or 200 or 201 (the gallery's). An answer one case accepts never
    // fails it, so no two distinct behaviours share a key this way.
    let keyed = status_of.as_ref().map_or(&summary, |(answer, _)| answer);
    Occurrence {
        // PATCH `op` values compare ignoring case (RFC 7644 §3.5.2): `Add` and `add` of the
        // same path failing alike are one defect; a server that refuses one casing says so
        // in its detail, which keeps them apart.
        key: format!("{}\u{1f}{class}", keyed.to_ascii_lowercase()),
        status: status_of,
        summary,
        detail,
        example,
        evidence: check.evidence.or(c.evidence),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Auth, Profile};
    use crate::record::{CheckRecord, Exchange};
    use std::time::Duration;

    /// A POST /Users step whose read-back check of `emails/0/type` failed.
    fn dropped_email_type(setup: bool, finding: bool) -> StepRecord {
        StepRecord {
            name: "create the user".into(),
            exchange: Some(Exchange {
                method: "POST".into(),
                url: "http://127.0.0.1:1/scim/v2/Users".into(),
                request_headers: Vec::new(),
                request_body: Some(r#"{"userName":"scimtest-ab12cd34-x@example.com"}"#.into()),
                status: 201,
                response_headers: Vec::new(),
                response_body: r#"{"id":"1"}"#.into(),
                elapsed: Duration::ZERO,
                retries: Vec::new(),
            }),
            checks: vec![CheckRecord {
                what: CheckKind::Equals,
                passed: false,
                pointer: Some("/emails/0/type".into()),
                expected: "\"work\"".into(),
                actual: "(absent)".into(),
                because: None,
                at: None,
                evidence: None,
            }],
            error: None,
            curl: None,
            ownership: Vec::new(),
            // A set-up step says what its own failure would do; the subject's is the case's.
            entra: setup.then(|| "Entra rewrites the email on every cycle.".into()),
            setup,
            finding,
            auth: Auth::Default,
        }
    }

    fn case(name: &str, status: Status, steps: Vec<StepRecord>) -> CaseResult {
        CaseResult {
            name: format!("entra-users::{name}[entra]"),
            suite: "entra-users".into(),
            file: "users.yaml".into(),
            case: name.into(),
            profile: Profile::Entra,
            severity: Severity::Required,
            evidence: Some(Evidence::Documented),
            source: None,
            entra: Some(format!("{name} fails in Entra.")),
            description: String::new(),
            status,
            reason: None,
            steps,
            cleanup: Vec::new(),
            duration: Duration::ZERO,
            known_failure: None,
        }
    }

    /// Two cases that met the dropped email type while setting up and went on to pass.
    fn met_in_setup() -> Vec<CaseResult> {
        ["disable_user", "rename_user"]
            .into_iter()
            .map(|name| case(name, Status::Passed, vec![dropped_email_type(true, true)]))
            .collect()
    }

    #[test]
    fn a_set_up_finding_is_one_cause_and_hides_no_subject() {
        // Two cases met the defect while setting up and went on (their subjects passed); a
        // third has the same request as its subject and failed on it.
        let run = RunRecord {
            cases: [
                met_in_setup(),
                vec![case(
                    "create_user",
                    Status::Failed,
                    vec![dropped_email_type(false, false)],
                )],
            ]
            .concat(),
            ..RunRecord::default()
        };
        let causes = root_causes(&run);
        assert_eq!(causes.len(), 1, "{causes:?}");
        let c = &causes[0];
        assert_eq!(c.cases, ["entra-users::create_user[entra]"]);
        assert_eq!(
            c.found_in_setup,
            [
                "entra-users::disable_user[entra]",
                "entra-users::rename_user[entra]"
            ]
        );
        // The consequence is the failing subject's, never a set-up case's own.
        assert_eq!(
            c.consequence.as_deref(),
            Some("create_user fails in Entra.")
        );
    }

    /// A POST /Users answered `status` where the case expected `expected`.
    fn create_answered(status: u16, expected: &str) -> StepRecord {
        let mut step = dropped_email_type(false, false);
        if let Some(e) = step.exchange.as_mut() {
            e.status = status;
            e.response_body = r#"{"scimType":"invalidValue","detail":"no"}"#.into();
        }
        step.checks = vec![CheckRecord {
            what: CheckKind::Status,
            passed: false,
            pointer: None,
            expected: expected.into(),
            actual: status.to_string(),
            because: None,
            at: None,
            evidence: None,
        }];
        step
    }

    #[test]
    fn one_answer_is_one_cause_whatever_status_each_case_expected() {
        // Entra's creates expect 201, the gallery's 200 or 201: the same request answered 400
        // is one cause; an answer of 200, which only the first refuses, is another.
        let run = RunRecord {
            cases: vec![
                case("a", Status::Failed, vec![create_answered(400, "201")]),
                case(
                    "b",
                    Status::Failed,
                    vec![create_answered(400, "200 or 201")],
                ),
                case("c", Status::Failed, vec![create_answered(400, "201")]),
                case("d", Status::Failed, vec![create_answered(200, "201")]),
            ],
            ..RunRecord::default()
        };
        let causes = root_causes(&run);
        assert_eq!(causes.len(), 2, "{causes:?}");
        assert_eq!(causes[0].cases.len(), 3);
        assert!(
            causes[0]
                .summary
                .ends_with("answered 400 (invalidValue), not 201, nor 200 or 201"),
            "{}",
            causes[0].summary
        );
        assert!(
            causes[1]
                .summary
                .ends_with("answered 200 (invalidValue), not 201"),
            "{}",
            causes[1].summary
        );
    }

    #[test]
    fn a_finding_alone_is_reported_once_and_fails_no_case() {
        let run = RunRecord {
            cases: met_in_setup(),
            ..RunRecord::default()
        };
        let causes = root_causes(&run);
        assert_eq!(causes.len(), 1, "{causes:?}");
        assert!(causes[0].cases.is_empty());
        assert_eq!(causes[0].found_in_setup.len(), 2);
        // Its consequence is the set-up step's, not either case's.
        assert_eq!(
            causes[0].consequence.as_deref(),
            Some("Entra rewrites the email on every cycle.")
        );
        assert!(!run.required_failed());
    }
}
