//! The ISV's own endpoint in `scimtest run`: its attribute mapping (`--entra-schema`,
//! `--discover`) turned into the generated `mapped` suite, its capabilities (`--no-groups`,
//! `[capabilities]`), its test data (`--domain`, `--var`), the schemas the built-in server
//! learns (`--schema`), and the cross-check of what was declared against what the target
//! publishes.

use super::RunArgs;
use crate::load;
use crate::model::{Capability, Mapping, ObjectKind, Suite};
use crate::run::{Http, OutRequest, TestData};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The capabilities the run declares absent, each with the flag or key that said so, as the
/// user wrote it (`--no-groups`, `groups = false` in the config file).
pub(super) fn absent(args: &RunArgs) -> Vec<(Capability, String)> {
    let mut out = Vec::new();
    for (set, flag, c) in [
        (args.no_groups, "--no-groups", Capability::Groups),
        (args.no_manager, "--no-manager", Capability::Manager),
        (args.soft_delete, "--soft-delete", Capability::HardDelete),
    ] {
        if !set {
            continue;
        }
        let said = if args.config_absent.contains(&c) {
            format!("`{} = false` in the config file", c.name())
        } else {
            flag.to_string()
        };
        out.push((c, said));
    }
    out
}

/// The flag or key that declared `c` absent, when the run declares it.
fn declared(absent: &[(Capability, String)], c: Capability) -> Option<&str> {
    absent
        .iter()
        .find(|(a, _)| *a == c)
        .map(|(_, said)| said.as_str())
}

/// The run's test data from `--domain` and `--var NAME=VALUE`.
pub(super) fn test_data(args: &RunArgs) -> Result<TestData, String> {
    let mut data = TestData::default();
    if let Some(d) = &args.domain {
        let d = d.trim().trim_start_matches('@');
        let valid = d.contains('.')
            && d.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !valid {
            return Err(format!(
                "--domain `{d}` is not a domain name (e.g. contoso.com)"
            ));
        }
        data.domain = Some(d.to_string());
    }
    for v in &args.vars {
        let Some((name, value)) = v.split_once('=') else {
            return Err(format!("--var `{v}`: write NAME=VALUE"));
        };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!(
                "--var `{v}`: `{name}` is not a variable name (letters, digits, `_`)"
            ));
        }
        data.vars
            .insert(name.to_string(), Value::String(value.to_string()));
    }
    Ok(data)
}

/// `--var` names that no case of `suites` declares: a typo would otherwise change nothing.
pub(super) fn unused_vars(data: &TestData, suites: &[Suite]) -> Vec<String> {
    let declared: std::collections::HashSet<&str> = suites
        .iter()
        .flat_map(|s| &s.cases)
        .flat_map(|c| c.vars.iter().map(|(n, _)| n.as_str()))
        .collect();
    data.vars
        .keys()
        .filter(|name| !declared.contains(name.as_str()))
        .cloned()
        .collect()
}

/// Teaches the built-in reference server the schemas in `files`.
pub(super) fn learn_schemas(files: &[PathBuf]) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| format!("cannot read the schema file {}: {e}", f.display()))?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}:{}:{}: not JSON: {e}", f.display(), e.line(), e.column()))?;
        ids.extend(
            crate::server::learn_schemas(&doc).map_err(|e| format!("{}: {e}", f.display()))?,
        );
    }
    Ok(ids)
}

/// Reads `--entra-schema FILE`.
pub(super) fn from_file(path: &Path) -> Result<Mapping, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the Entra schema {}: {e}", path.display()))?;
    load::from_entra_schema(&path.display().to_string(), &text)
}

/// GETs the target's `/Schemas` list (`Resources`).
pub(super) async fn fetch_schemas(http: &Http, base_url: &str) -> Result<Vec<Value>, String> {
    // Taken, not cloned: the answer may be as large as the client's body cap.
    match get_json(http, base_url, "/Schemas").await? {
        Value::Object(mut body) => match body.remove("Resources") {
            Some(Value::Array(resources)) => Ok(resources),
            _ => Err("GET /Schemas answered no `Resources` list".to_string()),
        },
        _ => Err("GET /Schemas answered no `Resources` list".to_string()),
    }
}

