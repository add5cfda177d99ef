#!/usr/bin/env bats
# Tenant isolation through the REST API on the platform's own schema: a
# member of tenant A reads and changes nothing of tenant B with their own
# token; the secret key (service_role) sees both.

load helpers

setup_file() {
	stack_up none
	stack_psql -v everything_http_url=http://127.0.0.1:9/mcp \
	    -f "$TOP/sql/seed/catalog.sql" >/dev/null
	A=$(stack_user_session alice@example.com alice-password-1 | jq -r .access_token)
	B=$(stack_user_session bob@example.com bob-password-1 | jq -r .access_token)
	export A B
	for who in A:alpha B:beta; do
		tok=${who%%:*} slug=${who#*:}
		curl -sf -X POST "$SUPA/rest/v1/rpc/create_tenant" \
		    -H "apikey: $STACK_PUBLISHABLE_KEY" -H "Authorization: Bearer ${!tok}" \
		    -H 'Content-Type: application/json' \
		    -d "{\"p_slug\":\"$slug\",\"p_name\":\"$slug tenant\"}" >/dev/null
	done
	# One enabled server and one log row per tenant, written as the operator.
	stack_psql -c "insert into public.tenant_servers (tenant_id, server_id, alias)
	    select t.id, s.id, 'everything' from public.tenants t, public.mcp_servers s
	    where s.slug = 'everything' and t.slug in ('alpha', 'beta')" \
	    -c "insert into public.request_logs (request_id, ts, tenant_id, tenant_slug, method, http_status)
	    select 'rid-' || slug, now(), id, slug, 'tools/list', 200 from public.tenants
	    where slug in ('alpha', 'beta')" >/dev/null
}
teardown_file() { stack_down; }

as_user() {
	local tok=$1 method=$2 path=$3
	shift 3
	http "$method" "$SUPA/rest/v1/$path" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H "Authorization: Bearer $tok" "$@"
}

as_service() {
	local method=$1 path=$2
	shift 2
	http "$method" "$SUPA/rest/v1/$path" -H "apikey: $STACK_SECRET_KEY" "$@"
}

@test "create_tenant made each caller the owner of their tenant" {
	as_user "$A" GET 'tenant_members?select=role'
	assert_status 200
	assert_json '. == [{"role":"owner"}]'
}

@test "a member sees only their own tenant" {
	as_user "$A" GET 'tenants?select=slug'
	assert_status 200
	assert_json '. == [{"slug":"alpha"}]'
	as_user "$B" GET 'tenants?select=slug'
	assert_json '. == [{"slug":"beta"}]'
}

@test "asking for the other tenant by slug returns nothing" {
	as_user "$A" GET 'tenants?select=id&slug=eq.beta'
	assert_status 200
	assert_json '. == []'
	as_user "$A" GET 'tenant_servers?select=alias&tenant_id=eq.'"$(stack_psql -At -c "select id from tenants where slug='beta'")"
	assert_status 200
	assert_json '. == []'
}

@test "servers, members and logs of the other tenant are invisible" {
	for t in tenant_servers tenant_members request_logs; do
		as_user "$A" GET "$t?select=tenant_id"
		assert_status 200
		n=$(jq --arg b "$(stack_psql -At -c "select id from tenants where slug='beta'")" \
		    '[.[] | select(.tenant_id == $b)] | length' <<<"$body")
		[ "$n" -eq 0 ] || { echo "$t leaks tenant beta: $body" >&2; false; }
		[ "$(jq length <<<"$body")" -ge 1 ]
	done
}

@test "a member cannot change the other tenant" {
	beta=$(stack_psql -At -c "select id from tenants where slug='beta'")
	as_user "$A" PATCH "tenant_servers?tenant_id=eq.$beta" \
	    -H 'Content-Type: application/json' -H 'Prefer: return=representation' \
	    -d '{"enabled": false}'
	[ "$status" = 200 ] || [ "$status" = 403 ]
	[ "$status" = 403 ] || assert_json '. == []'
	[ "$(stack_psql -At -c "select bool_and(enabled) from tenant_servers where tenant_id = '$beta'")" = t ]
	as_user "$A" DELETE "tenants?slug=eq.beta"
	[ "$(stack_psql -At -c "select count(*) from tenants where slug = 'beta'")" = 1 ]
}

@test "a member cannot add themselves to the other tenant" {
	beta=$(stack_psql -At -c "select id from tenants where slug='beta'")
	uid=$(stack_psql -At -c "select id from auth.users where email='alice@example.com'")
	as_user "$A" POST tenant_members -H 'Content-Type: application/json' \
	    -d "{\"tenant_id\":\"$beta\",\"user_id\":\"$uid\",\"role\":\"owner\"}"
	[ "$status" = 401 ] || [ "$status" = 403 ]
	[ "$(stack_psql -At -c "select count(*) from tenant_members where tenant_id = '$beta'")" = 1 ]
}

@test "resolve_mcp_target is not callable with a user token" {
	as_user "$A" POST rpc/resolve_mcp_target -H 'Content-Type: application/json' \
	    -d '{"p_tenant":"alpha","p_server":"everything"}'
	[ "$status" = 401 ] || [ "$status" = 403 ] || [ "$status" = 404 ]
}

@test "the secret key sees both tenants and resolves targets" {
	as_service GET 'tenants?select=slug&slug=in.(alpha,beta)&order=slug'
	assert_status 200
	assert_json '. == [{"slug":"alpha"},{"slug":"beta"}]'
	uid=$(stack_psql -At -c "select id from auth.users where email='alice@example.com'")
	as_service POST rpc/resolve_mcp_target -H 'Content-Type: application/json' \
	    -d "{\"p_tenant\":\"alpha\",\"p_server\":\"everything\",\"p_user_id\":\"$uid\"}"
	assert_status 200
	assert_json '.tenant.slug == "alpha" and .server.transport == "stdio" and .caller.role == "owner"'
	# Alice is no member of beta: the RPC answers null (the platform's 404).
	as_service POST rpc/resolve_mcp_target -H 'Content-Type: application/json' \
	    -d "{\"p_tenant\":\"beta\",\"p_server\":\"everything\",\"p_user_id\":\"$uid\"}"
	assert_status 200
	assert_json '. == null'
}

@test "anon (publishable key, no user) reads none of the platform's tables" {
	for t in tenants tenant_members tenant_servers api_keys request_logs; do
		http GET "$SUPA/rest/v1/$t?select=*" -H "apikey: $STACK_PUBLISHABLE_KEY"
		[ "$status" = 401 ] || [ "$status" = 403 ] ||
		    { [ "$status" = 200 ] && [ "$body" = '[]' ]; } ||
		    { echo "$t: $status $body" >&2; false; }
	done
}
