//! Evaluating a step's expectations against a response. Every assertion is evaluated and
//! recorded with expected, actual and JSON pointer; none stops at the first failure.

use super::http::Received;
use crate::model::{Check, CheckOp, CheckTarget, Expect, HeaderCheck, render_value};
use crate::record::{CheckKind, CheckRecord};
use crate::redact::Redactor;
use crate::schema_store::SchemaStore;
use serde_json::Value;

type Lookup<'a> = dyn FnMut(&str) -> Result<Value, String> + 'a;

/// Longest value shown in a report line; longer ones are cut with `…`.
const SHOW: usize = 300;

/// A value as shown in reports: secrets masked first, then cut (so a cut can never leave
/// part of a secret behind).
pub(super) fn show(r: &Redactor, v: &Value) -> String {
    cut(r, &v.to_string())
}

/// Text as shown in reports: masked, then cut to `SHOW` characters. Only the head that can be
/// shown (plus the longest secret, which may straddle the cut) is masked, not a 9 MiB value.
pub(super) fn cut(r: &Redactor, s: &str) -> String {
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
    what: CheckKind,
    passed: bool,
    pointer: Option<String>,
    expected: String,
    actual: String,
) -> CheckRecord {
    CheckRecord {
        what,
        passed,
        pointer,
        expected,
        actual,
        because: None,
        at: None,
        evidence: None,
    }
}

/// Evaluates `expect` on `got`: checks see the real values; what is recorded for display is
/// masked by `r`. Returns the records and whether the status gate held.
pub(super) fn evaluate(
    expect: &Expect,
    got: &Received,
    schemas: &SchemaStore,
    r: &Redactor,
    lookup: &mut Lookup<'_>,
) -> (Vec<CheckRecord>, bool) {
    let mut out = Vec::new();
    let status_ok = expect.status.is_empty() || expect.status.contains(&got.exchange.status);
    if !expect.status.is_empty() {
        out.push(status_check(expect, got, status_ok, r));
    }
    if !status_ok {
        // The other checks would only describe the error body; the status is the finding.
        return (out, false);
    }
    for h in &expect.headers {
        out.push(header_check(h, got, r, lookup));
    }
    if let Some((limit, at)) = expect.within_ms {
        out.push(time_check(limit, at, got));
    }
    let needs_body = expect.schema.is_some() || expect.body.is_some() || !expect.checks.is_empty();
    let Some(body) = got.json.as_ref() else {
        if needs_body {
            out.push(not_json(got, r));
        }
        return (out, status_ok);
    };
    if let Some(name) = &expect.schema {
        schema_checks(name, body, schemas, r, &mut out);
    }
    if let Some(expected) = &expect.body {
        subset_checks(expected, body, r, lookup, &mut out);
    }
    for c in &expect.checks {
        out.push(check(c, body, r, lookup));
    }
    (out, status_ok)
}

/// The status gate: the status received is one of those expected. A refusal shows the
/// server's `detail`.
fn status_check(expect: &Expect, got: &Received, ok: bool, r: &Redactor) -> CheckRecord {
    let status = got.exchange.status;
    let expected = expect
        .status
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ");
    let mut actual = status.to_string();
    if !ok
        && let Some(detail) = got
            .json
            .as_ref()
            .and_then(|j| j.get("detail"))
            .and_then(Value::as_str)
    {
        actual = format!("{status} (detail: {})", cut(r, detail));
    }
    let mut rec = record(CheckKind::Status, ok, None, expected, actual);
    rec.at = Some(expect.status_at).filter(|&(line, _)| line > 0);
    rec
}

/// The answer arrived within `limit` milliseconds (retries after a 429 included: the client
/// waited for them too).
fn time_check(limit: u64, at: (u32, u32), got: &Received) -> CheckRecord {
    let took = got.exchange.elapsed.as_millis();
    let mut rec = record(
        CheckKind::ResponseTime,
        took < u128::from(limit),
        None,
        format!("under {limit} ms"),
        format!("{took} ms"),
    );
    rec.at = Some(at).filter(|&(line, _)| line > 0);
    rec
}

/// The failed check when body checks need a JSON body and there is none.
fn not_json(got: &Received, r: &Redactor) -> CheckRecord {
    let actual = match &got.json_error {
        Some(e) => format!("not JSON ({e}): {}", cut(r, &got.exchange.response_body)),
        None => "an empty body".to_string(),
    };
    record(
        CheckKind::BodyIsJson,
        false,
        None,
        "a JSON body".into(),
        actual,
    )
}

