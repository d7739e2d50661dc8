-- What the workspace API (seed 002) says about a ticket's chat that the model lacked:
-- the configured channel it came through, the bot version answering it, whether its
-- owner is blocked, and when the assignee last viewed it.

-- A tenant's channels (a chat widget on a site, a support inbox); `type` is the
-- ticket channel kind (chat, email, storefront, ...).
CREATE TABLE channels (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

-- Published versions of bot responders. Immutable: an id names one number forever,
-- which is why tickets may carry the number beside the id.
CREATE TABLE responder_versions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    responder_id TEXT NOT NULL REFERENCES users (id),
    number BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (responder_id, number)
);

-- A blocked external chat owner (seed 002 isOwnerBlocked).
ALTER TABLE users ADD COLUMN blocked BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE tickets ADD COLUMN channel_id TEXT REFERENCES channels (id);
ALTER TABLE tickets ADD COLUMN responder_version_id TEXT REFERENCES responder_versions (id);
ALTER TABLE tickets ADD COLUMN responder_version_number BIGINT;
-- the last time the assignee read the conversation
ALTER TABLE tickets ADD COLUMN last_viewed_at TEXT;

-- When a tag was put on a ticket (seed 002 answers it); NULL for links made before.
ALTER TABLE ticket_tags ADD COLUMN created_at TEXT;

-- Seed 002 filters: chatIds (one chat = the ticket's conversation) and responderIds.
CREATE INDEX tickets_tenant_conversation ON tickets (tenant_id, conversation_id);
CREATE INDEX tickets_tenant_responder ON tickets (tenant_id, responder_id);
