//! Connectors against a real `outpost-server` that offers only one seed API: sign in
//! with an API token, the first reconcile, changes made through the API found by a
//! poll, offline work delivered exactly once (also when an answer is lost after the
//! server committed), conflicts the API reveals, and actions it lacks refused up front.

use crate::faults::{Fault, FaultKind, FaultProxy};
use crate::support::*;
use outpost_core::{Api, ConflictKind, Desk};
use outpost_domain::sync::Change;
use outpost_domain::{Status, Ticket, User};
use std::time::Duration;

/// An OnDi-only server (seeds 000 and 003), and `agent1` signed in through the
/// connector at `base` (the server, or a proxy in front of it) after the first sync.
async fn ondi(tickets: usize, messages: usize) -> TestServer {
    TestServer::start_apis(tickets, messages, Apis::only([Api::Ondi])).await
}

async fn agent1_at(srv: &TestServer, base: &str) -> Desk {
    let token = srv.api_key(&srv.world.agent1).await;
    let desk = login_api(base, Api::Ondi, "agent1@demo.test", &token)
        .await
        .expect("sign in with an API token");
    desk.sync().await.expect("first reconcile");
    desk
}

/// Another agent working through the same API meanwhile.
struct Integrator {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Integrator {
    async fn new(srv: &TestServer, user: &User) -> Integrator {
        Integrator {
            http: reqwest::Client::new(),
            base: srv.base.clone(),
            token: srv.api_key(user).await,
        }
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("the server answers");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or_default())
    }