async fn get_json(http: &Http, base_url: &str, path: &str) -> Result<Value, String> {
    let req = OutRequest {
        method: reqwest::Method::GET,
        url: crate::run::compose(base_url, path, &[], crate::model::Encoding::Plus),
        headers: Vec::new(),
        body: None,
        auth: crate::model::Auth::Default,
    };
    let shown = http.redactor().redact(base_url);
    let got = http
        .send(req)
        .await
        .map_err(|(_, e)| format!("GET {path}: {}", crate::run::explain_transport(&e, &shown)))?;
    if got.exchange.status != 200 {
        return Err(format!("GET {path} answered {}", got.exchange.status));
    }
    got.json
        .ok_or_else(|| format!("GET {path} answered no JSON"))
}

/// The generated suite for `mapping`, loaded like a suite file at
/// `<report dir>/mapped-suite.yaml` (written there by [`write_suite`]).
pub(super) fn mapped_suite(
    mapping: &Mapping,
    report_dir: &Path,
    schemas: &[String],
) -> Result<(Suite, String), String> {
    let path = report_dir.join("mapped-suite.yaml");
    let text = load::mapped_suite_text(mapping);
    match load::load_text(&path, text.clone(), schemas) {
        Ok(s) => Ok((s, text)),
        // The generator writes only valid suites; say so plainly if it did not.
        Err(e) => Err(format!(
            "the generated suite is invalid (a scimtest bug; please report it with your mapping):\n{}",
            e.render()
        )),
    }
}

