//! Evaluating a step's expectations against a response. Every assertion is evaluated and
//! recorded with expected, actual and JSON pointer; none stops at the first failure.

use super::http::Received;
use crate::model::{CheckOp, CheckTarget, Expect, HeaderCheck, render_value};
use crate::record::CheckRecord;
use crate::redact::Redactor;
use crate::schema_store::SchemaStore;
use serde_json::Value;

type Lookup<'a> = dyn FnMut(&str) -> Result<Value, String> + 'a;

/// Longest value shown in a report line; longer ones are cut with `…`.
const SHOW: usize = 300;

/// A value as shown in reports: secrets masked first, then cut (so a cut can never leave
/// part of a secret behind).
pub fn show(r: &Redactor, v: &Value) -> String {
    cut(r, &v.to_string())
}

/// Text as shown in reports: masked, then cut to `SHOW` characters. Only the head that can be
/// shown (plus the longest secret, which may straddle the cut) is masked, not a 9 MiB value.
pub fn cut(r: &Redactor, s: &str) -> String {
    let mut head = (SHOW * 4 + r.longest()).min(s.len());
    while !s.is_char_boundary(head) {
        head -= 1;
    }
    let s = r.redact(&s[..head]);
    if s.chars().count() > SHOW {
        format!("{}…", s.chars().take(SHOW).collect::<String>())
    } else {
        s
    }
}

fn record(
    what: impl Into<String>,
    passed: bool,
    pointer: Option<String>,
    expected: String,
    actual: String,
) -> CheckRecord {
    CheckRecord {
        what: what.into(),
        passed,
        pointer,
        expected,
        actual,
        because: None,
        at: None,
    }
}

