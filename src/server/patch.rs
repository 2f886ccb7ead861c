//! PATCH (RFC 7644 §3.5.2): path parsing and application to a stored resource.
//!
//! Beyond the RFC, this accepts every shape Entra sends: PascalCase ops, `"True"`/`"False"`
//! strings, member removal by a `value` array, `$ref: null`, a bare manager id or `""`, and
//! path-less replaces whose map is keyed by dotted or URN-qualified attribute paths.

use super::defect::{Defect, Defects};
use super::error::{ScimError, ScimType};
use super::filter::{self, AttrPath, CompareOp, EvalOptions, Filter};
use super::resource::{Coercion, Slot, coerce, dedup_members, slot};
use super::schema::{Attr, ENTERPRISE, Kind, Mutability, PATCH_OP, ResourceKind};
use serde_json::{Map, Value};

/// A PATCH path: `attrPath`, or `attr[filter]` optionally followed by `.sub`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute (with `sub` when the path is `attr.sub`).
    pub attr: AttrPath,
    /// The value filter, when the path has `[...]`.
    pub filter: Option<Filter>,
}

impl PatchPath {
    /// Parses a PATCH path.
    pub fn parse(text: &str) -> Result<PatchPath, ScimError> {
        let bad = |e: String| {
            ScimError::bad_request(ScimType::InvalidPath, format!("path `{text}`: {e}"))
        };
        let text = text.trim();
        let Some(open) = text.find('[') else {
            return Ok(PatchPath {
                attr: AttrPath::parse(text).map_err(bad)?,
                filter: None,
            });
        };
        let close = text.rfind(']').ok_or_else(|| bad("missing `]`".into()))?;
        if close < open {
            return Err(bad("`]` before `[`".into()));
        }
        let mut attr = AttrPath::parse(&text[..open]).map_err(bad)?;
        if attr.sub.is_some() {
            return Err(bad(
                "a value filter must follow a multi-valued attribute".into()
            ));
        }
        let filter = filter::parse(&text[open + 1..close]).map_err(bad)?;
        let rest = &text[close + 1..];
        if !rest.is_empty() {
            let sub = rest
                .strip_prefix('.')
                .filter(|s| {
                    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '$')
                })
                .ok_or_else(|| bad(format!("unexpected `{rest}` after `]`")))?;
            attr.sub = Some(sub.to_string());
        }
        Ok(PatchPath {
            attr,
            filter: Some(filter),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// Applies a PatchOp request body to `resource` in place.
pub fn apply(
    kind: ResourceKind,
    resource: &mut Map<String, Value>,
    body: &Value,
    defects: &Defects,
) -> Result<(), ScimError> {
    let how = Coercion {
        strict_booleans: defects.has(Defect::StringBooleansRejected),
        strict_manager: defects.has(Defect::ManagerStringRejected),
        exact_boolean_strings: defects.has(Defect::BooleanStringsCaseExact),
    };
    for op in operations(body, defects)? {
        apply_op(kind, resource, op, how, defects)?;
    }
    Ok(())
}

fn syntax(message: &str) -> ScimError {
    ScimError::bad_request(ScimType::InvalidSyntax, message.to_string())
}

/// The `Operations` of a PatchOp message (RFC 7644 §3.5.2), after checking its envelope.
fn operations<'a>(body: &'a Value, defects: &Defects) -> Result<&'a [Value], ScimError> {
    let obj = body
        .as_object()
        .ok_or_else(|| syntax("the PATCH body must be a JSON object"))?;
    if let Some(schemas) = filter::get_ci(body, "schemas") {
        let ok = schemas.as_array().is_some_and(|s| {
            s.iter()
                .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP)))
        });
        if !ok {
            return Err(syntax(
                "`schemas` must list urn:ietf:params:scim:api:messages:2.0:PatchOp",
            ));
        }
    }
    let ops = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        .and_then(|(_, v)| v.as_array())
        .ok_or_else(|| syntax("the PATCH body needs an `Operations` array"))?;
    if ops.is_empty() {
        return Err(syntax("`Operations` is empty"));
    }
    Ok(if defects.has(Defect::PatchFirstOpOnly) {
        &ops[..1]
    } else {
        &ops[..]
    })
}

/// An operation's `op`: any case, unless a defect wants it lower-case.
fn op_kind(op: &Value, defects: &Defects) -> Result<Op, ScimError> {
    let op_name = filter::get_ci(op, "op")
        .and_then(Value::as_str)
        .ok_or_else(|| syntax("every operation needs an `op`"))?;
    let name = if defects.has(Defect::PascalCaseOpsRejected) {
        op_name.to_string()
    } else {
        op_name.to_ascii_lowercase()
    };
    match name.as_str() {
        "add" => Ok(Op::Add),
        "replace" => Ok(Op::Replace),
        "remove" => Ok(Op::Remove),
        _ => Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("unknown op `{op_name}`"),
        )),
    }
}

