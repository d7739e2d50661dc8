//! The optimistic fold predicts the server: for every mutation kind the desk can queue,
//! the ticket the agent sees before the push is the ticket the server sends back.

use crate::support::*;
use outpost_core::Desk;
use outpost_core::TicketDetail;
use outpost_core::{NewTicket, TicketEdit};
use outpost_domain::sync::{MutationOp, Outcome, TicketCloseArgs, TicketRef, TicketUpdateArgs};
use outpost_domain::time::Timestamp;
use outpost_domain::values::{Priority, Status};
use outpost_domain::{Ticket, TicketId};
use std::cmp::Ordering;
use std::collections::BTreeSet;

/// The name of every mutation kind. The match has no wildcard, so a new kind stops this
/// file from compiling until a case below covers it (and is added here).
fn every_kind() -> BTreeSet<&'static str> {
    fn name(op: &MutationOp) -> &'static str {
        match op {
            MutationOp::TicketCreate(_) => "ticket.create",
            MutationOp::TicketUpdate(_) => "ticket.update",
            MutationOp::TicketClaim(_) => "ticket.claim",
            MutationOp::TicketAssign(_) => "ticket.assign",
            MutationOp::TicketTakeover(_) => "ticket.takeover",
            MutationOp::TicketClose(_) => "ticket.close",
            MutationOp::TicketReopen(_) => "ticket.reopen",
            MutationOp::TicketTagAdd(_) => "ticket.tag_add",
            MutationOp::TicketTagRemove(_) => "ticket.tag_remove",
            MutationOp::MessageSend(_) => "message.send",
            MutationOp::ConversationRead(_) => "conversation.read",
        }
    }
    let _ = name;
    MutationOp::NAMES.into()
}

