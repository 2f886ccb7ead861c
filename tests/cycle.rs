//! `scimtest cycle` end to end: a small tenant provisioned, changed over incremental rounds,
//! verified and cleaned up; a target that drops writes (verification names them); a
//! throttling target (429s waited out and counted).

mod common;

use common::{bin, serve, text, tmp};
use serde_json::Value;
use std::path::Path;

fn cycle_json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("cycle.json")).unwrap()).unwrap()
}

fn small_cycle(dir: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .args([
            "cycle",
            "--users",
            "40",
            "--groups",
            "3",
            "--members-per-group",
            "8",
            "--incremental",
            "2",
            "--seed",
            "42",
            "--report-dir",
        ])
        .arg(dir)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn a_small_tenant_is_provisioned_changed_verified_and_cleaned_up() {
    let token = "tok-cycle-0123456789";
    let (mut server, url) = serve(token, &[]);
    let dir = tmp("cycle-clean");
    let out = small_cycle(&dir, &["--target", &url, "--token", token]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(!all.contains(token), "the token reached the output");
    let c = cycle_json(&dir);
    assert!(c["requests"].as_u64().unwrap() > 200, "{c}");
    assert!(c["seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(c["errors"], 0);
    assert_eq!(c["errors_by_class"], serde_json::json!({}));
    assert_eq!(c["health"]["state"], "healthy");
    let cycles = c["cycles"].as_array().unwrap();
    assert_eq!(cycles.len(), 3);
    assert!(cycles.iter().all(|k| k["differences"] == 0));
    // The log has one line per action, with Entra's action names.
    let log = std::fs::read_to_string(dir.join("provisioning-log.jsonl")).unwrap();
    let actions: usize = cycles
        .iter()
        .map(|k| k["actions"].as_u64().unwrap() as usize)
        .sum();
    assert_eq!(log.lines().count(), actions);
    for action in [
        "\"Create\"",
        "\"SetManager\"",
        "\"AddMembers\"",
        "\"Disable\"",
        "\"Delete\"",
    ] {
        assert!(log.contains(action), "no {action} in the log");
    }
    // A create logs the create's own status, not that of the read proving it this run's.
    let creates: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["action"] == "Create")
        .collect();
    assert_eq!(creates.len(), 43, "40 users and 3 groups");
    assert!(
        creates.iter().all(|e| e["http_status"] == 201),
        "{creates:?}"
    );
    assert!(
        std::fs::read_to_string(dir.join("cycle.html"))
            .unwrap()
            .contains("<svg")
    );
    let run_id = c["run_id"].as_str().unwrap();
    // Nothing of the run is left on the target.
    let left = bin()
        .args([
            "sweep", "--target", &url, "--token", token, "--run-id", run_id,
        ])
        .output()
        .unwrap();
    let _ = server.kill();
    let listing = text(&left);
    assert!(left.status.success(), "{listing}");
    assert!(
        !listing.contains(&format!("scimtest-{run_id}-u")),
        "{listing}"
    );
    assert_eq!(c["cleanup"]["leftovers"], serde_json::json!([]));
}

/// The cleanup reads every DELETE back by id, and reads this run's names back with one listing
/// per collection (`sw "scimtest-<run id>-"`), not with a query each: two requests per object,
/// not three. A deleted user that the listing still shows is left over, and said so.
#[test]
fn the_cleanup_lists_this_runs_names_once_and_catches_a_deleted_user_still_listed() {
    let token = "tok-cycle-0123456789";
    for defect in [None, Some("deleted-still-listed")] {
        let extra: Vec<&str> = defect.into_iter().collect();
        let (mut server, url) = serve(token, &extra);
        let dir = tmp(&format!("cycle-cleanup-{}", defect.unwrap_or("none")));
        let out = small_cycle(&dir, &["--target", &url, "--token", token]);
        let _ = server.kill();
        let all = text(&out);
        let c = cycle_json(&dir);
        let leftovers = c["cleanup"]["leftovers"].as_array().unwrap();
        if defect.is_some() {
            assert_eq!(out.status.code(), Some(1), "{all}");
            // One line per object left, each saying why, then the sweep command.
            let (sweep, lines) = leftovers.split_last().unwrap();
            assert!(
                sweep
                    .as_str()
                    .unwrap()
                    .starts_with("remove them with: scimtest sweep")
            );
            assert!(!lines.is_empty(), "{all}");
            let mut ids = std::collections::BTreeSet::new();
            for l in lines {
                let l = l.as_str().unwrap();
                assert!(l.contains("still lists it"), "{l}");
                assert!(
                    ids.insert(l.split(' ').next().unwrap()),
                    "listed twice: {l}"
                );
            }
            continue;
        }
        assert_eq!(out.status.code(), Some(0), "{all}");
        assert_eq!(leftovers.len(), 0, "{leftovers:?}");
        // 40 users and 3 groups, less the users the rounds deleted.
        let log = std::fs::read_to_string(dir.join("provisioning-log.jsonl")).unwrap();
        let deleted = log
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|e| e["action"] == "Delete" && e["error_code"].is_null())
            .count() as u64;
        let objects = 43 - deleted;
        let requests = c["cleanup"]["requests"].as_u64().unwrap();
        // A DELETE and a read by id each; per collection, the listing before and after.
        assert!(
            requests >= 2 * objects && requests <= 2 * objects + 6,
            "{requests} cleanup requests for {objects} objects"
        );
    }
}

#[test]
fn a_target_that_drops_writes_is_caught_by_the_verification() {
    let dir = tmp("cycle-drops");
    let out = small_cycle(
        &dir,
        &[
            "--defect",
            "member-add-ignored",
            "--defect",
            "active-patch-ignored",
        ],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let c = cycle_json(&dir);
    // Every request succeeded; only the comparison with the source shows the loss.
    assert_eq!(c["errors"], 0, "{c}");
    let listed: Vec<&Value> = c["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|k| k["differences_listed"].as_array().unwrap())
        .collect();
    assert!(
        listed.iter().any(|d| d["attribute"] == "members"),
        "{listed:?}"
    );
    assert!(
        listed
            .iter()
            .any(|d| d["attribute"] == "active" && d["expected"] == "false"),
        "{listed:?}"
    );
    assert!(all.contains("`members`"), "{all}");
    // cycle.html groups them: one row per cycle, object kind and attribute, with a count.
    let html = std::fs::read_to_string(dir.join("cycle.html")).unwrap();
    let differences: usize = c["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["differences"].as_u64().unwrap() as usize)
        .sum();
    let section = &html[html.find("<h2>Differences").unwrap()..];
    let groups = section.matches("<tr><td>initial</td>").count()
        + section.matches("<tr><td>incremental-").count();
    assert!((2..=6).contains(&groups), "{groups} groups: {section}");
    assert!(
        differences > groups,
        "{differences} differences in {groups} groups"
    );
    assert!(section.contains("each object ("), "{section}");
    assert!(section.contains("table class=\"diffs\""));
}

#[test]
fn a_throttling_target_is_waited_out_and_reported() {
    let dir = tmp("cycle-throttle");
    let out = bin()
        .args([
            "cycle",
            "--users",
            "12",
            "--groups",
            "1",
            "--members-per-group",
            "4",
            "--incremental",
            "0",
            "--throttle-every",
            "10",
            "--report-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let c = cycle_json(&dir);
    assert!(c["throttled"].as_u64().unwrap() > 0, "{c}");
    assert_eq!(c["errors"], 0);
    assert!(all.contains("throttled (429 waited out)"), "{all}");
}

#[test]
fn failures_are_classified_with_entras_codes() {
    let dir = tmp("cycle-codes");
    // A server that refuses the default job's "True"/"False" in PATCH: every disable and
    // re-enable fails with 400, and only those.
    let out = small_cycle(&dir, &["--defect", "string-booleans-rejected"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let c = cycle_json(&dir);
    let by_class = c["errors_by_class"].as_object().unwrap();
    // One example per kind of detail, and the counts add up to the class's.
    let details = c["errors_by_detail"].as_array().unwrap();
    let total: u64 = details.iter().map(|d| d["count"].as_u64().unwrap()).sum();
    assert_eq!(total, c["errors"].as_u64().unwrap(), "{details:?}");
    assert!(details.iter().all(|d| d["example"].as_str().is_some()));
    // A readable 400 has no documented code: it is not "unable to parse the response".
    assert!(
        by_class.contains_key("(undocumented: HTTP 400)")
            && !by_class.contains_key("SystemForCrossDomainIdentityManagementServiceIncompatible"),
        "{by_class:?}"
    );
    assert_eq!(c["health"]["state"], "escrow", "{c}");
    // The predictor names the first request that put the job in escrow.
    let first = &c["health"]["first_request"];
    assert_eq!(first["http_status"], 400, "{first}");
    assert!(
        first["request"]
            .as_str()
            .unwrap()
            .starts_with("PATCH /Users/"),
        "{first}"
    );
    let classes = c["health"]["failures_by_class"].as_array().unwrap();
    assert_eq!(classes[0]["evidence"], "undocumented", "{classes:?}");
    let log = std::fs::read_to_string(dir.join("provisioning-log.jsonl")).unwrap();
    let failed: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["status"] == "failure")
        .collect();
    assert!(
        failed
            .iter()
            .all(|e| e["action"] == "Disable" || e["action"] == "Enable"),
        "{failed:?}"
    );
    assert!(failed.iter().all(|e| e["http_status"] == 400));
}

#[test]
fn the_apps_own_attributes_are_provisioned_and_a_retyped_one_is_reported() {
    let schema = common::root().join("fixtures/entra-schema");
    let seat = "urn:ietf:params:scim:schemas:extension:Acme:2.0:User:seatCount";
    for (name, defect, passes) in [
        ("cycle-mapping", None, true),
        (
            "cycle-mapping-retyped",
            Some(format!("retype-attribute={seat}")),
            false,
        ),
    ] {
        let dir = tmp(name);
        let mut cmd = bin();
        cmd.args(["cycle", "--users", "20", "--seed", "5", "--entra-schema"])
            .arg(schema.join("synchronization-schema.json"))
            .arg("--schema")
            .arg(schema.join("acme-user-extension.json"))
            .arg("--report-dir")
            .arg(&dir);
        if let Some(d) = &defect {
            cmd.args(["--defect", d]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(if passes { 0 } else { 1 }),
            "{}",
            text(&out)
        );
        let c = cycle_json(&dir);
        let listed: Vec<&Value> = c["cycles"][0]["differences_listed"]
            .as_array()
            .unwrap()
            .iter()
            .collect();
        if passes {
            assert!(listed.is_empty(), "{listed:?}");
        } else {
            assert_eq!(listed.len(), 20, "{listed:?}");
            // A number kept as text, or as a list of it once another write stored it again.
            assert!(listed.iter().all(|d| {
                d["attribute"] == seat
                    && d["actual"]
                        .as_str()
                        .is_some_and(|a| a.starts_with('"') || a.starts_with('['))
            }));
        }
    }
}

#[test]
fn a_create_answered_with_someone_elses_id_is_never_written_to() {
    use common::mini::{self, Knobs};
    use serde_json::json;
    use std::sync::Arc;
    let rt = common::runtime();
    let (m, base) = rt.block_on(mini::start(Knobs {
        answer_id: Some(Arc::new(|_| json!("real-person"))),
        ..Default::default()
    }));
    m.seed(
        "Users",
        "real-person",
        json!({"userName": "real.person@customer.example", "active": true}),
    );
    let dir = tmp("cycle-someone-else");
    let out = bin()
        .args([
            "cycle",
            "--target",
            &base,
            "--users",
            "12",
            "--groups",
            "0",
            "--incremental",
            "1",
        ])
        .arg("--report-dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        !m.writes().iter().any(|w| w.contains("real-person")),
        "wrote to a resource scimtest did not create: {:?}",
        m.writes()
    );
    assert!(m.has("Users", "real-person"));
    let log = std::fs::read_to_string(dir.join("provisioning-log.jsonl")).unwrap();
    assert!(log.contains("not proved this run's"), "{log}");
}

#[test]
fn a_mapping_without_groups_ignores_only_a_group_count_the_user_gave() {
    let mut schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            common::root().join("fixtures/entra-schema/synchronization-schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    for rule in schema["synchronizationRules"].as_array_mut().unwrap() {
        rule["objectMappings"]
            .as_array_mut()
            .unwrap()
            .retain(|m| m["sourceObjectName"] != "Group");
    }
    let dir = tmp("cycle-no-group-mapping");
    let file = dir.join("users-only.json");
    std::fs::write(&file, schema.to_string()).unwrap();
    let cycle = |extra: &[&str]| {
        let out = bin()
            .args([
                "cycle",
                "--users",
                "5",
                "--incremental",
                "0",
                "--entra-schema",
            ])
            .arg(&file)
            .arg("--schema")
            .arg(common::root().join("fixtures/entra-schema/acme-user-extension.json"))
            .arg("--report-dir")
            .arg(dir.join("reports"))
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        text(&out)
    };
    // Not given: nothing to ignore, and no groups are made.
    let quiet = cycle(&[]);
    assert!(!quiet.contains("is ignored"), "{quiet}");
    assert!(quiet.contains("5 users, 0 groups"), "{quiet}");
    let said = cycle(&["--groups", "4"]);
    assert!(
        said.contains("the mapping provisions no groups: --groups 4 is ignored"),
        "{said}"
    );
}

/// A cycle with Account Discovery against the built-in server, with `extra` arguments.
fn discovery_cycle(name: &str, extra: &[&str]) -> (std::process::Output, Value, String) {
    let dir = tmp(name);
    let out = small_cycle(
        &dir,
        &[&["--account-discovery", "--page-size", "7"], extra].concat(),
    );
    let c = cycle_json(&dir);
    let html = std::fs::read_to_string(dir.join("cycle.html")).unwrap();
    (out, c, html)
}

#[test]
fn account_discovery_lists_every_user_after_every_cycle() {
    let (out, c, _) = discovery_cycle("cycle-discovery", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let passes = c["account_discovery"].as_array().unwrap();
    assert_eq!(passes.len(), 3, "{passes:?}");
    for p in passes {
        assert_eq!(
            (p["duplicates"].as_u64(), p["missing"].as_u64()),
            (Some(0), Some(0)),
            "{p}"
        );
        // 40 users (fewer after deletions) in pages of 7.
        assert!(p["pages"].as_u64().unwrap() >= 5, "{p}");
        assert!(p["listed"].as_u64().unwrap() >= 35, "{p}");
        assert!(p["projected_seconds_250k"].as_f64().is_some());
        assert!(p["requests_per_second"].as_f64().unwrap() > 0.0);
    }
    assert!(text(&out).contains("Account Discovery after initial"));
}

#[test]
fn account_discovery_fails_a_server_whose_paging_is_off_by_one() {
    let (out, c, _) = discovery_cycle(
        "cycle-discovery-off-by-one",
        &["--defect", "paging-off-by-one"],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let first = &c["account_discovery"][0];
    assert_eq!(first["missing"], 1, "{first}");
    assert_eq!(first["passed"], false);
    // Every action succeeded: only the listing shows the fault, and the verdict names it.
    assert_eq!(c["errors"], 0, "{c}");
    assert!(
        all.contains("Verdict: FAIL: Account Discovery after initial: 0 duplicates, 1 missing"),
        "{all}"
    );
}

#[test]
fn account_discovery_stops_where_total_results_says_and_misses_the_rest() {
    // totalResults equal to the page size: Entra stops after one page.
    let (out, c, html) = discovery_cycle(
        "cycle-discovery-total-is-page",
        &["--defect", "total-is-page"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let first = &c["account_discovery"][0];
    assert_eq!(first["pages"], 1, "{first}");
    assert_eq!(first["total_results"], 7, "{first}");
    assert_eq!(first["missing"], 33, "{first}");
    assert!(html.contains("<h2>Account Discovery</h2>"), "{html}");
}

#[test]
fn a_mass_deletion_over_the_threshold_is_held_and_quarantines_the_job() {
    let dir = tmp("cycle-deletion-threshold");
    let out = small_cycle(&dir, &["--deletion-threshold", "1"]);
    let all = text(&out);
    // The endpoint did nothing wrong: the threshold is the tenant's setting.
    assert_eq!(out.status.code(), Some(0), "{all}");
    let c = cycle_json(&dir);
    assert_eq!(c["health"]["state"], "quarantine", "{c}");
    assert_eq!(c["health"]["quarantine_reason"], "TooManyDeletes");
    assert!(c["staged_deletes"].as_u64().unwrap() > 1, "{c}");
    let log = std::fs::read_to_string(dir.join("provisioning-log.jsonl")).unwrap();
    let entries: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "StagedDelete" && e["status"] == "skipped")
    );
    // Nothing over the threshold was sent: no Delete and no Disable in the incremental rounds.
    assert!(
        !entries
            .iter()
            .any(|e| e["action"] == "Delete" || e["action"] == "Disable"),
        "{log}"
    );
    assert!(all.contains("TooManyDeletes"), "{all}");
}

/// A loopback forward proxy that relays the first `requests` requests to `upstream`, then
/// closes every connection and stops listening: later requests are refused.
fn cutting_proxy(upstream: &str, requests: usize) -> String {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let upstream = upstream
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let cut = Arc::new(AtomicBool::new(false));
    let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    std::thread::spawn(move || {
        while !cut.load(Ordering::SeqCst) {
            let Ok((client, _)) = listener.accept() else {
                std::thread::sleep(std::time::Duration::from_millis(2));
                continue;
            };
            client.set_nonblocking(false).unwrap();
            let server = TcpStream::connect(&upstream).unwrap();
            open.lock()
                .unwrap()
                .extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
            let (mut c_in, mut s_out) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (seen, cut2, open2) = (seen.clone(), cut.clone(), open.clone());
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = c_in.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let lines = buf[..n]
                        .windows(11)
                        .filter(|w| w == b" HTTP/1.1\r\n")
                        .count();
                    if seen.fetch_add(lines, Ordering::SeqCst) + lines > requests {
                        cut2.store(true, Ordering::SeqCst);
                        for s in open2.lock().unwrap().iter() {
                            let _ = s.shutdown(Shutdown::Both);
                        }
                        break;
                    }
                    if s_out.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
            let (mut s_in, mut c_out) = (server, client);
            std::thread::spawn(move || std::io::copy(&mut s_in, &mut c_out));
        }
        // The listener is dropped here: new connections are refused.
    });
    format!("http://127.0.0.1:{}", addr.port())
}

#[test]
fn a_refused_connection_to_a_host_named_time_something_is_not_a_timeout() {
    let token = "tok-cycle-0123456789";
    let (mut server, url) = serve(token, &[]);
    let proxy = cutting_proxy(&url, 60);
    // The same base path, under a host name holding "time" (reached through the proxy).
    let path = url
        .trim_start_matches("http://")
        .split_once('/')
        .map_or("", |(_, p)| p);
    let target = format!("http://timecard.example.com/{path}");
    let dir = tmp("cycle-timecard");
    let out = bin()
        .env("HTTP_PROXY", &proxy)
        .env("http_proxy", &proxy)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .args([
            "cycle",
            "--target",
            &target,
            "--token",
            token,
            "--users",
            "40",
            "--groups",
            "0",
            "--incremental",
            "0",
            "--concurrency",
            "4",
            "--report-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let _ = server.kill();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let log = std::fs::read_to_string(dir.join("provisioning-log.jsonl")).unwrap();
    let failed: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|e| e["status"] == "failure")
        .collect();
    assert!(!failed.is_empty(), "{log}");
    assert!(failed.iter().all(|e| e["error_code"] != "Timeout"), "{log}");
    assert!(
        failed
            .iter()
            .any(|e| e["error_code"] == "WebExceptionProtocolError"),
        "{log}"
    );
}

#[test]
fn okta_provisioning_at_scale_puts_profiles_deactivates_and_pushes_groups() {
    let dir = tmp("cycle-okta");
    let out = small_cycle(&dir, &["--profile", "okta"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let log = std::fs::read_to_string(dir.join("provisioning-log.jsonl")).unwrap();
    let entries: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let request = |action: &str| -> Vec<String> {
        entries
            .iter()
            .filter(|e| e["action"] == action && e["cycle"] != "initial")
            .map(|e| e["request"].as_str().unwrap().to_string())
            .collect()
    };
    // Profile updates by PUT of the whole object; deactivation by PATCH; Group Push by PATCH.
    assert!(
        !request("Update").is_empty()
            && request("Update")
                .iter()
                .all(|r| r.starts_with("PUT /Users/")),
        "{log}"
    );
    assert!(
        request("Disable")
            .iter()
            .all(|r| r.starts_with("PATCH /Users/")),
        "{log}"
    );
    assert!(
        request("GroupPush")
            .iter()
            .all(|r| r.starts_with("PATCH /Groups/")),
        "{log}"
    );
    assert!(!request("GroupPush").is_empty(), "{log}");
    // Okta never deletes users, and sends no manager.
    assert!(
        !entries
            .iter()
            .any(|e| e["action"] == "Delete" || e["action"] == "SetManager"),
        "{log}"
    );
    assert!(
        all.contains("Okta's provisioning would be: healthy"),
        "{all}"
    );
}

#[test]
fn okta_deactivation_ignored_by_the_server_is_caught() {
    let dir = tmp("cycle-okta-active-ignored");
    let out = small_cycle(
        &dir,
        &["--profile", "okta", "--defect", "active-patch-ignored"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let c = cycle_json(&dir);
    let listed: Vec<&Value> = c["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|k| k["differences_listed"].as_array().unwrap())
        .collect();
    assert!(
        listed
            .iter()
            .any(|d| d["attribute"] == "active" && d["expected"] == "false"),
        "{listed:?}"
    );
}

#[test]
fn a_404_on_a_query_quarantines_entras_job_and_is_no_match_for_okta() {
    // Entra: "404 rather than the expected 200" quarantines regardless of counts, and the
    // predictor names the query.
    let dir = tmp("cycle-query-404-entra");
    let out = small_cycle(&dir, &["--defect", "empty-query-404"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let c = cycle_json(&dir);
    assert_eq!(c["health"]["state"], "quarantine", "{c}");
    let first = &c["health"]["first_request"];
    assert_eq!(first["http_status"], 404, "{first}");
    assert!(
        first["request"]
            .as_str()
            .unwrap()
            .starts_with("GET /Users?filter=userName eq "),
        "{first}"
    );
    assert!(all.contains("first request: GET /Users?filter="), "{all}");
    // The keys the messages cite are resolved under the summary, before the verdict.
    let legend = all
        .find("sources cited above:")
        .expect("a legend of sources");
    let quarantine = "[QUARANTINE]  https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-quarantine-status";
    assert!(all[legend..].contains(quarantine), "{all}");
    assert!(all.find("Verdict: ").unwrap() > legend, "{all}");
    let html = std::fs::read_to_string(dir.join("cycle.html")).unwrap();
    assert!(html.contains("<h2>Sources</h2>"), "{html}");
    // Okta: a 404 is "another acceptable response" when nothing matches.
    let dir = tmp("cycle-query-404-okta");
    let out = small_cycle(&dir, &["--profile", "okta", "--defect", "empty-query-404"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
