//! `results.json`: every case with its status, severity, Entra consequence, steps, checks and
//! redacted exchanges. The format is versioned (`format`, `version`) and described by
//! `docs/results.schema.json`; a change that removes or renames a field raises the version.

use crate::record::{CaseResult, CheckRecord, Exchange, RunRecord, Status, StepRecord};
use crate::redact::Redactor;
use serde_json::{Value, json};

/// Version of the results format.
pub(crate) const VERSION: u64 = 1;

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn pairs(r: &Redactor, headers: &[(String, String)]) -> Value {
    Value::Array(
        headers
            .iter()
            .map(|(k, v)| json!({"name": k, "value": r.header(k, v)}))
            .collect(),
    )
}

/// One exchange as JSON (shared with the HTML report).
pub(super) fn exchange(r: &Redactor, e: &Exchange) -> Value {
    json!({
        "method": e.method,
        "url": r.redact(&e.url),
        "request_headers": pairs(r, &e.request_headers),
        "request_body": e.request_body.as_deref().map(|b| r.redact(b)),
        "status": e.status,
        "response_headers": pairs(r, &e.response_headers),
        "response_body": r.redact(&e.response_body),
        "elapsed_ms": ms(e.elapsed),
        "retries": e.retries,
    })
}

fn check(r: &Redactor, c: &CheckRecord) -> Value {
    json!({
        "what": c.what.to_string(),
        "passed": c.passed,
        "pointer": c.pointer,
        "expected": r.redact(&c.expected),
        "actual": r.redact(&c.actual),
        "because": c.because,
        "line": c.at.map(|(line, _)| line),
        "column": c.at.map(|(_, col)| col),
        "evidence": c.evidence.map(|e| e.name()),
    })
}

fn step(r: &Redactor, s: &StepRecord) -> Value {
    json!({
        "name": s.name,
        "entra": s.entra,
        "setup": s.setup,
        "finding": s.finding,
        "error": s.error.as_deref().map(|e| r.redact(e)),
        "checks": s.checks.iter().map(|c| check(r, c)).collect::<Vec<_>>(),
        "exchange": s.exchange.as_ref().map(|e| exchange(r, e)),
        "curl": s.curl.as_deref().map(|c| r.redact(c)),
    })
}

/// One case as JSON.
pub(super) fn case(r: &Redactor, c: &CaseResult) -> Value {
    json!({
        "name": c.name,
        "suite": c.suite,
        "case": c.case,
        "profile": c.profile.name(),
        "file": c.file.display().to_string(),
        "severity": c.severity.name(),
        "evidence": c.evidence.map(|e| e.name()),
        "source": c.source,
        "status": c.status.name(),
        "reason": c.reason.as_deref().map(|x| r.redact(x)),
        "known_failure": c.known_failure,
        "entra": c.entra,
        "description": c.description,
        "duration_ms": ms(c.duration),
        "steps": c.steps.iter().map(|s| step(r, s)).collect::<Vec<_>>(),
        "cleanup": c.cleanup.iter().map(|k| json!({
            "path": r.redact(&k.path), "status": k.status, "ok": k.ok, "detail": k.detail.as_deref().map(|d| r.redact(d)),
        })).collect::<Vec<_>>(),
    })
}

/// Counts of each status per severity.
pub(super) fn summary(run: &RunRecord) -> Value {
    let mut out = serde_json::Map::new();
    for sev in ["required", "recommended", "preview"] {
        let of: Vec<&CaseResult> = run
            .cases
            .iter()
            .filter(|c| c.severity.name() == sev)
            .collect();
        let n = |s: Status| of.iter().filter(|c| c.status == s).count();
        out.insert(
            sev.into(),
            json!({
                "passed": n(Status::Passed),
                "failed": n(Status::Failed),
                "errored": n(Status::Errored),
                "skipped": n(Status::Skipped),
                "known_failures": of.iter().filter(|c| c.known_failure.is_some()).count(),
            }),
        );
    }
    Value::Object(out)
}

/// The whole document.
pub fn results_json(run: &RunRecord, r: &Redactor) -> Value {
    let causes = super::root_causes(run);
    json!({
        "format": "scimtest-results",
        "version": VERSION,
        "run": {
            "id": run.run_id,
            "target": r.redact(&run.target),
            "started": run.started,
            "duration_ms": ms(run.duration),
            "requests": run.requests(),
            "throttled": run.throttled(),
            "tls_verified": run.tls_verified,
            "interrupted": run.interrupted,
            "passed": !run.required_failed() && !run.interrupted,
            "stale_baseline": run.stale_baseline,
            "leftovers": run.leftovers.iter().map(|l| r.redact(l)).collect::<Vec<_>>(),
            "contradictions": run.contradictions.iter().map(|l| r.redact(l)).collect::<Vec<_>>(),
            "sweep_command": run.sweep_command.as_deref().map(|c| r.redact(c)),
        },
        "summary": summary(run),
        "verdict": r.redact(&super::verdict(run, &causes)),
        "verdicts": super::verdicts(run).iter().map(|v| json!({
            "key": v.key,
            "question": v.question,
            "outcome": v.outcome.name(),
            "reason": r.redact(&v.reason),
        })).collect::<Vec<_>>(),
        "matrix": super::matrix::json(run, r),
        "root_causes": causes.iter().map(|g| json!({
            "summary": r.redact(&g.summary),
            "severity": g.severity.name(),
            "example": g.example.as_deref().map(|e| r.redact(e)),
            "details": g.details.iter().map(|d| r.redact(d)).collect::<Vec<_>>(),
            "evidence": g.evidence.map(|e| e.name()),
            "consequence": g.consequence,
            "cases": g.cases,
            "found_in_setup": g.found_in_setup,
        })).collect::<Vec<_>>(),
        "cases": run.cases.iter().map(|c| case(r, c)).collect::<Vec<_>>(),
    })
}
