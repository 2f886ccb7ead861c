//! The HTTP face of the reference server: routing, authentication, query parameters, response
//! shapes. One fallback handler routes by hand so that the base path is configurable and a
//! doubled `/` between base and resource (a common Tenant URL typo) is tolerated.

use super::defect::{Defect, Defects};
use super::error::{ScimError, ScimType};
use super::filter;
use super::patch;
use super::resource::{self, Coercion, Projection};
use super::schema::{self, LIST_RESPONSE, ResourceKind, catalog};
use super::store::{Query, Resource, Store};
use super::strict;
use crate::percent::decode;
pub use crate::percent::decode_component;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Settings of one server instance.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Path prefix of every endpoint, e.g. `/scim/v2` (empty for the root).
    pub base_path: String,
    /// Bearer token every request must carry.
    pub token: String,
    /// Defects switched on.
    pub defects: Defects,
    /// Answer every Nth request with 429 and `Retry-After: 1` (0: never), to rehearse
    /// throttling.
    pub throttle_every: u64,
    /// How much the server stores.
    pub limits: super::store::Limits,
}

/// Largest request body read (413 beyond).
pub(crate) const MAX_BODY: usize = 2 * 1024 * 1024;
/// Longest a client may take to send a request body (408 beyond).
pub(crate) const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// Shared state of a running server.
pub struct AppState {
    config: ServerConfig,
    requests: std::sync::atomic::AtomicU64,
    /// The resources.
    pub store: Store,
}

impl AppState {
    /// A fresh, empty server state.
    pub fn new(config: ServerConfig) -> Arc<Self> {
        let store = Store::with_limits(config.defects.clone(), config.limits);
        Arc::new(AppState {
            config,
            store,
            requests: Default::default(),
        })
    }
    pub(super) fn has(&self, d: Defect) -> bool {
        self.config.defects.has(d)
    }

    /// The bearer token requests must carry (also the token endpoint's client secret).
    pub(super) fn token(&self) -> &str {
        &self.config.token
    }
}

/// The axum router.
pub fn router(state: Arc<AppState>) -> axum::Router {
    axum::Router::new().fallback(handle).with_state(state)
}

/// Default page size; Entra's samples show 20–50, and the SCIM validator pages by 5.
const DEFAULT_COUNT: usize = 100;
/// Largest page served (advertised as `filter.maxResults`).
const MAX_COUNT: usize = 1000;

struct Reply {
    status: StatusCode,
    body: Option<Value>,
    location: Option<String>,
    etag: Option<String>,
}

impl Reply {
    fn json(status: StatusCode, body: Value) -> Self {
        Reply {
            status,
            body: Some(body),
            location: None,
            etag: None,
        }
    }
    fn empty(status: StatusCode) -> Self {
        Reply {
            status,
            body: None,
            location: None,
            etag: None,
        }
    }
}

async fn handle(
    State(app): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let scim_type = super::oin::response_type(&app);
    let n = app
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        + 1;
    if app.config.throttle_every > 0 && n % app.config.throttle_every == 0 {
        return throttled(scim_type);
    }
    if method == Method::POST && uri.path() == super::token::TOKEN_PATH {
        return match read_body(body).await {
            Ok(body) => super::token::token(&app, &headers, &body),
            Err(e) => (
                StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST),
                e.detail,
            )
                .into_response(),
        };
    }
    if super::oin::slow(&app, &method, uri.path(), uri.query()) {
        tokio::time::sleep(super::oin::SLOW_LIST).await;
    }
    let result = if authorized(&app, &headers) {
        match read_body(body).await {
            Ok(body) => strict_media_types(&app, &headers, &body)
                .and_then(|()| route(&app, &method, &uri, &headers, &body)),
            Err(e) => Err(e),
        }
    } else {
        Err(ScimError {
            status: 401,
            scim_type: None,
            detail: "missing or invalid bearer token".into(),
        })
    };
    let (reply, unauthorized) = match result {
        Ok(r) => (r, false),
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let reply = match super::oin::framework_error(&app, &e, uri.path()) {
                Some(Some(body)) => Reply::json(status, body),
                Some(None) => Reply::empty(status),
                None => Reply::json(status, e.body(app.has(Defect::NumericErrorStatus))),
            };
            (reply, e.status == 401)
        }
    };
    write_reply(reply, scim_type, unauthorized)
}

