//! The target of `run` and `cycle`: the URL given, or the built-in reference server started on
//! loopback with a bearer token made up for this process (never a user's secret).

use super::error::Error;
use crate::run::{ClientOptions, Credentials};
use crate::server::store::Limits;
use crate::server::{Defects, RunningServer, ServerConfig, spawn};
use tokio::runtime::Runtime;

/// How the built-in server is set up when it is the target.
pub(super) struct Builtin {
    /// The defects it is given (`--defect`).
    pub defects: Defects,
    /// Every Nth request answered 429 (`--throttle-every`; 0 never).
    pub throttle_every: u64,
    /// Its store's limits.
    pub limits: Limits,
}

/// Where the requests go.
pub(super) struct Target {
    /// The base URL.
    pub base_url: String,
    /// The built-in server, when it is the target: it serves as long as this value lives.
    pub server: Option<RunningServer>,
    /// The built-in server's OAuth client credentials (its token endpoint issues the token
    /// the run uses), for the gallery's credentials test.
    pub oauth: Option<crate::run::OAuth>,
}

/// `target`, or the built-in server started on `rt` with `builtin`; the built-in server's
/// token goes into `options`.
pub(super) fn start(
    target: Option<&str>,
    builtin: Builtin,
    rt: &Runtime,
    options: &mut ClientOptions,
) -> Result<Target, Error> {
    if let Some(t) = target {
        return Ok(Target {
            base_url: t.to_string(),
            server: None,
            oauth: None,
        });
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let config = ServerConfig {
        base_path: "/scim/v2".into(),
        token: token.clone(),
        defects: builtin.defects,
        throttle_every: builtin.throttle_every,
        limits: builtin.limits,
    };
    let server = rt
        .block_on(spawn(([127, 0, 0, 1], 0).into(), config))
        .map_err(|e| Error::Environment(format!("cannot start the reference server: {e}")))?;
    let origin = reqwest::Url::parse(&server.base_url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    let oauth = crate::run::OAuth {
        token_url: format!("{origin}{}", crate::server::token::TOKEN_PATH),
        client_id: crate::server::token::CLIENT_ID.into(),
        client_secret: token.clone(),
        scope: None,
        method: crate::run::ClientAuthMethod::Post,
    };
    options.credentials = Credentials::Bearer(token);
    Ok(Target {
        base_url: server.base_url.clone(),
        server: Some(server),
        oauth: Some(oauth),
    })
}

/// Refuses a target URL that carries credentials (`https://user:pass@host/…`): they would be
/// printed with the URL everywhere. The error does not repeat them.
pub(super) fn check(target: &str) -> Result<(), Error> {
    let url = reqwest::Url::parse(target).map_err(|e| {
        Error::Usage(format!("the target is not a URL ({e}); give the Tenant URL, e.g. https://api.example.com/scim/v2"))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Usage(
            "the target URL carries credentials (`user:password@`); pass them with --basic-user and SCIM_BASIC_PASSWORD (or --token / SCIM_TOKEN) instead"
                .into(),
        ));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Usage(format!(
            "the target must be an http:// or https:// URL, not {}:",
            url.scheme()
        )));
    }
    Ok(())
}
