//! Turning request bodies into stored resources, and stored resources into responses.
//!
//! Incoming attribute names are mapped to their canonical spelling, values are coerced to the
//! schema's types (Entra's `"True"`/`"False"` strings become booleans, a bare manager id
//! becomes `{"value": id}`, `$ref: null` and other nulls are dropped), unknown attributes are
//! dropped. Outgoing resources are projected with `attributes` / `excludedAttributes`.

use super::error::{ScimError, ScimType};
use super::filter::{AttrPath, as_bool};
use super::schema::{Attr, Kind, Mutability, ResourceKind, Schema, catalog};
use serde_json::{Map, Value};

/// How strictly incoming values are read (defect switches).
#[derive(Debug, Clone, Copy, Default)]
pub struct Coercion {
    /// Reject `"True"`/`"False"` strings for booleans.
    pub strict_booleans: bool,
    /// Reject a manager given as a bare id string.
    pub strict_manager: bool,
    /// Accept boolean strings only as `"True"`/`"False"`, exactly so spelled.
    pub exact_boolean_strings: bool,
}

/// Coerces `value` to the type of `attr`. `Ok(None)` means "no value" (null or empty).
pub(crate) fn coerce(
    attr: &Attr,
    value: &Value,
    how: Coercion,
) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    if attr.multi {
        let items: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let single = Attr {
                multi: false,
                ..attr.clone()
            };
            if let Some(v) = coerce(&single, item, how)? {
                out.push(v);
            }
        }
        return Ok(Some(Value::Array(out)));
    }
    match attr.kind {
        Kind::Boolean => match value {
            Value::Bool(_) => Ok(Some(value.clone())),
            Value::String(_) if how.strict_booleans => Err(invalid(attr, value)),
            Value::String(s) if how.exact_boolean_strings && s != "True" && s != "False" => {
                Err(invalid(attr, value))
            }
            other => as_bool(other)
                .map(|b| Some(Value::Bool(b)))
                .ok_or_else(|| invalid(attr, value)),
        },
        Kind::String | Kind::DateTime | Kind::Reference => match value {
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(_) => Ok(Some(value.clone())),
            Value::Number(n) => Ok(Some(Value::String(n.to_string()))),
            Value::Bool(b) => Ok(Some(Value::String(b.to_string()))),
            _ => Err(invalid(attr, value)),
        },
        Kind::Integer | Kind::Decimal => coerce_number(attr, value),
        Kind::Binary => match value {
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(_) => Ok(Some(value.clone())),
            _ => Err(invalid(attr, value)),
        },
        Kind::Complex => coerce_complex(attr, value, how),
    }
}

/// A number as a JSON number; a numeric string (as a client that types everything as text sends
/// it) is read as the number it spells.
fn coerce_number(attr: &Attr, value: &Value) -> Result<Option<Value>, ScimError> {
    let number = match value {
        Value::Number(n) => Some(n.clone()),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => serde_json::from_str::<serde_json::Number>(s.trim()).ok(),
        _ => None,
    };
    match number {
        Some(n) if attr.kind == Kind::Decimal || n.is_i64() || n.is_u64() => {
            Ok(Some(Value::Number(n)))
        }
        _ => Err(invalid(attr, value)),
    }
}

/// A complex value: its known sub-attributes, each coerced; the legacy array and bare-id forms
/// of a manager or member.
fn coerce_complex(attr: &Attr, value: &Value, how: Coercion) -> Result<Option<Value>, ScimError> {
    match value {
        Value::Object(obj) => {
            let mut out = Map::new();
            for (k, v) in obj {
                let Some(sub) = attr.sub(k) else { continue };
                if let Some(v) = coerce(sub, v, how)? {
                    out.insert(sub.name.to_string(), v);
                }
            }
            Ok((!out.is_empty()).then_some(Value::Object(out)))
        }
        // Entra sends the manager as `[{"$ref": …, "value": id}]` in legacy examples.
        Value::Array(items) if attr.name == "manager" => match items.first() {
            Some(first) => coerce(attr, first, how),
            None => Ok(None),
        },
        Value::String(_) if attr.name == "manager" && how.strict_manager => {
            Err(invalid(attr, value))
        }
        // A bare string for a complex attribute is its `value` (manager id, member id).
        Value::String(s) if attr.sub("value").is_some() => Ok((!s.is_empty())
            .then(|| Value::Object(Map::from_iter([("value".to_string(), value.clone())])))),
        _ => Err(invalid(attr, value)),
    }
}

