#!/usr/bin/env bats
# Resumable event streams for legacy sessions (MCP 2025-11-25 "Resumability
# and Redelivery"; issue 12, the conformance suite's server-sse-polling): the
# platform keeps no events, so the ids it gives on a stream of an http
# upstream's session carry the upstream's own event id, sealed to the
# session (src/mcp/session.h, session_event_*). A client that loses the
# stream reconnects with GET and Last-Event-ID and the platform resumes the
# upstream's stream from there. Streams of stdio upstreams carry no ids.
# The upstream is the conformance fixture (SDK 1.x with an event store), whose
# test_reconnection tool primes its stream, closes it and answers later, and
# whose test_tool_with_progress reports progress every 2 s (FIXTURE_STEP_MS).

load helpers

setup_file() {
	local port
	stack_up lighttpd 3>&- || return 1
	stack_seed_demo || return 1
	port=$(stack_free_port)
	# each step of the slow tools takes 2 s: a client can leave between two
	FIXTURE_STEP_MS=2000 stack_start_node resumable "$port" \
	    "$TOP/tests/fixtures/conformance-server.mjs" \
	    --http --port "$port" 3>&- || return 1
	stack_psql -v url="http://127.0.0.1:$port/mcp" \
	    -v fixture="$TOP/tests/fixtures/conformance-server.mjs" <<-'SQL' >/dev/null || return 1
		insert into public.mcp_servers (slug, name, transport, argv, url, limits)
		values ('resumable', 'Conformance fixture (http, event store)', 'http',
		        null, :'url', '{}'),
		       ('resumable-stdio', 'Conformance fixture (stdio)', 'stdio',
		        array['node', :'fixture', '--stdio'], null, '{}');
		insert into public.tenant_servers (tenant_id, server_id, alias)
		select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
		 where t.slug = 'demo' and s.slug in ('resumable', 'resumable-stdio');
	SQL
	export DEMO_ACCESS_TOKEN
}
teardown_file() { stack_down; }

INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
CALL='{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"test_reconnection","arguments":{}}}'

# session SERVER: a legacy session into $SID
session() {
	http POST "$BASE/mcp/demo/$1" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' \
	    -H 'Accept: application/json, text/event-stream' --data-binary "$INIT"
	assert_status 200
	SID=$(header mcp-session-id)
	[ -n "$SID" ]
}

# call SERVER BODY OUT [curl options...]: the raw response body into OUT
call() {
	local server=$1 data=$2 out=$3
	shift 3
	curl -s -o "$out" -X POST "$BASE/mcp/demo/$server" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' \
	    -H 'Accept: application/json, text/event-stream' \
	    -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
	    "$@" --data-binary "$data" || true
}

# resume SERVER LAST_EVENT_ID: GET with Last-Event-ID -> $status, $body
resume() {
	http GET "$BASE/mcp/demo/$1" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Accept: text/event-stream' -H "Mcp-Session-Id: $SID" \
	    -H 'MCP-Protocol-Version: 2025-11-25' -H "Last-Event-ID: $2" \
	    --max-time 30
}

first_id() { sed -n 's/^id: //p' "$1" | head -1; }

@test "a call on a resumable upstream: the stream is primed first (id, retry, empty data) and its answer carries an id" {
	local out=$BATS_TEST_TMPDIR/call
	session resumable
	call resumable "$CALL" "$out" --max-time 30
	# the first event: id, retry, an empty data line
	grep -v '^:' "$out" | grep -v '^$' | sed -n 1p | grep -q '^id: .'
	grep -v '^:' "$out" | grep -v '^$' | sed -n 2p | grep -qx 'retry: [0-9]*'
	grep -v '^:' "$out" | grep -v '^$' | sed -n 3p | grep -qx 'data: '
	# the answer, with an id of its own
	grep -B1 '"Reconnection test completed successfully."' "$out" | head -1 | grep -q '^id: '
	# the ids are the platform's: base64url, not the upstream's
	! sed -n 's/^id: //p' "$out" | grep -q '[^A-Za-z0-9_-]'
}

@test "a client that lost its stream mid-call reconnects with GET and Last-Event-ID: the rest, the answer, then the stream ends" {
	local out=$BATS_TEST_TMPDIR/lost id t0 pid
	session resumable
	# gone after the first progress event, before the answer (about 4 s)
	curl -sN -o "$out" -X POST "$BASE/mcp/demo/resumable" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' \
	    -H 'Accept: application/json, text/event-stream' \
	    -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --max-time 60 \
	    --data-binary '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"test_tool_with_progress","arguments":{},"_meta":{"progressToken":"lost-1"}}}' &
	pid=$!
	wait_for grep -q '"progress":0' "$out"
	kill "$pid"
	wait "$pid" || true
	! grep -q '"id":6' "$out"
	id=$(sed -n 's/^id: //p' "$out" | tail -1)
	[ -n "$id" ]
	t0=$SECONDS
	resume resumable "$id"
	assert_status 200
	[[ $(header content-type) == text/event-stream* ]]
	# what came after that event: the later progress, then the answer
	[[ $body == *'"progress":100'* ]]
	[[ $body != *'"progress":0,'* ]]
	printf '%s\n' "$body" | sed -n 's/^data: //p' | jq -se 'map(select(.id == 6)) | length == 1 and (.[0].result.content | length > 0)'
	# ended by the answer, not held until the listen bound (60 s)
	[ $((SECONDS - t0)) -lt 30 ]
}

@test "hostile Last-Event-ID: altered, another session's, garbage, or on a stdio server -> 404, nothing resumed" {
	local out=$BATS_TEST_TMPDIR/h id other
	session resumable
	call resumable "$CALL" "$out" --max-time 30
	id=$(first_id "$out")
	[ -n "$id" ]
	resume resumable "x${id:1}"
	assert_status 404
	[[ $body == *"unknown Last-Event-ID"* ]]
	resume resumable 'not an id at all'
	assert_status 404
	resume resumable "$(head -c 600 /dev/zero | tr '\0' A)"
	assert_status 404
	# the same caller's other session
	other=$SID
	session resumable
	[ "$SID" != "$other" ]
	resume resumable "$id"
	assert_status 404
	# a stdio server's session
	session resumable-stdio
	resume resumable-stdio "$id"
	assert_status 404
}

@test "a stdio upstream's streams carry no ids (another worker cannot resume a child's stream)" {
	local out=$BATS_TEST_TMPDIR/stdio
	session resumable-stdio
	call resumable-stdio '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"test_tool_with_progress","arguments":{},"_meta":{"progressToken":"p1"}}}' \
	    "$out" --max-time 30
	grep -q 'notifications/progress' "$out"
	grep -q '"id":5' "$out"
	! grep -q '^id:' "$out"
	! grep -q '^retry:' "$out"
}
