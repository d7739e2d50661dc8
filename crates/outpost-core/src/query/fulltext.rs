//! Instant full-text search (FTS5) with snippets. The query language and its parser
//! are [`crate::search`].

use super::dto::{ListQuery, MatchSource, SearchHit, SnippetPart, Sort};
use super::list::{check_limit, list_tickets, push_search_filters, summaries};
use crate::error::Result;
use crate::search::SearchQuery;
use outpost_domain::ids::UserId;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use std::collections::{HashMap, HashSet};

pub(super) const HIT_OPEN: &str = "\u{2}";
pub(super) const HIT_CLOSE: &str = "\u{3}";

pub(super) fn snippet_parts(s: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let (before, after) = rest.split_once(HIT_OPEN).unwrap_or((rest, ""));
        if !before.is_empty() {
            parts.push(SnippetPart {
                text: before.to_owned(),
                hit: false,
            });
        }
        if after.is_empty() {
            break;
        }
        let (hit, tail) = after.split_once(HIT_CLOSE).unwrap_or((after, ""));
        if !hit.is_empty() {
            parts.push(SnippetPart {
                text: hit.to_owned(),
                hit: true,
            });
        }
        rest = tail;
    }
    parts
}

/// How many message matches (newest first) [`search`] reads per result wanted.
pub(super) const MESSAGE_SCAN_FACTOR: i64 = 20;
/// How many ticket (subject/description) matches [`search`] reads per result wanted.
pub(super) const TICKET_SCAN_FACTOR: i64 = 4;

