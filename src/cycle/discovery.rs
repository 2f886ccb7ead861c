//! Account Discovery, as Entra runs it (preview, 2026): every user of the target listed with
//! RFC 7644 §3.4.2.4 paging — `GET /Users?startIndex=K&count=N`, no filter — and correlated
//! with the source on the first direct matching attribute (`userName` here).
//! Source [DISCOVERY]: https://learn.microsoft.com/en-us/entra/identity/app-provisioning/how-to-account-discovery
//! ("For SCIM based connectors, account discovery requires that the application support RFC
//! 7644, Section 3.4.2.4"; "only the first matching attribute is used"; "an application with
//! 250K accounts might take 12 hours or more").
//!
//! A pass pages until `totalResults` resources were listed or a page comes back empty, and
//! compares the listing with what this run provisioned: a user listed twice (`duplicates`) or
//! never (`missing`) gives Entra a wrong picture of the application. Pages are fetched a few
//! at a time (`--concurrency`), each at the `startIndex` the previous ones lead to; memory
//! holds one bit per source user, whatever the server answers.

use super::directory::Directory;
use super::engine::Engine;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

/// One Account Discovery pass.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pass {
    /// The cycle it followed (`initial`, `incremental-N`).
    pub after: String,
    /// Users per page asked for (`count`).
    pub page_size: usize,
    /// Pages requested.
    pub pages: usize,
    /// Resources listed, all pages together.
    pub listed: usize,
    /// `totalResults` of the first page.
    pub total_results: Option<u64>,
    /// This run's users listed more than once (each extra listing counted).
    pub duplicates: usize,
    /// This run's users in the target (provisioned, not deleted) the listing never showed.
    pub missing: usize,
    /// A few of them, by userName.
    pub examples: Vec<String>,
    /// Wall time, seconds.
    pub seconds: f64,
    /// Why the pass stopped before the listing ended, if it did.
    pub stopped: Option<String>,
}

/// Users named in the examples, at most.
const EXAMPLES: usize = 5;

impl Pass {
    /// Pages per second.
    pub(crate) fn requests_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.pages as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// How long Entra's pass over 250,000 accounts would take at this pass's pace (pages of
    /// the same size, answered as fast as these were).
    pub(crate) fn projected_seconds_250k(&self) -> f64 {
        if self.listed == 0 {
            return 0.0;
        }
        self.seconds * 250_000.0 / self.listed as f64
    }

    /// Whether it failed: duplicates, missing users, or a listing that could not be read.
    pub(crate) fn failed(&self) -> bool {
        self.duplicates > 0 || self.missing > 0 || self.stopped.is_some()
    }

    /// As cycle.json shows it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "after": self.after,
            "page_size": self.page_size,
            "pages": self.pages,
            "listed": self.listed,
            "total_results": self.total_results,
            "duplicates": self.duplicates,
            "missing": self.missing,
            "examples": self.examples,
            "seconds": (self.seconds * 1000.0).round() / 1000.0,
            "requests_per_second": (self.requests_per_second() * 10.0).round() / 10.0,
            "projected_seconds_250k": self.projected_seconds_250k().round(),
            "stopped": self.stopped,
            "passed": !self.failed(),
        })
    }

    /// One line for the console.
    pub(crate) fn line(&self) -> String {
        let mut l = format!(
            "Account Discovery after {}: {} pages of {}, {} listed (totalResults {}), {} duplicates, {} missing, {:.2} s ({:.0} pages/s; 250,000 accounts ≈ {:.0} s)",
            self.after,
            self.pages,
            self.page_size,
            self.listed,
            self.total_results
                .map_or("absent".to_string(), |t| t.to_string()),
            self.duplicates,
            self.missing,
            self.seconds,
            self.requests_per_second(),
            self.projected_seconds_250k()
        );
        if let Some(why) = &self.stopped {
            l.push_str(&format!("; stopped: {why}"));
        }
        if !self.examples.is_empty() {
            l.push_str(&format!("; e.g. {}", self.examples.join(", ")));
        }
        l
    }
}

/// What one page gave.
pub(crate) struct Page {
    /// The HTTP status (0: no answer).
    pub status: u16,
    /// The answer, when it was JSON.
    pub json: Option<Value>,
    /// Why it could not be had, if it could not.
    pub failure: Option<String>,
}

