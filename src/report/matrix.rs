//! The cross-client matrix: per server behaviour, which clients it satisfies and which it
//! breaks, read from the run's results. The catalogue (`matrix_catalogue.rs`, printed as
//! docs/cross-client.md) has three parts: A satisfies Entra and breaks Okta, B satisfies Okta
//! and breaks Entra, C is Okta's runtime client against its own gate. For each client a behaviour either touches what the client sends — then
//! named cases (their failing check, where it tells the behaviour apart) show whether this
//! server breaks it — or it does not, and a sourced sentence says why.

use crate::model::Client;
use crate::record::{CaseResult, CheckKind, RunRecord, Status};

/// Which failed check of a probe's step shows the behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shows {
    /// Any failed check, or the step could not be evaluated.
    Any,
    /// The status check (the request was refused or answered otherwise).
    Status,
    /// A check on this response header.
    Header(&'static str),
    /// A check of the body (not the status, not a header).
    Body,
}

/// A case (and step) whose result shows whether the server behaves so.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    /// `suite::case` (any profile) or `suite::case[profile]`.
    pub case: &'static str,
    /// Text in the step's name; `None`: any step of the case.
    pub step: Option<&'static str>,
    /// Which failed check shows the behaviour.
    pub shows: Shows,
}

/// How one client stands to one behaviour.
#[derive(Debug, Clone, Copy)]
pub struct Side {
    /// The client.
    pub client: Client,
    /// What a server behaving so does to the client, in a few words with the source.
    pub says: &'static str,
    /// The cases that show it; empty: the client is not affected (`says` says why).
    pub probes: &'static [Probe],
}

/// A server behaviour of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Behaviour {
    /// Stable key (`results.json`).
    pub key: &'static str,
    /// What the server does, as a row title.
    pub name: &'static str,
    /// The entry's number in docs/cross-client.md (`B17`).
    pub reference: &'static str,
    /// The reference-server defect that behaves so, when there is one.
    pub defect: Option<&'static str>,
    /// One side per client, in `Client` order.
    pub sides: &'static [Side],
}

/// One cell of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// The cases that show it ran, and none shows the behaviour.
    Satisfied {
        /// The cases that ran.
        cases: Vec<String>,
    },
    /// A case shows the server behaves so, and this client breaks.
    Broken {
        /// The case.
        case: String,
        /// Its failed check or reason.
        detail: String,
    },
    /// None of the cases that would show it ran (filtered out, skipped, or blocked before).
    NotExercised,
    /// The client does not send what the behaviour concerns, or copes with it.
    NotAffected {
        /// Why, with the source.
        why: &'static str,
    },
}

impl Cell {
    /// Machine name (`results.json`).
    pub fn name(&self) -> &'static str {
        match self {
            Cell::Satisfied { .. } => "satisfied",
            Cell::Broken { .. } => "broken",
            Cell::NotExercised => "not_exercised",
            Cell::NotAffected { .. } => "not_affected",
        }
    }

    /// Short text for a table cell.
    pub fn label(&self) -> String {
        match self {
            Cell::Satisfied { .. } => "satisfied".into(),
            Cell::Broken { case, .. } => format!("BROKEN ({case})"),
            Cell::NotExercised => "not exercised in this run".into(),
            Cell::NotAffected { why } => format!("not affected: {why}"),
        }
    }
}

/// One behaviour with a cell per client.
#[derive(Debug, Clone)]
pub struct Row {
    /// The behaviour.
    pub behaviour: &'static Behaviour,
    /// One cell per client, in `Client` order.
    pub cells: Vec<(Client, Cell)>,
}

impl Row {
    /// The clients this run shows broken.
    pub fn broken(&self) -> Vec<Client> {
        self.cells
            .iter()
            .filter(|(_, c)| matches!(c, Cell::Broken { .. }))
            .map(|(client, _)| *client)
            .collect()
    }

