//! The ticket lifecycle: what each action does to a ticket's status, timestamps and
//! holder, as `docs/STATUS_MAPPING.md` ("Rules the server enforces") states it.
//!
//! The server applies these functions before it stores a change, the client core
//! applies the same functions to show a queued change at once (its optimistic fold),
//! and the demo generator builds its history with them, so the three cannot drift.
//!
//! Every function is pure: it takes the current ticket, the actor where one matters
//! and the time of the action, and returns the next state or a [`RuleError`]. An
//! action that changes nothing returns the ticket as it was; callers compare to skip
//! their side effects. Persistence bookkeeping stays with the callers: `version`,
//! `field_versions` and `updated_at` of a stored change (the server's `save`, the
//! client's replay), who may act at all (support users, scopes), and the
//! conversation and system messages that go with closing and reopening.

use crate::ErrorCode;
use crate::ids::{TagId, TicketNumber, UserId};
use crate::model::{Ticket, VERSIONED_FIELDS};
use crate::sync::{TicketAssignArgs, TicketCreateArgs, TicketUpdateArgs};
use crate::time::Timestamp;
use crate::values::{
    Channel, Circumstance, ConversationStatus, InvalidValue, Priority, ResponderKind, Role, Status,
    TicketType, parse_description, parse_subject,
};

/// Which side of a conversation someone is on: all the lifecycle asks about a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The person the ticket is for; their replies re-open a ticket waiting on them.
    Customer,
    /// Admins, agents and bots: the people (and programs) who answer.
    Support,
}

impl Side {
    /// Customers are on the customer side; every other role answers.
    pub fn of(role: Role) -> Side {
        match role {
            Role::Customer => Side::Customer,
            Role::Admin | Role::Agent | Role::Bot => Side::Support,
        }
    }
}

/// Who performs a lifecycle action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub side: Side,
}

impl Actor {
    pub fn new(user_id: UserId, role: Role) -> Actor {
        Actor {
            user_id,
            side: Side::of(role),
        }
    }

    /// A support user (the desk's own user: the desk is a support tool).
    pub fn support(user_id: UserId) -> Actor {
        Actor {
            user_id,
            side: Side::Support,
        }
    }
}

/// Why an action is refused by the lifecycle.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The ticket is closed: only an explicit reopen leaves `closed` (rule 1), and its
    /// conversation accepts no messages (rule 2).
    #[error("the ticket is closed")]
    Closed,
    /// Someone else holds the ticket (its assignee), so it cannot be claimed or taken
    /// over.
    #[error("the ticket is held by {holder}")]
    ClaimedBy { holder: UserId },
}

impl RuleError {
    /// The stable code the refusal crosses HTTP and sync with.
    pub fn code(&self) -> ErrorCode {
        match self {
            RuleError::Closed => ErrorCode::TicketClosed,
            RuleError::ClaimedBy { .. } => ErrorCode::Conflict,
        }
    }
}

/// The conversation status that goes with a ticket status: a conversation is closed
/// exactly when its ticket is (seed 003).
pub fn conversation_status(status: Status) -> ConversationStatus {
    if status == Status::Closed {
        ConversationStatus::Closed
    } else {
        ConversationStatus::Active
    }
}

/// A new ticket as `args` and the defaults make it (rule 3: with an assignee it starts
/// `open`, otherwise `new`). The caller allocates the `number` and resolves tag names
/// to `tag_ids`; a missing conversation id gets a fresh one.
pub fn new_ticket(
    args: &TicketCreateArgs,
    by: Actor,
    number: TicketNumber,
    tag_ids: Vec<TagId>,
    now: Timestamp,
) -> Result<Ticket, InvalidValue> {
    let channel = match &args.channel {
        Some(c) => c.clone(),
        // A follow-up says so; otherwise the channel is where the creator sits.
        None if args.follow_up_of.is_some() => Channel::parse("follow_up")?,
        None if by.side == Side::Customer => Channel::parse("customer_portal")?,
        None => Channel::parse("dashboard")?,
    };
    let ticket_type = match &args.ticket_type {
        Some(t) => t.clone(),
        None => TicketType::parse("question")?,
    };
    let picked_up = args.assignee_id.is_some();
    Ok(Ticket {
        id: args.ticket_id,
        number,
        subject: parse_subject(&args.subject)?,
        description: parse_description(&args.description)?,
        summary: None,
        status: if picked_up { Status::Open } else { Status::New },
        priority: args.priority.unwrap_or(Priority::Medium),
        ticket_type,
        channel,
        channel_id: None,
        requester_id: args.requester_id.unwrap_or(by.user_id),
        assignee_id: args.assignee_id,
        team_id: args.team_id,
        responder_id: None,
        responder_kind: None,
        circumstance: None,
        responder_version: None,
        related_order_id: args.related_order_id.clone(),
        related_delivery_id: args.related_delivery_id.clone(),
        products: Vec::new(),
        tag_ids,
        conversation_id: args.conversation_id.unwrap_or_default(),
        follow_up_of: args.follow_up_of,
        message_count: 0,
        pending_message_count: 0,
        removed: false,
        created_at: now,
        updated_at: now,
        ongoing_at: picked_up.then_some(now),
        solved_at: None,
        closed_at: None,
        last_viewed_at: None,
        version: 1,
        field_versions: VERSIONED_FIELDS
            .iter()
            .map(|f| ((*f).to_owned(), 1))
            .collect(),
    })
}