/// The ticket's timestamps that the lifecycle sets, by name.
fn stamps(t: &Ticket) -> [(&'static str, Option<Timestamp>); 4] {
    [
        ("created_at", Some(t.created_at)),
        ("ongoing_at", t.ongoing_at),
        ("solved_at", t.solved_at),
        ("closed_at", t.closed_at),
    ]
}

/// Asserts that the optimistic view predicted the server's.
///
/// Compared exactly: every field the lifecycle or the mutation decides (status,
/// assignee, team, responder, circumstance, counts, texts, priority, type, channel,
/// requester, links) and the tag names. Timestamps: the client stamps its own `now`
/// and the server its own, so only whether each is set and how they order against each
/// other are compared.
///
/// Not compared, because the server assigns them and the client cannot know them:
/// `number` (allocated at insert; 0 while unnumbered), `version` and `field_versions`
/// (a count of the server's stored changes: an edit to `closed` is two, a no-op is
/// none, other agents' changes count too), `updated_at` (when the server stored a
/// change; the client marks its local edit time even for a no-op), `last_viewed_at`
/// (when the server saw the assignee read the chat) and `tag_ids` (a new tag's id is
/// made by the server; the names are compared instead).
fn assert_predicted(case: &str, optimistic: &TicketDetail, server: &TicketDetail) {
    let (o, s) = (&optimistic.ticket, &server.ticket);
    let owned = |t: &Ticket| Ticket {
        number: s.number,
        version: s.version,
        field_versions: s.field_versions.clone(),
        updated_at: s.updated_at,
        tag_ids: s.tag_ids.clone(),
        created_at: s.created_at,
        ongoing_at: s.ongoing_at,
        solved_at: s.solved_at,
        closed_at: s.closed_at,
        last_viewed_at: s.last_viewed_at,
        ..t.clone()
    };
    assert_eq!(
        owned(o),
        owned(s),
        "{case}: the optimistic ticket must equal the server's in every field it owns"
    );
    assert_eq!(
        optimistic.tags, server.tags,
        "{case}: the optimistic tags must be the server's"
    );
    let (os, ss) = (stamps(o), stamps(s));
    for ((name, a), (_, b)) in os.iter().zip(&ss) {
        assert_eq!(
            a.is_some(),
            b.is_some(),
            "{case}: {name} must be set exactly when the server sets it ({a:?} vs {b:?})"
        );
    }
    let order = |a: Option<Timestamp>, b: Option<Timestamp>| a.zip(b).map(|(a, b)| a.cmp(&b));
    for i in 0..os.len() {
        for j in i + 1..os.len() {
            let got: Option<Ordering> = order(os[i].1, os[j].1);
            assert_eq!(
                got,
                order(ss[i].1, ss[j].1),
                "{case}: {} and {} must order as on the server",
                os[i].0,
                os[j].0
            );
        }
    }
}

/// Runs one case: the desk pulls what was prepared on the server, `act`s offline (and
/// names the ticket it acted on), then pushes; the ticket it showed before the push
/// must be the one it pulls back.
async fn check(srv: &TestServer, desk: &Desk, case: &str, act: impl AsyncFnOnce() -> TicketId) {
    desk.sync().await.expect("pull the prepared state");
    desk.set_offline(true);
    let id = act().await;
    let key = id.to_string();
    let optimistic = desk.ticket(&key).await.expect("the optimistic ticket");
    desk.set_offline(false);
    let report = desk.sync().await.expect("push and pull");
    assert_eq!(
        report.rejected, 0,
        "{case}: the server applies it: {report:?}"
    );
    desk.sync().await.expect("settle");
    let pulled = desk.ticket(&key).await.expect("the pulled ticket");
    assert_eq!(pulled.pending, 0, "{case}: nothing is left to send");
    assert_eq!(
        pulled.ticket,
        srv.ticket(id).await,
        "{case}: the pull brought the server's ticket"
    );
    assert_predicted(case, &optimistic, &pulled);
}

fn status_edit(ticket: TicketId, status: Status) -> MutationOp {
    MutationOp::TicketUpdate(TicketUpdateArgs {
        ticket_id: ticket,
        status: Some(status),
        ..Default::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optimistic_ticket_equals_the_server_ticket_for_every_mutation_kind() {
    let srv = TestServer::start(14, 1).await;
    let desk = &srv.desk("agent1@demo.test").await;
    let w = srv.world.clone();
    let t = |i: usize| w.tickets[i].id;
    // Another agent brings a ticket into the state a case starts from.
    let prepare = async |ops: Vec<MutationOp>| {
        let outcomes = srv.push_as(&w.agent2, ops).await;
        assert!(
            outcomes.iter().all(|o| matches!(o, Outcome::Applied(_))),
            "the prepared state must apply: {outcomes:?}"
        );
    };
    let edit = async |id: TicketId, edit: TicketEdit| {
        desk.update(&id.to_string(), edit).await.expect("update");
        id
    };

    check(&srv, desk, "ticket.create", async || {
        let new = NewTicket {
            subject: "  Printer on fire ".into(),
            description: "Smoke everywhere".into(),
            priority: Some(Priority::Urgent),
            tags: vec!["hardware".into()],
            ..Default::default()
        };
        desk.create(new).await.expect("create").ticket_id.unwrap()
    })
    .await;

    check(&srv, desk, "ticket.create assigned to me", async || {
        let new = NewTicket {
            subject: "Call the customer back".into(),
            assign_to_me: true,
            ..Default::default()
        };
        desk.create(new).await.expect("create").ticket_id.unwrap()
    })
    .await;

    check(&srv, desk, "ticket.update opens a new ticket", async || {
        let open = TicketEdit {
            status: Some(Status::Open),
            ..Default::default()
        };
        edit(t(0), open).await
    })
    .await;

    prepare(vec![status_edit(t(1), Status::Open)]).await;
    check(
        &srv,
        desk,
        "ticket.update solves and edits fields",
        async || {
            let solve = TicketEdit {
                subject: Some(" Parcel lost, refund sent ".into()),
                status: Some(Status::Solved),
                priority: Some(Priority::Low),
                ..Default::default()
            };
            edit(t(1), solve).await
        },
    )
    .await;

    prepare(vec![status_edit(t(2), Status::Pending)]).await;
    check(&srv, desk, "ticket.update to closed closes", async || {
        let close = TicketEdit {
            status: Some(Status::Closed),
            priority: Some(Priority::High),
            ..Default::default()
        };
        edit(t(2), close).await
    })
    .await;

    check(&srv, desk, "ticket.claim", async || {
        desk.claim(&t(3).to_string()).await.expect("claim");
        t(3)
    })
    .await;

    check(&srv, desk, "ticket.assign", async || {
        let key = t(4).to_string();
        desk.assign(&key, Some(Some("agent2@demo.test")), None)
            .await
            .expect("assign");
        t(4)
    })
    .await;

    check(&srv, desk, "ticket.takeover", async || {
        desk.takeover(&t(5).to_string()).await.expect("takeover");
        t(5)
    })
    .await;

    prepare(vec![status_edit(t(6), Status::Solved)]).await;
    check(&srv, desk, "ticket.close", async || {
        let key = t(6).to_string();
        desk.close(&key, Some("Refund confirmed"))
            .await
            .expect("close");
        t(6)
    })
    .await;

    prepare(vec![close(t(7))]).await;
    check(
        &srv,
        desk,
        "ticket.reopen of a never opened ticket",
        async || {
            desk.reopen(&t(7).to_string()).await.expect("reopen");
            t(7)
        },
    )
    .await;

    prepare(vec![
        status_edit(t(8), Status::Open),
        status_edit(t(8), Status::Solved),
        close(t(8)),
    ])
    .await;
    check(
        &srv,
        desk,
        "ticket.reopen of a solved, closed ticket",
        async || {
            desk.reopen(&t(8).to_string()).await.expect("reopen");
            t(8)
        },
    )
    .await;

    check(&srv, desk, "ticket.tag_add", async || {
        desk.tag(&t(9).to_string(), "Billing", true)
            .await
            .expect("tag");
        t(9)
    })
    .await;

    check(&srv, desk, "ticket.tag_remove", async || {
        desk.tag(&t(9).to_string(), "billing", false)
            .await
            .expect("untag");
        t(9)
    })
    .await;

    prepare(vec![status_edit(t(10), Status::Pending)]).await;
    check(&srv, desk, "message.send reply", async || {
        let key = t(10).to_string();
        desk.send(&key, "A replacement is on its way.", false)
            .await
            .expect("reply");
        t(10)
    })
    .await;

    check(&srv, desk, "message.send internal note", async || {
        let key = t(11).to_string();
        desk.send(&key, "Customer is a VIP", true)
            .await
            .expect("note");
        t(11)
    })
    .await;

    // The desk's agent claimed it elsewhere, so they have a read marker to move.
    let claim = MutationOp::TicketClaim(TicketRef { ticket_id: t(12) });
    srv.push_as(&w.agent1, vec![claim]).await;
    check(&srv, desk, "conversation.read", async || {
        let marked = desk.mark_read(&t(12).to_string()).await.expect("mark read");
        assert!(marked.is_some(), "the claimer has a message to mark read");
        t(12)
    })
    .await;

    let queued: BTreeSet<String> = desk
        .outbox(1000)
        .await
        .expect("outbox")
        .into_iter()
        .map(|e| e.name)
        .collect();
    let every: BTreeSet<String> = every_kind().into_iter().map(str::to_owned).collect();
    assert_eq!(
        queued, every,
        "every mutation kind the desk can queue was checked"
    );
    srv.stop().await;
}

fn close(ticket: TicketId) -> MutationOp {
    MutationOp::TicketClose(TicketCloseArgs {
        ticket_id: ticket,
        note: None,
    })
}
