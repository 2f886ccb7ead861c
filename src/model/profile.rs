//! Client profiles: the request shapes of Entra's default job, of its `aadOptscim062020`
//! flag mode, of Microsoft's SCIM Validator and gallery validation (docs/entra-behaviour.md §3,
//! §4.1), and of Okta's provisioning client and its OIN gate (docs/okta-behaviour.md).

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

/// A provisioning client, as one column of the cross-client matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Client {
    /// Microsoft Entra ID's provisioning service (and Microsoft's validations of it).
    Entra,
    /// Okta's SCIM provisioning (and its OIN gate).
    Okta,
}

impl Client {
    /// The client's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Client::Entra => "Entra",
            Client::Okta => "Okta",
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
    /// Okta's SCIM 2.0 provisioning client (OIN integrations and the catalog templates): headers
    /// as in Okta's SCIM 2.0 reference samples.
    Okta,
    /// The requests of Okta's OIN gate, the Runscope "Okta SCIM 2.0 SPEC Test" and "CRUD Test"
    /// suites: `application/json` bodies, `User-Agent: OKTA SCIM Integration`.
    OktaOin,
}

impl Profile {
    /// Every profile.
    pub const ALL: &'static [Profile] = &[
        Profile::Entra,
        Profile::EntraFlag,
        Profile::Validator,
        Profile::Gallery,
        Profile::Okta,
        Profile::OktaOin,
    ];

    /// The name used in suites, case names and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Entra => "entra",
            Profile::EntraFlag => "entra-flag",
            Profile::Validator => "validator",
            Profile::Gallery => "gallery",
            Profile::Okta => "okta",
            Profile::OktaOin => "okta-oin",
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
            // Okta's SCIM 2.0 reference samples (User-Agent on every sample; Accept and
            // Accept-Charset in the SCIM 2.0 reference's full header set).
            Profile::Okta => &[
                ("User-Agent", "Okta SCIM Client 1.0.0"),
                ("Accept", "application/scim+json"),
                ("Accept-Charset", "utf-8"),
            ],
            // The Runscope SPEC suite's GET steps.
            Profile::OktaOin => &[
                ("User-Agent", "OKTA SCIM Integration"),
                ("Accept", "application/scim+json"),
                ("Accept-Charset", "utf-8"),
            ],
        }
    }

    /// The Content-Type sent with a JSON body ([OBS O1], [OBS O6]; the Logic App sends its
    /// `scimContentType` parameter, `application/scim+json`).
    pub fn content_type(self) -> &'static str {
        match self {
            Profile::Gallery => "application/scim+json",
            // The SPEC suite's POST steps send plain `application/json`.
            Profile::OktaOin => "application/json",
            _ => "application/scim+json; charset=utf-8",
        }
    }

    /// How the profile encodes query values.
    pub fn encoding(self) -> Encoding {
        match self {
            // Okta's reference shows `%20` and `%22` in its lookups.
            Profile::Okta | Profile::OktaOin => Encoding::Percent,
            _ => Encoding::Plus,
        }
    }

    /// The client this profile replays, for verdicts and the cross-client matrix.
    pub fn client(self) -> Client {
        match self {
            Profile::Entra | Profile::EntraFlag | Profile::Validator | Profile::Gallery => {
                Client::Entra
            }
            Profile::Okta | Profile::OktaOin => Client::Okta,
        }
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