    /// One call to the workspace API (seed 002: the key alone in `authorization`); its
    /// status.
    async fn workspace(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> u16 {
        let mut rb = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("authorization", &self.token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        rb.send()
            .await
            .expect("the server answers")
            .status()
            .as_u16()
    }

    async fn reply(&self, t: &Ticket, text: &str) {
        let (status, body) = self
            .post(
                &format!("/messaging/conversations/{}/messages", t.conversation_id),
                serde_json::json!({"message_type": "text", "content": text}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }

    async fn claim(&self, t: &Ticket) {
        let (status, body) = self
            .post(
                &format!("/messaging/support/tickets/{}/assign-to-me", t.id),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    async fn close(&self, t: &Ticket) {
        let (status, body) = self
            .post(
                &format!("/messaging/support/tickets/{}/close", t.id),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
}

/// Messages in the desk's copy of `t` with this content.
async fn local_copies(desk: &Desk, t: &Ticket, content: &str) -> usize {
    desk.ticket(&t.id.to_string())
        .await
        .expect("cached ticket")
        .conversation
        .iter()
        .filter(|m| m.content == content)
        .count()
}

/// The live loop polls a connector on its own, a poll interval after each pass ends: a
/// reply made through the API reaches the running desk without a sync call. The
/// interval comes from the environment when the connector is built, so the test runs
/// in a child process of this test binary with `OUTPOST_POLL_SECONDS=1`.
#[test]
fn the_live_loop_polls_a_connector_on_its_own() {
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "connectors::live_loop_at_a_one_second_poll",
            "--ignored",
            "--test-threads=1",
        ])
        .env("OUTPOST_POLL_SECONDS", "1")
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by the_live_loop_polls_a_connector_on_its_own, with OUTPOST_POLL_SECONDS=1"]
async fn live_loop_at_a_one_second_poll() {
    assert_eq!(std::env::var("OUTPOST_POLL_SECONDS").as_deref(), Ok("1"));
    let srv = ondi(6, 1).await;
    let desk = agent1_at(&srv, &srv.base).await;
    desk.start();
    let t = &srv.world.tickets[2];
    let agent2 = Integrator::new(&srv, &srv.world.agent2).await;
    agent2.reply(t, "Found it under the desk").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while local_copies(&desk, t, "Found it under the desk").await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no poll brought the reply within 20 s at a 1 s interval"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    desk.stop().await;
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ondi_signs_in_with_a_token_reconciles_everything_and_polls_changes() {
    let srv = ondi(12, 3).await;
    let desk = agent1_at(&srv, &srv.base).await;
    let status = desk.status().await.unwrap();
    assert_eq!(status.api, "ondi");
    assert!(status.api_title.contains("OnDi"), "{}", status.api_title);
    assert_eq!(
        status.tickets, 12,
        "the first reconcile carries every ticket"
    );
    let on_server = all_changes(&srv, &srv.world.agent1)
        .await
        .iter()
        .filter(|c| matches!(c, Change::Message(_)))
        .count() as i64;
    assert_eq!(status.messages, on_server, "and every message");
    assert_eq!(desk.me(), desk.status().await.unwrap().user_id);

    // Another agent replies and claims through the API; the next poll shows both.
    let agent2 = Integrator::new(&srv, &srv.world.agent2).await;
    let t = &srv.world.tickets[4];
    agent2.reply(t, "Replacement shipped today").await;
    agent2.claim(t).await;
    desk.sync().await.expect("poll");
    assert_eq!(local_copies(&desk, t, "Replacement shipped today").await, 1);
    let detail = desk.ticket(&t.id.to_string()).await.unwrap();
    assert_eq!(
        detail.assignee.map(|a| a.email),
        Some("agent2@demo.test".to_owned()),
        "the claim is known by the holder's email"
    );

    // At rest a poll finds nothing new.
    let report = desk.sync().await.expect("poll at rest");
    assert_eq!(report.tickets, 0, "{report:?}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ondi_refuses_a_bad_token_and_a_password_sign_in_clearly() {
    let srv = ondi(1, 0).await;
    let err = login_api(&srv.base, Api::Ondi, "agent1@demo.test", "not-a-token")
        .await
        .err()
        .expect("a wrong token is refused");
    assert!(err.to_string().contains("refused this token"), "{err}");
    // Sessions are served to every family, the sync protocol is not: the first sync
    // says what to do instead.
    let desk = login(&srv.base, "agent1@demo.test")
        .await
        .expect("a password sign-in works on any family");
    let err = desk.sync().await.expect_err("no sync API on this server");
    assert!(err.to_string().contains("--api"), "{err}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ondi_delivers_offline_work_once_even_when_an_answer_is_lost() {
    let srv = ondi(2, 1).await;
    let proxy = FaultProxy::start(srv.addr).await;
    let desk = agent1_at(&srv, &proxy.url()).await;
    let t = srv.world.tickets[0].clone();
    let key = t.id.to_string();

    desk.set_offline(true);
    desk.claim(&key).await.unwrap();
    desk.send(&key, "We are on it", false).await.unwrap();
    desk.send(&key, "Customer is a VIP", true).await.unwrap();
    desk.send(&key, "We are on it", false).await.unwrap();
    assert_eq!(desk.status().await.unwrap().pending, 4);
    desk.set_offline(false);

    // The server commits the first reply, and its answer never arrives.
    let path = format!("/messaging/conversations/{}/messages", t.conversation_id);
    proxy.fault_next("POST", &path, Fault::DropResponse);
    let _ = desk.sync().await;
    assert_eq!(
        proxy.faults(FaultKind::DropResponse),
        1,
        "the answer was lost"
    );
    sync_until_clean(&desk).await;

    assert_eq!(
        copies(&srv, "We are on it").await,
        2,
        "two replies with the same text were sent: each once"
    );
    assert_eq!(copies(&srv, "Customer is a VIP").await, 1);
    assert_eq!(
        srv.ticket(t.id).await.assignee_id,
        Some(srv.world.agent1.id)
    );
    desk.sync().await.unwrap();
    assert_eq!(
        local_copies(&desk, &t, "We are on it").await,
        2,
        "the server's copies replace the local ones, none doubled"
    );
    assert!(desk.conflicts(false).await.unwrap().is_empty());
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ondi_shows_what_the_api_reveals_as_conflicts() {
    let srv = ondi(3, 1).await;
    let desk = agent1_at(&srv, &srv.base).await;
    let agent2 = Integrator::new(&srv, &srv.world.agent2).await;
    let [raced, closed, replied] = [0, 1, 2].map(|i| srv.world.tickets[i].clone());

    desk.set_offline(true);
    desk.claim(&raced.id.to_string()).await.unwrap();
    desk.close(&closed.id.to_string(), None).await.unwrap();
    desk.send(&replied.id.to_string(), "Any news?", false)
        .await
        .unwrap();
    // Meanwhile, through the API: agent2 claims one, closes the other two.
    agent2.claim(&raced).await;
    agent2.close(&closed).await;
    agent2.close(&replied).await;
    desk.set_offline(false);
    sync_until_clean(&desk).await;

    let conflicts = desk.conflicts(false).await.unwrap();
    let kind_of = |t: &Ticket| {
        conflicts
            .iter()
            .find(|c| c.ticket_id == Some(t.id))
            .map(|c| c.kind)
    };
    assert_eq!(kind_of(&raced), Some(ConflictKind::Claim), "{conflicts:?}");
    let holder = conflicts
        .iter()
        .find(|c| c.ticket_id == Some(raced.id))
        .and_then(|c| c.details.as_ref())
        .and_then(|d| d.holder.as_ref())
        .map(|h| h.email.to_string());
    assert_eq!(holder.as_deref(), Some("agent2@demo.test"));
    assert_eq!(kind_of(&closed), Some(ConflictKind::TicketClosed));
    assert_eq!(kind_of(&replied), Some(ConflictKind::ClosedReply));
    assert_eq!(copies(&srv, "Any news?").await, 0);
    assert_eq!(
        srv.ticket(raced.id).await.assignee_id,
        Some(srv.world.agent2.id)
    );
    assert_eq!(srv.ticket(closed.id).await.status, Status::Closed);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ondi_refuses_what_the_api_lacks_before_it_is_queued() {
    let srv = ondi(1, 0).await;
    let desk = agent1_at(&srv, &srv.base).await;
    let key = srv.world.tickets[0].id.to_string();
    let err = desk.tag(&key, "vip", true).await.unwrap_err();
    assert_eq!(err.code(), "not_supported");
    assert!(err.to_string().contains("OnDi"), "{err}");
    let err = desk.reopen(&key).await.unwrap_err();
    assert_eq!(err.code(), "not_supported");
    assert_eq!(desk.status().await.unwrap().pending, 0, "nothing queued");
    assert!(
        !desk
            .status()
            .await
            .unwrap()
            .actions
            .contains(&"ticket.tag".to_owned()),
        "the status lists what can be done"
    );
    srv.stop().await;
}

// Sonzai: seed 001 (tickets with comments, create, comment, close).

async fn sonzai(tickets: usize, messages: usize) -> TestServer {
    TestServer::start_apis(tickets, messages, Apis::only([Api::Sonzai])).await
}

async fn sonzai_agent1_at(srv: &TestServer, base: &str) -> Desk {
    let token = srv.api_key(&srv.world.agent1).await;
    let desk = login_api(base, Api::Sonzai, "agent1@demo.test", &token)
        .await
        .expect("sign in with an API token");
    desk.sync().await.expect("first reconcile");
    desk
}

/// Tickets on the server with this subject.
async fn tickets_titled(srv: &TestServer, subject: &str) -> Vec<Ticket> {
    all_changes(srv, &srv.world.agent1)
        .await
        .into_iter()
        .filter_map(|c| match c {
            Change::Ticket(t) if t.subject == subject => Some(*t),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sonzai_reconciles_numbers_and_comments_and_polls_changes() {
    let srv = sonzai(8, 2).await;
    let desk = sonzai_agent1_at(&srv, &srv.base).await;
    let status = desk.status().await.unwrap();
    assert_eq!(status.api, "sonzai");
    assert_eq!(status.tickets, 8);
    for t in &srv.world.tickets {
        let d = desk.ticket(&t.id.to_string()).await.unwrap();
        assert_eq!(
            d.number,
            Some(t.number.0),
            "numbered by its place in the list"
        );
        assert_eq!(d.ticket.subject, t.subject);
    }
    // A comment through the API shows after a poll.
    let agent2 = Integrator::new(&srv, &srv.world.agent2).await;
    let t = &srv.world.tickets[3];
    let (status, body) = agent2
        .post(
            &format!("/api/v1/support/tickets/{}/comments", t.id),
            serde_json::json!({"content": "Checking with the warehouse", "is_internal": true}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    desk.sync().await.expect("poll");
    assert_eq!(
        local_copies(&desk, t, "Checking with the warehouse").await,
        1
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sonzai_delivers_a_ticket_created_offline_and_its_comment_once() {
    let srv = sonzai(2, 1).await;
    let proxy = FaultProxy::start(srv.addr).await;
    let desk = sonzai_agent1_at(&srv, &proxy.url()).await;

    desk.set_offline(true);
    let created = desk
        .create(outpost_core::NewTicket {
            subject: "Printer on fire".into(),
            description: "Third floor".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let local = created.ticket_id.expect("a local ticket").to_string();
    desk.send(&local, "Extinguisher is on its way", false)
        .await
        .unwrap();
    desk.set_offline(false);

    // The answer to the creation is lost after the server committed.
    proxy.fault_next("POST", "/api/v1/support/tickets", Fault::DropResponse);
    let _ = desk.sync().await;
    assert_eq!(
        proxy.faults(FaultKind::DropResponse),
        1,
        "the answer was lost"
    );
    sync_until_clean(&desk).await;

    let made = tickets_titled(&srv, "Printer on fire").await;
    assert_eq!(made.len(), 1, "created once: {made:?}");
    assert_eq!(copies(&srv, "Extinguisher is on its way").await, 1);
    desk.sync().await.unwrap();
    let page = desk.search("Printer on fire", 10).await.unwrap();
    assert_eq!(
        page.len(),
        1,
        "one ticket in the desk, under the server's id: {page:?}"
    );
    assert_eq!(
        local_copies(&desk, &made[0], "Extinguisher is on its way").await,
        1
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sonzai_does_not_repeat_a_comment_whose_answer_was_lost() {
    let srv = sonzai(1, 1).await;
    let proxy = FaultProxy::start(srv.addr).await;
    let desk = sonzai_agent1_at(&srv, &proxy.url()).await;
    let t = srv.world.tickets[0].clone();
    desk.send(&t.id.to_string(), "Refund issued", false)
        .await
        .unwrap();
    proxy.fault_next(
        "POST",
        &format!("/api/v1/support/tickets/{}/comments", t.id),
        Fault::DropResponse,
    );
    let _ = desk.sync().await;
    assert_eq!(proxy.faults(FaultKind::DropResponse), 1);
    sync_until_clean(&desk).await;
    assert_eq!(copies(&srv, "Refund issued").await, 1);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sonzai_shows_a_reply_to_a_closed_ticket_as_a_conflict_and_refuses_a_claim() {
    let srv = sonzai(1, 1).await;
    let desk = sonzai_agent1_at(&srv, &srv.base).await;
    let t = srv.world.tickets[0].clone();
    let key = t.id.to_string();
    let err = desk.claim(&key).await.unwrap_err();
    assert_eq!(err.code(), "not_supported");
    assert!(err.to_string().contains("Sonzai"), "{err}");
    let err = desk.close(&key, Some("refunded")).await.unwrap_err();
    assert_eq!(err.code(), "not_supported", "the API's close takes no note");
    assert!(err.to_string().contains("close note"), "{err}");

    desk.set_offline(true);
    desk.send(&key, "Did that help?", false).await.unwrap();
    let agent2 = Integrator::new(&srv, &srv.world.agent2).await;
    let (status, body) = agent2
        .post(
            &format!("/api/v1/support/tickets/{}/close", t.id),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    desk.set_offline(false);
    sync_until_clean(&desk).await;
    let conflicts = desk.conflicts(false).await.unwrap();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].kind, ConflictKind::ClosedReply);
    assert_eq!(copies(&srv, "Did that help?").await, 0);
    srv.stop().await;
}

// 29next: seed 004 (read-only admin list with comments).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_nine_next_reads_everything_polls_changes_and_refuses_every_action() {
    let srv = TestServer::start_apis(60, 2, Apis::only([Api::TwentyNineNext])).await;
    let token = srv.api_key(&srv.world.agent1).await;
    let desk = login_api(&srv.base, Api::TwentyNineNext, "agent1@demo.test", &token)
        .await
        .expect("sign in with an API token");
    desk.sync().await.expect("first reconcile over two pages");
    let status = desk.status().await.unwrap();
    assert_eq!(status.api, "29next");
    assert_eq!(status.tickets, 60);
    assert!(status.actions.is_empty(), "read-only: {:?}", status.actions);
    let t = &srv.world.tickets[7];
    let d = desk.ticket(&t.number.0.to_string()).await.unwrap();
    assert_eq!(d.ticket.subject, t.subject, "known by the server's number");
    assert_eq!(
        d.requester.map(|r| r.email),
        Some("customer@demo.test".to_owned())
    );

    // Work done elsewhere (here: straight on the server) shows after a poll: a claim
    // and an internal note.
    let outcomes = srv
        .push_as(
            &srv.world.agent2,
            vec![
                outpost_domain::sync::MutationOp::TicketClaim(outpost_domain::sync::TicketRef {
                    ticket_id: t.id,
                }),
                outpost_domain::sync::MutationOp::MessageSend(
                    outpost_domain::sync::MessageSendArgs {
                        message_id: outpost_domain::MessageId::new(),
                        ticket_id: t.id,
                        message_type: outpost_domain::MessageType::Text,
                        content: "Carrier says Tuesday".into(),
                        content_url: None,
                        metadata: None,
                        parent_message_id: None,
                        internal: true,
                        attachments: vec![],
                    },
                ),
            ],
        )
        .await;
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, outpost_domain::sync::Outcome::Applied(_))),
        "{outcomes:?}"
    );
    desk.sync().await.expect("poll");
    let d = desk.ticket(&t.number.0.to_string()).await.unwrap();
    let note = d
        .conversation
        .iter()
        .find(|m| m.content == "Carrier says Tuesday")
        .expect("the note arrived");
    assert!(note.internal, "is_public false is an internal note");
    assert_eq!(
        d.assignee.map(|a| a.email),
        Some("agent2@demo.test".to_owned()),
        "the assignee is known by email from the note they wrote"
    );

    let key = t.number.0.to_string();
    for err in [
        desk.claim(&key).await.unwrap_err(),
        desk.send(&key, "hello", false).await.unwrap_err(),
        desk.close(&key, None).await.unwrap_err(),
    ] {
        assert_eq!(err.code(), "not_supported", "{err}");
        assert!(err.to_string().contains("29next"), "{err}");
    }
    assert_eq!(desk.status().await.unwrap().pending, 0);
    srv.stop().await;
}

// Workspace: seed 002 (ticket details; claim, assign, take over, complete).

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_reads_tickets_and_claims_completes_and_takes_over_once() {
    let srv = TestServer::start_apis(5, 0, Apis::only([Api::Workspace])).await;
    let [t0, t1, t2, t3] = [0, 1, 2, 3].map(|i| srv.world.tickets[i].clone());
    // The API knows people by its own ids: a ticket agent1 holds tells the connector
    // theirs.
    srv.push_as(
        &srv.world.agent1,
        vec![outpost_domain::sync::MutationOp::TicketClaim(
            outpost_domain::sync::TicketRef { ticket_id: t0.id },
        )],
    )
    .await;
    let token = srv.api_key(&srv.world.agent1).await;
    let proxy = FaultProxy::start(srv.addr).await;
    let desk = login_api(&proxy.url(), Api::Workspace, "agent1@demo.test", &token)
        .await
        .expect("sign in with an API key");
    desk.sync().await.expect("first reconcile");
    let status = desk.status().await.unwrap();
    assert_eq!(status.api, "workspace");
    assert_eq!(status.tickets, 5);
    let d = desk.ticket(&t0.id.to_string()).await.unwrap();
    assert_eq!(d.ticket.assignee_id, Some(desk.me()), "my ticket is mine");
    assert_eq!(d.ticket.subject, t0.subject);

    // Claim one and complete another; the completion's answer is lost once.
    desk.claim(&t1.id.to_string()).await.unwrap();
    desk.claim(&t2.id.to_string()).await.unwrap();
    let solved = outpost_core::TicketEdit {
        status: Some(Status::Solved),
        ..Default::default()
    };
    desk.update(&t2.id.to_string(), solved).await.unwrap();
    proxy.fault_next(
        "PATCH",
        &format!("/api/v1/tickets/{}/complete", t2.id),
        Fault::DropResponse,
    );
    let _ = desk.sync().await;
    assert_eq!(
        proxy.faults(FaultKind::DropResponse),
        1,
        "the answer was lost"
    );
    sync_until_clean(&desk).await;
    assert_eq!(
        srv.ticket(t1.id).await.assignee_id,
        Some(srv.world.agent1.id)
    );
    assert_eq!(srv.ticket(t2.id).await.status, Status::Solved);
    let d = desk.ticket(&t2.id.to_string()).await.unwrap();
    assert_eq!(
        d.ticket.status,
        Status::Solved,
        "the desk shows it completed"
    );

    // Someone takes a chat over through the API: the next poll shows it.
    let agent2 = Integrator::new(&srv, &srv.world.agent2).await;
    let taken = agent2
        .workspace(
            reqwest::Method::PATCH,
            &format!("/api/v1/tickets/{}/takeover", t3.id),
            Some(serde_json::json!({"assigneeId": srv.world.agent2.id})),
        )
        .await;
    assert_eq!(taken, 200);
    desk.sync().await.expect("poll");
    let d = desk.ticket(&t3.id.to_string()).await.unwrap();
    assert_eq!(
        d.assignee.map(|a| a.email),
        Some("agent2@demo.test".to_owned())
    );

    // What the API cannot do is refused before it is queued.
    let key = t1.id.to_string();
    let err = desk.send(&key, "hello", false).await.unwrap_err();
    assert_eq!(err.code(), "not_supported");
    let pending = outpost_core::TicketEdit {
        status: Some(Status::Pending),
        ..Default::default()
    };
    let err = desk.update(&key, pending).await.unwrap_err();
    assert_eq!(err.code(), "not_supported");
    assert!(err.to_string().contains("completing"), "{err}");
    assert_eq!(desk.status().await.unwrap().pending, 0);
    srv.stop().await;
}

/// Seed 002 names tags by id only and lists none: a tag by name is refused up front,
/// a tag by id is delivered, and each poll reads which tickets carry the tags used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_tags_by_id_and_polls_them() {
    let srv = TestServer::start_apis(4, 0, Apis::only([Api::Workspace])).await;
    let vip = outpost_server::service::admin::create_tag(&srv.db, srv.world.tenant.id, "vip")
        .await
        .unwrap();
    let vip_id = vip.id.to_string();
    let [t0, t1] = [0, 1].map(|i| srv.world.tickets[i].clone());
    let (k0, k1) = (t0.id.to_string(), t1.id.to_string());
    let token = srv.api_key(&srv.world.agent1).await;
    let desk = login_api(&srv.base, Api::Workspace, "agent1@demo.test", &token)
        .await
        .expect("sign in with an API key");
    desk.sync().await.expect("first reconcile");

    let err = desk.tag(&k0, "vip", true).await.unwrap_err();
    assert_eq!(err.code(), "not_supported");
    assert!(err.to_string().contains("by its id"), "{err}");
    assert_eq!(desk.status().await.unwrap().pending, 0, "nothing queued");

    // By id (as the workspace settings show it, in any case).
    desk.tag(&k0, &vip_id.to_uppercase(), true).await.unwrap();
    sync_until_clean(&desk).await;
    assert!(srv.ticket(t0.id).await.tag_ids.contains(&vip.id));
    desk.sync().await.expect("a poll");
    assert_eq!(desk.ticket(&k0).await.unwrap().tags, vec![vip_id.clone()]);

    // Another agent moves the tag from t0 to t1 through the API: the next poll shows it.
    let agent2 = Integrator::new(&srv, &srv.world.agent2).await;
    let add = agent2
        .workspace(
            reqwest::Method::POST,
            &format!("/api/v1/tickets/{}/tags", t1.id),
            Some(serde_json::json!({"tagId": vip.id})),
        )
        .await;
    assert_eq!(add, 200);
    let remove = agent2
        .workspace(
            reqwest::Method::DELETE,
            &format!("/api/v1/tickets/{}/tags/{}", t0.id, vip.id),
            None,
        )
        .await;
    assert_eq!(remove, 200);
    desk.sync().await.expect("a poll");
    assert!(desk.ticket(&k0).await.unwrap().tags.is_empty());
    assert_eq!(desk.ticket(&k1).await.unwrap().tags, vec![vip_id.clone()]);

    // Removed from the desk, by id.
    desk.tag(&k1, &vip_id, false).await.unwrap();
    sync_until_clean(&desk).await;
    assert!(srv.ticket(t1.id).await.tag_ids.is_empty());
    desk.sync().await.expect("a poll");
    assert!(desk.ticket(&k1).await.unwrap().tags.is_empty());
    let cursor = desk.status().await.unwrap().cursor.unwrap_or_default();
    assert!(cursor.contains(&vip_id), "the tag used is kept: {cursor}");

    // An id the server does not know is refused there (a visible conflict) and is not
    // read by the polls that follow.
    let stray = "01a24242-0000-7000-8000-000000000000";
    desk.tag(&k0, stray, true).await.unwrap();
    let _ = desk.sync().await;
    let status = desk.status().await.unwrap();
    assert_eq!((status.pending, status.conflicts), (0, 1));
    assert!(desk.ticket(&k0).await.unwrap().tags.is_empty());
    desk.sync().await.expect("a poll");
    let cursor = desk.status().await.unwrap().cursor.unwrap_or_default();
    assert!(!cursor.contains(stray), "{cursor}");
    srv.stop().await;
}

// The periodic full reconcile finds deletions.

/// Make the next sync a full reconcile, as if the last one were long ago (the
/// connector keeps when it last reconciled in its cursor).
async fn reconcile_next(desk: &Desk) {
    use sqlx::Connection;
    let path = outpost_core::bench_support::cache_path(desk);
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let changed = sqlx::query(
        "UPDATE sync_state SET value = json_set(value, '$.swept_at', '2000-01-01T00:00:00Z') \
         WHERE key = 'cursor'",
    )
    .execute(&mut conn)
    .await
    .unwrap()
    .rows_affected();
    assert_eq!(changed, 1, "the connector's cursor is kept");
    conn.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ondi_reconcile_removes_what_the_server_no_longer_lists() {
    let srv = ondi(6, 1).await;
    let desk = agent1_at(&srv, &srv.base).await;
    assert_eq!(desk.status().await.unwrap().tickets, 6);
    let gone = srv.world.tickets[2].clone();
    outpost_server::service::admin::set_ticket_removed(
        &srv.db,
        srv.world.tenant.id,
        gone.number,
        true,
    )
    .await
    .unwrap();
    desk.sync().await.expect("a poll");
    reconcile_next(&desk).await;
    desk.sync().await.expect("a full reconcile");
    assert_eq!(desk.status().await.unwrap().tickets, 5);
    assert!(
        desk.ticket(&gone.id.to_string()).await.is_err(),
        "the removed ticket left the desk"
    );
    // The others stay, and the next polls go on from the reconcile's mark.
    let agent2 = Integrator::new(&srv, &srv.world.agent2).await;
    agent2.reply(&srv.world.tickets[0], "Still here").await;
    desk.sync().await.expect("a poll");
    assert_eq!(
        local_copies(&desk, &srv.world.tickets[0], "Still here").await,
        1
    );
    srv.stop().await;
}
