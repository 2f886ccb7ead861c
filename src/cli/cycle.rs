//! `scimtest cycle`: settings → target (the built-in server unless `--target`) → the initial
//! cycle and the incremental rounds, each verified → cleanup → reports.

use super::CycleArgs;
use super::error::{Error, Exit};
use crate::cycle::directory::Directory;
use crate::cycle::discovery::Pass;
use crate::cycle::engine::{Engine, Settings};
use crate::cycle::health::health_for;
use crate::cycle::log::Sink;
use crate::cycle::report::{CycleFigures, CycleRecord};
use crate::model::{Mapping, Profile};
use crate::redact::Redactor;
use crate::run::{Http, Journal, run_id};
use crate::server::Defects;
use crate::words::count;
use serde_json::json;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Runs the command: settings → target → the cycles, each verified → cleanup → reports.
pub(super) fn main(mut args: CycleArgs) -> Result<Exit, Error> {
    let settings = read_settings(&mut args)?;
    let report_dir = args
        .report_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("reports"));
    // One thread drives the cycles: the work per request is small, and cross-thread wake-ups
    // cost more than they give on a loaded machine (bench/cycle.py). The built-in server, when
    // it is the target, gets a multi-threaded runtime of its own.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Environment(format!("cannot start the async runtime: {e}")))?;
    let server_rt = match args.target {
        None => Some(super::runtime()?),
        Some(_) => None,
    };
    // The built-in server (if it is the target) serves as long as `target` and `server_rt`.
    let (target, http) = connect(&args, &settings, server_rt.as_ref().unwrap_or(&rt), &rt)?;
    let base_url = target.base_url.clone();
    let journal = super::run::journal_in(&report_dir, http.redactor())?;
    let run_id = run_id();
    let seed = args.seed.unwrap_or_else(rand::random);
    let shown = http.redactor().redact(&base_url);
    announce(&args, &run_id, seed, &shown);
    let directory = source_directory(&args, &settings, &run_id, seed);
    let log_path = report_dir.join("provisioning-log.jsonl");
    let engine = start_engine(&args, &settings, &http, &base_url, &journal, &log_path)?;
    let progress = rt.spawn(progress(engine.clone()));
    let sweep = format!(
        "scimtest sweep --target '{shown}' --run-id {run_id} --journal '{}' --yes",
        report_dir.join("journal.jsonl").display()
    );
    let signals = rt.spawn(watch_signals(engine.clone(), sweep));
    let discovery = args.account_discovery.then_some(args.page_size as usize);
    let (cycles, passes) = run_cycles(&engine, directory, (args.incremental, discovery), &rt);
    let stopped = stop_reason(&engine, &args);
    let seconds = engine.elapsed().as_secs_f64();
    let requests = engine.requests.load(Ordering::Relaxed);
    let own_reads = engine.scimtest_reads.load(Ordering::Relaxed);
    if !args.keep {
        rt.block_on(engine.cleanup(&crate::cycle::directory::name_prefix(&run_id)));
    }
    // What the cleanup could not delete, it journaled with why: the journal is the one list.
    let (leftovers, not_deleted) = remaining(&journal, args.keep, &run_id, &shown, &report_dir);
    progress.abort();
    signals.abort();
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
    let record = finish(
        &engine,
        &args,
        &settings,
        Figures {
            run_id: run_id.clone(),
            seed,
            shown,
            cycles,
            passes,
            requests,
            own_reads,
            seconds,
            leftovers,
            not_deleted,
        },
        &log_path,
    );
    write_reports(&record, http.redactor(), &report_dir, &log_path);
    drop((target, server_rt));
    if let Some(why) = &stopped {
        eprintln!(
            "scimtest cycle: {why}; what was created has been cleaned up as far as it could be (above: what may remain)"
        );
    }
    Ok(Exit::failed_if(!record.passed() || stopped.is_some()))
}

/// The source directory the cycles provision.
fn source_directory(
    args: &CycleArgs,
    settings: &CycleSettings,
    run_id: &str,
    seed: u64,
) -> Directory {
    let directory = Directory::generate(
        run_id,
        seed,
        args.users,
        args.groups,
        args.members_per_group,
    );
    match &settings.mapping {
        Some(m) => directory.with_mapping(m),
        None => directory,
    }
}

