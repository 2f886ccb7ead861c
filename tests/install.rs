//! The binary outside its checkout: copied into an empty folder it runs the built-in suites,
//! lists its cases, runs a user's suite against the built-in schemas and fixtures, exports the
//! built-in suites; and `cargo package` ships exactly what an installed binary needs.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The binary copied alone into a fresh folder; commands run with that folder as the current
/// directory and no SCIM_* variables.
fn lone_binary(name: &str) -> (PathBuf, PathBuf) {
    let dir = tmp(name);
    let exe = dir.join("scimtest");
    std::fs::copy(env!("CARGO_BIN_EXE_scimtest"), &exe).unwrap();
    (dir, exe)
}

fn run_in(dir: &Path, exe: &Path, args: &[&str]) -> std::process::Output {
    // A binary just copied can be "busy" for a moment: another test's child process, forked
    // while the copy was open for writing, still holds it until it execs (rust-lang/rust#114554).
    for _ in 0..100 {
        match Command::new(exe)
            .args(args)
            .current_dir(dir)
            .env_remove("SCIM_BASE_URL")
            .env_remove("SCIM_TOKEN")
            .output()
        {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other.unwrap(),
        }
    }
    panic!("{} stayed busy for 2 s", exe.display());
}

#[test]
fn the_whole_default_run_passes_from_an_empty_folder() {
    let (dir, exe) = lone_binary("lone-default-run");
    let out = run_in(&dir, &exe, &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("0 failed, 0 errored"), "{all}");
    for report in ["junit.xml", "results.json", "traffic.har", "report.html"] {
        assert!(
            dir.join("reports").join(report).is_file(),
            "{report} missing"
        );
    }
    let listed = run_in(&dir, &exe, &["run", "--list"]);
    let names = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed));
    assert!(
        names.contains("entra-users::disable_user[entra]: test"),
        "{names}"
    );
    let lint = run_in(&dir, &exe, &["lint"]);
    assert_eq!(lint.status.code(), Some(0), "{}", text(&lint));
}

const USER_SUITE: &str = r#"
suite: my-app
profiles: [entra]
cases:
  - name: create_and_read
    vars:
      user: "${user_name}"
      external_id: "${uuid}"
      mail: "${email}"
      given: "${given_name}"
      family: "${family_name}"
    steps:
      - name: create with the built-in Entra body
        request:
          method: POST
          path: /Users
          body_file: "entra/${profile}/users/create.json"
        expect:
          status: 201
          schema: User
        capture:
          id: /id
      - name: read back with my own schema
        request:
          method: GET
          path: /Users/${id}
        expect:
          status: 200
          schema: MyUser
"#;

const USER_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://example.com/my-app/MyUser.json",
  "type": "object",
  "required": ["id", "userName", "externalId"]
}"#;

#[test]
fn a_user_suite_uses_built_in_schemas_and_fixtures_beside_its_own() {
    let (dir, exe) = lone_binary("lone-user-suite");
    std::fs::create_dir_all(dir.join("mine/suites")).unwrap();
    std::fs::create_dir_all(dir.join("mine/fixtures/schemas")).unwrap();
    std::fs::write(dir.join("mine/suites/my-app.yaml"), USER_SUITE).unwrap();
    std::fs::write(dir.join("mine/fixtures/schemas/MyUser.json"), USER_SCHEMA).unwrap();
    let out = run_in(
        &dir,
        &exe,
        &["run", "--suite", "mine/suites", "--no-builtin"],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("my-app::create_and_read[entra] ... ok"),
        "{all}"
    );
    assert!(!all.contains("entra-users::"), "built-in suites ran: {all}");
    // With the built-in suites: both run.
    let both = run_in(&dir, &exe, &["run", "--suite", "mine/suites", "--list"]);
    let names = String::from_utf8_lossy(&both.stdout);
    assert!(names.contains("my-app::create_and_read[entra]"), "{names}");
    assert!(names.contains("entra-users::create_user[entra]"), "{names}");
}

