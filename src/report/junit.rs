//! JUnit XML, valid against the Apache Ant `JUnit.xsd` that Jenkins, GitLab and GitHub
//! reporters accept: one `<testsuite>` per suite file, one `<testcase>` per case, transcripts
//! in `<system-out>`.
//!
//! The dashboard must agree with the exit code. Only what fails the run — a required case
//! that failed or errored and is not a baselined known failure — is a `<failure>` or
//! `<error>`. A failed recommended or preview case, or a known failure, is a `<skipped>` whose
//! message starts with what happened (`[recommended] FAILED (does not fail the run): …`):
//! the Ant schema has no other per-case element a reporter shows, and Jenkins (JUnit plugin),
//! GitLab (unit test reports) and GitHub reporters (dorny/test-reporter,
//! mikepenz/action-junit-report) all list skipped cases with their message, neither red nor
//! green. `--junit-all-failures` writes every failure as `<failure>` instead.
//!
//! Written by hand rather than with junit-report: that crate emits `<system-out>` inside
//! `<testcase>`, a zoned timestamp and no `<properties>`, all of which the Ant schema rejects.

use super::markup::escape as esc;
use super::transcript::transcript;
use crate::record::{CaseResult, RunRecord, Status};
use crate::redact::Redactor;
use std::fmt::Write as _;
use std::time::SystemTime;

fn secs(d: std::time::Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

fn failure_text(case: &CaseResult) -> String {
    let mut out = String::new();
    if let Some(r) = &case.reason {
        let _ = writeln!(out, "{r}");
    }
    if let Some(e) = case.consequence() {
        let _ = writeln!(out, "{}: {e}", case.client().name());
    }
    let _ = writeln!(out, "Severity: {}", case.severity);
    if let Some(e) = super::evidence_line(case) {
        let _ = writeln!(out, "Evidence: {e}");
    }
    if let Some(step) = case.failing_step() {
        for c in step.checks.iter().filter(|c| !c.passed) {
            let _ = writeln!(out, "  step `{}`: {}", step.name, c.describe());
        }
        if let Some(curl) = &step.curl {
            let _ = writeln!(out, "Reproduce:\n{curl}");
        }
    }
    out
}

/// The JUnit document for `run`, redacted. With `all_failures`, every failed case is a
/// `<failure>` whatever its severity; otherwise only those that fail the run.
pub fn junit_xml(
    run: &RunRecord,
    redactor: &Redactor,
    hostname: &str,
    all_failures: bool,
) -> String {
    let mut suites: Vec<(&str, Vec<&CaseResult>)> = Vec::new();
    for c in &run.cases {
        match suites.iter_mut().find(|(n, _)| *n == c.suite) {
            Some((_, v)) => v.push(c),
            None => suites.push((&c.suite, vec![c])),
        }
    }
    let doc = Document {
        run,
        redactor,
        hostname,
        all_failures,
        stamp: crate::clock::junit(SystemTime::now()),
    };
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for (id, (name, cases)) in suites.iter().enumerate() {
        doc.testsuite(&mut x, id, name, cases);
    }
    x.push_str("</testsuites>\n");
    x
}

/// One document being written.
struct Document<'a> {
    run: &'a RunRecord,
    redactor: &'a Redactor,
    hostname: &'a str,
    all_failures: bool,
    /// When it was written.
    stamp: String,
}