/// The engine, writing its log to `log_path`, with the cycles' deadline set from now.
fn start_engine(
    args: &CycleArgs,
    settings: &CycleSettings,
    http: &Http,
    base_url: &str,
    journal: &Journal,
    log_path: &Path,
) -> Result<Arc<Engine>, Error> {
    let sink = Sink::to_file(log_path)
        .map_err(|e| Error::Environment(format!("cannot write {}: {e}", log_path.display())))?;
    let engine = Engine::new(
        http.without_bodies(),
        base_url.to_string(),
        Settings {
            rate: args.rate,
            concurrency: usize::from(args.concurrency),
            profile: settings.profile,
            deletion_threshold: args.deletion_threshold,
        },
        journal.clone(),
        sink,
    );
    engine.set_deadline(Some(
        std::time::Instant::now() + std::time::Duration::from_secs(args.deadline),
    ));
    Ok(engine)
}

/// Why the cycles stopped early, if they did.
fn stop_reason(engine: &Engine, args: &CycleArgs) -> Option<String> {
    if engine.stop.is_set() {
        Some("interrupted: the cycles stopped sending new work".into())
    } else if engine.past_deadline() {
        Some(format!(
            "the cycles passed their deadline ({} s, --deadline) and stopped sending new work",
            args.deadline
        ))
    } else {
        None
    }
}

/// First SIGINT/SIGTERM: stop starting new work, let what is in flight finish, clean up and
/// report. A second one: flush the provisioning log, print what may remain and how to sweep
/// it, and exit at once.
async fn watch_signals(engine: Arc<Engine>, sweep: String) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return;
    };
    let next = async |term: &mut tokio::signal::unix::Signal,
                      int: &mut tokio::signal::unix::Signal| {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    };
    next(&mut term, &mut int).await;
    engine.stop.trigger();
    eprintln!(
        "\nscimtest cycle: interrupted: no new work is started; cleaning up (interrupt again to leave at once)"
    );
    // A process-group signal (`timeout`) arrives twice at once: only one later than a moment
    // after the first counts. (Sleeping the moment out instead left the second one pending,
    // and it was then taken for a second interrupt.)
    let first = std::time::Instant::now();
    loop {
        next(&mut term, &mut int).await;
        if first.elapsed() >= std::time::Duration::from_millis(500) {
            break;
        }
    }
    if let Ok(mut log) = engine.log.lock() {
        log.finish();
    }
    eprintln!("scimtest cycle: left at once; what this run created may remain: {sweep}");
    std::process::exit(130);
}

/// The one line saying what this cycle will do, and its run id and seed (to repeat it).
fn announce(args: &CycleArgs, run_id: &str, seed: u64, shown: &str) {
    eprintln!(
        "scimtest cycle: run id {run_id}, seed {seed}: {}, {} of {}, {}, {} at most {} in flight, against {shown}",
        count(args.users, "user"),
        count(args.groups, "group"),
        count(args.members_per_group, "member"),
        count(args.incremental, "incremental round"),
        args.rate
            .map_or("as fast as the target answers".to_string(), |r| format!(
                "{r} requests/s"
            )),
        args.concurrency
    );
}

/// The target (the built-in server started on `server_rt` unless `--target`), the client,
/// and the preflight: Test Connection's query, once.
fn connect(
    args: &CycleArgs,
    settings: &CycleSettings,
    server_rt: &tokio::runtime::Runtime,
    rt: &tokio::runtime::Runtime,
) -> Result<(super::target::Target, Http), Error> {
    let mut options = args.connection.client_options().map_err(Error::Usage)?;
    if settings.profile == Profile::Okta && args.connection.timeout.is_none() {
        // Okta waits 60 s for an answer (its SCIM FAQ: "respond within 60 seconds").
        options.timeout = Duration::from_secs(60);
    }
    let builtin = super::target::Builtin {
        defects: settings.defects.clone(),
        throttle_every: args.throttle_every,
        limits: crate::server::store::Limits {
            max_resources: args.users.max(args.groups).saturating_add(1000),
            ..Default::default()
        },
    };
    let target = super::target::start(args.target.as_deref(), builtin, server_rt, &mut options)?;
    let has_credentials = !matches!(options.credentials, crate::run::Credentials::None);
    let http = Http::with_options(options).map_err(|e| Error::Usage(e.to_string()))?;
    http.redactor().add_url_secrets(&target.base_url);
    rt.block_on(crate::run::preflight(
        &http,
        &target.base_url,
        has_credentials,
        "userName",
    ))
    .map_err(|crate::run::Diagnosis(line)| Error::Target(format!("{line}\n(nothing was sent)")))?;
    Ok((target, http))
}

