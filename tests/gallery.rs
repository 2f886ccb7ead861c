//! The gallery validation's test table (`report::GATE_TESTS`) against the shipped suites and
//! `suites/entra/README.md`: every case it names exists under the named profile, every
//! `entra-gallery` case replays a test, and the README prints the table as the code has it.
//!
//! After a deliberate change, `SCIMTEST_BLESS=1 cargo test --test gallery` rewrites the table.

mod common;

use common::*;

const START: &str = "<!-- gallery-tests:start -->";
const END: &str = "<!-- gallery-tests:end -->";

#[test]
fn every_gate_test_names_shipped_cases_and_the_readme_shows_the_table() {
    let planned: Vec<String> = shipped_plan().into_iter().map(|c| c.name).collect();
    let named: Vec<&str> = scimtest::report::GATE_TESTS
        .iter()
        .flat_map(|t| t.cases.iter().copied())
        .collect();
    for n in &named {
        assert!(planned.iter().any(|p| p == n), "{n} is not a shipped case");
    }
    for p in planned.iter().filter(|p| p.starts_with("entra-gallery::")) {
        assert!(named.contains(&p.as_str()), "{p} replays no gate test");
    }
    let path = root().join("suites/entra/README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let table = scimtest::report::gate_table();
    let (head, rest) = text
        .split_once(START)
        .expect("README has the gallery table markers");
    let (current, tail) = rest.split_once(END).expect("README has the end marker");
    let wanted = format!("\n{table}");
    if std::env::var_os("SCIMTEST_BLESS").is_some() {
        std::fs::write(&path, format!("{head}{START}{wanted}{END}{tail}")).unwrap();
        return;
    }
    assert_eq!(
        current, wanted,
        "the gallery table in suites/entra/README.md is stale; run SCIMTEST_BLESS=1 cargo test --test gallery"
    );
}

/// The rate burst fails on throttled answers even when a retry then succeeds (the reference
/// server's `throttle_every` answers every Nth request 429 with `Retry-After: 1`).
#[test]
fn throttled_answers_fail_the_rate_burst() {
    let rt = runtime();
    rt.block_on(async {
        let config = scimtest::server::ServerConfig {
            base_path: "/scim/v2".into(),
            token: TOKEN.into(),
            defects: Default::default(),
            throttle_every: 5,
            limits: Default::default(),
        };
        let s = scimtest::server::spawn(([127, 0, 0, 1], 0).into(), config)
            .await
            .unwrap();
        let cx = context(&s.base_url);
        let r = scimtest::run::request_rate(&cx.http, &cx.base_url).await;
        assert_eq!(r.status, scimtest::record::Status::Failed, "{:?}", r.reason);
        assert!(r.reason.unwrap_or_default().contains("throttled"));
        let clean = server(&[]).await;
        let cx = context(&clean.base_url);
        let r = scimtest::run::request_rate(&cx.http, &cx.base_url).await;
        assert_eq!(r.status, scimtest::record::Status::Passed, "{:?}", r.reason);
    });
}

/// The status results.json records for `case` in the report folder `dir`.
fn status_of(dir: &std::path::Path, case: &str) -> String {
    let text = std::fs::read_to_string(dir.join("results.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == case)
        .and_then(|c| c["status"].as_str())
        .unwrap_or("absent")
        .to_string()
}

/// With `--entra-schema`, SCIM_User_Create_Test posts Initialization's `scimUserBody` over
/// the app's whole directory list (`Build_SCIM_User_Body` @36451beb): the Acme extension's
/// attributes and URN are in it, so a server refusing that unknown URN fails the create,
/// while the same server passes the default create (no Acme attribute in it).
#[test]
fn the_create_body_carries_the_apps_directory_attributes() {
    let schema = root().join("fixtures/entra-schema/synchronization-schema.json");
    let case = "entra-gallery::user_create[gallery]";
    let run = |name: &str, with_schema: bool| {
        let dir = tmp(name);
        let mut cmd = bin();
        cmd.args(["run", "-q", "--profile", "gallery", "--defect"])
            .arg("unknown-schema-rejected")
            .arg("--report-dir")
            .arg(&dir)
            .arg(case.trim_end_matches("[gallery]"));
        if with_schema {
            cmd.arg("--entra-schema").arg(&schema);
        }
        let out = cmd.output().unwrap();
        (status_of(&dir, case), text(&out))
    };
    let (status, out) = run("gallery-create-default", false);
    assert_eq!(status, "passed", "{out}");
    let (status, out) = run("gallery-create-directory", true);
    assert_eq!(status, "failed", "{out}");
    assert!(out.contains("as scimUserBody does"), "{out}");
}

/// The request bodies of `method` requests in a report folder's traffic.har.
fn bodies_sent(dir: &std::path::Path, method: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("traffic.har")).unwrap();
    let har: serde_json::Value = serde_json::from_str(&text).unwrap();
    har["log"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["request"]["method"] == method)
        .filter_map(|e| e["request"]["postData"]["text"].as_str().map(String::from))
        .collect()
}

/// With `--discover`, SCIM_Null_Update_Test clears what the target's `/Schemas` declares
/// (standing in for `sourceToTargetLookup`), custom extension attributes included, and the
/// manager tests run when `/Schemas` declares the manager (as the gate runs them when the
/// app's attribute list has it).
#[test]
fn discovered_attributes_are_the_null_update_targets() {
    let acme = root().join("fixtures/entra-schema/acme-user-extension.json");
    let key = "urn:ietf:params:scim:schemas:extension:Acme:2.0:User:costCenterCode";
    let run = |name: &str, discover: bool| {
        let dir = tmp(name);
        let mut cmd = bin();
        cmd.args(["run", "-q", "--profile", "gallery", "--schema"])
            .arg(&acme)
            .arg("--report-dir")
            .arg(&dir)
            .args(["entra-gallery::null_update", "entra-gallery::manager_set"]);
        if discover {
            cmd.arg("--discover");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        dir
    };
    let dir = run("gallery-null-default", false);
    assert!(!bodies_sent(&dir, "PATCH").iter().any(|b| b.contains(key)));
    let dir = run("gallery-null-discover", true);
    let patches = bodies_sent(&dir, "PATCH");
    let clears = patches.iter().filter(|b| b.contains(key)).count();
    assert_eq!(
        clears, 4,
        "both phases of both formats clear it: {patches:?}"
    );
    let case = "entra-gallery::manager_set_change_remove_non_verbose[gallery]";
    assert_eq!(status_of(&dir, case), "passed");
}
