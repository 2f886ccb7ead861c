//! JSON values written as YAML text, for the suite scimtest generates (`mapped-suite.yaml`):
//! block style, one key per line, so that a failure's `file:line:col` points at the key that
//! failed and the file reads like the suites a person writes. Strings are double-quoted with
//! JSON's escapes, which YAML's double-quoted style reads the same way.

use serde_json::Value;

/// `value` as a YAML document (block style, two-space indent), ending with a new line.
pub(crate) fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(m) if !m.is_empty() => mapping(m, 0, &mut out),
        Value::Array(a) if !a.is_empty() => sequence(a, 0, &mut out),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

/// A scalar or an empty collection, on one line.
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => quoted(s),
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
        other => other.to_string(),
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

/// A key: plain when it cannot be read as anything but that text, else quoted.
fn key(k: &str) -> String {
    let plain = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !matches!(
            k.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain { k.to_string() } else { quoted(k) }
}

/// Whether `v` is written on the lines after its key (a non-empty collection).
fn nested(v: &Value) -> bool {
    match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

fn mapping(m: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (k, v) in m {
        out.push_str(&" ".repeat(indent));
        out.push_str(&key(k));
        out.push(':');
        value_after(v, indent, out);
    }
}

fn sequence(a: &[Value], indent: usize, out: &mut String) {
    for v in a {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match v {
            // The first key goes on the dash's line, the others under it.
            Value::Object(m) if !m.is_empty() => {
                let mut inner = String::new();
                mapping(m, indent + 2, &mut inner);
                out.push(' ');
                out.push_str(&inner[indent + 2..]);
            }
            _ => value_after(v, indent, out),
        }
    }
}

/// The value after a key or a dash: on the same line, or nested below it.
fn value_after(v: &Value, indent: usize, out: &mut String) {
    if !nested(v) {
        out.push(' ');
        out.push_str(&scalar(v));
        out.push('\n');
        return;
    }
    out.push('\n');
    match v {
        Value::Object(m) => mapping(m, indent + 2, out),
        Value::Array(a) => sequence(a, indent + 2, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::to_yaml;
    use serde_json::json;

    #[test]
    fn yaml_reads_back_as_the_same_value() {
        let v = json!({
            "suite": "mapped",
            "profiles": ["entra", "gallery"],
            "empty": [], "none": {}, "n": 3, "f": 1.5, "t": true, "z": null,
            "cases": [
                {"name": "a", "steps": [{"request": {"method": "PATCH", "body": {
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter": "x: \"y\"\n# z",
                    "true": "yes", "nested": [[1, 2], []]
                }}}]},
                "plain"
            ]
        });
        let text = to_yaml(&v);
        assert!(
            text.starts_with("suite: \"mapped\"\nprofiles:\n  - \"entra\"\n"),
            "{text}"
        );
        let back: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(back, v, "{text}");
    }
}
