-- Seed 004 (29next) names users, comments and attachments by integer: each gets a
-- per-tenant number, handed out from a counter on the tenant row like ticket numbers.
-- Attachments get a table of their own (the messages' JSON stays the model's copy):
-- one row per file attached to a message, or uploaded and not sent yet, with the
-- SHA-256 of the stored bytes (NULL for a link to a file kept elsewhere).

ALTER TABLE tenants ADD COLUMN user_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN message_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tenants ADD COLUMN attachment_seq BIGINT NOT NULL DEFAULT 0;

ALTER TABLE users ADD COLUMN number BIGINT NOT NULL DEFAULT 0;
UPDATE users SET number = r.n
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY created_at, id) AS n FROM users) AS r
WHERE r.id = users.id;
-- number first: a tenant_id prefix would tempt SQLite's planner into scanning a
-- tenant's rows for queries that only filter by tenant beside a better index
CREATE UNIQUE INDEX users_number ON users (number, tenant_id);

ALTER TABLE messages ADD COLUMN number BIGINT NOT NULL DEFAULT 0;
UPDATE messages SET number = r.n
FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY created_at, id) AS n FROM messages) AS r
WHERE r.id = messages.id;
CREATE UNIQUE INDEX messages_number ON messages (number, tenant_id);

CREATE TABLE attachments (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    -- per tenant; the attachment's id in seed 004 and in its download URL
    number BIGINT NOT NULL,
    -- NULL while uploaded and not yet sent
    message_id TEXT REFERENCES messages (id),
    -- order within the message
    position INTEGER NOT NULL DEFAULT 0,
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    -- hex SHA-256 of the stored bytes; NULL for a link (url) to a file kept elsewhere
    sha256 TEXT,
    url TEXT,
    uploaded_by TEXT REFERENCES users (id),
    created_at TEXT NOT NULL,
    -- number first, as for users and messages
    PRIMARY KEY (number, tenant_id)
);
CREATE INDEX attachments_message ON attachments (message_id);

-- Attachments of messages written before this table: links, numbered per tenant.
INSERT INTO attachments (tenant_id, number, message_id, position, name, mime, size, url, uploaded_by, created_at)
SELECT m.tenant_id,
       ROW_NUMBER() OVER (PARTITION BY m.tenant_id ORDER BY m.number, j.idx),
       m.id, j.idx - 1,
       j.value->>'name', j.value->>'mime', (j.value->>'size')::BIGINT, j.value->>'url',
       m.sender_id, m.created_at
FROM messages m, jsonb_array_elements(m.attachments::jsonb) WITH ORDINALITY AS j(value, idx)
WHERE m.attachments <> '[]';

UPDATE tenants SET
    user_seq = (SELECT COALESCE(MAX(number), 0) FROM users WHERE tenant_id = tenants.id),
    message_seq = (SELECT COALESCE(MAX(number), 0) FROM messages WHERE tenant_id = tenants.id),
    attachment_seq = (SELECT COALESCE(MAX(number), 0) FROM attachments WHERE tenant_id = tenants.id);

-- The database file store's bytes (the default store on PostgreSQL; SQLite servers keep
-- files on disk beside the database unless told otherwise), by tenant and SHA-256.
CREATE TABLE blobs (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    sha256 TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
);
