#!/usr/bin/env bats
# The catalog and a tenant's servers over /api/v1 (issue 10 item 4), on the
# real stack: enabling a catalog server with a setting and a secret and
# calling it on /mcp (a small stdio fixture proves its child got both,
# answering the secret's SHA-256, never the secret), a tenant's own http
# server behind the address guard, every bad input, and the secret value
# in no answer, log line or audit row.

load helpers

SECRET='s3cr3t-VALUE-do-not-leak-4711'
HDRSECRET='Bearer hdr-SECRET-do-not-leak-0815'

setup_file() {
	STACK_NODE="$TOP/node_modules/.bin/node"
	[ -x "$STACK_NODE" ] || STACK_NODE=$(command -v node)
	EPORT=$(stack_free_port)
	export EPORT
	# The stack's own everything-http on 127.0.0.1:$EPORT is the only
	# address a tenant's own server may reach (plain http too).
	export STACK_PLATFORM_CONF_EXTRA="log_ship_interval = 1
config_ttl = 1
allow_tenant_http_servers = on
tenant_http_allow = 127.0.0.1:$EPORT"
	export STACK_PLATFORM_TOKENS=1
	stack_up lighttpd
	stack_start_everything_http "$EPORT"
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	C=$(stack_user_session carol@example.com carol-password-1 | jq -r .access_token)
	B=$(stack_user_session bob@example.com bob-password-1 | jq -r .access_token)
	export C B
	# Carol is a plain member of demo; Bob is no member.
	stack_psql >/dev/null <<-'EOF'
	insert into public.tenant_members (tenant_id, user_id, role)
	  select t.id, u.id, 'member' from public.tenants t, auth.users u
	   where t.slug = 'demo' and u.email = 'carol@example.com';
	EOF
	# A stdio fixture: answers tools/call with sha256(FIXTURE_TOKEN) and
	# FIXTURE_REGION, both delivered by the platform from the tenant's
	# secret and setting.
	local js
	js='const c=require("crypto");let b="";process.stdin.on("data",d=>{b+=d;let i;while((i=b.indexOf("\n"))>=0){const l=b.slice(0,i);b=b.slice(i+1);if(!l.trim())continue;const m=JSON.parse(l);if(m.id===undefined)continue;let r={};if(m.method==="initialize")r={protocolVersion:m.params.protocolVersion,capabilities:{tools:{}},serverInfo:{name:"env",version:"1"}};else if(m.method==="tools/list")r={tools:[{name:"digest",inputSchema:{type:"object"}}]};else if(m.method==="tools/call")r={content:[{type:"text",text:c.createHash("sha256").update(process.env.FIXTURE_TOKEN||"").digest("hex")+" "+(process.env.FIXTURE_REGION||"-")}]};process.stdout.write(JSON.stringify({jsonrpc:"2.0",id:m.id,result:r})+"\n")}})'
	stack_psql -v js="$js" >/dev/null <<-'EOF'
	insert into public.mcp_servers (slug, name, transport, argv, settings_spec, secrets_spec)
	values ('envtest', 'Env fixture', 'stdio', array['node', '-e', :'js'],
	  '[{"name":"region","delivery":"env","target":"FIXTURE_REGION","required":true},
	    {"name":"mode","delivery":"env","target":"FIXTURE_MODE","required":true,"locked":true,"default":"x"},
	    {"name":"color","delivery":"env","target":"FIXTURE_COLOR"}]',
	  '[{"name":"token","delivery":"env","target":"FIXTURE_TOKEN","required":true},
	    {"name":"extra","delivery":"env","target":"FIXTURE_EXTRA"}]');
	insert into public.mcp_servers (slug, name, transport, argv, enabled)
	values ('retired', 'Retired', 'stdio', array['node'], false);
	EOF
	# Two API keys of demo (platform tokens are minted below).
	stack_psql >/dev/null <<-'EOF'
	insert into public.api_keys (id, tenant_id, name, prefix, secret_sha256, created_by)
	select k.id::uuid, t.id, k.name, k.name, sha256(convert_to(k.name, 'UTF8')), m.user_id
	  from (values ('00000000-0000-4000-8000-00000000d001', 'key-admin'),
	               ('00000000-0000-4000-8000-00000000d002', 'key-logs')) k(id, name)
	  join public.tenants t on t.slug = 'demo'
	  join public.tenant_members m on m.tenant_id = t.id and m.role = 'owner';
	EOF
	RECORD=$(mktemp)
	export RECORD
}