/// The body against the JSON Schema `name`: one record, or one per violation.
fn schema_checks(
    name: &str,
    body: &Value,
    schemas: &SchemaStore,
    r: &Redactor,
    out: &mut Vec<CheckRecord>,
) {
    let what = CheckKind::Schema(name.to_string());
    match schemas.validate(name, body) {
        Ok(violations) if violations.is_empty() => out.push(record(
            what,
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
                    what.clone(),
                    false,
                    Some(pointer),
                    format!("valid {name}"),
                    cut(r, &v.message),
                ));
            }
        }
        Err(e) => out.push(record(what, false, None, "a known schema".into(), e)),
    }
}

/// `body:`: the expected document is contained in the body; one record per mismatch.
fn subset_checks(
    expected: &Value,
    body: &Value,
    r: &Redactor,
    lookup: &mut Lookup<'_>,
    out: &mut Vec<CheckRecord>,
) {
    let expected = match render_value(expected, lookup) {
        Ok(v) => v,
        Err(e) => {
            out.push(record(
                CheckKind::BodyContains,
                false,
                None,
                "a renderable template".into(),
                e,
            ));
            return;
        }
    };
    let mut mismatches = Vec::new();
    subset(r, &expected, body, String::new(), &mut mismatches);
    if mismatches.is_empty() {
        out.push(record(
            CheckKind::BodyContains,
            true,
            None,
            show(r, &expected),
            "contained".into(),
        ));
    }
    for (pointer, exp, act) in mismatches {
        out.push(record(
            CheckKind::BodyContains,
            false,
            Some(pointer),
            exp,
            act,
        ));
    }
}

/// One `checks:` entry: the value at its place in the body against its operation.
fn check(c: &Check, body: &Value, r: &Redactor, lookup: &mut Lookup<'_>) -> CheckRecord {
    let (pointer, actual) = match &c.target {
        CheckTarget::Pointer(t) => match t.render_text(lookup) {
            Ok(p) => {
                let found = body.pointer(&p);
                (p, found)
            }
            Err(e) => {
                return record(
                    CheckKind::Pointer,
                    false,
                    None,
                    "a renderable pointer".into(),
                    e,
                );
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
    let found = Found {
        pointer,
        shown: actual.map_or_else(|| "absent".to_string(), |v| show(r, v)),
        value: actual,
    };
    let mut rec = match &c.op {
        CheckOp::Equals(v) => equals(v, found, r, lookup),
        CheckOp::EqualsIgnoreCase(t) => equals_ignore_case(t, found, r, lookup),
        CheckOp::Exists => {
            let ok = found.value.is_some_and(|v| !v.is_null());
            found.record(CheckKind::Exists, ok, "present".into())
        }
        CheckOp::Absent => {
            let ok = found.value.is_none_or(Value::is_null);
            found.record(CheckKind::Absent, ok, "absent".into())
        }
        CheckOp::Empty => empty(found),
        CheckOp::Contains(v) => contains(v, found, r, lookup),
        CheckOp::Length(n) => length(*n, found),
        CheckOp::Matches(re) => {
            // A number is matched as its decimal text (`totalResults` against `^([6-9]|…)$`).
            let ok = match found.value {
                Some(Value::String(s)) => re.is_match(s),
                Some(n @ Value::Number(_)) => re.is_match(&n.to_string()),
                _ => false,
            };
            found.record(CheckKind::Matches, ok, format!("/{}/", re.as_str()))
        }
        CheckOp::Discoverable { schema, attributes } => discoverable(schema, attributes, found, r),
        CheckOp::OneOf(options) => one_of(options, found, r, lookup),
    };
    rec.because = c.because.clone();
    rec.at = Some(c.at).filter(|&(line, _)| line > 0);
    rec.evidence = c.evidence;
    rec
}

/// The value a check found, and how it is shown.
struct Found<'a> {
    /// Where it was looked for, as shown.
    pointer: String,
    /// The value there, if any.
    value: Option<&'a Value>,
    /// The value as shown in reports (masked, cut), or `absent`.
    shown: String,
}

impl Found<'_> {
    /// The record of check `what` at this place.
    fn record(self, what: CheckKind, passed: bool, expected: String) -> CheckRecord {
        record(what, passed, Some(self.pointer), expected, self.shown)
    }

    /// The record of a check whose expected value could not be rendered.
    fn unrenderable(self, what: CheckKind, expected: &str, error: String) -> CheckRecord {
        record(what, false, Some(self.pointer), expected.into(), error)
    }
}

fn equals(v: &Value, found: Found<'_>, r: &Redactor, lookup: &mut Lookup<'_>) -> CheckRecord {
    match render_value(v, lookup) {
        Ok(v) => {
            let ok = found.value == Some(&v);
            found.record(CheckKind::Equals, ok, show(r, &v))
        }
        Err(e) => found.unrenderable(CheckKind::Equals, "a renderable value", e),
    }
}

fn equals_ignore_case(
    t: &crate::model::Template,
    found: Found<'_>,
    r: &Redactor,
    lookup: &mut Lookup<'_>,
) -> CheckRecord {
    match t.render_text(lookup) {
        Ok(v) => {
            let ok = found
                .value
                .and_then(Value::as_str)
                .is_some_and(|a| a.to_lowercase() == v.to_lowercase());
            found.record(CheckKind::EqualsIgnoreCase, ok, cut(r, &format!("{v:?}")))
        }
        Err(e) => found.unrenderable(CheckKind::EqualsIgnoreCase, "a renderable value", e),
    }
}

fn empty(found: Found<'_>) -> CheckRecord {
    let empty = match found.value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(o)) => o.is_empty(),
        Some(_) => false,
    };
    found.record(CheckKind::Empty, empty, "absent, null or empty".into())
}

