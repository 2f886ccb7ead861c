//! Talking to real targets: TLS verification (default, `--ca-cert`, `--insecure`) against a
//! loopback HTTPS server with a self-signed certificate; OAuth 2.0 client credentials
//! (`client_secret_basic` and `client_secret_post`, refresh on expiry and on 401); HTTP Basic
//! and extra headers. Secrets never appear in what is recorded.

mod common;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use common::*;
use scimtest::model::Auth;
use scimtest::run::{ClientAuthMethod, ClientOptions, Credentials, Http, OAuth, OutRequest};
use scimtest::server::{AppState, ServerConfig};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

fn server_config() -> ServerConfig {
    ServerConfig {
        base_path: "/scim/v2".into(),
        token: TOKEN.into(),
        defects: Default::default(),
        throttle_every: 0,
        limits: Default::default(),
    }
}

/// The reference server over HTTPS with a fresh self-signed certificate for 127.0.0.1.
async fn https_server() -> (String, String) {
    scimtest::run::install_crypto_provider();
    let cert =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert_pem = cert.cert.pem();
    let key_pem = cert.signing_key.serialize_pem();
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem(
        cert_pem.clone().into_bytes(),
        key_pem.into_bytes(),
    )
    .await
    .unwrap();
    let handle = axum_server::Handle::new();
    let app = scimtest::server::app::router(AppState::new(server_config()));
    let h = handle.clone();
    tokio::spawn(async move {
        axum_server::bind_rustls(SocketAddr::from(([127, 0, 0, 1], 0)), tls)
            .handle(h)
            .serve(app.into_make_service())
            .await
            .unwrap();
    });
    let addr = handle.listening().await.unwrap();
    (
        format!("https://127.0.0.1:{}/scim/v2", addr.port()),
        cert_pem,
    )
}

