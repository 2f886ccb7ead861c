//! Generating the `mapped` suite from an app's attribute mapping: for every mapped, writable
//! attribute, the requests Entra sends for it — on create, on update in each client mode's
//! shape (docs/entra-behaviour.md §3.3), and the gallery validation's clear (§4.3) — each
//! read back exactly, by id and through the mapping's matching query; then the matching
//! itself, attribute by attribute in precedence order, with Test Connection's probe (§2.22).
//!
//! The suite is written as suite text (JSON, which is YAML) and loaded like any other, so it
//! obeys every rule of the format, its failures point at a line the user can open, and a user
//! can copy it into their own suites to change it.

use crate::model::{MappedAttribute, Mapping, Mutability, ObjectKind, ValueType};
use serde_json::{Map, Value, json};

/// The name of the generated suite (`mapped::user_title[entra]`).
pub(crate) const SUITE: &str = "mapped";

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The Microsoft schema URI Entra adds to a group's `schemas` (§1.2 G1).
const ADSCIM_GROUP: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A stable case-name fragment for an attribute path: `name.givenName` → `name_given_name`,
/// `emails[type eq "work"].value` → `emails_work_value`, `urn:…:Acme:2.0:User:seatCount` →
/// `acme_seat_count`.
pub fn slug(path: &str) -> String {
    let path = match path.strip_prefix("urn:") {
        Some(_) => {
            // The extension's name (`Acme`, `enterprise`) and the attribute.
            let parts: Vec<&str> = path.split(':').collect();
            let attr = parts.last().copied().unwrap_or_default();
            let name = parts.iter().rev().nth(3).copied().unwrap_or("ext");
            format!("{name}.{attr}")
        }
        None => path.to_string(),
    };
    let mut out = String::new();
    let mut prev_lower = false;
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let trimmed = out.trim_matches('_');
    // `emails_type_eq_work_value` reads better without the filter's words.
    trimmed.replace("_type_eq_", "_").to_string()
}

/// Where a path writes in a resource body.
enum Place<'a> {
    /// `attr`.
    Top(&'a str),
    /// `attr.sub`.
    Sub(&'a str, &'a str),
    /// `attr[type eq "t"].sub`.
    Typed(&'a str, &'a str, &'a str),
    /// `urn:…:attr` (an extension attribute).
    Ext(&'a str, &'a str),
}

fn place(path: &str) -> Place<'_> {
    if path.to_ascii_lowercase().starts_with("urn:") {
        let i = path.rfind(':').unwrap_or(0);
        return Place::Ext(&path[..i], &path[i + 1..]);
    }
    if let Some((head, rest)) = path.split_once('[') {
        let (filter, sub) = rest.split_once("].").unwrap_or((rest, "value"));
        let t = filter
            .split_once(" eq ")
            .map(|(_, v)| v.trim().trim_matches('"'))
            .unwrap_or_default();
        return Place::Typed(head, t, sub);
    }
    match path.split_once('.') {
        Some((a, s)) => Place::Sub(a, s),
        None => Place::Top(path),
    }
}

fn object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => m,
        _ => unreachable!("just made an object"),
    }
}

/// Writes `value` at `path` in `body`, as Entra lays the attribute out in a POST.
pub fn write(body: &mut Map<String, Value>, path: &str, value: Value) {
    match place(path) {
        Place::Top(a) => {
            body.insert(a.to_string(), value);
        }
        Place::Sub(a, s) | Place::Ext(a, s) => {
            object(body.entry(a).or_insert(Value::Null)).insert(s.to_string(), value);
        }
        Place::Typed(a, t, s) => {
            let list = body.entry(a).or_insert_with(|| Value::Array(Vec::new()));
            if !list.is_array() {
                *list = Value::Array(Vec::new());
            }
            let Value::Array(items) = list else {
                unreachable!("just made an array")
            };
            let pos = items.iter().position(|e| {
                e.get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|x| x.eq_ignore_ascii_case(t))
            });
            let i = match pos {
                Some(i) => i,
                None => {
                    let mut e = Map::new();
                    e.insert("type".into(), json!(t));
                    // Entra marks the work email primary (§1.1 U1).
                    if a.eq_ignore_ascii_case("emails") && t.eq_ignore_ascii_case("work") {
                        e.insert("primary".into(), json!(true));
                    }
                    items.push(Value::Object(e));
                    items.len() - 1
                }
            };
            // A POST body spells sub-attributes in lower camel case, whatever the mapping's
            // path says (`.Value`, `.Formatted` in the default mapping, §6.2).
            let mut key = s.to_string();
            if let Some(first) = key.get_mut(..1) {
                first.make_ascii_lowercase();
            }
            object(&mut items[i]).insert(key, value);
        }
    }
}

