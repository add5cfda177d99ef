#!/usr/bin/env bats
# POST/DELETE /mcp/<tenant>/<server>: the happy path over both upstream
# kinds with curl, and every kind of bad input: malformed, oversized,
# hostile and cross-tenant.

load helpers

setup_file() {
	stack_up lighttpd
	stack_start_everything_http "$(stack_free_port)"
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	DEMO_UID=$(stack_psql -At -c "select id from auth.users where email = '$DEMO_EMAIL'")
	export DEMO_UID
	# A second tenant, "beta", owned by bob, with everything enabled.
	BOB_TOKEN=$(stack_user_session bob@example.com bob-password-1 | jq -r .access_token)
	export BOB_TOKEN
	curl -sf -X POST "$SUPA/rest/v1/rpc/create_tenant" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H "Authorization: Bearer $BOB_TOKEN" -H 'Content-Type: application/json' \
	    -d '{"p_slug":"beta","p_name":"Beta"}' >/dev/null
	stack_psql -c "insert into public.tenant_servers (tenant_id, server_id, alias)
	    select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
	    where t.slug = 'beta' and s.slug = 'everything'" >/dev/null
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'

# mcp PATH BODY [curl args]: POST as the demo user
mcp() {
	local path=$1 data=$2
	shift 2
	http POST "$BASE$path" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" "$@" \
	    --data-binary "$data"
}

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# session PATH -> $SID for a fresh session
session() {
	mcp "$1" "$INIT"
	assert_status 200
	SID=$(header mcp-session-id)
	[ -n "$SID" ]
}

# call PATH BODY [curl args]: in the session $SID
call() {
	local path=$1 data=$2
	shift 2
	mcp "$path" "$data" -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' "$@"
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# jwt HEADER PAYLOAD SECRET: an HS256-signed token (any header)
jwt() {
	local h p s
	h=$(printf '%s' "$1" | b64url)
	p=$(printf '%s' "$2" | b64url)
	s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -mac HMAC \
	    -macopt "key:$3" -binary | b64url)
	printf '%s.%s.%s' "$h" "$p" "$s"
}

# claims [jq assignments]: a valid user token's claims, modified
claims() {
	local now
	now=$(date +%s)
	jq -nc --arg iss "$SUPA/auth/v1" --arg sub "$DEMO_UID" --argjson now "$now" \
	    "{iss:\$iss, sub:\$sub, aud:\"authenticated\", role:\"authenticated\",
	      iat:\$now, exp:(\$now + 600), email:\"demo@example.com\"} ${1:+| $1}"
}

HS='{"alg":"HS256","typ":"JWT"}'

# ---- the happy path ---------------------------------------------------

@test "stdio upstream: initialize, tools/list, tools/call through the platform" {
	session /mcp/demo/everything
	assert_json '.result.protocolVersion == "2025-11-25" and .result.serverInfo.name != null'
	call /mcp/demo/everything '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
	assert_status 200
	assert_json '[.result.tools[].name] | index("echo") != null'
	call /mcp/demo/everything '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello"}}}'
	assert_status 200
	assert_json '.id == 3 and .result.content[0].text == "Echo: hello"'
}

@test "http upstream: initialize, tools/call through the platform" {
	session /mcp/demo/everything-http
	call /mcp/demo/everything-http '{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","arguments":{"message":"over http"}}}'
	assert_status 200
	assert_json '.id == "a" and .result.content[0].text == "Echo: over http"'
}

@test "progress notifications arrive as SSE events before the result" {
	session /mcp/demo/everything
	call /mcp/demo/everything '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"trigger-long-running-operation","arguments":{"duration":1,"steps":3},"_meta":{"progressToken":"tok"}}}'
	assert_status 200
	[[ "$(header content-type)" == text/event-stream* ]]
	[ "$(header x-accel-buffering)" = no ]
	events=$(sed -n 's/^data: //p' <<<"$body")
	[ "$(jq -s 'map(select(.method == "notifications/progress")) | length' <<<"$events")" -eq 3 ]
	# the result is the last event
	jq -s -e '.[-1].id == 4 and .[-1].result != null' <<<"$events"
}

@test "lighttpd does not buffer the stream: events arrive as they happen" {
	session /mcp/demo/everything
	sse_timed "$BASE/mcp/demo/everything" "$DEMO_ACCESS_TOKEN" "$SID" \
	    '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"trigger-long-running-operation","arguments":{"duration":2,"steps":4},"_meta":{"progressToken":"t"}}}' \
	    >"$BATS_TEST_TMPDIR/events"
	[ "$(grep -c notifications/progress "$BATS_TEST_TMPDIR/events")" -eq 4 ]
	[ "$(spread_ms "$BATS_TEST_TMPDIR/events")" -ge 1000 ]
}

@test "a POST of only a notification is 202 with no body" {
	session /mcp/demo/everything
	call /mcp/demo/everything '{"jsonrpc":"2.0","method":"notifications/initialized"}'
	assert_status 202
	[ -z "$body" ]
}

@test "ping is answered" {
	session /mcp/demo/everything
	call /mcp/demo/everything '{"jsonrpc":"2.0","id":9,"method":"ping"}'
	assert_status 200
	assert_json '.id == 9 and .result == {}'
}

@test "unknown method: the upstream's -32601 passes through" {
	session /mcp/demo/everything
	call /mcp/demo/everything '{"jsonrpc":"2.0","id":5,"method":"no/such/method"}'
	assert_json '.id == 5 and .error.code == -32601'
}

@test "DELETE ends the session; the old id is then 404" {
	session /mcp/demo/everything
	http DELETE "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H "Mcp-Session-Id: $SID"
	[ "$status" = 204 ] || [ "$status" = 200 ]
	# the worker that ended it refuses it at once, the node's other
	# workers within config_ttl (30 s here; docs/deployment.md section 9)
	ended_404() {
		call /mcp/demo/everything '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
		[ "$status" = 404 ]
	}
	WAIT_FOR_S=40 wait_for ended_404
	assert_json '.error.code == -32001'
}

@test "GET has no standalone stream: 405 with Allow" {
	http GET "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Accept: text/event-stream'
	assert_status 405
	[[ "$(header allow)" == *POST* ]]
}

# ---- tool policy ------------------------------------------------------

@test "tool policy: denied tools vanish from tools/list and tools/call is refused" {
	# A fresh alias, so no worker holds it in its resolve cache yet.
	stack_psql -c "insert into public.tenant_servers (tenant_id, server_id, alias, tool_deny)
	    select t.id, s.id, 'everything-policy', '{get-sum}' from public.tenants t,
	    public.mcp_servers s where t.slug = 'demo' and s.slug = 'everything'" >/dev/null
	session /mcp/demo/everything-policy
	call /mcp/demo/everything-policy '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
	assert_json '[.result.tools[].name] | (index("get-sum") == null and index("echo") != null)'
	call /mcp/demo/everything-policy '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get-sum","arguments":{"a":1,"b":2}}}'
	assert_json '.id == 3 and .error.code == -32602 and (.error.message | test("not enabled"))'
	call /mcp/demo/everything-policy '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"message":"still ok"}}}'
	assert_json '.result.content[0].text == "Echo: still ok"'
}

@test "tool policy: an allow-list admits only its tools" {
	stack_psql -c "insert into public.tenant_servers (tenant_id, server_id, alias, tool_allow)
	    select t.id, s.id, 'everything-allow', '{echo}' from public.tenants t,
	    public.mcp_servers s where t.slug = 'demo' and s.slug = 'everything'" >/dev/null
	session /mcp/demo/everything-allow
	call /mcp/demo/everything-allow '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
	assert_json '[.result.tools[].name] == ["echo"]'
	call /mcp/demo/everything-allow '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get-env","arguments":{}}}'
	assert_json '.error.code == -32602'
}

# ---- malformed messages -----------------------------------------------

@test "malformed JSON is a -32700 parse error with HTTP 400" {
	session /mcp/demo/everything
	call /mcp/demo/everything '{"jsonrpc":"2.0","id":1,'
	assert_status 400
	assert_json '.error.code == -32700 and .id == null'
}

@test "a message that is not an object is -32600" {
	session /mcp/demo/everything
	call /mcp/demo/everything '"hello"'
	assert_status 400
	assert_json '.error.code == -32600'
	call /mcp/demo/everything '42'
	assert_status 400
}

@test "wrong jsonrpc version is -32600" {
	session /mcp/demo/everything
	call /mcp/demo/everything '{"jsonrpc":"1.0","id":1,"method":"tools/list"}'
	assert_status 400
	assert_json '.error.code == -32600'
}

@test "a null id is -32600" {
	session /mcp/demo/everything
	call /mcp/demo/everything '{"jsonrpc":"2.0","id":null,"method":"tools/list"}'
	assert_status 400
	assert_json '.error.code == -32600'
}

@test "duplicate keys are refused as a parse error" {
	session /mcp/demo/everything
	call /mcp/demo/everything '{"jsonrpc":"2.0","id":1,"id":2,"method":"tools/list"}'
	assert_status 400
	assert_json '.error.code == -32700'
}

@test "deeply nested JSON is refused" {
	session /mcp/demo/everything
	deep=$(printf '[%.0s' $(seq 200))$(printf ']%.0s' $(seq 200))
	call /mcp/demo/everything "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{\"x\":$deep}}"
	assert_status 400
}

@test "batches are refused after 2025-03-26, accepted in 2025-03-26" {
	session /mcp/demo/everything
	call /mcp/demo/everything '[{"jsonrpc":"2.0","id":1,"method":"ping"}]'
	assert_status 400
	assert_json '.error.code == -32600'
	mcp /mcp/demo/everything '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
	assert_json '.result.protocolVersion == "2025-03-26"'
	SID=$(header mcp-session-id)
	mcp /mcp/demo/everything '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"b"}}}]' \
	    -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-03-26'
	assert_status 200
	assert_json 'length == 2 and .[0].id == 1 and .[1].result.content[0].text == "Echo: b"'
}

@test "an oversized body is 413 before it is read" {
	head -c 1100000 /dev/zero | tr '\0' ' ' >"$BATS_TEST_TMPDIR/big"
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    --data-binary "@$BATS_TEST_TMPDIR/big"
	assert_status 413
}

@test "wrong Content-Type is 415, wrong Accept is 406" {
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: text/plain' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 415
	assert_json '.error.code == -32600'
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H 'Accept: application/json' --data-binary "$INIT"
	assert_status 406
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H 'Accept: text/html' --data-binary "$INIT"
	assert_status 406
}

@test "an unsupported MCP-Protocol-Version is 400" {
	session /mcp/demo/everything
	mcp /mcp/demo/everything '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
	    -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 1999-01-01'
	assert_status 400
}

@test "an Origin not in the allow-list is 403 (DNS rebinding)" {
	mcp /mcp/demo/everything "$INIT" -H 'Origin: http://evil.example.com'
	assert_status 403
}

@test "a request without a session after initialize is 400" {
	mcp /mcp/demo/everything '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
	assert_status 400
}

@test "a forged or tampered session id is 404" {
	session /mcp/demo/everything
	bad="${SID:0:20}X${SID:21}"
	[ "$bad" != "$SID" ] || bad="${SID:0:20}Y${SID:21}"
	mcp /mcp/demo/everything '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
	    -H "Mcp-Session-Id: $bad"
	assert_status 404
	mcp /mcp/demo/everything '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
	    -H 'Mcp-Session-Id: garbage'
	assert_status 404
}

@test "another caller's session id is 404" {
	session /mcp/demo/everything
	http POST "$BASE/mcp/beta/everything" -H "Authorization: Bearer $BOB_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    -H "Mcp-Session-Id: $SID" --data-binary '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
	assert_status 404
	# the same session on another server of the same tenant
	mcp /mcp/demo/everything-http '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
	    -H "Mcp-Session-Id: $SID"
	assert_status 404
}

# ---- authentication ---------------------------------------------------

@test "no token: 401 with the RFC 9728 challenge" {
	http POST "$BASE/mcp/demo/everything" -H 'Content-Type: application/json' \
	    -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 401
	wa=$(header www-authenticate)
	[[ "$wa" == Bearer* ]]
	[[ "$wa" == *"resource_metadata=\"$BASE/.well-known/oauth-protected-resource/mcp/demo/everything\""* ]]
}

@test "the protected resource metadata names Supabase Auth" {
	http GET "$BASE/.well-known/oauth-protected-resource/mcp/demo/everything"
	assert_status 200
	assert_json '.resource | endswith("/mcp/demo/everything")'
	assert_json ".authorization_servers == [\"$SUPA/auth/v1\"]"
	http GET "$BASE/.well-known/oauth-protected-resource"
	assert_status 200
}

@test "a token in the query string is never accepted, nor logged" {
	http POST "$BASE/mcp/demo/everything?access_token=$DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 401
	# Once the request is in the access log and the request log, the
	# token is in neither, nor in any other log of the stack.
	rid=$(header x-request-id)
	[ -n "$rid" ]
	for n in $(seq 600); do
		grep -q "rid=$rid" "$STACK_DIR/platform/access.log" &&
		    grep -q "$rid" "$STACK_DIR/platform/log/requests.jsonl" && break
		sleep 0.1
	done
	grep -q "rid=$rid" "$STACK_DIR/platform/access.log"
	found=$(find "$STACK_DIR" -path "$STACK_DIR/node_modules" -prune -o \
	    -type f \( -name '*.log' -o -name '*.jsonl' \) -print |
	    xargs grep -lF -- "$DEMO_ACCESS_TOKEN" || true)
	[ -z "$found" ] || { echo "the token is in: $found" >&2; false; }
}

@test "every kind of bad token is 401 invalid_token" {
	now=$(date +%s)
	good=$(jwt "$HS" "$(claims)" "$STACK_JWT_SECRET")
	tampered="${good%%.*}.$(claims '.sub = "00000000-0000-0000-0000-000000000000"' | b64url).${good##*.}"
	none="$(printf '{"alg":"none","typ":"JWT"}' | b64url).$(claims | b64url)."
	tokens=(
	    "garbage"
	    "a.b.c"
	    "$none"
	    "$tampered"
	    "$(jwt "$HS" "$(claims)" not-the-secret-not-the-secret-0123456789)"
	    "$(jwt "$HS" "$(claims ".exp = $((now - 120)) | .iat = $((now - 720))")" "$STACK_JWT_SECRET")"
	    "$(jwt "$HS" "$(claims ".nbf = $((now + 300))")" "$STACK_JWT_SECRET")"
	    "$(jwt "$HS" "$(claims '.aud = "somebody-else"')" "$STACK_JWT_SECRET")"
	    "$(jwt "$HS" "$(claims '.iss = "http://evil.example.com/auth/v1"')" "$STACK_JWT_SECRET")"
	    "$(jwt "$HS" "$(claims '.role = "anon"')" "$STACK_JWT_SECRET")"
	    "$(jwt "$HS" "$(claims '.role = "service_role"')" "$STACK_JWT_SECRET")"
	    "$(jwt "$HS" "$(claims 'del(.exp)')" "$STACK_JWT_SECRET")"
	    "$(jwt '{"alg":"HS512","typ":"JWT"}' "$(claims)" "$STACK_JWT_SECRET")"
	)
	# the control: the well-formed token is accepted
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $good" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 200
	for t in "${tokens[@]}"; do
		http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $t" \
		    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
		if [ "$status" != 401 ]; then
			echo "token accepted ($status): $t" >&2
			return 1
		fi
		[[ "$(header www-authenticate)" == *'error="invalid_token"'* ]]
	done
	# the Supabase secret key and the publishable key are not user tokens
	for t in "$STACK_SECRET_KEY" "$STACK_PUBLISHABLE_KEY"; do
		http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $t" \
		    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
		assert_status 401
	done
}

# ---- cross-tenant and hostile paths -----------------------------------

@test "a valid token on another tenant's path is 404" {
	mcp /mcp/beta/everything "$INIT"
	assert_status 404
	mcp /mcp/nosuchtenant/everything "$INIT"
	assert_status 404
	mcp /mcp/demo/nosuchserver "$INIT"
	assert_status 404
}

@test "odd bytes or traversal in the slugs are 404 and spawn nothing" {
	before=$(pgrep -c -f mcp-server-everything || true)
	for p in '/mcp/demo/../everything' '/mcp/DEMO/everything' '/mcp/demo/every%00thing' \
	    '/mcp/demo/every%2Fthing' '/mcp/demo/everything/extra' '/mcp/-demo/everything' \
	    "/mcp/demo/$(head -c 100 /dev/zero | tr '\0' a)" '/mcp/de%20mo/everything' \
	    '/mcp/demo/%2e%2e'; do
		http POST "$BASE$p" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
		    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --path-as-is \
		    --data-binary "$INIT"
		if [ "$status" != 404 ] && [ "$status" != 400 ]; then
			echo "$p answered $status" >&2
			return 1
		fi
	done
	after=$(pgrep -c -f mcp-server-everything || true)
	[ "$after" -le "$before" ]
	! ls "$STACK_DIR/platform/data/tenants" 2>/dev/null | grep -qv '^[0-9a-f-]\{36\}$'
}

# ---- the sandbox --------------------------------------------------------

@test "a stdio child sees none of the platform's environment or the client's token" {
	session /mcp/demo/everything
	call /mcp/demo/everything '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get-env","arguments":{}}}'
	assert_status 200
	env_text=$(jq -r '.result.content[0].text' <<<"$body")
	[ -n "$env_text" ]
	! grep -q MCP_PLATFORM <<<"$env_text" || false
	! grep -q "$DEMO_ACCESS_TOKEN" <<<"$env_text" || false
	! grep -q "$STACK_SECRET_KEY" <<<"$env_text" || false
	! grep -q "$STACK_JWT_SECRET" <<<"$env_text" || false
	! grep -qi 'HTTP_' <<<"$env_text"
}

@test "stdio children run in the tenant's directory, not as root" {
	session /mcp/demo/everything
	tid=$(stack_psql -At -c "select id from public.tenants where slug = 'demo'")
	[ -d "$STACK_DIR/platform/data/tenants/$tid/everything" ]
	found=0
	for pid in $(pgrep -f 'mcp-server-everything stdio'); do
		cwd=$(readlink "/proc/$pid/cwd") || continue
		# other stacks on this machine have children of their own
		[[ "$cwd" == "$STACK_DIR/"* ]] || continue
		found=$((found + 1))
		[[ "$cwd" =~ ^$STACK_DIR/platform/data/tenants/[0-9a-f-]{36}/[a-z0-9-]+$ ]]
		[ "$(stat -c %u "/proc/$pid")" != 0 ]
		grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid/status"
	done
	[ "$found" -ge 1 ]
}

# ---- tenant secrets -------------------------------------------------------

# seal TENANT_ID ALIAS NAME VALUE -> the JSON to store in tenant_servers.secrets
seal() {
	printf '%s' "$4" | "$STACK_DIR/bin/mcp-platform.fcgi" \
	    -c "$STACK_DIR/platform/mcp-platform.conf" --seal-secret "$1" "$2" "$3"
}

@test "a sealed secret reaches only its own tenant's stdio child, as the catalog says" {
	stack_psql -c "insert into public.mcp_servers (slug, name, transport, argv, secrets_spec)
	    values ('everything-secret', 'Everything with a secret', 'stdio',
	    '{mcp-server-everything,stdio}',
	    '[{\"name\":\"api_token\",\"delivery\":\"env\",\"target\":\"DEMO_API_TOKEN\",\"required\":true}]')" >/dev/null
	demo=$(stack_psql -At -c "select id from public.tenants where slug = 'demo'")
	beta=$(stack_psql -At -c "select id from public.tenants where slug = 'beta'")
	secret="s3cr3t-$RANDOM-value"
	sealed=$(seal "$demo" everything-secret api_token "$secret")
	[[ "$sealed" != *"$secret"* ]]
	stack_psql -v s="{\"api_token\": $sealed}" >/dev/null <<<"insert into public.tenant_servers
	    (tenant_id, server_id, alias, secrets) select '$demo', id, 'everything-secret', :'s'::jsonb
	    from public.mcp_servers where slug = 'everything-secret'"
	# the database holds ciphertext only
	! stack_psql -At -c "select secrets::text from public.tenant_servers" | grep -q "$secret" || false
	session /mcp/demo/everything-secret
	call /mcp/demo/everything-secret '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get-env","arguments":{}}}'
	assert_status 200
	jq -r '.result.content[0].text' <<<"$body" | grep -q "DEMO_API_TOKEN.*$secret"

	# The same ciphertext copied to tenant beta does not decrypt there:
	# the AAD binds it to its tenant and alias.
	stack_psql -v s="{\"api_token\": $sealed}" >/dev/null <<<"insert into public.tenant_servers
	    (tenant_id, server_id, alias, secrets) select '$beta', id, 'everything-secret', :'s'::jsonb
	    from public.mcp_servers where slug = 'everything-secret'"
	http POST "$BASE/mcp/beta/everything-secret" -H "Authorization: Bearer $BOB_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	[ "$status" -ge 500 ]
	[[ "$body" != *"$secret"* ]]
	# and the value is in no log
	! grep -rq "$secret" "$STACK_DIR/platform" "$STACK_DIR/supabase"
}

@test "a missing required secret is a JSON-RPC error naming it, not its value" {
	stack_psql -c "insert into public.tenant_servers (tenant_id, server_id, alias)
	    select t.id, s.id, 'everything-nosecret' from public.tenants t, public.mcp_servers s
	    where t.slug = 'demo' and s.slug = 'everything-secret'" >/dev/null
	mcp /mcp/demo/everything-nosecret "$INIT"
	assert_json '.error.code == -32014 and (.error.message | test("api_token"))'
}