/// Instant search: tickets whose subject, description or messages match the free text
/// and which pass every filter, last updated first, each with a snippet of its best
/// match (subject/description before messages). Without free text, the filters alone
/// list tickets (as [`list_tickets`]).
///
/// Approach (bounded work for common words over 1M messages): both FTS tables are read
/// in rowid order newest first with a LIMIT, so SQLite stops after the first matches
/// instead of materializing every one: at most `limit × 4` tickets from `tickets_fts` and
/// `limit × 20` messages from `messages_fts`, each joined to its ticket with the filters
/// applied. The distinct tickets found are then ordered by `updated_at` and cut to
/// `limit`. The trade-off: for a word matching more than that many rows, older matches
/// are left out (the most recent ones are what an agent looks for); `list_tickets` with
/// a search gives the exhaustive list and count. The last word is matched as a prefix
/// while the agent is typing ([`SearchQuery::last_word_open`]).
#[tracing::instrument(skip_all)]
pub async fn search(
    pool: &SqlitePool,
    me: UserId,
    q: &SearchQuery,
    limit: i64,
) -> Result<Vec<SearchHit>> {
    let limit = check_limit(Some(limit))?;
    let me_s = me.to_string();
    let Some(fts) = q.fts_match(true) else {
        let page = list_tickets(
            pool,
            me,
            &ListQuery {
                search: Some(q.clone()),
                limit: Some(limit),
                ..ListQuery::default()
            },
        )
        .await?;
        return Ok(page
            .tickets
            .into_iter()
            .map(|ticket| SearchHit {
                ticket,
                matched: MatchSource::Filters,
                snippet: Vec::new(),
            })
            .collect());
    };

    // Candidates, cheapest first: the newest FTS matches are taken into a materialized
    // list (FTS5 walks its rowids newest first and stops at the LIMIT), and only then
    // joined to tickets with the filters — never an FTS lookup per ticket row.
    let mut qb = QueryBuilder::<Sqlite>::new(
        "WITH hits AS MATERIALIZED (SELECT rowid AS r FROM tickets_fts WHERE tickets_fts MATCH ",
    );
    qb.push_bind(fts.clone())
        .push(" ORDER BY rowid DESC LIMIT ")
        .push_bind(limit * TICKET_SCAN_FACTOR)
        .push(") SELECT t.rowid FROM hits CROSS JOIN tickets t ON t.rowid = hits.r WHERE 1");
    push_search_filters(&mut qb, &me_s, q);
    let by_ticket: Vec<i64> = qb.build_query_scalar().fetch_all(pool).await?;

    let mut qb = QueryBuilder::<Sqlite>::new(
        "WITH hits AS MATERIALIZED (SELECT rowid AS r FROM messages_fts WHERE messages_fts MATCH ",
    );
    qb.push_bind(fts.clone())
        .push(" ORDER BY rowid DESC LIMIT ")
        .push_bind(limit * MESSAGE_SCAN_FACTOR)
        .push(
            ") SELECT t.rowid, max(m.rowid) FROM hits CROSS JOIN messages m ON m.rowid = hits.r \
             CROSS JOIN tickets t ON t.id = m.ticket_id WHERE 1",
        );
    push_search_filters(&mut qb, &me_s, q);
    qb.push(" GROUP BY t.rowid");
    let by_message: Vec<(i64, i64)> = qb.build_query_as().fetch_all(pool).await?;

    let mut candidates: Vec<i64> = by_ticket.clone();
    let ticket_hit: HashSet<i64> = by_ticket.into_iter().collect();
    let mut message_of: HashMap<i64, i64> = HashMap::new();
    for (t, m) in by_message {
        if !ticket_hit.contains(&t) {
            candidates.push(t);
        }
        message_of.insert(t, m);
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    // The newest-updated `limit` of them.
    let mut qb = QueryBuilder::<Sqlite>::new(
        "SELECT t.rowid FROM tickets t WHERE t.rowid IN (SELECT value FROM json_each(",
    );
    qb.push_bind(serde_json::to_string(&candidates)?)
        .push("))")
        .push(Sort::UpdatedDesc.order_by())
        .push(" LIMIT ")
        .push_bind(limit);
    let page: Vec<i64> = qb.build_query_scalar().fetch_all(pool).await?;

    // Snippets for the page only: subject/description when the ticket text matched,
    // else its newest matching message.
    let mut snippets: HashMap<i64, (MatchSource, String)> = HashMap::new();
    let words: Vec<String> = q
        .text
        .iter()
        .flat_map(|t| t.text().split_whitespace().map(str::to_lowercase))
        .collect();
    let prefix_last = q.last_word_open;
    let ticket_rows: Vec<i64> = page
        .iter()
        .copied()
        .filter(|r| ticket_hit.contains(r))
        .collect();
    if !ticket_rows.is_empty() {
        // Snippets are cut from the stored text here rather than with FTS5's
        // snippet(): next to a MATCH, a prefix query ("refu"*) costs a merge of every
        // matching term's doclist per row.
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT rowid, subject || ' — ' || description FROM tickets \
             WHERE rowid IN (SELECT value FROM json_each(",
        );
        qb.push_bind(serde_json::to_string(&ticket_rows)?)
            .push("))");
        for (r, snip) in qb.build_query_as::<(i64, String)>().fetch_all(pool).await? {
            snippets.insert(
                r,
                (
                    MatchSource::Ticket,
                    make_snippet(&snip, &words, prefix_last),
                ),
            );
        }
    }
    let message_rows: Vec<(i64, i64)> = page
        .iter()
        .filter(|r| !ticket_hit.contains(r))
        .filter_map(|r| message_of.get(r).map(|m| (*r, *m)))
        .collect();
    if !message_rows.is_empty() {
        let rows: Vec<i64> = message_rows.iter().map(|(_, m)| *m).collect();
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT rowid, content FROM messages WHERE rowid IN (SELECT value FROM json_each(",
        );
        qb.push_bind(serde_json::to_string(&rows)?).push("))");
        let by_msg: HashMap<i64, String> = qb
            .build_query_as::<(i64, String)>()
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
        for (t, m) in message_rows {
            if let Some(text) = by_msg.get(&m) {
                snippets.insert(
                    t,
                    (
                        MatchSource::Message,
                        make_snippet(text, &words, prefix_last),
                    ),
                );
            }
        }
    }

    let tickets = summaries(pool, &me_s, &page, Sort::UpdatedDesc).await?;
    let rowid_of: HashMap<String, i64> = {
        let mut qb = QueryBuilder::<Sqlite>::new(
            "SELECT id, rowid FROM tickets WHERE rowid IN (SELECT value FROM json_each(",
        );
        qb.push_bind(serde_json::to_string(&page)?).push("))");
        qb.build_query_as::<(String, i64)>()
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect()
    };
    Ok(tickets
        .into_iter()
        .map(|ticket| {
            let (matched, snip) = rowid_of
                .get(&ticket.id.to_string())
                .and_then(|r| snippets.remove(r))
                .unwrap_or((MatchSource::Filters, String::new()));
            SearchHit {
                ticket,
                matched,
                snippet: snippet_parts(&snip),
            }
        })
        .collect())
}

/// A window of about 16 words around the first word matching a search term, with
/// the matches marked by `HIT_OPEN`/`HIT_CLOSE` (as FTS5's snippet() would), "…" where
/// text was cut. Matching is case-insensitive on whole words; the last term may match
/// as a prefix while the agent is still typing it.
pub(super) fn make_snippet(text: &str, terms: &[String], prefix_last: bool) -> String {
    const WINDOW: usize = 16;
    let words: Vec<&str> = text.split_whitespace().collect();
    let is_hit = |w: &str| {
        let w: String = w
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        !w.is_empty()
            && terms.iter().enumerate().any(|(i, t)| {
                let t: String = t.chars().filter(|c| c.is_alphanumeric()).collect();
                !t.is_empty()
                    && (w == t || (prefix_last && i + 1 == terms.len() && w.starts_with(&t)))
            })
    };
    let first = words.iter().position(|w| is_hit(w)).unwrap_or(0);
    let start = first.saturating_sub(WINDOW / 4);
    let end = (start + WINDOW).min(words.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    for (i, w) in words[start..end].iter().enumerate() {
        if i > 0 || start > 0 {
            out.push(' ');
        }
        if is_hit(w) {
            out.push_str(HIT_OPEN);
            out.push_str(w);
            out.push_str(HIT_CLOSE);
        } else {
            out.push_str(w);
        }
    }
    if end < words.len() {
        out.push_str(" …");
    }
    out
}
