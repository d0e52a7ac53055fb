-- Deleting a customer checks that no support group names it (0008's ON DELETE RESTRICT keys); these make each
-- check an index probe instead of a scan of the org's support groups.
CREATE INDEX support_groups_support_lead ON support_groups (org_id, support_lead_id) WHERE support_lead_id IS NOT NULL;
CREATE INDEX support_groups_also_alert_1 ON support_groups (org_id, also_alert_1_id) WHERE also_alert_1_id IS NOT NULL;
CREATE INDEX support_groups_also_alert_2 ON support_groups (org_id, also_alert_2_id) WHERE also_alert_2_id IS NOT NULL;
CREATE INDEX support_groups_also_alert_3 ON support_groups (org_id, also_alert_3_id) WHERE also_alert_3_id IS NOT NULL;
CREATE INDEX support_groups_also_alert_4 ON support_groups (org_id, also_alert_4_id) WHERE also_alert_4_id IS NOT NULL;
CREATE INDEX support_groups_also_alert_5 ON support_groups (org_id, also_alert_5_id) WHERE also_alert_5_id IS NOT NULL;
CREATE INDEX support_groups_also_alert_6 ON support_groups (org_id, also_alert_6_id) WHERE also_alert_6_id IS NOT NULL;
