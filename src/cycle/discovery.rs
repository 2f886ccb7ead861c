//! Account Discovery, as Entra runs it (preview, 2026): every user of the target listed with
//! RFC 7644 §3.4.2.4 paging — `GET /Users?startIndex=K&count=N`, no filter — and correlated
//! with the source on the first direct matching attribute (`userName` here).
//! Source [DISCOVERY]: https://learn.microsoft.com/en-us/entra/identity/app-provisioning/how-to-account-discovery
//! ("For SCIM based connectors, account discovery requires that the application support RFC
//! 7644, Section 3.4.2.4"; "only the first matching attribute is used"; "an application with
//! 250K accounts might take 12 hours or more").
//!
//! A pass pages until `totalResults` resources were listed or a page comes back empty, and
//! compares the listing with what this run provisioned: a user listed more than once (`duplicates`) or
//! never (`missing`) gives Entra a wrong picture of the application. Up to `--concurrency`
//! pages are in flight, each at the `startIndex` the pages before it lead to when they are
//! full, and they are read in order; a short page discards the pages asked ahead of it and
//! the listing goes on from where it really ended. Of each page only `totalResults` and the
//! users' `userName` are read (`listing`); memory holds one bit per source user, whatever the
//! server answers.

mod listing;

use super::directory::Directory;
use super::engine::Engine;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

/// One Account Discovery pass.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pass {
    /// The cycle it followed (`initial`, `incremental-N`).
    pub after: String,
    /// Users per page asked for (`count`).
    pub page_size: usize,
    /// Pages read (a page asked ahead and discarded after a short page is not counted).
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
    /// The first page whose answer gave another `startIndex` than the one asked: (asked,
    /// answered). RFC 7644 §3.4.2.4 makes it "the 1-based index of the first result in the
    /// current set": a server that answers 1 to every page ignores the parameter, the likely
    /// cause of duplicates and missing users. Shown, not judged on its own.
    pub wrong_start: Option<(usize, u64)>,
}

/// Users named in the examples, at most.
const EXAMPLES: usize = 5;

impl Pass {
    /// A pass after cycle `after` that has listed nothing yet.
    fn new(after: &str, page_size: usize) -> Pass {
        Pass {
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
            wrong_start: None,
        }
    }

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
            "start_index_answered": self.wrong_start.map(|(asked, answered)| json!({"asked": asked, "answered": answered})),
            "passed": !self.failed(),
        })
    }

    /// One line for the console.
    pub(crate) fn line(&self) -> String {
        let mut l = format!(
            "Account Discovery after {}: {} (count={}), {} listed (totalResults {}), {} duplicates, {} missing, {:.2} s ({:.0} pages/s; 250,000 accounts ≈ {:.0} s)",
            self.after,
            crate::words::count(self.pages, "page"),
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
        if let Some(note) = self.start_note() {
            l.push_str(&format!("; {note}"));
        }
        l
    }

    /// `pass` or `FAIL`, with why and the users named, for the report's table.
    pub(crate) fn verdict_words(&self) -> String {
        let mut parts = vec![if self.failed() { "FAIL" } else { "pass" }.to_string()];
        parts.extend(self.stopped.clone());
        if !self.examples.is_empty() {
            parts.push(self.examples.join(", "));
        }
        parts.extend(self.start_note());
        parts.join("; ")
    }

    /// The page answered at another `startIndex` than asked, in words.
    pub(crate) fn start_note(&self) -> Option<String> {
        self.wrong_start.map(|(asked, answered)| {
            format!("the page asked at startIndex={asked} answered startIndex {answered} (RFC 7644 §3.4.2.4)")
        })
    }
}

