//! What a `scimtest cycle` reports: `cycle.json` (the machine-readable summary),
//! `provisioning-log.jsonl` (one line per object action), `cycle.html` (throughput over time,
//! latency percentiles, errors by class) and the console summary.

use super::engine::Difference;
use super::health::Health;
use super::log::Tally;
use crate::words::{count, plural};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The page's style sheet (`assets/cycle.css`), inlined: the page loads nothing.
const STYLE: &str = include_str!("assets/cycle.css");

/// One cycle's figures.
#[derive(Debug, Clone)]
pub(crate) struct CycleFigures {
    /// `initial` or `incremental-N`.
    pub name: String,
    /// Requests sent in it (verification included).
    pub requests: u64,
    /// Its wall time, seconds.
    pub seconds: f64,
    /// Object actions logged.
    pub actions: usize,
    /// Failed actions.
    pub failures: usize,
    /// Differences between source and target found after it.
    pub differences: Vec<Difference>,
}

/// Everything a cycle run produced.
#[derive(Debug, Clone)]
pub(crate) struct CycleRecord {
    /// The run id in every name.
    pub run_id: String,
    /// The target (redacted).
    pub target: String,
    /// What was asked for.
    pub settings: Value,
    /// Per cycle.
    pub cycles: Vec<CycleFigures>,
    /// Account Discovery passes (`--account-discovery`).
    pub discovery: Vec<super::discovery::Pass>,
    /// Requests of the cycles that scimtest added to the client's traffic (ownership proofs,
    /// delete read-backs, the comparison after each cycle); the cleanup's are not counted.
    pub scimtest_reads: u64,
    /// The provisioning log's counts (the entries are in `provisioning-log.jsonl`).
    pub tally: Tally,
    /// Requests sent during the cycles (retries and verification included).
    pub requests: u64,
    /// Wall time of the cycles, seconds.
    pub seconds: f64,
    /// 429 answers waited out.
    pub throttled: u64,
    /// Latencies, microseconds.
    pub latencies_us: Vec<u32>,
    /// Requests completed per second.
    pub per_second: Vec<u32>,
    /// Escrow and quarantine.
    pub health: Health,
    /// Requests sent by the cleanup.
    pub cleanup_requests: u64,
    /// What could not be deleted.
    pub leftovers: Vec<String>,
    /// Objects the cleanup set out to delete and could not show deleted (0 with `--keep`).
    pub not_deleted: usize,
}

/// The `p`-th percentile of sorted `v`, in milliseconds.
fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i.min(sorted.len() - 1)]) / 1000.0
}

