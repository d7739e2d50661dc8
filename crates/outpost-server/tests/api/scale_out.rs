//! Two server processes on one PostgreSQL database, as behind a load balancer: a token
//! revoked through one is refused by the other at once, not when the other's token
//! cache (5 s) expires.

use crate::support::*;
use outpost_server::db::{Db, Feed, Revoked};
use outpost_server::events::start_pg_listener;
use outpost_server::service::admin;
use reqwest::StatusCode;
use sqlx::Connection;
use std::time::{Duration, Instant};

/// How long process B answers 200 to `token` after the revocation, polling every 20 ms
/// for up to 3 s (the token cache alone would keep it for 5 s).
async fn refused_within(http: &reqwest::Client, base: &str, token: &str) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(3) {
        let r = http
            .get(format!("{base}/auth/v1/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::UNAUTHORIZED {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

async fn me_status(http: &reqwest::Client, base: &str, token: &str) -> StatusCode {
    http.get(format!("{base}/auth/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_through_one_process_is_refused_by_the_other_at_once() {
    let a = TestServer::start(Engine::Postgres).await;
    let b = a.second_process().await;
    let srv = a.clone_handle();

    // Logout through A.
    let token = srv.login("agent1@demo.test").await;
    assert_eq!(
        me_status(&srv.http, &b.base, &token).await,
        StatusCode::OK,
        "B caches the token"
    );
    let r = srv
        .call(reqwest::Method::POST, "/auth/v1/logout", Some(&token), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{:?}", r.body);
    let took = refused_within(&srv.http, &b.base, &token)
        .await
        .expect("B refuses the logged-out token");
    assert!(took < Duration::from_secs(1), "B refused it after {took:?}");

    // A password change (every session of the user) through A's database handle.
    let token = srv.login("agent2@demo.test").await;
    assert_eq!(me_status(&srv.http, &b.base, &token).await, StatusCode::OK);
    admin::set_password(
        &srv.db,
        srv.world.tenant.id,
        srv.world.agent2.id,
        "a new password!",
    )
    .await
    .unwrap();
    let took = refused_within(&srv.http, &b.base, &token)
        .await
        .expect("B refuses the sessions of a user whose password changed");
    assert!(took < Duration::from_secs(1), "B refused it after {took:?}");

    // An API key revoked (as `outpost-server admin api-key revoke` does).
    let key = outpost_server::service::auth::create_api_key(
        &srv.db,
        srv.world.tenant.id,
        srv.world.admin.id,
        "store tool",
        &outpost_server::auth::Scope::ALL,
    )
    .await
    .unwrap();
    assert_eq!(me_status(&srv.http, &b.base, &key).await, StatusCode::OK);
    let n = outpost_server::service::auth::revoke_api_keys(
        &srv.db,
        srv.world.tenant.id,
        srv.world.admin.id,
        "store tool",
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    let took = refused_within(&srv.http, &b.base, &key)
        .await
        .expect("B refuses the revoked key");
    assert!(took < Duration::from_secs(1), "B refused it after {took:?}");
    assert_eq!(
        me_status(&srv.http, &srv.base, &key).await,
        StatusCode::UNAUTHORIZED
    );

    b.stop().await;
    a.stop().await;
}

/// Counts `event: changes` blocks in a server-sent event stream.
async fn next_changes_event(
    stream: &mut futures::stream::BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    buf: &mut String,
) {
    use futures::StreamExt;
    loop {
        if let Some(at) = buf.find("event: changes") {
            buf.drain(..at + "event: changes".len());
            return;
        }
        let chunk = stream.next().await.expect("the stream stays open").unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_process_reaches_a_live_client_of_the_other() {
    use futures::StreamExt;
    let a = TestServer::start(Engine::Postgres).await;
    let b = a.second_process().await;
    let srv = a.clone_handle();
    let token = srv.login("agent1@demo.test").await;
    let resp = srv
        .http
        .get(format!("{}/sync/v1/events", b.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let mut stream = resp.bytes_stream().boxed();
    let mut buf = String::new();
    next_changes_event(&mut stream, &mut buf).await; // the head at connect
    let conv = srv.world.ticket.conversation_id;
    let started = Instant::now();
    let r = srv
        .post(
            &format!("/messaging/conversations/{conv}/messages"),
            &token,
            serde_json::json!({"content": "through process A"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    tokio::time::timeout(
        Duration::from_secs(1),
        next_changes_event(&mut stream, &mut buf),
    )
    .await
    .expect("B's live client hears of A's commit within a second");
    assert!(started.elapsed() < Duration::from_secs(1));
    drop(stream);
    b.stop().await;
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_raced_through_both_processes_is_granted_once() {
    let a = TestServer::start(Engine::Postgres).await;
    let b = a.second_process().await;
    let srv = a.clone_handle();
    for round in 0..5 {
        let ticket = create_ticket(
            &srv.db,
            srv.world.tenant.id,
            &srv.world.customer,
            &format!("race {round}"),
            None,
        )
        .await;
        let (t1, t2) = (
            srv.login("agent1@demo.test").await,
            srv.login("agent2@demo.test").await,
        );
        let claim = |base: String, token: String| {
            let http = srv.http.clone();
            let id = ticket.id;
            async move {
                http.post(format!(
                    "{base}/messaging/support/tickets/{id}/assign-to-me"
                ))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
            }
        };
        let (x, y) = tokio::join!(claim(srv.base.clone(), t1), claim(b.base.clone(), t2));
        let mut got = [x.as_u16(), y.as_u16()];
        got.sort();
        assert_eq!(got, [200, 409], "round {round}: exactly one claim wins");
    }
    b.stop().await;
    a.stop().await;
}

/// The first item `rx` hears within 10 s that `wanted` keeps.
async fn first_heard<T: Clone, U>(
    rx: &mut tokio::sync::broadcast::Receiver<T>,
    wanted: impl Fn(T) -> Option<U>,
) -> U {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Some(u) = wanted(rx.recv().await.expect("the channel is open")) {
                return u;
            }
        }
    })
    .await
    .expect("heard within 10 s")
}

/// The next revocation `rx` hears of, within 10 s.
async fn next_revoked(rx: &mut tokio::sync::broadcast::Receiver<Revoked>) -> Revoked {
    first_heard(rx, Some).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_listens_before_it_serves_and_starts_afresh_after_a_lost_connection() {
    let a = TestServer::start(Engine::Postgres).await;
    let b = Db::connect(&a.url).await.expect("connect process B");
    let mut heard = b.subscribe_revoked();
    let mut feed = b.subscribe();
    start_pg_listener(b.clone(), &a.url)
        .await
        .expect("B listens");
    // The moment it has started, B hears what A revokes: there is no gap in which B
    // could serve (and cache) a token whose revocation it then misses.
    a.db.revoked(Revoked::Token("first".into())).await.unwrap();
    assert_eq!(
        next_revoked(&mut heard).await,
        Revoked::Token("first".into())
    );

    // B's listening connection dies (a restart of PostgreSQL, a proxy's idle timeout):
    // once listening again, B forgets every cached token, since a revocation may have
    // come meanwhile.
    let mut conn = sqlx::postgres::PgConnection::connect(&a.url).await.unwrap();
    let killed: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(!killed.is_empty(), "the listeners' connections are found");
    assert_eq!(next_revoked(&mut heard).await, Revoked::All);
    // And its live clients are told to pull: a commit may have been missed too.
    first_heard(&mut feed, |f| matches!(f, Feed::Missed).then_some(())).await;
    a.db.revoked(Revoked::Token("after".into())).await.unwrap();
    assert_eq!(
        next_revoked(&mut heard).await,
        Revoked::Token("after".into())
    );
}
