#!/usr/bin/env bats
# The log query API, GET /api/v1/tenants/{t}/logs and /usage, against the
# real stack: two tenants with different members and request_logs rows
# written directly as the operator; isolation, filters, cursor paging,
# usage numbers checked against psql, platform (API-key) tokens, errors.

load helpers

setup_file() {
	export STACK_PLATFORM_TOKENS=1
	stack_up lighttpd
	A=$(stack_user_session alice@example.com alice-password-1 | jq -r .access_token)
	B=$(stack_user_session bob@example.com bob-password-1 | jq -r .access_token)
	C=$(stack_user_session carol@example.com carol-password-1 | jq -r .access_token)
	export A B C
	for who in A:alpha B:beta; do
		tok=${who%%:*} slug=${who#*:}
		curl -sf -X POST "$SUPA/rest/v1/rpc/create_tenant" \
		    -H "apikey: $STACK_PUBLISHABLE_KEY" -H "Authorization: Bearer ${!tok}" \
		    -H 'Content-Type: application/json' \
		    -d "{\"p_slug\":\"$slug\",\"p_name\":\"$slug tenant\"}" >/dev/null
	done
	# Carol is a plain member of alpha; Bob only of beta.
	# 46 rows per tenant over ~6 hours: three servers, two tools, some
	# errors, ties on ts (three rows per instant, microsecond precision),
	# one row without total_ms; and one alpha row without a tool.
	stack_psql <<-'EOF' >/dev/null
	insert into public.tenant_members (tenant_id, user_id, role)
	  select t.id, u.id, 'member' from public.tenants t, auth.users u
	   where t.slug = 'alpha' and u.email = 'carol@example.com';
	insert into public.request_logs (request_id, ts, tenant_id, tenant_slug, caller_kind,
	    server_alias, method, tool, http_status, jsonrpc_error, total_ms, request_body)
	select t.slug || '-' || lpad(i::text, 3, '0'),
	       '2026-01-10 08:00:00.000001+00'::timestamptz
	         + (i / 3) * interval '23 minutes 0.123457 seconds',
	       t.id, t.slug, 'user',
	       (array['everything', 'files', 'memory'])[i % 3 + 1],
	       case when i % 4 = 0 then 'tools/list' else 'tools/call' end,
	       case when i % 4 = 0 then null when i % 2 = 0 then 'echo' else 'add' end,
	       case when i % 7 = 0 then 502 when i % 11 = 0 then 404 else 200 end,
	       case when i % 5 = 0 then -32602 end,
	       case when i = 13 then null else (i * 37 % 101) + 0.25 end,
	       '{"i":' || i || '}'
	  from generate_series(1, 46) i, public.tenants t
	 where t.slug in ('alpha', 'beta');
	EOF
	# An API key of alpha, one of beta, one revoked key of alpha.
	stack_psql <<-'EOF' >/dev/null
	insert into public.api_keys (id, tenant_id, name, prefix, secret_sha256, created_by, revoked_at)
	select k.id::uuid, t.id, k.name, k.name, sha256(convert_to(k.name, 'UTF8')), m.user_id, k.revoked
	  from (values ('00000000-0000-4000-8000-00000000a001', 'alpha', 'key-a', null::timestamptz),
	               ('00000000-0000-4000-8000-00000000b001', 'beta', 'key-b', null),
	               ('00000000-0000-4000-8000-00000000a002', 'alpha', 'key-old', now()))
	       k(id, slug, name, revoked)
	  join public.tenants t on t.slug = k.slug
	  join public.tenant_members m on m.tenant_id = t.id and m.role = 'owner';
	EOF
}
teardown_file() { stack_down; }

# A platform token for API key $1 of tenant $2, signed with the stack's
# platform key (ES256, kid = RFC 7638 thumbprint), as POST /api/v1/auth/token
# would mint it.
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
	    "$STACK_DIR/secrets/platform-signing.pem" "$1" "$2" "${3-logs:read}"
}

# api TOKEN PATH [curl args]: GET $BASE/api/v1/tenants/PATH through api_call
# (helpers.bash), which records the answer for 0990-openapi.bats
api() {
	local tok=$1 path=$2
	shift 2
	api_call GET "/api/v1/tenants/$path" -H "Authorization: Bearer $tok" "$@"
}

# psql_ids WHERE: alpha's request ids in API order, one per line
psql_ids() {
	stack_psql -At <<-EOF
	select request_id from public.request_logs
	 where tenant_slug = 'alpha' and ($1)
	 order by ts desc, request_id collate "C" desc;
	EOF
}