impl Document<'_> {
    /// Whether `c` is a `<failure>` or `<error>` (else a failed case is a `<skipped>`).
    fn reported_as_failure(&self, c: &CaseResult) -> bool {
        self.all_failures || c.fails_run()
    }

    /// One suite file's `<testsuite>`: counts, properties, cases, transcripts.
    fn testsuite(&self, x: &mut String, id: usize, name: &str, cases: &[&CaseResult]) {
        let count = |s: Status| {
            cases
                .iter()
                .filter(|c| c.status == s && (s == Status::Skipped || self.reported_as_failure(c)))
                .count()
        };
        let demoted = cases
            .iter()
            .filter(|c| matches!(c.status, Status::Failed | Status::Errored))
            .filter(|c| !self.reported_as_failure(c))
            .count();
        let time: std::time::Duration = cases.iter().map(|c| c.duration).sum();
        let _ = writeln!(
            x,
            "  <testsuite id=\"{id}\" package=\"scimtest\" name=\"{}\" timestamp=\"{}\" hostname=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
            esc(name),
            self.stamp,
            esc(self.hostname),
            cases.len(),
            count(Status::Failed),
            count(Status::Errored),
            count(Status::Skipped) + demoted,
            secs(time)
        );
        self.properties(x, cases);
        let mut out = String::new();
        for c in cases {
            self.testcase(x, name, c);
            out.push_str(&transcript(c));
        }
        let _ = writeln!(
            x,
            "    <system-out>{}</system-out>",
            esc(&self.redactor.redact(&out))
        );
        x.push_str("    <system-err></system-err>\n  </testsuite>\n");
    }

    /// The run's id, target, suite file and TLS verification as `scimtest.*` properties.
    fn properties(&self, x: &mut String, cases: &[&CaseResult]) {
        x.push_str("    <properties>\n");
        let file = cases
            .first()
            .map(|c| c.file.display().to_string())
            .unwrap_or_default();
        let tls = if self.run.tls_verified {
            "verified"
        } else {
            "NOT verified (--insecure)"
        };
        for (k, v) in [
            ("run_id", self.run.run_id.as_str()),
            ("target", self.run.target.as_str()),
            ("file", file.as_str()),
            ("tls", tls),
        ] {
            let _ = writeln!(
                x,
                "      <property name=\"scimtest.{k}\" value=\"{}\"/>",
                esc(&self.redactor.redact(v))
            );
        }
        // Each graded case's evidence, once per case (its profiles share it): the Ant schema
        // has no per-testcase properties.
        let mut seen = std::collections::BTreeSet::new();
        for c in cases {
            let Some(e) = c.evidence else { continue };
            if !seen.insert(c.case.as_str()) {
                continue;
            }
            let value = match &c.source {
                Some(s) => format!("{e} — {s}"),
                None => e.to_string(),
            };
            let _ = writeln!(
                x,
                "      <property name=\"scimtest.evidence.{}\" value=\"{}\"/>",
                esc(&c.case),
                esc(&self.redactor.redact(&value))
            );
        }
        x.push_str("    </properties>\n");
    }

    /// One `<testcase>`, with its `<failure>`, `<error>` or `<skipped>`.
    fn testcase(&self, x: &mut String, suite: &str, c: &CaseResult) {
        let _ = write!(
            x,
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
            esc(&c.name),
            esc(suite),
            secs(c.duration)
        );
        let reason = self.redactor.redact(c.reason.as_deref().unwrap_or(""));
        let details = || esc(&self.redactor.redact(&failure_text(c)));
        let failed = matches!(c.status, Status::Failed | Status::Errored);
        let element = match c.status {
            Status::Passed => {
                x.push_str("/>\n");
                return;
            }
            _ if failed && !self.reported_as_failure(c) => {
                let why = match &c.known_failure {
                    Some(k) => format!("known failure ({k})"),
                    None => format!("{} case", c.severity),
                };
                let label = if c.status == Status::Errored {
                    "ERRORED"
                } else {
                    "FAILED"
                };
                format!(
                    "<skipped message=\"{}\">{}</skipped>",
                    esc(&format!(
                        "[{}] {label} (does not fail the run: {why}): {reason}",
                        c.severity
                    )),
                    details()
                )
            }
            Status::Failed | Status::Errored => {
                let kind = if c.status == Status::Failed {
                    "failure"
                } else {
                    "error"
                };
                format!(
                    "<{kind} type=\"{}\" message=\"{}\">{}</{kind}>",
                    esc(c.severity.name()),
                    esc(&format!("[{}] {reason}", c.severity)),
                    details()
                )
            }
            Status::Skipped => format!("<skipped message=\"{}\"/>", esc(&reason)),
        };
        let _ = write!(x, ">\n      {element}\n    </testcase>\n");
    }
}
