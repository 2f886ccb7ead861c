//! SCIM error responses (RFC 7644 §3.12).

use serde_json::{Value, json};

/// The `scimType` of a 400 or 409 answer (RFC 7644 §3.12, Table 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimType {
    /// The filter syntax is invalid, or the filter names an unsupported attribute or operator.
    InvalidFilter,
    /// The filter would return more results than the server allows.
    TooMany,
    /// A value is not unique (userName, displayName).
    Uniqueness,
    /// The request writes an attribute its mutability does not allow.
    Mutability,
    /// The request body is not a valid SCIM message.
    InvalidSyntax,
    /// A PATCH path is invalid.
    InvalidPath,
    /// A PATCH path matches nothing.
    NoTarget,
    /// A value is missing, of the wrong type, or not allowed.
    InvalidValue,
    /// The protocol version is not supported.
    InvalidVers,
    /// The request holds sensitive information in its URI.
    Sensitive,
}

impl ScimType {
    /// The name as written in `scimType`.
    pub fn name(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }
}

/// An error the server answers with: HTTP status, optional `scimType` and a detail message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    /// HTTP status code.
    pub status: u16,
    /// RFC 7644 Table 9 error type, if one applies.
    pub scim_type: Option<ScimType>,
    /// Human-readable explanation.
    pub detail: String,
}

impl ScimError {
    /// 400 with a `scimType`.
    pub(crate) fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        ScimError {
            status: 400,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }
    /// 404 for a resource id.
    pub fn not_found(what: &str, id: &str) -> Self {
        ScimError {
            status: 404,
            scim_type: None,
            detail: format!("{what} {id} not found"),
        }
    }
    /// 409 uniqueness conflict.
    pub(crate) fn conflict(detail: impl Into<String>) -> Self {
        ScimError {
            status: 409,
            scim_type: Some(ScimType::Uniqueness),
            detail: detail.into(),
        }
    }
    /// 412 precondition failed (ETag mismatch).
    pub(crate) fn precondition(detail: impl Into<String>) -> Self {
        ScimError {
            status: 412,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// The RFC 7644 error body. `numeric_status` is a defect switch.
    pub fn body(&self, numeric_status: bool) -> Value {
        let status = if numeric_status {
            json!(self.status)
        } else {
            json!(self.status.to_string())
        };
        let mut body = json!({
            "schemas": [super::schema::ERROR],
            "status": status,
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t.name());
        }
        body
    }
}
