//! The request/response transcript of a case, as text (JUnit `system-out`, failure bodies).

use crate::record::{CaseResult, Exchange};
use std::fmt::Write as _;

/// Longest body kept in a transcript; the rest is elided with a note.
const BODY_LIMIT: usize = 64 * 1024;

fn body(text: &str) -> String {
    if text.len() <= BODY_LIMIT {
        return text.to_string();
    }
    let mut cut = BODY_LIMIT;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n… ({} more bytes)", &text[..cut], text.len() - cut)
}

/// One exchange as HTTP-like text.
pub(super) fn exchange(ex: &Exchange) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "> {} {}", ex.method, ex.url);
    for (k, v) in &ex.request_headers {
        let _ = writeln!(out, "> {k}: {v}");
    }
    if let Some(b) = &ex.request_body {
        let _ = writeln!(out, ">\n{}", body(b));
    }
    if ex.status == 0 {
        let _ = writeln!(out, "< (no response)");
        return out;
    }
    for r in &ex.retries {
        let _ = writeln!(out, "< retried: {r}");
    }
    let _ = writeln!(out, "< {} ({} ms)", ex.status, ex.elapsed.as_millis());
    for (k, v) in &ex.response_headers {
        let _ = writeln!(out, "< {k}: {v}");
    }
    if !ex.response_body.is_empty() {
        let _ = writeln!(out, "<\n{}", body(&ex.response_body));
    }
    out
}

/// The whole case: every step's exchange and checks, then cleanup.
pub fn transcript(case: &CaseResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "=== {} ({}, {})",
        case.name,
        case.severity,
        case.status.name()
    );
    for step in &case.steps {
        let _ = writeln!(out, "--- step: {}", step.name);
        if let Some(ex) = &step.exchange {
            out.push_str(&exchange(ex));
        }
        for c in &step.checks {
            let mark = if c.passed { "ok  " } else { "FAIL" };
            let at = c
                .pointer
                .as_deref()
                .map(|p| format!(" at {p}"))
                .unwrap_or_default();
            let _ = write!(out, "{mark} {}{at}: expected {}", c.what, c.expected);
            if !c.passed {
                let _ = write!(out, ", got {}", c.actual);
                if let Some(b) = &c.because {
                    let _ = write!(out, " ({b})");
                }
            }
            out.push('\n');
        }
        if let Some(e) = &step.error {
            let _ = writeln!(out, "ERROR {e}");
        }
    }
    for c in &case.cleanup {
        let _ = writeln!(
            out,
            "--- cleanup: DELETE {} -> {}{}",
            c.path,
            c.status,
            c.detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        );
    }
    out
}
