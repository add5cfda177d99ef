-- bench/mcp.lua -- wrk script for one MCP POST workload (used by bench/run.sh).
--
-- Environment:
--   BENCH_BODY    the JSON-RPC request; the text @ID@ in it is replaced by a
--                 request id unique across threads and requests (an MCP
--                 session may not have two requests in flight with one id)
--   BENCH_EXPECT  a plain string every response body must contain
--   BENCH_TOKEN   bearer token (optional)
--   BENCH_SID     Mcp-Session-Id (optional; MCP-Protocol-Version goes with it)
--
-- done() prints one line "BENCH k=v ..." for run.sh: requests, duration,
-- latency percentiles (µs), socket errors, non-2xx responses and responses
-- that lacked BENCH_EXPECT (status 2xx but wrong body).

local body_tpl = os.getenv("BENCH_BODY") or error("BENCH_BODY not set")
local expect = os.getenv("BENCH_EXPECT") or ""
local token = os.getenv("BENCH_TOKEN") or ""
local sid = os.getenv("BENCH_SID") or ""

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
if token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
if sid ~= "" then
	wrk.headers["Mcp-Session-Id"] = sid
	wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
end

local threads = {}
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
	table.insert(threads, thread)
end

local n = 0
bad = 0  -- global: done() reads it with thread:get
local pre, post

function init(args)
	local i = string.find(body_tpl, "@ID@", 1, true)
	if i then
		pre = string.sub(body_tpl, 1, i - 1)
		post = string.sub(body_tpl, i + 4)
	end
end

function request()
	n = n + 1
	if pre then
		return wrk.format(nil, nil, nil, pre .. '"' .. tid .. "-" .. n .. '"' .. post)
	end
	return wrk.format(nil, nil, nil, body_tpl)
end

function response(status, headers, body)
	if status >= 200 and status < 300 and expect ~= "" and
	    not string.find(body, expect, 1, true) then
		bad = bad + 1
	end
end

function done(summary, latency, requests)
	local badsum = 0
	for _, t in ipairs(threads) do badsum = badsum + (t:get("bad") or 0) end
	local e = summary.errors
	io.write(string.format(
	    "BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.1f " ..
	    "err_connect=%d err_read=%d err_write=%d err_timeout=%d non2xx=%d badbody=%d\n",
	    summary.requests, summary.duration,
	    latency:percentile(50), latency:percentile(90), latency:percentile(99),
	    latency.max, latency.mean,
	    e.connect, e.read, e.write, e.timeout, e.status, badsum))
end
