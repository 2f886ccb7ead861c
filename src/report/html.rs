//! `report.html`: one self-contained page (no network assets) to read and share a run.
//! Summary by severity and suite, failing cases first — each with its failed checks as
//! expected/actual, Entra's consequence, the curl reproduction and the transcript — and
//! filters by status and profile. Rendered here so it reads even with scripts disabled; the
//! small script only drives the filters.

use super::markup::escape as esc;
use super::transcript::transcript;
use crate::model::Severity;
use crate::record::{CaseResult, RunRecord, Status};
use crate::redact::Redactor;
use std::fmt::Write as _;

/// The label a case shows: known failures are failures the baseline accepts.
fn label(c: &CaseResult) -> &'static str {
    match (c.status, c.known_failure.is_some()) {
        (Status::Failed | Status::Errored, true) => "known",
        (s, _) => s.name(),
    }
}

fn order(c: &CaseResult) -> u8 {
    match label(c) {
        "failed" | "errored" => 0,
        "known" => 1,
        "skipped" => 2,
        _ => 3,
    }
}

/// The page's style sheet (`assets/report.css`), inlined: the page loads nothing.
const STYLE: &str = include_str!("assets/report.css");

/// The filters' script (`assets/report.js`), inlined; the page reads without it.
const SCRIPT: &str = include_str!("assets/report.js");

/// The case's evidence grade and source (docs/evidence.md), when it is graded.
fn evidence_html(out: &mut String, c: &CaseResult) {
    if let Some(e) = c.evidence {
        let source = c.source.as_deref().map(|s| format!(" — {}", esc(s)));
        let _ = write!(
            out,
            "<div class=\"evidence\"><strong>Evidence:</strong> {e}{}</div>",
            source.unwrap_or_default()
        );
    }
}

/// A check's name, with its grade where it differs from its case's.
fn check_label(c: &CaseResult, k: &crate::record::CheckRecord) -> String {
    match k.evidence.filter(|e| Some(*e) != c.evidence) {
        Some(e) => format!("{} ({e})", k.what),
        None => k.what.to_string(),
    }
}

fn case_html(out: &mut String, c: &CaseResult, r: &Redactor) {
    let status = label(c);
    let failing = matches!(status, "failed" | "errored");
    let _ = write!(
        out,
        "<details class=\"case\" data-status=\"{status}\" data-profile=\"{}\"{}><summary><span class=\"badge b-{status}\">{status}</span> <span class=\"name\">{}</span><span class=\"sev\">{}</span>",
        c.profile.name(),
        if failing { " open" } else { "" },
        esc(&c.name),
        c.severity.name()
    );
    if let Some(reason) = &c.reason {
        let _ = write!(
            out,
            "<span class=\"reason\">{}</span>",
            esc(&r.redact(reason))
        );
    }
    out.push_str("</summary><div class=\"body\">");
    if !c.description.is_empty() {
        let _ = write!(out, "<p>{}</p>", esc(&c.description));
    }
    evidence_html(out, c);
    if let Some(k) = &c.known_failure {
        let _ = write!(
            out,
            "<div class=\"known-note\">Known failure (baseline): {}</div>",
            esc(k)
        );
    }
    if failing && let Some(e) = c.consequence() {
        let (client, e) = (c.client().name(), esc(e));
        let _ = write!(
            out,
            "<div class=\"entra\"><strong>{client}:</strong> {e}</div>"
        );
    }
    let checks: Vec<_> = c
        .steps
        .iter()
        .flat_map(|s| s.checks.iter().map(move |k| (s, k)))
        .collect();
    if !checks.is_empty() {
        out.push_str("<table class=\"checks\"><tr><th>step</th><th>check</th><th>pointer</th><th>expected</th><th>actual</th></tr>");
        for (s, k) in checks {
            let _ = write!(
                out,
                "<tr class=\"{}\"><td>{}</td><td>{}{}</td><td><code>{}</code></td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                if k.passed { "ok" } else { "bad" },
                esc(&s.name),
                if k.passed { "✓ " } else { "✗ " },
                esc(&check_label(c, k)),
                esc(k.pointer.as_deref().unwrap_or("")),
                esc(&r.redact(&k.expected)),
                esc(&r.redact(if k.passed { "" } else { &k.actual }))
            );
        }
        out.push_str("</table>");
    }
    for s in c.steps.iter().filter(|s| s.error.is_some()) {
        let _ = write!(
            out,
            "<p><strong>{}:</strong> {}</p>",
            esc(&s.name),
            esc(&r.redact(s.error.as_deref().unwrap_or("")))
        );
    }
    if failing && let Some(curl) = c.failing_step().and_then(|s| s.curl.as_ref()) {
        let _ = write!(
            out,
            "<h3>Reproduce</h3><pre class=\"curl\">{}</pre>",
            esc(&r.redact(curl))
        );
    }
    let _ = writeln!(
        out,
        "<details><summary>Transcript</summary><pre class=\"transcript\">{}</pre></details></div></details>",
        esc(&r.redact(&transcript(c)))
    );
}

