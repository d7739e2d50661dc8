//! Seed 002's tickets: the detailed ticket, the short ticket the writes answer, the
//! write bodies, the tag link, and the query of the details list with its parser.
//! Field names are the seed's (camelCase).

use crate::workspace::WorkspaceStatus;
use chrono::{DateTime, Utc};
use outpost_domain::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// What kind of identity owns a chat: a platform user (staff: they have an email) or
/// an external user (a customer of the workspace, known by an identifier).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OwnerEntity {
    User,
    ExternalUser,
}

impl OwnerEntity {
    pub fn of(role: Role) -> Self {
        match role {
            Role::Customer => Self::ExternalUser,
            Role::Admin | Role::Agent | Role::Bot => Self::User,
        }
    }
}

/// What kind of responder answers a chat: an AI responder (a bot) or a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResponderEntity {
    Bot,
    User,
}

impl ResponderEntity {
    pub fn of(kind: ResponderKind) -> Self {
        match kind {
            ResponderKind::Bot => Self::Bot,
            ResponderKind::Human => Self::User,
        }
    }
}

/// A ticket with its chat, owner, responder and team (`GET …/{id}/details` and each
/// item of `GET /api/v1/tickets/details`). Every field is present; `null` where the
/// seed allows it. `responderEntity`, `responderId` and `responderName` are `null`
/// only for a ticket nobody answers yet (no bot and no assignee, e.g. a new email).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WorkspaceTicketDetails))]
#[serde(rename_all = "camelCase")]
pub struct TicketDetails {
    /// The email of the user currently assigned to the ticket.
    pub assignee_email: Option<EmailAddress>,
    /// The user currently assigned to the ticket.
    pub assignee_id: Option<UserId>,
    pub assignee_name: Option<String>,
    pub assignee_picture: Option<String>,
    /// The configured channel the chat came through; null when it came through none.
    pub channel_id: Option<ChannelId>,
    pub channel_name: Option<String>,
    /// The channel kind (chat, email, storefront, api, …).
    pub channel_type: Option<String>,
    /// The chat: the ticket's conversation.
    pub chat_id: ConversationId,
    /// Whether the chat was soft-removed.
    pub chat_is_removed: bool,
    /// The chat owner: the ticket's requester.
    pub chat_owner_id: UserId,
    /// When the ticket was completed (solved, or closed without being solved).
    pub completed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub id: TicketId,
    /// Whether the external chat owner is blocked; null when the owner is a platform
    /// user.
    pub is_owner_blocked: Option<bool>,
    /// When the ticket first entered the ongoing state (first opened).
    pub ongoing_at: Option<DateTime<Utc>>,
    /// The owner's email when the owner is a platform user.
    pub owner_email: Option<EmailAddress>,
    pub owner_entity: OwnerEntity,
    /// The owner's identifier (their email address) when the owner is an external user.
    pub owner_identifier: Option<String>,
    pub owner_name: Option<String>,
    /// Customer messages still waiting for an answer.
    pub pending_chat_messages: i64,
    pub responder_entity: Option<ResponderEntity>,
    pub responder_id: Option<UserId>,
    pub responder_name: Option<String>,
    pub responder_picture: Option<String>,
    /// The bot version answering the chat (bots only).
    pub responder_version_id: Option<ResponderVersionId>,
    pub responder_version_number: Option<i64>,
    pub status: WorkspaceStatus,
    /// The short summary of the chat; the subject when there is none.
    pub summary: String,
    pub ticketing_team_id: Option<TeamId>,
    pub ticketing_team_name: Option<String>,
    pub ticketing_team_picture: Option<String>,
    /// The workspace (tenant).
    pub workspace_id: TenantId,
}

/// The short ticket the writes answer (create, complete, takeover, assignee).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WorkspaceTicket))]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    pub created_at: DateTime<Utc>,
    pub id: TicketId,
    pub updated_at: DateTime<Utc>,
    /// The user assigned to the ticket.
    pub assignee_id: Option<UserId>,
    pub chat_id: ConversationId,
    /// How the ticket came to be: `takeover` (a person stepped in) or `handover` (the
    /// bot handed the chat over); null for a ticket that did not start as a chat
    /// (an email, a portal form).
    pub circumstance: Option<Circumstance>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The last time the assignee read the chat.
    pub last_viewed_at: Option<DateTime<Utc>>,
    pub ongoing_at: Option<DateTime<Utc>>,
    pub status: WorkspaceStatus,
    pub summary: String,
    /// The team responsible for the ticket.
    pub ticketing_team_id: Option<TeamId>,
}

