#!/usr/bin/env bats
# Tenants, members and the audit trail over /api/v1 against the real
# stack (docs/user-management.md): create/list/get/rename/soft delete,
# the permission table (owner, admin, member, outsider), the last owner,
# bad input of every kind, audit rows with keyset paging, and a deleted
# tenant's /mcp endpoint answering 404 within config_ttl.

load helpers

setup_file() {
	export STACK_PLATFORM_CONF_EXTRA='config_ttl = 1' STACK_PLATFORM_TOKENS=1
	stack_up lighttpd
	local who
	for who in alice bob carol dave erin; do
		stack_user_session "$who@example.com" "$who-password-1" >/dev/null
	done
	A=$(stack_user_session alice@example.com alice-password-1 | jq -r .access_token)
	B=$(stack_user_session bob@example.com bob-password-1 | jq -r .access_token)
	C=$(stack_user_session carol@example.com carol-password-1 | jq -r .access_token)
	D=$(stack_user_session dave@example.com dave-password-1 | jq -r .access_token)
	E=$(stack_user_session erin@example.com erin-password-1 | jq -r .access_token)
	uid() { stack_psql -At -c "select id from auth.users where email = '$1@example.com'"; }
	A_ID=$(uid alice) B_ID=$(uid bob) C_ID=$(uid carol) D_ID=$(uid dave) E_ID=$(uid erin)
	export A B C D E A_ID B_ID C_ID D_ID E_ID
}
teardown_file() { stack_down; }

