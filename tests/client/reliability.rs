//! Network faults between client and server: a response lost after the server
//! committed, a reset in the middle of a body, 5xx answers, delays, the network going
//! down. Nothing is lost and nothing is applied twice.

use crate::faults::{Fault, FaultPlan, FaultProxy, RandomFaults};
use crate::support::*;
use std::time::Duration;

async fn setup(tickets: usize) -> (TestServer, FaultProxy, outpost_core::Desk) {
    let srv = TestServer::start(tickets, 1).await;
    let proxy = FaultProxy::start(srv.addr).await;
    let desk = srv.desk_at(&proxy.url(), "agent1@demo.test").await;
    (srv, proxy, desk)
}

async fn one_fault_on_push(fault: Fault) {
    let (srv, proxy, desk) = setup(1).await;
    let key = srv.world.tickets[0].id.to_string();
    let text = format!("reply under {fault:?}");
    desk.set_offline(true);
    desk.send(&key, &text, false).await.unwrap();
    desk.claim(&key).await.unwrap();
    desk.set_offline(false);
    proxy.fault_next("POST", "/sync/v1/mutations", fault);
    let first = desk.sync().await;
    if !matches!(fault, Fault::Delay(_)) {
        assert!(first.is_err(), "{fault:?} must fail the first pass");
        assert!(
            first.as_ref().unwrap_err().is_transient(),
            "{fault:?} is a transient failure: {first:?}"
        );
        assert_eq!(
            desk.status().await.unwrap().pending,
            2,
            "nothing is dropped from the outbox"
        );
    }
    sync_until_clean(&desk).await;
    assert_eq!(
        copies(&srv, &text).await,
        1,
        "{fault:?}: delivered exactly once"
    );
    let server = srv.ticket(srv.world.tickets[0].id).await;
    assert_eq!(server.assignee_id, Some(desk.me()));
    assert!(
        desk.conflicts(false).await.unwrap().is_empty(),
        "a retried claim of our own is not a conflict"
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn response_lost_after_commit_is_not_applied_twice() {
    one_fault_on_push(Fault::DropResponse).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_mid_body_is_not_applied_twice() {
    one_fault_on_push(Fault::ResetMidBody).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_keeps_the_outbox() {
    one_fault_on_push(Fault::ServerError).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delayed_push_is_delivered_once() {
    one_fault_on_push(Fault::Delay(Duration::from_millis(300))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_faults_never_skip_or_duplicate() {
    let (srv, proxy, desk) = setup(3).await;
    // Another agent works while our pulls keep failing in different ways.
    for (i, fault) in [Fault::DropResponse, Fault::ResetMidBody, Fault::ServerError]
        .into_iter()
        .enumerate()
    {
        srv.push_as(
            &srv.world.agent2,
            vec![outpost_domain::sync::MutationOp::TicketTagAdd(
                outpost_domain::sync::TicketTagArgs {
                    ticket_id: srv.world.tickets[i].id,
                    tag: format!("wave{i}"),
                },
            )],
        )
        .await;
        proxy.fault_next("GET", "/sync/v1/changes", fault);
        assert!(desk.sync().await.is_err(), "{fault:?} fails the pull");
        desk.sync().await.unwrap();
        let t = desk
            .ticket(&srv.world.tickets[i].id.to_string())
            .await
            .unwrap();
        assert_eq!(
            t.tags,
            vec![format!("wave{i}")],
            "the change arrived after {fault:?}"
        );
    }
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_engine_retries_a_failed_push_without_a_new_change() {
    let (srv, proxy, desk) = setup(1).await;
    let key = srv.world.tickets[0].id.to_string();
    desk.start();
    proxy.set_offline(true);
    desk.send(&key, "sent while the network was down", false)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        desk.status().await.unwrap().pending,
        1,
        "kept while offline"
    );
    // The network returns; nothing new is done locally, the engine delivers anyway.
    proxy.set_offline(false);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while desk.status().await.unwrap().pending > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the engine must retry on its own (backoff) once the network is back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    desk.stop().await;
    assert_eq!(copies(&srv, "sent while the network was down").await, 1);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_faults_on_every_route_lose_and_double_nothing() {
    let (srv, proxy, desk) = setup(4).await;
    proxy.set_plan(FaultPlan::random(RandomFaults {
        seed: 7,
        drop_response: 0.15,
        reset_mid_body: 0.15,
        server_error: 0.15,
        delay: 0.15,
        max_delay: Duration::from_millis(50),
        ..Default::default()
    }));
    let mut texts = Vec::new();
    for round in 0..12 {
        let t = &srv.world.tickets[round % 4];
        let text = format!("round {round} reply");
        desk.send(&t.id.to_string(), &text, false).await.unwrap();
        desk.tag(&t.id.to_string(), &format!("r{round}"), true)
            .await
            .unwrap();
        texts.push(text);
        let _ = desk.sync().await;
    }
    proxy.clear_faults();
    sync_until_clean(&desk).await;
    for text in &texts {
        assert_eq!(copies(&srv, text).await, 1, "{text:?} exactly once");
    }
    for (i, t) in srv.world.tickets.iter().enumerate() {
        let server = srv.ticket(t.id).await;
        let local = desk.ticket(&t.id.to_string()).await.unwrap();
        assert_eq!(
            local.tags.len(),
            server.tag_ids.len(),
            "ticket {i}: cache and server agree on tags"
        );
    }
    srv.stop().await;
}
