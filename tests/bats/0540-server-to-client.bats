#!/usr/bin/env bats
# Server->client requests of a stdio upstream (sampling/createMessage,
# elicitation/create, roots/list; src/mcp/rendezvous.h), through the
# platform against server-everything over stdio (/mcp/demo/everything):
#  - the v1 SDK client (tests/sdk/client.mjs --s2c answer) gets each on the
#    POST's SSE stream and answers in another POST (perhaps to another
#    worker: the rendezvous hands it over); a reply to an id nobody waits
#    for is 404;
#  - the v2 SDK client (tests/sdk/client-v2.mjs --s2c 1) gets them as
#    input_required results and retries with inputResponses (its own
#    alias everything-v2: server-everything caches the roots per child);
#  - a client that never answers: the call ends at the server's timeout
#    (everything-short, limits.timeout_ms 4000), the child is ended, and
#    the next call works;
#  - a client that cancels the call while its question waits: the
#    notifications/cancelled (another POST) reaches the parked call;
#  - input_required: forged, foreign, other-request requestState refused;
#  - the same rounds on a legacy HTTP upstream (the v1 SDK conformance
#    fixture over Streamable HTTP, /mcp/demo/conformance-http): its
#    requests arrive on the call's event stream, the answers go back in
#    POSTs of their own.

load helpers

setup_file() {
	local dir port
	dir=$(mktemp -d "${TMPDIR:-/tmp}/mcp-s2c.XXXXXX")
	stack_init "$dir" || return 1
	stack_start_pg 3>&- || return 1
	stack_migrate || return 1
	stack_start_supabase "$(stack_free_port)" 3>&- || return 1
	stack_seed_demo || return 1
	port=$(stack_free_port)
	stack_start_node conformance-http "$port" \
	    "$TOP/tests/fixtures/conformance-server.mjs" --http --port "$port" 3>&- ||
	    return 1
	stack_psql -v url="http://127.0.0.1:$port/mcp" -v tenant="$DEMO_TENANT" <<-'SQL' >/dev/null || return 1
		insert into public.mcp_servers (slug, name, transport, argv, url, limits)
		values ('conformance-http', 'Legacy fixture (SDK 1.x, Streamable HTTP)',
		        'http', null, :'url', '{}');
		insert into public.tenant_servers (tenant_id, server_id, alias)
		select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
		 where t.slug = :'tenant' and s.slug = 'conformance-http';
	SQL
	stack_psql -v tenant="$DEMO_TENANT" <<-'SQL' >/dev/null || return 1
		insert into public.tenant_servers (tenant_id, server_id, alias, limits)
		select t.id, s.id, a.alias, a.limits::jsonb
		  from public.tenants t, public.mcp_servers s,
		       (values ('everything-short', '{"timeout_ms": 4000}'),
		               ('everything-v2', '{}')) a(alias, limits)
		 where t.slug = :'tenant' and s.slug = 'everything';
	SQL
	# carol: another member of the demo tenant (a foreign caller for a
	# requestState).
	CAROL_TOKEN=$(stack_user_session carol@example.com carol-password-1 |
	    jq -r .access_token) || return 1
	stack_psql -v tenant="$DEMO_TENANT" <<-'SQL' >/dev/null || return 1
		insert into public.tenant_members (tenant_id, user_id, role)
		select t.id, u.id, 'member' from public.tenants t, auth.users u
		 where t.slug = :'tenant' and u.email = 'carol@example.com';
	SQL
	stack_start_platform "$(stack_free_port)" lighttpd 3>&- || return 1
	export BASE=$STACK_BASE_URL
	export DEMO_ACCESS_TOKEN DEMO_TENANT STACK_DIR STACK_PG STACK_BASE_URL \
	    CAROL_TOKEN
}

teardown_file() {
	stack_down
}

# sdk ALIAS [client.mjs options...]: $output holds the TAP, $status the
# exit status.
sdk() {
	local alias=$1
	shift
	run timeout 90 "$TOP/node_modules/.bin/node" "$TOP/tests/sdk/client.mjs" \
	    --url "$STACK_BASE_URL/mcp/$DEMO_TENANT/$alias" \
	    --token "$DEMO_ACCESS_TOKEN" --timeout 60000 "$@"
	sed 's/^/# /' <<<"$output" >&3
}

