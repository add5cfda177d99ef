#!/usr/bin/env bats
# Modern (2026-07-28) UPSTREAMS behind the platform (src/mcp/bridge_modern.h):
# the era probe (server/discover), a modern client passed through with
# the platform's checks, a legacy client on a modern upstream (initialize
# answered from discover, every call stateless with _meta, the answer in
# the legacy shape), the discover cache per cacheScope and ttlMs (upstream
# calls counted), capabilities the platform cannot deliver not
# advertised, and hostile input. The upstream is the modern fixture
# (tests/fixtures/modern-server.mjs, v2 SDK) over Streamable HTTP; the
# clients are curl, the v1 SDK (tests/sdk/client.mjs) and the v2 SDK
# (tests/sdk/client-v2.mjs). BRIDGE_WEB=apache runs it behind Apache
# (mod_fcgid) instead of lighttpd: the streams and parked calls pass under
# both.

load helpers

setup_file() {
	local port
	stack_up "${BRIDGE_WEB:-lighttpd}" 3>&- || return 1
	port=$(stack_free_port)
	export MODERN_METHOD_LOG="$STACK_DIR/modern-methods.log"
	stack_private_file "$STACK_USER" "$MODERN_METHOD_LOG" || return 1
	# discover: public, for a minute (the cache test counts on it)
	MODERN_DISCOVER_TTL_MS=60000 MODERN_DISCOVER_SCOPE=public \
	    stack_start_node modern-http "$port" \
	    "$TOP/tests/fixtures/modern-server.mjs" --http --port "$port" 3>&- ||
	    return 1
	stack_seed_demo || return 1
	stack_psql -v url="http://127.0.0.1:$port/mcp" \
	    -v fixture="$TOP/tests/fixtures/modern-server.mjs" \
	    -v tenant="$DEMO_TENANT" <<-'SQL' >/dev/null || return 1
		insert into public.mcp_servers (slug, name, transport, argv, url, limits)
		values ('modern', 'Modern fixture (v2 SDK, stdio)', 'stdio',
		        array['node', :'fixture', '--stdio'], null, '{}'),
		       ('modern-http', 'Modern fixture (v2 SDK, Streamable HTTP)',
		        'http', null, :'url', '{}'),
		       ('modern-short', 'The same, calls bounded to 4 s (stream bounds)',
		        'http', null, :'url', '{"timeout_ms": 4000}');
		insert into public.tenant_servers (tenant_id, server_id, alias)
		select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
		 where t.slug = :'tenant' and s.slug in ('modern', 'modern-http', 'modern-short');
	SQL
	export DEMO_ACCESS_TOKEN DEMO_TENANT
}

teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
V=2026-07-28
CAPS='{"elicitation":{}}'
META="\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"$V\",\"io.modelcontextprotocol/clientInfo\":{\"name\":\"bats\",\"version\":\"1\"},\"io.modelcontextprotocol/clientCapabilities\":$CAPS}"
EP=/mcp/demo/modern-http

post() {
	local path=$1 data=$2
	shift 2
	http POST "$BASE$path" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" "$@" \
	    --data-binary "$data"
	if [ "$(header content-type)" = text/event-stream ]; then
		events=$body
		body=$(printf '%s\n' "$events" | sed -n 's/^data: //p' | tail -1)
	fi
}

modern() {
	local path=$1 method=$2 members=$3 data name
	shift 3
	data="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$method\",\"params\":{${members:+$members,}$META}}"
	name=$(jq -r '.params.name // .params.uri // empty' <<<"$data")
	post "$path" "$data" -H "MCP-Protocol-Version: $V" -H "Mcp-Method: $method" \
	    ${name:+-H "Mcp-Name: $name"} "$@"
}

# legacy_init [CAPS]: a legacy session on the modern upstream into $SID,
# the client declaring CAPS (default {})
legacy_init() {
	post "$EP" "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":${1:-{\}},\"clientInfo\":{\"name\":\"bats\",\"version\":\"1\"}}}"
	assert_status 200
	SID=$(header mcp-session-id)
	[ -n "$SID" ]
}

legacy() {
	post "$EP" "$1" -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25'
}

