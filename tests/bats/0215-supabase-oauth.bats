#!/usr/bin/env bats
# supabase-local's OAuth 2.1 server (Supabase Auth's, docs/supabase-local.md
# "OAuth 2.1 server"): the whole authorization code flow with curl standing
# in for the MCP client and the consent page, the token used on the
# platform's /mcp, and every bad input.

load helpers
load oauth

setup_file() { oauth_stack_up; }
teardown_file() { oauth_stack_down; }

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# ---- discovery and registration ----------------------------------------

@test "discovery: RFC 8414 at both forms, S256 only, iss, DCR and CIMD" {
	http GET "$SUPA/.well-known/oauth-authorization-server/auth/v1"
	assert_status 200
	a=$body
	jq -e --arg i "$SUPA/auth/v1" '.issuer == $i
	    and .authorization_endpoint == $i + "/oauth/authorize"
	    and .token_endpoint == $i + "/oauth/token"
	    and .registration_endpoint == $i + "/oauth/clients/register"
	    and .jwks_uri == $i + "/.well-known/jwks.json"
	    and .code_challenge_methods_supported == ["S256"]
	    and .response_types_supported == ["code"]
	    and .authorization_response_iss_parameter_supported == true
	    and .client_id_metadata_document_supported == true
	    and (.token_endpoint_auth_methods_supported | index("none"))' <<<"$a"
	http GET "$SUPA/auth/v1/.well-known/oauth-authorization-server"
	assert_status 200
	[ "$body" = "$a" ]
}

@test "dynamic registration: a public client (201), bad redirect URIs refused" {
	register
	assert_json '.client_type == "public" and .token_endpoint_auth_method == "none"
	    and .registration_type == "dynamic" and .client_name == "Bats Client"
	    and .redirect_uris == ["http://127.0.0.1:9/callback"]
	    and .grant_types == ["authorization_code","refresh_token"]
	    and (has("client_secret") | not) and (.client_id | length == 36)'
	http POST "$SUPA/auth/v1/oauth/clients/register" -H 'Content-Type: application/json' \
	    -d '{"redirect_uris":["http://evil.example/cb"]}'
	assert_status 400
	assert_json '.error_code == "validation_failed" and (.msg | test("only allowed for localhost"))'
	http POST "$SUPA/auth/v1/oauth/clients/register" -d '{"redirect_uris":[]}'
	assert_status 400
	assert_json '.msg == "redirect_uris is required"'
	http POST "$SUPA/auth/v1/oauth/clients/register" -d '{"redirect_uris":["https://a.example/cb#x"]}'
	assert_status 400
	http POST "$SUPA/auth/v1/oauth/clients/register" -d '{"redirect_uris": '
	assert_status 400
	assert_json '.error_code == "bad_json"'
}

@test "a confidential client gets a secret and must present it" {
	register "{\"redirect_uris\":[\"$REDIRECT\"]}"
	assert_json '.client_type == "confidential" and .token_endpoint_auth_method == "client_secret_basic"
	    and (.client_secret | length >= 40)'
	secret=$(jq -r .client_secret <<<"$body")
	stack_psql -At -c "select client_secret_hash from auth.oauth_clients where id = '$CLIENT_ID'" |
	    grep -vq -- "$secret"
	flow "$CLIENT_ID" s1
	token grant_type=authorization_code "code=$CODE" "code_verifier=$VERIFIER" \
	    -u "$CLIENT_ID:wrong-secret"
	assert_status 400
	assert_json '.error_code == "invalid_credentials"'
	token grant_type=authorization_code "code=$CODE" "code_verifier=$VERIFIER" "client_id=$CLIENT_ID"
	assert_status 400
	assert_json '.msg | test("registered for .client_secret_basic")'
	http POST "$SUPA/auth/v1/oauth/token" -u "$CLIENT_ID:$secret" \
	    --data-urlencode grant_type=authorization_code --data-urlencode "code=$CODE" \
	    --data-urlencode "code_verifier=$VERIFIER"
	assert_status 200
	assert_json '.access_token and .refresh_token'
}

# ---- the whole flow ---------------------------------------------------

