//! `${name}` templates in suite strings and fixture files.
//!
//! A string that is exactly one `${name}` is replaced by the variable's JSON value, keeping
//! its type (`active: ${enabled}` stays a boolean); otherwise values are spliced in as text.
//! `$${` writes a literal `${`.

use serde_json::Value;

/// The longest text one template may render to. `lint` checks variables against it before a
/// run; rendering enforces it too, so no suite can make scimtest exhaust memory.
pub(crate) const TEMPLATE_BUDGET: usize = 64 * 1024;

/// The longest text one rendered JSON value (a request body, an expected body) may take in
/// all: many references to a variable of [`TEMPLATE_BUDGET`] would otherwise add up to
/// gigabytes. `lint` checks inline bodies against it; rendering enforces it.
pub(crate) const VALUE_BUDGET: usize = 1024 * 1024;

/// Variables every case has.
pub(crate) const BUILTINS: &[&str] = &["run_id", "profile"];

/// Generators: each reference produces a fresh value (see `run::generate`).
/// `alnum`, `digits` and `upper` take a length: `${alnum:8}`. `run_letters` and
/// `run_letters_caps` are the run id as letters, for names in the format of Okta's OIN gate.
pub(crate) const GENERATORS: &[&str] = &[
    "uuid",
    "user_name",
    "group_name",
    "email",
    "given_name",
    "family_name",
    "word",
    "department",
    "job_title",
    "city",
    "phone",
    "alnum",
    "digits",
    "upper",
    "run_letters",
    "run_letters_caps",
];

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Lit(String),
    /// A variable reference (`name` or `name:arg`).
    Var(String),
    /// A typed JSON value (a variable written as a YAML number or boolean).
    Value(Value),
}

/// A parsed template string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Its parts, in order.
    pub parts: Vec<Part>,
}

fn valid_name(name: &str) -> bool {
    let (head, arg) = match name.split_once(':') {
        Some((h, a)) => (h, Some(a)),
        None => (name, None),
    };
    let mut chars = head.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && arg.is_none_or(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric()))
}

impl Template {
    /// Parses `text`; the error gives the byte offset of the problem and a message.
    pub fn parse(text: &str) -> Result<Template, (usize, String)> {
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(i) = rest.find('$') {
            lit.push_str(&rest[..i]);
            let after = &rest[i..];
            if let Some(tail) = after.strip_prefix("$${") {
                lit.push_str("${");
                rest = tail;
                offset += i + 3;
            } else if let Some(body) = after.strip_prefix("${") {
                let end = body
                    .find('}')
                    .ok_or((offset + i, "`${` is never closed with `}`".to_string()))?;
                let name = body[..end].trim();
                if !valid_name(name) {
                    return Err((
                        offset + i,
                        format!("`${{{}}}` is not a valid variable reference", &body[..end]),
                    ));
                }
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                parts.push(Part::Var(name.to_string()));
                rest = &body[end + 1..];
                offset += i + 2 + end + 1;
            } else {
                lit.push('$');
                rest = &after[1..];
                offset += i + 1;
            }
        }
        lit.push_str(rest);
        if !lit.is_empty() || parts.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(Template { parts })
    }