# A platform token for API key $1 of tenant $2 with scopes $3, signed with
# the stack's platform key, as POST /api/v1/auth/token would mint it.
platform_token() {
	"$STACK_NODE" -e '
const c = require("crypto"), fs = require("fs");
const [pem, sub, tenant, scope] = process.argv.slice(1);
const k = c.createPrivateKey(fs.readFileSync(pem));
const j = c.createPublicKey(k).export({ format: "jwk" });
const kid = c.createHash("sha256")
  .update(JSON.stringify({ crv: j.crv, kty: j.kty, x: j.x, y: j.y })).digest("base64url");
const b = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const h = b({ alg: "ES256", typ: "JWT", kid });
const p = b({ iss: "mcp-platform", aud: "mcp-platform", sub, tenant, scope,
              iat: now, exp: now + 600, jti: c.randomUUID() });
const s = c.sign("sha256", Buffer.from(h + "." + p), { key: k, dsaEncoding: "ieee-p1363" });
console.log(h + "." + p + "." + s.toString("base64url"));' \
	    "$STACK_DIR/secrets/platform-signing.pem" "$1" "$2" "$3"
}
teardown_file() {
	rm -f "$RECORD"
	stack_down
}

T=/api/v1/tenants/demo/servers

# as TOKEN METHOD PATH [JSON]: an /api/v1 call; every body is kept in
# $RECORD for the leak checks.
as() {
	local tok=$1 m=$2 p=$3
	if [ $# -ge 4 ]; then
		api_call "$m" "$p" -H "Authorization: Bearer $tok" \
		    -H 'Content-Type: application/json' --data-binary "$4"
	else
		api_call "$m" "$p" -H "Authorization: Bearer $tok"
	fi
	printf '%s\n' "$body" >>"$RECORD"
}
owner() { as "$DEMO_ACCESS_TOKEN" "$@"; }

assert_error() {	# STATUS WORD: the platform's error shape naming WORD
	[ "$status" = "$1" ] || { echo "status $status: $body"; return 1; }
	jq -e '.error.message | type == "string"' <<<"$body" >/dev/null
	[ -z "${2:-}" ] || grep -q -- "$2" <<<"$body" || { echo "$body"; return 1; }
}

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# mcp_call ALIAS BODY: initialize then BODY in the session; $body is the
# second answer.
mcp_call() {
	http POST "$BASE/mcp/demo/$1" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	[ "$status" = 200 ] || { echo "initialize: $status $body"; return 1; }
	local sid
	sid=$(header mcp-session-id)
	http POST "$BASE/mcp/demo/$1" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary "$2"
}

# ---- the catalog --------------------------------------------------------

@test "catalog: enabled entries with their specs, never argv or url" {
	as "$C" GET /api/v1/catalog
	[ "$status" = 200 ]
	jq -e '.servers | map(.slug) | index("everything") != null' <<<"$body"
	jq -e '.servers | map(.slug) | index("retired") == null' <<<"$body"
	jq -e '.servers[] | select(.slug == "envtest") | .secrets_spec[0].name == "token"' <<<"$body"
	jq -e '[.servers[] | has("argv") or has("url") or has("limits")] | any | not' <<<"$body"
	api_call GET /api/v1/catalog
	[ "$status" = 401 ]
}

# ---- enable, read, call -------------------------------------------------

@test "PUT enables a catalog server with a setting and a secret; answers show only the secret's name and set_at" {
	owner PUT $T/env1 "{\"server\":\"envtest\",\"settings\":{\"region\":\"eu-1\"},\"secrets\":{\"token\":\"$SECRET\"}}"
	[ "$status" = 201 ] || { echo "$body"; false; }
	jq -e '.alias == "env1" and .server == "envtest" and .settings.region == "eu-1"' <<<"$body"
	jq -e '.secrets.token.set_at | type == "string"' <<<"$body"
	jq -e '.tools.allow == null and .enabled == true' <<<"$body"
	! grep -q "$SECRET" <<<"$body"
	# the database holds ciphertext only
	run stack_psql -At -c "select secrets::text from public.tenant_servers where alias = 'env1'"
	[[ "$output" == *'"kid"'* ]]
	[[ "$output" != *"$SECRET"* ]]
	owner GET $T/env1
	[ "$status" = 200 ]
	jq -e '.secrets | keys == ["token"]' <<<"$body"
	as "$C" GET $T
	[ "$status" = 200 ]
	jq -e '.servers | map(.alias) | index("env1") != null' <<<"$body"
}

@test "a server enabled through the API is callable on /mcp and its child got the setting and the secret" {
	owner PUT $T/env2 "{\"server\":\"envtest\",\"settings\":{\"region\":\"us-2\"},\"secrets\":{\"token\":\"$SECRET\"}}"
	[ "$status" = 201 ]
	want=$(printf '%s' "$SECRET" | sha256sum | cut -d' ' -f1)
	mcp_call env2 '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"digest","arguments":{}}}'
	[ "$status" = 200 ] || { echo "$body"; false; }
	grep -q "$want us-2" <<<"$body"
}

@test "PATCH sets and removes secrets; a required one cannot be removed" {
	owner PUT $T/env3 "{\"server\":\"envtest\",\"settings\":{\"region\":\"r\"},\"secrets\":{\"token\":\"$SECRET\"}}"
	[ "$status" = 201 ]
	owner PATCH $T/env3 "{\"secrets\":{\"extra\":\"$SECRET-2\"},\"settings\":{\"color\":\"blue\"}}"
	[ "$status" = 200 ]
	jq -e '(.secrets | keys) == ["extra","token"] and .settings.color == "blue" and .settings.region == "r"' <<<"$body"
	owner PATCH $T/env3 '{"secrets":{"extra":null}}'
	[ "$status" = 200 ]
	jq -e '(.secrets | keys) == ["token"]' <<<"$body"
	owner PATCH $T/env3 '{"secrets":{"token":null}}'
	assert_error 400 "missing required secret 'token'"
	# PUT without secrets keeps the ones set
	owner PUT $T/env3 '{"server":"envtest","settings":{"region":"r2"},"tools":{"allow":["digest"],"deny":[]}}'
	[ "$status" = 200 ]
	jq -e '(.secrets | keys) == ["token"] and .tools.allow == ["digest"] and (.settings | has("color") | not)' <<<"$body"
	owner PATCH $T/nope '{"enabled":false}'
	assert_error 404
}

@test "DELETE removes a server" {
	owner PUT $T/env4 "{\"server\":\"everything\"}"
	[ "$status" = 201 ]
	owner DELETE $T/env4
	[ "$status" = 204 ]
	owner GET $T/env4
	assert_error 404
	owner DELETE $T/env4
	assert_error 404
}

# ---- bad input ----------------------------------------------------------

@test "missing required secret or setting -> 400 naming it" {
	owner PUT $T/bad1 '{"server":"envtest","settings":{"region":"x"}}'
	assert_error 400 "'token'"
	owner PUT $T/bad1 "{\"server\":\"envtest\",\"secrets\":{\"token\":\"$SECRET\"}}"
	assert_error 400 "'region'"
	owner PUT $T/bad1 "{\"server\":\"envtest\",\"settings\":{\"region\":\"x\",\"nosuch\":1},\"secrets\":{\"token\":\"$SECRET\"}}"
	assert_error 400 "'nosuch'"
	owner PUT $T/bad1 "{\"server\":\"envtest\",\"settings\":{\"region\":\"x\"},\"secrets\":{\"token\":\"$SECRET\",\"other\":\"v\"}}"
	assert_error 400 "'other'"
	owner PUT $T/bad1 "{\"server\":\"envtest\",\"settings\":{\"region\":\"x\",\"mode\":\"y\"},\"secrets\":{\"token\":\"$SECRET\"}}"
	assert_error 400 "'mode'"
	owner PUT $T/bad1 "{\"server\":\"envtest\",\"settings\":{\"region\":{\"a\":1}},\"secrets\":{\"token\":\"$SECRET\"}}"
	assert_error 400 "'region'"
	owner PUT $T/bad1 "{\"server\":\"envtest\",\"settings\":{\"region\":\"x\"},\"secrets\":{\"token\":\"a\\nb\"}}"
	assert_error 400 "'token'"
	owner GET $T/bad1
	assert_error 404
}

@test "invalid JSON, unknown fields, smuggled tenant_id, over-long fields, limits -> 4xx" {
	owner PUT $T/bad2 '{"server":'
	assert_error 400
	owner PUT $T/bad2 '[1,2]'
	assert_error 400
	owner PUT $T/bad2 '{"server":"everything","color":"red"}'
	assert_error 400 "'color'"
	owner PUT $T/bad2 '{"server":"everything","tenant_id":"00000000-0000-4000-8000-000000000000"}'
	assert_error 400 "tenant_id"
	owner PUT $T/bad2 "{\"server\":\"$(printf 'a%.0s' {1..100})\"}"
	assert_error 400 "'server'"
	owner PUT $T/bad2 "{\"server\":\"envtest\",\"settings\":{\"region\":\"$(printf 'x%.0s' {1..9000})\"},\"secrets\":{\"token\":\"t\"}}"
	assert_error 400 "'region'"
	owner PUT $T/bad2 '{"server":"everything","tools":{"allow":[""]}}'
	assert_error 400 "tools.allow"
	owner PUT $T/bad2 '{"server":"everything","tools":{"nope":[]}}'
	assert_error 400 "tools.nope"
	owner PUT $T/bad2 '{"server":"everything","limits":{"timeout_ms":1}}'
	assert_error 403 "operator"
	api_call PUT $T/bad2 -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: text/plain' --data-binary '{}'
	assert_error 415
	owner PUT $T/bad2 '{}'
	assert_error 400 "'server'"
}

@test "unknown or disabled catalog server -> 400; duplicate alias on POST -> 409" {
	owner PUT $T/bad3 '{"server":"no-such-server"}'
	assert_error 400 "unknown catalog server"
	owner PUT $T/bad3 '{"server":"retired"}'
	assert_error 400 "unknown catalog server"
	owner PUT $T/bad3 '{"server":"Not A Slug"}'
	assert_error 400
	owner POST $T '{"alias":"dup1","server":"everything"}'
	[ "$status" = 201 ]
	owner POST $T '{"alias":"dup1","server":"everything"}'
	assert_error 409
	owner POST $T '{"alias":"Bad Alias","server":"everything"}'
	assert_error 400 "alias"
	owner POST $T '{"server":"everything"}'
	assert_error 400 "'alias'"
}

@test "members read but may not write (403); non-members get 404" {
	as "$C" GET $T
	[ "$status" = 200 ]
	as "$C" PUT $T/mem1 '{"server":"everything"}'
	assert_error 403
	as "$C" DELETE $T/env1
	assert_error 403
	as "$B" GET $T
	assert_error 404
	as "$B" PUT $T/mem1 '{"server":"everything"}'
	assert_error 404
	as "$B" GET /api/v1/tenants/no-such-tenant/servers
	assert_error 404
}

@test "API keys: admin scope writes; logs:read reads but may not write; another tenant's key 404" {
	local adm logs
	adm=$(platform_token 00000000-0000-4000-8000-00000000d001 demo admin)
	logs=$(platform_token 00000000-0000-4000-8000-00000000d002 demo logs:read)
	as "$adm" PUT $T/bykey '{"server":"everything"}'
	[ "$status" = 201 ] || { echo "$body"; false; }
	as "$logs" GET $T/bykey
	[ "$status" = 200 ]
	as "$logs" PATCH $T/bykey '{"enabled":false}'
	assert_error 403 "admin"
	as "$adm" DELETE $T/bykey
	[ "$status" = 204 ]
	as "$adm" GET /api/v1/tenants/other/servers
	assert_error 404
	run stack_psql -At -c "select count(*) from public.audit_events
	    where action = 'server.create' and target = 'bykey'
	      and actor_key = '00000000-0000-4000-8000-00000000d001'"
	[ "$output" = 1 ]
}

# ---- a tenant's own server ---------------------------------------------

@test "BYO: an allow-listed http server with a secret header is callable; its header value never shown" {
	owner PUT $T/own1 "{\"url\":\"http://127.0.0.1:$EPORT/mcp\",\"headers\":{\"X-Api-Key\":\"$HDRSECRET\"}}"
	[ "$status" = 201 ] || { echo "$body"; false; }
	jq -e '.server == null and (.url | endswith("/mcp")) and (.headers | keys) == ["x-api-key"]' <<<"$body"
	! grep -q "$HDRSECRET" <<<"$body"
	mcp_call own1 '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"own server"}}}'
	[ "$status" = 200 ] || { echo "$body"; false; }
	grep -q "own server" <<<"$body"
	owner PUT $T/own1 "{\"url\":\"http://127.0.0.1:$EPORT/mcp\",\"settings\":{}}"
	assert_error 400 "headers"
	owner PUT $T/own1 "{\"url\":\"http://127.0.0.1:$EPORT/mcp\",\"headers\":{\"Host\":\"x\"}}"
	assert_error 400 "'Host'"
	owner PATCH $T/own1 '{"headers":{"x-api-key":null}}'
	[ "$status" = 200 ]
	jq -e '.headers == {}' <<<"$body"
}

@test "BYO: loopback, metadata, private and names resolving to them -> 400 unless allow-listed" {
	for u in "https://127.0.0.1/mcp" "http://127.0.0.1:1/mcp" \
	    "https://169.254.169.254/latest" "https://10.0.0.1/mcp" \
	    "https://localhost/mcp" "https://localhost./mcp" \
	    "https://2130706433/mcp" "https://0x7f.1/mcp" \
	    "https://[::1]/mcp" "https://[::ffff:127.0.0.1]/mcp" \
	    "https://[fd00:ec2::254]/" "https://100.64.0.1/" \
	    "ftp://8.8.8.8/" "https://user:pw@8.8.8.8/" "not a url"; do
		owner PUT $T/own2 "{\"url\":\"$u\"}"
		assert_error 400 "'url'" || { echo "for $u"; return 1; }
	done
	owner PUT $T/own2 '{"url":"https://8.8.8.8/mcp","server":"everything"}'
	assert_error 400 "not both"
}

@test "BYO: the guard holds at connection time too (a row written past the API)" {
	stack_psql >/dev/null <<-'EOF'
	insert into public.tenant_servers (tenant_id, alias, url)
	  select id, 'sneaky', 'http://127.0.0.1:9/mcp' from public.tenants where slug = 'demo';
	EOF
	http POST "$BASE/mcp/demo/sneaky" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	[ "$status" != 200 ]
	# refused by the guard, not merely closed
	wait_grep "127.0.0.1, a loopback address" "$STACK_DIR/platform/error.log"
}

# ---- failures after the tenant is known are the tenant's -----------------

@test "a call failing for a missing secret is logged with tenant, server and method" {
	stack_psql >/dev/null <<-'EOF'
	insert into public.tenant_servers (tenant_id, server_id, alias, settings)
	  select t.id, s.id, 'nosecret', '{"region":"x"}' from public.tenants t, public.mcp_servers s
	   where t.slug = 'demo' and s.slug = 'envtest';
	EOF
	http POST "$BASE/mcp/demo/nosecret" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	grep -q "token" <<<"$body"
	logged() {
		[ "$(stack_psql -At -c "select count(*) from public.request_logs
		     where server_alias = 'nosecret' and method = 'initialize'
		       and tenant_id = (select id from public.tenants where slug = 'demo')")" -ge 1 ]
	}
	wait_for logged
	as "$DEMO_ACCESS_TOKEN" GET "/api/v1/tenants/demo/logs?server=nosecret"
	[ "$status" = 200 ]
	jq -e '.items | length >= 1' <<<"$body"
	jq -e '[.items[] | select(.method == "initialize")] | length >= 1' <<<"$body"
	as "$DEMO_ACCESS_TOKEN" GET "/api/v1/tenants/demo/usage"
	[ "$status" = 200 ] || { echo "$body"; false; }
	jq -e '[.rows[] | select(.server_alias == "nosecret") | .count] | add >= 1' <<<"$body" ||
	    { echo "$body"; false; }
}

# ---- key rotation -------------------------------------------------------

@test "mcpctl secrets rotate-key re-seals every secret under the newest key id; idempotent" {
	local ctl=${MCPCTL:-$TOP/build/mcpctl} d old
	owner PUT $T/rot1 "{\"server\":\"envtest\",\"settings\":{\"region\":\"r\"},\"secrets\":{\"token\":\"$SECRET\",\"extra\":\"$SECRET-x\"}}"
	[ "$status" = 201 ]
	d=$(mktemp -d)
	old=$(cat "$STACK_DIR/platform/secrets/master-key")
	printf 'newkey:%s,%s' "$(openssl rand -hex 32)" "$old" > "$d/master-key"
	chmod 600 "$d/master-key"
	sed "s|^master_key_file = .*|master_key_file = $d/master-key|" \
	    "$STACK_DIR/platform/mcp-platform.conf" > "$d/conf"
	run "$ctl" -c "$d/conf" secrets rotate-key
	[ "$status" = 0 ] || { echo "$output"; false; }
	jq -e '.kid == "newkey" and .secrets_resealed >= 3 and .failed == 0' <<<"$output"
	! grep -q "$SECRET" <<<"$output"
	run stack_psql -At -c "select count(*) from public.tenant_servers, jsonb_each(secrets) e
	    where e.value->>'kid' <> 'newkey'"
	[ "$output" = 0 ]
	run "$ctl" -c "$d/conf" secrets rotate-key
	[ "$status" = 0 ]
	jq -e '.rows_resealed == 0 and .secrets_resealed == 0' <<<"$output"
	# the old key alone can no longer open them: the new ring is needed
	run "$ctl" -c "$STACK_DIR/platform/mcp-platform.conf" secrets rotate-key
	[ "$status" = 1 ]
	! grep -q "$SECRET" <<<"$output"
	rm -rf "$d"
}

# ---- nothing leaks ------------------------------------------------------

@test "no secret value in any answer, log line or audit row; no raw Postgres message" {
	[ -s "$RECORD" ]
	! grep -q "$SECRET" "$RECORD"
	! grep -q "hdr-SECRET" "$RECORD"
	! grep -Eqi "violates|failing row|constraint|duplicate key|pgrst|42501" "$RECORD"
	run stack_psql -At -c "select count(*) from public.audit_events where action like 'server.%'"
	[ "$output" -ge 5 ]
	run stack_psql -At -c "select details::text from public.audit_events"
	[[ "$output" != *"$SECRET"* ]]
	[[ "$output" != *"hdr-SECRET"* ]]
	[[ "$output" == *'"secrets_set": ["token"]'* ]] || [[ "$output" == *'"secrets_set":["token"]'* ]]
	! grep -rqs -- "$SECRET" "$STACK_DIR/platform" "$STACK_DIR/supabase"
	! grep -rqs -- "hdr-SECRET" "$STACK_DIR/platform" "$STACK_DIR/supabase"
	run stack_psql -At -c "select count(*) from public.request_logs
	    where coalesce(request_body::text, '') || coalesce(response_body::text, '') like '%$SECRET%'"
	[ "$output" = 0 ]
}