# sdk ALIAS [client.mjs options...]: the v1 SDK driver (as 0510's)
sdk() {
	local alias=$1
	shift
	run timeout 90 "$STACK_NODE" "$TOP/tests/sdk/client.mjs" \
	    --url "$BASE/mcp/demo/$alias" --token "$DEMO_ACCESS_TOKEN" \
	    --timeout 60000 "$@"
	sed 's/^/# /' <<<"$output" >&3
}

count() { grep -cx "$1" "$MODERN_METHOD_LOG" || true; }

@test "a modern client passes through: discover from the upstream, its capabilities whole (listen is relayed)" {
	modern "$EP" server/discover ''
	assert_status 200
	assert_json '.id == 1 and .result.resultType == "complete"'
	# the versions this endpoint serves: the platform's, as its -32022 says
	assert_json '.result.supportedVersions == ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]'
	assert_json '.result._meta["io.modelcontextprotocol/serverInfo"].name == "mcp-modern-fixture"'
	assert_json '.result.capabilities.tools.listChanged == true and .result.capabilities.logging != null'
	assert_json '.result.ttlMs == 60000 and .result.cacheScope == "public"'
	[ -z "$(header mcp-session-id)" ]
}

@test "discover is cached for its ttlMs, public: one upstream call for many clients" {
	local before after
	modern "$EP" server/discover ''
	assert_status 200
	before=$(count server/discover)
	modern "$EP" server/discover ''
	modern "$EP" server/discover ''
	legacy_init
	after=$(count server/discover)
	[ "$before" -ge 1 ]
	# (every worker keeps its own cache: at most one more per worker)
	[ $((after - before)) -le 2 ]	# lighttpd max-procs 2
	modern "$EP" tools/list ''
	assert_status 200
	[ "$(count tools/list)" -ge 1 ]
}

@test "a modern client's tools/call and resources/read go to the upstream statelessly" {
	modern "$EP" tools/call '"name":"echo","arguments":{"message":"straight through"}'
	assert_status 200
	assert_json '.result.resultType == "complete" and .result.content[0].text == "Echo: straight through"'
	modern "$EP" resources/read '"uri":"test://static-text"'
	assert_status 200
	assert_json '.result.contents[0].text | contains("static text")'
	# the upstream's own errors pass through with their status
	modern "$EP" tools/call '"name":"no_such_tool","arguments":{}'
	assert_json '(.error.code != null) or (.result.isError == true)'
}

@test "input_required passes through to a modern client; its retry with inputResponses completes" {
	modern "$EP" tools/call '"name":"ask_name","arguments":{}'
	assert_status 200
	assert_json '.result.resultType == "input_required"'
	assert_json '.result.inputRequests.name.method == "elicitation/create"'
	modern "$EP" tools/call '"name":"ask_name","arguments":{},"inputResponses":{"name":{"action":"accept","content":{"name":"Ann"}}}'
	assert_status 200
	assert_json '.result.resultType == "complete" and .result.content[0].text == "Hello, Ann"'
}

@test "a legacy client on a modern upstream: initialize from discover, calls stateless, legacy shapes" {
	legacy_init
	assert_json '.result.protocolVersion == "2025-11-25"'
	assert_json '.result.serverInfo.name == "mcp-modern-fixture"'
	assert_json '.result.instructions | contains("fixture")'
	# list changes reach it on the GET stream; resources/subscribe and
	# tasks cannot be given to a legacy client
	assert_json '.result.capabilities.tools.listChanged == true'
	assert_json '[.. | objects | has("subscribe")] | any | not'
	assert_json '.result.capabilities | has("tasks") | not'
	legacy '{"jsonrpc":"2.0","method":"notifications/initialized"}'
	assert_status 202
	legacy '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}'
	assert_status 200
	assert_json '[.result.tools[].name] | index("echo") != null'
	assert_json '.result | has("resultType") or has("ttlMs") or has("cacheScope") | not'
	legacy '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"message":"legacy to modern"}}}'
	assert_status 200
	assert_json '.id == 3 and .result.content[0].text == "Echo: legacy to modern"'
	assert_json '.result | has("resultType") | not'
	legacy '{"jsonrpc":"2.0","id":4,"method":"logging/setLevel","params":{"level":"info"}}'
	assert_json '.id == 4 and .result == {}'
	legacy '{"jsonrpc":"2.0","id":5,"method":"ping"}'
	assert_json '.id == 5 and .result == {}'
}

