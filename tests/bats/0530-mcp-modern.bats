#!/usr/bin/env bats
# The MCP 2026-07-28 ("modern") era at /mcp/<tenant>/<server> through the
# real stack (lighttpd): curl for every rule of src/mcp/modern.h (the era
# chosen per request, _meta, the MCP-Protocol-Version / Mcp-Method /
# Mcp-Name / Mcp-Param-* headers, unknown methods, sessions ignored,
# server/discover, resultType and caching hints, the per-request log
# level), the bridge to legacy upstreams (server-everything over stdio and
# over its own Streamable HTTP), the modern fixture written on the v2 SDK
# (tests/fixtures/modern-server.mjs) as a stdio and an http upstream, and the v2 SDK
# client (tests/sdk/client-v2.mjs) calling tools/list and tools/call. The
# legacy era is 0500/0510's; one legacy initialize here checks that both
# eras share the endpoint.

load helpers

setup_file() {
	local port
	stack_up lighttpd 3>&- || return 1
	stack_start_everything_http "$(stack_free_port)" 3>&- || return 1
	port=$(stack_free_port)
	stack_start_node modern-http "$port" \
	    "$TOP/tests/fixtures/modern-server.mjs" --http --port "$port" 3>&- ||
	    return 1
	stack_seed_demo || return 1
	stack_psql -v fixture="$TOP/tests/fixtures/modern-server.mjs" \
	    -v url="http://127.0.0.1:$port/mcp" \
	    -v tenant="$DEMO_TENANT" <<-'SQL' >/dev/null || return 1
		insert into public.mcp_servers (slug, name, transport, argv, url)
		values ('modern', 'Modern fixture (v2 SDK, stdio)', 'stdio',
		        array['node', :'fixture', '--stdio'], null),
		       ('modern-http', 'Modern fixture (v2 SDK, Streamable HTTP)',
		        'http', null, :'url');
		insert into public.tenant_servers (tenant_id, server_id, alias)
		select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
		 where t.slug = :'tenant' and s.slug in ('modern', 'modern-http');
	SQL
	export DEMO_ACCESS_TOKEN DEMO_TENANT
}

teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
V=2026-07-28
META='"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"bats","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}'

# post PATH BODY [curl args]: POST as the demo user, no MCP headers
post() {
	local path=$1 data=$2
	shift 2
	http POST "$BASE$path" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" "$@" \
	    --data-binary "$data"
	# An SSE answer: the JSON-RPC response is the last event's data.
	if [ "$(header content-type)" = text/event-stream ]; then
		events=$body
		body=$(printf '%s\n' "$events" | sed -n 's/^data: //p' | tail -1)
	fi
}

# modern PATH METHOD PARAMS_JSON_MEMBERS [curl args]: a well-formed modern
# request (id 1) with the three headers; Mcp-Name from params.name/uri.
modern() {
	local path=$1 method=$2 members=$3 data name
	shift 3
	data="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$method\",\"params\":{${members:+$members,}$META}}"
	name=$(jq -r '.params.name // .params.uri // empty' <<<"$data")
	post "$path" "$data" -H "MCP-Protocol-Version: $V" -H "Mcp-Method: $method" \
	    ${name:+-H "Mcp-Name: $name"} "$@"
}

# error STATUS CODE: the last answer was that HTTP status and JSON-RPC code
error_is() {
	assert_status "$1"
	assert_json ".error.code == $2"
}

@test "server/discover: the platform's versions, the upstream's capabilities and identity, caching hints" {
	modern /mcp/demo/everything server/discover ''
	assert_status 200
	assert_json '.id == 1 and .result.resultType == "complete"'
	assert_json '.result.supportedVersions | index("2026-07-28") != null and index("2025-11-25") != null'
	assert_json '.result.capabilities.tools != null'
	# list changes and subscriptions cannot reach a modern client yet
	assert_json '[.. | objects | has("listChanged") or has("subscribe")] | any | not'
	assert_json '.result._meta["io.modelcontextprotocol/serverInfo"].name | length > 0'
	assert_json '(.result.ttlMs | type) == "number" and .result.ttlMs >= 0 and .result.cacheScope == "private"'
	[ -z "$(header mcp-session-id)" ]
}

