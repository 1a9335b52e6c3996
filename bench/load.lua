-- The requests of one measurement of bench/load.py, for wrk (-s bench/load.lua).
--
-- LOAD_REQUESTS names a file written by bench/load.py: header lines ("Name: value"), an empty
-- line, then one request per line: METHOD <tab> PATH <tab> BODY. Thread t of n sends the lines
-- t, t+n, t+2n, … in turn, and wraps around; with fewer lines than threads (a GET), every thread
-- sends them all.
--
-- The roll form's lines (a body with "@V@") are a pool of meetings saved over and over, each
-- line ending with <tab> VERSION, the meeting's version when wrk starts. The form's optimistic
-- check refuses a version that is not the meeting's current one, and each save adds one, so a
-- thread owns its lines' meetings and follows them: request() takes a meeting with no save in
-- flight, writes its version for "@V@" and, for "@C@", present or late in turn (every save
-- changes the roll's rows); response() reads the meeting back from the redirect's Location,
-- adds one to its version and frees it. A refused save (the form shown again) is counted bad
-- and its meeting stays busy, its version unknown. Should no meeting be free (never with more
-- meetings than the thread's connections), the first is sent anyway and counted in "starved".
-- wrk calls the first thread's request() once before the run, to check it: that meeting is
-- taken but never sent, so the first thread has one free meeting less.
--
-- LOAD_EXPECT is the status every answer must have (200, or 302 for the roll form's
-- post/redirect/get); LOAD_LOCATION, if set, must be in a redirect's Location. done() prints one
-- JSON line that bench/load.py reads.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  ok, bad, first_bad, sent, starved = 0, 0, "", 0, 0
  expect = tonumber(os.getenv("LOAD_EXPECT") or "200")
  location = os.getenv("LOAD_LOCATION") or ""
  local nthreads = tonumber(os.getenv("LOAD_THREADS") or "1")
  local lines, in_headers = {}, true
  headers = {}
  for line in io.lines(os.getenv("LOAD_REQUESTS")) do
    if in_headers then
      if line == "" then
        in_headers = false
      else
        local name, value = line:match("^([^:]+):%s*(.*)$")
        headers[name] = value
      end
    else
      table.insert(lines, line)
    end
  end
  reqs, meetings, free, first_meeting = {}, {}, {}, nil
  for index, line in ipairs(lines) do
    -- Fewer lines than threads (one GET): every thread sends them all.
    if #lines < nthreads or (index - 1) % nthreads == id then
      local method, path, body, version = line:match("^(%u+)\t([^\t]+)\t?([^\t]*)\t?(%d*)$")
      if body:find("@V@", 1, true) then
        local pk = path:match("/meetings/(%d+)/roll/")
        meetings[pk] = {method = method, path = path, body = body, version = tonumber(version)}
        table.insert(free, pk)
        first_meeting = first_meeting or pk
      else
        if body == "" then body = nil end
        table.insert(reqs, wrk.format(method, path, headers, body))
      end
    end
  end
end

function request()
  sent = sent + 1
  if first_meeting == nil then
    return reqs[(sent - 1) % #reqs + 1]
  end
  local pk = table.remove(free, 1)
  if pk == nil then
    starved = starved + 1
    pk = first_meeting
  end
  local m = meetings[pk]
  local category = (m.version % 2 == 0) and "present" or "late"
  local body = m.body:gsub("@V@", tostring(m.version)):gsub("@C@", category)
  return wrk.format(m.method, m.path, headers, body)
end

function response(status, headers, body)
  local where = headers["Location"] or headers["location"] or ""
  local good = status == expect
  if good and location ~= "" then
    good = where:find(location, 1, true) ~= nil
  end
  if good then
    ok = ok + 1
    local pk = where:match("/meetings/(%d+)/roll/")
    if pk ~= nil and meetings[pk] ~= nil then
      meetings[pk].version = meetings[pk].version + 1
      table.insert(free, pk)
    end
  else
    bad = bad + 1
    if first_bad == "" then first_bad = tostring(status) end
  end
end

function done(summary, latency, requests)
  local total_ok, total_bad, statuses, total_sent, total_starved = 0, 0, {}, 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_bad = total_bad + thread:get("bad")
    total_sent = total_sent + thread:get("sent")
    total_starved = total_starved + thread:get("starved")
    local fb = thread:get("first_bad")
    if fb ~= "" then table.insert(statuses, fb) end
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "ok": %d, "bad": %d, "bad_statuses": "%s", '
      .. '"socket_errors": %d, "p50_ms": %.2f, "p99_ms": %.2f, "sent": %d, "starved": %d}\n',
    summary.requests, summary.duration / 1e6, total_ok, total_bad, table.concat(statuses, ","),
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, total_sent, total_starved))
end
