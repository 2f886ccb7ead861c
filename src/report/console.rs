//! The console summary printed after libtest-mimic's lines: counts per severity, each
//! failing case with its reason, Entra's consequence and a curl reproduction.

use crate::model::Severity;
use crate::record::{RunRecord, Status};
use crate::redact::Redactor;
use std::fmt::Write as _;

/// The summary text.
pub fn summary(run: &RunRecord, redactor: &Redactor, reports: &[String]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nscimtest: {} cases ({} requests) against {} (run id {}) in {:.2}s",
        run.cases.len(),
        run.requests(),
        redactor.redact(&run.target),
        run.run_id,
        run.duration.as_secs_f64()
    );
    if !run.tls_verified {
        let _ = writeln!(out, "  TLS certificates were NOT verified (--insecure)");
    }
    for sev in [Severity::Required, Severity::Recommended, Severity::Preview] {
        let of: Vec<_> = run.cases.iter().filter(|c| c.severity == sev).collect();
        if of.is_empty() {
            continue;
        }
        let n = |s: Status| of.iter().filter(|c| c.status == s).count();
        let _ = writeln!(
            out,
            "  {:<12} {} passed, {} failed, {} errored, {} skipped",
            sev.name(),
            n(Status::Passed),
            n(Status::Failed),
            n(Status::Errored),
            n(Status::Skipped)
        );
    }
    let bad: Vec<_> = run
        .cases
        .iter()
        .filter(|c| matches!(c.status, Status::Failed | Status::Errored))
        .collect();
    if !bad.is_empty() {
        let _ = writeln!(out, "\nProblems:");
        for c in bad {
            let _ = writeln!(
                out,
                "  {} {} [{}]",
                if c.status == Status::Failed {
                    "FAILED "
                } else {
                    "ERRORED"
                },
                c.name,
                c.severity
            );
            if let Some(r) = &c.reason {
                let _ = writeln!(out, "      {}", redactor.redact(r));
            }
            if let Some(e) = &c.entra {
                let _ = writeln!(out, "      Entra: {e}");
            }
            if let Some(curl) = c.failing_step().and_then(|s| s.curl.as_ref()) {
                let _ = writeln!(out, "      reproduce:");
                for line in redactor.redact(curl).lines() {
                    let _ = writeln!(out, "        {line}");
                }
            }
        }
        if !run.required_failed() {
            let _ = writeln!(
                out,
                "\nOnly recommended or preview cases failed: the run passes."
            );
        }
    }
    if run.interrupted {
        let not_run = run
            .cases
            .iter()
            .filter(|c| c.status == Status::Skipped)
            .count();
        let _ = writeln!(
            out,
            "\nThe run was interrupted: {not_run} cases were not run; cases in flight were stopped and cleaned up."
        );
    }
    for r in reports {
        let _ = writeln!(out, "Report: {r}");
    }
    out
}
