//! The report files a run writes: results.json against its documented schema, traffic.har
//! against the HAR 1.2 structure; baselines; the config file. (report.html in headless
//! Chromium: tests/html_browser.rs.)

mod common;

use common::*;

use scimtest::schema_store::SchemaStore;
use serde_json::Value;
use std::collections::BTreeMap;

fn validate(schema_file: &str, name: &str, doc: &Value) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join(schema_file)).unwrap())
            .unwrap();
    let store = SchemaStore::from_documents(BTreeMap::from([(name.to_string(), schema)])).unwrap();
    let violations = store.validate(name, doc).unwrap();
    assert!(violations.is_empty(), "{name}: {violations:#?}");
}

#[test]
fn results_json_and_har_follow_their_schemas_and_baselines_work() {
    let dir = tmp("reports");
    let console = failing_run(&dir);
    assert!(
        console.contains(
            "KNOWN   entra-users::disable_user[entra] — PROJ-1: string booleans not accepted yet"
        ),
        "{console}"
    );
    assert!(console.contains("Stale baseline entries"), "{console}");
    assert!(
        console.contains("  entra-users::get_unknown_user\n"),
        "{console}"
    );
    assert!(
        !console.contains("\x1b["),
        "no colour when stdout is not a terminal"
    );

    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    validate("docs/results.schema.json", "results", &results);
    let cases = results["cases"].as_array().unwrap();
    let disable = cases
        .iter()
        .find(|c| c["name"] == "entra-users::disable_user[entra]")
        .unwrap();
    assert_eq!(disable["status"], "failed");
    assert_eq!(
        disable["known_failure"],
        "PROJ-1: string booleans not accepted yet"
    );
    assert!(
        disable["entra"]
            .as_str()
            .unwrap()
            .starts_with("Deprovisioning fails")
    );
    let failed_check = disable["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["checks"].as_array().unwrap())
        .find(|c| c["passed"] == false)
        .unwrap();
    assert_eq!(failed_check["what"], "status");
    assert_eq!(
        results["run"]["stale_baseline"],
        serde_json::json!(["entra-users::get_unknown_user"])
    );
    assert_eq!(results["run"]["passed"], false);
    assert!(
        results["summary"]["required"]["known_failures"]
            .as_u64()
            .unwrap()
            >= 1
    );

    let har: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("traffic.har")).unwrap()).unwrap();
    validate("tests/har/har-1.2.schema.json", "har", &har);
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(
        entries.len() as u64,
        results["run"]["requests"].as_u64().unwrap()
    );
    let auth: Vec<&Value> = entries
        .iter()
        .flat_map(|e| e["request"]["headers"].as_array().unwrap())
        .filter(|h| h["name"] == "Authorization")
        .collect();
    assert!(!auth.is_empty() && auth.iter().all(|h| h["value"] == "Bearer ***"));
    let query = entries
        .iter()
        .find(|e| e["request"]["url"].as_str().unwrap().contains("filter="))
        .unwrap();
    assert_eq!(query["request"]["queryString"][0]["name"], "filter");
}

#[test]
fn config_file_supplies_defaults_and_flags_override_it() {
    let dir = tmp("config");
    std::fs::write(
        dir.join("scimtest.toml"),
        format!(
            "suites = [\"{}\"]\nprofiles = [\"entra-flag\"]\nreport_dir = \"out\"\ntimeout = 5\ncase_timeout = 60\n",
            common::root().join("suites/entra/connection.yaml").display()
        ),
    )
    .unwrap();
    let out = bin()
        .args(["run", "--config"])
        .arg(dir.join("scimtest.toml"))
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("entra-connection::test_connection_users[entra-flag]")
            && !all.contains("[validator]"),
        "{all}"
    );
    assert!(
        dir.join("out/junit.xml").is_file(),
        "report_dir is relative to the config file"
    );
    // A flag wins over the file.
    let out = bin()
        .args(["run", "--config"])
        .arg(dir.join("scimtest.toml"))
        .args(["--profile", "validator", "--report-dir"])
        .arg(dir.join("flag"))
        .output()
        .unwrap();
    let all = text(&out);
    assert!(
        all.contains("[validator]") && !all.contains("[entra-flag]"),
        "{all}"
    );
    // Secrets come from variables the file names, never from the file.
    std::fs::write(dir.join("bad.toml"), "[auth]\ntoken = \"inline-secret\"\n").unwrap();
    let out = bin()
        .args(["run", "--config"])
        .arg(dir.join("bad.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("unknown field `token`"),
        "{}",
        text(&out)
    );
    std::fs::write(
        dir.join("unset.toml"),
        "target = \"http://127.0.0.1:9\"\n[auth]\ntoken_env = \"SCIMTEST_NOT_SET_ANYWHERE\"\n",
    )
    .unwrap();
    let out = bin()
        .args(["run", "--config"])
        .arg(dir.join("unset.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("SCIMTEST_NOT_SET_ANYWHERE, which is not set"),
        "{}",
        text(&out)
    );
}
