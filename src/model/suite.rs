//! Suites, cases, steps and checks, as validated by the loader.

use super::{Client, Encoding, Evidence, Profile, Template};
use regex::Regex;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// How much a failing case matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Entra or the gallery requires it; a failure fails the run.
    Required,
    /// RFC behaviour Entra does not depend on.
    Recommended,
    /// One of the SCIM Validator's preview tests.
    Preview,
}

impl Severity {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Required => "required",
            Severity::Recommended => "recommended",
            Severity::Preview => "preview",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "required" => Ok(Severity::Required),
            "recommended" => Ok(Severity::Recommended),
            "preview" => Ok(Severity::Preview),
            other => Err(format!("unknown severity `{other}`")),
        }
    }
}

/// Something an app may not support; a case that needs it is skipped when the run declares
/// it absent (`[capabilities]` in scimtest.toml, `--no-groups`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    /// Groups are provisioned (`/Groups`). Inferred for any case with a `/Groups` request.
    Groups,
    /// The enterprise `manager` reference is supported.
    Manager,
    /// DELETE removes a user (rather than keeping it, disabled: a soft delete).
    HardDelete,
}

impl Capability {
    /// Every capability.
    pub const ALL: &'static [Capability] = &[
        Capability::Groups,
        Capability::Manager,
        Capability::HardDelete,
    ];

    /// The name used in suites and in scimtest.toml.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Groups => "groups",
            Capability::Manager => "manager",
            Capability::HardDelete => "hard_delete",
        }
    }
}

impl FromStr for Capability {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Capability::ALL
            .iter()
            .copied()
            .find(|c| c.name() == s)
            .ok_or_else(|| format!("unknown capability `{s}`"))
    }
}

/// A suite: one file, a list of independent cases.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Suite name (the `SUITE` in `SUITE::CASE[PROFILE]`).
    pub name: String,
    /// The file it came from.
    pub file: PathBuf,
    /// What the suite covers.
    pub description: String,
    /// Its cases.
    pub cases: Vec<Case>,
}

/// One independent case: creates its data, acts, checks, and cleans up.
#[derive(Debug, Clone)]
pub struct Case {
    /// Case name (stable; part of the test path).
    pub name: String,
    /// What the case checks, citing the reference.
    pub description: String,
    /// How much a failure matters.
    pub severity: Severity,
    /// What the case's requirement rests on (None: not graded, in a user's own suite).
    pub evidence: Option<Evidence>,
    /// Where that evidence is (a document, a workflow action, an issue thread).
    pub source: Option<String>,
    /// What Entra would do if the case fails (provisioning-log error, quarantine …).
    pub entra: Option<String>,
    /// What Okta would do if the case fails (a failed import, a user left active …).
    pub okta: Option<String>,
    /// Profiles the case runs under.
    pub profiles: Vec<Profile>,
    /// When set, the case is planned as skipped with this reason.
    pub skip: Option<String>,
    /// What the app must support for the case to apply (`requires:`, plus `groups` for any
    /// case that sends a request to `/Groups`).
    pub requires: Vec<Capability>,
    /// Run with no other case of the run in flight: the case reads what the target lists
    /// first (Okta's OIN gate reads the first user), which other cases' data would change.
    pub alone: bool,
    /// Case variables, in evaluation order (dependencies first).
    pub vars: Vec<(String, Template)>,
    /// The steps.
    pub steps: Vec<Step>,
    /// 1-based line of the case in its file.
    pub line: u32,
}

impl Case {
    /// What `client` would do if the case fails, in that client's terms.
    pub fn consequence(&self, client: Client) -> Option<&str> {
        match client {
            Client::Entra => self.entra.as_deref(),
            Client::Okta => self.okta.as_deref(),
        }
    }
}

/// One request and what its answer must satisfy.
#[derive(Debug, Clone)]
pub struct Step {
    /// Step name, for reports.
    pub name: String,
    /// Profiles this step runs under (None: all of the case's).
    pub profiles: Option<Vec<Profile>>,
    /// The request.
    pub request: Request,
    /// The checks.
    pub expect: Expect,
    /// Values captured from the response for later steps.
    pub captures: Vec<Capture>,
    /// What Entra would do if this step fails (None: the case's consequence).
    pub entra: Option<String>,
    /// What Okta would do if this step fails (None: the case's consequence).
    pub okta: Option<String>,
    /// A prerequisite, not the case's subject: its failure blocks the case.
    pub setup: bool,
    /// The evidence of this step's checks, where it differs from the case's.
    pub evidence: Option<Evidence>,
}

impl Step {
    /// What `client` would do if this step fails (None: the case's consequence).
    pub fn consequence(&self, client: Client) -> Option<&str> {
        match client {
            Client::Entra => self.entra.as_deref(),
            Client::Okta => self.okta.as_deref(),
        }
    }
}

