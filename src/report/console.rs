//! The console summary printed after libtest-mimic's lines: counts per severity, known
//! failures and stale baseline entries, warnings, and at the end the answer: the verdict
//! lines, the root causes (each with an example and its reproduction) and where the reports
//! are. Each failing case shows once, as its live line; `--verbose` adds every failing case
//! with its reason at its place in the suite file, Entra's consequence and a reproduction.
//! Colour as anstream decides it for stdout (the same rules as clap's help: a terminal, not
//! `NO_COLOR`, `CLICOLOR_FORCE` forces).

use crate::model::Severity;
use crate::record::{CaseResult, RunRecord, Status};
use crate::redact::Redactor;
use crate::report::terminal_safe;
use crate::words::count;
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
    let mut shown = d
        .render(source.as_deref())
        .trim_end()
        .replacen("error: ", "", 1);
    if let Some(hint) = builtin_hint(&c.file) {
        shown.push_str(&format!("\n  = {hint}"));
    }
    Some(shown)
}

/// For a pointer into a built-in suite (`<built-in>/suites/…`, not a file on disk): how to
/// get the file.
pub(crate) fn builtin_hint(file: &std::path::Path) -> Option<String> {
    let rel = file.strip_prefix(crate::builtin::PREFIX).ok()?;
    Some(format!(
        "a built-in suite: `scimtest suites export DIR` writes it to DIR/{}",
        rel.display()
    ))
}

/// How much the console says about failing cases.
#[derive(Debug, Clone, Copy, Default)]
pub struct Detail {
    /// ANSI colours.
    pub colour: bool,
    /// Every failing case with its details (`--verbose`), not only the root causes.
    pub verbose: bool,
}

/// Root causes listed in the closing block; the rest are counted, and listed in the reports.
const SHOWN_CAUSES: usize = 6;