/// A value the generated requests write: a case variable (a template, fresh per run) or a
/// fixed JSON value.
struct Gen {
    /// `(name, template)` when the value is a variable.
    var: Option<(String, String)>,
    /// What the body and the checks hold (`"${v1}"` for a variable).
    value: Value,
}

impl Gen {
    fn var(name: &str, template: &str) -> Gen {
        Gen {
            var: Some((name.to_string(), template.to_string())),
            value: json!(format!("${{{name}}}")),
        }
    }
    fn fixed(value: Value) -> Gen {
        Gen { var: None, value }
    }
}

fn last_name(path: &str) -> String {
    path.rsplit([':', '.'])
        .next()
        .unwrap_or(path)
        .to_ascii_lowercase()
}

/// The text template for a string attribute; `second` gives the value of an update. Values
/// that identify a resource carry the run id (the harness cleans up by it), the rest look
/// like what a directory holds.
fn string_template(a: &MappedAttribute, second: bool) -> String {
    if let Some(c) = a.canonical.get(usize::from(second)).or(a.canonical.first()) {
        return c.clone();
    }
    let lower = a.path.to_ascii_lowercase();
    let last = last_name(&a.path);
    let pick = |first: &str, other: &str| if second { other } else { first }.to_string();
    match (a.object, lower.as_str(), last.as_str()) {
        (ObjectKind::User, "username", _) => "${user_name}".into(),
        (ObjectKind::Group, "displayname", _) => "${group_name}".into(),
        (_, "externalid", _) => "${uuid}".into(),
        (_, p, _) if p.starts_with("emails") => "${email}".into(),
        (_, p, _) if p.starts_with("phonenumbers") => "${phone}".into(),
        (ObjectKind::User, "displayname", _) => "${given_name} ${family_name}".into(),
        (_, _, "givenname") => "${given_name}".into(),
        (_, _, "familyname") => "${family_name}".into(),
        (_, _, "title") => "${job_title}".into(),
        (_, _, "department") => "${department}".into(),
        (_, _, "locality") => "${city}".into(),
        (_, _, "postalcode") => "${digits:5}".into(),
        (_, _, "employeenumber") => "${digits:6}".into(),
        (_, _, "country") => pick("US", "ES"),
        (_, _, "preferredlanguage" | "locale") => pick("en-US", "es-ES"),
        (_, _, "timezone") => pick("America/Los_Angeles", "Europe/Madrid"),
        // Non-ASCII on purpose: values are stored exactly as sent (§2.15).
        _ if second => "Nuevo valor ${alnum:8} – año".into(),
        _ => "Valor ${alnum:8} – Ñandú".into(),
    }
}

/// The first (`second` false) or updated value of an attribute.
fn generate(a: &MappedAttribute, var: &str, second: bool) -> Gen {
    let fixed = |first: Value, other: Value| Gen::fixed(if second { other } else { first });
    let one = |v: Gen| {
        if a.multi {
            Gen {
                value: Value::Array(vec![v.value]),
                var: v.var,
            }
        } else {
            v
        }
    };
    one(match a.kind {
        ValueType::Boolean => fixed(json!(true), json!(false)),
        ValueType::Integer => fixed(json!(4217), json!(5309)),
        ValueType::Decimal => fixed(json!(12.5), json!(37.25)),
        ValueType::DateTime => fixed(json!("2027-03-31T00:00:00Z"), json!("2028-06-30T12:30:00Z")),
        ValueType::Binary => fixed(json!("c2NpbXRlc3Q="), json!("ZW50cmEgdmFsdWU=")),
        _ => Gen::var(var, &string_template(a, second)),
    })
}

