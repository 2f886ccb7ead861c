//! Reading an app's attribute mapping, from either of the two sources Microsoft's SCIM
//! Validator offers (docs/entra-behaviour.md §4.1): the app's Entra synchronization schema
//! (`--entra-schema FILE`), or the target's own `/Schemas` (`--discover`).
//!
//! The synchronization schema is the JSON Microsoft Graph returns for
//! `GET /servicePrincipals/{id}/synchronization/jobs/{jobId}/schema` — the same document the
//! Entra admin center shows under Provisioning → Mappings → "Review your schema here". Only
//! what scimtest needs is read (docs/mapping.md lists it): `synchronizationRules[].objectMappings[]`
//! (`enabled`, `targetObjectName`, `attributeMappings[]` with `targetAttributeName`,
//! `matchingPriority`, `flowType`, `source`), and for each target attribute its definition in
//! `directories[]` (the rule's `targetDirectoryName`) → `objects[]` → `attributes[]`
//! (`type`, `multivalued`, `mutability`, `required`).

use crate::model::{MappedAttribute, Mapping, Mutability, ObjectKind, ValueType};
use serde_json::Value;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The attributes of Entra's default user mapping for a non-gallery SCIM app, as its SCIM
/// client writes them, with their matching precedence (docs/entra-behaviour.md §6.2).
/// `--discover` generates cases for those the target's `/Schemas` declares.
const DEFAULT_USER: &[(&str, Option<u32>)] = &[
    ("userName", Some(1)),
    ("active", None),
    ("displayName", None),
    ("title", None),
    ("emails[type eq \"work\"].value", None),
    ("emails[type eq \"other\"].Value", None),
    ("name.givenName", None),
    ("name.familyName", None),
    ("phoneNumbers[type eq \"work\"].value", None),
    ("phoneNumbers[type eq \"mobile\"].value", None),
    ("phoneNumbers[type eq \"fax\"].value", None),
    ("addresses[type eq \"work\"].streetAddress", None),
    ("addresses[type eq \"work\"].postalCode", None),
    ("addresses[type eq \"other\"].Formatted", None),
    ("externalId", None),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        None,
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
        None,
    ),
    (
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        None,
    ),
];

/// Entra's default group mapping (§6.2): matched on `displayName`.
const DEFAULT_GROUP: &[(&str, Option<u32>)] = &[
    ("displayName", Some(1)),
    ("externalId", None),
    ("members", None),
];

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Which resource an Entra target object name describes: customappsso names its user object
/// after the enterprise extension URN and its group object after the core Group URN.
fn object_of(target: &str) -> Option<ObjectKind> {
    let last = target.rsplit(':').next().unwrap_or(target);
    if last.eq_ignore_ascii_case("User") {
        Some(ObjectKind::User)
    } else if last.eq_ignore_ascii_case("Group") {
        Some(ObjectKind::Group)
    } else {
        None
    }
}

/// Why no case is generated for an attribute that the built-in suites cover, or that cannot
/// be read back (None: generate one).
fn left_to_builtin(path: &str, kind: ValueType, mutability: Mutability) -> Option<&'static str> {
    let last = path.rsplit(':').next().unwrap_or(path);
    if last.eq_ignore_ascii_case("members") {
        return Some("group membership: entra-groups covers every member shape");
    }
    if last.eq_ignore_ascii_case("roles") || last.to_ascii_lowercase().starts_with("roles[") {
        return Some("app roles: entra-users covers the three role mappings");
    }
    if kind == ValueType::Reference || last.eq_ignore_ascii_case("manager") {
        return Some("a reference (the manager): entra-users covers it once both users exist");
    }
    if kind == ValueType::Complex {
        return Some("a complex value with no single mapped value");
    }
    match mutability {
        Mutability::ReadOnly => Some("read-only: a client never writes it"),
        Mutability::WriteOnly => {
            Some("write-only: it is never returned, so it cannot be read back")
        }
        _ if last.eq_ignore_ascii_case("password") => Some("a password is never returned"),
        _ => None,
    }
}

