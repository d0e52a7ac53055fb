-- A claim's cost no longer grows with the number of orgs that have messages waiting (issue 21: with 100,000
-- messages queued in 1,000 orgs one claim read 26,668 buffers in 90 ms, since it visited every such org).
--
-- Each org's row in outbox_turns now also keeps its turn: the later of its oldest due message and its last claim
-- (sql/0010), as far as the writers know it, and NULL when it has nothing to send. A claim walks the turns from the
-- earliest and looks at a few orgs (DeliveryQueueStore.claim).
--
-- A stored turn is never later than the org's real one; it may be earlier, and a claim that meets such an org
-- stores its real turn. So whatever may bring an org's turn forward lowers the stored one in its own transaction
-- (crmhub_outbox_turns_arrive): a new message, a message due sooner or queued again (a retry, delivery settings
-- saved), a webhook event that no longer holds back the next one of its record, an org active again. Such a writer
-- takes the org's advisory lock shared and updates the row only when its turn is later than the message's (or
-- NULL), which the row of an org with messages waiting seldom is: concurrent listener transactions of one org do
-- not queue behind one row. Only a claim makes a turn later than a waiting message would allow, or clears it:
-- after the claim statement it holds the org's advisory lock exclusively (it leaves the row to a later claim while
-- a writer holds the lock), then reads the org's messages with a snapshot taken after the lock, so a message queued
-- by a transaction in flight always has a turn that reaches it.

ALTER TABLE outbox_turns
    ALTER COLUMN last_claimed_at DROP NOT NULL,
    ADD COLUMN turn timestamptz;
CREATE INDEX outbox_turns_turn ON outbox_turns (turn, org_id) WHERE turn IS NOT NULL;

-- The advisory lock of an org's turn: the two-key form (its own key space, apart from the migrator's lock), 21 and
-- the org id folded into an integer (orgs that share a key only make each other's claims wait a little).
CREATE FUNCTION crmhub_outbox_turn_lock(org bigint) RETURNS integer
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT (org % 2147483648)::integer $$;

-- `orgs` may have messages due from `dues` (the same positions; '-infinity': from their last claim on).
CREATE FUNCTION crmhub_outbox_turns_arrive(orgs bigint[], dues timestamptz[]) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(21, crmhub_outbox_turn_lock(org)) FROM unnest(orgs) AS org ORDER BY org;
    -- A statement of its own, so its snapshot is taken after the lock: it sees what a claim that held it wrote.
    WITH arrived AS (SELECT org, min(due) AS due FROM unnest(orgs, dues) AS a(org, due) GROUP BY org),
    inserted AS (
        INSERT INTO outbox_turns (org_id, turn)
        SELECT org, due FROM arrived WHERE NOT EXISTS (SELECT FROM outbox_turns AS t WHERE t.org_id = arrived.org)
        ON CONFLICT DO NOTHING
    )
    UPDATE outbox_turns AS t SET turn = greatest(arrived.due, t.last_claimed_at)
    FROM arrived
    WHERE t.org_id = arrived.org AND (t.turn IS NULL OR t.turn > greatest(arrived.due, t.last_claimed_at));
END
$$;

CREATE FUNCTION crmhub_outbox_inserted_turns() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    orgs bigint[];
    dues timestamptz[];
BEGIN
    SELECT array_agg(org_id), array_agg(due) INTO orgs, dues
    FROM (SELECT org_id, min(coalesce(next_attempt_at, created_at)) AS due FROM new_rows
          WHERE status IN ('queued', 'retrying', 'sending') GROUP BY org_id) AS arrived;
    IF orgs IS NOT NULL THEN PERFORM crmhub_outbox_turns_arrive(orgs, dues); END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_inserted_turns AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crmhub_outbox_inserted_turns();

-- A message waiting again or due sooner; a webhook event that is no longer pending (the next event of its record
-- may be claimed now: from the org's last claim on). A claim's own update (a lease, later than the message was
-- due) and an outcome recorded for an email or SMS change nothing.
CREATE FUNCTION crmhub_outbox_updated_turns() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    orgs bigint[];
    dues timestamptz[];
BEGIN
    SELECT array_agg(org_id), array_agg(due) INTO orgs, dues
    FROM (SELECT n.org_id, min(CASE WHEN n.status IN ('queued', 'retrying', 'sending')
                THEN coalesce(n.next_attempt_at, n.created_at) ELSE '-infinity' END) AS due
          FROM new_rows AS n JOIN old_rows AS o ON o.org_id = n.org_id AND o.id = n.id
          WHERE (n.status IN ('queued', 'retrying', 'sending') AND (o.status NOT IN ('queued', 'retrying', 'sending')
                    OR coalesce(n.next_attempt_at, n.created_at) < coalesce(o.next_attempt_at, o.created_at)))
             OR (n.channel = 'webhook' AND o.status IN ('queued', 'retrying', 'sending')
                    AND n.status NOT IN ('queued', 'retrying', 'sending'))
          GROUP BY n.org_id) AS changed;
    IF orgs IS NOT NULL THEN PERFORM crmhub_outbox_turns_arrive(orgs, dues); END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_updated_turns AFTER UPDATE ON outbox
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION crmhub_outbox_updated_turns();

-- A claim clears a suspended org's turn; it is back when the org is active.
CREATE FUNCTION crmhub_org_resumed_turns() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM crmhub_outbox_turns_arrive(ARRAY[NEW.id], ARRAY['-infinity'::timestamptz]);
    RETURN NULL;
END
$$;
CREATE TRIGGER orgs_resumed_turns AFTER UPDATE OF status ON orgs
    FOR EACH ROW WHEN (OLD.status = 'suspended' AND NEW.status <> 'suspended') EXECUTE FUNCTION crmhub_org_resumed_turns();

-- The turns of the orgs with messages waiting now (the triggers above exist from here on, and block writers of the
-- outbox until this migration commits): the earliest of their messages, a lower bound that the first claim corrects.
INSERT INTO outbox_turns (org_id, turn)
SELECT org_id, min(coalesce(next_attempt_at, created_at)) FROM outbox
WHERE status IN ('queued', 'retrying', 'sending') GROUP BY org_id
ON CONFLICT (org_id) DO UPDATE SET turn = excluded.turn;
