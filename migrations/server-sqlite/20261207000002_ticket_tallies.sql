-- How many tickets each tenant has in each (status, removed, assigned) group, kept by
-- triggers on every insert, update and delete of a ticket. A list's total used to be
-- a COUNT over the matching tickets, read again after every write to the tenant: at
-- 100k tickets that was 10-50 ms a page and grew with the tenant. A list filtered
-- only by these columns (the support queue, a status, unassigned or claimed) now sums
-- at most a few dozen rows (store/tickets.rs, `count`); other filters still count.
CREATE TABLE ticket_tallies (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    status TEXT NOT NULL,
    removed INTEGER NOT NULL,
    -- assignee_id IS NOT NULL
    assigned INTEGER NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, status, removed, assigned)
);

INSERT INTO ticket_tallies (tenant_id, status, removed, assigned, n)
SELECT tenant_id, status, removed, assignee_id IS NOT NULL, COUNT(*)
FROM tickets GROUP BY tenant_id, status, removed, assignee_id IS NOT NULL;

CREATE TRIGGER tickets_tally_insert AFTER INSERT ON tickets
BEGIN
    INSERT INTO ticket_tallies (tenant_id, status, removed, assigned, n)
    VALUES (NEW.tenant_id, NEW.status, NEW.removed, NEW.assignee_id IS NOT NULL, 1)
    ON CONFLICT (tenant_id, status, removed, assigned) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER tickets_tally_delete AFTER DELETE ON tickets
BEGIN
    UPDATE ticket_tallies SET n = n - 1
    WHERE tenant_id = OLD.tenant_id AND status = OLD.status AND removed = OLD.removed
      AND assigned = (OLD.assignee_id IS NOT NULL);
END;

CREATE TRIGGER tickets_tally_update AFTER UPDATE OF tenant_id, status, removed, assignee_id ON tickets
WHEN OLD.tenant_id <> NEW.tenant_id OR OLD.status <> NEW.status OR OLD.removed <> NEW.removed
  OR (OLD.assignee_id IS NULL) <> (NEW.assignee_id IS NULL)
BEGIN
    UPDATE ticket_tallies SET n = n - 1
    WHERE tenant_id = OLD.tenant_id AND status = OLD.status AND removed = OLD.removed
      AND assigned = (OLD.assignee_id IS NOT NULL);
    INSERT INTO ticket_tallies (tenant_id, status, removed, assigned, n)
    VALUES (NEW.tenant_id, NEW.status, NEW.removed, NEW.assignee_id IS NOT NULL, 1)
    ON CONFLICT (tenant_id, status, removed, assigned) DO UPDATE SET n = n + 1;
END;
