//! The gallery validation's inputs, as its Initialization workflow computes them
//! (`Initialization_Workflow.json` @36451beb, docs/gallery-inputs.md), applied to the built-in
//! `entra-gallery` suite before the run. The suite file carries the default inputs (Microsoft's
//! documented attribute table of a non-gallery SCIM app); this module rewrites its cases for
//! the app's own target directory attribute list (`--entra-schema`, else the attributes
//! `--discover` found) and for what the target's `/Schemas` marks required, which the null
//! update skips (`Filter_Null_Update_Target_Attributes`, `Query_Required_Core_Attrs`).

use crate::model::{
    Body, Case, Check, CheckOp, CheckTarget, MappedAttribute, Mutability, ScimPath, Suite,
    Template, ValueType,
};
use serde_json::{Map, Value, json};

/// The built-in suite this module tailors.
pub const SUITE: &str = "entra-gallery";

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// What the run knows of the app, beyond the default inputs.
#[derive(Debug, Clone, Default)]
pub struct GalleryInputs {
    /// Where the directory attribute list came from, for the console.
    pub origin: Option<String>,
    /// The app's target directory user attributes (mapped or not); `None`: the defaults.
    pub directory: Option<Vec<MappedAttribute>>,
    /// Top-level User and enterprise attribute names `/Schemas` marks `required`, lower-cased.
    pub required: Vec<String>,
    /// The app's mapped user attributes (the targets of `sourceToTargetLookup`); `None`: the
    /// defaults.
    pub mapped: Option<Vec<MappedAttribute>>,
    /// The Group attributes `/Schemas` declares writable, single-valued and not complex,
    /// except `externalId` and `members` (`Filter_Discovered_Group_Writable_Attributes`).
    pub group_writable: Vec<String>,
    /// Whether `directory` is the app's own list (`--entra-schema`), so the direct tests'
    /// create body is built over it as Initialization builds `scimUserBody`.
    pub own_directory: bool,
}

/// The top-level attribute name of a path, lower-cased: `name.givenName` → `name`,
/// `emails[type eq "work"].value` → `emails`, `urn:…:User:department` → `department`.
pub fn top_name(path: &str) -> String {
    let tail = if path.to_ascii_lowercase().starts_with("urn:") {
        path.rsplit(':').next().unwrap_or(path)
    } else {
        path
    };
    tail.split(['.', '['])
        .next()
        .unwrap_or(tail)
        .to_ascii_lowercase()
}

