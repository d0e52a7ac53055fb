-- wrk script: POST /l/<token> with 100 add-contact actions per request, every contact a new identity.
--
--   wrk -t2 -c16 -d10s -s bench/ingest/batch100.lua http://127.0.0.1:8085/l/TOKEN -- NONCE [SENDER]
--
-- Everything else (identities, counting, the INGEST lines) is single.lua's; run from the repository's root, as
-- bench/ingest/run.sh does.
items_per_request = 100
dofile("bench/ingest/single.lua")
