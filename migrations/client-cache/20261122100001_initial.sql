-- Outpost client cache (one SQLite file per profile). Conventions as on the server:
-- ids are UUID text, timestamps RFC 3339 UTC text (sorts as time), flags INTEGER 0/1,
-- JSON as text. Every entity row keeps its full server JSON in `data`; the columns
-- beside it exist only to filter, sort and join without parsing JSON.
--
-- Base versus pending (why two layers): the server decides, the agent sees. What the
-- server confirmed must stay recoverable while local changes wait in the outbox, so a
-- rejected change can be rolled back exactly. `tickets` always shows base + pending
-- (what every read uses); for a ticket with pending changes, `ticket_base` holds the
-- server-confirmed state the pending changes are replayed on.

-- Key/value state of the sync engine: cursor, epoch, client id, next mutation seq,
-- bootstrap progress, last sync time. Written in the same transaction as the data it
-- describes, so a crash never leaves the cursor ahead of (or behind) the rows.
CREATE TABLE sync_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Effective tickets (base + pending). `number` is NULL for a ticket created offline
-- until the server numbers it.
CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    number INTEGER,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    -- 0 urgent, 1 high, 2 medium, 3 low: "most urgent first" walks an index
    priority_rank INTEGER NOT NULL DEFAULT 2,
    type TEXT NOT NULL,
    channel TEXT NOT NULL,
    requester_id TEXT,
    assignee_id TEXT,
    team_id TEXT,
    responder_kind TEXT,
    conversation_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- outbox entries still replayed on this ticket (0 = it is exactly the server's)
    pending INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL
);
-- views: "my open" / "all open" / "pending" / "solved" sorted by last update
CREATE INDEX tickets_status_updated ON tickets (status, updated_at DESC);
CREATE INDEX tickets_assignee_status_updated ON tickets (assignee_id, status, updated_at DESC);
CREATE INDEX tickets_team_status_updated ON tickets (team_id, status, updated_at DESC);
CREATE INDEX tickets_updated ON tickets (updated_at DESC);
-- "oldest first" / "newest created" sorts walk this instead of sorting every match
CREATE INDEX tickets_created ON tickets (created_at);
-- unique per tenant; NULL (not numbered yet) may repeat. Not partial, so "by number"
-- sorts can walk it.
CREATE UNIQUE INDEX tickets_number ON tickets (number);
CREATE INDEX tickets_priority_updated ON tickets (priority_rank, updated_at DESC);
CREATE INDEX tickets_conversation ON tickets (conversation_id);

-- Server-confirmed state of tickets that have pending changes. `data` is NULL when the
-- server does not know the ticket yet (created offline).
CREATE TABLE ticket_base (
    id TEXT PRIMARY KEY,
    data TEXT
) WITHOUT ROWID;

-- Effective tags per ticket, by name (what filters and the tag views use). The
-- ticket's status and update time are copied in (rewritten with every ticket write),
-- so a tag view is counted and paged from one index without reading ticket rows.
CREATE TABLE ticket_tags (
    ticket_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (ticket_id, tag)
) WITHOUT ROWID;
CREATE INDEX ticket_tags_tag ON ticket_tags (tag, status, updated_at DESC);

-- Messages of every visible conversation. Rows the agent sent that the server has not
-- confirmed yet carry the outbox seq in `local_seq` (NULL: server-confirmed).
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    sender_id TEXT,
    internal INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    local_seq INTEGER,
    content TEXT NOT NULL,
    data TEXT NOT NULL
);
-- open a ticket: its messages in time order
CREATE INDEX messages_ticket_created ON messages (ticket_id, created_at);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX conversations_ticket ON conversations (ticket_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    data TEXT NOT NULL
) WITHOUT ROWID;
-- `assign 1042 agent2@demo.test`, `assignee:agent2@demo.test`
CREATE INDEX users_email ON users (email);

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    data TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE tags (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    data TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX tags_name ON tags (name);

-- Audit trail per ticket (server rows only).
CREATE TABLE history (
    id TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    data TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX history_ticket_created ON history (ticket_id, created_at);

-- The outbox: every local action, in order. `seq` is the per-client mutation sequence
-- the server deduplicates on; it is never reused (the counter lives in sync_state), so
-- a retry after a lost response is always recognised.
-- state: pending (not yet acknowledged), applied (server applied it; kept until the
-- pulled base contains its effect, so the agent never sees it flicker back), rejected
-- (rolled back; see conflicts), done (settled; kept for the delivery log).
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    args TEXT NOT NULL,
    base TEXT,
    ticket_id TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    -- the ticket version the server reported after applying (overlay dropped once the
    -- base reaches it)
    applied_version INTEGER,
    result TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    settled_at TEXT
);
CREATE INDEX outbox_ticket_state ON outbox (ticket_id, state);
CREATE INDEX outbox_state ON outbox (state, seq);

-- A rejected change the agent has to see: a lost claim, a field edit against a value
-- someone else changed, a reply to a ticket closed meanwhile (its text is in `payload`
-- and never dropped), or any other refusal. Resolved rows stay as a record.
CREATE TABLE conflicts (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    ticket_id TEXT,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    details TEXT,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    resolved_at TEXT,
    resolution TEXT
) WITHOUT ROWID;
CREATE INDEX conflicts_open ON conflicts (resolved_at, created_at);

-- Composer drafts, one per ticket, kept until sent or cleared.
CREATE TABLE drafts (
    ticket_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    internal INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;

-- Saved searches shown in the sidebar with counts.
CREATE TABLE saved_searches (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

-- Full-text search (offline). External-content FTS5 tables over the rows above, kept in
-- step by triggers, so the text is stored once.
CREATE VIRTUAL TABLE tickets_fts USING fts5(
    subject, description, content='tickets', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN
    INSERT INTO tickets_fts (rowid, subject, description)
    VALUES (new.rowid, new.subject, new.description);
END;
CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject, description)
    VALUES ('delete', old.rowid, old.subject, old.description);
END;
CREATE TRIGGER tickets_fts_au AFTER UPDATE OF subject, description ON tickets BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, subject, description)
    VALUES ('delete', old.rowid, old.subject, old.description);
    INSERT INTO tickets_fts (rowid, subject, description)
    VALUES (new.rowid, new.subject, new.description);
END;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content='messages', content_rowid='rowid',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
    VALUES ('delete', old.rowid, old.content);
END;
CREATE TRIGGER messages_fts_au AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
    VALUES ('delete', old.rowid, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.rowid, new.content);
END;