/// One operation: on a path, on a whole extension, or path-less (a map of attributes).
fn apply_op(
    kind: ResourceKind,
    resource: &mut Map<String, Value>,
    op: &Value,
    how: Coercion,
    defects: &Defects,
) -> Result<(), ScimError> {
    let op_kind = op_kind(op, defects)?;
    let value = filter::get_ci(op, "value");
    match filter::get_ci(op, "path").and_then(Value::as_str) {
        // The whole enterprise extension as the path (RFC 7644 §3.5.2 allows it; third-party
        // checkers send it): its value is a map of the extension's attributes.
        Some(path) if kind.extension(path).is_some() => {
            let urn = kind.extension(path).map_or(ENTERPRISE, |s| s.id);
            if op_kind == Op::Remove {
                resource.remove(urn);
                return Ok(());
            }
            let map = value.and_then(Value::as_object).ok_or_else(|| {
                ScimError::bad_request(
                    ScimType::InvalidValue,
                    "a value for the whole extension must be an object",
                )
            })?;
            for (k, v) in map {
                let path = PatchPath::parse(&format!("{urn}:{k}"))?;
                apply_path(kind, resource, op_kind, &path, Some(v), how, defects)?;
            }
        }
        Some(path) if !path.trim().is_empty() => {
            let path = PatchPath::parse(path)?;
            apply_path(kind, resource, op_kind, &path, value, how, defects)?;
        }
        _ => {
            if op_kind == Op::Remove {
                return Err(ScimError::bad_request(
                    ScimType::NoTarget,
                    "remove needs a `path`",
                ));
            }
            let map = value.and_then(Value::as_object).ok_or_else(|| {
                ScimError::bad_request(
                    ScimType::InvalidValue,
                    "a path-less operation needs an object `value`",
                )
            })?;
            apply_map(kind, resource, op_kind, map, how, defects)?;
        }
    }
    Ok(())
}

fn apply_map(
    kind: ResourceKind,
    resource: &mut Map<String, Value>,
    op: Op,
    map: &Map<String, Value>,
    how: Coercion,
    defects: &Defects,
) -> Result<(), ScimError> {
    for (key, value) in map {
        if matches!(key.to_ascii_lowercase().as_str(), "schemas" | "id" | "meta") {
            continue;
        }
        if let Some(schema) = kind.extension(key)
            && let Some(inner) = value.as_object()
        {
            for (k, v) in inner {
                if pathless_manager_dropped(k, defects) {
                    continue;
                }
                let path = PatchPath::parse(&format!("{}:{k}", schema.id))?;
                apply_path(kind, resource, op, &path, Some(v), how, defects)?;
            }
            continue;
        }
        if defects.has(Defect::PathlessDottedKeysDropped)
            && (key.contains('.') || key.contains(':'))
        {
            continue;
        }
        let path = PatchPath::parse(key)?;
        if pathless_manager_dropped(&path.attr.attr, defects) {
            continue;
        }
        apply_path(kind, resource, op, &path, Some(value), how, defects)?;
    }
    Ok(())
}

/// Whether a defect silently drops the manager key of a path-less operation's map (the
/// gallery validation's compact manager shape), while paths naming the manager still work.
fn pathless_manager_dropped(name: &str, defects: &Defects) -> bool {
    defects.has(Defect::PathlessManagerIgnored) && name.eq_ignore_ascii_case("manager")
}

/// Whether a defect silently drops this write (the server answers success, stores nothing).
fn dropped_by_defect(
    kind: ResourceKind,
    attr: &Attr,
    ext: Option<&str>,
    op: Op,
    defects: &Defects,
) -> bool {
    (defects.has(Defect::ActivePatchIgnored) && attr.name == "active")
        || (ext == Some(ENTERPRISE) && defects.has(Defect::EnterpriseDropped))
        || (ext.is_some() && op == Op::Remove && defects.has(Defect::UrnPathRemoveIgnored))
        || (kind == ResourceKind::Group
            && attr.name == "externalId"
            && defects.has(Defect::GroupExternalIdImmutable))
}

/// The errors a defect answers a write of a whole attribute with: a `userName` that is not
/// an email address, a manager written as an object or through `manager.value`.
fn refused_write(
    kind: ResourceKind,
    attr: &Attr,
    path: &PatchPath,
    op: Op,
    value: Option<&Value>,
    defects: &Defects,
) -> Result<(), ScimError> {
    let text = value.and_then(Value::as_str);
    if defects.has(Defect::UserNameEmailOnly)
        && kind == ResourceKind::User
        && attr.name == "userName"
        && op != Op::Remove
        && text.is_some_and(|t| !t.contains('@'))
    {
        return Err(ScimError::bad_request(
            ScimType::InvalidValue,
            "userName must be an email address",
        ));
    }
    if defects.has(Defect::ManagerObjectRejected)
        && attr.name == "manager"
        && op != Op::Remove
        && (value.is_some_and(Value::is_object) || path.attr.sub.is_some())
    {
        return Err(ScimError::bad_request(
            ScimType::InvalidValue,
            "manager must be given as the manager's id",
        ));
    }
    Ok(())
}