#[test]
fn tls_is_verified_by_default_and_can_be_given_a_ca_or_skipped() {
    let rt = runtime();
    let (url, cert_pem) = rt.block_on(https_server());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tls");
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &cert_pem).unwrap();
    let run = |extra: &[&str]| {
        let out = bin()
            .args(["run", "--target", &url, "--report-dir"])
            .arg(&dir)
            .args(extra)
            .arg("test_connection_users")
            .env("SCIM_TOKEN", TOKEN)
            .output()
            .unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (code, out) = run(&[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("does not trust") && out.contains("--ca-cert FILE"),
        "{out}"
    );

    let (code, out) = run(&["--ca-cert", ca.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}");
    assert!(!out.contains("--insecure"), "{out}");

    let (code, out) = run(&["--insecure"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("warning: --insecure"), "{out}");
    assert!(out.contains("TLS certificates were NOT verified"), "{out}");
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(
        xml.contains("name=\"scimtest.tls\" value=\"NOT verified (--insecure)\""),
        "{xml}"
    );
}

#[derive(Clone)]
struct TokenEndpoint {
    calls: Arc<AtomicUsize>,
    method: ClientAuthMethod,
    /// Tokens handed out in order; the last one repeats.
    tokens: Arc<Vec<&'static str>>,
    expires_in: u64,
}

async fn token(
    State(t): State<TokenEndpoint>,
    headers: HeaderMap,
    body: String,
) -> (axum::http::StatusCode, String) {
    let n = t.calls.fetch_add(1, Ordering::SeqCst);
    let form: Vec<(String, String)> = body
        .split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_string(), scimtest::server::app::decode_component(v)))
        .collect();
    let field = |k: &str| form.iter().find(|(f, _)| f == k).map(|(_, v)| v.as_str());
    let ok = field("grant_type") == Some("client_credentials")
        && match t.method {
            ClientAuthMethod::Basic => {
                // base64("client-1:s3cret-client-value")
                headers.get("authorization").and_then(|v| v.to_str().ok())
                    == Some("Basic Y2xpZW50LTE6czNjcmV0LWNsaWVudC12YWx1ZQ==")
                    && field("client_secret").is_none()
            }
            ClientAuthMethod::Post => {
                field("client_id") == Some("client-1")
                    && field("client_secret") == Some("s3cret-client-value")
            }
        };
    if !ok {
        return (
            axum::http::StatusCode::UNAUTHORIZED,
            r#"{"error":"invalid_client"}"#.into(),
        );
    }
    let token = t.tokens[n.min(t.tokens.len() - 1)];
    (
        axum::http::StatusCode::OK,
        format!(
            r#"{{"access_token":"{token}","token_type":"Bearer","expires_in":{}}}"#,
            t.expires_in
        ),
    )
}

async fn serve_both(endpoint: TokenEndpoint) -> (String, String) {
    let scim = scimtest::server::app::router(AppState::new(server_config()));
    let app = axum::Router::new()
        .route("/token", post(token))
        .with_state(endpoint)
        .merge(scim);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (
        format!("http://{addr}/scim/v2"),
        format!("http://{addr}/token"),
    )
}

fn oauth(token_url: &str, method: ClientAuthMethod) -> ClientOptions {
    ClientOptions {
        credentials: Credentials::OAuth(OAuth {
            token_url: token_url.into(),
            client_id: "client-1".into(),
            client_secret: "s3cret-client-value".into(),
            scope: Some("scim".into()),
            method,
        }),
        ..ClientOptions::bearer(None, Duration::from_secs(10))
    }
}

fn get_request(url: &str) -> OutRequest {
    OutRequest {
        method: reqwest::Method::GET,
        url: url.into(),
        headers: vec![],
        body: None,
        auth: Auth::Default,
    }
}

#[test]
fn oauth_client_credentials_both_methods_with_refresh() {
    let rt = runtime();
    rt.block_on(async {
        for method in [ClientAuthMethod::Basic, ClientAuthMethod::Post] {
            let endpoint = TokenEndpoint {
                calls: Arc::default(),
                method,
                tokens: Arc::new(vec![TOKEN]),
                expires_in: 1,
            };
            let calls = endpoint.calls.clone();
            let (base, token_url) = serve_both(endpoint).await;
            let http = Http::with_options(oauth(&token_url, method)).unwrap();
            let first = http
                .send(get_request(&format!("{base}/Users")))
                .await
                .unwrap();
            assert_eq!(
                first.exchange.status, 200,
                "{method:?}: {}",
                first.exchange.response_body
            );
            assert_eq!(calls.load(Ordering::SeqCst), 1);
            http.send(get_request(&format!("{base}/Users")))
                .await
                .unwrap();
            assert_eq!(calls.load(Ordering::SeqCst), 1, "a fresh token is reused");
            tokio::time::sleep(Duration::from_millis(1200)).await;
            let later = http
                .send(get_request(&format!("{base}/Users")))
                .await
                .unwrap();
            assert_eq!(later.exchange.status, 200);
            assert_eq!(
                calls.load(Ordering::SeqCst),
                2,
                "an expired token is refreshed"
            );
            let recorded = format!("{:?}", later.exchange);
            assert!(
                !recorded.contains(TOKEN) && !recorded.contains("s3cret-client-value"),
                "{recorded}"
            );
        }
    });
}

#[test]
fn oauth_token_refused_by_the_target_is_refreshed_once() {
    let rt = runtime();
    rt.block_on(async {
        let endpoint = TokenEndpoint {
            calls: Arc::default(),
            method: ClientAuthMethod::Basic,
            tokens: Arc::new(vec!["revoked-token-value", TOKEN]),
            expires_in: 3600,
        };
        let calls = endpoint.calls.clone();
        let (base, token_url) = serve_both(endpoint).await;
        let http = Http::with_options(oauth(&token_url, ClientAuthMethod::Basic)).unwrap();
        let got = http
            .send(get_request(&format!("{base}/Users")))
            .await
            .unwrap();
        assert_eq!(got.exchange.status, 200);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(
            got.exchange.retries,
            vec!["401 with the cached OAuth token; fetched a new one and sent again"]
        );
        // The revoked token, learned at run time, is masked too.
        assert_eq!(http.redactor().redact("revoked-token-value"), "***");
    });
}

#[test]
fn oauth_via_the_command_line_keeps_the_secret_out_of_output() {
    let rt = runtime();
    let endpoint = TokenEndpoint {
        calls: Arc::default(),
        method: ClientAuthMethod::Post,
        tokens: Arc::new(vec![TOKEN]),
        expires_in: 3600,
    };
    let (base, token_url) = rt.block_on(serve_both(endpoint));
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oauth-cli");
    let out = bin()
        .args([
            "run",
            "--target",
            &base,
            "--oauth-token-url",
            &token_url,
            "--oauth-client-id",
            "client-1",
        ])
        .args(["--oauth-auth-method", "post", "--report-dir"])
        .arg(&dir)
        .arg("entra-users::create_user")
        .env("SCIM_OAUTH_CLIENT_SECRET", "s3cret-client-value")
        .output()
        .unwrap();
    let mut all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{all}");
    all.push_str(&std::fs::read_to_string(dir.join("junit.xml")).unwrap());
    assert!(
        !all.contains("s3cret-client-value") && !all.contains(TOKEN),
        "a secret leaked"
    );
}

#[test]
fn basic_auth_and_extra_headers_are_sent_and_masked() {
    let rt = runtime();
    rt.block_on(async {
        let echo = axum::Router::new().route(
            "/echo",
            get(|headers: HeaderMap| async move {
                let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                let body = serde_json::json!({"authorization": h("authorization"), "x-api-key": h("x-api-key")});
                ([(axum::http::header::CONTENT_TYPE, "application/json")], body.to_string())
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, echo).await.unwrap() });
        let http = Http::with_options(ClientOptions {
            credentials: Credentials::Basic { user: "scim".into(), password: "b4sic-password".into() },
            headers: vec![("X-Api-Key".into(), "k3y-value-123".into())],
            ..ClientOptions::bearer(None, Duration::from_secs(5))
        })
        .unwrap();
        let got = http.send(get_request(&format!("http://{addr}/echo"))).await.unwrap();
        let json = got.json.unwrap();
        assert_eq!(json["authorization"], "Basic c2NpbTpiNHNpYy1wYXNzd29yZA==");
        assert_eq!(json["x-api-key"], "k3y-value-123");
        let shown: Vec<String> = got.exchange.request_headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        assert!(shown.contains(&"Authorization: Basic ***".to_string()), "{shown:?}");
        assert!(shown.contains(&"X-Api-Key: ***".to_string()), "{shown:?}");
        // The echoed secrets in the response body are masked as well.
        assert!(!got.exchange.response_body.contains("k3y-value-123"));
        assert!(!got.exchange.response_body.contains("c2NpbTpiNHNpYy1wYXNzd29yZA=="));
    });
}

#[test]
fn an_absurd_token_lifetime_or_a_huge_token_answer_is_no_crash() {
    let rt = runtime();
    rt.block_on(async {
        // expires_in of u64::MAX seconds used to overflow the clock.
        let endpoint = TokenEndpoint {
            calls: Arc::default(),
            method: ClientAuthMethod::Basic,
            tokens: Arc::new(vec![TOKEN]),
            expires_in: u64::MAX,
        };
        let (base, token_url) = serve_both(endpoint).await;
        let http = Http::with_options(oauth(&token_url, ClientAuthMethod::Basic)).unwrap();
        for _ in 0..2 {
            let got = http
                .send(get_request(&format!("{base}/Users")))
                .await
                .unwrap();
            assert_eq!(got.exchange.status, 200);
        }
        // A token endpoint answering 8 MiB is refused, not read into memory.
        let huge =
            axum::Router::new().route("/token", post(|| async { "x".repeat(8 * 1024 * 1024) }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, huge).await.unwrap() });
        let http = Http::with_options(oauth(
            &format!("http://{addr}/token"),
            ClientAuthMethod::Basic,
        ))
        .unwrap();
        let err = http
            .send(get_request(&format!("{base}/Users")))
            .await
            .unwrap_err()
            .1;
        assert!(err.contains("larger than 64 KiB"), "{err}");
    });
}
