//! A small SCIM server for hostile-target tests: correct enough to run a case, with knobs that
//! make it wrong in the ways the safety rules must survive (answering a create with someone
//! else's id, ids that are path syntax, ids that change, answers that never come, pages that
//! repeat). Every request is logged so a test can prove what was — and was not — sent.

#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// How the server misbehaves.
#[derive(Clone, Default)]
pub struct Knobs {
    /// The id a create answers with (given the number of creates so far); by default a fresh
    /// `u<n>`. A JSON number gives a numeric id.
    pub answer_id: Option<Arc<dyn Fn(usize) -> Value + Send + Sync>>,
    /// Store the resource under the answered id (true) or a fresh one (false: the answer lies).
    pub store_under_answer: bool,
    /// Leave `id` out of the create answer.
    pub no_id: bool,
    /// Send `Location: <base>/<coll>/<answered id>` with a create.
    pub location: bool,
    /// An extra entry every listing shows: (id, attribute, value) — a listing that lies.
    pub list_lies: Option<(String, String, String)>,
    /// After a create is stored, wait this long before answering.
    pub create_delay: Option<Duration>,
    /// Before a DELETE is carried out, wait this long.
    pub delete_delay: Option<Duration>,
    /// After the answer, the resource moves to `<id>-moved`.
    pub rekey: bool,
    /// List queries ignore startIndex: every page is the first page.
    pub ignore_start_index: bool,
    /// List queries ignore filters.
    pub ignore_filter: bool,
    /// A filter with `sw` answers 400 invalidFilter (only `eq` is supported).
    pub refuse_sw: bool,
    /// A filter on /Groups finds nothing, though the group is there to read by id (as
    /// django-scim2 0.23 answers `displayName eq`).
    pub groups_unfindable: bool,
    /// Every response body is replaced by this many bytes of JSON.
    pub huge_body: Option<usize>,
    /// While set, DELETE answers 204 and keeps the resource.
    pub delete_keeps: Arc<std::sync::atomic::AtomicBool>,
    /// DELETE answers 500 with an error `detail` of this many bytes (and keeps the resource).
    pub delete_detail: Option<usize>,
}

/// One logged request.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub query: String,
}

#[derive(Default)]
pub struct Inner {
    /// (collection, id, resource)
    pub resources: Vec<(String, String, Value)>,
    pub log: Vec<Logged>,
    creates: usize,
}

pub struct Mini {
    pub knobs: Knobs,
    pub inner: Mutex<Inner>,
}

impl Mini {
    /// Seeds a resource that scimtest did not create.
    pub fn seed(&self, coll: &str, id: &str, body: Value) {
        let mut r = body;
        r["id"] = json!(id);
        self.inner
            .lock()
            .unwrap()
            .resources
            .push((coll.to_string(), id.to_string(), r));
    }
    pub fn log(&self) -> Vec<Logged> {
        self.inner.lock().unwrap().log.clone()
    }
    pub fn writes(&self) -> Vec<String> {
        self.log()
            .into_iter()
            .filter(|l| matches!(l.method.as_str(), "PUT" | "PATCH" | "DELETE"))
            .map(|l| format!("{} {}", l.method, l.path))
            .collect()
    }
    pub fn has(&self, coll: &str, id: &str) -> bool {
        self.inner
            .lock()
            .unwrap()
            .resources
            .iter()
            .any(|(c, i, _)| c == coll && i == id)
    }
    pub fn count(&self) -> usize {
        self.inner.lock().unwrap().resources.len()
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("content-type", "application/scim+json")],
        body.to_string(),
    )
        .into_response()
}

/// Query and path text decoded as the reference server decodes it (`+` is a space).
fn decode(s: &str) -> String {
    scimtest::server::app::decode_component(s)
}

fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (decode(k).eq_ignore_ascii_case(name)).then(|| decode(v))
    })
}

