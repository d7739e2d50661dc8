//! The 29next connector: seed 004's admin ticket list (`GET /api/admin/tickets/`), a
//! read-only API. Every page carries 50 tickets with their comments, so the list alone
//! is the whole read: a reconcile walks it by its `next` cursors, a poll walks it too
//! (it is ordered by ticket number, not by change) and keeps the tickets changed since
//! its mark. Nothing is written: every action is refused up front.
//!
//! The API names people by integer; a person's email is known from the tickets they
//! requested (`from_email`) and the comments they wrote. Someone known only by number
//! (an assignee who never wrote a comment the agent can see) is shown as "User #N"
//! until an email turns up.

use super::Connector;
use super::entities::Entities;
use super::{PollCursor, SweepAt, Timing, derived_id, page, person_id, version_of};
use crate::error::{CoreError, Result};
use crate::remote::http::Http;
use crate::remote::native::read_error;
use crate::remote::{Api, Capabilities, PullMode, Pulled, Sweep};
use chrono::Utc;
use futures::future::BoxFuture;
use outpost_api::twenty_nine_next::VERSION_HEADER;
use outpost_api::twenty_nine_next::tickets::{Ticket as Row, TicketsPage};
use outpost_domain::ids::TenantId;
use outpost_domain::ids::{ConversationId, MessageId, TagId, TicketId, TicketNumber};
use outpost_domain::model::{Attachment, Conversation, Message, Participant, Tag, Ticket};
use outpost_domain::sync::{ChangeEntry, Mutation, Outcome};
use outpost_domain::values::{
    Channel, ConversationStatus, EmailAddress, MessageType, ParticipantRole, Role, Status,
    TicketType,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

const EPOCH: &str = "29next";
const PATH: &str = "/api/admin/tickets/";
/// The API version the seed documents.
const VERSION: &str = "unstable";

/// The 29next admin API at one address.
pub struct TwentyNineNext {
    http: Http,
    caps: Capabilities,
    timing: Timing,
    /// Emails of the API's user numbers, as far as pages have shown them.
    people: Mutex<HashMap<i64, EmailAddress>>,
}

impl TwentyNineNext {
    pub fn new(server: &str) -> Result<Self> {
        Self::with_timing(server, Timing::from_env())
    }

    pub fn with_timing(server: &str, timing: Timing) -> Result<Self> {
        Ok(Self {
            http: Http::new(server)?,
            caps: Capabilities {
                api: Api::TwentyNineNext,
                pull: PullMode::Poll {
                    every: timing.poll_every,
                },
                actions: &[],
                field_conflicts: false,
                vet: crate::remote::vet_nothing,
                create_fields: crate::remote::CREATE_FIELDS,
            },
            timing,
            people: Mutex::new(HashMap::new()),
        })
    }

    /// One page: the first (`cursor` None) or the one a `next` link names.
    async fn list(&self, token: &str, cursor: Option<&str>) -> Result<TicketsPage> {
        let mut rb = self
            .http
            .client()
            .get(self.http.url(PATH))
            .header(VERSION_HEADER, VERSION)
            .timeout(Duration::from_secs(60))
            .bearer_auth(token);
        if let Some(c) = cursor {
            rb = rb.query(&[("cursor", c)]);
        }
        let resp = self.http.send(rb, read_error).await?;
        self.http.json(resp).await
    }

    /// The tickets as feed entries, people known by email where any page showed it.
    fn carry(&self, rows: Vec<Row>) -> Vec<ChangeEntry> {
        let mut people = self.people.lock().expect("people lock");
        for r in &rows {
            learn(&mut people, Some(r.requester), Some(&r.from_email));
            for c in &r.comments {
                learn(&mut people, c.author, c.from_email.as_deref());
            }
        }
        let mut page = Entities::default();
        for r in rows {
            add(&mut page, self.http.base(), &people, r);
        }
        page.into_changes()
    }

    /// Every ticket changed since the cursor's mark (the whole list is read). Moves
    /// the mark.
    async fn poll(&self, token: &str, cursor: &mut PollCursor) -> Result<Vec<ChangeEntry>> {
        let floor = cursor.floor();
        let mut changed = Vec::new();
        let mut seen = Vec::new();
        let mut ids = HashSet::new();
        let mut next: Option<String> = None;
        loop {
            let list = self.list(token, next.as_deref()).await?;
            for r in list.results {
                if floor.is_some_and(|f| r.updated_at < f) || !ids.insert(r.id) {
                    continue;
                }
                let id = r.id.to_string();
                let version = version_of(r.updated_at);
                seen.push(super::Carried {
                    id: id.clone(),
                    version,
                    at: r.updated_at,
                });
                if !cursor.carried(&id, version) {
                    changed.push(r);
                }
            }
            next = list.next.as_deref().and_then(cursor_of);
            if next.is_none() {
                break;
            }
        }
        cursor.advance(seen);
        Ok(self.carry(changed))
    }

    async fn pull_at(&self, token: &str, text: &str) -> Result<Pulled> {
        let mut cursor = PollCursor::parse(text)?;
        let mut first = false;
        if cursor.reconcile_due(Utc::now(), self.timing.reconcile_every) {
            cursor.sweep = Some(SweepAt {
                page: 1,
                total: 0,
                shrank: false,
                mark: None,
            });
            cursor.swept_at = Some(Utc::now());
            cursor.walk = None;
            first = true;
        }
        let Some(mut sweep) = cursor.sweep.take() else {
            let changes = self.poll(token, &mut cursor).await?;
            return Ok(page(EPOCH, &cursor, changes, false, None));
        };
        // The walk follows the API's own cursors: tickets created meanwhile get higher
        // numbers and never shift it, so it sees every ticket that existed at its start.
        let list = self.list(token, cursor.walk.as_deref()).await?;
        if sweep.page == 1 {
            sweep.mark = list.results.iter().map(|r| r.updated_at).max();
        }
        sweep.page += 1;
        let mut changes = self.carry(list.results);
        if let Some(next) = list.next.as_deref().and_then(cursor_of) {
            cursor.walk = Some(next);
            cursor.sweep = Some(sweep);
            let mark = Sweep {
                first,
                last: false,
                complete: false,
            };
            return Ok(page(EPOCH, &cursor, changes, true, Some(mark)));
        }
        cursor.walk = None;
        cursor.mark = sweep.mark.or(cursor.mark);
        cursor.recent.clear();
        if cursor.mark.is_some() {
            changes.extend(self.poll(token, &mut cursor).await?);
        }
        let mark = Sweep {
            first,
            last: true,
            complete: true,
        };
        Ok(page(EPOCH, &cursor, changes, false, Some(mark)))
    }
}

/// The `cursor` parameter of a `next` link (the link's host is the server's idea of
/// its public address; the connector keeps to the address it was given).
fn cursor_of(link: &str) -> Option<String> {
    let url = reqwest::Url::parse(link).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.into_owned())
}

