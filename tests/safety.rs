//! The safety promises (README "Safety"), each held against a loopback server that breaks it
//! on purpose: scimtest never writes to what it did not create, leaves nothing behind without
//! saying so, sweeps only its own resources, never panics or grows without bound, and never
//! shows a secret in any encoding. Every server here is on 127.0.0.1 and every test is bounded
//! in time.

mod common;

use common::mini::{self, Knobs};
use common::*;
use scimtest::plan::{PlannedCase, plan};
use scimtest::record::{CaseResult, Status};
use scimtest::run::run_plan;
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn case(suite: &str, name: &str) -> Vec<PlannedCase> {
    let suites = suites_at(&root().join(format!("suites/entra/{suite}.yaml")));
    plan(&suites, &[scimtest::model::Profile::Entra])
        .into_iter()
        .filter(|c| c.case.name == name)
        .collect()
}

fn reason(r: &CaseResult) -> String {
    r.reason.clone().unwrap_or_default()
}

#[test]
fn a_create_answered_with_someone_elses_id_never_touches_it() {
    let rt = runtime();
    rt.block_on(async {
        for location_only in [false, true] {
            let (m, base) = mini::start(Knobs {
                answer_id: Some(Arc::new(|_| json!("real-person"))),
                no_id: location_only,
                location: location_only,
                ..Default::default()
            })
            .await;
            let real = json!({"userName": "real.person@customer.example", "active": true});
            m.seed("Users", "real-person", real.clone());
            let results = run_plan(context(&base), case("users", "replace_attributes"), 1).await;
            let r = &results[0];
            assert_eq!(r.status, Status::Failed, "{}", reason(r));
            assert!(
                reason(r).contains("the created resource is this case's"),
                "{}",
                reason(r)
            );
            assert!(
                !m.writes().iter().any(|w| w.contains("real-person")),
                "wrote to a resource scimtest did not create: {:?}",
                m.writes()
            );
            // The user it really created (stored under another id) is found by its
            // identity and removed; the real person stays.
            assert_eq!(m.count(), 1, "{:?}", m.log());
            assert!(m.has("Users", "real-person"));
        }
    });
}

#[test]
fn ids_that_are_path_syntax_never_address_another_path() {
    let rt = runtime();
    rt.block_on(async {
        for id in ["..", ".", "?x=1", "#frag", "a b", "a/b", "%2e%2e"] {
            let answer = id.to_string();
            let (m, base) = mini::start(Knobs {
                answer_id: Some(Arc::new(move |_| json!(answer.clone()))),
                store_under_answer: true,
                ..Default::default()
            })
            .await;
            let results = run_plan(context(&base), case("users", "delete_user"), 1).await;
            for w in m.writes() {
                assert!(
                    w.starts_with("DELETE /scim/Users/") && w.len() > "DELETE /scim/Users/".len(),
                    "id {id:?}: sent {w}"
                );
            }
            if id == "." || id == ".." {
                // Unaddressable: not deleted, and the case says so.
                assert_eq!(m.count(), 1, "id {id:?}");
                assert!(m.writes().is_empty(), "id {id:?}: {:?}", m.writes());
                assert!(
                    reason(&results[0]).contains("cleanup could not delete"),
                    "{}",
                    reason(&results[0])
                );
            } else {
                assert_eq!(m.count(), 0, "id {id:?} not cleaned up: {:?}", m.log());
                assert_eq!(
                    results[0].status,
                    Status::Passed,
                    "id {id:?}: {}",
                    reason(&results[0])
                );
            }
        }
    });
}

#[test]
fn creates_without_an_id_with_a_numeric_id_or_whose_id_moves_are_cleaned_up() {
    let rt = runtime();
    rt.block_on(async {
        let knobs = [
            Knobs {
                no_id: true,
                ..Default::default()
            },
            Knobs {
                answer_id: Some(Arc::new(|n| json!(n + 40))),
                store_under_answer: true,
                ..Default::default()
            },
            Knobs {
                rekey: true,
                ..Default::default()
            },
        ];
        for k in knobs {
            let (m, base) = mini::start(k).await;
            let results = run_plan(context(&base), case("users", "duplicate_user"), 1).await;
            assert_eq!(m.count(), 0, "{:?} / {:?}", m.log(), results[0].cleanup);
            assert!(
                !reason(&results[0]).contains("cleanup could not delete"),
                "{}",
                reason(&results[0])
            );
        }
    });
}

