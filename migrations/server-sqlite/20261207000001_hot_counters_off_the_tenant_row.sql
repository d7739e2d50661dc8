-- The hot counters leave the tenant row (on both engines, one schema; the reason is
-- PostgreSQL's). Every insert into a table with a
-- foreign key to tenants takes a KEY SHARE lock on the tenant row, so under concurrent
-- writes that row carries a multixact of every writing transaction, and each bump of
-- a counter on it (change_seq at every commit, message_seq at every send) had to
-- extend that multixact while waiting for the previous bump's commit: sends queued
-- on MultiXact SLRU pages and on each other. Nothing references this table, so a
-- counter row here is locked only by the transactions that bump it.
--
-- 'change': the change log sequence, bumped by the last statement of every writing
-- transaction (commit order, as before). 'message': message numbers (seed 004 comment
-- ids), now drawn in a short transaction of their own (see store/counters.rs), so a
-- rolled-back send leaves a gap and sends do not wait for each other. Ticket, user
-- and attachment numbers stay on the tenant row, gap-free.
CREATE TABLE tenant_counters (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    counter TEXT NOT NULL,
    -- the last number handed out
    value BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, counter)
);
INSERT INTO tenant_counters (tenant_id, counter, value)
SELECT id, 'change', change_seq FROM tenants;
INSERT INTO tenant_counters (tenant_id, counter, value)
SELECT id, 'message', message_seq FROM tenants;
ALTER TABLE tenants DROP COLUMN change_seq;
ALTER TABLE tenants DROP COLUMN message_seq;
