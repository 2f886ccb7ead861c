//! Shared helpers of the integration tests: load the shipped suites, start reference
//! servers, run plans in-process.

#![allow(dead_code)]

use scimtest::load;
use scimtest::model::Suite;
use scimtest::plan::{PlannedCase, plan};
use scimtest::record::{CaseResult, Status};
use scimtest::run::{Http, RunContext, run_id, run_plan};
use scimtest::schema_store::SchemaStore;
use scimtest::server::{Defect, Defects, RunningServer, ServerConfig, spawn};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub const TOKEN: &str = "test-token-0123456789";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn schemas() -> Arc<SchemaStore> {
    static S: OnceLock<Arc<SchemaStore>> = OnceLock::new();
    S.get_or_init(|| {
        Arc::new(SchemaStore::load(&root().join("fixtures/schemas")).expect("schemas load"))
    })
    .clone()
}

pub fn suites_at(path: &Path) -> Vec<Suite> {
    match load::load_all(&[path.to_path_buf()], &schemas().names()) {
        Ok(s) => s,
        Err(errors) => panic!("{}", errors.iter().map(|e| e.render()).collect::<String>()),
    }
}

/// The shipped suites, planned under every profile.
pub fn shipped_plan() -> Vec<PlannedCase> {
    plan(&suites_at(&root().join("suites")), &[])
}

pub async fn server(defects: &[Defect]) -> RunningServer {
    let config = ServerConfig {
        base_path: "/scim/v2".into(),
        token: TOKEN.into(),
        defects: Defects::new(defects.iter().copied()),
        throttle_every: 0,
    };
    spawn(([127, 0, 0, 1], 0).into(), config)
        .await
        .expect("server starts")
}

pub fn context(base_url: &str) -> Arc<RunContext> {
    Arc::new(RunContext {
        http: Http::new(Some(TOKEN.into()), Duration::from_secs(10)).unwrap(),
        base_url: base_url.into(),
        run_id: run_id(),
        schemas: schemas(),
        case_timeout: Duration::from_secs(60),
        interrupt: Default::default(),
    })
}

pub async fn run_against(server: &RunningServer, plan: Vec<PlannedCase>) -> Vec<CaseResult> {
    run_plan(context(&server.base_url), plan, 16).await
}

pub fn failing(results: &[CaseResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| matches!(r.status, Status::Failed | Status::Errored))
        .map(|r| r.name.clone())
        .collect()
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}