/// The 429 the `throttle_every` setting answers with: a SCIM error and `Retry-After: 1`.
fn throttled(scim_type: &'static str) -> Response {
    let e = ScimError {
        status: 429,
        scim_type: None,
        detail: "too many requests; retry after 1 s".into(),
    };
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        serde_json::to_vec(&e.body(false)).expect("JSON values serialise"),
    )
        .into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(scim_type));
    h.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Turns a routed reply into the HTTP response: the body, its media type (none on 204 and 304),
/// `Location`, `ETag`, and the `WWW-Authenticate` challenge on a 401.
fn write_reply(reply: Reply, scim_type: &'static str, unauthorized: bool) -> Response {
    let mut response = match reply.body {
        Some(body) => (
            reply.status,
            serde_json::to_vec(&body).expect("JSON values serialise"),
        )
            .into_response(),
        None => reply.status.into_response(),
    };
    let h = response.headers_mut();
    if reply.status != StatusCode::NO_CONTENT && reply.status != StatusCode::NOT_MODIFIED {
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(scim_type));
    }
    if let Some(loc) = reply.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        h.insert(header::LOCATION, loc);
    }
    if let Some(tag) = reply.etag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        h.insert(header::ETAG, tag);
    }
    if unauthorized {
        h.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"scimtest\""),
        );
    }
    response
}

/// Reads the request body: at most `MAX_BODY` bytes (413), within `BODY_TIMEOUT` (408), so a
/// slow or huge upload cannot hold the server.
async fn read_body(body: axum::body::Body) -> Result<Bytes, ScimError> {
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(b)) => Ok(b),
        Ok(Err(_)) => Err(ScimError {
            status: 413,
            scim_type: None,
            detail: format!(
                "the request body is larger than {} MiB, or could not be read",
                MAX_BODY / (1024 * 1024)
            ),
        }),
        Err(_) => Err(ScimError {
            status: 408,
            scim_type: None,
            detail: format!(
                "the request body did not arrive within {} s",
                BODY_TIMEOUT.as_secs()
            ),
        }),
    }
}

/// The media-type strictness defects: exact Content-Type matching and a required Accept.
fn strict_media_types(app: &AppState, headers: &HeaderMap, body: &Bytes) -> Result<(), ScimError> {
    let value = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    if app.has(Defect::CharsetRejected)
        && !body.is_empty()
        && value(header::CONTENT_TYPE).contains(';')
    {
        return Err(ScimError {
            status: 415,
            scim_type: None,
            detail: format!("unsupported media type `{}`", value(header::CONTENT_TYPE)),
        });
    }
    if super::oin::json_body_refused(app, value(header::CONTENT_TYPE), body.is_empty()) {
        return Err(ScimError {
            status: 415,
            scim_type: None,
            detail: "unsupported media type `application/json`".into(),
        });
    }
    if app.has(Defect::AcceptRequired) && !value(header::ACCEPT).contains("application/scim+json") {
        return Err(ScimError {
            status: 406,
            scim_type: None,
            detail: "Accept must include application/scim+json".into(),
        });
    }
    Ok(())
}

fn authorized(app: &AppState, headers: &HeaderMap) -> bool {
    if app.has(Defect::NoAuth) {
        return true;
    }
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let token = app.config.token.as_bytes();
    let Some((scheme, given)) = value.split_once(' ') else {
        // The token as the whole value: the OIN Wizard's "Header" authentication.
        return !app.has(Defect::BearerOnlyAuth) && constant_time_eq(value.as_bytes(), token);
    };
    if scheme.eq_ignore_ascii_case("bearer") {
        return constant_time_eq(given.trim().as_bytes(), token);
    }
    // Okta's template apps authenticate with Basic: any user name, the token as password.
    !app.has(Defect::BearerOnlyAuth)
        && scheme.eq_ignore_ascii_case("basic")
        && base64::engine::general_purpose::STANDARD
            .decode(given.trim())
            .ok()
            .and_then(|d| {
                let text = String::from_utf8(d).ok()?;
                text.split_once(':')
                    .map(|(_, password)| constant_time_eq(password.as_bytes(), token))
            })
            .unwrap_or(false)
}

/// Compares secrets without an early exit, so timing does not reveal a matching prefix.
pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn query_params(uri: &Uri, plus_is_space: bool) -> Vec<(String, String)> {
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k, plus_is_space), decode(v, plus_is_space)),
            None => (decode(p, plus_is_space), String::new()),
        })
        .collect()
}

