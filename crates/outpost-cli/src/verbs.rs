//! One function per verb: parse what clap could not, call the [`Desk`], print.

use crate::cli::{Cli, ConflictsAction, CreateArgs, LoginArgs, TicketsArgs, Verb};
use crate::docs::{ChangeDoc, ErrorDoc, Outcome, Server};
use crate::render;
use crate::usage;
use anyhow::{Context, Result};
use outpost_core::ConflictView;
use outpost_core::SyncReport;
use outpost_core::credentials::Credentials;
use outpost_core::profile::{Profile, ProfileConfig};
use outpost_core::search::SearchQuery;
use outpost_core::{ActionResult, Api, NewTicket, SyncStatus as Status, TicketEdit};
use outpost_core::{CoreError, Desk, DeskEvent};
use outpost_core::{Delivery, OutboxState};
use outpost_core::{ListQuery, Sort, TicketPage, View};
use outpost_domain::ids::TicketId;
use outpost_domain::values::{Priority, Status as TicketStatus, TicketType};
use serde::Serialize;
use std::io::{IsTerminal, Read, Write};

/// Options every verb sees.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub json: bool,
    pub offline: bool,
}

pub async fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        json: cli.json,
        offline: cli.offline,
    };
    let profile = Profile::resolve(cli.profile)?;
    let creds = Credentials::keychain();
    if let Verb::Login(args) = cli.verb {
        return login(ctx, profile, creds, args).await;
    }
    let desk = Desk::open(profile, creds, ctx.offline).await?;
    match cli.verb {
        Verb::Login(_) => unreachable!("handled above"),
        Verb::Logout { wipe } => logout(ctx, desk, wipe).await,
        Verb::Sync { watch: false } => sync_once(ctx, &desk).await,
        Verb::Sync { watch: true } => sync_watch(ctx, &desk).await,
        Verb::Status => status(ctx, &desk).await,
        Verb::Tickets(args) => tickets(ctx, &desk, args).await,
        Verb::Show { ticket } => show(ctx, &desk, &ticket).await,
        Verb::Claim { ticket } => {
            let r = desk.claim(&ticket).await?;
            changed(ctx, &desk, "claim", vec![r]).await
        }
        Verb::Takeover { ticket } => {
            let r = desk.takeover(&ticket).await?;
            changed(ctx, &desk, "takeover", vec![r]).await
        }
        Verb::Assign {
            ticket,
            agent,
            team,
        } => assign(ctx, &desk, &ticket, agent, team).await,
        Verb::Set { ticket, pairs } => {
            let edit = parse_edit(&pairs)?;
            let r = desk.update(&ticket, edit).await?;
            changed(ctx, &desk, "set", vec![r]).await
        }
        Verb::Tag { ticket, edits } => {
            let edits = parse_tag_edits(&edits)?;
            let mut results = Vec::new();
            for (name, add) in edits {
                results.push(desk.tag(&ticket, &name, add).await?);
            }
            changed(ctx, &desk, "tag", results).await
        }
        Verb::Reply { ticket, text } => {
            let r = desk.send(&ticket, &message_text(&text)?, false).await?;
            changed(ctx, &desk, "reply", vec![r]).await
        }
        Verb::Note { ticket, text } => {
            let r = desk.send(&ticket, &message_text(&text)?, true).await?;
            changed(ctx, &desk, "note", vec![r]).await
        }
        Verb::Close { ticket, note } => {
            let r = desk.close(&ticket, note.as_deref()).await?;
            changed(ctx, &desk, "close", vec![r]).await
        }
        Verb::Reopen { ticket } => {
            let r = desk.reopen(&ticket).await?;
            changed(ctx, &desk, "reopen", vec![r]).await
        }
        Verb::Create(args) => create(ctx, &desk, args).await,
        Verb::Conflicts { all, action: None } => conflicts(ctx, &desk, all).await,
        Verb::Conflicts {
            action: Some(ConflictsAction::Resolve { id, choice }),
            ..
        } => {
            let results = desk.resolve_conflict(&id, &choice).await?;
            if !ctx.json {
                say!("Conflict {id} resolved: {choice}.");
            }
            changed(ctx, &desk, "conflicts resolve", results).await
        }
    }
}

