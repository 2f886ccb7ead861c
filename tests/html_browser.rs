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
    let trials = vec![Trial::ignorable_test(
        "html_report_renders_in_headless_chromium",
        || match chromium() {
            Some(browser) => html_report_renders(browser).map(|()| Completion::Completed),
            None if std::env::var_os("CI").is_some() => {
                Err("CI must have chromium (.ci/run installs it)".into())
            }
            None => Ok(Completion::ignored_with(
                "chromium is not installed: the page was not rendered",
            )),
        },
    )];
    libtest_mimic::run(&args, trials).exit();
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
