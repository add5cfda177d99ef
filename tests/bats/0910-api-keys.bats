#!/usr/bin/env bats
# API keys (issue 10 item 2): create/list/revoke over /api/v1, the key
# exchanged for a platform token, the key itself on /mcp, scopes, server
# lists, tenants, revocation of the key and of its tokens within
# config_ttl, and that the secret shows up nowhere after creation.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	export STACK_PLATFORM_TOKENS=1
	export STACK_PLATFORM_CONF_EXTRA='config_ttl = 2'
	stack_up lighttpd
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	BOB=$(stack_user_session bob@example.com bob-password-1 | jq -r .access_token)
	CAROL=$(stack_user_session carol@example.com carol-password-1 | jq -r .access_token)
	export BOB CAROL
	curl -sf -X POST "$SUPA/rest/v1/rpc/create_tenant" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H "Authorization: Bearer $BOB" -H 'Content-Type: application/json' \
	    -d '{"p_slug":"beta","p_name":"Beta"}' >/dev/null
	stack_psql -c "insert into public.tenant_members (tenant_id, user_id, role)
	    select t.id, u.id, 'member' from public.tenants t, auth.users u
	    where t.slug = '$DEMO_TENANT' and u.email = 'carol@example.com'" >/dev/null
	DEMO_ALIAS=$(stack_psql -At -c "select ts.alias from public.tenant_servers ts
	    join public.tenants t on t.id = ts.tenant_id where t.slug = '$DEMO_TENANT' limit 1")
	export DEMO_ALIAS
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# keys_post TOKEN TENANT JSON
keys_post() {
	api_call POST "/api/v1/tenants/$2/api-keys" -H "Authorization: Bearer $1" \
	    -H 'Content-Type: application/json' --data-binary "$3"
}

# new_key JSON -> $KEY, $KEY_ID, $KEY_PREFIX (as the demo owner)
new_key() {
	keys_post "$DEMO_ACCESS_TOKEN" "$DEMO_TENANT" "$1"
	assert_status 201
	KEY=$(jq -r .key <<<"$body")
	KEY_ID=$(jq -r .id <<<"$body")
	KEY_PREFIX=$(jq -r .prefix <<<"$body")
}

# mcp_init BEARER PATH: initialize on /mcp/PATH
mcp_init() {
	http POST "$BASE/mcp/$2" -H "Authorization: Bearer $1" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
}

absent() {
	local s=$1
	shift
	if grep -rqF -- "$s" "$@"; then
		echo "found '${s:0:12}...' in $*" >&2
		return 1
	fi
}

@test "create: 201 with the key once; list shows no secret nor digest" {
	new_key '{"name":"backend","scopes":["mcp:call","logs:read"]}'
	[[ "$KEY" =~ ^mcpk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$ ]]
	[ "$(header cache-control)" = no-store ]
	assert_json '.name == "backend" and .scopes == ["mcp:call","logs:read"] and .servers == null and .revoked_at == null'
	[ "mcpk_${KEY_PREFIX}_" = "${KEY:0:22}" ]
	api_call GET "/api/v1/tenants/$DEMO_TENANT/api-keys" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 200
	assert_json "any(.items[]; .id == \"$KEY_ID\" and .prefix == \"$KEY_PREFIX\")"
	assert_json 'all(.items[]; has("key") | not) and all(.items[]; has("secret_sha256") | not)'
	secret=${KEY:22}
	[[ "$body" != *"$secret"* ]]
	# the digest stored is the SHA-256 of the secret's bytes
	want=$(printf '%s' "$secret" | tr -- '-_' '+/' | sed 's/$/=/' | openssl base64 -d -A | sha256sum | cut -c1-64)
	got=$(stack_psql -At -c "select encode(secret_sha256, 'hex') from public.api_keys where id = '$KEY_ID'")
	[ "$want" = "$got" ]
	# the audit row names the prefix, never the secret
	stack_psql -At -c "select details from public.audit_events where action = 'api_key.create' and target = '$KEY_ID'" | grep -q "$KEY_PREFIX"
	absent "$secret" <(stack_psql -At -c "select details::text, target from public.audit_events")
}

@test "the key as the bearer on /mcp works; and exchanged for a token" {
	new_key '{"name":"caller","scopes":["mcp:call"]}'
	mcp_init "$KEY" "$DEMO_TENANT/$DEMO_ALIAS"
	assert_status 200
	[ -n "$(header mcp-session-id)" ]
	api_call POST /api/v1/auth/token -H "Authorization: Bearer $KEY" --data-binary ""
	assert_status 200
	assert_json '.token_type == "Bearer" and .expires_in == 900 and (.access_token | type) == "string"'
	tok=$(jq -r .access_token <<<"$body")
	claims=$(cut -d. -f2 <<<"$tok" | tr -- '-_' '+/' | awk '{l=length($0)%4; if(l==2)$0=$0"=="; else if(l==3)$0=$0"="; print}' | openssl base64 -d -A)
	jq -e --arg id "$KEY_ID" --arg t "$DEMO_TENANT" '.sub == $id and .tenant == $t and .scope == "mcp:call"' <<<"$claims"
	mcp_init "$tok" "$DEMO_TENANT/$DEMO_ALIAS"
	assert_status 200
	# last_used_at is written after the response
	wait_for test -n "$(stack_psql -At -c "select last_used_at from public.api_keys where id = '$KEY_ID'")"
}

@test "revoking stops the key and its tokens within config_ttl; revocation is final" {
	new_key '{"name":"short-lived","scopes":["mcp:call","logs:read"]}'
	api_call POST /api/v1/auth/token -H "Authorization: Bearer $KEY" --data-binary ""
	tok=$(jq -r .access_token <<<"$body")
	mcp_init "$KEY" "$DEMO_TENANT/$DEMO_ALIAS"
	assert_status 200
	mcp_init "$tok" "$DEMO_TENANT/$DEMO_ALIAS"
	assert_status 200
	api_call DELETE "/api/v1/tenants/$DEMO_TENANT/api-keys/$KEY_ID" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 204
	key_refused() { mcp_init "$KEY" "$DEMO_TENANT/$DEMO_ALIAS"; [ "$status" = 401 ]; }
	tok_refused() { mcp_init "$tok" "$DEMO_TENANT/$DEMO_ALIAS"; [ "$status" = 401 ]; }
	wait_for key_refused
	[[ "$(header www-authenticate)" == *'error="invalid_token"'* ]]
	wait_for tok_refused
	api_call POST /api/v1/auth/token -H "Authorization: Bearer $KEY" --data-binary ""
	assert_status 401
	api_call GET "/api/v1/tenants/$DEMO_TENANT/logs" -H "Authorization: Bearer $tok"
	assert_status 404
	# again: no error, and still revoked at the first time
	first=$(stack_psql -At -c "select revoked_at from public.api_keys where id = '$KEY_ID'")
	api_call DELETE "/api/v1/tenants/$DEMO_TENANT/api-keys/$KEY_ID" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 204
	[ "$first" = "$(stack_psql -At -c "select revoked_at from public.api_keys where id = '$KEY_ID'")" ]
	[ "$(stack_psql -At -c "select count(*) from public.audit_events where action = 'api_key.revoke' and target = '$KEY_ID'")" = 1 ]
	api_call GET "/api/v1/tenants/$DEMO_TENANT/api-keys" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_json "any(.items[]; .id == \"$KEY_ID\" and .revoked_at != null)"
}

@test "scopes and server lists: 403 with a JSON-RPC error; other tenant 404" {
	new_key '{"name":"reader","scopes":["logs:read"]}'
	mcp_init "$KEY" "$DEMO_TENANT/$DEMO_ALIAS"
	assert_status 403
	assert_json '.jsonrpc == "2.0" and (.error.message | test("mcp:call"))'
	new_key '{"name":"narrow","scopes":["mcp:call"],"servers":["some-other"]}'
	assert_json '.servers == ["some-other"]'
	mcp_init "$KEY" "$DEMO_TENANT/$DEMO_ALIAS"
	assert_status 403
	assert_json "(.error.message | test(\"$DEMO_ALIAS\"))"
	new_key "{\"name\":\"wide\",\"scopes\":[\"mcp:call\"],\"servers\":[\"$DEMO_ALIAS\"]}"
	mcp_init "$KEY" "$DEMO_TENANT/$DEMO_ALIAS"
	assert_status 200
	# a key of the demo tenant on beta: as an unknown tenant
	mcp_init "$KEY" "beta/$DEMO_ALIAS"
	assert_status 404
	api_call POST /api/v1/auth/token -H "Authorization: Bearer $KEY" --data-binary ""
	tok=$(jq -r .access_token <<<"$body")
	mcp_init "$tok" "beta/$DEMO_ALIAS"
	assert_status 404
	api_call GET "/api/v1/tenants/beta/api-keys" -H "Authorization: Bearer $tok"
	assert_status 403
}

@test "malformed, unknown and expired keys: 401 with the challenge" {
	new_key '{"name":"good","scopes":["mcp:call"]}'
	good=$KEY
	for bad in "mcpx${good:4}" "${good}A" "${good:0:64}" "${good:0:30}*${good:31}" \
	    "${good:0:22}$(printf '%043d' 0 | tr 0 '=')" "mcpk_${good:5:16}_${good:22:42}!" \
	    "${good:0:21}-${good:22}" "mcpk_ABCDEF0123456789_${good:22}"; do
		mcp_init "$bad" "$DEMO_TENANT/$DEMO_ALIAS"
		[ "$status" = 401 ] || { echo "'$bad' -> $status" >&2; return 1; }
		[[ "$(header www-authenticate)" == *invalid_token* ]]
	done
	# embedded space and NUL-ish escapes in the header
	http POST "$BASE/mcp/$DEMO_TENANT/$DEMO_ALIAS" -H "Authorization: Bearer ${good:0:30} ${good:30}" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 401
	# a well-formed key nobody created, and a right id with a wrong secret
	mcp_init "mcpk_0123456789abcdef_$(head -c 32 /dev/urandom | b64url)" "$DEMO_TENANT/$DEMO_ALIAS"
	assert_status 401
	mcp_init "${good:0:22}$(head -c 32 /dev/urandom | b64url)" "$DEMO_TENANT/$DEMO_ALIAS"
	assert_status 401
	api_call POST /api/v1/auth/token -H "Authorization: Bearer ${good:0:22}$(head -c 32 /dev/urandom | b64url)" --data-binary ""
	assert_status 401
	api_call POST /api/v1/auth/token -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" --data-binary ""
	assert_status 401
	# expired: made to expire in the database
	new_key '{"name":"expiring","scopes":["mcp:call"],"expires_at":"2999-01-01T00:00:00Z"}'
	assert_json '.expires_at != null'
	stack_psql -c "update public.api_keys set expires_at = now() - interval '1 second' where id = '$KEY_ID'" >/dev/null
	expired() { mcp_init "$KEY" "$DEMO_TENANT/$DEMO_ALIAS"; [ "$status" = 401 ]; }
	wait_for expired
	api_call POST /api/v1/auth/token -H "Authorization: Bearer $KEY" --data-binary ""
	assert_status 401
}

@test "bad create bodies: 400; members 403; other tenants 404" {
	for b in '{"name":"x","scopes":["mcp:call","root"]}' '{"name":"x","scopes":[]}' \
	    '{"name":"","scopes":["admin"]}' '{"scopes":["admin"]}' \
	    '{"name":"x","scopes":["admin"],"tenant_id":"00000000-0000-4000-8000-000000000000"}' \
	    '{"name":"x","scopes":["admin"],"created_by":"00000000-0000-4000-8000-000000000000"}' \
	    '{"name":"x","scopes":["admin"],"prefix":"abcd"}' \
	    '{"name":"x","scopes":["admin"],"expires_at":"tomorrow"}' \
	    '{"name":"x","scopes":["admin"],"expires_at":"2001-01-01T00:00:00Z"}' \
	    '{"name":"x","scopes":["admin"],"servers":[]}' \
	    '{"name":"x","scopes":["admin"],"servers":["Not A Slug"]}' \
	    "{\"name\":\"$(printf 'n%.0s' $(seq 201))\",\"scopes\":[\"admin\"]}" '[1]' '{'; do
		keys_post "$DEMO_ACCESS_TOKEN" "$DEMO_TENANT" "$b"
		[ "$status" = 400 ] || { echo "$b -> $status $body" >&2; return 1; }
		assert_json '.error.code and .error.message'
	done
	keys_post "$DEMO_ACCESS_TOKEN" "$DEMO_TENANT" '{"name":"x","scopes":["root"]}'
	assert_json '.error.message | test("root")'
	# Carol is a plain member
	keys_post "$CAROL" "$DEMO_TENANT" '{"name":"x","scopes":["admin"]}'
	assert_status 403
	api_call GET "/api/v1/tenants/$DEMO_TENANT/api-keys" -H "Authorization: Bearer $CAROL"
	assert_status 403
	# Bob is no member of the demo tenant
	keys_post "$BOB" "$DEMO_TENANT" '{"name":"x","scopes":["admin"]}'
	assert_status 404
	api_call DELETE "/api/v1/tenants/beta/api-keys/00000000-0000-4000-8000-000000000000" -H "Authorization: Bearer $BOB"
	assert_status 404
	api_call POST "/api/v1/tenants/$DEMO_TENANT/api-keys" -H 'Content-Type: application/json' --data-binary '{}'
	assert_status 401
	# an admin key may list but never create
	new_key '{"name":"admin","scopes":["admin"]}'
	api_call POST /api/v1/auth/token -H "Authorization: Bearer $KEY" --data-binary ""
	tok=$(jq -r .access_token <<<"$body")
	api_call GET "/api/v1/tenants/$DEMO_TENANT/api-keys" -H "Authorization: Bearer $tok"
	assert_status 200
	keys_post "$tok" "$DEMO_TENANT" '{"name":"x","scopes":["admin"]}'
	assert_status 403
}

@test "no secret in any log line or audit row" {
	new_key '{"name":"logged","scopes":["mcp:call"]}'
	mcp_init "$KEY" "$DEMO_TENANT/$DEMO_ALIAS"
	api_call POST /api/v1/auth/token -H "Authorization: Bearer $KEY" --data-binary ""
	tok=$(jq -r .access_token <<<"$body")
	mcp_init "${KEY:0:22}$(head -c 32 /dev/urandom | b64url)" "$DEMO_TENANT/$DEMO_ALIAS"
	wait_grep "$KEY_ID" "$STACK_DIR/platform/log/requests.jsonl"
	secret=${KEY:22}
	absent "$secret" "$STACK_DIR/platform" "$STACK_DIR/supabase"
	absent "$tok" "$STACK_DIR/platform/log"
	absent "$secret" <(stack_psql -At -c "select row_to_json(a)::text from public.audit_events a")
}

@test "mcpctl key create | revoke and mcpctl token --key | --user" {
	ctl() { stack_as "${MCPCTL:-$TOP/build/mcpctl}" -c "$STACK_DIR/platform/mcp-platform.conf" "$@"; }
	run ctl key --help	# --help answers 0 on every command (docs/mcpctl.md)
	[ "$status" = 0 ]
	[[ "$output" == *"key create"* ]]
	run ctl key create --tenant "$DEMO_TENANT" --name ops --scopes mcp:call,nope
	[ "$status" = 2 ]
	run ctl key create --tenant no-such-tenant --name ops --scopes mcp:call
	[ "$status" = 1 ]
	run --separate-stderr ctl key create --tenant "$DEMO_TENANT" --name ops --scopes mcp:call,logs:read
	[ "$status" = 0 ]
	key=$(jq -r .key <<<"$output") id=$(jq -r .id <<<"$output")
	[[ "$key" =~ ^mcpk_ ]]
	mcp_init "$key" "$DEMO_TENANT/$DEMO_ALIAS"
	assert_status 200
	run --separate-stderr ctl token --key "$key"
	[ "$status" = 0 ]
	tok=$output
	mcp_init "$tok" "$DEMO_TENANT/$DEMO_ALIAS"
	assert_status 200
	run ctl token --key "mcpk_nope"
	[ "$status" = 1 ]
	run --separate-stderr ctl token --user demo@example.com
	[ "$status" = 0 ]
	api_call GET "/api/v1/tenants/$DEMO_TENANT/api-keys" -H "Authorization: Bearer $output"
	assert_status 200
	assert_json "any(.items[]; .id == \"$id\")"
	run ctl key revoke "$id"
	[ "$status" = 0 ]
	run ctl key revoke "$id"
	[ "$status" = 0 ]
	run ctl key revoke 00000000-0000-4000-8000-000000000000
	[ "$status" = 1 ]
	[ "$(stack_psql -At -c "select count(*) from public.audit_events where target = '$id'")" = 2 ]
	gone_key() { mcp_init "$key" "$DEMO_TENANT/$DEMO_ALIAS"; [ "$status" = 401 ]; }
	wait_for gone_key
}
