//! `scimtest run`: load → plan → (start the reference server) → run → report.

use super::RunArgs;
use super::mapping;
use crate::baseline::Baseline;
use crate::load;
use crate::model::ObjectKind;
use crate::model::Profile;
use crate::plan::plan_with;
use crate::record::RunRecord;
use crate::report;
use crate::run::{Http, Interrupt, Journal, RunContext, Selection, run_id, run_trials};
use crate::schema_store::SchemaStore;
use crate::server::{Defects, RunningServer, ServerConfig, spawn};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How a run ended.
#[derive(Debug)]
pub struct RunOutcome {
    /// 0, 1 or 2 (DESIGN.md "Exit codes").
    pub code: u8,
    /// The record, when cases ran.
    pub record: Option<RunRecord>,
}

/// The built-in schemas plus the user's own `fixtures/schemas` beside their suites, compiled.
pub fn schema_store(paths: &[PathBuf]) -> Result<SchemaStore, String> {
    SchemaStore::builtin_with(load::user_schema_dir(paths).as_deref())
}

fn fail(message: impl AsRef<str>) -> RunOutcome {
    eprintln!("error: {}", message.as_ref());
    RunOutcome {
        code: 2,
        record: None,
    }
}

/// Runs the command; prints progress and the summary, writes the reports.
pub fn execute(mut args: RunArgs) -> RunOutcome {
    let started = Instant::now();
    let started_at = crate::clock::rfc3339(std::time::SystemTime::now());
    match super::config::Config::find(args.config.as_deref()) {
        Ok(Some(config)) => {
            if let Err(e) = args.merge(config) {
                return fail(e);
            }
        }
        Ok(None) => {}
        Err(e) => return fail(e),
    }
    let report_dir = args
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports"));
    if let Some(t) = &args.target
        && let Err(e) = check_target(t)
    {
        return fail(e);
    }
    let baseline = match &args.baseline {
        Some(path) => match Baseline::load(path) {
            Ok(b) => Some(b),
            Err(e) => return fail(e),
        },
        None => None,
    };
    let schemas = match schema_store(&args.suites) {
        Ok(s) => Arc::new(s),
        Err(e) => return fail(e),
    };
    // `--no-builtin` with a mapping and no suites of the user's runs the generated suite alone.
    let only_mapped =
        args.no_builtin && args.suites.is_empty() && (args.entra_schema.is_some() || args.discover);
    let loaded = if only_mapped {
        Ok(Vec::new())
    } else {
        load::load_suites(&args.suites, !args.no_builtin, &schemas.names())
    };
    let suites = match loaded {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors {
                eprintln!("{}", e.render());
            }
            let problems: usize = errors.iter().map(|e| e.diagnostics.len()).sum();
            return fail(format!(
                "{problems} problems in the suites; nothing was run (`scimtest lint` lists them all)"
            ));
        }
    };
    let mut profiles = Vec::new();
    for p in &args.profiles {
        match p.parse::<Profile>() {
            Ok(p) => profiles.push(p),
            Err(e) => {
                return fail(format!(
                    "{e}; use one of entra, entra-flag, validator, gallery"
                ));
            }
        }
    }
    let defects = match Defects::parse(&args.defects) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    if args.target.is_some() && !defects.is_empty() {
        return fail(
            "--defect applies to the built-in reference server; it cannot be combined with --target",
        );
    }
    if !args.server_schemas.is_empty() {
        if args.target.is_some() {
            return fail(
                "--schema teaches the built-in reference server; the target publishes its own schemas (--discover reads them)",
            );
        }
        if let Err(e) = mapping::learn_schemas(&args.server_schemas) {
            return fail(e);
        }
    }
    let mut absent = mapping::absent(&args);
    let data = match mapping::test_data(&args) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let mut suites = suites;
    let mut the_mapping = None;
    let mut generated: Option<String> = None;
    if let Some(file) = &args.entra_schema {
        let m = match mapping::from_file(file) {
            Ok(m) => m,
            Err(e) => return fail(e),
        };
        match add_mapped_suite(&m, &mut suites, &report_dir, &schemas.names(), &mut absent) {
            Ok(text) => generated = Some(text),
            Err(e) => return fail(e),
        }
        the_mapping = Some(m);
    }
    let unused = mapping::unused_vars(&data, &suites);
    if !unused.is_empty() {
        return fail(format!(
            "--var names no variable of any case: {}",
            crate::diagnostic::backticked(&unused)
        ));
    }
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    let selection = Selection {
        filters: args.filters.clone(),
        exact: args.exact,
        skip: args.skip.clone(),
        test_threads: args.test_threads.map(usize::from),
        quiet: args.quiet,
    };
    let plan_and_select = |suites: &[crate::model::Suite], absent: &[crate::model::Capability]| {
        let planned = plan_with(suites, &profiles, absent);
        if planned.is_empty() {
            return Err("no case matches the selected profiles".to_string());
        }
        if let Some(b) = &baseline {
            let names: Vec<&str> = planned.iter().map(|c| c.name.as_str()).collect();
            let unknown = b.unknown_entries(&names);
            if !unknown.is_empty() {
                return Err(format!(
                    "the baseline names no case of this run: {}; fix or remove the entries (`scimtest run --list` lists every case)",
                    crate::diagnostic::backticked(&unknown)
                ));
            }
        }
        selection.select(planned)
    };
    let list = |planned: &[crate::plan::PlannedCase]| {
        // Printed here, never by libtest-mimic, whose printer panics on a closed stdout.
        for c in planned {
            super::say!("{}: test", c.name);
        }
        RunOutcome {
            code: 0,
            record: None,
        }
    };
    // Without discovery the plan is known now: listing needs no target.
    let mut planned = Vec::new();
    if !args.discover {
        planned = match plan_and_select(&suites, &absent) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        if args.list {
            return list(&planned);
        }
    }
    // The built-in server lives as long as this guard.
    let mut _server: Option<RunningServer> = None;
    let mut options = match args.connection.client_options() {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let base_url = match &args.target {
        Some(t) => t.clone(),
        None => {
            let token = uuid::Uuid::new_v4().simple().to_string();
            let config = ServerConfig {
                base_path: "/scim/v2".into(),
                token: token.clone(),
                defects,
                throttle_every: 0,
                limits: Default::default(),
            };
            match rt.block_on(spawn(([127, 0, 0, 1], 0).into(), config)) {
                Ok(s) => {
                    let url = s.base_url.clone();
                    _server = Some(s);
                    options.credentials = crate::run::Credentials::Bearer(token);
                    url
                }
                Err(e) => return fail(format!("cannot start the reference server: {e}")),
            }
        }
    };
    let has_credentials = !matches!(options.credentials, crate::run::Credentials::None);
    let repro = report::ReproSettings {
        auth: match &options.credentials {
            crate::run::Credentials::None => report::ReproAuth::None,
            crate::run::Credentials::Bearer(_) => report::ReproAuth::Bearer,
            crate::run::Credentials::Basic { .. } => report::ReproAuth::Basic,
            crate::run::Credentials::OAuth(o) => report::ReproAuth::OAuth {
                token_url: o.token_url.clone(),
                post: matches!(o.method, crate::run::ClientAuthMethod::Post),
                scope: o.scope.clone(),
            },
        },
        ca_cert: args.connection.ca_cert.clone(),
        insecure: args.connection.insecure,
        timeout_secs: options.timeout.as_secs(),
        builtin_server: _server.is_some(),
        base_url: base_url.clone(),
    };
    let http = match Http::with_options(options) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    if http.insecure {
        eprintln!(
            "warning: --insecure: TLS certificates are not verified; anyone on the path can read and change this traffic"
        );
    }
    let matching = the_mapping
        .as_ref()
        .and_then(|m| m.matching(ObjectKind::User).first().map(|a| a.path.clone()))
        .unwrap_or_else(|| "userName".to_string());
    if !args.no_preflight
        && !args.list
        && let Err(crate::run::Diagnosis(line)) = rt.block_on(crate::run::preflight(
            &http,
            &base_url,
            has_credentials,
            &matching,
        ))
    {
        return fail(format!(
            "{line}\n(nothing was run; --no-preflight skips this check)"
        ));
    }
    if args.discover {
        let origin = format!(
            "{}/Schemas",
            http.redactor().redact(base_url.trim_end_matches('/'))
        );
        let m = match rt
            .block_on(mapping::fetch_schemas(&http, &base_url))
            .and_then(|r| crate::load::from_discovery(&origin, &r))
        {
            Ok(m) => m,
            Err(e) => return fail(format!("--discover: {e}")),
        };
        match add_mapped_suite(&m, &mut suites, &report_dir, &schemas.names(), &mut absent) {
            Ok(text) => generated = Some(text),
            Err(e) => return fail(e),
        }
        the_mapping = Some(m);
        planned = match plan_and_select(&suites, &absent) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        if args.list {
            return list(&planned);
        }
    }
    if let Some(m) = &the_mapping {
        eprintln!("{}", mapping::describe(m));
    }
    if let Some(text) = &generated
        && let Err(e) = mapping::write_suite(&report_dir, text)
    {
        return fail(e);
    }
    let declared = the_mapping.is_some() || args.no_groups || args.no_manager || args.soft_delete;
    let contradictions = if declared {
        rt.block_on(mapping::cross_check(
            &http,
            &base_url,
            &absent,
            the_mapping.as_ref(),
        ))
    } else {
        Vec::new()
    };
    for c in &contradictions {
        eprintln!("warning: {}", http.redactor().redact(c));
    }
    let run_id = run_id();
    // The journal of creates lives in the report folder: a folder that cannot be written is
    // found now, before anything is sent.
    let journal = match std::fs::create_dir_all(&report_dir)
        .and_then(|()| Journal::with_file(&report_dir.join("journal.jsonl")))
    {
        Ok(j) => j,
        Err(e) => {
            return fail(format!(
                "the report folder {} cannot be written: {e}",
                report_dir.display()
            ));
        }
    };
    let sweep = sweep_command(&base_url, &run_id, journal.file().as_deref(), &args);
    eprintln!(
        "scimtest: run id {run_id}: everything this run creates is named `scimtest-{run_id}-…`"
    );
    let interrupt = Interrupt::default();
    rt.spawn(watch_signals(
        interrupt.clone(),
        http.redactor().redact(&sweep),
    ));
    let cx = Arc::new(RunContext {
        http: http.clone(),
        base_url: base_url.clone(),
        run_id: run_id.clone(),
        schemas,
        case_timeout: Duration::from_secs(args.case_timeout.unwrap_or(300).max(1)),
        interrupt: interrupt.clone(),
        journal: journal.clone(),
        keep_on_failure: args.keep_on_failure,
        data,
    });
    let cases = run_trials(planned, cx, rt.handle().clone(), &selection);
    let interrupted = interrupt.is_set();
    let mut record = RunRecord {
        run_id,
        started: started_at,
        target: base_url,
        cases,
        duration: started.elapsed(),
        interrupted,
        tls_verified: !http.insecure,
        stale_baseline: Vec::new(),
        leftovers: Vec::new(),
        sweep_command: None,
        repro_dir: None,
        contradictions,
    };
    record.leftovers = journal
        .remaining()
        .iter()
        .map(|e| {
            let what = e
                .lookup()
                .map(|(a, v)| format!("{a} {v:?}"))
                .unwrap_or_else(|| "(no generated identity)".into());
            let state = match &e.state {
                crate::run::journal::State::Created(id) => format!("id {id}, not deleted"),
                crate::run::journal::State::Remains(why) => why.clone(),
                _ => "the create's outcome is unknown".into(),
            };
            format!("{} {what} ({}): {state}", e.collection, e.case)
        })
        .collect();
    if !record.leftovers.is_empty() && _server.is_none() {
        record.sweep_command = Some(sweep.clone());
    }
    if let Some(b) = &baseline {
        b.apply(&mut record);
    }
    record.repro_dir = write_repro_scripts(&record, http.redactor(), &report_dir, &repro);
    let written = write_reports(
        &record,
        http.redactor(),
        &report_dir,
        args.junit_all_failures,
    );
    {
        use std::io::Write as _;
        // Never panics on a closed stdout: the exit code must still say how the run went.
        let _ = write!(
            std::io::stdout().lock(),
            "{}",
            report::summary(&record, http.redactor(), &written, report::use_colour())
        );
    }
    let code = u8::from(record.required_failed() || interrupted);
    RunOutcome {
        code,
        record: Some(record),
    }
}

