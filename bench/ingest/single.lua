-- wrk script: POST /l/<token> with ONE add-contact action per request, every contact a new identity
-- (batch100.lua sets `items_per_request` and runs this file for 100 per request).
--
--   wrk -t2 -c16 -d10s -s bench/ingest/single.lua http://127.0.0.1:8085/l/TOKEN -- NONCE [SENDER]
--
-- NONCE (0-999) must differ between the wrk runs of one benchmark run: it is part of every email and phone, so that
-- no contact of one run matches a contact of another (a match would be an update of an existing customer, not an
-- insert). Inside one run the thread number and a per-thread counter make each identity unique; phones too
-- ("+849" NONCE(3) THREAD(1) COUNTER(7+) = at most 15 digits), or they would be deduplicated as one customer.
--
-- Counts (bench/tally.lua) every response that is not 200 (207 partial and 422 all-failed included) and prints, at the end:
--   INGEST requests=N ok=N bad=N duration_us=N items=ITEMS
--   INGEST first-bad status=S body=…        (only when there was one)
items_per_request = items_per_request or 1
local script = items_per_request == 1 and "single.lua" or "batch100.lua"

local nonce, sender, counter = 0, "bench@example.com", 0
tally_prefix, tally_items = "INGEST", items_per_request
function tally_ok(status) return status == 200 end
dofile("bench/tally.lua")

function init(args)
  nonce = (tonumber(args[1]) or 0) % 1000
  sender = args[2] or sender
  if tid > 9 then error(script .. ": at most 9 wrk threads (the thread number is one digit of the phone)") end
end

local function contact()
  counter = counter + 1
  return string.format(
    '{"actionType":"add-contact","data":{"name":"Bench","emails":[{"value":"u%d-%d-%d@example.com"}],' ..
    '"phones":[{"value":"+849%03d%d%07d"}]}}', nonce, tid, counter, nonce, tid, counter)
end

local headers = {["Content-Type"] = "application/json"}
function request()
  local parts = {}
  for i = 1, items_per_request do parts[i] = contact() end
  local body = '{"senderUser":"' .. sender .. '","data":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", nil, headers, body)
end

