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

const STYLE: &str = r#"
:root { --fail:#b42318; --err:#b54708; --pass:#067647; --skip:#475467; --known:#6941c6; --bg:#f8f9fb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: var(--bg); color: #101828; }
header, main { max-width: 1200px; margin: 0 auto; padding: 16px 24px; }
header { background: #fff; border-bottom: 1px solid #eaecf0; max-width: none; }
header .inner { max-width: 1200px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
.meta { color: #475467; margin: 0; }
.verdict { display: inline-block; margin-top: 10px; padding: 6px 12px; border-radius: 6px; font-weight: 600; color: #fff; }
.verdict.pass { background: var(--pass); } .verdict.fail { background: var(--fail); }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #eaecf0; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f2f4f7; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.tables { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.filters { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; background: #fff; padding: 8px 12px; border: 1px solid #eaecf0; border-radius: 6px; }
.badge { display: inline-block; min-width: 62px; text-align: center; padding: 1px 6px; border-radius: 4px; color: #fff; font-size: 12px; font-weight: 600; text-transform: uppercase; }
.b-failed { background: var(--fail); } .b-errored { background: var(--err); } .b-passed { background: var(--pass); }
.b-skipped { background: var(--skip); } .b-known { background: var(--known); }
details.case { background: #fff; border: 1px solid #eaecf0; border-radius: 6px; margin: 6px 0; }
details.case > summary { cursor: pointer; padding: 8px 12px; list-style: none; }
details.case > summary::-webkit-details-marker { display: none; }
.case .name { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-weight: 600; }
.sev { color: #475467; font-size: 12px; margin-left: 6px; }
.reason { display: block; color: #344054; margin: 4px 0 0 70px; }
.body { padding: 0 12px 12px 82px; }
.entra { border-left: 3px solid var(--fail); padding: 4px 10px; background: #fef3f2; margin: 8px 0; }
.known-note { border-left: 3px solid var(--known); padding: 4px 10px; background: #f4f3ff; margin: 8px 0; }
pre { background: #0c111d; color: #e4e7ec; padding: 10px; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; font-size: 12px; }
tr.bad td { background: #fef3f2; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.hidden { display: none; }
"#;

const SCRIPT: &str = r#"
function applyFilters() {
  const shown = new Set([...document.querySelectorAll('input[name=status]:checked')].map(i => i.value));
  const profile = document.getElementById('profile').value;
  let visible = 0;
  document.querySelectorAll('details.case').forEach(d => {
    const ok = shown.has(d.dataset.status) && (profile === 'all' || d.dataset.profile === profile);
    d.classList.toggle('hidden', !ok);
    if (ok) visible++;
  });
  document.getElementById('visible').textContent = visible;
}
document.querySelectorAll('.filters input, .filters select').forEach(e => e.addEventListener('change', applyFilters));
applyFilters();
"#;

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
    if let Some(k) = &c.known_failure {
        let _ = write!(
            out,
            "<div class=\"known-note\">Known failure (baseline): {}</div>",
            esc(k)
        );
    }
    if failing && let Some(e) = c.consequence() {
        let _ = write!(
            out,
            "<div class=\"entra\"><strong>Entra:</strong> {}</div>",
            esc(e)
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
                esc(&k.what),
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

/// The report page for `run`.
pub fn html(run: &RunRecord, r: &Redactor) -> String {
    let mut out = String::new();
    let passed = !run.required_failed() && !run.interrupted;
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>scimtest report — {}</title><style>{STYLE}</style></head><body>",
        if passed { "passed" } else { "failed" }
    );
    let _ = write!(
        out,
        "<header><div class=\"inner\"><h1>scimtest report</h1><p class=\"meta\">Target <code>{}</code> · run id <code>{}</code> · started {} · {} cases, {} requests in {:.2} s · TLS {}</p><div class=\"verdict {}\">{}</div></div></header><main>",
        esc(&r.redact(&run.target)),
        esc(&run.run_id),
        esc(&run.started),
        run.cases.len(),
        run.requests(),
        run.duration.as_secs_f64(),
        if run.tls_verified {
            "verified"
        } else {
            "NOT verified (--insecure)"
        },
        if passed { "pass" } else { "fail" },
        if passed {
            "PASSED — every required case passed"
        } else if run.interrupted {
            "INTERRUPTED — the run did not finish"
        } else {
            "FAILED — required cases failed: Entra provisioning would not work as expected"
        }
    );
    let statuses = ["passed", "failed", "errored", "skipped", "known"];
    out.push_str(
        "<h2>Summary</h2><div class=\"tables\"><table id=\"by-severity\"><tr><th>severity</th>",
    );
    for s in statuses {
        let _ = write!(out, "<th>{s}</th>");
    }
    out.push_str("</tr>");
    for sev in [Severity::Required, Severity::Recommended, Severity::Preview] {
        let of: Vec<&CaseResult> = run.cases.iter().filter(|c| c.severity == sev).collect();
        if of.is_empty() {
            continue;
        }
        let _ = write!(out, "<tr><td>{}</td>", sev.name());
        for s in statuses {
            let _ = write!(
                out,
                "<td class=\"num\">{}</td>",
                of.iter().filter(|c| label(c) == s).count()
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</table><table id=\"by-suite\"><tr><th>suite</th>");
    for s in statuses {
        let _ = write!(out, "<th>{s}</th>");
    }
    out.push_str("</tr>");
    let mut suites: Vec<&str> = run.cases.iter().map(|c| c.suite.as_str()).collect();
    suites.dedup();
    for suite in suites {
        let _ = write!(out, "<tr><td>{}</td>", esc(suite));
        for s in statuses {
            let n = run
                .cases
                .iter()
                .filter(|c| c.suite == suite && label(c) == s)
                .count();
            let _ = write!(out, "<td class=\"num\">{n}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</table></div>");
    let causes = super::root_causes(run);
    if !causes.is_empty() {
        out.push_str("<h2>Root causes</h2><table id=\"root-causes\"><tr><th>cases</th><th>severity</th><th>what went wrong</th></tr>");
        for g in &causes {
            let _ = write!(
                out,
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{}{}<details><summary>which cases</summary>{}</details></td></tr>",
                g.cases.len(),
                g.severity.name(),
                esc(&r.redact(&g.summary)),
                g.example
                    .as_deref()
                    .map(|e| format!("<br><small>e.g. {}</small>", esc(&r.redact(e))))
                    .unwrap_or_default(),
                g.cases
                    .iter()
                    .map(|c| format!("<code>{}</code>", esc(c)))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        out.push_str("</table>");
    }
    let _ = write!(
        out,
        "<p class=\"verdict\">{}</p>",
        esc(&r.redact(&super::verdict(run, &causes)))
    );
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
            "<div class=\"leftovers\"><h2>Left behind</h2><p>{} resources this run created may still be on the target:</p><ul>{}</ul>{}</div>",
            run.leftovers.len(),
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
    out.push_str("<h2>Cases</h2><div class=\"filters\"><span>Show:</span>");
    for s in statuses {
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
    let mut cases: Vec<&CaseResult> = run.cases.iter().collect();
    cases.sort_by_key(|c| order(c));
    for c in cases {
        case_html(&mut out, c, r);
    }
    let _ = writeln!(out, "</div></main><script>{SCRIPT}</script></body></html>");
    out
}
