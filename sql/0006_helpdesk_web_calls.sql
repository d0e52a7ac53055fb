-- Helpdesk web calls (sirportly-customer-data-sources.txt, spicecsm-web-call-integrations.txt).
--
-- SpiceCSM "Case Update" sends a case's responses again and again: the case becomes one CRM ticket and each
-- response one note on the customer, found again by the product's own ids (case id, response id) so that a
-- caseXML sent twice records nothing new. `source` names the product the id belongs to.
ALTER TABLE tickets ADD COLUMN source text, ADD COLUMN external_id text,
    ADD CONSTRAINT tickets_external_pair CHECK ((source IS NULL) = (external_id IS NULL));
CREATE UNIQUE INDEX tickets_external ON tickets (org_id, source, external_id) WHERE external_id IS NOT NULL;
ALTER TABLE notes ADD COLUMN source text, ADD COLUMN external_id text,
    ADD CONSTRAINT notes_external_pair CHECK ((source IS NULL) = (external_id IS NULL));
CREATE UNIQUE INDEX notes_external ON notes (org_id, source, external_id) WHERE external_id IS NOT NULL;

-- Sirportly looks customers up by Twitter, Facebook and other IM handles, which live in `im`
-- ([{protocol, value}]) rather than in customer_identities: containment (@>) through this index. Partial: GIN
-- keeps an entry even for an empty array, and most customers have no handles, so without the predicate every
-- listener insert would pay for one (the query repeats the predicate so that the index applies).
CREATE INDEX customers_im ON customers USING gin (im jsonb_path_ops) WHERE im <> '[]'::jsonb;

-- Which custom data the Sirportly data source shows (SirportlyPayload sections); NULL shows every section.
ALTER TABLE integration_settings ADD COLUMN custom_data text[];