/// What the cycles measured, before the engine's own figures are added.
struct Figures {
    run_id: String,
    seed: u64,
    /// The target as shown (redacted).
    shown: String,
    cycles: Vec<CycleFigures>,
    /// Account Discovery passes.
    passes: Vec<crate::cycle::discovery::Pass>,
    /// Requests before the cleanup.
    requests: u64,
    /// Of them, the reads scimtest added to the client's traffic.
    own_reads: u64,
    seconds: f64,
    leftovers: Vec<String>,
    /// Objects the cleanup set out to delete and could not show deleted.
    not_deleted: usize,
}

/// Closes the provisioning log and gathers everything into the record.
fn finish(
    engine: &Engine,
    args: &CycleArgs,
    settings: &CycleSettings,
    figures: Figures,
    log_path: &Path,
) -> CycleRecord {
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
    CycleRecord {
        run_id: figures.run_id,
        target: figures.shown,
        settings: json!({
            "users": args.users, "groups": args.groups, "members_per_group": args.members_per_group,
            "rate": args.rate, "concurrency": args.concurrency, "profile": settings.profile.name(),
            "incremental": args.incremental, "seed": figures.seed,
            "deletion_threshold": args.deletion_threshold,
            "account_discovery": args.account_discovery.then_some(args.page_size),
            "entra_schema": args.entra_schema.as_ref().map(|p| p.display().to_string()),
        }),
        health: health_for(&tally, settings.profile),
        tally,
        cycles: figures.cycles,
        discovery: figures.passes,
        scimtest_reads: figures.own_reads,
        requests: figures.requests,
        seconds: figures.seconds,
        throttled,
        latencies_us,
        per_second,
        cleanup_requests: engine.requests.load(Ordering::Relaxed) - figures.requests,
        leftovers: figures.leftovers,
        not_deleted: figures.not_deleted,
    }
}

/// What the command line and the config file settle before anything is sent.
struct CycleSettings {
    profile: Profile,
    defects: Defects,
    mapping: Option<Mapping>,
}

/// Merges the config file into `args` and checks every setting.
fn read_settings(args: &mut CycleArgs) -> Result<CycleSettings, Error> {
    if let Some(c) = super::config::Config::find(args.config.as_deref()).map_err(Error::Usage)? {
        let uninvited = c.found_here && args.target.is_none();
        args.target = args.target.take().or(c.target.clone());
        args.report_dir = args.report_dir.take().or(c.report_dir.clone());
        args.connection
            .merge(c.timeout, c.headers, c.ca_cert, c.insecure, c.auth)
            .map_err(Error::Usage)?;
        if let Some(t) = args.target.as_deref().filter(|_| uninvited) {
            super::config::confirm_found_target(t, args.connection.has_credentials())
                .map_err(Error::Usage)?;
        }
    }
    let profile = match args.profile.parse::<Profile>() {
        Ok(p @ (Profile::Entra | Profile::EntraFlag | Profile::Okta)) => p,
        _ => {
            return Err(Error::Usage(format!(
                "--profile `{}`: a cycle replays Entra's provisioning job (`entra`, `entra-flag`) or Okta's provisioning (`okta`)",
                args.profile
            )));
        }
    };
    if let Some(r) = args.rate
        && !(r > 0.0 && r.is_finite())
    {
        return Err(Error::Usage(
            "--rate must be a positive number of requests per second".into(),
        ));
    }
    if let Some(t) = &args.target {
        super::target::check(t)?;
    }
    let defects = Defects::parse(&args.defects).map_err(Error::Usage)?;
    if args.target.is_some()
        && (!defects.is_empty() || args.throttle_every > 0 || !args.server_schemas.is_empty())
    {
        return Err(Error::Usage(
            "--defect, --throttle-every and --schema apply to the built-in reference server, not to --target".into(),
        ));
    }
    super::mapping::learn_schemas(&args.server_schemas).map_err(Error::Input)?;
    let mapping = match &args.entra_schema {
        Some(f) => Some(super::mapping::from_file(f).map_err(Error::Input)?),
        None => None,
    };
    args.groups = args.groups_given.unwrap_or(10);
    if mapping.as_ref().is_some_and(|m| !m.groups) {
        // Only a value the user gave can be "ignored"; the default just does not apply.
        if let Some(n) = args.groups_given.filter(|n| *n > 0) {
            eprintln!("scimtest cycle: the mapping provisions no groups: --groups {n} is ignored");
        }
        args.groups = 0;
    }
    Ok(CycleSettings {
        profile,
        defects,
        mapping,
    })
}