# levels_seen: the levels of the log messages on the last answer's stream
levels_seen() {
	printf '%s\n' "${events:-}" | sed -n 's/^data: //p' |
	    jq -rs '[.[] | select(.method == "notifications/message") | .params.level] | join(",")'
}

@test "a legacy session's logging/setLevel is kept and sent as the logLevel of its stateless calls" {
	local call='{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"test_tool_with_logging","arguments":{}}}'
	legacy_init
	# no level set: the modern upstream sends none
	events=; legacy "$call"
	assert_status 200
	assert_json '.result.content[0].text == "logged 4"'
	[ -z "$(levels_seen)" ]
	legacy '{"jsonrpc":"2.0","id":9,"method":"logging/setLevel","params":{"level":"warning"}}'
	assert_json '.id == 9 and .result == {}'
	# every worker of the node knows it (max-procs 2: both are asked)
	events=; legacy "$call"
	[ "$(levels_seen)" = warning,error ]
	events=; legacy "$call"
	[ "$(levels_seen)" = warning,error ]
	legacy '{"jsonrpc":"2.0","id":10,"method":"logging/setLevel","params":{"level":"debug"}}'
	events=; legacy "$call"
	[ "$(levels_seen)" = debug,info,warning,error ]
	# hostile: not a level -> -32602, the level kept
	legacy '{"jsonrpc":"2.0","id":11,"method":"logging/setLevel","params":{"level":"loud"}}'
	assert_json '.id == 11 and .error.code == -32602'
	legacy '{"jsonrpc":"2.0","id":12,"method":"logging/setLevel","params":{}}'
	assert_json '.error.code == -32602'
	events=; legacy "$call"
	[ "$(levels_seen)" = debug,info,warning,error ]
	# another session of the same caller has its own (none)
	local first=$SID
	legacy_init
	[ "$SID" != "$first" ]
	events=; legacy "$call"
	[ -z "$(levels_seen)" ]
}

@test "the request log carries the client's and the upstream's protocol versions, and the bridge" {
	local log=$STACK_DIR/platform/log/requests.jsonl rid
	legacy_init
	legacy '{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{}}'
	rid=$(header x-request-id)
	wait_for grep -q "$rid" "$log"
	jq -e --arg r "$rid" 'select(.request_id == $r) | .protocol_version == "2025-11-25" and .upstream_protocol_version == "2026-07-28" and .bridge == "legacy-to-modern"' "$log"
	# modern to modern passes through: no bridge
	modern "$EP" tools/list ''
	rid=$(header x-request-id)
	wait_for grep -q "$rid" "$log"
	jq -e --arg r "$rid" 'select(.request_id == $r) | .upstream_protocol_version == "2026-07-28" and .bridge == null' "$log" ||
	    { grep "$rid" "$log" >&2; false; }
}

@test "v1 SDK client on the modern fixture over Streamable HTTP (legacy session, stateless upstream)" {
	sdk modern-http --simple-tool echo --simple-args '{"message":"v1 sdk"}' --expect-text 'v1 sdk' \
	    --log-skip 'the modern fixture logs per request' --quiet
	! grep -q '^not ok' <<<"$output" || {
		# progress has no tool in the fixture: only that may be missing
		grep '^not ok' <<<"$output" | grep -qv -i 'progress' && return 1; true; }
	grep -q '^ok .*initialize' <<<"$output"
	grep -q '^ok .*tools/call' <<<"$output"
}

@test "v1 SDK client on the modern fixture over stdio (spoken to in the legacy era: the pool's handshake)" {
	sdk modern --simple-tool echo --simple-args '{"message":"v1 stdio"}' --expect-text 'v1 stdio' \
	    --log-skip 'the modern fixture logs per request' --quiet
	grep -q '^ok .*initialize' <<<"$output"
	grep -q '^ok .*tools/call' <<<"$output"
	grep -q '^ok .*resources/read' <<<"$output"
}

