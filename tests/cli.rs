//! The binary as users run it: exit codes, reports, `serve` + `run --target`, `lint`, `--list`,
//! and that a token never appears in anything scimtest writes.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// Validates a JUnit file against the Ant schema when xmllint is installed (.ci/run installs it).
fn check_junit(path: &Path) {
    let xml = std::fs::read_to_string(path).unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains("<testsuites>"));
    if Command::new("xmllint").arg("--version").output().is_ok() {
        let out = Command::new("xmllint")
            .args(["--noout", "--schema", "tests/junit/JUnit.xsd"])
            .arg(path)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(out.status.success(), "JUnit invalid: {}", text(&out));
    }
}

#[test]
fn default_run_passes_and_writes_a_valid_junit_file() {
    let dir = tmp("default-run");
    let out = bin()
        .args(["run", "--report-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("required") && all.contains("0 failed, 0 errored"),
        "{all}"
    );
    check_junit(&dir.join("junit.xml"));
}

#[test]
fn a_defect_fails_the_run_with_exit_1_and_explains_it() {
    let dir = tmp("defect-run");
    let out = bin()
        .args([
            "run",
            "--defect",
            "string-booleans-rejected",
            "--report-dir",
        ])
        .arg(&dir)
        .args(["entra-users::disable_user"])
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("] PATCH /Users/{id} [Replace active: string] answered 400 (invalidValue), not 200 or 204"),
        "{all}"
    );
    assert!(all.contains("Entra: Deprovisioning fails"), "{all}");
    assert!(all.contains("reproduce: bash "), "{all}");
    let script =
        std::fs::read_to_string(dir.join("repro/entra-users__disable_user_entra.sh")).unwrap();
    assert!(
        script.contains("Authorization: Bearer $SCIM_TOKEN"),
        "{script}"
    );
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(xml.contains("<failure type=\"required\""), "{xml}");
    check_junit(&dir.join("junit.xml"));
}

