//! The JSON Schemas responses are validated against: loaded from `fixtures/schemas/` once,
//! compiled once, shared read-only by every case. References between the files resolve
//! through an in-memory registry; validation never touches the network.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// One rule a body broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the body.
    pub pointer: String,
    /// The rule, as the validator words it.
    pub message: String,
}

/// Compiled schemas by name (the file stem: `User`, `ListResponse`, …).
pub struct SchemaStore {
    validators: BTreeMap<String, jsonschema::Validator>,
}

impl std::fmt::Debug for SchemaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.validators.keys()).finish()
    }
}

impl SchemaStore {
    /// Loads and compiles every `*.json` in `dir`.
    pub fn load(dir: &Path) -> Result<Self, String> {
        Self::from_documents(read_dir(dir)?)
    }

    /// The schemas built into the binary, plus those in `dir` (a suite's own
    /// `fixtures/schemas`), which replace built-in schemas of the same name.
    pub(crate) fn builtin_with(dir: Option<&Path>) -> Result<Self, String> {
        let mut docs = BTreeMap::new();
        for (name, text) in crate::builtin::schemas() {
            let doc: Value = serde_json::from_str(text)
                .map_err(|e| format!("built-in schema `{name}` is not valid JSON: {e}"))?;
            docs.insert(name.to_string(), doc);
        }
        if let Some(dir) = dir {
            docs.extend(read_dir(dir)?);
        }
        Self::from_documents(docs)
    }

    /// Compiles schemas given as documents; each must carry an `$id`.
    pub fn from_documents(docs: BTreeMap<String, Value>) -> Result<Self, String> {
        let mut builder = jsonschema::Registry::new();
        for (name, doc) in &docs {
            let id = doc
                .get("$id")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("schema `{name}` has no `$id`"))?;
            builder = builder
                .add(id, doc.clone())
                .map_err(|e| format!("schema `{name}`: {e}"))?;
        }
        let registry = builder
            .prepare()
            .map_err(|e| format!("schema registry: {e}"))?;
        let mut validators = BTreeMap::new();
        for (name, doc) in &docs {
            let v = jsonschema::options()
                .with_registry(&registry)
                .should_validate_formats(true)
                .build(doc)
                .map_err(|e| format!("schema `{name}` does not compile: {e}"))?;
            validators.insert(name.clone(), v);
        }
        Ok(SchemaStore { validators })
    }

    /// The schema names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.validators.keys().cloned().collect()
    }

    /// Validates `body` against schema `name`; every violation is returned.
    pub fn validate(&self, name: &str, body: &Value) -> Result<Vec<Violation>, String> {
        let v = self
            .validators
            .get(name)
            .ok_or_else(|| format!("unknown schema `{name}`"))?;
        Ok(v.iter_errors(body)
            .map(|e| Violation {
                pointer: e.instance_path().to_string(),
                message: e.to_string(),
            })
            .collect())
    }
}

/// Every `*.json` in `dir`, parsed, by file stem.
fn read_dir(dir: &Path) -> Result<BTreeMap<String, Value>, String> {
    let mut docs: BTreeMap<String, Value> = BTreeMap::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the schema folder {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let doc: Value = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: not valid JSON: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        docs.insert(name, doc);
    }
    Ok(docs)
}