ok_count() {
	[ "$status" -eq 0 ] && ! grep -q '^not ok' <<<"$output" &&
	    grep -qx "1\.\.$1" <<<"$output"
}

@test "v1 SDK client: elicitation, sampling and roots answered through the platform (stdio)" {
	sdk everything --s2c answer
	ok_count 8
	grep -q '^ok .* - tools/call trigger-elicitation-request: elicitation/create answered$' <<<"$output"
	grep -q '^ok .* - tools/call trigger-sampling-request: sampling/createMessage answered$' <<<"$output"
	grep -q '^ok .* - tools/call get-roots-list: roots/list answered$' <<<"$output"
	# The platform's ids, not the child's: unguessable.
	grep -Eq '^# asked with id s2c\.[0-9a-f]{32}\.' <<<"$output"
	# Nothing left parked.
	[ -z "$(ls -A "$STACK_DIR/platform/data/rdv" 2>/dev/null)" ]
}

@test "v1 SDK client that never answers: the call ends at the server's timeout, the next call works" {
	sdk everything-short --s2c silent
	ok_count 4
	grep -q '^ok .* - elicitation never answered: the call ends with an error$' <<<"$output"
	grep -q '^ok .* - the next call works$' <<<"$output"
	[ -z "$(ls -A "$STACK_DIR/platform/data/rdv" 2>/dev/null)" ]
}

@test "v2 SDK client: elicitation, sampling and roots through input_required (stdio, legacy upstream)" {
	run timeout 120 "$TOP/node_modules/.bin/node" "$TOP/tests/sdk/client-v2.mjs" \
	    --url "$STACK_BASE_URL/mcp/$DEMO_TENANT/everything-v2" \
	    --token "$DEMO_ACCESS_TOKEN" --timeout 90000 --s2c 1
	sed 's/^/# /' <<<"$output" >&3
	[ "$status" -eq 0 ]
	! grep -q '^not ok' <<<"$output"
	grep -q '^ok .* - tools/call trigger-elicitation-request: elicitation/create answered through input_required$' <<<"$output"
	grep -q '^ok .* - tools/call trigger-sampling-request: sampling/createMessage answered through input_required$' <<<"$output"
	grep -q '^ok .* - tools/call get-roots-list: roots/list answered through input_required$' <<<"$output"
}

ACCEPT='application/json, text/event-stream'
CAPS='{"elicitation":{},"sampling":{},"roots":{}}'

# modern TOKEN TOOL ARGS_JSON [EXTRA_PARAMS_JSON]: a modern tools/call on
# $ALIAS (everything-v2); $body is the JSON-RPC answer (the last SSE
# event's data).
modern() {
	local token=$1 tool=$2 args=$3 extra=${4:-'{}'} data
	data=$(jq -cn --arg t "$tool" --argjson a "$args" --argjson x "$extra" \
	    --argjson caps "$CAPS" '{jsonrpc:"2.0",id:7,method:"tools/call",
	    params:({name:$t,arguments:$a,_meta:{
	      "io.modelcontextprotocol/protocolVersion":"2026-07-28",
	      "io.modelcontextprotocol/clientCapabilities":$caps}} + $x)}')
	http POST "$BASE/mcp/$DEMO_TENANT/${ALIAS:-everything-v2}" \
	    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
	    -H "Accept: $ACCEPT" -H 'MCP-Protocol-Version: 2026-07-28' \
	    -H 'Mcp-Method: tools/call' -H "Mcp-Name: $tool" --data-binary "$data"
	if [ "$(header content-type)" = text/event-stream ]; then
		body=$(printf '%s\n' "$body" | sed -n 's/^data: //p' | tail -1)
	fi
}

