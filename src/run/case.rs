//! Running one planned case: render each step, send it, evaluate every assertion, capture
//! values, and at the end delete every resource the case created — whatever the outcome.
//!
//! Safety rules (README "Safety"):
//! - a create is journaled before it is sent (`journal.rs`), with the generated identity that
//!   proves the resource is this run's;
//! - after a create the resource is read back by the id the server gave; only if it shows the
//!   identity this case sent is it the case's to change or delete. Anything else is reported
//!   as a server defect and never written to;
//! - a step may PUT, PATCH or DELETE only a URL that addresses exactly one such resource (or a
//!   random id the case made up, to test a 404), judged on the URL as sent;
//! - values put into a URL path are encoded as one segment, and `.`/`..` are refused;
//! - cleanup re-reads whatever a DELETE did not conclusively remove, and looks up creates
//!   whose answer never came by their identity.

use super::check::{evaluate, show};
use super::curl::curl;
use super::generate::{carries_run, generate};
use super::http::{Http, OutRequest, Received};
use super::journal::{Journal, State as Journaled, Ticket};
use super::url::{check_id, compose, encode_segment, resource_of};
use crate::model::{Auth, Body, CaptureSource, Encoding, Profile, Step, render_value};
use crate::plan::PlannedCase;
use crate::record::{
    CaseResult, CheckKind, CheckRecord, CleanupRecord, Exchange, Status, StepRecord,
};
use crate::schema_store::SchemaStore;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What every case of a run shares.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// The HTTP client.
    pub http: Http,
    /// Target base URL.
    pub base_url: String,
    /// Run id.
    pub run_id: String,
    /// Compiled schemas.
    pub schemas: Arc<SchemaStore>,
    /// Longest a case's steps may take; cleanup runs after it regardless.
    pub case_timeout: Duration,
    /// Set when the run is interrupted.
    pub interrupt: super::Interrupt,
    /// Every create of the run, written down before it is sent.
    pub journal: Journal,
    /// `--keep-on-failure`: a failing case's resources stay on the target for inspection.
    pub keep_on_failure: bool,
    /// The run's own test data: domain and variable values.
    pub data: TestData,
    /// How long a failed read-back of the gallery suite is retried before it fails: the gate
    /// reads back after a 7 s delay (`Delay_After_SCIM_Null_Update*` @36451beb), so an
    /// eventually consistent store is judged as it judges it. Zero: no retry.
    pub gallery_read_back: Duration,
    /// OAuth client credentials for the gallery's credentials test (the run's, or the
    /// reference server's token endpoint); `None`: the test is skipped, as the gate skips it.
    pub oauth: Option<super::OAuth>,
    /// Every case holds it to read while it runs; a case marked `alone` holds it to write, so
    /// it runs with no other case in flight (and after their cleanup).
    pub alone: Arc<tokio::sync::RwLock<()>>,
}

/// Test data a run chooses (`[capabilities] domain`, `[vars]`, `--domain`, `--var`).
#[derive(Debug, Clone, Default)]
pub struct TestData {
    /// The domain of generated userNames and emails (default: `Example.com`, `Example.org`).
    pub domain: Option<String>,
    /// Values that replace case variables of the same name.
    pub vars: std::collections::BTreeMap<String, Value>,
}

/// How long a request already in flight may still take after an interrupt before it is
/// abandoned (its create, if it was one, is then looked up by identity in cleanup).
const INTERRUPT_GRACE: Duration = Duration::from_secs(5);

struct State<'a> {
    cx: &'a RunContext,
    case: String,
    profile: Profile,
    vars: HashMap<String, Value>,
    /// Values made by generators in this case: ids we may address though we did not create them.
    generated: HashSet<String>,
    /// This case's creates, in the order sent.
    tickets: Vec<Ticket>,
    /// (collection, id) of resources this case created and proved its own.
    owned: Vec<(String, String, Ticket)>,
    /// The case's evidence grade: what a check without its own rests on.
    evidence: Option<crate::model::Evidence>,
}

