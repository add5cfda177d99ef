#!/usr/bin/env bats
# A client that goes away cancels its upstream call and frees its worker
# (issue 13 item 4; issue 12 item 1, "closing the SSE response cancels the
# upstream call"): four calls of a slow tool abandoned after 0.5 s, with
# four workers. The stdio child gets notifications/cancelled and is kept;
# an http upstream sees its connection closed; the record says 499; another
# call is answered at once. src/http/gone.c, docs/architecture.md "A client
# that goes away".

load helpers

N=4		# the stack's MCP workers (deploy/*/mcp-platform.conf)

setup_file() {
	stack_up lighttpd
	export BASE_LIGHTTPD=$BASE
	stack_start_platform "$(stack_free_port)" apache
	export BASE_APACHE=$STACK_BASE_URL
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	local port
	port=$(stack_free_port)
	export HTTP_LOG=$STACK_DIR/slow-http.log
	stack_start_node slow-http "$port" "$TOP/tests/fixtures/slow-server.mjs" \
	    --http --port "$port" --log "$HTTP_LOG" 3>&-
	stack_psql -v fixture="$TOP/tests/fixtures/slow-server.mjs" \
	    -v url="http://127.0.0.1:$port/mcp" <<-'SQL' >/dev/null
		insert into public.mcp_servers (slug, name, transport, argv, url, network)
		values ('slow', 'Slow fixture (stdio)', 'stdio',
		        array['node', :'fixture'], null, 'none'),
		       ('slow-http', 'Slow fixture (http)', 'http', null, :'url',
		        'any');
		insert into public.tenant_servers (tenant_id, server_id, alias)
		select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
		 where t.slug = 'demo' and s.slug in ('slow', 'slow-http');
	SQL
}
teardown_file() { stack_down; }

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

mcp() {
	http POST "$B/mcp/demo/$1" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' \
	    -H 'Accept: application/json, text/event-stream' "${@:3}" \
	    --data-binary "$2"
}

session() {
	mcp "$1" "$INIT"
	assert_status 200
	SID=$(header mcp-session-id)
}

# A modern client (2026-07-28, no session) makes the same calls through the
# input_required bridge, watched the same way.
MODERN_META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'

# abandon SERVER COUNT [modern]: COUNT calls of the slow tool (20 s), each
# client gone after 0.5 s (curl --max-time closes its connection); in the
# legacy session $SID, or as a modern client
abandon() {
	local i meta= hs=(-H "Mcp-Session-Id: ${SID:-}" -H 'MCP-Protocol-Version: 2025-11-25')
	if [ "${3:-}" = modern ]; then
		meta=",$MODERN_META"
		hs=(-H 'MCP-Protocol-Version: 2026-07-28' -H 'Mcp-Method: tools/call' -H 'Mcp-Name: slow')
	fi
	for i in $(seq "$2"); do
		in_bg curl -s -o /dev/null --max-time 0.5 -X POST "$B/mcp/demo/$1" \
		    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
		    -H 'Content-Type: application/json' \
		    -H 'Accept: application/json, text/event-stream' "${hs[@]}" \
		    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":$((100 + i)),\"method\":\"tools/call\",\"params\":{\"name\":\"slow\",\"arguments\":{\"ms\":20000}$meta}}"
	done
	wait_bg
}

# The time (ms) an echo call takes right after the abandoned ones.
echo_ms() {
	local t0 t1
	t0=$(date +%s%N)
	mcp "$1" '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo","arguments":{"message":"still here"}}}' \
	    -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25'
	t1=$(date +%s%N)
	ECHO_MS=$(( (t1 - t0) / 1000000 ))
	echo "echo answered $status in $ECHO_MS ms" >&2
	assert_status 200
	[[ $body == *"still here"* ]]
}

# The stdio child's log (in its own directory), and the counts of what
# each test waits for: the cancellations the children saw, the upstream
# connections that closed early, the records with status 499.
stdio_log() { find "$STACK_DIR/platform/data" -name cancelled.log 2>/dev/null | head -1; }
n_cancelled() { local f; f=$(stdio_log); [ -z "$f" ] && echo 0 || grep -c '^cancelled ' "$f"; }
n_closed() { grep -c '^closed ' "$HTTP_LOG" 2>/dev/null || true; }
n_499() {
	jq -c "select(.http_status == 499 and .server_alias == \"$1\")" \
	    "$STACK_DIR/platform/log/requests.jsonl" 2>/dev/null | wc -l
}
# at_least N CMD...: CMD prints a number >= N (for wait_for)
at_least() { local n=$1; shift; [ "$("$@")" -ge "$n" ]; }

# gone_case BASE SERVER COUNT_FN [modern]: four calls abandoned, each seen gone by
# the upstream (COUNT_FN grows by N), recorded with 499, and an echo
# answered at once; with "modern", the calls a modern client's
gone_case() {
	local c0 r0
	B=$1
	session "$2"
	c0=$($3) r0=$(n_499 "$2")
	abandon "$2" "$N" "${4:-}"
	# beats every second; the http upstream's progress callback looks
	# about once a second too
	WAIT_FOR_S=10 wait_for at_least $((c0 + N)) "$3"
	echo_ms "$2"
	[ "$ECHO_MS" -lt 3000 ]
	WAIT_FOR_S=10 wait_for at_least $((r0 + N)) n_499 "$2"
}

@test "lighttpd: four abandoned stdio calls are cancelled and free their workers" {
	gone_case "$BASE_LIGHTTPD" slow n_cancelled
	# the children were told and kept, not killed
	grep -q "cancelled: client went away" "$STACK_DIR/platform/error.log"
	! grep -q "slow|[0-9]*' pid [0-9]* killed" "$STACK_DIR/platform/error.log"
}

@test "lighttpd: four abandoned http calls close their upstream connections" {
	gone_case "$BASE_LIGHTTPD" slow-http n_closed
}

@test "apache: four abandoned stdio calls are cancelled and free their workers" {
	gone_case "$BASE_APACHE" slow n_cancelled
}

@test "apache: four abandoned http calls close their upstream connections" {
	gone_case "$BASE_APACHE" slow-http n_closed
}

@test "lighttpd: a modern client's four abandoned stdio calls are cancelled and free their workers" {
	gone_case "$BASE_LIGHTTPD" slow n_cancelled modern
}

@test "lighttpd: a modern client's four abandoned http calls close their upstream connections" {
	gone_case "$BASE_LIGHTTPD" slow-http n_closed modern
}

@test "a slow call the client waits for still gets its answer" {
	B=$BASE_LIGHTTPD
	session slow
	mcp slow '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"slow","arguments":{"ms":2500}}}' \
	    -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25'
	assert_status 200
	# answered on a stream: the beats are SSE comments before the result
	[[ $(header content-type) == text/event-stream* ]]
	printf '%s\n' "$body" | grep -qx ':'
	[[ $body == *'"slept 2500 ms"'* ]]
}