/// What one page gave.
pub(crate) struct Page {
    /// The HTTP status (0: no answer).
    pub status: u16,
    /// The body, as read.
    pub body: Vec<u8>,
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
    let mut p = Pass::new(after, page_size);
    let e = engine.clone();
    let fetch = move |start: usize| {
        let e = e.clone();
        async move { e.list_page(start, page_size).await }
    };
    let e = engine.clone();
    let go_on = move || {
        if e.go_on() {
            None
        } else if e.past_deadline() {
            Some("the run's --deadline passed")
        } else {
            Some("interrupted")
        }
    };
    walk((fetch, go_on), engine.concurrency(), dir, &mut p, &mut seen).await;
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

/// Pages asked ahead, by `startIndex`, in the order they are read; dropping them aborts the
/// requests still in flight.
struct Ahead(VecDeque<(usize, tokio::task::JoinHandle<Page>)>);

impl Ahead {
    fn discard(&mut self) {
        for (_, task) in self.0.drain(..) {
            task.abort();
        }
    }
}

impl Drop for Ahead {
    fn drop(&mut self) {
        self.discard();
    }
}

/// Pages through the listing with `fetch(startIndex)`, up to `window` pages in flight, marking
/// this run's users in `seen`, while `halt()` gives no reason to stop (the run's deadline, an
/// interrupt): then the pass ends there, stopped, and the pages in flight are dropped.
async fn walk<F, Fut, H>(
    (fetch, halt): (F, H),
    window: usize,
    dir: &Directory,
    p: &mut Pass,
    seen: &mut [bool],
) where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Page> + Send + 'static,
    H: Fn() -> Option<&'static str>,
{
    // Nothing a server says makes the walk endless: at most this many resources are read, and
    // every page read either ends the walk or lists at least one.
    let most = dir.users.len().saturating_mul(4).saturating_add(100_000);
    // Page 1 alone: its length is the stride later pages are asked at, its totalResults where
    // the listing ends.
    if let Some(why) = halt() {
        p.stopped = Some(format!("{why} before the first page"));
        return;
    }
    p.pages = 1;
    let Some(first) = read(fetch(1).await, 1, dir, p) else {
        return;
    };
    p.total_results = first.total;
    let stride = first.count.max(1);
    let mut start = 1;
    let mut got = first;
    let mut ahead = Ahead(VecDeque::new());
    let mut next = 1 + got.count;
    loop {
        let n = got.count;
        for &i in &got.ours {
            note(dir, i, p, seen);
        }
        p.listed += n;
        start += n;
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
        if let Some(why) = halt() {
            p.stopped = Some(format!(
                "{why} after {} listed: the pass was cut short",
                p.listed
            ));
            return;
        }
        if n != stride {
            // A short page: the pages asked ahead assumed full ones; go on from here.
            ahead.discard();
            next = start;
        }
        // Keep the window full, not past where totalResults says the listing ends; when
        // nothing is in flight `next` is `start`, so the page there is always asked.
        while ahead.0.len() < window.max(1) && (ahead.0.is_empty() || next <= total) {
            ahead.0.push_back((next, tokio::spawn(fetch(next))));
            next = next.saturating_add(stride);
        }
        let (at, task) = ahead.0.pop_front().expect("a page is in flight");
        debug_assert_eq!(at, start);
        let page = task.await.unwrap_or_else(|_| Page {
            status: 0,
            body: Vec::new(),
            failure: Some("the request did not finish".into()),
        });
        p.pages += 1;
        got = match read(page, at, dir, p) {
            Some(g) => g,
            None => return,
        };
    }
}

/// A page's `totalResults`, its number of resources, and this run's users among them.
struct Got {
    total: Option<u64>,
    count: usize,
    ours: Vec<usize>,
}

/// Reads the page asked at startIndex `asked`; a failed or unreadable one stops the pass
/// (`p.stopped`).
fn read(page: Page, asked: usize, dir: &Directory, p: &mut Pass) -> Option<Got> {
    let at = p.pages;
    if let Some(f) = page.failure {
        p.stopped = Some(format!("page {at}: {f}"));
        return None;
    }
    if page.status != 200 {
        p.stopped = Some(format!("page {at} answered {}", page.status));
        return None;
    }
    let l = listing::parse(&page.body, dir).unwrap_or_default();
    if let Some(answered) = l.start.filter(|&s| s != asked as u64) {
        p.wrong_start.get_or_insert((asked, answered));
    }
    let Some(resources) = l.resources else {
        if l.total_given {
            return Some(Got {
                total: l.total,
                count: 0,
                ours: Vec::new(),
            });
        }
        p.stopped = Some(format!("page {at} is not a ListResponse"));
        return None;
    };
    if at == 1 && l.total.is_none() {
        p.stopped = Some("page 1 has no totalResults".into());
        return None;
    }
    Some(Got {
        total: l.total,
        count: resources.count,
        ours: resources.ours,
    })
}

/// Marks user `i` in `seen`; a second sighting is a duplicate.
fn note(dir: &Directory, i: usize, p: &mut Pass, seen: &mut [bool]) {
    if std::mem::replace(&mut seen[i], true) {
        p.duplicates += 1;
        if p.examples.len() < EXAMPLES {
            p.examples
                .push(format!("listed again {}", dir.user_name(i)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    const USERS: usize = 230;

    fn dir() -> Directory {
        Directory::generate("abcd1234", 1, USERS, 0, 0)
    }

    fn pass_record() -> Pass {
        Pass::new("initial", 10)
    }

    /// A ListResponse of the resources named `names`.
    fn page(total: usize, names: &[String]) -> Page {
        let resources: Vec<Value> = names
            .iter()
            .map(|n| json!({"id": n, "userName": n, "emails": [{"value": n}], "active": true}))
            .collect();
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": total, "Resources": resources});
        Page {
            status: 200,
            body: body.to_string().into_bytes(),
            failure: None,
        }
    }

    /// Walks a target holding `held` (by name) whose page at `startIndex` is what `serve`
    /// answers, `window` at once; with a delay that makes later pages finish first.
    async fn walk_over(
        serve: impl Fn(&[String], usize) -> Page + Send + Sync + 'static,
        window: usize,
    ) -> (Pass, Vec<bool>, Vec<usize>) {
        let d = dir();
        // Every other user of the directory, then a stranger after every ten.
        let mut held = Vec::new();
        for i in (0..USERS).step_by(2) {
            held.push(d.user_name(i));
            if i % 20 == 0 {
                held.push(format!("stranger{i}@example.com"));
            }
        }
        let asked = Arc::new(Mutex::new(Vec::new()));
        let (held, serve, a) = (Arc::new(held), Arc::new(serve), asked.clone());
        let fetch = move |start: usize| {
            let (held, serve, a) = (held.clone(), serve.clone(), a.clone());
            async move {
                a.lock().unwrap().push(start);
                let late = 3_u64.saturating_sub((start % 4) as u64);
                tokio::time::sleep(std::time::Duration::from_millis(late)).await;
                serve(&held, start)
            }
        };
        let (mut p, mut seen) = (pass_record(), vec![false; USERS]);
        walk((fetch, || None), window, &d, &mut p, &mut seen).await;
        let asked = asked.lock().unwrap().clone();
        (p, seen, asked)
    }

    /// Resources `from` (1-based) on, `count` of them.
    fn slice(held: &[String], from: usize, count: usize) -> Vec<String> {
        held.iter()
            .skip(from.max(1) - 1)
            .take(count)
            .cloned()
            .collect()
    }

    fn every_other(seen: &[bool]) -> bool {
        seen.iter().enumerate().all(|(i, s)| *s == (i % 2 == 0))
    }

    #[tokio::test]
    async fn a_faithful_listing_is_read_once_in_full_pages() {
        for window in [1, 4, 16] {
            let (p, seen, asked) = walk_over(|h, s| page(h.len(), &slice(h, s, 10)), window).await;
            assert_eq!((p.listed, p.duplicates, p.pages), (127, 0, 13), "{p:?}");
            assert!(p.stopped.is_none() && every_other(&seen), "{p:?}");
            // Never asked past totalResults.
            assert_eq!(asked.len(), 13, "window {window}: {asked:?}");
        }
    }

    #[tokio::test]
    async fn short_pages_discard_the_pages_asked_ahead_and_go_on_from_where_they_ended() {
        // Pages end early at every fifth resource (a server capping by bytes, say).
        let (p, seen, asked) = walk_over(
            |h, s| {
                let count = 10 - (s % 5).min(4);
                page(h.len(), &slice(h, s, count))
            },
            8,
        )
        .await;
        assert_eq!((p.listed, p.duplicates), (127, 0), "{p:?}");
        assert!(p.stopped.is_none() && every_other(&seen), "{p:?} {asked:?}");
    }

    #[tokio::test]
    async fn pages_that_overlap_list_users_twice() {
        // Each page after the first starts two resources early.
        let (p, seen, _) = walk_over(
            |h, s| page(h.len(), &slice(h, s.saturating_sub(2).max(1), 10)),
            16,
        )
        .await;
        assert!(p.duplicates > 0, "{p:?}");
        assert!(p.examples[0].starts_with("listed again "), "{p:?}");
        assert!(every_other(&seen));
    }

    /// `page`, its answer giving `startIndex` `start`.
    fn page_at(total: usize, names: &[String], start: usize) -> Page {
        let mut pg = page(total, names);
        let mut j: Value = serde_json::from_slice(&pg.body).unwrap();
        j["startIndex"] = json!(start);
        pg.body = j.to_string().into_bytes();
        pg
    }

    #[tokio::test]
    async fn a_page_answered_at_another_start_index_is_named() {
        // Faithful answers echo the startIndex asked: nothing to say.
        let (p, _, _) = walk_over(|h, s| page_at(h.len(), &slice(h, s, 10), s), 4).await;
        assert_eq!((p.duplicates, p.wrong_start), (0, None), "{p:?}");
        // startIndex ignored (SCIMMY's example handlers): every page is the first, and says so.
        let (p, _, _) = walk_over(|h, _| page_at(h.len(), &slice(h, 1, 10), 1), 4).await;
        assert!(p.duplicates > 0 && p.failed(), "{p:?}");
        assert_eq!(p.wrong_start, Some((11, 1)), "{p:?}");
        assert!(
            p.line()
                .contains("the page asked at startIndex=11 answered startIndex 1"),
            "{}",
            p.line()
        );
        assert!(
            p.verdict_words().starts_with("FAIL; "),
            "{}",
            p.verdict_words()
        );
        assert_eq!(
            p.to_json()["start_index_answered"],
            json!({"asked": 11, "answered": 1})
        );
    }

    #[tokio::test]
    async fn a_pass_stops_at_the_deadline_or_an_interrupt() {
        // A listing that would go on for ever, one resource a page; the deadline passes
        // after the fifth page read.
        let d = dir();
        let asked = Arc::new(Mutex::new(0_usize));
        let a = asked.clone();
        let fetch = move |_start: usize| {
            *a.lock().unwrap() += 1;
            async { page(usize::MAX / 2, &["stranger@example.com".to_string()]) }
        };
        let checks = std::cell::Cell::new(0);
        let halt = || {
            checks.set(checks.get() + 1);
            (checks.get() > 5).then_some("the run's --deadline passed")
        };
        let (mut p, mut seen) = (pass_record(), vec![false; USERS]);
        walk((fetch, halt), 16, &d, &mut p, &mut seen).await;
        assert_eq!(p.listed, 5, "{p:?}");
        assert!(p.failed(), "{p:?}");
        let why = p.stopped.as_deref().unwrap();
        assert!(
            why.starts_with("the run's --deadline passed after 5 listed"),
            "{why}"
        );
        // Nothing more asked than the window ahead of what was read.
        assert!(*asked.lock().unwrap() <= 5 + 16);
        // Halted before it starts: nothing asked.
        let (mut p, mut seen) = (pass_record(), vec![false; USERS]);
        let none = |_start: usize| async { unreachable!("no page is asked") };
        walk((none, || Some("interrupted")), 16, &d, &mut p, &mut seen).await;
        assert_eq!(
            p.stopped.as_deref(),
            Some("interrupted before the first page")
        );
    }

    #[tokio::test]
    async fn a_listing_that_never_ends_is_stopped() {
        // startIndex ignored, and a totalResults no listing reaches.
        let (p, _, asked) = walk_over(|h, _| page(usize::MAX / 2, &slice(h, 1, 10)), 16).await;
        assert_eq!(p.listed, USERS * 4 + 100_000, "{p:?}");
        assert!(p.stopped.as_deref().unwrap().contains("has not ended"));
        assert!(p.duplicates > 0);
        // Nothing asked beyond what was read, but the window.
        assert!(asked.len() <= p.pages + 16, "{}", asked.len());
    }

    /// A page 2 (and after) that is `body`, answered `status`.
    fn then(status: u16, body: &'static str) -> impl Fn(&[String], usize) -> Page + Send + Sync {
        move |h, s| {
            if s == 1 {
                return page(h.len(), &slice(h, 1, 10));
            }
            Page {
                status,
                body: body.as_bytes().to_vec(),
                failure: None,
            }
        }
    }

    #[tokio::test]
    async fn answers_the_pass_cannot_use_stop_it() {
        let stopped = |p: Pass| p.stopped.unwrap_or_default();
        let (p, _, _) = walk_over(then(500, "{}"), 4).await;
        assert_eq!(stopped(p), "page 2 answered 500");
        let (p, _, _) = walk_over(then(200, "<html>"), 4).await;
        assert_eq!(stopped(p), "page 2 is not a ListResponse");
        let (p, _, _) = walk_over(then(200, r#"{"Resources": {}}"#), 4).await;
        assert_eq!(stopped(p), "page 2 is not a ListResponse");
        // No totalResults on page 1: where the listing ends is unknown.
        let untold = |h: &[String], _: usize| {
            let mut p = page(0, &slice(h, 1, 10));
            p.body = String::from_utf8(p.body)
                .unwrap()
                .replace("\"totalResults\":0,", "")
                .into_bytes();
            p
        };
        let (p, _, _) = walk_over(untold, 4).await;
        assert_eq!(stopped(p), "page 1 has no totalResults");
        let failed = |_: &[String], _: usize| Page {
            status: 0,
            body: Vec::new(),
            failure: Some("connection refused".into()),
        };
        let (p, _, _) = walk_over(failed, 4).await;
        assert_eq!(stopped(p), "page 1: connection refused");
        // A page with totalResults and no Resources ends the listing, as an empty one does.
        let (p, seen, _) = walk_over(then(200, r#"{"totalResults": 127}"#), 4).await;
        assert_eq!((p.stopped, p.listed), (None, 10));
        assert_eq!(seen.iter().filter(|s| **s).count(), 9);
    }
}