impl CycleRecord {
    fn errors_by_class(&self) -> BTreeMap<&'static str, usize> {
        self.tally
            .by_code
            .iter()
            .map(|(k, classes)| (*k, classes.values().map(|(n, _)| n).sum()))
            .collect()
    }

    /// Each error code's classes of detail, most failures first: (code, count, example).
    fn error_details(&self) -> Vec<(&'static str, usize, &str)> {
        let mut out = Vec::new();
        for (code, classes) in &self.tally.by_code {
            let mut of: Vec<(&'static str, usize, &str)> = classes
                .values()
                .map(|(n, example)| (*code, *n, example.as_str()))
                .collect();
            of.sort_by_key(|d| std::cmp::Reverse(d.1));
            out.extend(of);
        }
        out
    }

    fn latency(&self) -> Value {
        let mut v = self.latencies_us.clone();
        v.sort_unstable();
        json!({
            "p50": percentile(&v, 0.50),
            "p90": percentile(&v, 0.90),
            "p99": percentile(&v, 0.99),
            "max": percentile(&v, 1.0),
        })
    }

    /// The request rate over the cycles.
    pub(crate) fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.requests as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// Whether the endpoint passed: no failed action, no match scimtest could not write to,
    /// no difference after any cycle, no Account Discovery pass with duplicates or missing
    /// users. Deletes held by the deletion threshold are the tenant's setting, not the
    /// endpoint's fault: they are reported, and do not fail it.
    pub(crate) fn passed(&self) -> bool {
        self.health.failures == 0
            && self.tally.skipped == 0
            && self.cycles.iter().all(|c| c.differences.is_empty())
            && self.discovery.iter().all(|p| !p.failed())
            && self.not_deleted == 0
    }

    /// What failed, in a few words each, for the verdict line.
    fn failed_parts(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if self.health.failures > 0 {
            parts.push(format!(
                "{} in the provisioning log",
                count(self.health.failures, "failed action")
            ));
        }
        if self.tally.skipped > 0 {
            parts.push(format!(
                "{} matched objects this run did not create",
                self.tally.skipped
            ));
        }
        let diffs: usize = self.cycles.iter().map(|c| c.differences.len()).sum();
        if diffs > 0 {
            parts.push(format!("{} from the source", count(diffs, "difference")));
        }
        for p in self.discovery.iter().filter(|p| p.failed()) {
            parts.push(format!(
                "Account Discovery after {}: {} duplicates, {} missing{}{}",
                p.after,
                p.duplicates,
                p.missing,
                if p.stopped.is_some() {
                    ", listing cut short"
                } else {
                    ""
                },
                p.start_note().map_or(String::new(), |n| format!(" ({n})"))
            ));
        }
        if self.not_deleted > 0 {
            parts.push(format!(
                "the cleanup could not show {} deleted (LEFT BEHIND)",
                count(self.not_deleted, "object")
            ));
        }
        parts
    }

    /// `cycle.json`.
    pub(crate) fn to_json(&self) -> Value {
        let diff = |d: &Difference| {
            json!({"object": d.object, "source": d.source, "attribute": d.attribute,
                   "expected": d.expected, "actual": d.actual})
        };
        json!({
            "run_id": self.run_id,
            "target": self.target,
            "settings": self.settings,
            "requests": self.requests,
            "seconds": (self.seconds * 1000.0).round() / 1000.0,
            "requests_per_second": (self.rate() * 10.0).round() / 10.0,
            "errors": self.health.failures,
            "errors_by_class": self.errors_by_class(),
            "scimtest_reads": self.scimtest_reads,
            "skipped": self.tally.skipped,
            "staged_deletes": self.tally.staged,
            "account_discovery": self.discovery.iter().map(super::discovery::Pass::to_json).collect::<Vec<_>>(),
            "errors_by_detail": self.error_details().iter().map(|(code, n, example)| json!({
                "code": code, "count": n, "example": example,
            })).collect::<Vec<_>>(),
            "throttled": self.throttled,
            "latency_ms": self.latency(),
            "health": self.health.to_json(),
            "cycles": self.cycles.iter().map(|c| json!({
                "name": c.name,
                "requests": c.requests,
                "seconds": (c.seconds * 1000.0).round() / 1000.0,
                "actions": c.actions,
                "failures": c.failures,
                "differences": c.differences.len(),
                // The first 1,000 are listed; the count is exact.
                "differences_listed": c.differences.iter().take(1000).map(diff).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "cleanup": {"requests": self.cleanup_requests, "not_deleted": self.not_deleted, "leftovers": self.leftovers},
            "passed": self.passed(),
        })
    }

    /// The console summary.
    pub(crate) fn summary(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nscimtest cycle against {} (run id {}): {} in {:.2} s, {:.0} requests/s, {} throttled (429 waited out)",
            self.target,
            self.run_id,
            count(self.requests as usize, "request"),
            self.seconds,
            self.rate(),
            self.throttled
        );
        let lat = self.latency();
        let _ = writeln!(
            out,
            "  latency: p50 {} ms, p90 {} ms, p99 {} ms, max {} ms",
            lat["p50"], lat["p90"], lat["p99"], lat["max"]
        );
        for c in &self.cycles {
            let _ = writeln!(
                out,
                "  {:<14} {:>7} {:<8} in {:>7.2} s; {}, {} failed; {} from the source",
                c.name,
                c.requests,
                plural(c.requests as usize, "request"),
                c.seconds,
                count(c.actions, "action"),
                c.failures,
                count(c.differences.len(), "difference")
            );
        }
        if !self.tally.by_code.is_empty() {
            let _ = writeln!(
                out,
                "  errors by provisioning-log code (one example per kind of detail):"
            );
            for (code, n, example) in self.error_details() {
                let _ = writeln!(out, "    {code:<58} {n:>6}  e.g. {example}");
            }
        }
        self.differences_summary(&mut out);
        for p in &self.discovery {
            let _ = writeln!(out, "  {}", p.line());
        }
        self.health_summary(&mut out);
        if !self.leftovers.is_empty() {
            let _ = writeln!(out, "  LEFT BEHIND: what may still be on the target");
            let n = self.leftovers.len();
            for l in self.leftovers.iter().take(20) {
                let _ = writeln!(out, "    {l}");
            }
            if n > 21 {
                let _ = writeln!(out, "    … {} more (cycle.json lists them)", n - 21);
            }
            if n > 20
                && let Some(last) = self.leftovers.last()
            {
                let _ = writeln!(out, "    {last}");
            }
        }
        let verdict = if self.passed() {
            "PASS: every action succeeded and the target matches the source after every cycle."
                .to_string()
        } else {
            format!(
                "FAIL: {} (details above and in cycle.json, provisioning-log.jsonl).",
                self.failed_parts().join("; ")
            )
        };
        let verdict = format!("Verdict: {verdict}");
        let cited = super::log::cited_in(&format!("{out}{verdict}"));
        if !cited.is_empty() {
            let _ = writeln!(out, "  sources cited above:");
            for (key, url) in cited {
                let _ = writeln!(out, "    {key:<13} {url}");
            }
        }
        let _ = writeln!(out, "{verdict}");
        out
    }

    /// The quarantine predictor's lines: the state, why, when, the first request and the
    /// failures per class.
    fn health_summary(&self, out: &mut String) {
        let h = &self.health;
        let _ = writeln!(
            out,
            "  {} would be: {}{} — {}",
            h.client,
            h.state,
            h.graph_reason
                .map(|r| format!(" [{r}]"))
                .unwrap_or_default(),
            h.reason
        );
        if let (Some(when), Some(t)) = (h.when(), &h.trigger) {
            let _ = writeln!(out, "    {when}; first request: {}", t.line());
        }
        if !h.consequence.is_empty() {
            let _ = writeln!(out, "    then: {}", h.consequence);
        }
        if let Some(t) = &self.tally.first_skipped {
            let _ = writeln!(
                out,
                "  not written ({}): {}",
                count(self.tally.skipped, "object"),
                t.line()
            );
        }
        if self.scimtest_reads > 0 {
            let _ = writeln!(
                out,
                "  of the requests, {} are scimtest's own, not the client's (ownership proofs, delete read-backs, comparisons with the source)",
                count(self.scimtest_reads as usize, "read")
            );
        }
    }

    /// The differences after each cycle, grouped by object kind and attribute (the largest
    /// groups, each with a count and its first object), as cycle.html groups them.
    fn differences_summary(&self, out: &mut String) {
        const SHOWN: usize = 8;
        let groups = difference_groups(&self.cycles);
        for g in groups.iter().take(SHOWN) {
            let d = g.differences[0];
            let _ = writeln!(
                out,
                "  after {}: `{}` differs on {}: e.g. {} {}: expected {:?}, the target has {:?}",
                g.cycle,
                d.attribute,
                count(g.differences.len(), d.object),
                d.object,
                d.source,
                d.expected,
                d.actual
            );
        }
        if groups.len() > SHOWN {
            let rest: usize = groups[SHOWN..].iter().map(|g| g.differences.len()).sum();
            let _ = writeln!(
                out,
                "  … {} more ({}): cycle.html and cycle.json list them",
                count(groups.len() - SHOWN, "attribute"),
                count(rest, "difference")
            );
        }
    }

    /// `cycle.html`: throughput over time as an SVG chart, latency, errors, differences.
    pub(crate) fn html(&self) -> String {
        let esc = crate::report::escape_html;
        let mut out = format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>scimtest cycle</title><style>{STYLE}</style></head><body>",
        );
        let _ = write!(
            out,
            "<h1>scimtest cycle</h1><p>{} — run id <code>{}</code></p><p class=\"{}\"><b>{}</b></p>",
            esc(&self.target),
            esc(&self.run_id),
            if self.passed() { "pass" } else { "fail" },
            if self.passed() { "PASS" } else { "FAIL" }
        );
        let _ = write!(
            out,
            "<p>{} in {:.2} s ({:.0}/s), {} throttled. {} would be <b>{}</b>: {}</p>",
            count(self.requests as usize, "request"),
            self.seconds,
            self.rate(),
            self.throttled,
            self.health.client,
            self.health.state,
            esc(&self.health.reason)
        );
        self.throughput_chart(&mut out);
        let lat = self.latency();
        let _ = write!(
            out,
            "<h2>Latency</h2><table><tr><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr><tr><td>{} ms</td><td>{} ms</td><td>{} ms</td><td>{} ms</td></tr></table>",
            lat["p50"], lat["p90"], lat["p99"], lat["max"]
        );
        out.push_str("<h2>Cycles</h2><table><tr><th>cycle</th><th>requests</th><th>seconds</th><th>actions</th><th>failed</th><th>differences</th></tr>");
        for c in &self.cycles {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{:.2}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&c.name),
                c.requests,
                c.seconds,
                c.actions,
                c.failures,
                c.differences.len()
            );
        }
        out.push_str("</table><h2>Errors by class</h2>");
        let errors = self.error_details();
        if errors.is_empty() {
            out.push_str("<p>None.</p>");
        } else {
            // One row per kind of detail: unrelated failures under one code stay apart.
            out.push_str("<table class=\"errors\"><colgroup><col class=\"code\"><col class=\"n\"><col></colgroup><tr><th>provisioning-log code</th><th>actions</th><th>example</th></tr>");
            for (code, n, example) in errors {
                let _ = write!(
                    out,
                    "<tr><td>{code}</td><td class=\"num\">{n}</td><td>{}</td></tr>",
                    esc(example)
                );
            }
            out.push_str("</table>");
        }
        self.differences_html(&mut out);
        self.health_html(&mut out);
        self.discovery_html(&mut out);
        let cited = super::log::cited_in(&out);
        if !cited.is_empty() {
            out.push_str("<h2>Sources</h2><ul>");
            for (key, url) in cited {
                let _ = write!(out, "<li>{key} <a href=\"{url}\">{url}</a></li>");
            }
            out.push_str("</ul>");
        }
        out.push_str("</body></html>\n");
        out
    }

    /// The quarantine predictor: state, reason, when, the first request, failures per class
    /// with the evidence of each code.
    fn health_html(&self, out: &mut String) {
        let esc = crate::report::escape_html;
        let h = &self.health;
        let _ = write!(
            out,
            "<h2>Quarantine predictor</h2><p>{} would be <b>{}</b>{}: {}</p>",
            h.client,
            h.state,
            h.graph_reason
                .map(|r| format!(" (<code>{r}</code>)"))
                .unwrap_or_default(),
            esc(&h.reason)
        );
        if let (Some(when), Some(t)) = (h.when(), &h.trigger) {
            let _ = write!(
                out,
                "<p>{}; first request: <code>{}</code></p>",
                esc(&when),
                esc(&t.line())
            );
        }
        if !h.consequence.is_empty() {
            let _ = write!(out, "<p>Then: {}</p>", esc(h.consequence));
        }
        if !h.by_class.is_empty() {
            out.push_str(
                "<table><tr><th>code</th><th>failures</th><th>evidence</th><th>source</th></tr>",
            );
            for (code, n) in &h.by_class {
                let (evidence, source) = super::log::basis(code);
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td class=\"num\">{n}</td><td>{evidence}</td><td>{}</td></tr>",
                    esc(code),
                    esc(source)
                );
            }
            out.push_str("</table>");
        }
    }

    /// The Account Discovery passes, one row each.
    fn discovery_html(&self, out: &mut String) {
        if self.discovery.is_empty() {
            return;
        }
        let esc = crate::report::escape_html;
        out.push_str("<h2>Account Discovery</h2><table><tr><th>after</th><th>pages</th><th>listed</th><th>totalResults</th><th>duplicates</th><th>missing</th><th>seconds</th><th>pages/s</th><th>250,000 accounts</th><th>result</th></tr>");
        for p in &self.discovery {
            let _ = write!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.2}</td><td class=\"num\">{:.0}</td><td class=\"num\">{:.0} s</td><td>{}</td></tr>",
                esc(&p.after),
                p.pages,
                p.listed,
                p.total_results.map_or("absent".into(), |t| t.to_string()),
                p.duplicates,
                p.missing,
                p.seconds,
                p.requests_per_second(),
                p.projected_seconds_250k(),
                esc(&p.verdict_words())
            );
        }
        out.push_str("</table>");
    }

    /// Requests completed per second, as an SVG bar chart.
    fn throughput_chart(&self, out: &mut String) {
        let (w, h) = (800.0, 200.0);
        let max = f64::from(self.per_second.iter().copied().max().unwrap_or(1).max(1));
        let n = self.per_second.len().max(1) as f64;
        let bar = w / n;
        let _ = write!(
            out,
            "<h2>Throughput (requests completed per second)</h2><svg width=\"{w}\" height=\"{}\" viewBox=\"0 0 {w} {}\" role=\"img\" aria-label=\"requests per second\">",
            h + 20.0,
            h + 20.0
        );
        for (i, v) in self.per_second.iter().enumerate() {
            let bh = f64::from(*v) / max * h;
            let _ = write!(
                out,
                "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"#36c\"><title>second {i}: {v} requests</title></rect>",
                i as f64 * bar,
                h - bh,
                (bar - 1.0).max(0.5),
                bh
            );
        }
        let _ = write!(
            out,
            "<text x=\"4\" y=\"{}\" font-size=\"12\">0 s</text><text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{} s</text><text x=\"4\" y=\"12\" font-size=\"12\">{max:.0}/s</text></svg>",
            h + 16.0,
            w - 4.0,
            h + 16.0,
            self.per_second.len()
        );
    }

    /// The differences between the source and the target, grouped per cycle and attribute
    /// (the object kind and attribute, how many objects, the first one's values), each group
    /// opening on its first 50 objects: hundreds of near-identical lines read as one finding.
    fn differences_html(&self, out: &mut String) {
        let esc = crate::report::escape_html;
        out.push_str("<h2>Differences from the source</h2>");
        let groups = difference_groups(&self.cycles);
        if groups.is_empty() {
            out.push_str("<p>None.</p>");
            return;
        }
        out.push_str("<table class=\"diffs\"><colgroup><col class=\"after\"><col class=\"attr\"><col class=\"n\"><col><col></colgroup><tr><th>after</th><th>attribute</th><th>objects</th><th>expected (source)</th><th>the target has</th></tr>");
        for g in groups {
            let first = g.differences[0];
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{} <code>{}</code></td><td class=\"num\">{}</td><td><code>{}</code><br><small>e.g. {}</small></td><td><code>{}</code></td></tr>",
                esc(g.cycle),
                first.object,
                esc(&first.attribute),
                g.differences.len(),
                esc(&first.expected),
                esc(&first.source),
                esc(&first.actual)
            );
            if g.differences.len() > 1 {
                let _ = write!(
                    out,
                    "<tr><td></td><td colspan=\"4\"><details><summary>each object ({})</summary><table class=\"diffs\">",
                    g.differences.len()
                );
                for d in g.differences.iter().take(50) {
                    let _ = write!(
                        out,
                        "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td></tr>",
                        esc(&d.source),
                        esc(&d.expected),
                        esc(&d.actual)
                    );
                }
                if g.differences.len() > 50 {
                    let _ = write!(
                        out,
                        "<tr><td colspan=\"3\">… {} more (cycle.json lists the first 1,000 of each cycle)</td></tr>",
                        g.differences.len() - 50
                    );
                }
                out.push_str("</table></details></td></tr>");
            }
        }
        out.push_str("</table>");
    }
}

/// Differences after one cycle that concern one attribute of one kind of object.
struct DifferenceGroup<'a> {
    cycle: &'a str,
    differences: Vec<&'a Difference>,
}

/// The cycles' differences grouped by cycle, object kind and attribute, largest group first
/// within each cycle.
fn difference_groups(cycles: &[CycleFigures]) -> Vec<DifferenceGroup<'_>> {
    let mut out = Vec::new();
    for c in cycles {
        let mut groups: BTreeMap<(&str, &str), Vec<&Difference>> = BTreeMap::new();
        for d in &c.differences {
            groups
                .entry((d.object, d.attribute.as_str()))
                .or_default()
                .push(d);
        }
        let mut of: Vec<DifferenceGroup<'_>> = groups
            .into_values()
            .map(|differences| DifferenceGroup {
                cycle: &c.name,
                differences,
            })
            .collect();
        of.sort_by_key(|g| std::cmp::Reverse(g.differences.len()));
        out.extend(of);
    }
    out
}