/// Generates the `mapped` suite for `m` and adds it to `suites` (replacing a suite of the
/// same name); a mapping without groups makes groups absent. Returns the suite's text.
fn add_mapped_suite(
    m: &crate::model::Mapping,
    suites: &mut Vec<crate::model::Suite>,
    report_dir: &Path,
    schema_names: &[String],
    absent: &mut Vec<crate::model::Capability>,
) -> Result<String, String> {
    let (suite, text) = mapping::mapped_suite(m, report_dir, schema_names)?;
    suites.retain(|s| s.name != suite.name);
    suites.push(suite);
    if !m.groups && !absent.contains(&crate::model::Capability::Groups) {
        absent.push(crate::model::Capability::Groups);
    }
    Ok(text)
}

/// Writes a reproduction script for every failing case into `<report dir>/repro/`; returns the
/// folder when any was written. A script that cannot be written is reported, not fatal.
fn write_repro_scripts(
    record: &RunRecord,
    redactor: &crate::redact::Redactor,
    dir: &Path,
    settings: &report::ReproSettings,
) -> Option<PathBuf> {
    let repro = dir.join("repro");
    // Scripts of an earlier run would describe cases that may pass now.
    let _ = std::fs::remove_dir_all(&repro);
    let mut any = false;
    for c in &record.cases {
        let Some(script) = report::repro_script(c, settings, redactor) else {
            continue;
        };
        let path = repro.join(report::script_name(c));
        let written = std::fs::create_dir_all(&repro).and_then(|()| std::fs::write(&path, script));
        match written {
            Ok(()) => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt as _;
                    let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755));
                }
                any = true;
            }
            Err(e) => eprintln!("error: cannot write {}: {e}", path.display()),
        }
    }
    any.then_some(repro)
}

