//! Lowering: raw file structs → the validated model. Every rule of the suite format is
//! checked here, and every problem becomes a positioned `Diagnostic`; lowering goes on after
//! an error so that `scimtest lint` reports them all at once.

use super::raw::{Ordered, RawCase, RawCheck, RawExpect, RawRequest, RawStep, RawSuite};
use crate::diagnostic::{Diagnostic, suggestion};
use crate::model::{
    Auth, BUILTINS, Body, Capture, CaptureSource, Case, Check, CheckOp, Encoding, Evidence, Expect,
    GENERATORS, HeaderCheck, Part, Profile, Request, Severity, Step, Suite, Template, value_vars,
};
use crate::model::{Capability, CheckTarget, ScimPath};
use serde_json::Value;
use serde_saphyr::{Location, Spanned};
use std::collections::BTreeMap;
use std::path::Path;

/// What lowering needs to know about the world.
pub struct LowerContext<'a> {
    /// The suite file.
    pub file: &'a Path,
    /// Names of the JSON Schemas available to `expect.schema`.
    pub schemas: &'a [String],
    /// Where `body_file` paths resolve.
    pub fixtures: super::Fixtures,
    /// The file's text, to point at a variable inside a value (not only at the value).
    pub source: &'a str,
}

struct Lowerer<'a> {
    cx: &'a LowerContext<'a>,
    errors: Vec<Diagnostic>,
    /// The severity of the case being lowered: a required case's grades must be Microsoft's.
    severity: Severity,
    /// The longest text each variable of the case being lowered can expand to.
    var_sizes: BTreeMap<String, usize>,
}

fn pos(loc: &Location) -> (u32, u32) {
    (loc.line() as u32, loc.column() as u32)
}

/// Where `${var}` (or `${var:…}`) is first written in `source` at or after `from` (line and
/// column, 1-based): inside the value that starts there, which holds it.
fn written_at(source: &str, from: (u32, u32), var: &str) -> Option<(u32, u32)> {
    let (line, col) = (from.0 as usize, from.1 as usize);
    let line_start: usize = source
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let rest = source.get(line_start..)?;
    let start = line_start
        + rest
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(0, |(i, _)| i);
    let needle = format!("${{{var}");
    let mut at = start;
    loop {
        at += source.get(at..)?.find(&needle)?;
        let after = source[at + needle.len()..].chars().next();
        if matches!(after, Some('}' | ':')) {
            break;
        }
        at += needle.len();
    }
    let before = &source[..at];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    Some((line as u32, col as u32))
}

fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// The longest text `t` can render to, given the sizes of the variables defined before it
/// (saturating: a chain that overflows is `usize::MAX`).
fn expanded_size(t: &Template, sizes: &BTreeMap<String, usize>) -> usize {
    t.parts.iter().fold(0usize, |acc, p| {
        let n = match p {
            Part::Lit(s) => s.len(),
            Part::Value(v) => v.to_string().len(),
            Part::Var(v) => match sizes.get(v) {
                Some(n) => *n,
                // Generators: `alnum:N`/`digits:N` are N long; the others well under 128.
                None => v
                    .split_once(':')
                    .and_then(|(_, n)| n.parse::<usize>().ok())
                    .unwrap_or(128),
            },
        };
        acc.saturating_add(n)
    })
}

/// The longest text the JSON value `v` can render to (see [`expanded_size`]); a string that
/// is not a template counts as written.
fn value_size(v: &Value, sizes: &BTreeMap<String, usize>) -> usize {
    let text = |s: &str| Template::parse(s).map_or(s.len(), |t| expanded_size(&t, sizes));
    match v {
        Value::String(s) => text(s),
        Value::Array(items) => items
            .iter()
            .fold(0usize, |acc, i| acc.saturating_add(value_size(i, sizes))),
        Value::Object(obj) => obj.iter().fold(0usize, |acc, (k, i)| {
            acc.saturating_add(text(k))
                .saturating_add(value_size(i, sizes))
        }),
        other => other.to_string().len(),
    }
}

/// The same check, on the first resource of a ListResponse.
fn in_first_resource(c: Check) -> Check {
    let target = match c.target {
        CheckTarget::Pointer(mut t) => {
            t.parts.insert(0, Part::Lit("/Resources/0".into()));
            CheckTarget::Pointer(t)
        }
        CheckTarget::Path { path, .. } => CheckTarget::Path {
            root: "/Resources/0",
            path,
        },
    };
    Check { target, ..c }
}

/// What Entra does when a written value does not read back by id as written: the consequence
/// of a `read_back`'s first read (the write itself succeeded).
const READ_BY_ID: &str = "The write succeeded but the object does not read back as Entra wrote it: Entra compares the app's values with its own on every cycle and sends the change again (docs/entra-behaviour.md §6.1; [HOW] \"Incremental cycles\"), and a changed matching value makes the next match miss.";

/// What Entra does when its matching query does not find what it wrote: the consequence of
/// a `read_back`'s second read.
const READ_BY_QUERY: &str = "Entra's matching query does not find the object as written: Entra takes it for missing and creates it again, which fails as a conflict (EntryConflict) or makes a second account ([HOW] matching; [LOGS]).";

