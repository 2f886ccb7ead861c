//! The reference server's resource schemas (RFC 7643 §4, §8.7.1), as data.
//!
//! One description serves three purposes: the `/Schemas` endpoint renders it, incoming
//! attribute names are mapped onto its canonical spelling (attribute names are
//! case-insensitive, RFC 7643 §2.1), and filters use it to know whether a comparison is
//! case-exact and whether an attribute is multi-valued or boolean.

use serde_json::{Value, json};
use std::sync::{OnceLock, RwLock};

/// URN of the core User schema.
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// URN of the enterprise User extension.
pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// URN of the core Group schema.
pub(crate) const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// URN of the ListResponse message.
pub(crate) const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// URN of the Error message.
pub(crate) const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// URN of the PatchOp message.
pub(crate) const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The SCIM data type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A string.
    String,
    /// A boolean (Entra may send `"True"`/`"False"` strings).
    Boolean,
    /// A date-time string.
    DateTime,
    /// A reference (URI) string.
    Reference,
    /// A complex attribute with sub-attributes.
    Complex,
    /// A whole number (learnt schemas only).
    Integer,
    /// A real number (learnt schemas only).
    Decimal,
    /// Base64 text (learnt schemas only).
    Binary,
}

impl Kind {
    /// The RFC 7643 §7 `type` name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Boolean => "boolean",
            Kind::DateTime => "dateTime",
            Kind::Reference => "reference",
            Kind::Complex => "complex",
            Kind::Integer => "integer",
            Kind::Decimal => "decimal",
            Kind::Binary => "binary",
        }
    }

    fn parse(name: &str) -> Option<Kind> {
        [
            Kind::String,
            Kind::Boolean,
            Kind::DateTime,
            Kind::Reference,
            Kind::Complex,
            Kind::Integer,
            Kind::Decimal,
            Kind::Binary,
        ]
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(name))
    }
}

/// Who may write an attribute (RFC 7643 §2.2 `mutability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    /// Written on create and on update.
    ReadWrite,
    /// Only the server writes it.
    ReadOnly,
    /// Written on create only.
    Immutable,
    /// Written, never returned.
    WriteOnly,
}

impl Mutability {
    /// Every value, in the RFC's order.
    pub const ALL: [Mutability; 4] = [
        Mutability::ReadWrite,
        Mutability::ReadOnly,
        Mutability::Immutable,
        Mutability::WriteOnly,
    ];

    /// The name as written in a schema.
    pub const fn name(self) -> &'static str {
        match self {
            Mutability::ReadWrite => "readWrite",
            Mutability::ReadOnly => "readOnly",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }

    /// The value named `name`, exactly as a schema writes it.
    pub fn parse(name: &str) -> Option<Mutability> {
        Self::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// One attribute of a schema.
#[derive(Debug, Clone)]
pub struct Attr {
    /// Canonical name.
    pub name: &'static str,
    /// Data type.
    pub kind: Kind,
    /// Whether the attribute holds a list.
    pub multi: bool,
    /// Whether string comparison is case-sensitive.
    pub case_exact: bool,
    /// Whether the attribute is required on create.
    pub required: bool,
    /// Who may write it (RFC 7643 §2.2).
    pub mutability: Mutability,
    /// `always`, `default`, `request`, `never`.
    pub returned: &'static str,
    /// `none`, `server`, `global`.
    pub uniqueness: &'static str,
    /// Sub-attributes of a complex attribute.
    pub subs: Vec<Attr>,
    /// The values a `type` sub-attribute suggests (RFC 7643 §7 `canonicalValues`). Microsoft's
    /// gallery validation needs them to discover `emails[type eq "work"].value`.
    pub canonical: &'static [&'static str],
}

impl Attr {
    fn new(name: &'static str, kind: Kind) -> Self {
        Attr {
            name,
            kind,
            multi: false,
            case_exact: false,
            required: false,
            mutability: Mutability::ReadWrite,
            returned: "default",
            uniqueness: "none",
            subs: Vec::new(),
            canonical: &[],
        }
    }
    fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical = values;
        self
    }
    fn multi(mut self) -> Self {
        self.multi = true;
        self
    }
    fn exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn read_only(mut self) -> Self {
        self.mutability = Mutability::ReadOnly;
        self
    }
    fn returned(mut self, returned: &'static str) -> Self {
        self.returned = returned;
        self
    }
    fn unique(mut self) -> Self {
        self.uniqueness = "server";
        self
    }
    fn subs(mut self, subs: Vec<Attr>) -> Self {
        self.subs = subs;
        self
    }

