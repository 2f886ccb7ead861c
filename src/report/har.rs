//! `traffic.har`: every exchange of the run as HAR 1.2, redacted, loadable in browser
//! developer tools. Each case is a page; cleanup requests are included.

use crate::record::{Exchange, RunRecord};
use crate::redact::Redactor;
use serde_json::{Value, json};

fn headers(r: &Redactor, h: &[(String, String)]) -> Value {
    Value::Array(
        h.iter()
            .map(|(k, v)| json!({"name": k, "value": r.header(k, v)}))
            .collect(),
    )
}

fn query(url: &str) -> Value {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    Value::Array(
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                json!({"name": crate::percent::decode_component(k), "value": crate::percent::decode_component(v)})
            })
            .collect(),
    )
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn entry(r: &Redactor, page: &str, started: &str, e: &Exchange) -> Value {
    let ms = e.elapsed.as_secs_f64() * 1000.0;
    let mut request = json!({
        "method": e.method,
        "url": r.redact(&e.url),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(r, &e.request_headers),
        "queryString": query(&r.redact(&e.url)),
        "headersSize": -1,
        "bodySize": e.request_body.as_ref().map_or(0, |b| b.len() as i64),
    });
    if let Some(body) = &e.request_body {
        request["postData"] = json!({
            "mimeType": header(&e.request_headers, "content-type").unwrap_or("application/scim+json"),
            "text": r.redact(body),
        });
    }
    json!({
        "pageref": page,
        "startedDateTime": started,
        "time": ms,
        "request": request,
        "response": {
            "status": e.status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": headers(r, &e.response_headers),
            "content": {
                "size": e.response_body.len(),
                "mimeType": header(&e.response_headers, "content-type").unwrap_or(""),
                "text": r.redact(&e.response_body),
            },
            "redirectURL": header(&e.response_headers, "location").unwrap_or(""),
            "headersSize": -1,
            "bodySize": e.response_body.len(),
        },
        "cache": {},
        "timings": {"send": 0, "wait": ms, "receive": 0},
        "comment": e.retries.join("; "),
    })
}

/// The HAR document for `run`.
pub fn har(run: &RunRecord, r: &Redactor) -> Value {
    let mut pages = Vec::new();
    let mut entries = Vec::new();
    for c in &run.cases {
        pages.push(json!({
            "startedDateTime": run.started,
            "id": c.name,
            "title": format!("{} ({})", c.name, c.status.name()),
            "pageTimings": {"onContentLoad": -1, "onLoad": -1},
        }));
        for e in c.exchanges() {
            entries.push(entry(r, &c.name, &run.started, e));
        }
    }
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "scimtest", "version": env!("CARGO_PKG_VERSION")},
            "pages": pages,
            "entries": entries,
        }
    })
}
