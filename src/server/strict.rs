//! Strict readings a server may hold that satisfy Entra and break Okta's client
//! (docs/okta-behaviour.md): refusing what RFC 7643 marks read-only or write-only, or member
//! sub-attributes its Group schema does not list, and ignoring Okta's path-less `active`.
//! The clean server holds none of them; each is a defect of the catalogue, applied to a
//! request body before the server reads it.

use super::app::AppState;
use super::defect::Defect;
use super::error::{ScimError, ScimType};
use super::schema::ResourceKind;
use serde_json::Value;

fn refused(scim_type: ScimType, detail: String) -> ScimError {
    ScimError::bad_request(scim_type, detail)
}

/// Whether a list of member objects holds one with `display`.
fn has_display(members: Option<&Value>) -> bool {
    members
        .and_then(Value::as_array)
        .is_some_and(|m| m.iter().any(|v| v.get("display").is_some()))
}

/// A POST (`put` false) or PUT body checked against the defects that refuse part of it.
pub(super) fn check_write(
    app: &AppState,
    kind: ResourceKind,
    body: &Value,
    put: bool,
) -> Result<(), ScimError> {
    let has = |key: &str| body.get(key).is_some();
    if app.has(Defect::PasswordRejected) && has("password") {
        return Err(refused(
            ScimType::Mutability,
            "`password` cannot be written".into(),
        ));
    }
    if !put && app.has(Defect::CreateGroupsRejected) && kind == ResourceKind::User && has("groups")
    {
        return Err(refused(
            ScimType::Mutability,
            "`groups` is read-only".into(),
        ));
    }
    if put
        && app.has(Defect::PutReadOnlyRejected)
        && let Some(key) = ["id", "meta", "groups"].into_iter().find(|k| has(k))
    {
        return Err(refused(
            ScimType::Mutability,
            format!("`{key}` is read-only"),
        ));
    }
    if app.has(Defect::MemberDisplayRefused) && has_display(body.get("members")) {
        return Err(refused(
            ScimType::InvalidValue,
            "member objects take `value`, `$ref` and `type` only, not `display`".into(),
        ));
    }
    Ok(())
}

/// Whether an operation has no path (or an empty one).
fn pathless(op: &Value) -> bool {
    op.get("path")
        .and_then(Value::as_str)
        .is_none_or(|p| p.trim().is_empty())
}

/// A PATCH body as the defects read it: refused, or with Okta's path-less `active` removed
/// (so it is answered with success and changes nothing).
pub(super) fn patch_body(app: &AppState, body: &Value) -> Result<Value, ScimError> {
    let mut body = body.clone();
    let Some(ops) = body.get_mut("Operations").and_then(Value::as_array_mut) else {
        return Ok(body);
    };
    for op in ops.iter_mut() {
        let members = op
            .get("path")
            .and_then(Value::as_str)
            .is_some_and(|p| p.trim().to_ascii_lowercase().starts_with("members"));
        let value = op.get("value");
        let display = (members && has_display(value))
            || (pathless(op) && has_display(value.and_then(|v| v.get("members"))));
        if app.has(Defect::MemberDisplayRefused) && display {
            return Err(refused(
                ScimType::InvalidValue,
                "member objects take `value`, `$ref` and `type` only, not `display`".into(),
            ));
        }
        if !pathless(op) {
            continue;
        }
        if app.has(Defect::PathlessIdRefused) && value.is_some_and(|v| v.get("id").is_some()) {
            return Err(refused(ScimType::Mutability, "`id` is read-only".into()));
        }
        if app.has(Defect::PathlessActiveIgnored)
            && let Some(Value::Object(map)) = op.get_mut("value")
        {
            map.remove("active");
        }
    }
    Ok(body)
}
