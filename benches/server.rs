//! Reference-server benchmark: requests/second and latency percentiles for GET by id, filter
//! by userName and POST over loopback, and the memory held by 100,000 users.
//!
//! `cargo bench --bench server` (optionally `-- --seconds N --connections N`). The server runs
//! on its own 1-thread runtime and the load generator on another, so on a 2-core machine each
//! gets roughly one core; the figures are for that split. Latencies are measured by the
//! client, from send to full body.

use scimtest::server::schema::ResourceKind;
use scimtest::server::{Defects, ServerConfig, spawn};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token-0123456789";

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn user_body(n: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": format!("0a21f0f2-8d2a-4f8e-bf98-{n:012}"),
        "userName": format!("bench-user-{n}@example.com"),
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": format!("bench-user-{n}@example.com")}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Given Family", "familyName": "Family", "givenName": "Given"},
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": format!("{n}"), "department": "Sales"}
    })
}

struct Figures {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies_us: Vec<u32>,
}

fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, f: &mut Figures) {
    f.latencies_us.sort_unstable();
    println!(
        "{name:<22} {:>8.0} req/s  p50 {:>6} µs  p99 {:>6} µs  ({} requests, {} errors, {:.1} s)",
        f.requests as f64 / f.elapsed.as_secs_f64(),
        percentile(&f.latencies_us, 0.50),
        percentile(&f.latencies_us, 0.99),
        f.requests,
        f.errors,
        f.elapsed.as_secs_f64()
    );
}

/// Drives `make(i)` requests from `connections` concurrent tasks for `seconds`.
async fn load<F>(client: &reqwest::Client, connections: usize, seconds: u64, make: F) -> Figures
where
    F: Fn(usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let counter = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let make = make.clone();
        let counter = counter.clone();
        let _ = client;
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            while Instant::now() < deadline {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                match make(i).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed().as_micros() as u32);
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut f = Figures {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
    };
    for t in tasks {
        let (lat, errors) = t.await.unwrap();
        f.requests += lat.len();
        f.errors += errors;
        f.latencies_us.extend(lat);
    }
    f.elapsed = start.elapsed();
    f
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let seconds = arg("--seconds", 5);
    let connections = arg("--connections", 32) as usize;
    // Memory held by 100,000 users, measured first (before the load tests allocate anything) as
    // the growth of this process's resident set while a store fills with Entra-shaped users.
    let store = scimtest::server::store::Store::new(Defects::default());
    let before = rss_kib();
    for n in 0..100_000 {
        let attrs = scimtest::server::resource::from_body(
            ResourceKind::User,
            &user_body(n),
            Default::default(),
        )
        .unwrap();
        store.create(ResourceKind::User, attrs).unwrap();
    }
    let after = rss_kib();
    println!(
        "memory for 100,000 users: {:.1} MiB resident growth ({} users held)",
        (after.saturating_sub(before)) as f64 / 1024.0,
        store.counts().0
    );
    drop(store);

    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let config = ServerConfig {
        base_path: "/scim/v2".into(),
        token: TOKEN.into(),
        defects: Defects::default(),
        throttle_every: 0,
        limits: Default::default(),
    };
    let server = server_rt
        .block_on(spawn(([127, 0, 0, 1], 0).into(), config))
        .unwrap();
    let base = server.base_url.clone();

    // Seed 1,000 users for the read benchmarks.
    let mut ids = Vec::new();
    for n in 0..1000 {
        let attrs = scimtest::server::resource::from_body(
            ResourceKind::User,
            &user_body(n),
            Default::default(),
        )
        .unwrap();
        ids.push(
            server
                .state
                .store
                .create(ResourceKind::User, attrs)
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let ids = Arc::new(ids);
    println!(
        "reference server benchmark: {connections} connections, {seconds} s per scenario, server and client on one thread each"
    );
    scimtest::run::install_crypto_provider();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .unwrap();
    client_rt.block_on(async {
        let (c, b, i) = (client.clone(), base.clone(), ids.clone());
        let mut f = load(&client, connections, seconds, move |n| {
            c.get(format!("{b}/Users/{}", i[n % i.len()]))
                .bearer_auth(TOKEN)
        })
        .await;
        report("GET /Users/{id}", &mut f);

        let (c, b) = (client.clone(), base.clone());
        let mut f = load(&client, connections, seconds, move |n| {
            c.get(format!(
                "{b}/Users?filter=userName+eq+%22bench-user-{}%40example.com%22",
                n % 1000
            ))
            .bearer_auth(TOKEN)
        })
        .await;
        report("GET ?filter=userName", &mut f);

        let (c, b) = (client.clone(), base.clone());
        let mut f = load(&client, connections, seconds, move |n| {
            c.post(format!("{b}/Users"))
                .bearer_auth(TOKEN)
                .header("Content-Type", "application/scim+json; charset=utf-8")
                .body(user_body(1_000_000 + n).to_string())
        })
        .await;
        report("POST /Users", &mut f);
    });
    drop(server);
}
