//! An app's Entra attribute mapping, as scimtest needs it to generate cases: which SCIM
//! attributes Entra writes, with what type and mutability, and which of them it matches on.
//! Built by `load::mapping` from Entra's synchronization schema (`--entra-schema`) or from
//! the target's `/Schemas` (`--discover`).

use std::fmt;

/// The SCIM resource an attribute belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ObjectKind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

impl ObjectKind {
    /// `user` or `group`, as in generated case names.
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::User => "user",
            ObjectKind::Group => "group",
        }
    }

    /// The collection path, `/Users` or `/Groups`.
    pub fn collection(self) -> &'static str {
        match self {
            ObjectKind::User => "/Users",
            ObjectKind::Group => "/Groups",
        }
    }
}

/// The value type of a mapped attribute (RFC 7643 §2.3; Entra's `attributeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Text.
    String,
    /// `true`/`false`.
    Boolean,
    /// A whole number.
    Integer,
    /// A real number.
    Decimal,
    /// An RFC 3339 date-time.
    DateTime,
    /// Base64 text.
    Binary,
    /// A reference to another resource (the manager).
    Reference,
    /// A complex value (no single mapped value).
    Complex,
}

impl ValueType {
    /// Parses a type name from either source, ignoring case (`String`, `dateTime`, …).
    pub fn parse(name: &str) -> Option<ValueType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "string" => ValueType::String,
            "boolean" => ValueType::Boolean,
            "integer" | "int" => ValueType::Integer,
            "decimal" => ValueType::Decimal,
            "datetime" => ValueType::DateTime,
            "binary" => ValueType::Binary,
            "reference" => ValueType::Reference,
            "complex" => ValueType::Complex,
            _ => return None,
        })
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueType::String => "string",
            ValueType::Boolean => "boolean",
            ValueType::Integer => "integer",
            ValueType::Decimal => "decimal",
            ValueType::DateTime => "dateTime",
            ValueType::Binary => "binary",
            ValueType::Reference => "reference",
            ValueType::Complex => "complex",
        })
    }
}

/// When a client may write an attribute (RFC 7643 §7 `mutability`; Entra's `mutability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    /// Written on create and on update.
    ReadWrite,
    /// Written on create only.
    Immutable,
    /// Written, never returned: cannot be read back.
    WriteOnly,
    /// Never written by a client.
    ReadOnly,
}

impl Mutability {
    /// Parses a mutability from either source, ignoring case.
    pub fn parse(name: &str) -> Option<Mutability> {
        Some(match name.to_ascii_lowercase().as_str() {
            "readwrite" => Mutability::ReadWrite,
            "immutable" => Mutability::Immutable,
            "writeonly" => Mutability::WriteOnly,
            "readonly" => Mutability::ReadOnly,
            _ => return None,
        })
    }
}

/// One SCIM attribute the mapping writes.
#[derive(Debug, Clone, PartialEq)]
pub struct MappedAttribute {
    /// The resource it belongs to.
    pub object: ObjectKind,
    /// The attribute path exactly as Entra writes it: `title`, `name.givenName`,
    /// `emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:department`.
    pub path: String,
    /// Its value type.
    pub kind: ValueType,
    /// A multi-valued attribute written as a whole (not through a value path).
    pub multi: bool,
    /// When it may be written.
    pub mutability: Mutability,
    /// The app rejects a create without it.
    pub required: bool,
    /// Values the schema suggests (`canonicalValues`); generated values are taken from them.
    pub canonical: Vec<String>,
    /// Matching precedence (1 first), when Entra matches objects on it.
    pub matching: Option<u32>,
    /// Written only when the object is created (Entra's `flowType: ObjectAddOnly`).
    pub create_only: bool,
    /// What Entra maps to it (`[mail]`, `Join(" ", [givenName], [surname])`), for descriptions.
    pub source: Option<String>,
}

/// An app's mapping: the attributes Entra writes, and those it was told about but scimtest
/// leaves to the built-in suites (with the reason).
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// Where it came from (a file name, or the target's `/Schemas`).
    pub origin: String,
    /// The attributes cases are generated for, in the source's order.
    pub attributes: Vec<MappedAttribute>,
    /// Attributes no case is generated for, with why: `(path, reason)`.
    pub left_out: Vec<(String, String)>,
    /// Whether the mapping provisions groups at all.
    pub groups: bool,
    /// The target directory's user attributes, mapped or not (the app's "Edit attribute
    /// list"): what the gallery validation's discoverability and update tests read.
    pub directory: Vec<MappedAttribute>,
}

impl Mapping {
    /// The attributes of one resource.
    pub fn of(&self, object: ObjectKind) -> impl Iterator<Item = &MappedAttribute> {
        self.attributes.iter().filter(move |a| a.object == object)
    }

    /// The matching attributes of one resource, in precedence order.
    pub fn matching(&self, object: ObjectKind) -> Vec<&MappedAttribute> {
        let mut m: Vec<&MappedAttribute> =
            self.of(object).filter(|a| a.matching.is_some()).collect();
        m.sort_by_key(|a| a.matching);
        m
    }
}