/// The statuses a case can show, in the order of the tables and filters.
const LABELS: [&str; 5] = ["passed", "failed", "errored", "skipped", "known"];

/// The report page for `run`.
pub fn html(run: &RunRecord, r: &Redactor) -> String {
    let mut out = String::new();
    let causes = super::root_causes(run);
    // The answer first, in the console's words: the verdicts, then the root causes.
    header(&mut out, run, &causes, r);
    root_causes(&mut out, &causes, r);
    out.push_str(&super::matrix::html(run, r));
    summary_tables(&mut out, run);
    notes(&mut out, run, r);
    filters(&mut out, run);
    let mut cases: Vec<&CaseResult> = run.cases.iter().collect();
    cases.sort_by_key(|c| order(c));
    for c in cases {
        case_html(&mut out, c, r);
    }
    let _ = writeln!(out, "</div></main><script>{SCRIPT}</script></body></html>");
    out
}

/// The document head and the page header: target, run id, figures, the verdict lines (as
/// the console prints them).
fn header(out: &mut String, run: &RunRecord, causes: &[super::RootCause], r: &Redactor) {
    let passed = !run.required_failed() && !run.interrupted;
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>scimtest report — {}</title><style>{STYLE}</style></head><body>",
        if passed { "passed" } else { "failed" }
    );
    let _ = write!(
        out,
        "<header><div class=\"inner\"><h1>scimtest report</h1><p class=\"meta\">Target <code>{}</code> · run id <code>{}</code> · started {} · {}, {} in {:.2} s · TLS {}</p>",
        esc(&r.redact(&run.target)),
        esc(&run.run_id),
        esc(&run.started),
        crate::words::count(run.cases.len(), "case"),
        crate::words::count(run.requests(), "request"),
        run.duration.as_secs_f64(),
        if run.tls_verified {
            "verified"
        } else {
            "NOT verified (--insecure)"
        },
    );
    for (tone, line) in super::console::verdict_lines(run, causes) {
        let _ = write!(
            out,
            "<p class=\"verdict {}\">{}</p>",
            tone.class(),
            esc(&r.redact(&line))
        );
    }
    out.push_str("</div></header><main>");
}

/// Counts per severity and per suite.
fn summary_tables(out: &mut String, run: &RunRecord) {
    let heading = |out: &mut String, first: &str, id: &str| {
        let _ = write!(out, "<table id=\"{id}\"><tr><th>{first}</th>");
        for s in LABELS {
            let _ = write!(out, "<th>{s}</th>");
        }
        out.push_str("</tr>");
    };
    let row = |out: &mut String, name: &str, of: &[&CaseResult]| {
        let _ = write!(out, "<tr><td>{}</td>", esc(name));
        for s in LABELS {
            let n = of.iter().filter(|c| label(c) == s).count();
            let _ = write!(out, "<td class=\"num\">{n}</td>");
        }
        out.push_str("</tr>");
    };
    out.push_str("<h2>Summary</h2><div class=\"tables\">");
    heading(out, "severity", "by-severity");
    for sev in [Severity::Required, Severity::Recommended, Severity::Preview] {
        let of: Vec<&CaseResult> = run.cases.iter().filter(|c| c.severity == sev).collect();
        if !of.is_empty() {
            row(out, sev.name(), &of);
        }
    }
    out.push_str("</table>");
    heading(out, "suite", "by-suite");
    let mut suites: Vec<&str> = run.cases.iter().map(|c| c.suite.as_str()).collect();
    suites.dedup();
    for suite in suites {
        let of: Vec<&CaseResult> = run.cases.iter().filter(|c| c.suite == suite).collect();
        row(out, suite, &of);
    }
    out.push_str("</table></div>");
}

