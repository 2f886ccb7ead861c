//! Reading a value out of a SCIM resource by the attribute path Entra and Microsoft's
//! validation use (RFC 7644 §3.10 with value filters): `userName`, `name.givenName`,
//! `emails[type eq "work"].value`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.
//! Attribute names and the filter's attribute compare ignoring case (RFC 7643 §2.1); the
//! filter's value is compared ignoring case too, as `type` values are not case-exact.
//! A check on a path reads the value where Entra would write it, whatever the element order.

use serde_json::Value;

/// A parsed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimPath {
    /// The extension URN, when the path starts with one.
    pub urn: Option<String>,
    /// The attribute.
    pub attr: String,
    /// `[sub eq "value"]`, selecting an element of a multi-valued attribute.
    pub filter: Option<(String, String)>,
    /// The sub-attribute read after the attribute (or the selected element).
    pub sub: Option<String>,
}

impl ScimPath {
    /// Parses `path`; the error says what is wrong.
    pub fn parse(path: &str) -> Result<ScimPath, String> {
        let path = path.trim();
        let (urn, rest) = if path.to_ascii_lowercase().starts_with("urn:") {
            // The attribute follows the URN's last `:` (before any filter).
            let head = path.split('[').next().unwrap_or(path);
            let colon = head
                .rfind(':')
                .ok_or_else(|| format!("`{path}` has a URN but no attribute after it"))?;
            (Some(path[..colon].to_string()), &path[colon + 1..])
        } else {
            (None, path)
        };
        let (attr_part, filter, after) = match rest.find('[') {
            Some(open) => {
                let close = rest[open..]
                    .find(']')
                    .map(|c| open + c)
                    .ok_or_else(|| format!("`{path}`: `[` is never closed"))?;
                let inner = &rest[open + 1..close];
                let mut words = inner.splitn(3, ' ');
                let (sub, op, value) = (
                    words.next().unwrap_or(""),
                    words.next().unwrap_or(""),
                    words.next().unwrap_or("").trim(),
                );
                if !op.eq_ignore_ascii_case("eq") || sub.is_empty() || value.is_empty() {
                    return Err(format!(
                        "`{path}`: only `[sub eq \"value\"]` filters are supported"
                    ));
                }
                let value = value.trim_matches('"').to_string();
                (
                    &rest[..open],
                    Some((sub.to_string(), value)),
                    &rest[close + 1..],
                )
            }
            None => (rest, None, ""),
        };
        let (attr, sub) = match (filter.is_some(), attr_part.split_once('.')) {
            (false, Some((a, s))) => (a.to_string(), Some(s.to_string())),
            _ => (attr_part.to_string(), None),
        };
        let sub = match after.strip_prefix('.') {
            Some(s) if !s.is_empty() => Some(s.to_string()),
            Some(_) => return Err(format!("`{path}` ends with `.`")),
            None if after.is_empty() => sub,
            None => return Err(format!("`{path}`: unexpected `{after}`")),
        };
        if attr.is_empty() {
            return Err(format!("`{path}` names no attribute"));
        }
        Ok(ScimPath {
            urn,
            attr,
            filter,
            sub,
        })
    }

    /// The value at this path in `resource`, if there is one. With a filter, the first element
    /// that matches is read.
    pub(crate) fn resolve<'a>(&self, resource: &'a Value) -> Option<&'a Value> {
        let scope = match &self.urn {
            Some(urn) => get_ci(resource, urn)?,
            None => resource,
        };
        let value = get_ci(scope, &self.attr)?;
        let value = match &self.filter {
            Some((sub, want)) => value.as_array()?.iter().find(|el| {
                get_ci(el, sub).is_some_and(|v| match v {
                    Value::String(s) => s.eq_ignore_ascii_case(want),
                    other => other.to_string().eq_ignore_ascii_case(want),
                })
            })?,
            None => value,
        };
        match &self.sub {
            Some(sub) => get_ci(value, sub),
            None => Some(value),
        }
    }
}

impl std::fmt::Display for ScimPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.attr)?;
        if let Some((sub, v)) = &self.filter {
            write!(f, "[{sub} eq \"{v}\"]")?;
        }
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let obj = v.as_object()?;
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_where_entra_writes() {
        let u = json!({
            "userName": "a@b.c",
            "name": {"givenName": "Ann"},
            "emails": [{"type": "other", "value": "o@b.c"}, {"type": "Work", "value": "w@b.c"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D", "manager": {"value": "m1"}}
        });
        let at = |p: &str| ScimPath::parse(p).unwrap().resolve(&u).cloned();
        assert_eq!(at("userName"), Some(json!("a@b.c")));
        assert_eq!(at("UserName"), Some(json!("a@b.c")));
        assert_eq!(at("name.givenName"), Some(json!("Ann")));
        assert_eq!(at(r#"emails[type eq "work"].value"#), Some(json!("w@b.c")));
        assert_eq!(at(r#"emails[type eq "other"].Value"#), Some(json!("o@b.c")));
        assert_eq!(at(r#"emails[type eq "home"].value"#), None);
        assert_eq!(
            at("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
            Some(json!("R&D"))
        );
        assert_eq!(
            at("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"),
            Some(json!("m1"))
        );
        assert!(ScimPath::parse("emails[type co \"w\"].value").is_err());
        assert!(ScimPath::parse("emails[type eq \"w\"").is_err());
        assert!(ScimPath::parse("urn:").is_err());
    }
}