@test "v1 SDK client on the modern fixture over stdio: an elicitation round trip" {
	# The v2 SDK's legacy shim turns the fixture's input_required into
	# elicitation/create on the child's stdout; the platform relays it on
	# the POST's stream and hands the reply back (src/mcp/rendezvous.c).
	run timeout 90 "$STACK_NODE" "$TOP/tests/sdk/elicit-v1.mjs" --url "$BASE/mcp/demo/modern" \
	    --token "$DEMO_ACCESS_TOKEN" --name Ann
	printf '# %s\n' "${lines[@]}" >&3
	[ "$status" -eq 0 ]
}

@test "v2 SDK client pinned to 2026-07-28 on the modern fixture (pass-through)" {
	run timeout 120 "$STACK_NODE" "$TOP/tests/sdk/client-v2.mjs" --token "$DEMO_ACCESS_TOKEN" \
	    --timeout 90000 --url "$BASE$EP" --mode pin
	printf '# %s\n' "${lines[@]}" >&3
	[ "$status" -eq 0 ]
}

@test "hostile: base64 header garbage is 400 -32020; a legacy session id on a modern request is ignored" {
	modern "$EP" tools/call '"name":"echo","arguments":{"message":"x"}' -H 'Mcp-Param-Region: =?base64?!!!?='
	assert_status 400
	assert_json '.error.code == -32020'
	data="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"x\"},$META}}"
	post "$EP" "$data" -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: tools/call' -H 'Mcp-Name: =?base64?%%%?='
	assert_status 400
	assert_json '.error.code == -32020'
	legacy_init
	modern "$EP" tools/call '"name":"echo","arguments":{"message":"stateless"}' -H "Mcp-Session-Id: $SID"
	assert_status 200
	assert_json '.result.content[0].text == "Echo: stateless"'
	[ -z "$(header mcp-session-id)" ]
	modern "$EP" tools/call '"name":"echo","arguments":{"message":"stateless"}' -H 'Mcp-Session-Id: forged-nonsense'
	assert_status 200
}

@test "a legacy client's input_required round trip: an elicitation on its POST stream, the reply resumes the call" {
	run timeout 90 "$STACK_NODE" "$TOP/tests/sdk/elicit-v1.mjs" --url "$BASE$EP" \
	    --token "$DEMO_ACCESS_TOKEN" --name Ann
	printf '# %s\n' "${lines[@]}" >&3
	[ "$status" -eq 0 ]
	run timeout 90 "$STACK_NODE" "$TOP/tests/sdk/elicit-v1.mjs" --url "$BASE$EP" \
	    --token "$DEMO_ACCESS_TOKEN" --decline
	printf '# %s\n' "${lines[@]}" >&3
	[ "$status" -eq 0 ]
}

@test "hostile replies: a forged or tampered sealed id, and a reply nothing waits for, are 404" {
	legacy_init
	legacy '{"jsonrpc":"2.0","id":"mcpb1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","result":{"action":"accept","content":{"name":"x"}}}'
	assert_status 404
	legacy '{"jsonrpc":"2.0","id":"mcpb1.!!not-base64!!","result":{}}'
	assert_status 404
	legacy '{"jsonrpc":"2.0","id":42,"result":{}}'
	assert_status 404
	legacy '{"jsonrpc":"2.0","id":"mcpb1.","error":{"code":-1,"message":"x"}}'
	assert_status 404
}

# stream FILE PATH METHOD [curl args]: a streaming request in the
# background into FILE ($STREAM_PID)
stream() {
	local out=$1 path=$2 method=$3
	shift 3
	curl -sN -X "$method" "$BASE$path" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H "Accept: $ACCEPT" "$@" >"$out" 2>/dev/null 3>&- &
	STREAM_PID=$!
}

# touched FILE: ask the fixture to publish a change, then look for it in
# FILE (the upstream's listen may not be open yet: wait_for repeats)
touched() {
	modern /mcp/demo/modern-http tools/call '"name":"touch","arguments":{"n":1}' >/dev/null
	grep -q 'notifications/tools/list_changed' "$1"
}

