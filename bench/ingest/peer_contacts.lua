-- wrk script for the reference's POST /contacts: one contact per request, the body of
-- ../shared/bench/contacts.lua, but with identities that are really unique.
--
--   wrk -t2 -c16 -d10s -s bench/ingest/peer_contacts.lua http://127.0.0.1:8095/contacts -- NONCE
--
-- contacts.lua takes its thread id from math.random, which LuaJIT seeds the same way every time: every wrk thread
-- and every run sends the same emails, so all but the first get ON CONFLICT DO NOTHING (no row, no WAL to flush)
-- and the reference would be measured doing far less work than an insert. Here the thread number (from setup) and
-- NONCE (different for each wrk run of one benchmark run) make each email new.
-- Counts (bench/tally.lua) responses that are not 2xx (the reference answers 201 for a new row, 200 for a duplicate) and prints
--   INGEST requests=N ok=N bad=N duration_us=N items=1
local nonce, counter = 0, 0
tally_prefix, tally_items = "INGEST", 1
function tally_ok(status) return status >= 200 and status < 300 end
dofile("bench/tally.lua")

function init(args)
  nonce = tonumber(args[1]) or 0
end

local headers = {["Content-Type"] = "application/json"}
function request()
  counter = counter + 1
  local body = string.format('{"name":"Bench","email":"w%d-%d-%d@example.com","phone":"+84905000001"}', nonce, tid, counter)
  return wrk.format("POST", nil, headers, body)
end