@test "tools/list and tools/call on a legacy stdio upstream: resultType, ttlMs, cacheScope" {
	modern /mcp/demo/everything tools/list ''
	assert_status 200
	assert_json '.result.resultType == "complete" and .result.ttlMs >= 0 and .result.cacheScope == "private"'
	assert_json '[.result.tools[].name] | index("echo") != null'
	modern /mcp/demo/everything tools/call '"name":"echo","arguments":{"message":"hi modern"}'
	assert_status 200
	assert_json '.result.resultType == "complete" and (.result | has("ttlMs") | not)'
	assert_json '.result.content[0].text | contains("hi modern")'
	[ -z "$(header mcp-session-id)" ]
}

@test "the bridge to an http upstream: initialize, call and DELETE per request" {
	modern /mcp/demo/everything-http tools/call '"name":"echo","arguments":{"message":"over http"}'
	assert_status 200
	assert_json '.result.resultType == "complete" and (.result.content[0].text | contains("over http"))'
	modern /mcp/demo/everything-http server/discover ''
	assert_status 200
	assert_json '.result._meta["io.modelcontextprotocol/serverInfo"].name | length > 0'
}

@test "the modern fixture (v2 SDK) as a stdio upstream: discover, list, call, read, prompt" {
	modern /mcp/demo/modern server/discover ''
	assert_status 200
	assert_json '.result._meta["io.modelcontextprotocol/serverInfo"].name == "mcp-modern-fixture"'
	assert_json '.result.instructions | contains("fixture")'
	modern /mcp/demo/modern tools/list ''
	assert_json '[.result.tools[].name] | index("test_simple_text") != null'
	modern /mcp/demo/modern tools/call '"name":"test_simple_text","arguments":{}'
	assert_status 200
	assert_json '.result.content[0].text == "This is a simple text response for testing."'
	modern /mcp/demo/modern resources/read '"uri":"test://static-text"'
	assert_status 200
	assert_json '.result.resultType == "complete" and .result.ttlMs == 0 and .result.cacheScope == "private"'
	assert_json '.result.contents[0].text | contains("static text")'
	modern /mcp/demo/modern prompts/get '"name":"test_simple_prompt"'
	assert_status 200
	assert_json '.result.resultType == "complete" and (.result.messages | length) == 1'
}

@test "the modern fixture over Streamable HTTP (legacy handshake to a dual-era server)" {
	modern /mcp/demo/modern-http server/discover ''
	assert_status 200
	assert_json '.result._meta["io.modelcontextprotocol/serverInfo"].name == "mcp-modern-fixture"'
	modern /mcp/demo/modern-http tools/call '"name":"echo","arguments":{"message":"v2 over http"}'
	assert_status 200
	assert_json '.result.resultType == "complete" and .result.content[0].text == "Echo: v2 over http"'
	modern /mcp/demo/modern-http resources/read '"uri":"test://static-text"'
	assert_status 200
	assert_json '.result.contents[0].text | contains("static text")'
}

@test "logLevel: no log messages without it, only those at or above it with it" {
	modern /mcp/demo/modern tools/call '"name":"test_tool_with_logging","arguments":{}'
	assert_status 200
	assert_json '.result.content[0].text == "logged 4"'
	[ "$(printf '%s\n' "${events:-}" | grep -c 'notifications/message')" -eq 0 ]
	events=
	post /mcp/demo/modern '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"test_tool_with_logging","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/logLevel":"warning"}}}' \
	    -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: tools/call' -H 'Mcp-Name: test_tool_with_logging'
	assert_status 200
	assert_json '.id == 2 and .result.content[0].text == "logged 4"'
	levels=$(printf '%s\n' "$events" | sed -n 's/^data: //p' |
	    jq -r 'select(.method == "notifications/message") | .params.level' | tr '\n' ' ')
	[ "$levels" = "warning error " ]
	# not a level
	post /mcp/demo/modern '{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/logLevel":"loud"}}}' \
	    -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: tools/list'
	error_is 400 -32602
}