/// `POST /api/v1/tickets`: a ticket for a chat. Every field is required;
/// `ticketingTeamId` may be null.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WorkspaceCreateTicketRequest))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateTicketRequest {
    /// The chat: an existing chat of the workspace, or a new chat id (UUID) to open
    /// one.
    pub chat_id: ConversationId,
    #[serde(deserialize_with = "Option::deserialize")]
    pub ticketing_team_id: Option<TeamId>,
    /// The agent or admin who works the ticket.
    pub assignee_id: UserId,
    pub status: WorkspaceStatus,
}

/// `PATCH /api/v1/tickets/{id}/complete`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WorkspaceCompleteRequest))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompleteRequest {
    /// The agent or admin completing the ticket (recorded in its history).
    pub user_id: UserId,
}

/// `PATCH /api/v1/tickets/{id}/takeover` and `PATCH …/{id}/assignee`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WorkspaceAssigneeRequest))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssigneeRequest {
    /// An agent or admin of the workspace.
    pub assignee_id: UserId,
}

/// `POST /api/v1/tickets/{ticketId}/tags`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WorkspaceTagRequest))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TagRequest {
    pub tag_id: TagId,
}

/// A tag on a ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WorkspaceTicketTag))]
#[serde(rename_all = "camelCase")]
pub struct TicketTag {
    /// When the tag was put on the ticket.
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub tag_id: TagId,
    pub ticket_id: TicketId,
}

/// The answer of a call with no entity to return (`DELETE …/tags/{tagId}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WorkspaceMessage))]
pub struct MessageBody {
    pub message: String,
}

/// Page size of the details list when none is given.
pub const DEFAULT_PAGE_SIZE: i64 = 10;
/// The largest page size.
pub const MAX_PAGE_SIZE: i64 = 100;
/// The largest page number (a bound that keeps offsets in range).
pub const MAX_PAGE_NUMBER: i64 = 10_000_000;

/// The query of `GET /api/v1/tickets/details`. The id lists take one value or the
/// parameter repeated (`assigneeIds=a&assigneeIds=b`); a ticket must match one value
/// of each list given.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct TicketDetailsQuery {
    /// Required: `ongoing` or `completed`.
    pub status: WorkspaceStatus,
    #[cfg_attr(feature = "openapi", param(rename = "assigneeIds", explode, style = Form))]
    pub assignee_ids: Vec<UserId>,
    #[cfg_attr(feature = "openapi", param(rename = "chatIds", explode, style = Form))]
    pub chat_ids: Vec<ConversationId>,
    #[cfg_attr(feature = "openapi", param(rename = "responderIds", explode, style = Form))]
    pub responder_ids: Vec<UserId>,
    #[cfg_attr(feature = "openapi", param(rename = "responderVersionIds", explode, style = Form))]
    pub responder_version_ids: Vec<ResponderVersionId>,
    #[cfg_attr(feature = "openapi", param(rename = "tagIds", explode, style = Form))]
    pub tag_ids: Vec<TagId>,
    /// Case-insensitive text in the subject or the summary.
    pub search: Option<String>,
    /// Include tickets whose chat was soft-removed (default false).
    #[cfg_attr(feature = "openapi", param(rename = "includeRemoved"))]
    pub include_removed: Option<bool>,
    /// The page, from 1 (default 1).
    #[cfg_attr(
        feature = "openapi",
        param(rename = "pageNumber", minimum = 1, maximum = 10_000_000)
    )]
    pub page_number: i64,
    /// Tickets per page, 1–100 (default 10).
    #[cfg_attr(
        feature = "openapi",
        param(rename = "pageSize", minimum = 1, maximum = 100)
    )]
    pub page_size: i64,
}

pub use crate::query::{QueryError, QueryErrorKind};

fn uuid_of<T: From<uuid::Uuid>>(param: &str, value: &str) -> Result<T, QueryError> {
    uuid::Uuid::parse_str(value).map(T::from).map_err(|_| {
        QueryError::invalid(
            param,
            value,
            format!("{param} must be UUIDs, got {value:?}"),
        )
    })
}

fn page_param(param: &str, value: &str, max: i64) -> Result<i64, QueryError> {
    match value.parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(QueryError::invalid(
            param,
            value,
            format!("{param} must be a whole number from 1 to {max}, got {value:?}"),
        )),
    }
}

