//! One verdict per client question: would Entra provisioning work with this endpoint, would
//! Microsoft's gallery validation pass it, would Okta's provisioning work with it, and would
//! Okta's OIN gate pass it. Each is computed from the run's results alone; the exit code keeps
//! its own rule (required cases).

use super::gallery::{Category, GATE_TESTS, GateTest};
use super::oin_gate::{OIN_STEPS, OinCategory, OinStep};
use crate::model::{Client, Profile, Severity};
use crate::record::{CaseResult, RunRecord, Status};

/// The answer to one client question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The client (or its gate) would accept the endpoint, as far as the run could replay it.
    Pass,
    /// It would not: a case it depends on failed.
    Fail,
    /// Nothing replayed failed, but the gate cannot pass with this run's set-up (for example a
    /// static bearer token, where the gate needs its credentials test).
    CannotPassYet,
    /// The run did not replay enough of it to say (filtered out, interrupted).
    NotRun,
}

impl Outcome {
    /// Machine name (`results.json`).
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::CannotPassYet => "cannot_pass_yet",
            Outcome::NotRun => "not_run",
        }
    }

    /// Console and HTML label.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::CannotPassYet => "CANNOT PASS YET",
            Outcome::NotRun => "NOT RUN",
        }
    }
}

/// One client question's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Stable key (`entra`, `gallery`, `okta`, `okta-oin`).
    pub key: &'static str,
    /// The client the question is about.
    pub client: Client,
    /// The question, as shown: "Entra provisioning", "Microsoft gallery validation", "Okta
    /// provisioning", "Okta OIN gate".
    pub question: &'static str,
    /// The answer.
    pub outcome: Outcome,
    /// One line: why.
    pub reason: String,
}

/// Every client question the run answers, in a fixed order.
pub fn verdicts(run: &RunRecord) -> Vec<Verdict> {
    vec![entra(run), gallery(run), okta(run), oin_gate(run)]
}

fn failing(c: &CaseResult) -> bool {
    matches!(c.status, Status::Failed | Status::Errored)
}

fn names(list: &[&str]) -> String {
    const SHOWN: usize = 4;
    let mut out = list
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > SHOWN {
        out.push_str(&format!(" and {} more", list.len() - SHOWN));
    }
    out
}

/// Entra provisioning: every required case of Entra's provisioning profiles (all but the
/// gallery's direct calls). A baselined failure still counts: Entra does not read the baseline.
fn entra(run: &RunRecord) -> Verdict {
    required_cases(
        run,
        (Client::Entra, "entra", "Entra provisioning"),
        |p| p.client() == Client::Entra && p != Profile::Gallery,
        "Entra's request shapes",
        "no required case of the entra, entra-flag or validator profiles ran",
    )
}

/// Okta provisioning: every required case of the `okta` profile (Okta's runtime client; its
/// OIN gate has its own verdict).
fn okta(run: &RunRecord) -> Verdict {
    required_cases(
        run,
        (Client::Okta, "okta", "Okta provisioning"),
        |p| p == Profile::Okta,
        "Okta's request shapes",
        "no required case of the okta profile ran (--profile okta)",
    )
}

/// A client's verdict from the required cases of the profiles `ours` selects.
fn required_cases(
    run: &RunRecord,
    (client, key, question): (Client, &'static str, &'static str),
    ours: impl Fn(Profile) -> bool,
    shapes: &str,
    none_ran: &str,
) -> Verdict {
    let verdict = answer(client, key, question);
    if run.interrupted {
        return verdict(Outcome::NotRun, "the run was interrupted".into());
    }
    let ours: Vec<&CaseResult> = run
        .cases
        .iter()
        .filter(|c| ours(c.profile) && c.severity == Severity::Required)
        .collect();
    if ours.iter().all(|c| c.status == Status::Skipped) {
        return verdict(Outcome::NotRun, none_ran.into());
    }
    let failed: Vec<&str> = ours
        .iter()
        .filter(|c| failing(c))
        .map(|c| c.name.as_str())
        .collect();
    if failed.is_empty() {
        let ran = ours.iter().filter(|c| c.status != Status::Skipped).count();
        return verdict(
            Outcome::Pass,
            format!("all {ran} required cases of {shapes} passed"),
        );
    }
    let known = ours
        .iter()
        .filter(|c| failing(c) && c.known_failure.is_some())
        .count();
    let known = if known > 0 {
        format!(" ({known} of them baselined as known failures)")
    } else {
        String::new()
    };
    verdict(
        Outcome::Fail,
        format!(
            "{} required case{} failed{known}: {}",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            names(&failed)
        ),
    )
}

