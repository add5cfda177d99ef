#!/usr/bin/env bats
# Limits set through the API (issue 13 item 2; src/api/api_limits.c):
# PUT /api/v1/tenants/{t}/limits and /servers/{alias}/limits, for the
# users the configuration names in operator_users only -- a tenant's
# owner is refused (limits are no tenant's to raise). The limits apply
# to MCP calls (config_ttl = 0 here: at once); hostile and malformed
# bodies are refused with the member named; every change is audited.

load helpers

setup_file() {
	local s
	stack_up none 3>&- || return 1
	stack_seed_demo || return 1
	s=$(stack_user_session operator@example.com operator-password-1) || return 1
	OP_UID=$(jq -r .user.id <<<"$s")
	OP_TOKEN=$(jq -r .access_token <<<"$s")
	# the operator is no member of any tenant
	export STACK_PLATFORM_CONF_EXTRA="operator_users = 00000000-0000-4000-8000-000000000001,$OP_UID
config_ttl = 0"
	stack_start_platform "$(stack_free_port)" lighttpd 3>&- || return 1
	unset STACK_PLATFORM_CONF_EXTRA
	export BASE=$STACK_BASE_URL OP_UID OP_TOKEN DEMO_ACCESS_TOKEN
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# put PATH BODY [TOKEN]
put() {
	api_call PUT "$1" -H "Authorization: Bearer ${3:-$OP_TOKEN}" \
	    -H 'Content-Type: application/json' --data-binary "$2"
}

echo_call() {
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"echo","arguments":{"message":"q"}}}'
}

audited() {
	[ "$(stack_psql -At -c "select count(*) from public.audit_events
	    where action = 'limits.set' and target = '$1'")" -ge 1 ]
}

@test "a tenant's owner may not set limits; an operator may, and the tool rule applies to MCP calls" {
	local i
	put /api/v1/tenants/demo/limits '{"tool":{"rate":2,"burst":2}}' "$DEMO_ACCESS_TOKEN"
	assert_status 403
	assert_json '.error.message | test("operator")'
	put /api/v1/tenants/demo/limits '{"interval_s":3600,"tool":{"rate":2,"burst":2}}'
	assert_status 200
	assert_json '.limits == {"interval_s":3600,"tool":{"rate":2,"burst":2}}'
	[ "$(stack_psql -At -c "select limits->'tool'->>'rate' from public.tenants where slug = 'demo'")" = 2 ]
	audited demo
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 200
	SID=$(header mcp-session-id)
	for i in 1 2; do
		echo_call
		assert_status 200
	done
	echo_call
	assert_status 429
	assert_json '.error.code == -32015 and .error.data.scope == "tool" and .error.data.limit == 2'
	# lifted again by the operator
	put /api/v1/tenants/demo/limits '{}'
	assert_status 200
	assert_json '.limits == {}'
	echo_call
	assert_status 200
}

@test "a server's limits: set by the operator, read back by the tenant's members" {
	put /api/v1/tenants/demo/servers/everything/limits '{"timeout_ms":30000,"tool":{"concurrent":3}}'
	assert_status 200
	assert_json '.limits.timeout_ms == 30000 and .limits.tool.concurrent == 3'
	audited everything
	api_call GET /api/v1/tenants/demo/servers/everything -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 200
	assert_json '.limits.timeout_ms == 30000'
	# the owner still cannot write them, neither here nor through the server
	put /api/v1/tenants/demo/servers/everything/limits '{"timeout_ms":1}' "$DEMO_ACCESS_TOKEN"
	assert_status 403
	put /api/v1/tenants/demo/servers/everything/limits '{}'
	assert_status 200
}

@test "hostile and malformed bodies are refused, naming the member" {
	put /api/v1/tenants/demo/limits '{"rate":1}'
	assert_status 400
	assert_json '.error.message | test("unknown field .rate.")'
	put /api/v1/tenants/demo/limits '{"tool":{"rate":-1}}'
	assert_status 400
	assert_json '.error.message | test("rate")'
	put /api/v1/tenants/demo/limits '{"tool":{"rate":1,"sneaky":2}}'
	assert_status 400
	assert_json '.error.message | test("sneaky")'
	put /api/v1/tenants/demo/limits '{"tool":"lots"}'
	assert_status 400
	put /api/v1/tenants/demo/limits '{"quota_monthly":1e3}'
	assert_status 400
	put /api/v1/tenants/demo/limits '{"interval_s":86401}'
	assert_status 400
	put /api/v1/tenants/demo/servers/everything/limits '{"timeout_ms":99999999999}'
	assert_status 400
	put /api/v1/tenants/demo/servers/everything/limits '{"tenant":{"rate":1}}'
	assert_status 400
	put /api/v1/tenants/demo/limits '[1,2]'
	assert_status 400
	put /api/v1/tenants/demo/limits '{"tool":'
	assert_status 400
	api_call PUT /api/v1/tenants/demo/limits -H "Authorization: Bearer $OP_TOKEN" \
	    -H 'Content-Type: text/plain' --data-binary '{}'
	assert_status 415
	{ printf '{"x":"'; head -c 270000 /dev/zero | tr '\0' a; printf '"}'; } >"$BATS_TEST_TMPDIR/big.json"
	api_call PUT /api/v1/tenants/demo/limits -H "Authorization: Bearer $OP_TOKEN" \
	    -H 'Content-Type: application/json' --data-binary "@$BATS_TEST_TMPDIR/big.json"
	assert_status 413
	# nothing was written
	[ "$(stack_psql -At -c "select limits from public.tenants where slug = 'demo'")" = '{}' ]
}

@test "unknown tenant or server is 404; no token is 401; a soft-deleted tenant is 404; GET is 405" {
	put /api/v1/tenants/no-such-tenant/limits '{}'
	assert_status 404
	put /api/v1/tenants/demo/servers/no-such-server/limits '{}'
	assert_status 404
	api_call PUT /api/v1/tenants/demo/limits -H 'Content-Type: application/json' --data-binary '{}'
	assert_status 401
	# a soft-deleted tenant is gone for the operator too
	stack_psql -c "insert into public.tenants (slug, name, deleted_at) values ('gone', 'Gone', now())" >/dev/null
	put /api/v1/tenants/gone/limits '{}'
	assert_status 404
	# GET is not a method of this resource
	http GET "$BASE/api/v1/tenants/demo/limits" -H "Authorization: Bearer $OP_TOKEN"
	assert_status 405
}
