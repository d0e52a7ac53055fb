-- Outbox delivery (issue 8): per-org SMTP and SMS provider settings, the delivery state of each outbox message,
-- and the history of its attempts.
--
-- Workers claim due messages across orgs with FOR UPDATE SKIP LOCKED, mark them 'sending' with a lease
-- (next_attempt_at = when the lease ends), send, then record the outcome. A worker that dies between claiming and
-- recording leaves the message 'sending' until its lease ends; another worker then claims it again (at least once).
-- `attempts` is raised when a message is claimed and doubles as the claim's fence: an outcome is recorded only by
-- the worker whose claim is current.
ALTER TABLE outbox DROP CONSTRAINT outbox_status_value;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_value
    CHECK (status IN ('queued', 'sending', 'sent', 'retrying', 'failed'));
ALTER TABLE outbox
    ADD COLUMN next_attempt_at      timestamptz,
    ADD COLUMN sent_at              timestamptz,
    ADD COLUMN provider_message_id  text CONSTRAINT outbox_provider_message_id_length CHECK (length(provider_message_id) <= 500);

-- The listener's INSERT keeps a single partial index to maintain: this one replaces outbox_queued. A new row has
-- no next_attempt_at and is due from its creation.
DROP INDEX outbox_queued;
CREATE INDEX outbox_due ON outbox ((coalesce(next_attempt_at, created_at)))
    WHERE status IN ('queued', 'retrying', 'sending');

CREATE TABLE outbox_attempts (
    org_id               bigint NOT NULL,
    outbox_id            bigint NOT NULL,
    attempt              integer NOT NULL,
    outcome              text NOT NULL CONSTRAINT outbox_attempts_outcome_value CHECK (outcome IN ('sent', 'retrying', 'failed')),
    error                text CONSTRAINT outbox_attempts_error_length CHECK (length(error) <= 2000),
    provider_message_id  text,
    started_at           timestamptz NOT NULL,
    finished_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, outbox_id, attempt),
    FOREIGN KEY (org_id, outbox_id) REFERENCES outbox (org_id, id) ON DELETE CASCADE
);
SELECT crmhub_enable_tenant_rls('outbox_attempts');

-- One row per org and channel. `config` holds the settings that are not secret (as the admin API shows them);
-- `secret` the password or token, AES-256-GCM encrypted with CRMHUB_SECRET_KEY (nonce, ciphertext, tag).
CREATE TABLE delivery_settings (
    org_id      bigint NOT NULL,
    channel     text NOT NULL CONSTRAINT delivery_settings_channel_value CHECK (channel IN ('email', 'sms')),
    config      jsonb NOT NULL,
    secret      bytea,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, channel)
);
SELECT crmhub_enable_tenant_rls('delivery_settings');
