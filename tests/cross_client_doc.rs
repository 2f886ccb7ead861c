//! docs/cross-client.md is the cross-client matrix's catalogue as a reader sees it: generated
//! from `scimtest::report::BEHAVIOURS`, so the document and what a run reports cannot drift.
//! After a deliberate change to the catalogue, regenerate it with
//! `SCIMTEST_BLESS=1 cargo test --test cross_client_doc` and review the diff.

mod common;

use scimtest::report::{BEHAVIOURS, Behaviour, Shows};

fn shows(s: Shows) -> String {
    match s {
        Shows::Any => "any failed check".into(),
        Shows::Status => "its status".into(),
        Shows::Header(h) => format!("its `{h}` header"),
        Shows::Body => "its body".into(),
    }
}

fn part(b: &Behaviour) -> &'static str {
    match b.reference.chars().next() {
        Some('A') => "A",
        Some('B') => "B",
        _ => "C",
    }
}

fn entry(b: &Behaviour) -> String {
    let mut out = format!("### {} — {}\n\nKey `{}`", b.reference, b.name, b.key);
    match b.defect {
        Some(d) => out.push_str(&format!(
            "; the reference server behaves so with `--defect {d}`.\n\n"
        )),
        None => out.push_str("; no reference-server defect behaves so.\n\n"),
    }
    out.push_str(
        "| client | what the behaviour does to it | the cases that show it |\n|---|---|---|\n",
    );
    for side in b.sides {
        let probes = if side.probes.is_empty() {
            "none: not affected".to_string()
        } else {
            side.probes
                .iter()
                .map(|p| match p.step {
                    Some(step) => format!("`{}` (step \"{step}\", {})", p.case, shows(p.shows)),
                    None => format!("`{}` ({})", p.case, shows(p.shows)),
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            side.client.name(),
            side.says.replace('|', "\\|"),
            probes.replace('|', "\\|")
        ));
    }
    out
}

fn document() -> String {
    let mut out = String::from(
        "# Where satisfying Entra breaks Okta, and back\n\n\
         <!-- Generated from src/report/matrix_catalogue.rs by tests/cross_client_doc.rs; \
         edit the catalogue, then run `SCIMTEST_BLESS=1 cargo test --test cross_client_doc`. -->\n\n\
         The cross-client matrix of a run (console, `results.json` under `matrix`, the HTML \
         report's table) reads each of these server behaviours from the cases named here: a \
         client is **broken** when one of its cases fails on the check that shows the behaviour, \
         **satisfied** when they ran and none did, **not exercised** when none ran, and **not \
         affected** when the client never sends what the behaviour concerns (the sentence says \
         why, with its source). A behaviour that breaks one client and satisfies the other is \
         printed as a conflict, in one line with both sources.\n\n\
         Sources: R20 is Okta's SCIM 2.0 reference, FAQ24 and FAQ26 Okta's SCIM FAQ, SPEC the OIN \
         gate's Runscope SPEC test (see docs/okta-behaviour.md for each, with its address); \
         Entra's are docs/entra-behaviour.md (§, U and G numbers) and Microsoft's SCIM endpoint \
         guide (\"SCIM guide\").\n",
    );
    let titles = [
        ("A", "A. Satisfies Entra, breaks Okta"),
        ("B", "B. Satisfies Okta, breaks Entra"),
        ("C", "C. Okta's runtime client against its own gate"),
    ];
    for (key, title) in titles {
        out.push_str(&format!("\n## {title}\n"));
        for b in BEHAVIOURS.iter().filter(|b| part(b) == key) {
            out.push('\n');
            out.push_str(&entry(b));
        }
    }
    out
}

#[test]
fn the_cross_client_document_is_the_catalogue() {
    let path = common::root().join("docs/cross-client.md");
    let want = document();
    if std::env::var_os("SCIMTEST_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/cross-client.md is out of date with the catalogue; regenerate it with SCIMTEST_BLESS=1 cargo test --test cross_client_doc"
    );
    // Every entry is numbered as the console and results.json name it.
    for b in BEHAVIOURS {
        assert!(
            have.contains(&format!("### {} — ", b.reference)),
            "{}",
            b.key
        );
    }
}
