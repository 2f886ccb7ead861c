//! Golden tests: the reports of one hand-built run record, byte for byte.
//!
//! The record holds one case of each kind a report tells apart: passed, a required failure
//! with its located check and curl line, a required error blocked by a set-up step, a skipped
//! case, a recommended failure, a known (baselined) failure, a cleanup that did not finish, a
//! throttled retry, leftovers, a contradiction and a stale baseline entry. A secret is placed
//! in the fields the reporters mask themselves (target, reasons, details, curl lines, the
//! OAuth token URL), so a golden also proves it never leaves; exchanges hold it masked, as
//! the runner records them.
//!
//! Only the JUnit `timestamp` (the time of writing) is masked before comparing. To accept a
//! deliberate change, run `UPDATE_GOLDEN=1 cargo test --test golden` and review the diff.

use scimtest::model::{Auth, Evidence, Profile, Severity};
use scimtest::record::{
    CaseResult, CheckKind, CheckRecord, CleanupRecord, Exchange, RunRecord, Status, StepRecord,
};
use scimtest::redact::Redactor;
use scimtest::report::{ReproAuth, ReproSettings};
use std::path::{Path, PathBuf};
use std::time::Duration;

const SECRET: &str = "golden-token-0123456789";

/// An exchange as the runner records it: already redacted (the body held a secret).
fn exchange(method: &str, path: &str, status: u16, body: &str) -> Exchange {
    Exchange {
        method: method.into(),
        url: format!("https://scim.example.test/scim{path}"),
        request_headers: vec![
            ("Authorization".into(), "Bearer ***".into()),
            ("Accept".into(), "application/scim+json".into()),
        ],
        request_body: (method != "GET" && method != "DELETE")
            .then(|| r#"{"userName":"scimtest-r1-ann@contoso.example","note":"***"}"#.to_string()),
        status,
        response_headers: vec![("Content-Type".into(), "application/scim+json".into())],
        response_body: body.into(),
        elapsed: Duration::from_millis(12),
        retries: Vec::new(),
    }
}

fn check(what: CheckKind, passed: bool, expected: &str, actual: &str) -> CheckRecord {
    CheckRecord {
        what,
        passed,
        pointer: None,
        expected: expected.into(),
        actual: actual.into(),
        because: None,
        at: None,
        evidence: None,
    }
}

fn step(name: &str, exchange: Option<Exchange>, checks: Vec<CheckRecord>) -> StepRecord {
    StepRecord {
        name: name.into(),
        exchange,
        checks,
        error: None,
        curl: None,
        ownership: Vec::new(),
        entra: None,
        setup: false,
        finding: false,
        auth: Auth::Default,
    }
}

fn case(name: &str, severity: Severity, status: Status, steps: Vec<StepRecord>) -> CaseResult {
    CaseResult {
        name: format!("golden::{name}[entra]"),
        suite: "golden".into(),
        file: PathBuf::from("tests/golden/suite.yaml"),
        case: name.into(),
        profile: Profile::Entra,
        severity,
        evidence: None,
        source: None,
        entra: None,
        description: format!("The {name} case."),
        status,
        reason: None,
        steps,
        cleanup: Vec::new(),
        duration: Duration::from_millis(25),
        known_failure: None,
    }
}

fn record() -> RunRecord {
    let created = r#"{"id":"u-1","userName":"scimtest-r1-ann@contoso.example","active":true}"#;
    let passed = case(
        "create_user",
        Severity::Required,
        Status::Passed,
        vec![step(
            "create",
            Some(exchange("POST", "/Users", 201, created)),
            vec![check(CheckKind::Status, true, "201", "201")],
        )],
    );

    let mut disable = step(
        "disable",
        Some(exchange("PATCH", "/Users/u-1", 200, created)),
        vec![
            check(CheckKind::Status, true, "200", "200"),
            CheckRecord {
                pointer: Some("/active".into()),
                because: Some("Entra disables a user with PATCH active=false".into()),
                at: Some((10, 13)),
                ..check(CheckKind::Equals, false, "false", "true")
            },
        ],
    );
    disable.curl = Some(format!(
        "curl -X PATCH -H 'Authorization: Bearer {SECRET}' https://scim.example.test/scim/Users/u-1"
    ));
    disable.entra = Some("the user stays active in the app after being disabled in Entra".into());
    let mut create = step(
        "create",
        Some(exchange("POST", "/Users", 201, created)),
        vec![check(CheckKind::Status, true, "201", "201")],
    );
    create.setup = true;
    let mut failed = case(
        "disable_user",
        Severity::Required,
        Status::Failed,
        vec![create, disable],
    );
    failed.reason =
        Some("step `disable`: /active equals at /active: expected false, got true".into());
    failed.evidence = Some(Evidence::Documented);
    failed.source = Some("E2 (SCIM compatibility: disable user)".into());
    failed.cleanup = vec![CleanupRecord {
        path: "/Users/u-1".into(),
        status: 500,
        ok: false,
        detail: Some(format!("DELETE answered 500: {SECRET}")),
        exchange: Some(exchange("DELETE", "/Users/u-1", 500, "")),
        reads: vec![exchange("GET", "/Users/u-1", 200, created)],
    }];

    let mut setup = step("create group", None, Vec::new());
    setup.error = Some("connection refused (transport)".into());
    setup.setup = true;
    let mut errored = case(
        "add_member",
        Severity::Required,
        Status::Errored,
        vec![setup],
    );
    errored.reason = Some("blocked by set-up step `create group`: connection refused".into());

    let mut skipped = case("manager", Severity::Required, Status::Skipped, Vec::new());
    skipped.reason = Some("capability absent: manager (--no-manager)".into());

    let mut throttled = exchange(
        "GET",
        "/Users?filter=userName%20eq%20%22x%22",
        200,
        r#"{"Resources":[]}"#,
    );
    throttled.retries = vec!["429 Too Many Requests, waited 1s (Retry-After)".into()];
    let mut recommended = case(
        "etag",
        Severity::Recommended,
        Status::Failed,
        vec![step(
            "read",
            Some(throttled),
            vec![check(
                CheckKind::Header("ETag".into()),
                false,
                "present",
                "absent",
            )],
        )],
    );
    recommended.reason = Some("step `read`: header ETag: expected present, got absent".into());

    let mut known = case(
        "string_booleans",
        Severity::Required,
        Status::Failed,
        vec![step(
            "replace",
            Some(exchange("PATCH", "/Users/u-1", 400, r#"{"detail":"bad"}"#)),
            vec![check(CheckKind::Status, false, "200", "400")],
        )],
    );
    known.reason = Some("step `replace`: status: expected 200, got 400".into());
    known.known_failure = Some("PROJ-1: string booleans not accepted yet".into());

    RunRecord {
        run_id: "r1".into(),
        started: "2026-11-23T12:00:00Z".into(),
        target: format!("https://scim.example.test/scim?token={SECRET}"),
        cases: vec![passed, failed, errored, skipped, recommended, known],
        duration: Duration::from_millis(1234),
        interrupted: false,
        tls_verified: false,
        stale_baseline: vec!["golden::old_case".into()],
        leftovers: vec!["/Users/u-1 (scimtest-r1-ann@contoso.example)".into()],
        sweep_command: Some(
            "scimtest sweep --target https://scim.example.test/scim --run-id r1".into(),
        ),
        repro_dir: None,
        contradictions: vec!["/ServiceProviderConfig says patch is not supported".into()],
    }
}

fn redactor() -> Redactor {
    Redactor::new([SECRET.to_string()])
}

/// Compares `actual` with the golden file `name`, or rewrites it under `UPDATE_GOLDEN=1`.
fn golden(name: &str, actual: &str) {
    assert!(!actual.contains(SECRET), "{name} leaks the secret");
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{name} differs from its golden from line {}:\n--- golden\n{}\n--- actual\n{}\n(UPDATE_GOLDEN=1 accepts the change)",
            line + 1,
            expected.lines().nth(line).unwrap_or("<end>"),
            actual.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

#[test]
fn junit_xml() {
    let xml = scimtest::report::junit_xml(&record(), &redactor(), "ci-host", false);
    let stamp = regex::Regex::new(r#"timestamp="[^"]*""#).unwrap();
    golden("junit.xml", &stamp.replace_all(&xml, r#"timestamp="…""#));
}

#[test]
fn junit_xml_all_failures() {
    let xml = scimtest::report::junit_xml(&record(), &redactor(), "ci-host", true);
    let stamp = regex::Regex::new(r#"timestamp="[^"]*""#).unwrap();
    golden(
        "junit-all-failures.xml",
        &stamp.replace_all(&xml, r#"timestamp="…""#),
    );
}

#[test]
fn console_summary() {
    let reports = [
        "reports/junit.xml".to_string(),
        "reports/report.html".to_string(),
    ];
    golden(
        "console.txt",
        &scimtest::report::summary(&record(), &redactor(), &reports, Default::default()),
    );
}

#[test]
fn console_summary_in_colour() {
    golden(
        "console-colour.txt",
        &scimtest::report::summary(
            &record(),
            &redactor(),
            &[],
            scimtest::report::Detail {
                colour: true,
                verbose: false,
            },
        ),
    );
}

#[test]
fn console_summary_verbose() {
    golden(
        "console-verbose.txt",
        &scimtest::report::summary(
            &record(),
            &redactor(),
            &["reports/junit.xml".to_string()],
            scimtest::report::Detail {
                colour: false,
                verbose: true,
            },
        ),
    );
}

#[test]
fn results_json() {
    let doc = scimtest::report::results_json(&record(), &redactor());
    golden(
        "results.json",
        &(serde_json::to_string_pretty(&doc).unwrap() + "\n"),
    );
}

#[test]
fn report_html() {
    golden(
        "report.html",
        &scimtest::report::html(&record(), &redactor()),
    );
}

#[test]
fn repro_script() {
    let settings = ReproSettings {
        auth: ReproAuth::OAuth {
            token_url: format!("https://login.example.test/token?k={SECRET}"),
            post: true,
            scope: Some("scim.write".into()),
        },
        ca_cert: Some(PathBuf::from("certs/ca.pem")),
        insecure: true,
        timeout_secs: 30,
        builtin_server: false,
        base_url: "https://scim.example.test/scim".into(),
    };
    let run = record();
    let failed = &run.cases[1];
    let script = scimtest::report::repro_script(failed, &settings, &redactor()).unwrap();
    golden("repro-disable_user.sh", &script);
    assert_eq!(
        scimtest::report::script_name(failed),
        "golden__disable_user_entra.sh"
    );
    let builtin = ReproSettings {
        auth: ReproAuth::Bearer,
        ca_cert: None,
        insecure: false,
        builtin_server: true,
        ..settings
    };
    let passed = &run.cases[0];
    assert!(scimtest::report::repro_script(passed, &builtin, &redactor()).is_none());
    let script = scimtest::report::repro_script(failed, &builtin, &redactor()).unwrap();
    golden("repro-builtin.sh", &script);
}
