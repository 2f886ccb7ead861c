//! `scimtest serve`: the reference server, standalone.

use super::ServeArgs;
use crate::server::{Defect, Defects, ServerConfig, spawn};
use std::process::ExitCode;

pub fn main(args: ServeArgs) -> ExitCode {
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
        return ExitCode::SUCCESS;
    }
    let defects = match Defects::parse(&args.defects) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let learnt = match super::mapping::learn_schemas(&args.schemas) {
        Ok(ids) => ids,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let addr = match args.addr.parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: --addr `{}` is not an address: {e}", args.addr);
            return ExitCode::from(2);
        }
    };
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
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    rt.block_on(async {
        let server = match spawn(addr, config).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot listen on {addr}: {e}");
                return ExitCode::from(2);
            }
        };
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
        ExitCode::SUCCESS
    })
}
