//! Hostile and broken targets: a loopback server that misbehaves on purpose. Every case must
//! end Failed or Errored with a precise message — no panic, no hang — and the run goes on.

mod common;

use common::*;
use scimtest::plan::plan;
use scimtest::record::Status;
use scimtest::run::run_plan;

use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Reads one request head (and discards any body the client sends with it).
async fn read_request(sock: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            let mut have = buf.len() - end - 4;
            while have < len {
                let n = sock.read(&mut chunk).await.ok()?;
                if n == 0 {
                    break;
                }
                have += n;
            }
            return Some(head);
        }
    }
}

fn response(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// Serves one misbehaviour per first path segment.
async fn hostile_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                while let Some(head) = read_request(&mut sock).await {
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let mode = path
                        .trim_start_matches('/')
                        .split('/')
                        .next()
                        .unwrap_or("")
                        .to_string();
                    let scim = "application/scim+json";
                    let bytes = match mode.as_str() {
                        "invalid-json" => response("200 OK", scim, br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": "#),
                        "wrong-shape" => response("200 OK", scim, b"[1, 2, 3]"),
                        "wrong-content-type" => response(
                            "200 OK",
                            "text/plain",
                            br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}"#,
                        ),
                        "html" => response("500 Internal Server Error", "text/html", b"<html><body><h1>Oops</h1></body></html>"),
                        "non-utf8" => response("200 OK", scim, b"\xff\xfe\x00garbage\xc3\x28"),
                        "redirect" => format!("HTTP/1.1 302 Found\r\nLocation: {path}\r\nContent-Length: 0\r\n\r\n").into_bytes(),
                        "huge" => {
                            // 20 MiB announced and streamed: the client must stop at its limit.
                            let total = 20 * 1024 * 1024;
                            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: {scim}\r\nContent-Length: {total}\r\n\r\n");
                            if sock.write_all(head.as_bytes()).await.is_err() {
                                return;
                            }
                            let block = vec![b' '; 64 * 1024];
                            for _ in 0..(total / block.len()) {
                                if sock.write_all(&block).await.is_err() {
                                    return;
                                }
                            }
                            continue;
                        }
                        "reset" => {
                            let _ = sock
                                .write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: {scim}\r\nContent-Length: 1000\r\n\r\n{{\"totalRes").as_bytes())
                                .await;
                            return; // closes mid-body
                        }
                        "silent" => {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                            return;
                        }
                        _ => response("404 Not Found", scim, b"{}"),
                    };
                    if sock.write_all(&bytes).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{addr}")
}

/// The connection suite plus user creation: small, and covers GET, POST and cleanup.
fn small_plan() -> Vec<scimtest::plan::PlannedCase> {
    let suites = suites_at(&root().join("suites/entra/connection.yaml"));
    let mut p = plan(&suites, &[scimtest::model::Profile::Entra]);
    let users = suites_at(&root().join("suites/entra/users.yaml"));
    p.extend(
        plan(&users, &[scimtest::model::Profile::Entra])
            .into_iter()
            .filter(|c| c.case.name == "create_user"),
    );
    p
}

#[test]
fn every_misbehaviour_ends_in_a_precise_failure() {
    let rt = runtime();
    rt.block_on(async {
        let base = hostile_server().await;
        let cases = [
            ("invalid-json", "not JSON"),
            ("wrong-shape", "is not of type \"object\""),
            ("wrong-content-type", "header Content-Type"),
            ("html", "expected 200, got 500"),
            ("non-utf8", "not JSON"),
            ("redirect", "got 302"),
            ("huge", "exceeds 10 MiB"),
            ("reset", "could not be read"),
            ("silent", "did not answer before the timeout"),
        ];
        for (mode, expected) in cases {
            let cx = context_with(
                &format!("{base}/{mode}"),
                Duration::from_secs(2),
                Duration::from_secs(20),
            );
            let started = Instant::now();
            let results = run_plan(cx, small_plan(), 8).await;
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{mode}: the run took {:?}",
                started.elapsed()
            );
            for r in &results {
                assert!(
                    matches!(r.status, Status::Failed | Status::Errored),
                    "{mode}: {} passed",
                    r.name
                );
                let reason = r.reason.clone().unwrap_or_default();
                // The 401 cases fail on their status before reading any body.
                if !matches!(
                    r.case.as_str(),
                    "invalid_token_rejected" | "www_authenticate_on_401"
                ) {
                    assert!(
                        reason.contains(expected),
                        "{mode}: {}: `{reason}` lacks `{expected}`",
                        r.name
                    );
                }
            }
        }
    });
}

