//! Running one planned case: render each step, send it, evaluate every assertion, capture
//! values, and at the end delete every resource the case created — whatever the outcome.
//!
//! Safety rule: a step may PUT, PATCH or DELETE `/{Collection}/{id}` only when `id` is a
//! resource this case created or a value its generators made up (a guaranteed-unknown id for
//! a 404 test). Anything else is refused before it is sent.

use super::check::{evaluate, show};
use super::curl::curl;
use super::generate::generate;
use super::http::{Http, OutRequest};
use super::url::compose;
use crate::model::{Body, CaptureSource, Profile, Step, render_value};
use crate::plan::PlannedCase;
use crate::record::{CaseResult, CheckRecord, CleanupRecord, Exchange, Status, StepRecord};
use crate::schema_store::SchemaStore;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

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
    pub case_timeout: std::time::Duration,
    /// Set when the run is interrupted.
    pub interrupt: super::Interrupt,
}

struct State<'a> {
    cx: &'a RunContext,
    profile: Profile,
    vars: HashMap<String, Value>,
    /// Values made by generators in this case: ids we may address though we did not create them.
    generated: HashSet<String>,
    /// Paths (`/Users/{id}`) of resources this case created, in creation order.
    created: Vec<String>,
    /// Created paths already deleted by a step.
    deleted: HashSet<String>,
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
        let v = generate(name, &self.cx.run_id)
            .ok_or_else(|| format!("variable `{name}` has no value"))?;
        if let Value::String(s) = &v {
            self.generated.insert(s.clone());
        }
        Ok(v)
    }
}

/// Splits `/Users/abc?x` into (`/Users`, `abc`) when the path addresses one resource.
fn resource_path(path: &str) -> Option<(String, String)> {
    let path = path.split('?').next().unwrap_or(path);
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        [.., coll, id] if !id.starts_with('.') => Some((format!("/{coll}"), id.to_string())),
        _ => None,
    }
}

fn normalise(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    format!(
        "/{}",
        path.split('/')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("/")
    )
}

/// Runs `planned` against the target.
pub async fn run_case(cx: &RunContext, planned: &PlannedCase) -> CaseResult {
    let start = Instant::now();
    let case = &planned.case;
    let mut result = CaseResult {
        name: planned.name.clone(),
        suite: planned.suite.clone(),
        file: planned.file.clone(),
        case: case.name.clone(),
        profile: planned.profile,
        severity: case.severity,
        entra: case.entra.clone(),
        description: case.description.clone(),
        status: Status::Passed,
        reason: None,
        steps: Vec::new(),
        cleanup: Vec::new(),
        duration: Default::default(),
        known_failure: None,
    };
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
        profile: planned.profile,
        vars: HashMap::new(),
        generated: HashSet::new(),
        created: Vec::new(),
        deleted: HashSet::new(),
    };
    for (name, t) in &case.vars {
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
            done.err().map(|_| format!(
                "the case did not finish within {} s (--case-timeout); its remaining steps were not run",
                limit.as_secs()
            ))
        }
        () = cx.interrupt.wait() => Some(INTERRUPTED.to_string()),
    };
    if let Some(reason) = stopped {
        result.status = Status::Errored;
        result.reason = Some(reason);
    }
    cleanup(&mut st, &mut result).await;
    result.duration = start.elapsed();
    result
}

/// The reason given to a case stopped by an interrupt.
pub const INTERRUPTED: &str = "interrupted: the remaining steps were not run; cleanup ran";

/// Runs the case's steps for its profile, recording each; stops early on a failed status gate
/// or an error.
async fn run_steps(st: &mut State<'_>, planned: &PlannedCase, result: &mut CaseResult) {
    let steps = planned.case.steps.iter().filter(|s| {
        s.profiles
            .as_ref()
            .is_none_or(|p| p.contains(&planned.profile))
    });
    for step in steps {
        let (record, outcome) = run_step(st, step).await;
        result.steps.push(record);
        match outcome {
            StepOutcome::Ok => {}
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
                result.reason = Some(format!("step `{}`: {e}", step.name));
                break;
            }
        }
    }
}

/// The one-line reason of a failed step: its first failed check.
fn failure_reason(step: &StepRecord) -> String {
    match step.checks.iter().find(|c| !c.passed) {
        Some(c) => format!("step `{}`: {}", step.name, c.describe()),
        None => format!("step `{}` failed", step.name),
    }
}

enum StepOutcome {
    Ok,
    Failed { stop: bool },
    Errored(String),
}