fn invalid(attr: &Attr, value: &Value) -> ScimError {
    ScimError::bad_request(
        ScimType::InvalidValue,
        format!("attribute `{}` cannot take the value {value}", attr.name),
    )
}

/// Where a top-level key of a request body belongs.
pub enum Slot {
    /// A core or common attribute.
    Core(&'static Attr),
    /// An attribute of an extension schema (the enterprise one, or a learnt one).
    Extension(&'static Schema, &'static Attr),
    /// A whole extension object (`"urn:…:User": {…}`).
    ExtensionBlock(&'static Schema),
    /// Ignored (server-managed or unknown).
    Ignore,
}

/// Resolves an attribute path (as used in PATCH and path-less maps) to its slot.
pub(crate) fn slot(kind: ResourceKind, path: &AttrPath) -> Slot {
    let in_schema = |s: &'static Schema| {
        s.attr(&path.attr)
            .map_or(Slot::Ignore, |a| Slot::Extension(s, a))
    };
    match &path.urn {
        Some(urn) => kind.extension(urn).map_or(Slot::Ignore, in_schema),
        None => match kind.attr(&path.attr) {
            Some(a) => Slot::Core(a),
            // Legacy Entra examples send enterprise attributes at the top level.
            None if kind == ResourceKind::User => in_schema(&catalog().enterprise),
            None => Slot::Ignore,
        },
    }
}

fn key_slot(kind: ResourceKind, key: &str) -> Slot {
    if let Some(s) = kind.extension(key) {
        return Slot::ExtensionBlock(s);
    }
    match AttrPath::parse(key) {
        Ok(path) if path.sub.is_none() => slot(kind, &path),
        _ => Slot::Ignore,
    }
}

/// Builds the writable attributes of a resource from a POST/PUT body.
///
/// Returns the core attributes and one object per extension that has values. Read-only
/// attributes (`id`, `meta`, `groups`) and unknown ones are dropped.
pub fn from_body(
    kind: ResourceKind,
    body: &Value,
    how: Coercion,
) -> Result<Map<String, Value>, ScimError> {
    let Some(obj) = body.as_object() else {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            "the request body must be a JSON object",
        ));
    };
    let mut core = Map::new();
    // Extension values by schema id, in the order first seen.
    let mut ext: Vec<(&'static str, Map<String, Value>)> = Vec::new();
    let mut put = |schema: &'static Schema, attr: &'static Attr, v: Value| match ext
        .iter_mut()
        .find(|(id, _)| *id == schema.id)
    {
        Some((_, m)) => {
            m.insert(attr.name.to_string(), v);
        }
        None => ext.push((schema.id, Map::from_iter([(attr.name.to_string(), v)]))),
    };
    for (key, value) in obj {
        match key_slot(kind, key) {
            Slot::Core(attr) if attr.mutability != Mutability::ReadOnly => {
                if let Some(v) = coerce(attr, value, how)? {
                    core.insert(attr.name.to_string(), v);
                }
            }
            Slot::Extension(schema, attr) if attr.mutability != Mutability::ReadOnly => {
                if let Some(v) = coerce(attr, value, how)? {
                    put(schema, attr, v);
                }
            }
            Slot::ExtensionBlock(schema) => {
                let Some(block) = value.as_object() else {
                    if value.is_null() {
                        continue;
                    }
                    return Err(ScimError::bad_request(
                        ScimType::InvalidSyntax,
                        format!("the extension `{}` must be a JSON object", schema.id),
                    ));
                };
                for (k, v) in block {
                    if let Some(attr) = schema
                        .attr(k)
                        .filter(|a| a.mutability != Mutability::ReadOnly)
                        && let Some(v) = coerce(attr, v, how)?
                    {
                        put(schema, attr, v);
                    }
                }
            }
            _ => {}
        }
    }
    for (id, values) in ext {
        core.insert(id.to_string(), Value::Object(values));
    }
    check_required(kind, &core)?;
    Ok(core)
}