/// Writes the generated suite where its failures point.
pub(super) fn write_suite(report_dir: &Path, text: &str) -> Result<PathBuf, String> {
    let path = report_dir.join("mapped-suite.yaml");
    std::fs::create_dir_all(report_dir)
        .and_then(|()| std::fs::write(&path, text))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// One line per mapping attribute left to the built-in suites, for the console.
pub(super) fn describe(mapping: &Mapping) -> String {
    let users = mapping.of(ObjectKind::User).count();
    let groups = mapping.of(ObjectKind::Group).count();
    let matching: Vec<String> = mapping
        .matching(ObjectKind::User)
        .iter()
        .map(|a| format!("`{}`", a.path))
        .collect();
    let mut out = format!(
        "scimtest: mapping from {}: {users} user and {groups} group attributes; users matched on {}",
        mapping.origin,
        if matching.is_empty() {
            "`userName`".to_string()
        } else {
            matching.join(", then ")
        }
    );
    if !mapping.groups {
        out.push_str("; no group mapping (group cases are skipped)");
    }
    for (p, why) in &mapping.left_out {
        out.push_str(&format!("\n  no generated case for `{p}`: {why}"));
    }
    out
}

/// What the target publishes that contradicts what the run declares: capabilities against
/// `/Schemas`, `/ResourceTypes` and `/ServiceProviderConfig`, and mapped attributes that
/// `/Schemas` does not make discoverable (the gallery's Schema_Discoverability_Test).
pub(super) async fn cross_check(
    http: &Http,
    base_url: &str,
    absent: &[(Capability, String)],
    mapping: Option<&Mapping>,
) -> Vec<String> {
    let mut out = Vec::new();
    let schemas = match fetch_schemas(http, base_url).await {
        Ok(s) => s,
        Err(e) => {
            out.push(format!("cannot cross-check the declared capabilities: {e}"));
            return out;
        }
    };
    let groups_declared = declared(absent, Capability::Groups).is_none();
    out.extend(capability_contradictions(&schemas, absent));
    out.extend(endpoint_contradictions(http, base_url, groups_declared).await);
    if let Some(m) = mapping {
        out.extend(undiscoverable(&schemas, m, groups_declared));
    }
    out
}

/// Declared group and manager support against what `/Schemas` describes.
fn capability_contradictions(schemas: &[Value], absent: &[(Capability, String)]) -> Vec<String> {
    let mut out = Vec::new();
    let no_groups = declared(absent, Capability::Groups);
    let no_manager = declared(absent, Capability::Manager);
    let has_schema = |id: &str| {
        schemas.iter().any(|s| {
            s.get("id")
                .and_then(Value::as_str)
                .is_some_and(|i| i.eq_ignore_ascii_case(id))
        })
    };
    let group_schema = has_schema("urn:ietf:params:scim:schemas:core:2.0:Group");
    match no_groups {
        None if !group_schema => out.push("groups are taken as supported, but the target's /Schemas does not describe the core Group schema (Microsoft's gallery validation then fails every group test); pass --no-groups if the app has no groups, or publish the schema".into()),
        Some(said) if group_schema => out.push(format!("groups are declared unsupported ({said}), but the target's /Schemas describes the core Group schema; Entra's admin can still assign groups")),
        _ => {}
    }
    let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let manager_missing = !crate::run::discover::missing(
        schemas,
        "urn:ietf:params:scim:schemas:core:2.0:User",
        &[format!("{ent}:manager")],
    )
    .is_empty();
    match no_manager {
        None if manager_missing => out.push("the manager is taken as supported, but the target's /Schemas does not describe the enterprise `manager`; pass --no-manager if the app has no manager, or publish it".into()),
        Some(said) if !manager_missing => out.push(format!("the manager is declared unsupported ({said}), but the target's /Schemas describes the enterprise `manager`")),
        _ => {}
    }
    out
}

/// Declared group support against `/ResourceTypes`, and what `/ServiceProviderConfig` says
/// of PATCH and filtering, which Entra needs.
async fn endpoint_contradictions(
    http: &Http,
    base_url: &str,
    groups_declared: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(rt) = get_json(http, base_url, "/ResourceTypes").await {
        let listed = |name: &str| {
            rt.get("Resources")
                .and_then(Value::as_array)
                .is_some_and(|r| {
                    r.iter().any(|t| {
                        t.get("name")
                            .and_then(Value::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case(name))
                    })
                })
        };
        if groups_declared && !listed("Group") {
            out.push(
                "groups are taken as supported, but the target's /ResourceTypes has no Group; pass --no-groups if the app has no groups"
                    .into(),
            );
        }
    }
    if let Ok(spc) = get_json(http, base_url, "/ServiceProviderConfig").await {
        let supported = |k: &str| {
            spc.get(k)
                .and_then(|f| f.get("supported"))
                .and_then(Value::as_bool)
        };
        if supported("patch") == Some(false) {
            out.push("the target's /ServiceProviderConfig says PATCH is not supported; Entra sends every update as PATCH".into());
        }
        if supported("filter") == Some(false) {
            out.push("the target's /ServiceProviderConfig says filtering is not supported; Entra matches every object with a filter query".into());
        }
    }
    out
}

/// Mapped attributes `/Schemas` does not make discoverable.
fn undiscoverable(schemas: &[Value], m: &Mapping, groups_declared: bool) -> Vec<String> {
    let mut out = Vec::new();
    for (object, schema) in [
        (
            ObjectKind::User,
            "urn:ietf:params:scim:schemas:core:2.0:User",
        ),
        (
            ObjectKind::Group,
            "urn:ietf:params:scim:schemas:core:2.0:Group",
        ),
    ] {
        if object == ObjectKind::Group && (!m.groups || !groups_declared) {
            continue;
        }
        let wanted: Vec<String> = m.of(object).map(|a| a.path.clone()).collect();
        let missing = crate::run::discover::missing(schemas, schema, &wanted);
        if !missing.is_empty() {
            out.push(format!(
                    "mapped {} attributes the target's /Schemas does not make discoverable (the gallery's Schema_Discoverability_Test lists them): {}",
                    object.name(),
                    crate::diagnostic::backticked(&missing)
                ));
        }
    }
    out
}