const KNOWN_PARAMS: &[&str] = &[
    "filter",
    "startindex",
    "count",
    "sortby",
    "sortorder",
    "attributes",
    "excludedattributes",
];

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn base_url(app: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}{}", app.config.base_path)
}

/// What a request path names below the base path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint<'a> {
    /// `/Users`, `/Groups`.
    Collection(ResourceKind),
    /// `/Users/.search`, `/Groups/.search`, or `/.search` across both (RFC 7644 §3.4.3).
    Search(Option<ResourceKind>),
    /// `/Users/{id}`, `/Groups/{id}`.
    Resource(ResourceKind, &'a str),
    /// A discovery endpoint (RFC 7644 §4), with the id that follows, if any.
    Discovery(Discovery, Option<&'a str>),
}

/// The read-only discovery endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Discovery {
    ServiceProviderConfig,
    Schemas,
    ResourceTypes,
}

impl Discovery {
    const ALL: [(Discovery, &'static str); 3] = [
        (Discovery::ServiceProviderConfig, "ServiceProviderConfig"),
        (Discovery::Schemas, "Schemas"),
        (Discovery::ResourceTypes, "ResourceTypes"),
    ];

    /// The endpoint a path segment names (case-insensitive).
    fn parse(segment: &str) -> Option<Discovery> {
        Self::ALL
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(segment))
            .map(|(d, _)| *d)
    }
}

impl<'a> Endpoint<'a> {
    /// The endpoint the decoded path segments name; `None` is a 404.
    fn parse(segments: &[&'a str]) -> Option<Endpoint<'a>> {
        let kind = |s: &str| {
            if s.eq_ignore_ascii_case("Users") {
                Some(ResourceKind::User)
            } else if s.eq_ignore_ascii_case("Groups") {
                Some(ResourceKind::Group)
            } else {
                None
            }
        };
        let search = |s: &str| s.eq_ignore_ascii_case(".search");
        match (segments, segments.first().and_then(|s| kind(s))) {
            ([_], Some(k)) => Some(Endpoint::Collection(k)),
            ([_, s], Some(k)) if search(s) => Some(Endpoint::Search(Some(k))),
            ([_, id], Some(k)) => Some(Endpoint::Resource(k, id)),
            ([s], None) if search(s) => Some(Endpoint::Search(None)),
            ([s], None) => Discovery::parse(s).map(|d| Endpoint::Discovery(d, None)),
            ([s, id], None) => Discovery::parse(s).map(|d| Endpoint::Discovery(d, Some(id))),
            _ => None,
        }
    }
}

/// One request as the routes see it.
struct Request<'a> {
    method: &'a Method,
    path: &'a str,
    params: Vec<(String, String)>,
    headers: &'a HeaderMap,
    body: &'a Bytes,
    base_url: String,
}

impl Request<'_> {
    fn not_found(&self) -> ScimError {
        ScimError {
            status: 404,
            scim_type: None,
            detail: format!("no endpoint at {}", self.path),
        }
    }

    fn method_not_allowed(&self) -> ScimError {
        ScimError {
            status: 405,
            scim_type: None,
            detail: format!("{} is not supported on {}", self.method, self.path),
        }
    }
}

/// The decoded path segments below the base path; `None` when the path is outside it.
fn segments(app: &AppState, path: &str) -> Option<Vec<String>> {
    let base = app.config.base_path.trim_end_matches('/');
    let rest = if base.is_empty() {
        Some(path)
    } else if path
        .get(..base.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(base))
    {
        path.get(base.len()..)
    } else {
        None
    }?;
    Some(
        rest.split('/')
            .filter(|s| !s.is_empty())
            .map(decode_component)
            .collect(),
    )
}

fn route(
    app: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Reply, ScimError> {
    let req = Request {
        method,
        path: uri.path(),
        params: query_params(uri, !app.has(Defect::PlusNotDecoded)),
        headers,
        body,
        base_url: base_url(app, headers),
    };
    let segments = segments(app, req.path).ok_or_else(|| req.not_found())?;
    if app.has(Defect::StrayParamRejected)
        && let Some((k, _)) = req
            .params
            .iter()
            .find(|(k, _)| !KNOWN_PARAMS.contains(&k.to_ascii_lowercase().as_str()))
    {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("unknown query parameter `{k}`"),
        ));
    }
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    if app.has(Defect::DiscoveryMissing) && seg.first().and_then(|s| Discovery::parse(s)).is_some()
    {
        return Err(req.not_found());
    }
    match Endpoint::parse(&seg) {
        Some(Endpoint::Discovery(d, id)) => discovery(app, d, id, &req),
        Some(endpoint) => resources(app, endpoint, &req),
        None => Err(req.not_found()),
    }
}