@test "input_required: requestState forged, foreign, for another request, or answers not asked -> 400 -32602; the honest retry completes" {
	local state key tampered answer
	modern "$DEMO_ACCESS_TOKEN" trigger-elicitation-request '{}'
	assert_status 200
	assert_json '.result.resultType == "input_required"'
	assert_json '.result.inputRequests | to_entries | length == 1'
	assert_json '.result.inputRequests | to_entries[0].value.method == "elicitation/create"'
	state=$(jq -r .result.requestState <<<"$body")
	key=$(jq -r '.result.inputRequests | keys[0]' <<<"$body")
	answer=$(jq -cn --arg k "$key" '{($k):{action:"accept",content:{name:"Ada",check:true,email:"ada@example.com"}}}')
	# The state is sealed: nothing of the request in clear.
	! base64 -d <<<"$state" 2>/dev/null | grep -qa elicitation

	# One byte changed (the middle of the ciphertext).
	tampered=$(python3 -c 'import sys; s=sys.argv[1]; i=len(s)//2; print(s[:i]+("A" if s[i]!="A" else "B")+s[i+1:])' "$state")
	modern "$DEMO_ACCESS_TOKEN" trigger-elicitation-request '{}' \
	    "$(jq -cn --arg s "$tampered" --argjson r "$answer" '{requestState:$s,inputResponses:$r}')"
	assert_status 400
	assert_json '.error.code == -32602'
	assert_json '.error.message | test("requestState")'

	# Another caller of the same tenant replays it.
	modern "$CAROL_TOKEN" trigger-elicitation-request '{}' \
	    "$(jq -cn --arg s "$state" --argjson r "$answer" '{requestState:$s,inputResponses:$r}')"
	assert_status 400
	assert_json '.error.code == -32602'

	# The same state for another request (another tool).
	modern "$DEMO_ACCESS_TOKEN" echo '{"message":"x"}' \
	    "$(jq -cn --arg s "$state" --argjson r "$answer" '{requestState:$s,inputResponses:$r}')"
	assert_status 400
	assert_json '.error.code == -32602'
	assert_json '.error.message | test("another request")'

	# Answers to something that was not asked; a state that is not
	# base64url: refused. Answers without a state are ignored (the spec's
	# "SHOULD ignore unrecognized information"): the client is asked
	# afresh.
	modern "$DEMO_ACCESS_TOKEN" trigger-elicitation-request '{}' \
	    "$(jq -cn --arg s "$state" '{requestState:$s,inputResponses:{"in-0000000000000000":{action:"decline"}}}')"
	assert_status 400
	assert_json '.error.code == -32602'
	modern "$DEMO_ACCESS_TOKEN" trigger-elicitation-request '{}' \
	    "$(jq -cn --argjson r "$answer" '{inputResponses:$r}')"
	assert_status 200
	assert_json '.result.resultType == "input_required"'
	modern "$DEMO_ACCESS_TOKEN" trigger-elicitation-request '{}' \
	    '{"requestState":"%%%not base64%%%"}'
	assert_status 400
	assert_json '.error.code == -32602'

	# The honest retry.
	modern "$DEMO_ACCESS_TOKEN" trigger-elicitation-request '{}' \
	    "$(jq -cn --arg s "$state" --argjson r "$answer" '{requestState:$s,inputResponses:$r}')"
	assert_status 200
	assert_json '.result.resultType == "complete"'
	assert_json '[.result.content[].text] | join(" ") | test("Name: Ada")'
}

@test "input_required: a client without the capability is not asked (the upstream gets -32601)" {
	CAPS='{}' modern "$DEMO_ACCESS_TOKEN" trigger-sampling-request '{"prompt":"hi"}'
	assert_status 200
	assert_json '.result.resultType == "complete"'
	assert_json '.result.inputRequests == null'
}

@test "v1 SDK client cancels a call while its elicitation waits: the parked call ends at once, not at the deadline" {
	sdk everything-short --s2c cancel
	ok_count 4
	# The cancel reached the worker holding the child (another POST).
	wait_grep "the client cancelled the call" "$STACK_DIR/platform/error.log"
	wait_for eval '[ -z "$(ls -A "$STACK_DIR/platform/data/rdv" 2>/dev/null)" ]'
	grep -q '^ok .* - the next call works$' <<<"$output"
}

# answer TOOL ARGS_JSON ANSWER_JSON: the retry of the input_required in
# $body on conformance-http, ANSWER_JSON for its one inputRequest.
answer() {
	local tool=$1 args=$2 answer=$3 state key
	state=$(jq -r .result.requestState <<<"$body")
	key=$(jq -r '.result.inputRequests | keys[0]' <<<"$body")
	[ -n "$state" ] && [ "$state" != null ]
	ALIAS=conformance-http modern "$DEMO_ACCESS_TOKEN" "$tool" "$args" \
	    "$(jq -cn --arg s "$state" --arg k "$key" --argjson a "$answer" \
	    '{requestState:$s,inputResponses:{($k):$a}}')"
}

