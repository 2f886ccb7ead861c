//! Schema discoverability as Microsoft's gallery validation computes it
//! (`SCIMTests_Workflow.json` @36451beb, Schema_Discoverability_Test: `Flatten_User_Attrs_Loop`,
//! `Check_User_Has_CanonicalValues`, `Append_Extension_Attr`): `/Schemas` is flattened into
//! attribute names, and every attribute the Entra mapping targets must be among them, compared
//! ignoring case.
//!
//! Flattening one schema's attributes:
//! - `manager` and `members` are taken by name;
//! - a multi-valued complex attribute becomes `attr[type eq "<value>"].<sub>` for each
//!   `canonicalValues` entry of its `type` sub-attribute and each sub-attribute other than
//!   `type` and `primary`; without `canonicalValues`, `attr[primary eq "True"].<sub>`;
//! - a single-valued complex attribute becomes `attr.<sub>` for each sub-attribute that is not
//!   complex or a reference;
//! - any other attribute that is not a reference is taken by name.
//!
//! For the core User schema, every schema in the list other than core User and core Group
//! whose id ends in `User` or `Users` is an extension whose attributes are added as
//! `<schema id>:<attr>`.

use serde_json::Value;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn subs(attr: &Value) -> impl Iterator<Item = &Value> {
    attr.get("subAttributes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn flatten_attrs(attrs: &[Value], out: &mut Vec<String>) {
    for a in attrs {
        let name = text(a, "name");
        let kind = text(a, "type");
        let multi = a
            .get("multiValued")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if name == "manager" || name == "members" {
            out.push(name.to_string());
        } else if kind == "complex" && multi {
            let canonical: Vec<&str> = subs(a)
                .find(|s| text(s, "name") == "type")
                .and_then(|t| t.get("canonicalValues"))
                .and_then(Value::as_array)
                .map(|cv| cv.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if canonical.is_empty() {
                for s in subs(a).filter(|s| text(s, "name") != "primary") {
                    out.push(format!("{name}[primary eq \"True\"].{}", text(s, "name")));
                }
            } else {
                for cv in canonical {
                    for s in subs(a).filter(|s| !matches!(text(s, "name"), "type" | "primary")) {
                        out.push(format!("{name}[type eq \"{cv}\"].{}", text(s, "name")));
                    }
                }
            }
        } else if kind == "complex" {
            for s in subs(a).filter(|s| !matches!(text(s, "type"), "complex" | "reference")) {
                out.push(format!("{name}.{}", text(s, "name")));
            }
        } else if kind != "reference" {
            out.push(name.to_string());
        }
    }
}

/// The attribute names the gallery validation can discover for `schema_id` in a `/Schemas`
/// ListResponse's `Resources`.
pub(crate) fn flatten(resources: &[Value], schema_id: &str) -> Vec<String> {
    let mut out = Vec::new();
    let attrs = |r: &Value| -> Vec<Value> {
        r.get("attributes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    if let Some(s) = resources.iter().find(|r| text(r, "id") == schema_id) {
        flatten_attrs(&attrs(s), &mut out);
    }
    if schema_id == USER {
        // @36451beb counts a schema as a user extension only when its id ends in `User` or
        // `Users` (a group extension no longer adds user attributes).
        let user_extension = |id: &str| {
            let id = id.to_ascii_lowercase();
            id.ends_with("user") || id.ends_with("users")
        };
        for ext in resources
            .iter()
            .filter(|r| !matches!(text(r, "id"), USER | GROUP) && user_extension(text(r, "id")))
        {
            for a in attrs(ext) {
                out.push(format!("{}:{}", text(ext, "id"), text(&a, "name")));
            }
        }
    }
    out
}

/// The names in `wanted` that `flatten` does not yield (compared ignoring case; `id` and
/// `externalId` are never required, as in `Filter_Missing_User_Attrs` @36451beb: RFC 7643
/// makes `externalId` a common attribute that no schema need list).
pub(crate) fn missing(resources: &[Value], schema_id: &str, wanted: &[String]) -> Vec<String> {
    let found: std::collections::HashSet<String> = flatten(resources, schema_id)
        .into_iter()
        .map(|n| n.to_lowercase())
        .collect();
    wanted
        .iter()
        .filter(|w| {
            !w.eq_ignore_ascii_case("id")
                && !w.eq_ignore_ascii_case("externalId")
                && !found.contains(&w.to_lowercase())
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flattens_as_the_gallery_workflow_does() {
        let schemas = vec![
            json!({"id": USER, "attributes": [
                {"name": "userName", "type": "string"},
                {"name": "name", "type": "complex", "subAttributes": [
                    {"name": "givenName", "type": "string"}, {"name": "x", "type": "reference"}]},
                {"name": "emails", "type": "complex", "multiValued": true, "subAttributes": [
                    {"name": "value", "type": "string"},
                    {"name": "type", "type": "string", "canonicalValues": ["work", "other"]},
                    {"name": "primary", "type": "boolean"}]},
                {"name": "phoneNumbers", "type": "complex", "multiValued": true, "subAttributes": [
                    {"name": "value", "type": "string"}, {"name": "type", "type": "string"}]},
                {"name": "profileUrl", "type": "reference"}
            ]}),
            json!({"id": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "attributes": [
                {"name": "department", "type": "string"}, {"name": "manager", "type": "complex"}]}),
            json!({"id": GROUP, "attributes": [{"name": "displayName", "type": "string"}, {"name": "members", "type": "complex", "multiValued": true}]}),
        ];
        assert_eq!(
            flatten(&schemas, USER),
            vec![
                "userName",
                "name.givenName",
                "emails[type eq \"work\"].value",
                "emails[type eq \"other\"].value",
                "phoneNumbers[primary eq \"True\"].value",
                "phoneNumbers[primary eq \"True\"].type",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            ]
        );
        assert_eq!(flatten(&schemas, GROUP), vec!["displayName", "members"]);
        let wanted: Vec<String> = [
            "id",
            "externalId",
            "USERNAME",
            "emails[type eq \"work\"].Value",
            "phoneNumbers[type eq \"work\"].value",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            missing(&schemas, USER, &wanted),
            vec!["phoneNumbers[type eq \"work\"].value"]
        );
    }
}