/// A request template.
#[derive(Debug, Clone)]
pub struct Request {
    /// HTTP method.
    pub method: reqwest::Method,
    /// Path relative to the target base URL.
    pub path: Template,
    /// Query parameters, in order.
    pub query: Vec<(String, Template)>,
    /// Encoding override (default: the profile's).
    pub encoding: Option<Encoding>,
    /// Extra headers; a header given here replaces the profile's.
    pub headers: Vec<(String, Template)>,
    /// The body, if any.
    pub body: Option<Body>,
    /// Which credentials the request carries.
    pub auth: Auth,
}

/// Credentials of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Auth {
    /// The run's token.
    #[default]
    Default,
    /// The run's token as the whole Authorization value, with no scheme: the OIN Wizard's
    /// "Header" authentication (docs/okta-behaviour.md §9).
    Header,
    /// No Authorization header.
    None,
    /// A made-up token the target cannot accept.
    Invalid,
    /// `Authorization: non-token`, verbatim: the 401 probe of Okta's OIN gate (Runscope SPEC
    /// test, "Check status 401"), which sends no scheme at all.
    NonToken,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// A JSON value written in the suite; strings are templates.
    Inline(Value),
    /// A fixture file per profile (`${profile}` in the path), already parsed.
    PerProfile(BTreeMap<Profile, Value>),
    /// Raw text sent as is (for malformed-body cases).
    Raw(String),
}

/// The checks of one step.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// Accepted status codes (empty: any).
    pub status: Vec<u16>,
    /// Line and column of `status` in the suite file (0, 0 when unknown).
    pub status_at: (u32, u32),
    /// Header checks.
    pub headers: Vec<HeaderCheck>,
    /// JSON Schema the body must satisfy, by name.
    pub schema: Option<String>,
    /// A JSON value the body must contain (subset match).
    pub body: Option<Value>,
    /// Pointer assertions.
    pub checks: Vec<Check>,
    /// The answer must arrive within this many milliseconds (Okta's OIN gate asserts a
    /// response time on its Groups step), with its line and column in the suite file.
    pub within_ms: Option<(u64, (u32, u32))>,
}

/// A header assertion.
#[derive(Debug, Clone)]
pub enum HeaderCheck {
    /// Media type equals (parameters such as charset ignored, case-insensitive).
    MediaType(String, String),
    /// Value equals the template.
    Equals(String, Template),
    /// Header present.
    Exists(String),
    /// Header absent.
    Absent(String),
}

/// Where a check reads its value.
#[derive(Debug, Clone)]
pub enum CheckTarget {
    /// An RFC 6901 JSON pointer (may contain templates).
    Pointer(Template),
    /// A SCIM attribute path, read where Entra writes it (`emails[type eq "work"].value`), in
    /// the resource at `root` (a JSON pointer: `""` for the body, `/Resources/0` in a list).
    Path {
        /// Where the resource is in the body.
        root: &'static str,
        /// The attribute path.
        path: super::ScimPath,
    },
}

/// An assertion on the value at a JSON pointer or SCIM path.
#[derive(Debug, Clone)]
pub struct Check {
    /// Line and column of the check in its suite file (for failures that point at it).
    pub at: (u32, u32),
    /// Where the value is read.
    pub target: CheckTarget,
    /// What must hold.
    pub op: CheckOp,
    /// Why it matters (shown on failure).
    pub because: Option<String>,
    /// What this check rests on, where it differs from its step's and case's.
    pub evidence: Option<Evidence>,
}

/// The assertion kinds.
#[derive(Debug, Clone)]
pub enum CheckOp {
    /// Equals (JSON equality).
    Equals(Value),
    /// Equals as strings, ignoring case.
    EqualsIgnoreCase(Template),
    /// The pointer resolves.
    Exists,
    /// The pointer does not resolve (or is null).
    Absent,
    /// Absent, null, `""`, `[]` or `{}` — "cleared" in any of the ways servers answer.
    Empty,
    /// A string contains a substring, or an array has an element containing the value.
    Contains(Value),
    /// An array's (or string's, or object's) length.
    Length(usize),
    /// A string (or a number, as its decimal text) matches the regular expression.
    Matches(Regex),
    /// Equals one of the values.
    OneOf(Vec<Value>),
    /// The value is a `/Schemas` `Resources` list from which every named attribute of the
    /// schema can be discovered, as Microsoft's gallery validation flattens it.
    Discoverable {
        /// The schema id (`urn:ietf:params:scim:schemas:core:2.0:User`).
        schema: String,
        /// Attribute names, as Entra's mapping targets them.
        attributes: Vec<String>,
    },
}

/// A value captured from a response.
#[derive(Debug, Clone)]
pub struct Capture {
    /// Variable name.
    pub name: String,
    /// Where the value comes from.
    pub source: CaptureSource,
}

/// The source of a capture.
#[derive(Debug, Clone)]
pub enum CaptureSource {
    /// A JSON pointer into the body.
    Pointer(String),
    /// A response header.
    Header(String),
}