    /// Finds a sub-attribute by name, ignoring case.
    pub fn sub(&self, name: &str) -> Option<&Attr> {
        self.subs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The RFC 7643 §7 representation of this attribute.
    pub(crate) fn to_json(&self) -> Value {
        let mut out = json!({
            "name": self.name,
            "type": self.kind.name(),
            "multiValued": self.multi,
            "description": format!("{} attribute.", self.name),
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability.name(),
            "returned": self.returned,
            "uniqueness": self.uniqueness,
        });
        if self.kind == Kind::Reference {
            out["referenceTypes"] = json!(["User", "Group", "external"]);
        }
        if !self.subs.is_empty() {
            out["subAttributes"] = Value::Array(self.subs.iter().map(Attr::to_json).collect());
        }
        if !self.canonical.is_empty() {
            out["canonicalValues"] = json!(self.canonical);
        }
        out
    }
}

/// A schema: its URN, display name and attributes.
#[derive(Debug)]
pub struct Schema {
    /// Schema URN.
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// Human description.
    pub description: &'static str,
    /// Top-level attributes.
    pub attrs: Vec<Attr>,
}

impl Schema {
    /// Finds an attribute by name, ignoring case.
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The RFC 7643 §7 Schema resource, with `meta.location` under `base`. The core schemas
    /// also list `externalId`: Entra maps to it (the gallery validation no longer requires it
    /// to be discoverable since SCIMTests @36451beb, but earlier revisions did). `canonical` false drops `canonicalValues` (a
    /// defect switch).
    pub(crate) fn to_json_with(&self, base: &str, canonical: bool) -> Value {
        let mut attrs: Vec<Value> = Vec::new();
        if self.id == USER || self.id == GROUP {
            let ext = &catalog().common[1];
            attrs.push(ext.to_json());
        }
        attrs.extend(self.attrs.iter().map(|a| {
            let mut j = a.to_json();
            if !canonical {
                strip_canonical(&mut j);
            }
            j
        }));
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": attrs,
            "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{}", self.id)},
        })
    }
}

fn strip_canonical(v: &mut Value) {
    if let Some(o) = v.as_object_mut() {
        o.remove("canonicalValues");
        if let Some(Value::Array(subs)) = o.get_mut("subAttributes") {
            subs.iter_mut().for_each(strip_canonical);
        }
    }
}

