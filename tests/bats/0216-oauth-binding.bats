#!/usr/bin/env bats
# Tenant binding of OAuth clients (issue 11 items 3, 4, 6): a token with a
# client_id reaches only the tenant and servers the user granted that
# client on the consent page; revokes (a tenant admin's through /api/v1,
# the user's in Supabase Auth) cut it off within config_ttl; discovery
# from the platform's origin; the SDK client with a client ID metadata
# document; the consent page clicked through in Chromium.

load helpers
load oauth

TTL=2

setup_file() {
	export STACK_PLATFORM_CONF_EXTRA="config_ttl = $TTL" STACK_PLATFORM_TOKENS=1
	oauth_stack_up || return 1
	# beta: Bob's alone. gamma: the demo user's (owner), Bob a plain
	# member. Both with every catalog server, like demo.
	local demo bob
	demo=$(stack_psql -At -c "select id from auth.users where email = '$DEMO_EMAIL'")
	bob=$(stack_psql -At -c "select id from auth.users where email = 'bob@example.com'")
	stack_psql -v demo_user_id="$bob" -v demo_tenant=beta \
	    -f "$TOP/sql/seed/demo.sql" >/dev/null || return 1
	stack_psql -v demo_user_id="$demo" -v demo_tenant=gamma \
	    -f "$TOP/sql/seed/demo.sql" >/dev/null || return 1
	stack_psql -c "insert into public.tenant_members (tenant_id, user_id, role)
	    select id, '$bob', 'member' from public.tenants where slug = 'gamma'" >/dev/null
}
teardown_file() { oauth_stack_down; }

# mcp_init TOKEN TENANT SERVER: POST initialize
mcp_init() {
	http POST "$BASE/mcp/$2/$3" -H "Authorization: Bearer $1" \
	    -H 'Content-Type: application/json' \
	    -H 'Accept: application/json, text/event-stream' --data-binary "$INIT"
}

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# refused_within TOKEN TENANT SERVER STATUS: poll until /mcp answers
# STATUS, at most 10 config_ttl; prints the seconds it took
refused_within() {
	local start=$SECONDS
	while :; do
		mcp_init "$1" "$2" "$3"
		[ "$status" = "$4" ] && break
		[ $((SECONDS - start)) -le $((10 * TTL)) ] || {
			echo "still $status after $((SECONDS - start)) s" >&2
			return 1
		}
		sleep 0.5
	done
	echo "refused after $((SECONDS - start)) s (config_ttl $TTL)" >&3
}

@test "discovery: metadata names the AS and scope; the challenge carries both; AS metadata on our origin" {
	http GET "$BASE/.well-known/oauth-protected-resource/mcp/demo/everything"
	assert_status 200
	jq -e --arg i "$SUPA/auth/v1" --arg r "$BASE/mcp/demo/everything" \
	    '.resource == $r and .authorization_servers == [$i] and .scopes_supported == ["email"]' <<<"$body"
	http POST "$BASE/mcp/demo/everything" -H 'Content-Type: application/json' --data-binary "$INIT"
	assert_status 401
	[ "$(header www-authenticate)" = "Bearer resource_metadata=\"$BASE/.well-known/oauth-protected-resource/mcp/demo/everything\", scope=\"email\"" ]
	for p in /.well-known/oauth-authorization-server \
	    /.well-known/oauth-authorization-server/mcp/demo/everything; do
		http GET "$BASE$p"
		assert_status 302
		[ "$(header location)" = "$SUPA/.well-known/oauth-authorization-server/auth/v1" ]
	done
	# and the document there is Supabase's
	curl -sf "$(header location)" | jq -e --arg i "$SUPA/auth/v1" '.issuer == $i'
}

@test "a client reaches only the tenant and servers granted to it: else 403 insufficient_scope" {
	register
	page_token "$CLIENT_ID" demo everything
	mcp_init "$AT" demo everything
	assert_status 200
	# another server of the same tenant: not granted
	mcp_init "$AT" demo memory
	assert_status 403
	[ "$(header www-authenticate)" = "Bearer error=\"insufficient_scope\", scope=\"email\", resource_metadata=\"$BASE/.well-known/oauth-protected-resource/mcp/demo/memory\"" ]
	assert_json '.error.code == "insufficient_scope"'
	# a tenant the user belongs to but did not grant this client
	mcp_init "$AT" gamma everything
	assert_status 403
	[[ "$(header www-authenticate)" == *'error="insufficient_scope"'* ]]
	# a tenant the user is not in at all: 404 as for anyone
	mcp_init "$AT" beta everything
	assert_status 404
	# the user's own token (no client_id) is not bound
	mcp_init "$DEMO_ACCESS_TOKEN" gamma everything
	assert_status 200
	# the client's token is for /mcp only, never /api/v1
	api_call GET "/api/v1/tenants/demo/oauth-grants" -H "Authorization: Bearer $AT"
	assert_status 403
	# a second client of the same user is not covered by the first's grant
	first=$AT
	register
	page_token "$CLIENT_ID" gamma everything
	mcp_init "$AT" demo everything
	assert_status 403
	mcp_init "$AT" gamma everything
	assert_status 200
	mcp_init "$first" gamma everything
	assert_status 403
}

