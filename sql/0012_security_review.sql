-- Security review (issue 18).

-- An email's content type is decided from its template when it is queued, never from the rendered body: a sender
-- whose name starts with a tag must not turn a plain-text welcome email into HTML. Emails queued before this
-- migration get the type of their listener's template (plain text when the listener is gone).
ALTER TABLE outbox ADD COLUMN content_type text
    CONSTRAINT outbox_content_type_value CHECK (content_type IN ('text/plain', 'text/html'));
SELECT set_config('crmhub.platform', 'on', true);
UPDATE outbox AS o SET content_type = CASE
        WHEN l.welcome_email_body ~ '^\s*<[A-Za-z!].*>'
        THEN 'text/html' ELSE 'text/plain' END
    FROM listeners AS l
    WHERE o.channel = 'email' AND l.org_id = o.org_id AND l.id = o.listener_id;
UPDATE outbox SET content_type = 'text/plain' WHERE channel = 'email' AND content_type IS NULL;

-- Platform-wide changes (platform tokens created, revoked, installed from CRMHUB_BOOTSTRAP_ADMIN_TOKEN or
-- revoked because it was removed) belong to no org, so they have a log of their own, seen only by platform
-- transactions. Each row names the credential that acted ("platform_token:12 (ops)", "api_key:7 (exporter)").
CREATE TABLE platform_audit_log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    action          text NOT NULL,
    target          text NOT NULL,
    details         jsonb NOT NULL DEFAULT '{}',
    client_address  inet,
    request_id      text
);
ALTER TABLE platform_audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE platform_audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_only ON platform_audit_log USING (crmhub_is_platform()) WITH CHECK (crmhub_is_platform());
GRANT SELECT, INSERT ON platform_audit_log TO crmhub_app;
