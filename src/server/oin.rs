//! The defects Okta's OIN gate catches and Entra does not (docs/cross-client.md A12-A15, C25),
//! and the one Okta tolerates and Entra does not (B17): each switched on by its `Defect`. `app.rs` calls these at the points the
//! behaviour changes, so the clean routes stay as they were.

use super::app::AppState;
use super::defect::Defect;
use super::error::ScimError;
use super::filter;
use super::schema::ResourceKind;
use super::store::{Query, Resource};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// How long `slow-groups-list` holds an unfiltered `GET /Groups`: past the 600 ms the OIN gate's
/// Groups step allows.
pub(super) const SLOW_LIST: Duration = Duration::from_millis(700);

/// The media type of every answer: `text/json` as in Okta's samples (`text-json-answers`),
/// `application/json` (`json-content-type`), else `application/scim+json`.
pub(super) fn response_type(app: &AppState) -> &'static str {
    if app.has(Defect::TextJsonAnswers) {
        "text/json;charset=UTF-8"
    } else if app.has(Defect::JsonContentType) {
        "application/json"
    } else {
        "application/scim+json"
    }
}

/// `typed-ids-400`: an id that does not parse as a UUID is refused as a bad request before
/// the store is asked, as a server with a typed id column does.
pub(super) fn typed_id(app: &AppState, id: &str) -> Result<(), ScimError> {
    if app.has(Defect::TypedIds400) && uuid::Uuid::parse_str(id).is_err() {
        return Err(ScimError::bad_request(
            super::error::ScimType::InvalidValue,
            format!("`{id}` is not a valid UUID"),
        ));
    }
    Ok(())
}

/// `non-scim-errors`: the error body a web framework writes when the SCIM layer does not: a
/// 401 with no body at all, any other error as the framework's own JSON (no `schemas`, no
/// `detail`, `status` a number). `None`: the SCIM error body stands.
pub(super) fn framework_error(app: &AppState, e: &ScimError, path: &str) -> Option<Option<Value>> {
    if !app.has(Defect::NonScimErrors) {
        return None;
    }
    if e.status == 401 {
        return Some(None);
    }
    let reason = StatusCode::from_u16(e.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    Some(Some(json!({
        "timestamp": super::store::now_rfc3339(),
        "status": e.status,
        "error": reason,
        "path": path,
    })))
}

/// `application-json-refused`: a body typed `application/json` (what the OIN gate POSTs)
/// gets 415.
pub(super) fn json_body_refused(app: &AppState, content_type: &str, body_empty: bool) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    app.has(Defect::ApplicationJsonRefused) && !body_empty && media == "application/json"
}

/// `summary-lists`: whether an unfiltered list answers summary objects (id, userName or
/// displayName, meta) instead of full resources.
pub(super) fn summary_list(app: &AppState, filtered: bool) -> bool {
    app.has(Defect::SummaryLists) && !filtered
}

/// `slow-groups-list`: whether this request is an unfiltered `GET /Groups` to hold back.
pub(super) fn slow(app: &AppState, method: &Method, path: &str, query: Option<&str>) -> bool {
    app.has(Defect::SlowGroupsList)
        && method == Method::GET
        && path
            .trim_end_matches('/')
            .to_ascii_lowercase()
            .ends_with("/groups")
        && !query.is_some_and(|q| q.to_ascii_lowercase().contains("filter="))
}

/// `idempotent-create`: the resource a refused duplicate create names (same userName or
/// displayName), to answer 200 with it instead of 409.
pub(super) fn existing(
    app: &AppState,
    kind: ResourceKind,
    body: &Value,
    refused: &ScimError,
) -> Option<Resource> {
    if !app.has(Defect::IdempotentCreate) || refused.status != 409 {
        return None;
    }
    let attr = match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    };
    let name = serde_json::to_string(body.get(attr)?.as_str()?).ok()?;
    let query = Query {
        filter: Some(filter::parse(&format!("{attr} eq {name}")).ok()?),
        start_index: 1,
        count: 1,
        ..Query::default()
    };
    app.store.query(kind, &query).resources.into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::app::ServerConfig;
    use crate::server::defect::Defects;

    fn app(d: Defect) -> std::sync::Arc<AppState> {
        AppState::new(ServerConfig {
            base_path: "/scim/v2".into(),
            token: "t".into(),
            defects: Defects::new([d]),
            throttle_every: 0,
            limits: Default::default(),
        })
    }

    #[test]
    fn each_defect_changes_only_its_behaviour() {
        let typed = app(Defect::TypedIds400);
        assert!(typed_id(&typed, "010101001010101011001010101011").is_err());
        assert!(typed_id(&typed, "0f8fad5b-d9cb-469f-a165-70867728950e").is_ok());
        assert!(typed_id(&app(Defect::NoAuth), "0101").is_ok());
        let refuse = app(Defect::ApplicationJsonRefused);
        assert!(json_body_refused(&refuse, "application/json", false));
        assert!(json_body_refused(
            &refuse,
            "Application/JSON; charset=utf-8",
            false
        ));
        assert!(!json_body_refused(&refuse, "application/scim+json", false));
        assert!(!json_body_refused(&refuse, "application/json", true));
        let slow_app = app(Defect::SlowGroupsList);
        assert!(slow(&slow_app, &Method::GET, "/scim/v2/Groups", None));
        assert!(!slow(
            &slow_app,
            &Method::GET,
            "/scim/v2/Groups",
            Some("filter=displayName%20eq%20%22x%22")
        ));
        assert!(!slow(&slow_app, &Method::GET, "/scim/v2/Users", None));
        let errors = app(Defect::NonScimErrors);
        let e = ScimError::not_found("User", "x");
        let body = framework_error(&errors, &e, "/scim/v2/Users/x")
            .unwrap()
            .unwrap();
        assert!(body.get("schemas").is_none() && body.get("detail").is_none());
        assert_eq!(body["status"], 404);
        let unauthorized = ScimError {
            status: 401,
            scim_type: None,
            detail: "no".into(),
        };
        assert_eq!(framework_error(&errors, &unauthorized, "/"), Some(None));
        assert_eq!(
            response_type(&app(Defect::TextJsonAnswers)),
            "text/json;charset=UTF-8"
        );
    }
}
