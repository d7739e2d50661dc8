//! Seed 001: `/api/v1/support/tickets` and a ticket's comments and close.

use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery, Auth, parse_path_id};
use crate::http::paging::Paging;
use crate::http::routes::sonzai::SonzaiPaging;
use crate::service::support_tickets::{self, TicketComments, TicketsQuery};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use outpost_api::sonzai::problem::ErrorModel;
use outpost_api::sonzai::tickets::{
    AuthorType, CreateCommentRequest, CreateTicketRequest, SupportTicket, SupportTicketComment,
    TicketDetailResponse, TicketHistoryEntry, TicketListItem, TicketListQuery, TicketListResponse,
};
use outpost_api::sonzai::{SonzaiStatus, schema_url};
use outpost_domain::lifecycle;
use outpost_domain::*;
use std::collections::HashMap;

fn email(users: &HashMap<UserId, User>, id: Option<UserId>) -> Option<EmailAddress> {
    id.and_then(|u| users.get(&u)).map(|u| u.email.clone())
}

fn comment_view(m: Message, users: &HashMap<UserId, User>) -> Option<SupportTicketComment> {
    let author = users.get(&m.sender_id?);
    // A sender no longer in the directory was staff: customers are never removed.
    let author_type = author.map_or(AuthorType::Staff, |u| AuthorType::of(u.role));
    let email = author.map(|u| u.email.clone());
    comment_by(m, email, author_type)
}

/// A comment with its author's email and side; `None` for a system message.
fn comment_by(
    m: Message,
    author_email: Option<EmailAddress>,
    author_type: AuthorType,
) -> Option<SupportTicketComment> {
    Some(SupportTicketComment {
        schema: schema_url("SupportTicketComment"),
        comment_id: m.id,
        ticket_id: m.ticket_id,
        author_id: m.sender_id?,
        author_email,
        author_type,
        content: m.content,
        is_internal: m.internal,
        created_at: m.created_at,
    })
}