/// Most cases one suite file may hold: each is planned, run and reported on its own.
pub(crate) const MAX_CASES: usize = 2000;

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Lowers one parsed suite file.
pub(super) fn lower(raw: RawSuite, cx: &LowerContext) -> Result<Suite, Vec<Diagnostic>> {
    let mut l = Lowerer {
        cx,
        errors: Vec::new(),
        severity: Severity::Required,
        var_sizes: BTreeMap::new(),
    };
    let name = match &raw.suite {
        Some(n) => {
            if !valid_name(&n.value) {
                l.err(
                    &n.referenced,
                    format!("suite name `{}` is not a stable name", n.value),
                    Some("use lower-case letters, digits, `-` and `_`"),
                );
            }
            n.value.clone()
        }
        None => cx
            .file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let default_profiles = match &raw.profiles {
        Some(list) => l.profiles(list),
        None => Profile::ALL.to_vec(),
    };
    let mut cases = Vec::new();
    let mut seen: BTreeMap<String, u32> = BTreeMap::new();
    for (i, rc) in raw.cases.into_iter().enumerate() {
        if i == MAX_CASES {
            l.err(
                &rc.referenced,
                format!("the suite has more than {MAX_CASES} cases"),
                Some("split it into several suite files"),
            );
            break;
        }
        let line = rc.referenced.line() as u32;
        if let Some(first) = seen.get(&rc.value.name.value) {
            l.err(
                &rc.value.name.referenced,
                format!("case `{}` is defined twice", rc.value.name.value),
                Some(&format!(
                    "the first definition is on line {first}; case names must be unique in a suite"
                )),
            );
        }
        seen.insert(rc.value.name.value.clone(), line);
        if let Some(case) = l.case(rc.value, &default_profiles, line) {
            cases.push(case);
        }
    }
    if cases.is_empty() && l.errors.is_empty() {
        l.errors
            .push(Diagnostic::new(cx.file, 0, 0, "the suite has no cases"));
    }
    if l.errors.is_empty() {
        Ok(Suite {
            name,
            file: cx.file.to_path_buf(),
            description: raw.description.trim().to_string(),
            cases,
        })
    } else {
        Err(l.errors)
    }
}

impl Lowerer<'_> {
    fn err(&mut self, loc: &Location, message: String, hint: Option<&str>) {
        let (line, col) = pos(loc);
        let mut d = Diagnostic::new(self.cx.file, line, col, message);
        if let Some(h) = hint {
            d = d.hint(h);
        }
        self.errors.push(d);
    }

    fn profiles(&mut self, list: &[Spanned<String>]) -> Vec<Profile> {
        let mut out = Vec::new();
        for p in list {
            match p.value.parse::<Profile>() {
                Ok(profile) => out.push(profile),
                Err(e) => {
                    let hint = suggestion(&p.value, Profile::ALL.iter().map(|p| p.name()));
                    self.err(&p.referenced, e, Some(&hint));
                }
            }
        }
        if list.is_empty() {
            self.errors.push(Diagnostic::new(
                self.cx.file,
                0,
                0,
                "an empty `profiles` list runs nothing",
            ));
        }
        out
    }

    /// Parses a template and checks that every variable it uses is defined.
    fn template(&mut self, s: &Spanned<String>, defined: &[String]) -> Option<Template> {
        match Template::parse(&s.value) {
            Ok(t) => {
                for v in t.vars() {
                    self.check_var(v, &s.referenced, defined, true);
                }
                Some(t)
            }
            Err((_, m)) => {
                self.err(&s.referenced, m, Some("write `$${` for a literal `${`"));
                None
            }
        }
    }

    /// Checks that `var`, used in the value at `loc`, is a generator, a built-in or defined;
    /// `inline`: the value is written in this file (not a fixture), so an undefined variable
    /// is pointed at where it is written.
    fn check_var(&mut self, var: &str, loc: &Location, defined: &[String], inline: bool) {
        let head = var.split(':').next().unwrap_or(var);
        let has_arg = var.contains(':');
        let takes_arg = matches!(head, "alnum" | "digits" | "upper");
        if GENERATORS.contains(&head) {
            if takes_arg && !has_arg {
                self.err(
                    loc,
                    format!("generator `{head}` needs a length"),
                    Some(&format!("write `${{{head}:8}}`")),
                );
            } else if !takes_arg && has_arg {
                self.err(loc, format!("generator `{head}` takes no argument"), None);
            } else if takes_arg
                && var[head.len() + 1..]
                    .parse::<usize>()
                    .map_or(true, |n| n == 0 || n > 256)
            {
                self.err(
                    loc,
                    format!("`{var}`: the length must be a number from 1 to 256"),
                    None,
                );
            }
            return;
        }
        if BUILTINS.contains(&var) || defined.iter().any(|d| d == var) {
            return;
        }
        let candidates: Vec<&str> = defined
            .iter()
            .map(String::as_str)
            .chain(BUILTINS.iter().copied())
            .chain(GENERATORS.iter().copied())
            .collect();
        let hint = suggestion(var, candidates.iter().copied());
        let (line, col) = inline
            .then(|| written_at(self.cx.source, pos(loc), var))
            .flatten()
            .unwrap_or(pos(loc));
        let d = Diagnostic::new(
            self.cx.file,
            line,
            col,
            format!("variable `{var}` is not defined at this point"),
        );
        self.errors.push(d.hint(hint));
    }

    /// Checks the variables of a value written in this file at `loc`.
    fn value_templates(&mut self, v: &Value, loc: &Location, defined: &[String]) {
        self.templates_in(v, loc, defined, true);
    }

    /// Checks the variables of `v`, found at `loc` (written there when `inline`; else read
    /// from the fixture `loc` names).
    fn templates_in(&mut self, v: &Value, loc: &Location, defined: &[String], inline: bool) {
        let mut vars = Vec::new();
        match value_vars(v, &mut vars) {
            Ok(()) => {
                for var in vars {
                    self.check_var(&var, loc, defined, inline);
                }
            }
            Err(m) => self.err(loc, m, Some("write `$${` for a literal `${`")),
        }
    }

    fn case(&mut self, rc: RawCase, default_profiles: &[Profile], line: u32) -> Option<Case> {
        let before = self.errors.len();
        if !valid_name(&rc.name.value) {
            self.err(
                &rc.name.referenced,
                format!("case name `{}` is not a stable name", rc.name.value),
                Some("use lower-case letters, digits, `-` and `_` (it becomes part of the test path)"),
            );
        }
        let severity = self.severity(rc.severity.as_ref());
        self.severity = severity;
        let evidence = self.case_evidence(&rc);
        let profiles = match &rc.profiles {
            Some(list) => {
                let ps = self.profiles(list);
                for (p, raw) in ps.iter().zip(list) {
                    if !default_profiles.contains(p) {
                        self.err(
                            &raw.referenced,
                            format!("profile `{p}` is not among the suite's profiles"),
                            None,
                        );
                    }
                }
                ps
            }
            None => default_profiles.to_vec(),
        };
        let mut defined: Vec<String> = Vec::new();
        let vars = self.vars(&rc.vars, &mut defined);
        if rc.steps.is_empty() {
            self.err(
                &rc.name.referenced,
                format!("case `{}` has no steps", rc.name.value),
                None,
            );
        }
        let mut requires = Vec::new();
        for r in rc.requires.iter().flatten() {
            match r.value.parse::<Capability>() {
                Ok(c) => requires.push(c),
                Err(e) => {
                    let hint = suggestion(&r.value, Capability::ALL.iter().map(|c| c.name()));
                    self.err(&r.referenced, e, Some(&hint));
                }
            }
        }
        let mut steps = Vec::new();
        for (i, rs) in rc.steps.into_iter().enumerate() {
            steps.extend(self.step(rs, i, &profiles, &mut defined));
        }
        // A case that talks to /Groups needs groups, whatever it declares.
        let groups = steps.iter().any(|s| {
            matches!(s.request.path.parts.first(), Some(Part::Lit(l)) if l.trim_start_matches('/').to_ascii_lowercase().starts_with("groups"))
        });
        if groups {
            requires.push(Capability::Groups);
        }
        requires.sort();
        requires.dedup();
        (self.errors.len() == before).then(|| Case {
            name: rc.name.value,
            description: rc.description.trim().to_string(),
            severity,
            evidence,
            source: rc.source.map(|s| s.trim().to_string()),
            entra: rc.entra.map(|e| e.trim().to_string()),
            okta: rc.okta.map(|e| e.trim().to_string()),
            profiles,
            skip: rc.skip,
            requires,
            alone: rc.alone,
            vars,
            steps,
            line,
        })
    }

    fn vars(
        &mut self,
        raw: &Ordered<Spanned<Value>>,
        defined: &mut Vec<String>,
    ) -> Vec<(String, Template)> {
        let mut out = Vec::new();
        // Longest text each variable can expand to, so that a chain of variables doubling each
        // other is caught here, not by running out of memory.
        let mut sizes: BTreeMap<String, usize> = BTreeMap::new();
        for (k, v) in &raw.0 {
            let name = &k.value;
            if Template::parse(&format!("${{{name}}}")).is_err() || name.contains(':') {
                self.err(
                    &k.referenced,
                    format!("`{name}` is not a valid variable name"),
                    Some("use letters, digits and `_`"),
                );
                continue;
            }
            if BUILTINS.contains(&name.as_str()) || GENERATORS.contains(&name.as_str()) {
                self.err(
                    &k.referenced,
                    format!("`{name}` is a built-in name and cannot be redefined"),
                    None,
                );
                continue;
            }
            let text = match &v.value {
                Value::String(s) => s.clone(),
                Value::Number(_) | Value::Bool(_) => {
                    out.push((
                        name.clone(),
                        Template {
                            parts: vec![Part::Value(v.value.clone())],
                        },
                    ));
                    defined.push(name.clone());
                    continue;
                }
                _ => {
                    self.err(
                        &v.referenced,
                        format!("variable `{name}` must be a string, number or boolean"),
                        None,
                    );
                    continue;
                }
            };
            let spanned = Spanned::new(text, v.referenced, v.defined);
            if let Some(t) = self.template(&spanned, defined) {
                let size = expanded_size(&t, &sizes);
                if size > crate::model::TEMPLATE_BUDGET {
                    self.err(
                        &v.referenced,
                        format!(
                            "variable `{name}` can expand to {} bytes, more than the {} KiB a value may take",
                            if size == usize::MAX { "over 2^64".to_string() } else { size.to_string() },
                            crate::model::TEMPLATE_BUDGET / 1024
                        ),
                        Some("variables that repeat other variables grow quickly; write the value out or shorten it"),
                    );
                    continue;
                }
                sizes.insert(name.clone(), size);
                out.push((name.clone(), t));
                defined.push(name.clone());
            }
        }
        self.var_sizes = sizes;
        out
    }

    /// A step's own `profiles:`, each among the case's.
    fn step_profiles(
        &mut self,
        list: Option<&[Spanned<String>]>,
        case_profiles: &[Profile],
    ) -> Option<Vec<Profile>> {
        match list {
            Some(list) => {
                let ps = self.profiles(list);
                for (p, raw) in ps.iter().zip(list) {
                    if !case_profiles.contains(p) {
                        self.err(
                            &raw.referenced,
                            format!("profile `{p}` is not among the case's profiles"),
                            None,
                        );
                    }
                }
                Some(ps)
            }
            None => None,
        }
    }

    /// A step's `capture:` map: each a JSON pointer or `{header: Name}`, never a built-in name.
    fn captures(&mut self, raw: &Ordered<Spanned<Value>>) -> Vec<Capture> {
        let mut captures = Vec::new();
        for (k, v) in &raw.0 {
            let source = match &v.value {
                Value::String(p) if p.is_empty() || p.starts_with('/') => {
                    Some(CaptureSource::Pointer(p.clone()))
                }
                Value::Object(o)
                    if o.len() == 1 && o.get("header").is_some_and(Value::is_string) =>
                {
                    Some(CaptureSource::Header(
                        o["header"].as_str().unwrap_or_default().to_string(),
                    ))
                }
                _ => {
                    self.err(
                        &v.referenced,
                        format!(
                            "capture `{}` must be a JSON pointer (`/id`) or `{{header: Name}}`",
                            k.value
                        ),
                        None,
                    );
                    None
                }
            };
            if BUILTINS.contains(&k.value.as_str()) || GENERATORS.contains(&k.value.as_str()) {
                self.err(
                    &k.referenced,
                    format!(
                        "`{}` is a built-in name and cannot be captured into",
                        k.value
                    ),
                    None,
                );
            }
            if let Some(source) = source {
                captures.push(Capture {
                    name: k.value.clone(),
                    source,
                });
            }
        }
        captures
    }

    fn step(
        &mut self,
        rs: Spanned<RawStep>,
        index: usize,
        case_profiles: &[Profile],
        defined: &mut Vec<String>,
    ) -> Vec<Step> {
        let loc = rs.referenced;
        let rs = rs.value;
        let profiles = self.step_profiles(rs.profiles.as_deref(), case_profiles);
        let active: Vec<Profile> = profiles.clone().unwrap_or_else(|| case_profiles.to_vec());
        let request = self.request(&rs.request, &active, defined);
        let expect = match &rs.expect {
            Some(e) => self.expect(e, defined),
            None => {
                self.err(&loc, "the step has no `expect`".into(), Some("every step must check at least its status: a check that cannot fail proves nothing"));
                None
            }
        };
        let name = rs.name.clone().unwrap_or_else(|| {
            format!(
                "step {} ({} {})",
                index + 1,
                rs.request.value.method.value,
                rs.request.value.path.value
            )
        });
        let captures = self.captures(&rs.capture);
        defined.extend(captures.iter().map(|c| c.name.clone()));
        let mut read_back = match &rs.read_back {
            Some(rb) => {
                // A POST's resource is read at `<path>/${<the capture of /id>}`.
                let id_var = captures.iter().find_map(|c| match &c.source {
                    CaptureSource::Pointer(p) if p == "/id" => Some(c.name.as_str()),
                    _ => None,
                });
                self.read_back(rb, &rs.request, id_var, &name, &profiles, defined)
            }
            None => Vec::new(),
        };
        let (Some(request), Some(expect)) = (request, expect) else {
            return Vec::new();
        };
        let entra = rs.entra.as_ref().map(|e| e.trim().to_string());
        let okta = rs.okta.as_ref().map(|e| e.trim().to_string());
        let setup = rs.setup.unwrap_or(false);
        let evidence = self.evidence(rs.evidence.as_ref());
        let mut out = vec![Step {
            name,
            profiles,
            request,
            expect,
            captures,
            entra: entra.clone(),
            okta: okta.clone(),
            setup,
            evidence,
        }];
        for s in &mut read_back {
            // A write's own consequence covers its reads; else each read keeps its own.
            if entra.is_some() {
                s.entra.clone_from(&entra);
            }
            if okta.is_some() {
                s.okta.clone_from(&okta);
            }
            s.setup = setup;
            s.evidence = evidence;
        }
        out.extend(read_back);
        out
    }

    /// Where a `read_back` reads: the written resource's path (for a POST, the collection and
    /// the captured id) and its collection.
    fn read_back_paths(
        &mut self,
        rb: &Spanned<super::raw::RawReadBack>,
        write: &Spanned<RawRequest>,
        id_var: Option<&str>,
    ) -> Option<(String, String)> {
        let method = write.value.method.value.to_ascii_uppercase();
        let path = &write.value.path;
        match method.as_str() {
            "POST" => {
                let Some(id_var) = id_var else {
                    self.err(
                        &rb.referenced,
                        "`read_back` after a POST reads the created resource by its id, but this step captures no `/id`".into(),
                        Some("add `capture: {id: /id}` to the step"),
                    );
                    return None;
                };
                Some((
                    format!("{}/${{{id_var}}}", path.value.trim_end_matches('/')),
                    path.value.clone(),
                ))
            }
            "PATCH" | "PUT" => match path.value.rsplit_once('/') {
                Some((coll, _)) if !coll.is_empty() => Some((path.value.clone(), coll.to_string())),
                _ => {
                    self.err(
                        &path.referenced,
                        format!(
                            "`read_back` needs a resource path such as `/Users/${{id}}`, not `{}`",
                            path.value
                        ),
                        None,
                    );
                    None
                }
            },
            other => {
                self.err(
                    &rb.referenced,
                    format!("`read_back` follows a write (POST, PATCH or PUT), not {other}"),
                    None,
                );
                None
            }
        }
    }

    /// The JSON Schemas of a collection's resource and of its list, when the collection is
    /// one of SCIM's: `Users` → `User` and `UserList`.
    fn resource_schemas(&self, collection_name: &str) -> (Option<String>, Option<String>) {
        let kind = collection_name.trim_end_matches('s');
        let schema = self
            .cx
            .schemas
            .iter()
            .any(|s| s == kind)
            .then(|| kind.to_string());
        let list_schema = format!("{kind}List");
        let list_schema = self
            .cx
            .schemas
            .contains(&list_schema)
            .then_some(list_schema);
        (schema, list_schema)
    }

    /// The two reads a `read_back` stands for: GET the written resource by id (for a POST,
    /// `<path>/${<id_var>}`, the variable the step captured `/id` into), then the matching query on its collection,
    /// which must find exactly it. Both answers must satisfy the same checks.
    fn read_back(
        &mut self,
        rb: &Spanned<super::raw::RawReadBack>,
        write: &Spanned<RawRequest>,
        id_var: Option<&str>,
        name: &str,
        profiles: &Option<Vec<Profile>>,
        defined: &[String],
    ) -> Vec<Step> {
        let path = &write.value.path;
        let Some((by_id, collection)) = self.read_back_paths(rb, write, id_var) else {
            return Vec::new();
        };
        let collection_name = collection
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let at = |s: String| Spanned::new(s, path.referenced, path.defined);
        let by_id = self.template(&at(by_id), defined);
        let collection = self.template(&at(collection), defined);
        let mut query = Vec::new();
        for (k, v) in &rb.value.query.0 {
            query.extend(self.template(v, defined).map(|t| (k.value.clone(), t)));
        }
        if query.is_empty() {
            self.err(
                &rb.referenced,
                "`read_back` has no `query`".into(),
                Some("give the query Entra matches with, e.g. `query: {filter: 'userName eq \"${user}\"'}`"),
            );
        }
        let checks = self.checks(&rb.value.checks, defined);
        let id_only = self.checks(&rb.value.by_id_checks, defined);
        let (schema, list_schema) = self.resource_schemas(&collection_name);
        let (Some(by_id), Some(collection)) = (by_id, collection) else {
            return Vec::new();
        };
        let in_list: Vec<Check> = checks.iter().cloned().map(in_first_resource).collect();
        let mut checks = checks;
        checks.extend(id_only);
        let get = |path: Template, query: Vec<(String, Template)>| Request {
            method: reqwest::Method::GET,
            path,
            query,
            encoding: None,
            headers: Vec::new(),
            body: None,
            auth: Auth::Default,
        };
        vec![
            read_step(
                format!("{name}: reads back by id"),
                profiles,
                get(by_id, Vec::new()),
                Expect {
                    status: vec![200],
                    status_at: pos(&rb.referenced),
                    schema,
                    checks,
                    ..Expect::default()
                },
                READ_BY_ID,
            ),
            read_step(
                format!("{name}: reads back through the matching query"),
                profiles,
                get(collection, query),
                Expect {
                    status: vec![200],
                    status_at: pos(&rb.referenced),
                    schema: list_schema,
                    body: Some(serde_json::json!({"totalResults": 1})),
                    checks: in_list,
                    ..Expect::default()
                },
                READ_BY_QUERY,
            ),
        ]
    }

    /// A request's `headers:`; Authorization is refused (credentials never sit in a suite).
    fn request_headers(&mut self, raw: &RawRequest, defined: &[String]) -> Vec<(String, Template)> {
        let mut headers = Vec::new();
        for (k, v) in &raw.headers.0 {
            if k.value.eq_ignore_ascii_case("authorization") {
                self.err(&k.referenced, "suites must not set Authorization".into(), Some("credentials come from --token / SCIM_TOKEN so they never sit in a suite file"));
            }
            if let Some(t) = self.template(v, defined) {
                headers.push((k.value.clone(), t));
            }
        }
        headers
    }

    /// A request's body: inline, from a file per profile, or raw text, at most one; and
    /// whether it could be used.
    fn request_body(
        &mut self,
        r: &Spanned<RawRequest>,
        profiles: &[Profile],
        defined: &[String],
    ) -> (Option<Body>, bool) {
        let raw = &r.value;
        let mut ok = true;
        let given = [
            raw.body.is_some(),
            raw.body_file.is_some(),
            raw.body_raw.is_some(),
        ];
        if given.iter().filter(|b| **b).count() > 1 {
            self.err(
                &r.referenced,
                "give only one of `body`, `body_file` and `body_raw`".into(),
                None,
            );
            ok = false;
        }
        let body = if let Some(b) = &raw.body {
            self.value_templates(&b.value, &b.referenced, defined);
            let size = value_size(&b.value, &self.var_sizes);
            if size > crate::model::VALUE_BUDGET {
                self.err(
                    &b.referenced,
                    format!(
                        "the body can expand to {} bytes, more than the {} KiB a body may take",
                        if size == usize::MAX { "over 2^64".to_string() } else { size.to_string() },
                        crate::model::VALUE_BUDGET / 1024
                    ),
                    Some("each reference to a variable repeats its whole value; reference a long variable fewer times or shorten it"),
                );
                ok = false;
            }
            Some(Body::Inline(b.value.clone()))
        } else if let Some(f) = &raw.body_file {
            self.body_file(f, profiles, defined).map(Body::PerProfile)
        } else {
            raw.body_raw.as_ref().map(|b| Body::Raw(b.value.clone()))
        };
        if raw.body_file.is_some() && body.is_none() {
            ok = false;
        }
        (body, ok)
    }

    /// A request's `auth:`: the run's credentials (default), none, a made-up token, or the OIN
    /// gate's literal `non-token`.
    fn request_auth(&mut self, raw: &RawRequest) -> Auth {
        match raw.auth.as_ref().map(|a| a.value.as_str()) {
            None | Some("default") => Auth::Default,
            Some("none") => Auth::None,
            Some("invalid") => Auth::Invalid,
            Some("header") => Auth::Header,
            Some("non-token") => Auth::NonToken,
            Some(other) => {
                let a = raw.auth.as_ref().expect("matched Some");
                let hint = suggestion(other, ["default", "none", "invalid", "header", "non-token"]);
                self.err(
                    &a.referenced,
                    format!("unknown auth `{other}`"),
                    Some(&hint),
                );
                Auth::Default
            }
        }
    }

    fn request(
        &mut self,
        r: &Spanned<RawRequest>,
        profiles: &[Profile],
        defined: &[String],
    ) -> Option<Request> {
        let raw = &r.value;
        let before = self.errors.len();
        let mut ok = true;
        let method = raw.method.value.to_ascii_uppercase();
        if !METHODS.contains(&method.as_str()) {
            let hint = suggestion(&method, METHODS.iter().copied());
            self.err(
                &raw.method.referenced,
                format!("`{}` is not an HTTP method", raw.method.value),
                Some(&hint),
            );
            ok = false;
        }
        if !raw.path.value.starts_with('/') {
            self.err(
                &raw.path.referenced,
                format!("path `{}` must start with `/`", raw.path.value),
                Some("paths are relative to the target's base URL, e.g. `/Users`"),
            );
            ok = false;
        }
        let path = self.template(&raw.path, defined);
        let mut query = Vec::new();
        for (k, v) in &raw.query.0 {
            if let Some(t) = self.template(v, defined) {
                query.push((k.value.clone(), t));
            }
        }
        let encoding = raw
            .encoding
            .as_ref()
            .and_then(|e| match e.value.parse::<Encoding>() {
                Ok(enc) => Some(enc),
                Err(m) => {
                    self.err(&e.referenced, m, None);
                    ok = false;
                    None
                }
            });
        // Every problem below is reported as an error, which the count below notices.
        let headers = self.request_headers(raw, defined);
        let (body, body_ok) = self.request_body(r, profiles, defined);
        ok &= body_ok;
        let auth = self.request_auth(raw);
        (ok && self.errors.len() == before).then_some(())?;
        Some(Request {
            method: reqwest::Method::from_bytes(method.as_bytes()).ok()?,
            path: path?,
            query,
            encoding,
            headers,
            body,
            auth,
        })
    }

    fn body_file(
        &mut self,
        f: &Spanned<String>,
        profiles: &[Profile],
        defined: &[String],
    ) -> Option<BTreeMap<Profile, Value>> {
        let template = match Template::parse(&f.value) {
            Ok(t) => t,
            Err((_, m)) => {
                self.err(&f.referenced, m, None);
                return None;
            }
        };
        if let Some(bad) = template.vars().find(|v| *v != "profile") {
            self.err(
                &f.referenced,
                format!("`body_file` may use only `${{profile}}`, not `${{{bad}}}`"),
                None,
            );
            return None;
        }
        let mut out = BTreeMap::new();
        for p in profiles {
            let rel = template
                .render_text(&mut |_| Ok(Value::String(p.name().into())))
                .unwrap_or_default();
            let (path, text) = match self.cx.fixtures.read(&rel) {
                Ok(found) => found,
                Err(e @ super::FixtureError::Outside(_)) => {
                    self.err(&f.referenced, e.to_string(), None);
                    return None;
                }
                Err(e) => {
                    self.err(
                        &f.referenced,
                        format!("cannot read the fixture for profile `{p}`: {e}"),
                        Some("every profile the step runs under needs its own file; body_file paths are relative to the nearest `fixtures/` folder"),
                    );
                    continue;
                }
            };
            match serde_json::from_str::<Value>(&text) {
                Ok(v) => {
                    let before = self.errors.len();
                    self.templates_in(&v, &f.referenced, defined, false);
                    for d in &mut self.errors[before..] {
                        d.message = format!("{} (in {})", d.message, path.display());
                    }
                    out.insert(*p, v);
                }
                Err(e) => self.errors.push(
                    Diagnostic::new(
                        &path,
                        e.line() as u32,
                        e.column() as u32,
                        format!("fixture is not valid JSON: {e}"),
                    )
                    .hint(format!(
                        "used by the suite at {}:{}",
                        self.cx.file.display(),
                        f.referenced.line()
                    )),
                ),
            }
        }
        (out.len() == profiles.len()).then_some(out)
    }

    fn expect(&mut self, e: &Spanned<RawExpect>, defined: &[String]) -> Option<Expect> {
        let raw = &e.value;
        let mut out = Expect::default();
        match &raw.status {
            Some(s) => {
                let codes: Option<Vec<u16>> = match &s.value {
                    Value::Number(n) => n.as_u64().map(|c| vec![c as u16]),
                    Value::Array(items) => {
                        items.iter().map(|i| i.as_u64().map(|c| c as u16)).collect()
                    }
                    _ => None,
                };
                match codes {
                    Some(c) if !c.is_empty() && c.iter().all(|c| (100..600).contains(c)) => {
                        out.status = c;
                        out.status_at = pos(&s.referenced);
                    }
                    _ => self.err(
                        &s.referenced,
                        "`status` must be an HTTP status code or a list of them".into(),
                        Some("e.g. `status: 201` or `status: [200, 204]`"),
                    ),
                }
            }
            None => self.err(
                &e.referenced,
                "`expect` has no `status`".into(),
                Some("every step checks its status; use a list to accept several"),
            ),
        }
        for (k, v) in &raw.headers.0 {
            let name = k.value.clone();
            let check = match &v.value {
                Value::String(s) if name.eq_ignore_ascii_case("content-type") => {
                    Some(HeaderCheck::MediaType(name, s.clone()))
                }
                Value::String(s) => self
                    .template(&Spanned::new(s.clone(), v.referenced, v.defined), defined)
                    .map(|t| HeaderCheck::Equals(name, t)),
                Value::Object(o) if o.len() == 1 && o.get("exists") == Some(&Value::Bool(true)) => {
                    Some(HeaderCheck::Exists(name))
                }
                Value::Object(o) if o.len() == 1 && o.get("absent") == Some(&Value::Bool(true)) => {
                    Some(HeaderCheck::Absent(name))
                }
                _ => {
                    self.err(&v.referenced, format!("header check `{name}` must be a string, `{{exists: true}}` or `{{absent: true}}`"), None);
                    None
                }
            };
            out.headers.extend(check);
        }
        if let Some(s) = &raw.schema {
            if self.cx.schemas.contains(&s.value) {
                out.schema = Some(s.value.clone());
            } else {
                let hint = suggestion(&s.value, self.cx.schemas.iter().map(String::as_str));
                self.err(
                    &s.referenced,
                    format!("unknown schema `{}`", s.value),
                    Some(&hint),
                );
            }
        }
        if let Some(b) = &raw.body {
            self.value_templates(&b.value, &b.referenced, defined);
            out.body = Some(b.value.clone());
        }
        out.checks = self.checks(&raw.checks, defined);
        out.within_ms = raw
            .within_ms
            .as_ref()
            .map(|w| (w.value, pos(&w.referenced)));
        Some(out)
    }

    /// Every valid check of a list (the invalid ones become diagnostics).
    fn checks(&mut self, list: &[Spanned<RawCheck>], defined: &[String]) -> Vec<Check> {
        list.iter().filter_map(|c| self.check(c, defined)).collect()
    }

    /// Where a check reads: a JSON pointer or a SCIM attribute path, exactly one.
    fn check_target(&mut self, c: &Spanned<RawCheck>, defined: &[String]) -> Option<CheckTarget> {
        let raw = &c.value;
        Some(match (&raw.pointer, &raw.path) {
            (Some(p), None) => {
                let pointer = self.template(p, defined)?;
                if !(p.value.is_empty() || p.value.starts_with('/')) {
                    self.err(
                        &p.referenced,
                        format!("`{}` is not a JSON pointer", p.value),
                        Some("JSON pointers start with `/`, e.g. `/Resources/0/id`"),
                    );
                    return None;
                }
                CheckTarget::Pointer(pointer)
            }
            (None, Some(p)) => match ScimPath::parse(&p.value) {
                Ok(path) => CheckTarget::Path { root: "", path },
                Err(e) => {
                    self.err(
                        &p.referenced,
                        e,
                        Some("e.g. `emails[type eq \"work\"].value`"),
                    );
                    return None;
                }
            },
            _ => {
                self.err(
                    &c.referenced,
                    "a check reads one place: give `pointer` or `path`".into(),
                    Some("`pointer: /Resources/0/id` (JSON pointer) or `path: name.givenName` (SCIM attribute path)"),
                );
                return None;
            }
        })
    }

    /// Every assertion a check gives (the caller requires exactly one); `None` when one
    /// cannot be used at all (an invalid regular expression).
    fn check_ops(&mut self, raw: &RawCheck, defined: &[String]) -> Option<Vec<CheckOp>> {
        let mut ops: Vec<CheckOp> = Vec::new();
        if let Some(d) = &raw.discoverable {
            ops.push(CheckOp::Discoverable {
                schema: d.value.schema.clone(),
                attributes: d.value.attributes.clone(),
            });
        }
        if let Some(v) = &raw.equals {
            self.value_templates(&v.value, &v.referenced, defined);
            ops.push(CheckOp::Equals(v.value.clone()));
        }
        if let Some(v) = &raw.equals_ignore_case {
            ops.extend(self.template(v, defined).map(CheckOp::EqualsIgnoreCase));
        }
        if let Some(v) = &raw.exists {
            if !v.value {
                self.err(
                    &v.referenced,
                    "`exists: false` is written `absent: true`".into(),
                    None,
                );
            }
            ops.push(CheckOp::Exists);
        }
        if let Some(v) = &raw.absent {
            if !v.value {
                self.err(
                    &v.referenced,
                    "`absent: false` is written `exists: true`".into(),
                    None,
                );
            }
            ops.push(CheckOp::Absent);
        }
        if let Some(v) = &raw.empty {
            if !v.value {
                self.err(
                    &v.referenced,
                    "`empty: false` is written `exists: true`".into(),
                    None,
                );
            }
            ops.push(CheckOp::Empty);
        }
        if let Some(v) = &raw.contains {
            self.value_templates(&v.value, &v.referenced, defined);
            ops.push(CheckOp::Contains(v.value.clone()));
        }
        if let Some(v) = &raw.length {
            ops.push(CheckOp::Length(v.value as usize));
        }
        if let Some(v) = &raw.matches {
            match regex::Regex::new(&v.value) {
                Ok(re) => ops.push(CheckOp::Matches(re)),
                Err(e) => {
                    // The regex crate's message spans lines; its last line is the reason.
                    let text = e.to_string();
                    let reason = text.lines().last().unwrap_or_default();
                    let reason = reason.trim_start_matches("error: ");
                    self.err(
                        &v.referenced,
                        format!("invalid regular expression `{}`: {reason}", v.value),
                        None,
                    );
                    return None;
                }
            }
        }
        if let Some(v) = &raw.one_of {
            self.value_templates(&Value::Array(v.value.clone()), &v.referenced, defined);
            ops.push(CheckOp::OneOf(v.value.clone()));
        }
        Some(ops)
    }

    fn check(&mut self, c: &Spanned<RawCheck>, defined: &[String]) -> Option<Check> {
        let raw = &c.value;
        let target = self.check_target(c, defined)?;
        let mut ops = self.check_ops(raw, defined)?;
        if ops.len() != 1 {
            self.err(
                &c.referenced,
                format!("a check needs exactly one assertion, this one has {}", ops.len()),
                Some("one of `equals`, `equals_ignore_case`, `exists`, `absent`, `empty`, `contains`, `length`, `matches`, `one_of`, `discoverable`"),
            );
            return None;
        }
        let evidence = self.evidence(raw.evidence.as_ref());
        Some(Check {
            at: pos(&c.referenced),
            target,
            op: ops.pop()?,
            because: raw.because.clone(),
            evidence,
        })
    }

    /// A case's severity (default: required).
    fn severity(&mut self, raw: Option<&Spanned<String>>) -> Severity {
        let Some(s) = raw else {
            return Severity::Required;
        };
        s.value.parse::<Severity>().unwrap_or_else(|e| {
            let hint = suggestion(&s.value, ["required", "recommended", "preview"]);
            self.err(&s.referenced, e, Some(&hint));
            Severity::Required
        })
    }

    /// A case's grade; every grade but `inferred` cites its source.
    fn case_evidence(&mut self, rc: &RawCase) -> Option<Evidence> {
        let evidence = self.evidence(rc.evidence.as_ref());
        if let Some(e) = &rc.evidence
            && e.value != "inferred"
            && rc.source.as_deref().is_none_or(|s| s.trim().is_empty())
        {
            self.err(
                &e.referenced,
                format!("`evidence: {}` names no `source`", e.value),
                Some("cite where the evidence is: the document and section, the workflow action, or the issue thread"),
            );
        }
        evidence
    }

    /// An `evidence:` grade; in a required case only Microsoft's docs or its gate's code can
    /// carry a requirement (docs/evidence.md).
    fn evidence(&mut self, raw: Option<&Spanned<String>>) -> Option<Evidence> {
        let raw = raw?;
        match raw.value.parse::<Evidence>() {
            Ok(e) if !e.can_require() && self.severity == Severity::Required => {
                self.err(
                    &raw.referenced,
                    format!("a required case cannot rest on `{e}` evidence"),
                    Some("only `documented` (Microsoft's docs) or `gate` (the Logic App or SCIM Validator) can make a requirement; make the case `severity: recommended`, or move this check into a recommended case"),
                );
                Some(e)
            }
            Ok(e) => Some(e),
            Err(m) => {
                let hint = suggestion(&raw.value, Evidence::ALL.iter().map(|e| e.name()));
                self.err(&raw.referenced, m, Some(&hint));
                None
            }
        }
    }
}

/// One of the two reads a `read_back` stands for: not a set-up step, nothing captured, with
/// what Entra does when that read fails.
fn read_step(
    name: String,
    profiles: &Option<Vec<Profile>>,
    request: Request,
    expect: Expect,
    entra: &str,
) -> Step {
    Step {
        name,
        profiles: profiles.clone(),
        request,
        expect,
        captures: Vec::new(),
        entra: Some(entra.into()),
        // Okta's consequence of a failed read is the write's, or the case's.
        okta: None,
        setup: false,
        evidence: None,
    }
}
