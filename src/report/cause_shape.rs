//! What makes two failures the same root cause: the request's shape (method, SCIM path, query
//! parameters, and the body's shape — PATCH operations as sent, the schemas a create lists),
//! the failing check, and the class of what the server said (its error detail, or what the
//! check found), all with the run's generated values taken out.

use crate::record::{CheckKind, CheckRecord, StepRecord};
use serde_json::Value;

/// `METHOD /Collection/{id}?param=… [body shape]` of the step's request, without the base
/// URL, ids and values.
pub(super) fn request_of(step: &StepRecord) -> String {
    let Some(ex) = &step.exchange else {
        return format!("step `{}`", step.name);
    };
    let url = reqwest::Url::parse(&ex.url).ok();
    let path = url
        .as_ref()
        .map_or(ex.url.clone(), |u| u.path().to_string());
    // The SCIM part of the path: from the last known collection on.
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let start = segments
        .iter()
        .rposition(|s| {
            matches!(
                *s,
                "Users"
                    | "Groups"
                    | "Schemas"
                    | "ResourceTypes"
                    | "ServiceProviderConfig"
                    | ".search"
            )
        })
        .unwrap_or(0);
    let mut shown = String::new();
    for (i, s) in segments[start..].iter().enumerate() {
        shown.push('/');
        shown.push_str(if i == 0 { s } else { "{id}" });
    }
    if shown.is_empty() {
        shown.push('/');
    }
    let params: Vec<String> = url
        .iter()
        .flat_map(|u| u.query_pairs())
        .map(|(k, _)| format!("{k}=…"))
        .collect();
    if !params.is_empty() {
        shown.push('?');
        shown.push_str(&params.join("&"));
    }
    let body = ex
        .request_body
        .as_deref()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
        .and_then(|b| body_shape(&ex.method, &b))
        .map(|b| format!(" {b}"))
        .unwrap_or_default();
    format!("{} {shown}{body}", ex.method)
}

/// The shape of a request body that tells failures apart: a PATCH's operations (`op` as
/// sent, path with filter values taken out, the value's JSON type or a path-less map's
/// keys); the `schemas` a POST or PUT lists when it names more than the core schema.
fn body_shape(method: &str, body: &Value) -> Option<String> {
    if method.eq_ignore_ascii_case("PATCH") {
        let ops = body.get("Operations")?.as_array()?;
        let shown: Vec<String> = ops.iter().map(op_shape).collect();
        return Some(format!("[{}]", shown.join(", ")));
    }
    let schemas: Vec<&str> = body
        .get("schemas")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    (schemas.len() > 1).then(|| format!("schemas [{}]", schemas.join(", ")))
}

/// One PATCH operation's shape: `Replace active: string`, `remove members[value eq …]`,
/// `replace {displayName, name.givenName}`.
fn op_shape(op: &Value) -> String {
    let name = op.get("op").and_then(Value::as_str).unwrap_or("?");
    let value = op.get("value");
    match op.get("path").and_then(Value::as_str) {
        Some(path) => {
            let path = without_filter_values(path);
            match value {
                Some(v) => format!("{name} {path}: {}", json_type(v)),
                None => format!("{name} {path}"),
            }
        }
        None => match value {
            Some(Value::Object(map)) => {
                let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                format!("{name} {{{}}}", keys.join(", "))
            }
            Some(v) => format!("{name}: {}", json_type(v)),
            None => name.to_string(),
        },
    }
}

/// A path with the values of its filters taken out: `members[value eq "…"]`.
fn without_filter_values(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' if !quoted => {
                quoted = true;
                out.push_str("\"…");
            }
            '"' => {
                quoted = false;
                out.push('"');
            }
            _ if quoted => {}
            _ => out.push(c),
        }
    }
    out
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// What the server said about a failed status, one line: its SCIM error `detail` (or
/// `scimType`), else the start of its body.
pub(super) fn server_detail(step: &StepRecord) -> Option<String> {
    let ex = step.exchange.as_ref().filter(|e| e.status >= 400)?;
    let json = serde_json::from_str::<Value>(&ex.response_body).ok();
    let detail = json
        .as_ref()
        .and_then(|j| j.get("detail").or_else(|| j.get("message")))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            let body = ex.response_body.trim();
            (!body.is_empty()).then(|| body.chars().take(160).collect())
        })?;
    let detail = one_line(&detail);
    (!detail.is_empty()).then_some(detail)
}

/// The class of what a failed check found: the server's detail for a status, else what the
/// value was (absent, null, a string …) — two failures of one check with different classes
/// are two defects.
pub(super) fn detail_class(step: &StepRecord, check: &CheckRecord) -> String {
    if check.what == CheckKind::Status {
        return server_detail(step)
            .map(|d| class_of_text(&d))
            .unwrap_or_default();
    }
    match check.actual.as_str() {
        "absent" => "absent".into(),
        "null" => "null".into(),
        a => match serde_json::from_str::<Value>(a) {
            Ok(v) => format!("a different {}", json_type(&v)),
            Err(_) => class_of_text(a),
        },
    }
}

/// A server's message with the values that change from case to case taken out: generated
/// names and ids, and numbers.
fn class_of_text(text: &str) -> String {
    let text = generic(text);
    let mut out = String::with_capacity(text.len());
    let mut digits = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            if !digits {
                out.push('#');
            }
            digits = true;
        } else {
            digits = false;
            out.push(c);
        }
    }
    out.chars().take(120).collect()
}

/// Whitespace runs (a server's multi-line detail) as single spaces.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text with the run's generated values taken out, so that the same cause reads the same in
/// every case: `scimtest-<run id>-…` names, UUIDs and long hex ids become `…`.
pub(super) fn generic(text: &str) -> String {
    let delimiter = |c: char| c.is_whitespace() || matches!(c, '/' | '"' | '\'' | ',' | '(' | ')');
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let id_like = word.to_ascii_lowercase().starts_with("scimtest-")
            || (word.len() >= 16
                && word.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
                && word.chars().any(|c| c.is_ascii_digit()));
        out.push_str(if id_like { "…" } else { word });
        word.clear();
    };
    for c in text.chars() {
        if delimiter(c) {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn generated_values_are_taken_out() {
        assert_eq!(
            generic(
                "user scimtest-ab12cd34-x@example.com not found at /Users/9f86d081884c7d659a2feaa0c55ad015"
            ),
            "user … not found at /Users/…"
        );
        assert_eq!(generic("length at /members"), "length at /members");
        assert_eq!(class_of_text("line 12, column 7"), "line #, column #");
    }

    #[test]
    fn patch_shapes_tell_defects_apart() {
        let manager = json!({"Operations": [{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "42"}]});
        let active = json!({"Operations": [{"op": "Replace", "path": "active", "value": "False"}]});
        let remove = json!({"Operations": [{"op": "remove", "path": "members[value eq \"abc\"]"}]});
        let pathless = json!({"Operations": [{"op": "replace", "value": {"displayName": "x", "name.givenName": "y"}}]});
        assert_eq!(
            body_shape("PATCH", &manager).unwrap(),
            "[Add urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager: string]"
        );
        assert_eq!(
            body_shape("PATCH", &active).unwrap(),
            "[Replace active: string]"
        );
        assert_eq!(
            body_shape("PATCH", &remove).unwrap(),
            "[remove members[value eq \"…\"]]"
        );
        assert_eq!(
            body_shape("PATCH", &pathless).unwrap(),
            "[replace {displayName, name.givenName}]"
        );
        let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]});
        assert_eq!(body_shape("POST", &group), None);
    }
}