fn ticket_view(tenant: TenantId, t: TicketComments) -> SupportTicket {
    let TicketComments {
        ticket,
        comments,
        users,
    } = t;
    let t = ticket.ticket;
    let comments: Vec<SupportTicketComment> = comments
        .into_iter()
        .filter_map(|m| comment_view(m, &users))
        .collect();
    SupportTicket {
        schema: schema_url("SupportTicket"),
        ticket_id: t.id,
        tenant_id: tenant,
        resolved_at: lifecycle::finished_at(&t),
        title: t.subject,
        description: t.description,
        status: SonzaiStatus::of(t.status),
        priority: t.priority,
        ticket_type: t.ticket_type,
        created_by: t.requester_id,
        created_by_email: email(&users, Some(t.requester_id)),
        assigned_to: t.assignee_id,
        assigned_to_email: email(&users, t.assignee_id),
        comment_count: comments.len() as i64,
        comments,
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

/// An audit entry in this family's words: `subject` is `title`, `assignee_id` is
/// `assigned_to`, statuses are seed 001 statuses. `None` for a status change this
/// family cannot see (e.g. `open` to `pending`, both `in_progress`).
fn history_view(h: HistoryEntry, users: &HashMap<UserId, User>) -> Option<TicketHistoryEntry> {
    let (field, old, new) = match h.field_changed.as_str() {
        "status" => {
            let map = |v: Option<String>| {
                v.and_then(|s| s.parse::<Status>().ok())
                    .map(|s| SonzaiStatus::of(s).as_str().to_owned())
            };
            let (old, new) = (map(h.old_value), map(h.new_value));
            if old == new {
                return None;
            }
            ("status".to_owned(), old, new)
        }
        "subject" => ("title".to_owned(), h.old_value, h.new_value),
        "assignee_id" => ("assigned_to".to_owned(), h.old_value, h.new_value),
        other => (other.to_owned(), h.old_value, h.new_value),
    };
    Some(TicketHistoryEntry {
        history_id: h.id,
        ticket_id: h.ticket_id,
        field_changed: field,
        old_value: old,
        new_value: new,
        changed_by: h.changed_by,
        changed_by_email: email(users, h.changed_by),
        created_at: h.created_at,
    })
}

/// List my support tickets.
///
/// Customers see the tickets they requested; support users every ticket of the
/// tenant; other agents the tickets they requested, hold or answer. Newest first by
/// ticket number: a ticket keeps its place when it changes, so walking `offset` by
/// `limit` returns each matching ticket exactly once.
#[utoipa::path(get, path = "/api/v1/support/tickets", tag = "seed-001 support tickets",
    params(TicketListQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = TicketListResponse),
        (status = 422, description = "A bad limit, offset, status or type", body = ErrorModel, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(q): ApiQuery<TicketListQuery>,
    paging: Paging<SonzaiPaging>,
) -> ApiResult<Json<TicketListResponse>> {
    let ticket_type = q
        .ticket_type
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| TicketType::parse(s).map_err(|e| ApiError::from(e).at("query.type", s)))
        .transpose()?;
    let query = TicketsQuery {
        statuses: q.status.map(|s| s.matches().to_vec()).unwrap_or_default(),
        ticket_type,
        offset: paging.offset,
        limit: paging.limit,
    };
    let page = support_tickets::list(&state.db, &actor, &query).await?;
    let has_more = paging.offset + (page.tickets.len() as i64) < page.total;
    let tickets = page
        .tickets
        .iter()
        .map(|r| {
            let t = &r.ticket;
            TicketListItem {
                comment_count: page
                    .comment_counts
                    .get(&t.conversation_id)
                    .copied()
                    .unwrap_or(0),
                created_by_email: email(&page.users, Some(t.requester_id)),
                assigned_to_email: email(&page.users, t.assignee_id),
                ticket_id: t.id,
                title: t.subject.clone(),
                status: SonzaiStatus::of(t.status),
                priority: t.priority,
                ticket_type: t.ticket_type.clone(),
                created_at: t.created_at,
                updated_at: t.updated_at,
            }
        })
        .collect();
    Ok(Json(TicketListResponse {
        schema: schema_url("TicketListResponse"),
        has_more,
        tickets,
        total: page.total,
    }))
}

/// Create a support ticket.
///
/// The caller is its requester; it comes in through the `api` channel, starts
/// `open` (canonical `new`) and has type `support` unless the body names another.
#[utoipa::path(post, path = "/api/v1/support/tickets", tag = "seed-001 support tickets",
    request_body = CreateTicketRequest, security(("bearer" = [])),
    responses(
        (status = 201, body = SupportTicket),
        (status = 422, description = "A missing or bad title, description or type", body = ErrorModel, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiJson(body): ApiJson<CreateTicketRequest>,
) -> ApiResult<(StatusCode, Json<SupportTicket>)> {
    let title = parse_subject(&body.title)
        .map_err(|e| ApiError::from(e).at("body.title", body.title.as_str()))?;
    parse_description(&body.description)
        .map_err(|e| ApiError::from(e).at("body.description", body.description.len()))?;
    let ticket_type = match body.ticket_type {
        Some(t) => t,
        None => TicketType::parse("support")?,
    };
    let new = support_tickets::NewTicket {
        title,
        description: body.description,
        ticket_type,
    };
    let t = support_tickets::create(&state.db, &actor, new).await?;
    Ok((StatusCode::CREATED, Json(ticket_view(actor.tenant_id, t))))
}

/// Get a support ticket with comments.
///
/// Customers see public comments only; the history is the ticket's audit trail,
/// oldest first.
#[utoipa::path(get, path = "/api/v1/support/tickets/{ticketId}", tag = "seed-001 support tickets",
    params(("ticketId" = uuid::Uuid, Path, description = "Ticket UUID")), security(("bearer" = [])),
    responses(
        (status = 200, body = TicketDetailResponse),
        (status = 400, description = "ticketId is not a UUID", body = ErrorModel, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket, or not one the caller may see", body = ErrorModel, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<TicketDetailResponse>> {
    let id: TicketId = parse_path_id(&id, "ticketId")?;
    let d = support_tickets::detail(&state.db, &actor, id).await?;
    let history = d
        .history
        .into_iter()
        .filter_map(|h| history_view(h, &d.ticket.users))
        .collect();
    Ok(Json(TicketDetailResponse {
        schema: schema_url("TicketDetailResponse"),
        history,
        ticket: ticket_view(actor.tenant_id, d.ticket),
    }))
}

/// Close a support ticket (user).
///
/// Support users close any ticket they see, requesters their own. The conversation
/// closes and a system message records who closed it; closing a closed ticket
/// changes nothing.
#[utoipa::path(post, path = "/api/v1/support/tickets/{ticketId}/close", tag = "seed-001 support tickets",
    params(("ticketId" = uuid::Uuid, Path, description = "Ticket UUID")), security(("bearer" = [])),
    responses(
        (status = 200, body = SupportTicket),
        (status = 404, description = "No such ticket, or not one the caller may see", body = ErrorModel, content_type = "application/problem+json"),
    ))]
pub async fn close(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<SupportTicket>> {
    let id: TicketId = parse_path_id(&id, "ticketId")?;
    let t = support_tickets::close(&state.db, &actor, id).await?;
    Ok(Json(ticket_view(actor.tenant_id, t)))
}

/// Add a comment to a support ticket.
///
/// Staff may send `is_internal: true` for a note customers never see. A closed
/// ticket takes no comments (409 `ticket_closed`); a customer's comment re-opens a
/// pending or resolved ticket.
#[utoipa::path(post, path = "/api/v1/support/tickets/{ticketId}/comments", tag = "seed-001 support tickets",
    params(("ticketId" = uuid::Uuid, Path, description = "Ticket UUID")),
    request_body = CreateCommentRequest, security(("bearer" = [])),
    responses(
        (status = 201, body = SupportTicketComment),
        (status = 403, description = "An internal comment from a customer", body = ErrorModel, content_type = "application/problem+json"),
        (status = 404, description = "No such ticket, or not one the caller may see", body = ErrorModel, content_type = "application/problem+json"),
        (status = 409, description = "The ticket is closed", body = ErrorModel, content_type = "application/problem+json"),
    ))]
pub async fn comment(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateCommentRequest>,
) -> ApiResult<(StatusCode, Json<SupportTicketComment>)> {
    let id: TicketId = parse_path_id(&id, "ticketId")?;
    if body.content.trim().is_empty() {
        return Err(
            ApiError::new(ErrorCode::InvalidInput, "content must not be blank")
                .at("body.content", body.content.as_str()),
        );
    }
    let internal = body.is_internal;
    let c = support_tickets::comment(&state.db, &actor, id, body.content, internal)
        .await
        .map_err(|e| {
            let e = ApiError::from(e);
            match e.code {
                ErrorCode::Forbidden if internal => e.at("body.is_internal", true),
                ErrorCode::InvalidInput => e.at("body.content", serde_json::Value::Null),
                _ => e,
            }
        })?;
    // The author is the caller: the token already says who they are.
    let view = comment_by(c, Some(actor.email.clone()), AuthorType::of(actor.role))
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the comment has no author"))?;
    Ok((StatusCode::CREATED, Json(view)))
}