impl TicketDetailsQuery {
    /// A query for one status with every other parameter at its default.
    pub fn new(status: WorkspaceStatus) -> Self {
        TicketDetailsQuery {
            status,
            assignee_ids: Vec::new(),
            chat_ids: Vec::new(),
            responder_ids: Vec::new(),
            responder_version_ids: Vec::new(),
            tag_ids: Vec::new(),
            search: None,
            include_removed: None,
            page_number: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }

    /// Reads the decoded pairs of a query string.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (Cow<'a, str>, Cow<'a, str>)>,
    ) -> Result<Self, QueryError> {
        let mut q = TicketDetailsQuery::new(WorkspaceStatus::Ongoing);
        let mut status = None;
        let mut once = crate::query::Once::default();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref());
            let single = matches!(
                key,
                "status" | "search" | "includeRemoved" | "pageNumber" | "pageSize"
            );
            if single {
                once.check(key, value)?;
            }
            match key {
                "status" => {
                    status = Some(WorkspaceStatus::parse(value).ok_or_else(|| {
                        QueryError::invalid(
                            key,
                            value,
                            format!("status must be one of ongoing, completed, got {value:?}"),
                        )
                    })?);
                }
                "assigneeIds" => q.assignee_ids.push(uuid_of(key, value)?),
                "chatIds" => q.chat_ids.push(uuid_of(key, value)?),
                "responderIds" => q.responder_ids.push(uuid_of(key, value)?),
                "responderVersionIds" => q.responder_version_ids.push(uuid_of(key, value)?),
                "tagIds" => q.tag_ids.push(uuid_of(key, value)?),
                "search" => {
                    let s = value.trim();
                    if s.chars().count() > 200 {
                        return Err(QueryError::invalid(
                            key,
                            value,
                            "search must be at most 200 characters".into(),
                        ));
                    }
                    q.search = (!s.is_empty()).then(|| s.to_owned());
                }
                "includeRemoved" => {
                    q.include_removed = match value {
                        "true" => Some(true),
                        "false" => Some(false),
                        "" | "null" => None,
                        _ => {
                            return Err(QueryError::invalid(
                                key,
                                value,
                                format!("includeRemoved must be true or false, got {value:?}"),
                            ));
                        }
                    }
                }
                "pageNumber" => q.page_number = page_param(key, value, MAX_PAGE_NUMBER)?,
                "pageSize" => q.page_size = page_param(key, value, MAX_PAGE_SIZE)?,
                other => {
                    return Err(QueryError {
                        param: other.to_owned(),
                        value: Some(value.to_owned()),
                        kind: QueryErrorKind::Unknown,
                        message: format!(
                            "unknown parameter {other:?}; this route takes status, assigneeIds, chatIds, \
                             responderIds, responderVersionIds, tagIds, search, includeRemoved, \
                             pageNumber and pageSize"
                        ),
                    });
                }
            }
        }
        q.status = status.ok_or_else(|| QueryError {
            param: "status".into(),
            value: None,
            kind: QueryErrorKind::Missing,
            message: "status is required: ongoing or completed".into(),
        })?;
        Ok(q)
    }

    /// The query as pairs to encode (what a client sends); defaults are left out.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![("status", self.status.as_str().to_owned())];
        let ids = |out: &mut Vec<(&'static str, String)>, key, v: Vec<String>| {
            out.extend(v.into_iter().map(|s| (key, s)));
        };
        ids(&mut out, "assigneeIds", strings(&self.assignee_ids));
        ids(&mut out, "chatIds", strings(&self.chat_ids));
        ids(&mut out, "responderIds", strings(&self.responder_ids));
        ids(
            &mut out,
            "responderVersionIds",
            strings(&self.responder_version_ids),
        );
        ids(&mut out, "tagIds", strings(&self.tag_ids));
        if let Some(s) = &self.search {
            out.push(("search", s.clone()));
        }
        if let Some(r) = self.include_removed {
            out.push(("includeRemoved", r.to_string()));
        }
        if self.page_number != 1 {
            out.push(("pageNumber", self.page_number.to_string()));
        }
        if self.page_size != DEFAULT_PAGE_SIZE {
            out.push(("pageSize", self.page_size.to_string()));
        }
        out
    }
}

