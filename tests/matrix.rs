//! The cross-client matrix (`report::matrix`) against real runs: every probe names a shipped
//! case and one of its steps, the clean reference server breaks no client, and a server that
//! answers `text/json` or has no discovery endpoints gets a conflict line naming both sides.

mod common;

use common::*;
use scimtest::model::Client;
use scimtest::record::RunRecord;
use scimtest::report::{BEHAVIOURS, Cell, matrix};
use scimtest::server::Defect;

#[test]
fn every_probe_names_a_shipped_case_and_step() {
    let suites = suites_at(&root().join("suites"));
    let planned: Vec<String> = shipped_plan().into_iter().map(|c| c.name).collect();
    for b in BEHAVIOURS {
        for side in b.sides {
            for p in side.probes {
                let (suite, rest) = p.case.split_once("::").expect("suite::case");
                // Suites of the okta profile land separately; their probes are checked once
                // they ship.
                let Some(s) = suites.iter().find(|s| s.name == suite) else {
                    assert!(
                        suite.starts_with("okta-"),
                        "{}: unknown suite {suite}",
                        b.key
                    );
                    continue;
                };
                let case_name = rest.split('[').next().unwrap();
                let case = s
                    .cases
                    .iter()
                    .find(|c| c.name == case_name)
                    .unwrap_or_else(|| panic!("{}: no case {}", b.key, p.case));
                if let Some(step) = p.step {
                    assert!(
                        case.steps.iter().any(|s| s.name.contains(step)),
                        "{}: {} has no step naming `{step}`",
                        b.key,
                        p.case
                    );
                }
                assert!(
                    planned
                        .iter()
                        .any(|n| n == p.case || n.starts_with(&format!("{}[", p.case))),
                    "{}: {} is not planned",
                    b.key,
                    p.case
                );
            }
        }
    }
}

/// The shipped cases the matrix reads, run against a server with `defects`.
fn run_probes(defects: &[Defect]) -> RunRecord {
    let wanted: Vec<&str> = BEHAVIOURS
        .iter()
        .flat_map(|b| b.sides.iter())
        .flat_map(|s| s.probes.iter().map(|p| p.case))
        .collect();
    let plan: Vec<_> = shipped_plan()
        .into_iter()
        .filter(|c| {
            wanted
                .iter()
                .any(|w| c.name == *w || c.name.starts_with(&format!("{w}[")))
        })
        .collect();
    let rt = runtime();
    rt.block_on(async {
        let s = server(defects).await;
        RunRecord {
            cases: run_against(&s, plan).await,
            ..RunRecord::default()
        }
    })
}

#[test]
fn the_clean_server_breaks_no_client() {
    let run = run_probes(&[]);
    for row in matrix(&run) {
        assert!(
            row.broken().is_empty(),
            "{}: {:?}",
            row.behaviour.key,
            row.cells
        );
        assert!(row.conflict().is_none());
    }
}

#[test]
fn text_json_answers_and_missing_discovery_are_conflicts_with_both_sources() {
    let run = run_probes(&[Defect::TextJsonAnswers]);
    let rows = matrix(&run);
    let row = rows
        .iter()
        .find(|r| r.behaviour.key == "text-json-answers")
        .unwrap();
    assert_eq!(row.broken(), [Client::Entra]);
    let line = row.conflict().expect("a conflict line");
    assert!(
        line.starts_with("text/json answers: Okta accepts them") && line.contains("R20"),
        "{line}"
    );
    assert!(
        line.contains("Entra rejects them") && line.contains("SCIM guide"),
        "{line}"
    );
    // No other behaviour is blamed for it.
    let others: Vec<&str> = rows
        .iter()
        .filter(|r| !r.broken().is_empty() && r.behaviour.key != "text-json-answers")
        .map(|r| r.behaviour.key)
        .collect();
    assert!(others.is_empty(), "{others:?}");

    let run = run_probes(&[Defect::DiscoveryMissing]);
    let rows = matrix(&run);
    let row = rows
        .iter()
        .find(|r| r.behaviour.key == "no-discovery")
        .unwrap();
    let line = row.conflict().expect("a conflict line");
    assert!(
        line.contains("Okta does not read them (FAQ24, FAQ26")
            && line.contains("Entra fails its gallery validation"),
        "{line}"
    );
}

#[test]
fn oin_breaks_show_as_okta_broken_and_entra_coping() {
    let run = run_probes(&[Defect::TypedIds400]);
    let rows = matrix(&run);
    let row = rows
        .iter()
        .find(|r| r.behaviour.key == "typed-ids-400")
        .unwrap();
    assert!(
        matches!(row.cells[0].1, Cell::Satisfied { .. }),
        "{:?}",
        row.cells
    );
    assert!(
        matches!(&row.cells[1].1, Cell::Broken { case, .. } if case.starts_with("okta-oin::")),
        "{:?}",
        row.cells
    );
    assert!(row.conflict().unwrap().contains("SPEC steps 4 and 12"));
}
