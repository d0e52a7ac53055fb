-- What every listener statement pays before it writes its first row (issue 4's single add-contact bar).
--
-- CHECK constraints: PostgreSQL keeps them as text and, at every execution of an INSERT or UPDATE, parses each of the
-- table's constraints again and plans it; a cached plan does not keep them. For the one-contact insert (customers,
-- their identities and history: fourteen constraints) that was an eighth of the statement, measured with pgbench on
-- the statement alone (3,441 → 3,835 statements/s, 16 clients; one merged constraint per table cost as much). The
-- three tables every listener request writes lose them here. The values they held are the service's own: kinds,
-- series and events come from enumerations in the code, and every length and value a sender or admin supplies is
-- checked by the payload readers (listener, CIOPulse, admin) before a statement runs, with an error naming the
-- field. Tables written less often keep theirs.
ALTER TABLE customers
    DROP CONSTRAINT customers_kind_value,
    DROP CONSTRAINT customers_type_value,
    DROP CONSTRAINT customers_name_length,
    DROP CONSTRAINT customers_lastname_length,
    DROP CONSTRAINT customers_title_length,
    DROP CONSTRAINT customers_passport_length,
    DROP CONSTRAINT customers_gender_value,
    DROP CONSTRAINT customers_bg_info_length,
    DROP CONSTRAINT customers_contact_id_length,
    DROP CONSTRAINT customers_system_id_length;
ALTER TABLE customer_identities
    DROP CONSTRAINT customer_identities_series_value,
    DROP CONSTRAINT customer_identities_kind_value,
    DROP CONSTRAINT customer_identities_value_length;
ALTER TABLE customer_history DROP CONSTRAINT customer_history_event_value;

-- A LANGUAGE sql function that cannot be inlined is parsed and planned again in every statement that calls it;
-- PL/pgSQL keeps its plan for the session. Same result: the next code of the current org's series.
CREATE OR REPLACE FUNCTION crmhub_next_code(series text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    AS $$
BEGIN
    RETURN nextval(crmhub_code_sequence_name(crmhub_current_org(), series)::regclass);
END
$$;

-- The sequence's name, as before; format() is only STABLE, which kept this IMMUTABLE function from being inlined,
-- so each call planned it again. Concatenating an int8's text is immutable throughout.
CREATE OR REPLACE FUNCTION crmhub_code_sequence_name(org bigint, series text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 'crmhub_codes_' || org::text || '_' || series $$;