fn push(mapping: &mut Mapping, attr: MappedAttribute) {
    if mapping
        .attributes
        .iter()
        .any(|a| a.object == attr.object && a.path.eq_ignore_ascii_case(&attr.path))
    {
        return;
    }
    match left_to_builtin(&attr.path, attr.kind, attr.mutability) {
        Some(why) => mapping.left_out.push((attr.path, why.to_string())),
        None => mapping.attributes.push(attr),
    }
}

/// One attribute mapping (`am`) of an object mapping: its target path, typed by the target
/// directory's attribute definitions.
fn mapped_attribute(
    object: ObjectKind,
    path: &str,
    am: &Value,
    definitions: &[Value],
) -> MappedAttribute {
    let def = definitions
        .iter()
        .find(|d| text(d, "name").is_some_and(|n| n.eq_ignore_ascii_case(path)));
    let kind = def
        .and_then(|d| text(d, "type"))
        .and_then(ValueType::parse)
        .unwrap_or(ValueType::String);
    let mutability = def
        .and_then(|d| text(d, "mutability"))
        .and_then(Mutability::parse)
        .unwrap_or(Mutability::ReadWrite);
    let flag = |k: &str| def.and_then(|d| d.get(k)).and_then(Value::as_bool) == Some(true);
    let priority = am
        .get("matchingPriority")
        .and_then(Value::as_i64)
        .filter(|p| *p > 0)
        .map(|p| p as u32);
    let source = am.get("source").and_then(|s| {
        text(s, "expression")
            .or_else(|| text(s, "name"))
            .map(str::to_string)
    });
    MappedAttribute {
        object,
        path: path.to_string(),
        kind,
        multi: flag("multivalued") && !path.contains('['),
        mutability,
        required: flag("required"),
        canonical: Vec::new(),
        matching: priority,
        create_only: text(am, "flowType").is_some_and(|f| f.eq_ignore_ascii_case("ObjectAddOnly")),
        source,
    }
}

/// Reads an Entra synchronization schema (the text of `origin`). Errors name the JSON
/// position or the missing part.
pub(crate) fn from_entra_schema(origin: &str, source: &str) -> Result<Mapping, String> {
    let doc: Value = serde_json::from_str(source)
        .map_err(|e| format!("{origin}:{}:{}: not JSON: {e}", e.line(), e.column()))?;
    let rules = doc
        .get("synchronizationRules")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            format!("{origin}: no `synchronizationRules` list; give the synchronization schema of the app's provisioning job (Microsoft Graph `…/synchronization/jobs/{{jobId}}/schema`, or \"Review your schema here\" in the admin center)")
        })?;
    let directories = doc
        .get("directories")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut mapping = Mapping {
        origin: origin.to_string(),
        ..Mapping::default()
    };
    for rule in rules {
        let target_dir = text(rule, "targetDirectoryName").unwrap_or_default();
        for om in rule
            .get("objectMappings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if om.get("enabled").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            let target = text(om, "targetObjectName").unwrap_or_default();
            let Some(object) = object_of(target) else {
                continue;
            };
            if object == ObjectKind::Group {
                mapping.groups = true;
            }
            let definitions = definitions(&directories, target_dir, target);
            if object == ObjectKind::User && mapping.directory.is_empty() {
                mapping.directory = definitions
                    .iter()
                    .filter_map(|d| text(d, "name").filter(|n| !n.is_empty()))
                    .map(|n| mapped_attribute(object, n, &Value::Null, &definitions))
                    .collect();
            }
            for am in om
                .get("attributeMappings")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(path) = text(am, "targetAttributeName").filter(|p| !p.is_empty()) else {
                    continue;
                };
                push(
                    &mut mapping,
                    mapped_attribute(object, path, am, &definitions),
                );
            }
        }
    }
    if !mapping
        .attributes
        .iter()
        .any(|a| a.object == ObjectKind::User)
    {
        return Err(format!(
            "{origin}: no enabled object mapping writes SCIM users (a `targetObjectName` ending in `User`)"
        ));
    }
    Ok(mapping)
}