/// The summary text: the run's figures and warnings, then the answer (verdict lines, root
/// causes, report paths) as the last lines.
pub fn summary(run: &RunRecord, redactor: &Redactor, reports: &[String], detail: Detail) -> String {
    let s = Summary {
        run,
        redactor,
        paint: Paint(detail.colour),
        causes: super::root_causes(run),
    };
    let mut out = String::new();
    s.header(&mut out);
    s.counts(&mut out);
    if detail.verbose {
        s.problems(&mut out);
    }
    s.baseline(&mut out);
    s.notes(&mut out);
    s.leftovers(&mut out);
    s.matrix(&mut out);
    // The answer, last: what a CI log's tail shows.
    s.verdict(&mut out);
    s.root_causes(&mut out, detail.verbose);
    if !reports.is_empty() {
        let _ = writeln!(out, "Reports: {}", reports.join(", "));
    }
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
            "\n{} {} ({}) against {} (run id {}) in {:.2}s",
            self.paint.on(BOLD, "scimtest:"),
            count(run.cases.len(), "case"),
            count(run.requests(), "request"),
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
                        "{} throttled (429/503 with Retry-After) and retried; the gallery requires 25 requests per second without throttling",
                        if throttled == 1 { "1 answer was".to_string() } else { format!("{throttled} answers were") }
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
                    format!(", {}", count(known, "known failure"))
                } else {
                    String::new()
                }
            );
            let counts = self.paint.on(if failed > 0 { RED } else { GREEN }, &counts);
            let _ = writeln!(out, "  {:<12} {counts}", sev.name());
        }
    }

    /// The root causes, most cases first, each with an example and the reproduction of its
    /// first case; past [`SHOWN_CAUSES`] (unless verbose) only counted.
    fn root_causes(&self, out: &mut String, verbose: bool) {
        if self.causes.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "Root causes (most cases first; {}):",
            if verbose {
                "each failing case is listed above"
            } else {
                "each failing case is in report.html, or with --verbose"
            }
        );
        let shown = if verbose {
            self.causes.len()
        } else {
            SHOWN_CAUSES.min(self.causes.len())
        };
        for (i, g) in self.causes.iter().take(shown).enumerate() {
            self.root_cause(i, g, out);
        }
        let hidden = &self.causes[shown..];
        if !hidden.is_empty() {
            let cases: usize = hidden.iter().map(|g| g.cases.len()).sum();
            let _ = writeln!(
                out,
                "  … {} more ({}): report.html and results.json list them, as does --verbose",
                count(hidden.len(), "root cause"),
                count(cases, "case")
            );
        }
    }

    /// Root cause number `i`: what went wrong (with the severity and the evidence grade of
    /// its first case), an example, Entra's consequence, the reproduction of the first case.
    fn root_cause(&self, i: usize, g: &super::RootCause, out: &mut String) {
        let first = g
            .cases
            .first()
            .and_then(|name| self.run.cases.iter().find(|c| &c.name == name));
        let n = g.cases.len();
        let grade = g.evidence.map(|e| format!(", {e}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  #{:<2} {:>4} {:<6} [{}{grade}] {}",
            i + 1,
            n,
            format!("{}:", crate::words::plural(n, "case")),
            g.severity,
            self.safe(&g.summary)
        );
        if let Some(e) = &g.example {
            let _ = writeln!(out, "                  e.g. {}", self.safe(e));
        }
        if g.details.len() > 1 {
            for d in &g.details {
                let _ = writeln!(out, "                  · {}", self.safe(d));
            }
        }
        if !g.found_in_setup.is_empty() {
            let _ = writeln!(
                out,
                "                  also met while setting up {} (they went on to their subject)",
                count(g.found_in_setup.len(), "case")
            );
        }
        if let Some(e) = &g.consequence {
            let client = first.map_or("Entra", |c| c.client().name());
            let _ = writeln!(out, "                  {client}: {}", self.safe(e));
        }
        if let Some(script) = first.and_then(|c| self.script_of(c)) {
            let _ = writeln!(out, "                  reproduce: bash {script}");
        }
    }

    /// The reproduction script written for case `c`, if there is one.
    fn script_of(&self, c: &CaseResult) -> Option<String> {
        let script = self.run.repro_dir.as_ref()?.join(super::script_name(c));
        script
            .exists()
            .then(|| terminal_safe(&script.display().to_string()))
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
        let _ = writeln!(out, "\nFailing cases (by severity):");
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
            let _ = writeln!(out, "      {}: {e}", c.client().name());
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

    /// An interruption, and contradictions of the settings.
    fn notes(&self, out: &mut String) {
        let run = self.run;
        if run.interrupted {
            let not_run = run
                .cases
                .iter()
                .filter(|c| c.status == Status::Skipped)
                .count();
            let _ = writeln!(
                out,
                "\nThe run was interrupted: {} not run; cases in flight were stopped and cleaned up.",
                count(not_run, "case")
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
            "\n{} {} this run created may still be on the target:",
            self.paint.on(BOLD_YELLOW, "LEFT BEHIND"),
            count(run.leftovers.len(), "resource")
        );
        for l in &run.leftovers {
            let _ = writeln!(out, "  {}", self.safe(l));
        }
        if let Some(cmd) = &run.sweep_command {
            let _ = writeln!(
                out,
                "  Remove {} with:\n    {}",
                if run.leftovers.len() == 1 {
                    "it"
                } else {
                    "them"
                },
                self.safe(cmd)
            );
        }
    }

    /// The cross-client matrix's block (runs with cases of both clients), after a blank line.
    fn matrix(&self, out: &mut String) {
        let lines = super::matrix::console_lines(self.run);
        if !lines.is_empty() {
            let _ = writeln!(out);
        }
        for line in lines {
            let _ = writeln!(out, "{}", self.safe(&line));
        }
    }

    /// The verdict lines, after a blank line: one per client question, then the exit code's,
    /// each coloured by its outcome.
    fn verdict(&self, out: &mut String) {
        let _ = writeln!(out);
        for (tone, line) in verdict_lines(self.run, &self.causes) {
            let colour = match tone {
                Tone::Pass => BOLD_GREEN,
                Tone::Fail => BOLD_RED,
                Tone::Neither => BOLD_YELLOW,
            };
            let _ = writeln!(out, "{}", self.paint.on(colour, &self.safe(&line)));
        }
    }
}

/// How a verdict line reads: passing, failing, or neither (not run, cannot pass yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    /// The client would accept the endpoint; the run passes.
    Pass,
    /// It would not; the run fails.
    Fail,
    /// No answer either way.
    Neither,
}

impl Tone {
    /// The CSS class of the HTML report.
    pub(crate) fn class(self) -> &'static str {
        match self {
            Tone::Pass => "pass",
            Tone::Fail => "fail",
            Tone::Neither => "other",
        }
    }
}

/// The verdict lines, as the console and the HTML report show them: one per client question
/// (Entra provisioning, Microsoft gallery validation, and Okta's two when the run has a case of
/// an Okta profile), then the exit code's verdict. `results.json` keeps every question.
pub(crate) fn verdict_lines(run: &RunRecord, causes: &[super::RootCause]) -> Vec<(Tone, String)> {
    let asked = |client: crate::model::Client| {
        client == crate::model::Client::Entra
            || run.cases.iter().any(|c| c.profile.client() == client)
    };
    let mut lines: Vec<(Tone, String)> = super::verdicts(run)
        .into_iter()
        .filter(|v| asked(v.client))
        .map(|v| {
            let tone = match v.outcome {
                super::Outcome::Pass => Tone::Pass,
                super::Outcome::Fail => Tone::Fail,
                super::Outcome::CannotPassYet | super::Outcome::NotRun => Tone::Neither,
            };
            (
                tone,
                format!("{}: {} — {}", v.question, v.outcome.label(), v.reason),
            )
        })
        .collect();
    let tone = if run.interrupted {
        Tone::Neither
    } else if run.required_failed() {
        Tone::Fail
    } else {
        Tone::Pass
    };
    lines.push((tone, super::verdict(run, causes)));
    lines
}