/// Moves `t` to `to` with the timestamps that follow the status (rule 5). Entering
/// the status it already has changes nothing.
fn enter(t: &mut Ticket, to: Status, now: Timestamp) {
    if t.status == to {
        return;
    }
    t.status = to;
    match to {
        Status::Open if t.ongoing_at.is_none() => t.ongoing_at = Some(now),
        Status::Solved => t.solved_at = Some(now),
        Status::Closed => t.closed_at = Some(now),
        _ => {}
    }
    if to.is_open() {
        t.solved_at = None;
        t.closed_at = None;
    }
}

/// Picking a ticket up opens it (rule 3).
fn pick_up(t: &mut Ticket, now: Timestamp) {
    if t.status == Status::New {
        enter(t, Status::Open, now);
    }
}

/// A validated field edit (`ticket.update`): the subject and description parsed once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Edit {
    pub subject: Option<String>,
    pub description: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub ticket_type: Option<TicketType>,
}

impl Edit {
    /// Parses the wire form; a blank or too long subject, or a too long description,
    /// is refused.
    pub fn parse(args: &TicketUpdateArgs) -> Result<Edit, InvalidValue> {
        Ok(Edit {
            subject: args.subject.as_deref().map(parse_subject).transpose()?,
            description: args
                .description
                .as_deref()
                .map(parse_description)
                .transpose()?,
            status: args.status,
            priority: args.priority,
            ticket_type: args.ticket_type.clone(),
        })
    }

    /// An edit of the status alone.
    pub fn status(status: Status) -> Edit {
        Edit {
            status: Some(status),
            ..Edit::default()
        }
    }
}

/// What an accepted edit did.
#[derive(Clone, Debug, PartialEq)]
pub struct Edited {
    /// The ticket with the edited fields, and the new status unless the edit closes it.
    pub ticket: Ticket,
    /// The edit sets an open or solved ticket to `closed`: that is a [`close`] (rule 4,
    /// which also closes the conversation), applied after the other fields.
    pub closes: bool,
}

/// Applies a field edit. A status other than `closed` on a closed ticket is refused,
/// and with it the whole edit (rule 1); a follow-up ticket is the usual way on.
pub fn edit(t: &Ticket, e: &Edit, now: Timestamp) -> Result<Edited, RuleError> {
    if t.status == Status::Closed && e.status.is_some_and(|s| s != Status::Closed) {
        return Err(RuleError::Closed);
    }
    let mut next = t.clone();
    if let Some(s) = &e.subject {
        next.subject = s.clone();
    }
    if let Some(d) = &e.description {
        next.description = d.clone();
    }
    if let Some(p) = e.priority {
        next.priority = p;
    }
    if let Some(ty) = &e.ticket_type {
        next.ticket_type = ty.clone();
    }
    let closes = e.status == Some(Status::Closed) && t.status != Status::Closed;
    if let Some(s) = e.status.filter(|_| !closes) {
        enter(&mut next, s, now);
    }
    Ok(Edited {
        ticket: next,
        closes,
    })
}

/// The actor claims the ticket (seed 000 assign-to-me, `ticket.claim`): they become
/// its assignee and a `new` ticket opens. Claiming one's own ticket again changes
/// nothing; a closed ticket or one held by someone else is refused.
pub fn claim(t: &Ticket, by: Actor, now: Timestamp) -> Result<Ticket, RuleError> {
    if t.assignee_id == Some(by.user_id) {
        return Ok(t.clone());
    }
    if t.status == Status::Closed {
        return Err(RuleError::Closed);
    }
    if let Some(holder) = t.assignee_id {
        return Err(RuleError::ClaimedBy { holder });
    }
    let mut next = t.clone();
    next.assignee_id = Some(by.user_id);
    pick_up(&mut next, now);
    Ok(next)
}

