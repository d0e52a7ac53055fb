-- wrk script of bench/scale/run.sh: one hot path of CRMHub against a seeded org (bench/scale/seed.sql), the
-- customers it reads or updates drawn at random from the org's seeded ones.
--
--   wrk -t2 -c16 -d5s -s bench/scale/paths.lua URL -- MODE EXPECTED AUTH N ORG BASE NONCE ARG RUN
--
-- MODE: ingest_new ingest_dup (ARG: actions per request), ciopulse_new, get (ARG: a path in which {g} is a seeded
-- contact's number, {s} one with a CIOPulse system id, {id} its id, {email} {phone} its identities, URL-encoded),
-- sirportly_email sirportly_phone spice_email spice_name (ARG: the SpiceCSM form's credentials, "intUser=…&intPass=…"),
-- st_signin st_details (SmarterTrack's GetSignInCookieInfo by a seeded portal login, GetUserDetails by email; ARG: the
-- web service password).
-- EXPECTED: the status that counts as a success; AUTH: the Authorization header ("-" for none); N: the org's seeded
-- customers; ORG: its number k (emails u<g>@o<k>.example.com); BASE: the id before its first customer; NONCE (0-999)
-- and RUN (0-99, the benchmark run: the large set keeps what earlier runs ingested) make the new identities and
-- CIOPulse system ids of each wrk run differ from every other's.
--
-- Seeded customer g is a contact when g % 100 < 80 and has a CIOPulse system id "s<g>" when also g % 4 = 0.
-- Counts the answers with bench/tally.lua (prefix CIOPULSE, which bench/lib.sh's bench_wrk reads).
local mode, expected, n, org, base, nonce, arg, run, counter = "get", 200, 1000, 1, 0, 0, nil, 0, 0
local headers = {}
tally_prefix = "CIOPULSE"
tally_items = 1  -- per request: run.sh multiplies the batch figures by their 100 contacts
function tally_ok(status) return status == expected end
dofile("bench/tally.lua")

-- PACE_MS (environment): each connection waits this long before each of its requests, an offered load below
-- saturation. At 16 connections unpaced, two cores are always saturated and the latency is mostly the queue's
-- (16 connections / throughput), not the request's.
local pace = tonumber(os.getenv("PACE_MS") or "")
if pace then
  function delay() return pace end
end

function init(args)
  mode, expected = args[1], tonumber(args[2])
  if args[3] ~= "-" then headers["Authorization"] = args[3] end
  n, org, base, nonce, arg = tonumber(args[4]), tonumber(args[5]), tonumber(args[6]), tonumber(args[7]) % 1000, args[8]
  run = (tonumber(args[9]) or 0) % 100
  if tid > 9 then error("paths.lua: at most 9 wrk threads (the thread number is one digit of a phone)") end
  -- LuaJIT seeds every thread alike: without this, all threads would draw the same customers in the same order.
  math.randomseed(tid * 7919 + nonce * 104729)
end

-- A seeded contact's number: g % 100 < 80, g ≤ n (orgs have at least 20 customers, so g = 1 … 19 exist).
local function contact()
  local g = 100 * math.random(0, math.floor(n / 100)) + math.random(0, 79)
  if g < 1 or g > n then g = math.random(1, math.min(n, 79)) end
  return g
end

-- A seeded contact with a CIOPulse system id: g % 4 = 0 as well.
local function ciopulse()
  local g = 100 * math.random(0, math.floor(n / 100)) + 4 * math.random(1, 19)
  if g > n then g = 4 * math.random(1, math.floor(math.min(n, 79) / 4)) end
  return g
end

-- A seeded customer with a portal login "user<g>": g % 100 = 11.
local function portal()
  local g = 100 * math.random(0, math.floor(n / 100)) + 11
  if g > n then g = 11 end
  return g
end

-- A SmarterTrack SOAP 1.1 call with its InputVariables.
local function soap(method, inputs)
  headers["Content-Type"] = "text/xml; charset=utf-8"
  headers["SOAPAction"] = '"http://tempuri.org/' .. method .. '"'
  local strings = {}
  for i, input in ipairs(inputs) do strings[i] = "<string>" .. input .. "</string>" end
  return wrk.format("POST", nil, headers, '<?xml version="1.0" encoding="utf-8"?>' ..
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><' .. method ..
    ' xmlns="http://tempuri.org/"><inputs><InputVariables>' .. table.concat(strings) ..
    '</InputVariables></inputs></' .. method .. '></soap:Body></soap:Envelope>')
end

local function email(g) return string.format("u%d@o%d.example.com", g, org) end
local function phone(g) return string.format("+849%08d", g) end
local function escape(text) return (text:gsub("[^%w%-._~]", function(c) return string.format("%%%02X", string.byte(c)) end)) end

local function ingest()
  local parts = {}
  for i = 1, tonumber(arg) do
    counter = counter + 1
    local address, number
    if mode == "ingest_new" then
      address = string.format("r%dn%d-%d-%d@scale.example.com", run, nonce, tid, counter)
      number = string.format("+84%02d%03d%d%06d", run, nonce, tid, counter)
    else
      local g = contact()
      address, number = email(g), phone(g)
    end
    parts[i] = string.format('{"actionType":"add-contact","data":{"name":"Scale","emails":[{"value":"%s"}],"phones":[{"value":"%s"}]}}',
      address, number)
  end
  return '{"senderUser":"owner@org-' .. org .. '.example.com","data":[' .. table.concat(parts, ",") .. ']}'
end

function request()
  if mode == "ingest_new" or mode == "ingest_dup" then
    headers["Content-Type"] = "application/json"
    return wrk.format("POST", nil, headers, ingest())
  elseif mode == "ciopulse_new" then
    counter = counter + 1
    local id = string.format("r%dn%d-%d-%d", run, nonce, tid, counter)
    headers["Content-Type"] = "application/json"
    return wrk.format("PUT", "/api/v5/contacts/" .. id, headers,
      string.format('{"first_name":"Scale","last_name":"Test","email":"%s@scale.example.com"}', id))
  elseif mode == "get" then
    local g = arg:find("{s}", 1, true) and ciopulse() or contact()
    local values = {g = tostring(g), s = "s" .. g, id = tostring(base + g), email = escape(email(g)), phone = escape(phone(g))}
    local path = arg:gsub("{(%a+)}", function(name) return values[name] end)
    return wrk.format("GET", path, headers)
  elseif mode == "st_signin" then
    return soap("GetSignInCookieInfo", {"AuthPW=" .. arg, "LoginUsername=user" .. portal()})
  elseif mode == "st_details" then
    return soap("GetUserDetails", {"AuthPW=" .. arg, "Email=" .. email(contact())})
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  local g = contact()
  local body
  if mode == "sirportly_email" then body = "type=email&data=" .. escape(email(g))
  elseif mode == "sirportly_phone" then body = "type=phone&data=" .. escape(phone(g))
  elseif mode == "spice_email" then body = arg .. "&PrimaryEmail=" .. escape(email(g))
  elseif mode == "spice_name" then body = arg .. "&FirstName=Linh&LastName=" .. escape("Nguyễn")
  else error("paths.lua: unknown MODE " .. tostring(mode)) end
  return wrk.format("POST", nil, headers, body)
end