/// The attribute definitions of `object` in the directory `dir` (any directory when none
/// is named that way).
fn definitions(directories: &[Value], dir: &str, object: &str) -> Vec<Value> {
    let objects = |d: &Value| -> Option<Vec<Value>> {
        d.get("objects")?
            .as_array()?
            .iter()
            .find(|o| text(o, "name").is_some_and(|n| n.eq_ignore_ascii_case(object)))?
            .get("attributes")?
            .as_array()
            .cloned()
    };
    directories
        .iter()
        .filter(|d| text(d, "name").is_some_and(|n| n.eq_ignore_ascii_case(dir)))
        .chain(directories.iter())
        .find_map(objects)
        .unwrap_or_default()
}

/// Most custom extension attributes `--discover` generates cases for: a target declaring
/// thousands (or a hostile one) must not make the generated suite unbounded.
const MAX_CUSTOM: usize = 100;
/// Most skipped attribute names listed one by one; the rest are counted.
const MAX_NOTED: usize = 20;

/// Whether `name` is a SCIM attribute name (RFC 7643 §2.1: `ALPHA *(nameChar)`, nameChar
/// `-`, `_`, DIGIT, ALPHA) of sane length. Only such names are put into a generated suite:
/// any other (brackets, `${`, quotes, spaces, control characters) is not an attribute a
/// client can address by path, so there is nothing to test.
fn is_attribute_name(name: &str) -> bool {
    name.len() <= 128
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether `id` can prefix an attribute path: a URN of letters, digits and `:.-_`.
fn is_schema_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 256
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '-' | '_'))
}

/// A server-given name as a note shows it: escaped (no control character or quote reaches
/// a console or the generated suite) and cut.
fn shown_name(name: &str) -> String {
    let cut: String = name.chars().take(60).collect();
    let escaped: String = cut.escape_default().to_string().replace('$', "\\u{24}");
    if name.chars().count() > 60 {
        format!("{escaped}…")
    } else {
        escaped
    }
}

/// The custom user extensions' attributes (every user extension but the enterprise one):
/// single-valued ones with SCIM attribute names get cases, up to [`MAX_CUSTOM`]; the rest
/// are left out with a note (named names are listed up to [`MAX_NOTED`]).
fn custom_attributes(resources: &[Value], mapping: &mut Mapping) {
    let mut skipped = 0usize;
    let mut over = 0usize;
    let mut taken = 0usize;
    let mut note = |mapping: &mut Mapping, path: String, why: &str| {
        skipped += 1;
        if skipped <= MAX_NOTED {
            mapping.left_out.push((path, why.to_string()));
        }
    };
    for ext in resources.iter().filter(|r| {
        let id = text(r, "id").unwrap_or_default();
        object_of(id) == Some(ObjectKind::User)
            && !id.eq_ignore_ascii_case(CORE_USER)
            && !id.eq_ignore_ascii_case(ENTERPRISE)
    }) {
        let id = text(ext, "id").unwrap_or_default();
        if !is_schema_id(id) {
            note(
                mapping,
                shown_name(id),
                "not a schema URN scimtest can address",
            );
            continue;
        }
        for a in ext
            .get("attributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = text(a, "name").unwrap_or_default();
            if !is_attribute_name(name) {
                let why = "not a SCIM attribute name (RFC 7643 §2.1), so no client can address it";
                note(mapping, format!("{id}:{}", shown_name(name)), why);
                continue;
            }
            let path = format!("{id}:{name}");
            if a.get("multiValued").and_then(Value::as_bool) == Some(true) {
                note(
                    mapping,
                    path,
                    "multi-valued: Entra maps custom attributes as single values",
                );
                continue;
            }
            if taken == MAX_CUSTOM {
                over += 1;
                continue;
            }
            taken += 1;
            push(mapping, attribute(ObjectKind::User, &path, a, None));
        }
    }
    if skipped > MAX_NOTED {
        mapping.left_out.push((
            format!("{} more custom attributes", skipped - MAX_NOTED),
            "left out: not SCIM attribute names, or multi-valued".to_string(),
        ));
    }
    if over > 0 {
        mapping.left_out.push((
            format!("{over} more custom attributes"),
            format!("cases are generated for the first {MAX_CUSTOM} custom attributes only"),
        ));
    }
}