/// A string containing the text, or an array with an item containing the document.
fn contains(v: &Value, found: Found<'_>, r: &Redactor, lookup: &mut Lookup<'_>) -> CheckRecord {
    match render_value(v, lookup) {
        Ok(v) => {
            let ok = match (found.value, &v) {
                (Some(Value::String(a)), Value::String(e)) => a.contains(e.as_str()),
                (Some(Value::Array(items)), e) => items.iter().any(|i| {
                    let mut m = Vec::new();
                    subset(r, e, i, String::new(), &mut m);
                    m.is_empty()
                }),
                _ => false,
            };
            found.record(CheckKind::Contains, ok, show(r, &v))
        }
        Err(e) => found.unrenderable(CheckKind::Contains, "a renderable value", e),
    }
}

fn length(n: usize, mut found: Found<'_>) -> CheckRecord {
    let len = match found.value {
        Some(Value::Array(a)) => Some(a.len()),
        Some(Value::String(s)) => Some(s.chars().count()),
        Some(Value::Object(o)) => Some(o.len()),
        _ => None,
    };
    if let Some(l) = len {
        found.shown = format!("length {l}");
    }
    found.record(CheckKind::Length, len == Some(n), format!("length {n}"))
}

/// Every attribute is declared in the `/Schemas` resource `schema` (the gallery's rule).
fn discoverable(
    schema: &str,
    attributes: &[String],
    mut found: Found<'_>,
    r: &Redactor,
) -> CheckRecord {
    let resources = found.value.and_then(Value::as_array).map(Vec::as_slice);
    let missing = resources
        .map(|rs| super::discover::missing(rs, schema, attributes))
        .unwrap_or_else(|| attributes.to_vec());
    found.shown = if resources.is_none() {
        "no list of Schema resources".to_string()
    } else if missing.is_empty() {
        "all discoverable".to_string()
    } else {
        cut(r, &format!("missing: {}", missing.join(", ")))
    };
    found.record(
        CheckKind::Discoverable(schema.to_string()),
        missing.is_empty(),
        format!("{} attributes discoverable", attributes.len()),
    )
}

fn one_of(
    options: &[Value],
    found: Found<'_>,
    r: &Redactor,
    lookup: &mut Lookup<'_>,
) -> CheckRecord {
    let rendered: Result<Vec<Value>, String> =
        options.iter().map(|o| render_value(o, lookup)).collect();
    match rendered {
        Ok(opts) => {
            let ok = found.value.is_some_and(|a| opts.contains(a));
            found.record(CheckKind::OneOf, ok, show(r, &Value::Array(opts)))
        }
        Err(e) => found.unrenderable(CheckKind::OneOf, "renderable values", e),
    }
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
                CheckKind::Header(name.to_string()),
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
                    CheckKind::Header(name.to_string()),
                    ok,
                    None,
                    cut(r, &expected),
                    shown(actual),
                )
            }
            Err(e) => record(
                CheckKind::Header(name.to_string()),
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
                CheckKind::Header(name.to_string()),
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
                CheckKind::Header(name.to_string()),
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
pub(crate) fn subset(
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