    /// The variables referenced.
    pub fn vars(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v.as_str()),
            Part::Lit(_) | Part::Value(_) => None,
        })
    }

    /// Renders with `lookup`, which resolves a variable to a JSON value.
    pub fn render(
        &self,
        lookup: &mut dyn FnMut(&str) -> Result<Value, String>,
    ) -> Result<Value, String> {
        match self.parts.as_slice() {
            [Part::Var(v)] => return lookup(v),
            [Part::Value(v)] => return Ok(v.clone()),
            _ => {}
        }
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Value(v) => out.push_str(&v.to_string()),
                Part::Var(v) => match lookup(v)? {
                    Value::String(s) => out.push_str(&s),
                    other => out.push_str(&other.to_string()),
                },
            }
            if out.len() > TEMPLATE_BUDGET {
                return Err(format!(
                    "the value expands to more than {} KiB",
                    TEMPLATE_BUDGET / 1024
                ));
            }
        }
        Ok(Value::String(out))
    }

    /// Renders to text.
    pub fn render_text(
        &self,
        lookup: &mut dyn FnMut(&str) -> Result<Value, String>,
    ) -> Result<String, String> {
        Ok(match self.render(lookup)? {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }
}

/// Renders every string (and object key) inside a JSON value as a template.
/// The whole value may render to at most [`VALUE_BUDGET`] bytes of text.
pub(crate) fn render_value(
    value: &Value,
    lookup: &mut dyn FnMut(&str) -> Result<Value, String>,
) -> Result<Value, String> {
    render_within(value, lookup, &mut 0)
}

fn spend(used: &mut usize, v: &Value) -> Result<(), String> {
    *used = used.saturating_add(match v {
        Value::String(s) => s.len(),
        Value::Array(_) | Value::Object(_) => 0,
        other => other.to_string().len(),
    });
    if *used > VALUE_BUDGET {
        return Err(format!(
            "the value expands to more than {} KiB",
            VALUE_BUDGET / 1024
        ));
    }
    Ok(())
}

fn render_within(
    value: &Value,
    lookup: &mut dyn FnMut(&str) -> Result<Value, String>,
    used: &mut usize,
) -> Result<Value, String> {
    let out = match value {
        Value::String(s) => Template::parse(s).map_err(|(_, m)| m)?.render(lookup)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_within(v, lookup, used))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(obj) => {
            let mut out = serde_json::Map::new();
            for (k, v) in obj {
                let key = Template::parse(k)
                    .map_err(|(_, m)| m)?
                    .render_text(lookup)?;
                *used = used.saturating_add(key.len());
                out.insert(key, render_within(v, lookup, used)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    };
    spend(used, &out)?;
    Ok(out)
}

/// Every template in a JSON value, parsed; the first syntax error is returned as text.
pub(crate) fn value_vars(value: &Value, out: &mut Vec<String>) -> Result<(), String> {
    match value {
        Value::String(s) => {
            let t = Template::parse(s).map_err(|(_, m)| m)?;
            out.extend(t.vars().map(str::to_string));
        }
        Value::Array(items) => {
            for v in items {
                value_vars(v, out)?;
            }
        }
        Value::Object(obj) => {
            for (k, v) in obj {
                let t = Template::parse(k).map_err(|(_, m)| m)?;
                out.extend(t.vars().map(str::to_string));
                value_vars(v, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lookup(name: &str) -> Result<Value, String> {
        match name {
            "s" => Ok(json!("str")),
            "b" => Ok(json!(false)),
            "a" => Ok(json!([1, 2])),
            other => Err(format!("unknown `{other}`")),
        }
    }

    #[test]
    fn whole_value_keeps_type() {
        let t = Template::parse("${b}").unwrap();
        assert_eq!(t.render(&mut lookup).unwrap(), json!(false));
        let t = Template::parse("x-${s}-${a}").unwrap();
        assert_eq!(t.render(&mut lookup).unwrap(), json!("x-str-[1,2]"));
    }

    #[test]
    fn escapes_and_plain_dollars() {
        let t = Template::parse("cost $5 and $${s}").unwrap();
        assert_eq!(t.render(&mut lookup).unwrap(), json!("cost $5 and ${s}"));
        assert_eq!(
            Template::parse("").unwrap().render(&mut lookup).unwrap(),
            json!("")
        );
    }

    #[test]
    fn syntax_errors_have_offsets() {
        assert_eq!(Template::parse("ab ${s").unwrap_err().0, 3);
        assert!(Template::parse("${1x}").is_err());
        assert!(Template::parse("${a b}").is_err());
        assert!(Template::parse("${alnum:8}").is_ok());
        assert!(Template::parse("${alnum:}").is_err());
    }

    #[test]
    fn values_render_recursively() {
        let v = json!({"k-${s}": ["${b}", {"x": "${s}!"}], "n": 1});
        let out = render_value(&v, &mut lookup).unwrap();
        let many = Value::Array(vec![json!("${s}"); 1000]);
        let mut big = |_: &str| Ok(json!("x".repeat(TEMPLATE_BUDGET)));
        assert!(
            render_value(&many, &mut big)
                .unwrap_err()
                .contains("1024 KiB")
        );
        assert_eq!(out, json!({"k-str": [false, {"x": "str!"}], "n": 1}));
        assert!(
            render_value(&json!("${zzz}"), &mut lookup)
                .unwrap_err()
                .contains("zzz")
        );
    }
}