/// Evaluates `expect` on `got`: checks see the real values; what is recorded for display is
/// masked by `r`. Returns the records and whether the status gate held.
pub fn evaluate(
    expect: &Expect,
    got: &Received,
    schemas: &SchemaStore,
    r: &Redactor,
    lookup: &mut Lookup<'_>,
) -> (Vec<CheckRecord>, bool) {
    let mut out = Vec::new();
    let status = got.exchange.status;
    let status_ok = expect.status.is_empty() || expect.status.contains(&status);
    if !expect.status.is_empty() {
        let expected = expect
            .status
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(" or ");
        let mut actual = status.to_string();
        if !status_ok
            && let Some(detail) = got
                .json
                .as_ref()
                .and_then(|j| j.get("detail"))
                .and_then(Value::as_str)
        {
            actual = format!("{status} (detail: {})", cut(r, detail));
        }
        let mut rec = record("status", status_ok, None, expected, actual);
        rec.at = Some(expect.status_at).filter(|&(line, _)| line > 0);
        out.push(rec);
    }
    if !status_ok {
        // The other checks would only describe the error body; the status is the finding.
        return (out, false);
    }
    for h in &expect.headers {
        out.push(header_check(h, got, r, lookup));
    }
    let body = got.json.as_ref();
    let needs_body = expect.schema.is_some() || expect.body.is_some() || !expect.checks.is_empty();
    if needs_body && body.is_none() {
        let actual = match &got.json_error {
            Some(e) => format!("not JSON ({e}): {}", cut(r, &got.exchange.response_body)),
            None => "an empty body".to_string(),
        };
        out.push(record(
            "body is JSON",
            false,
            None,
            "a JSON body".into(),
            actual,
        ));
        return (out, status_ok);
    }
    let Some(body) = body else {
        return (out, status_ok);
    };
    if let Some(name) = &expect.schema {
        match schemas.validate(name, body) {
            Ok(violations) if violations.is_empty() => out.push(record(
                format!("schema {name}"),
                true,
                None,
                format!("valid {name}"),
                "valid".into(),
            )),
            Ok(violations) => {
                for v in violations {
                    let pointer = if v.pointer.is_empty() {
                        "/".to_string()
                    } else {
                        v.pointer.clone()
                    };
                    out.push(record(
                        format!("schema {name}"),
                        false,
                        Some(pointer),
                        format!("valid {name}"),
                        cut(r, &v.message),
                    ));
                }
            }
            Err(e) => out.push(record(
                format!("schema {name}"),
                false,
                None,
                "a known schema".into(),
                e,
            )),
        }
    }
    if let Some(expected) = &expect.body {
        match render_value(expected, lookup) {
            Ok(expected) => {
                let mut mismatches = Vec::new();
                subset(r, &expected, body, String::new(), &mut mismatches);
                if mismatches.is_empty() {
                    out.push(record(
                        "body contains",
                        true,
                        None,
                        show(r, &expected),
                        "contained".into(),
                    ));
                }
                for (pointer, exp, act) in mismatches {
                    out.push(record("body contains", false, Some(pointer), exp, act));
                }
            }
            Err(e) => out.push(record(
                "body contains",
                false,
                None,
                "a renderable template".into(),
                e,
            )),
        }
    }
    for c in &expect.checks {
        let (pointer, actual) = match &c.target {
            CheckTarget::Pointer(t) => match t.render_text(lookup) {
                Ok(p) => {
                    let found = body.pointer(&p);
                    (p, found)
                }
                Err(e) => {
                    out.push(record(
                        "pointer",
                        false,
                        None,
                        "a renderable pointer".into(),
                        e,
                    ));
                    continue;
                }
            },
            CheckTarget::Path { root, path } => {
                let shown = if root.is_empty() {
                    path.to_string()
                } else {
                    format!("{root}: {path}")
                };
                (shown, body.pointer(root).and_then(|v| path.resolve(v)))
            }
        };
        let shown = actual.map_or_else(|| "absent".to_string(), |v| show(r, v));
        let mut rec = match &c.op {
            CheckOp::Equals(v) => match render_value(v, lookup) {
                Ok(v) => record(
                    "equals",
                    actual == Some(&v),
                    Some(pointer),
                    show(r, &v),
                    shown,
                ),
                Err(e) => record(
                    "equals",
                    false,
                    Some(pointer),
                    "a renderable value".into(),
                    e,
                ),
            },
            CheckOp::EqualsIgnoreCase(t) => match t.render_text(lookup) {
                Ok(v) => {
                    let ok = actual
                        .and_then(Value::as_str)
                        .is_some_and(|a| a.to_lowercase() == v.to_lowercase());
                    record(
                        "equals ignoring case",
                        ok,
                        Some(pointer),
                        cut(r, &format!("{v:?}")),
                        shown,
                    )
                }
                Err(e) => record(
                    "equals ignoring case",
                    false,
                    Some(pointer),
                    "a renderable value".into(),
                    e,
                ),
            },
            CheckOp::Exists => record(
                "exists",
                actual.is_some_and(|v| !v.is_null()),
                Some(pointer),
                "present".into(),
                shown,
            ),
            CheckOp::Absent => record(
                "absent",
                actual.is_none_or(Value::is_null),
                Some(pointer),
                "absent".into(),
                shown,
            ),
            CheckOp::Empty => {
                let empty = match actual {
                    None | Some(Value::Null) => true,
                    Some(Value::String(s)) => s.is_empty(),
                    Some(Value::Array(a)) => a.is_empty(),
                    Some(Value::Object(o)) => o.is_empty(),
                    Some(_) => false,
                };
                record(
                    "empty",
                    empty,
                    Some(pointer),
                    "absent, null or empty".into(),
                    shown,
                )
            }
            CheckOp::Contains(v) => match render_value(v, lookup) {
                Ok(v) => {
                    let ok = match (actual, &v) {
                        (Some(Value::String(a)), Value::String(e)) => a.contains(e.as_str()),
                        (Some(Value::Array(items)), e) => items.iter().any(|i| {
                            let mut m = Vec::new();
                            subset(r, e, i, String::new(), &mut m);
                            m.is_empty()
                        }),
                        _ => false,
                    };
                    record("contains", ok, Some(pointer), show(r, &v), shown)
                }
                Err(e) => record(
                    "contains",
                    false,
                    Some(pointer),
                    "a renderable value".into(),
                    e,
                ),
            },
            CheckOp::Length(n) => {
                let len = match actual {
                    Some(Value::Array(a)) => Some(a.len()),
                    Some(Value::String(s)) => Some(s.chars().count()),
                    Some(Value::Object(o)) => Some(o.len()),
                    _ => None,
                };
                let act = len.map_or(shown, |l| format!("length {l}"));
                record(
                    "length",
                    len == Some(*n),
                    Some(pointer),
                    format!("length {n}"),
                    act,
                )
            }
            CheckOp::Matches(re) => {
                let ok = actual
                    .and_then(Value::as_str)
                    .is_some_and(|s| re.is_match(s));
                record(
                    "matches",
                    ok,
                    Some(pointer),
                    format!("/{}/", re.as_str()),
                    shown,
                )
            }
            CheckOp::Discoverable { schema, attributes } => {
                let resources = actual.and_then(Value::as_array).map(Vec::as_slice);
                let missing = resources
                    .map(|rs| super::discover::missing(rs, schema, attributes))
                    .unwrap_or_else(|| attributes.clone());
                let shown = if resources.is_none() {
                    "no list of Schema resources".to_string()
                } else if missing.is_empty() {
                    "all discoverable".to_string()
                } else {
                    cut(r, &format!("missing: {}", missing.join(", ")))
                };
                record(
                    format!("discoverable in {schema}"),
                    missing.is_empty(),
                    Some(pointer),
                    format!("{} attributes discoverable", attributes.len()),
                    shown,
                )
            }
            CheckOp::OneOf(options) => {
                let rendered: Result<Vec<Value>, String> =
                    options.iter().map(|o| render_value(o, lookup)).collect();
                match rendered {
                    Ok(opts) => {
                        let ok = actual.is_some_and(|a| opts.contains(a));
                        record(
                            "one of",
                            ok,
                            Some(pointer),
                            show(r, &Value::Array(opts)),
                            shown,
                        )
                    }
                    Err(e) => record(
                        "one of",
                        false,
                        Some(pointer),
                        "renderable values".into(),
                        e,
                    ),
                }
            }
        };
        rec.because = c.because.clone();
        rec.at = Some(c.at).filter(|&(line, _)| line > 0);
        out.push(rec);
    }
    (out, status_ok)
}