@test "a tenant admin lists and revokes a grant; the client is refused within config_ttl" {
	register
	page_token "$CLIENT_ID" demo everything
	mcp_init "$AT" demo everything
	assert_status 200
	api_call GET "/api/v1/tenants/demo/oauth-grants" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 200
	gid=$(jq -r --arg c "$CLIENT_ID" '.items[] | select(.client_id == $c) | .id' <<<"$body")
	jq -e --arg c "$CLIENT_ID" '.items[] | select(.client_id == $c)
	    | .servers == ["everything"] and .scopes == "email" and (.user_id | length == 36)
	    and (.created_at | length > 0)' <<<"$body"
	api_call DELETE "/api/v1/tenants/demo/oauth-grants/$gid" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 204
	[ "$(stack_psql -At -c "select count(*) from public.audit_events
	    where action = 'oauth_grant.revoke' and target = '$gid'
	    and details->>'client_id' = '$CLIENT_ID'")" = 1 ]
	refused_within "$AT" demo everything 403
	# gone: a second revoke is 404
	api_call DELETE "/api/v1/tenants/demo/oauth-grants/$gid" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 404
}

@test "the user's revoke in Supabase Auth ends the client's session: refused within config_ttl" {
	register
	page_token "$CLIENT_ID" demo everything
	mcp_init "$AT" demo everything
	assert_status 200
	http DELETE "$SUPA/auth/v1/user/oauth/grants?client_id=$CLIENT_ID" \
	    -H "apikey: $STACK_PUBLISHABLE_KEY" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 204
	refused_within "$AT" demo everything 401
	[[ "$(header www-authenticate)" == 'Bearer error="invalid_token"'* ]]
	# and it cannot refresh its way back
	token grant_type=refresh_token "refresh_token=$RT" "client_id=$CLIENT_ID"
	assert_status 400
}

