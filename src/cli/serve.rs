//! `scimtest serve`: the reference server, standalone.

use super::ServeArgs;
use super::error::{Error, Exit};
use crate::server::{Defect, Defects, ServerConfig, spawn};

pub(super) fn main(args: ServeArgs) -> Result<Exit, Error> {
    if args.list_defects {
        for d in Defect::ALL {
            super::say!("{:<34} {}", d.name(), d.description());
        }
        for (_, name, doc) in crate::server::AttributeFault::ALL {
            super::say!(
                "{:<34} {}",
                format!("{name}=ATTR"),
                doc.trim_start_matches("=ATTR: ")
            );
        }
        return Ok(Exit::Passed);
    }
    let defects = Defects::parse(&args.defects).map_err(Error::Usage)?;
    let learnt = super::mapping::learn_schemas(&args.schemas).map_err(Error::Input)?;
    let addr = args
        .addr
        .parse()
        .map_err(|e| Error::Usage(format!("--addr `{}` is not an address: {e}", args.addr)))?;
    let (token, generated) = match args.token {
        Some(t) if !t.is_empty() => (t, false),
        _ => (uuid::Uuid::new_v4().simple().to_string(), true),
    };
    let base_path = format!("/{}", args.base_path.trim_matches('/'))
        .trim_end_matches('/')
        .to_string();
    let config = ServerConfig {
        base_path,
        token: token.clone(),
        defects: defects.clone(),
        throttle_every: args.throttle_every,
        limits: crate::server::store::Limits {
            max_resources: args.max_resources,
            ..Default::default()
        },
    };
    let rt = super::runtime()?;
    rt.block_on(async {
        let server = spawn(addr, config)
            .await
            .map_err(|e| Error::Environment(format!("cannot listen on {addr}: {e}")))?;
        super::say!("scimtest reference server at {}", server.base_url);
        if generated {
            // A throwaway token made up for this process, not a user's secret.
            super::say!("bearer token (generated; choose one with --token or SCIM_TOKEN): {token}");
        }
        for id in &learnt {
            super::say!("schema learnt: {id}");
        }
        for d in defects.iter() {
            super::say!("defect on: {} — {}", d.name(), d.description());
        }
        for d in defects.attributes() {
            super::say!("defect on: {:?} `{}`", d.fault, d.attribute);
        }
        let _ = tokio::signal::ctrl_c().await;
        Ok(Exit::Passed)
    })
}