/// The resource endpoints: list, create, search, and one resource's reads and writes.
fn resources(
    app: &AppState,
    endpoint: Endpoint<'_>,
    req: &Request<'_>,
) -> Result<Reply, ScimError> {
    let base_url = req.base_url.as_str();
    match (endpoint, req.method) {
        (Endpoint::Collection(kind), &Method::GET) => list(app, kind, &req.params, base_url),
        (Endpoint::Collection(kind), &Method::POST) => create(app, kind, req.body, base_url),
        (Endpoint::Search(kind), &Method::POST) => {
            let as_params = search_params(&parse_json(req.body)?);
            match kind {
                Some(kind) => list(app, kind, &as_params, base_url),
                None => search_all(app, &as_params, base_url),
            }
        }
        (Endpoint::Resource(kind, id), method) => super::oin::typed_id(app, id).and_then(|()| {
            one(
                app,
                kind,
                id,
                method,
                &req.params,
                req.headers,
                req.body,
                base_url,
            )
        }),
        _ => Err(req.method_not_allowed()),
    }
}

/// The discovery endpoints: read-only (RFC 7644 §4), so writes are not allowed, not unknown.
fn discovery(
    app: &AppState,
    which: Discovery,
    id: Option<&str>,
    req: &Request<'_>,
) -> Result<Reply, ScimError> {
    if *req.method != Method::GET {
        return Err(req.method_not_allowed());
    }
    let base_url = req.base_url.as_str();
    let canonical = !app.has(Defect::NoCanonicalValues);
    match (which, id) {
        (Discovery::ServiceProviderConfig, None) => Ok(Reply::json(
            StatusCode::OK,
            schema::service_provider_config(base_url),
        )),
        (Discovery::ServiceProviderConfig, Some(_)) => Err(req.not_found()),
        (Discovery::Schemas, None) => {
            let all: Vec<Value> = catalog()
                .all()
                .iter()
                .map(|s| s.to_json_with(base_url, canonical))
                .collect();
            Ok(Reply::json(
                StatusCode::OK,
                list_body(app, all.len(), 1, all),
            ))
        }
        (Discovery::Schemas, Some(id)) => catalog()
            .all()
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id))
            .map(|s| Reply::json(StatusCode::OK, s.to_json_with(base_url, canonical)))
            .ok_or_else(|| ScimError::not_found("Schema", id)),
        (Discovery::ResourceTypes, None) => {
            let all = schema::resource_types(base_url);
            Ok(Reply::json(
                StatusCode::OK,
                list_body(app, all.len(), 1, all),
            ))
        }
        (Discovery::ResourceTypes, Some(id)) => schema::resource_types(base_url)
            .into_iter()
            .find(|r| r["id"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(id)))
            .map(|r| Reply::json(StatusCode::OK, r))
            .ok_or_else(|| ScimError::not_found("ResourceType", id)),
    }
}

/// A SearchRequest body as query parameters (`attributes` lists joined with commas).
fn search_params(body: &Value) -> Vec<(String, String)> {
    body.as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("schemas"))
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        Value::Array(items) => items
                            .iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(","),
                        other => other.to_string(),
                    };
                    (k.clone(), text)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `POST /.search`: the same query over users and groups, paged over both.
fn search_all(
    app: &AppState,
    params: &[(String, String)],
    base_url: &str,
) -> Result<Reply, ScimError> {
    let number = |name: &str, default: usize| {
        param(params, name)
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map_or(default, |n| n.max(0) as usize)
    };
    let start = number("startIndex", 1).max(1);
    let count = number("count", DEFAULT_COUNT).min(MAX_COUNT);
    let whole: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("startIndex") && !k.eq_ignore_ascii_case("count"))
        .cloned()
        .chain([("count".to_string(), MAX_COUNT.to_string())])
        .collect();
    let mut all = Vec::new();
    for kind in [ResourceKind::User, ResourceKind::Group] {
        let reply = list(app, kind, &whole, base_url)?;
        if let Some(Value::Array(rs)) = reply.body.and_then(|b| b.get("Resources").cloned()) {
            all.extend(rs);
        }
    }
    let total = all.len();
    let page: Vec<Value> = all.into_iter().skip(start - 1).take(count).collect();
    Ok(Reply::json(
        StatusCode::OK,
        list_body(app, total, start, page),
    ))
}