/// The errors a defect answers a value-path write with: value paths refused altogether, or
/// an `add` whose filter matches nothing refused with `noTarget`.
fn refused_by_defect(
    kind: ResourceKind,
    container: &Map<String, Value>,
    attr: &Attr,
    path: &PatchPath,
    f: &filter::Filter,
    op: Op,
    defects: &Defects,
) -> Result<(), ScimError> {
    if defects.has(Defect::ValuePathPatchRejected) {
        return Err(ScimError::bad_request(
            ScimType::InvalidPath,
            "value filters in PATCH paths are not supported",
        ));
    }
    if !attr.multi && defects.has(Defect::ManagerValueFilterRefused) {
        return Err(ScimError::bad_request(
            ScimType::InvalidFilter,
            format!(
                "`{}` is not multi-valued and cannot take a value filter",
                attr.name
            ),
        ));
    }
    if defects.has(Defect::ValuePathAddNoTarget) && op == Op::Add {
        let any = container
            .get(attr.name)
            .and_then(Value::as_array)
            .is_some_and(|items| {
                items.iter().any(|e| {
                    filter::element_matches(f, e, kind, &path.attr, EvalOptions::default())
                })
            });
        if !any {
            return Err(ScimError::bad_request(
                ScimType::NoTarget,
                format!("no `{}` value matches the filter", attr.name),
            ));
        }
    }
    Ok(())
}

/// The object an attribute lives in: the resource, or its extension's object (made when
/// missing).
fn container_of<'a>(
    resource: &'a mut Map<String, Value>,
    ext: Option<&str>,
) -> &'a mut Map<String, Value> {
    let Some(urn) = ext else { return resource };
    let ext = resource
        .entry(urn.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !ext.is_object() {
        *ext = Value::Object(Map::new());
    }
    ext.as_object_mut().expect("just made an object")
}

/// The sub-attribute a path names, if any (matched ignoring case unless a defect says not).
fn sub_of<'a>(
    attr: &'a Attr,
    path: &PatchPath,
    defects: &Defects,
) -> Result<Option<&'a Attr>, ScimError> {
    let Some(s) = &path.attr.sub else {
        return Ok(None);
    };
    attr.sub(s)
        .filter(|a| !defects.has(Defect::SubAttributeCaseSensitive) || a.name == s)
        .map(Some)
        .ok_or_else(|| {
            ScimError::bad_request(
                ScimType::InvalidPath,
                format!("unknown sub-attribute `{}.{s}`", attr.name),
            )
        })
}

fn apply_path(
    kind: ResourceKind,
    resource: &mut Map<String, Value>,
    op: Op,
    path: &PatchPath,
    value: Option<&Value>,
    how: Coercion,
    defects: &Defects,
) -> Result<(), ScimError> {
    if defects.has(Defect::EmptyReplaceIgnored)
        && op == Op::Replace
        && value.is_none_or(|v| v.is_null() || v.as_str() == Some(""))
    {
        return Ok(());
    }
    let (attr, ext) = match slot(kind, &path.attr) {
        Slot::Core(a) => (a, None),
        Slot::Extension(s, a) => (a, Some(s.id)),
        _ => {
            return Err(ScimError::bad_request(
                ScimType::InvalidPath,
                format!("unknown attribute `{}`", path.attr),
            ));
        }
    };
    if attr.mutability == Mutability::ReadOnly {
        return Err(ScimError::bad_request(
            ScimType::Mutability,
            format!("attribute `{}` is read-only", attr.name),
        ));
    }
    refused_write(kind, attr, path, op, value, defects)?;
    if dropped_by_defect(kind, attr, ext, op, defects) {
        return Ok(());
    }
    let container = container_of(resource, ext);
    let sub = sub_of(attr, path, defects)?;
    match (&path.filter, sub) {
        (None, None) => whole(container, attr, op, value, how, defects)?,
        (None, Some(sub)) => sub_attr(container, attr, sub, op, value, how)?,
        (Some(f), sub) => {
            refused_by_defect(kind, container, attr, path, f, op, defects)?;
            if op == Op::Add && attr.multi && defects.has(Defect::AddValuePathAppends) {
                let new = filtered_value(attr, sub, op, value, how)?;
                append_element(container, attr, f, sub, new);
            } else {
                filtered(kind, container, attr, &path.attr, f, sub, op, value, how)?
            }
        }
    }
    if let Some(urn) = ext
        && resource
            .get(urn)
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
    {
        resource.remove(urn);
    }
    Ok(())
}

