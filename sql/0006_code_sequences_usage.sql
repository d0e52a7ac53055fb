-- crmhub_next_code without SECURITY DEFINER: switching the user and the search_path for every customer insert
-- cost the server more than the rest of the function. The app role gets USAGE on the code sequences instead (it
-- can draw numbers, never create or reset them), and the function becomes plain SQL.
CREATE OR REPLACE FUNCTION crmhub_ensure_code_sequences(org bigint) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
DECLARE
    series text;
BEGIN
    FOREACH series IN ARRAY ARRAY['contact', 'lead', 'company'] LOOP
        EXECUTE format('CREATE SEQUENCE IF NOT EXISTS %I AS bigint', crmhub_code_sequence_name(org, series));
        EXECUTE format('GRANT USAGE ON SEQUENCE %I TO crmhub_app', crmhub_code_sequence_name(org, series));
    END LOOP;
END
$$;
SELECT crmhub_ensure_code_sequences(id) FROM orgs;

-- The next code of a series for the transaction's org only (an error when no org is set).
CREATE OR REPLACE FUNCTION crmhub_next_code(series text) RETURNS bigint
    LANGUAGE sql VOLATILE
    AS $$ SELECT nextval(crmhub_code_sequence_name(crmhub_current_org(), series)::regclass) $$;
