//! Output for people: compact tables and readable tickets. `--json` bypasses all of it.

use crate::docs::{ChangeDoc, Server};
use chrono::{DateTime, Local, Utc};
use outpost_core::ConflictView;
use outpost_core::Delivery;
use outpost_core::DeskEvent;
use outpost_core::SyncReport;
use outpost_core::SyncStatus as Status;
use outpost_core::{Delivery as MessageDelivery, TicketDetail, TicketPage, UserRef, View};
use std::io::Write;

const SUBJECT_WIDTH: usize = 48;

fn local(t: &DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// An RFC 3339 string from the cache, in local time (as given if it does not parse).
fn local_str(s: &str) -> String {
    DateTime::parse_from_rfc3339(s)
        .map(|t| local(&t.with_timezone(&Utc)))
        .unwrap_or_else(|_| s.to_owned())
}

fn truncate(s: &str, width: usize) -> String {
    let s = s.replace(['\n', '\r', '\t'], " ");
    if s.chars().count() <= width {
        return s;
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn who(u: Option<&UserRef>) -> String {
    u.map_or_else(|| "-".to_owned(), |u| u.email.clone())
}

fn number(n: Option<i64>) -> String {
    n.map_or_else(|| "(new)".to_owned(), |n| format!("#{n}"))
}

fn human_bytes(n: u64) -> String {
    const UNITS: &[&str] = &["B", "KB", "MB", "GB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

pub fn ticket_table(page: &TicketPage, view: Option<&View>, offset: i64) {
    let mut out = std::io::stdout().lock();
    if page.tickets.is_empty() {
        let _ = writeln!(out, "No tickets.");
        return;
    }
    let assignee_w = page
        .tickets
        .iter()
        .map(|t| who(t.assignee.as_ref()).chars().count())
        .max()
        .unwrap_or(1)
        .clamp(8, 28);
    let _ = writeln!(
        out,
        "{:<7} {:<8} {:<7} {:<aw$} {:<16} SUBJECT",
        "NUMBER",
        "STATUS",
        "PRIO",
        "ASSIGNEE",
        "UPDATED",
        aw = assignee_w
    );
    for t in &page.tickets {
        // A `*` marks tickets with changes not yet confirmed by the server.
        let mark = if t.pending > 0 { "*" } else { "" };
        let _ = writeln!(
            out,
            "{:<7} {:<8} {:<7} {:<aw$} {:<16} {}",
            format!("{}{mark}", number(t.number)),
            t.status.as_str(),
            t.priority.as_str(),
            truncate(&who(t.assignee.as_ref()), assignee_w),
            local(&t.updated_at),
            truncate(&t.subject, SUBJECT_WIDTH),
            aw = assignee_w
        );
    }
    let shown = page.tickets.len() as i64;
    let first = offset + 1;
    let last = offset + shown;
    let what = view.map_or_else(|| "all tickets".to_owned(), |v| format!("view {v}"));
    let _ = writeln!(out, "{first}-{last} of {} ({what})", page.total);
    if page.tickets.iter().any(|t| t.pending > 0) {
        let _ = writeln!(out, "* has changes not yet sent or confirmed");
    }
}

pub fn ticket_detail(d: &TicketDetail) {
    let mut out = std::io::stdout().lock();
    let t = &d.ticket;
    let _ = writeln!(out, "{} {}", number(d.number), t.subject);
    let _ = writeln!(out, "  id:        {}", t.id);
    let _ = writeln!(
        out,
        "  status:    {}   priority: {}   type: {}   channel: {}",
        t.status, t.priority, t.ticket_type, t.channel
    );
    let _ = writeln!(out, "  requester: {}", who(d.requester.as_ref()));
    let _ = writeln!(out, "  assignee:  {}", who(d.assignee.as_ref()));
    if let Some(team) = &d.team {
        let _ = writeln!(out, "  team:      {} ({})", team.name, team.id);
    }
    let tags = if d.tags.is_empty() {
        "-".to_owned()
    } else {
        d.tags.join(", ")
    };
    let _ = writeln!(out, "  tags:      {tags}");
    let _ = writeln!(
        out,
        "  created:   {}   updated: {}",
        local(&t.created_at),
        local(&t.updated_at)
    );
    if d.pending > 0 {
        let _ = writeln!(
            out,
            "  pending:   {} local change(s) not yet confirmed by the server",
            d.pending
        );
    }
    if !t.description.trim().is_empty() {
        let _ = writeln!(out, "\n{}", indent(&t.description, "  "));
    }
    let _ = writeln!(out, "\nConversation ({} messages)", d.conversation.len());
    for m in &d.conversation {
        let label = if m.system {
            "[system]".to_owned()
        } else {
            let from = who(m.sender.as_ref());
            if m.internal {
                format!("{from} [internal note]")
            } else {
                from
            }
        };
        let delivery = match m.delivery {
            None => String::new(),
            Some(MessageDelivery::Pending) => "  (not sent yet)".to_owned(),
            Some(MessageDelivery::Sent) => "  (sent)".to_owned(),
            Some(MessageDelivery::Failed) => format!(
                "  (sending failed: {}; will retry)",
                m.delivery_error.as_deref().unwrap_or("unknown error")
            ),
            Some(MessageDelivery::Conflict) => format!(
                "  (refused: {}; see `outpost conflicts`)",
                m.delivery_error.as_deref().unwrap_or("conflict")
            ),
        };
        let _ = writeln!(out, "\n  {}  {label}{delivery}", local(&m.created_at));
        let _ = writeln!(out, "{}", indent(&m.content, "    "));
        for a in &m.attachments {
            let _ = writeln!(
                out,
                "    [attachment] {} ({}, {})  {}",
                a.name,
                human_bytes(u64::try_from(a.size).unwrap_or(0)),
                a.mime,
                a.url
            );
        }
    }
    if !d.history.is_empty() {
        let _ = writeln!(out, "\nHistory");
        for h in &d.history {
            let e = &h.entry;
            let by = h
                .changed_by_user
                .as_ref()
                .map_or_else(String::new, |u| format!("  by {}", u.email));
            let _ = writeln!(
                out,
                "  {}  {}: {} → {}{by}",
                local(&e.created_at),
                e.field_changed,
                truncate(
                    h.old_label
                        .as_deref()
                        .or(e.old_value.as_deref())
                        .unwrap_or("-"),
                    40
                ),
                truncate(
                    h.new_label
                        .as_deref()
                        .or(e.new_value.as_deref())
                        .unwrap_or("-"),
                    40
                ),
            );
        }
    }
    if let Some(draft) = &d.draft {
        let kind = if draft.internal { "note" } else { "reply" };
        let _ = writeln!(out, "\nDraft {kind} (saved {})", local(&draft.updated_at));
        let _ = writeln!(out, "{}", indent(&draft.body, "    "));
    }
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("{prefix}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn status(s: &Status) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "account:    {} on {}", s.email, s.server);
    let _ = writeln!(out, "api:        {} ({})", s.api, s.api_title);
    let last = s
        .last_sync_at
        .as_deref()
        .map_or_else(|| "never".to_owned(), local_str);
    let _ = writeln!(out, "last sync:  {last}");
    let _ = writeln!(
        out,
        "cursor:     {}{}",
        s.cursor.as_deref().unwrap_or("-"),
        if s.bootstrapped {
            ""
        } else {
            "  (first sync not finished)"
        }
    );
    let _ = writeln!(
        out,
        "cache:      {} tickets, {} messages, {}",
        s.tickets,
        s.messages,
        human_bytes(s.cache_bytes)
    );
    let _ = writeln!(out, "pending:    {} change(s) not yet sent", s.pending);
    let _ = writeln!(out, "conflicts:  {} open", s.conflicts);
    if let Some(e) = &s.last_error {
        let _ = writeln!(out, "last error: {e}");
    }
    let _ = writeln!(
        out,
        "network:    not checked (status reads the cache only; `outpost sync` contacts the server)"
    );
}

pub fn sync_report(r: &SyncReport, s: &Status) {
    let mut out = std::io::stdout().lock();
    let mut line = format!(
        "Synced: sent {} change(s) ({} applied, {} refused)",
        r.pushed, r.applied, r.rejected
    );
    if r.tickets > 0 || r.messages > 0 {
        line.push_str(&format!(
            ", received {} ticket(s) and {} message(s)",
            r.tickets, r.messages
        ));
    } else {
        line.push_str(", nothing new from the server");
    }
    let _ = writeln!(out, "{line}.");
    if r.rebootstrapped {
        let _ = writeln!(out, "The cache was rebuilt from the server.");
    }
    let _ = writeln!(
        out,
        "Cache: {} tickets; {} pending change(s); {} open conflict(s).",
        s.tickets, s.pending, s.conflicts
    );
    if s.conflicts > 0 {
        let _ = writeln!(out, "See `outpost conflicts`.");
    }
}

/// One live-sync event; `numbers` are the ticket numbers of `Changed`/`Assigned`.
pub fn event(e: &DeskEvent, numbers: &[Option<i64>]) {
    let list = numbers
        .iter()
        .map(|n| number(*n))
        .collect::<Vec<_>>()
        .join(", ");
    let now = Local::now().format("%H:%M:%S");
    let text = match e {
        DeskEvent::SyncState(s) => {
            let mut t = if s.syncing {
                "syncing…".to_owned()
            } else if s.online {
                "online".to_owned()
            } else {
                "offline".to_owned()
            };
            if let Some(err) = &s.last_error
                && !s.syncing
            {
                t.push_str(&format!(" ({err})"));
            }
            t
        }
        DeskEvent::Changed { tickets } if tickets.is_empty() => return,
        DeskEvent::Changed { .. } => format!("changed: {list}"),
        DeskEvent::Progress {
            tickets,
            messages,
            done,
            percent,
        } => format!(
            "first sync: {}{tickets} tickets, {messages} messages{}",
            percent.map(|p| format!("{p}%, ")).unwrap_or_default(),
            if *done { " (done)" } else { "" }
        ),
        DeskEvent::Conflicts { ids } => {
            format!("{} new conflict(s); see `outpost conflicts`", ids.len())
        }
        DeskEvent::Delivered { applied, rejected } => {
            format!("delivered: {applied} applied, {rejected} refused")
        }
        DeskEvent::Assigned { .. } => format!("{list} was assigned to you"),
    };
    say!("{now}  {text}");
}

pub fn conflicts(list: &[ConflictView], all: bool) {
    let mut out = std::io::stdout().lock();
    if list.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            if all {
                "No conflicts."
            } else {
                "No open conflicts."
            }
        );
        return;
    }
    for c in list {
        let ticket = c
            .ticket_number
            .map_or_else(|| "(new ticket)".to_owned(), |n| format!("#{n}"));
        let _ = writeln!(
            out,
            "conflict {}  {ticket}  {}  {}  (id {})",
            c.seq,
            c.kind.as_str(),
            local_str(&c.created_at),
            c.id
        );
        let _ = writeln!(out, "    {}", c.message);
        match &c.resolution {
            Some(res) => {
                let _ = writeln!(out, "    resolved: {res}");
            }
            None => {
                let _ = writeln!(out, "    {}", resolve_hint(c));
            }
        }
    }
}

fn verb_done(verb: &str) -> &'static str {
    match verb {
        "claim" => "claimed",
        "takeover" => "taken over",
        "assign" => "assigned",
        "set" => "updated",
        "tag" => "tags changed",
        "reply" => "replied",
        "note" => "internal note added",
        "close" => "closed",
        "reopen" => "reopened",
        "create" => "created",
        _ => "change queued",
    }
}

pub fn change(doc: &ChangeDoc) {
    let mut out = std::io::stdout().lock();
    let Some(first) = doc.actions.first() else {
        let _ = writeln!(out, "Nothing to send.");
        return;
    };
    let ticket = match (first.ticket_number, first.action.ticket_id) {
        (Some(n), _) => format!("#{n}"),
        (None, Some(id)) => format!("ticket {id} (no number yet)"),
        (None, None) => "done".to_owned(),
    };
    let state = match doc.delivery {
        Delivery::Sent => "sent",
        Delivery::Pending => "saved locally, not sent yet",
        Delivery::Failed => "NOT ACCEPTED",
        Delivery::Conflict => "CONFLICT",
    };
    let _ = writeln!(out, "{ticket}: {} ({state}).", verb_done(doc.verb));
    for a in &doc.actions {
        match a.delivery {
            Delivery::Sent | Delivery::Pending => {}
            Delivery::Failed => {
                let _ = writeln!(
                    out,
                    "  refused: {}",
                    a.delivery_error.as_deref().unwrap_or("unknown error")
                );
                if let Some(c) = &a.conflict {
                    let _ = writeln!(out, "  {}", resolve_hint(c));
                }
            }
            Delivery::Conflict => {
                let msg = a
                    .conflict
                    .as_ref()
                    .map(|c| c.message.clone())
                    .or_else(|| a.delivery_error.clone())
                    .unwrap_or_else(|| "refused by the server".to_owned());
                let _ = writeln!(out, "  {msg}");
                if let Some(c) = &a.conflict {
                    let _ = writeln!(out, "  Your change is kept; {}", resolve_hint(c));
                }
            }
        }
    }
    if doc.actions.iter().any(|a| a.delivery == Delivery::Pending) {
        let mut err = std::io::stderr().lock();
        match doc.server {
            Server::NotTried | Server::Unreachable => {
                let _ = writeln!(err, "saved offline; will be sent on next sync");
            }
            Server::Failed => {
                let e = doc
                    .server_error
                    .as_ref()
                    .map_or("unknown error", |e| e.message.as_str());
                let _ = writeln!(
                    err,
                    "saved locally, but sending failed: {e}; will be sent on next sync"
                );
            }
            Server::Reached => {
                let _ = writeln!(err, "saved; the server has not confirmed it yet");
            }
        }
    }
}

fn resolve_hint(c: &ConflictView) -> String {
    format!(
        "resolve with: outpost conflicts resolve {} <{}>",
        c.seq,
        c.choices
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join("|")
    )
}
