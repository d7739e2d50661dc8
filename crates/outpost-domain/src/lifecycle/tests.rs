use super::*;
use crate::ids::{ResponderVersionId, TeamId, TicketId};
use crate::model::ResponderVersion;
use chrono::{Duration, TimeZone, Utc};

fn at(minute: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap() + Duration::minutes(minute)
}

fn args() -> TicketCreateArgs {
    TicketCreateArgs {
        ticket_id: TicketId::new(),
        conversation_id: None,
        subject: "  Parcel arrived damaged ".into(),
        description: "The box was crushed".into(),
        priority: None,
        ticket_type: None,
        channel: None,
        requester_id: None,
        assignee_id: None,
        team_id: None,
        tags: Vec::new(),
        related_order_id: None,
        related_delivery_id: None,
        follow_up_of: None,
    }
}

fn customer() -> Actor {
    Actor::new(UserId::new(), Role::Customer)
}

fn agent() -> Actor {
    Actor::new(UserId::new(), Role::Agent)
}

/// A `new` ticket created by a customer at minute 0.
fn fresh() -> Ticket {
    new_ticket(&args(), customer(), TicketNumber(1), Vec::new(), at(0)).unwrap()
}

/// A ticket in `status` as its walk from `new` leaves it (opened at minute 1).
fn in_status(status: Status) -> Ticket {
    let t = edit(&fresh(), &Edit::status(Status::Open), at(1))
        .unwrap()
        .ticket;
    match status {
        Status::New => fresh(),
        Status::Closed => close(&t, at(2)),
        s => edit(&t, &Edit::status(s), at(2)).unwrap().ticket,
    }
}

#[test]
fn new_ticket_without_assignee_starts_new_with_defaults() {
    let by = customer();
    let t = fresh();
    assert_eq!(t.status, Status::New, "nobody picked it up yet");
    assert_eq!(t.ongoing_at, None, "not worked on yet");
    assert_eq!(
        t.subject, "Parcel arrived damaged",
        "the subject is trimmed"
    );
    assert_eq!(t.priority, Priority::Medium, "default priority");
    assert_eq!(t.ticket_type.as_str(), "question", "default type");
    assert_eq!(t.version, 1, "a new ticket is version 1");
    assert!(
        t.field_versions.values().all(|v| *v == 1)
            && t.field_versions.len() == VERSIONED_FIELDS.len(),
        "every versioned field starts at version 1"
    );
    assert_eq!((t.created_at, t.updated_at), (at(0), at(0)));
    let t = new_ticket(&args(), by, TicketNumber(1), Vec::new(), at(0)).unwrap();
    assert_eq!(
        t.requester_id, by.user_id,
        "the requester defaults to the creator"
    );
}

#[test]
fn new_ticket_with_assignee_starts_open_and_ongoing() {
    let a = agent();
    let mut args = args();
    args.assignee_id = Some(a.user_id);
    let t = new_ticket(&args, a, TicketNumber(1), Vec::new(), at(0)).unwrap();
    assert_eq!(
        t.status,
        Status::Open,
        "a ticket created with an assignee is picked up"
    );
    assert_eq!(t.ongoing_at, Some(at(0)), "open from its creation");
}

#[test]
fn new_ticket_channel_defaults_follow_creator_and_follow_up() {
    let by_customer = new_ticket(&args(), customer(), TicketNumber(1), Vec::new(), at(0)).unwrap();
    assert_eq!(by_customer.channel.as_str(), "customer_portal");
    let by_agent = new_ticket(&args(), agent(), TicketNumber(1), Vec::new(), at(0)).unwrap();
    assert_eq!(by_agent.channel.as_str(), "dashboard");
    let mut follow = args();
    follow.follow_up_of = Some(TicketId::new());
    let t = new_ticket(&follow, customer(), TicketNumber(1), Vec::new(), at(0)).unwrap();
    assert_eq!(
        t.channel.as_str(),
        "follow_up",
        "a follow-up says so, whoever made it"
    );
}

#[test]
fn new_ticket_with_blank_subject_is_refused() {
    let mut args = args();
    args.subject = "   ".into();
    let err = new_ticket(&args, agent(), TicketNumber(1), Vec::new(), at(0)).unwrap_err();
    assert_eq!(err.field, "subject", "the subject is what is wrong");
}