fn header_check(
    h: &HeaderCheck,
    got: &Received,
    r: &Redactor,
    lookup: &mut Lookup<'_>,
) -> CheckRecord {
    // Checks read the real header; only what is shown is masked.
    let find = |name: &str| {
        got.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let shown = |v: Option<String>| v.map_or_else(|| "absent".into(), |v| cut(r, &v));
    match h {
        HeaderCheck::MediaType(name, expected) => {
            let actual = find(name);
            let media = |s: &str| {
                s.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            };
            let ok = actual
                .as_deref()
                .is_some_and(|a| media(a) == media(expected));
            record(
                format!("header {name}"),
                ok,
                None,
                expected.clone(),
                shown(actual),
            )
        }
        HeaderCheck::Equals(name, t) => match t.render_text(lookup) {
            Ok(expected) => {
                let actual = find(name);
                let ok = actual.as_deref() == Some(&expected);
                record(
                    format!("header {name}"),
                    ok,
                    None,
                    cut(r, &expected),
                    shown(actual),
                )
            }
            Err(e) => record(
                format!("header {name}"),
                false,
                None,
                "a renderable value".into(),
                e,
            ),
        },
        HeaderCheck::Exists(name) => {
            let actual = find(name);
            let ok = actual.is_some();
            record(
                format!("header {name}"),
                ok,
                None,
                "present".into(),
                shown(actual),
            )
        }
        HeaderCheck::Absent(name) => {
            let actual = find(name);
            let ok = actual.is_none();
            record(
                format!("header {name}"),
                ok,
                None,
                "absent".into(),
                shown(actual),
            )
        }
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Collects every place where `actual` does not contain `expected`: objects by key (extra
/// keys allowed), arrays element by element with equal length, scalars by equality.
pub fn subset(
    r: &Redactor,
    expected: &Value,
    actual: &Value,
    at: String,
    out: &mut Vec<(String, String, String)>,
) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let here = format!("{at}/{}", escape(k));
                match a.get(k) {
                    Some(av) => subset(r, ev, av, here, out),
                    None => out.push((here, show(r, ev), "absent".into())),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset(r, ev, av, format!("{at}/{i}"), out);
            }
        }
        (Value::Array(e), Value::Array(a)) => out.push((
            if at.is_empty() { "/".into() } else { at },
            format!("{} elements: {}", e.len(), show(r, expected)),
            format!("{} elements: {}", a.len(), show(r, actual)),
        )),
        _ if expected == actual => {}
        _ => out.push((
            if at.is_empty() { "/".into() } else { at },
            show(r, expected),
            show(r, actual),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_reports_every_mismatch_with_pointers() {
        let r = Redactor::default();
        let mut out = Vec::new();
        subset(
            &r,
            &json!({"a": 1, "b": {"c": [1, 2]}, "d/e": true, "f": []}),
            &json!({"a": 2, "b": {"c": [1, 3]}, "x": 0, "f": [1]}),
            String::new(),
            &mut out,
        );
        let pointers: Vec<&str> = out.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(pointers, vec!["/a", "/b/c/1", "/d~1e", "/f"]);
        let mut ok = Vec::new();
        subset(
            &r,
            &json!({"a": 1}),
            &json!({"a": 1, "z": 2}),
            String::new(),
            &mut ok,
        );
        assert!(ok.is_empty());
    }
}
