//! The generator: tickets, conversations, messages and history from the templates in
//! [`super::content`], in batches of one write transaction each.

use super::*;

/// Rows of one write transaction.
pub(super) struct Batch {
    pub(super) tickets: Vec<TicketRecord>,
    pub(super) tag_links: Vec<(TicketId, TagId)>,
    pub(super) conversations: Vec<Conversation>,
    pub(super) messages: Vec<Message>,
    pub(super) history: Vec<HistoryEntry>,
}

impl Batch {
    pub(super) async fn write(&self, tx: &mut WriteTx) -> Result<()> {
        let tenant = tx.tenant_id();
        tickets::insert_many(tx.conn(), tenant, &self.tickets).await?;
        tickets::insert_tag_links(tx.conn(), &self.tag_links, &time::now()).await?;
        conversations::insert_conversations_many(tx.conn(), tenant, &self.conversations).await?;
        conversations::insert_messages(tx, &self.messages).await?;
        history::insert(tx.conn(), tenant, &self.history).await?;
        for t in &self.tickets {
            tx.touch(EntityKind::Ticket, t.ticket.id.as_uuid());
        }
        for c in &self.conversations {
            tx.touch(EntityKind::Conversation, c.id.as_uuid());
        }
        for m in &self.messages {
            tx.touch(EntityKind::Message, m.id.as_uuid());
        }
        for h in &self.history {
            tx.touch(EntityKind::History, h.id.as_uuid());
        }
        Ok(())
    }
}

/// One step of a ticket's life, in time order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// A public message from the requester.
    Customer,
    /// A public reply from a worker (index into `People::workers`).
    Reply(usize),
    /// An internal note from a worker.
    Note(usize),
    /// A public reply from the bot responder.
    Bot,
    /// System message: a human took the chat over, or the bot handed it over.
    Handoff,
    /// The assignee takes the ticket (no message).
    Assign,
    /// The ticket is closed (a system message when the conversation has room for it).
    Close,
}

impl Step {
    fn is_message(self) -> bool {
        !matches!(self, Step::Assign | Step::Close)
    }

    fn is_public_text(self) -> bool {
        matches!(self, Step::Customer | Step::Reply(_) | Step::Bot)
    }
}

pub(super) struct Generator<'a> {
    people: &'a People,
    rng: StdRng,
    now: Timestamp,
    start: Timestamp,
    total: usize,
    messages_per_ticket: usize,
    /// The latest closed ticket and its requester, for follow-up tickets.
    last_closed: Option<(TicketId, usize)>,
}

/// The text values a ticket's templates are filled with.
pub(super) struct Vars<'a> {
    pub(super) first: &'a str,
    pub(super) agent: &'a str,
    pub(super) bot: &'a str,
    pub(super) order: String,
    pub(super) delivery: String,
    pub(super) amount: String,
    pub(super) product: &'static str,
    pub(super) restaurant: &'static str,
    pub(super) country: &'static str,
}

impl Vars<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        Some(match key {
            "first" => self.first,
            "agent" => self.agent,
            "bot" => self.bot,
            "order" => &self.order,
            "delivery" => &self.delivery,
            "amount" => &self.amount,
            "product" => self.product,
            "restaurant" => self.restaurant,
            "country" => self.country,
            _ => return None,
        })
    }
}

