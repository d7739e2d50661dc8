//! Seed 000: the shared support queue under `/messaging/support/tickets`.

use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiQuery, Auth, OptionalJson, parse_id};
use crate::service::queue::{self, QueueQuery, TicketDetail};
use crate::store::tickets::{AssignmentScope, TicketRecord};
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use outpost_domain::values::limits;
use outpost_domain::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};

/// A user as shown next to a ticket.
#[derive(Serialize, ToSchema)]
pub struct UserSummary {
    pub id: UserId,
    pub email: EmailAddress,
    pub name: String,
    pub picture: Option<String>,
    pub role: Role,
}

impl From<&User> for UserSummary {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            picture: u.picture.clone(),
            role: u.role,
        }
    }
}

/// A row of the support queue.
#[derive(Serialize, ToSchema)]
pub struct SupportTicket {
    pub id: TicketId,
    /// Per-tenant ticket number (#1042).
    pub number: i64,
    pub tenant_id: TenantId,
    pub subject: String,
    pub description: String,
    pub summary: Option<String>,
    pub status: Status,
    pub priority: Priority,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    /// Origin of the ticket: customer_portal, storefront, restaurant, email, …
    pub source: Channel,
    pub related_order_id: Option<String>,
    pub related_delivery_id: Option<String>,
    pub requester: Option<UserSummary>,
    pub assigned_to: Option<UserId>,
    /// Present when the ticket is assigned.
    pub assigned_to_user: Option<UserSummary>,
    pub team_id: Option<TeamId>,
    pub tag_ids: Vec<TagId>,
    pub conversation_id: ConversationId,
    pub message_count: i64,
    pub pending_message_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub solved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

pub(crate) fn row(
    tenant: TenantId,
    rec: &TicketRecord,
    users: &HashMap<UserId, User>,
) -> SupportTicket {
    let t = &rec.ticket;
    SupportTicket {
        id: t.id,
        number: t.number.0,
        tenant_id: tenant,
        subject: t.subject.clone(),
        description: t.description.clone(),
        summary: t.summary.clone(),
        status: t.status,
        priority: t.priority,
        ticket_type: t.ticket_type.clone(),
        source: t.channel.clone(),
        related_order_id: t.related_order_id.clone(),
        related_delivery_id: t.related_delivery_id.clone(),
        requester: users.get(&t.requester_id).map(UserSummary::from),
        assigned_to: t.assignee_id,
        assigned_to_user: t
            .assignee_id
            .and_then(|a| users.get(&a))
            .map(UserSummary::from),
        team_id: t.team_id,
        tag_ids: t.tag_ids.clone(),
        conversation_id: t.conversation_id,
        message_count: t.message_count,
        pending_message_count: t.pending_message_count,
        created_at: t.created_at,
        updated_at: t.updated_at,
        solved_at: t.solved_at,
        closed_at: t.closed_at,
        version: t.version,
    }
}

#[derive(Serialize, ToSchema)]
pub struct SupportTicketList {
    pub tickets: Vec<SupportTicket>,
    pub page: i64,
    pub limit: i64,
    pub total: i64,
    pub total_pages: i64,
    pub has_more: bool,
}

/// The conversation summary of a ticket detail.
#[derive(Serialize, ToSchema)]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub status: ConversationStatus,
    pub participants: Vec<ParticipantSummary>,
    pub message_count: i64,
    pub last_message_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantSummary {
    pub user: Option<UserSummary>,
    pub user_id: UserId,
    pub role: ParticipantRole,
    pub last_read_message_id: Option<MessageId>,
}

#[derive(Serialize, ToSchema)]
pub struct SupportTicketDetail {
    #[serde(flatten)]
    pub ticket: SupportTicket,
    pub conversation: ConversationSummary,
    pub tags: Vec<Tag>,
    pub team: Option<Team>,
}

fn detail(tenant: TenantId, d: TicketDetail) -> SupportTicketDetail {
    let participants = d
        .conversation
        .participants
        .iter()
        .map(|p| ParticipantSummary {
            user: d.users.get(&p.user_id).map(UserSummary::from),
            user_id: p.user_id,
            role: p.role,
            last_read_message_id: p.last_read_message_id,
        })
        .collect();
    SupportTicketDetail {
        ticket: row(tenant, &d.ticket, &d.users),
        conversation: ConversationSummary {
            id: d.conversation.id,
            status: d.conversation.status,
            participants,
            message_count: d.ticket.ticket.message_count,
            last_message_at: d.conversation.last_message_at,
        },
        tags: d.tags,
        team: d.team,
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Tenant context; must match the token's tenant.
    #[param(value_type = Option<uuid::Uuid>)]
    pub tenant_id: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
    /// Page size, 1–100 (default 20); larger values are refused with 422.
    pub limit: Option<i64>,
    /// Ticket origin: customer_portal, storefront, restaurant, email, …
    pub source: Option<String>,
    /// Only tickets about this order.
    pub order_id: Option<String>,
    /// Case-insensitive substring of the subject.
    pub search: Option<String>,
    /// `claimed` or `unassigned`.
    pub assignment_scope: Option<String>,
    /// Only tickets assigned to this user (elevated support users only).
    #[param(value_type = Option<uuid::Uuid>)]
    pub assigned_to: Option<String>,
    /// Comma-separated canonical statuses (new, open, pending, on_hold, solved, closed).
    pub status: Option<String>,
}

pub(crate) fn page_and_limit(
    page: Option<i64>,
    limit: Option<i64>,
) -> Result<(i64, i64), ApiError> {
    let page = page.unwrap_or(1);
    let limit = limit.unwrap_or(20);
    if !(1..=1_000_000).contains(&page) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "page must be between 1 and 1000000",
        ));
    }
    if !(1..=limits::PAGE_MAX).contains(&limit) {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("limit must be between 1 and {}", limits::PAGE_MAX),
        ));
    }
    Ok((page, limit))
}

