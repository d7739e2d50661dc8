//! Offline triage scenarios against a real server: what the agent did offline arrives
//! exactly once, and every conflict is shown with its choices.

use crate::support::*;
use outpost_core::ConflictKind;
use outpost_core::TicketEdit;
use outpost_core::{ListQuery, View};
use outpost_domain::sync::{MutationOp, Outcome, TicketCloseArgs, TicketRef, TicketUpdateArgs};
use outpost_domain::values::{Priority, Status};

fn num(t: &outpost_domain::Ticket) -> String {
    t.number.0.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sync_fills_the_cache_and_reads_work_offline() {
    let srv = TestServer::start(5, 3).await;
    let desk = srv.desk("agent1@demo.test").await;
    let status = desk.status().await.unwrap();
    assert!(status.bootstrapped, "first sync must reach the head");
    assert_eq!(status.tickets, 5, "every ticket of the tenant is cached");
    desk.set_offline(true);
    let page = desk
        .tickets(&ListQuery {
            view: Some(View::AllOpen),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, 5, "all open tickets listed offline");
    let detail = desk.ticket(&num(&srv.world.tickets[0])).await.unwrap();
    assert_eq!(detail.conversation.len(), 3, "all messages cached");
    let hits = desk.search("refund", 10).await.unwrap();
    assert!(!hits.is_empty(), "full-text search works offline");
    assert!(
        matches!(desk.sync().await, Err(outpost_core::CoreError::Offline)),
        "offline desks never touch the network"
    );
    srv.stop().await;
}

async fn claim_race(first: usize, second: usize) {
    let srv = TestServer::start(1, 0).await;
    let desks = [
        srv.desk("agent1@demo.test").await,
        srv.desk("agent2@demo.test").await,
    ];
    let agents = [&srv.world.agent1, &srv.world.agent2];
    let ticket = srv.world.tickets[0].id;
    for d in &desks {
        d.set_offline(true);
        d.claim(&ticket.to_string()).await.unwrap();
        let t = d.ticket(&ticket.to_string()).await.unwrap();
        assert_eq!(
            t.assignee.as_ref().map(|a| a.id),
            Some(d.me()),
            "an offline claim shows at once"
        );
    }
    for i in [first, second] {
        desks[i].set_offline(false);
        desks[i].sync().await.unwrap();
    }
    // The first to reach the server wins; the other sees who holds it.
    let server = srv.ticket(ticket).await;
    assert_eq!(
        server.assignee_id,
        Some(agents[first].id),
        "first claim wins"
    );
    let loser = &desks[second];
    let conflicts = loser.conflicts(true).await.unwrap();
    assert_eq!(conflicts.len(), 1, "the lost claim is a visible conflict");
    assert_eq!(conflicts[0].kind, ConflictKind::Claim);
    assert!(
        conflicts[0]
            .message
            .contains(&format!("was claimed by {}", agents[first].email)),
        "the conflict names the holder: {}",
        conflicts[0].message
    );
    let seen = loser.ticket(&ticket.to_string()).await.unwrap();
    assert_eq!(
        seen.assignee.map(|a| a.id),
        Some(agents[first].id),
        "the loser's optimistic claim is rolled back to the real holder"
    );
    assert!(desks[first].conflicts(true).await.unwrap().is_empty());
    loser
        .resolve_conflict(&conflicts[0].id, "dismiss")
        .await
        .unwrap();
    assert!(loser.conflicts(true).await.unwrap().is_empty());
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_offline_claims_agent1_first_one_holder() {
    claim_race(0, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_offline_claims_agent2_first_one_holder() {
    claim_race(1, 0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_reply_status_and_tags_are_delivered_once() {
    let srv = TestServer::start(2, 1).await;
    let desk = srv.desk("agent1@demo.test").await;
    let ticket = srv.world.tickets[0].id;
    let key = ticket.to_string();
    desk.set_offline(true);
    desk.claim(&key).await.unwrap();
    let reply = desk
        .send(&key, "We are sending a replacement today.", false)
        .await
        .unwrap();
    desk.send(&key, "Customer is a VIP, be gentle", true)
        .await
        .unwrap();
    desk.update(
        &key,
        TicketEdit {
            status: Some(Status::Pending),
            priority: Some(Priority::High),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    desk.tag(&key, "billing", true).await.unwrap();
    desk.tag(&key, "vip", true).await.unwrap();
    desk.tag(&key, "vip", false).await.unwrap();
    let local = desk.ticket(&key).await.unwrap();
    assert_eq!(
        local.ticket.status,
        Status::Pending,
        "offline edits show at once"
    );
    assert_eq!(local.tags, vec!["billing".to_owned()]);
    assert_eq!(desk.status().await.unwrap().pending, 7);

    desk.set_offline(false);
    let report = desk.sync().await.unwrap();
    assert_eq!(report.rejected, 0, "nothing conflicts: {report:?}");
    desk.sync().await.unwrap();
    let server = srv.ticket(ticket).await;
    assert_eq!(server.status, Status::Pending);
    assert_eq!(server.priority, Priority::High);
    assert_eq!(server.assignee_id, Some(desk.me()));
    let msgs = srv.messages(ticket).await;
    let sent: Vec<_> = msgs
        .iter()
        .filter(|m| m.id == reply.message_id.unwrap())
        .collect();
    assert_eq!(sent.len(), 1, "the reply exists exactly once on the server");
    assert_eq!(
        msgs.iter().filter(|m| m.internal).count(),
        1,
        "the internal note exists exactly once"
    );
    let status = desk.status().await.unwrap();
    assert_eq!(status.pending, 0, "everything delivered");
    let local = desk.ticket(&key).await.unwrap();
    assert_eq!(local.tags, vec!["billing".to_owned()]);
    assert!(
        local.conversation.iter().all(|m| m.delivery.is_none()),
        "every message is the server's copy after sync"
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_assign_and_unassign_arrive_and_bad_input_is_refused() {
    let srv = TestServer::start(1, 1).await;
    let desk = srv.desk("agent1@demo.test").await;
    let ticket = srv.world.tickets[0].id;
    let key = ticket.to_string();
    desk.set_offline(true);
    for (agent, team) in [(None, None), (None, Some(Some("billing")))] {
        let err = desk.assign(&key, agent, team).await.unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{agent:?} {team:?}: {err}");
    }
    let err = desk
        .assign(&key, Some(Some("nobody@demo.test")), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "not_found", "an unknown agent is named: {err}");
    assert_eq!(
        desk.status().await.unwrap().pending,
        0,
        "refusals queue nothing"
    );

    desk.assign(&key, Some(Some(" agent2@demo.test ")), None)
        .await
        .unwrap();
    let local = desk.ticket(&key).await.unwrap();
    assert_eq!(local.ticket.assignee_id, Some(srv.world.agent2.id));
    desk.set_offline(false);
    desk.sync().await.unwrap();
    assert_eq!(
        srv.ticket(ticket).await.assignee_id,
        Some(srv.world.agent2.id)
    );

    desk.assign(&key, Some(None), None).await.unwrap();
    desk.sync().await.unwrap();
    assert_eq!(srv.ticket(ticket).await.assignee_id, None, "unassigned");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_a_read_ticket_again_records_nothing() {
    let srv = TestServer::start(1, 3).await;
    let desk = srv.desk("agent1@demo.test").await;
    let key = srv.world.tickets[0].id.to_string();
    assert!(
        desk.mark_read(&key).await.unwrap().is_none(),
        "not a participant yet: no read marker to move"
    );
    desk.claim(&key).await.unwrap();
    desk.sync().await.unwrap();
    desk.set_offline(true);
    let first = desk.mark_read(&key).await.unwrap();
    assert!(first.is_some(), "the latest message was not read yet");
    let pending = desk.status().await.unwrap().pending;
    assert!(
        desk.mark_read(&key).await.unwrap().is_none(),
        "already read up to the latest message"
    );
    assert_eq!(
        desk.status().await.unwrap().pending,
        pending,
        "nothing queued"
    );
    desk.set_offline(false);
    desk.sync().await.unwrap();
    assert!(
        desk.mark_read(&key).await.unwrap().is_none(),
        "still read after sync"
    );
    assert_eq!(desk.status().await.unwrap().pending, 0);
    srv.stop().await;
}

async fn field_conflict(choice: &str) {
    let srv = TestServer::start(1, 0).await;
    let desk = srv.desk("agent1@demo.test").await;
    let ticket = srv.world.tickets[0].id;
    let key = ticket.to_string();
    desk.set_offline(true);
    desk.update(
        &key,
        TicketEdit {
            priority: Some(Priority::High),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Meanwhile agent2 changes the same field to something else.
    let out = srv
        .push_as(
            &srv.world.agent2,
            vec![MutationOp::TicketUpdate(TicketUpdateArgs {
                ticket_id: ticket,
                priority: Some(Priority::Low),
                ..Default::default()
            })],
        )
        .await;
    assert!(matches!(out[0], Outcome::Applied(_)));
    desk.set_offline(false);
    desk.sync().await.unwrap();
    let conflicts = desk.conflicts(true).await.unwrap();
    assert_eq!(conflicts.len(), 1, "the edit is not applied silently");
    assert_eq!(conflicts[0].kind, ConflictKind::Fields);
    let field = &conflicts[0].details.as_ref().unwrap().fields[0];
    assert_eq!(field.field, "priority");
    assert_eq!(
        desk.ticket(&key).await.unwrap().ticket.priority,
        Priority::Low,
        "after the refusal the agent sees their value"
    );
    desk.resolve_conflict(&conflicts[0].id, choice)
        .await
        .unwrap();
    desk.sync().await.unwrap();
    let want = if choice == "mine" {
        Priority::High
    } else {
        Priority::Low
    };
    assert_eq!(srv.ticket(ticket).await.priority, want, "choice {choice}");
    assert_eq!(desk.ticket(&key).await.unwrap().ticket.priority, want);
    assert!(desk.conflicts(true).await.unwrap().is_empty());
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_conflict_resolved_keep_theirs() {
    field_conflict("theirs").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_conflict_resolved_apply_mine() {
    field_conflict("mine").await;
}

async fn reply_to_closed(choice: &str) {
    let srv = TestServer::start(1, 1).await;
    let desk = srv.desk("agent1@demo.test").await;
    let ticket = srv.world.tickets[0].id;
    let key = ticket.to_string();
    desk.set_offline(true);
    let text = "Here is your tracking number: 1Z999";
    desk.send(&key, text, false).await.unwrap();
    srv.push_as(
        &srv.world.agent2,
        vec![MutationOp::TicketClose(TicketCloseArgs {
            ticket_id: ticket,
            note: Some("duplicate".into()),
        })],
    )
    .await;
    desk.set_offline(false);
    desk.sync().await.unwrap();
    let conflicts = desk.conflicts(true).await.unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].kind, ConflictKind::ClosedReply);
    assert!(
        conflicts[0].mutation.to_string().contains(text),
        "the reply's text is kept in the conflict"
    );
    assert_eq!(
        conflicts[0].choices,
        vec!["reopen", "follow_up", "discard"],
        "the agent gets the three choices"
    );
    desk.resolve_conflict(&conflicts[0].id, choice)
        .await
        .unwrap();
    desk.sync().await.unwrap();
    let all = all_changes(&srv, &srv.world.agent1).await;
    let copies: Vec<&outpost_domain::Message> = all
        .iter()
        .filter_map(|c| match c {
            outpost_domain::sync::Change::Message(m) if m.content == text => Some(m),
            _ => None,
        })
        .collect();
    assert_eq!(copies.len(), 1, "the reply is delivered exactly once");
    match choice {
        "reopen" => {
            assert_eq!(copies[0].ticket_id, ticket);
            assert_eq!(srv.ticket(ticket).await.status, Status::Open);
        }
        _ => {
            assert_ne!(copies[0].ticket_id, ticket, "sent on a follow-up ticket");
            let follow = srv.ticket(copies[0].ticket_id).await;
            assert_eq!(follow.follow_up_of, Some(ticket));
            assert_eq!(srv.ticket(ticket).await.status, Status::Closed);
        }
    }
    assert_eq!(desk.status().await.unwrap().pending, 0);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_to_ticket_closed_meanwhile_reopen_and_send() {
    reply_to_closed("reopen").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_to_ticket_closed_meanwhile_as_follow_up() {
    reply_to_closed("follow_up").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn epoch_change_rebootstraps_and_keeps_the_outbox() {
    let srv = TestServer::start(3, 1).await;
    let desk = srv.desk("agent1@demo.test").await;
    let ticket = srv.world.tickets[1].id;
    desk.set_offline(true);
    let sent = desk
        .send(&ticket.to_string(), "Written before the restore", false)
        .await
        .unwrap();
    srv.db.rotate_epoch().await.unwrap();
    desk.set_offline(false);
    let report = desk.sync().await.unwrap();
    assert!(report.rebootstrapped, "a new epoch rebuilds the cache");
    let msgs = srv.messages(ticket).await;
    assert_eq!(
        msgs.iter()
            .filter(|m| Some(m.id) == sent.message_id)
            .count(),
        1,
        "the outbox survived the rebuild and was delivered once"
    );
    let status = desk.status().await.unwrap();
    assert_eq!(status.tickets, 3);
    assert_eq!(status.pending, 0);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_engine_sees_another_agents_change() {
    let srv = TestServer::start(1, 0).await;
    let desk = srv.desk("agent1@demo.test").await;
    let mut events = desk.subscribe();
    desk.start();
    let ticket = srv.world.tickets[0].id;
    srv.push_as(
        &srv.world.agent2,
        vec![MutationOp::TicketClaim(TicketRef { ticket_id: ticket })],
    )
    .await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let t = desk.ticket(&ticket.to_string()).await.unwrap();
        if t.assignee.map(|a| a.id) == Some(srv.world.agent2.id) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "another agent's claim must reach the cache through the live stream"
        );
        let _ = tokio::time::timeout(std::time::Duration::from_millis(500), events.recv()).await;
    }
    desk.stop().await;
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sync_brings_my_open_tickets_first() {
    let srv = TestServer::start(6, 2).await;
    for t in &srv.world.tickets[..2] {
        srv.push_as(
            &srv.world.agent1,
            vec![MutationOp::TicketClaim(TicketRef { ticket_id: t.id })],
        )
        .await;
    }
    let desk = login(&srv.base, "agent1@demo.test").await.unwrap();
    let mut events = desk.subscribe();
    desk.sync().await.unwrap();
    let mut steps = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let outpost_core::DeskEvent::Progress {
            tickets,
            messages,
            percent,
            done,
        } = e
        {
            steps.push((tickets, messages, percent, done));
        }
    }
    assert_eq!(
        steps.first(),
        Some(&(2, 4, Some(0), false)),
        "the first progress step is my two open tickets with their messages, at 0% of the feed"
    );
    assert_eq!(
        steps.last().map(|s| (s.2, s.3)),
        Some((Some(100), true)),
        "the last step is the whole feed: {steps:?}"
    );
    assert_eq!(
        desk.status().await.unwrap().tickets,
        6,
        "then everything else"
    );
    srv.stop().await;
}
