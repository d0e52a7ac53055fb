-- How each helpdesk integration and the CIOPulse API answered one org, per minute, summed over every instance:
-- the admin console's health panel reads the last hour. Instances add their counts every few seconds (upsert);
-- rows older than a day are deleted by the same writer.
CREATE TABLE integration_minutes (
    org_id          bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    integration     text NOT NULL
                    CONSTRAINT integration_minutes_integration CHECK (integration IN ('ciopulse', 'sirportly', 'spicecsm', 'smartertrack')),
    minute          timestamptz NOT NULL,
    calls           bigint NOT NULL,
    errors          bigint NOT NULL,
    -- Calls by latency, bucket i counting calls up to IntegrationHealth.bucketBounds[i] milliseconds (the last: slower).
    latency_buckets bigint[] NOT NULL,
    last_error      text,
    last_error_at   timestamptz,
    PRIMARY KEY (org_id, integration, minute)
);

SELECT crmhub_enable_tenant_rls('integration_minutes');
