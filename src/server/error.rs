//! SCIM error responses (RFC 7644 §3.12).

use serde_json::{Value, json};

/// An error the server answers with: HTTP status, optional `scimType` and a detail message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    /// HTTP status code.
    pub status: u16,
    /// RFC 7644 Table 9 error type, if one applies.
    pub scim_type: Option<&'static str>,
    /// Human-readable explanation.
    pub detail: String,
}

impl ScimError {
    /// 400 with a `scimType`.
    pub(crate) fn bad_request(scim_type: &'static str, detail: impl Into<String>) -> Self {
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
            scim_type: Some("uniqueness"),
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
            body["scimType"] = json!(t);
        }
        body
    }
}