@test "_meta: protocol version or client capabilities missing is 400 -32602" {
	# a modern header, no claim
	post /mcp/demo/everything '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' \
	    -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: tools/list'
	error_is 400 -32602
	assert_json '.id == 1 and (.error.message | contains("protocolVersion"))'
	post /mcp/demo/everything '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}' \
	    -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: tools/list'
	error_is 400 -32602
	assert_json '.error.message | contains("clientCapabilities")'
	post /mcp/demo/everything '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":20260728,"io.modelcontextprotocol/clientCapabilities":{}}}}' \
	    -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: tools/list'
	error_is 400 -32602
}

@test "an unsupported version is 400 -32022 with data.supported and the request id" {
	post /mcp/demo/everything '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"1900-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}' \
	    -H 'MCP-Protocol-Version: 1900-01-01' -H 'Mcp-Method: tools/list'
	error_is 400 -32022
	assert_json '.error.data.supported | index("2026-07-28") != null and index("2025-11-25") != null'
	assert_json '.error.data.requested == "1900-01-01"'
	post /mcp/demo/everything '{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}}}}' \
	    -H 'MCP-Protocol-Version: 2099-01-01' -H 'Mcp-Method: tools/list'
	error_is 400 -32022
	assert_json '.id == 5 and .error.data.requested == "2099-01-01"'
	# a legacy version in _meta: unsupported in this era
	post /mcp/demo/everything '{"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25","io.modelcontextprotocol/clientCapabilities":{}}}}' \
	    -H 'MCP-Protocol-Version: 2025-11-25' -H 'Mcp-Method: tools/list'
	error_is 400 -32022
}

@test "MCP-Protocol-Version missing or unlike _meta is 400 -32020" {
	post /mcp/demo/everything "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{$META}}" \
	    -H 'Mcp-Method: tools/list'
	error_is 400 -32020
	post /mcp/demo/everything "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{$META}}" \
	    -H 'MCP-Protocol-Version: 2025-11-25' -H 'Mcp-Method: tools/list'
	error_is 400 -32020
	# an unknown header version against a supported claim: still a mismatch
	post /mcp/demo/everything "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\",\"params\":{$META}}" \
	    -H 'MCP-Protocol-Version: 1900-01-01' -H 'Mcp-Method: tools/list'
	error_is 400 -32020
	assert_json '.id == 4'
}

@test "Mcp-Method missing or unlike the method is 400 -32020" {
	post /mcp/demo/everything "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{$META}}" \
	    -H "MCP-Protocol-Version: $V"
	error_is 400 -32020
	post /mcp/demo/everything "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{$META}}" \
	    -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: tools/call'
	error_is 400 -32020
}

@test "Mcp-Name: required, compared with params.name/uri, the =?base64?...?= form decoded" {
	local call="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"b64\"},$META}}"
	post /mcp/demo/everything "$call" -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: tools/call'
	error_is 400 -32020
	post /mcp/demo/everything "$call" -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: tools/call' -H 'Mcp-Name: get-sum'
	error_is 400 -32020
	# "echo" in the base64 form
	post /mcp/demo/everything "$call" -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: tools/call' \
	    -H 'Mcp-Name: =?base64?ZWNobw==?='
	assert_status 200
	assert_json '.result.content[0].text | contains("b64")'
	# base64 garbage, and a form that decodes to something else
	post /mcp/demo/everything "$call" -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: tools/call' \
	    -H 'Mcp-Name: =?base64?ZWNo*w==?='
	error_is 400 -32020
	post /mcp/demo/everything "$call" -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: tools/call' \
	    -H 'Mcp-Name: =?base64?ZWNobzI=?='
	error_is 400 -32020
	# resources/read compares params.uri
	modern /mcp/demo/modern resources/read '"uri":"test://static-text"' -H 'Mcp-Name: test://other'
	error_is 400 -32020
}