/// How a check compares a value that was written: exactly, except that a date-time may come
/// back with fractional seconds or `+00:00` (the same instant).
fn equal_check(path: &str, v: &Value, kind: ValueType) -> Value {
    match (kind, v.as_str()) {
        (ValueType::DateTime, Some(t)) => {
            let stem = t.trim_end_matches('Z').replace('.', "\\.");
            json!({"path": path, "matches": format!("^{stem}(\\.0+)?(Z|\\+00:00)$"),
                   "because": "a date-time reads back as the instant written"})
        }
        _ => {
            json!({"path": path, "equals": v, "because": "Entra's value is stored exactly as sent (§2.15)"})
        }
    }
}

/// The JSON Entra's default job sends for a value in a PATCH: booleans as `"True"`/`"False"`
/// (§3.3).
fn default_job_value(v: &Value) -> Value {
    match v {
        Value::Bool(b) => json!(if *b { "True" } else { "False" }),
        other => other.clone(),
    }
}

fn patch(ops: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// The base of every resource a case creates: what the app requires, the matching
/// attributes, and the name the harness identifies it by.
struct Base {
    vars: Vec<(String, String)>,
    body: Map<String, Value>,
    /// The first matching attribute's path and its value in the body.
    matching: (String, Value),
    /// Every matching attribute with its value, in precedence order.
    all_matching: Vec<(String, Value)>,
    /// Every attribute written, with its value.
    written: Vec<(String, Value)>,
}

fn identity_path(object: ObjectKind) -> &'static str {
    match object {
        ObjectKind::User => "userName",
        ObjectKind::Group => "displayName",
    }
}

fn identity(object: ObjectKind) -> MappedAttribute {
    MappedAttribute {
        object,
        path: identity_path(object).into(),
        kind: ValueType::String,
        multi: false,
        mutability: Mutability::ReadWrite,
        required: true,
        canonical: Vec::new(),
        matching: Some(1),
        create_only: false,
        source: None,
    }
}

fn base(m: &Mapping, object: ObjectKind, without: Option<&str>, prefix: &str) -> Base {
    let mut body = Map::new();
    match object {
        ObjectKind::User => {
            body.insert("schemas".into(), json!([CORE_USER, ENTERPRISE]));
        }
        ObjectKind::Group => {
            body.insert("schemas".into(), json!([CORE_GROUP, ADSCIM_GROUP]));
        }
    }
    let mut wanted: Vec<MappedAttribute> = vec![];
    let id = identity(object);
    if !m.of(object).any(|a| a.path.eq_ignore_ascii_case(&id.path)) {
        wanted.push(id);
    }
    wanted.extend(
        m.of(object)
            .filter(|a| {
                a.required
                    || a.matching.is_some()
                    || a.path.eq_ignore_ascii_case(identity_path(object))
                    || a.path.eq_ignore_ascii_case("active")
            })
            .cloned(),
    );
    let mut vars = Vec::new();
    let mut written: Vec<(String, Value)> = Vec::new();
    for (i, a) in wanted.iter().enumerate() {
        if without.is_some_and(|w| w.eq_ignore_ascii_case(&a.path)) {
            continue;
        }
        let g = generate(a, &format!("{prefix}{i}"), false);
        vars.extend(g.var);
        write(&mut body, &a.path, g.value.clone());
        written.push((a.path.clone(), g.value));
    }
    let mut matching: Vec<&MappedAttribute> = m.matching(object);
    if matching.is_empty() {
        matching = wanted.iter().filter(|a| a.matching.is_some()).collect();
    }
    let find = |p: &str| {
        written
            .iter()
            .find(|(q, _)| q.eq_ignore_ascii_case(p))
            .cloned()
    };
    let all_matching: Vec<(String, Value)> =
        matching.iter().filter_map(|a| find(&a.path)).collect();
    let first = all_matching
        .first()
        .cloned()
        .or_else(|| find(identity_path(object)))
        .unwrap_or_else(|| (identity_path(object).to_string(), json!("")));
    body.insert(
        "meta".into(),
        json!({"resourceType": match object {
            ObjectKind::User => "User",
            ObjectKind::Group => "Group",
        }}),
    );
    Base {
        vars,
        body,
        matching: first,
        all_matching,
        written,
    }
}

