//! Tests as data (hurl's pattern): suites in `tests/data/ok` must pass against the reference
//! server; suites in `tests/data/failed` must fail with exactly the messages in their
//! `.expected` file; files in `tests/data/invalid` must be rejected with exactly the
//! diagnostics in theirs. Ids, names and ports are redacted before comparing.
//! `SCIMTEST_BLESS=1 cargo test --test suite_data` rewrites the `.expected` files.

mod common;

use common::*;
use regex::Regex;
use scimtest::load;
use scimtest::plan::plan;
use scimtest::record::Status;
use std::path::{Path, PathBuf};

fn normalise(text: &str) -> String {
    let rules = [
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "<uuid>",
        ),
        (r"\b[0-9a-f]{32}\b", "<id>"),
        (r"scimtest-[0-9a-f]{8}-[a-z0-9]+", "scimtest-<run>-<rand>"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:<port>"),
    ];
    let mut out = text.to_string();
    for (re, with) in rules {
        out = Regex::new(re).unwrap().replace_all(&out, with).into_owned();
    }
    out
}

fn compare_or_bless(expected_path: &Path, actual: &str) {
    if std::env::var_os("SCIMTEST_BLESS").is_some() {
        std::fs::write(expected_path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(expected_path).unwrap_or_else(|_| {
        panic!(
            "{} is missing; run with SCIMTEST_BLESS=1",
            expected_path.display()
        )
    });
    assert_eq!(
        actual,
        expected,
        "output differs from {}",
        expected_path.display()
    );
}

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(Path::new("tests/data").join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    out
}

#[test]
fn ok_suites_pass() {
    let rt = runtime();
    rt.block_on(async {
        let s = server(&[]).await;
        let planned = plan(&suites_at(Path::new("tests/data/ok")), &[]);
        assert!(!planned.is_empty());
        let results = run_against(&s, planned).await;
        let bad: Vec<String> = results
            .iter()
            .filter(|r| r.status != Status::Passed)
            .map(|r| {
                format!(
                    "{}: {:?} {}",
                    r.name,
                    r.status,
                    r.reason.clone().unwrap_or_default()
                )
            })
            .collect();
        assert!(bad.is_empty(), "{}", bad.join("\n"));
        assert_eq!(s.state.store.counts(), (0, 0), "ok suites left data behind");
    });
}

#[test]
fn failed_suites_fail_with_exact_messages() {
    let rt = runtime();
    rt.block_on(async {
        let s = server(&[]).await;
        for file in files("failed", "yaml") {
            let planned = plan(&suites_at(&file), &[]);
            let results = run_against(&s, planned).await;
            let mut out = String::new();
            for r in &results {
                assert_ne!(
                    r.status,
                    Status::Passed,
                    "{} passed but lives in tests/data/failed",
                    r.name
                );
                out.push_str(&format!(
                    "{} [{}] {}: {}\n",
                    r.name,
                    r.severity,
                    r.status.name(),
                    r.reason.clone().unwrap_or_default()
                ));
                for step in &r.steps {
                    for c in step.checks.iter().filter(|c| !c.passed) {
                        out.push_str(&format!("    {}: {}\n", step.name, c.describe()));
                    }
                }
            }
            compare_or_bless(&file.with_extension("expected"), &normalise(&out));
        }
        assert_eq!(
            s.state.store.counts(),
            (0, 0),
            "failing suites left data behind"
        );
    });
}

#[test]
fn invalid_suites_give_exact_diagnostics() {
    let names = schemas().names();
    for file in files("invalid", "yaml") {
        let err = load::load_file(&file, &names).expect_err("an invalid suite must not load");
        compare_or_bless(&file.with_extension("expected"), &err.render());
    }
}

#[test]
fn readme_example_is_a_valid_suite_that_passes() {
    let readme = std::fs::read_to_string("suites/README.md").unwrap();
    let start = readme
        .find("```yaml\n")
        .expect("suites/README.md has a yaml example")
        + 8;
    let len = readme[start..].find("```").unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-example");
    std::fs::create_dir_all(&dir).unwrap();
    // The example refers to fixtures/ like every suite: place it where the loader finds them.
    let fixtures = dir.join("fixtures");
    if !fixtures.exists() {
        std::os::unix::fs::symlink(root().join("fixtures"), &fixtures).unwrap();
    }
    let file = dir.join("example.yaml");
    std::fs::write(&file, &readme[start..start + len]).unwrap();
    let suites = suites_at(&file);
    let rt = runtime();
    rt.block_on(async {
        let s = server(&[]).await;
        let results = run_against(&s, plan(&suites, &[])).await;
        assert!(!results.is_empty());
        for r in results {
            assert_eq!(r.status, Status::Passed, "{}: {:?}", r.name, r.reason);
        }
    });
}

/// Suites whose grades another effort is adding; every other built-in case must be graded.
const GRADED_ELSEWHERE: &[&str] = &[];

#[test]
fn every_builtin_case_names_its_evidence_and_source() {
    let suites = suites_at(&root().join("suites/entra"));
    assert!(suites.len() > 3);
    let ungraded: Vec<String> = suites
        .iter()
        .filter(|s| !GRADED_ELSEWHERE.contains(&s.name.as_str()))
        .flat_map(|s| s.cases.iter().map(move |c| (s, c)))
        .filter(|(_, c)| c.evidence.is_none() || c.source.as_deref().is_none_or(str::is_empty))
        .map(|(s, c)| format!("{}::{}", s.name, c.name))
        .collect();
    assert!(
        ungraded.is_empty(),
        "built-in cases without `evidence` and `source` (docs/evidence.md): {ungraded:?}"
    );
}
