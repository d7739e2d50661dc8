//! Seed 003: conversation messages under `/messaging/conversations/:id/messages`.

use crate::http::AppState;
use crate::http::base_url::BaseUrl;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiQuery, Auth, parse_id};
use crate::http::paging::Paging;
use crate::http::routes::ondi::OndiPaging;
use crate::service::messages;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use outpost_api::ondi::messages::{ListQuery, MessageList, MessageView, SendRequest};
use outpost_api::ondi::support::{TenantQuery, UserSummary};
use outpost_domain::sync::MessageSendArgs;
use outpost_domain::*;
use std::collections::HashMap;

/// A message as seed 003 shows it; files stored by this server get absolute URLs.
fn view(m: Message, users: &HashMap<UserId, User>, base: &BaseUrl) -> MessageView {
    MessageView {
        sender: m
            .sender_id
            .and_then(|s| users.get(&s))
            .map(UserSummary::from),
        id: m.id,
        conversation_id: m.conversation_id,
        ticket_id: m.ticket_id,
        message_type: m.message_type,
        content: m.content,
        content_url: m.content_url.map(|u| base.absolute(&u)),
        metadata: m.metadata,
        parent_message_id: m.parent_message_id,
        internal: m.internal,
        attachments: m
            .attachments
            .into_iter()
            .map(|a| Attachment {
                url: base.absolute(&a.url),
                ..a
            })
            .collect(),
        created_at: m.created_at,
        sender_id: m.sender_id,
    }
}

type Range = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

fn parse_range(s: Option<&str>) -> Result<Range, ApiError> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok((None, None));
    };
    let bad = || {
        ApiError::new(
            ErrorCode::InvalidInput,
            "timestamp_range must be \"from,to\" in RFC 3339, e.g. 2023-01-01T00:00:00Z,2023-01-02T00:00:00Z",
        )
    };
    let (from, to) = s.split_once(',').ok_or_else(bad)?;
    let parse = |x: &str| -> Result<Option<DateTime<Utc>>, ApiError> {
        let x = x.trim();
        if x.is_empty() {
            Ok(None)
        } else {
            time::parse(x).map(Some).map_err(|_| bad())
        }
    };
    let (from, to) = (parse(from)?, parse(to)?);
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "timestamp_range: from is after to",
        ));
    }
    Ok((from, to))
}

/// List a conversation's messages (newest first); moves the caller's read marker.
#[utoipa::path(get, path = "/messaging/conversations/{conversationId}/messages", tag = "seed-003 messages",
    params(("conversationId" = uuid::Uuid, Path, description = "UUID of the conversation"), ListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = MessageList),
        (status = 403, description = "Not a participant", body = outpost_domain::error::ErrorBody),
        (status = 404, body = outpost_domain::error::ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Auth(actor): Auth,
    base: BaseUrl,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
    // Taken as a result so a bad id is reported before a bad page, as the seed does.
    paging: Result<Paging<OndiPaging>, ApiError>,
) -> ApiResult<Json<MessageList>> {
    let conv: ConversationId = parse_id(&id, "conversationId")?;
    let paging = paging?;
    let (page, limit) = (paging.page(), paging.limit);
    let (from, to) = parse_range(q.timestamp_range.as_deref())?;
    let out = messages::list(&state.db, &actor, conv, from, to, page, limit).await?;
    let users: HashMap<UserId, User> = out.senders.into_iter().map(|u| (u.id, u)).collect();
    Ok(Json(MessageList {
        has_more: page * limit < out.total,
        messages: out
            .messages
            .into_iter()
            .map(|m| view(m, &users, &base))
            .collect(),
        page,
        limit,
        total: out.total,
    }))
}

/// Send a message to a conversation.
#[utoipa::path(post, path = "/messaging/conversations/{conversationId}/messages", tag = "seed-003 messages",
    params(("conversationId" = uuid::Uuid, Path, description = "UUID of the conversation"), TenantQuery),
    request_body = SendRequest, security(("bearer" = [])),
    responses(
        (status = 201, body = MessageView),
        (status = 400, description = "Missing content", body = outpost_domain::error::ErrorBody),
        (status = 403, description = "Not a participant, or conversation not active", body = outpost_domain::error::ErrorBody),
        (status = 404, body = outpost_domain::error::ErrorBody),
        (status = 422, description = "Reserved message_type or invalid field", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn send(
    State(state): State<AppState>,
    Auth(actor): Auth,
    base: BaseUrl,
    Path(id): Path<String>,
    ApiQuery(_q): ApiQuery<TenantQuery>,
    ApiJson(req): ApiJson<SendRequest>,
) -> ApiResult<(StatusCode, Json<MessageView>)> {
    let conv: ConversationId = parse_id(&id, "conversationId")?;
    let ticket_id = messages::ticket_of_conversation(&state.db, &actor, conv).await?;
    let args = MessageSendArgs {
        message_id: req.id.unwrap_or_default(),
        ticket_id,
        message_type: req.message_type.unwrap_or(MessageType::Text),
        content: req.content.unwrap_or_default(),
        content_url: req.content_url,
        metadata: req.metadata.filter(|m| !m.is_null()),
        parent_message_id: req.parent_message_id,
        internal: req.internal.unwrap_or(false),
        attachments: req.attachments.unwrap_or_default(),
    };
    let msg = messages::send(&state.db, &actor, &args).await?;
    let mut v = view(msg, &HashMap::new(), &base);
    v.sender = Some(UserSummary {
        id: actor.user_id,
        email: actor.email.clone(),
        name: actor.name.clone(),
        picture: None,
        role: actor.role,
    });
    Ok((StatusCode::CREATED, Json(v)))
}