fn strings<T: ToString>(v: &[T]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<TicketDetailsQuery, QueryError> {
        TicketDetailsQuery::parse(q.split('&').filter(|p| !p.is_empty()).map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (Cow::Borrowed(k), Cow::Borrowed(v))
        }))
    }

    const A: &str = "0190a1b2-0000-7000-8000-000000000001";
    const B: &str = "0190a1b2-0000-7000-8000-000000000002";

    #[test]
    fn status_alone_gives_the_defaults() {
        let q = parse("status=ongoing").unwrap();
        assert_eq!(q, TicketDetailsQuery::new(WorkspaceStatus::Ongoing));
        assert_eq!((q.page_number, q.page_size), (1, 10));
    }

    #[test]
    fn status_is_required_and_named_in_the_error() {
        let e = parse("pageSize=5").unwrap_err();
        assert_eq!(
            (e.kind, e.param.as_str()),
            (QueryErrorKind::Missing, "status")
        );
        let e = parse("status=open").unwrap_err();
        assert_eq!(e.kind, QueryErrorKind::Invalid);
        assert!(e.message.contains("ongoing, completed"), "{}", e.message);
    }

    #[test]
    fn an_id_list_takes_one_value_or_the_parameter_repeated() {
        let one = parse(&format!("status=ongoing&assigneeIds={A}")).unwrap();
        assert_eq!(one.assignee_ids.len(), 1);
        let two = parse(&format!("status=ongoing&tagIds={A}&tagIds={B}")).unwrap();
        assert_eq!(strings(&two.tag_ids), [A, B]);
    }

    #[test]
    fn a_bad_uuid_names_its_parameter() {
        let e = parse("status=ongoing&chatIds=nope").unwrap_err();
        assert_eq!(
            (e.kind, e.param.as_str()),
            (QueryErrorKind::Invalid, "chatIds")
        );
        assert_eq!(e.value.as_deref(), Some("nope"));
    }

    #[test]
    fn page_size_is_1_to_100_and_page_number_at_least_1() {
        for bad in [
            "pageSize=0",
            "pageSize=101",
            "pageSize=x",
            "pageNumber=0",
            "pageNumber=-1",
        ] {
            let e = parse(&format!("status=completed&{bad}")).unwrap_err();
            assert_eq!(e.kind, QueryErrorKind::Invalid, "{bad}");
        }
        let q = parse("status=completed&pageSize=100&pageNumber=3").unwrap();
        assert_eq!((q.page_number, q.page_size), (3, 100));
    }

    #[test]
    fn unknown_and_repeated_single_parameters_are_refused() {
        let e = parse("status=ongoing&page=2").unwrap_err();
        assert_eq!(
            (e.kind, e.param.as_str()),
            (QueryErrorKind::Unknown, "page")
        );
        let e = parse("status=ongoing&status=completed").unwrap_err();
        assert_eq!(e.param, "status");
    }

    #[test]
    fn include_removed_is_a_boolean() {
        assert_eq!(
            parse("status=ongoing&includeRemoved=true")
                .unwrap()
                .include_removed,
            Some(true)
        );
        assert!(parse("status=ongoing&includeRemoved=yes").is_err());
    }

    #[test]
    fn pairs_round_trip() {
        let mut q = TicketDetailsQuery::new(WorkspaceStatus::Completed);
        q.responder_ids = vec![A.parse().unwrap(), B.parse().unwrap()];
        q.search = Some("refund".into());
        q.include_removed = Some(true);
        q.page_number = 2;
        q.page_size = 50;
        let back = TicketDetailsQuery::parse(
            q.to_pairs()
                .into_iter()
                .map(|(k, v)| (Cow::Borrowed(k), Cow::Owned(v))),
        )
        .unwrap();
        assert_eq!(back, q);
    }

    #[test]
    fn create_requires_every_field_but_team_may_be_null() {
        let ok: CreateTicketRequest = serde_json::from_str(&format!(
            r#"{{"chatId":"{A}","ticketingTeamId":null,"assigneeId":"{B}","status":"ongoing"}}"#
        ))
        .unwrap();
        assert_eq!(ok.ticketing_team_id, None);
        let missing = serde_json::from_str::<CreateTicketRequest>(&format!(
            r#"{{"chatId":"{A}","assigneeId":"{B}","status":"ongoing"}}"#
        ));
        assert!(missing.is_err(), "ticketingTeamId is required (nullable)");
        let unknown = serde_json::from_str::<CreateTicketRequest>(&format!(
            r#"{{"chatId":"{A}","ticketingTeamId":null,"assigneeId":"{B}","status":"ongoing","x":1}}"#
        ));
        assert!(unknown.is_err());
    }

    #[test]
    fn entities_are_named_as_documented() {
        assert_eq!(
            serde_json::to_value(OwnerEntity::of(Role::Customer)).unwrap(),
            "external_user"
        );
        assert_eq!(
            serde_json::to_value(OwnerEntity::of(Role::Agent)).unwrap(),
            "user"
        );
        assert_eq!(
            serde_json::to_value(ResponderEntity::of(ResponderKind::Bot)).unwrap(),
            "bot"
        );
        assert_eq!(
            serde_json::to_value(ResponderEntity::of(ResponderKind::Human)).unwrap(),
            "user"
        );
    }
}
