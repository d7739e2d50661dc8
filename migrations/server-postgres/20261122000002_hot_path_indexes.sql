-- Indexes for the hot paths measured by outpost-bench (100k tickets per tenant).

-- Seed 003 send and list resolve a conversation's ticket on every request; without
-- this each lookup scanned the tenant's tickets (269 ms on SQLite at 100k).
CREATE INDEX tickets_conversation ON tickets (conversation_id);

-- The default queue page (live tickets, most recently updated first) and its total:
-- the count becomes an index-only scan and the page an ordered index walk.
CREATE INDEX tickets_tenant_live_updated ON tickets (tenant_id, removed, updated_at DESC, id DESC);
