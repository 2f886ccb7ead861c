//! The reference server over HTTP, for what the suites do not exercise: concurrency,
//! conditional requests, PUT, sorting, projection, discovery by id, routing errors.

mod common;

use common::*;
use serde_json::{Value, json};

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(base: &str) -> Self {
        scimtest::run::install_crypto_provider();
        Client {
            http: reqwest::Client::new(),
            base: base.to_string(),
        }
    }
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, reqwest::header::HeaderMap, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN);
        if let Some(b) = body {
            req = req
                .header("Content-Type", "application/scim+json")
                .body(b.to_string());
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        (
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        )
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let (s, _, b) = self.send(reqwest::Method::POST, path, Some(body)).await;
        (s, b)
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        let (s, _, b) = self.send(reqwest::Method::GET, path, None).await;
        (s, b)
    }
}

#[test]
fn concurrent_creates_of_one_user_name_make_exactly_one_user() {
    let rt = runtime();
    rt.block_on(async {
        let s = server(&[]).await;
        let c = std::sync::Arc::new(Client::new(&s.base_url));
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let c = c.clone();
            tasks.push(tokio::spawn(async move {
                c.post("/Users", json!({"userName": "Race@Example.com"}))
                    .await
                    .0
            }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == 409).count(),
            63,
            "{statuses:?}"
        );
        assert_eq!(s.state.store.counts(), (1, 0));
    });
}

