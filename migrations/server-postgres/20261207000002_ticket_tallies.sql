-- How many tickets each tenant has in each (status, removed, assigned) group, kept by
-- triggers on every insert, update and delete of a ticket. A list's total used to be
-- a COUNT over the matching tickets, read again after every write to the tenant: at
-- 100k tickets that was 10-50 ms a page and grew with the tenant. A list filtered
-- only by these columns (the support queue, a status, unassigned or claimed) now sums
-- at most a few dozen rows (store/tickets.rs, `count`); other filters still count.
--
-- The triggers are constraint triggers deferred to the commit: a tally row is shared
-- by every ticket of its group, and its lock is then taken after the writing
-- transaction's last statement, which holds the tenant's change counter (see
-- 20261207000001). Writers of a tenant thus reach their tallies one at a time, in
-- commit order: a tally lock is held only for the commit and two writers cannot
-- deadlock on two tallies (a claim and an unclaim side by side would otherwise lock
-- the same two rows in opposite orders).
CREATE TABLE ticket_tallies (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    status TEXT NOT NULL,
    removed BOOLEAN NOT NULL,
    -- assignee_id IS NOT NULL
    assigned BOOLEAN NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, status, removed, assigned)
);

INSERT INTO ticket_tallies (tenant_id, status, removed, assigned, n)
SELECT tenant_id, status, removed, assignee_id IS NOT NULL, COUNT(*)
FROM tickets GROUP BY tenant_id, status, removed, assignee_id IS NOT NULL;

CREATE FUNCTION tickets_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE ticket_tallies SET n = n - 1
        WHERE tenant_id = OLD.tenant_id AND status = OLD.status AND removed = OLD.removed
          AND assigned = (OLD.assignee_id IS NOT NULL);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO ticket_tallies (tenant_id, status, removed, assigned, n)
        VALUES (NEW.tenant_id, NEW.status, NEW.removed, NEW.assignee_id IS NOT NULL, 1)
        ON CONFLICT (tenant_id, status, removed, assigned) DO UPDATE SET n = ticket_tallies.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER tickets_tally_insert_delete AFTER INSERT OR DELETE ON tickets
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION tickets_tally();

CREATE CONSTRAINT TRIGGER tickets_tally_update AFTER UPDATE OF tenant_id, status, removed, assignee_id ON tickets
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW
WHEN (OLD.tenant_id <> NEW.tenant_id OR OLD.status <> NEW.status OR OLD.removed <> NEW.removed
      OR (OLD.assignee_id IS NULL) <> (NEW.assignee_id IS NULL))
EXECUTE FUNCTION tickets_tally();
