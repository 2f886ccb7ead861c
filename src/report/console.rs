//! The console summary printed after libtest-mimic's lines: counts per severity, each
//! failing case with its reason, Entra's consequence and a curl reproduction, known failures
//! and stale baseline entries, and where the reports are. Colour as anstream decides it for
//! stdout (the same rules as clap's help: a terminal, not `NO_COLOR`, `CLICOLOR_FORCE` forces).

use crate::model::Severity;
use crate::record::{CaseResult, RunRecord, Status};
use crate::redact::Redactor;
use crate::report::terminal_safe;
use anstyle::{AnsiColor, Style};
use std::fmt::Write as _;

/// Whether to colour console output.
pub(crate) fn use_colour() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

const BOLD: Style = Style::new().bold();
const RED: Style = AnsiColor::Red.on_default();
const GREEN: Style = AnsiColor::Green.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const MAGENTA: Style = AnsiColor::Magenta.on_default();
const BOLD_RED: Style = RED.bold();
const BOLD_GREEN: Style = GREEN.bold();
const BOLD_YELLOW: Style = YELLOW.bold();

/// Styles text when colour is on.
struct Paint(bool);

impl Paint {
    fn on(&self, style: Style, text: &str) -> String {
        if self.0 {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
}

/// The first failed check of a case's failing step, rendered as a diagnostic at its place in
/// the suite file (the same renderer as load errors), when its place is known.
fn located(c: &CaseResult) -> Option<String> {
    let step = c.failing_step()?;
    let check = step.checks.iter().find(|k| !k.passed)?;
    let (line, col) = check.at?;
    let mut d = crate::diagnostic::Diagnostic::new(
        &c.file,
        line,
        col,
        format!("step `{}`: {}", step.name, check.describe()),
    );
    if let Some(b) = &check.because {
        d = d.hint(b.clone());
    }
    let source = crate::load::source_text(&c.file);
    Some(
        d.render(source.as_deref())
            .trim_end()
            .replacen("error: ", "", 1),
    )
}

/// The summary text; `colour` adds ANSI colours.
pub fn summary(run: &RunRecord, redactor: &Redactor, reports: &[String], colour: bool) -> String {
    let s = Summary {
        run,
        redactor,
        paint: Paint(colour),
        causes: super::root_causes(run),
    };
    let mut out = String::new();
    s.header(&mut out);
    s.counts(&mut out);
    s.root_causes(&mut out);
    s.problems(&mut out);
    s.baseline(&mut out);
    s.notes(&mut out);
    s.leftovers(&mut out);
    for r in reports {
        let _ = writeln!(out, "Report: {r}");
    }
    s.verdict(&mut out);
    out
}

/// One summary being written: the run, how to mask and colour, and its root causes.
struct Summary<'a> {
    run: &'a RunRecord,
    redactor: &'a Redactor,
    paint: Paint,
    causes: Vec<super::RootCause>,
}

impl Summary<'_> {
    /// Text from the target or a case, as it may be printed: masked, control characters shown.
    fn safe(&self, text: &str) -> String {
        terminal_safe(&self.redactor.redact(text))
    }

    /// What ran against what, and warnings about the run's conditions.
    fn header(&self, out: &mut String) {
        let run = self.run;
        let _ = writeln!(
            out,
            "\n{} {} cases ({} requests) against {} (run id {}) in {:.2}s",
            self.paint.on(BOLD, "scimtest:"),
            run.cases.len(),
            run.requests(),
            self.safe(&run.target),
            run.run_id,
            run.duration.as_secs_f64()
        );
        let throttled = run.throttled();
        if throttled > 0 {
            let _ = writeln!(
                out,
                "  {}",
                self.paint.on(
                    YELLOW,
                    &format!(
                        "{throttled} answers were throttled (429/503 with Retry-After) and retried; the gallery requires 25 requests per second without throttling"
                    )
                )
            );
        }
        if !run.tls_verified {
            let _ = writeln!(
                out,
                "  {}",
                self.paint
                    .on(YELLOW, "TLS certificates were NOT verified (--insecure)")
            );
        }
    }