fn need_value(value: Option<&Value>, attr: &Attr) -> Result<Value, ScimError> {
    value.cloned().ok_or_else(|| {
        ScimError::bad_request(
            ScimType::InvalidValue,
            format!("operation on `{}` needs a `value`", attr.name),
        )
    })
}

fn whole(
    container: &mut Map<String, Value>,
    attr: &Attr,
    op: Op,
    value: Option<&Value>,
    how: Coercion,
    defects: &Defects,
) -> Result<(), ScimError> {
    match op {
        Op::Remove => remove_whole(container, attr, value, how, defects),
        Op::Add | Op::Replace => write_whole(container, attr, op, value, how, defects),
    }
}

/// `remove` on a whole attribute: the listed members only (Entra's default job), else all.
fn remove_whole(
    container: &mut Map<String, Value>,
    attr: &Attr,
    value: Option<&Value>,
    how: Coercion,
    defects: &Defects,
) -> Result<(), ScimError> {
    let name = attr.name.to_string();
    let listed = value.map(|v| coerce(attr, v, how)).transpose()?.flatten();
    match (listed, attr.multi, container.get_mut(&name)) {
        // Entra's default job: remove exactly the listed members.
        (Some(Value::Array(listed)), true, Some(Value::Array(items)))
            if !defects.has(Defect::RemoveValueArrayEmptiesGroup) =>
        {
            let gone: Vec<&Value> = listed.iter().filter_map(|m| m.get("value")).collect();
            items.retain(|m| m.get("value").is_none_or(|v| !gone.contains(&v)));
            if items.is_empty() {
                container.remove(&name);
            }
        }
        _ => {
            container.remove(&name);
        }
    }
    Ok(())
}

/// `add` or `replace` on a whole attribute: a list grows (add) or is replaced, a complex
/// value merges (add), anything else is replaced; `""` clears.
fn write_whole(
    container: &mut Map<String, Value>,
    attr: &Attr,
    op: Op,
    value: Option<&Value>,
    how: Coercion,
    defects: &Defects,
) -> Result<(), ScimError> {
    let name = attr.name.to_string();
    let raw = need_value(value, attr)?;
    if ignored_by_defect(container, attr, op, &raw, how, defects)? {
        return Ok(());
    }
    let Some(new) = coerce(attr, &raw, how)? else {
        // Entra clears with "" (manager) and Microsoft's null-update test with "".
        if defects.has(Defect::ClearedReadsEmptyString) && !attr.multi && attr.kind != Kind::Complex
        {
            container.insert(name, Value::String(String::new()));
        } else {
            container.remove(&name);
        }
        return Ok(());
    };
    match (op, attr.multi, attr.kind, container.get_mut(&name)) {
        (Op::Add, true, _, Some(Value::Array(items))) => {
            let Value::Array(mut new) = new else {
                unreachable!("multi coerces to array")
            };
            if defects.has(Defect::MultiValuedAddReplaces) {
                items.clear();
            }
            if attr.name == "members" {
                member_add_defects(items, &mut new, defects)?;
            }
            for v in new {
                if !items.contains(&v) {
                    items.push(v);
                }
            }
            if attr.name == "members" {
                dedup_members(items);
            }
        }
        (Op::Add, false, Kind::Complex, Some(Value::Object(existing))) => {
            if let Value::Object(new) = new {
                existing.extend(new);
            }
        }
        (_, true, _, Some(Value::Array(items)))
            if op == Op::Replace && defects.has(Defect::MultiValuedReplaceMerges) =>
        {
            if let Value::Array(new) = new {
                for v in new {
                    if !items.contains(&v) {
                        items.push(v);
                    }
                }
            }
        }
        (_, true, _, _) => {
            let mut new = new;
            if let (Value::Array(items), "members") = (&mut new, attr.name) {
                if defects.has(Defect::MemberAddIgnored) {
                    items.truncate(1);
                }
                dedup_members(items);
            }
            container.insert(name, new);
        }
        _ => {
            container.insert(name, new);
        }
    }
    Ok(())
}

