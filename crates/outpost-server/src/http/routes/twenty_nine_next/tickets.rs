//! Seed 004: `GET /api/admin/tickets/`.

use crate::http::AppState;
use crate::http::base_url::BaseUrl;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Auth;
use crate::service::admin_tickets::{self, AdminPage};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use outpost_api::twenty_nine_next::tickets::{
    Comment, CommentAttachment, Cursor, Ticket as TicketBody, TicketsPage, TicketsQuery,
};
use outpost_api::twenty_nine_next::{
    ApiVersion, TwentyNineNextChannel, TwentyNineNextPriority, TwentyNineNextStatus, VERSION,
    VERSION_HEADER, ticket_type_number,
};
use outpost_domain::ErrorCode;

/// The required `X-29next-API-Version: unstable`.
fn check_version(headers: &HeaderMap) -> Result<(), ApiError> {
    let given = headers
        .get(VERSION_HEADER)
        .map(|v| v.to_str().unwrap_or("?"));
    match given {
        Some(VERSION) => Ok(()),
        Some(other) => Err(ApiError::new(
            ErrorCode::InvalidInput,
            format!("header {VERSION_HEADER} must be {VERSION:?}, got {other:?}"),
        )
        .at(format!("header.{VERSION_HEADER}"), other)),
        None => Err(ApiError::new(
            ErrorCode::MissingField,
            format!("header {VERSION_HEADER} is required: {VERSION_HEADER}: {VERSION}"),
        )
        .at(format!("header.{VERSION_HEADER}"), serde_json::Value::Null)),
    }
}

fn page_url(base: &BaseUrl, q: &TicketsQuery, cursor: Cursor) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in q.filter_pairs() {
        query.append_pair(k, &v);
    }
    query.append_pair("cursor", &q.encode_cursor(cursor));
    base.absolute(&format!("/api/admin/tickets/?{}", query.finish()))
}

fn view(base: &BaseUrl, q: &TicketsQuery, page: &AdminPage) -> TicketsPage {
    let person = |id| page.people.get(&id);
    let results = page
        .tickets
        .iter()
        .map(|rec| {
            let t = &rec.ticket;
            let comments = page
                .comments
                .get(&t.id)
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|(number, m)| {
                    let author = m.sender_id.and_then(person);
                    Comment {
                        attachments: page
                            .attachments
                            .get(&m.id)
                            .map(Vec::as_slice)
                            .unwrap_or_default()
                            .iter()
                            .map(|a| CommentAttachment {
                                file: base.absolute(&a.url()),
                                file_name: a.name.clone(),
                                id: a.number,
                            })
                            .collect(),
                        author: author.map(|(n, _)| *n),
                        body: m.content.clone(),
                        created_at: m.created_at,
                        from_email: author.map(|(_, e)| e.to_string()),
                        id: *number,
                        is_public: !m.internal,
                    }
                })
                .collect();
            let requester = person(t.requester_id);
            let mut tags: Vec<String> = t
                .tag_ids
                .iter()
                .filter_map(|id| page.tag_names.get(id).cloned())
                .collect();
            tags.sort();
            TicketBody {
                assignee: t.assignee_id.and_then(person).map(|(n, _)| *n),
                channel: TwentyNineNextChannel::of(&t.channel),
                comments,
                created_at: t.created_at,
                from_email: requester.map(|(_, e)| e.to_string()).unwrap_or_default(),
                id: t.number.0,
                order: t.related_order_id.clone(),
                priority: TwentyNineNextPriority::of(t.priority),
                products: t.products.clone(),
                requester: requester.map_or(0, |(n, _)| *n),
                status: TwentyNineNextStatus::of(t.status),
                subject: t.subject.clone(),
                tags,
                ticket_type: ticket_type_number(&t.ticket_type),
                updated_at: t.updated_at,
            }
        })
        .collect();
    TicketsPage {
        next: page.next.map(|c| page_url(base, q, c)),
        previous: page.previous.map(|c| page_url(base, q, c)),
        results,
    }
}

/// Retrieve a list of tickets, newest first, 50 per page. Every filter given must
/// match; `status`, `product` and `tags` may repeat (any of their values). Follow
/// `next` and `previous` to walk the pages: they keep the filters and carry a cursor
/// that tickets created meanwhile do not disturb.
#[utoipa::path(get, path = "/api/admin/tickets/", tag = "29next", params(
        TicketsQuery,
        ("X-29next-API-Version" = ApiVersion, Header, description = "The API version: `unstable`"),
    ),
    security(("bearer" = ["tickets:read"])),
    responses(
        (status = 200, body = TicketsPage),
        (status = 400, description = "An unknown parameter, or the version header missing", body = outpost_domain::error::ErrorBody),
        (status = 401, body = outpost_domain::error::ErrorBody),
        (status = 403, description = "The token lacks tickets:read, or the caller is not staff", body = outpost_domain::error::ErrorBody),
        (status = 422, description = "A bad filter value, another version, or an invalid cursor", body = outpost_domain::error::ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Result<crate::http::extract::Auth, ApiError>,
    base: BaseUrl,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    check_version(&headers)?;
    let Auth(actor) = auth?;
    let raw = raw.unwrap_or_default();
    let q = TicketsQuery::parse(form_urlencoded::parse(raw.as_bytes()))?;
    let cursor = q.decode_cursor()?;
    let page = admin_tickets::list(&state.db, &actor, &q, cursor).await?;
    // The page is memoized with its query, so its links depend only on the base URL.
    let body = page.rendered.get_or_render(&base.0, || {
        serde_json::to_vec(&view(&base, &q, &page))
            .map(Bytes::from)
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("rendering the page: {e}")))
    })?;
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}
