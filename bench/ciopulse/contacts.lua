-- wrk script for crmhub's CIOPulse-compatible Contacts API: one contact per request, HTTP Basic authentication.
--
--   wrk -t2 -c16 -d10s -s bench/ciopulse/contacts.lua http://127.0.0.1:8088 -- MODE NONCE "Basic <b64>" [N]
--
-- MODE
--   new     PUT /api/v5/contacts/n<NONCE>-<thread>-<counter>, a new system id and a new email every request
--           (first_name, last_name, email, mobile): a create, expected 201
--   update  PUT /api/v5/contacts/s<k>, k drawn from 1..N (contacts the benchmark created before), with only a new
--           job_title each time: an update of an existing contact, expected 200
--   get     GET /api/v5/contacts/s<k>, k drawn from 1..N: expected 200
-- NONCE must differ between the wrk runs of one benchmark run (it is part of every new system id and email, so that
-- a create of one run never meets a contact of another). N defaults to 1000.
--
-- Counting is bench/tally.lua's. Only the expected status counts as a success; anything else (4xx, 5xx, even the
-- other 2xx) is bad. Prints at the end:
--   CIOPULSE requests=N ok=N bad=N duration_us=N items=1
--   CIOPULSE bad-statuses 409:3 500:1       (only when there was one)
--   CIOPULSE first-bad status=S body=…       (only when there was one)
local mode, nonce, count, expected, counter = "new", 0, 1000, 201, 0
local headers = {}
tally_prefix, tally_items = "CIOPULSE", 1
function tally_ok(status) return status == expected end
dofile("bench/tally.lua")

function init(args)
  mode = args[1] or "new"
  nonce = tonumber(args[2]) or 0
  headers["Authorization"] = args[3] or error("contacts.lua: the third argument must be the Authorization header")
  count = tonumber(args[4]) or 1000
  if mode == "new" then
    expected = 201
  elseif mode == "update" or mode == "get" then
    expected = 200
  else
    error("contacts.lua: MODE must be new, update or get, got " .. tostring(mode))
  end
  if mode ~= "get" then headers["Content-Type"] = "application/json" end
  -- LuaJIT seeds every thread alike: without this, all threads would draw the same ids in the same order.
  math.randomseed(tid * 7919 + nonce * 104729)
end

function request()
  counter = counter + 1
  if mode == "new" then
    local id = string.format("n%d-%d-%d", nonce, tid, counter)
    local body = string.format(
      '{"first_name":"Bench","last_name":"Test","email":"%s@example.com","mobile":"+61411112233"}', id)
    return wrk.format("PUT", "/api/v5/contacts/" .. id, headers, body)
  end
  local path = "/api/v5/contacts/s" .. math.random(1, count)
  if mode == "update" then
    return wrk.format("PUT", path, headers, string.format('{"job_title":"Title %d-%d-%d"}', nonce, tid, counter))
  end
  return wrk.format("GET", path, headers)
end