@test "code flow: authorize, consent page, approve, PKCE exchange, /mcp, refresh rotation" {
	register
	pkce
	authorize "$CLIENT_ID" state-123
	assert_status 302
	loc=$(header location)
	[[ "$loc" == "$STACK_SITE_URL/oauth/consent?authorization_id="* ]]
	AID=$(node_decode "$loc" authorization_id)
	[ "${#AID}" = 32 ]
	# the consent page reads the request (apikey + the user's token)
	authz GET "$AID"
	assert_status 200
	jq -e --arg c "$CLIENT_ID" --arg a "$AID" '.authorization_id == $a
	    and .client.id == $c and .client.name == "Bats Client"
	    and .client.uri == "https://bats.example/app"
	    and .user.email == "demo@example.com" and .scope == "email"
	    and .redirect_uri == "http://127.0.0.1:9/callback"' <<<"$body"
	# without the user's token: 401
	http GET "$SUPA/auth/v1/oauth/authorizations/$AID" -H "apikey: $STACK_PUBLISHABLE_KEY"
	assert_status 401
	consent "$AID" approve
	[[ "$REDIRECT_URL" == "$REDIRECT?"* ]]
	[ "$(node_decode "$REDIRECT_URL" state)" = state-123 ]
	[ "$(node_decode "$REDIRECT_URL" iss)" = "$SUPA/auth/v1" ]
	CODE=$(node_decode "$REDIRECT_URL" code)
	# approving twice is refused
	CONSENT=1 authz POST "$AID" -d '{"action":"approve"}'
	assert_status 400
	assert_json '.msg == "authorization request is no longer pending"'
	token grant_type=authorization_code "code=$CODE" "code_verifier=$VERIFIER" \
	    "client_id=$CLIENT_ID" "redirect_uri=$REDIRECT"
	assert_status 200
	assert_json '.token_type == "bearer" and .expires_in == 3600 and (.refresh_token | length == 22)
	    and (has("user") | not)'
	[ "$(header cache-control)" = no-store ]
	at=$(jq -r .access_token <<<"$body")
	rt=$(jq -r .refresh_token <<<"$body")
	claims_of "$at" | jq -e --arg c "$CLIENT_ID" --arg i "$SUPA/auth/v1" '.client_id == $c
	    and .scope == "email" and .aud == "authenticated" and .role == "authenticated"
	    and .iss == $i and .email == "demo@example.com"
	    and .amr[0].method == "oauth_provider/authorization_code"'
	# the platform's /mcp takes it as a Supabase user token, but this
	# approval went around the consent page: no tenant was granted, so
	# 403 insufficient_scope (tests/bats/0216-oauth-binding.bats)
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $at" \
	    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
	    --data-binary "$INIT"
	assert_status 403
	[[ "$(header www-authenticate)" == 'Bearer error="insufficient_scope"'* ]]
	# refresh rotates, and the new access token keeps the client
	token grant_type=refresh_token "refresh_token=$rt" "client_id=$CLIENT_ID"
	assert_status 200
	rt2=$(jq -r .refresh_token <<<"$body")
	[ "$rt2" != "$rt" ]
	claims_of "$(jq -r .access_token <<<"$body")" | jq -e --arg c "$CLIENT_ID" '.client_id == $c'
	# the old token, presented after the reuse interval, revokes the family
	stack_psql -c "update auth.refresh_tokens set updated_at = now() - interval '1 minute' where revoked" >/dev/null
	token grant_type=refresh_token "refresh_token=$rt" "client_id=$CLIENT_ID"
	assert_status 400
	assert_json '.error_code == "refresh_token_already_used"'
	token grant_type=refresh_token "refresh_token=$rt2" "client_id=$CLIENT_ID"
	assert_status 400
}

@test "an OAuth session refreshes only with its own client" {
	register
	other=$CLIENT_ID
	register
	flow "$CLIENT_ID" s
	token grant_type=authorization_code "code=$CODE" "code_verifier=$VERIFIER" "client_id=$CLIENT_ID"
	assert_status 200
	rt=$(jq -r .refresh_token <<<"$body")
	token grant_type=refresh_token "refresh_token=$rt" "client_id=$other"
	assert_status 400
	assert_json '.error == "invalid_client"'
	# nor at GoTrue's own /token, without a client
	http POST "$SUPA/auth/v1/token?grant_type=refresh_token" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H 'Content-Type: application/json' -d "{\"refresh_token\":\"$rt\"}"
	assert_status 400
	assert_json '.error == "invalid_client" and .error_description == "Client authentication required for OAuth session"'
	token grant_type=refresh_token "refresh_token=$rt" "client_id=$CLIENT_ID"
	assert_status 200
}

