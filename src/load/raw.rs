//! Serde structs that mirror a suite file one to one. Unknown keys are rejected here; every
//! other rule is checked while lowering (`lower.rs`), where positions are still at hand.

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;
use std::fmt;
use std::marker::PhantomData;

/// A YAML mapping whose key order is kept (query parameters and variables are ordered).
#[derive(Debug, Clone)]
pub(super) struct Ordered<V>(pub Vec<(Spanned<String>, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<Spanned<String>>()? {
                    out.push((k, map.next_value()?));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V2(PhantomData))
    }
}

/// Deserialises a present value — including `null` — as `Some`, so `equals: null` is kept.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Spanned<Value>>, D::Error> {
    Spanned::<Value>::deserialize(d).map(Some)
}

/// A suite file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSuite {
    /// Suite name (default: the file stem).
    pub suite: Option<Spanned<String>>,
    /// What the suite covers.
    #[serde(default)]
    pub description: String,
    /// Default profiles of its cases.
    pub profiles: Option<Vec<Spanned<String>>>,
    /// A place for YAML anchors shared by several cases (`&create_user`); never read.
    #[allow(dead_code)]
    #[serde(default)]
    pub shared: Option<serde::de::IgnoredAny>,
    /// The cases.
    pub cases: Vec<Spanned<RawCase>>,
}

/// A case.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCase {
    /// Stable name.
    pub name: Spanned<String>,
    /// What it checks and where the behaviour is documented.
    #[serde(default)]
    pub description: String,
    /// `required`, `recommended` or `preview`.
    pub severity: Option<Spanned<String>>,
    /// What the requirement rests on: `documented`, `gate`, `observed` or `inferred`.
    pub evidence: Option<Spanned<String>>,
    /// Where the evidence is.
    pub source: Option<String>,
    /// The consequence in Entra's terms.
    pub entra: Option<String>,
    /// The consequence in Okta's terms (for cases run under Okta's profiles).
    pub okta: Option<String>,
    /// Profiles (default: the suite's).
    pub profiles: Option<Vec<Spanned<String>>>,
    /// Skip reason.
    pub skip: Option<String>,
    /// Capabilities the case needs (`groups`, `manager`, `hard_delete`).
    pub requires: Option<Vec<Spanned<String>>>,
    /// Run with no other case in flight (it reads what the target lists first).
    #[serde(default)]
    pub alone: bool,
    /// Variables.
    #[serde(default)]
    pub vars: Ordered<Spanned<Value>>,
    /// Steps.
    pub steps: Vec<Spanned<RawStep>>,
}

/// A step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    /// Name for reports.
    pub name: Option<String>,
    /// Profiles this step runs under.
    pub profiles: Option<Vec<Spanned<String>>>,
    /// The request.
    pub request: Spanned<RawRequest>,
    /// The checks.
    pub expect: Option<Spanned<RawExpect>>,
    /// Captures: name → pointer string or `{header: Name}`.
    #[serde(default)]
    pub capture: Ordered<Spanned<Value>>,
    /// Read the written resource back by id and through the matching query.
    pub read_back: Option<Spanned<RawReadBack>>,
    /// What Entra would do if this step fails (overrides the case's `entra` for it).
    pub entra: Option<String>,
    /// What Okta would do if this step fails (overrides the case's `okta` for it).
    pub okta: Option<String>,
    /// The step only prepares what the case tests (a member user for a group case): when it
    /// fails, the case is reported as blocked by it.
    pub setup: Option<bool>,
    /// The evidence of this step's checks, where it differs from the case's.
    pub evidence: Option<Spanned<String>>,
}

/// `read_back`: after a write, GET the resource by id and through the query Entra matches
/// with; the same checks, on the resource, hold for both answers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReadBack {
    /// The matching query's parameters (`filter: 'userName eq "${user}"'`), in order.
    #[serde(default)]
    pub query: Ordered<Spanned<String>>,
    /// Checks on the resource read back (pointers and paths relative to the resource).
    #[serde(default)]
    pub checks: Vec<Spanned<RawCheck>>,
    /// Checks only the read by id makes: on what the matching query leaves out (a group's
    /// `members`, which Entra's query excludes).
    #[serde(default)]
    pub by_id_checks: Vec<Spanned<RawCheck>>,
}

/// A request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRequest {
    /// HTTP method.
    pub method: Spanned<String>,
    /// Path relative to the target base URL.
    pub path: Spanned<String>,
    /// Query parameters, in order.
    #[serde(default)]
    pub query: Ordered<Spanned<String>>,
    /// `plus` or `percent`.
    pub encoding: Option<Spanned<String>>,
    /// Extra headers.
    #[serde(default)]
    pub headers: Ordered<Spanned<String>>,
    /// Inline JSON body.
    #[serde(default, deserialize_with = "present")]
    pub body: Option<Spanned<Value>>,
    /// Fixture file body, relative to the fixtures folder; may contain `${profile}`.
    pub body_file: Option<Spanned<String>>,
    /// Raw text body.
    pub body_raw: Option<Spanned<String>>,
    /// `default` (the run's credentials), `none` (no Authorization), `invalid` (a wrong token)
    /// or `header` (the run's token with no scheme).
    pub auth: Option<Spanned<String>>,
}

/// Expectations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExpect {
    /// A status code or a list of them.
    pub status: Option<Spanned<Value>>,
    /// Header checks: a string (media-type aware for Content-Type) or `{exists|absent: true}`.
    #[serde(default)]
    pub headers: Ordered<Spanned<Value>>,
    /// Schema name.
    pub schema: Option<Spanned<String>>,
    /// Subset the body must contain.
    #[serde(default, deserialize_with = "present")]
    pub body: Option<Spanned<Value>>,
    /// Pointer checks.
    #[serde(default)]
    pub checks: Vec<Spanned<RawCheck>>,
    /// Longest accepted response time, in milliseconds.
    pub within_ms: Option<Spanned<u64>>,
}

/// `discoverable`: a schema id and the attributes that must be discoverable in it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDiscoverable {
    /// Schema id.
    pub schema: String,
    /// Attribute names.
    pub attributes: Vec<String>,
}

/// One check: `pointer` or `path`, plus exactly one assertion.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCheck {
    /// JSON pointer.
    pub pointer: Option<Spanned<String>>,
    /// SCIM attribute path.
    pub path: Option<Spanned<String>>,
    /// Discoverability of schema attributes.
    pub discoverable: Option<Spanned<RawDiscoverable>>,
    /// JSON equality.
    #[serde(default, deserialize_with = "present")]
    pub equals: Option<Spanned<Value>>,
    /// Case-insensitive string equality.
    pub equals_ignore_case: Option<Spanned<String>>,
    /// Must resolve.
    pub exists: Option<Spanned<bool>>,
    /// Must not resolve.
    pub absent: Option<Spanned<bool>>,
    /// Must be absent, null or empty.
    pub empty: Option<Spanned<bool>>,
    /// Substring / element containment.
    #[serde(default, deserialize_with = "present")]
    pub contains: Option<Spanned<Value>>,
    /// Length.
    pub length: Option<Spanned<u64>>,
    /// Regular expression.
    pub matches: Option<Spanned<String>>,
    /// One of several values.
    pub one_of: Option<Spanned<Vec<Value>>>,
    /// Why the check matters.
    pub because: Option<String>,
    /// What the check rests on, where it differs from its step's and case's.
    pub evidence: Option<Spanned<String>>,
}