/// Writes every report file; returns the paths written. A report that cannot be written is an
/// error message, not a lost run: the console summary still follows.
fn write_reports(
    record: &RunRecord,
    redactor: &crate::redact::Redactor,
    dir: &Path,
    all_failures: bool,
) -> Vec<String> {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return Vec::new();
    }
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    let pretty =
        |v: serde_json::Value| serde_json::to_string_pretty(&v).expect("JSON values serialise");
    // One report at a time: each is built, written and dropped before the next, so a run with
    // large bodies does not hold all four in memory at once.
    type Build<'a> = Box<dyn Fn() -> String + 'a>;
    let files: [(&str, Build); 4] = [
        (
            "junit.xml",
            Box::new(|| report::junit_xml(record, redactor, &host, all_failures)),
        ),
        (
            "results.json",
            Box::new(|| pretty(report::results_json(record, redactor))),
        ),
        (
            "traffic.har",
            Box::new(|| pretty(report::har(record, redactor))),
        ),
        ("report.html", Box::new(|| report::html(record, redactor))),
    ];
    let mut written = Vec::new();
    for (name, build) in files {
        let path = dir.join(name);
        match std::fs::write(&path, build()) {
            Ok(()) => written.push(path.display().to_string()),
            Err(e) => eprintln!("error: cannot write {}: {e}", path.display()),
        }
    }
    written
}