@test "a second authorization by the same user for the same scopes is approved at once" {
	register
	flow "$CLIENT_ID" first
	pkce
	authorize "$CLIENT_ID" second
	assert_status 302
	AID=$(node_decode "$(header location)" authorization_id)
	authz GET "$AID"
	assert_status 200
	assert_json '.redirect_url and (has("authorization_id") | not)'
	url=$(jq -r .redirect_url <<<"$body")
	[ "$(node_decode "$url" state)" = second ]
	token grant_type=authorization_code "code=$(node_decode "$url" code)" \
	    "code_verifier=$VERIFIER" "client_id=$CLIENT_ID"
	assert_status 200
}

@test "deny: the client gets access_denied with its state and iss" {
	register
	pkce
	authorize "$CLIENT_ID" deny-me
	AID=$(node_decode "$(header location)" authorization_id)
	authz GET "$AID"
	consent "$AID" deny
	[ "$(node_decode "$REDIRECT_URL" error)" = access_denied ]
	[ "$(node_decode "$REDIRECT_URL" error_description)" = "User denied the request" ]
	[ "$(node_decode "$REDIRECT_URL" state)" = deny-me ]
	[ "$(node_decode "$REDIRECT_URL" iss)" = "$SUPA/auth/v1" ]
	[ -z "$(node_decode "$REDIRECT_URL" code)" ]
}

@test "another user cannot read or answer someone's authorization" {
	register
	pkce
	authorize "$CLIENT_ID" s
	AID=$(node_decode "$(header location)" authorization_id)
	authz GET "$AID"
	assert_status 200
	AS_TOKEN=$BOB_TOKEN authz GET "$AID"
	assert_status 404
	assert_json '.error_code == "oauth_authorization_not_found"'
	AS_TOKEN=$BOB_TOKEN CONSENT=1 authz POST "$AID" -d '{"action":"approve"}'
	assert_status 404
	authz GET nonexistent0000000000000000000000
	assert_status 404
	CONSENT=1 authz POST "$AID" -d '{"action":"maybe"}'
	assert_status 400
	assert_json '.msg == "action must be '"'approve'"' or '"'deny'"'"'
	# a browser on another origin is refused
	authz GET "$AID" -H 'Origin: https://evil.example'
	assert_status 400
	assert_json '.msg == "unauthorized request origin"'
}

# ---- bad input ----------------------------------------------------------

@test "plain PKCE is refused (redirected invalid_request), as is no PKCE" {
	register
	VERIFIER=$(openssl rand -hex 32) CHALLENGE=$(openssl rand -hex 32)
	authorize "$CLIENT_ID" st plain
	assert_status 302
	loc=$(header location)
	[ "$(node_decode "$loc" error)" = invalid_request ]
	[ "$(node_decode "$loc" error_description)" = "code_challenge_method must be 'S256'" ]
	[ "$(node_decode "$loc" state)" = st ]
	[ "$(node_decode "$loc" iss)" = "$SUPA/auth/v1" ]
	CHALLENGE= authorize "$CLIENT_ID" st
	loc=$(header location)
	[[ "$(node_decode "$loc" error_description)" == "PKCE flow requires both"* ]]
}

@test "wrong verifier, reused code, expired code, wrong client, wrong redirect_uri" {
	register
	other=$CLIENT_ID
	register
	flow "$CLIENT_ID" s
	token grant_type=authorization_code "code=$CODE" "code_verifier=wrong-verifier-$VERIFIER" "client_id=$CLIENT_ID"
	assert_status 400
	assert_json '.error == "invalid_grant" and (.error_description | test("code challenge does not match"))'
	token grant_type=authorization_code "code=$CODE" "client_id=$CLIENT_ID"
	assert_status 400
	assert_json '.error == "invalid_grant" and (.error_description | test("code_verifier is required"))'
	token grant_type=authorization_code "code=$CODE" "code_verifier=$VERIFIER" "client_id=$other"
	assert_status 400
	assert_json '.error_description == "Authorization code was not issued for this client"'
	token grant_type=authorization_code "code=$CODE" "code_verifier=$VERIFIER" \
	    "client_id=$CLIENT_ID" redirect_uri=http://127.0.0.1:9/other
	assert_status 400
	assert_json '.error_description == "Invalid redirect_uri"'
	token grant_type=authorization_code "code=$CODE" "code_verifier=$VERIFIER" "client_id=$CLIENT_ID"
	assert_status 200
	# single use
	token grant_type=authorization_code "code=$CODE" "code_verifier=$VERIFIER" "client_id=$CLIENT_ID"
	assert_status 400
	assert_json '.error == "invalid_grant" and .error_description == "Invalid authorization code"'
	# a code is good for 60 s: age one past that
	flow "$CLIENT_ID" s
	stack_psql -c "update auth.oauth_authorizations set code_expires_at = now() - interval '1 second' where status = 'approved'" >/dev/null
	token grant_type=authorization_code "code=$CODE" "code_verifier=$VERIFIER" "client_id=$CLIENT_ID"
	assert_status 400
	assert_json '.error_description == "Authorization code has expired"'
	# codes are stored hashed
	[ "$(stack_psql -At -c "select count(*) from auth.oauth_authorizations where authorization_code = '$CODE'")" = 0 ]
}

