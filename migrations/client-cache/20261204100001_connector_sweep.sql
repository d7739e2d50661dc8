-- A connector's full reconcile walks every ticket the seed API lists, over many pages
-- and possibly several runs (it resumes). The tickets it has carried so far are kept
-- here until its last page: the cached tickets it never carried are gone from the
-- server and are removed then.
CREATE TABLE sweep_seen (
    ticket_id TEXT PRIMARY KEY
) WITHOUT ROWID;