fn query(object: ObjectKind, path: &str, value: &Value) -> Value {
    let v = value.as_str().unwrap_or_default();
    let mut q = Map::new();
    if object == ObjectKind::Group {
        q.insert("excludedAttributes".into(), json!("members"));
    }
    q.insert("filter".into(), json!(format!("{path} eq \"{v}\"")));
    Value::Object(q)
}

fn vars_json(vars: &[(String, String)]) -> Value {
    Value::Object(vars.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

fn described(a: &MappedAttribute) -> String {
    let mut d = format!("`{}` ({}", a.path, a.kind);
    if let Some(s) = &a.source {
        d.push_str(&format!(", mapped from `{s}`"));
    }
    if let Some(p) = a.matching {
        d.push_str(&format!(", matching precedence {p}"));
    }
    d.push(')');
    d
}

/// The case for one attribute.
fn attribute_case(m: &Mapping, a: &MappedAttribute) -> Value {
    let object = a.object;
    let coll = object.collection();
    let b = base(m, object, Some(&a.path), "base");
    let v1 = generate(a, "value", false);
    let v2 = generate(a, "new_value", true);
    let mut body = b.body.clone();
    write(&mut body, &a.path, v1.value.clone());
    let mut vars = b.vars.clone();
    vars.extend(v1.var.clone());
    vars.extend(v2.var.clone());
    let is_primary = a.path.eq_ignore_ascii_case(&b.matching.0);
    // The resource is found by the first matching attribute; when that is the attribute
    // under test, by its value.
    let (mpath, mvalue) = if is_primary {
        (a.path.clone(), v1.value.clone())
    } else {
        b.matching.clone()
    };
    let mut steps = vec![json!({
        "name": format!("create the {} with {} (U1)", object.name(), a.path),
        "request": {"method": "POST", "path": coll, "body": Value::Object(body)},
        "expect": {"status": 201},
        "capture": {"id": "/id"},
        "read_back": {"query": query(object, &mpath, &mvalue), "checks": [equal_check(&a.path, &v1.value, a.kind)]},
    })];
    let updatable = a.mutability == Mutability::ReadWrite && !a.create_only;
    if updatable {
        let after = if is_primary { &v2.value } else { &mvalue };
        let read_back = json!({"query": query(object, &mpath, after), "checks": [equal_check(&a.path, &v2.value, a.kind)]});
        steps.extend(update_steps(a, coll, &v2.value, read_back));
    }
    let clearable = clearable(a, is_primary);
    let mut profiles = vec!["entra", "entra-flag"];
    if clearable {
        profiles.push("gallery");
        steps.extend(clear_steps(a, coll));
    }
    let mut what = vec!["created"];
    if updatable {
        what.push("updated in each client mode's shape (§3.3)");
    }
    if clearable {
        what.push("cleared as the gallery validation clears it (§4.3)");
    }
    json!({
        "name": format!("{}_{}", object.name(), slug(&a.path)),
        "description": format!(
            "{} of the mapping in {}: {}, and read back exactly each time, by id and through Entra's matching query on `{}` (§1.1 U3, §2.15, §6.3).",
            described(a), m.origin, what.join(", "), mpath
        ),
        "severity": "required",
        "evidence": "documented",
        "source": "[HOW] \"How application provisioning works\": the mapped attributes are written on create and on each change; [SCIM] \"Create User\" (U1), \"Update User\" (U5), \"Get User by query\" (U3)",
        "entra": format!(
            "Entra writes `{}` on every create and change of a {}; a value the app rejects, drops, renames or retypes fails the object in the provisioning logs or leaves the app out of step with Entra, which sends the change again every cycle.",
            a.path, object.name()
        ),
        "profiles": profiles,
        "vars": vars_json(&vars),
        "steps": steps,
    })
}

/// The update of one attribute in each Entra client mode's shape, each read back.
fn update_steps(a: &MappedAttribute, coll: &str, new: &Value, read_back: Value) -> [Value; 2] {
    let flag_op = if a.path.contains('[') {
        json!({"op": "replace", "path": a.path, "value": new})
    } else {
        json!({"op": "replace", "value": {a.path.clone(): new}})
    };
    [
        json!({
            "name": format!("update {} as Entra's default job does (U5: `Replace` with a path)", a.path),
            "profiles": ["entra"],
            "request": {"method": "PATCH", "path": format!("{coll}/${{id}}"), "body": patch(vec![json!({"op": "Replace", "path": a.path, "value": default_job_value(new)})])},
            "expect": {"status": [200, 204]},
            "read_back": read_back.clone(),
        }),
        json!({
            "name": format!("update {} as the aadOptscim062020 job does (§3.3)", a.path),
            "profiles": ["entra-flag"],
            "request": {"method": "PATCH", "path": format!("{coll}/${{id}}"), "body": patch(vec![flag_op])},
            "expect": {"status": [200, 204]},
            "read_back": read_back,
        }),
    ]
}

/// Whether the gallery's SCIM_Null_Update_Test clears this attribute: user attributes only,
/// never `externalId` (`Filter_Null_Update_Target_Attributes` @36451beb), nothing required,
/// matching or read-only; the gate has no group null test.
fn clearable(a: &MappedAttribute, is_primary: bool) -> bool {
    a.kind == ValueType::String
        && a.object == ObjectKind::User
        && !a.path.eq_ignore_ascii_case("externalId")
        && !a.required
        && a.matching.is_none()
        && !is_primary
        && a.mutability == Mutability::ReadWrite
        && !a.path.eq_ignore_ascii_case(identity_path(a.object))
}

/// The gallery's clear of one attribute (replace with `""`) and its read-back by id.
fn clear_steps(a: &MappedAttribute, coll: &str) -> [Value; 2] {
    [
        json!({
            "name": format!("clear {} as the gallery's SCIM_Null_Update_Test does (replace with \"\")", a.path),
            "profiles": ["gallery"],
            "request": {"method": "PATCH", "path": format!("{coll}/${{id}}"), "body": patch(vec![json!({"op": "replace", "path": a.path, "value": ""})])},
            "expect": {"status": [200, 204]},
        }),
        json!({
            "name": format!("{} reads back empty (by id, as the Logic App reads it)", a.path),
            "profiles": ["gallery"],
            "request": {"method": "GET", "path": format!("{coll}/${{id}}")},
            "expect": {"status": 200, "checks": [{"path": a.path, "empty": true, "because": "a cleared value reads back empty, null or absent (§4.3)"}]},
        }),
    ]
}

/// The case that creates a resource with every mapped attribute at once, as Entra's create
/// does (§1.1 U1).
fn full_create_case(m: &Mapping, object: ObjectKind) -> Value {
    let b = base(m, object, None, "base");
    let mut body = b.body.clone();
    let mut vars = b.vars.clone();
    for (i, a) in m.of(object).enumerate() {
        if b.written
            .iter()
            .any(|(p, _)| p.eq_ignore_ascii_case(&a.path))
        {
            continue;
        }
        let g = generate(a, &format!("v{i}"), false);
        vars.extend(g.var.clone());
        write(&mut body, &a.path, g.value.clone());
    }
    json!({
        "name": format!("{}_create_full_mapping", object.name()),
        "description": format!(
            "A {} created with every attribute of the mapping in {} at once, as Entra's create sends it (§1.1 U1), is accepted and found again, by id and through the matching query. Each value's exact read-back is the subject of that attribute's own case.",
            object.name(), m.origin
        ),
        "severity": "required",
        "evidence": "documented",
        "source": "[HOW] \"How application provisioning works\" (initial cycle: objects created with their mapped attributes); [SCIM] \"Create User\" (U1)",
        "entra": "Entra's initial cycle creates each object with all its mapped attributes in one POST; an app that rejects the combination fails every create in the provisioning logs.",
        "profiles": ["entra", "entra-flag"],
        "vars": vars_json(&vars),
        "steps": [{
            "name": format!("create the {} with the whole mapping (U1)", object.name()),
            "request": {"method": "POST", "path": object.collection(), "body": Value::Object(body)},
            "expect": {"status": 201},
            "capture": {"id": "/id"},
            "read_back": {"query": query(object, &b.matching.0, &b.matching.1)},
        }],
    })
}

/// The matching cases: for each matching attribute in precedence order, a lookup that
/// misses answers an empty list and one that hits finds exactly the resource (§1.1 U3, U4);
/// for users, Test Connection's probe on the first one (§2.22).
fn matching_cases(m: &Mapping, object: ObjectKind) -> Vec<Value> {
    let b = base(m, object, None, "base");
    let coll = object.collection();
    let mut out = Vec::new();
    if object == ObjectKind::User {
        out.push(json!({
            "name": "user_test_connection",
            "description": format!(
                "Test Connection as Entra sends it for this mapping: the users are queried on the first matching attribute, `{}`, with a random GUID, and the answer is 200 with an empty ListResponse (§2.22, §2.10).",
                b.matching.0
            ),
            "severity": "required",
            "evidence": "documented",
            "source": "[SCIM] \"Test Connection\": a random-GUID query on the matching attribute answers 200 with an empty list",
            "entra": "Test Connection fails in the admin center and provisioning cannot be started.",
            "profiles": ["entra", "entra-flag"],
            "vars": {"guid": "${uuid}"},
            "steps": [{
                "name": "GET the users whose first matching attribute is a random GUID",
                "request": {"method": "GET", "path": coll, "query": {"filter": format!("{} eq \"${{guid}}\"", b.matching.0)}},
                "expect": {"status": 200, "schema": "ListResponse", "checks": [{"pointer": "/totalResults", "equals": 0}]},
            }],
        }));
    }
    // A second resource the lookups must not return: a server that ignores the filter, or
    // matches too loosely, answers it too, however few resources it holds.
    let decoy = base(m, object, None, "other");
    for (rank, (path, value)) in b.all_matching.iter().enumerate() {
        let mut vars = b.vars.clone();
        vars.extend(decoy.vars.clone());
        vars.push((
            "miss".into(),
            "scimtest-${run_id}-missing-${alnum:8}".into(),
        ));
        out.push(json!({
            "name": format!("{}_match_by_{}", object.name(), slug(path)),
            "description": format!(
                "Matching on `{path}` (precedence {} of {} in {}): a {} the app does not hold is not found (200, empty list), and one it holds is found exactly once, by this attribute alone (§1.1 U3, U4).",
                rank + 1, b.all_matching.len(), m.origin, object.name()
            ),
            "severity": "required",
            "evidence": "documented",
            "source": "[HOW] \"How application provisioning works\" (matching attributes and their precedence); [SCIM] \"Get User by query\" (U3, U4)",
            "entra": "Entra cannot match the objects it provisions: a miss on an existing object becomes a duplicate create (409, or a second account), a 404 or 400 on a miss fails the object, and several hits fail it as a duplicate target entry.",
            "profiles": ["entra", "entra-flag"],
            "vars": vars_json(&vars),
            "steps": [
                {
                    "name": format!("look up a {} that does not exist by {path} (U4)", object.name()),
                    "request": {"method": "GET", "path": coll, "query": query(object, path, &json!("${miss}"))},
                    "expect": {"status": 200, "checks": [{"pointer": "/totalResults", "equals": 0}]},
                },
                {
                    "name": format!("create another {}, which the lookups must not find", object.name()),
                    "setup": true,
                    "request": {"method": "POST", "path": coll, "body": Value::Object(decoy.body.clone())},
                    "expect": {"status": 201},
                    "capture": {"other_id": "/id"},
                },
                {
                    "name": format!("create the {} (U1)", object.name()),
                    "setup": true,
                    "request": {"method": "POST", "path": coll, "body": Value::Object(b.body.clone())},
                    "expect": {"status": 201},
                    "capture": {"id": "/id"},
                },
                {
                    "name": format!("look it up by {path} (U3)"),
                    "request": {"method": "GET", "path": coll, "query": query(object, path, value)},
                    "expect": {"status": 200, "checks": [
                        {"pointer": "/totalResults", "equals": 1, "because": "exactly one resource holds this value"},
                        {"pointer": "/Resources/0/id", "equals": "${id}"},
                    ]},
                },
            ],
        }));
    }
    out
}

/// The `mapped` suite for `mapping`, as suite text.
pub(crate) fn suite_text(mapping: &Mapping) -> String {
    let mut cases = Vec::new();
    for object in [ObjectKind::User, ObjectKind::Group] {
        if object == ObjectKind::Group && !mapping.groups {
            continue;
        }
        cases.extend(matching_cases(mapping, object));
        cases.push(full_create_case(mapping, object));
        for a in mapping.of(object) {
            cases.push(attribute_case(mapping, a));
        }
    }
    // Two paths can make one name (`name.givenName`, `name_givenName`): number the later ones.
    let mut seen = std::collections::HashSet::new();
    for c in &mut cases {
        let base = c["name"].as_str().unwrap_or_default().to_string();
        let mut name = base.clone();
        let mut n = 2;
        while !seen.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        c["name"] = json!(name);
    }
    let left_out: Vec<String> = mapping
        .left_out
        .iter()
        .map(|(p, why)| format!("{p}: {why}"))
        .collect();
    let suite = json!({
        "suite": SUITE,
        "description": format!(
            "Generated by scimtest from {}: every mapped, writable attribute created, updated and cleared as Entra and the gallery validation send it, and matched in precedence order.{}",
            mapping.origin,
            if left_out.is_empty() { String::new() } else { format!(" No case for: {}.", left_out.join("; ")) }
        ),
        "profiles": ["entra", "entra-flag", "gallery"],
        "cases": cases,
    });
    format!(
        "# Generated by scimtest from {}. Copy it into your suites (and change the name) to edit it.\n{}\n",
        mapping.origin.replace('\n', " "),
        super::emit::to_yaml(&suite).trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_stable_case_names() {
        assert_eq!(slug("name.givenName"), "name_given_name");
        assert_eq!(slug("emails[type eq \"work\"].value"), "emails_work_value");
        assert_eq!(
            slug("urn:ietf:params:scim:schemas:extension:Acme:2.0:User:seatCount"),
            "acme_seat_count"
        );
        assert_eq!(
            slug("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"),
            "enterprise_employee_number"
        );
        assert_eq!(slug("userName"), "user_name");
    }

    #[test]
    fn bodies_are_laid_out_as_entra_posts_them() {
        let mut b = Map::new();
        write(&mut b, "name.givenName", json!("A"));
        write(&mut b, "emails[type eq \"work\"].value", json!("a@x"));
        write(&mut b, "urn:x:Acme:2.0:User:tier", json!("gold"));
        write(&mut b, "addresses[type eq \"work\"].locality", json!("L"));
        write(&mut b, "addresses[type eq \"work\"].country", json!("ES"));
        assert_eq!(
            Value::Object(b),
            json!({"name": {"givenName": "A"}, "emails": [{"type": "work", "primary": true, "value": "a@x"}],
                   "urn:x:Acme:2.0:User": {"tier": "gold"},
                   "addresses": [{"type": "work", "locality": "L", "country": "ES"}]})
        );
    }
}