@test "redirect_uri not registered, unknown client: 400 and no redirect" {
	register
	pkce
	authorize "$CLIENT_ID" s S256 http://127.0.0.1:9/callback/extra
	assert_status 400
	assert_json '.error_code == "validation_failed" and .msg == "invalid redirect_uri"'
	[ -z "$(header location)" ]
	authorize "$CLIENT_ID" s S256 http://127.0.0.1:9/Callback
	assert_status 400
	authorize 00000000-0000-4000-8000-000000000000 s
	assert_status 400
	assert_json '.error_code == "oauth_client_not_found"'
	authorize not-a-client s
	assert_status 400
	assert_json '.error_code == "oauth_client_not_found"'
	token grant_type=authorization_code code=x code_verifier=y client_id=00000000-0000-4000-8000-000000000000
	assert_status 400
	assert_json '.error_code == "invalid_credentials"'
	token grant_type=authorization_code code=x code_verifier=y
	assert_status 400
	token grant_type=password "client_id=$CLIENT_ID"
	assert_status 400
	assert_json '.error == "unsupported_grant_type"'
}

@test "a tampered state is only echoed back, encoded" {
	register
	state='x y&code=evil#frag<script>"'"'"
	flow "$CLIENT_ID" "$state"
	[ "$(node_decode "$REDIRECT_URL" state)" = "$state" ]
	[ "$(node_decode "$REDIRECT_URL" code)" = "$CODE" ]
	[[ "$REDIRECT_URL" != *'<'* && "$REDIRECT_URL" != *'#'* ]]
}

# ---- client ID metadata documents ---------------------------------------

@test "CIMD: a metadata document URL is a client_id; fetched once, cached" {
	pkce
	authorize "$CIMD/good" cimd-state
	assert_status 302
	AID=$(node_decode "$(header location)" authorization_id)
	authz GET "$AID"
	assert_status 200
	jq -e --arg c "$CIMD/good" '.client.id == $c and .client.name == "CIMD Client"' <<<"$body"
	consent "$AID" approve
	CODE=$(node_decode "$REDIRECT_URL" code)
	token grant_type=authorization_code "code=$CODE" "code_verifier=$VERIFIER" "client_id=$CIMD/good"
	assert_status 200
	claims_of "$(jq -r .access_token <<<"$body")" | jq -e --arg c "$CIMD/good" '.client_id == $c'
	[ "$(stack_psql -At -c "select registration_type from auth.oauth_clients where id = '$CIMD/good'")" = metadata_document ]
}

@test "CIMD: wrong client_id, too big, too slow, not https, no path are refused" {
	pkce
	authorize "$CIMD/wrong-id" s
	assert_status 400
	assert_json '.error_code == "oauth_client_not_found" and (.msg | test("client_id is not its URL"))'
	authorize "$CIMD/big" s
	assert_status 400
	assert_json '.msg | test("larger than 5120")'
	t0=$SECONDS
	authorize "$CIMD/slow" s
	assert_status 400
	assert_json '.msg | test("did not arrive in time")'
	[ $((SECONDS - t0)) -lt 15 ]
	authorize "$CIMD/missing" s
	assert_status 400
	authorize "http://192.0.2.1/client" s
	assert_status 400
	assert_json '.msg | test("https scheme is required")'
	authorize "$CIMD" s
	assert_status 400
	assert_json '.msg | test("path is required")'
	authorize "$CIMD/a/../good" s
	assert_status 400
	assert_json '.msg | test("dot segments")'
}

# ---- grants -------------------------------------------------------------