@test "Mcp-Param-* headers: readable values pass, base64 garbage is 400 -32020" {
	modern /mcp/demo/everything tools/list '' -H 'Mcp-Param-Region: us-west1' \
	    -H 'Mcp-Param-Text: =?base64?IHBhZGRlZCA=?='
	assert_status 200
	modern /mcp/demo/everything tools/list '' -H 'Mcp-Param-Region: =?base64?***?='
	error_is 400 -32020
}

@test "unknown and removed methods are 404 -32601" {
	modern /mcp/demo/everything no/such ''
	error_is 404 -32601
	modern /mcp/demo/everything ping ''
	error_is 404 -32601
	modern /mcp/demo/everything logging/setLevel '"level":"info"'
	error_is 404 -32601
}

@test "a modern request ignores Mcp-Session-Id, any id, and mints none" {
	modern /mcp/demo/everything tools/list '' -H 'Mcp-Session-Id: not-a-session-at-all'
	assert_status 200
	assert_json '.result.resultType == "complete"'
	[ -z "$(header mcp-session-id)" ]
}

@test "a modern notification is 202; a posted response is 400 -32600" {
	post /mcp/demo/everything '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}' \
	    -H "MCP-Protocol-Version: $V" -H 'Mcp-Method: notifications/cancelled'
	assert_status 202
	post /mcp/demo/everything '{"jsonrpc":"2.0","id":1,"result":{}}' -H "MCP-Protocol-Version: $V"
	error_is 400 -32600
}

@test "GET and a modern DELETE are 405" {
	http GET "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Accept: text/event-stream' -H "MCP-Protocol-Version: $V"
	assert_status 405
	http DELETE "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H "MCP-Protocol-Version: $V" -H 'Mcp-Session-Id: whatever'
	assert_status 405
}

@test "authentication and resolution hold in the modern era: 401, 404" {
	modern /mcp/demo/everything tools/list '' -H 'Authorization: Bearer nope'
	assert_status 401
	modern /mcp/demo/nosuch tools/list ''
	assert_status 404
}

@test "the legacy era on the same endpoint is unchanged: initialize opens a session" {
	post /mcp/demo/everything '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
	assert_status 200
	assert_json '.result.protocolVersion == "2025-11-25" and (.result | has("resultType") | not)'
	[ -n "$(header mcp-session-id)" ]
}

@test "the request log records the modern protocol version" {
	local log="$STACK_DIR/platform/log/requests.jsonl"
	modern /mcp/demo/everything tools/list '' -H 'X-Test: modern-log'
	assert_status 200
	rid=$(header x-request-id)
	wait_for grep -q "$rid" "$log"
	grep "$rid" "$log" | jq -e '.protocol_version == "2026-07-28" and .method == "tools/list"'
	# everything is a stdio server, spoken to in the legacy era
	grep "$rid" "$log" | jq -e '.upstream_protocol_version == "2025-11-25" and .bridge == "modern-to-legacy"'
}

# The v2 SDK client, through the platform.
v2() {
	run timeout 120 "$STACK_NODE" "$TOP/tests/sdk/client-v2.mjs" --token "$DEMO_ACCESS_TOKEN" --timeout 90000 "$@"
	printf '# %s\n' "${lines[@]}" >&3
	[ "$status" -eq 0 ]
}

@test "v2 SDK client (auto negotiation) on everything over stdio: modern era, tools/list, tools/call" {
	v2 --url "$BASE/mcp/demo/everything"
}

@test "v2 SDK client pinned to 2026-07-28 on everything over Streamable HTTP" {
	v2 --url "$BASE/mcp/demo/everything-http" --mode pin --args '{"message":"pinned"}' --expect-text pinned
}

@test "v2 SDK client on the modern fixture over stdio" {
	v2 --url "$BASE/mcp/demo/modern" --tool test_simple_text --args '{}' --expect-text 'simple text'
}

@test "v2 SDK client on the modern fixture over Streamable HTTP" {
	v2 --url "$BASE/mcp/demo/modern-http" --mode pin
}

@test "v2 SDK client in legacy mode still gets the legacy era" {
	v2 --url "$BASE/mcp/demo/everything" --mode legacy --era legacy
}