# as TOKEN METHOD PATH [JSON]: an /api/v1 call as a user
as() {
	local tok=$1 m=$2 p=$3
	if [ $# -ge 4 ]; then
		api_call "$m" "/api/v1$p" -H "Authorization: Bearer $tok" \
		    -H 'Content-Type: application/json' --data-binary "$4"
	else
		api_call "$m" "/api/v1$p" -H "Authorization: Bearer $tok"
	fi
}

# no_pg: the last body carries nothing of Postgres or PostgREST
no_pg() {
	local s
	for s in violates constraint 'Failing row' 23505 23514 PGRST \
	    'duplicate key' 'Failing' tenant_members_ \
	    'check_violation' 'PT4'; do
		if grep -qiF -- "$s" <<<"$body"; then
			echo "raw store text '$s' in: $body" >&2
			return 1
		fi
	done
}

@test "a user creates a tenant and becomes its owner" {
	as "$A" POST /tenants '{"slug":"acme","name":"Acme Inc."}'
	assert_status 201
	assert_json '.slug == "acme" and .name == "Acme Inc." and .role == "owner" and .status == "active"'
	assert_json '(.id | test("^[0-9a-f-]{36}$")) and has("limits") == false'
	[ "$(stack_psql -At -c "select m.role from public.tenant_members m join public.tenants t on t.id = m.tenant_id where t.slug = 'acme' and m.user_id = '$A_ID'")" = owner ]
	as "$A" GET /tenants
	assert_status 200
	assert_json '[.items[] | {slug, role}] == [{"slug":"acme","role":"owner"}]'
	as "$A" GET /tenants/acme
	assert_status 200
	assert_json '.slug == "acme" and .role == "owner"'
	# Bob has none
	as "$B" GET /tenants
	assert_status 200
	assert_json '.items == []'
}

@test "slugs: format, reserved words and duplicates" {
	local s
	for s in ab A-corp -lead 'a_b' 'has space' 'a.b' 'tenant/x'; do
		as "$B" POST /tenants "$(jq -nc --arg s "$s" '{slug:$s,name:"x"}')"
		assert_status 400
		assert_json '.error.code == "invalid_slug"'
	done
	as "$B" POST /tenants "{\"slug\":\"$(printf 'a%.0s' {1..41})\",\"name\":\"x\"}"
	assert_status 400
	for s in api admin www mcp auth tenants well-known; do
		as "$B" POST /tenants "{\"slug\":\"$s\",\"name\":\"x\"}"
		assert_status 400
		assert_json '.error.message | test("reserved")'
	done
	# the database refuses them too (create_tenant called directly)
	http POST "$SUPA/rest/v1/rpc/create_tenant" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H "Authorization: Bearer $B" -H 'Content-Type: application/json' \
	    -d '{"p_slug":"admin","p_name":"x"}'
	assert_status 400
	as "$B" POST /tenants '{"slug":"acme","name":"Another"}'
	assert_status 409
	assert_json '.error.code == "slug_taken"'
	no_pg
	# 40 characters is fine
	s=b$(printf '0%.0s' {1..39})
	as "$B" POST /tenants "{\"slug\":\"$s\",\"name\":\"Long\"}"
	assert_status 201
}

@test "bad bodies: JSON, unknown and smuggled fields, types, lengths" {
	as "$B" POST /tenants '{"slug":"beta",'
	assert_status 400
	assert_json '.error.message | test("JSON")'
	as "$B" POST /tenants '["beta"]'
	assert_status 400
	local f
	for f in tenant_id role owner created_by id status; do
		as "$B" POST /tenants "{\"slug\":\"beta\",\"name\":\"B\",\"$f\":\"x\"}"
		assert_status 400
		assert_json ".error.message == \"unknown field '$f'\""
	done
	as "$B" POST /tenants '{"slug":"beta"}'
	assert_status 400
	assert_json '.error.message | test("name")'
	as "$B" POST /tenants '{"slug":"beta","name":7}'
	assert_status 400
	as "$B" POST /tenants '{"slug":"beta","name":""}'
	assert_status 400
	as "$B" POST /tenants "{\"slug\":\"beta\",\"name\":\"$(printf 'n%.0s' {1..201})\"}"
	assert_status 400
	assert_json '.error.message | test("longer than 200")'
	api_call POST /api/v1/tenants -H "Authorization: Bearer $B" \
	    -H 'Content-Type: text/plain' --data-binary '{"slug":"beta","name":"B"}'
	assert_status 415
	# and no tenant came of any of it
	[ "$(stack_psql -At -c "select count(*) from public.tenants where slug = 'beta'")" = 0 ]
	# no token at all
	api_call POST /api/v1/tenants -H 'Content-Type: application/json' \
	    --data-binary '{"slug":"beta","name":"B"}'
	assert_status 401
}

@test "members: owner adds an admin, the admin adds a member; roles are checked" {
	as "$A" POST /tenants/acme/members '{"email":"Bob@Example.com","role":"admin"}'
	assert_status 201
	assert_json ".user_id == \"$B_ID\" and .email == \"bob@example.com\" and .role == \"admin\""
	# the admin adds carol as a member (role defaults to member)
	as "$B" POST /tenants/acme/members '{"email":"carol@example.com"}'
	assert_status 201
	assert_json '.role == "member"'
	as "$B" POST /tenants/acme/members '{"email":"carol@example.com","role":"member"}'
	assert_status 409
	assert_json '.error.code == "already_member"'
	no_pg
	# an admin cannot make owners
	as "$B" POST /tenants/acme/members '{"email":"dave@example.com","role":"owner"}'
	assert_status 403
	# a member cannot add anyone
	as "$C" POST /tenants/acme/members '{"email":"dave@example.com"}'
	assert_status 403
	assert_json '.error.code == "forbidden"'
	# an outsider: 404, as for an unknown tenant
	as "$D" POST /tenants/acme/members '{"email":"dave@example.com"}'
	assert_status 404
	assert_json '.error.message == "no such tenant"'
	as "$D" GET /tenants/acme/members
	assert_status 404
	# the user must exist
	as "$A" POST /tenants/acme/members '{"email":"nobody@example.com"}'
	assert_status 404
	assert_json '.error.code == "user_not_found"'
	# bad input
	as "$A" POST /tenants/acme/members '{"email":"dave@example.com","role":"king"}'
	assert_status 400
	as "$A" POST /tenants/acme/members '{"email":"not-an-email"}'
	assert_status 400
	as "$A" POST /tenants/acme/members "{\"email\":\"$(printf 'e%.0s' {1..250})@example.com\"}"
	assert_status 400
	as "$A" POST /tenants/acme/members "{\"email\":\"dave@example.com\",\"tenant_id\":\"$A_ID\"}"
	assert_status 400
	as "$A" POST /tenants/acme/members "{\"email\":\"dave@example.com\",\"user_id\":\"$D_ID\"}"
	assert_status 400
	# every member lists everyone, with emails and roles
	as "$C" GET /tenants/acme/members
	assert_status 200
	assert_json '[.items[] | [.email, .role]] == [["alice@example.com","owner"],["bob@example.com","admin"],["carol@example.com","member"]]'
	as "$C" GET /tenants/acme
	assert_json '.role == "member"'
}

@test "members: role changes, removals, leaving and the last owner" {
	# a member cannot change roles, not even their own
	as "$C" PATCH "/tenants/acme/members/$C_ID" '{"role":"admin"}'
	assert_status 403
	# an admin cannot touch an owner, nor promote to owner
	as "$B" PATCH "/tenants/acme/members/$A_ID" '{"role":"member"}'
	assert_status 403
	as "$B" PATCH "/tenants/acme/members/$C_ID" '{"role":"owner"}'
	assert_status 403
	as "$B" DELETE "/tenants/acme/members/$A_ID"
	assert_status 403
	# the last owner can neither be demoted nor leave
	as "$A" PATCH "/tenants/acme/members/$A_ID" '{"role":"admin"}'
	assert_status 409
	assert_json '.error.code == "last_owner" and (.error.message | test("at least one owner"))'
	no_pg
	as "$A" DELETE "/tenants/acme/members/$A_ID"
	assert_status 409
	assert_json '.error.code == "last_owner"'
	no_pg
	# the admin promotes carol to admin; unknown member and bad ids
	as "$B" PATCH "/tenants/acme/members/$C_ID" '{"role":"admin"}'
	assert_status 200
	assert_json ".user_id == \"$C_ID\" and .role == \"admin\""
	as "$A" PATCH "/tenants/acme/members/$D_ID" '{"role":"admin"}'
	assert_status 404
	assert_json '.error.message == "no such member"'
	as "$A" PATCH /tenants/acme/members/not-a-uuid '{"role":"admin"}'
	assert_status 404
	as "$A" PATCH "/tenants/acme/members/$C_ID" '{"role":"admin","user_id":"x"}'
	assert_status 400
	as "$A" PATCH "/tenants/acme/members/$C_ID" '{}'
	assert_status 400
	# the owner makes bob owner; now alice may step down
	as "$A" PATCH "/tenants/acme/members/$B_ID" '{"role":"owner"}'
	assert_status 200
	as "$A" PATCH "/tenants/acme/members/$A_ID" '{"role":"admin"}'
	assert_status 200
	# back again (bob is an owner and may)
	as "$B" PATCH "/tenants/acme/members/$A_ID" '{"role":"owner"}'
	assert_status 200
	as "$A" PATCH "/tenants/acme/members/$B_ID" '{"role":"admin"}'
	assert_status 200
	# dave joins as a member and leaves on his own; a member cannot
	# remove others
	as "$A" POST /tenants/acme/members '{"email":"dave@example.com"}'
	assert_status 201
	as "$D" DELETE "/tenants/acme/members/$C_ID"
	assert_status 403
	as "$D" DELETE "/tenants/acme/members/$D_ID"
	assert_status 204
	as "$D" GET /tenants/acme
	assert_status 404
	# an admin removes a member
	as "$A" POST /tenants/acme/members '{"email":"erin@example.com"}'
	assert_status 201
	as "$B" DELETE "/tenants/acme/members/$E_ID"
	assert_status 204
	as "$B" DELETE "/tenants/acme/members/$E_ID"
	assert_status 404
	[ "$(stack_psql -At -c "select string_agg(u.email || ':' || m.role, ',' order by u.email) from public.tenant_members m join auth.users u on u.id = m.user_id join public.tenants t on t.id = m.tenant_id where t.slug = 'acme'")" = \
	    "alice@example.com:owner,bob@example.com:admin,carol@example.com:admin" ]
}

@test "rename: owners and admins; members 403; outsiders 404" {
	as "$B" PATCH /tenants/acme '{"name":"Acme Corporation"}'
	assert_status 200
	assert_json '.name == "Acme Corporation" and .role == "admin"'
	as "$A" PATCH /tenants/acme '{"name":"Acme"}'
	assert_status 200
	as "$A" PATCH /tenants/acme '{"name":"Acme","slug":"other"}'
	assert_status 400
	as "$A" PATCH /tenants/acme '{"name":"Acme","status":"suspended"}'
	assert_status 400
	as "$A" PATCH /tenants/acme '{"name":"bad\u0001name"}'
	assert_status 400
	as "$D" PATCH /tenants/acme '{"name":"Mine"}'
	assert_status 404
	as "$A" POST /tenants/acme/members '{"email":"dave@example.com"}'
	assert_status 201
	as "$D" PATCH /tenants/acme '{"name":"Mine"}'
	assert_status 403
	as "$D" DELETE /tenants/acme
	assert_status 403
	as "$B" DELETE /tenants/acme
	assert_status 403
	[ "$(stack_psql -At -c "select name from public.tenants where slug = 'acme'")" = Acme ]
}

@test "the audit trail: every change, before/after, newest first, paged" {
	as "$C" GET /tenants/acme/audit?limit=200
	assert_status 200
	assert_json '.next_cursor == null'
	# every change of the tests above, newest first
	assert_json '[.items[].action] | index("tenant.create") == (length - 1)'
	assert_json '[.items[].id] == ([.items[].id] | sort | reverse)'
	assert_json '[.items[] | select(.action == "member.update")] | length == 5'
	assert_json '[.items[] | select(.action == "member.add")] | length == 5'
	assert_json '[.items[] | select(.action == "member.leave")] | length == 1'
	assert_json '[.items[] | select(.action == "member.remove")] | length == 1'
	assert_json '[.items[] | select(.action == "tenant.update")] | length == 2'
	assert_json "[.items[] | select(.action == \"member.update\" and .target == \"$C_ID\")][0].details == {\"before\":{\"role\":\"member\"},\"after\":{\"role\":\"admin\"}}"
	assert_json "[.items[] | select(.action == \"tenant.update\")][0] | .details == {\"before\":{\"name\":\"Acme Corporation\"},\"after\":{\"name\":\"Acme\"}} and .actor == \"$A_ID\""
	assert_json "[.items[] | select(.action == \"tenant.create\")][0] | .actor == \"$A_ID\" and .details.after == {\"slug\":\"acme\",\"name\":\"Acme Inc.\"} and (.request_id | length) > 0 and .client_ip == \"127.0.0.1\""
	local all n total
	all=$(jq -c '[.items[].id]' <<<"$body")
	total=$(jq '.items | length' <<<"$body")
	# failed attempts wrote nothing: as many rows as the table holds
	[ "$total" = "$(stack_psql -At -c "select count(*) from public.audit_events e join public.tenants t on t.id = e.tenant_id where t.slug = 'acme'")" ]
	# pages of 4 give the same ids, each once
	local ids=() cur="" pages=0
	while :; do
		as "$C" GET "/tenants/acme/audit?limit=4${cur:+&cursor=$cur}"
		assert_status 200
		[ "$(jq '.items | length' <<<"$body")" -le 4 ]
		mapfile -t -O "${#ids[@]}" ids < <(jq -r '.items[].id' <<<"$body")
		cur=$(jq -r '.next_cursor // empty' <<<"$body")
		pages=$((pages + 1))
		[ -n "$cur" ] || break
		[ "$pages" -lt 50 ]
	done
	[ "$(printf '%s\n' "${ids[@]}" | jq -sc .)" = "$all" ]
	[ "$pages" -eq $(((total + 3) / 4)) ]
	# outsiders see nothing; bad parameters are 400
	as "$E" GET /tenants/acme/audit
	assert_status 404
	as "$C" GET '/tenants/acme/audit?limit=0'
	assert_status 400
	as "$C" GET '/tenants/acme/audit?limit=201'
	assert_status 400
	as "$C" GET '/tenants/acme/audit?cursor=abc'
	assert_status 400
	as "$C" GET '/tenants/acme/audit?limit=1&limit=2'
	assert_status 400
	as "$C" GET '/tenants/acme/audit?tenant_id=x'
	assert_status 400
	# another tenant's rows never show
	as "$B" POST /tenants '{"slug":"bobco","name":"Bob Co"}'
	assert_status 201
	as "$B" GET /tenants/bobco/audit
	assert_json '[.items[].action] == ["tenant.create"]'
	as "$C" GET /tenants/bobco/audit
	assert_status 404
}

@test "soft delete: owners only; the tenant vanishes, its slug stays taken, /mcp answers 404" {
	stack_psql -f "$TOP/sql/seed/catalog.sql" >/dev/null
	as "$E" POST /tenants '{"slug":"gone-soon","name":"Gone"}'
	assert_status 201
	as "$E" POST /tenants/gone-soon/members '{"email":"dave@example.com","role":"admin"}'
	assert_status 201
	stack_psql -c "insert into public.tenant_servers (tenant_id, server_id, alias)
	    select t.id, s.id, 'everything' from public.tenants t, public.mcp_servers s
	    where t.slug = 'gone-soon' and s.slug = 'everything'" >/dev/null
	local init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
	mcp_status() {
		http POST "$BASE/mcp/gone-soon/everything" -H "Authorization: Bearer $E" \
		    -H 'Content-Type: application/json' \
		    -H 'Accept: application/json, text/event-stream' --data-binary "$init"
		[ "$status" = "$1" ] || { echo "mcp: $status $body" >&2; return 1; }
	}
	mcp_status 200
	# an admin may not delete
	as "$D" DELETE /tenants/gone-soon
	assert_status 403
	as "$E" DELETE /tenants/gone-soon
	assert_status 204
	[ "$(stack_psql -At -c "select deleted_at is not null from public.tenants where slug = 'gone-soon'")" = t ]
	# gone for its members ...
	as "$E" GET /tenants/gone-soon
	assert_status 404
	as "$D" GET /tenants/gone-soon/members
	assert_status 404
	as "$E" GET /tenants
	assert_json '[.items[].slug] | index("gone-soon") == null'
	as "$E" DELETE /tenants/gone-soon
	assert_status 404
	as "$E" GET /tenants/gone-soon/audit
	assert_status 404
	# ... for PostgREST directly (RLS) ...
	http GET "$SUPA/rest/v1/tenants?slug=eq.gone-soon" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H "Authorization: Bearer $E"
	assert_status 200
	[ "$body" = "[]" ]
	# a plain DELETE through PostgREST is no longer granted
	as "$A" POST /tenants '{"slug":"hard-delete","name":"H"}'
	http DELETE "$SUPA/rest/v1/tenants?slug=eq.hard-delete" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H "Authorization: Bearer $A"
	[ "$status" -ge 400 ]
	[ "$(stack_psql -At -c "select count(*) from public.tenants where slug = 'hard-delete'")" = 1 ]
	# ... for resolve, and for /mcp once config_ttl (1 s) has passed
	[ "$(stack_psql -At -c "select public.resolve_mcp_target('gone-soon', 'everything', '$E_ID') is null")" = t ]
	WAIT_FOR_S=20 wait_for mcp_status 404
	# the slug is not given out again; the rows are kept, audit included
	as "$A" POST /tenants '{"slug":"gone-soon","name":"Again"}'
	assert_status 409
	[ "$(stack_psql -At -c "select action from public.audit_events e join public.tenants t on t.id = e.tenant_id where t.slug = 'gone-soon' order by e.id desc limit 1")" = tenant.delete ]
}

@test "API keys cannot manage tenants or members; an admin key reads the audit" {
	stack_psql <<-'EOF' >/dev/null
	insert into public.api_keys (id, tenant_id, name, prefix, secret_sha256, created_by)
	select '00000000-0000-4000-8000-00000000c001', t.id, 'k', 'k-acme',
	       sha256(convert_to('k', 'UTF8')), m.user_id
	  from public.tenants t
	  join public.tenant_members m on m.tenant_id = t.id and m.role = 'owner'
	 where t.slug = 'acme';
	EOF
	local k r
	k=$(platform_token 00000000-0000-4000-8000-00000000c001 acme admin)
	r=$(platform_token 00000000-0000-4000-8000-00000000c001 acme logs:read)
	as "$k" GET /tenants
	assert_status 403
	as "$k" GET /tenants/acme/members
	assert_status 403
	as "$k" POST /tenants/acme/members '{"email":"erin@example.com"}'
	assert_status 403
	as "$k" PATCH /tenants/acme '{"name":"Key"}'
	assert_status 403
	as "$k" GET /tenants/acme/audit?limit=1
	assert_status 200
	assert_json '(.items | length) == 1 and .next_cursor != null'
	as "$r" GET /tenants/acme/audit
	assert_status 403
	assert_json '.error.code == "insufficient_scope"'
	k=$(platform_token 00000000-0000-4000-8000-00000000c001 bobco admin)
	as "$k" GET /tenants/bobco/audit
	assert_status 404
}

# A platform token for API key $1 of tenant $2 with scope $3, as
# 0620-logs-api.bats makes them (POST /api/v1/auth/token is the keys
# engineer's).
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