@test "input_required on a legacy http upstream: elicitation and sampling asked, the retries answer them and complete" {
	ALIAS=conformance-http modern "$DEMO_ACCESS_TOKEN" test_elicitation '{"message":"who are you?"}'
	assert_status 200
	assert_json '.result.resultType == "input_required"'
	assert_json '.result.inputRequests | to_entries | length == 1'
	assert_json '.result.inputRequests | to_entries[0].value.method == "elicitation/create"'
	assert_json '.result.inputRequests | to_entries[0].value.params.message == "who are you?"'
	answer test_elicitation '{"message":"who are you?"}' \
	    '{"action":"accept","content":{"username":"ada","email":"ada@example.com"}}'
	assert_status 200
	assert_json '.result.resultType == "complete"'
	assert_json '.result.isError != true'
	assert_json '[.result.content[].text] | join(" ") | test("action=accept") and test("ada@example.com")'

	ALIAS=conformance-http modern "$DEMO_ACCESS_TOKEN" test_sampling '{"prompt":"six times seven?"}'
	assert_status 200
	assert_json '.result.resultType == "input_required"'
	assert_json '.result.inputRequests | to_entries[0].value.method == "sampling/createMessage"'
	answer test_sampling '{"prompt":"six times seven?"}' \
	    '{"role":"assistant","content":{"type":"text","text":"forty-two"},"model":"bats"}'
	assert_status 200
	assert_json '.result.resultType == "complete"'
	assert_json '[.result.content[].text] | join(" ") | test("LLM response: forty-two")'
	# Nothing failed upstream: the answers' POSTs, the stopped calls and
	# their sessions' DELETEs.
	! grep -q "http 'conformance-http'" "$STACK_DIR/platform/error.log"
}

@test "input_required on a legacy http upstream: a client without the capability is not asked (the upstream is told it cannot)" {
	CAPS='{"sampling":{}}' ALIAS=conformance-http modern "$DEMO_ACCESS_TOKEN" test_elicitation '{"message":"hi"}'
	assert_status 200
	assert_json '.result.resultType == "complete"'
	assert_json '.result.inputRequests == null'
	# the upstream's initialize carried only sampling: it knows
	assert_json '[.result.content[].text] | join(" ") | test("does not support elicitation")'
}

@test "input_required on a legacy http upstream: a tampered, foreign or malformed requestState is 400 -32602; the honest retry completes" {
	local state key answer tampered
	ALIAS=conformance-http modern "$DEMO_ACCESS_TOKEN" test_elicitation '{"message":"again"}'
	assert_status 200
	assert_json '.result.resultType == "input_required"'
	state=$(jq -r .result.requestState <<<"$body")
	key=$(jq -r '.result.inputRequests | keys[0]' <<<"$body")
	answer=$(jq -cn --arg k "$key" '{($k):{action:"decline"}}')
	tampered=$(python3 -c 'import sys; s=sys.argv[1]; i=len(s)//2; print(s[:i]+("A" if s[i]!="A" else "B")+s[i+1:])' "$state")
	ALIAS=conformance-http modern "$DEMO_ACCESS_TOKEN" test_elicitation '{"message":"again"}' \
	    "$(jq -cn --arg s "$tampered" --argjson r "$answer" '{requestState:$s,inputResponses:$r}')"
	assert_status 400
	assert_json '.error.code == -32602'
	assert_json '.error.message | test("requestState")'
	ALIAS=conformance-http modern "$CAROL_TOKEN" test_elicitation '{"message":"again"}' \
	    "$(jq -cn --arg s "$state" --argjson r "$answer" '{requestState:$s,inputResponses:$r}')"
	assert_status 400
	assert_json '.error.code == -32602'
	ALIAS=conformance-http modern "$DEMO_ACCESS_TOKEN" test_elicitation '{"message":"again"}' \
	    '{"requestState":"%%%not base64%%%"}'
	assert_status 400
	assert_json '.error.code == -32602'
	ALIAS=conformance-http modern "$DEMO_ACCESS_TOKEN" test_elicitation '{"message":"again"}' \
	    "$(jq -cn --arg s "$state" --argjson r "$answer" '{requestState:$s,inputResponses:$r}')"
	assert_status 200
	assert_json '.result.resultType == "complete"'
	assert_json '[.result.content[].text] | join(" ") | test("action=decline")'
}