#[test]
fn conditional_requests_put_and_etags() {
    let rt = runtime();
    rt.block_on(async {
        let s = server(&[]).await;
        let c = Client::new(&s.base_url);
        let (status, headers, user) = c
            .send(
                reqwest::Method::POST,
                "/Users",
                Some(json!({"userName": "u1", "title": "t", "active": true})),
            )
            .await;
        assert_eq!(status, 201);
        let id = user["id"].as_str().unwrap().to_string();
        let etag = headers["etag"].to_str().unwrap().to_string();
        assert_eq!(
            headers["location"].to_str().unwrap(),
            format!("{}/Users/{id}", s.base_url)
        );
        assert_eq!(user["meta"]["version"], etag.as_str());
        for key in ["created", "lastModified", "location", "resourceType"] {
            assert!(user["meta"].get(key).is_some(), "meta.{key} missing");
        }
        // PUT replaces the whole resource: title disappears.
        let put = c
            .http
            .put(format!("{}/Users/{id}", s.base_url))
            .bearer_auth(TOKEN)
            .header("If-Match", &etag)
            .body(json!({"userName": "u1", "active": false}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(put.status().as_u16(), 200);
        let (_, after) = c.get(&format!("/Users/{id}")).await;
        assert_eq!(after["active"], false);
        assert!(after.get("title").is_none());
        assert_ne!(
            after["meta"]["version"],
            etag.as_str(),
            "the version changes on write"
        );
        // The old ETag no longer matches.
        let stale = c
            .http
            .delete(format!("{}/Users/{id}", s.base_url))
            .bearer_auth(TOKEN)
            .header("If-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status().as_u16(), 412);
    });
}

#[test]
fn sorting_projection_and_paging() {
    let rt = runtime();
    rt.block_on(async {
        let s = server(&[]).await;
        let c = Client::new(&s.base_url);
        for name in ["carol", "alice", "bob"] {
            assert_eq!(
                c.post(
                    "/Users",
                    json!({"userName": name, "name": {"givenName": name, "familyName": "X"}})
                )
                .await
                .0,
                201
            );
        }
        let (_, list) = c
            .get("/Users?sortBy=userName&sortOrder=descending&attributes=userName")
            .await;
        let names: Vec<&str> = list["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["carol", "bob", "alice"]);
        assert!(
            list["Resources"][0].get("name").is_none(),
            "attributes= keeps only what was asked (and id)"
        );
        assert!(list["Resources"][0].get("id").is_some());
        let (_, page) = c.get("/Users?count=0").await;
        assert_eq!(page["totalResults"], 3);
        assert_eq!(page["Resources"], json!([]));
        let (_, beyond) = c.get("/Users?startIndex=10&count=5").await;
        assert_eq!(beyond["totalResults"], 3);
        assert_eq!(beyond["Resources"], json!([]));
        let (status, bad) = c.get("/Users?count=abc").await;
        assert_eq!(
            (status, bad["scimType"].as_str()),
            (400, Some("invalidValue"))
        );
        let (_, sub) = c
            .get("/Users?filter=name.givenName+eq+%22BOB%22&excludedAttributes=name.familyName")
            .await;
        assert_eq!(sub["totalResults"], 1);
        assert_eq!(sub["Resources"][0]["name"], json!({"givenName": "bob"}));
    });
}

#[test]
fn routing_and_errors() {
    let rt = runtime();
    rt.block_on(async {
        let s = server(&[]).await;
        let c = Client::new(&s.base_url);
        let (status, headers, body) = c.send(reqwest::Method::GET, "/Nope", None).await;
        assert_eq!(status, 404);
        assert_eq!(headers["content-type"], "application/scim+json");
        assert_eq!(body["status"], "404");
        assert_eq!(
            c.send(reqwest::Method::PUT, "/Users", Some(json!({})))
                .await
                .0,
            405
        );
        assert_eq!(
            c.post("/Users", json!({"displayName": "no userName"}))
                .await
                .0,
            400
        );
        assert_eq!(c.post("/Groups", json!({"members": []})).await.0, 400);
        let (status, schema) = c
            .get("/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
            .await;
        assert_eq!(
            (status, schema["name"].as_str()),
            (200, Some("EnterpriseUser"))
        );
        let (status, rt_user) = c.get("/ResourceTypes/User").await;
        assert_eq!(
            (status, rt_user["endpoint"].as_str()),
            (200, Some("/Users"))
        );
        let unauth = reqwest::get(format!("{}/Users", s.base_url)).await.unwrap();
        assert_eq!(unauth.status().as_u16(), 401);
        assert_eq!(
            unauth.headers()["www-authenticate"],
            "Bearer realm=\"scimtest\""
        );
        // The base path is required; a doubled slash after it is tolerated.
        let root = s.base_url.trim_end_matches("/scim/v2");
        let outside = reqwest::Client::new()
            .get(format!("{root}/Users"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(outside.status().as_u16(), 404);
        assert_eq!(c.get("//Users").await.0, 200);
        // Discovery endpoints are read-only: 405, not 404.
        for path in [
            "/Schemas",
            "/ResourceTypes",
            "/ServiceProviderConfig",
            "/Schemas/x",
        ] {
            let (status, _, _) = c.send(reqwest::Method::POST, path, Some(json!({}))).await;
            assert_eq!(status, 405, "{path}");
        }
        // A search across every resource type at the root (RFC 7644 §3.4.3).
        c.post("/Users", json!({"userName": "root-search@example.com"}))
            .await;
        c.post("/Groups", json!({"displayName": "root-search team"}))
            .await;
        let (status, found) = c
            .post(
                "/.search",
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                       "filter": "userName sw \"root-search\" or displayName sw \"root-search\""}),
            )
            .await;
        assert_eq!(status, 200, "{found}");
        assert_eq!(found["totalResults"], 2, "{found}");
    });
}

/// Status of `GET /Users` sent with `authorization` as the whole header value.
async fn status_with(s: &scimtest::server::RunningServer, authorization: &str) -> u16 {
    scimtest::run::install_crypto_provider();
    reqwest::Client::new()
        .get(format!("{}/Users", s.base_url))
        .header("Authorization", authorization)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[test]
fn okta_auth_modes_are_accepted_unless_bearer_only() {
    use base64::Engine as _;
    let basic = |user: &str, password: &str| {
        let pair = format!("{user}:{password}");
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    };
    let rt = runtime();
    rt.block_on(async {
        let s = server(&[]).await;
        // Bearer, the token alone (OIN Wizard "Header"), Basic with the token as password.
        assert_eq!(status_with(&s, &format!("Bearer {TOKEN}")).await, 200);
        assert_eq!(status_with(&s, TOKEN).await, 200);
        assert_eq!(status_with(&s, &basic("okta", TOKEN)).await, 200);
        assert_eq!(status_with(&s, &basic("okta", "wrong")).await, 401);
        assert_eq!(status_with(&s, "wrong-token").await, 401);
        let strict = server(&[scimtest::server::Defect::BearerOnlyAuth]).await;
        assert_eq!(status_with(&strict, &format!("Bearer {TOKEN}")).await, 200);
        assert_eq!(status_with(&strict, TOKEN).await, 401);
        assert_eq!(status_with(&strict, &basic("okta", TOKEN)).await, 401);
    });
}

#[test]
fn put_ignores_echoed_read_only_attributes_and_never_returns_the_password() {
    let rt = runtime();
    rt.block_on(async {
        let s = server(&[]).await;
        let c = Client::new(&s.base_url);
        let (status, user) = c
            .post(
                "/Users",
                json!({"userName": "okta.put@example.com", "password": "p-1", "groups": [], "locale": "en-US", "active": true}),
            )
            .await;
        assert_eq!(status, 201, "{user}");
        assert!(user.get("password").is_none());
        let id = user["id"].as_str().unwrap();
        let (status, _, put) = c
            .send(
                reqwest::Method::PUT,
                &format!("/Users/{id}"),
                Some(json!({
                    "id": id, "userName": "okta.put@example.com", "active": false, "groups": [],
                    "password": "p-2",
                    "meta": {"resourceType": "User", "created": "04-12-2018 00:00:00", "version": "v1.0"}
                })),
            )
            .await;
        assert_eq!(status, 200, "{put}");
        assert_eq!(put["active"], json!(false));
        assert!(put.get("password").is_none() && put.get("locale").is_none(), "{put}");
        assert_ne!(put["meta"]["created"], json!("04-12-2018 00:00:00"));
    });
}
