//! `GET /api/admin/tickets/`: the page, each ticket with its comments, the query and
//! its parser, and the cursor.
//!
//! Pages run newest ticket first. A cursor names a ticket number and a direction:
//! `next` keeps tickets numbered below the page's last, `previous` those above its
//! first, so tickets created during a walk never shift it (they join above its start)
//! and walking `previous` returns the same pages back. A cursor also carries a
//! checksum of itself and the filters it was made for: an edited cursor, or one used
//! with other filters, is refused. It is an integrity check, not a secret.

use crate::query::{Once, QueryError, QueryErrorKind};
use crate::twenty_nine_next::{
    TwentyNineNextChannel, TwentyNineNextPriority, TwentyNineNextStatus,
};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Tickets per page.
pub const PAGE_SIZE: i64 = 50;

/// One page: absolute URLs of the pages beside it (`null` at either end) and the
/// tickets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TwentyNineNextTicketsPage))]
pub struct TicketsPage {
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<Ticket>,
}

/// A ticket as the seed shows it. People are the tenant's integer user ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TwentyNineNextTicket))]
pub struct Ticket {
    /// The assignee's user id; `null` when unassigned.
    pub assignee: Option<i64>,
    pub channel: TwentyNineNextChannel,
    /// Every text, image or file message, oldest first; system messages are left out.
    pub comments: Vec<Comment>,
    pub created_at: DateTime<Utc>,
    /// The requester's email.
    pub from_email: String,
    /// The ticket number.
    pub id: i64,
    /// The related order number; `null` when none.
    pub order: Option<String>,
    pub priority: TwentyNineNextPriority,
    pub products: Vec<i64>,
    /// The requester's user id.
    pub requester: i64,
    pub status: TwentyNineNextStatus,
    pub subject: String,
    /// Tag names.
    pub tags: Vec<String>,
    /// The ticket type's number (docs/STATUS_MAPPING.md, "Seed 004").
    pub ticket_type: i64,
    pub updated_at: DateTime<Utc>,
}

/// A message of the ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TwentyNineNextComment))]
pub struct Comment {
    pub attachments: Vec<CommentAttachment>,
    /// The writer's user id.
    pub author: Option<i64>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// The writer's email.
    pub from_email: Option<String>,
    /// The message's number.
    pub id: i64,
    /// False for an internal note.
    pub is_public: bool,
}

/// A file of a comment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = TwentyNineNextAttachment))]
pub struct CommentAttachment {
    /// Absolute URL of the bytes (the same bearer token downloads them), or of the
    /// file kept elsewhere that the message linked.
    pub file: String,
    pub file_name: String,
    /// The attachment's number.
    pub id: i64,
}

/// The filters and cursor of `GET /api/admin/tickets/`. A ticket must match every
/// filter given; a repeated parameter (`status`, `product`, `tags`) matches any of
/// its values.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct TicketsQuery {
    /// Generic search: the ticket id, or text in the subject or the requester's email.
    pub filter_text: Option<String>,
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub id: Option<i64>,
    /// Text in the subject (case-insensitive).
    pub subject: Option<String>,
    #[cfg_attr(feature = "openapi", param(explode, style = Form))]
    pub status: Vec<TwentyNineNextStatus>,
    /// The requester's user id.
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub requester: Option<i64>,
    /// The assignee's user id.
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub assignee: Option<i64>,
    pub order_number: Option<String>,
    #[cfg_attr(feature = "openapi", param(explode, style = Form))]
    pub product: Vec<i64>,
    /// Tag names.
    #[cfg_attr(feature = "openapi", param(explode, style = Form))]
    pub tags: Vec<String>,
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub ticket_type: Option<i64>,
    pub priority: Option<TwentyNineNextPriority>,
    pub channel: Option<TwentyNineNextChannel>,
    /// Created on or after this day (UTC).
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, format = Date))]
    pub created_from: Option<NaiveDate>,
    /// Created on or before this day (UTC).
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, format = Date))]
    pub created_to: Option<NaiveDate>,
    /// The pagination cursor value (from `next` or `previous`).
    pub cursor: Option<String>,
}

/// Where a page starts: below or above a ticket number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// Walking back (`previous`): tickets numbered above `position`.
    pub reverse: bool,
    pub position: i64,
}

const SINGLE: &[&str] = &[
    "filter_text",
    "id",
    "subject",
    "requester",
    "assignee",
    "order_number",
    "ticket_type",
    "priority",
    "channel",
    "created_from",
    "created_to",
    "cursor",
];

fn positive(param: &str, value: &str) -> Result<i64, QueryError> {
    match value.parse::<i64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(QueryError::invalid(
            param,
            value,
            format!("{param} must be a positive integer, got {value:?}"),
        )),
    }
}

fn text(param: &str, value: &str, max: usize) -> Result<Option<String>, QueryError> {
    let t = value.trim();
    if t.chars().count() > max {
        return Err(QueryError::invalid(
            param,
            value,
            format!("{param} must be at most {max} characters"),
        ));
    }
    Ok((!t.is_empty()).then(|| t.to_owned()))
}