fn learn(people: &mut HashMap<i64, EmailAddress>, number: Option<i64>, email: Option<&str>) {
    if let (Some(n), Some(e)) = (number, email.and_then(|e| EmailAddress::parse(e).ok())) {
        people.entry(n).or_insert(e);
    }
}

/// A person by the API's number: by email when known, else "User #N".
fn person(
    page: &mut Entities,
    server: &str,
    people: &HashMap<i64, EmailAddress>,
    number: i64,
    role: Role,
) -> outpost_domain::UserId {
    match people.get(&number) {
        Some(email) => page.person(email, None, None, role),
        None => {
            let email = EmailAddress::parse(&format!("user-{number}@29next.invalid"))
                .expect("a well-formed address");
            let id = person_id(&format!("{server}#{number}"));
            page.person_as(id, &email, &format!("User #{number}"), role)
        }
    }
}

fn add(page: &mut Entities, server: &str, people: &HashMap<i64, EmailAddress>, r: Row) {
    let ticket = TicketId(derived_id(server, "29next ticket", &r.id.to_string()));
    let conversation = ConversationId(derived_id(server, "29next conversation", &r.id.to_string()));
    let requester = person(page, server, people, r.requester, Role::Customer);
    let assignee = r
        .assignee
        .map(|n| person(page, server, people, n, Role::Agent));
    let status = r.status.matches()[0];
    let mut tag_ids = Vec::new();
    for name in &r.tags {
        let id = TagId(derived_id(server, "29next tag", name));
        page.tag(Tag {
            id,
            name: name.clone(),
            version: 1,
        });
        tag_ids.push(id);
    }
    let mut participants = vec![Participant {
        user_id: requester,
        role: ParticipantRole::Member,
        last_read_message_id: None,
        joined_at: r.created_at,
    }];
    let mut last_message_at = None;
    for c in &r.comments {
        let sender = c.author.map(|n| {
            let role = if n == r.requester {
                Role::Customer
            } else {
                Role::Agent
            };
            person(page, server, people, n, role)
        });
        if let Some(s) = sender
            && !participants.iter().any(|p| p.user_id == s)
        {
            participants.push(Participant {
                user_id: s,
                role: ParticipantRole::Member,
                last_read_message_id: None,
                joined_at: c.created_at,
            });
        }
        last_message_at = Some(c.created_at);
        let attachments: Vec<Attachment> = c
            .attachments
            .iter()
            .map(|a| Attachment {
                name: a.file_name.clone(),
                url: a.file.clone(),
                size: 0,
                mime: "application/octet-stream".into(),
            })
            .collect();
        page.messages.push(Message {
            id: MessageId(derived_id(server, "29next comment", &c.id.to_string())),
            conversation_id: conversation,
            ticket_id: ticket,
            sender_id: sender,
            message_type: if attachments.is_empty() || !c.body.is_empty() {
                MessageType::Text
            } else {
                MessageType::File
            },
            content: c.body.clone(),
            content_url: None,
            metadata: None,
            parent_message_id: None,
            internal: !c.is_public,
            attachments,
            created_at: c.created_at,
        });
    }
    let version = version_of(r.updated_at);
    page.conversations.push(Conversation {
        id: conversation,
        ticket_id: ticket,
        status: if status == Status::Closed {
            ConversationStatus::Closed
        } else {
            ConversationStatus::Active
        },
        participants,
        last_message_at,
        created_at: r.created_at,
        version,
    });
    page.tickets.push(Ticket {
        id: ticket,
        number: TicketNumber(r.id),
        subject: r.subject,
        description: String::new(),
        summary: None,
        status,
        priority: r.priority.matches()[0],
        ticket_type: type_of(r.ticket_type),
        channel: Channel::parse(r.channel.as_str()).expect("a channel slug"),
        channel_id: None,
        requester_id: requester,
        assignee_id: assignee,
        team_id: None,
        responder_id: None,
        responder_kind: None,
        circumstance: None,
        responder_version: None,
        related_order_id: r.order,
        related_delivery_id: None,
        products: r.products,
        tag_ids,
        conversation_id: conversation,
        follow_up_of: None,
        message_count: r.comments.len() as i64,
        pending_message_count: 0,
        removed: false,
        created_at: r.created_at,
        updated_at: r.updated_at,
        ongoing_at: None,
        solved_at: None,
        closed_at: (status == Status::Closed).then_some(r.updated_at),
        last_viewed_at: None,
        version,
        field_versions: BTreeMap::new(),
    });
}

