//! The command line as clap sees it. Values clap cannot check (ticket keys, `set`
//! pairs, tag edits) are parsed by the verbs, which report bad ones as usage errors.

use clap::{Args, Parser, Subcommand};
use outpost_core::Api;
use std::path::PathBuf;

/// Outpost: the helpdesk from a terminal. Works offline; changes are sent on the next
/// sync.
#[derive(Debug, Parser)]
#[command(name = "outpost", version, propagate_version = true)]
pub struct Cli {
    /// Profile directory (one signed-in account and its cache).
    #[arg(long, global = true, env = "OUTPOST_PROFILE", value_name = "DIR")]
    pub profile: Option<PathBuf>,
    /// Never touch the network: read and change the local cache only.
    #[arg(long, global = true)]
    pub offline: bool,
    /// Print exactly one JSON document on stdout (see docs/CLI.md).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub verb: Verb,
}

#[derive(Debug, Subcommand)]
pub enum Verb {
    /// Sign in and run the first sync.
    Login(LoginArgs),
    /// Sign out (and with --wipe delete the cache, pending changes included).
    Logout {
        /// Also delete the local cache, including changes not sent yet.
        #[arg(long)]
        wipe: bool,
    },
    /// Send pending changes and fetch the server's; with --watch, keep syncing.
    Sync {
        /// Keep syncing live and print what happens until Ctrl-C.
        #[arg(long)]
        watch: bool,
    },
    /// What the cache knows: account, last sync, pending changes, conflicts.
    Status,
    /// List tickets from the cache.
    Tickets(TicketsArgs),
    /// Show one ticket: fields, tags, conversation, history.
    Show {
        /// Ticket number (1042, #1042) or id.
        ticket: String,
    },
    /// Assign the ticket to yourself (refused if someone else holds it).
    Claim { ticket: String },
    /// Take the ticket over from whoever holds it.
    Takeover { ticket: String },
    /// Assign to an agent (by email; `none` unassigns) and/or a team.
    Assign {
        ticket: String,
        /// Agent email, or `none` to unassign.
        agent: Option<String>,
        /// Team id, or `none` to clear the team.
        #[arg(long, value_name = "ID")]
        team: Option<String>,
    },
    /// Change fields: status=…, priority=…, type=…, subject=…, description=….
    Set {
        ticket: String,
        /// key=value pairs.
        #[arg(required = true, value_name = "KEY=VALUE")]
        pairs: Vec<String>,
    },
    /// Add (+name or name) or remove (-name) tags.
    Tag {
        ticket: String,
        #[arg(required = true, allow_hyphen_values = true, value_name = "+TAG|-TAG")]
        edits: Vec<String>,
    },
    /// Reply to the customer (`-` reads the text from stdin).
    Reply {
        ticket: String,
        #[arg(required = true, allow_hyphen_values = true, value_name = "TEXT")]
        text: Vec<String>,
    },
    /// Add an internal note (`-` reads the text from stdin).
    Note {
        ticket: String,
        #[arg(required = true, allow_hyphen_values = true, value_name = "TEXT")]
        text: Vec<String>,
    },
    /// Close the ticket, optionally with an internal note.
    Close {
        ticket: String,
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
    /// Reopen a solved or closed ticket.
    Reopen { ticket: String },
    /// Create a ticket.
    Create(CreateArgs),
    /// List conflicts (changes the server refused), or resolve one.
    Conflicts {
        /// Include resolved conflicts.
        #[arg(long)]
        all: bool,
        #[command(subcommand)]
        action: Option<ConflictsAction>,
    },
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Server base URL, e.g. https://desk.example.com.
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// Your email address. With a seed API it also names you: those APIs have no call
    /// that says whose token it is.
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// Tenant slug, when the account belongs to several (native protocol only).
    #[arg(long, value_name = "SLUG")]
    pub tenant: Option<String>,
    /// The API the server offers: native (the Outpost sync protocol: password sign-in),
    /// or one seed API through a connector, signed in with an API token: ondi, sonzai,
    /// workspace, 29next. The token is read from OUTPOST_TOKEN, a prompt, or standard
    /// input when it is not a terminal.
    #[arg(long, value_name = "API", default_value = "native")]
    pub api: Api,
}

#[derive(Debug, Args)]
pub struct TicketsArgs {
    /// my_open, unassigned, all_open, pending, solved, team:<id>, tag:<name>, or all.
    /// Default: my_open, or all when --status or --search is given.
    #[arg(long, value_name = "VIEW")]
    pub view: Option<String>,
    /// Only these statuses (comma-separated: open,pending).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// Search text and filters (see docs/CLI.md), e.g. 'refund tag:vip'.
    #[arg(long, value_name = "QUERY")]
    pub search: Option<String>,
    /// updated_desc (default), updated_asc, created_desc, created_asc, priority_desc,
    /// number_asc, number_desc.
    #[arg(long, value_name = "ORDER")]
    pub sort: Option<String>,
    /// Page size (default 50, at most 500).
    #[arg(long, value_name = "N")]
    pub limit: Option<i64>,
    /// Skip this many tickets.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: i64,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub subject: String,
    #[arg(long, default_value = "")]
    pub description: String,
    /// low, medium, high, urgent.
    #[arg(long, value_name = "P")]
    pub priority: Option<String>,
    /// Ticket type, e.g. question, incident, bug.
    #[arg(long = "type", value_name = "T")]
    pub ticket_type: Option<String>,
    /// Requester email (must be a known user).
    #[arg(long, value_name = "EMAIL")]
    pub requester: Option<String>,
    /// Tag (repeatable).
    #[arg(long = "tag", value_name = "T")]
    pub tags: Vec<String>,
    /// Assign the new ticket to yourself.
    #[arg(long)]
    pub assign_me: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConflictsAction {
    /// Resolve a conflict with one of its choices (listed by `outpost conflicts`).
    Resolve {
        /// Conflict id (a unique prefix is enough).
        id: String,
        choice: String,
    },
}
