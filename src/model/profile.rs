//! Client profiles: the request shapes of Entra's default job, of its `aadOptscim062020`
//! flag mode, and of Microsoft's SCIM Validator (docs/entra-behaviour.md §3, §4.1).

use std::fmt;
use std::str::FromStr;

/// How query parameter values are percent-encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Space as `+`, `"` as `%22` — what Entra sends (docs/entra-behaviour.md §1.0, [OBS O2]).
    Plus,
    /// Space as `%20`, `"` as `%22` — RFC 3986 style.
    Percent,
}

impl FromStr for Encoding {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "plus" => Ok(Encoding::Plus),
            "percent" => Ok(Encoding::Percent),
            other => Err(format!(
                "unknown encoding `{other}`; use `plus` or `percent`"
            )),
        }
    }
}

/// A client profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// Entra's default (`scim`) provisioning job.
    Entra,
    /// Entra with the `aadOptscim062020` feature flag.
    EntraFlag,
    /// Microsoft's SCIM Validator.
    Validator,
    /// The direct SCIM calls of Microsoft's gallery validation Logic App
    /// (`SCIMTests_Workflow.json`): `Accept` and `Content-Type` both `application/scim+json`.
    Gallery,
}

impl Profile {
    /// Every profile.
    pub const ALL: &'static [Profile] = &[
        Profile::Entra,
        Profile::EntraFlag,
        Profile::Validator,
        Profile::Gallery,
    ];

    /// The name used in suites, case names and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Entra => "entra",
            Profile::EntraFlag => "entra-flag",
            Profile::Validator => "validator",
            Profile::Gallery => "gallery",
        }
    }

    /// Headers the client sends on every request (the body's Content-Type is separate).
    pub fn headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            // ADSCIMVersion as captured in 2019 ([OBS O3]); no Accept header ([OBS O2]).
            Profile::Entra | Profile::EntraFlag => &[("ADSCIMVersion", "5.0")],
            Profile::Validator => &[],
            // Every Http action of the Logic App sends `Accept: @{parameters('scimContentType')}`.
            Profile::Gallery => &[("Accept", "application/scim+json")],
        }
    }

    /// The Content-Type sent with a JSON body ([OBS O1], [OBS O6]; the Logic App sends its
    /// `scimContentType` parameter, `application/scim+json`).
    pub fn content_type(self) -> &'static str {
        match self {
            Profile::Gallery => "application/scim+json",
            _ => "application/scim+json; charset=utf-8",
        }
    }

    /// How the profile encodes query values.
    pub fn encoding(self) -> Encoding {
        Encoding::Plus
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Profile::ALL
            .iter()
            .copied()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown profile `{s}`"))
    }
}
