//! Two server processes on one PostgreSQL database, as behind a load balancer: a token
//! revoked through one is refused by the other at once, not when the other's token
//! cache (5 s) expires.

use crate::support::*;
use outpost_server::service::admin;
use reqwest::StatusCode;
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

    b.stop().await;
    a.stop().await;
}
