//! Self-tests of the fault-injecting proxy ([`crate::faults`]) against a real
//! `outpost-server`.

use crate::faults::{FaultKind, FaultPlan, FaultProxy, RandomFaults};
use futures::StreamExt;
use outpost_domain::Role;
use outpost_server::service::admin::{self, UserSpec};
use outpost_server::testing::Served;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct-horse-battery";
const AGENT: &str = "agent1@demo.test";

/// A server with one tenant and one support agent.
struct Server {
    base: String,
    served: Served,
}

impl Server {
    async fn start() -> Server {
        let (served, ()) = Served::start("proxy-selftest", async |db| {
            let tenant = admin::create_tenant(db, "demo", "Demo Support")
                .await
                .expect("tenant");
            admin::create_user(
                db,
                tenant.id,
                &UserSpec {
                    email: AGENT,
                    name: "agent one",
                    role: Role::Agent,
                    password: Some(PASSWORD),
                    elevated: false,
                    support: true,
                },
            )
            .await
            .expect("user");
        })
        .await;
        Server {
            base: served.base.clone(),
            served,
        }
    }

    async fn stop(self) {
        self.served.stop().await;
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

async fn login(http: &reqwest::Client, base: &str) -> reqwest::Result<reqwest::Response> {
    http.post(format!("{base}/auth/v1/login"))
        .json(&json!({"email": AGENT, "password": PASSWORD}))
        .send()
        .await
}

async fn token(http: &reqwest::Client, base: &str) -> String {
    let r = login(http, base).await.expect("login");
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("login body");
    v["access_token"].as_str().expect("token").to_owned()
}

fn create_batch(client_id: &str, seq: u64, ticket_id: &str) -> Value {
    json!({
        "client_id": client_id,
        "mutations": [{
            "seq": seq,
            "id": uuid::Uuid::now_v7().to_string(),
            "name": "ticket.create",
            "args": {"ticket_id": ticket_id, "subject": format!("Ticket {ticket_id}")}
        }]
    })
}

async fn push(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    batch: &Value,
) -> reqwest::Result<reqwest::Response> {
    http.post(format!("{base}/sync/v1/mutations"))
        .bearer_auth(token)
        .json(batch)
        .send()
        .await
}

/// Ticket ids in the full change feed, read straight from the server.
async fn server_ticket_ids(http: &reqwest::Client, base: &str, token: &str) -> Vec<String> {
    let r = http
        .get(format!("{base}/sync/v1/changes?cursor=0&limit=5000"))
        .bearer_auth(token)
        .send()
        .await
        .expect("pull");
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("pull body");
    v["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["entity"] == "ticket")
        .map(|c| c["data"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwards_unchanged_over_one_keepalive_connection() {
    let srv = Server::start().await;
    let proxy = FaultProxy::start_url(&srv.base).await;
    let http = client();
    let token = token(&http, &proxy.url()).await;

    for _ in 0..3 {
        let r = http
            .get(format!("{}/sync/v1/changes?cursor=0", proxy.url()))
            .bearer_auth(&token)
            .send()
            .await
            .expect("pull through proxy");
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.expect("json body");
        assert!(v["cursor"].is_string(), "{v}");
    }
    let r = http
        .get(format!("{}/sync/v1/changes?limit=0", proxy.url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("bad pull");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "invalid_input");

    let stats = proxy.stats();
    assert_eq!(proxy.requests("/auth/v1/login"), 1);
    assert_eq!(proxy.requests_to("GET", "/sync/v1/changes"), 4);
    assert_eq!(proxy.forwarded("/sync/v1/changes"), 4);
    assert_eq!(proxy.total_requests(), 5);
    assert!(stats.faults.is_empty(), "{stats:?}");
    // hyper may open a second connection when the next request races the previous
    // one's return to the pool (seen on a loaded machine); reuse must still happen.
    assert!(
        stats.connections < 5,
        "keep-alive: 5 requests must share connections, opened {}",
        stats.connections
    );
    assert_eq!(stats.log[1].query.as_deref(), Some("cursor=0"));
    drop(proxy);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_response_commits_but_the_client_gets_no_answer() {
    let srv = Server::start().await;
    let proxy = FaultProxy::start_url(&srv.base).await;
    let http = client();

    // A login whose response is lost: the session exists, the client got an error.
    proxy.fault_next("POST", "/auth/v1/login", crate::faults::Fault::DropResponse);
    let err = login(&http, &proxy.url())
        .await
        .expect_err("response dropped");
    assert!(!err.is_status(), "{err:?}");
    assert_eq!(proxy.faults(FaultKind::DropResponse), 1);
    assert_eq!(proxy.forwarded("/auth/v1/login"), 1);

    // A push whose response is lost: the ticket is created anyway; the retry of the
    // same seq gets the stored result.
    let token = token(&http, &proxy.url()).await;
    let client_id = uuid::Uuid::now_v7().to_string();
    let ticket_id = uuid::Uuid::now_v7().to_string();
    let batch = create_batch(&client_id, 1, &ticket_id);
    proxy.set_plan(FaultPlan::on(
        "POST",
        "/sync/v1/mutations",
        [crate::faults::Fault::DropResponse],
    ));
    let err = push(&http, &proxy.url(), &token, &batch)
        .await
        .expect_err("response dropped");
    assert!(!err.is_status(), "{err:?}");
    assert!(
        server_ticket_ids(&http, &srv.base, &token)
            .await
            .contains(&ticket_id),
        "the server committed the mutation"
    );
    let r = push(&http, &proxy.url(), &token, &batch)
        .await
        .expect("retry");
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["results"][0]["status"], "applied", "{v}");
    assert_eq!(v["results"][0]["ticket_id"], ticket_id.as_str());
    assert_eq!(proxy.requests("/sync/v1/mutations"), 2);
    assert_eq!(proxy.faults(FaultKind::DropResponse), 2);
    drop(proxy);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_mid_body_fails_the_body_read() {
    let srv = Server::start().await;
    let proxy = FaultProxy::start_url(&srv.base).await;
    let http = client();
    let token = token(&http, &proxy.url()).await;

    proxy.fault_next(
        "GET",
        "/sync/v1/changes",
        crate::faults::Fault::ResetMidBody,
    );
    let r = http
        .get(format!("{}/sync/v1/changes?cursor=0", proxy.url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the head arrives");
    assert_eq!(r.status(), StatusCode::OK);
    let err = r.bytes().await.expect_err("the body is cut");
    assert!(err.is_body() || err.is_decode(), "{err:?}");
    assert_eq!(proxy.faults(FaultKind::ResetMidBody), 1);

    // The next request works again (on a new connection).
    let r = http
        .get(format!("{}/sync/v1/changes?cursor=0", proxy.url()))
        .bearer_auth(&token)
        .send()
        .await
        .expect("pull");
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.expect("whole body");
    drop(proxy);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_answers_503_without_reaching_the_server() {
    let srv = Server::start().await;
    let proxy = FaultProxy::start_url(&srv.base).await;
    let http = client();
    let token = token(&http, &proxy.url()).await;

    let client_id = uuid::Uuid::now_v7().to_string();
    let ticket_id = uuid::Uuid::now_v7().to_string();
    proxy.set_plan(FaultPlan::always(crate::faults::Fault::ServerError));
    let r = push(
        &http,
        &proxy.url(),
        &token,
        &create_batch(&client_id, 1, &ticket_id),
    )
    .await
    .expect("a response");
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v, json!({"code": "internal", "message": "injected"}));
    assert_eq!(proxy.requests("/sync/v1/mutations"), 1);
    assert_eq!(proxy.forwarded("/sync/v1/mutations"), 0);
    assert_eq!(proxy.faults(FaultKind::ServerError), 1);
    assert!(
        !server_ticket_ids(&http, &srv.base, &token)
            .await
            .contains(&ticket_id)
    );

    // Back to normal once the fault is cleared (the client may or may not reuse the
    // connection; keep-alive is pinned by the forwarding test).
    proxy.clear_faults();
    let r = push(
        &http,
        &proxy.url(),
        &token,
        &create_batch(&client_id, 1, &ticket_id),
    )
    .await
    .expect("push");
    assert_eq!(r.status(), StatusCode::OK);
    drop(proxy);
    srv.stop().await;
}

/// Reads SSE bytes until `needle` has appeared `count` times in total.
async fn read_until<S>(stream: &mut S, seen: &mut String, needle: &str, count: usize)
where
    S: futures::Stream<Item = reqwest::Result<Vec<u8>>> + Unpin,
{
    tokio::time::timeout(Duration::from_secs(10), async {
        while seen.matches(needle).count() < count {
            let chunk = stream.next().await.expect("stream open").expect("chunk");
            seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {needle:?} #{count} in {seen:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_streams_through_and_offline_cuts_it() {
    let srv = Server::start().await;
    let proxy = FaultProxy::start_url(&srv.base).await;
    let http = client();
    let token = token(&http, &proxy.url()).await;

    let r = http
        .get(format!("{}/sync/v1/events", proxy.url()))
        .bearer_auth(&token)
        .header("accept", "text/event-stream")
        .send()
        .await
        .expect("events");
    assert_eq!(r.status(), StatusCode::OK);
    let mut stream = r.bytes_stream().map(|c| c.map(|b| b.to_vec()));
    let mut seen = String::new();
    read_until(&mut stream, &mut seen, "event: changes", 1).await;

    // A commit made directly at the server arrives through the open stream: the proxy
    // relays it incrementally.
    let r = push(
        &http,
        &srv.base,
        &token,
        &create_batch(
            &uuid::Uuid::now_v7().to_string(),
            1,
            &uuid::Uuid::now_v7().to_string(),
        ),
    )
    .await
    .expect("push");
    assert_eq!(r.status(), StatusCode::OK);
    read_until(&mut stream, &mut seen, "event: changes", 2).await;

    // Offline: the open stream is cut, new requests fail.
    proxy.set_offline(true);
    assert!(proxy.is_offline());
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match stream.next().await {
                None => return "end",
                Some(Err(_)) => return "error",
                Some(Ok(_)) => continue,
            }
        }
    })
    .await
    .expect("the stream is cut promptly");
    assert!(end == "end" || end == "error");
    assert!(proxy.stats().cut_connections >= 1);

    let err = login(&http, &proxy.url())
        .await
        .expect_err("offline refuses");
    assert!(!err.is_status(), "{err:?}");
    assert!(proxy.stats().refused_connections >= 1);
    assert!(proxy.faults(FaultKind::Refuse) >= 1);

    proxy.set_offline(false);
    token_ok(&http, &proxy.url()).await;
    drop(proxy);
    srv.stop().await;
}

async fn token_ok(http: &reqwest::Client, base: &str) {
    let r = login(http, base).await.expect("online again");
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delay_delays_and_refuse_closes() {
    let srv = Server::start().await;
    let proxy = FaultProxy::start_url(&srv.base).await;
    let http = client();

    proxy.fault_next(
        "*",
        "/auth/v1/login",
        crate::faults::Fault::Delay(Duration::from_millis(400)),
    );
    let t0 = Instant::now();
    token_ok(&http, &proxy.url()).await;
    assert!(
        t0.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(proxy.faults(FaultKind::Delay), 1);

    let t0 = Instant::now();
    token_ok(&http, &proxy.url()).await;
    assert!(t0.elapsed() < Duration::from_millis(400));

    proxy.fault_next("POST", "/auth/v1/login", crate::faults::Fault::Refuse);
    login(&http, &proxy.url())
        .await
        .expect_err("refused request");
    assert_eq!(proxy.forwarded("/auth/v1/login"), 2);
    assert_eq!(proxy.requests("/auth/v1/login"), 3);
    drop(proxy);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_random_plan_is_reproducible() {
    let srv = Server::start().await;
    let http = client();
    let mut runs = Vec::new();
    for _ in 0..2 {
        let proxy = FaultProxy::start_url(&srv.base).await;
        proxy.set_plan(FaultPlan::random(RandomFaults {
            seed: 42,
            drop_response: 0.2,
            reset_mid_body: 0.2,
            server_error: 0.2,
            delay: 0.2,
            max_delay: Duration::from_millis(20),
            paths: vec!["/healthz".into()],
            ..RandomFaults::default()
        }));
        for _ in 0..20 {
            let _ = match http.get(format!("{}/healthz", proxy.url())).send().await {
                Ok(r) => r.bytes().await.map(|_| ()),
                Err(e) => Err(e),
            };
        }
        let faults: Vec<_> = proxy.log().into_iter().map(|r| r.fault).collect();
        assert_eq!(faults.len(), 20);
        assert!(faults.iter().any(|f| *f != crate::faults::Fault::None));
        runs.push(faults);
    }
    assert_eq!(runs[0], runs[1]);
    srv.stop().await;
}