    /// When the server behaves so and that breaks one client while another is satisfied or not
    /// affected: one line with both sides' sources.
    pub fn conflict(&self) -> Option<String> {
        let side = |client| self.behaviour.sides.iter().find(|s| s.client == client);
        let broken: Vec<(&Side, &Cell)> = self
            .cells
            .iter()
            .filter(|(_, c)| matches!(c, Cell::Broken { .. }))
            .filter_map(|(client, c)| Some((side(*client)?, c)))
            .collect();
        let fine: Vec<&Side> = self
            .cells
            .iter()
            .filter(|(_, c)| matches!(c, Cell::Satisfied { .. } | Cell::NotAffected { .. }))
            .filter_map(|(client, _)| side(*client))
            .collect();
        if broken.is_empty() || fine.is_empty() {
            return None;
        }
        let mut parts: Vec<String> = fine
            .iter()
            .map(|s| format!("{} {}", s.client.name(), s.says))
            .collect();
        for (s, c) in &broken {
            let case = match c {
                Cell::Broken { case, .. } => case.as_str(),
                _ => "",
            };
            parts.push(format!("{} {} ({case} failed)", s.client.name(), s.says));
        }
        Some(format!("{}: {}", self.behaviour.name, parts.join("; ")))
    }
}

/// Whether `name` (`suite::case[profile]`) is one of the probe's cases.
fn names(probe: &Probe, name: &str) -> bool {
    if probe.case.contains('[') {
        name == probe.case
    } else {
        name.strip_prefix(probe.case)
            .is_some_and(|rest| rest.starts_with('['))
    }
}

/// What one case says about a behaviour: it shows it (with the detail), it ran past the
/// request and does not, or it never got there.
enum Seen {
    Shows(String),
    Held,
    Unknown,
}

fn seen(probe: &Probe, c: &CaseResult) -> Seen {
    if c.status == Status::Skipped {
        return Seen::Unknown;
    }
    let steps: Vec<&crate::record::StepRecord> = c
        .steps
        .iter()
        .filter(|s| probe.step.is_none_or(|t| s.name.contains(t)))
        .collect();
    for step in &steps {
        if let Some(k) = step
            .checks
            .iter()
            .find(|k| !k.passed && shows(probe, &k.what))
        {
            return Seen::Shows(k.describe());
        }
        if let Some(e) = &step.error
            && matches!(probe.shows, Shows::Any | Shows::Status)
        {
            return Seen::Shows(e.clone());
        }
    }
    if steps.is_empty() || (probe.step.is_none() && c.status != Status::Passed) {
        // The case stopped before the request, or failed elsewhere in a case probed as a
        // whole: it does not tell.
        return Seen::Unknown;
    }
    Seen::Held
}

/// Whether a failed check of this kind shows the probe's behaviour.
fn shows(probe: &Probe, what: &CheckKind) -> bool {
    match (probe.shows, what) {
        (Shows::Any, _) | (Shows::Status, CheckKind::Status) => true,
        (Shows::Header(h), CheckKind::Header(n)) => n.eq_ignore_ascii_case(h),
        (Shows::Body, what) => !matches!(what, CheckKind::Status | CheckKind::Header(_)),
        _ => false,
    }
}

fn cell(run: &RunRecord, side: &Side) -> Cell {
    if side.probes.is_empty() {
        return Cell::NotAffected { why: side.says };
    }
    let mut held = Vec::new();
    for probe in side.probes {
        for c in run.cases.iter().filter(|c| names(probe, &c.name)) {
            match seen(probe, c) {
                Seen::Shows(detail) => {
                    return Cell::Broken {
                        case: c.name.clone(),
                        detail,
                    };
                }
                Seen::Held => held.push(c.name.clone()),
                Seen::Unknown => {}
            }
        }
    }
    if held.is_empty() {
        Cell::NotExercised
    } else {
        held.dedup();
        Cell::Satisfied { cases: held }
    }
}

