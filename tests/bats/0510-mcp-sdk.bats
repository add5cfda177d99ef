#!/usr/bin/env bats
# The official TypeScript SDK client (tests/sdk/client.mjs: Client +
# StreamableHTTPClientTransport) through the platform, as the demo user
# (DEMO_ACCESS_TOKEN), against
#   /mcp/demo/everything         server-everything over stdio
#   /mcp/demo/everything-http    server-everything's own Streamable HTTP
#   /mcp/demo/conformance        the conformance fixture over stdio
#   /mcp/demo/conformance-http   the conformance fixture over Streamable HTTP
# Each run checks initialize, the session id, tools/list, a tools/call,
# resources/list + read, prompts/list + get, progress notifications
# streaming in before the result (timestamps: a buffering hop fails the gap
# check), logging notifications, DELETE (2xx) and the old session id
# refused with 404. The driver's TAP lines are printed as "# " comments on
# fd 3; the run is bounded by --timeout (and timeout(1)).
#
# CONFORMANCE_STDIO_NODE_OPTS (space-separated) adds node options to the
# stdio fixture's argv, as in 0520-conformance.bats.

load helpers

setup_file() {
	local dir port
	dir=$(mktemp -d "${TMPDIR:-/tmp}/mcp-sdk.XXXXXX")
	stack_init "$dir" || return 1
	stack_start_pg 3>&- || return 1
	stack_migrate || return 1
	stack_start_supabase "$(stack_free_port)" 3>&- || return 1
	# Before stack_seed_demo: it writes EVERYTHING_HTTP_URL into the
	# catalog. (3>&-: a server that outlives the file must not hold bats'
	# TAP fd.)
	stack_start_everything_http "$(stack_free_port)" 3>&- || return 1
	port=$(stack_free_port)
	stack_start_node conformance-fixture "$port" \
	    "$TOP/tests/fixtures/conformance-server.mjs" --http --port "$port" 3>&- ||
	    return 1
	stack_seed_demo || return 1
	stack_psql -v fixture="$TOP/tests/fixtures/conformance-server.mjs" \
	    -v node_opts="${CONFORMANCE_STDIO_NODE_OPTS:-}" \
	    -v url="http://127.0.0.1:$port/mcp" -v tenant="$DEMO_TENANT" <<-'SQL' >/dev/null || return 1
		insert into public.mcp_servers (slug, name, transport, argv, url)
		values
		  ('conformance', 'Conformance fixture (stdio)', 'stdio',
		   array['node'] || coalesce(string_to_array(nullif(btrim(:'node_opts'), ''), ' '), '{}')
		     || array[:'fixture', '--stdio'],
		   null),
		  ('conformance-http', 'Conformance fixture (Streamable HTTP)', 'http',
		   null, :'url');
		insert into public.tenant_servers (tenant_id, server_id, alias)
		select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
		 where t.slug = :'tenant' and s.slug in ('conformance', 'conformance-http');
	SQL
	stack_start_platform "$(stack_free_port)" lighttpd 3>&- || return 1
	export DEMO_ACCESS_TOKEN DEMO_TENANT STACK_DIR STACK_PG STACK_BASE_URL
}

teardown_file() {
	stop_node conformance-fixture
	stop_node everything-http
	stack_down
}

# stop_node NAME: stack_start_node backgrounds a shell function, so
# DIR/NAME.pid holds that subshell's pid, not the server's: stack_stop would
# kill the subshell and leave runuser and node running. End the server (the
# subshell's descendants, by pid) first, and wait until they are gone.
stop_node() {
	local f=${STACK_DIR:-}/$1.pid pid pids=""
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	kill_tree() {
		local c
		for c in $(pgrep -P "$1"); do kill_tree "$c"; done
		pids="$pids $1"
		kill -TERM "$1" 2>/dev/null || true
	}
	[ -n "$pid" ] && kill_tree "$pid"
	# shellcheck disable=SC2086
	wait_for gone $pids
}