#[test]
fn first_open_sets_ongoing_at_and_later_opens_keep_it() {
    let t = edit(&fresh(), &Edit::status(Status::Open), at(1))
        .unwrap()
        .ticket;
    assert_eq!(t.ongoing_at, Some(at(1)), "ongoing from the first open");
    let t = edit(&t, &Edit::status(Status::Pending), at(2))
        .unwrap()
        .ticket;
    let t = edit(&t, &Edit::status(Status::Open), at(3)).unwrap().ticket;
    assert_eq!(t.ongoing_at, Some(at(1)), "only the first open counts");
}

#[test]
fn pending_does_not_set_ongoing_at() {
    let t = edit(&fresh(), &Edit::status(Status::Pending), at(1))
        .unwrap()
        .ticket;
    assert_eq!(t.ongoing_at, None, "ongoing_at is set by open only");
}

#[test]
fn solving_sets_solved_at_and_reopening_by_edit_clears_it() {
    let t = in_status(Status::Solved);
    assert_eq!(t.solved_at, Some(at(2)), "solved_at is when it was solved");
    let t = edit(&t, &Edit::status(Status::OnHold), at(3))
        .unwrap()
        .ticket;
    assert_eq!(t.solved_at, None, "an open status clears solved_at");
}

#[test]
fn closing_sets_closed_at_and_keeps_solved_at() {
    let t = close(&in_status(Status::Solved), at(5));
    assert_eq!(t.status, Status::Closed);
    assert_eq!(t.closed_at, Some(at(5)), "closed_at is when it was closed");
    assert_eq!(t.solved_at, Some(at(2)), "closing is not an open status");
}

#[test]
fn edit_to_same_status_changes_no_timestamp() {
    let t = in_status(Status::Solved);
    let again = edit(&t, &Edit::status(Status::Solved), at(9))
        .unwrap()
        .ticket;
    assert_eq!(again, t, "entering the current status is no change");
}

#[test]
fn status_edit_of_closed_ticket_is_refused() {
    let t = in_status(Status::Closed);
    let e = Edit {
        subject: Some("New subject".into()),
        status: Some(Status::Open),
        ..Edit::default()
    };
    assert_eq!(
        edit(&t, &e, at(3)),
        Err(RuleError::Closed),
        "only reopen leaves closed"
    );
    assert_eq!(RuleError::Closed.code(), ErrorCode::TicketClosed);
}

#[test]
fn non_status_edit_of_closed_ticket_is_applied() {
    let t = in_status(Status::Closed);
    let e = Edit {
        priority: Some(Priority::High),
        status: Some(Status::Closed),
        ..Edit::default()
    };
    let done = edit(&t, &e, at(3)).unwrap();
    assert_eq!(
        done.ticket.priority,
        Priority::High,
        "other fields stay editable"
    );
    assert!(!done.closes, "closing a closed ticket is no close");
    assert_eq!(done.ticket.closed_at, t.closed_at, "closed_at is unchanged");
}

#[test]
fn edit_to_closed_is_a_close_after_the_other_fields() {
    let t = in_status(Status::Open);
    let e = Edit {
        priority: Some(Priority::Low),
        status: Some(Status::Closed),
        ..Edit::default()
    };
    let done = edit(&t, &e, at(3)).unwrap();
    assert!(
        done.closes,
        "the caller closes the ticket and its conversation"
    );
    assert_eq!(
        done.ticket.status,
        Status::Open,
        "the status waits for the close"
    );
    assert_eq!(done.ticket.priority, Priority::Low);
}

#[test]
fn edit_parse_trims_subject_and_refuses_blank() {
    let args = TicketUpdateArgs {
        ticket_id: TicketId::new(),
        subject: Some(" Refund ".into()),
        ..TicketUpdateArgs::default()
    };
    assert_eq!(
        Edit::parse(&args).unwrap().subject.as_deref(),
        Some("Refund")
    );
    let blank = TicketUpdateArgs {
        subject: Some(" ".into()),
        ..args
    };
    assert!(Edit::parse(&blank).is_err(), "a blank subject is no edit");
}

#[test]
fn claim_of_new_ticket_assigns_and_opens_it() {
    let me = agent();
    let t = claim(&fresh(), me, at(1)).unwrap();
    assert_eq!(t.assignee_id, Some(me.user_id), "the claimer holds it");
    assert_eq!(t.status, Status::Open, "picking up opens it");
    assert_eq!(t.ongoing_at, Some(at(1)));
}