/// The matrix of this run: every catalogue behaviour with a cell per client.
pub fn matrix(run: &RunRecord) -> Vec<Row> {
    BEHAVIOURS
        .iter()
        .map(|b| Row {
            behaviour: b,
            cells: b.sides.iter().map(|s| (s.client, cell(run, s))).collect(),
        })
        .collect()
}

/// The console's matrix block: one line per behaviour this run shows breaking a client (a
/// conflict with both sides' sources, or the clients it breaks), then the count per client.
/// Empty unless the run has cases of more than one client: with one, its verdict says it all.
pub(crate) fn console_lines(run: &RunRecord) -> Vec<String> {
    let ran = |client: Client| run.cases.iter().any(|c| c.profile.client() == client);
    if CLIENTS.iter().filter(|c| ran(**c)).count() < 2 {
        return Vec::new();
    }
    let rows = matrix(run);
    let mut out = vec![format!(
        "Entra and Okta, server behaviour by behaviour ({} from docs/cross-client.md; the table is in report.html and results.json):",
        rows.len()
    )];
    for r in &rows {
        if let Some(line) = r.conflict() {
            out.push(format!("  conflict: {line}"));
        } else if !r.broken().is_empty() {
            let who: Vec<String> = r
                .cells
                .iter()
                .filter_map(|(client, c)| match c {
                    Cell::Broken { case, .. } => Some(format!("{} ({case})", client.name())),
                    _ => None,
                })
                .collect();
            out.push(format!(
                "  breaks {}: {}",
                who.join(" and "),
                r.behaviour.name
            ));
        }
    }
    if out.len() == 1 {
        out.push("  no behaviour of the catalogue breaks a client in this run".into());
    }
    let counts: Vec<String> = CLIENTS
        .iter()
        .map(|client| {
            let count = |name: &str| {
                rows.iter()
                    .flat_map(|r| &r.cells)
                    .filter(|(c, cell)| c == client && cell.name() == name)
                    .count()
            };
            format!(
                "{} {} broken, {} satisfied, {} not exercised, {} not affected",
                client.name(),
                count("broken"),
                count("satisfied"),
                count("not_exercised"),
                count("not_affected")
            )
        })
        .collect();
    out.push(format!("  {}", counts.join("; ")));
    out
}

/// The matrix as `results.json` carries it: the clients, and per behaviour its cells and the
/// conflict line, if any.
pub(crate) fn json(run: &RunRecord, r: &crate::redact::Redactor) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = matrix(run)
        .iter()
        .map(|row| {
            let cells: serde_json::Map<String, serde_json::Value> = row
                .cells
                .iter()
                .map(|(client, cell)| {
                    let mut v = serde_json::json!({"state": cell.name()});
                    match cell {
                        Cell::Satisfied { cases } => v["cases"] = serde_json::json!(cases),
                        Cell::Broken { case, detail } => {
                            v["case"] = serde_json::json!(case);
                            v["detail"] = serde_json::json!(r.redact(detail));
                        }
                        Cell::NotAffected { why } => v["why"] = serde_json::json!(why),
                        Cell::NotExercised => {}
                    }
                    if let Some(side) = row.behaviour.sides.iter().find(|s| s.client == *client) {
                        v["says"] = serde_json::json!(side.says);
                    }
                    (client.name().to_string(), v)
                })
                .collect();
            serde_json::json!({
                "key": row.behaviour.key,
                "behaviour": row.behaviour.name,
                "reference": row.behaviour.reference,
                "defect": row.behaviour.defect,
                "cells": cells,
                "conflict": row.conflict(),
            })
        })
        .collect();
    serde_json::json!({
        "clients": CLIENTS.iter().map(|c| c.name()).collect::<Vec<_>>(),
        "rows": rows,
    })
}