@test "user grants: listed, revoked (its sessions end), then gone" {
	register
	flow "$CLIENT_ID" s
	token grant_type=authorization_code "code=$CODE" "code_verifier=$VERIFIER" "client_id=$CLIENT_ID"
	rt=$(jq -r .refresh_token <<<"$body")
	http GET "$SUPA/auth/v1/user/oauth/grants" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 200
	jq -e --arg c "$CLIENT_ID" 'map(select(.client.id == $c)) | length == 1
	    and .[0].client.name == "Bats Client" and .[0].scopes == ["email"]
	    and (.[0].granted_at | test("Z$"))' <<<"$body"
	http DELETE "$SUPA/auth/v1/user/oauth/grants?client_id=$CLIENT_ID" \
	    -H "apikey: $STACK_PUBLISHABLE_KEY" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 204
	token grant_type=refresh_token "refresh_token=$rt" "client_id=$CLIENT_ID"
	assert_status 400
	assert_json '.error_code == "refresh_token_not_found"'
	http GET "$SUPA/auth/v1/user/oauth/grants" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	jq -e --arg c "$CLIENT_ID" 'map(select(.client.id == $c)) | length == 0' <<<"$body"
	http DELETE "$SUPA/auth/v1/user/oauth/grants?client_id=$CLIENT_ID" \
	    -H "apikey: $STACK_PUBLISHABLE_KEY" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 404
	assert_json '.error_code == "oauth_consent_not_found"'
	http DELETE "$SUPA/auth/v1/user/oauth/grants" \
	    -H "apikey: $STACK_PUBLISHABLE_KEY" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 400
	http GET "$SUPA/auth/v1/user/oauth/grants" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 401
}

# ---- the platform's consent page (/oauth/consent) -----------------------