/// How the run answered one gate test, as the Orchestrator would read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TestResult {
    Passed,
    Failed,
    /// Every case replaying it was skipped (a capability declared absent): `SKIPPED`.
    Skipped,
    /// No case replaying it was in the run.
    Absent,
}

fn result_of(run: &RunRecord, test: &GateTest) -> TestResult {
    let cases: Vec<&CaseResult> = run
        .cases
        .iter()
        .filter(|c| test.cases.contains(&c.name.as_str()))
        .collect();
    if cases.is_empty() {
        TestResult::Absent
    } else if cases.iter().any(|c| failing(c)) {
        TestResult::Failed
    } else if cases.iter().all(|c| c.status == Status::Skipped) {
        TestResult::Skipped
    } else {
        TestResult::Passed
    }
}

/// Why the gate cannot be answered: the mandatory tests the run left out. The tests the gate
/// runs through Entra's provisioning engine replay under the entra profile, so a
/// `--profile gallery` run alone leaves them out: say so.
fn absent_reason(results: &[(&GateTest, TestResult)], absent: &[&str]) -> String {
    let engine_only = results.iter().any(|(t, r)| {
        *r == TestResult::Absent
            && t.category == Category::Mandatory
            && !t.cases.is_empty()
            && t.cases.iter().all(|c| c.ends_with("[entra]"))
    });
    format!(
        "mandatory test{} not replayed in this run (filtered out): {}{}",
        if absent.len() == 1 { "" } else { "s" },
        names(absent),
        if engine_only {
            "; the tests the gate runs through Entra's provisioning engine replay under the entra profile (add --profile entra)"
        } else {
            ""
        }
    )
}

/// Microsoft's gallery validation, as Orchestrator @3372c7e8 `Evaluate_Test_Results` decides
/// it: every mandatory test passed or skipped, and at least one authentication test passed.
fn gallery(run: &RunRecord) -> Verdict {
    let verdict = answer(Client::Entra, "gallery", "Microsoft gallery validation");
    if run.interrupted {
        return verdict(Outcome::NotRun, "the run was interrupted".into());
    }
    let results: Vec<(&GateTest, TestResult)> =
        GATE_TESTS.iter().map(|t| (t, result_of(run, t))).collect();
    let with = |cat: Category, r: TestResult| -> Vec<&str> {
        results
            .iter()
            .filter(|(t, x)| t.category == cat && *x == r && !t.cases.is_empty())
            .map(|(t, _)| t.name)
            .collect()
    };
    let failed = [
        with(Category::Mandatory, TestResult::Failed),
        with(Category::Authentication, TestResult::Failed),
    ]
    .concat();
    let absent = with(Category::Mandatory, TestResult::Absent);
    if !results
        .iter()
        .any(|(_, r)| matches!(r, TestResult::Passed | TestResult::Failed))
    {
        return verdict(
            Outcome::NotRun,
            "no case replaying the gallery validation's tests ran".into(),
        );
    }
    if !failed.is_empty() {
        return verdict(
            Outcome::Fail,
            format!(
                "mandatory test{} would fail: {}",
                if failed.len() == 1 { "" } else { "s" },
                names(&failed)
            ),
        );
    }
    if !absent.is_empty() {
        return verdict(Outcome::NotRun, absent_reason(&results, &absent));
    }
    if with(Category::Authentication, TestResult::Passed).is_empty() {
        return verdict(
            Outcome::CannotPassYet,
            "every replayed mandatory test passed, but without OAuth client credentials the gate cannot pass: Orchestrator @3372c7e8 needs Validate_Credentials_Test or Federated_Identity_Test to pass (a static bearer token passes neither); give --oauth-token-url to replay the credentials test".into(),
        );
    }
    let warnings = with(Category::Optional, TestResult::Failed);
    let not_offline = GATE_TESTS
        .iter()
        .filter(|t| t.cases.is_empty() && t.category != Category::Authentication)
        .count();
    let warned = if warnings.is_empty() {
        String::new()
    } else {
        format!(
            "; optional tests reported as warnings: {}",
            names(&warnings)
        )
    };
    verdict(
        Outcome::Pass,
        format!(
            "every replayed mandatory test and the credentials test passed ({not_offline} tests need a tenant and were not replayed){warned}"
        ),
    )
}