/// A ticket type by its number: the known ones by name; a tenant's own type (a hash
/// the API cannot turn back into its name) as `type_<number>`.
fn type_of(n: i64) -> TicketType {
    let known = usize::try_from(n - 1)
        .ok()
        .and_then(|i| TicketType::KNOWN.get(i).copied());
    let name = known.map_or_else(|| format!("type_{n}"), str::to_owned);
    TicketType::parse(&name).unwrap_or_else(|_| TicketType::parse("support").expect("known"))
}

impl Connector for TwentyNineNext {
    fn http(&self) -> &Http {
        &self.http
    }

    fn caps(&self) -> &Capabilities {
        &self.caps
    }

    /// One read of the list (its rows name no tenant).
    fn check<'a>(&'a self, token: &'a str) -> BoxFuture<'a, Result<Option<TenantId>>> {
        Box::pin(async move {
            self.list(token, None).await?;
            Ok(None)
        })
    }

    fn pull_at<'a>(
        &'a self,
        token: &'a str,
        cursor: &'a str,
        _limit: u32,
    ) -> BoxFuture<'a, Result<Pulled>> {
        Box::pin(TwentyNineNext::pull_at(self, token, cursor))
    }

    /// Read-only: nothing reaches the outbox (every action is refused first).
    fn deliver<'a>(&'a self, _token: &'a str, _m: &'a Mutation) -> BoxFuture<'a, Result<Outcome>> {
        Box::pin(async {
            Err(CoreError::NotSupported {
                api: Api::TwentyNineNext.title(),
                action: "changes",
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use outpost_api::twenty_nine_next::TwentyNineNextStatus;

    #[test]
    fn types_read_back_by_number() {
        assert_eq!(type_of(1).as_str(), "question");
        assert_eq!(type_of(8).as_str(), "support");
        assert_eq!(type_of(1234567).as_str(), "type_1234567");
    }

    #[test]
    fn the_walk_keeps_the_cursor_not_the_host() {
        assert_eq!(
            cursor_of("http://elsewhere:8080/api/admin/tickets/?status=open&cursor=cD0x"),
            Some("cD0x".into())
        );
        assert_eq!(cursor_of("http://h/api/admin/tickets/"), None);
    }

    #[test]
    fn statuses_read_back_as_the_first_they_stand_for() {
        assert_eq!(TwentyNineNextStatus::Open.matches()[0], Status::Open);
    }
}