#[test]
fn serve_and_run_against_it_give_the_same_results_as_the_default_run() {
    let token = "cli-secret-token-7c1e9a";
    let (mut child, url) = serve(token, &[]);
    let dir = tmp("target-run");
    let out = bin()
        .args(["run", "--target", &url, "--report-dir"])
        .arg(&dir)
        .env("SCIM_TOKEN", token)
        .output()
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    let default = bin().args(["run", "--list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&default.stdout)
        .lines()
        .filter(|l| l.ends_with(": test"))
        .count();
    assert!(
        all.contains(&format!("scimtest: {listed} cases (")),
        "{all}"
    );
    // The token never leaves the process: not in output, not in the report.
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(!all.contains(token) && !xml.contains(token));
    check_junit(&dir.join("junit.xml"));
}

#[test]
fn a_secret_never_reaches_output_even_in_failures() {
    let token = "cli-failing-secret-4d2b8f";
    let (mut child, url) = serve(token, &["json-content-type"]);
    let dir = tmp("secret-run");
    let out = bin()
        .args(["run", "--target", &url, "--report-dir"])
        .arg(&dir)
        .env("SCIM_TOKEN", token)
        .output()
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(out.status.code(), Some(1));
    // Every report and every reproduction script.
    let mut written = text(&out);
    written.push_str(&all_files_text(&dir));
    assert!(
        dir.join("repro").is_dir(),
        "failing cases have reproduction scripts"
    );
    assert!(
        written.contains("Bearer ***"),
        "transcripts show a masked Authorization header"
    );
    assert!(!written.contains(token), "the token leaked");
}

#[test]
fn wrong_token_stops_at_the_preflight_with_one_line() {
    let (mut child, url) = serve("right-token-1234", &[]);
    let run = |extra: &[&str]| {
        bin()
            .args([
                "run",
                "--target",
                &url,
                "--token",
                "wrong-token-5678",
                "--report-dir",
            ])
            .arg(tmp("wrong-token"))
            .args(extra)
            .args(["test_connection_users"])
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("answered 401: the target refuses the credentials"),
        "{all}"
    );
    assert!(!all.contains("running "), "no case ran: {all}");
    // Without the preflight the cases run and fail, as before.
    let out = run(&["--no-preflight"]);
    child.kill().unwrap();
    let _ = child.wait();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("GET /Users?filter=… answered 401, not 200"),
        "{all}"
    );
}

#[test]
fn the_preflight_names_the_set_up_mistake() {
    let (mut child, url) = serve("right-token-1234", &[]);
    let root = url.trim_end_matches("/scim/v2").to_string();
    let https = url.replace("http://", "https://");
    let cases: [(&str, &[&str], &str); 3] = [
        (
            root.as_str(),
            &["--token", "right-token-1234"],
            "answered 404: there is no SCIM /Users here",
        ),
        (url.as_str(), &[], "none were given; set SCIM_TOKEN"),
        (
            https.as_str(),
            &["--token", "right-token-1234"],
            "does not speak TLS",
        ),
    ];
    for (target, extra, expected) in cases {
        let out = bin()
            .args(["run", "--target", target, "--report-dir"])
            .arg(tmp("preflight"))
            .args(extra)
            .output()
            .unwrap();
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{target}: {all}");
        assert!(all.contains(expected), "{target}: {all}");
        assert_eq!(
            all.lines().filter(|l| l.starts_with("error:")).count(),
            1,
            "{all}"
        );
    }
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn the_preflight_tells_a_scim_404_from_a_wrong_base_path() {
    // An empty collection whose every query that matches nothing answers a SCIM 404: the
    // defect Entra quarantines for, which the cases report; not a wrong base path.
    let (mut child, url) = serve("right-token-1234", &["empty-query-404"]);
    let out = bin()
        .args([
            "run",
            "--target",
            &url,
            "--token",
            "right-token-1234",
            "--report-dir",
        ])
        .arg(tmp("preflight-404"))
        .args(["--exact", "entra-connection::test_connection_users[entra]"])
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(!all.contains("no SCIM /Users here"), "{all}");
    assert!(all.contains("answered 404"), "{all}");
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn an_html_403_is_blamed_on_what_is_in_front_of_the_app_not_the_token() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let waf = std::thread::spawn(move || {
        // One request is all the preflight sends before it stops.
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = "<html><body><h1>403 Forbidden</h1>Request blocked.</body></html>";
            let _ = write!(
                s,
                "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let out = bin()
        .args([
            "run",
            "--target",
            &format!("http://{addr}/scim"),
            "--token",
            "tok-1234567",
        ])
        .arg("--report-dir")
        .arg(tmp("preflight-403"))
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("firewall, WAF or proxy"), "{all}");
    assert!(!all.contains("refuses the credentials"), "{all}");
    waf.join().unwrap();
}

#[test]
fn unreachable_target_exits_2() {
    // Port 9 on loopback: nothing listens there.
    let out = bin()
        .args([
            "run",
            "--target",
            "http://127.0.0.1:9/scim",
            "--token",
            "t0k3n-xyz",
            "--timeout",
            "5",
        ])
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("nothing listens at 127.0.0.1:9 (connection refused)"),
        "{all}"
    );
}

#[test]
fn invalid_suite_exits_2_with_positions() {
    let out = bin()
        .args(["run", "--suite", "tests/data/invalid/unknown_key.yaml"])
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("tests/data/invalid/unknown_key.yaml:6:11"),
        "{all}"
    );
    let lint = bin().args(["lint", "tests/data/invalid"]).output().unwrap();
    let all = text(&lint);
    assert_eq!(lint.status.code(), Some(2));
    assert!(all.contains("problems in 4 files"), "{all}");
    let ok = bin().args(["lint"]).output().unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
}

#[test]
fn list_and_filters_behave_like_cargo_test() {
    let out = bin()
        .args([
            "run",
            "--list",
            "--profile",
            "entra-flag",
            "entra-users::disable",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = stdout.lines().filter(|l| l.ends_with(": test")).collect();
    assert_eq!(
        names,
        vec!["entra-users::disable_user[entra-flag]: test"],
        "{stdout}"
    );
    let bad = bin()
        .args(["run", "--profile", "entra-flg"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn several_filters_select_like_cargo_test_and_a_filter_matching_nothing_is_an_error() {
    let list = |args: &[&str]| {
        let out = bin().args(["run", "--list"]).args(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let names: Vec<String> = stdout
            .lines()
            .filter_map(|l| l.strip_suffix(": test"))
            .map(String::from)
            .collect();
        (out.status.code(), names, text(&out))
    };
    let (code, names, all) = list(&[
        "--exact",
        "entra-users::disable_user[entra]",
        "entra-groups::delete_group_twice[validator]",
    ]);
    assert_eq!(code, Some(0), "{all}");
    assert_eq!(
        names,
        vec![
            "entra-groups::delete_group_twice[validator]",
            "entra-users::disable_user[entra]"
        ]
    );
    let (_, names, _) = list(&[
        "get_unknown_user",
        "delete_unknown_group",
        "--skip",
        "[validator]",
    ]);
    assert_eq!(names.len(), 4, "{names:?}");
    // A typo runs nothing and would pass: it is an error that names the filter.
    let (code, _, all) = list(&["create_usr"]);
    assert_eq!(code, Some(2), "{all}");
    assert!(all.contains("no case matches `create_usr`"), "{all}");
    let (code, _, all) = list(&["--exact", "entra-users::create_user"]);
    assert_eq!(code, Some(2), "{all}");
    assert!(all.contains("--exact"), "{all}");
}

#[test]
fn a_baseline_entry_naming_no_case_is_an_error() {
    let dir = tmp("baseline-unknown");
    let baseline = dir.join("baseline.toml");
    std::fs::write(
        &baseline,
        "[[known_failure]]\ncase = \"entra-users::disable_usr\"\nreason = \"typo\"\n",
    )
    .unwrap();
    let out = bin()
        .args(["run", "--baseline"])
        .arg(&baseline)
        .args(["--report-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("`entra-users::disable_usr`"), "{all}");
    assert!(!dir.join("junit.xml").exists(), "nothing runs");
}

#[test]
fn a_closed_stdout_neither_panics_nor_stops_the_run() {
    let dir = tmp("closed-stdout");
    let mut child = bin()
        .args(["run", "--report-dir"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `scimtest run | head -0`: the reader goes away before the first line.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    check_junit(&dir.join("junit.xml"));
    // `scimtest run --list | head -1`: the listing too.
    let mut child = bin()
        .args(["run", "--list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn junit_failures_agree_with_the_exit_code() {
    // A defect only recommended cases notice: the run passes (exit 0), so no <failure>.
    let dir = tmp("junit-semantics");
    let out = bin()
        .args(["run", "--defect", "put-merges", "--report-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(!xml.contains("<failure"), "a passing run has no <failure>");
    assert!(xml.contains(
        "<skipped message=\"[recommended] FAILED (does not fail the run: recommended case)"
    ));
    assert!(xml.contains("failures=\"0\""));
    check_junit(&dir.join("junit.xml"));
    let all = tmp("junit-all-failures");
    let out = bin()
        .args([
            "run",
            "--defect",
            "put-merges",
            "--junit-all-failures",
            "--report-dir",
        ])
        .arg(&all)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let xml = std::fs::read_to_string(all.join("junit.xml")).unwrap();
    assert_eq!(
        xml.matches("<failure").count(),
        1,
        "okta-users::put_replaces_whole_object, recommended"
    );
    check_junit(&all.join("junit.xml"));
}

#[test]
fn failures_are_grouped_by_root_cause_and_end_in_one_verdict() {
    let dir = tmp("root-causes");
    let run = |extra: &[&str]| {
        bin()
            .args(["run", "--defect", "create-returns-200", "--report-dir"])
            .arg(&dir)
            .args(["--profile", "entra", "--skip", "adscim", "entra-groups"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The answer comes last: the verdict, the root causes, the reports.
    let block: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Verdict: "))
        .collect();
    // The gallery's engine cases are not in this selection (`entra-groups`): one cause.
    assert_eq!(block.len(), 7, "{stdout}");
    // Above it, one verdict per client question.
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines.len() - block.len();
    assert!(
        lines[at - 2].starts_with("Entra provisioning: FAIL — ")
            && lines[at - 1].starts_with("Microsoft gallery validation: "),
        "{stdout}"
    );
    assert!(
        block[0].contains("blocked by a failing set-up step"),
        "{stdout}"
    );
    assert!(
        block[0].starts_with("Verdict: FAIL: ") && block[0].contains("from 1 root cause "),
        "{stdout}"
    );
    assert!(block[1].starts_with("Root causes"), "{stdout}");
    // One server defect, one root cause, however many cases it breaks.
    assert!(
        block[2].starts_with("  #1 ")
            && block[2]
                .ends_with("cases: [required, documented] POST /Groups answered 200, not 201"),
        "{stdout}"
    );
    assert!(
        block[3].contains("e.g. entra-groups::create_group[entra]: 200"),
        "{stdout}"
    );
    assert!(block[4].trim_start().starts_with("Entra: "), "{stdout}");
    assert!(
        block[5].trim_start().starts_with("reproduce: bash "),
        "{stdout}"
    );
    assert!(block[6].starts_with("Reports: ") && block[6].contains("report.html"));
    // Each failing case shows once, as its live line: no libtest `failures:` list, no
    // per-case details without --verbose.
    assert!(!stdout.lines().any(|l| l == "failures:"), "{stdout}");
    assert_eq!(
        stdout.matches("entra-groups::add_member[entra]").count(),
        1,
        "{stdout}"
    );
    assert!(stdout.contains("test result: FAILED."), "{stdout}");

    let out = run(&["--verbose"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The failed check points at its place in the suite file, rendered like a load error,
    // and says how to get a built-in suite's file.
    assert!(
        stdout.contains("--> <built-in>/suites/entra/")
            && stdout.contains("status: expected 201, got 200")
            && stdout.contains(
                "= a built-in suite: `scimtest suites export DIR` writes it to DIR/suites/entra/"
            ),
        "{stdout}"
    );
    let caret = stdout
        .lines()
        .any(|l| l.trim_start().starts_with('|') && l.trim_end().ends_with('^'));
    assert!(caret, "{stdout}");
    // Only the first case of the cause carries the details; the others point to it (and the
    // root cause shows the same reproduction once more).
    assert_eq!(stdout.matches("reproduce: bash").count(), 2, "{stdout}");
    // A failed status is the finding: the error body's other checks are not reported.
    assert!(!stdout.contains("header Content-Type"), "{stdout}");
    // The create is the subject of create_group; for add_member it is only a set-up step.
    assert!(
        stdout.contains("FAILED  entra-groups::create_group[entra] [required]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("BLOCKED entra-groups::add_member[entra] [required]"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    assert_eq!(json["root_causes"].as_array().unwrap().len(), 1);
    let failed_check = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["steps"].as_array().unwrap())
        .flat_map(|s| s["checks"].as_array().unwrap())
        .find(|c| c["passed"] == false)
        .unwrap();
    assert!(
        failed_check["line"].as_u64().unwrap() > 0 && failed_check["column"].as_u64().unwrap() > 0
    );
    assert!(
        json["verdict"]
            .as_str()
            .unwrap()
            .starts_with("Verdict: FAIL")
    );
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        html.contains("<h2>Root causes</h2>")
            && html.contains("class=\"verdict fail\">Verdict: FAIL: ")
    );
}

#[test]
fn the_consequence_shown_is_the_failing_steps() {
    let out = bin()
        .args([
            "run",
            "-q",
            "--defect",
            "members-despite-exclusion",
            "--report-dir",
        ])
        .arg(tmp("step-consequence"))
        .args(["--exact", "entra-cycle::provisioning_cycle[entra]"])
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("Entra: Members in the answer surface as SystemForCrossDomainIdentityManagementMultipleEntriesInResponse (§5)."),
        "{all}"
    );
    assert!(
        !all.contains("what Entra logs and does is given with each step"),
        "{all}"
    );
}

/// Whether curl is installed (the reproduction scripts need it); in CI it must be.
fn have_curl() -> bool {
    let found = Command::new("curl").arg("--version").output().is_ok();
    assert!(
        found || std::env::var_os("CI").is_none(),
        "CI must have curl (.ci/run installs it)"
    );
    found
}

/// `GET /Users` on a `serve` instance: how many users it holds.
fn users_on(url: &str, token: &str) -> u64 {
    let out = Command::new("curl")
        .args([
            "-sS",
            "-H",
            &format!("Authorization: Bearer {token}"),
            &format!("{url}/Users"),
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["totalResults"].as_u64().unwrap()
}

#[test]
fn a_reproduction_script_recreates_the_case_shows_the_failure_and_cleans_up() {
    if !have_curl() {
        return;
    }
    let token = "repro-token-123456";
    let (mut child, url) = serve(token, &["multi-valued-replace-merges"]);
    let dir = tmp("repro");
    let out = bin()
        .args([
            "run",
            "-q",
            "--target",
            &url,
            "--token",
            token,
            "--report-dir",
        ])
        .arg(&dir)
        .args(["--exact", "entra-users::roles_assertive_replace[entra]"])
        .output()
        .unwrap();
    let all = text(&out);
    let script = dir
        .join("repro")
        .join("entra-users__roles_assertive_replace_entra.sh");
    assert!(script.exists(), "{all}");
    assert!(
        all.contains(&format!("reproduce: bash {}", script.display())),
        "{all}"
    );
    let body = std::fs::read_to_string(&script).unwrap();
    assert!(
        !body.contains(token),
        "the token is read from SCIM_TOKEN, never written"
    );
    assert_eq!(users_on(&url, token), 0, "the run cleaned up");
    let run = |keep: &str| {
        Command::new("bash")
            .arg(&script)
            .env("SCIM_TOKEN", token)
            .env("KEEP", keep)
            .output()
            .unwrap()
    };
    let replay = run("0");
    let shown = text(&replay);
    assert!(replay.status.success(), "{shown}");
    // The server's answer shows the defect: three roles where two were sent.
    assert!(
        shown.contains("--- the failing request:") && shown.contains("Auditor-"),
        "{shown}"
    );
    assert!(shown.contains("expected length 2, got length 3"), "{shown}");
    assert!(shown.contains("cleanup: DELETE"), "{shown}");
    assert_eq!(
        users_on(&url, token),
        0,
        "the script deleted what it created"
    );
    let kept = run("1");
    assert!(text(&kept).contains("kept: "), "{}", text(&kept));
    assert_eq!(users_on(&url, token), 1, "KEEP=1 leaves the user in place");
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn keep_on_failure_leaves_the_failing_case_and_says_how_to_remove_it() {
    if !have_curl() {
        return;
    }
    let token = "keep-token-123456";
    let (mut child, url) = serve(token, &["multi-valued-replace-merges"]);
    let dir = tmp("keep-on-failure");
    let out = bin()
        .args([
            "run",
            "-q",
            "--keep-on-failure",
            "--target",
            &url,
            "--token",
            token,
            "--report-dir",
        ])
        .arg(&dir)
        // One failing case and one passing case.
        .args([
            "--exact",
            "entra-users::roles_assertive_replace[entra]",
            "entra-users::create_user[entra]",
        ])
        .output()
        .unwrap();
    let all = text(&out);
    assert!(
        all.contains("kept for inspection (--keep-on-failure)"),
        "{all}"
    );
    assert_eq!(
        users_on(&url, token),
        1,
        "only the failing case's user stays: {all}"
    );
    let sweep = all
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("scimtest sweep "))
        .expect("the summary says how to remove it");
    let args: Vec<String> = sweep
        .split_whitespace()
        .skip(1)
        .map(|a| a.trim_matches('\'').to_string())
        .collect();
    let swept = bin().args(&args).env("SCIM_TOKEN", token).output().unwrap();
    assert!(swept.status.success(), "{}", text(&swept));
    assert_eq!(users_on(&url, token), 0);
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn serve_lists_its_defects() {
    let out = bin().args(["serve", "--list-defects"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert_eq!(
        stdout.lines().count(),
        scimtest::server::Defect::ALL.len() + scimtest::server::AttributeFault::ALL.len()
    );
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    for (_, name, _) in scimtest::server::AttributeFault::ALL {
        assert!(stdout.contains(&format!("{name}=ATTR")));
        assert!(
            readme.contains(&format!("| `{name}=ATTR` |")),
            "README.md does not document `{name}=ATTR`"
        );
    }
    for d in scimtest::server::Defect::ALL {
        assert!(stdout.contains(d.name()));
        assert!(
            readme.contains(&format!("| `{}` |", d.name())),
            "README.md does not document defect `{}`",
            d.name()
        );
    }
}

#[test]
fn sweep_lists_scimtest_resources_and_deletes_nothing_without_a_journal() {
    let token = "sweep-token-3e5f7a";
    // filter-ignored: the server returns everything, so sweep's own prefix check is what
    // keeps real data safe.
    let (mut child, url) = serve(token, &["filter-ignored"]);
    let rt = common::runtime();
    scimtest::run::install_crypto_provider();
    let client = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        rt.block_on(
            client
                .post(format!("{url}{path}"))
                .bearer_auth(token)
                .body(body.to_string())
                .send(),
        )
        .unwrap()
        .status()
        .as_u16()
    };
    for name in [
        "scimtest-aaaa1111-x@example.com",
        "scimtest-bbbb2222-y@example.com",
        "real.person@example.com",
        "scimtestnot@example.com",
    ] {
        assert_eq!(post("/Users", serde_json::json!({"userName": name})), 201);
    }
    assert_eq!(
        post(
            "/Groups",
            serde_json::json!({"displayName": "scimtest-aaaa1111-g team"})
        ),
        201
    );
    assert_eq!(
        post("/Groups", serde_json::json!({"displayName": "Real Team"})),
        201
    );
    let count = |path: &str| {
        let text = rt
            .block_on(async {
                client
                    .get(format!("{url}{path}"))
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
            })
            .unwrap();
        let body: serde_json::Value = serde_json::from_str(&text).unwrap();
        body["totalResults"].as_u64().unwrap()
    };

    let listed = bin()
        .args(["sweep", "--target", &url, "--run-id", "aaaa1111"])
        .env("SCIM_TOKEN", token)
        .output()
        .unwrap();
    let out = text(&listed);
    assert_eq!(listed.status.code(), Some(0), "{out}");
    assert!(
        out.contains("1 group and 1 user named `scimtest-aaaa1111-…`"),
        "{out}"
    );
    assert!(out.contains("sweep never deletes those"), "{out}");
    assert_eq!((count("/Users"), count("/Groups")), (4, 2));

    // Without a journal, `--yes` deletes nothing: a name is not proof.
    let swept = bin()
        .args(["sweep", "--target", &url, "--yes"])
        .env("SCIM_TOKEN", token)
        .output()
        .unwrap();
    let out = text(&swept);
    assert_eq!(swept.status.code(), Some(2), "{out}");
    assert!(out.contains("--journal"), "{out}");
    assert!(!out.contains(token));
    assert_eq!(
        (count("/Users"), count("/Groups")),
        (4, 2),
        "nothing is deleted"
    );
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn sigint_stops_the_run_cleans_up_and_writes_reports() {
    let token = "interrupt-token-9b1d";
    // Every second request is throttled for 1 s, so the run is still busy when interrupted.
    let (mut server, url) = serve_with(token, &[], &["--throttle-every", "2"]);

    let dir = tmp("interrupted");
    let mut run = bin()
        .args(["run", "--target", &url, "--report-dir"])
        .arg(&dir)
        .env("SCIM_TOKEN", token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once cases are running (libtest's "running N tests" line), not on a timer
    // alone: a slow machine may still be starting.
    let (tx, rx) = std::sync::mpsc::channel();
    let mut stdout = std::io::BufReader::new(run.stdout.take().unwrap());
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut all = String::new();
        let mut line = String::new();
        while stdout.read_line(&mut line).unwrap_or(0) > 0 {
            if line.starts_with("running ") {
                let _ = tx.send(());
            }
            all.push_str(&line);
            line.clear();
        }
        all
    });
    rx.recv_timeout(std::time::Duration::from_secs(60))
        .expect("the run never started its cases");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = Command::new("kill")
        .args(["-INT", &run.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = run.wait_with_output().unwrap();
    let all = format!(
        "{}{}",
        reader.join().unwrap(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("The run was interrupted"), "{all}");
    assert!(all.contains("scimtest: run id "), "{all}");
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    // Requests in flight may finish (so their creates are known); later steps and cases
    // do not run.
    assert!(xml.contains("not run: the run was interrupted"), "{xml}");
    check_junit(&dir.join("junit.xml"));

    // Nothing is left on the target (sweep retries through the throttling).
    let sweep = bin()
        .args(["sweep", "--target", &url])
        .env("SCIM_TOKEN", token)
        .output()
        .unwrap();
    let swept = text(&sweep);
    assert!(
        swept.contains("nothing named `scimtest-…` on the target"),
        "{swept}"
    );
    server.kill().unwrap();
    let _ = server.wait();
}

#[test]
fn a_baselined_pass_says_how_many_known_failures_it_carries() {
    let dir = tmp("baselined-pass");
    let baseline = dir.join("baseline.toml");
    std::fs::write(
        &baseline,
        "[[known_failure]]\ncase = \"entra-users::disable_user[entra]\"\nreason = \"PROJ-123\"\n",
    )
    .unwrap();
    let out = bin()
        .args(["run", "--defect", "string-booleans-rejected", "--baseline"])
        .arg(&baseline)
        .arg("--report-dir")
        .arg(dir.join("reports"))
        .args(["--exact", "entra-users::disable_user[entra]"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(
            "Verdict: PASS: every required case passed except 1 known failure the baseline accepts."
        ),
        "{stdout}"
    );
    assert!(stdout.contains("1 known failure\n"), "{stdout}");
}

/// How many groups a `serve` instance holds.
fn groups_on(url: &str, token: &str) -> u64 {
    let out = Command::new("curl")
        .args([
            "-sS",
            "-H",
            &format!("Authorization: Bearer {token}"),
            &format!("{url}/Groups"),
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["totalResults"].as_u64().unwrap()
}

#[test]
fn a_reproduction_script_deletes_the_duplicate_its_failing_request_creates() {
    if !have_curl() {
        return;
    }
    let token = "repro-dup-token-123456";
    let (mut child, url) = serve(token, &["duplicates-accepted"]);
    let dir = tmp("repro-duplicate");
    let out = bin()
        .args(["run", "--target", &url, "--token", token, "--report-dir"])
        .arg(&dir)
        .args(["--exact", "entra-groups::duplicate_group[entra]"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let script = dir.join("repro/entra-groups__duplicate_group_entra.sh");
    assert_eq!(groups_on(&url, token), 0, "the run cleaned up");
    let replay = Command::new("bash")
        .arg(&script)
        .env("SCIM_TOKEN", token)
        .output()
        .unwrap();
    let shown = text(&replay);
    assert!(replay.status.success(), "{shown}");
    assert!(shown.contains("HTTP/1.1 201"), "{shown}");
    assert_eq!(shown.matches("cleanup: DELETE").count(), 2, "{shown}");
    assert_eq!(groups_on(&url, token), 0, "the duplicate is deleted too");
    child.kill().unwrap();
    let _ = child.wait();
}

#[test]
fn okta_header_and_basic_modes_keep_the_secret_out_of_output() {
    use base64::Engine as _;
    let token = "cli-okta-header-secret-9c1e";
    // A failing run, so that reproduction scripts and failure details are written too.
    let (mut child, url) = serve(token, &["page-cap-50"]);
    let header_dir = tmp("okta-header-run");
    let header = bin()
        .args(["run", "okta-users::", "--profile", "okta", "--target", &url])
        .args(["--token-scheme", "raw", "--report-dir"])
        .arg(&header_dir)
        .env("SCIM_TOKEN", token)
        .output()
        .unwrap();
    let basic_dir = tmp("okta-basic-run");
    let basic = bin()
        .args(["run", "okta-users::", "--profile", "okta", "--target", &url])
        .args(["--basic-user", "okta-admin", "--report-dir"])
        .arg(&basic_dir)
        .env("SCIM_BASIC_PASSWORD", token)
        .output()
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    // Only the import case fails (the page cap): the credentials worked in both modes.
    assert_eq!(header.status.code(), Some(1), "{}", text(&header));
    assert_eq!(basic.status.code(), Some(1), "{}", text(&basic));
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("okta-admin:{token}"));
    for (out, dir) in [(&header, &header_dir), (&basic, &basic_dir)] {
        let mut written = text(out);
        written.push_str(&all_files_text(dir));
        assert!(written.contains("import_pages_by_100"), "{written}");
        assert!(!written.contains(token), "the secret leaked");
        assert!(!written.contains(&encoded), "the Basic credential leaked");
    }
    let header_text = all_files_text(&header_dir);
    assert!(
        header_text.contains("Authorization: $SCIM_TOKEN"),
        "reproductions send the token with no scheme"
    );
}