/// The attribute names `/Schemas` marks required in the core User schema and the enterprise
/// extension (`Query_Required_Core_Attrs`, `Query_Required_Enterprise_Attrs`).
pub fn required_in(resources: &[Value]) -> Vec<String> {
    resources
        .iter()
        .filter(|r| {
            r.get("id").and_then(Value::as_str).is_some_and(|id| {
                id.eq_ignore_ascii_case(CORE_USER) || id.eq_ignore_ascii_case(ENTERPRISE)
            })
        })
        .flat_map(|r| {
            r.get("attributes")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter(|a| a.get("required").and_then(Value::as_bool) == Some(true))
        .filter_map(|a| {
            a.get("name")
                .and_then(Value::as_str)
                .map(str::to_ascii_lowercase)
        })
        .collect()
}

/// The Group attributes a `/Schemas` list makes writable for the group update.
pub fn group_writable_in(resources: &[Value]) -> Vec<String> {
    let group = resources.iter().find(|r| {
        r.get("id").and_then(Value::as_str).is_some_and(|id| {
            id.eq_ignore_ascii_case("urn:ietf:params:scim:schemas:core:2.0:Group")
        })
    });
    let text = |a: &Value, k: &str| {
        a.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    group
        .and_then(|g| g.get("attributes").and_then(Value::as_array))
        .into_iter()
        .flatten()
        .filter(|a| a.get("multiValued").and_then(Value::as_bool) != Some(true))
        .filter(|a| !matches!(text(a, "type").as_str(), "complex" | "reference"))
        .filter(|a| {
            matches!(
                text(a, "mutability").as_str(),
                "" | "readwrite" | "writeonly"
            )
        })
        .filter_map(|a| a.get("name").and_then(Value::as_str).map(str::to_string))
        .filter(|n| {
            !matches!(
                n.to_ascii_lowercase().as_str(),
                "externalid" | "members" | "id"
            )
        })
        .collect()
}

/// Rewrites the `entra-gallery` cases of `suites` for `inputs`; returns one line per change,
/// for the console.
pub fn tailor(suites: &mut [Suite], inputs: &GalleryInputs) -> Vec<String> {
    let mut notes = Vec::new();
    let Some(suite) = suites.iter_mut().find(|s| s.name == SUITE) else {
        return notes;
    };
    if let Some(directory) = inputs.directory.as_ref().filter(|_| inputs.own_directory) {
        let mapped = inputs.mapped.as_deref().unwrap_or_default();
        let body = scim_user_body(directory, mapped);
        let n = replace_create_bodies(suite, &body);
        let carried = directory.iter().filter(|a| in_create_body(a)).count();
        notes.push(format!(
            "SCIM_User_Create_Test and the direct tests create their user with {carried} directory attributes, as scimUserBody does ({n} cases)"
        ));
    }
    if let Some(mapped) = &inputs.mapped {
        let targets: Vec<&MappedAttribute> = mapped.iter().filter(|a| null_target(a)).collect();
        for case in suite
            .cases
            .iter_mut()
            .filter(|c| c.name.starts_with("null_update"))
        {
            let verbose = case.name == "null_update";
            rebuild_null(case, &targets, verbose);
        }
        // Names from a schema file reach the console: no control character goes with them.
        let mut names: Vec<String> = targets
            .iter()
            .take(6)
            .map(|a| a.path.chars().filter(|c| !c.is_control()).collect())
            .collect();
        if targets.len() > names.len() {
            names.push("…".into());
        }
        notes.push(format!(
            "SCIM_Null_Update_Test clears {} attributes: {}",
            targets.len(),
            names.join(", ")
        ));
    }
    let extra: Vec<&String> = inputs
        .group_writable
        .iter()
        .filter(|n| !n.eq_ignore_ascii_case("displayName"))
        .collect();
    if !extra.is_empty()
        && let Some(case) = suite.cases.iter_mut().find(|c| c.name == "group_update")
    {
        rebuild_group_update(case, &extra);
        notes.push(format!(
            "SCIM_Group_Update_Test also writes what /Schemas makes writable: {}",
            extra
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut skipped: Vec<String> = Vec::new();
    for case in suite
        .cases
        .iter_mut()
        .filter(|c| c.name.starts_with("null_update"))
    {
        for name in drop_required(case, &inputs.required) {
            if !skipped.contains(&name) {
                skipped.push(name);
            }
        }
    }
    if !skipped.is_empty() {
        notes.push(format!(
            "SCIM_Null_Update_Test does not clear what /Schemas marks required: {}",
            skipped.join(", ")
        ));
    }
    if let Some(directory) = &inputs.directory {
        notes.extend(with_directory(suite, directory));
    }
    notes
}

/// A step's body values (one per profile), for rewriting.
fn bodies(body: &mut Option<Body>) -> Vec<&mut Value> {
    match body {
        Some(Body::Inline(v)) => vec![v],
        Some(Body::PerProfile(map)) => map.values_mut().collect(),
        _ => Vec::new(),
    }
}

fn check_path(c: &Check) -> Option<String> {
    match &c.target {
        CheckTarget::Path { path, .. } => Some(path.to_string()),
        CheckTarget::Pointer(_) => None,
    }
}

/// Removes from a null-update case every target whose top-level name is required; returns
/// the names it removed.
fn drop_required(case: &mut Case, required: &[String]) -> Vec<String> {
    let mut removed = Vec::new();
    let hit = |p: &str| required.contains(&top_name(p));
    for step in &case.steps {
        for c in &step.expect.checks {
            if let Some(p) = check_path(c).filter(|p| hit(p)) {
                let name = top_name(&p);
                if !removed.contains(&name) {
                    removed.push(name);
                }
            }
        }
    }
    for step in &mut case.steps {
        step.expect
            .checks
            .retain(|c| check_path(c).is_none_or(|p| !hit(&p)));
        if step.request.method != reqwest::Method::PATCH {
            continue;
        }
        for body in bodies(&mut step.request.body) {
            let Some(ops) = body.get_mut("Operations").and_then(Value::as_array_mut) else {
                continue;
            };
            ops.retain(|op| {
                op.get("path")
                    .and_then(Value::as_str)
                    .is_none_or(|p| !hit(p))
            });
            for op in ops.iter_mut() {
                if let Some(map) = op.get_mut("value").and_then(Value::as_object_mut)
                    && op_is_pathless(map)
                {
                    map.retain(|k, _| !hit(k));
                }
            }
            // A path-less op left with nothing to clear is dropped too.
            ops.retain(|op| {
                op.get("path").is_some()
                    || op
                        .get("value")
                        .and_then(Value::as_object)
                        .is_none_or(|m| !m.is_empty())
            });
        }
    }
    removed
}

/// Whether a `value` map is a path-less op's attribute map (not a complex value such as
/// `{"value": id}`).
fn op_is_pathless(map: &Map<String, Value>) -> bool {
    !map.contains_key("value")
}

/// The workflow's update value for an attribute (`Select_Update_Patch_Ops`): `upd-<hex>`
/// (with the run id, so leftovers can be swept), booleans `true`, integers and dates a fixed
/// example; realistic values for what `scimTargetUserValues` names.
fn update_value(a: &MappedAttribute) -> (Value, Option<&'static str>) {
    match a.kind {
        ValueType::Boolean => (json!(true), None),
        ValueType::Integer => (json!(4242), None),
        ValueType::Decimal => (json!(42.5), None),
        ValueType::DateTime => (json!("2026-12-04T12:00:00Z"), None),
        _ => {
            let real = match top_name(&a.path).as_str() {
                "title" => Some("${job_title}"),
                "name" => Some("${given_name}"),
                "locale" => Some("en-US"),
                "timezone" => Some("Europe/Paris"),
                "usertype" => Some("Employee"),
                _ => None,
            };
            (
                json!(null),
                Some(real.unwrap_or("upd-scimtest-${run_id}-${alnum:8}")),
            )
        }
    }
}

/// `Filter_Update_Eligible_Attributes`: single-valued, writable, not a reference, and not one
/// of the names the workflow leaves out.
fn eligible(a: &MappedAttribute) -> bool {
    !a.multi
        && matches!(a.mutability, Mutability::ReadWrite | Mutability::WriteOnly)
        && !matches!(a.kind, ValueType::Reference | ValueType::Complex)
        && !matches!(
            top_name(&a.path).as_str(),
            "id" | "schemas" | "meta" | "active" | "groups" | "roles" | "manager"
        )
}

fn path_check(path: &str, expected: Value) -> Option<Check> {
    Some(Check {
        at: (0, 0),
        target: CheckTarget::Path {
            root: "",
            path: ScimPath::parse(path).ok()?,
        },
        op: CheckOp::Equals(expected),
        because: None,
        evidence: None,
    })
}

/// The discoverability list, the manager cases and the user update, for the app's directory.
fn with_directory(suite: &mut Suite, directory: &[MappedAttribute]) -> Vec<String> {
    let mut notes = Vec::new();
    // A whole multi-valued attribute (`roles`) is left out: the flattening never yields its
    // bare name, and whether Initialization keeps it in targetDirectoryUserAttributes was not
    // verified (docs/gallery-inputs.md), so scimtest does not fail an endpoint on it.
    let names: Vec<String> = directory
        .iter()
        .filter(|a| top_name(&a.path) != "manager" && !a.multi)
        .map(|a| a.path.clone())
        .collect();
    let has_manager = directory.iter().any(|a| top_name(&a.path) == "manager");
    for case in &mut suite.cases {
        match case.name.as_str() {
            "schema_discoverability" => {
                for check in case
                    .steps
                    .iter_mut()
                    .flat_map(|s| s.expect.checks.iter_mut())
                {
                    if let CheckOp::Discoverable { attributes, .. } = &mut check.op {
                        attributes.clone_from(&names);
                    }
                }
            }
            "schema_discoverability_manager"
            | "manager_set_change_remove"
            | "manager_set_change_remove_non_verbose"
            | "engine_manager"
                if !has_manager =>
            {
                case.skip = Some(
                    "manager is not in the app's directory attribute list: the gate reports the manager tests SKIPPED".into(),
                );
            }
            "user_update" | "user_update_non_verbose" => {
                let verbose = case.name == "user_update";
                rebuild_update(case, directory, verbose);
            }
            _ => {}
        }
    }
    notes.push(format!(
        "Schema_Discoverability_Test and SCIM_User_Update_Test use the {} attributes of the app's directory list",
        directory.len()
    ));
    notes
}

/// The update PATCH and its read-back for every eligible attribute of `directory`.
fn rebuild_update(case: &mut Case, directory: &[MappedAttribute], verbose: bool) {
    case.vars.retain(|(n, _)| !n.starts_with("upd"));
    let mut ops = Vec::new();
    let mut pathless = Map::new();
    let mut checks = Vec::new();
    for (i, a) in directory.iter().filter(|a| eligible(a)).enumerate() {
        let (literal, template) = update_value(a);
        let value = match template {
            Some(t) => {
                let name = format!("upd{i}");
                if let Ok(parsed) = Template::parse(t) {
                    case.vars.push((name.clone(), parsed));
                }
                json!(format!("${{{name}}}"))
            }
            None => literal,
        };
        if a.mutability == Mutability::ReadWrite {
            checks.extend(path_check(&a.path, value.clone()));
        }
        if verbose || a.path.contains('[') {
            ops.push(json!({"op": "replace", "path": a.path, "value": value}));
        } else {
            pathless.insert(a.path.clone(), value);
        }
    }
    if !pathless.is_empty() {
        ops.push(json!({"op": "replace", "value": pathless}));
    }
    let body =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    for step in &mut case.steps {
        if step.request.method == reqwest::Method::PATCH {
            step.request.body = Some(Body::Inline(body.clone()));
        } else if step.request.method == reqwest::Method::GET {
            step.expect.checks.clone_from(&checks);
        }
    }
}

/// `Filter_Null_Update_Target_Attributes`: a mapped single-valued string attribute, not
/// userName, active, externalId, roles or a reference.
fn null_target(a: &MappedAttribute) -> bool {
    !a.multi
        && a.kind == ValueType::String
        && !matches!(
            top_name(&a.path).as_str(),
            "username" | "active" | "externalid" | "roles" | "manager"
        )
}

/// The null update for `targets`: each is given a value on create, cleared with "" then with
/// null; the read-backs check each (phase 2: non-value-path attributes only).
fn rebuild_null(case: &mut Case, targets: &[&MappedAttribute], verbose: bool) {
    let ops = |value: Value| {
        let mut ops = Vec::new();
        let mut map = Map::new();
        for a in targets {
            if verbose || a.path.contains('[') {
                ops.push(json!({"op": "replace", "path": a.path, "value": value}));
            } else {
                map.insert(a.path.clone(), value.clone());
            }
        }
        if !map.is_empty() {
            ops.push(json!({"op": "replace", "value": map}));
        }
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
    };
    let check = |p: &str, op: CheckOp| {
        Some(Check {
            at: (0, 0),
            target: CheckTarget::Path {
                root: "",
                path: ScimPath::parse(p).ok()?,
            },
            op,
            because: None,
            evidence: None,
        })
    };
    let phase1: Vec<Check> = targets
        .iter()
        .filter_map(|a| check(&a.path, CheckOp::Empty))
        .collect();
    let phase2: Vec<Check> = targets
        .iter()
        .filter(|a| !a.path.contains('['))
        .filter_map(|a| check(&a.path, CheckOp::Absent))
        .collect();
    let [create, p1, r1, p2, r2, ..] = case.steps.as_mut_slice() else {
        return;
    };
    for body in bodies(&mut create.request.body) {
        if let Some(obj) = body.as_object_mut() {
            for a in targets {
                super::mapped_suite::write(obj, &a.path, json!("Test${alnum:6}"));
            }
        }
    }
    p1.request.body = Some(Body::Inline(ops(json!(""))));
    r1.expect.checks = phase1;
    p2.request.body = Some(Body::Inline(ops(Value::Null)));
    r2.expect.checks = phase2;
}

/// `Compose_SCIM_New_Body`: the directory attributes the create body leaves out — `id`,
/// references (the manager), `externalId`, `userName`, `active` (set by the test) and
/// `roles` — and any name scimtest could not put in a body safely.
fn in_create_body(a: &MappedAttribute) -> bool {
    !matches!(
        a.path.as_str(),
        "id" | "externalId" | "userName" | "active" | "roles"
    ) && a.kind != ValueType::Reference
        && !a.path.contains('$')
        && !a.path.chars().any(char::is_control)
}

/// `Compose_SCIM_Source_Value` for one directory attribute: `true` for booleans; the value
/// `scimTargetUserValues` names (index 0); for a mapped number or date, the Graph test
/// user's value as text (`Compose_Default_Value_Per_Source`: 1, `utcNow()`); otherwise the
/// workflow's synthetic text by name. Every value but a boolean is a string, as the workflow
/// sends it (`string(...)`, `concat(...)`), whatever the attribute's type.
fn scim_source_value(a: &MappedAttribute, mapped: bool) -> Value {
    if a.kind == ValueType::Boolean {
        return json!(true);
    }
    let target = [
        ("title", "Test Engineer"),
        ("nickName", "testuser"),
        ("name.givenName", "TestFirst"),
        ("name.familyName", "TestLast"),
        ("name.formatted", "TestFirst TestLast"),
        ("displayName", "SCIM Test User"),
        ("locale", "en-US"),
        ("preferredLanguage", "en-US"),
        ("timezone", "America/Los_Angeles"),
        ("userType", "Employee"),
        (
            "addresses[type eq \"work\"].streetAddress",
            "1 Microsoft Way",
        ),
        ("addresses[type eq \"work\"].locality", "Redmond"),
        ("addresses[type eq \"work\"].region", "WA"),
        ("addresses[type eq \"work\"].postalCode", "98052"),
        ("addresses[type eq \"work\"].country", "US"),
    ];
    if let Some((_, v)) = target.iter().find(|(n, _)| *n == a.path) {
        return json!(v);
    }
    match a.kind {
        ValueType::Integer | ValueType::Decimal if mapped => return json!("1"),
        ValueType::DateTime if mapped => return json!("2026-12-04T12:00:00Z"),
        _ => {}
    }
    json!(synthetic_value(&a.path))
}

/// The synthetic tail of `Compose_SCIM_Source_Value`, tested in the workflow's order.
fn synthetic_value(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let ends = |s: &str| lower.ends_with(s);
    let by_suffix = [
        (".country", "US"),
        (".postalcode", "${digits:5}"),
        (".region", "WA"),
        (".locality", "Redmond"),
        (".streetaddress", "1 Microsoft Way"),
        (".formatted", "Test Test"),
        (".givenname", "Test"),
        (".familyname", "User"),
        ("locale", "en-US"),
        ("preferredlanguage", "en-US"),
        ("timezone", "America/Los_Angeles"),
        ("usertype", "Employee"),
        ("title", "Test Engineer"),
        ("nickname", "testuser"),
        (":employeenumber", "${digits:6}"),
    ];
    if name == "displayName" {
        return "SCIM Test User".into();
    }
    if lower.contains("emails[") {
        return "lasctest${alnum:8}@example.com".into();
    }
    if lower.contains("phonenumbers[") {
        return "+1-555-${digits:4}".into();
    }
    if let Some((_, v)) = by_suffix.iter().find(|(s, _)| ends(s)) {
        return (*v).into();
    }
    if lower.contains("ims[") {
        return "imuser-${alnum:6}".into();
    }
    let last = name.rsplit(':').next().unwrap_or(name);
    let last = last.rsplit('.').next().unwrap_or(last);
    let last = last.rsplit('[').next().unwrap_or(last);
    // Only name characters reach the value: it is expanded as a template.
    let last: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    format!("Test-{last}-${{alnum:6}}")
}

/// The elements of multi-valued attributes a body is being built with: per attribute, per
/// `type`, in the order the workflow meets them.
type TypedElements = Vec<(String, Vec<(String, Map<String, Value>)>)>;

/// Puts a value path's value (`emails[type eq "work"].value`) in its typed element; a new
/// element is primary when it is its attribute's first (`Compose_SCIM_New_Body`).
fn put_typed(typed: &mut TypedElements, name: &str, value: Value) {
    let Some((parent, rest)) = name.split_once('[') else {
        return;
    };
    let kind = rest.split('"').nth(1).unwrap_or_default().to_string();
    let sub = name.rsplit('.').next().unwrap_or(name).to_string();
    let i = match typed.iter().position(|(p, _)| p == parent) {
        Some(i) => i,
        None => {
            typed.push((parent.to_string(), Vec::new()));
            typed.len() - 1
        }
    };
    let elems = &mut typed[i].1;
    let j = match elems.iter().position(|(t, _)| *t == kind) {
        Some(j) => j,
        None => {
            let mut e = Map::new();
            e.insert("type".into(), json!(kind));
            e.insert("primary".into(), json!(elems.is_empty()));
            elems.push((kind.clone(), e));
            elems.len() - 1
        }
    };
    elems[j].1.insert(sub, value);
}

/// Initialization's `scimUserBody` (`Build_SCIM_User_Body` @36451beb): the core User schema
/// and every extension namespace of the directory list; `userName` and `active`; every
/// directory attribute `in_create_body` keeps, placed by its path — extension attributes in
/// their namespace's object, value paths as typed elements of an array (the first of each
/// array primary, `ForEach_SCIM_Convert_To_Arrays`), dotted paths as sub-attributes.
fn scim_user_body(directory: &[MappedAttribute], mapped: &[MappedAttribute]) -> Value {
    let mut schemas = vec![CORE_USER.to_string()];
    let mut body = Map::new();
    let mut typed: TypedElements = Vec::new();
    for a in directory.iter().filter(|a| in_create_body(a)) {
        let is_mapped = mapped.iter().any(|m| m.path == a.path);
        let value = scim_source_value(a, is_mapped);
        let name = a.path.as_str();
        if name.starts_with("urn:") {
            let (ns, attr) = name.rsplit_once(':').unwrap_or((name, name));
            if !schemas.iter().any(|s| s == ns) {
                schemas.push(ns.to_string());
            }
            super::mapped_suite::write(&mut body, &format!("{ns}:{attr}"), value);
        } else if name.contains('[') {
            put_typed(&mut typed, name, value);
        } else {
            super::mapped_suite::write(&mut body, name, value);
        }
    }
    for (parent, elems) in typed {
        let items = elems.into_iter().map(|(_, e)| Value::Object(e)).collect();
        body.insert(parent, Value::Array(items));
    }
    body.insert("userName".into(), json!("${user}"));
    body.insert("active".into(), json!(true));
    if directory.iter().any(|a| a.path == "externalId") {
        body.insert("externalId".into(), json!("${external_id}"));
    }
    body.insert("schemas".into(), json!(schemas));
    Value::Object(body)
}

/// Puts `body` in every step that creates the direct tests' user (POST /Users with
/// `userName` `${user}`, outside the engine cases, which send Entra's job's POST); returns
/// how many cases changed.
fn replace_create_bodies(suite: &mut Suite, body: &Value) -> usize {
    let mut changed = 0;
    for case in suite
        .cases
        .iter_mut()
        .filter(|c| !c.name.starts_with("engine_"))
    {
        let mut hit = false;
        for step in &mut case.steps {
            let creates = step.request.method == reqwest::Method::POST
                && step.request.path.parts == [crate::model::Part::Lit("/Users".into())];
            if !creates {
                continue;
            }
            for b in bodies(&mut step.request.body) {
                if b.get("userName").and_then(Value::as_str) == Some("${user}") {
                    *b = body.clone();
                    hit = true;
                }
            }
        }
        changed += usize::from(hit);
    }
    changed
}

/// The group update for the writable attributes beyond displayName.
fn rebuild_group_update(case: &mut Case, extra: &[&String]) {
    let mut ops = vec![json!({"op": "replace", "path": "displayName", "value": "${new_group}"})];
    let mut checks: Vec<Check> = Vec::new();
    checks.extend(path_check("displayName", json!("${new_group}")));
    for (i, name) in extra.iter().enumerate() {
        let var = format!("gupd{i}");
        if let Ok(t) = Template::parse("upd-scimtest-${run_id}-${alnum:8}") {
            case.vars.push((var.clone(), t));
        }
        let value = json!(format!("${{{var}}}"));
        ops.push(json!({"op": "replace", "path": name, "value": value}));
        checks.extend(path_check(name, value));
    }
    let body =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    for step in &mut case.steps {
        if step.request.method == reqwest::Method::PATCH {
            step.request.body = Some(Body::Inline(body.clone()));
        } else if step.request.method == reqwest::Method::GET {
            step.expect.checks.clone_from(&checks);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_names_are_what_schemas_mark_required() {
        assert_eq!(top_name("name.givenName"), "name");
        assert_eq!(top_name("emails[type eq \"work\"].value"), "emails");
        assert_eq!(top_name(&format!("{ENTERPRISE}:department")), "department");
        let schemas = vec![json!({"id": CORE_USER, "attributes": [
            {"name": "userName", "required": true}, {"name": "emails", "required": true},
            {"name": "title", "required": false}]})];
        assert_eq!(required_in(&schemas), vec!["username", "emails"]);
    }

    fn attr(path: &str, kind: ValueType) -> MappedAttribute {
        MappedAttribute {
            object: crate::model::ObjectKind::User,
            path: path.into(),
            kind,
            multi: false,
            mutability: Mutability::ReadWrite,
            required: false,
            canonical: Vec::new(),
            matching: None,
            create_only: false,
            source: None,
        }
    }

    /// `Build_SCIM_User_Body` @36451beb over a directory list with every kind of path.
    #[test]
    fn the_create_body_carries_every_directory_attribute() {
        let acme = "urn:ietf:params:scim:schemas:extension:Acme:2.0:User";
        let directory = vec![
            attr("userName", ValueType::String),
            attr("active", ValueType::Boolean),
            attr("externalId", ValueType::String),
            attr("roles", ValueType::String),
            attr("title", ValueType::String),
            attr("emails[type eq \"work\"].value", ValueType::String),
            attr("phoneNumbers[type eq \"work\"].value", ValueType::String),
            attr("phoneNumbers[type eq \"mobile\"].value", ValueType::String),
            attr("name.givenName", ValueType::String),
            attr(&format!("{ENTERPRISE}:department"), ValueType::String),
            attr(&format!("{ENTERPRISE}:manager"), ValueType::Reference),
            attr(&format!("{acme}:seatCount"), ValueType::Integer),
            attr(&format!("{acme}:contractor"), ValueType::Boolean),
        ];
        let mapped = vec![attr("title", ValueType::String)];
        let body = scim_user_body(&directory, &mapped);
        assert_eq!(body["schemas"], json!([CORE_USER, ENTERPRISE, acme]));
        assert_eq!(body["userName"], "${user}");
        assert_eq!(body["active"], true);
        assert_eq!(body["externalId"], "${external_id}");
        assert!(body.get("roles").is_none());
        assert_eq!(body["title"], "Test Engineer");
        assert_eq!(
            body["emails"],
            json!([{"type": "work", "primary": true, "value": "lasctest${alnum:8}@example.com"}])
        );
        assert_eq!(body["phoneNumbers"][0]["primary"], true);
        assert_eq!(body["phoneNumbers"][1]["type"], "mobile");
        assert_eq!(body["phoneNumbers"][1]["primary"], false);
        assert_eq!(body["name"]["givenName"], "TestFirst");
        assert_eq!(
            body[ENTERPRISE],
            json!({"department": "Test-department-${alnum:6}"})
        );
        // The workflow sends every value but a boolean as text, whatever the type.
        assert_eq!(body[acme]["seatCount"], "Test-seatCount-${alnum:6}");
        assert_eq!(body[acme]["contractor"], true);
    }

    #[test]
    fn group_writable_attributes_leave_out_external_id_and_members() {
        let schemas = vec![
            json!({"id": "urn:ietf:params:scim:schemas:core:2.0:Group", "attributes": [
            {"name": "displayName", "type": "string", "mutability": "readWrite"},
            {"name": "externalId", "type": "string"},
            {"name": "members", "type": "complex", "multiValued": true},
            {"name": "description", "type": "string", "mutability": "readWrite"},
            {"name": "created", "type": "dateTime", "mutability": "readOnly"}]}),
        ];
        assert_eq!(
            group_writable_in(&schemas),
            vec!["displayName", "description"]
        );
    }
}