/// Fails when a required attribute (userName, displayName) is missing.
pub(crate) fn check_required(
    kind: ResourceKind,
    resource: &Map<String, Value>,
) -> Result<(), ScimError> {
    for attr in kind.core().attrs.iter().filter(|a| a.required) {
        if !resource.get(attr.name).is_some_and(|v| v.is_string()) {
            return Err(ScimError::bad_request(
                ScimType::InvalidValue,
                format!("required attribute `{}` is missing", attr.name),
            ));
        }
    }
    Ok(())
}

/// Keeps the value, once, of every member and drops duplicates (by `value`).
pub(crate) fn dedup_members(members: &mut Vec<Value>) {
    let mut seen = std::collections::HashSet::new();
    members.retain(|m| {
        m.get("value")
            .and_then(Value::as_str)
            .is_none_or(|v| seen.insert(v.to_string()))
    });
}

/// Which attributes a response carries (RFC 7644 §3.4.2.5).
#[derive(Debug, Clone, Default)]
pub struct Projection {
    /// `attributes=`: only these (plus `returned: always`).
    pub attributes: Vec<AttrPath>,
    /// `excludedAttributes=`: all but these.
    pub excluded: Vec<AttrPath>,
}

impl Projection {
    /// Parses the two comma-separated query parameters.
    pub fn parse(attributes: Option<&str>, excluded: Option<&str>) -> Result<Self, ScimError> {
        let list = |s: Option<&str>| -> Result<Vec<AttrPath>, ScimError> {
            s.map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        AttrPath::parse(p)
                            .map_err(|e| ScimError::bad_request(ScimType::InvalidPath, e))
                    })
                    .collect()
            })
            .unwrap_or(Ok(Vec::new()))
        };
        Ok(Projection {
            attributes: list(attributes)?,
            excluded: list(excluded)?,
        })
    }

    /// Applies the projection to a stored resource.
    pub fn apply(&self, resource: &Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        for (key, value) in resource {
            if key == "password" {
                continue;
            }
            if matches!(key.as_str(), "id" | "schemas") {
                out.insert(key.clone(), value.clone());
                continue;
            }
            let is_ext = key.starts_with("urn:");
            let keep = if !self.attributes.is_empty() {
                self.attributes.iter().any(|p| covers(p, key, is_ext))
            } else {
                true
            };
            if !keep {
                continue;
            }
            let mut value = value.clone();
            // Narrow to requested sub-attributes (e.g. `name.givenName`, `urn:…:User:department`).
            if !self.attributes.is_empty() {
                narrow(&mut value, &self.attributes, key, is_ext);
            }
            if self
                .excluded
                .iter()
                .any(|p| p.sub.is_none() && p.urn.is_none() && p.attr.eq_ignore_ascii_case(key))
            {
                continue;
            }
            for p in &self.excluded {
                remove_excluded(&mut value, p, key, is_ext);
            }
            out.insert(key.clone(), value);
        }
        out
    }
}

fn covers(p: &AttrPath, key: &str, is_ext: bool) -> bool {
    if is_ext {
        // `urn:…:User` itself or `urn:…:User:attr`.
        p.urn
            .as_deref()
            .is_some_and(|u| u.eq_ignore_ascii_case(key))
            || format!("{}", p).eq_ignore_ascii_case(key)
    } else {
        p.urn.is_none() && p.attr.eq_ignore_ascii_case(key)
    }
}

fn narrow(value: &mut Value, paths: &[AttrPath], key: &str, is_ext: bool) {
    if is_ext {
        let wanted: Vec<&AttrPath> = paths
            .iter()
            .filter(|p| {
                p.urn
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(key))
            })
            .collect();
        if wanted.is_empty() {
            return;
        }
        if let Some(obj) = value.as_object_mut() {
            obj.retain(|k, _| wanted.iter().any(|p| p.attr.eq_ignore_ascii_case(k)));
        }
        return;
    }
    let subs: Vec<&str> = paths
        .iter()
        .filter(|p| p.urn.is_none() && p.attr.eq_ignore_ascii_case(key))
        .map(|p| p.sub.as_deref())
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default();
    if subs.is_empty() {
        return;
    }
    let keep = |obj: &mut Map<String, Value>| {
        obj.retain(|k, _| subs.iter().any(|s| s.eq_ignore_ascii_case(k)));
    };
    match value {
        Value::Object(obj) => keep(obj),
        Value::Array(items) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(keep),
        _ => {}
    }
}