/// How the run answered one request of Okta's OIN gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OinResult {
    Passed,
    /// This request's checks failed.
    Failed,
    /// Its case stopped before it (an earlier request or a set-up step failed): the gate, which
    /// runs every request, would have sent it, so it is neither passed nor failed.
    NotReached,
    /// Its case was skipped (groups declared absent) or not in the run.
    Absent,
}

/// How `step` fared in its case: the case passed; or it failed at this request, before it, or
/// after it (the gate runs every request, so one that held before the failure passed).
fn oin_result(run: &RunRecord, step: &OinStep) -> OinResult {
    let Some(case) = run.cases.iter().find(|c| c.name == step.case) else {
        return OinResult::Absent;
    };
    match case.status {
        Status::Skipped => OinResult::Absent,
        Status::Passed => OinResult::Passed,
        Status::Failed | Status::Errored => {
            let at = case
                .steps
                .iter()
                .position(|s| !s.finding && (s.error.is_some() || s.failed()));
            let mine = case.steps.iter().position(|s| s.name.contains(step.step));
            match (at, mine) {
                (Some(at), Some(mine)) if at == mine => OinResult::Failed,
                (Some(at), Some(mine)) if at > mine => OinResult::Passed,
                _ => OinResult::NotReached,
            }
        }
    }
}

/// Okta's OIN gate: the SPEC test's required requests and the CRUD test's reads, as
/// `Okta-SCIM-20-SPEC-Test.json` @f9abbe3dc1 and `Okta-SCIM-20-CRUD-Test.json` @6654b22701
/// assert them; the optional Groups step and the reads after an inferred stand-in write only warn.
fn oin_gate(run: &RunRecord) -> Verdict {
    let verdict = answer(Client::Okta, "okta-oin", "Okta OIN gate");
    if run.interrupted {
        return verdict(Outcome::NotRun, "the run was interrupted".into());
    }
    let results: Vec<(&OinStep, OinResult)> =
        OIN_STEPS.iter().map(|s| (s, oin_result(run, s))).collect();
    let with = |cat: OinCategory, r: OinResult| -> Vec<String> {
        results
            .iter()
            .filter(|(s, x)| s.category == cat && *x == r)
            .map(|(s, _)| s.label())
            .collect()
    };
    if results.iter().all(|(_, r)| *r == OinResult::Absent) {
        return verdict(
            Outcome::NotRun,
            "no case of the okta-oin suite ran (--profile okta-oin)".into(),
        );
    }
    let failed = with(OinCategory::Required, OinResult::Failed);
    let unreached = with(OinCategory::Required, OinResult::NotReached);
    let absent = with(OinCategory::Required, OinResult::Absent);
    if let Some((outcome, reason)) = oin_blocking(&failed, &unreached, &absent) {
        return verdict(outcome, reason);
    }
    let warnings = [
        with(OinCategory::Optional, OinResult::Failed),
        with(OinCategory::StandIn, OinResult::Failed),
    ]
    .concat();
    let warned = if warnings.is_empty() {
        String::new()
    } else {
        format!("; not blocking, but failed: {}", labels(&warnings))
    };
    verdict(
        Outcome::Pass,
        format!(
            "every required step of the SPEC test (@f9abbe3dc1) and the CRUD test's reads passed (Okta's org actions stood in for by Okta's documented SCIM writes){warned}"
        ),
    )
}

fn labels(list: &[String]) -> String {
    names(&list.iter().map(String::as_str).collect::<Vec<_>>())
}

/// What keeps the OIN gate from passing, if anything: required steps that failed (and those
/// the failure kept from running), a set-up failure before required steps, or required steps
/// this run left out.
fn oin_blocking(
    failed: &[String],
    unreached: &[String],
    absent: &[String],
) -> Option<(Outcome, String)> {
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if !failed.is_empty() {
        let more = if unreached.is_empty() {
            String::new()
        } else {
            format!(
                "; {} more not reached after the failure ({})",
                unreached.len(),
                labels(unreached)
            )
        };
        let n = plural(failed.len());
        let reason = format!("required step{n} would fail: {}{more}", labels(failed));
        return Some((Outcome::Fail, reason));
    }
    if !unreached.is_empty() {
        let n = plural(unreached.len());
        let reason = format!(
            "a set-up step failed before required step{n} {}: see the root causes",
            labels(unreached)
        );
        return Some((Outcome::NotRun, reason));
    }
    if !absent.is_empty() {
        let n = plural(absent.len());
        let reason = format!(
            "required step{n} not replayed in this run (filtered out): {}",
            labels(absent)
        );
        return Some((Outcome::NotRun, reason));
    }
    None
}

