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
