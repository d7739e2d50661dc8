-- The tenant's channels (seed 002), from the sync feed like teams and tags. Tickets
-- carry `channel_id` in their JSON.
CREATE TABLE channels (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    data TEXT NOT NULL
) WITHOUT ROWID;
