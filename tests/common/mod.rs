//! Shared helpers of the integration tests: load the shipped suites, start reference
//! servers, run plans in-process.

#![allow(dead_code)]

pub mod mini;

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
        limits: Default::default(),
    };
    spawn(([127, 0, 0, 1], 0).into(), config)
        .await
        .expect("server starts")
}

pub fn context(base_url: &str) -> Arc<RunContext> {
    context_with(base_url, Duration::from_secs(10), Duration::from_secs(60))
}

/// A run context with the given per-request and per-case limits.
pub fn context_with(base_url: &str, request: Duration, case: Duration) -> Arc<RunContext> {
    Arc::new(RunContext {
        http: Http::new(Some(TOKEN.into()), request).unwrap(),
        base_url: base_url.into(),
        run_id: run_id(),
        schemas: schemas(),
        case_timeout: case,
        interrupt: Default::default(),
        journal: Default::default(),
        keep_on_failure: false,
        data: Default::default(),
        // The reference server is consistent at once: no read-back patience.
        gallery_read_back: Duration::ZERO,
        // The reference server's token endpoint, for the gallery's credentials test.
        oauth: Some(scimtest::run::OAuth {
            token_url: format!(
                "{}{}",
                base_url.trim_end_matches("/scim/v2"),
                scimtest::server::token::TOKEN_PATH
            ),
            client_id: scimtest::server::token::CLIENT_ID.into(),
            client_secret: TOKEN.into(),
            scope: None,
            method: scimtest::run::ClientAuthMethod::Post,
        }),
        alone: Default::default(),
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

/// The built binary, run from the crate root with no SCIM_* variables inherited.
pub fn bin() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_scimtest"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c.env_remove("SCIM_BASE_URL").env_remove("SCIM_TOKEN");
    c
}

/// A fresh, empty folder under the target's temporary folder.
pub fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Standard output and error of a finished command.
pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Starts `scimtest serve` on a free port with `token`, each of `defects`, and `extra`
/// arguments; returns the child and its base URL.
pub fn serve_with(token: &str, defects: &[&str], extra: &[&str]) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let mut cmd = bin();
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--token", token]);
    for d in defects {
        cmd.args(["--defect", d]);
    }
    cmd.args(extra);
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    reader.read_line(&mut line).unwrap();
    // Keep draining: the server prints more lines, and a closed pipe would kill it.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "unexpected serve banner: {line}"
    );
    (child, url)
}

/// `scimtest serve` with defects.
pub fn serve(token: &str, defects: &[&str]) -> (std::process::Child, String) {
    serve_with(token, defects, &[])
}

/// The text of every file under `dir` (reports and reproduction scripts), concatenated.
pub fn all_files_text(dir: &Path) -> String {
    let mut out = String::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                out.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    out
}

/// One run with failures, known failures and a stale baseline entry, shared by the tests.
pub fn failing_run(dir: &Path) -> String {
    let baseline = dir.join("baseline.toml");
    std::fs::write(
        &baseline,
        r#"
[[known_failure]]
case = "entra-users::disable_user[entra]"
reason = "PROJ-1: string booleans not accepted yet"

[[known_failure]]
case = "entra-users::get_unknown_user"
reason = "fixed last week"
"#,
    )
    .unwrap();
    let out = bin()
        .args(["run", "--defect", "string-booleans-rejected", "--baseline"])
        .arg(&baseline)
        .arg("--report-dir")
        .arg(dir)
        .arg("entra-users::")
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "other required cases still fail: {all}"
    );
    all
}