fn parse_json(body: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice(body).map_err(|e| {
        ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("the request body is not valid JSON: {e}"),
        )
    })
}

fn list_body(app: &AppState, total: usize, start: usize, resources: Vec<Value>) -> Value {
    let mut body = serde_json::Map::new();
    if !app.has(Defect::ListWithoutSchemas) {
        body.insert("schemas".into(), json!([LIST_RESPONSE]));
    }
    body.insert("totalResults".into(), json!(total));
    body.insert("itemsPerPage".into(), json!(resources.len()));
    body.insert("startIndex".into(), json!(start));
    let key = if app.has(Defect::ResourcesLowercase) {
        "resources"
    } else {
        "Resources"
    };
    body.insert(key.into(), Value::Array(resources));
    Value::Object(body)
}

fn projection(
    app: &AppState,
    kind: ResourceKind,
    params: &[(String, String)],
) -> Result<Projection, ScimError> {
    let excluded = param(params, "excludedAttributes")
        .filter(|_| !(kind == ResourceKind::Group && app.has(Defect::MembersDespiteExclusion)));
    Projection::parse(param(params, "attributes"), excluded)
}

fn render(kind: ResourceKind, r: &Resource, projection: &Projection, base_url: &str) -> Value {
    let mut out = projection.apply(r);
    if let Some(Value::Object(meta)) = out.get_mut("meta") {
        let id = r["id"].as_str().unwrap_or_default();
        meta.insert(
            "location".into(),
            json!(format!("{base_url}/{}/{id}", kind.endpoint())),
        );
    }
    Value::Object(out)
}

/// A list request's filter, unless a defect ignores or refuses it.
fn list_filter(
    app: &AppState,
    params: &[(String, String)],
) -> Result<Option<filter::Filter>, ScimError> {
    Ok(
        match param(params, "filter").filter(|f| !f.trim().is_empty()) {
            Some(_) if app.has(Defect::FilterIgnored) => None,
            Some(_)
                if app.has(Defect::FilterDroppedWithPaging)
                    && (param(params, "startIndex").is_some()
                        || param(params, "count").is_some()) =>
            {
                None
            }
            Some(f)
                if app.has(Defect::AndFilterRejected)
                    && f.to_ascii_lowercase().contains(" and ") =>
            {
                return Err(ScimError::bad_request(
                    ScimType::InvalidFilter,
                    format!("`and` is not supported in `{f}`"),
                ));
            }
            Some(f) => Some(
                filter::parse_with(f, !app.has(Defect::FilterEscapeBroken)).map_err(|e| {
                    if app.has(Defect::InvalidFilter500) {
                        return ScimError {
                            status: 500,
                            scim_type: None,
                            detail: "internal error".into(),
                        };
                    }
                    ScimError::bad_request(
                        ScimType::InvalidFilter,
                        format!("invalid filter `{f}`: {e}"),
                    )
                })?,
            ),
            None => None,
        },
    )
}

/// A list request's query: filter, sort and page (RFC 7644 §3.4.2).
fn query(app: &AppState, params: &[(String, String)]) -> Result<Query, ScimError> {
    let number = |name: &str, default: usize| -> Result<usize, ScimError> {
        match param(params, name) {
            None | Some("") => Ok(default),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .map(|n| n.max(0) as usize)
                .map_err(|_| {
                    ScimError::bad_request(
                        ScimType::InvalidValue,
                        format!("`{name}` must be an integer, got `{v}`"),
                    )
                }),
        }
    };
    let paginate = !app.has(Defect::PaginationIgnored);
    Ok(Query {
        filter: list_filter(app, params)?,
        sort_by: param(params, "sortBy")
            .map(filter::AttrPath::parse)
            .transpose()
            .map_err(|e| ScimError::bad_request(ScimType::InvalidPath, e))?,
        descending: param(params, "sortOrder")
            .is_some_and(|o| o.eq_ignore_ascii_case("descending")),
        start_index: if paginate {
            let start = number("startIndex", 1)?.max(1);
            // c25: a 0-based reading of startIndex, on unfiltered lists only.
            if app.has(Defect::PagingOffByOne) && param(params, "filter").is_none() {
                start + 1
            } else {
                start
            }
        } else {
            1
        },
        count: if paginate {
            let cap = if app.has(Defect::PageCap50) {
                50
            } else {
                MAX_COUNT
            };
            number("count", DEFAULT_COUNT)?.min(cap)
        } else {
            usize::MAX
        },
    })
}

