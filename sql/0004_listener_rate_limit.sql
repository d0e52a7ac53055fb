-- A listener's rate limit counts the requests it accepted in the last minute; this index makes that a short range scan.
CREATE INDEX listener_requests_rate ON listener_requests (org_id, listener_id, received_at);