#[test]
fn claim_of_pending_ticket_keeps_its_status() {
    let t = claim(&in_status(Status::Pending), agent(), at(3)).unwrap();
    assert_eq!(t.status, Status::Pending, "only new moves to open");
}

#[test]
fn claim_of_own_ticket_changes_nothing() {
    let me = agent();
    let t = claim(&fresh(), me, at(1)).unwrap();
    assert_eq!(
        claim(&t, me, at(2)).unwrap(),
        t,
        "claiming again is a no-op"
    );
    let closed = close(&t, at(3));
    assert_eq!(
        claim(&closed, me, at(4)).unwrap(),
        closed,
        "one's own claim holds even after the ticket closed"
    );
}

#[test]
fn claim_of_claimed_ticket_is_rejected_with_holder() {
    let holder = agent();
    let t = claim(&fresh(), holder, at(1)).unwrap();
    let err = claim(&t, agent(), at(2)).unwrap_err();
    assert_eq!(
        err,
        RuleError::ClaimedBy {
            holder: holder.user_id
        },
        "the refusal names who holds it"
    );
    assert_eq!(err.code(), ErrorCode::Conflict);
}

#[test]
fn claim_of_closed_ticket_is_refused() {
    let t = in_status(Status::Closed);
    assert_eq!(claim(&t, agent(), at(3)), Err(RuleError::Closed));
}

#[test]
fn assign_to_agent_opens_new_ticket_and_sets_team() {
    let team = TeamId::new();
    let a = agent();
    let t = assign(
        &fresh(),
        &TicketAssignArgs {
            ticket_id: TicketId::new(),
            assignee_id: Some(Some(a.user_id)),
            team_id: Some(Some(team)),
        },
        at(1),
    );
    assert_eq!(t.assignee_id, Some(a.user_id));
    assert_eq!(t.team_id, Some(team));
    assert_eq!(
        (t.status, t.ongoing_at),
        (Status::Open, Some(at(1))),
        "assigning picks it up"
    );
}

#[test]
fn unassign_and_team_only_assign_leave_status() {
    let t = fresh();
    let unassigned = assign(
        &t,
        &TicketAssignArgs {
            ticket_id: t.id,
            assignee_id: Some(None),
            team_id: Some(Some(TeamId::new())),
        },
        at(1),
    );
    assert_eq!(unassigned.status, Status::New, "no agent, no pick-up");
    assert_eq!(unassigned.assignee_id, None);
}

#[test]
fn takeover_makes_actor_human_responder_and_assignee() {
    let me = agent();
    let t = takeover(&fresh(), me, at(1)).unwrap();
    assert_eq!(t.responder_id, Some(me.user_id));
    assert_eq!(t.responder_kind, Some(ResponderKind::Human));
    assert_eq!(
        t.circumstance,
        Some(Circumstance::Takeover),
        "recorded as a takeover"
    );
    assert_eq!(t.assignee_id, Some(me.user_id));
    assert_eq!(t.status, Status::Open, "taking over picks it up");
    assert_eq!(
        takeover(&t, me, at(2)).unwrap(),
        t,
        "taking over again is a no-op"
    );
}

#[test]
fn takeover_of_ticket_held_by_another_is_rejected_with_holder() {
    let holder = agent();
    let t = claim(&fresh(), holder, at(1)).unwrap();
    assert_eq!(
        takeover(&t, agent(), at(2)),
        Err(RuleError::ClaimedBy {
            holder: holder.user_id
        })
    );
}

#[test]
fn takeover_of_closed_ticket_is_refused_even_for_its_holder() {
    let me = agent();
    let t = close(&takeover(&fresh(), me, at(1)).unwrap(), at(2));
    assert_eq!(takeover(&t, me, at(3)), Err(RuleError::Closed));
}

#[test]
fn closing_closed_ticket_changes_nothing() {
    let t = in_status(Status::Closed);
    assert_eq!(close(&t, at(9)), t, "closed_at keeps the first close");
    assert_eq!(conversation_status(t.status), ConversationStatus::Closed);
}

#[test]
fn reopen_of_closed_ticket_opens_it_and_clears_solved_and_closed_at() {
    let t = close(&in_status(Status::Solved), at(3));
    let t = reopen(&t, at(4));
    assert_eq!(t.status, Status::Open);
    assert_eq!(
        (t.solved_at, t.closed_at),
        (None, None),
        "back to an open status"
    );
    assert_eq!(t.ongoing_at, Some(at(1)), "ongoing since the first open");
    assert_eq!(conversation_status(t.status), ConversationStatus::Active);
}