/// The HTML report's matrix section: the conflicts, then a table with one column per client.
/// Empty unless the run has cases of more than one client.
pub(crate) fn html(run: &RunRecord, r: &crate::redact::Redactor) -> String {
    use super::markup::escape as esc;
    use std::fmt::Write as _;
    if console_lines(run).is_empty() {
        return String::new();
    }
    let rows = matrix(run);
    let mut out =
        String::from("<h2 id=\"matrix\">Entra and Okta, server behaviour by behaviour</h2>");
    for line in rows.iter().filter_map(Row::conflict) {
        let _ = write!(
            out,
            "<p class=\"verdict other\">Conflict: {}</p>",
            esc(&r.redact(&line))
        );
    }
    out.push_str("<table class=\"matrix\"><tr><th>server behaviour</th>");
    for c in CLIENTS {
        let _ = write!(out, "<th>{}</th>", c.name());
    }
    out.push_str("</tr>");
    for row in &rows {
        let bad = if row.broken().is_empty() {
            ""
        } else {
            " class=\"bad\""
        };
        let _ = write!(
            out,
            "<tr{bad}><td>{}<br><span class=\"sev\">{}{}</span></td>",
            esc(row.behaviour.name),
            esc(row.behaviour.reference),
            row.behaviour
                .defect
                .map(|d| format!("; defect <code>{}</code>", esc(d)))
                .unwrap_or_default()
        );
        for (client, cell) in &row.cells {
            let says = row
                .behaviour
                .sides
                .iter()
                .find(|s| s.client == *client)
                .map_or("", |s| s.says);
            let (state, note) = match cell {
                Cell::Satisfied { cases } => ("satisfied".to_string(), cases.join(", ")),
                Cell::Broken { case, detail } => (format!("BROKEN: {case}"), detail.clone()),
                Cell::NotExercised => ("not exercised in this run".into(), says.to_string()),
                Cell::NotAffected { why } => ("not affected".into(), (*why).to_string()),
            };
            let _ = write!(
                out,
                "<td><strong>{}</strong><br><span class=\"sev\">{}</span></td>",
                esc(&r.redact(&state)),
                esc(&r.redact(&note))
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    out
}

/// The clients, as the matrix's columns.
pub const CLIENTS: &[Client] = &[Client::Entra, Client::Okta];

pub(super) const fn probe(case: &'static str, step: Option<&'static str>, shows: Shows) -> Probe {
    Probe { case, step, shows }
}

pub(super) const fn entra(says: &'static str, probes: &'static [Probe]) -> Side {
    Side {
        client: Client::Entra,
        says,
        probes,
    }
}

pub(super) const fn okta(says: &'static str, probes: &'static [Probe]) -> Side {
    Side {
        client: Client::Okta,
        says,
        probes,
    }
}

/// The catalogue, in docs/cross-client.md's order (`matrix_catalogue.rs`).
pub const BEHAVIOURS: &[Behaviour] = &super::matrix_catalogue::CATALOGUE;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Profile, Severity};
    use crate::record::{CheckRecord, StepRecord};
    use std::time::Duration;

    fn case(name: &str, status: Status, step: &str, failed: Option<CheckKind>) -> CaseResult {
        let checks = failed
            .into_iter()
            .map(|what| CheckRecord {
                what,
                passed: false,
                pointer: None,
                expected: "application/scim+json".into(),
                actual: "text/json".into(),
                because: None,
                at: None,
                evidence: None,
            })
            .collect();
        CaseResult {
            name: name.into(),
            suite: name.split("::").next().unwrap_or_default().into(),
            file: "x.yaml".into(),
            case: name.into(),
            profile: Profile::Entra,
            severity: Severity::Required,
            evidence: None,
            source: None,
            entra: None,
            description: String::new(),
            status,
            reason: None,
            steps: vec![StepRecord::native(
                step.into(),
                None,
                checks,
                None,
                crate::model::Auth::Default,
            )],
            cleanup: Vec::new(),
            duration: Duration::ZERO,
            known_failure: None,
        }
    }

    fn row<'a>(rows: &'a [Row], key: &str) -> &'a Row {
        rows.iter().find(|r| r.behaviour.key == key).unwrap()
    }

    #[test]
    fn a_header_failure_breaks_entra_and_okta_copes_so_it_is_a_conflict() {
        let run = RunRecord {
            cases: vec![case(
                "entra-users::create_user[entra]",
                Status::Failed,
                "create the user (U1)",
                Some(CheckKind::Header("Content-Type".into())),
            )],
            ..RunRecord::default()
        };
        let rows = matrix(&run);
        let r = row(&rows, "text-json-answers");
        assert_eq!(r.broken(), [Client::Entra]);
        let line = r.conflict().expect("a conflict line");
        assert!(line.starts_with("text/json answers: Okta "), "{line}");
        assert!(line.contains("R20"), "{line}");
        assert!(
            line.contains("Entra ") && line.contains("(entra-users::create_user[entra] failed)"),
            "{line}"
        );
        // The same case failing on its status is not a content-type finding: a refused create
        // never had its header checked, so the behaviour was not exercised.
        let run = RunRecord {
            cases: vec![case(
                "entra-users::create_user[entra]",
                Status::Failed,
                "create the user (U1)",
                Some(CheckKind::Status),
            )],
            ..RunRecord::default()
        };
        let rows = matrix(&run);
        let r = row(&rows, "text-json-answers");
        assert!(r.broken().is_empty());
        assert_eq!(r.cells[0].1, Cell::NotExercised);
        assert!(r.conflict().is_none());
    }

    #[test]
    fn cells_tell_satisfied_not_exercised_and_not_affected_apart() {
        let rows = matrix(&RunRecord::default());
        for r in &rows {
            for (client, c) in &r.cells {
                let side = r.behaviour.sides.iter().find(|s| s.client == *client);
                let expected_unaffected = side.is_some_and(|s| s.probes.is_empty());
                assert_eq!(
                    matches!(c, Cell::NotAffected { .. }),
                    expected_unaffected,
                    "{} {client:?}",
                    r.behaviour.key
                );
                if !expected_unaffected {
                    assert_eq!(*c, Cell::NotExercised, "{}", r.behaviour.key);
                }
            }
            assert!(r.conflict().is_none());
        }
        // Every behaviour has a side per client, and at least one client is exercised.
        for b in BEHAVIOURS {
            let clients: Vec<Client> = b.sides.iter().map(|s| s.client).collect();
            assert_eq!(clients, CLIENTS, "{}", b.key);
            assert!(b.sides.iter().any(|s| !s.probes.is_empty()), "{}", b.key);
        }
        // A passing probe case satisfies; a skipped one does not exercise.
        let run = RunRecord {
            cases: vec![
                case(
                    "okta-oin::spec_invalid_user_by_id[okta-oin]",
                    Status::Passed,
                    "SPEC step 4: GET /Users/010101001010101011001010101011",
                    None,
                ),
                case(
                    "okta-oin::spec_status_404[okta-oin]",
                    Status::Skipped,
                    "SPEC step 12: GET /Users/00919288221112222",
                    None,
                ),
            ],
            ..RunRecord::default()
        };
        let rows = matrix(&run);
        let r = row(&rows, "typed-ids-400");
        assert_eq!(
            r.cells[1].1,
            Cell::Satisfied {
                cases: vec!["okta-oin::spec_invalid_user_by_id[okta-oin]".into()]
            }
        );
    }

    #[test]
    fn probes_match_whole_case_names() {
        let p = probe("entra-users::create_user", None, Shows::Any);
        assert!(names(&p, "entra-users::create_user[entra]"));
        assert!(!names(&p, "entra-users::create_user_full_mapping[entra]"));
        let exact = probe("entra-users::disable_user[entra]", None, Shows::Any);
        assert!(names(&exact, "entra-users::disable_user[entra]"));
        assert!(!names(&exact, "entra-users::disable_user[entra-flag]"));
    }
}