@test "cross-tenant: an admin of one tenant cannot list or revoke another's grants (404)" {
	register
	EMAIL=bob@example.com PASSWORD=bob-password-1 page_token "$CLIENT_ID" beta everything
	bob_gid=$(stack_psql -At -c "select g.id from public.oauth_grants g
	    join public.tenants t on t.id = g.tenant_id
	    where t.slug = 'beta' and g.client_id = '$CLIENT_ID'")
	[ -n "$bob_gid" ]
	api_call GET "/api/v1/tenants/beta/oauth-grants" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 404
	api_call DELETE "/api/v1/tenants/beta/oauth-grants/$bob_gid" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 404
	# through the tenant the caller does administer: still not found
	api_call DELETE "/api/v1/tenants/demo/oauth-grants/$bob_gid" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 404
	# a plain member of gamma (Bob) sees only his own grants there, and
	# cannot revoke the owner's
	register
	page_token "$CLIENT_ID" gamma everything
	demo_gid=$(stack_psql -At -c "select g.id from public.oauth_grants g
	    join public.tenants t on t.id = g.tenant_id
	    where t.slug = 'gamma' and g.client_id = '$CLIENT_ID'")
	api_call GET "/api/v1/tenants/gamma/oauth-grants" -H "Authorization: Bearer $BOB_TOKEN"
	assert_status 200
	assert_json '.items == []'
	api_call DELETE "/api/v1/tenants/gamma/oauth-grants/$demo_gid" -H "Authorization: Bearer $BOB_TOKEN"
	assert_status 404
	[ "$(stack_psql -At -c "select count(*) from public.oauth_grants where id in ('$bob_gid', '$demo_gid')")" = 2 ]
}

@test "oauth-grants API: bad ids, no token, unknown tenant" {
	for id in not-a-uuid "$(printf 'a%.0s' {1..300})" '..%2f..%2fetc' 00000000-0000-4000-8000-000000000000; do
		api_call DELETE "/api/v1/tenants/demo/oauth-grants/$id" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
		[ "$status" = 404 ] || [ "$status" = 400 ]
	done
	api_call GET "/api/v1/tenants/demo/oauth-grants"
	assert_status 401
	api_call GET "/api/v1/tenants/no-such-tenant/oauth-grants" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 404
	api_call GET "/api/v1/tenants/NOT_A_SLUG/oauth-grants" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	[ "$status" = 404 ] || [ "$status" = 400 ]
	api_call POST "/api/v1/tenants/demo/oauth-grants" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -d '{}'
	[ "$status" = 405 ] || [ "$status" = 404 ]
}

@test "oauth-grants API with API keys: admin lists, mcp:call alone is 403" {
	for scopes in '["admin"]' '["mcp:call"]'; do
		api_call POST /api/v1/tenants/demo/api-keys -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
		    -H 'Content-Type: application/json' \
		    -d "$(jq -nc --argjson s "$scopes" '{name: ("grants " + ($s | join(" "))), scopes: $s}')"
		assert_status 201
		key=$(jq -r .key <<<"$body")
		api_call POST /api/v1/auth/token -H "Authorization: Bearer $key" --data-binary ""
		assert_status 200
		tok=$(jq -r .access_token <<<"$body")
		api_call GET /api/v1/tenants/demo/oauth-grants -H "Authorization: Bearer $tok"
		if [ "$scopes" = '["admin"]' ]; then
			assert_status 200
			assert_json '.items | type == "array"'
			# a key is for its own tenant only
			api_call GET /api/v1/tenants/gamma/oauth-grants -H "Authorization: Bearer $tok"
			assert_status 404
		else
			assert_status 403
		fi
	done
}

@test "the TypeScript SDK's OAuth client with a client ID metadata document" {
	out=$(cd "$TOP" && timeout 90 "$STACK_NODE" tests/sdk/oauth-client.mjs \
	    --url "$BASE/mcp/demo/everything" --email "$DEMO_EMAIL" \
	    --password "$DEMO_PASSWORD" --tenant demo --server everything \
	    --cimd "$CIMD/good" --timeout 80000)
	echo "$out"
	jq -e --arg c "$CIMD/good" '.tools > 0 and .client_id == $c' <<<"$out"
	[ "$(stack_psql -At -c "select array_to_string(servers, ',') from public.oauth_grants
	    where client_id = '$CIMD/good'")" = everything ]
}

@test "the consent page clicked through in headless Chromium" {
	CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
	[ -x "$CHROMIUM" ] || skip "no Chromium at $CHROMIUM (make deps installs Debian's)"
	register
	pkce
	url="$SUPA/auth/v1/oauth/authorize?client_id=$CLIENT_ID&redirect_uri=$(jq -rn --arg r "$REDIRECT" '$r|@uri')&response_type=code&state=browser-state&code_challenge=$CHALLENGE&code_challenge_method=S256"
	out=$(AUTHORIZE_URL=$url EMAIL=$DEMO_EMAIL PASSWORD=$DEMO_PASSWORD TENANT=gamma \
	    GRANT_SERVER=everything CHROMIUM=$CHROMIUM SHOTS=${CONSENT_SHOTS:-$TOP/build/artifacts/consent} \
	    "$STACK_NODE" "$TOP/tests/browser/console.mjs" consent)
	echo "$out"
	back=$(grep "^{" <<<"$out" | jq -r .redirect)
	[ "$(node_decode "$back" state)" = browser-state ]
	token grant_type=authorization_code "code=$(node_decode "$back" code)" \
	    "code_verifier=$VERIFIER" "client_id=$CLIENT_ID"
	assert_status 200
	at=$(jq -r .access_token <<<"$body")
	mcp_init "$at" gamma everything
	assert_status 200
	mcp_init "$at" gamma memory
	assert_status 403
}

@test "Done when: the SDK client connects knowing only the URL, tools work, revoking the grant cuts it off" {
	ready=$BATS_TEST_TMPDIR/connected out=$BATS_TEST_TMPDIR/sdk.out
	(cd "$TOP" && timeout 120 "$STACK_NODE" tests/sdk/oauth-client.mjs \
	    --url "$BASE/mcp/demo/everything" --email "$DEMO_EMAIL" \
	    --password "$DEMO_PASSWORD" --tenant demo --server everything \
	    --until-refused "$ready" --timeout 110000 >"$out" 2>&1 3>&-) 3>&- &
	pid=$!
	wait_for test -s "$ready"
	cid=$(stack_psql -At -c "select client_id from public.oauth_grants g
	    join public.tenants t on t.id = g.tenant_id where t.slug = 'demo'
	    order by g.created_at desc limit 1")
	api_call GET "/api/v1/tenants/demo/oauth-grants" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	gid=$(jq -r --arg c "$cid" '.items[] | select(.client_id == $c) | .id' <<<"$body")
	api_call DELETE "/api/v1/tenants/demo/oauth-grants/$gid" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 204
	wait "$pid"
	cat "$out"
	grep '^{' "$out" | jq -e --arg c "$cid" --argjson ttl "$TTL" '.tools > 0 and .client_id == $c
	    and (.refused | length > 0) and .refused_after_ms <= ($ttl + 20) * 1000'
	echo "# the connected SDK client was refused $(grep '^{' "$out" | jq .refused_after_ms) ms after it began polling" >&3
}