fn multi_valued(name: &'static str, types: &'static [&'static str]) -> Attr {
    let subs = vec![
        Attr::new("value", Kind::String),
        Attr::new("display", Kind::String),
        Attr::new("type", Kind::String).canonical(types),
        Attr::new("primary", Kind::Boolean),
    ];
    Attr::new(name, Kind::Complex).multi().subs(subs)
}

fn user() -> Schema {
    use Kind::*;
    let name = Attr::new("name", Complex).subs(vec![
        Attr::new("formatted", String),
        Attr::new("familyName", String),
        Attr::new("givenName", String),
        Attr::new("middleName", String),
        Attr::new("honorificPrefix", String),
        Attr::new("honorificSuffix", String),
    ]);
    let address = Attr::new("addresses", Complex).multi().subs(vec![
        Attr::new("formatted", String),
        Attr::new("streetAddress", String),
        Attr::new("locality", String),
        Attr::new("region", String),
        Attr::new("postalCode", String),
        Attr::new("country", String),
        Attr::new("type", String).canonical(&["work", "home", "other"]),
        Attr::new("primary", Boolean),
    ]);
    let group_ref = Attr::new("groups", Complex).multi().read_only().subs(vec![
        Attr::new("value", String).read_only(),
        Attr::new("$ref", Reference).read_only(),
        Attr::new("display", String).read_only(),
        Attr::new("type", String).read_only(),
    ]);
    Schema {
        id: USER,
        name: "User",
        description: "User Account",
        attrs: vec![
            Attr::new("userName", String).required().unique(),
            name,
            Attr::new("displayName", String),
            Attr::new("nickName", String),
            Attr::new("profileUrl", Reference),
            Attr::new("title", String),
            Attr::new("userType", String),
            Attr::new("preferredLanguage", String),
            Attr::new("locale", String),
            Attr::new("timezone", String),
            Attr::new("active", Boolean),
            Attr::new("password", String).returned("never").exact(),
            // canonicalValues as RFC 7643 §4.1.2 suggests them.
            multi_valued("emails", &["work", "home", "other"]),
            multi_valued(
                "phoneNumbers",
                &["work", "home", "mobile", "fax", "pager", "other"],
            ),
            multi_valued(
                "ims",
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            ),
            multi_valued("photos", &["photo", "thumbnail"]),
            address,
            group_ref,
            multi_valued("entitlements", &[]),
            multi_valued("roles", &[]),
            multi_valued("x509Certificates", &[]),
        ],
    }
}

fn enterprise() -> Schema {
    use Kind::*;
    Schema {
        id: ENTERPRISE,
        name: "EnterpriseUser",
        description: "Enterprise User",
        attrs: vec![
            Attr::new("employeeNumber", String),
            Attr::new("costCenter", String),
            Attr::new("organization", String),
            Attr::new("division", String),
            Attr::new("department", String),
            Attr::new("manager", Complex).subs(vec![
                Attr::new("value", String),
                Attr::new("$ref", Reference),
                Attr::new("displayName", String).read_only(),
            ]),
        ],
    }
}

fn group() -> Schema {
    use Kind::*;
    Schema {
        id: GROUP,
        name: "Group",
        description: "Group",
        attrs: vec![
            Attr::new("displayName", String).required().unique(),
            Attr::new("members", Complex).multi().subs(vec![
                Attr::new("value", String).exact(),
                Attr::new("$ref", Reference),
                Attr::new("display", String),
                Attr::new("type", String),
            ]),
        ],
    }
}

/// Attributes every resource has (RFC 7643 §3.1), looked up before the schema's own.
fn common() -> Vec<Attr> {
    use Kind::*;
    vec![
        Attr::new("id", String)
            .exact()
            .read_only()
            .returned("always")
            .unique(),
        Attr::new("externalId", String).exact(),
        Attr::new("meta", Complex).read_only().subs(vec![
            Attr::new("resourceType", String).read_only(),
            Attr::new("created", DateTime).read_only(),
            Attr::new("lastModified", DateTime).read_only(),
            Attr::new("location", Reference).read_only(),
            Attr::new("version", String).exact().read_only(),
        ]),
    ]
}

/// All schemas the server knows, built once.
pub struct Catalog {
    /// Core User.
    pub user: Schema,
    /// Enterprise extension.
    pub enterprise: Schema,
    /// Core Group.
    pub group: Schema,
    /// id, externalId, meta.
    pub common: Vec<Attr>,
    /// Extension schemas learnt with `serve --schema` ([`learn`]).
    learnt: RwLock<Vec<&'static Schema>>,
}

impl Catalog {
    /// Every schema, in `/Schemas` order: core User, the User extensions, core Group, the
    /// Group extensions.
    pub fn all(&self) -> Vec<&Schema> {
        let mut out = vec![&self.user];
        out.extend(ResourceKind::User.extensions());
        out.push(&self.group);
        out.extend(ResourceKind::Group.extensions());
        out
    }
}

/// Which resource type an extension URN extends: by the RFC 7643 naming convention, the last
/// segment (`urn:…:extension:<Name>:2.0:User`).
fn extends(urn: &str) -> Option<ResourceKind> {
    let last = urn.rsplit(':').next()?;
    [ResourceKind::User, ResourceKind::Group]
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(last))
}