/// Replaces `{name}` placeholders; unknown names are left as they are.
pub(super) fn fill(template: &str, vars: &Vars) -> String {
    if !template.contains('{') {
        return template.to_owned();
    }
    let mut out = String::with_capacity(template.len() + 24);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after
            .find('}')
            .and_then(|close| vars.get(&after[..close]).map(|v| (close, v)))
        {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

pub(super) fn html_paragraph(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!("<p>{escaped}</p>")
}

pub(super) fn weighted<T: Copy>(rng: &mut StdRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut pick = rng.random_range(0..total);
    for (item, w) in items {
        if pick < *w {
            return *item;
        }
        pick -= w;
    }
    items[items.len() - 1].0
}

pub(super) fn pick(rng: &mut StdRng, items: &[&'static str]) -> &'static str {
    items.choose(rng).copied().unwrap_or("")
}

/// A time-ordered (v7) id whose timestamp is the entity's creation time and whose
/// random bits come from the seeded generator.
pub(super) fn id_at(rng: &mut StdRng, at: &Timestamp) -> Uuid {
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes);
    uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().max(0) as u64, &bytes)
        .into_uuid()
}

pub(super) const STATUS_WEIGHTS: &[(Status, u32)] = &[
    (Status::New, 12),
    (Status::Open, 18),
    (Status::Pending, 12),
    (Status::OnHold, 6),
    (Status::Solved, 20),
    (Status::Closed, 32),
];

pub(super) const PRIORITY_WEIGHTS: &[(Priority, u32)] = &[
    (Priority::Low, 25),
    (Priority::Medium, 45),
    (Priority::High, 22),
    (Priority::Urgent, 8),
];

/// Channels whose tickets concern an order.
pub(super) const ORDER_CHANNELS: &[&str] = &["storefront", "restaurant", "customer_account"];

impl<'a> Generator<'a> {
    pub(super) fn new(
        people: &'a People,
        rng: StdRng,
        total: usize,
        messages_per_ticket: usize,
    ) -> Self {
        let now = time::now();
        Generator {
            people,
            rng,
            now,
            start: now - TimeDelta::days(90),
            total: total.max(1),
            messages_per_ticket,
            last_closed: None,
        }
    }

    /// Tickets `first_index ..` of the tenant, numbered from `first_number`.
    pub(super) fn batch(&mut self, first_index: usize, first_number: i64, count: usize) -> Batch {
        let per = self.messages_per_ticket;
        let mut b = Batch {
            tickets: Vec::with_capacity(count),
            tag_links: Vec::with_capacity(count * 2),
            conversations: Vec::with_capacity(count),
            messages: Vec::with_capacity(count * per),
            history: Vec::with_capacity(count * 3),
        };
        for i in 0..count {
            self.ticket(first_index + i, first_number + i as i64, &mut b);
        }
        b
    }

    /// The ticket's creation time: tickets are spread evenly over the past 90 days in
    /// number order, each somewhere inside its own slot.
    fn created_at(&mut self, index: usize) -> Timestamp {
        let span = (self.now - self.start).num_microseconds().unwrap_or(0) as f64;
        let slot = span / self.total as f64;
        let offset = slot * (index as f64 + self.rng.random::<f64>() * 0.8);
        self.start + TimeDelta::microseconds(offset as i64)
    }

    fn ticket(&mut self, index: usize, number: i64, out: &mut Batch) {
        let people = self.people;
        let now = self.now;
        let per = self.messages_per_ticket;
        let created = self.created_at(index);
        let rng = &mut self.rng;

        // The first tickets walk through every type, status, priority and channel, so
        // even a tiny demo shows each of them; the rest follow realistic weights.
        let topic = match TicketType::KNOWN.get(index) {
            Some(ty) => TOPICS
                .iter()
                .find(|t| t.ticket_type == *ty)
                .unwrap_or(&TOPICS[0]),
            None => &TOPICS[weighted(rng, &TOPIC_WEIGHTS)],
        };
        let status = match Status::ALL.get(index) {
            Some(s) => *s,
            None => weighted(rng, STATUS_WEIGHTS),
        };
        let priority = match Priority::ALL.get(index) {
            Some(p) => *p,
            None => weighted(rng, PRIORITY_WEIGHTS),
        };
        let channel = match Channel::KNOWN.get(index) {
            Some(c) => *c,
            None => pick(rng, topic.channels),
        };
        // A follow-up continues the latest closed ticket, for the same customer.
        let (requester_idx, follow_up_of) = match (channel, self.last_closed) {
            ("follow_up", Some((ticket, customer))) => (customer, Some(ticket)),
            _ => (rng.random_range(0..people.customers.len()), None),
        };
        let requester = &people.customers[requester_idx];

        let staff_active = status != Status::New;
        let assignee = (staff_active && rng.random_bool(0.85))
            .then(|| rng.random_range(0..people.workers.len()));
        let replier =
            assignee.or_else(|| staff_active.then(|| rng.random_range(0..people.workers.len())));
        let bot_channel = matches!(channel, "chat" | "customer_portal" | "storefront");
        let bot_first = bot_channel && rng.random_bool(0.4);
        let (responder, responder_kind, circumstance) = match (bot_first, assignee) {
            (true, Some(a)) if rng.random_bool(0.7) => {
                let c = if rng.random_bool(0.6) {
                    Circumstance::Takeover
                } else {
                    Circumstance::Handover
                };
                (
                    Some(people.workers[a].id),
                    Some(ResponderKind::Human),
                    Some(c),
                )
            }
            (true, _) => (Some(people.bot.id), Some(ResponderKind::Bot), None),
            (false, Some(a)) if channel == "chat" => {
                (Some(people.workers[a].id), Some(ResponderKind::Human), None)
            }
            _ => (None, None, None),
        };
        let team = topic
            .team
            .filter(|_| rng.random_bool(0.8))
            .map(|t| people.teams[t]);

        let product = PRODUCTS.choose(rng).copied().unwrap_or(PRODUCTS[0]);
        let agent_name = replier.map_or(people.workers[0].first(), |w| people.workers[w].first());
        let vars = Vars {
            first: requester.first(),
            agent: agent_name,
            bot: &people.bot.name,
            order: format!("ORD-{}", rng.random_range(100_000..1_000_000)),
            delivery: format!("DLV-{}", rng.random_range(1_000_000..10_000_000)),
            amount: format!(
                "€{}.{:02}",
                rng.random_range(5..400),
                rng.random_range(0..100)
            ),
            product: product.1,
            restaurant: pick(rng, RESTAURANTS),
            country: pick(rng, COUNTRIES),
        };
        let order_related = topic.order || ORDER_CHANNELS.contains(&channel);
        let related_order_id = order_related.then(|| vars.order.clone());
        let related_delivery_id = (channel == "restaurant"
            || (order_related && rng.random_bool(0.5)))
        .then(|| vars.delivery.clone());
        let mut products = Vec::new();
        if order_related || channel == "storefront" {
            products.push(product.0);
            if rng.random_bool(0.3) {
                let other = PRODUCTS.choose(rng).copied().unwrap_or(PRODUCTS[0]).0;
                if other != product.0 {
                    products.push(other);
                }
            }
        }
        // Subjects and descriptions are parallel lists: the same index tells one story.
        let story = rng.random_range(0..topic.subjects.len());
        let subject = fill(topic.subjects[story], &vars);
        let description = fill(topic.descriptions[story % topic.descriptions.len()], &vars);
        let summary = (matches!(status, Status::Solved | Status::Closed) && rng.random_bool(0.7))
            .then(|| fill(pick(rng, topic.summaries), &vars));

        let mut tag_names: Vec<&'static str> = topic
            .tags
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.7))
            .collect();
        if rng.random_bool(0.06) {
            tag_names.push("vip");
        }
        if priority == Priority::Urgent && rng.random_bool(0.5) {
            tag_names.push("urgent-followup");
        }
        if subject.contains("damaged") {
            tag_names.push("damaged");
        }
        let mut tag_ids: Vec<TagId> = tag_names
            .iter()
            .filter_map(|n| people.tags.get(n).copied())
            .collect();
        tag_ids.sort();
        tag_ids.dedup();

        // The conversation's shape: who speaks when.
        let closing_message = status == Status::Closed && per >= 2;
        let body = per - usize::from(closing_message);
        let mut plan: Vec<Step> = Vec::with_capacity(per + 2);
        let mut messages = 0;
        let push = |plan: &mut Vec<Step>, messages: &mut usize, step: Step| {
            *messages += usize::from(step.is_message());
            plan.push(step);
        };
        if body > 0 {
            push(&mut plan, &mut messages, Step::Customer);
        }
        if bot_first {
            for _ in 0..rng.random_range(1..=2) {
                for step in [Step::Bot, Step::Customer] {
                    if messages < body {
                        push(&mut plan, &mut messages, step);
                    }
                }
            }
            if circumstance.is_some() && messages < body {
                push(&mut plan, &mut messages, Step::Handoff);
            }
        }
        if assignee.is_some() {
            push(&mut plan, &mut messages, Step::Assign);
        }
        let mut customer_spoke_last = true;
        while messages < body {
            let step = match replier {
                Some(w) if rng.random_bool(0.15) => Step::Note(if rng.random_bool(0.7) {
                    w
                } else {
                    rng.random_range(0..people.workers.len())
                }),
                Some(w) if customer_spoke_last => {
                    if rng.random_bool(0.8) {
                        Step::Reply(w)
                    } else {
                        Step::Customer
                    }
                }
                Some(w) => {
                    if rng.random_bool(0.85) {
                        Step::Customer
                    } else {
                        Step::Reply(w)
                    }
                }
                // Untouched tickets: the bot (if any) keeps answering; agents may triage.
                None if bot_first => {
                    if customer_spoke_last {
                        Step::Bot
                    } else {
                        Step::Customer
                    }
                }
                None if rng.random_bool(0.12) => {
                    Step::Note(rng.random_range(0..people.workers.len()))
                }
                None => Step::Customer,
            };
            match step {
                Step::Customer => customer_spoke_last = true,
                Step::Reply(_) | Step::Bot => customer_spoke_last = false,
                _ => {}
            }
            push(&mut plan, &mut messages, step);
        }
        // A customer reply re-opens pending and solved tickets, so theirs ends with staff.
        let last_public = plan.iter().rev().find(|s| s.is_public_text()).copied();
        if matches!(status, Status::Pending | Status::Solved)
            && body >= 2
            && last_public == Some(Step::Customer)
            && let (Some(w), Some(last)) = (replier, plan.iter().rposition(|s| s.is_message()))
        {
            plan[last] = Step::Reply(w);
        }
        if status == Status::Closed {
            push(&mut plan, &mut messages, Step::Close);
        }

        // Walk the plan in time: strictly increasing microsecond timestamps, all before now.
        let ticket_id = TicketId(id_at(rng, &created));
        let conversation_id = ConversationId(id_at(rng, &created));
        let remaining = (now - created).num_microseconds().unwrap_or(1).max(1);
        let max_gap = (remaining / (plan.len() as i64 + 2)).clamp(1, 36 * 3_600_000_000);
        let closer = replier.map_or(&people.admin, |w| &people.workers[w]);
        let close_note = rng.random_bool(0.3).then(|| pick(rng, CLOSE_NOTES));
        let email_channel = channel == "email";

        // The customer opens the ticket; the lifecycle takes it from there, as it does
        // on the server.
        let create = TicketCreateArgs {
            ticket_id,
            conversation_id: Some(conversation_id),
            subject,
            description: description.clone(),
            priority: Some(priority),
            ticket_type: Some(
                TicketType::parse(topic.ticket_type).expect("demo topics use valid ticket types"),
            ),
            channel: Some(Channel::parse(channel).expect("demo channels are valid")),
            requester_id: Some(requester.id),
            assignee_id: None,
            team_id: team,
            tags: Vec::new(),
            related_order_id,
            related_delivery_id,
            follow_up_of,
        };
        let by_requester = lifecycle::Actor::new(requester.id, Role::Customer);
        let mut ticket = lifecycle::new_ticket(
            &create,
            by_requester,
            TicketNumber(number),
            tag_ids.clone(),
            created,
        )
        .expect("demo subjects and descriptions are valid");
        let post = |ticket: &Ticket, from: lifecycle::Side, internal: bool, at: Timestamp| {
            lifecycle::message_posted(ticket, from, internal, at)
                .expect("the conversation runs before the ticket closes")
        };

        let mut t = created;
        let mut assigned_at = None;
        let mut closed_at = None;
        let mut first_staff_at = None;
        let mut last_reply_at = None;
        let mut participants = vec![Participant {
            user_id: requester.id,
            role: ParticipantRole::Member,
            last_read_message_id: None,
            joined_at: created,
        }];
        let join = |participants: &mut Vec<Participant>,
                    user: UserId,
                    role: ParticipantRole,
                    at: Timestamp| {
            if !participants.iter().any(|p| p.user_id == user) {
                participants.push(Participant {
                    user_id: user,
                    role,
                    last_read_message_id: None,
                    joined_at: at,
                });
            }
        };
        let first_message = out.messages.len();
        let mut customer_msgs: Vec<MessageId> = Vec::new();
        let mut staff_msgs: Vec<MessageId> = Vec::new();
        let mut last_public_id = None;
        for (i, step) in plan.iter().enumerate() {
            if i > 0 {
                t += TimeDelta::microseconds(rng.random_range(1..=max_gap));
            }
            let id = MessageId(id_at(rng, &t));
            let mut msg = Message {
                id,
                conversation_id,
                ticket_id,
                sender_id: None,
                message_type: MessageType::Text,
                content: String::new(),
                content_url: None,
                metadata: None,
                parent_message_id: None,
                internal: false,
                attachments: Vec::new(),
                created_at: t,
            };
            match *step {
                Step::Assign => {
                    assigned_at = Some(t);
                    if let Some(a) = assignee {
                        join(
                            &mut participants,
                            people.workers[a].id,
                            ParticipantRole::Admin,
                            t,
                        );
                    }
                    first_staff_at.get_or_insert(t);
                    continue;
                }
                Step::Close => {
                    closed_at = Some(t);
                    if !closing_message {
                        continue;
                    }
                    msg.message_type = MessageType::System;
                    msg.content = match close_note {
                        Some(n) => format!("Ticket closed by {}: {n}", closer.name),
                        None => format!("Ticket closed by {}", closer.name),
                    };
                    msg.metadata = Some(
                        json!({"event": "ticket_closed", "actor_id": closer.id, "note": close_note}),
                    );
                }
                Step::Handoff => {
                    let human = assignee.map_or(&people.admin, |a| &people.workers[a]);
                    let (content, event) = if circumstance == Some(Circumstance::Takeover) {
                        (
                            format!(
                                "{} took over the conversation from {}",
                                human.name, people.bot.name
                            ),
                            "takeover",
                        )
                    } else {
                        (
                            format!(
                                "{} handed the conversation over to {}",
                                people.bot.name, human.name
                            ),
                            "handover",
                        )
                    };
                    msg.message_type = MessageType::System;
                    msg.content = content;
                    msg.metadata = Some(
                        json!({"event": event, "actor_id": human.id, "bot_id": people.bot.id}),
                    );
                    first_staff_at.get_or_insert(t);
                }
                Step::Customer => {
                    msg.sender_id = Some(requester.id);
                    let text = if out.messages.len() == first_message {
                        description.clone()
                    } else if rng.random_bool(0.6) {
                        fill(pick(rng, topic.customer), &vars)
                    } else {
                        fill(pick(rng, GENERIC_CUSTOMER), &vars)
                    };
                    if email_channel {
                        msg.metadata = Some(json!({"source": "email", "from": requester.email}));
                        if rng.random_bool(0.3) {
                            msg.message_type = MessageType::Html;
                            msg.content = html_paragraph(&text);
                        }
                    }
                    if msg.content.is_empty() {
                        msg.content = text;
                    }
                    if rng.random_bool(0.12) {
                        attach(rng, people.slug, &mut msg, CUSTOMER_FILES);
                    }
                    if rng.random_bool(0.08) {
                        msg.parent_message_id = staff_msgs.choose(rng).copied();
                    }
                    ticket = post(&ticket, lifecycle::Side::Customer, false, t);
                    customer_msgs.push(id);
                }
                Step::Reply(w) | Step::Note(w) => {
                    let worker = &people.workers[w];
                    let internal = matches!(step, Step::Note(_));
                    msg.sender_id = Some(worker.id);
                    msg.internal = internal;
                    let lines = match (internal, rng.random_bool(0.6)) {
                        (true, true) => topic.notes,
                        (true, false) => GENERIC_NOTES,
                        (false, true) => topic.agent,
                        (false, false) => GENERIC_AGENT,
                    };
                    msg.content = fill(pick(rng, lines), &vars);
                    if !internal && rng.random_bool(0.06) {
                        attach(rng, people.slug, &mut msg, AGENT_FILES);
                    }
                    let parent_odds = if internal { 0.3 } else { 0.2 };
                    if rng.random_bool(parent_odds) {
                        // Public replies only thread under what the customer can see.
                        msg.parent_message_id = if internal {
                            out.messages[first_message..].choose(rng).map(|m| m.id)
                        } else {
                            customer_msgs.choose(rng).copied()
                        };
                    }
                    join(&mut participants, worker.id, ParticipantRole::Member, t);
                    first_staff_at.get_or_insert(t);
                    ticket = post(&ticket, lifecycle::Side::Support, internal, t);
                    if !internal {
                        last_reply_at = Some(t);
                        staff_msgs.push(id);
                    }
                }
                Step::Bot => {
                    msg.sender_id = Some(people.bot.id);
                    msg.content = fill(pick(rng, BOT_LINES), &vars);
                    msg.metadata = Some(
                        json!({"bot": {"confidence": (rng.random_range(55..99) as f64) / 100.0}}),
                    );
                    join(&mut participants, people.bot.id, ParticipantRole::Member, t);
                    ticket = post(&ticket, lifecycle::Side::Support, false, t);
                    staff_msgs.push(id);
                }
            }
            if !msg.internal && msg.message_type != MessageType::System {
                last_public_id = Some(id);
            }
            out.messages.push(msg);
        }
        let updated = t;
        let last_message = out.messages[first_message..].last();
        let last_message_at = last_message.map(|m| m.created_at);
        let last_message_id = last_message.map(|m| m.id);
        for p in &mut participants {
            p.last_read_message_id = if p.user_id == requester.id {
                last_public_id
            } else if Some(p.user_id) == assignee.map(|a| people.workers[a].id) {
                last_message_id
            } else {
                None
            };
        }

        // The status walk, after the conversation: staff first touching the ticket
        // opened it, the assignment followed, and the last step reached its status.
        let status_edit = |ticket: &Ticket, to: Status, at: Timestamp| {
            lifecycle::edit(ticket, &lifecycle::Edit::status(to), at)
                .expect("the demo walk never edits a closed ticket")
                .ticket
        };
        if staff_active {
            ticket = status_edit(&ticket, Status::Open, first_staff_at.unwrap_or(updated));
        }
        if let (Some(a), Some(at)) = (assignee, assigned_at) {
            let assign = TicketAssignArgs {
                ticket_id,
                assignee_id: Some(Some(people.workers[a].id)),
                team_id: None,
            };
            ticket = lifecycle::assign(&ticket, &assign, at);
        }
        ticket = match status {
            Status::Solved => status_edit(&ticket, status, last_reply_at.unwrap_or(updated)),
            Status::Closed => {
                // Most closed tickets were solved by the last reply first.
                if rng.random_bool(0.6)
                    && let Some(at) = last_reply_at
                {
                    ticket = status_edit(&ticket, Status::Solved, at);
                }
                lifecycle::close(&ticket, closed_at.unwrap_or(updated))
            }
            _ => status_edit(&ticket, status, updated),
        };
        let (ongoing_at, solved_at, closed_at) =
            (ticket.ongoing_at, ticket.solved_at, ticket.closed_at);
        // The bot version live when the chat started; a few closed chats were removed
        // from the workspace (soft-removed, seed 002). Neither draws from the RNG, so
        // the rest of the data set is the same as without them.
        let responder_version = (responder_kind == Some(ResponderKind::Bot))
            .then(|| {
                let n = people.bot_versions.len();
                let era = (index * n / self.total).min(n.saturating_sub(1));
                people.bot_versions.get(era).copied()
            })
            .flatten();
        let removed = bot_channel && status == Status::Closed && number % 5 == 0;
        let rec = TicketRecord {
            assigned_at,
            ticket: Ticket {
                summary,
                channel_id: people.channels.get(channel).copied(),
                responder_id: responder,
                responder_kind,
                circumstance,
                responder_version,
                removed,
                products,
                updated_at: updated,
                ..ticket
            },
        };

        let entry = |rng: &mut StdRng,
                     field: &str,
                     old: Option<String>,
                     new: Option<String>,
                     by: UserId,
                     at: Timestamp| HistoryEntry {
            id: HistoryId(id_at(rng, &at)),
            ticket_id,
            field_changed: field.to_owned(),
            old_value: old,
            new_value: new,
            changed_by: Some(by),
            created_at: at,
        };
        out.history.push(entry(
            rng,
            "created",
            None,
            Some(number.to_string()),
            requester.id,
            created,
        ));
        if let (Some(a), Some(at)) = (assignee, assigned_at) {
            let who = &people.workers[a];
            let by = if rng.random_bool(0.7) {
                who.id
            } else {
                people.admin.id
            };
            out.history.push(entry(
                rng,
                "assignee_id",
                None,
                Some(who.id.to_string()),
                by,
                at,
            ));
        }
        if status != Status::New {
            let at = match status {
                Status::Closed => closed_at.unwrap_or(updated),
                Status::Solved => solved_at.unwrap_or(updated),
                _ => ongoing_at.unwrap_or(updated),
            };
            out.history.push(entry(
                rng,
                "status",
                Some(Status::New.to_string()),
                Some(status.to_string()),
                closer.id,
                at,
            ));
        }

        if status == Status::Closed {
            self.last_closed = Some((ticket_id, requester_idx));
        }
        out.tag_links
            .extend(tag_ids.iter().map(|g| (ticket_id, *g)));
        out.conversations.push(Conversation {
            id: conversation_id,
            ticket_id,
            status: lifecycle::conversation_status(status),
            participants,
            last_message_at,
            created_at: created,
            version: 1,
        });
        out.tickets.push(rec);
    }
}

/// Attaches one file; images and PDFs also become the message's type and content URL.
pub(super) fn attach(rng: &mut StdRng, slug: &str, msg: &mut Message, files: &[(&str, &str, i64)]) {
    let Some(&(name, mime, size)) = files.choose(rng) else {
        return;
    };
    // A stand-in until the batch is written (`files::as_uploads`).
    let url = format!("https://files.outpost.test/{slug}/{}/{name}", msg.id);
    let size = size + rng.random_range(0..size / 4 + 1);
    if rng.random_bool(0.5) {
        msg.message_type = if mime.starts_with("image/") {
            MessageType::Image
        } else {
            MessageType::File
        };
        msg.content_url = Some(url.clone());
    }
    msg.attachments.push(Attachment {
        name: name.to_owned(),
        url,
        size,
        mime: mime.to_owned(),
    });
}
