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