/// Teaches the server extension schemas (RFC 7643 §7 Schema resources: one object, an array,
/// or a ListResponse of them); returns their ids. From then on it accepts, stores, publishes
/// and filters their attributes. The catalogue is process-wide: a process runs one reference
/// server (`scimtest serve`, or the one `scimtest run` starts), so learning is for the
/// process. A schema learnt twice keeps its first definition; the core schemas cannot be
/// replaced.
pub fn learn(doc: &Value) -> Result<Vec<String>, String> {
    let list: Vec<&Value> = match doc {
        Value::Array(items) => items.iter().collect(),
        Value::Object(o) if o.contains_key("Resources") => o["Resources"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
        other => vec![other],
    };
    let mut ids = Vec::new();
    for s in list {
        let schema = parse_schema(s)?;
        let c = catalog();
        if [USER, GROUP, ENTERPRISE]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(schema.id))
        {
            continue;
        }
        ids.push(schema.id.to_string());
        let mut learnt = c.learnt.write().unwrap_or_else(|e| e.into_inner());
        if !learnt.iter().any(|l| l.id.eq_ignore_ascii_case(schema.id)) {
            learnt.push(Box::leak(Box::new(schema)));
        }
    }
    Ok(ids)
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

fn parse_schema(v: &Value) -> Result<Schema, String> {
    let text = |k: &str| v.get(k).and_then(Value::as_str);
    let id = text("id").ok_or("a schema needs an `id` (its URN)")?;
    if extends(id).is_none() {
        return Err(format!(
            "schema `{id}`: an extension id ends with `:User` or `:Group` (urn:ietf:params:scim:schemas:extension:<Name>:2.0:User)"
        ));
    }
    let attrs = v
        .get("attributes")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("schema `{id}` has no `attributes` list"))?
        .iter()
        .map(|a| parse_attr(a).map_err(|e| format!("schema `{id}`: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Schema {
        id: leak(id),
        name: leak(text("name").unwrap_or(id.rsplit(':').nth(2).unwrap_or(id))),
        description: leak(text("description").unwrap_or("")),
        attrs,
    })
}

fn parse_attr(v: &Value) -> Result<Attr, String> {
    let name = v
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or("every attribute needs a `name`")?;
    let kind_name = v.get("type").and_then(Value::as_str).unwrap_or("string");
    let kind = Kind::parse(kind_name)
        .ok_or_else(|| format!("attribute `{name}` has the unknown type `{kind_name}`"))?;
    let flag = |k: &str| v.get(k).and_then(Value::as_bool).unwrap_or(false);
    let word = |k: &str,
                default: &'static str,
                allowed: &[&'static str]|
     -> Result<&'static str, String> {
        match v.get(k).and_then(Value::as_str) {
            None => Ok(default),
            Some(w) => allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(w))
                .copied()
                .ok_or_else(|| {
                    format!(
                        "attribute `{name}`: `{k}` cannot be `{w}` (one of {})",
                        allowed.join(", ")
                    )
                }),
        }
    };
    let canonical: Vec<&'static str> = v
        .get("canonicalValues")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(leak).collect())
        .unwrap_or_default();
    let subs = v
        .get("subAttributes")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(parse_attr).collect::<Result<Vec<_>, _>>())
        .transpose()?
        .unwrap_or_default();
    Ok(Attr {
        name: leak(name),
        kind,
        multi: flag("multiValued"),
        case_exact: flag("caseExact"),
        required: flag("required"),
        mutability: Mutability::parse(word(
            "mutability",
            "readWrite",
            &Mutability::ALL.map(Mutability::name),
        )?)
        .expect("word() answers one of the names"),
        returned: word(
            "returned",
            "default",
            &["always", "default", "request", "never"],
        )?,
        uniqueness: word("uniqueness", "none", &["none", "server", "global"])?,
        subs,
        canonical: Box::leak(canonical.into_boxed_slice()),
    })
}

/// The process-wide schema catalogue.
pub(crate) fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog {
        user: user(),
        enterprise: enterprise(),
        group: group(),
        common: common(),
        learnt: RwLock::new(Vec::new()),
    })
}

/// The kind of resource an endpoint serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

impl ResourceKind {
    /// `User` or `Group`, as in `meta.resourceType`.
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }
    /// The endpoint path segment.
    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceKind::User => "Users",
            ResourceKind::Group => "Groups",
        }
    }
    /// The core schema.
    pub fn core(self) -> &'static Schema {
        match self {
            ResourceKind::User => &catalog().user,
            ResourceKind::Group => &catalog().group,
        }
    }
    /// The extension schemas the resource type allows: the enterprise extension for users,
    /// then the learnt ones.
    pub(crate) fn extensions(self) -> Vec<&'static Schema> {
        let c = catalog();
        let mut out: Vec<&'static Schema> = match self {
            ResourceKind::User => vec![&c.enterprise],
            ResourceKind::Group => Vec::new(),
        };
        let learnt = c.learnt.read().unwrap_or_else(|e| e.into_inner());
        out.extend(
            learnt
                .iter()
                .copied()
                .filter(|s| extends(s.id) == Some(self)),
        );
        out
    }

    /// The extension schema of this resource type whose id is `urn` (ignoring case).
    pub fn extension(self, urn: &str) -> Option<&'static Schema> {
        let urn = urn.trim();
        self.extensions()
            .into_iter()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Resolves a top-level attribute name (common or core) ignoring case.
    pub fn attr(self, name: &str) -> Option<&'static Attr> {
        catalog()
            .common
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .or_else(|| self.core().attr(name))
    }
}

/// The `/ResourceTypes` entries (RFC 7643 §6), with the extensions each type allows.
pub(crate) fn resource_types(base: &str) -> Vec<Value> {
    [ResourceKind::User, ResourceKind::Group]
        .into_iter()
        .map(|kind| {
            let mut r = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
                "id": kind.name(), "name": kind.name(), "endpoint": format!("/{}", kind.endpoint()),
                "description": match kind { ResourceKind::User => "User Account", ResourceKind::Group => "Group" },
                "schema": kind.core().id,
                "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{}", kind.name())},
            });
            let ext: Vec<Value> = kind
                .extensions()
                .iter()
                .map(|s| json!({"schema": s.id, "required": false}))
                .collect();
            if !ext.is_empty() {
                r["schemaExtensions"] = Value::Array(ext);
            }
            r
        })
        .collect()
}

/// The `/ServiceProviderConfig` document (RFC 7643 §5).
pub(crate) fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://example.com/scimtest",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": 1000},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication scheme using the OAuth Bearer Token Standard",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    })
}
