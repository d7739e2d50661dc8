//! Seed 002: `/api/v1/tickets`, a ticket's details, the details list, and the writes.

use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, KeyAuth, parse_path_id};
use crate::service::chat_tickets::{self, ChatTicketRequest, ChatTickets, ChatTicketsQuery};
use crate::store::tickets::TicketRecord;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use outpost_api::workspace::WorkspaceStatus;
use outpost_api::workspace::tickets::{
    AssigneeRequest, CompleteRequest, CreateTicketRequest, MessageBody, OwnerEntity,
    ResponderEntity, TagRequest, Ticket as TicketBody, TicketDetails, TicketDetailsQuery,
    TicketTag,
};
use outpost_domain::lifecycle;
use outpost_domain::*;

/// The chat's short summary; the subject stands in when nobody summarised it.
fn summary(t: &Ticket) -> String {
    t.summary
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| t.subject.clone())
}

fn details_view(tenant: TenantId, rec: &TicketRecord, page: &ChatTickets) -> TicketDetails {
    let t = &rec.ticket;
    let user = |id: Option<UserId>| id.and_then(|u| page.users.get(&u));
    let assignee = user(t.assignee_id);
    let owner = user(Some(t.requester_id));
    let owner_entity = owner.map_or(OwnerEntity::ExternalUser, |u| OwnerEntity::of(u.role));
    let external = owner_entity == OwnerEntity::ExternalUser;
    // Who answers: the chat's responder, else the assignee working it.
    let (responder, responder_entity) = match (t.responder_id, t.responder_kind) {
        (Some(r), kind) => (
            user(Some(r)),
            Some(ResponderEntity::of(kind.unwrap_or(ResponderKind::Human))),
        ),
        (None, _) => (assignee, assignee.map(|_| ResponderEntity::User)),
    };
    let team = t.team_id.and_then(|id| page.teams.get(&id));
    let channel = t.channel_id.and_then(|id| page.channels.get(&id));
    TicketDetails {
        assignee_email: assignee.map(|u| u.email.clone()),
        assignee_id: t.assignee_id,
        assignee_name: assignee.map(|u| u.name.clone()),
        assignee_picture: assignee.and_then(|u| u.picture.clone()),
        channel_id: channel.map(|c| c.id),
        channel_name: channel.map(|c| c.name.clone()),
        channel_type: Some(t.channel.as_str().to_owned()),
        chat_id: t.conversation_id,
        chat_is_removed: t.removed,
        chat_owner_id: t.requester_id,
        completed_at: lifecycle::finished_at(t),
        created_at: t.created_at,
        id: t.id,
        is_owner_blocked: external.then(|| owner.is_some_and(|u| u.blocked)),
        ongoing_at: t.ongoing_at,
        owner_email: owner.filter(|_| !external).map(|u| u.email.clone()),
        owner_entity,
        owner_identifier: owner.filter(|_| external).map(|u| u.email.to_string()),
        owner_name: owner.map(|u| u.name.clone()),
        pending_chat_messages: t.pending_message_count,
        responder_entity: responder.and(responder_entity),
        responder_id: responder.map(|u| u.id),
        responder_name: responder.map(|u| u.name.clone()),
        responder_picture: responder.and_then(|u| u.picture.clone()),
        responder_version_id: t.responder_version.map(|v| v.id),
        responder_version_number: t.responder_version.map(|v| v.number),
        status: WorkspaceStatus::of(t.status),
        summary: summary(t),
        ticketing_team_id: t.team_id,
        ticketing_team_name: team.map(|t| t.name.clone()),
        ticketing_team_picture: team.and_then(|t| t.picture.clone()),
        workspace_id: tenant,
    }
}

fn ticket_view(rec: TicketRecord) -> TicketBody {
    let t = rec.ticket;
    TicketBody {
        completed_at: lifecycle::finished_at(&t),
        summary: summary(&t),
        status: WorkspaceStatus::of(t.status),
        created_at: t.created_at,
        id: t.id,
        updated_at: t.updated_at,
        assignee_id: t.assignee_id,
        chat_id: t.conversation_id,
        circumstance: t.circumstance,
        last_viewed_at: t.last_viewed_at,
        ongoing_at: t.ongoing_at,
        ticketing_team_id: t.team_id,
    }
}

