//! `scimtest cycle`: settings → target (the built-in server unless `--target`) → the initial
//! cycle and the incremental rounds, each verified → cleanup → reports.

use super::CycleArgs;
use crate::cycle::directory::Directory;
use crate::cycle::engine::{Engine, Settings};
use crate::cycle::log::{Sink, health};
use crate::cycle::report::{CycleFigures, CycleRecord};
use crate::model::Profile;
use crate::run::{Http, Journal, run_id};
use crate::server::{Defects, RunningServer, ServerConfig, spawn};
use serde_json::json;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

fn fail(message: impl AsRef<str>) -> ExitCode {
    eprintln!("error: {}", message.as_ref());
    ExitCode::from(2)
}

/// Runs the command.
pub fn main(mut args: CycleArgs) -> ExitCode {
    match super::config::Config::find(args.config.as_deref()) {
        Ok(Some(c)) => {
            args.target = args.target.take().or(c.target.clone());
            args.report_dir = args.report_dir.take().or(c.report_dir.clone());
            if let Err(e) = args
                .connection
                .merge(c.timeout, c.headers, c.ca_cert, c.insecure, c.auth)
            {
                return fail(e);
            }
        }
        Ok(None) => {}
        Err(e) => return fail(e),
    }
    let profile = match args.profile.parse::<Profile>() {
        Ok(p @ (Profile::Entra | Profile::EntraFlag)) => p,
        _ => {
            return fail(format!(
                "--profile `{}`: a cycle replays Entra's provisioning job, `entra` or `entra-flag`",
                args.profile
            ));
        }
    };
    if let Some(r) = args.rate
        && !(r > 0.0 && r.is_finite())
    {
        return fail("--rate must be a positive number of requests per second");
    }
    if let Some(t) = &args.target
        && let Err(e) = super::run::check_target(t)
    {
        return fail(e);
    }
    let defects = match Defects::parse(&args.defects) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    if args.target.is_some()
        && (!defects.is_empty() || args.throttle_every > 0 || !args.server_schemas.is_empty())
    {
        return fail(
            "--defect, --throttle-every and --schema apply to the built-in reference server, not to --target",
        );
    }
    if let Err(e) = super::mapping::learn_schemas(&args.server_schemas) {
        return fail(e);
    }
    let mapping = match &args.entra_schema {
        Some(f) => match super::mapping::from_file(f) {
            Ok(m) => Some(m),
            Err(e) => return fail(e),
        },
        None => None,
    };
    if mapping.as_ref().is_some_and(|m| !m.groups) && args.groups > 0 {
        eprintln!(
            "scimtest cycle: the mapping provisions no groups: --groups {} is ignored",
            args.groups
        );
        args.groups = 0;
    }
    let report_dir = args
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports"));
    // One thread drives the cycles: the work per request is small, and cross-thread wake-ups
    // cost more than they give on a loaded machine (bench/cycle.py). The built-in server, when
    // it is the target, gets a multi-threaded runtime of its own.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    let mut options = match args.connection.client_options() {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let mut _server: Option<(RunningServer, tokio::runtime::Runtime)> = None;
    let base_url = match &args.target {
        Some(t) => t.clone(),
        None => {
            let token = uuid::Uuid::new_v4().simple().to_string();
            let config = ServerConfig {
                base_path: "/scim/v2".into(),
                token: token.clone(),
                defects,
                throttle_every: args.throttle_every,
                limits: crate::server::store::Limits {
                    max_resources: args.users.max(args.groups).saturating_add(1000),
                    ..Default::default()
                },
            };
            let server_rt = match super::runtime() {
                Ok(r) => r,
                Err(e) => return fail(format!("cannot start the server's runtime: {e}")),
            };
            match server_rt.block_on(spawn(([127, 0, 0, 1], 0).into(), config)) {
                Ok(s) => {
                    let url = s.base_url.clone();
                    _server = Some((s, server_rt));
                    options.credentials = crate::run::Credentials::Bearer(token);
                    url
                }
                Err(e) => return fail(format!("cannot start the reference server: {e}")),
            }
        }
    };
    let has_credentials = !matches!(options.credentials, crate::run::Credentials::None);
    let http = match Http::with_options(options) {
        Ok(h) => h,
        Err(e) => return fail(e),
    };
    if let Err(crate::run::Diagnosis(line)) = rt.block_on(crate::run::preflight(
        &http,
        &base_url,
        has_credentials,
        "userName",
    )) {
        return fail(format!("{line}\n(nothing was sent)"));
    }
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
    let run_id = run_id();
    let seed = args.seed.unwrap_or_else(rand::random);
    let shown = http.redactor().redact(&base_url);
    eprintln!(
        "scimtest cycle: run id {run_id}, seed {seed}: {} users, {} groups of {} members, {} incremental rounds, {} at most {} in flight, against {shown}",
        args.users,
        args.groups,
        args.members_per_group,
        args.incremental,
        args.rate
            .map_or("as fast as the target answers".to_string(), |r| format!(
                "{r} requests/s"
            )),
        args.concurrency
    );
    let mut directory = Directory::generate(
        &run_id,
        seed,
        args.users,
        args.groups,
        args.members_per_group,
    );
    if let Some(m) = &mapping {
        directory = directory.with_mapping(m);
    }
    let mut dir = Arc::new(directory);
    let log_path = report_dir.join("provisioning-log.jsonl");
    let sink = match Sink::to_file(&log_path) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot write {}: {e}", log_path.display())),
    };
    let engine = Engine::new(
        http.without_bodies(),
        base_url.clone(),
        Settings {
            rate: args.rate,
            concurrency: usize::from(args.concurrency),
            profile,
        },
        journal.clone(),
        sink,
    );
    let progress = rt.spawn(progress(engine.clone()));
    let mut cycles = Vec::new();
    let mut rounds = vec!["initial".to_string()];
    rounds.extend((1..=args.incremental).map(|r| format!("incremental-{r}")));
    for (k, name) in rounds.iter().enumerate() {
        let sent_before = engine.requests.load(Ordering::Relaxed);
        let before = engine
            .log
            .lock()
            .map(|l| l.tally.clone())
            .unwrap_or_default();
        let start = engine.elapsed();
        let changes = match Arc::get_mut(&mut dir) {
            Some(d) if k > 0 => d.change_round(),
            // Every task of the previous cycle has finished: nothing else holds the directory.
            _ => Vec::new(),
        };
        rt.block_on(async {
            if k == 0 {
                engine.initial(&dir).await;
            } else {
                engine.incremental(k, changes, &dir).await;
            }
        });
        let differences = rt.block_on(engine.verify(&dir));
        let after = engine
            .log
            .lock()
            .map(|l| l.tally.clone())
            .unwrap_or_default();
        cycles.push(CycleFigures {
            name: name.clone(),
            requests: engine.requests.load(Ordering::Relaxed) - sent_before,
            seconds: (engine.elapsed() - start).as_secs_f64(),
            actions: after.events - before.events,
            failures: after.failures - before.failures,
            differences,
        });
    }
    let seconds = engine.elapsed().as_secs_f64();
    let requests = engine.requests.load(Ordering::Relaxed);
    let mut leftovers = if args.keep {
        Vec::new()
    } else {
        rt.block_on(engine.cleanup())
    };
    // What the journal says may still be on the target: kept, not proved ours, or not
    // deleted. `scimtest sweep` finds it by the run id.
    let remaining = journal.remaining();
    for e in &remaining {
        let why = match &e.state {
            crate::run::journal::State::Remains(why) => why.clone(),
            crate::run::journal::State::Created(id) if args.keep => {
                format!("id {id}, kept (--keep)")
            }
            // Listed by the cleanup with the DELETE's answer.
            crate::run::journal::State::Created(_) => continue,
            _ => "the create's outcome is unknown".to_string(),
        };
        let what = e
            .lookup()
            .map(|(a, v)| format!("{a} {v:?}"))
            .unwrap_or_default();
        leftovers.push(format!("{} {what}: {why}", e.collection));
    }
    if !remaining.is_empty() {
        leftovers.push(format!(
            "remove them with: scimtest sweep --target '{}' --run-id {run_id} --journal '{}' --yes",
            http.redactor().redact(&base_url),
            report_dir.join("journal.jsonl").display()
        ));
    }
    progress.abort();
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
    let (tally, log_error) = engine
        .log
        .lock()
        .map(|mut l| {
            l.finish();
            (l.tally.clone(), l.write_error.clone())
        })
        .unwrap_or_default();
    if let Some(e) = log_error {
        eprintln!("error: cannot write {}: {e}", log_path.display());
    }
    let (latencies_us, per_second, throttled) = engine
        .stats
        .lock()
        .map(|s| (s.latencies_us.clone(), s.per_second.clone(), s.throttled))
        .unwrap_or_default();
    let record = CycleRecord {
        run_id: run_id.clone(),
        target: shown,
        settings: json!({
            "users": args.users, "groups": args.groups, "members_per_group": args.members_per_group,
            "rate": args.rate, "concurrency": args.concurrency, "profile": profile.name(),
            "incremental": args.incremental, "seed": seed,
            "entra_schema": args.entra_schema.as_ref().map(|p| p.display().to_string()),
        }),
        health: health(&tally),
        tally,
        cycles,
        requests,
        seconds,
        throttled,
        latencies_us,
        per_second,
        cleanup_requests: engine.requests.load(Ordering::Relaxed) - requests,
        leftovers,
    };
    let redact = |s: String| http.redactor().redact(&s);
    let files = [
        (
            "cycle.json",
            redact(serde_json::to_string_pretty(&record.to_json()).expect("JSON values serialise")),
        ),
        ("cycle.html", redact(record.html())),
    ];
    let mut summary = record.summary();
    summary.push_str(&format!("Report: {}\n", log_path.display()));
    for (name, text) in files {
        let path = report_dir.join(name);
        match std::fs::write(&path, text) {
            Ok(()) => summary.push_str(&format!("Report: {}\n", path.display())),
            Err(e) => eprintln!("error: cannot write {}: {e}", path.display()),
        }
    }
    super::say!("{}", redact(summary));
    ExitCode::from(u8::from(!record.passed()))
}

/// A one-line progress display on a terminal; nothing otherwise.
async fn progress(engine: Arc<Engine>) {
    if !std::io::stderr().is_terminal() {
        return;
    }
    let mut last = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let sent = engine.requests.load(Ordering::Relaxed);
        let actions = engine.log.lock().map(|l| l.tally.events).unwrap_or(0);
        eprint!(
            "\r\x1b[2K  {sent} requests ({}/s), {actions} object actions, {:.0} s",
            (sent - last) * 4,
            engine.elapsed().as_secs_f64()
        );
        last = sent;
    }
}