fn render_request(st: &mut State<'_>, step: &Step) -> Result<OutRequest, String> {
    let r = &step.request;
    let path = r.path.render_text(&mut |v| st.lookup(v))?;
    let mut query = Vec::new();
    for (k, t) in &r.query {
        query.push((k.clone(), t.render_text(&mut |v| st.lookup(v))?));
    }
    let encoding = r.encoding.unwrap_or(st.profile.encoding());
    let url = compose(&st.cx.base_url, &path, &query, encoding);
    let mut headers: Vec<(String, String)> = st
        .profile
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let body = match &r.body {
        None => None,
        Some(Body::Inline(v)) => Some(
            serde_json::to_vec(&render_value(v, &mut |n| st.lookup(n))?)
                .map_err(|e| e.to_string())?,
        ),
        Some(Body::PerProfile(map)) => {
            let v = map
                .get(&st.profile)
                .ok_or_else(|| format!("no fixture for profile `{}`", st.profile))?;
            Some(
                serde_json::to_vec(&render_value(v, &mut |n| st.lookup(n))?)
                    .map_err(|e| e.to_string())?,
            )
        }
        Some(Body::Raw(t)) => Some(
            crate::model::Template::parse(t)
                .map_err(|(_, m)| m)?
                .render_text(&mut |n| st.lookup(n))?
                .into_bytes(),
        ),
    };
    if body.is_some() {
        headers.push(("Content-Type".into(), st.profile.content_type().into()));
    }
    for (k, t) in &r.headers {
        let v = t.render_text(&mut |n| st.lookup(n))?;
        headers.retain(|(h, _)| !h.eq_ignore_ascii_case(k));
        headers.push((k.clone(), v));
    }
    // Guard: never modify or delete what this case did not create.
    if matches!(
        r.method,
        reqwest::Method::PUT | reqwest::Method::PATCH | reqwest::Method::DELETE
    ) {
        let owned = resource_path(&path).is_some_and(|(coll, id)| {
            st.created.contains(&format!("{coll}/{id}")) || st.generated.contains(&id)
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

async fn run_step(st: &mut State<'_>, step: &Step) -> (StepRecord, StepOutcome) {
    let mut record = StepRecord {
        name: step.name.clone(),
        exchange: None,
        checks: Vec::new(),
        error: None,
        curl: None,
    };
    let req = match render_request(st, step) {
        Ok(r) => r,
        Err(e) => {
            record.error = Some(e.clone());
            return (record, StepOutcome::Errored(e));
        }
    };
    let path = req.url.clone();
    let method = req.method.clone();
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
    track_resources(st, &method, &path, &got.exchange, got.json.as_ref());
    let (mut checks, status_ok) =
        evaluate(&step.expect, &got, &st.cx.schemas, &mut |n| st.lookup(n));
    let mut capture_failed = false;
    for c in &step.captures {
        let value = match &c.source {
            CaptureSource::Pointer(p) => got.json.as_ref().and_then(|j| j.pointer(p)).cloned(),
            CaptureSource::Header(h) => got
                .exchange
                .response_headers
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
                    what: format!("capture `{}` from {from}", c.name),
                    passed: false,
                    pointer: match &c.source {
                        CaptureSource::Pointer(p) => Some(p.clone()),
                        CaptureSource::Header(_) => None,
                    },
                    expected: "a value".into(),
                    actual: other.map_or_else(|| "absent".into(), |v| show(&v)),
                    because: Some("later steps need it".into()),
                });
            }
        }
    }
    record.exchange = Some(got.exchange);
    record.checks = checks;
    let outcome = if !status_ok || capture_failed {
        StepOutcome::Failed { stop: true }
    } else if record.failed() {
        StepOutcome::Failed { stop: false }
    } else {
        StepOutcome::Ok
    };
    (record, outcome)
}

/// Records what a step created or deleted, so cleanup deletes exactly the rest.
fn track_resources(
    st: &mut State<'_>,
    method: &reqwest::Method,
    url: &str,
    ex: &Exchange,
    json: Option<&Value>,
) {
    let base = st
        .cx
        .base_url
        .split('?')
        .next()
        .unwrap_or("")
        .trim_end_matches('/');
    let path = url.strip_prefix(base).unwrap_or(url);
    let ok = (200..300).contains(&ex.status);
    if *method == reqwest::Method::POST && ok {
        // The id from the body, else the last segment of Location: a server that answers 201
        // without a body still gets its resource deleted.
        let location = ex
            .response_headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("location"))
            .and_then(|(_, v)| v.split('?').next())
            .and_then(|v| v.trim_end_matches('/').rsplit('/').next());
        let id = json
            .and_then(|j| j.get("id"))
            .and_then(Value::as_str)
            .or(location);
        if let Some(id) = id.filter(|id| !id.is_empty() && !id.contains('/')) {
            let coll = normalise(path);
            if !coll.ends_with("/.search") {
                st.created.push(format!("{coll}/{id}"));
            }
        }
    }
    if *method == reqwest::Method::DELETE && (ok || ex.status == 404) {
        st.deleted.insert(normalise(path));
    }
}

async fn cleanup(st: &mut State<'_>, result: &mut CaseResult) {
    let pending: Vec<String> = st
        .created
        .iter()
        .rev()
        .filter(|p| !st.deleted.contains(*p))
        .cloned()
        .collect();
    let mut failed = Vec::new();
    for path in pending {
        let req = OutRequest {
            method: reqwest::Method::DELETE,
            url: compose(&st.cx.base_url, &path, &[], st.profile.encoding()),
            headers: st
                .profile
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: None,
            auth: crate::model::Auth::Default,
        };
        let rec = match st.cx.http.send(req).await {
            Ok(got) => {
                let s = got.exchange.status;
                let ok = (200..300).contains(&s) || s == 404;
                CleanupRecord {
                    path: path.clone(),
                    status: s,
                    ok,
                    detail: (!ok).then(|| format!("DELETE answered {s}")),
                    exchange: Some(got.exchange),
                }
            }
            Err((exchange, e)) => CleanupRecord {
                path: path.clone(),
                status: 0,
                ok: false,
                detail: Some(e),
                exchange: Some(exchange),
            },
        };
        if !rec.ok {
            failed.push(format!(
                "{path} ({})",
                rec.detail.clone().unwrap_or_default()
            ));
        }
        result.cleanup.push(rec);
    }
    if !failed.is_empty() {
        let note = format!("cleanup could not delete {}", failed.join(", "));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_paths() {
        assert_eq!(
            resource_path("/Users/abc"),
            Some(("/Users".into(), "abc".into()))
        );
        assert_eq!(
            resource_path("//Groups/x?y=1"),
            Some(("/Groups".into(), "x".into()))
        );
        assert_eq!(resource_path("/Users"), None);
        assert_eq!(resource_path("/Users/.search"), None);
        assert_eq!(normalise("//Users//a?x"), "/Users/a");
    }
}