    /// One line of counts per severity that has cases.
    fn counts(&self, out: &mut String) {
        for sev in [Severity::Required, Severity::Recommended, Severity::Preview] {
            let of: Vec<&CaseResult> = self
                .run
                .cases
                .iter()
                .filter(|c| c.severity == sev)
                .collect();
            if of.is_empty() {
                continue;
            }
            let n = |s: Status| {
                of.iter()
                    .filter(|c| c.status == s && c.known_failure.is_none())
                    .count()
            };
            let known = of.iter().filter(|c| c.known_failure.is_some()).count();
            let failed = n(Status::Failed) + n(Status::Errored);
            let counts = format!(
                "{} passed, {} failed, {} errored, {} skipped{}",
                n(Status::Passed),
                n(Status::Failed),
                n(Status::Errored),
                n(Status::Skipped),
                if known > 0 {
                    format!(", {known} known failures")
                } else {
                    String::new()
                }
            );
            let counts = self.paint.on(if failed > 0 { RED } else { GREEN }, &counts);
            let _ = writeln!(out, "  {:<12} {counts}", sev.name());
        }
    }

    /// The root causes, most cases first.
    fn root_causes(&self, out: &mut String) {
        if self.causes.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\nRoot causes (most cases first; details per case below):"
        );
        for (i, g) in self.causes.iter().enumerate() {
            let _ = writeln!(
                out,
                "  #{} {:>4} {} [{}] {}",
                i + 1,
                g.cases.len(),
                if g.cases.len() == 1 {
                    "case: "
                } else {
                    "cases:"
                },
                g.severity,
                self.safe(&g.summary)
            );
            if let Some(e) = &g.example {
                let _ = writeln!(out, "                 e.g. {}", self.safe(e));
            }
        }
    }

    /// Each new failure, by severity; the first case of each root cause carries the details,
    /// the others point to it.
    fn problems(&self, out: &mut String) {
        let mut new: Vec<&CaseResult> = self
            .run
            .cases
            .iter()
            .filter(|c| matches!(c.status, Status::Failed | Status::Errored))
            .filter(|c| c.known_failure.is_none())
            .collect();
        if new.is_empty() {
            return;
        }
        let _ = writeln!(out, "\nProblems (by severity):");
        new.sort_by_key(|c| c.severity);
        let mut detailed = vec![false; self.causes.len()];
        for c in new {
            let tag = if c.blocked_by().is_some() {
                "BLOCKED"
            } else if c.status == Status::Failed {
                "FAILED "
            } else {
                "ERRORED"
            };
            let group = self.causes.iter().position(|g| g.cases.contains(&c.name));
            let _ = write!(
                out,
                "  {} {} [{}]",
                self.paint.on(BOLD_RED, tag),
                c.name,
                c.severity
            );
            if let Some(i) = group
                && self.causes[i].cases.len() > 1
            {
                if std::mem::replace(&mut detailed[i], true) {
                    let _ = writeln!(out, " — root cause #{} (as above)", i + 1);
                    continue;
                }
                let _ = write!(out, " — root cause #{}", i + 1);
            }
            let _ = writeln!(out);
            self.problem(c, out);
        }
    }

    /// A failing case's details: the failed check at its place, Entra's consequence, how to
    /// reproduce it.
    fn problem(&self, c: &CaseResult, out: &mut String) {
        match located(c) {
            // The failed check, pointed at in the suite file like a load error.
            Some(rendered) => {
                for line in self.safe(&rendered).lines() {
                    let _ = writeln!(out, "      {line}");
                }
            }
            None => {
                if let Some(r) = &c.reason {
                    let _ = writeln!(out, "      {}", self.safe(r));
                }
            }
        }
        if let Some(e) = super::evidence_line(c) {
            let _ = writeln!(out, "      Evidence: {}", self.safe(&e));
        }
        if let Some(e) = c.consequence() {
            let _ = writeln!(out, "      Entra: {e}");
        }
        let script = self
            .run
            .repro_dir
            .as_ref()
            .map(|d| d.join(super::script_name(c)))
            .filter(|p| p.exists());
        if let Some(script) = script {
            let _ = writeln!(
                out,
                "      reproduce: bash {}   (re-creates what the case created, sends the failing request, cleans up; KEEP=1 keeps)",
                terminal_safe(&script.display().to_string())
            );
        } else if let Some(curl) = c.failing_step().and_then(|s| s.curl.as_ref()) {
            let _ = writeln!(out, "      reproduce:");
            for line in self.safe(curl).lines() {
                let _ = writeln!(out, "        {line}");
            }
        }
    }

    /// Known failures and stale baseline entries.
    fn baseline(&self, out: &mut String) {
        let known: Vec<&CaseResult> = self
            .run
            .cases
            .iter()
            .filter(|c| matches!(c.status, Status::Failed | Status::Errored))
            .filter(|c| c.known_failure.is_some())
            .collect();
        if !known.is_empty() {
            let _ = writeln!(
                out,
                "\nKnown failures (baseline; they do not fail the run):"
            );
            for c in known {
                let _ = writeln!(
                    out,
                    "  {} {} — {}",
                    self.paint.on(MAGENTA, "KNOWN  "),
                    c.name,
                    c.known_failure.as_deref().unwrap_or_default()
                );
            }
        }
        if !self.run.stale_baseline.is_empty() {
            let _ = writeln!(
                out,
                "\nStale baseline entries (these cases pass now; remove them from the baseline):"
            );
            for s in &self.run.stale_baseline {
                let _ = writeln!(out, "  {s}");
            }
        }
    }

    /// Why a run with failures passes, an interruption, and contradictions of the settings.
    fn notes(&self, out: &mut String) {
        let run = self.run;
        let failing_but_fine = run
            .cases
            .iter()
            .any(|c| matches!(c.status, Status::Failed | Status::Errored))
            && !run.required_failed();
        if failing_but_fine && !run.interrupted {
            let _ = writeln!(
                out,
                "\nOnly recommended, preview or known failures: the run passes."
            );
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
        if !run.contradictions.is_empty() {
            let _ = writeln!(
                out,
                "\n{} the target contradicts what this run declared:",
                self.paint.on(BOLD_YELLOW, "CHECK YOUR SETTINGS")
            );
            for c in &run.contradictions {
                let _ = writeln!(out, "  {}", self.safe(c));
            }
        }
    }

    /// What this run created that may still be on the target, and the command removing it.
    fn leftovers(&self, out: &mut String) {
        let run = self.run;
        if run.leftovers.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{} {} resources this run created may still be on the target:",
            self.paint.on(BOLD_YELLOW, "LEFT BEHIND"),
            run.leftovers.len()
        );
        for l in &run.leftovers {
            let _ = writeln!(out, "  {}", self.safe(l));
        }
        if let Some(cmd) = &run.sweep_command {
            let _ = writeln!(out, "  Remove them with:\n    {}", self.safe(cmd));
        }
    }

    /// One line per client question (Entra provisioning, gallery validation), then the
    /// one-line verdict of the exit code, red when the run fails.
    fn verdict(&self, out: &mut String) {
        for v in super::verdicts(self.run) {
            let colour = match v.outcome {
                super::Outcome::Pass => BOLD_GREEN,
                super::Outcome::Fail => BOLD_RED,
                super::Outcome::CannotPassYet | super::Outcome::NotRun => BOLD_YELLOW,
            };
            let _ = writeln!(
                out,
                "{}: {} — {}",
                v.question,
                self.paint.on(colour, v.outcome.label()),
                self.safe(&v.reason)
            );
        }
        let verdict = super::verdict(self.run, &self.causes);
        let colour = if self.run.required_failed() || self.run.interrupted {
            BOLD_RED
        } else {
            BOLD_GREEN
        };
        let _ = writeln!(out, "{}", self.paint.on(colour, &self.safe(&verdict)));
    }
}