/// Assigns an agent and/or a team (`None` leaves a field, `Some(None)` clears it).
/// Assigning an agent opens a `new` ticket; assignment is not refused on any status.
pub fn assign(t: &Ticket, args: &TicketAssignArgs, now: Timestamp) -> Ticket {
    let mut next = t.clone();
    if let Some(a) = args.assignee_id {
        next.assignee_id = a;
        if a.is_some() {
            pick_up(&mut next, now);
        }
    }
    if let Some(team) = args.team_id {
        next.team_id = team;
    }
    next
}

/// A human takes the chat over from a bot (seed 002 takeover): the actor becomes
/// responder and assignee, and a `new` ticket opens. Taking over one's own chat again
/// changes nothing; a closed ticket or one held by someone else is refused.
pub fn takeover(t: &Ticket, by: Actor, now: Timestamp) -> Result<Ticket, RuleError> {
    if t.status == Status::Closed {
        return Err(RuleError::Closed);
    }
    if t.responder_id == Some(by.user_id) && t.assignee_id == Some(by.user_id) {
        return Ok(t.clone());
    }
    if let Some(holder) = t.assignee_id.filter(|a| *a != by.user_id) {
        return Err(RuleError::ClaimedBy { holder });
    }
    let mut next = t.clone();
    next.responder_id = Some(by.user_id);
    next.responder_kind = Some(ResponderKind::Human);
    next.circumstance = Some(Circumstance::Takeover);
    // A version names a bot's build; a human answering has none.
    next.responder_version = None;
    next.assignee_id = Some(by.user_id);
    pick_up(&mut next, now);
    Ok(next)
}

/// Who answers a ticket made for a chat through seed 002, and how they got it: a bot
/// that opens the ticket hands the chat over (`handover`) and stays its responder until
/// a human takes over; a person who opens it steps in (`takeover`), and the assignee
/// answers. The chat's current responder is kept when it is already that one.
pub fn answered_by(t: &Ticket, opener: UserId, opener_role: Role) -> Ticket {
    let mut next = t.clone();
    if opener_role == Role::Bot {
        next.responder_id = Some(opener);
        next.responder_kind = Some(ResponderKind::Bot);
        next.circumstance = Some(Circumstance::Handover);
    } else {
        next.responder_id = t.assignee_id.or(Some(opener));
        next.responder_kind = Some(ResponderKind::Human);
        next.circumstance = Some(Circumstance::Takeover);
        if next.responder_id != t.responder_id {
            next.responder_version = None;
        }
    }
    next
}

/// When the ticket was finished: solved, or closed without being solved first (rule 5
/// clears both on reopening, so an open ticket has none). Seed 001 shows it as
/// `resolved_at`, seed 002 as `completedAt`.
pub fn finished_at(t: &Ticket) -> Option<Timestamp> {
    t.solved_at.or(t.closed_at)
}

/// Closes the ticket (rule 4); closing a closed ticket changes nothing. The caller
/// closes the conversation ([`conversation_status`]) and posts the system message.
pub fn close(t: &Ticket, now: Timestamp) -> Ticket {
    let mut next = t.clone();
    enter(&mut next, Status::Closed, now);
    next
}

/// Reopens a solved or closed ticket (`ticket.reopen`, the one way out of `closed`):
/// it becomes `open` and loses its solved and closed times. An open ticket stays as
/// it is.
pub fn reopen(t: &Ticket, now: Timestamp) -> Ticket {
    let mut next = t.clone();
    if !t.status.is_open() {
        enter(&mut next, Status::Open, now);
    }
    next
}

/// A message was posted to the ticket's conversation (rule 2). Public messages count;
/// a customer's counts as pending and re-opens a `pending` or `solved` ticket, while
/// a support reply answers everything pending and leaves the status alone. Internal
/// notes change nothing. A closed ticket's conversation takes no messages.
pub fn message_posted(
    t: &Ticket,
    from: Side,
    internal: bool,
    now: Timestamp,
) -> Result<Ticket, RuleError> {
    if t.status == Status::Closed {
        return Err(RuleError::Closed);
    }
    let mut next = t.clone();
    if internal {
        return Ok(next);
    }
    next.message_count += 1;
    match from {
        Side::Customer => {
            next.pending_message_count += 1;
            if matches!(next.status, Status::Pending | Status::Solved) {
                enter(&mut next, Status::Open, now);
            }
        }
        Side::Support => next.pending_message_count = 0,
    }
    Ok(next)
}

#[cfg(test)]
mod tests;
