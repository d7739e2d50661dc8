-- Outpost server schema, SQLite engine. Kept column-for-column equal to
-- ../server-postgres/20261122000001_initial.sql so one storage layer serves both.
-- Conventions (why): ids are UUID text; timestamps are fixed-width RFC 3339 UTC text
-- (`2026-11-22T10:42:00.123456Z`), which sorts the same as time on both engines;
-- flags are INTEGER 0/1 here and BOOLEAN on PostgreSQL; JSON is stored as text.

-- One row: the database's lifetime. A restored or reset database gets a new epoch,
-- and clients holding cursors from another epoch re-bootstrap instead of trusting them.
CREATE TABLE server_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    -- short unique name used at login when an email exists in several tenants
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- last change-log sequence handed out; writers bump it as their last statement, so
    -- a tenant's commits (and the feed) are totally ordered
    change_seq INTEGER NOT NULL DEFAULT 0,
    -- last ticket number handed out; bumped in the creating transaction, so gap-free
    ticket_seq INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    -- lowercase; unique within a tenant, may repeat across tenants
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    picture TEXT,
    -- admin | agent | customer | bot
    role TEXT NOT NULL,
    -- may filter the support queue by assigned_to (seed 000)
    elevated INTEGER NOT NULL DEFAULT 0,
    -- argon2id PHC string; NULL for users who cannot log in (bots, imported customers)
    password_hash TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (tenant_id, email)
);
-- login looks a user up by email before it knows the tenant
CREATE INDEX users_email ON users (email);

-- The tenant's support_user_ids setting (seed 000): who may work the support queue.
CREATE TABLE support_users (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (tenant_id, user_id)
);

-- Bearer tokens: login sessions and API keys. Only a SHA-256 of the token is kept;
-- tokens are 256-bit random, so a fast hash is enough and lookups stay O(1).
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    -- session | api_key
    kind TEXT NOT NULL,
    name TEXT,
    -- space-separated scopes, e.g. "tickets:read tickets:write"
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);

CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    picture TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE team_members (
    team_id TEXT NOT NULL REFERENCES teams (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE tags (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    -- lowercase, unique per tenant (seed 004 addresses tags by name)
    name TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    -- per-tenant, gap-free (#1042); seed 004 exposes it as the integer id
    number INTEGER NOT NULL,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    summary TEXT,
    -- canonical status: new | open | pending | on_hold | solved | closed
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    type TEXT NOT NULL,
    -- source of the ticket (email, customer_portal, storefront, ...)
    channel TEXT NOT NULL,
    requester_id TEXT NOT NULL REFERENCES users (id),
    assignee_id TEXT REFERENCES users (id),
    assigned_at TEXT,
    team_id TEXT REFERENCES teams (id),
    -- who answers the chat: a bot or a human (seed 002), and how they got it
    responder_id TEXT REFERENCES users (id),
    responder_kind TEXT,
    circumstance TEXT,
    related_order_id TEXT,
    related_delivery_id TEXT,
    -- JSON array of product ids (seed 004)
    products TEXT NOT NULL DEFAULT '[]',
    conversation_id TEXT NOT NULL,
    follow_up_of TEXT REFERENCES tickets (id),
    message_count INTEGER NOT NULL DEFAULT 0,
    pending_message_count INTEGER NOT NULL DEFAULT 0,
    removed INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ongoing_at TEXT,
    solved_at TEXT,
    closed_at TEXT,
    -- bumped by every change to the ticket
    version INTEGER NOT NULL DEFAULT 1,
    -- JSON object: field name -> ticket version that last changed it (conflict checks)
    field_versions TEXT NOT NULL DEFAULT '{}',
    UNIQUE (tenant_id, number)
);
-- the default queue order and "recently updated" views
CREATE INDEX tickets_tenant_updated ON tickets (tenant_id, updated_at DESC);
-- status views (open, pending, solved) and assignment scopes
CREATE INDEX tickets_tenant_status ON tickets (tenant_id, status, updated_at DESC);
CREATE INDEX tickets_tenant_assignee ON tickets (tenant_id, assignee_id, updated_at DESC);
-- seed 000 order_id filter
CREATE INDEX tickets_tenant_order ON tickets (tenant_id, related_order_id);
-- customers list their own tickets
CREATE INDEX tickets_tenant_requester ON tickets (tenant_id, requester_id);

CREATE TABLE ticket_tags (
    ticket_id TEXT NOT NULL REFERENCES tickets (id),
    tag_id TEXT NOT NULL REFERENCES tags (id),
    PRIMARY KEY (ticket_id, tag_id)
);
-- "by tag" views
CREATE INDEX ticket_tags_tag ON ticket_tags (tag_id);

CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    ticket_id TEXT NOT NULL UNIQUE REFERENCES tickets (id),
    -- active | closed; closed conversations accept no messages (seed 003: 403)
    status TEXT NOT NULL,
    last_message_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);

CREATE TABLE participants (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    -- member | admin (an agent who claimed the ticket joins as admin)
    role TEXT NOT NULL,
    -- updated when the participant lists messages (seed 003)
    last_read_message_id TEXT,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);

CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    ticket_id TEXT NOT NULL REFERENCES tickets (id),
    -- NULL for system messages
    sender_id TEXT REFERENCES users (id),
    -- text | html | system | image | file
    message_type TEXT NOT NULL,
    content TEXT NOT NULL,
    content_url TEXT,
    -- arbitrary client JSON, size-limited at the edge
    metadata TEXT,
    parent_message_id TEXT,
    -- internal notes: support users only, never customers
    internal INTEGER NOT NULL DEFAULT 0,
    -- JSON array of {name, url, size, mime}
    attachments TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
-- conversation pages, newest first, with timestamp_range filters
CREATE INDEX messages_conversation_created ON messages (conversation_id, created_at, id);

-- Audit trail (seed 001 history): one row per changed field.
CREATE TABLE history (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    ticket_id TEXT NOT NULL REFERENCES tickets (id),
    field_changed TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    changed_by TEXT REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX history_ticket ON history (ticket_id, created_at);

-- The change log behind the sync feed: one row per entity holding the sequence of its
-- latest change, so a pull returns each entity's current state once, in commit order.
-- Rows are never deleted (deleted = 1 is a tombstone), so no cursor is ever too old.
CREATE TABLE changes (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, kind, entity_id)
);
CREATE UNIQUE INDEX changes_tenant_seq ON changes (tenant_id, seq, kind, entity_id);

-- Sync clients and the last mutation sequence applied for each. Updated in the same
-- transaction as the mutation's effect, which is what makes retries exactly-once.
CREATE TABLE sync_clients (
    client_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    last_seq INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);

-- The stored result of each applied or rejected mutation, answered again on retry.
CREATE TABLE mutation_results (
    client_id TEXT NOT NULL REFERENCES sync_clients (client_id),
    seq INTEGER NOT NULL,
    mutation_id TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (client_id, seq)
);