ids() { jq -r '.items[].request_id' <<<"$body"; }

# absent STRING FILE...: STRING is in none of the files ("! grep" in the
# middle of a bats test cannot fail it: set -e ignores a negation)
absent() {
	local s=$1
	shift
	if grep -qF -- "$s" "$@"; then
		echo "found '${s:0:12}...' in $*" >&2
		return 1
	fi
}

@test "a member gets exactly their tenant's rows, newest first" {
	api "$A" 'alpha/logs?limit=1000'
	assert_status 200
	assert_json '.next_cursor == null and (.items | length) == 46'
	assert_json 'all(.items[]; .tenant_slug == "alpha")'
	[ "$(ids)" = "$(psql_ids true)" ]
	# a plain member (Carol) sees the same
	api "$C" 'alpha/logs?limit=1000'
	assert_status 200
	[ "$(ids)" = "$(psql_ids true)" ]
	# and the default page is 100 rows, so all of them here
	api "$A" 'alpha/logs'
	assert_json '(.items | length) == 46'
}

@test "each filter narrows to what psql finds" {
	api "$A" 'alpha/logs?server=files&limit=1000'
	assert_status 200
	[ "$(ids)" = "$(psql_ids "server_alias = 'files'")" ]
	[ -n "$(ids)" ]
	api "$A" 'alpha/logs?method=tools%2Flist&limit=1000'
	[ "$(ids)" = "$(psql_ids "method = 'tools/list'")" ]
	api "$A" 'alpha/logs?tool=echo&limit=1000'
	[ "$(ids)" = "$(psql_ids "tool = 'echo'")" ]
	api "$A" 'alpha/logs?status=502&limit=1000'
	[ "$(ids)" = "$(psql_ids "http_status = 502")" ]
	[ "$(ids | wc -l)" -eq 6 ]
	api "$A" 'alpha/logs?since=2026-01-10T09:00:00Z&until=2026-01-10T10:00:00%2B00:00&limit=1000'
	[ "$(ids)" = "$(psql_ids "ts >= '2026-01-10T09:00:00Z' and ts < '2026-01-10T10:00:00Z'")" ]
	[ -n "$(ids)" ]
	# an offset written with a literal '+' means the same instant
	api "$A" 'alpha/logs?since=2026-01-10T10:00:00+01:00&until=2026-01-10T10:00:00Z&limit=1000'
	[ "$(ids)" = "$(psql_ids "ts >= '2026-01-10T09:00:00Z' and ts < '2026-01-10T10:00:00Z'")" ]
	# filters combine
	api "$A" 'alpha/logs?server=memory&method=tools%2Fcall&tool=add&status=200&limit=1000'
	[ "$(ids)" = "$(psql_ids "server_alias = 'memory' and method = 'tools/call' and tool = 'add' and http_status = 200")" ]
	# a filter that matches nothing: an empty page, not an error
	api "$A" 'alpha/logs?server=nope'
	assert_status 200
	assert_json '. == {"items":[],"next_cursor":null}'
}

@test "paging with the cursor returns every row exactly once, in order" {
	local all=() n=0 cur=""
	while :; do
		api "$A" "alpha/logs?limit=4${cur:+&cursor=$cur}"
		assert_status 200
		[ "$(jq '.items | length' <<<"$body")" -le 4 ]
		mapfile -t -O "${#all[@]}" all < <(ids)
		cur=$(jq -r '.next_cursor // empty' <<<"$body")
		n=$((n + 1))
		[ -n "$cur" ] || break
		[ "$n" -lt 30 ]
	done
	[ "$n" -eq 12 ]			# 46 rows: 11 full pages and 2 rows
	[ "$(printf '%s\n' "${all[@]}")" = "$(psql_ids true)" ]
	[ "$(printf '%s\n' "${all[@]}" | sort | uniq -d)" = "" ]
	# with a filter and a time range too
	all=() cur=""
	while :; do
		api "$A" "alpha/logs?server=files&since=2026-01-10T08:30:00Z&limit=3${cur:+&cursor=$cur}"
		assert_status 200
		mapfile -t -O "${#all[@]}" all < <(ids)
		cur=$(jq -r '.next_cursor // empty' <<<"$body")
		[ -n "$cur" ] || break
	done
	[ "$(printf '%s\n' "${all[@]}")" = "$(psql_ids "server_alias = 'files' and ts >= '2026-01-10T08:30:00Z'")" ]
}