#[test]
fn exported_suites_replace_the_built_in_ones_and_refuse_to_overwrite() {
    let (dir, exe) = lone_binary("lone-export");
    let out = run_in(&dir, &exe, &["suites", "export", "copy"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(dir.join("copy/suites/entra/users.yaml").is_file());
    assert!(dir.join("copy/fixtures/schemas/User.json").is_file());
    let again = run_in(&dir, &exe, &["suites", "export", "copy"]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(text(&again).contains("--force"), "{}", text(&again));
    // The copy replaces the built-in suites of the same names: the same cases, once each.
    let builtin = run_in(&dir, &exe, &["run", "--list"]);
    let with_copy = run_in(&dir, &exe, &["run", "--list", "--suite", "copy/suites"]);
    assert_eq!(with_copy.status.code(), Some(0), "{}", text(&with_copy));
    assert_eq!(
        String::from_utf8_lossy(&builtin.stdout),
        String::from_utf8_lossy(&with_copy.stdout)
    );
    let listed = run_in(&dir, &exe, &["suites", "list"]);
    assert!(
        String::from_utf8_lossy(&listed.stdout)
            .contains("entra-users (<built-in>/suites/entra/users.yaml"),
        "{}",
        text(&listed)
    );
}

#[test]
fn a_body_file_outside_the_fixtures_folder_is_refused() {
    let (dir, exe) = lone_binary("lone-escape");
    std::fs::create_dir_all(dir.join("s/fixtures")).unwrap();
    std::fs::write(dir.join("secret.json"), r#"{"password": "hunter2"}"#).unwrap();
    let suite = USER_SUITE.replace("entra/${profile}/users/create.json", "../../secret.json");
    std::fs::write(dir.join("s/suite.yaml"), suite).unwrap();
    let out = run_in(&dir, &exe, &["lint", "s/suite.yaml"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("leaves the fixtures folder"), "{all}");
    assert!(!all.contains("hunter2"), "{all}");
}

#[test]
fn the_package_ships_the_program_and_its_built_in_suites_only() {
    let out = Command::new(env!("CARGO"))
        .args(["package", "--list", "--allow-dirty", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", text(&out));
    for needed in [
        "Cargo.toml",
        "build.rs",
        "src/main.rs",
        "src/builtin.rs",
        "suites/entra/users.yaml",
        "fixtures/schemas/User.json",
        "fixtures/entra/entra/users/create.json",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "README.md",
    ] {
        assert!(
            listed.lines().any(|l| l == needed),
            "{needed} not packaged:\n{listed}"
        );
    }
    for line in listed.lines() {
        assert!(
            !line.starts_with("tests/")
                && !line.starts_with("target/")
                && !line.starts_with("reports/")
                && !line.starts_with(".ci/"),
            "{line} should not be packaged"
        );
    }
}

#[test]
fn the_action_and_the_container_recipe_install_and_run_the_binary() {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let a: serde_json::Value = serde_saphyr::from_str(&action).unwrap();
    assert_eq!(a["runs"]["using"], "composite");
    assert_eq!(a["inputs"]["target"]["required"], true);
    let steps = a["runs"]["steps"].as_array().unwrap();
    let run = |s: &serde_json::Value| s["run"].as_str().unwrap_or_default().to_string();
    assert!(
        steps
            .iter()
            .any(|s| run(s).contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\""))
    );
    let runs_scimtest = steps
        .iter()
        .find(|s| run(s).contains("scimtest\" run"))
        .unwrap();
    // The token reaches the binary through the environment, never the command line.
    assert_eq!(runs_scimtest["env"]["SCIM_TOKEN"], "${{ inputs.token }}");
    assert!(!run(runs_scimtest).contains("inputs.token"));
    // Arguments are split, never evaluated by a shell.
    assert!(!run(runs_scimtest).contains("eval"));
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact"))
        })
        .unwrap();
    assert!(upload["if"].as_str().unwrap().contains("always()"));

    let docker = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    assert!(docker.contains("cargo build --release --locked"));
    assert!(docker.contains("USER nonroot"));
    assert!(docker.contains("ENTRYPOINT [\"/usr/local/bin/scimtest\"]"));
    assert_eq!(
        docker.matches("\nFROM ").count() + usize::from(docker.starts_with("FROM ")),
        3,
        "multi-stage: build, ci, runtime (tests/recipes.rs checks each)"
    );
}