/// Retrieves a ticket with details.
///
/// The chat is the ticket's conversation and its owner the requester; the responder
/// is the bot or person answering (the assignee when no bot answers).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/details", tag = "seed-002 workspace tickets",
    params(("id" = uuid::Uuid, Path, description = "Ticket UUID")),
    security(("workspace_key" = []), ("bearer" = [])),
    responses(
        (status = 200, body = TicketDetails),
        (status = 404, description = "No such ticket in the caller's workspace", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn details(
    State(state): State<AppState>,
    KeyAuth(actor): KeyAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<TicketDetails>> {
    let id: TicketId = parse_path_id(&id, "id")?;
    let page = chat_tickets::details(&state.db, &actor, id).await?;
    let rec = page
        .tickets
        .first()
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "ticket not found"))?;
    Ok(Json(details_view(actor.tenant_id, rec, &page)))
}

/// Retrieves multiple tickets with details.
///
/// The body is a JSON array of tickets, oldest first by creation (tickets created
/// while a client walks the pages join the last page, so a walk neither repeats nor
/// skips one). The headers say where the page sits: `X-Total-Count` (matches over all
/// pages), `X-Page-Number`, `X-Page-Size` and a `Link` header with `next` and `prev`.
/// Soft-removed chats are left out unless `includeRemoved=true`.
#[utoipa::path(get, path = "/api/v1/tickets/details", tag = "seed-002 workspace tickets",
    params(TicketDetailsQuery),
    security(("workspace_key" = []), ("bearer" = [])),
    responses(
        (status = 200, body = Vec<TicketDetails>, headers(
            ("X-Total-Count" = i64, description = "Tickets matching over all pages"),
            ("X-Page-Number" = i64, description = "This page"),
            ("X-Page-Size" = i64, description = "Tickets per page"),
            ("Link" = String, description = "RFC 8288 links to the next and previous pages"),
        )),
        (status = 400, description = "An unknown parameter", body = outpost_domain::error::ErrorBody),
        (status = 422, description = "status missing or not ongoing/completed, an id that is not a UUID, a page number below 1 or a page size outside 1-100", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    KeyAuth(actor): KeyAuth,
    RawQuery(raw): RawQuery,
) -> ApiResult<(HeaderMap, Json<Vec<TicketDetails>>)> {
    let raw = raw.unwrap_or_default();
    let q = TicketDetailsQuery::parse(form_urlencoded::parse(raw.as_bytes()))?;
    let query = ChatTicketsQuery {
        statuses: q.status.matches().to_vec(),
        assignee_ids: q.assignee_ids.clone(),
        chat_ids: q.chat_ids.clone(),
        responder_ids: q.responder_ids.clone(),
        responder_version_ids: q.responder_version_ids.clone(),
        tag_ids: q.tag_ids.clone(),
        search: q.search.clone(),
        include_removed: q.include_removed.unwrap_or(false),
        offset: (q.page_number - 1) * q.page_size,
        limit: q.page_size,
    };
    let page = chat_tickets::list(&state.db, &actor, &query).await?;
    let body = page
        .tickets
        .iter()
        .map(|r| details_view(actor.tenant_id, r, &page))
        .collect();
    Ok((page_headers(&q, page.total), Json(body)))
}

/// `X-Total-Count`, `X-Page-Number`, `X-Page-Size` and `Link` (relative references to
/// this route with the same filters).
fn page_headers(q: &TicketDetailsQuery, total: i64) -> HeaderMap {
    let mut h = HeaderMap::new();
    let num = |n: i64| HeaderValue::from(n);
    h.insert("x-total-count", num(total));
    h.insert("x-page-number", num(q.page_number));
    h.insert("x-page-size", num(q.page_size));
    let link_to = |page: i64, rel: &str| {
        let mut at = q.clone();
        at.page_number = page;
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(at.to_pairs())
            .finish();
        format!("</api/v1/tickets/details?{query}>; rel=\"{rel}\"")
    };
    let mut links = Vec::new();
    if q.page_number * q.page_size < total {
        links.push(link_to(q.page_number + 1, "next"));
    }
    if q.page_number > 1 {
        links.push(link_to(q.page_number - 1, "prev"));
    }
    if !links.is_empty()
        && let Ok(v) = HeaderValue::from_str(&links.join(", "))
    {
        h.insert(header::LINK, v);
    }
    h
}

/// Creates a new ticket.
///
/// For a chat of the workspace (`chatId`): a chat with an ongoing ticket answers 409
/// naming it; a chat whose ticket is completed gets it back, reopened. An unknown
/// `chatId` opens a new chat (owned by the caller, channel `api`). A bot caller hands
/// the chat over (`circumstance: handover`); a person takes it over (`takeover`).
/// `status: completed` makes the ticket solved (STATUS_MAPPING).
#[utoipa::path(post, path = "/api/v1/tickets", tag = "seed-002 workspace tickets",
    request_body = CreateTicketRequest,
    security(("workspace_key" = []), ("bearer" = [])),
    responses(
        (status = 200, body = TicketBody),
        (status = 404, description = "assigneeId or ticketingTeamId is not in the workspace", body = outpost_domain::error::ErrorBody),
        (status = 409, description = "The chat already has an ongoing ticket", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    KeyAuth(actor): KeyAuth,
    ApiJson(body): ApiJson<CreateTicketRequest>,
) -> ApiResult<Json<TicketBody>> {
    let req = ChatTicketRequest {
        chat_id: body.chat_id,
        team_id: body.ticketing_team_id,
        assignee_id: body.assignee_id,
        status: body.status.written(),
    };
    let rec = chat_tickets::open_for_chat(&state.db, &actor, &req).await?;
    Ok(Json(ticket_view(rec)))
}

/// Completes a ticket.
///
/// The ticket becomes solved, recorded as done by `userId` (an agent or admin). A
/// completed ticket stays as it is; a closed one stays closed.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}/complete", tag = "seed-002 workspace tickets",
    params(("id" = uuid::Uuid, Path, description = "Ticket UUID")),
    request_body = CompleteRequest,
    security(("workspace_key" = []), ("bearer" = [])),
    responses(
        (status = 200, body = TicketBody),
        (status = 404, description = "No such ticket or user in the workspace", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn complete(
    State(state): State<AppState>,
    KeyAuth(actor): KeyAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CompleteRequest>,
) -> ApiResult<Json<TicketBody>> {
    let id: TicketId = parse_path_id(&id, "id")?;
    let rec = chat_tickets::complete(&state.db, &actor, id, body.user_id).await?;
    Ok(Json(ticket_view(rec)))
}

/// Takes over a ticket.
///
/// `assigneeId` takes the chat from the bot: they become its responder and assignee
/// (`circumstance: takeover`) and a new ticket opens. A chat another person holds
/// answers 409 naming them; a closed ticket answers 409 `ticket_closed`.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}/takeover", tag = "seed-002 workspace tickets",
    params(("id" = uuid::Uuid, Path, description = "Ticket UUID")),
    request_body = AssigneeRequest,
    security(("workspace_key" = []), ("bearer" = [])),
    responses(
        (status = 200, body = TicketBody),
        (status = 404, description = "No such ticket or user in the workspace", body = outpost_domain::error::ErrorBody),
        (status = 409, description = "Held by another person, or closed", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn takeover(
    State(state): State<AppState>,
    KeyAuth(actor): KeyAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssigneeRequest>,
) -> ApiResult<Json<TicketBody>> {
    let id: TicketId = parse_path_id(&id, "id")?;
    let rec = chat_tickets::takeover(&state.db, &actor, id, body.assignee_id).await?;
    Ok(Json(ticket_view(rec)))
}

/// Updates the assignee of a ticket.
///
/// Assigning an agent or admin opens a new ticket; the assignee joins the chat.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}/assignee", tag = "seed-002 workspace tickets",
    params(("id" = uuid::Uuid, Path, description = "Ticket UUID")),
    request_body = AssigneeRequest,
    security(("workspace_key" = []), ("bearer" = [])),
    responses(
        (status = 200, body = TicketBody),
        (status = 404, description = "No such ticket or user in the workspace", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn assignee(
    State(state): State<AppState>,
    KeyAuth(actor): KeyAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssigneeRequest>,
) -> ApiResult<Json<TicketBody>> {
    let id: TicketId = parse_path_id(&id, "id")?;
    let rec = chat_tickets::assign(&state.db, &actor, id, body.assignee_id).await?;
    Ok(Json(ticket_view(rec)))
}

/// Creates tags for a ticket.
///
/// Puts the tag on the ticket; a tag it already has answers the existing link.
#[utoipa::path(post, path = "/api/v1/tickets/{ticketId}/tags", tag = "seed-002 workspace tickets",
    params(("ticketId" = uuid::Uuid, Path, description = "Ticket UUID")),
    request_body = TagRequest,
    security(("workspace_key" = []), ("bearer" = [])),
    responses(
        (status = 200, body = TicketTag),
        (status = 404, description = "No such ticket or tag in the workspace", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn add_tag(
    State(state): State<AppState>,
    KeyAuth(actor): KeyAuth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TagRequest>,
) -> ApiResult<Json<TicketTag>> {
    let id: TicketId = parse_path_id(&id, "ticketId")?;
    let link = chat_tickets::add_tag(&state.db, &actor, id, body.tag_id).await?;
    Ok(Json(TicketTag {
        created_at: link.since,
        updated_at: link.since,
        tag_id: link.tag_id,
        ticket_id: link.ticket_id,
    }))
}

/// Removes a tag from a ticket.
///
/// Answers 200 whether or not the ticket had the tag; the message says which.
#[utoipa::path(delete, path = "/api/v1/tickets/{ticketId}/tags/{tagId}", tag = "seed-002 workspace tickets",
    params(
        ("ticketId" = uuid::Uuid, Path, description = "Ticket UUID"),
        ("tagId" = uuid::Uuid, Path, description = "Tag UUID"),
    ),
    security(("workspace_key" = []), ("bearer" = [])),
    responses(
        (status = 200, body = MessageBody),
        (status = 404, description = "No such ticket or tag in the workspace", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn remove_tag(
    State(state): State<AppState>,
    KeyAuth(actor): KeyAuth,
    Path((id, tag)): Path<(String, String)>,
) -> ApiResult<Json<MessageBody>> {
    let id: TicketId = parse_path_id(&id, "ticketId")?;
    let tag: TagId = parse_path_id(&tag, "tagId")?;
    let had = chat_tickets::remove_tag(&state.db, &actor, id, tag).await?;
    let message = if had {
        "the tag was removed from the ticket"
    } else {
        "the ticket did not have this tag; nothing changed"
    };
    Ok(Json(MessageBody {
        message: message.into(),
    }))
}