@test "subscriptions/listen: the acknowledgement and tagged notifications, relayed; the stream ends at its bound" {
	local out=$BATS_TEST_TMPDIR/listen start
	start=$SECONDS
	stream "$out" /mcp/demo/modern-short POST -H 'Content-Type: application/json' \
	    -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: subscriptions/listen' \
	    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":\"sub-1\",\"method\":\"subscriptions/listen\",\"params\":{\"notifications\":{\"toolsListChanged\":true},$META}}"
	wait_for grep -q 'notifications/subscriptions/acknowledged' "$out"
	wait_for touched "$out"
	wait "$STREAM_PID"
	sed -n 's/^data: //p' "$out" | jq -se '
	    (map(select(.method == "notifications/subscriptions/acknowledged")) | .[0].params._meta["io.modelcontextprotocol/subscriptionId"] == "sub-1") and
	    (map(select(.method == "notifications/tools/list_changed")) | length >= 1 and all(.params._meta["io.modelcontextprotocol/subscriptionId"] == "sub-1")) and
	    (map(select(.id == "sub-1")) | .[0].result.resultType == "complete")'
	# ended by the server's 4 s bound, not held for LIMIT_LISTEN_MS
	[ $((SECONDS - start)) -lt 30 ]
}

@test "an unsupported version's -32022 lists exactly the versions discover gives" {
	local supported
	modern "$EP" server/discover ''
	supported=$(jq -c .result.supportedVersions <<<"$body")
	post "$EP" '{"jsonrpc":"2.0","id":3,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"v999","io.modelcontextprotocol/clientCapabilities":{}}}}' \
	    -H 'MCP-Protocol-Version: v999' -H 'Mcp-Method: server/discover'
	assert_status 400
	assert_json ".error.code == -32022 and .error.data.requested == \"v999\" and .error.data.supported == $supported"
}

# n_499 METHOD: records of METHOD on modern-http ended by a client gone
n_499() {
	jq -c "select(.http_status == 499 and .method == \"$1\" and .server_alias == \"modern-http\")" \
	    "$STACK_DIR/platform/log/requests.jsonl" 2>/dev/null | wc -l
}
at_least() { local n=$1; shift; [ "$("$@")" -ge "$n" ]; }

@test "a modern client that closes its listen stream frees the worker: the upstream stream closed, 499 recorded" {
	local r0 i t0
	r0=$(n_499 subscriptions/listen)
	# as many abandoned streams as the stack has workers (max-procs 2)
	for i in 1 2; do
		in_bg curl -s -o /dev/null --max-time 1 -X POST "$BASE$EP" \
		    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
		    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
		    -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: subscriptions/listen' \
		    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"subscriptions/listen\",\"params\":{\"notifications\":{\"toolsListChanged\":true},$META}}"
	done
	wait_bg
	# seen gone at the next beat (LIMIT_GONE_BEAT_MS), not held until
	# the listen bound (60 s)
	WAIT_FOR_S=15 wait_for at_least $((r0 + 2)) n_499 subscriptions/listen
	t0=$SECONDS
	modern "$EP" tools/call '"name":"echo","arguments":{"message":"a free worker"}'
	assert_status 200
	assert_json '.result.content[0].text == "Echo: a free worker"'
	[ $((SECONDS - t0)) -lt 5 ]
}

@test "subscriptions/listen: ended after LIMIT_LISTEN_NOTIFICATIONS (100) notifications" {
	local out=$BATS_TEST_TMPDIR/listen-n
	stream "$out" /mcp/demo/modern-http POST -H 'Content-Type: application/json' \
	    -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: subscriptions/listen' \
	    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"subscriptions/listen\",\"params\":{\"notifications\":{\"toolsListChanged\":true},$META}}"
	wait_for grep -q 'notifications/subscriptions/acknowledged' "$out"
	modern /mcp/demo/modern-http tools/call '"name":"touch","arguments":{"n":150}'
	assert_status 200
	wait "$STREAM_PID"
	[ "$(grep -c 'notifications/tools/list_changed' "$out")" -eq 100 ]
	sed -n 's/^data: //p' "$out" | jq -se 'map(select(.id == 7)) | length == 1'
}