fn list(
    app: &AppState,
    kind: ResourceKind,
    params: &[(String, String)],
    base_url: &str,
) -> Result<Reply, ScimError> {
    let projection = projection(app, kind, params)?;
    let query = query(app, params)?;
    let page = app.store.query(kind, &query);
    if page.total == 0 && app.has(Defect::EmptyQuery404) {
        return Err(ScimError {
            status: 404,
            scim_type: None,
            detail: "no resource matches".into(),
        });
    }
    let resources: Vec<Value> = page
        .resources
        .iter()
        .map(|r| {
            let full = render(kind, r, &projection, base_url);
            if (app.has(Defect::PartialQueryResults) && query.filter.is_some())
                || super::oin::summary_list(app, query.filter.is_some())
            {
                let keep = ["schemas", "id", "userName", "displayName", "meta"];
                Value::Object(
                    full.as_object()
                        .map(|o| {
                            o.iter()
                                .filter(|(k, _)| keep.contains(&k.as_str()))
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect()
                        })
                        .unwrap_or_default(),
                )
            } else {
                full
            }
        })
        .collect();
    let total = if app.has(Defect::TotalIsPage) && query.filter.is_none() {
        resources.len()
    } else {
        page.total
    };
    let echoed = if app.has(Defect::StartIndexNotEchoed) {
        1
    } else {
        page.start_index
    };
    Ok(Reply::json(
        StatusCode::OK,
        list_body(app, total, echoed, resources),
    ))
}

fn coercion(app: &AppState) -> Coercion {
    Coercion {
        strict_booleans: app.has(Defect::StringBooleansRejected),
        strict_manager: app.has(Defect::ManagerStringRejected),
        exact_boolean_strings: app.has(Defect::BooleanStringsCaseExact),
    }
}