/// Builds a mapping from a `/Schemas` ListResponse: the attributes of Entra's default
/// mapping that the target declares, plus every writable single-valued attribute of its
/// other user extensions (an app's custom attributes, which an admin maps after discovery).
pub(crate) fn from_discovery(origin: &str, resources: &[Value]) -> Result<Mapping, String> {
    let find = |id: &str| {
        resources
            .iter()
            .find(|r| text(r, "id").is_some_and(|i| i.eq_ignore_ascii_case(id)))
    };
    if find(CORE_USER).is_none() {
        return Err(format!(
            "{origin}: `/Schemas` does not describe the core User schema ({CORE_USER})"
        ));
    }
    let mut mapping = Mapping {
        origin: origin.to_string(),
        groups: find(CORE_GROUP).is_some(),
        ..Mapping::default()
    };
    let mut defaults: Vec<(ObjectKind, &str, Option<u32>)> = DEFAULT_USER
        .iter()
        .map(|(p, m)| (ObjectKind::User, *p, *m))
        .collect();
    if mapping.groups {
        defaults.extend(
            DEFAULT_GROUP
                .iter()
                .map(|(p, m)| (ObjectKind::Group, *p, *m)),
        );
    }
    for (object, path, matching) in defaults {
        let schema = match object {
            ObjectKind::User => CORE_USER,
            ObjectKind::Group => CORE_GROUP,
        };
        // `externalId` is common to every resource (RFC 7643 §3.1): servers need not list it.
        let common = serde_json::json!({"name": "externalId", "type": "string", "caseExact": true});
        let found = declared(resources, schema, path).or((path == "externalId").then_some(&common));
        match found {
            Some(def) => push(&mut mapping, attribute(object, path, def, matching)),
            None => mapping.left_out.push((
                path.to_string(),
                "not declared in the target's /Schemas".to_string(),
            )),
        }
    }
    custom_attributes(resources, &mut mapping);
    mapping.directory = mapping.of(ObjectKind::User).cloned().collect();
    // The directory list stands for the app's whole attribute list: what the generated suite
    // leaves to the built-in ones (the manager, roles) is in it when the target declares it,
    // so the gallery's manager tests run as the gate runs them.
    let declared_left_out: Vec<MappedAttribute> = DEFAULT_USER
        .iter()
        .filter(|(p, _)| mapping.left_out.iter().any(|(l, _)| l == p))
        .filter_map(|(p, m)| {
            declared(resources, CORE_USER, p).map(|d| attribute(ObjectKind::User, p, d, *m))
        })
        .collect();
    mapping.directory.extend(declared_left_out);
    Ok(mapping)
}