@test "legacy GET stream on a modern upstream: list changes without the subscription tag, ended at its bound" {
	local out=$BATS_TEST_TMPDIR/get start
	EP=/mcp/demo/modern-short legacy_init
	start=$SECONDS
	stream "$out" /mcp/demo/modern-short GET -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25'
	wait_for touched "$out"
	wait "$STREAM_PID"
	sed -n 's/^data: //p' "$out" | jq -se '
	    (map(select(.method == "notifications/tools/list_changed")) | length >= 1) and
	    ([.. | objects | has("io.modelcontextprotocol/subscriptionId")] | any | not) and
	    (map(select(.method == "notifications/subscriptions/acknowledged")) | length == 0)'
	[ $((SECONDS - start)) -lt 30 ]
}

@test "GET: 405 without a session, in the modern era, and for a legacy upstream" {
	http GET "$BASE$EP" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -H 'Accept: text/event-stream'
	assert_status 405
	[[ "$(header allow)" == *POST* ]]
	legacy_init
	http GET "$BASE$EP" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -H 'Accept: text/event-stream' \
	    -H "Mcp-Session-Id: $SID" -H "MCP-Protocol-Version: $V"
	assert_status 405
	http GET "$BASE$EP" -H "Authorization: Bearer nope" -H 'Accept: text/event-stream' \
	    -H "Mcp-Session-Id: $SID"
	assert_status 401
	http GET "$BASE$EP" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -H 'Accept: text/event-stream' \
	    -H "Mcp-Session-Id: forged"
	assert_status 404
}

@test "curl as the legacy client: the sealed id on the stream, a tampered copy 404, the real one 202, then the answer" {
	local out=$BATS_TEST_TMPDIR/stream id bad
	# a client that declared no elicitation is never asked: the upstream
	# is told so (no elicitation in the call's _meta) and refuses itself
	legacy_init
	legacy '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"ask_name","arguments":{}}}'
	assert_json '.id == 8 and .error.code == -32021 and (.error.message | test("elicitation"))'
	[ -z "$(sed -n 's/^data: //p' <<<"$events" | jq -c 'select(.method == "elicitation/create")' 2>/dev/null)" ]
	legacy_init '{"elicitation":{}}'
	curl -sN -X POST "$BASE$EP" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"ask_name","arguments":{}}}' \
	    >"$out" 2>/dev/null 3>&- &
	local pid=$!
	wait_for grep -q 'mcpb1\.' "$out"
	id=$(sed -n 's/^data: //p' "$out" | jq -r 'select(.method == "elicitation/create") | .id')
	[[ $id == mcpb1.* ]]
	# one character changed: the AEAD tag fails
	bad=${id%?}$([ "${id: -1}" = A ] && echo B || echo A)
	legacy "{\"jsonrpc\":\"2.0\",\"id\":\"$bad\",\"result\":{\"action\":\"accept\",\"content\":{\"name\":\"Eve\"}}}"
	assert_status 404
	legacy "{\"jsonrpc\":\"2.0\",\"id\":\"$id\",\"result\":{\"action\":\"accept\",\"content\":{\"name\":\"Bob\"}}}"
	assert_status 202
	wait "$pid"
	sed -n 's/^data: //p' "$out" | jq -se 'map(select(.id == 9)) | .[0].result.content[0].text == "Hello, Bob"'
	# the call is over: the same id again finds nobody waiting
	legacy "{\"jsonrpc\":\"2.0\",\"id\":\"$id\",\"result\":{\"action\":\"accept\",\"content\":{\"name\":\"Bob\"}}}"
	assert_status 404
}

@test "a legacy upstream's listChanged and subscribe are not advertised (no stream can carry them)" {
	post /mcp/demo/everything '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
	assert_status 200
	assert_json '.result.capabilities.resources != null and .result.capabilities.tools != null'
	assert_json '[.. | objects | has("listChanged") or has("subscribe")] | any | not'
	# the requests themselves still pass: resources/subscribe is answered
	SID=$(header mcp-session-id)
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $SID" \
	    -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary '{"jsonrpc":"2.0","id":1,"method":"resources/subscribe","params":{"uri":"demo://resource/static/document/architecture.md"}}'
	[ "$status" = 200 ]
}