/// The defects of writing a whole attribute: `add-existing-attribute-409` (an `add` of a value
/// already set is a conflict) and `reactivation-ignored` (`active` stays false). `Ok(true)`
/// when the write is to be acknowledged and not done.
fn ignored_by_defect(
    container: &Map<String, Value>,
    attr: &Attr,
    op: Op,
    raw: &Value,
    how: Coercion,
    defects: &Defects,
) -> Result<bool, ScimError> {
    if op == Op::Add
        && !attr.multi
        && attr.kind != Kind::Complex
        && defects.has(Defect::AddExistingAttribute409)
        && container.get(attr.name).is_some_and(|v| !v.is_null())
    {
        return Err(ScimError::conflict(format!(
            "`{}` already has a value",
            attr.name
        )));
    }
    Ok(attr.name == "active"
        && defects.has(Defect::ReactivationIgnored)
        && container.get("active") == Some(&Value::Bool(false))
        && coerce(attr, raw, how)? == Some(Value::Bool(true)))
}

/// The defects of adding members: `readd-member-409` (a member already present is a
/// conflict) and `member-add-ignored` (nobody is added once the group has a member).
fn member_add_defects(
    items: &[Value],
    new: &mut Vec<Value>,
    defects: &Defects,
) -> Result<(), ScimError> {
    if defects.has(Defect::ReaddMember409) {
        let id = |m: &Value| m.get("value").and_then(Value::as_str).map(str::to_string);
        let present: Vec<String> = items.iter().filter_map(id).collect();
        if let Some(v) = new.iter().filter_map(id).find(|v| present.contains(v)) {
            return Err(ScimError::conflict(format!("`{v}` is already a member")));
        }
    }
    if defects.has(Defect::MemberAddIgnored) && !items.is_empty() {
        new.clear();
    }
    Ok(())
}