# sdk ALIAS [client.mjs options...]: the driver against /mcp/demo/ALIAS;
# $output holds its TAP, $status its exit status.
sdk() {
	local alias=$1
	shift
	run timeout 90 "$TOP/node_modules/.bin/node" "$TOP/tests/sdk/client.mjs" \
	    --url "$STACK_BASE_URL/mcp/$DEMO_TENANT/$alias" \
	    --token "$DEMO_ACCESS_TOKEN" --timeout 60000 "$@"
	sed 's/^/# /' <<<"$output" >&3
}

# all_ok [N [S]]: no check of the last sdk run failed, there were N of them
# (13) and S (0) of them were skipped.
all_ok() {
	[ "$status" -eq 0 ] || return 1
	! grep -q '^not ok' <<<"$output" || return 1
	[ "$(grep -ciE '^ok .* # skip' <<<"$output")" -eq "${2:-0}" ] || return 1
	grep -qx "1\.\.${1:-13}" <<<"$output"
}

@test "SDK client: server-everything over stdio (/mcp/demo/everything)" {
	sdk everything
	all_ok
	grep -q '^ok .* - tools/call echo$' <<<"$output"
	grep -q '^ok .* - tools/call trigger-long-running-operation: 4 progress' <<<"$output"
}

@test "SDK client: server-everything over http (/mcp/demo/everything-http), without the logging check" {
	# server-everything sends its simulated logging on the session's
	# standalone GET stream, checked by the next test.
	sdk everything-http --log-skip "server-everything logs on the session's GET stream: the next test"
	all_ok 13 1
	grep -q '^ok .* - tools/call trigger-long-running-operation: 4 progress' <<<"$output"
}

@test "SDK client: server-everything over http: logging on the session's GET stream" {
	# The platform relays the upstream session's own GET stream
	# (upstream_listen), so the simulated log messages arrive.
	sdk everything-http
	all_ok
	grep -q '^ok .* - tools/call toggle-simulated-logging' <<<"$output"
}

@test "GET on an http upstream's session relays its stream; without a session 405, without a token 401" {
	local ep=$STACK_BASE_URL/mcp/demo/everything-http hdr=$BATS_TEST_TMPDIR/h sid
	http POST "$ep" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
	    --data-binary '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
	assert_status 200
	sid=$(header mcp-session-id)
	[ -n "$sid" ]
	# the stream stays open (beats every second): its head is awaited,
	# then the client leaves
	curl -s -N -D "$hdr" -o /dev/null --max-time 60 "$ep" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -H 'Accept: text/event-stream' \
	    -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' 3>&- &
	local pid=$!
	wait_for grep -qi '^content-type: text/event-stream' "$hdr"
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
	grep -q '^HTTP/1.1 200' "$hdr"
	http GET "$ep" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -H 'Accept: text/event-stream'
	assert_status 405
	# another caller cannot open it: the session is the demo user's
	http GET "$ep" -H 'Accept: text/event-stream' -H "Mcp-Session-Id: $sid"
	assert_status 401
}

@test "SDK client: conformance fixture over stdio (/mcp/demo/conformance)" {
	sdk conformance
	all_ok
	grep -q '^ok .* - tools/call test_simple_text$' <<<"$output"
	grep -q '^ok .* - tools/call test_tool_with_logging: >= 3 logging notification(s) before the result$' <<<"$output"
}

@test "SDK client: conformance fixture over http (/mcp/demo/conformance-http)" {
	sdk conformance-http
	all_ok
	grep -q '^ok .* - tools/call test_simple_text$' <<<"$output"
	grep -q '^ok .* - tools/call test_tool_with_logging: >= 3 logging notification(s) before the result$' <<<"$output"
}

@test "SDK client: progress streams through unbuffered (fixture test_slow_stream, 4 x 250 ms, stdio and http)" {
	local alias rc=0
	for alias in conformance conformance-http; do
		# First progress at ~250 ms, the result at ~1000 ms: a hop that
		# holds the stream until the end shows a gap near 0.
		sdk "$alias" --progress-tool test_slow_stream \
		    --progress-args '{"steps":4,"intervalMs":250}' --min-gap-ms 500
		grep -q '^ok .* - tools/call test_slow_stream: 4 progress notification(s) before the result$' <<<"$output" ||
		    { echo "$alias: progress was not streamed"; rc=1; }
		all_ok || rc=1
	done
	[ "$rc" -eq 0 ]
}