async fn handle(State(m): State<Arc<Mini>>, method: Method, uri: Uri, body: Bytes) -> Response {
    let raw_path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    m.inner.lock().unwrap().log.push(Logged {
        method: method.to_string(),
        path: raw_path.clone(),
        query: query.clone(),
    });
    if let Some(n) = m.knobs.huge_body {
        let filler = "x".repeat(n);
        return json_response(StatusCode::OK, json!({"filler": filler}));
    }
    let segs: Vec<String> = raw_path
        .trim_start_matches("/scim")
        .split('/')
        .filter(|s| !s.is_empty())
        .map(decode)
        .collect();
    let not_found = || {
        json_response(
            StatusCode::NOT_FOUND,
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "404"}),
        )
    };
    match (method.as_str(), segs.as_slice()) {
        ("POST", [coll]) => {
            let mut r: Value = serde_json::from_slice(&body).unwrap_or(json!({}));
            let n = {
                let mut g = m.inner.lock().unwrap();
                g.creates += 1;
                g.creates
            };
            let answered = match &m.knobs.answer_id {
                Some(f) => f(n),
                None => json!(format!("u{n}")),
            };
            let answered_text = match &answered {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let stored_id = if m.knobs.answer_id.is_none() || m.knobs.store_under_answer {
                answered_text.clone()
            } else {
                format!("real{n}")
            };
            let stored_id = if m.knobs.rekey {
                format!("{stored_id}-moved")
            } else {
                stored_id
            };
            r["id"] = json!(stored_id);
            m.inner
                .lock()
                .unwrap()
                .resources
                .push((coll.clone(), stored_id, r.clone()));
            if let Some(d) = m.knobs.create_delay {
                tokio::time::sleep(d).await;
            }
            let mut res = if m.knobs.no_id {
                r.as_object_mut().unwrap().remove("id");
                json_response(StatusCode::CREATED, r)
            } else {
                r["id"] = answered;
                json_response(StatusCode::CREATED, r)
            };
            if m.knobs.location {
                let loc = format!("http://{}/scim/{coll}/{answered_text}", "127.0.0.1");
                if let Ok(v) = axum::http::HeaderValue::from_str(&loc) {
                    res.headers_mut().insert("location", v);
                }
            }
            res
        }
        ("GET", [coll]) => {
            let filter = param(&query, "filter");
            if m.knobs.refuse_sw && filter.as_deref().is_some_and(|f| f.contains(" sw ")) {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                           "status": "400", "scimType": "invalidFilter"}),
                );
            }
            let start: usize = param(&query, "startIndex")
                .and_then(|s| s.parse().ok())
                .unwrap_or(1)
                .max(1);
            let count: usize = param(&query, "count")
                .and_then(|s| s.parse().ok())
                .unwrap_or(100);
            let g = m.inner.lock().unwrap();
            let mut matching: Vec<Value> = g
                .resources
                .iter()
                .filter(|(c, _, _)| c == coll)
                .filter(|(_, _, r)| match (&filter, m.knobs.ignore_filter) {
                    (Some(_), false) if m.knobs.groups_unfindable && coll == "Groups" => false,
                    (Some(f), false) => {
                        // `attr eq "v"` or `attr sw "v"`, case-insensitive.
                        let mut parts = f.splitn(3, ' ');
                        let (attr, op, v) = (
                            parts.next().unwrap_or(""),
                            parts.next().unwrap_or(""),
                            parts.next().unwrap_or("").trim_matches('"').to_lowercase(),
                        );
                        let got = r[attr].as_str().unwrap_or("").to_lowercase();
                        if op == "sw" {
                            got.starts_with(&v)
                        } else {
                            got == v
                        }
                    }
                    _ => true,
                })
                .map(|(_, _, r)| r.clone())
                .collect();
            if let Some((id, attr, value)) = &m.knobs.list_lies {
                matching.push(json!({"id": id, attr.as_str(): value}));
            }
            let start = if m.knobs.ignore_start_index { 1 } else { start };
            let page: Vec<Value> = matching
                .iter()
                .skip(start - 1)
                .take(count)
                .cloned()
                .collect();
            json_response(
                StatusCode::OK,
                json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                    "totalResults": matching.len(),
                    "startIndex": start,
                    "itemsPerPage": page.len(),
                    "Resources": page,
                }),
            )
        }
        ("GET", [coll, id]) => {
            let g = m.inner.lock().unwrap();
            match g.resources.iter().find(|(c, i, _)| c == coll && i == id) {
                Some((_, _, r)) => json_response(StatusCode::OK, r.clone()),
                None => not_found(),
            }
        }
        ("PATCH" | "PUT", [coll, id]) => {
            let g = m.inner.lock().unwrap();
            match g.resources.iter().find(|(c, i, _)| c == coll && i == id) {
                Some((_, _, r)) => json_response(StatusCode::OK, r.clone()),
                None => not_found(),
            }
        }
        ("DELETE", [_, _])
            if m.knobs
                .delete_keeps
                .load(std::sync::atomic::Ordering::SeqCst) =>
        {
            StatusCode::NO_CONTENT.into_response()
        }
        ("DELETE", [coll, id]) => {
            if let Some(d) = m.knobs.delete_delay {
                tokio::time::sleep(d).await;
            }
            let mut g = m.inner.lock().unwrap();
            let before = g.resources.len();
            g.resources.retain(|(c, i, _)| !(c == coll && i == id));
            if g.resources.len() < before {
                StatusCode::NO_CONTENT.into_response()
            } else {
                not_found()
            }
        }
        _ => not_found(),
    }
}

/// Starts the server on loopback; returns it and its base URL (`http://addr/scim`).
pub async fn start(knobs: Knobs) -> (Arc<Mini>, String) {
    let m = Arc::new(Mini {
        knobs,
        inner: Mutex::default(),
    });
    let app = axum::Router::new().fallback(handle).with_state(m.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (m, format!("http://{addr}/scim"))
}