/// Refuses a target URL that carries credentials (`https://user:pass@host/…`): they would be
/// printed with the URL everywhere. The error does not repeat them.
pub(super) fn check_target(target: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(target).map_err(|e| {
        format!("the target is not a URL ({e}); give the Tenant URL, e.g. https://api.example.com/scim/v2")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "the target URL carries credentials (`user:password@`); pass them with --basic-user and SCIM_BASIC_PASSWORD (or --token / SCIM_TOKEN) instead"
                .into(),
        );
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "the target must be an http:// or https:// URL, not {}:",
            url.scheme()
        ));
    }
    Ok(())
}

/// The exact command that finds and deletes what this run may have left behind.
fn sweep_command(base_url: &str, run_id: &str, journal: Option<&Path>, args: &RunArgs) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut cmd = format!(
        "scimtest sweep --target {} --run-id {run_id}",
        quote(base_url)
    );
    if let Some(j) = journal {
        cmd.push_str(&format!(" --journal {}", quote(&j.display().to_string())));
    }
    if args.connection.insecure {
        cmd.push_str(" --insecure");
    }
    cmd.push_str(" --yes");
    cmd
}

/// First SIGINT/SIGTERM: stop starting cases, let requests in flight finish (briefly), clean
/// up, report. A second one, later than a moment after the first (a process-group `timeout`
/// delivers two at once), leaves at once — printing how to remove what may remain.
async fn watch_signals(interrupt: Interrupt, sweep: String) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        return;
    };
    let Ok(mut int) = signal(SignalKind::interrupt()) else {
        return;
    };
    let mut first: Option<std::time::Instant> = None;
    loop {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
        if let Some(at) = first {
            if at.elapsed() < Duration::from_millis(500) {
                continue;
            }
            eprintln!(
                "scimtest: interrupted twice; exiting without cleanup. What this run created may remain; remove it with:\n  {sweep}"
            );
            std::process::exit(130);
        }
        first = Some(std::time::Instant::now());
        eprintln!(
            "\nscimtest: interrupted; stopping, cleaning up and writing reports (interrupt again to exit at once)"
        );
        interrupt.trigger();
    }
}

pub fn main(args: RunArgs) -> ExitCode {
    ExitCode::from(execute(args).code)
}