#[test]
fn a_create_answered_after_the_timeout_is_found_and_removed() {
    let rt = runtime();
    rt.block_on(async {
        let (m, base) = mini::start(Knobs {
            create_delay: Some(Duration::from_secs(3)),
            ..Default::default()
        })
        .await;
        let cx = context_with(&base, Duration::from_secs(1), Duration::from_secs(30));
        let results = run_plan(cx, case("users", "create_user"), 1).await;
        assert_eq!(results[0].status, Status::Errored);
        assert_eq!(m.count(), 0, "{:?}", m.log());
        assert!(
            results[0].cleanup.iter().all(|c| c.ok),
            "{:?}",
            results[0].cleanup
        );
    });
}

#[test]
fn a_create_in_flight_at_an_interrupt_completes_and_is_removed() {
    let rt = runtime();
    rt.block_on(async {
        let (m, base) = mini::start(Knobs {
            create_delay: Some(Duration::from_millis(1500)),
            ..Default::default()
        })
        .await;
        let cx = context(&base);
        let i = cx.interrupt.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            i.trigger();
        });
        let results = run_plan(cx.clone(), case("users", "replace_attributes"), 1).await;
        assert_eq!(
            results[0].status,
            Status::Errored,
            "{}",
            reason(&results[0])
        );
        assert!(
            reason(&results[0]).starts_with("interrupted"),
            "{}",
            reason(&results[0])
        );
        // The POST finished, so its id is known and cleanup deleted it directly.
        assert_eq!(m.writes(), vec!["DELETE /scim/Users/u1"], "{:?}", m.log());
        assert_eq!(m.count(), 0);
        assert!(cx.journal.remaining().is_empty());
    });
}

#[test]
fn a_panic_or_a_huge_retry_after_never_loses_a_case() {
    // Retry-After: u64::MAX seconds used to overflow the retry budget and panic.
    let rt = runtime();
    rt.block_on(async {
        let app = axum::Router::new().fallback(|| async {
            (
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "18446744073709551615")],
                "{}",
            )
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let started = Instant::now();
        let results = run_plan(
            context(&format!("http://{addr}/scim")),
            case("connection", "test_connection_users"),
            1,
        )
        .await;
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].status, Status::Failed, "{}", reason(&results[0]));
        assert!(started.elapsed() < Duration::from_secs(10));
    });
}

#[test]
fn bodies_kept_for_reports_are_bounded() {
    let rt = runtime();
    rt.block_on(async {
        let (_m, base) = mini::start(Knobs {
            huge_body: Some(9 * 1024 * 1024),
            ..Default::default()
        })
        .await;
        let results = run_plan(context(&base), case("users", "get_unknown_user"), 1).await;
        let kept: Vec<usize> = results[0]
            .exchanges()
            .map(|e| e.response_body.len())
            .collect();
        assert!(!kept.is_empty());
        assert!(kept.iter().all(|n| *n < 70 * 1024), "{kept:?}");
        let body = &results[0].steps[0].exchange.as_ref().unwrap().response_body;
        assert!(
            body.ends_with("more bytes not kept]"),
            "{}",
            &body[body.len() - 60..]
        );
    });
}

/// A tiny server on its own runtime thread, for tests that run the binary against it.
fn background<F, Fut>(make: F) -> (tokio::runtime::Runtime, Arc<mini::Mini>, String)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = (Arc<mini::Mini>, String)>,
{
    let rt = runtime();
    let (m, base) = rt.block_on(make());
    (rt, m, base)
}

