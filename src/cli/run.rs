//! `scimtest run`: load → plan → (start the reference server) → run → report.

use super::RunArgs;
use super::error::{Error, Exit};
use super::mapping;
use crate::baseline::Baseline;
use crate::load;
use crate::model::{Capability, Mapping, ObjectKind, Profile, Suite};
use crate::plan::plan_with;
use crate::record::RunRecord;
use crate::report;
use crate::run::{
    Credentials, Http, Interrupt, Journal, RunContext, Selection, TestData, run_id, run_trials,
};
use crate::schema_store::SchemaStore;
use crate::server::{Defects, RunningServer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// The built-in schemas plus the user's own `fixtures/schemas` beside their suites, compiled.
pub(super) fn schema_store(paths: &[PathBuf]) -> Result<SchemaStore, String> {
    SchemaStore::builtin_with(load::user_schema_dir(paths).as_deref())
}

/// Runs the command: the exit code says whether a required case failed.
pub(super) fn main(args: RunArgs) -> Result<Exit, Error> {
    Ok(match execute(args)? {
        Some(record) => Exit::failed_if(record.required_failed() || record.interrupted),
        // `--list`.
        None => Exit::Passed,
    })
}

/// Runs the command: settings → inputs → plan → target → checks of the target → cases →
/// reports. Prints progress and the summary, writes the reports; returns the record, or
/// nothing when the cases were only listed.
pub(crate) fn execute(mut args: RunArgs) -> Result<Option<RunRecord>, Error> {
    let started = Instant::now();
    let started_at = crate::clock::rfc3339(std::time::SystemTime::now());
    let mut settings = Settings::read(&mut args)?;
    let mut inputs = Inputs::load(&args, &mut settings)?;
    let rt = super::runtime()?;
    let selection = Selection {
        filters: args.filters.clone(),
        exact: args.exact,
        skip: args.skip.clone(),
        test_threads: args.test_threads.map(usize::from),
        quiet: args.quiet,
    };
    // Without discovery the plan is known now: listing needs no target.
    let mut planned = Vec::new();
    if !args.discover {
        planned = settings.plan(&inputs.suites, &selection)?;
        if args.list {
            return Ok(list(&planned));
        }
    }
    let connection = Connection::open(&args, &settings, &rt)?;
    connection.preflight(&args, inputs.mapping.as_ref(), &rt)?;
    if args.discover {
        inputs.discover(&connection, &mut settings, &rt)?;
        planned = settings.plan(&inputs.suites, &selection)?;
        if args.list {
            return Ok(list(&planned));
        }
    }
    if inputs.tailor_gallery(&args, &planned, &connection, &rt) {
        planned = settings.plan(&inputs.suites, &selection)?;
    }
    let contradictions = inputs.announce(&args, &connection, &settings, &rt)?;
    let record = run_cases(
        &args,
        &settings,
        &connection,
        inputs.schemas,
        planned,
        &rt,
        &selection,
        Started {
            at: started,
            rfc3339: started_at,
        },
        contradictions,
    )?;
    Ok(Some(report(record, &args, &settings, &connection)))
}

/// Prints the planned cases, the way libtest-mimic's `--list` does.
fn list(planned: &[crate::plan::PlannedCase]) -> Option<RunRecord> {
    // Printed here, never by libtest-mimic, whose printer panics on a closed stdout.
    for c in planned {
        super::say!("{}: test", c.name);
    }
    None
}

/// What the arguments and the config file settle before anything is loaded.
struct Settings {
    report_dir: PathBuf,
    baseline: Option<Baseline>,
    profiles: Vec<Profile>,
    defects: Defects,
    /// Capabilities declared absent, each with what declared it (`--no-groups`, …).
    absent: Vec<(Capability, String)>,
    data: TestData,
    /// The Tenant URL carries `aadOptscim062020` and no `--profile` was chosen: the
    /// unflagged default job's cases are skipped.
    flag_job: bool,
}

impl Settings {
    /// Merges the config file into `args` and checks every setting.
    fn read(args: &mut RunArgs) -> Result<Settings, Error> {
        if let Some(config) =
            super::config::Config::find(args.config.as_deref()).map_err(Error::Usage)?
        {
            let uninvited = config.found_here && args.target.is_none();
            args.merge(config).map_err(Error::Usage)?;
            if let Some(t) = args.target.as_deref().filter(|_| uninvited) {
                super::config::confirm_found_target(t, args.connection.has_credentials())
                    .map_err(Error::Usage)?;
            }
        }
        if let Some(t) = &args.target {
            super::target::check(t)?;
        }
        let baseline = match &args.baseline {
            Some(path) => Some(Baseline::load(path).map_err(Error::Input)?),
            None => None,
        };
        let profiles = args
            .profiles
            .iter()
            .map(|p| {
                p.parse::<Profile>().map_err(|e| {
                    Error::Usage(format!(
                        "{e}; use one of entra, entra-flag, validator, gallery"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let defects = Defects::parse(&args.defects).map_err(Error::Usage)?;
        if args.target.is_some() && !defects.is_empty() {
            return Err(Error::Usage(
                "--defect applies to the built-in reference server; it cannot be combined with --target".into(),
            ));
        }
        if !args.server_schemas.is_empty() {
            if args.target.is_some() {
                return Err(Error::Usage(
                    "--schema teaches the built-in reference server; the target publishes its own schemas (--discover reads them)".into(),
                ));
            }
            mapping::learn_schemas(&args.server_schemas).map_err(Error::Input)?;
        }
        Ok(Settings {
            report_dir: args
                .report_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("reports")),
            baseline,
            profiles,
            defects,
            absent: mapping::absent(args),
            data: mapping::test_data(args).map_err(Error::Usage)?,
            flag_job: args.profiles.is_empty()
                && args.target.as_deref().is_some_and(crate::plan::flagged),
        })
    }

    /// The planned cases of `suites` under the selected profiles, capabilities and filters;
    /// every baseline entry must name one of them.
    fn plan(
        &self,
        suites: &[Suite],
        selection: &Selection,
    ) -> Result<Vec<crate::plan::PlannedCase>, Error> {
        let mut planned = plan_with(suites, &self.profiles, &self.absent);
        if self.flag_job {
            crate::plan::skip_unflagged(&mut planned);
        }
        if planned.is_empty() {
            return Err(Error::Usage("no case matches the selected profiles".into()));
        }
        if let Some(b) = &self.baseline {
            let names: Vec<&str> = planned.iter().map(|c| c.name.as_str()).collect();
            let unknown = b.unknown_entries(&names);
            if !unknown.is_empty() {
                return Err(Error::Usage(format!(
                    "the baseline names no case of this run: {}; fix or remove the entries (`scimtest run --list` lists every case)",
                    crate::diagnostic::backticked(&unknown)
                )));
            }
        }
        selection.select(planned).map_err(Error::Usage)
    }
}

/// The suites, their schemas and the app's mapping.
struct Inputs {
    schemas: Arc<SchemaStore>,
    suites: Vec<Suite>,
    mapping: Option<Mapping>,
    /// The generated `mapped` suite's text, written to the report folder before the run.
    generated: Option<String>,
}

impl Inputs {
    /// Loads the suites (with the suite generated from `--entra-schema`).
    fn load(args: &RunArgs, settings: &mut Settings) -> Result<Inputs, Error> {
        let schemas = Arc::new(schema_store(&args.suites).map_err(Error::Input)?);
        // `--no-builtin` with a mapping and no suites of the user's runs the generated suite
        // alone.
        let only_mapped = args.no_builtin
            && args.suites.is_empty()
            && (args.entra_schema.is_some() || args.discover);
        let suites = if only_mapped {
            Vec::new()
        } else {
            load::load_suites(&args.suites, !args.no_builtin, &schemas.names()).map_err(
                |errors| {
                    let problems: usize = errors.iter().map(|e| e.diagnostics.len()).sum();
                    Error::Suites {
                        rendered: errors.iter().map(|e| e.render()).collect(),
                        summary: format!(
                            "{} in the suites; nothing was run (`scimtest lint` lists them all)",
                            crate::words::count(problems, "problem")
                        ),
                    }
                },
            )?
        };
        let mut inputs = Inputs {
            schemas,
            suites,
            mapping: None,
            generated: None,
        };
        if let Some(file) = &args.entra_schema {
            let m = mapping::from_file(file).map_err(Error::Input)?;
            inputs.add_mapping(m, settings)?;
        }
        let unused = mapping::unused_vars(&settings.data, &inputs.suites);
        if !unused.is_empty() {
            // A few names say what is wrong; thousands would bury it.
            let more = unused.len().saturating_sub(20);
            let shown = crate::diagnostic::backticked(&unused[..unused.len().min(20)]);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            return Err(Error::Usage(format!(
                "--var names no variable of any case: {shown}{more}"
            )));
        }
        Ok(inputs)
    }

    /// Generates the `mapped` suite for `m` and adds it (replacing a suite of the same name);
    /// a mapping without groups makes groups absent.
    fn add_mapping(&mut self, m: Mapping, settings: &mut Settings) -> Result<(), Error> {
        let (suite, text) = mapping::mapped_suite(&m, &settings.report_dir, &self.schemas.names())
            .map_err(Error::Input)?;
        self.suites.retain(|s| s.name != suite.name);
        self.suites.push(suite);
        if !m.groups
            && !settings
                .absent
                .iter()
                .any(|(c, _)| *c == Capability::Groups)
        {
            settings.absent.push((
                Capability::Groups,
                format!("the mapping from {} has no group mapping", m.origin),
            ));
        }
        self.generated = Some(text);
        self.mapping = Some(m);
        Ok(())
    }

    /// `--discover`: the mapping from the target's `/Schemas`.
    fn discover(
        &mut self,
        connection: &Connection,
        settings: &mut Settings,
        rt: &Runtime,
    ) -> Result<(), Error> {
        let Connection { http, base_url, .. } = connection;
        let origin = format!(
            "{}/Schemas",
            http.redactor().redact(base_url.trim_end_matches('/'))
        );
        let m = rt
            .block_on(mapping::fetch_schemas(http, base_url))
            .and_then(|r| crate::load::from_discovery(&origin, &r))
            .map_err(|e| Error::Target(format!("--discover: {e}")))?;
        self.add_mapping(m, settings)
    }

    /// Derives the gallery validation's inputs as its Initialization workflow does — the
    /// app's directory attribute list from `--entra-schema` or `--discover`, what the target's
    /// `/Schemas` marks required — and rewrites the `entra-gallery` cases for them; says where
    /// they came from. Returns whether the plan must be made again.
    fn tailor_gallery(
        &mut self,
        args: &RunArgs,
        planned: &[crate::plan::PlannedCase],
        connection: &Connection,
        rt: &Runtime,
    ) -> bool {
        let prefix = format!("{}::", load::GALLERY_SUITE);
        if !planned.iter().any(|c| c.name.starts_with(&prefix)) {
            return false;
        }
        let schemas = rt
            .block_on(mapping::fetch_schemas(
                &connection.http,
                &connection.base_url,
            ))
            .unwrap_or_default();
        let directory = self
            .mapping
            .as_ref()
            .map(|m| m.directory.clone())
            .filter(|d| !d.is_empty());
        let origin = match (&args.entra_schema, args.discover, &directory) {
            (Some(f), _, Some(_)) => format!("the app's synchronization schema {}", f.display()),
            (_, true, Some(_)) => "the attributes the target's /Schemas declares (--discover)".to_string(),
            _ => "Microsoft's attribute table of a non-gallery SCIM app (the default; give --entra-schema for the app's own list)".to_string(),
        };
        // The null update's targets (`sourceToTargetLookup`): the app's mapped attributes,
        // or with --discover the attributes the target declares, which stand in for them.
        let mapped = self
            .mapping
            .as_ref()
            .filter(|_| args.entra_schema.is_some() || args.discover)
            .map(|m| m.of(crate::model::ObjectKind::User).cloned().collect());
        let inputs = load::GalleryInputs {
            origin: Some(origin.clone()),
            directory,
            required: load::required_in(&schemas),
            mapped,
            group_writable: load::group_writable_in(&schemas),
            own_directory: args.entra_schema.is_some(),
        };
        let notes = load::tailor_gallery(&mut self.suites, &inputs);
        eprintln!("scimtest: gallery validation inputs from {origin}");
        for n in &notes {
            eprintln!("  {n}");
        }
        !notes.is_empty()
    }

    /// Says what the mapping covers, writes the generated suite, and cross-checks what this
    /// run declared against what the target publishes: the contradictions, also printed.
    fn announce(
        &self,
        args: &RunArgs,
        connection: &Connection,
        settings: &Settings,
        rt: &Runtime,
    ) -> Result<Vec<String>, Error> {
        if let Some(m) = &self.mapping {
            eprintln!("{}", mapping::describe(m));
        }
        if let Some(text) = &self.generated {
            mapping::write_suite(&settings.report_dir, text).map_err(Error::Environment)?;
        }
        let declared =
            self.mapping.is_some() || args.no_groups || args.no_manager || args.soft_delete;
        // The built-in server publishes what it does: a contradiction with it is nothing the
        // user could change.
        if !declared || connection.server.is_some() {
            return Ok(Vec::new());
        }
        let contradictions = rt.block_on(mapping::cross_check(
            &connection.http,
            &connection.base_url,
            &settings.absent,
            self.mapping.as_ref(),
        ));
        for c in &contradictions {
            eprintln!("warning: {}", connection.http.redactor().redact(c));
        }
        Ok(contradictions)
    }
}

/// The client and where it sends.
struct Connection {
    http: Http,
    base_url: String,
    /// How a reproduction script authenticates and reaches the target.
    repro: report::ReproSettings,
    has_credentials: bool,
    /// The run's OAuth client credentials, which the gallery's credentials test replays.
    oauth: Option<crate::run::OAuth>,
    /// The built-in server, when it is the target: it serves as long as this value lives.
    server: Option<RunningServer>,
}

impl Connection {
    /// The target given, or the built-in server started with the run's defects.
    fn open(args: &RunArgs, settings: &Settings, rt: &Runtime) -> Result<Connection, Error> {
        let mut options = args.connection.client_options().map_err(Error::Usage)?;
        let builtin = super::target::Builtin {
            defects: settings.defects.clone(),
            throttle_every: 0,
            limits: Default::default(),
        };
        let target = super::target::start(args.target.as_deref(), builtin, rt, &mut options)?;
        let repro = report::ReproSettings {
            auth: repro_auth(&options.credentials),
            ca_cert: args.connection.ca_cert.clone(),
            insecure: args.connection.insecure,
            timeout_secs: options.timeout.as_secs(),
            builtin_server: target.server.is_some(),
            base_url: target.base_url.clone(),
        };
        let has_credentials = !matches!(options.credentials, Credentials::None);
        let oauth = match &options.credentials {
            Credentials::OAuth(o) => Some(o.clone()),
            _ => target.oauth.clone(),
        };
        let http = Http::with_options(options).map_err(|e| Error::Usage(e.to_string()))?;
        http.redactor().add_url_secrets(&target.base_url);
        if http.insecure {
            eprintln!(
                "warning: --insecure: TLS certificates are not verified; anyone on the path can read and change this traffic"
            );
        }
        Ok(Connection {
            http,
            base_url: target.base_url,
            repro,
            has_credentials,
            oauth,
            server: target.server,
        })
    }

    /// Entra's Test Connection query, once, on the mapping's first matching attribute: a
    /// set-up mistake stops the run here, in one line.
    fn preflight(
        &self,
        args: &RunArgs,
        mapping: Option<&Mapping>,
        rt: &Runtime,
    ) -> Result<(), Error> {
        if args.no_preflight || args.list {
            return Ok(());
        }
        let matching = mapping
            .and_then(|m| m.matching(ObjectKind::User).first().map(|a| a.path.clone()))
            .unwrap_or_else(|| "userName".to_string());
        rt.block_on(crate::run::preflight(
            &self.http,
            &self.base_url,
            self.has_credentials,
            &matching,
        ))
        .map_err(|crate::run::Diagnosis(line)| {
            Error::Target(format!(
                "{line}\n(nothing was run; --no-preflight skips this check)"
            ))
        })
    }
}

/// How a reproduction script gets the credentials of `credentials`, without holding them.
fn repro_auth(credentials: &Credentials) -> report::ReproAuth {
    match credentials {
        Credentials::None => report::ReproAuth::None,
        Credentials::Bearer(_) => report::ReproAuth::Bearer,
        Credentials::Header(_) => report::ReproAuth::Header,
        Credentials::Basic { .. } => report::ReproAuth::Basic,
        Credentials::OAuth(o) => report::ReproAuth::OAuth {
            token_url: o.token_url.clone(),
            post: matches!(o.method, crate::run::ClientAuthMethod::Post),
            scope: o.scope.clone(),
        },
    }
}

/// When the run started, for its wall time and its report.
struct Started {
    at: Instant,
    rfc3339: String,
}

/// Runs the planned cases with the journal in the report folder and the signal watcher on.
#[allow(clippy::too_many_arguments)]
fn run_cases(
    args: &RunArgs,
    settings: &Settings,
    connection: &Connection,
    schemas: Arc<SchemaStore>,
    planned: Vec<crate::plan::PlannedCase>,
    rt: &Runtime,
    selection: &Selection,
    started: Started,
    contradictions: Vec<String>,
) -> Result<RunRecord, Error> {
    let Connection { http, base_url, .. } = connection;
    let report_dir = &settings.report_dir;
    let run_id = run_id();
    // The journal of creates lives in the report folder: a folder that cannot be written is
    // found now, before anything is sent.
    let journal = journal_in(report_dir, http.redactor())?;
    let sweep = sweep_command(base_url, &run_id, journal.file().as_deref(), args);
    eprintln!(
        "scimtest: run id {run_id}: everything this run creates is named `scimtest-{run_id}-…`"
    );
    // Okta's OIN gate names its user in its own format: say which name stands for the run.
    if planned
        .iter()
        .any(|c| c.profile == crate::model::Profile::OktaOin)
    {
        eprintln!(
            "scimtest: except the OIN gate's users, named as the gate names them: `Runscope…{}…@atko.com`",
            crate::run::run_letters(&run_id)
        );
    }
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
        data: settings.data.clone(),
        // The built-in server is consistent at once; a real store may need the gate's delay.
        gallery_read_back: if connection.server.is_some() {
            Duration::ZERO
        } else {
            Duration::from_secs(7)
        },
        oauth: connection.oauth.clone(),
        alone: Default::default(),
    });
    let cases = run_trials(planned, cx, rt.handle().clone(), selection);
    let leftovers = leftovers(&journal);
    let sweep_command = (!leftovers.is_empty() && connection.server.is_none()).then_some(sweep);
    Ok(RunRecord {
        run_id,
        started: started.rfc3339,
        target: base_url.clone(),
        cases,
        duration: started.at.elapsed(),
        interrupted: interrupt.is_set(),
        tls_verified: !http.insecure,
        stale_baseline: Vec::new(),
        leftovers,
        sweep_command,
        repro_dir: None,
        contradictions,
    })
}

/// The journal of creates, `journal.jsonl` in the report folder (created if needed), for
/// `run` and `cycle`: a folder that cannot be written is an error before anything is sent.
pub(super) fn journal_in(
    report_dir: &Path,
    redactor: &crate::redact::Redactor,
) -> Result<Journal, Error> {
    std::fs::create_dir_all(report_dir)
        .and_then(|()| Journal::with_file(&report_dir.join("journal.jsonl"), redactor.clone()))
        .map_err(|e| {
            Error::Environment(format!(
                "the report folder {} cannot be written: {e}",
                report_dir.display()
            ))
        })
}

/// What the journal says may still be on the target, one line each.
fn leftovers(journal: &Journal) -> Vec<String> {
    journal
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
        .collect()
}

/// Applies the baseline, writes the reproduction scripts and the reports, prints the summary.
fn report(
    mut record: RunRecord,
    args: &RunArgs,
    settings: &Settings,
    connection: &Connection,
) -> RunRecord {
    let redactor = connection.http.redactor();
    if let Some(b) = &settings.baseline {
        b.apply(&mut record);
    }
    record.repro_dir =
        write_repro_scripts(&record, redactor, &settings.report_dir, &connection.repro);
    let written = write_reports(
        &record,
        redactor,
        &settings.report_dir,
        args.junit_all_failures,
    );
    use std::io::Write as _;
    // Never panics on a closed stdout: the exit code must still say how the run went.
    let _ = write!(
        std::io::stdout().lock(),
        "{}",
        report::summary(
            &record,
            redactor,
            &written,
            report::Detail {
                colour: report::use_colour(),
                verbose: args.verbose,
            }
        )
    );
    record
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
