#!/usr/bin/env bats
# The platform under Apache (mod_fcgid): the same answers as under
# lighttpd, plus mod_unique_id's UNIQUE_ID as the request id.

load helpers

setup_file() {
	stack_up apache
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
}
teardown_file() { stack_down; }

@test "apache: healthz answers 200 with UNIQUE_ID as the request id" {
	http GET "$BASE/healthz"
	assert_status 200
	assert_json '.status == "ok"'
	rid=$(header x-request-id)
	[ -n "$rid" ]
	# mod_unique_id's ids are not UUIDs; the platform used the web server's.
	! [[ "$rid" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-7 ]] || false
	wait_grep "rid=$rid" "$STACK_DIR/apache/access.log"
}

@test "apache: the console is served as static files with its CSP" {
	http GET "$BASE/console"
	assert_status 301
	http GET "$BASE/console/"
	assert_status 200
	[[ "$(header content-type)" == text/html* ]]
	[[ "$(header content-security-policy)" == *"frame-ancestors 'none'"* ]]
	http GET "$BASE/console/views/servers.js"
	assert_status 200
	[[ "$(header content-type)" == text/javascript* ]]
	# and the rest still reaches the platform
	http GET "$BASE/console-not"
	assert_status 404
	assert_json '.error.code == "not_found"'
}

@test "apache: readyz answers 200" {
	http GET "$BASE/readyz"
	assert_status 200
	assert_json '.status == "ready"'
}

@test "apache: unknown path is a JSON 404" {
	http GET "$BASE/nope"
	assert_status 404
	assert_json '.error.code == "not_found"'
}

@test "apache: a body over max_body is a JSON 413" {
	head -c 2097152 /dev/zero | tr '\0' 'a' >"$BATS_TEST_TMPDIR/big"
	http POST "$BASE/healthz" -H 'Content-Type: application/json' \
	    --data-binary "@$BATS_TEST_TMPDIR/big"
	assert_status 413
	assert_json '.error.code == "payload_too_large"'
}

@test "apache: readyz answers 503 while supabase-local is down" {
	stack_stop_supabase
	http GET "$BASE/readyz"
	assert_status 503
	stack_start_supabase "$STACK_SUPABASE_PORT"
	http GET "$BASE/readyz"
	assert_status 200
}

ACCEPT='application/json, text/event-stream'

@test "apache: Authorization reaches the platform (CGIPassAuth) and MCP works" {
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    --data-binary '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
	assert_status 200
	assert_json '.result.protocolVersion == "2025-11-25"'
	[ -n "$(header mcp-session-id)" ]
}

@test "apache: SSE events are not buffered: progress arrives spread out" {
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    --data-binary '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
	sid=$(header mcp-session-id)
	sse_timed "$BASE/mcp/demo/everything" "$DEMO_ACCESS_TOKEN" "$sid" \
	    '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"trigger-long-running-operation","arguments":{"duration":2,"steps":4},"_meta":{"progressToken":"t"}}}' \
	    >"$BATS_TEST_TMPDIR/events"
	[ "$(grep -c notifications/progress "$BATS_TEST_TMPDIR/events")" -eq 4 ]
	# 4 steps over 2 s: the first event must come well before the last
	[ "$(spread_ms "$BATS_TEST_TMPDIR/events")" -ge 1000 ]
}

@test "apache: the request log reaches both sinks, joined by UNIQUE_ID" {
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    --data-binary '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
	assert_status 200
	rid=$(header x-request-id)
	[ -n "$rid" ]
	wait_grep "\"request_id\":\"$rid\"" "$STACK_DIR/platform/log/requests.jsonl"
	"$STACK_DIR/bin/mcpctl" -c "$STACK_DIR/platform/mcp-platform.conf" logs flush >/dev/null
	[ "$(stack_psql -At -c "select count(*) from public.request_logs where request_id = '$rid'
	    and method = 'initialize' and http_status = 200 and response_body like '%protocolVersion%'")" -eq 1 ]
}

@test "apache: healthz and readyz answer while every MCP worker is busy" {
	# 4 = the MCP workers (lighttpd max-procs, FcgidMaxProcessesPerClass)
	busy_workers 4 20
	http GET "$BASE/healthz"
	assert_status 200
	http GET "$BASE/readyz"
	assert_status 200
	# answered while all four calls still held their workers
	n=$(busy_done)
	stop_busy
	[ "$n" -eq 0 ]
}