#[test]
fn sweep_confirms_each_name_pages_defensively_and_misses_no_id() {
    // A listing that pairs our name with someone else's id.
    let (_rt, m, base) = background(|| {
        mini::start(Knobs {
            list_lies: Some((
                "real-person".into(),
                "userName".into(),
                "scimtest-aaaa1111-fake".into(),
            )),
            ..Default::default()
        })
    });
    m.seed(
        "Users",
        "real-person",
        json!({"userName": "real.person@customer.example"}),
    );
    m.seed("Users", "1", json!({"userName": "scimtest-aaaa1111-one"}));
    m.seed(
        "Users",
        "x1",
        json!({"userName": "scimtest-aaaa1111-x-one"}),
    );
    // A name is not proof: without a journal, sweep lists and deletes nothing.
    let out = bin()
        .args(["sweep", "--target", &base, "--run-id", "aaaa1111", "--yes"])
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("--journal"), "{all}");
    assert!(m.writes().is_empty(), "{:?}", m.writes());
    let out = bin()
        .args(["sweep", "--target", &base, "--run-id", "aaaa1111"])
        .output()
        .unwrap();
    let all = text(&out);
    // Ids that are suffixes of each other are both listed.
    assert!(
        all.contains("/Users/1 ") && all.contains("/Users/x1 "),
        "{all}"
    );
    assert!(all.contains("sweep never deletes those"), "{all}");
    assert!(
        m.has("Users", "real-person") && m.has("Users", "1"),
        "{all}"
    );
    assert!(m.writes().is_empty(), "{:?}", m.writes());

    // A target that ignores startIndex and filters: the listing ends, and says why.
    let (_rt2, m2, base2) = background(|| {
        mini::start(Knobs {
            ignore_start_index: true,
            ignore_filter: true,
            ..Default::default()
        })
    });
    m2.seed(
        "Users",
        "real",
        json!({"userName": "real.person@customer.example"}),
    );
    for i in 0..150 {
        m2.seed(
            "Users",
            &format!("id{i}"),
            json!({"userName": format!("scimtest-bbbb2222-{i}")}),
        );
    }
    let started = Instant::now();
    let out = bin()
        .args(["sweep", "--target", &base2, "--run-id", "bbbb2222"])
        .output()
        .unwrap();
    let all = text(&out);
    assert!(started.elapsed() < Duration::from_secs(30), "{all}");
    assert!(all.contains("answered the same page again"), "{all}");
    assert!(all.contains("filters are unreliable"), "{all}");
    assert!(!all.contains("real.person"), "{all}");
}

#[test]
fn sweep_deletes_nothing_an_unsigned_journal_names() {
    let (_rt, m, base) = background(|| {
        mini::start(Knobs {
            ignore_filter: true,
            ..Default::default()
        })
    });
    m.seed(
        "Users",
        "left-7",
        json!({"userName": "scimtest-cccc3333-left"}),
    );
    m.seed(
        "Users",
        "real",
        json!({"userName": "real.person@customer.example"}),
    );
    let dir = tmp("sweep-journal");
    let journal = dir.join("journal.jsonl");
    std::fs::write(
        &journal,
        [
            json!({"entry": 0, "case": "c", "collection": "/Users", "identity": [{"pointer": "/userName", "value": "scimtest-cccc3333-left"}], "state": "pending", "id": null, "why": null}),
            json!({"entry": 0, "case": "c", "collection": "/Users", "identity": [{"pointer": "/userName", "value": "scimtest-cccc3333-left"}], "state": "created", "id": "left-7", "why": null}),
        ]
        .iter()
        .map(|v| v.to_string() + "\n")
        .collect::<String>(),
    )
    .unwrap();
    let out = bin()
        .args(["sweep", "--target", &base, "--yes", "--journal"])
        .arg(&journal)
        .output()
        .unwrap();
    let all = text(&out);
    // A journal this machine did not sign (written by hand here) proves nothing: sweep
    // deletes nothing it names. tests/red_team.rs sweeps a run's own journal.
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("do not carry this machine's signature"),
        "{all}"
    );
    assert!(m.has("Users", "left-7"), "{all}");
    assert!(m.has("Users", "real"), "{all}");
    assert!(m.writes().is_empty(), "{:?}", m.writes());
}

