-- wrk script for the reference's POST /contacts: one contact per request, the body of
-- /work/shared/bench/contacts.lua, but with identities that are really unique.
--
--   wrk -t2 -c16 -d10s -s bench/ingest/peer_contacts.lua http://127.0.0.1:8095/contacts -- NONCE
--
-- contacts.lua takes its thread id from math.random, which LuaJIT seeds the same way every time: every wrk thread
-- and every run sends the same emails, so all but the first get ON CONFLICT DO NOTHING (no row, no WAL to flush)
-- and the reference would be measured doing far less work than an insert. Here the thread number (from setup) and
-- NONCE (different for each wrk run of one benchmark run) make each email new.
-- Counts responses that are not 2xx (the reference answers 201 for a new row, 200 for a duplicate) and prints
--   INGEST requests=N ok=N bad=N duration_us=N items=1
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local nonce, counter = 0, 0
ok, bad, first_bad = 0, 0, nil

function init(args)
  nonce = tonumber(args[1]) or 0
end

local headers = {["Content-Type"] = "application/json"}
function request()
  counter = counter + 1
  local body = string.format('{"name":"Bench","email":"w%d-%d-%d@example.com","phone":"+84905000001"}', nonce, tid, counter)
  return wrk.format("POST", nil, headers, body)
end

function response(status, _, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    bad = bad + 1
    if first_bad == nil then first_bad = "status=" .. status .. " body=" .. string.sub(body or "", 1, 400) end
  end
end

function done(summary, _, _)
  local good, wrong, sample = 0, 0, nil
  for _, thread in ipairs(threads) do
    good = good + (thread:get("ok") or 0)
    wrong = wrong + (thread:get("bad") or 0)
    sample = sample or thread:get("first_bad")
  end
  io.write(string.format("INGEST requests=%d ok=%d bad=%d duration_us=%d items=1\n", summary.requests, good, wrong, summary.duration))
  if sample then io.write("INGEST first-bad " .. sample:gsub("\n", " ") .. "\n") end
end
