//! The mutation matrix: against the clean reference server every shipped case passes under
//! every profile; against each catalogue defect, exactly the cases listed in
//! `suites/entra/README.md` fail — at least one for every defect. The same runs prove the
//! cleanup promise: afterwards the server holds exactly what it held before, and resources
//! scimtest did not create are untouched.
//!
//! After a deliberate change to suites or defects, regenerate the table with
//! `SCIMTEST_BLESS=1 cargo test --test mutation_matrix` and review the diff.

mod common;

use common::*;
use scimtest::record::CaseResult;
use scimtest::server::Defect;
use scimtest::server::schema::ResourceKind;
use serde_json::json;
use std::collections::BTreeMap;

const START: &str = "<!-- mutation-matrix:start -->";
const END: &str = "<!-- mutation-matrix:end -->";

/// `suite::case` → profiles, for a compact table.
fn compact(names: &[String]) -> String {
    let mut by_case: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in names {
        let (case, profile) = n.split_once('[').expect("case names end in [profile]");
        by_case
            .entry(case.to_string())
            .or_default()
            .push(profile.trim_end_matches(']').to_string());
    }
    by_case
        .into_iter()
        .map(|(c, p)| format!("`{c}[{}]`", p.join(",")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn table(rows: &[(Defect, Vec<String>)]) -> String {
    let mut out = String::from("| defect | what goes wrong | cases that fail |\n|---|---|---|\n");
    for (d, names) in rows {
        out.push_str(&format!(
            "| `{}` | {} | {} ({} cases) |\n",
            d.name(),
            d.description().replace('|', "\\|"),
            compact(names),
            names.len()
        ));
    }
    out
}

fn seed_foreign_data(s: &scimtest::server::RunningServer) -> Vec<serde_json::Value> {
    let store = &s.state.store;
    let user = store
        .create(
            ResourceKind::User,
            // A complete user, as an ISV's first user is: Okta's OIN gate reads the first user
            // listed (SPEC step 1) and needs its names, emails and active.
            json!({"userName": "real.person@customer.example", "active": true,
                   "name": {"givenName": "Real", "familyName": "Person"},
                   "emails": [{"value": "real.person@customer.example", "type": "work", "primary": true}]})
                .as_object()
                .unwrap()
                .clone(),
        )
        .unwrap();
    let uid = user["id"].as_str().unwrap().to_string();
    let group = store
        .create(
            ResourceKind::Group,
            json!({"displayName": "Real Team", "members": [{"value": uid}]})
                .as_object()
                .unwrap()
                .clone(),
        )
        .unwrap();
    vec![
        serde_json::Value::Object(user),
        serde_json::Value::Object(group),
    ]
}

fn snapshot(
    s: &scimtest::server::RunningServer,
    seeded: &[serde_json::Value],
) -> Vec<serde_json::Value> {
    seeded
        .iter()
        .zip([ResourceKind::User, ResourceKind::Group])
        .map(|(r, kind)| {
            let id = r["id"].as_str().unwrap();
            serde_json::Value::Object(
                s.state
                    .store
                    .get(kind, id)
                    .expect("foreign resource still there"),
            )
        })
        .collect()
}

async fn run_one(defects: &[Defect]) -> (Vec<CaseResult>, (usize, usize)) {
    let s = server(defects).await;
    let seeded = seed_foreign_data(&s);
    let results = run_against(&s, shipped_plan()).await;
    let label = defects.first().map_or("clean", |d| d.name());
    assert_eq!(
        snapshot(&s, &seeded),
        seeded,
        "{label}: a resource scimtest did not create was changed"
    );
    let counts = s.state.store.counts();
    (results, counts)
}

#[test]
fn mutation_matrix() {
    let rt = runtime();
    rt.block_on(async {
        let (clean, counts) = run_one(&[]).await;
        let failed: Vec<String> = clean
            .iter()
            .filter(|r| failing(std::slice::from_ref(r)).len() == 1)
            .map(|r| format!("{}: {}", r.name, r.reason.clone().unwrap_or_default()))
            .collect();
        assert!(failed.is_empty(), "cases fail against the clean server:\n{}", failed.join("\n"));
        assert_eq!(counts, (1, 1), "the clean run left data behind (only the two seeded resources may remain)");

        let mut rows = Vec::new();
        for d in Defect::ALL {
            let (results, counts) = run_one(&[*d]).await;
            let names = failing(&results);
            assert!(!names.is_empty(), "no case detects defect `{}`", d.name());
            assert_eq!(counts, (1, 1), "the run against `{}` left data behind", d.name());
            rows.push((*d, names));
        }
        // Every case must be able to fail: some defect must make it fail (DEVELOPERS.md).
        let caught: std::collections::BTreeSet<&str> = rows
            .iter()
            .flat_map(|(_, names)| names.iter().map(|n| n.split('[').next().unwrap()))
            .collect();
        let never: Vec<String> = clean
            .iter()
            .map(|r| format!("{}::{}", r.suite, r.case))
            .filter(|c| !caught.contains(c.as_str()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert!(never.is_empty(), "no defect makes these cases fail, so they cannot be shown to work: {never:?}");
        let generated = table(&rows);
        let readme_path = root().join("suites/entra/README.md");
        let readme = std::fs::read_to_string(&readme_path).expect("suites/entra/README.md exists");
        let (head, rest) = readme.split_once(START).expect("README has the matrix start marker");
        let (_, tail) = rest.split_once(END).expect("README has the matrix end marker");
        let current = rest.split_once(END).unwrap().0.trim();
        if std::env::var_os("SCIMTEST_BLESS").is_some() {
            std::fs::write(&readme_path, format!("{head}{START}\n{generated}{END}{tail}")).unwrap();
        } else {
            assert_eq!(
                current,
                generated.trim(),
                "the defect → failing-cases table changed; review, then run SCIMTEST_BLESS=1 cargo test --test mutation_matrix"
            );
        }
    });
}
