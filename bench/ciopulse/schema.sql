-- The minimal table behind pgbench's side of the CIOPulse benchmark, created in the crmhub database of the run:
-- a contact keyed by (org, system_id) with a unique email, the two rules of a CIOPulse PUT, and nothing else (no
-- identities table, no history, no row-level security, no foreign keys).
CREATE TABLE bench_ciopulse_contacts (
    org_id      bigint NOT NULL,
    id          bigint GENERATED ALWAYS AS IDENTITY,
    system_id   text NOT NULL,
    first_name  text NOT NULL,
    last_name   text NOT NULL,
    email       text NOT NULL,
    mobile      text,
    job_title   text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, system_id)
);
CREATE UNIQUE INDEX bench_ciopulse_contacts_email ON bench_ciopulse_contacts (org_id, lower(email));

-- The contacts s1..s1000 that get.pgbench reads, as crmhub's get_one and put_update use s1..sN created through
-- the API (CIOPULSE_IDS changes N on both sides).
INSERT INTO bench_ciopulse_contacts (org_id, system_id, first_name, last_name, email, mobile)
SELECT 1, 's' || k, 'Bench', 'Test', 's' || k || '@example.com', '+61411112233'
FROM generate_series(1, :ids) AS k;