fn date(param: &str, value: &str) -> Result<NaiveDate, QueryError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
        QueryError::invalid(
            param,
            value,
            format!("{param} must be a date (YYYY-MM-DD), got {value:?}"),
        )
    })
}

fn one_of<T>(param: &str, value: &str, parsed: Option<T>, allowed: &str) -> Result<T, QueryError> {
    parsed.ok_or_else(|| {
        QueryError::invalid(
            param,
            value,
            format!("{param} must be one of {allowed}, got {value:?}"),
        )
    })
}

impl TicketsQuery {
    /// Reads the decoded pairs of a query string. `status`, `product` and `tags` may
    /// repeat (also as `status[]` …); every other parameter may be given once.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (Cow<'a, str>, Cow<'a, str>)>,
    ) -> Result<Self, QueryError> {
        let mut q = TicketsQuery::default();
        let mut once = Once::default();
        for (key, value) in pairs {
            let key = key.strip_suffix("[]").unwrap_or(&key);
            let value = value.as_ref();
            if SINGLE.contains(&key) {
                once.check(key, value)?;
            }
            match key {
                "filter_text" => q.filter_text = text(key, value, 200)?,
                "id" => q.id = Some(positive(key, value)?),
                "subject" => q.subject = text(key, value, 250)?,
                "status" => q.status.push(one_of(
                    key,
                    value,
                    TwentyNineNextStatus::parse(value),
                    "new, open, pending, solved, closed",
                )?),
                "requester" => q.requester = Some(positive(key, value)?),
                "assignee" => q.assignee = Some(positive(key, value)?),
                "order_number" => q.order_number = text(key, value, 200)?,
                "product" => q.product.push(positive(key, value)?),
                "tags" => {
                    if let Some(t) = text(key, value, 64)? {
                        q.tags.push(t.to_lowercase());
                    }
                }
                "ticket_type" => q.ticket_type = Some(positive(key, value)?),
                "priority" => {
                    q.priority = Some(one_of(
                        key,
                        value,
                        TwentyNineNextPriority::parse(value),
                        "high, medium, low",
                    )?)
                }
                "channel" => {
                    q.channel = Some(one_of(
                        key,
                        value,
                        TwentyNineNextChannel::parse(value),
                        "customer_account, dashboard, email, api, follow_up",
                    )?)
                }
                "created_from" => q.created_from = Some(date(key, value)?),
                "created_to" => q.created_to = Some(date(key, value)?),
                "cursor" => q.cursor = (!value.is_empty()).then(|| value.to_owned()),
                other => {
                    return Err(QueryError {
                        param: other.to_owned(),
                        value: Some(value.to_owned()),
                        kind: QueryErrorKind::Unknown,
                        message: format!(
                            "unknown parameter {other:?}; this route takes filter_text, id, subject, \
                             status, requester, assignee, order_number, product, tags, ticket_type, \
                             priority, channel, created_from, created_to and cursor"
                        ),
                    });
                }
            }
        }
        if let (Some(from), Some(to)) = (q.created_from, q.created_to)
            && from > to
        {
            return Err(QueryError::invalid(
                "created_to",
                &to.to_string(),
                format!("created_to ({to}) is before created_from ({from})"),
            ));
        }
        Ok(q)
    }

    /// The filters as pairs to encode, in a fixed order, without the cursor.
    pub fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut one = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                out.push((k, v));
            }
        };
        one("filter_text", self.filter_text.clone());
        one("id", self.id.map(|n| n.to_string()));
        one("subject", self.subject.clone());
        one("requester", self.requester.map(|n| n.to_string()));
        one("assignee", self.assignee.map(|n| n.to_string()));
        one("order_number", self.order_number.clone());
        one("ticket_type", self.ticket_type.map(|n| n.to_string()));
        one("priority", self.priority.map(|p| p.as_str().to_owned()));
        one("channel", self.channel.map(|c| c.as_str().to_owned()));
        one("created_from", self.created_from.map(|d| d.to_string()));
        one("created_to", self.created_to.map(|d| d.to_string()));
        out.extend(
            self.status
                .iter()
                .map(|s| ("status", s.as_str().to_owned())),
        );
        out.extend(self.product.iter().map(|p| ("product", p.to_string())));
        out.extend(self.tags.iter().map(|t| ("tags", t.clone())));
        out
    }

    /// The query as pairs to encode (what a client sends), cursor last.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = self.filter_pairs();
        if let Some(c) = &self.cursor {
            out.push(("cursor", c.clone()));
        }
        out
    }

    /// The cursor for a page starting at `cursor` under these filters.
    pub fn encode_cursor(&self, cursor: Cursor) -> String {
        let body = cursor_body(cursor);
        let sum = checksum(&body, &self.filter_pairs());
        base64::engine::general_purpose::STANDARD.encode(format!("{body}&h={sum:016x}"))
    }

    /// The cursor given, checked against these filters; `None` without one.
    pub fn decode_cursor(&self) -> Result<Option<Cursor>, QueryError> {
        let Some(raw) = &self.cursor else {
            return Ok(None);
        };
        let bad = || {
            QueryError::invalid(
                "cursor",
                raw,
                "invalid cursor: use the next or previous URL of a page, with its filters unchanged"
                    .into(),
            )
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(raw.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(bad)?;
        let (body, sum) = decoded.rsplit_once("&h=").ok_or_else(bad)?;
        let mut reverse = false;
        let mut position = None;
        for part in body.split('&') {
            match part.split_once('=') {
                Some(("r", "1")) => reverse = true,
                Some(("p", p)) => position = p.parse::<i64>().ok().filter(|n| *n >= 0),
                _ => return Err(bad()),
            }
        }
        let cursor = Cursor {
            reverse,
            position: position.ok_or_else(bad)?,
        };
        if cursor_body(cursor) != body
            || format!("{:016x}", checksum(body, &self.filter_pairs())) != sum
        {
            return Err(bad());
        }
        Ok(Some(cursor))
    }
}

fn cursor_body(c: Cursor) -> String {
    if c.reverse {
        format!("r=1&p={}", c.position)
    } else {
        format!("p={}", c.position)
    }
}

/// FNV-1a over the cursor and the filters, each part closed by a 0xff byte.
fn checksum(body: &str, filters: &[(&'static str, String)]) -> u64 {
    let mut h = super::Fnv1a::new();
    let mut eat = |bytes: &[u8]| {
        h.write(bytes);
        h.write(&[0xff]);
    };
    eat(b"outpost-29next-cursor-1");
    eat(body.as_bytes());
    for (k, v) in filters {
        eat(k.as_bytes());
        eat(v.as_bytes());
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> Result<TicketsQuery, QueryError> {
        TicketsQuery::parse(form_pairs(q))
    }

    fn form_pairs(q: &str) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (Cow::Borrowed(k), Cow::Borrowed(v))
            })
            .collect()
    }

    #[test]
    fn every_filter_is_read() {
        let q = parse(
            "filter_text=refund&id=7&subject=box&status=open&status[]=new&requester=3&assignee=4\
             &order_number=A-1&product=5&product=6&tags=Billing&ticket_type=2&priority=high\
             &channel=email&created_from=2026-01-01&created_to=2026-01-31",
        )
        .unwrap();
        assert_eq!(q.filter_text.as_deref(), Some("refund"));
        assert_eq!(q.id, Some(7));
        assert_eq!(
            q.status,
            [TwentyNineNextStatus::Open, TwentyNineNextStatus::New]
        );
        assert_eq!(q.product, [5, 6]);
        assert_eq!(q.tags, ["billing"]);
        assert_eq!(q.priority, Some(TwentyNineNextPriority::High));
        assert_eq!(q.channel, Some(TwentyNineNextChannel::Email));
        assert_eq!(q.created_to, NaiveDate::from_ymd_opt(2026, 1, 31));
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (query, param) in [
            ("status=hold", "status"),
            ("id=0", "id"),
            ("requester=x", "requester"),
            ("priority=urgent", "priority"),
            ("channel=chat", "channel"),
            ("created_from=2026-13-01", "created_from"),
            (
                "created_from=2026-02-01&created_to=2026-01-01",
                "created_to",
            ),
            ("id=1&id=2", "id"),
        ] {
            let e = parse(query).unwrap_err();
            assert_eq!(e.param, param, "{query}: {e:?}");
            assert_eq!(e.kind, QueryErrorKind::Invalid);
        }
    }

    #[test]
    fn unknown_parameters_are_refused() {
        let e = parse("page=2").unwrap_err();
        assert_eq!(
            (e.param.as_str(), e.kind),
            ("page", QueryErrorKind::Unknown)
        );
    }

    #[test]
    fn a_cursor_round_trips_under_the_same_filters() {
        let mut q = parse("status=open&tags=billing").unwrap();
        let c = Cursor {
            reverse: true,
            position: 487,
        };
        q.cursor = Some(q.encode_cursor(c));
        assert_eq!(q.decode_cursor().unwrap(), Some(c));
        assert_eq!(
            parse(
                &q.to_pairs()
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("&")
            )
            .unwrap()
            .status,
            q.status
        );
    }

    #[test]
    fn an_edited_cursor_or_other_filters_are_refused() {
        let q = parse("status=open").unwrap();
        let good = q.encode_cursor(Cursor {
            reverse: false,
            position: 486,
        });
        let forged = base64::engine::general_purpose::STANDARD.encode(
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(&good)
                    .unwrap(),
            )
            .unwrap()
            .replace("p=486", "p=400"),
        );
        for (filters, cursor) in [
            ("status=open", forged.as_str()),
            ("status=closed", good.as_str()),
            ("status=open", "cD00ODY="),
            ("status=open", "%%%"),
        ] {
            let mut q = parse(filters).unwrap();
            q.cursor = Some(cursor.to_owned());
            let e = q.decode_cursor().unwrap_err();
            assert_eq!(e.param, "cursor", "{filters} {cursor}");
        }
    }
}