#[test]
fn reopen_of_never_opened_ticket_sets_ongoing_at() {
    let t = close(&fresh(), at(1));
    assert_eq!(reopen(&t, at(2)).ongoing_at, Some(at(2)), "its first open");
}

#[test]
fn reopen_of_open_ticket_changes_nothing() {
    let t = in_status(Status::Pending);
    assert_eq!(reopen(&t, at(3)), t, "pending is already open");
}

#[test]
fn customer_reply_reopens_pending_and_solved() {
    for s in [Status::Pending, Status::Solved] {
        let t = message_posted(&in_status(s), Side::Customer, false, at(3)).unwrap();
        assert_eq!(t.status, Status::Open, "a customer reply re-opens {s}");
        assert_eq!(t.solved_at, None, "open again, so not solved");
        assert_eq!(t.pending_message_count, 1, "the reply waits for an answer");
        assert_eq!(t.message_count, 1);
    }
}

#[test]
fn customer_reply_leaves_new_open_and_on_hold_alone() {
    for s in [Status::New, Status::Open, Status::OnHold] {
        let t = message_posted(&in_status(s), Side::Customer, false, at(3)).unwrap();
        assert_eq!(t.status, s, "a customer reply does not move {s}");
        assert_eq!(t.pending_message_count, 1);
    }
}

#[test]
fn support_reply_answers_pending_messages_and_keeps_status() {
    let t = message_posted(&in_status(Status::Pending), Side::Customer, false, at(3)).unwrap();
    let t = edit(&t, &Edit::status(Status::Pending), at(4))
        .unwrap()
        .ticket;
    let t = message_posted(&t, Side::Support, false, at(5)).unwrap();
    assert_eq!(
        t.status,
        Status::Pending,
        "agent replies never change the status"
    );
    assert_eq!(t.pending_message_count, 0, "everything pending is answered");
    assert_eq!(t.message_count, 2);
}

#[test]
fn internal_note_changes_nothing() {
    let t = in_status(Status::Solved);
    assert_eq!(
        message_posted(&t, Side::Support, true, at(3)).unwrap(),
        t,
        "notes are not messages to the customer"
    );
}

#[test]
fn message_to_closed_ticket_is_refused() {
    let t = in_status(Status::Closed);
    assert_eq!(
        message_posted(&t, Side::Customer, false, at(3)),
        Err(RuleError::Closed),
        "a closed conversation takes no messages"
    );
}

#[test]
fn bots_answer_from_the_support_side() {
    assert_eq!(Side::of(Role::Bot), Side::Support);
    assert_eq!(Side::of(Role::Customer), Side::Customer);
}

#[test]
fn a_bot_opening_a_ticket_hands_the_chat_over_and_answers_it() {
    let bot = UserId::new();
    let t = answered_by(&fresh(), bot, Role::Bot);
    assert_eq!(t.responder_id, Some(bot));
    assert_eq!(t.responder_kind, Some(ResponderKind::Bot));
    assert_eq!(t.circumstance, Some(Circumstance::Handover));
    assert_eq!(
        t.status,
        fresh().status,
        "who answers is not a status change"
    );
}

#[test]
fn a_person_opening_a_ticket_takes_it_over_and_the_assignee_answers() {
    let agent = UserId::new();
    let mut assigned = fresh();
    assigned.assignee_id = Some(agent);
    assigned.responder_version = Some(ResponderVersion {
        id: ResponderVersionId::new(),
        number: 3,
    });
    let t = answered_by(&assigned, UserId::new(), Role::Admin);
    assert_eq!(
        t.responder_id,
        Some(agent),
        "the assignee answers, not the opener"
    );
    assert_eq!(t.responder_kind, Some(ResponderKind::Human));
    assert_eq!(t.circumstance, Some(Circumstance::Takeover));
    assert_eq!(t.responder_version, None, "people have no versions");
}

#[test]
fn takeover_drops_the_bots_version() {
    let mut by_bot = answered_by(&fresh(), UserId::new(), Role::Bot);
    by_bot.responder_version = Some(ResponderVersion {
        id: ResponderVersionId::new(),
        number: 2,
    });
    let human = agent();
    let t = takeover(&by_bot, human, at(3)).unwrap();
    assert_eq!(t.responder_id, Some(human.user_id));
    assert_eq!(t.responder_version, None);
}
