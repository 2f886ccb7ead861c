//! report.html as a person sees it: rendered by headless Chromium, the verdict first and
//! readable, the filter script running, failing cases first. Without Chromium the test cannot
//! look, and says so: it is reported as ignored with the reason (libtest-mimic), never `ok`;
//! in CI (where .ci/run installs Chromium) its absence is a failure.

mod common;

use common::{failing_run, tmp};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::path::Path;
use std::process::Command;

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        in_chromium(
            "html_report_renders_in_headless_chromium",
            html_report_renders,
        ),
        in_chromium("cycle_html_fits_a_1200_px_window", cycle_html_fits),
    ];
    libtest_mimic::run(&args, trials).exit();
}

/// A test that needs Chromium: ignored with the reason without it (a failure in CI).
fn in_chromium(name: &str, test: fn(&str) -> Result<(), Failed>) -> Trial {
    Trial::ignorable_test(name, move || match chromium() {
        Some(browser) => test(browser).map(|()| Completion::Completed),
        None if std::env::var_os("CI").is_some() => {
            Err("CI must have chromium (.ci/run installs it)".into())
        }
        None => Ok(Completion::ignored_with(
            "chromium is not installed: the page was not rendered",
        )),
    })
}

/// `page` as headless Chromium renders it in a window `width` pixels wide: its DOM after the
/// scripts ran.
fn dump_dom(browser: &str, page: &Path, width: u32, profile: &str) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--window-size={width},1000"),
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", tmp(profile).display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn cycle_html_fits(browser: &str) -> Result<(), Failed> {
    let dir = tmp("cycle-html-width");
    // Long unbreakable values (extension URNs as attribute names, generated userNames) are
    // what pushed the last column off the page.
    let schema = common::root().join("fixtures/entra-schema");
    let ext = "urn:ietf:params:scim:schemas:extension";
    let out = common::bin()
        .args([
            "cycle",
            "--users",
            "30",
            "--groups",
            "3",
            "--members-per-group",
            "12",
        ])
        .args([
            "--seed",
            "7",
            "--incremental",
            "1",
            "--defect",
            "member-add-ignored",
        ])
        .args(["--defect", "active-patch-ignored", "--defect"])
        .arg(format!(
            "drop-attribute={ext}:enterprise:2.0:User:department"
        ))
        .arg("--defect")
        .arg(format!("retype-attribute={ext}:Acme:2.0:User:seatCount"))
        .arg("--entra-schema")
        .arg(schema.join("synchronization-schema.json"))
        .arg("--schema")
        .arg(schema.join("acme-user-extension.json"))
        .arg("--report-dir")
        .arg(&dir)
        .output()
        .unwrap();
    check(out.status.code() == Some(1), || common::text(&out))?;
    // The page with a measuring script added: how far the widest table reaches past the
    // page's column, or the page past the window (the old table passed the column by 126 px).
    let html = std::fs::read_to_string(dir.join("cycle.html")).unwrap();
    let measured = html.replace(
        "</body>",
        "<script>var right = Math.max(...[...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().right)); document.body.setAttribute('data-overflow', String(Math.round(Math.max(right - document.body.getBoundingClientRect().right, document.documentElement.scrollWidth - window.innerWidth))));</script></body>",
    );
    let page = dir.join("cycle-measured.html");
    std::fs::write(&page, measured).unwrap();
    let dom = dump_dom(browser, &page, 1200, "chromium-cycle");
    let overflow = regex::Regex::new(r#"data-overflow="(-?\d+)""#)
        .unwrap()
        .captures(&dom)
        .map(|c| c[1].parse::<i64>().unwrap());
    check(overflow.is_some_and(|o| o <= 0), || {
        format!(
            "wider than 1200 px by {overflow:?}: {}",
            &dom[..dom.len().min(1500)]
        )
    })?;
    check(dom.contains("each object ("), || {
        "differences not grouped".into()
    })
}

/// `cond`, or a failure saying `what`.
fn check(cond: bool, what: impl FnOnce() -> String) -> Result<(), Failed> {
    if cond { Ok(()) } else { Err(what().into()) }
}

fn html_report_renders(browser: &str) -> Result<(), Failed> {
    let dir = tmp("html");
    failing_run(&dir);
    let page = dir.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    check(!html.contains("http://") || !html.contains("<link"), || {
        "external assets".into()
    })?;
    check(!html.contains("<script src"), || "external scripts".into())?;
    let profile = tmp("chromium-profile");
    let run = |extra: &[&str]| {
        Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,2000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap()
    };
    let dom = run(&["--dump-dom"]);
    let dom = String::from_utf8_lossy(&dom.stdout).to_string();
    let head = || dom[..dom.len().min(2000)].to_string();
    // The page opens with the verdict, in the console's words, before the cases.
    let verdict = dom.find("<p class=\"verdict fail\">Verdict: FAIL: ");
    let cases = dom.find("<details class=\"case");
    check(
        verdict.is_some() && cases.is_some() && verdict < dom.find("<h2>Root causes</h2>"),
        head,
    )?;
    // The filter script ran: it wrote how many cases are shown.
    check(
        dom.contains("<span id=\"visible\">") && !dom.contains("<span id=\"visible\"></span>"),
        || "script did not run".into(),
    )?;
    // Failing cases come first, with Entra's consequence and a curl reproduction.
    let first_case = cases.unwrap_or_default();
    let first = &dom[first_case..first_case + 200];
    check(
        first.contains("data-status=\"failed\"") || first.contains("data-status=\"errored\""),
        || first.to_string(),
    )?;
    check(dom.contains("<strong>Entra:</strong>"), || {
        "no Entra".into()
    })?;
    check(
        dom.contains("class=\"curl\"") && dom.contains("$SCIM_TOKEN"),
        || "no curl".into(),
    )?;
    check(dom.contains("Known failure (baseline): PROJ-1"), || {
        "no known failure".into()
    })?;
    check(dom.contains("Stale baseline entries"), || {
        "no stale entry".into()
    })?;
    let shot = dir.join("report.png");
    let out = run(&[&format!("--screenshot={}", shot.display())]);
    check(shot.is_file(), || {
        format!("no screenshot: {}", String::from_utf8_lossy(&out.stderr))
    })
}
