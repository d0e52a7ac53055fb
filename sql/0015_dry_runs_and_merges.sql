-- Listener dry runs (issue 24): a dry run runs the real ingest in a transaction that is rolled back. A rolled-back
-- nextval() is not given back, so drawing customer codes from the org's sequences would leave gaps that users
-- see (PID-1, then PID-3). A transaction marked with crmhub.dry_run (OrgScope.markDryRun) instead hands out the
-- codes the next creates would get: the sequence's last value plus the codes it handed out so far, counted in a
-- transaction-local setting. Nothing is drawn; the counting setting ends with the transaction.
CREATE OR REPLACE FUNCTION crmhub_next_code(series text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    AS $$
DECLARE
    sequence regclass := crmhub_code_sequence_name(crmhub_current_org(), series)::regclass;
    counter text;
    handed bigint;
BEGIN
    IF current_setting('crmhub.dry_run', true) IS DISTINCT FROM 'on' THEN
        RETURN nextval(sequence);
    END IF;
    counter := 'crmhub.dry_run_code_' || series;
    handed := coalesce(nullif(current_setting(counter, true), '')::bigint, coalesce(pg_sequence_last_value(sequence), 0)) + 1;
    PERFORM set_config(counter, handed::text, true);
    RETURN handed;
END
$$;

-- Customer merges (issue 24): the merged customer's row is removed once everything it had moved to the survivor;
-- its code stays as a redirect, so reading it by the old code answers with the survivor. A redirect follows its
-- survivor when that is merged in turn, and goes with it when it is deleted.
CREATE TABLE customer_redirects (
    org_id       bigint NOT NULL,
    kind         text NOT NULL,
    code         bigint NOT NULL,
    customer_id  bigint NOT NULL,
    merged_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, kind, code),
    FOREIGN KEY (org_id, customer_id) REFERENCES customers (org_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_redirects_customer ON customer_redirects (org_id, customer_id);
SELECT crmhub_enable_tenant_rls('customer_redirects');

-- A merged customer's emails or phones: both lists, each entry once (by its value), in the order given.
CREATE FUNCTION crmhub_merge_lists(list jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT coalesce(jsonb_agg(entry ORDER BY position), '[]') FROM (
        SELECT DISTINCT ON (lower(coalesce(e ->> 'value', e::text))) e AS entry, n AS position
        FROM jsonb_array_elements(list) WITH ORDINALITY AS t(e, n)
        ORDER BY lower(coalesce(e ->> 'value', e::text)), n
    ) AS kept
$$;
GRANT EXECUTE ON FUNCTION crmhub_merge_lists(jsonb) TO crmhub_app;

-- Erasure that stays (issue 24): the identities of an erased person (email, phone, passport) as keyed hashes
-- (HMAC-SHA256 with CRMHUB_SECRET_KEY over org, kind and normalised value), so no value is kept in clear and every
-- ingest path can refuse to store the person again. A row is removed when an admin lifts the suppression.
CREATE TABLE suppressions (
    org_id      bigint NOT NULL,
    hash        text NOT NULL,
    kind        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, hash)
);
SELECT crmhub_enable_tenant_rls('suppressions');

-- Per-org matching settings (issue 24): which identity kinds deduplicate new customers (the document's
-- behaviour, all of passport, email and phone, when an org has no row) and whether add-contact and add-lead also
-- find duplicates in the other series. Changing them changes what later requests do, never stored rows.
CREATE TABLE matching_settings (
    org_id        bigint PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    deduplicate   text[] NOT NULL DEFAULT '{passport,email,phone}'
                  CONSTRAINT matching_settings_kinds CHECK (deduplicate <@ '{passport,email,phone}'::text[]),
    across_series boolean NOT NULL DEFAULT false,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
SELECT crmhub_enable_tenant_rls('matching_settings');