impl State<'_> {
    fn lookup(&mut self, name: &str) -> Result<Value, String> {
        if let Some(v) = self.vars.get(name) {
            return Ok(v.clone());
        }
        match name {
            "run_id" => return Ok(Value::String(self.cx.run_id.clone())),
            "profile" => return Ok(Value::String(self.profile.name().into())),
            _ => {}
        }
        let v = generate(name, &self.cx.run_id, self.cx.data.domain.as_deref())
            .ok_or_else(|| format!("variable `{name}` has no value"))?;
        if let Value::String(s) = &v {
            self.generated.insert(s.clone());
        }
        Ok(v)
    }

    fn owner_of(&self, coll: &str, id: &str) -> Option<Ticket> {
        self.owned
            .iter()
            .find(|(c, i, _)| c.eq_ignore_ascii_case(coll) && i == id)
            .map(|(_, _, t)| *t)
    }

    fn headers(&self) -> Vec<(String, String)> {
        self.profile
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

/// Runs `planned` against the target.
pub(crate) async fn run_case(cx: &RunContext, planned: &PlannedCase) -> CaseResult {
    // Held until the case's cleanup is done. Skipped cases take it too: cheap, and one rule.
    let _turn = if planned.case.alone {
        (None, Some(cx.alone.write().await))
    } else {
        (Some(cx.alone.read().await), None)
    };
    let start = Instant::now();
    let case = &planned.case;
    let mut result = empty_result(planned);
    if let Some(reason) = &case.skip {
        result.status = Status::Skipped;
        result.reason = Some(reason.clone());
        return result;
    }
    if cx.interrupt.is_set() {
        result.status = Status::Skipped;
        result.reason = Some("not run: the run was interrupted".into());
        return result;
    }
    let mut st = State {
        cx,
        case: planned.name.clone(),
        profile: planned.profile,
        vars: HashMap::new(),
        generated: HashSet::new(),
        tickets: Vec::new(),
        owned: Vec::new(),
        evidence: case.evidence,
    };
    for (name, t) in &case.vars {
        if let Some(v) = cx.data.vars.get(name) {
            st.vars.insert(name.clone(), v.clone());
            continue;
        }
        match t.render(&mut |v| st.lookup(v)) {
            // Only what generators made counts as ours to address: a literal value in a
            // suite could name someone else's resource.
            Ok(v) => {
                st.vars.insert(name.clone(), v);
            }
            Err(e) => {
                result.status = Status::Errored;
                result.reason = Some(format!("variable `{name}`: {e}"));
                result.duration = start.elapsed();
                return result;
            }
        }
    }
    let limit = cx.case_timeout;
    let stopped = tokio::select! {
        done = tokio::time::timeout(limit, run_steps(&mut st, planned, &mut result)) => {
            match done {
                Ok(stop) => stop,
                Err(_) => Some(format!(
                    "the case did not finish within {} s (--case-timeout); its remaining steps were not run",
                    limit.as_secs()
                )),
            }
        }
        // A request in flight when the run is interrupted may finish (a create it sends is
        // then known, not guessed); past the grace period it is abandoned.
        () = async {
            cx.interrupt.wait().await;
            tokio::time::sleep(INTERRUPT_GRACE).await;
        } => Some(INTERRUPTED.to_string()),
    };
    if let Some(reason) = stopped {
        result.status = Status::Errored;
        result.reason = Some(reason);
    }
    cleanup(&mut st, &mut result).await;
    result.duration = start.elapsed();
    result
}

/// A result with nothing run yet.
pub(crate) fn empty_result(planned: &PlannedCase) -> CaseResult {
    let case = &planned.case;
    CaseResult {
        name: planned.name.clone(),
        suite: planned.suite.clone(),
        file: planned.file.clone(),
        case: case.name.clone(),
        profile: planned.profile,
        severity: case.severity,
        evidence: case.evidence,
        source: case.source.clone(),
        entra: case
            .consequence(planned.profile.client())
            .map(str::to_string),
        description: case.description.clone(),
        status: Status::Passed,
        reason: None,
        steps: Vec::new(),
        cleanup: Vec::new(),
        duration: Duration::default(),
        known_failure: None,
    }
}

/// The reason given to a case stopped by an interrupt.
pub(crate) const INTERRUPTED: &str = "interrupted: the remaining steps were not run; cleanup ran";

/// Runs the case's steps for its profile, recording each; stops early on a failed status gate,
/// an error or an interrupt (returning why it stopped, when that is not a failed check).
async fn run_steps(
    st: &mut State<'_>,
    planned: &PlannedCase,
    result: &mut CaseResult,
) -> Option<String> {
    let steps = planned.case.steps.iter().filter(|s| {
        s.profiles
            .as_ref()
            .is_none_or(|p| p.contains(&planned.profile))
    });
    for step in steps {
        if st.cx.interrupt.is_set() {
            return Some(INTERRUPTED.to_string());
        }
        let (record, outcome) = run_step(st, step).await;
        result.steps.push(record);
        match outcome {
            StepOutcome::Ok => {}
            // A set-up step that did what the case needs (its status, its captures, the
            // resource proved this case's) is a finding: reported once as its own cause,
            // and the case goes on to its subject.
            StepOutcome::Failed { stop: false } if step.setup => {
                if let Some(last) = result.steps.last_mut() {
                    last.finding = true;
                }
            }
            StepOutcome::Failed { stop } => {
                if result.status == Status::Passed {
                    result.status = Status::Failed;
                    result.reason = Some(failure_reason(result.steps.last().expect("just pushed")));
                }
                if stop {
                    break;
                }
            }
            StepOutcome::Errored(e) => {
                result.status = Status::Errored;
                let blocked = if step.setup {
                    "blocked by its set-up: "
                } else {
                    ""
                };
                result.reason = Some(format!("{blocked}step `{}`: {e}", step.name));
                break;
            }
        }
    }
    None
}

/// The one-line reason of a failed step: its first failed check. A failed set-up step blocks
/// the case: the reason says so first.
fn failure_reason(step: &StepRecord) -> String {
    let blocked = if step.setup {
        "blocked by its set-up: "
    } else {
        ""
    };
    match step.checks.iter().find(|c| !c.passed) {
        Some(c) => format!("{blocked}step `{}`: {}", step.name, c.describe()),
        None => format!("{blocked}step `{}` failed", step.name),
    }
}

enum StepOutcome {
    Ok,
    Failed { stop: bool },
    Errored(String),
}

fn render_body(st: &mut State<'_>, step: &Step) -> Result<Option<Vec<u8>>, String> {
    let to_bytes = |v: &Value| serde_json::to_vec(v).map_err(|e| e.to_string());
    Ok(match &step.request.body {
        None => None,
        Some(Body::Inline(v)) => Some(to_bytes(&render_value(v, &mut |n| st.lookup(n))?)?),
        Some(Body::PerProfile(map)) => {
            let v = map
                .get(&st.profile)
                .ok_or_else(|| format!("no fixture for profile `{}`", st.profile))?;
            Some(to_bytes(&render_value(v, &mut |n| st.lookup(n))?)?)
        }
        Some(Body::Raw(t)) => Some(
            crate::model::Template::parse(t)
                .map_err(|(_, m)| m)?
                .render_text(&mut |n| st.lookup(n))?
                .into_bytes(),
        ),
    })
}

fn render_request(st: &mut State<'_>, step: &Step) -> Result<OutRequest, String> {
    let r = &step.request;
    // A value put into the path is one segment: `/`, `?`, `#` in it are encoded, and `.`/`..`
    // (which URL normalisation would resolve) are refused.
    let path = r.path.render_text(&mut |v| match st.lookup(v)? {
        Value::String(s) => {
            check_id(&s).map_err(|e| format!("`${{{v}}}` cannot go into a URL path: {e}"))?;
            Ok(Value::String(encode_segment(&s)))
        }
        other => Ok(other),
    })?;
    let mut query = Vec::new();
    for (k, t) in &r.query {
        query.push((k.clone(), t.render_text(&mut |v| st.lookup(v))?));
    }
    let encoding = r.encoding.unwrap_or(st.profile.encoding());
    let url = compose(&st.cx.base_url, &path, &query, encoding);
    let mut headers = st.headers();
    let body = render_body(st, step)?;
    if body.is_some() {
        headers.push(("Content-Type".into(), st.profile.content_type().into()));
    }
    for (k, t) in &r.headers {
        let v = t.render_text(&mut |n| st.lookup(n))?;
        headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
        headers.push((k.clone(), v));
    }
    // Guard: never modify or delete what this case did not create, judged on the URL as sent.
    if matches!(
        r.method,
        reqwest::Method::PUT | reqwest::Method::PATCH | reqwest::Method::DELETE
    ) {
        let owned = resource_of(&st.cx.base_url, &url).is_some_and(|(coll, id)| {
            st.owner_of(&coll, &id).is_some() || st.generated.contains(&id)
        });
        if !owned {
            return Err(format!(
                "refusing to {} {path}: this case did not create that resource (scimtest never changes data it did not create)",
                r.method
            ));
        }
    }
    Ok(OutRequest {
        method: r.method.clone(),
        url,
        headers,
        body,
        auth: r.auth,
    })
}

/// The collection a POST creates in (`/Users`), when its URL is base + one segment: the URL with
/// one more segment would address a resource in it.
fn collection_of(base: &str, url: &str) -> Option<String> {
    let probe = format!("{}/_", url.split(['?', '#']).next().unwrap_or(url));
    resource_of(base, &probe)
        .map(|(coll, _)| coll)
        .filter(|c| !c.starts_with("/."))
}

/// Strings in a create body that carry this run's generated identity, with their pointers.
fn identity(body: &Value, run_id: &str) -> Vec<(String, String)> {
    fn walk(v: &Value, at: String, run_id: &str, out: &mut Vec<(String, String)>) {
        match v {
            Value::String(s) if carries_run(s, run_id) => {
                out.push((at, s.clone()));
            }
            Value::Object(o) => {
                for (k, x) in o {
                    let key = k.replace('~', "~0").replace('/', "~1");
                    walk(x, format!("{at}/{key}"), run_id, out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, format!("{at}/{i}"), run_id, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(body, String::new(), run_id, &mut out);
    // Top-level attributes first: they are what a lookup filters on.
    out.sort_by_key(|(p, _)| p.matches('/').count());
    out
}

/// Journals a POST to a collection before it is sent: the ticket and the collection.
fn journal_create(st: &mut State<'_>, req: &OutRequest) -> Option<(Ticket, String)> {
    match (&req.method, collection_of(&st.cx.base_url, &req.url)) {
        (&reqwest::Method::POST, Some(coll)) => {
            let body = req
                .body
                .as_deref()
                .and_then(|b| serde_json::from_slice::<Value>(b).ok())
                .unwrap_or(Value::Null);
            let t = st
                .cx
                .journal
                .intend(&st.case, &coll, identity(&body, &st.cx.run_id));
            st.tickets.push(t);
            Some((t, coll))
        }
        _ => None,
    }
}

/// Takes the step's captures from the answer into the case's variables; a capture that finds
/// nothing is a failed check (later steps need it). Whether every capture was taken.
fn capture(
    st: &mut State<'_>,
    step: &Step,
    got: &Received,
    redactor: &crate::redact::Redactor,
    checks: &mut Vec<CheckRecord>,
) -> bool {
    let mut capture_failed = false;
    for c in &step.captures {
        let value = match &c.source {
            CaptureSource::Pointer(p) => got.json.as_ref().and_then(|j| j.pointer(p)).cloned(),
            CaptureSource::Header(h) => got
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(h))
                .map(|(_, v)| Value::String(v.clone())),
        };
        match value {
            Some(v) if !v.is_null() => {
                st.vars.insert(c.name.clone(), v);
            }
            other => {
                capture_failed = true;
                let from = match &c.source {
                    CaptureSource::Pointer(p) => format!("body {p}"),
                    CaptureSource::Header(h) => format!("header {h}"),
                };
                checks.push(CheckRecord {
                    what: CheckKind::Capture {
                        name: c.name.clone(),
                        from,
                    },
                    passed: false,
                    pointer: match &c.source {
                        CaptureSource::Pointer(p) => Some(p.clone()),
                        CaptureSource::Header(_) => None,
                    },
                    expected: "a value".into(),
                    actual: other.map_or_else(|| "absent".into(), |v| show(redactor, &v)),
                    because: Some("later steps need it".into()),
                    at: None,
                    evidence: None,
                });
            }
        }
    }
    !capture_failed
}

/// Runs one step; a failed read-back (a GET whose status held but whose checks did not) of
/// the gallery suite is sent again, every half second, for as long as the gate would have
/// waited before reading.
async fn run_step(st: &mut State<'_>, step: &Step) -> (StepRecord, StepOutcome) {
    let mut done = run_step_once(st, step).await;
    let patient = st.case.starts_with("entra-gallery::")
        && step.request.method == reqwest::Method::GET
        && !st.cx.gallery_read_back.is_zero();
    let deadline = Instant::now() + st.cx.gallery_read_back;
    let mut tries = 1;
    while patient
        && matches!(done.1, StepOutcome::Failed { stop: false })
        && Instant::now() < deadline
        && !st.cx.interrupt.is_set()
    {
        tokio::time::sleep(Duration::from_millis(500)).await;
        done = run_step_once(st, step).await;
        tries += 1;
    }
    if tries > 1
        && let Some(ex) = done.0.exchange.as_mut()
    {
        ex.retries.push(format!(
            "read back {tries} times over {} s, as the gallery validation waits before reading",
            st.cx.gallery_read_back.as_secs()
        ));
    }
    done
}

async fn run_step_once(st: &mut State<'_>, step: &Step) -> (StepRecord, StepOutcome) {
    let mut record = StepRecord {
        name: step.name.clone(),
        exchange: None,
        checks: Vec::new(),
        error: None,
        curl: None,
        ownership: Vec::new(),
        entra: step.consequence(st.profile.client()).map(str::to_string),
        setup: step.setup,
        finding: false,
        auth: step.request.auth,
    };
    let req = match render_request(st, step) {
        Ok(r) => r,
        Err(e) => {
            record.error = Some(e.clone());
            return (record, StepOutcome::Errored(e));
        }
    };
    let url = req.url.clone();
    let method = req.method.clone();
    // A create is journaled before it is sent.
    let ticket = journal_create(st, &req);
    let got = match st.cx.http.send(req).await {
        Ok(got) => got,
        Err((exchange, e)) => {
            record.curl = Some(curl(&exchange));
            record.exchange = Some(exchange);
            record.error = Some(e.clone());
            return (record, StepOutcome::Errored(e));
        }
    };
    record.curl = Some(curl(&got.exchange));
    let mut checks = Vec::new();
    let mut not_ours = false;
    if let Some((t, coll)) = ticket
        && let Some(failed) = settle_create(st, t, &coll, &got, &mut record.ownership).await
    {
        // A create that does not prove to be this case's ends the case: its later steps
        // would write to it.
        not_ours = true;
        checks.push(failed);
    }
    if method == reqwest::Method::DELETE
        && (200..300).contains(&got.exchange.status)
        && let Some((coll, id)) = resource_of(&st.cx.base_url, &url)
        && let Some(t) = st.owner_of(&coll, &id)
    {
        st.cx.journal.set(t, Journaled::Deleted);
    }
    let redactor = st.cx.http.redactor().clone();
    let (evaluated, status_ok) =
        evaluate(&step.expect, &got, &st.cx.schemas, &redactor, &mut |n| {
            st.lookup(n)
        });
    checks.extend(evaluated);
    let capture_failed = !capture(st, step, &got, &redactor, &mut checks);
    record.exchange = Some(got.exchange);
    // A check rests on its own grade, else its step's, else its case's.
    for c in &mut checks {
        c.evidence = c.evidence.or(step.evidence).or(st.evidence);
    }
    record.checks = checks;
    let outcome = if !status_ok || capture_failed || not_ours {
        StepOutcome::Failed { stop: true }
    } else if record.failed() {
        StepOutcome::Failed { stop: false }
    } else {
        StepOutcome::Ok
    };
    (record, outcome)
}

/// The id a create answer names: `id` in the body (a number is taken as its text), else the
/// last segment of `Location`.
fn answered_id(got: &Received) -> Option<String> {
    if let Some(id) = got
        .json
        .as_ref()
        .and_then(crate::client::ownership::id_text)
    {
        return Some(id);
    }
    let location = got
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.as_str())?;
    let path = location.split(['?', '#']).next().unwrap_or(location);
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .map(|s| s.to_string())
}

fn ownership_check(passed: bool, expected: &str, actual: String) -> CheckRecord {
    CheckRecord {
        what: CheckKind::Ownership,
        passed,
        pointer: None,
        expected: expected.into(),
        actual,
        because: Some(
            "scimtest writes only to resources it can show this run created; it will not change or delete this one"
                .into(),
        ),
        at: None,
        evidence: None,
    }
}

/// Records what became of a create: refused, created and proved ours (read back by its id,
/// showing the identity the case sent), or unknown (cleanup looks it up by identity). Returns
/// a failed check when the answer names something that is not this case's resource.
async fn settle_create(
    st: &mut State<'_>,
    t: Ticket,
    coll: &str,
    got: &Received,
    reads: &mut Vec<Exchange>,
) -> Option<CheckRecord> {
    let journal = st.cx.journal.clone();
    let status = got.exchange.status;
    if (400..500).contains(&status) {
        journal.set(t, Journaled::Refused);
        return None;
    }
    if !(200..300).contains(&status) {
        // A 5xx may come after the server stored it: cleanup looks it up.
        return None;
    }
    let id = answered_id(got)?;
    journal.answered(t, &id);
    let entry = journal.get(t)?;
    if entry.identity.is_empty() {
        return Some(ownership_check(
            false,
            "a body carrying the run's generated identity (scimtest-<run id>-…)",
            "the create body carries no generated userName or displayName, so the resource cannot be proved this run's".into(),
        ));
    }
    if let Err(e) = check_id(&id) {
        return Some(ownership_check(
            false,
            "an id usable as one URL path segment",
            format!("{e} (id {})", show_str(&id)),
        ));
    }
    if let Some(other) = journal.claimed(coll, &id, t) {
        return Some(ownership_check(
            false,
            "a new id",
            format!(
                "id {} was already given to a resource created by {other}",
                show_str(&id)
            ),
        ));
    }
    let path = format!("{coll}/{}", encode_segment(&id));
    let read = match get(st, &path, &[]).await {
        Ok(read) => read,
        Err((ex, e)) => {
            reads.push(ex);
            return Some(ownership_check(
                false,
                "the created resource, read back by its id",
                format!("GET {path} failed: {e}"),
            ));
        }
    };
    let ours = proved(&read, &entry, &id);
    let seen = read.json.as_ref().and_then(|j| {
        entry
            .identity
            .iter()
            .find_map(|(p, _)| j.pointer(p).map(|v| show(st.cx.http.redactor(), v)))
    });
    reads.push(read.exchange);
    if ours {
        journal.set(t, Journaled::Created(id.clone()));
        st.owned.push((coll.to_string(), id, t));
        return None;
    }
    let (want_p, want_v) = &entry.identity[0];
    Some(ownership_check(
        false,
        &format!("GET {path} shows {want_p} = {}", show_str(want_v)),
        match seen {
            Some(v) => format!("{want_p} = {v}: the answer names another resource"),
            None => "a resource without this case's identity (or no resource)".into(),
        },
    ))
}

/// The proof `cycle` uses too (`client::ownership`): the resource read back by its id
/// carries the case's identity under the answered id.
fn proved(read: &Received, entry: &crate::client::journal::Entry, id: &str) -> bool {
    read.exchange.status == 200
        && read
            .json
            .as_ref()
            .is_some_and(|j| crate::client::ownership::proves(entry, id, j).is_ok())
}

fn show_str(s: &str) -> String {
    format!("{s:?}")
}

async fn get(
    st: &State<'_>,
    path: &str,
    query: &[(String, String)],
) -> Result<Received, (Exchange, String)> {
    let req = OutRequest {
        method: reqwest::Method::GET,
        url: compose(&st.cx.base_url, path, query, Encoding::Plus),
        headers: st.headers(),
        body: None,
        auth: Auth::Default,
    };
    st.cx.http.send(req).await
}

async fn delete(st: &State<'_>, path: &str) -> Result<Received, (Exchange, String)> {
    let req = OutRequest {
        method: reqwest::Method::DELETE,
        url: compose(&st.cx.base_url, path, &[], Encoding::Plus),
        headers: st.headers(),
        body: None,
        auth: Auth::Default,
    };
    st.cx.http.send(req).await
}

/// Deletes what the case created and has not deleted, re-reading when the answer is not
/// conclusive, and looking up creates whose answer never came (or named something else).
async fn cleanup(st: &mut State<'_>, result: &mut CaseResult) {
    if st.cx.keep_on_failure && matches!(result.status, Status::Failed | Status::Errored) {
        // Left for inspection: the run's summary lists them with the sweep command.
        for t in st.tickets.clone() {
            if let Some(entry) = st.cx.journal.get(t)
                && matches!(entry.state, Journaled::Created(_) | Journaled::Pending)
            {
                st.cx.journal.set(
                    t,
                    Journaled::Remains("kept for inspection (--keep-on-failure)".into()),
                );
            }
        }
        return;
    }
    let mut remains = Vec::new();
    for t in st.tickets.clone().into_iter().rev() {
        let Some(entry) = st.cx.journal.get(t) else {
            continue;
        };
        let rec = match &entry.state {
            Journaled::Created(id) => remove(st, t, &entry.collection, id).await,
            Journaled::Pending => find_and_remove(st, t).await,
            _ => continue,
        };
        if let Some(rec) = rec {
            if !rec.ok {
                remains.push(format!(
                    "{} ({})",
                    rec.path,
                    rec.detail.clone().unwrap_or_default()
                ));
            }
            result.cleanup.push(rec);
        }
    }
    if !remains.is_empty() {
        let note = format!("cleanup could not delete {}", remains.join(", "));
        match result.status {
            Status::Passed => {
                result.status = Status::Errored;
                result.reason = Some(note);
            }
            _ => {
                let r = result.reason.take().unwrap_or_default();
                result.reason = Some(format!("{r}; {note}"));
            }
        }
    }
}

/// DELETE one proven resource; a non-2xx answer is checked by reading it back.
async fn remove(st: &State<'_>, t: Ticket, coll: &str, id: &str) -> Option<CleanupRecord> {
    let path = format!("{coll}/{}", encode_segment(id));
    let mut rec = CleanupRecord {
        path: path.clone(),
        status: 0,
        ok: false,
        detail: None,
        exchange: None,
        reads: Vec::new(),
    };
    match delete(st, &path).await {
        Ok(got) => {
            rec.status = got.exchange.status;
            rec.exchange = Some(got.exchange);
            // Even a 2xx is read back: a DELETE answered 204 that keeps the resource is not a
            // delete (client::cleanup).
            rec.detail = Some(format!("DELETE answered {}", rec.status));
        }
        Err((ex, e)) => {
            rec.exchange = Some(ex);
            rec.detail = Some(e);
        }
    }
    // Is it still there (by id, then by identity)?
    let by_id = match get(st, &path, &[]).await {
        Ok(read) => {
            let s = read.exchange.status;
            rec.reads.push(read.exchange);
            Some(s)
        }
        Err((ex, _)) => {
            rec.reads.push(ex);
            None
        }
    };
    let detail = rec.detail.clone().unwrap_or_default();
    let found = lookup(st, t, &mut rec.reads).await;
    let state = match (by_id, found) {
        (Some(404), Ok(ids)) if ids.is_empty() => Journaled::Deleted,
        // Gone by id; the identity lookup is not possible on this target.
        (Some(404), Err(_)) => Journaled::Deleted,
        (_, Ok(ids)) if !ids.is_empty() => {
            // Still there, possibly under another id: it carries this run's identity, so it is
            // ours to delete.
            let mut all = true;
            for other in &ids {
                all &= delete_found(st, coll, other, &mut rec.reads).await;
            }
            if all && gone(st, t, &mut rec.reads).await {
                Journaled::Deleted
            } else {
                Journaled::Remains(format!(
                    "{detail}, but it is still there: a second DELETE did not remove it either"
                ))
            }
        }
        (Some(status), _) => {
            Journaled::Remains(format!("{detail}; GET by id still answers {status}"))
        }
        (None, _) => Journaled::Remains(format!("{detail}; it could not be read back")),
    };
    finish(st, t, rec, state)
}

fn finish(
    st: &State<'_>,
    t: Ticket,
    mut rec: CleanupRecord,
    state: Journaled,
) -> Option<CleanupRecord> {
    match &state {
        Journaled::Deleted | Journaled::Refused => {
            rec.ok = true;
            rec.detail = None;
        }
        Journaled::Remains(why) => {
            rec.ok = false;
            rec.detail = Some(why.clone());
        }
        _ => {}
    }
    st.cx.journal.set(t, state);
    Some(rec)
}

/// A create whose answer never came, or named something else: look it up by its identity and
/// delete what carries it.
async fn find_and_remove(st: &State<'_>, t: Ticket) -> Option<CleanupRecord> {
    let entry = st.cx.journal.get(t)?;
    let mut rec = CleanupRecord {
        path: match entry.lookup() {
            Some((attr, value)) => format!("{}?filter={attr} eq {value:?}", entry.collection),
            None => entry.collection.clone(),
        },
        status: 0,
        ok: false,
        detail: None,
        exchange: None,
        reads: Vec::new(),
    };
    let state = match lookup(st, t, &mut rec.reads).await {
        // The server said it created something under this id, yet neither the id nor the
        // identity finds it: that is not evidence that nothing remains.
        Ok(ids) if ids.is_empty() && entry.answered.is_some() => Journaled::Remains(format!(
            "the create was answered with id {}, but neither GET by that id nor a lookup by its identity finds it",
            entry.answered.as_deref().unwrap_or_default()
        )),
        Ok(ids) if ids.is_empty() => Journaled::Refused,
        Ok(ids) => {
            let mut all = true;
            for id in &ids {
                all &= delete_found(st, &entry.collection, id, &mut rec.reads).await;
            }
            if all && gone(st, t, &mut rec.reads).await {
                Journaled::Deleted
            } else {
                Journaled::Remains("found by its identity, but DELETE did not remove it".into())
            }
        }
        Err(e) => Journaled::Remains(format!("the create's outcome is unknown and {e}")),
    };
    rec.status = rec.reads.last().map_or(0, |e| e.status);
    finish(st, t, rec, state)
}

/// Ids of resources in the entry's collection that carry its identity, found with a filter
/// on the identity attribute. The filter's answer is not trusted: every resource is checked.
/// A resource found with an id that cannot be addressed is an error: it remains.
async fn lookup(
    st: &State<'_>,
    t: Ticket,
    reads: &mut Vec<Exchange>,
) -> Result<Vec<String>, String> {
    let entry = st.cx.journal.get(t).ok_or("no journal entry")?;
    let (attr, value) = entry
        .lookup()
        .ok_or("it has no generated identity to look it up by")?;
    let mut query = vec![(
        "filter".to_string(),
        format!(
            "{attr} eq \"{}\"",
            value.replace('\\', "\\\\").replace('"', "\\\"")
        ),
    )];
    if entry.collection.eq_ignore_ascii_case("/Groups") {
        query.insert(0, ("excludedAttributes".to_string(), "members".to_string()));
    }
    let got = match get(st, &entry.collection, &query).await {
        Ok(got) => got,
        Err((ex, e)) => {
            reads.push(ex);
            return Err(format!("the lookup by {attr} failed: {e}"));
        }
    };
    let status = got.exchange.status;
    let json = got.json.clone();
    reads.push(got.exchange);
    if status != 200 {
        return Err(format!("the lookup by {attr} answered {status}"));
    }
    let resources = json
        .as_ref()
        .and_then(|j| j.get("Resources"))
        .and_then(Value::as_array)
        .ok_or_else(|| format!("the lookup by {attr} did not answer a ListResponse"))?;
    let mut ids = Vec::new();
    for r in resources.iter().filter(|r| entry.matches(r)) {
        let id = match r.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(format!("the lookup by {attr} finds it, without an id")),
        };
        if let Err(e) = check_id(&id) {
            return Err(format!("the lookup by {attr} finds it, but {e}"));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Whether a lookup by identity, after the deletes, finds nothing left.
async fn gone(st: &State<'_>, t: Ticket, reads: &mut Vec<Exchange>) -> bool {
    lookup(st, t, reads).await.is_ok_and(|ids| ids.is_empty())
}

async fn delete_found(st: &State<'_>, coll: &str, id: &str, reads: &mut Vec<Exchange>) -> bool {
    match delete(st, &format!("{coll}/{}", encode_segment(id))).await {
        Ok(got) => {
            let ok = (200..300).contains(&got.exchange.status);
            reads.push(got.exchange);
            ok
        }
        Err((ex, _)) => {
            reads.push(ex);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identity_is_what_carries_the_run_prefix() {
        let body = json!({
            "externalId": "b5c1",
            "emails": [{"value": "scimtest-ab12cd34-x@example.org"}],
            "userName": "SCIMTEST-ab12cd34-y@example.com",
            "name": {"givenName": "Ann"}
        });
        let id = identity(&body, "ab12cd34");
        assert_eq!(
            id,
            vec![
                (
                    "/userName".to_string(),
                    "SCIMTEST-ab12cd34-y@example.com".to_string()
                ),
                (
                    "/emails/0/value".to_string(),
                    "scimtest-ab12cd34-x@example.org".to_string()
                ),
            ]
        );
        assert!(identity(&json!({"userName": "alice"}), "ab12cd34").is_empty());
        // A userName in the OIN gate's format carries the run as letters.
        let gate = json!({"userName": "Runscope123Qklbcmnde456@atko.com"});
        assert_eq!(identity(&gate, "ab12cd34").len(), 1);
    }

    #[test]
    fn creates_go_to_collections_only() {
        let base = "http://h/scim/v2?aadOptscim062020";
        assert_eq!(
            collection_of(base, "http://h/scim/v2/Users?aadOptscim062020").as_deref(),
            Some("/Users")
        );
        assert_eq!(collection_of(base, "http://h/scim/v2/Users/.search"), None);
        assert_eq!(collection_of(base, "http://h/scim/v2/.search"), None);
        assert_eq!(collection_of(base, "http://h/scim/v2"), None);
    }
}
