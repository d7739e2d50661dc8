//! Seed 000: the shared support queue under `/messaging/support/tickets`.

use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiQuery, Auth, OptionalJson, parse_id};
use crate::http::paging::Paging;
use crate::http::routes::ondi::OndiPaging;
use crate::service::queue::{self, QueueQuery, TicketDetail};
use crate::store::tickets::{AssignmentScope, TicketRecord};
use axum::Json;
use axum::extract::{Path, State};
use outpost_api::ondi::status;
use outpost_api::ondi::support::{
    CloseRequest, ConversationSummary, ListQuery, ParticipantSummary, SupportTicket,
    SupportTicketDetail, SupportTicketList, TenantQuery, UserSummary,
};
use outpost_domain::*;
use std::collections::HashMap;

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
        status: status::support_status(t.status),
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
    paging: Paging<OndiPaging>,
) -> ApiResult<Json<SupportTicketList>> {
    let (page, limit) = (paging.page(), paging.limit);
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
        .map(status::parse_support_filter)
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
