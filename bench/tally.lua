-- Shared by the wrk scripts of bench/: numbers the threads (each gets `tid`), counts the answers, and prints at the
-- end one line bench/lib.sh reads, plus details when an answer was not the expected one:
--   PREFIX requests=N ok=N bad=N duration_us=N items=ITEMS
--   PREFIX bad-statuses thread1[409:3 500:1] …     (only when there was a bad answer)
--   PREFIX first-bad status=S body=…                (only when there was a bad answer)
-- The script that runs this file (dofile, from the repository's root) sets the globals `tally_prefix` (INGEST or
-- CIOPULSE), `tally_items` (items per request, a number or a function giving it) and `tally_ok(status)` (whether
-- an answer counts as a success).
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

ok, bad, first_bad, bad_statuses = 0, 0, nil, ""
local bad_counts, bad_order = {}, {}

function response(status, _, body)
  if tally_ok(status) then
    ok = ok + 1
  else
    bad = bad + 1
    if first_bad == nil then first_bad = "status=" .. status .. " body=" .. string.sub(body or "", 1, 400) end
    if bad_counts[status] == nil then table.insert(bad_order, status) end
    bad_counts[status] = (bad_counts[status] or 0) + 1
    local parts = {}
    for _, s in ipairs(bad_order) do table.insert(parts, s .. ":" .. bad_counts[s]) end
    bad_statuses = table.concat(parts, " ")  -- a string, so that done() can read it with thread:get
  end
end

function done(summary, _, _)
  local good, wrong, sample, statuses = 0, 0, nil, {}
  for _, thread in ipairs(threads) do
    good = good + (thread:get("ok") or 0)
    wrong = wrong + (thread:get("bad") or 0)
    sample = sample or thread:get("first_bad")
    local s = thread:get("bad_statuses")
    if s and s ~= "" then table.insert(statuses, "thread" .. thread:get("tid") .. "[" .. s .. "]") end
  end
  local items = type(tally_items) == "function" and tally_items() or tally_items
  io.write(string.format("%s requests=%d ok=%d bad=%d duration_us=%d items=%d\n",
    tally_prefix, summary.requests, good, wrong, summary.duration, items))
  if #statuses > 0 then io.write(tally_prefix .. " bad-statuses " .. table.concat(statuses, " ") .. "\n") end
  if sample then io.write(tally_prefix .. " first-bad " .. sample:gsub("\n", " ") .. "\n") end
end