#[test]
fn what_may_remain_is_reported_with_the_sweep_command() {
    // Every DELETE is refused with 500: the run must say what it leaves behind.
    let rt = runtime();
    let base = rt.block_on(async {
        let stored: Arc<std::sync::Mutex<Value>> = Arc::default();
        let (s1, s2) = (stored.clone(), stored.clone());
        let app = axum::Router::new()
            .route(
                "/scim/Users",
                axum::routing::post(move |body: String| async move {
                    let mut v: Value = serde_json::from_str(&body).unwrap();
                    v["id"] = json!("stays-1");
                    *s1.lock().unwrap() = v.clone();
                    (axum::http::StatusCode::CREATED, v.to_string())
                })
                .get(|| async {
                    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0, "Resources": []}).to_string()
                }),
            )
            .route(
                "/scim/Users/{id}",
                axum::routing::get(move || async move { s2.lock().unwrap().to_string() })
                    .delete(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "{}") }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/scim")
    });
    let dir = tmp("leftovers");
    let out = bin()
        .args([
            "run",
            "--target",
            &base,
            "--exact",
            "entra-users::create_user_location[entra]",
            "--report-dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let all = text(&out);
    assert!(all.contains("LEFT BEHIND"), "{all}");
    assert!(all.contains("scimtest sweep --target"), "{all}");
    let results: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    assert_eq!(
        results["run"]["leftovers"].as_array().unwrap().len(),
        1,
        "{}",
        results["run"]
    );
    assert!(
        results["run"]["sweep_command"]
            .as_str()
            .unwrap()
            .contains("--journal")
    );
    assert!(dir.join("journal.jsonl").is_file());
}

/// The run against a throttled `serve`, interrupted by `signals` SIGINTs `gap` apart.
fn interrupt_run(name: &str, gap: Duration) -> (Option<i32>, String) {
    let token = "signal-token-5e2a";
    let (mut server, url) = serve_with(token, &[], &["--throttle-every", "2"]);
    let dir = tmp(name);
    let run = bin()
        .args(["run", "--target", &url, "--report-dir"])
        .arg(&dir)
        .env("SCIM_TOKEN", token)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let pid = run.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    std::thread::sleep(gap);
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let out = run.wait_with_output().unwrap();
    server.kill().unwrap();
    let _ = server.wait();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn two_signals_together_count_as_one_and_a_second_one_prints_the_sweep_command() {
    let (code, err) = interrupt_run("signals-together", Duration::from_millis(10));
    assert_eq!(code, Some(1), "{err}");
    let (code, err) = interrupt_run("signals-apart", Duration::from_millis(1200));
    assert_eq!(code, Some(130), "{err}");
    assert!(
        err.contains("scimtest sweep --target") && err.contains("--run-id"),
        "{err}"
    );
}

#[test]
fn secrets_are_masked_in_every_encoding_a_server_echoes() {
    use base64::Engine as _;
    let token = "s3cret/to\"ken-0123456789";
    let json_escaped = serde_json::to_string(token).unwrap();
    let json_escaped = json_escaped.trim_matches('"').to_string();
    let url_encoded: String = token
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("Bearer {token}"));
    let forms = [
        token.to_string(),
        json_escaped.clone(),
        json_escaped.replace('/', "\\/"),
        url_encoded.clone(),
        b64.clone(),
    ];
    let echo = {
        let (j, u, b) = (json_escaped.clone(), url_encoded.clone(), b64.clone());
        // The token also straddles the 300-character cut of a shown value.
        let pad = "p".repeat(290);
        format!(
            r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","detail":"{pad}{j} and {u} and {b} and {}"}}"#,
            j.replace('/', "\\/")
        )
    };
    let rt = runtime();
    let base = rt.block_on(async move {
        let app = axum::Router::new().fallback(move || {
            let echo = echo.clone();
            async move {
                (
                    axum::http::StatusCode::BAD_REQUEST,
                    [
                        ("content-type", "application/scim+json"),
                        ("x-echo", "ignored"),
                    ],
                    echo,
                )
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/scim")
    });
    let dir = tmp("echoed-secrets");
    let out = bin()
        .args([
            "run",
            "--target",
            &base,
            "entra-users::create_user[entra]",
            "--report-dir",
        ])
        .arg(&dir)
        .env("SCIM_TOKEN", token)
        .output()
        .unwrap();
    let mut all = text(&out);
    all.push_str(&all_files_text(&dir));
    assert!(all.contains("***"), "nothing was masked: {all}");
    for form in &forms[..4] {
        // The first 8 characters of any form already betray the token.
        assert!(!all.contains(&form[..8]), "`{}` leaked", &form[..8]);
    }
    // base64("Bearer <token>"): from character 12 on, every character encodes token bytes.
    assert!(!all.contains(&b64[12..20]), "`{}` leaked", &b64[12..20]);

    // Credentials in the target URL are refused without being repeated.
    let out = bin()
        .args([
            "run",
            "--target",
            "https://scim:hunter2-pass@127.0.0.1:9/scim",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("carries credentials") && !text(&out).contains("hunter2"),
        "{}",
        text(&out)
    );
    // A malformed -H never echoes its value.
    let out = bin()
        .args([
            "run",
            "--target",
            "http://127.0.0.1:9/scim",
            "-H",
            "X-Api-Key hunter2-key",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out).contains("hunter2"), "{}", text(&out));
}

#[test]
fn terminal_escapes_from_a_server_are_shown_not_obeyed() {
    let rt = runtime();
    let base = rt.block_on(async {
        let app = axum::Router::new().fallback(|| async {
            (
                axum::http::StatusCode::BAD_REQUEST,
                [("content-type", "application/scim+json")],
                r#"{"status":"400","detail":"\u001b]0;owned\u0007\u001b[2Jgone"}"#,
            )
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/scim")
    });
    let out = bin()
        .args([
            "run",
            "--target",
            &base,
            "entra-users::get_unknown_user[entra]",
            "--report-dir",
        ])
        .arg(tmp("escapes"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let all = text(&out);
    assert!(
        !all.contains('\u{1b}'),
        "raw ESC reached the console: {all:?}"
    );
    assert!(all.contains("\\u{1b}"), "{all}");
}

#[test]
fn bad_arguments_and_runaway_templates_are_refused_before_anything_runs() {
    let out = bin().args(["run", "--test-threads", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let dir = tmp("runaway");
    let mut vars = String::from("      v0: \"0123456789abcdef\"\n");
    for i in 1..40 {
        vars.push_str(&format!("      v{i}: \"${{v{}}}${{v{}}}\"\n", i - 1, i - 1));
    }
    let suite = format!(
        "suite: runaway\ncases:\n  - name: grows\n    vars:\n{vars}    steps:\n      - request: {{method: GET, path: /Users}}\n        expect: {{status: 200}}\n"
    );
    std::fs::write(dir.join("runaway.yaml"), suite).unwrap();
    let started = Instant::now();
    let out = bin()
        .arg("lint")
        .arg(dir.join("runaway.yaml"))
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("variable `v13` can expand to"), "{all}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn the_reference_server_survives_long_filters_slow_clients_and_floods() {
    use scimtest::server::store::Limits;
    use scimtest::server::{Defects, ServerConfig, spawn};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rt = runtime();
    rt.block_on(async {
        let config = ServerConfig {
            base_path: "/scim/v2".into(),
            token: TOKEN.into(),
            defects: Defects::default(),
            throttle_every: 0,
            limits: Limits {
                max_resources: 2,
                ..Default::default()
            },
        };
        let s = spawn(([127, 0, 0, 1], 0).into(), config).await.unwrap();
        scimtest::run::install_crypto_provider();
        let http = reqwest::Client::new();
        let post = |path: &str, body: String| {
            http.post(format!("{}{path}", s.base_url))
                .bearer_auth(TOKEN)
                .header("content-type", "application/scim+json")
                .body(body)
                .send()
        };
        // A 50,000-operand `or` chain (1 MB) through /.search: refused at once (the work one
        // request may ask for is bounded), no crash.
        let chain = vec![r#"userName eq "x""#; 50_000].join(" or ");
        let r = post("/Users/.search", json!({"filter": chain}).to_string())
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 400);
        // Storage limits: the third user is refused with 507, a 3 MiB body with 413.
        for i in 0..3 {
            let r = post("/Users", json!({"userName": format!("u{i}")}).to_string())
                .await
                .unwrap();
            let want = if i < 2 { 201 } else { 507 };
            assert_eq!(r.status().as_u16(), want, "{}", r.text().await.unwrap());
        }
        let big = json!({"userName": "big", "nickName": "n".repeat(3 * 1024 * 1024)}).to_string();
        assert_eq!(post("/Users", big).await.unwrap().status().as_u16(), 413);
        // A client that connects and sends half a request is cut off.
        let mut sock = tokio::net::TcpStream::connect(s.addr).await.unwrap();
        sock.write_all(b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let started = Instant::now();
        let mut buf = [0u8; 1024];
        let closed = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                match sock.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(
            closed.is_ok(),
            "a half-sent request held the connection for 20 s"
        );
        assert!(started.elapsed() >= Duration::from_secs(5));
    });
}