/// The root causes table, when anything failed.
fn root_causes(out: &mut String, causes: &[super::RootCause], r: &Redactor) {
    if causes.is_empty() {
        return;
    }
    out.push_str("<h2>Root causes</h2><table id=\"root-causes\"><tr><th>cases</th><th>severity</th><th>what went wrong</th></tr>");
    for g in causes {
        let _ = write!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}{}<details><summary>which cases</summary>{}</details></td></tr>",
            g.cases.len(),
            g.severity.name(),
            esc(&r.redact(&g.summary)),
            cause_notes(g, r),
            g.cases
                .iter()
                .map(|c| format!("<code>{}</code>", esc(c)))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    out.push_str("</table>");
}

/// Under a root cause: an example, each distinct detail, the set-up cases that met it.
fn cause_notes(g: &super::RootCause, r: &Redactor) -> String {
    let mut out = String::new();
    if let Some(e) = &g.example {
        let _ = write!(out, "<br><small>e.g. {}</small>", esc(&r.redact(e)));
    }
    if g.details.len() > 1 {
        for d in &g.details {
            let _ = write!(out, "<br><small>· {}</small>", esc(&r.redact(d)));
        }
    }
    if !g.found_in_setup.is_empty() {
        let _ = write!(
            out,
            "<br><small>also met while setting up {} case(s), which went on to their subject</small>",
            g.found_in_setup.len()
        );
    }
    out
}

/// Stale baseline entries, what was left behind, contradictions of the settings.
fn notes(out: &mut String, run: &RunRecord, r: &Redactor) {
    if !run.stale_baseline.is_empty() {
        let _ = write!(
            out,
            "<p class=\"known-note\">Stale baseline entries (these cases pass now; remove them): {}</p>",
            run.stale_baseline
                .iter()
                .map(|s| format!("<code>{}</code>", esc(s)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !run.leftovers.is_empty() {
        let _ = write!(
            out,
            "<div class=\"leftovers\"><h2>Left behind</h2><p>{} this run created may still be on the target:</p><ul>{}</ul>{}</div>",
            crate::words::count(run.leftovers.len(), "resource"),
            run.leftovers
                .iter()
                .map(|l| format!("<li><code>{}</code></li>", esc(&r.redact(l))))
                .collect::<String>(),
            run.sweep_command
                .as_deref()
                .map(|c| format!("<p>Remove them with <code>{}</code></p>", esc(&r.redact(c))))
                .unwrap_or_default()
        );
    }
    if !run.contradictions.is_empty() {
        let _ = write!(
            out,
            "<div class=\"leftovers\"><h2>Check your settings</h2><p>The target contradicts what this run declared:</p><ul>{}</ul></div>",
            run.contradictions
                .iter()
                .map(|c| format!("<li>{}</li>", esc(&r.redact(c))))
                .collect::<String>()
        );
    }
}

/// The status and profile filters above the cases, and the start of the case list.
fn filters(out: &mut String, run: &RunRecord) {
    out.push_str("<h2>Cases</h2><div class=\"filters\"><span>Show:</span>");
    for s in LABELS {
        let _ = write!(
            out,
            "<label><input type=\"checkbox\" name=\"status\" value=\"{s}\" checked> {s}</label>"
        );
    }
    out.push_str("<label>Profile <select id=\"profile\"><option value=\"all\">all</option>");
    let mut profiles: Vec<&str> = run.cases.iter().map(|c| c.profile.name()).collect();
    profiles.sort();
    profiles.dedup();
    for p in profiles {
        let _ = write!(out, "<option value=\"{p}\">{p}</option>");
    }
    out.push_str(
        "</select></label><span><span id=\"visible\"></span> shown</span></div><div id=\"cases\">",
    );
}