fn sub_attr(
    container: &mut Map<String, Value>,
    attr: &Attr,
    sub: &Attr,
    op: Op,
    value: Option<&Value>,
    how: Coercion,
) -> Result<(), ScimError> {
    let name = attr.name.to_string();
    if attr.kind != Kind::Complex {
        return Err(ScimError::bad_request(
            ScimType::InvalidPath,
            format!("`{name}` has no sub-attributes"),
        ));
    }
    let new = match op {
        Op::Remove => None,
        _ => coerce(sub, &need_value(value, sub)?, how)?,
    };
    let set = |obj: &mut Map<String, Value>| match &new {
        Some(v) => {
            obj.insert(sub.name.to_string(), v.clone());
        }
        None => {
            obj.remove(sub.name);
        }
    };
    match container.get_mut(&name) {
        Some(Value::Array(items)) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(set),
        Some(Value::Object(obj)) => set(obj),
        _ if new.is_some() && !attr.multi => {
            let mut obj = Map::new();
            set(&mut obj);
            container.insert(name.clone(), Value::Object(obj));
        }
        _ => {}
    }
    drop_if_empty(container, &name);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn filtered(
    kind: ResourceKind,
    container: &mut Map<String, Value>,
    attr: &Attr,
    path: &AttrPath,
    f: &Filter,
    sub: Option<&Attr>,
    op: Op,
    value: Option<&Value>,
    how: Coercion,
) -> Result<(), ScimError> {
    let name = attr.name.to_string();
    if !attr.multi && attr.kind != Kind::Complex {
        return Err(ScimError::bad_request(
            ScimType::InvalidFilter,
            format!("`{name}` is not multi-valued and cannot take a value filter"),
        ));
    }
    let opts = EvalOptions::default();
    let new = filtered_value(attr, sub, op, value, how)?;
    if !attr.multi {
        single_filtered(kind, container, attr, path, f, sub, op, new);
        return Ok(());
    }
    let items = container
        .entry(name.clone())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !items.is_array() {
        *items = Value::Array(Vec::new());
    }
    let items = items.as_array_mut().expect("just made an array");
    let mut hit = false;
    items.retain_mut(|elem| {
        let matched = filter::element_matches(f, elem, kind, path, opts);
        hit |= matched;
        match (matched, op, sub, elem.as_object_mut()) {
            (false, ..) => true,
            (true, Op::Remove, None, _) => false,
            (true, _, Some(sub), Some(obj)) => {
                match &new {
                    Some(v) => obj.insert(sub.name.to_string(), v.clone()),
                    None => obj.remove(sub.name),
                };
                true
            }
            (true, _, None, Some(obj)) => {
                if let Some(Value::Object(n)) = &new {
                    if op == Op::Replace {
                        obj.clear();
                    }
                    obj.extend(n.clone());
                }
                true
            }
            (true, ..) => true,
        }
    });
    // Entra writes `emails[type eq "work"].value` whether or not a work email exists yet:
    // create the element from the filter's equality terms.
    if !hit
        && op != Op::Remove
        && let Some(new) = new
    {
        items.push(element_from_filter(f, sub, new));
    }
    if items.is_empty() {
        container.remove(&name);
    }
    Ok(())
}

/// Removes a complex attribute left with no sub-attribute.
fn drop_if_empty(container: &mut Map<String, Value>, name: &str) {
    if container
        .get(name)
        .is_some_and(|v| v.as_object().is_some_and(Map::is_empty))
    {
        container.remove(name);
    }
}

/// A value filter on a single-valued complex attribute, as implementers report Entra sending
/// `remove` on `manager[value eq "…"]` (thomaspoignant/scim-patch#453): the attribute is the
/// one element the filter can match.
#[allow(clippy::too_many_arguments)]
fn single_filtered(
    kind: ResourceKind,
    container: &mut Map<String, Value>,
    attr: &Attr,
    path: &AttrPath,
    f: &Filter,
    sub: Option<&Attr>,
    op: Op,
    new: Option<Value>,
) {
    let name = attr.name.to_string();
    let matched = container
        .get(&name)
        .is_some_and(|v| filter::element_matches(f, v, kind, path, EvalOptions::default()));
    match (matched, op, sub, new) {
        (false, Op::Remove, ..) => {}
        (true, Op::Remove, None, _) => {
            container.remove(&name);
        }
        (true, Op::Remove, Some(sub), _) => {
            if let Some(Value::Object(obj)) = container.get_mut(&name) {
                obj.remove(sub.name);
            }
        }
        (true, _, Some(sub), Some(v)) => {
            if let Some(Value::Object(obj)) = container.get_mut(&name) {
                obj.insert(sub.name.to_string(), v);
            }
        }
        (_, _, sub, Some(v)) => {
            container.insert(name.clone(), element_from_filter(f, sub, v));
        }
        (_, _, _, None) => {}
    }
    drop_if_empty(container, &name);
}

/// The `add-value-path-appends` defect: the written element is appended whether or not one
/// already matches the filter.
fn append_element(
    container: &mut Map<String, Value>,
    attr: &Attr,
    f: &Filter,
    sub: Option<&Attr>,
    new: Option<Value>,
) {
    let Some(new) = new else { return };
    let items = container
        .entry(attr.name.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !items.is_array() {
        *items = Value::Array(Vec::new());
    }
    if let Value::Array(items) = items {
        items.push(element_from_filter(f, sub, new));
    }
}

/// The value a value-filtered operation writes into each matching element: a sub-attribute's
/// value, a whole element, or nothing for `remove`.
fn filtered_value(
    attr: &Attr,
    sub: Option<&Attr>,
    op: Op,
    value: Option<&Value>,
    how: Coercion,
) -> Result<Option<Value>, ScimError> {
    match (op, sub) {
        (Op::Remove, _) => Ok(None),
        (_, Some(sub)) => coerce(sub, &need_value(value, sub)?, how),
        (_, None) => {
            let single = Attr {
                multi: false,
                ..attr.clone()
            };
            coerce(&single, &need_value(value, attr)?, how)
        }
    }
}

/// A new element for a value filter that matched nothing: the filter's equality terms, then the
/// written value.
fn element_from_filter(f: &Filter, sub: Option<&Attr>, new: Value) -> Value {
    let mut elem = Map::new();
    seed_from_filter(f, &mut elem);
    match (sub, new) {
        (Some(sub), v) => {
            elem.insert(sub.name.to_string(), v);
        }
        (None, Value::Object(n)) => elem.extend(n),
        _ => {}
    }
    Value::Object(elem)
}

fn seed_from_filter(f: &Filter, elem: &mut Map<String, Value>) {
    match f {
        Filter::Compare(p, CompareOp::Eq, v) if p.urn.is_none() && p.sub.is_none() => {
            let v = filter::as_bool(v)
                .filter(|_| p.attr.eq_ignore_ascii_case("primary"))
                .map_or(v.clone(), Value::Bool);
            elem.insert(p.attr.clone(), v);
        }
        Filter::And(all) => {
            for f in all {
                seed_from_filter(f, elem);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Map<String, Value> {
        json!({
            "id": "u1", "userName": "alice", "active": true,
            "name": {"givenName": "Alice", "familyName": "Smith"},
            "emails": [{"value": "a@work.com", "type": "work", "primary": true}]
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn patch(kind: ResourceKind, r: &mut Map<String, Value>, ops: Value) -> Result<(), ScimError> {
        let body = json!({"schemas": [PATCH_OP], "Operations": ops});
        apply(kind, r, &body, &Defects::default())
    }

    #[test]
    fn path_parsing() {
        let p = PatchPath::parse(r#"emails[type eq "work"].value"#).unwrap();
        assert_eq!(p.attr.attr, "emails");
        assert_eq!(p.attr.sub.as_deref(), Some("value"));
        assert!(p.filter.is_some());
        let p =
            PatchPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")
                .unwrap();
        assert_eq!(p.attr.urn.as_deref(), Some(ENTERPRISE));
        assert_eq!(p.attr.attr, "manager");
        let p = PatchPath::parse(r#"members[value eq "x"]"#).unwrap();
        assert!(p.filter.is_some() && p.attr.sub.is_none());
        for bad in [
            "",
            "emails[type eq",
            "emails]x[",
            "a.b[type eq \"x\"]",
            r#"emails[type eq "w"]value"#,
            "1x",
            r#"emails[type eq "w"]."#,
        ] {
            assert!(PatchPath::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn entra_default_replace_ops() {
        let mut r = user();
        patch(ResourceKind::User, &mut r, json!([
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "new@work.com"},
            {"op": "Replace", "path": "name.familyName", "value": "Jones"},
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "nickName", "value": "Al"},
            {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "9"},
        ])).unwrap();
        assert_eq!(
            r["emails"],
            json!([{"value": "new@work.com", "type": "work", "primary": true}])
        );
        assert_eq!(r["name"]["familyName"], "Jones");
        assert_eq!(r["active"], false);
        assert_eq!(r["nickName"], "Al");
        assert_eq!(r[ENTERPRISE]["employeeNumber"], "9");
    }

    #[test]
    fn flag_pathless_map_with_dotted_and_urn_keys() {
        let mut r = user();
        patch(ResourceKind::User, &mut r, json!([
            {"op": "replace", "value": {"displayName": "Bjfe", "name.givenName": "Kkom",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "Aklq",
              "active": false}},
            {"op": "replace", "value": {ENTERPRISE: {"department": "D"}}},
        ])).unwrap();
        assert_eq!(r["displayName"], "Bjfe");
        assert_eq!(r["name"]["givenName"], "Kkom");
        assert_eq!(r["name"]["familyName"], "Smith");
        assert_eq!(
            r[ENTERPRISE],
            json!({"employeeNumber": "Aklq", "department": "D"})
        );
        assert_eq!(r["active"], false);
    }

    #[test]
    fn missing_value_path_target_is_created() {
        let mut r = user();
        patch(
            ResourceKind::User,
            &mut r,
            json!([
                {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"},
            ]),
        )
        .unwrap();
        assert_eq!(
            r["phoneNumbers"],
            json!([{"type": "mobile", "value": "+1 555"}])
        );
    }

    #[test]
    fn manager_shapes() {
        let m = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
        let mut r = user();
        for (value, expected) in [
            (json!("m1"), json!({"value": "m1"})),
            (json!({"value": "m2"}), json!({"value": "m2"})),
            (
                json!([{"$ref": "http://x/Users/m3", "value": "m3"}]),
                json!({"$ref": "http://x/Users/m3", "value": "m3"}),
            ),
        ] {
            patch(
                ResourceKind::User,
                &mut r,
                json!([{"op": "Replace", "path": m, "value": value}]),
            )
            .unwrap();
            assert_eq!(r[ENTERPRISE]["manager"], expected);
        }
        patch(
            ResourceKind::User,
            &mut r,
            json!([{"op": "replace", "path": m, "value": ""}]),
        )
        .unwrap();
        assert!(!r.contains_key(ENTERPRISE));
        patch(
            ResourceKind::User,
            &mut r,
            json!([{"op": "add", "path": "manager", "value": "m4"}]),
        )
        .unwrap();
        patch(
            ResourceKind::User,
            &mut r,
            json!([{"op": "replace", "path": m, "value": {"value": ""}}]),
        )
        .unwrap();
        assert!(!r.contains_key(ENTERPRISE));
        patch(
            ResourceKind::User,
            &mut r,
            json!([{"op": "add", "path": m, "value": "m5"}]),
        )
        .unwrap();
        patch(
            ResourceKind::User,
            &mut r,
            json!([{"op": "remove", "path": m}]),
        )
        .unwrap();
        assert!(!r.contains_key(ENTERPRISE));
    }

    /// The gallery validation's compact manager shapes (SCIMTests @36451beb
    /// `Compose_Manager_Set_Patch_Body`/`…_Change_…` without `isVerbosePatchSupported`), and
    /// the defect that drops them while paths keep working.
    #[test]
    fn pathless_manager_shapes() {
        let m = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
        let mut r = user();
        for (op, id) in [("Add", "m1"), ("replace", "m2")] {
            patch(
                ResourceKind::User,
                &mut r,
                json!([{"op": op, "value": {m: {"value": id}}}]),
            )
            .unwrap();
            assert_eq!(r[ENTERPRISE]["manager"], json!({"value": id}));
        }
        let ignoring = Defects::new([Defect::PathlessManagerIgnored]);
        let body = |ops: Value| json!({"schemas": [PATCH_OP], "Operations": ops});
        let pathless = body(json!([{"op": "replace", "value": {m: {"value": "m3"}}}]));
        apply(ResourceKind::User, &mut r, &pathless, &ignoring).unwrap();
        let nested = body(json!([{"op": "replace", "value": {ENTERPRISE: {"manager": "m3"}}}]));
        apply(ResourceKind::User, &mut r, &nested, &ignoring).unwrap();
        assert_eq!(r[ENTERPRISE]["manager"], json!({"value": "m2"}));
        let with_path = body(json!([{"op": "replace", "path": m, "value": {"value": "m4"}}]));
        apply(ResourceKind::User, &mut r, &with_path, &ignoring).unwrap();
        assert_eq!(r[ENTERPRISE]["manager"], json!({"value": "m4"}));
    }

    fn group() -> Map<String, Value> {
        json!({"id": "g", "displayName": "G", "members": [{"value": "a"}, {"value": "b"}, {"value": "c"}]})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn member_add_and_both_removal_shapes() {
        let mut g = group();
        patch(ResourceKind::Group, &mut g, json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "d"}, {"value": "a"}]}])).unwrap();
        assert_eq!(
            g["members"],
            json!([{"value": "a"}, {"value": "b"}, {"value": "c"}, {"value": "d"}])
        );
        patch(
            ResourceKind::Group,
            &mut g,
            json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "b"}]}]),
        )
        .unwrap();
        assert_eq!(
            g["members"],
            json!([{"value": "a"}, {"value": "c"}, {"value": "d"}])
        );
        patch(
            ResourceKind::Group,
            &mut g,
            json!([{"op": "remove", "path": "members[value eq \"c\"]"}]),
        )
        .unwrap();
        assert_eq!(g["members"], json!([{"value": "a"}, {"value": "d"}]));
        patch(
            ResourceKind::Group,
            &mut g,
            json!([{"op": "remove", "path": "members"}]),
        )
        .unwrap();
        assert!(!g.contains_key("members"));
    }

    #[test]
    fn defects_change_only_their_behaviour() {
        let mut g = group();
        let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "Remove", "path": "members", "value": [{"value": "b"}]}]});
        apply(
            ResourceKind::Group,
            &mut g,
            &body,
            &Defects::new([Defect::RemoveValueArrayEmptiesGroup]),
        )
        .unwrap();
        assert!(!g.contains_key("members"));

        let mut r = user();
        let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": false}]});
        let err = apply(
            ResourceKind::User,
            &mut r,
            &body,
            &Defects::new([Defect::PascalCaseOpsRejected]),
        )
        .unwrap_err();
        assert_eq!(err.status, 400);
        let lower = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]});
        apply(
            ResourceKind::User,
            &mut r,
            &lower,
            &Defects::new([Defect::PascalCaseOpsRejected]),
        )
        .unwrap();
        assert_eq!(r["active"], false);

        let mut r = user();
        let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"name.givenName": "X", "nickName": "N"}}]});
        apply(
            ResourceKind::User,
            &mut r,
            &body,
            &Defects::new([Defect::PathlessDottedKeysDropped]),
        )
        .unwrap();
        assert_eq!(r["name"]["givenName"], "Alice");
        assert_eq!(r["nickName"], "N");
    }

    #[test]
    fn the_whole_extension_urn_as_a_path() {
        let mut u = user();
        patch(
            ResourceKind::User,
            &mut u,
            json!([{"op": "replace", "path": ENTERPRISE, "value": {"department": "Ops", "employeeNumber": "7"}}]),
        )
        .unwrap();
        assert_eq!(u[ENTERPRISE]["department"], "Ops");
        assert_eq!(u[ENTERPRISE]["employeeNumber"], "7");
        patch(
            ResourceKind::User,
            &mut u,
            json!([{"op": "remove", "path": ENTERPRISE}]),
        )
        .unwrap();
        assert!(u.get(ENTERPRISE).is_none());
    }

    #[test]
    fn invalid_requests_are_400() {
        let mut r = user();
        for body in [
            json!([]),
            json!({"Operations": []}),
            json!({"schemas": ["x"], "Operations": [{"op": "add", "path": "title", "value": "t"}]}),
            json!({"Operations": [{"op": "move", "path": "title", "value": "t"}]}),
            json!({"Operations": [{"op": "remove"}]}),
            json!({"Operations": [{"op": "add", "path": "nope", "value": "t"}]}),
            json!({"Operations": [{"op": "add", "path": "id", "value": "t"}]}),
            json!({"Operations": [{"op": "add", "path": "title"}]}),
            json!({"Operations": [{"op": "add", "path": "active", "value": {"x": 1}}]}),
            json!({"Operations": [{"op": "add", "path": "userName[type eq \"x\"]", "value": "t"}]}),
        ] {
            let err = apply(ResourceKind::User, &mut r, &body, &Defects::default()).unwrap_err();
            assert_eq!(err.status, 400, "{body}");
        }
    }
}