#[test]
fn a_case_that_outlives_its_limit_is_stopped_and_cleaned_up() {
    let rt = runtime();
    rt.block_on(async {
        let base = hostile_server().await;
        // Requests may wait 30 s, but the case only 1 s.
        let cx = context_with(
            &format!("{base}/silent"),
            Duration::from_secs(30),
            Duration::from_secs(1),
        );
        let started = Instant::now();
        let results = run_plan(cx, small_plan(), 8).await;
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        for r in results {
            assert_eq!(r.status, Status::Errored, "{}", r.name);
            assert!(r.reason.unwrap().contains("did not finish within 1 s"));
        }
    });
}

#[test]
fn throttling_with_retry_after_is_retried_and_reported() {
    let rt = runtime();
    rt.block_on(async {
        let config = scimtest::server::ServerConfig {
            base_path: "/scim/v2".into(),
            token: TOKEN.into(),
            defects: Default::default(),
            throttle_every: 3,
            limits: Default::default(),
        };
        let s = scimtest::server::spawn(([127, 0, 0, 1], 0).into(), config)
            .await
            .unwrap();
        let results = run_against(&s, small_plan()).await;
        let mut retried = 0;
        for r in &results {
            assert_eq!(r.status, Status::Passed, "{}: {:?}", r.name, r.reason);
            retried += r
                .steps
                .iter()
                .filter_map(|st| st.exchange.as_ref())
                .map(|e| e.retries.len())
                .sum::<usize>();
        }
        assert!(
            retried > 0,
            "some request must have been throttled and retried"
        );
        let record = scimtest::record::RunRecord {
            cases: results.clone(),
            ..Default::default()
        };
        // Steps, ownership reads and cleanup: every throttled answer is counted.
        assert!(
            record.throttled() >= retried,
            "{} < {retried}",
            record.throttled()
        );
        let all: String = results.iter().map(scimtest::report::transcript).collect();
        assert!(
            all.contains("< retried: 429 with Retry-After: 1 s; waited and sent again"),
            "{all}"
        );
    });
}

#[test]
fn a_create_answered_without_an_id_in_the_body_is_still_cleaned_up_via_location() {
    let rt = runtime();
    rt.block_on(async {
        let (mini, base) = mini::start(mini::Knobs {
            no_id: true,
            location: true,
            ..Default::default()
        })
        .await;
        let users = suites_at(&root().join("suites/entra/users.yaml"));
        let planned: Vec<_> = plan(&users, &[scimtest::model::Profile::Entra])
            .into_iter()
            .filter(|c| c.case.name == "duplicate_user")
            .collect();
        let results = run_plan(context(&base), planned, 1).await;
        // The answer has no id to capture: the case fails at once, and the user it created
        // is removed by the id in Location, after reading it back there.
        assert_eq!(results[0].status, Status::Failed, "{:?}", results[0].reason);
        assert_eq!(mini.count(), 0, "{:?}", mini.log());
        assert_eq!(
            mini.writes(),
            vec!["DELETE /scim/Users/u1"],
            "{:?}",
            mini.log()
        );
        assert!(results[0].cleanup.iter().all(|c| c.ok));
    });
}