@test "a member of one tenant asking for another gets 404 and nothing of it" {
	api "$A" 'beta/logs'
	assert_status 404
	assert_json '. == {"error":{"code":"not_found","message":"no such tenant"}}'
	nb=$body
	api "$A" 'nope/logs'
	assert_status 404
	[ "$body" = "$nb" ]		# unknown and not-a-member look the same
	api "$A" 'beta/usage'
	assert_status 404
	absent beta <<<"$body"
	# Bob the other way round, and Carol who is in no tenant but alpha
	api "$B" 'alpha/logs'
	assert_status 404
	api "$C" 'beta/usage?bucket=day'
	assert_status 404
	# Bob still reads his own
	api "$B" 'beta/logs?limit=1000'
	assert_status 200
	assert_json '(.items | length) == 46 and all(.items[]; .tenant_slug == "beta")'
}

@test "no token is 401 with a challenge; a bad token is 401 invalid_token" {
	api_call GET "/api/v1/tenants/alpha/logs"
	assert_status 401
	assert_json '.error.code == "unauthorized"'
	[[ "$(header www-authenticate)" == 'Bearer resource_metadata="'* ]]
	api_call GET "/api/v1/tenants/alpha/usage"
	assert_status 401
	api "${A}x" 'alpha/logs'
	assert_status 401
	assert_json '.error.code == "invalid_token"'
	# a token in the query string is not a token (and not a parameter)
	api_call GET "/api/v1/tenants/alpha/logs?access_token=$A"
	assert_status 401
}

@test "malformed, hostile, repeated or oversized parameters are 400" {
	for q in 'status=1;drop' 'status=200%3Bdrop' 'server=a,b' 'server=in.(a,b)' \
	    'server=eq.files' 'limit=0' 'limit=1001' 'limit=-1' 'limit=ten' \
	    'tool=caf%C3%A9' 'tool=%E2%80%AE' \
	    'tool=a&tool=b' 'limit=5&limit=5' 'color=red' 'server=' 'server' '&' \
	    'since=yesterday' 'since=2026-01-10T09:00:00' 'since=2026-02-30T00:00:00Z' \
	    'since=2026-01-10T10:00:00Z&until=2026-01-10T09:00:00Z' \
	    'cursor=abc' 'cursor=MTo1Om%2BiYw' 'or=(status.eq.200)' 'select=*' \
	    "tool=$(printf 'a%.0s' $(seq 129))" "method=$(printf 'm%.0s' $(seq 600))"; do
		api "$A" "alpha/logs?$q"
		[ "$status" = 400 ] || { echo "logs?$q: $status $body" >&2; false; }
		assert_json '.error.code == "bad_request" and (.error.message | type) == "string"'
	done
	# NUL: lighttpd refuses it itself (its own 400 page); the parser's
	# refusal of %00, %zz and the like is in tests/unit/test_api_logs.c
	# (lighttpd passes a bad escape such as %zz on as a literal %25zz).
	for q in 'tool=%00' 'tool=a%00b' 'server=%00'; do
		api "$A" "alpha/logs?$q"
		[ "$status" = 400 ] || { echo "logs?$q: $status $body" >&2; false; }
	done
	for q in 'bucket=week' 'bucket=hour&bucket=day' 'limit=5' \
	    'since=2025-01-01T00:00:00Z&until=2025-06-01T00:00:00Z' \
	    'bucket=day&since=2024-01-01T00:00:00Z&until=2025-06-01T00:00:00Z' \
	    'since=2026-01-10T10:00:00Z&until=2026-01-10T10:00:00Z'; do
		api "$A" "alpha/usage?$q"
		[ "$status" = 400 ] || { echo "usage?$q: $status $body" >&2; false; }
		assert_json '.error.code == "bad_request"'
	done
	# the hostile values reached nothing: the rows are all still there
	[ "$(stack_psql -At -c 'select count(*) from public.request_logs')" -eq 92 ]
}

