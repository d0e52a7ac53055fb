-- CIOPulse-compatible contacts (ciopulse-contacts-api.txt): an org contact keyed by the caller's system_id, and the
-- support groups that name contacts as their lead or as people to alert. A CIOPulse contact is an ordinary
-- customer (kind 'contact'): its email is a contact identity, so the listener's dedup and CIOPulse's "another
-- contact already has this email" are the same unique key.
ALTER TABLE customers ADD COLUMN system_id text
    CONSTRAINT customers_system_id_length CHECK (length(system_id) BETWEEN 1 AND 200);
CREATE UNIQUE INDEX customers_system_id_key ON customers (org_id, system_id) WHERE system_id IS NOT NULL;

CREATE TABLE support_groups (
    org_id                bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id                    bigint GENERATED ALWAYS AS IDENTITY,
    system_id             text NOT NULL CONSTRAINT support_groups_system_id_length CHECK (length(system_id) BETWEEN 1 AND 200),
    name                  text NOT NULL CONSTRAINT support_groups_name_length CHECK (length(name) BETWEEN 1 AND 200),
    code                  text CONSTRAINT support_groups_code_length CHECK (length(code) <= 50),
    department_code       text CONSTRAINT support_groups_department_code_length CHECK (length(department_code) <= 50),
    department_system_id  text CONSTRAINT support_groups_department_system_id_length CHECK (length(department_system_id) <= 200),
    -- A contact named here cannot be deleted (the document's rule), enforced by RESTRICT.
    support_lead_id       bigint,
    also_alert_1_id       bigint,
    also_alert_2_id       bigint,
    also_alert_3_id       bigint,
    also_alert_4_id       bigint,
    also_alert_5_id       bigint,
    also_alert_6_id       bigint,
    active                boolean NOT NULL DEFAULT true,
    ccs_only              boolean NOT NULL DEFAULT false,
    exclude_from_nps      boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, id),
    CONSTRAINT support_groups_system_id_key UNIQUE (org_id, system_id),
    FOREIGN KEY (org_id, support_lead_id) REFERENCES customers (org_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (org_id, also_alert_1_id) REFERENCES customers (org_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (org_id, also_alert_2_id) REFERENCES customers (org_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (org_id, also_alert_3_id) REFERENCES customers (org_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (org_id, also_alert_4_id) REFERENCES customers (org_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (org_id, also_alert_5_id) REFERENCES customers (org_id, id) ON DELETE RESTRICT,
    FOREIGN KEY (org_id, also_alert_6_id) REFERENCES customers (org_id, id) ON DELETE RESTRICT
);
SELECT crmhub_enable_tenant_rls('support_groups');
-- Deleting a customer checks that no support group names it (the ON DELETE RESTRICT keys above); these make
-- each check an index probe instead of a scan of the org's support groups.
CREATE INDEX support_groups_support_lead ON support_groups (org_id, support_lead_id) WHERE support_lead_id IS NOT NULL;
CREATE INDEX support_groups_also_alert_1 ON support_groups (org_id, also_alert_1_id) WHERE also_alert_1_id IS NOT NULL;
CREATE INDEX support_groups_also_alert_2 ON support_groups (org_id, also_alert_2_id) WHERE also_alert_2_id IS NOT NULL;
CREATE INDEX support_groups_also_alert_3 ON support_groups (org_id, also_alert_3_id) WHERE also_alert_3_id IS NOT NULL;
CREATE INDEX support_groups_also_alert_4 ON support_groups (org_id, also_alert_4_id) WHERE also_alert_4_id IS NOT NULL;
CREATE INDEX support_groups_also_alert_5 ON support_groups (org_id, also_alert_5_id) WHERE also_alert_5_id IS NOT NULL;
CREATE INDEX support_groups_also_alert_6 ON support_groups (org_id, also_alert_6_id) WHERE also_alert_6_id IS NOT NULL;
