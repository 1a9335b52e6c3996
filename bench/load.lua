-- The requests of one measurement of bench/load.py, for wrk (-s bench/load.lua).
--
-- LOAD_REQUESTS names a file written by bench/load.py: header lines ("Name: value"), an empty
-- line, then one request per line: METHOD <tab> PATH <tab> BODY. Thread t of n sends the lines
-- t, t+n, t+2n, … in turn (each form POST goes to a meeting of its own), and wraps around;
-- with fewer lines than threads (a GET), every thread sends them all.
-- LOAD_EXPECT is the status every answer must have (200, or 302 for the roll form's
-- post/redirect/get); LOAD_LOCATION, if set, must be in a redirect's Location. done() prints one
-- JSON line that bench/load.py reads.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  ok, bad, first_bad, sent = 0, 0, "", 0
  expect = tonumber(os.getenv("LOAD_EXPECT") or "200")
  location = os.getenv("LOAD_LOCATION") or ""
  local nthreads = tonumber(os.getenv("LOAD_THREADS") or "1")
  local headers, in_headers, lines = {}, true, {}
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
  reqs = {}
  for index, line in ipairs(lines) do
    -- Fewer lines than threads (one GET): every thread sends them all.
    if #lines < nthreads or (index - 1) % nthreads == id then
      local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
      if body == "" then body = nil end
      table.insert(reqs, wrk.format(method, path, headers, body))
    end
  end
  nreqs = #reqs
end

function request()
  sent = sent + 1
  return reqs[(sent - 1) % #reqs + 1]
end

function response(status, headers, body)
  local good = status == expect
  if good and location ~= "" then
    good = (headers["Location"] or headers["location"] or ""):find(location, 1, true) ~= nil
  end
  if good then
    ok = ok + 1
  else
    bad = bad + 1
    if first_bad == "" then first_bad = tostring(status) end
  end
end

function done(summary, latency, requests)
  local total_ok, total_bad, statuses, total_sent, per_thread = 0, 0, {}, 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_bad = total_bad + thread:get("bad")
    total_sent = total_sent + thread:get("sent")
    per_thread = math.max(per_thread, thread:get("nreqs"))
    local fb = thread:get("first_bad")
    if fb ~= "" then table.insert(statuses, fb) end
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "ok": %d, "bad": %d, "bad_statuses": "%s", '
      .. '"socket_errors": %d, "p50_ms": %.2f, "p99_ms": %.2f, "sent": %d, "distinct": %d}\n',
    summary.requests, summary.duration / 1e6, total_ok, total_bad, table.concat(statuses, ","),
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, total_sent,
    per_thread * #threads))
end
