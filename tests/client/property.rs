//! Property test of the sync engine: three clients (two agents, one of them on two
//! installations) work on the same tickets through fault-injecting proxies, going
//! offline and online at random and doing random actions. At the end every cache
//! equals the server's state, every message a client wrote exists exactly once, and no
//! ticket has two holders.

use crate::faults::{FaultPlan, FaultProxy, RandomFaults};
use crate::support::*;
use outpost_core::Desk;
use outpost_core::TicketEdit;
use outpost_domain::sync::Change;
use outpost_domain::values::{Priority, Status};
use outpost_domain::{MessageId, TicketId};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const TICKETS: usize = 3;
const CLIENTS: usize = 3;
const TAGS: [&str; 3] = ["billing", "urgent", "vip"];

#[derive(Clone, Debug)]
enum Action {
    Offline,
    Online,
    Sync,
    Claim(usize),
    Reply(usize),
    Note(usize),
    Priority(usize, Priority),
    Status(usize, Status),
    TagAdd(usize, usize),
    TagRemove(usize, usize),
    Close(usize),
    Reopen(usize),
    ResolveConflicts,
}

fn action() -> impl Strategy<Value = Action> {
    let t = 0..TICKETS;
    prop_oneof![
        2 => Just(Action::Offline),
        2 => Just(Action::Online),
        3 => Just(Action::Sync),
        2 => t.clone().prop_map(Action::Claim),
        3 => t.clone().prop_map(Action::Reply),
        1 => t.clone().prop_map(Action::Note),
        2 => (t.clone(), prop::sample::select(vec![Priority::Low, Priority::Medium, Priority::High]))
            .prop_map(|(t, p)| Action::Priority(t, p)),
        2 => (t.clone(), prop::sample::select(vec![Status::Open, Status::Pending, Status::Solved]))
            .prop_map(|(t, s)| Action::Status(t, s)),
        2 => (t.clone(), 0..TAGS.len()).prop_map(|(t, g)| Action::TagAdd(t, g)),
        1 => (t.clone(), 0..TAGS.len()).prop_map(|(t, g)| Action::TagRemove(t, g)),
        1 => t.clone().prop_map(Action::Close),
        1 => t.prop_map(Action::Reopen),
        1 => Just(Action::ResolveConflicts),
    ]
}

fn steps() -> impl Strategy<Value = (u64, Vec<(usize, Action)>)> {
    (
        any::<u64>(),
        prop::collection::vec((0..CLIENTS, action()), 20..45),
    )
}

/// The ticket fields every cache must agree with the server on.
#[derive(Debug, PartialEq, Eq, Clone)]
struct Shape {
    status: Status,
    priority: Priority,
    assignee: Option<String>,
    tags: BTreeSet<String>,
    messages: BTreeSet<String>,
}

async fn server_shapes(srv: &TestServer) -> BTreeMap<TicketId, Shape> {
    let changes = all_changes(srv, &srv.world.agent1).await;
    let tag_names: BTreeMap<_, _> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Tag(t) => Some((t.id, t.name.clone())),
            _ => None,
        })
        .collect();
    let mut out = BTreeMap::new();
    for c in &changes {
        if let Change::Ticket(t) = c {
            out.insert(
                t.id,
                Shape {
                    status: t.status,
                    priority: t.priority,
                    assignee: t.assignee_id.map(|a| a.to_string()),
                    tags: t.tag_ids.iter().map(|i| tag_names[i].clone()).collect(),
                    messages: BTreeSet::new(),
                },
            );
        }
    }
    for c in &changes {
        if let Change::Message(m) = c
            && let Some(s) = out.get_mut(&m.ticket_id)
        {
            s.messages.insert(m.id.to_string());
        }
    }
    out
}

async fn client_shapes(desk: &Desk, ids: &[TicketId]) -> BTreeMap<TicketId, Shape> {
    let mut out = BTreeMap::new();
    for id in ids {
        let d = desk.ticket(&id.to_string()).await.expect("ticket cached");
        out.insert(
            *id,
            Shape {
                status: d.ticket.status,
                priority: d.ticket.priority,
                assignee: d.ticket.assignee_id.map(|a| a.to_string()),
                tags: d.tags.iter().cloned().collect(),
                messages: d.conversation.iter().map(|m| m.id.to_string()).collect(),
            },
        );
    }
    out
}