@test "usage counts, errors, p50 and p95 match psql" {
	for bucket in hour day; do
		api "$A" "alpha/usage?bucket=$bucket&since=2026-01-10T00:00:00Z&until=2026-01-11T00:00:00Z"
		assert_status 200
		assert_json ".bucket == \"$bucket\" and .since == \"2026-01-10T00:00:00Z\" and .until == \"2026-01-11T00:00:00Z\""
		got=$body
		want=$(stack_psql -At <<-EOF
		select coalesce(json_agg(r order by r.b, r.s nulls first, r.t nulls first), '[]')
		  from (select date_trunc('$bucket', ts at time zone 'UTC') as b,
		               server_alias as s, tool as t, count(*) as count,
		               sum(case when http_status >= 400 or jsonrpc_error is not null
		                        then 1 else 0 end) as errors,
		               percentile_cont(0.5) within group (order by total_ms) as p50,
		               percentile_cont(0.95) within group (order by total_ms) as p95
		          from public.request_logs
		         where tenant_slug = 'alpha'
		           and ts >= '2026-01-10T00:00:00Z' and ts < '2026-01-11T00:00:00Z'
		         group by 1, 2, 3) r;
		EOF
		)
		jq -e -n --argjson got "$got" --argjson want "$want" '
		    ($got.rows | length) == ($want | length) and ($want | length) > 0 and
		    ([range(0; $want | length) as $i | $got.rows[$i] as $g | $want[$i] as $w |
		      ($g.bucket_start | sub("\\+00:00$"; "") | sub("Z$"; "")) == ($w.b | sub("\\.0+$"; "")) and
		      $g.server_alias == $w.s and $g.tool == $w.t and
		      $g.count == $w.count and $g.errors == $w.errors and
		      (if $w.p50 == null then $g.p50_ms == null
		       else (($g.p50_ms - $w.p50) | fabs) < 1e-9 and (($g.p95_ms - $w.p95) | fabs) < 1e-9
		       end)] | all)' >/dev/null ||
		    { echo "bucket=$bucket got: $got" >&2; echo "want: $want" >&2; false; }
	done
	# totals: every row of alpha counted once, the errors as psql counts them
	assert_json '([.rows[].count] | add) == 46'
	want_err=$(stack_psql -At -c "select count(*) from public.request_logs where tenant_slug = 'alpha'
	    and (http_status >= 400 or jsonrpc_error is not null)")
	assert_json "([.rows[].errors] | add) == $want_err"
	# the default range is the last 24 hours: none of these rows
	api "$A" 'alpha/usage'
	assert_status 200
	assert_json '.bucket == "hour" and .rows == []'
}

@test "a platform token reads its own tenant only, and only while its key is live" {
	ka=$(platform_token 00000000-0000-4000-8000-00000000a001 alpha)
	api "$ka" 'alpha/logs?limit=1000'
	assert_status 200
	[ "$(ids)" = "$(psql_ids true)" ]
	api "$ka" 'alpha/usage?since=2026-01-10T00:00:00Z&until=2026-01-11T00:00:00Z&bucket=day'
	assert_status 200
	assert_json '([.rows[].count] | add) == 46'
	# a key with other scopes only: 403, whatever the tenant
	kc=$(platform_token 00000000-0000-4000-8000-00000000a001 alpha mcp:call)
	api "$kc" 'alpha/logs'
	assert_status 403
	assert_json '.error.code == "insufficient_scope"'
	# admin covers logs:read
	kd=$(platform_token 00000000-0000-4000-8000-00000000a001 alpha "mcp:call admin")
	api "$kd" 'alpha/logs?limit=1'
	assert_status 200
	api "$ka" 'beta/logs'
	assert_status 404
	api "$ka" 'beta/usage'
	assert_status 404
	# beta's key, claiming alpha: the signature holds, the key does not
	kb=$(platform_token 00000000-0000-4000-8000-00000000b001 alpha)
	api "$kb" 'alpha/logs'
	assert_status 404
	# a revoked key and a key that does not exist
	kr=$(platform_token 00000000-0000-4000-8000-00000000a002 alpha)
	api "$kr" 'alpha/logs'
	assert_status 404
	kx=$(platform_token 00000000-0000-4000-8000-00000000ffff alpha)
	api "$kx" 'alpha/logs'
	assert_status 404
}

@test "Supabase down is 503, and no key reaches the client or the log" {
	stack_stop_supabase
	api "$A" 'alpha/logs'
	assert_status 503
	assert_json '.error.code == "unavailable"'
	absent "$STACK_SECRET_KEY" <<<"$body"
	api "$(platform_token 00000000-0000-4000-8000-00000000a001 alpha)" 'alpha/usage'
	assert_status 503
	absent "$STACK_SECRET_KEY" "$STACK_DIR/platform"/*.log
	absent "$STACK_PUBLISHABLE_KEY" "$STACK_DIR/platform"/*.log
	# (the access log does hold the token test 5 put in a query string)
	absent "$A" "$STACK_DIR/platform/error.log"
	grep -q 'api: .*supabase unreachable' "$STACK_DIR/platform/error.log"
}