/// Print `doc` as the verb's one JSON document.
pub fn print_json<T: Serialize>(doc: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(doc).context("serializing the output")?;
    writeln!(std::io::stdout().lock(), "{text}").context("writing to stdout")?;
    Ok(())
}

// Account and sync verbs.

#[derive(Serialize)]
struct LoginDoc<'a> {
    account: &'a ProfileConfig,
    sync: SyncReport,
}

async fn login(ctx: Ctx, profile: Profile, creds: Credentials, args: LoginArgs) -> Result<()> {
    if ctx.offline {
        // `--offline` promises no network at all, and signing in is nothing but network.
        return Err(CoreError::Offline).context("signing in");
    }
    let desk = if args.api == Api::Native {
        let password = if creds.is_headless() {
            None
        } else {
            Some(read_secret(
                &format!("Password for {}: ", args.email),
                "OUTPOST_PASSWORD",
            )?)
        };
        Desk::login(
            profile,
            creds,
            &args.server,
            &args.email,
            password.as_deref(),
            args.tenant.as_deref(),
        )
        .await?
    } else {
        if args.tenant.is_some() {
            return Err(usage(
                "--tenant is for the native protocol; an API token belongs to one tenant",
            ));
        }
        // OUTPOST_TOKEN is read by the credential store itself (headless: not stored).
        let token = if creds.is_headless() {
            None
        } else {
            Some(read_secret(
                &format!("API token for {} ({}): ", args.email, args.api.title()),
                "",
            )?)
        };
        Desk::login_with_token(
            profile,
            creds,
            &args.server,
            args.api,
            &args.email,
            token.as_deref(),
        )
        .await?
    };
    if !ctx.json {
        let c = desk.config();
        say!(
            "Signed in as {} ({}) on {}.",
            c.email,
            c.display_name,
            c.server
        );
    }
    let report = sync_with_progress(ctx, &desk)
        .await
        .context("signed in, but the first sync failed (run `outpost sync` to retry)")?;
    if ctx.json {
        print_json(&LoginDoc {
            account: desk.config(),
            sync: report,
        })
    } else {
        say!(
            "First sync done: {} tickets, {} messages.",
            report.tickets,
            report.messages
        );
        Ok(())
    }
}

/// A secret: from the environment variable `env` (when named and set), else a prompt
/// without echo on a terminal, else one line of stdin.
fn read_secret(prompt: &str, env: &str) -> Result<String> {
    if !env.is_empty()
        && let Ok(secret) = std::env::var(env)
        && !secret.is_empty()
    {
        return Ok(secret);
    }
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).context("reading it from the terminal")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading it from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if secret.trim().is_empty() {
        let env = if env.is_empty() { "OUTPOST_TOKEN" } else { env };
        return Err(usage(format!(
            "nothing was given (set {env}, type it at the prompt, or pipe it on stdin)"
        )));
    }
    Ok(secret)
}