fn remove_excluded(value: &mut Value, p: &AttrPath, key: &str, is_ext: bool) {
    let (target_key_matches, sub) = if is_ext {
        (
            p.urn
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(key)),
            Some(p.attr.as_str()),
        )
    } else {
        (
            p.urn.is_none() && p.attr.eq_ignore_ascii_case(key),
            p.sub.as_deref(),
        )
    };
    let (true, Some(sub)) = (target_key_matches, sub) else {
        return;
    };
    let drop = |obj: &mut Map<String, Value>| obj.retain(|k, _| !k.eq_ignore_ascii_case(sub));
    match value {
        Value::Object(obj) => drop(obj),
        Value::Array(items) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(drop),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::schema::ENTERPRISE;
    use serde_json::json;

    #[test]
    fn entra_create_body_is_normalised() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "externalId": "e1", "USERNAME": "u1", "active": "True",
            "emails": [{"Primary": "True", "type": "work", "value": "a@b.c"}],
            "meta": {"resourceType": "User"}, "roles": [], "title": null,
            "department": "Sales",
            ENTERPRISE: {"employeeNumber": "7", "manager": "m-1"},
            "urn:ietf:params:scim:schemas:extension:Custom:2.0:User:thing": "x",
            "id": "client-chosen"
        });
        let out = from_body(ResourceKind::User, &body, Coercion::default()).unwrap();
        assert_eq!(out["userName"], "u1");
        assert_eq!(out["active"], true);
        assert_eq!(out["emails"][0]["primary"], true);
        assert!(!out.contains_key("meta") && !out.contains_key("id") && !out.contains_key("title"));
        assert_eq!(out[ENTERPRISE]["department"], "Sales");
        assert_eq!(out[ENTERPRISE]["manager"], json!({"value": "m-1"}));
        assert_eq!(out["roles"], json!([]));
    }

    #[test]
    fn strict_coercion_rejects_entra_quirks() {
        let strict = Coercion {
            strict_booleans: true,
            strict_manager: true,
            exact_boolean_strings: false,
        };
        let b = json!({"userName": "u", "active": "False"});
        assert_eq!(
            from_body(ResourceKind::User, &b, strict)
                .unwrap_err()
                .status,
            400
        );
        let m = json!({"userName": "u", ENTERPRISE: {"manager": "x"}});
        assert_eq!(
            from_body(ResourceKind::User, &m, strict)
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn required_attributes() {
        let err = from_body(
            ResourceKind::Group,
            &json!({"members": []}),
            Coercion::default(),
        );
        assert!(err.unwrap_err().detail.contains("displayName"));
        let err = from_body(ResourceKind::User, &json!("x"), Coercion::default());
        assert_eq!(err.unwrap_err().scim_type, Some(ScimType::InvalidSyntax));
    }

    #[test]
    fn projection() {
        let r = json!({"id": "1", "schemas": ["s"], "displayName": "g", "members": [{"value": "u"}],
                       "meta": {"version": "v"}, "name": {"givenName": "a", "familyName": "b"},
                       ENTERPRISE: {"department": "d", "employeeNumber": "1"}});
        let r = r.as_object().unwrap();
        let ex = Projection::parse(None, Some("members")).unwrap().apply(r);
        assert!(!ex.contains_key("members") && ex.contains_key("displayName"));
        let only = Projection::parse(Some("name.givenName,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"), None)
            .unwrap()
            .apply(r);
        assert_eq!(
            Value::Object(only),
            json!({"id": "1", "schemas": ["s"], "name": {"givenName": "a"}, ENTERPRISE: {"department": "d"}})
        );
        let sub = Projection::parse(None, Some("name.familyName"))
            .unwrap()
            .apply(r);
        assert_eq!(sub["name"], json!({"givenName": "a"}));
    }
}
