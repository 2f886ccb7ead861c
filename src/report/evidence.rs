//! How reports name what a requirement rests on (docs/evidence.md): the case's grade and
//! source, and the failed check's grade where it differs from the case's.

use crate::record::CaseResult;

/// `documented — <source>`, then `; the failed check: observed` when the failing check has a
/// grade of its own. None for a case nobody graded (a user's own suite).
pub(crate) fn evidence_line(c: &CaseResult) -> Option<String> {
    let check = c
        .failing_step()
        .and_then(|s| s.checks.iter().find(|k| !k.passed))
        .and_then(|k| k.evidence)
        .filter(|e| Some(*e) != c.evidence);
    let mut line = match (c.evidence, &c.source) {
        (Some(e), Some(s)) => format!("{e} — {s}"),
        (Some(e), None) => e.to_string(),
        (None, _) => "not graded".to_string(),
    };
    match check {
        Some(e) => line.push_str(&format!("; the failed check: {e}")),
        None if c.evidence.is_none() => return None,
        None => {}
    }
    Some(line)
}