/// Runs one pass after cycle `after`.
pub(crate) async fn pass(
    engine: &Arc<Engine>,
    dir: &Directory,
    after: &str,
    page_size: usize,
) -> Pass {
    let started = Instant::now();
    let mut seen = vec![false; dir.users.len()];
    let mut p = Pass {
        after: after.to_string(),
        page_size,
        pages: 0,
        listed: 0,
        total_results: None,
        duplicates: 0,
        missing: 0,
        examples: Vec::new(),
        seconds: 0.0,
        stopped: None,
    };
    walk(engine, dir, &mut p, &mut seen).await;
    for (i, listed) in seen.iter().enumerate() {
        if !listed && engine.holds_user(i) {
            p.missing += 1;
            if p.examples.len() < EXAMPLES {
                p.examples.push(format!("missing {}", dir.user_name(i)));
            }
        }
    }
    p.seconds = started.elapsed().as_secs_f64();
    p
}

/// Pages through the listing, marking this run's users in `seen`.
async fn walk(engine: &Arc<Engine>, dir: &Directory, p: &mut Pass, seen: &mut [bool]) {
    // Nothing a server says makes the walk endless: at most this many resources are read.
    let most = dir.users.len().saturating_mul(4).saturating_add(100_000);
    let window = engine.concurrency().max(1);
    let mut start = 1usize;
    let mut stride = p.page_size;
    loop {
        let count = if p.pages == 0 { 1 } else { window };
        let starts: Vec<usize> = (0..count).map(|k| start + k * stride).collect();
        let pages = fetch(engine, &starts, p.page_size).await;
        for (k, page) in pages.into_iter().enumerate() {
            p.pages += 1;
            let Some(got) = read(page, p) else {
                return;
            };
            if p.pages == 1 {
                p.total_results = got.total;
                stride = got.resources.len().max(1);
            }
            let n = got.resources.len();
            for r in &got.resources {
                note(dir, r, p, seen);
            }
            p.listed += n;
            start = starts[k] + n;
            let total = p.total_results.unwrap_or(0) as usize;
            if n == 0 || p.listed >= total {
                return;
            }
            if p.listed >= most {
                p.stopped = Some(format!(
                    "{} resources listed and the listing has not ended",
                    p.listed
                ));
                return;
            }
            if n != stride {
                // A short page: the window's later starts assumed full pages; go on from here.
                break;
            }
        }
    }
}

/// Fetches the pages at `starts` at once.
async fn fetch(engine: &Arc<Engine>, starts: &[usize], count: usize) -> Vec<Page> {
    let mut tasks = tokio::task::JoinSet::new();
    for (k, &s) in starts.iter().enumerate() {
        let e = engine.clone();
        tasks.spawn(async move { (k, e.list_page(s, count).await) });
    }
    let mut out: Vec<Option<Page>> = (0..starts.len()).map(|_| None).collect();
    while let Some(Ok((k, page))) = tasks.join_next().await {
        out[k] = Some(page);
    }
    out.into_iter()
        .map(|p| {
            p.unwrap_or(Page {
                status: 0,
                json: None,
                failure: Some("the request did not finish".into()),
            })
        })
        .collect()
}

/// A page's `totalResults` and resources.
struct Got {
    total: Option<u64>,
    resources: Vec<Value>,
}

/// Reads a page; a failed or unreadable one stops the pass (`p.stopped`).
fn read(page: Page, p: &mut Pass) -> Option<Got> {
    let at = p.pages;
    if let Some(f) = page.failure {
        p.stopped = Some(format!("page {at}: {f}"));
        return None;
    }
    if page.status != 200 {
        p.stopped = Some(format!("page {at} answered {}", page.status));
        return None;
    }
    let j = page.json.unwrap_or(Value::Null);
    let total = j.get("totalResults").and_then(Value::as_u64);
    let Some(Value::Array(resources)) = j.get("Resources").cloned() else {
        if total == Some(0) || j.get("totalResults").is_some() {
            return Some(Got {
                total,
                resources: Vec::new(),
            });
        }
        p.stopped = Some(format!("page {at} is not a ListResponse"));
        return None;
    };
    if at == 1 && total.is_none() {
        p.stopped = Some("page 1 has no totalResults".into());
        return None;
    }
    Some(Got { total, resources })
}

/// Marks resource `r` in `seen` when it is one of this run's users; a second sighting is a
/// duplicate.
fn note(dir: &Directory, r: &Value, p: &mut Pass, seen: &mut [bool]) {
    let Some(i) = r
        .get("userName")
        .and_then(Value::as_str)
        .and_then(|n| dir.user_index(n))
    else {
        return;
    };
    if std::mem::replace(&mut seen[i], true) {
        p.duplicates += 1;
        if p.examples.len() < EXAMPLES {
            p.examples
                .push(format!("listed twice {}", dir.user_name(i)));
        }
    }
}
