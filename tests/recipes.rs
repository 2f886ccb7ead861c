//! The README's recipes, run as written where this machine can run them: the GitHub action's
//! own shell steps (run with bash, with quoted arguments), the GitLab and Jenkins script lines
//! (run with sh, the binary on PATH), and the container recipes checked against the
//! Dockerfile's stages (a container runtime is not assumed: the stages are linted instead).

mod common;

use common::{root, serve, text, tmp};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const TOKEN: &str = "tok-recipes-0123456789";

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

/// The body of the first fenced code block after the first line starting with `marker`.
fn block_after(text: &str, marker: &str) -> String {
    let start = text
        .lines()
        .position(|l| l.starts_with(marker))
        .unwrap_or_else(|| panic!("no line starts with {marker:?}"));
    let mut lines = text
        .lines()
        .skip(start)
        .skip_while(|l| !l.starts_with("```"));
    lines.next();
    lines
        .take_while(|l| !l.starts_with("```"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A folder whose `bin/scimtest` is the built binary, as `cargo install --root` leaves it.
fn installed(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let exe = bin.join("scimtest");
    let _ = std::fs::remove_file(&exe);
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_scimtest"), &exe).unwrap();
    bin
}

/// The action's steps, by `id` or `name`.
fn action_step(key: &str) -> Value {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let a: Value = serde_saphyr::from_str(&action).unwrap();
    a["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == key || s["name"] == key)
        .unwrap_or_else(|| panic!("no step {key}"))
        .clone()
}

/// A runner's environment for the action's steps: a temporary folder holding the installed
/// binary, an output file, and a workspace.
struct Runner {
    temp: PathBuf,
    workspace: PathBuf,
}

impl Runner {
    fn new(name: &str) -> Runner {
        let dir = tmp(name);
        let temp = dir.join("runner-temp");
        let workspace = dir.join("workspace");
        std::fs::create_dir_all(&workspace).unwrap();
        installed(&temp.join("scimtest-bin"));
        Runner { temp, workspace }
    }

    /// Runs the `run:` script of step `key` with bash, as a composite action does; `env` adds
    /// the step's inputs. Returns the output and what the step wrote to `$GITHUB_OUTPUT`.
    fn step(&self, key: &str, env: &[(&str, &str)]) -> (std::process::Output, String) {
        let step = action_step(key);
        let script = step["run"].as_str().unwrap();
        let outputs = self.temp.join("github-output");
        std::fs::write(&outputs, "").unwrap();
        let out = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(&self.workspace)
            .env_remove("SCIM_BASE_URL")
            .env_remove("SCIM_TOKEN")
            .env("RUNNER_TEMP", &self.temp)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_WORKSPACE", &self.workspace)
            .env("GITHUB_OUTPUT", &outputs)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        (out, std::fs::read_to_string(&outputs).unwrap())
    }

    /// The read-arguments step, then the run step, against `url`, with `args`.
    fn run(&self, url: &str, args: &str, reports: &str) -> std::process::Output {
        let (read, _) = self.step("args", &[("SCIMTEST_ARGS", args)]);
        if !read.status.success() {
            return read;
        }
        let (out, _) = self.step(
            "Run scimtest",
            &[
                ("SCIM_BASE_URL", url),
                ("SCIM_TOKEN", TOKEN),
                ("SCIMTEST_REPORT_DIR", reports),
            ],
        );
        out
    }
}

fn cases_run(reports: &Path) -> Vec<String> {
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("results.json")).unwrap())
            .unwrap();
    json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] != "skipped")
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_actions_steps_keep_quoted_arguments_and_never_evaluate_them() {
    let runner = Runner::new("recipe-action");
    let (mut server, url) = serve(TOKEN, &[]);
    let reports = runner.workspace.join("scimtest-reports");

    // The README's filter, quoted as in a shell: one word, brackets and all.
    let out = runner.run(
        &url,
        "--exact 'entra-groups::remove_member[entra]' \"entra-users::disable_user[entra]\"",
        "scimtest-reports",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut ran = cases_run(&reports);
    ran.sort();
    assert_eq!(
        ran,
        [
            "entra-groups::remove_member[entra]",
            "entra-users::disable_user[entra]"
        ]
    );

    // One argument per line reads the same.
    let out = runner.run(
        &url,
        "--exact\nentra-users::disable_user[entra]\n",
        "scimtest-reports",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(cases_run(&reports), ["entra-users::disable_user[entra]"]);

    // Shell syntax reaches scimtest as written: nothing is run, nothing expanded.
    let marker = runner.workspace.join("evaluated");
    let hostile = format!(
        "--exact '$(touch {0})' `touch {0}` $HOME *",
        marker.display()
    );
    let out = runner.run(&url, &hostile, "scimtest-reports");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(!marker.exists(), "the arguments were evaluated");
    assert!(all.contains("$(touch"), "{all}");

    // An unmatched quote stops the action with a message, before scimtest runs.
    let out = runner.run(&url, "--exact 'entra-users::", "scimtest-reports");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("unmatched quote"), "{}", text(&out));
    let _ = server.kill();
}

#[test]
fn the_readme_github_recipe_runs_with_its_baseline_once_checked_out() {
    let runner = Runner::new("recipe-github");
    let recipe: Value = serde_saphyr::from_str(&block_after(&readme(), "GitHub Actions")).unwrap();
    let steps = recipe["jobs"]["scim-conformance"]["steps"]
        .as_array()
        .unwrap();
    assert!(
        steps[0]["uses"]
            .as_str()
            .unwrap()
            .starts_with("actions/checkout@"),
        "the baseline is the caller's file: the recipe checks it out first"
    );
    let with = &steps[1]["with"];
    let args = with["args"].as_str().unwrap();
    assert!(args.contains("--baseline scimtest-baseline.toml"), "{args}");

    // Not checked out yet: the action asks for the checkout step.
    let (out, outputs) = runner.step("args", &[("SCIMTEST_ARGS", args)]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(outputs.contains("checkout=true"), "{outputs}");

    // Checked out (the README's baseline example in it): no second checkout, and the run
    // passes with the baseline's known failure.
    std::fs::create_dir_all(runner.workspace.join(".git")).unwrap();
    std::fs::write(
        runner.workspace.join("scimtest-baseline.toml"),
        block_after(&readme(), "A CI job can keep known failures"),
    )
    .unwrap();
    let (_, outputs) = runner.step("args", &[("SCIMTEST_ARGS", args)]);
    assert!(outputs.contains("checkout=false"), "{outputs}");
    let (mut server, url) = serve(TOKEN, &["string-booleans-rejected"]);
    let reports = with["report-dir"].as_str().unwrap_or("scimtest-reports");
    let out = runner.run(&url, args, reports);
    let _ = server.kill();
    let all = text(&out);
    // The defect fails more cases than the one the baseline knows: exit 1, with the reports
    // where the README's JUnit step reads them.
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("KNOWN"), "{all}");
    let junit = steps[2]["with"]["report_paths"].as_str().unwrap();
    assert!(runner.workspace.join(junit).is_file(), "{junit}");
}

#[test]
fn the_actions_cache_key_is_stable_per_version() {
    let runner = Runner::new("recipe-cache-key");
    let cache = action_step("Cache the scimtest binary");
    assert_eq!(cache["with"]["key"], "${{ steps.key.outputs.key }}");
    let (out, first) = runner.step("key", &[]);
    assert!(out.status.success(), "{}", text(&out));
    let (_, second) = runner.step("key", &[]);
    let key = first.trim().strip_prefix("key=").unwrap();
    let prefix = format!("scimtest-Linux-X64-v{}-", env!("CARGO_PKG_VERSION"));
    assert!(key.starts_with(&prefix), "{key}");
    assert_eq!(key.len(), prefix.len() + 16, "{key}");
    assert_eq!(first, second, "the same sources give the same key");
    assert!(
        !std::fs::read_to_string(root().join("action.yml"))
            .unwrap()
            .contains("key: scimtest-${{ runner.os }}-${{ runner.arch }}-${{ github.action_ref")
    );
}

/// Runs one script line of a CI recipe with `sh`, the binary on PATH, in `dir`.
fn sh(dir: &Path, line: &str, url: &str) -> std::process::Output {
    let bin = installed(&dir.join("installed"));
    Command::new("sh")
        .args(["-c", line])
        .current_dir(dir)
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("SCIM_BASE_URL", url)
        .env("SCIM_TOKEN", TOKEN)
        .output()
        .unwrap()
}

#[test]
fn the_readme_gitlab_and_jenkins_scripts_run_in_a_shell_and_leave_their_junit_file() {
    let readme = readme();
    let (mut server, url) = serve(TOKEN, &[]);

    let gitlab: Value = serde_saphyr::from_str(&block_after(&readme, "GitLab CI")).unwrap();
    let job = &gitlab["scim-conformance"];
    // The `ci` image has a shell and no entrypoint: nothing to reset.
    assert_eq!(job["image"], "$SCIMTEST_CI_IMAGE");
    let dir = tmp("recipe-gitlab");
    for line in job["script"].as_array().unwrap() {
        let out = sh(&dir, line.as_str().unwrap(), &url);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let junit = job["artifacts"]["reports"]["junit"].as_str().unwrap();
    assert!(dir.join(junit).is_file(), "{junit}");

    let jenkins = block_after(&readme, "Jenkins");
    let line = jenkins
        .lines()
        .find_map(|l| l.trim().strip_prefix("sh '")?.strip_suffix('\''))
        .unwrap();
    let dir = tmp("recipe-jenkins");
    let out = sh(&dir, line, &url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let junit = jenkins
        .lines()
        .find_map(|l| l.trim().strip_prefix("junit '")?.strip_suffix('\''))
        .unwrap();
    assert!(dir.join(junit).is_file(), "{junit}");
    let _ = server.kill();
}

/// The Dockerfile's stages: (name, instructions), in order.
fn stages() -> Vec<(String, Vec<String>)> {
    let docker = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut current = String::new();
    for line in docker.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        current.push_str(line.trim_end_matches('\\'));
        current.push(' ');
        if line.ends_with('\\') {
            continue;
        }
        let instruction = std::mem::take(&mut current).trim().to_string();
        if let Some(from) = instruction.strip_prefix("FROM ") {
            let name = from.split(" AS ").nth(1).unwrap_or_default().to_string();
            out.push((name, vec![instruction.clone()]));
        } else {
            out.last_mut().unwrap().1.push(instruction);
        }
    }
    out
}

#[test]
fn the_dockerfile_builds_a_distroless_default_and_a_ci_image_with_a_shell() {
    let stages = stages();
    let find = |name: &str| {
        stages
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no stage {name}"))
            .1
            .clone()
    };
    let has = |stage: &[String], prefix: &str| stage.iter().any(|i| i.starts_with(prefix));
    let build = find("build");
    assert!(has(&build, "RUN cargo build --release --locked"));

    // The default image is the last stage: distroless, non-root, the binary as entrypoint.
    let (_, default) = stages.last().unwrap();
    assert!(
        default[0].starts_with("FROM gcr.io/distroless/"),
        "{default:?}"
    );
    assert!(default.contains(&"USER nonroot".to_string()));
    assert!(default.contains(&"ENTRYPOINT [\"/usr/local/bin/scimtest\"]".to_string()));

    // The CI image: a Debian base (a shell at /bin/sh), the same binary, a non-root user who
    // owns the working folder (created with the user), and no entrypoint to reset.
    let ci = find("ci");
    assert!(
        ci[0].starts_with("FROM debian:") && ci[0].contains("-slim"),
        "{ci:?}"
    );
    assert!(has(
        &ci,
        "COPY --from=build /src/target/release/scimtest /usr/local/bin/scimtest"
    ));
    assert!(!has(&ci, "ENTRYPOINT"), "{ci:?}");
    let user = ci
        .iter()
        .rev()
        .find_map(|i| i.strip_prefix("USER "))
        .unwrap();
    let uid = user.split(':').next().unwrap();
    assert!(uid != "0" && uid != "root", "{user}");
    let workdir = ci
        .iter()
        .rev()
        .find_map(|i| i.strip_prefix("WORKDIR "))
        .unwrap();
    let created = ci.iter().any(|i| {
        i.contains(&format!("useradd --uid {uid} "))
            && i.contains("--create-home")
            && i.contains(&format!("--home-dir {workdir} "))
    });
    assert!(created, "{ci:?}");
    assert!(has(&ci, "RUN apt-get update") && ci.iter().any(|i| i.contains("ca-certificates")));

    // The README's container commands name these stages, and create the report folder
    // before Docker mounts it (else Docker creates it as root).
    let readme = readme();
    assert!(readme.contains("docker build --target ci -t scimtest:ci ."));
    assert!(readme.contains(
        "mkdir -p reports && docker run --rm -e SCIM_TOKEN -v \"$PWD/reports:/reports\" --user \"$(id -u)\""
    ));
    let docker = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    assert!(docker.contains("mkdir -p reports"));
}

#[test]
fn release_references_name_this_version() {
    let want = format!("v{}", env!("CARGO_PKG_VERSION"));
    let tag = regex::Regex::new(r"(?:@|--tag )(v\d+\.\d+\.\d+)").unwrap();
    for file in ["README.md", "action.yml"] {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        let found: Vec<&str> = tag
            .captures_iter(&text)
            .map(|c| c.get(1).unwrap().as_str())
            .collect();
        assert!(!found.is_empty(), "{file} names no release");
        assert!(found.iter().all(|t| *t == want), "{file}: {found:?}");
    }
    // The install table and the Jenkins recipe agree: nothing is on crates.io yet.
    let readme = readme();
    assert!(!readme.contains("cargo install --locked scimtest`"));
}

#[test]
fn the_readme_lists_every_profile_run_takes() {
    let readme = readme();
    let options = readme
        .lines()
        .skip_while(|l| !l.starts_with("`run` options:"))
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    let listed = options
        .split("`--profile NAME` (repeatable: ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no --profile list in: {options}"));
    for p in scimtest::model::Profile::ALL {
        assert!(
            listed.contains(&format!("`{}`", p.name())),
            "{} missing from {listed}",
            p.name()
        );
    }
}