async fn run_case(seed: u64, steps: Vec<(usize, Action)>) -> Result<(), TestCaseError> {
    let srv = TestServer::start(TICKETS, 1).await;
    let emails = ["agent1@demo.test", "agent2@demo.test", "agent1@demo.test"];
    let mut proxies = Vec::new();
    let mut desks = Vec::new();
    for (i, email) in emails.iter().enumerate() {
        let proxy = FaultProxy::start(srv.addr).await;
        desks.push(srv.desk_at(&proxy.url(), email).await);
        proxy.set_plan(FaultPlan::random(RandomFaults {
            seed: seed.wrapping_add(i as u64),
            drop_response: 0.1,
            reset_mid_body: 0.05,
            server_error: 0.05,
            delay: 0.1,
            max_delay: Duration::from_millis(30),
            paths: vec!["/sync/v1/changes".into(), "/sync/v1/mutations".into()],
            ..Default::default()
        }));
        proxies.push(proxy);
    }
    let ids: Vec<TicketId> = srv.world.tickets.iter().map(|t| t.id).collect();
    let mut written: Vec<MessageId> = Vec::new();
    for (n, (c, a)) in steps.iter().enumerate() {
        let desk = &desks[*c];
        let key = |t: &usize| ids[*t].to_string();
        let r = match a {
            Action::Offline => {
                desk.set_offline(true);
                Ok(None)
            }
            Action::Online => {
                desk.set_offline(false);
                Ok(None)
            }
            Action::Sync => {
                // Faults make passes fail; that is the point.
                let _ = desk.sync().await;
                Ok(None)
            }
            Action::Claim(t) => desk.claim(&key(t)).await.map(|_| None),
            Action::Reply(t) => desk
                .send(&key(t), &format!("reply {n} from client {c}"), false)
                .await
                .map(|r| r.message_id),
            Action::Note(t) => desk
                .send(&key(t), &format!("note {n} from client {c}"), true)
                .await
                .map(|r| r.message_id),
            Action::Priority(t, p) => desk
                .update(
                    &key(t),
                    TicketEdit {
                        priority: Some(*p),
                        ..Default::default()
                    },
                )
                .await
                .map(|_| None),
            Action::Status(t, s) => desk
                .update(
                    &key(t),
                    TicketEdit {
                        status: Some(*s),
                        ..Default::default()
                    },
                )
                .await
                .map(|_| None),
            Action::TagAdd(t, g) => desk.tag(&key(t), TAGS[*g], true).await.map(|_| None),
            Action::TagRemove(t, g) => desk.tag(&key(t), TAGS[*g], false).await.map(|_| None),
            Action::Close(t) => desk.close(&key(t), Some("done")).await.map(|_| None),
            Action::Reopen(t) => desk.reopen(&key(t)).await.map(|_| None),
            Action::ResolveConflicts => {
                resolve_all(desk).await;
                Ok(None)
            }
        };
        match r {
            Ok(Some(m)) => written.push(m),
            Ok(None) => {}
            Err(e) => return Err(TestCaseError::fail(format!("step {n} {a:?}: {e}"))),
        }
    }

    // Heal: network back, no faults, every conflict resolved with its first choice
    // (reopen-and-send keeps replies), until every outbox is empty.
    for p in &proxies {
        p.clear_faults();
    }
    for d in &desks {
        d.set_offline(false);
    }
    for round in 0.. {
        let mut busy = false;
        for d in &desks {
            d.sync()
                .await
                .map_err(|e| TestCaseError::fail(format!("heal sync: {e}")))?;
            busy |= resolve_all(d).await;
            busy |= d.status().await.unwrap().pending > 0;
        }
        if !busy {
            break;
        }
        prop_assert!(round < 10, "the clients never settled");
    }
    for d in &desks {
        d.sync().await.unwrap();
    }

    let server = server_shapes(&srv).await;
    for (i, d) in desks.iter().enumerate() {
        let local = client_shapes(d, &ids).await;
        for id in &ids {
            prop_assert_eq!(
                &local[id],
                &server[id],
                "client {} cache differs from the server for {}",
                i,
                id
            );
        }
        let status = d.status().await.unwrap();
        prop_assert_eq!(status.pending, 0, "client {} outbox drained", i);
    }
    let all_messages: Vec<String> = server
        .values()
        .flat_map(|s| s.messages.iter().cloned())
        .collect();
    for m in &written {
        let n = all_messages.iter().filter(|x| **x == m.to_string()).count();
        prop_assert_eq!(n, 1, "message {} exists exactly once on the server", m);
    }
    let changes = all_changes(&srv, &srv.world.agent1).await;
    let msg_count = changes
        .iter()
        .filter(|c| matches!(c, Change::Message(m) if m.sender_id.is_some() && m.message_type != outpost_domain::MessageType::System && m.sender_id != Some(srv.world.customer.id)))
        .count();
    prop_assert_eq!(
        msg_count,
        written.len(),
        "no message was doubled or invented (agents' messages on the server = messages written)"
    );
    srv.stop().await;
    Ok(())
}

/// Resolve every open conflict with its first choice; true if there were any.
async fn resolve_all(desk: &Desk) -> bool {
    let open = desk.conflicts(true).await.unwrap();
    for c in &open {
        desk.resolve_conflict(&c.id, &c.choices[0]).await.unwrap();
    }
    !open.is_empty()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("OUTPOST_PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(12),
        max_shrink_iters: 20,
        .. ProptestConfig::default()
    })]

    #[test]
    fn three_clients_converge_with_every_invariant((seed, steps) in steps()) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(run_case(seed, steps))?;
    }
}
