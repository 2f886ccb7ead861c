//! An OAuth 2.0 client-credentials token endpoint (`POST /oauth2/token`, RFC 6749 §4.4), so
//! that the gallery validation's Validate_Credentials_Test can be replayed against the
//! reference server. The client id is `scimtest`, the client secret is the server's bearer
//! token, and the access token issued is that same token, valid for an hour. Credentials are
//! accepted in the form body (`client_secret_post`, as the gate sends them) or in a Basic
//! header (`client_secret_basic`).

use super::app::{AppState, decode_component};
use super::defect::Defect;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

/// Where the endpoint answers (outside the SCIM base path).
pub const TOKEN_PATH: &str = "/oauth2/token";

/// The client id the endpoint accepts.
pub const CLIENT_ID: &str = "scimtest";

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The form's fields, decoded.
fn fields(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (decode_component(k), decode_component(v)))
        .collect()
}

/// The client id and secret of a Basic header.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Answers one token request.
pub(super) fn token(app: &AppState, headers: &HeaderMap, body: &[u8]) -> Response {
    let form = fields(body);
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if field("grant_type").as_deref() != Some("client_credentials") {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({"error": "unsupported_grant_type"}),
        );
    }
    let in_body = field("client_id").zip(field("client_secret"));
    let given = if app.has(Defect::TokenBasicOnly) {
        basic(headers)
    } else {
        in_body.or_else(|| basic(headers))
    };
    let token = app.token();
    let valid = given.is_some_and(|(id, secret)| {
        id == CLIENT_ID && super::app::constant_time_eq(secret.as_bytes(), token.as_bytes())
    });
    if !valid {
        return answer(StatusCode::UNAUTHORIZED, json!({"error": "invalid_client"}));
    }
    let lifetime = if app.has(Defect::TokenLifetime24h) {
        86_400
    } else {
        3600
    };
    answer(
        StatusCode::OK,
        json!({"access_token": token, "token_type": "Bearer", "expires_in": lifetime}),
    )
}