fn check_schemas(app: &AppState, kind: ResourceKind, body: &Value) -> Result<(), ScimError> {
    if !app.has(Defect::UnknownSchemaRejected) {
        return Ok(());
    }
    let known = |u: &str| u.eq_ignore_ascii_case(kind.core().id) || kind.extension(u).is_some();
    match body.get("schemas").and_then(Value::as_array) {
        Some(list) => match list.iter().filter_map(Value::as_str).find(|u| !known(u)) {
            Some(bad) => Err(ScimError::bad_request(
                ScimType::InvalidValue,
                format!("unknown schema `{bad}`"),
            )),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

fn with_headers(
    kind: ResourceKind,
    r: &Resource,
    body: Value,
    status: StatusCode,
    base_url: &str,
) -> Reply {
    let id = r["id"].as_str().unwrap_or_default();
    Reply {
        status,
        body: Some(body),
        location: Some(format!("{base_url}/{}/{id}", kind.endpoint())),
        etag: r["meta"]["version"].as_str().map(str::to_string),
    }
}

fn create(
    app: &AppState,
    kind: ResourceKind,
    body: &Bytes,
    base_url: &str,
) -> Result<Reply, ScimError> {
    let body = parse_json(body)?;
    check_schemas(app, kind, &body)?;
    strict::check_write(app, kind, &body, false)?;
    let attrs = resource::from_body(kind, &body, coercion(app))?;
    let stored = match app.store.create(kind, attrs) {
        Ok(stored) => stored,
        Err(e) => match super::oin::existing(app, kind, &body, &e) {
            Some(r) => {
                let rendered = render(kind, &r, &Projection::default(), base_url);
                return Ok(with_headers(kind, &r, rendered, StatusCode::OK, base_url));
            }
            None => return Err(e),
        },
    };
    let mut rendered = render(kind, &stored, &Projection::default(), base_url);
    if app.has(Defect::PasswordReturned)
        && let (Some(p), Some(out)) = (stored.get("password"), rendered.as_object_mut())
    {
        out.insert("password".into(), p.clone());
    }
    let status = if app.has(Defect::CreateReturns200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut reply = with_headers(kind, &stored, rendered, status, base_url);
    if app.has(Defect::NoLocationHeader) {
        reply.location = None;
    }
    if app.has(Defect::CreateWithoutBody) {
        reply.body = None;
    }
    Ok(reply)
}

/// PUT replaces the whole resource (RFC 7644 §3.5.1): read-only attributes the client echoes
/// (Okta's PUT carries the `id`, `meta` and `groups` it read) are ignored, `password` is
/// stored and never returned.
fn put(
    app: &AppState,
    kind: ResourceKind,
    id: &str,
    if_match: Option<&str>,
    body: &Bytes,
) -> Result<Resource, ScimError> {
    let body = parse_json(body)?;
    check_schemas(app, kind, &body)?;
    strict::check_write(app, kind, &body, true)?;
    let mut attrs = resource::from_body(kind, &body, coercion(app))?;
    app.store.update(kind, id, if_match, |r| {
        if app.has(Defect::PutIgnoresActive) {
            match r.get("active") {
                Some(a) => attrs.insert("active".into(), a.clone()),
                None => attrs.remove("active"),
            };
        }
        if app.has(Defect::PutMerges) {
            for (k, v) in std::mem::take(&mut attrs) {
                r.insert(k, v);
            }
        } else {
            *r = std::mem::take(&mut attrs);
        }
        Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
fn one(
    app: &AppState,
    kind: ResourceKind,
    id: &str,
    method: &Method,
    params: &[(String, String)],
    headers: &HeaderMap,
    body: &Bytes,
    base_url: &str,
) -> Result<Reply, ScimError> {
    let header = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let if_match = header(header::IF_MATCH);
    match *method {
        Method::GET => {
            let r = app
                .store
                .get(kind, id)
                .ok_or_else(|| ScimError::not_found(kind.name(), id))?;
            let version = r["meta"]["version"].as_str().unwrap_or_default();
            if header(header::IF_NONE_MATCH).is_some_and(|tags| {
                tags.split(',')
                    .any(|t| t.trim() == version || t.trim() == "*")
            }) {
                return Ok(Reply::empty(StatusCode::NOT_MODIFIED));
            }
            let body = render(kind, &r, &projection(app, kind, params)?, base_url);
            Ok(with_headers(kind, &r, body, StatusCode::OK, base_url))
        }
        Method::PUT if !app.has(Defect::NoPut) => {
            let r = put(app, kind, id, if_match, body)?;
            let body = render(kind, &r, &projection(app, kind, params)?, base_url);
            Ok(with_headers(kind, &r, body, StatusCode::OK, base_url))
        }
        Method::PATCH => {
            let body = strict::patch_body(app, &parse_json(body)?)?;
            let r = app.store.update(kind, id, if_match, |r| {
                patch::apply(kind, r, &body, &app.config.defects)
            })?;
            // Entra prefers 204 for group PATCH (it never reads members back); users get the
            // resource, as in the documented walkthrough.
            if kind == ResourceKind::Group && param(params, "attributes").is_none() {
                let mut reply = Reply::empty(StatusCode::NO_CONTENT);
                reply.etag = r["meta"]["version"].as_str().map(str::to_string);
                return Ok(reply);
            }
            let body = render(kind, &r, &projection(app, kind, params)?, base_url);
            Ok(with_headers(kind, &r, body, StatusCode::OK, base_url))
        }
        Method::DELETE => {
            match app.store.delete(kind, id, if_match) {
                Err(e) if e.status == 404 && app.has(Defect::DeleteUnknown204) => {
                    return Ok(Reply::empty(StatusCode::NO_CONTENT));
                }
                other => other?,
            }
            if app.has(Defect::DeleteReturns200) {
                return Ok(Reply::json(StatusCode::OK, json!({"deleted": id})));
            }
            Ok(Reply::empty(StatusCode::NO_CONTENT))
        }
        _ => Err(ScimError {
            status: 405,
            scim_type: None,
            detail: format!("{method} is not supported on a {}", kind.name()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding_matches_entra_wire_forms() {
        assert_eq!(
            decode_component("userName+eq+%22a%40b%22"),
            "userName eq \"a@b\""
        );
        assert_eq!(
            decode_component("userName%20eq%20\"x\""),
            "userName eq \"x\""
        );
        assert_eq!(decode_component("100%"), "100%");
        assert_eq!(decode_component("%zz"), "%zz");
        assert_eq!(decode_component("%e2%82%ac"), "€");
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