/// List the support queue.
#[utoipa::path(get, path = "/messaging/support/tickets", tag = "seed-000 support tickets", params(ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SupportTicketList),
        (status = 401, body = outpost_domain::error::ErrorBody),
        (status = 403, description = "Not a support user, tenant mismatch, or assigned_to without elevation", body = outpost_domain::error::ErrorBody),
        (status = 422, description = "Bad parameter", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<SupportTicketList>> {
    let (page, limit) = page_and_limit(q.page, q.limit)?;
    let assignment_scope = match q.assignment_scope.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some("claimed") => Some(AssignmentScope::Claimed),
        Some("unassigned") => Some(AssignmentScope::Unassigned),
        Some(other) => {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("assignment_scope must be claimed or unassigned, got {other:?}"),
            ));
        }
    };
    let statuses = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().parse::<Status>())
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let query = QueueQuery {
        source: q
            .source
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(Channel::parse)
            .transpose()?,
        order_id: q.order_id.filter(|s| !s.is_empty()),
        search: q.search,
        assignment_scope,
        assigned_to: q
            .assigned_to
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| parse_id(s, "assigned_to"))
            .transpose()?,
        statuses,
        page,
        limit,
    };
    let out = queue::list(&state.db, &actor, &query).await?;
    let tickets = out
        .tickets
        .iter()
        .map(|r| row(actor.tenant_id, r, &out.users))
        .collect();
    Ok(Json(SupportTicketList {
        tickets,
        page,
        limit,
        total: out.total,
        total_pages: (out.total + limit - 1) / limit,
        has_more: page * limit < out.total,
    }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TenantQuery {
    /// Tenant context; must match the token's tenant.
    #[param(value_type = Option<uuid::Uuid>)]
    pub tenant_id: Option<String>,
}

/// Get one ticket with its conversation summary.
#[utoipa::path(get, path = "/messaging/support/tickets/{id}", tag = "seed-000 support tickets",
    params(("id" = uuid::Uuid, Path, description = "Support ticket ID (UUID)"), TenantQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = SupportTicketDetail),
        (status = 400, description = "Not a UUID", body = outpost_domain::error::ErrorBody),
        (status = 403, body = outpost_domain::error::ErrorBody),
        (status = 404, body = outpost_domain::error::ErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiQuery(_q): ApiQuery<TenantQuery>,
) -> ApiResult<Json<SupportTicketDetail>> {
    let id: TicketId = parse_id(&id, "id")?;
    let d = queue::detail(&state.db, &actor, id).await?;
    Ok(Json(detail(actor.tenant_id, d)))
}

/// Claim an unassigned ticket; the caller joins its conversation as admin participant.
#[utoipa::path(post, path = "/messaging/support/tickets/{id}/assign-to-me", tag = "seed-000 support tickets",
    params(("id" = uuid::Uuid, Path, description = "Support ticket ID (UUID)"), TenantQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = SupportTicketDetail),
        (status = 403, body = outpost_domain::error::ErrorBody),
        (status = 404, body = outpost_domain::error::ErrorBody),
        (status = 409, description = "Claimed by someone else (details.holder names them) or closed", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn assign_to_me(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiQuery(_q): ApiQuery<TenantQuery>,
) -> ApiResult<Json<SupportTicketDetail>> {
    let id: TicketId = parse_id(&id, "id")?;
    let d = queue::claim(&state.db, &actor, id).await?;
    Ok(Json(detail(actor.tenant_id, d)))
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    #[serde(default)]
    pub metadata: Option<CloseMetadata>,
}

#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseMetadata {
    /// Shown in the system message posted to the conversation.
    #[serde(default)]
    pub note: Option<String>,
}

/// Close a ticket; a system message with the note is posted to its conversation.
#[utoipa::path(post, path = "/messaging/support/tickets/{id}/close", tag = "seed-000 support tickets",
    params(("id" = uuid::Uuid, Path, description = "Support ticket ID (UUID)"), TenantQuery), request_body = Option<CloseRequest>,
    security(("bearer" = [])),
    responses(
        (status = 200, body = SupportTicketDetail),
        (status = 403, body = outpost_domain::error::ErrorBody),
        (status = 404, body = outpost_domain::error::ErrorBody),
    ))]
pub async fn close(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiQuery(_q): ApiQuery<TenantQuery>,
    OptionalJson(body): OptionalJson<CloseRequest>,
) -> ApiResult<Json<SupportTicketDetail>> {
    let id: TicketId = parse_id(&id, "id")?;
    let note = body.metadata.and_then(|m| m.note);
    let d = queue::close(&state.db, &actor, id, note.as_deref()).await?;
    Ok(Json(detail(actor.tenant_id, d)))
}