/// The initial cycle and `incremental` rounds, each verified after it ran and, with
/// `discovery` (a page size), followed by an Account Discovery pass.
fn run_cycles(
    engine: &Arc<Engine>,
    directory: Directory,
    (incremental, discovery): (usize, Option<usize>),
    rt: &tokio::runtime::Runtime,
) -> (Vec<CycleFigures>, Vec<Pass>) {
    let mut dir = Arc::new(directory);
    let (mut cycles, mut passes) = (Vec::new(), Vec::new());
    let mut rounds = vec!["initial".to_string()];
    rounds.extend((1..=incremental).map(|r| format!("incremental-{r}")));
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
        if engine.stop.is_set() || engine.past_deadline() {
            // Stopped: no verification of a half-done cycle (its figures would mislead).
            break;
        }
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
        if let Some(size) = discovery {
            passes.push(rt.block_on(crate::cycle::discovery::pass(engine, &dir, name, size)));
        }
    }
    (cycles, passes)
}

/// What the journal says may still be on the target: kept, not proved ours, or not deleted
/// (those the cleanup listed with the DELETE's answer are left out), each with why, then the
/// `scimtest sweep` command that finds them by the run id; and how many of them the cleanup
/// left (none with `--keep`: it did not run).
fn remaining(
    journal: &Journal,
    keep: bool,
    run_id: &str,
    shown_target: &str,
    report_dir: &Path,
) -> (Vec<String>, usize) {
    let remaining = journal.remaining();
    let mut lines = Vec::new();
    let mut not_deleted = 0;
    for e in &remaining {
        let why = match &e.state {
            crate::run::journal::State::Remains(why) => why.clone(),
            crate::run::journal::State::Created(id) if keep => {
                format!("id {id}, kept (--keep)")
            }
            // Answered, never written to again, so never proved this run's: kept all the same.
            crate::run::journal::State::Pending if keep && e.answered.is_some() => {
                "kept (--keep)".to_string()
            }
            // Listed by the cleanup with the DELETE's answer.
            crate::run::journal::State::Created(_) => continue,
            _ => "the create's outcome is unknown".to_string(),
        };
        not_deleted += usize::from(!keep);
        let what = e
            .lookup()
            .map(|(a, v)| format!(" {a} {v:?}"))
            .unwrap_or_default();
        // The id the create was answered with, when there was one (`/Users/<id>`).
        let at = e.answered.as_ref().map_or_else(
            || e.collection.clone(),
            |id| format!("{}/{id}", e.collection),
        );
        lines.push(format!("{at}{what}: {why}"));
    }
    // The console stays readable after an interrupt of a large cycle: the journal has all.
    if lines.len() > SHOWN_LEFTOVERS {
        let more = lines.len() - SHOWN_LEFTOVERS;
        lines.truncate(SHOWN_LEFTOVERS);
        lines.push(format!("… and {more} more (all are in the journal)"));
    }
    if !remaining.is_empty() {
        lines.push(format!(
            "remove them with: scimtest sweep --target '{shown_target}' --run-id {run_id} --journal '{}' --yes",
            report_dir.join("journal.jsonl").display()
        ));
    }
    (lines, not_deleted)
}

/// Leftover lines listed one by one at most.
const SHOWN_LEFTOVERS: usize = 50;

/// Writes cycle.json and cycle.html and prints the summary, all redacted.
fn write_reports(record: &CycleRecord, redactor: &Redactor, report_dir: &Path, log_path: &Path) {
    let redact = |s: String| redactor.redact(&s);
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
    super::say!("{}", crate::report::terminal_safe(&redact(summary)));
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