/// The verdict of one question, from its outcome and reason.
fn answer(
    client: Client,
    key: &'static str,
    question: &'static str,
) -> impl Fn(Outcome, String) -> Verdict {
    move |outcome, reason| Verdict {
        key,
        client,
        question,
        outcome,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::CaseResult;
    use std::time::Duration;

    fn case(name: &str, profile: Profile, severity: Severity, status: Status) -> CaseResult {
        CaseResult {
            name: name.into(),
            suite: name.split("::").next().unwrap_or_default().into(),
            file: "x.yaml".into(),
            case: name.into(),
            profile,
            severity,
            evidence: None,
            source: None,
            entra: None,
            description: String::new(),
            status,
            reason: None,
            steps: Vec::new(),
            cleanup: Vec::new(),
            duration: Duration::ZERO,
            known_failure: None,
        }
    }

    /// Every replayable gate test's cases, passed; the credentials test as `credentials`.
    fn full(credentials: Status) -> RunRecord {
        let mut cases = Vec::new();
        for t in GATE_TESTS {
            for name in t.cases {
                let profile = if name.ends_with("[gallery]") {
                    Profile::Gallery
                } else {
                    Profile::Entra
                };
                let status = if t.category == Category::Authentication {
                    credentials
                } else {
                    Status::Passed
                };
                cases.push(case(name, profile, Severity::Required, status));
            }
        }
        RunRecord {
            cases,
            ..RunRecord::default()
        }
    }

    fn outcome(run: &RunRecord, key: &str) -> Outcome {
        verdicts(run)
            .into_iter()
            .find(|v| v.key == key)
            .map(|v| v.outcome)
            .unwrap_or(Outcome::NotRun)
    }

    #[test]
    fn a_gallery_profile_run_alone_says_to_add_the_entra_profile() {
        let mut run = full(Status::Passed);
        run.cases.retain(|c| c.profile == Profile::Gallery);
        let v = verdicts(&run)
            .into_iter()
            .find(|v| v.key == "gallery")
            .unwrap();
        assert_eq!(v.outcome, Outcome::NotRun);
        assert!(v.reason.contains("add --profile entra"), "{}", v.reason);
        // With every test present, no such hint.
        assert!(
            !verdicts(&full(Status::Passed))[1]
                .reason
                .contains("--profile")
        );
    }

    #[test]
    fn a_static_token_cannot_pass_the_gate() {
        let run = full(Status::Skipped);
        assert_eq!(outcome(&run, "gallery"), Outcome::CannotPassYet);
        assert_eq!(outcome(&run, "entra"), Outcome::Pass);
        assert_eq!(outcome(&full(Status::Passed), "gallery"), Outcome::Pass);
        assert_eq!(outcome(&full(Status::Failed), "gallery"), Outcome::Fail);
    }

    #[test]
    fn mandatory_failures_fail_and_optional_ones_warn() {
        let mut run = full(Status::Passed);
        let set = |run: &mut RunRecord, name: &str, s: Status| {
            run.cases
                .iter_mut()
                .filter(|c| c.name == name)
                .for_each(|c| c.status = s);
        };
        set(
            &mut run,
            "entra-gallery::group_pagination[gallery]",
            Status::Failed,
        );
        let v = &verdicts(&run)[1];
        assert_eq!(v.outcome, Outcome::Pass);
        assert!(
            v.reason.contains("SCIM_Group_Pagination_Test"),
            "{}",
            v.reason
        );
        set(
            &mut run,
            "entra-gallery::user_update[gallery]",
            Status::Errored,
        );
        let v = &verdicts(&run)[1];
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.reason.contains("SCIM_User_Update_Test"), "{}", v.reason);
        // A skipped mandatory test (a capability declared absent) is SKIPPED: it passes.
        let mut run = full(Status::Passed);
        set(
            &mut run,
            "entra-gallery::manager_set_change_remove[gallery]",
            Status::Skipped,
        );
        assert_eq!(outcome(&run, "gallery"), Outcome::Pass);
    }

    #[test]
    fn what_did_not_run_is_not_judged() {
        let mut run = full(Status::Passed);
        run.cases
            .retain(|c| c.name != "entra-gallery::user_create[gallery]");
        let v = &verdicts(&run)[1];
        assert_eq!(v.outcome, Outcome::NotRun);
        assert!(v.reason.contains("SCIM_User_Create_Test"), "{}", v.reason);
        assert_eq!(outcome(&RunRecord::default(), "gallery"), Outcome::NotRun);
        assert_eq!(outcome(&RunRecord::default(), "entra"), Outcome::NotRun);
        let mut run = full(Status::Passed);
        run.interrupted = true;
        assert_eq!(outcome(&run, "gallery"), Outcome::NotRun);
    }

    /// Every case of the OIN table, passed, each with one step per request it replays.
    fn oin_run() -> RunRecord {
        let mut cases: Vec<CaseResult> = Vec::new();
        for step in OIN_STEPS {
            if !cases.iter().any(|c| c.name == step.case) {
                let severity = match step.category {
                    OinCategory::Required => Severity::Required,
                    _ => Severity::Recommended,
                };
                cases.push(case(step.case, Profile::OktaOin, severity, Status::Passed));
            }
            let c = cases.iter_mut().find(|c| c.name == step.case).unwrap();
            c.steps.push(crate::record::StepRecord::native(
                format!("{} ({})", step.step, step.note),
                None,
                Vec::new(),
                None,
                crate::model::Auth::Default,
            ));
        }
        RunRecord {
            cases,
            ..RunRecord::default()
        }
    }

    /// Fails `case` at its step whose name contains `at`.
    fn fail_at(run: &mut RunRecord, case: &str, at: &str) {
        let c = run.cases.iter_mut().find(|c| c.name == case).unwrap();
        c.status = Status::Failed;
        let s = c.steps.iter_mut().find(|s| s.name.contains(at)).unwrap();
        s.checks.push(crate::record::CheckRecord {
            what: crate::record::CheckKind::Status,
            passed: false,
            pointer: None,
            expected: "409".into(),
            actual: "201".into(),
            because: None,
            at: None,
            evidence: None,
        });
    }

    #[test]
    fn the_oin_gate_names_the_failing_step() {
        let run = oin_run();
        assert_eq!(outcome(&run, "okta-oin"), Outcome::Pass);
        let mut failing = oin_run();
        fail_at(
            &mut failing,
            "okta-oin::spec_create_user[okta-oin]",
            "SPEC step 6:",
        );
        let v = verdicts(&failing).remove(3);
        assert_eq!(v.outcome, Outcome::Fail);
        // Step 5 held before step 6 failed; step 7 was not reached.
        assert!(!v.reason.contains("SPEC step 5 "), "{}", v.reason);
        assert!(
            v.reason.starts_with(
                "required step would fail: SPEC step 6 \"Create Okta user with realistic values\"; 1 more not reached"
            ),
            "{}",
            v.reason
        );
        assert!(v.reason.contains("SPEC step 7 "), "{}", v.reason);
        // The optional Groups step only warns.
        let mut groups = oin_run();
        fail_at(
            &mut groups,
            "okta-oin::spec_groups_endpoint[okta-oin]",
            "SPEC step 10:",
        );
        let v = verdicts(&groups).remove(3);
        assert_eq!(v.outcome, Outcome::Pass);
        assert!(v.reason.contains("Verify Groups endpoint"), "{}", v.reason);
    }

    #[test]
    fn okta_verdicts_are_not_run_without_okta_cases_and_entra_ignores_them() {
        let run = full(Status::Passed);
        assert_eq!(outcome(&run, "okta"), Outcome::NotRun);
        assert_eq!(outcome(&run, "okta-oin"), Outcome::NotRun);
        let mut run = oin_run();
        run.cases.push(case(
            "okta-users::create_user[okta]",
            Profile::Okta,
            Severity::Required,
            Status::Failed,
        ));
        // An Okta failure is Okta's verdict, not Entra's.
        assert_eq!(outcome(&run, "entra"), Outcome::NotRun);
        let v = verdicts(&run).remove(2);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.reason.contains("okta-users::create_user[okta]"),
            "{}",
            v.reason
        );
        let mut filtered = oin_run();
        filtered
            .cases
            .retain(|c| c.name != "okta-oin::spec_status_404[okta-oin]");
        let v = verdicts(&filtered).remove(3);
        assert_eq!(v.outcome, Outcome::NotRun);
        assert!(v.reason.contains("Check status 404"), "{}", v.reason);
    }
}