/// One sync pass, printing first-sync progress on stderr for people.
async fn sync_with_progress(ctx: Ctx, desk: &Desk) -> Result<SyncReport> {
    let mut events = desk.subscribe();
    let show = !ctx.json && std::io::stderr().is_terminal();
    let printer = tokio::spawn(async move {
        let mut printed = false;
        loop {
            match events.recv().await {
                Ok(DeskEvent::Progress {
                    tickets,
                    messages,
                    done,
                    percent,
                }) if show => {
                    let mut err = std::io::stderr().lock();
                    let share = percent.map(|p| format!("{p:>3}%, ")).unwrap_or_default();
                    let _ = write!(
                        err,
                        "\rsyncing: {share}{tickets} tickets, {messages} messages"
                    );
                    printed = true;
                    if done {
                        let _ = writeln!(err);
                        printed = false;
                    }
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
        printed
    });
    let result = desk.sync().await;
    printer.abort();
    if let Ok(true) = printer.await {
        let _ = writeln!(std::io::stderr());
    }
    Ok(result?)
}

#[derive(Serialize)]
struct LogoutDoc {
    signed_out: bool,
    wiped: bool,
}

async fn logout(ctx: Ctx, desk: Desk, wipe: bool) -> Result<()> {
    let pending = desk.status().await?.pending;
    desk.logout(wipe).await?;
    if ctx.json {
        return print_json(&LogoutDoc {
            signed_out: true,
            wiped: wipe,
        });
    }
    say!("Signed out.");
    if wipe {
        say!("The local cache was deleted.");
    } else if pending > 0 {
        say!(
            "{pending} change(s) not sent yet are kept; sign in again to send them \
             (or `outpost logout --wipe` to discard them)."
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct SyncDoc {
    sync: SyncReport,
    status: Status,
}

async fn sync_once(ctx: Ctx, desk: &Desk) -> Result<()> {
    let report = sync_with_progress(ctx, desk).await?;
    let status = desk.status().await?;
    if ctx.json {
        return print_json(&SyncDoc {
            sync: report,
            status,
        });
    }
    render::sync_report(&report, &status);
    Ok(())
}

async fn sync_watch(ctx: Ctx, desk: &Desk) -> Result<()> {
    if ctx.offline {
        return Err(CoreError::Offline).context("sync --watch");
    }
    let mut events = desk.subscribe();
    desk.start();
    if !ctx.json {
        say!("Syncing live; Ctrl-C to stop.");
    }
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    // People see connectivity changes, not every pass's syncing/idle flip.
    let mut online: Option<bool> = None;
    loop {
        tokio::select! {
            r = &mut ctrl_c => {
                r.context("waiting for Ctrl-C")?;
                break;
            }
            e = events.recv() => match e {
                Ok(event) => {
                    if ctx.json {
                        // One compact event per line (JSON Lines): see docs/CLI.md.
                        say!("{}", serde_json::to_string(&event)?);
                    } else {
                        match &event {
                            DeskEvent::SyncState(st) if st.syncing => continue,
                            DeskEvent::SyncState(st) if online == Some(st.online) => continue,
                            DeskEvent::SyncState(st) => online = Some(st.online),
                            _ => {}
                        }
                        let tickets = match &event {
                            DeskEvent::Changed { tickets } => tickets.clone(),
                            DeskEvent::Assigned { ticket_id } => vec![*ticket_id],
                            _ => Vec::new(),
                        };
                        let mut numbers = Vec::new();
                        for t in tickets {
                            numbers.push(number_of(desk, t).await);
                        }
                        render::event(&event, &numbers);
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::debug!(skipped = n, "event printer lagged");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    desk.stop().await;
    if !ctx.json {
        say!("Stopped.");
    }
    Ok(())
}

async fn status(ctx: Ctx, desk: &Desk) -> Result<()> {
    let mut status = desk.status().await?;
    // The engine's last error lives in memory only; a fresh process knows the last
    // delivery failure from the outbox.
    if status.last_error.is_none() {
        status.last_error = desk
            .outbox(50)
            .await?
            .into_iter()
            .find(|e| e.state == OutboxState::Pending && e.last_error.is_some())
            .and_then(|e| e.last_error);
    }
    if ctx.json {
        return print_json(&status);
    }
    render::status(&status);
    Ok(())
}

// Read verbs.

async fn tickets(ctx: Ctx, desk: &Desk, args: TicketsArgs) -> Result<()> {
    let filtered = args.status.is_some() || args.search.is_some();
    let view = match args.view.as_deref() {
        Some("all") => None,
        Some(v) => Some(v.parse::<View>().map_err(|e| usage(e.to_string()))?),
        None if filtered => None,
        None => Some(View::MyOpen),
    };
    let mut text = Vec::new();
    if let Some(s) = &args.status {
        text.push(format!("status:{s}"));
    }
    if let Some(q) = &args.search {
        text.push(q.clone());
    }
    let search = if text.is_empty() {
        None
    } else {
        Some(SearchQuery::parse(&text.join(" ")).map_err(|e| usage(e.to_string()))?)
    };
    let sort = match &args.sort {
        Some(s) => {
            serde_json::from_value::<Sort>(serde_json::Value::String(s.clone())).map_err(|_| {
                usage(format!(
                    "unknown sort {s:?}; valid: updated_desc, updated_asc, created_desc, \
                     created_asc, priority_desc, number_asc, number_desc"
                ))
            })?
        }
        None => Sort::default(),
    };
    let q = ListQuery {
        view: view.clone(),
        search,
        sort,
        limit: args.limit,
        offset: args.offset,
    };
    let page: TicketPage = desk.tickets(&q).await?;
    if ctx.json {
        return print_json(&page);
    }
    render::ticket_table(&page, view.as_ref(), args.offset);
    Ok(())
}

async fn show(ctx: Ctx, desk: &Desk, ticket: &str) -> Result<()> {
    let detail = desk.ticket(ticket).await?;
    if ctx.json {
        return print_json(&detail);
    }
    render::ticket_detail(&detail);
    Ok(())
}

#[derive(Serialize)]
struct ConflictsDoc {
    conflicts: Vec<ConflictView>,
}

async fn conflicts(ctx: Ctx, desk: &Desk, all: bool) -> Result<()> {
    let conflicts = desk.conflicts(!all).await?;
    if ctx.json {
        return print_json(&ConflictsDoc { conflicts });
    }
    render::conflicts(&conflicts, all);
    Ok(())
}

// Verbs that change tickets.

async fn assign(
    ctx: Ctx,
    desk: &Desk,
    ticket: &str,
    agent: Option<String>,
    team: Option<String>,
) -> Result<()> {
    if agent.is_none() && team.is_none() {
        return Err(usage(
            "assign needs an agent email, `none` to unassign, or --team ID",
        ));
    }
    let r = desk.assign(ticket, cleared(&agent), cleared(&team)).await?;
    changed(ctx, desk, "assign", vec![r]).await
}

/// `none` is the CLI's spelling of "clear it" (`Some(None)` for the core).
fn cleared(arg: &Option<String>) -> Option<Option<&str>> {
    arg.as_deref().map(|v| (v != "none").then_some(v))
}

async fn create(ctx: Ctx, desk: &Desk, args: CreateArgs) -> Result<()> {
    let priority = args
        .priority
        .as_deref()
        .map(str::parse::<Priority>)
        .transpose()
        .map_err(|e| usage(e.to_string()))?;
    let ticket_type = args
        .ticket_type
        .as_deref()
        .map(str::parse::<TicketType>)
        .transpose()
        .map_err(|e| usage(e.to_string()))?;
    let r = desk
        .create(NewTicket {
            subject: args.subject,
            description: args.description,
            priority,
            ticket_type,
            requester_email: args.requester,
            assign_to_me: args.assign_me,
            tags: args.tags,
        })
        .await?;
    changed(ctx, desk, "create", vec![r]).await
}

/// The keys `set` knows, in the order the usage error lists them.
const SET_KEYS: &[&str] = &["status", "priority", "type", "subject", "description"];

fn parse_edit(pairs: &[String]) -> Result<TicketEdit> {
    let mut edit = TicketEdit::default();
    for pair in pairs {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(usage(format!(
                "{pair:?} is not KEY=VALUE; valid keys: {}",
                SET_KEYS.join(", ")
            )));
        };
        let bad = |e: outpost_domain::values::InvalidValue| usage(e.to_string());
        let dup = match key {
            "status" => edit
                .status
                .replace(value.parse::<TicketStatus>().map_err(bad)?)
                .is_some(),
            "priority" => edit
                .priority
                .replace(value.parse::<Priority>().map_err(bad)?)
                .is_some(),
            "type" => edit
                .ticket_type
                .replace(value.parse::<TicketType>().map_err(bad)?)
                .is_some(),
            "subject" => edit.subject.replace(value.to_owned()).is_some(),
            "description" => edit.description.replace(value.to_owned()).is_some(),
            other => {
                return Err(usage(format!(
                    "unknown field {other:?}; valid keys: {}",
                    SET_KEYS.join(", ")
                )));
            }
        };
        if dup {
            return Err(usage(format!("{key}= is given twice")));
        }
    }
    Ok(edit)
}

/// `+name` or `name` adds, `-name` removes.
fn parse_tag_edits(edits: &[String]) -> Result<Vec<(String, bool)>> {
    edits
        .iter()
        .map(|e| {
            let (name, add) = match e.strip_prefix('-') {
                Some(rest) => (rest, false),
                None => (e.strip_prefix('+').unwrap_or(e), true),
            };
            if name.trim().is_empty() {
                return Err(usage(format!(
                    "{e:?} names no tag; use +name to add, -name to remove"
                )));
            }
            Ok((name.to_owned(), add))
        })
        .collect()
}

/// The words joined by spaces, or stdin for a lone `-`.
fn message_text(words: &[String]) -> Result<String> {
    if let [only] = words
        && only == "-"
    {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the message from stdin")?;
        return Ok(text.trim_end().to_owned());
    }
    Ok(words.join(" "))
}

/// After a local change: deliver it (unless offline) and report what became of it.
async fn changed(
    ctx: Ctx,
    desk: &Desk,
    verb: &'static str,
    results: Vec<ActionResult>,
) -> Result<()> {
    let (server, server_error) = if ctx.offline || results.is_empty() {
        (Server::NotTried, None)
    } else {
        match desk.deliver().await {
            Ok(true) => (Server::Reached, None),
            Ok(false) => (Server::Unreachable, None),
            Err(e) => (
                Server::Failed,
                Some(ErrorDoc {
                    code: e.code().to_owned(),
                    message: e.to_string(),
                }),
            ),
        }
    };
    let log = desk.outbox(200).await?;
    let conflicts = if results.is_empty() {
        Vec::new()
    } else {
        desk.conflicts(false).await?
    };
    let mut actions = Vec::new();
    for action in results {
        let entry = log.iter().find(|e| e.seq == action.seq);
        // The core calls a change that could not be pushed yet "failed"; for the agent
        // it is still on its way (it is retried), so only a refusal is a failure here.
        let delivery = match entry {
            Some(e) if e.state == OutboxState::Pending => Delivery::Pending,
            Some(e) => e.delivery,
            None => Delivery::Pending,
        };
        let conflict = conflicts.iter().find(|c| c.seq == action.seq).cloned();
        let delivery_error = match (&conflict, entry) {
            (Some(c), _) if delivery == Delivery::Conflict || delivery == Delivery::Failed => {
                Some(c.message.clone())
            }
            (_, Some(e)) if delivery != Delivery::Sent => e.last_error.clone(),
            _ => None,
        };
        let ticket_number = match action.ticket_id {
            Some(t) => number_of(desk, t).await,
            None => None,
        };
        actions.push(Outcome {
            action,
            ticket_number,
            delivery,
            delivery_error,
            conflict: conflict
                .filter(|_| delivery == Delivery::Conflict || delivery == Delivery::Failed),
        });
    }
    let delivery = actions
        .iter()
        .map(|a| a.delivery)
        .max_by_key(|d| severity(*d))
        .unwrap_or(Delivery::Sent);
    let doc = ChangeDoc {
        verb,
        delivery,
        server,
        server_error,
        actions,
    };
    if ctx.json {
        return print_json(&doc);
    }
    render::change(&doc);
    Ok(())
}

fn severity(d: Delivery) -> u8 {
    match d {
        Delivery::Sent => 0,
        Delivery::Pending => 1,
        Delivery::Failed => 2,
        Delivery::Conflict => 3,
    }
}

async fn number_of(desk: &Desk, ticket: TicketId) -> Option<i64> {
    desk.ticket(&ticket.to_string())
        .await
        .ok()
        .and_then(|d| d.number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_rejects_unknown_keys_listing_the_valid_ones() {
        let e = parse_edit(&["colour=red".into()]).unwrap_err();
        assert!(
            e.downcast_ref::<crate::Usage>().is_some(),
            "an unknown key is a usage error"
        );
        assert!(
            e.to_string()
                .contains("status, priority, type, subject, description")
        );
    }

    #[test]
    fn set_parses_every_key_once() {
        let e = parse_edit(&[
            "status=pending".into(),
            "priority=high".into(),
            "subject=a=b".into(),
        ])
        .unwrap();
        assert_eq!(e.status, Some(TicketStatus::Pending));
        assert_eq!(e.priority, Some(Priority::High));
        assert_eq!(e.subject.as_deref(), Some("a=b"), "only the first = splits");
        assert!(parse_edit(&["priority=high".into(), "priority=low".into()]).is_err());
        assert!(parse_edit(&["status=bogus".into()]).is_err());
    }

    #[test]
    fn tag_edits_default_to_adding() {
        let edits = parse_tag_edits(&["+a".into(), "-b".into(), "c".into()]).unwrap();
        assert_eq!(
            edits,
            vec![("a".into(), true), ("b".into(), false), ("c".into(), true)]
        );
        assert!(parse_tag_edits(&["-".into()]).is_err());
    }
}