fn attribute(
    object: ObjectKind,
    path: &str,
    def: &Value,
    matching: Option<u32>,
) -> MappedAttribute {
    MappedAttribute {
        object,
        path: path.to_string(),
        kind: text(def, "type")
            .and_then(ValueType::parse)
            .unwrap_or(ValueType::String),
        multi: def.get("multiValued").and_then(Value::as_bool) == Some(true) && !path.contains('['),
        mutability: text(def, "mutability")
            .and_then(Mutability::parse)
            .unwrap_or(Mutability::ReadWrite),
        required: def.get("required").and_then(Value::as_bool) == Some(true),
        canonical: def
            .get("canonicalValues")
            .and_then(Value::as_array)
            .map(|c| {
                c.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        matching,
        create_only: false,
        source: None,
    }
}

/// The `/Schemas` definition of `path` in `schema`: the attribute, or for `a.b` and
/// `a[type eq "x"].b` its sub-attribute `b` (a value path needs `a` to be multi-valued).
fn declared<'a>(resources: &'a [Value], schema: &str, path: &str) -> Option<&'a Value> {
    let (schema, rest) = match path.strip_prefix(ENTERPRISE) {
        Some(r) => (ENTERPRISE, r.trim_start_matches(':')),
        None => (schema, path),
    };
    let attrs = resources
        .iter()
        .find(|r| text(r, "id").is_some_and(|i| i.eq_ignore_ascii_case(schema)))?
        .get("attributes")?
        .as_array()?;
    let named = |list: &'a [Value], n: &str| {
        list.iter()
            .find(|a| text(a, "name").is_some_and(|x| x.eq_ignore_ascii_case(n)))
    };
    let (head, filter, sub) = match rest.split_once('[') {
        Some((h, tail)) => match tail.split_once("].") {
            Some((f, s)) => (h, Some(f), Some(s)),
            None => (h, None, None),
        },
        None => match rest.split_once('.') {
            Some((h, s)) => (h, None, Some(s)),
            None => (rest, None, None),
        },
    };
    let attr = named(attrs, head)?;
    // `emails[type eq "other"]` exists only if `type` allows "other" (when it lists values).
    if let Some(wanted) = filter
        .and_then(|f| f.split_once(" eq "))
        .map(|(_, v)| v.trim().trim_matches('"'))
        && let Some(canonical) = attr
            .get("subAttributes")
            .and_then(Value::as_array)
            .and_then(|subs| named(subs, "type"))
            .and_then(|t| t.get("canonicalValues"))
            .and_then(Value::as_array)
        && !canonical.is_empty()
        && !canonical
            .iter()
            .filter_map(Value::as_str)
            .any(|c| c.eq_ignore_ascii_case(wanted))
    {
        return None;
    }
    match sub {
        None => Some(attr),
        Some(s) => named(attr.get("subAttributes")?.as_array()?, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_example_synchronization_schema() {
        let text = include_str!("../../fixtures/entra-schema/synchronization-schema.json");
        let m = from_entra_schema("example", text).unwrap();
        let paths: Vec<&str> = m.attributes.iter().map(|a| a.path.as_str()).collect();
        assert!(paths.contains(&"userName"));
        assert!(paths.contains(&"urn:ietf:params:scim:schemas:extension:Acme:2.0:User:seatCount"));
        let seats = m
            .attributes
            .iter()
            .find(|a| a.path.ends_with("seatCount"))
            .unwrap();
        assert_eq!(seats.kind, ValueType::Integer);
        let matching: Vec<&str> = m
            .matching(ObjectKind::User)
            .iter()
            .map(|a| a.path.as_str())
            .collect();
        assert_eq!(matching, ["userName", "emails[type eq \"work\"].value"]);
        assert!(m.groups);
        assert!(m.left_out.iter().any(|(p, _)| p.ends_with(":manager")));
        assert!(m.left_out.iter().any(|(p, _)| p == "members"));
    }

    #[test]
    fn a_document_without_rules_is_explained() {
        let e = from_entra_schema("x.json", "{}").unwrap_err();
        assert!(e.contains("synchronizationRules"), "{e}");
        let e = from_entra_schema("x.json", "{\n  \"a\": ").unwrap_err();
        assert!(e.starts_with("x.json:2:"), "{e}");
    }

    #[test]
    fn discovery_keeps_declared_defaults_and_custom_attributes() {
        let schemas = vec![
            json!({"id": CORE_USER, "attributes": [
                {"name": "userName", "type": "string"},
                {"name": "title", "type": "string"},
                {"name": "password", "type": "string", "mutability": "writeOnly"},
                {"name": "emails", "type": "complex", "multiValued": true, "subAttributes": [
                    {"name": "value", "type": "string"},
                    {"name": "type", "type": "string", "canonicalValues": ["work", "home"]}]}]}),
            json!({"id": "urn:ietf:params:scim:schemas:extension:Acme:2.0:User", "attributes": [
                {"name": "tier", "type": "string", "canonicalValues": ["gold", "silver"]},
                {"name": "tags", "type": "string", "multiValued": true}]}),
        ];
        let m = from_discovery("target", &schemas).unwrap();
        let paths: Vec<&str> = m.attributes.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "userName",
                "title",
                "emails[type eq \"work\"].value",
                "externalId",
                "urn:ietf:params:scim:schemas:extension:Acme:2.0:User:tier"
            ]
        );
        assert_eq!(m.attributes[4].canonical, ["gold", "silver"]);
        assert!(!m.groups);
        assert!(m.left_out.iter().any(|(p, _)| p.ends_with(":tags")));
        assert!(m.left_out.iter().any(|(p, _)| p == "displayName"));
        assert!(
            m.left_out
                .iter()
                .any(|(p, _)| p.starts_with("emails[type eq \"other\"]"))
        );
    }
}
