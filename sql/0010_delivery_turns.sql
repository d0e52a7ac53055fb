-- Delivery takes turns between orgs. Workers used to claim the oldest due message of all orgs, so an org that
-- queued ten thousand send-sms messages held back every other org's welcome email until its backlog was sent.
--
-- A claim now looks at each org's oldest due messages and serves first the org whose turn is earliest: the later
-- of its oldest due message and the last time one of its messages was claimed. An org that was just served goes
-- behind every org that has been waiting since before that; an org without a backlog is served in due order as
-- before; within an org messages still go oldest first.

CREATE TABLE outbox_turns (
    org_id           bigint PRIMARY KEY,
    last_claimed_at  timestamptz NOT NULL
);
SELECT crmhub_enable_tenant_rls('outbox_turns');

-- Serves both halves of a claim: the orgs with messages waiting (walked in org_id order) and each org's oldest
-- ones. It replaces outbox_due, so the listener's INSERT still maintains a single partial index.
CREATE INDEX outbox_org_due ON outbox (org_id, (coalesce(next_attempt_at, created_at)))
    WHERE status IN ('queued', 'retrying', 'sending');
DROP INDEX outbox_due;
