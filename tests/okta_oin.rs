//! Okta's OIN gate offline (`suites/okta/oin.yaml`, `report::OIN_STEPS`): the table names the
//! shipped cases and their steps, the clean reference server passes every required step and
//! keeps nothing, and each OIN-specific defect fails the "Okta OIN gate" verdict naming the
//! gate's step.

mod common;

use common::*;
use scimtest::model::{Profile, Severity};
use scimtest::plan::plan;
use scimtest::record::{RunRecord, Status};
use scimtest::report::{OIN_STEPS, OinCategory, Outcome, verdicts};
use scimtest::server::Defect;

#[test]
fn the_gate_table_names_every_okta_oin_case_and_step() {
    let suites = suites_at(&root().join("suites"));
    let oin = suites
        .iter()
        .find(|s| s.name == "okta-oin")
        .expect("the okta-oin suite ships");
    for step in OIN_STEPS {
        let name = step
            .case
            .strip_prefix("okta-oin::")
            .and_then(|c| c.strip_suffix("[okta-oin]"))
            .expect("table cases are okta-oin::CASE[okta-oin]");
        let case = oin
            .cases
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{} is not in suites/okta/oin.yaml", step.case));
        let matching = case
            .steps
            .iter()
            .filter(|s| s.name.contains(step.step))
            .count();
        assert_eq!(matching, 1, "{}: one step names `{}`", step.case, step.step);
        let required = case.severity == Severity::Required;
        assert_eq!(
            required,
            step.category == OinCategory::Required,
            "{}: the case's severity and the table's category agree",
            step.label()
        );
    }
    for case in &oin.cases {
        let full = format!("okta-oin::{}[okta-oin]", case.name);
        assert!(
            OIN_STEPS.iter().any(|s| s.case == full),
            "{full} replays no step of the gate"
        );
        assert_eq!(case.profiles, [Profile::OktaOin]);
    }
}

fn oin_plan() -> Vec<scimtest::plan::PlannedCase> {
    plan(&suites_at(&root().join("suites/okta")), &[Profile::OktaOin])
}

fn gate(cases: Vec<scimtest::record::CaseResult>) -> scimtest::report::Verdict {
    let run = RunRecord {
        cases,
        ..RunRecord::default()
    };
    verdicts(&run)
        .into_iter()
        .find(|v| v.key == "okta-oin")
        .expect("the OIN gate has a verdict")
}

#[test]
fn the_clean_server_passes_the_gate_and_each_oin_defect_fails_its_step() {
    let rt = runtime();
    rt.block_on(async {
        let s = server(&[]).await;
        let results = run_against(&s, oin_plan()).await;
        assert!(failing(&results).is_empty(), "{:?}", failing(&results));
        assert!(results.iter().all(|r| r.status == Status::Passed));
        assert_eq!(
            s.state.store.counts(),
            (0, 0),
            "the gate's users are removed"
        );
        let v = gate(results);
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.reason);

        for (defect, step) in [
            (
                Defect::TypedIds400,
                "SPEC step 4 \"Test invalid User by ID\"",
            ),
            (Defect::NonScimErrors, "SPEC step 11 \"Check status 401\""),
            (
                Defect::ApplicationJsonRefused,
                "SPEC step 6 \"Create Okta user with realistic values\"",
            ),
            (Defect::SummaryLists, "SPEC step 1 \"Test Users endpoint\""),
            (
                Defect::IdempotentCreate,
                "SPEC step 8 \"Expect failure when recreating user with same values\"",
            ),
            (
                Defect::EmptyQuery404,
                "SPEC step 3 \"Test invalid User by username\"",
            ),
        ] {
            let s = server(&[defect]).await;
            let results = run_against(&s, oin_plan()).await;
            assert_eq!(
                s.state.store.counts(),
                (0, 0),
                "{defect}: nothing left behind"
            );
            let v = gate(results);
            assert_eq!(v.outcome, Outcome::Fail, "{defect}: {}", v.reason);
            assert!(v.reason.contains(step), "{defect}: {}", v.reason);
        }
    });
}

#[test]
fn text_json_answers_do_not_fail_the_oin_gate() {
    let rt = runtime();
    rt.block_on(async {
        let s = server(&[Defect::TextJsonAnswers]).await;
        let results = run_against(&s, oin_plan()).await;
        let v = gate(results);
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.reason);
    });
}