@test "consent page: sign in, pick tenant and servers, approve; the grant is recorded" {
	JAR=$BATS_TEST_TMPDIR/jar
	register
	pkce
	authorize "$CLIENT_ID" page-state
	loc=$(header location)
	[[ "$loc" == "$BASE/oauth/consent?authorization_id="* ]]
	AID=$(node_decode "$loc" authorization_id)
	# not signed in: the sign-in form, with the page's security headers
	page GET "/oauth/consent?authorization_id=$AID"
	assert_status 200
	[[ "$body" == *'action="consent/login"'* ]]
	[ "$(header content-security-policy)" = "frame-ancestors 'none'; default-src 'self'" ]
	[ "$(header x-frame-options)" = DENY ]
	[[ "$body" != *'<script'* && "$body" != *'http://'*'.css'* ]]
	page POST /oauth/consent/login --data-urlencode "authorization_id=$AID" \
	    --data-urlencode email=demo@example.com --data-urlencode password=wrong-password
	assert_status 400
	[[ "$body" == *'Invalid email or password.'* ]]
	page POST /oauth/consent/login --data-urlencode "authorization_id=$AID" \
	    --data-urlencode "email=$DEMO_EMAIL" --data-urlencode "password=$DEMO_PASSWORD"
	assert_status 303
	[ "$(header location)" = "$BASE/oauth/consent?authorization_id=$AID" ]
	[[ "$(header set-cookie)" == mcp_consent=*HttpOnly*SameSite=Lax* ]]
	page GET "/oauth/consent?authorization_id=$AID"
	assert_status 200
	[[ "$body" == *'Allow Bats Client?'* && "$body" == *'(bats.example)'* ]]
	[[ "$body" == *'value="demo"'* && "$body" == *'value="demo/everything"'* ]]
	csrf=$(csrf_of)
	[ -n "$csrf" ]
	# a forged or missing CSRF token, a foreign Origin: refused
	page POST /oauth/consent --data-urlencode "authorization_id=$AID" \
	    --data-urlencode csrf=forged --data-urlencode action=approve \
	    --data-urlencode tenant=demo --data-urlencode server=demo/everything
	assert_status 403
	page POST /oauth/consent -H 'Origin: https://evil.example' \
	    --data-urlencode "authorization_id=$AID" --data-urlencode "csrf=$csrf" \
	    --data-urlencode action=approve --data-urlencode tenant=demo \
	    --data-urlencode server=demo/everything
	assert_status 403
	# a server of another tenant: refused
	page POST /oauth/consent --data-urlencode "authorization_id=$AID" \
	    --data-urlencode "csrf=$csrf" --data-urlencode action=approve \
	    --data-urlencode tenant=demo --data-urlencode server=beta/everything
	assert_status 400
	page POST /oauth/consent --data-urlencode "authorization_id=$AID" \
	    --data-urlencode "csrf=$csrf" --data-urlencode action=approve \
	    --data-urlencode tenant=demo --data-urlencode server=demo/everything
	assert_status 303
	url=$(header location)
	[[ "$url" == "$REDIRECT?"* ]]
	[ "$(node_decode "$url" state)" = page-state ]
	token grant_type=authorization_code "code=$(node_decode "$url" code)" \
	    "code_verifier=$VERIFIER" "client_id=$CLIENT_ID"
	assert_status 200
	row=$(stack_psql -At -c "select t.slug || ' ' || array_to_string(g.servers, ',') || ' ' || g.scopes
	    from public.oauth_grants g join public.tenants t on t.id = g.tenant_id
	    where g.client_id = '$CLIENT_ID'")
	[ "$row" = "demo everything email" ]
}

@test "consent page: deny sends the browser back with access_denied" {
	JAR=$BATS_TEST_TMPDIR/jar
	register
	pkce
	authorize "$CLIENT_ID" deny-state
	AID=$(node_decode "$(header location)" authorization_id)
	page POST /oauth/consent/login --data-urlencode "authorization_id=$AID" \
	    --data-urlencode "email=$DEMO_EMAIL" --data-urlencode "password=$DEMO_PASSWORD"
	assert_status 303
	page GET "/oauth/consent?authorization_id=$AID"
	csrf=$(csrf_of)
	page POST /oauth/consent --data-urlencode "authorization_id=$AID" \
	    --data-urlencode "csrf=$csrf" --data-urlencode action=deny
	assert_status 303
	[ "$(node_decode "$(header location)" error)" = access_denied ]
	[ "$(stack_psql -At -c "select count(*) from public.oauth_grants where client_id = '$CLIENT_ID'")" = 0 ]
}

@test "consent page: bad input is a 4xx page, never a 500" {
	JAR=$BATS_TEST_TMPDIR/jar
	page GET /oauth/consent
	assert_status 400
	page GET '/oauth/consent?authorization_id=<script>'
	assert_status 400
	[[ "$body" != *'<script>'* ]]
	page GET '/oauth/consent?authorization_id=%zz'
	assert_status 400
	page POST /oauth/consent -H 'Content-Type: application/json' -d '{}'
	assert_status 415
	page POST /oauth/consent --data-urlencode authorization_id=abc
	assert_status 401
	# a session cookie that Supabase refuses: back to sign-in
	http GET "$BASE/oauth/consent?authorization_id=abc" -H 'Cookie: mcp_consent=not.a.token'
	assert_status 401
	[[ "$body" == *'sign in again'* ]]
	http GET "$BASE/oauth/consent?authorization_id=abc" -H "Cookie: mcp_consent=$DEMO_ACCESS_TOKEN"
	assert_status 404
}

@test "the TypeScript SDK's OAuth client connects knowing only the MCP URL" {
	out=$(cd "$TOP" && timeout 90 "$STACK_NODE" tests/sdk/oauth-client.mjs \
	    --url "$BASE/mcp/demo/everything" --email "$DEMO_EMAIL" \
	    --password "$DEMO_PASSWORD" --tenant demo --server everything --timeout 80000)
	echo "$out"
	jq -e --arg i "$SUPA/auth/v1" '.tools > 0 and (.client_id | length == 36) and .iss == $i' <<<"$out"
	[ "$(stack_psql -At -c "select array_to_string(servers, ',') from public.oauth_grants
	    where client_id = '$(jq -r .client_id <<<"$out")'")" = everything ]
}

@test "switches: registration off is 403; the whole server off is 404 feature_disabled" {
	port=${SUPA##*:}
	stack_stop_supabase
	STACK_OAUTH_DCR=false stack_start_supabase "$port"
	http POST "$SUPA/auth/v1/oauth/clients/register" -d "{\"redirect_uris\":[\"$REDIRECT\"]}"
	assert_status 403
	assert_json '.error_code == "oauth_dynamic_client_registration_disabled"'
	http GET "$SUPA/.well-known/oauth-authorization-server/auth/v1"
	assert_status 200
	assert_json 'has("registration_endpoint") | not'
	stack_stop_supabase
	STACK_OAUTH=false stack_start_supabase "$port"
	for p in /.well-known/oauth-authorization-server/auth/v1 \
	    /auth/v1/.well-known/oauth-authorization-server /auth/v1/oauth/authorize; do
		http GET "$SUPA$p"
		assert_status 404
		assert_json '.error_code == "feature_disabled" and .msg == "OAuth server is disabled"'
	done
	http POST "$SUPA/auth/v1/oauth/token" -d grant_type=refresh_token
	assert_status 404
	stack_stop_supabase
	STACK_CIMD_LOOPBACK=true stack_start_supabase "$port"
}
