#!/usr/bin/env bats
# Limits keyed on identity (src/ops/limits.c, src/mcp/admit.c) through the
# whole stack: a caller's rate from the config, exact across lighttpd's
# four workers under concurrent requests; a tool's concurrency from
# tenant_servers.limits; each refusal a 429 with Retry-After and a
# JSON-RPC error whose data holds the retry time, in the request log and
# in /metrics.

load helpers

setup_file() {
	# config_ttl = 0: every request resolves, so limits set in SQL
	# apply at once.
	export STACK_PLATFORM_CONF_EXTRA="limit_interval = 3600
limit_caller_rate = 6
config_ttl = 0"
	stack_up lighttpd
	unset STACK_PLATFORM_CONF_EXTRA
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	# a second member of the demo tenant
	stack_user_session other@example.com other-password-1 >/dev/null
	stack_psql -c "insert into public.tenant_members (tenant_id, user_id, role)
	    select t.id, u.id, 'member' from public.tenants t, auth.users u
	     where t.slug = 'demo' and u.email = 'other@example.com'" >/dev/null
	export LOG="$STACK_DIR/platform/log/requests.jsonl"
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# post OUTFILE SID BODY: status, headers and body into OUTFILE.{s,h,b}
post() {
	curl -s -o "$1.b" -D "$1.h" -w '%{http_code}' --max-time 60 "$BASE/mcp/demo/everything" \
	    -H "Authorization: Bearer ${TOK:-$DEMO_ACCESS_TOKEN}" -H 'Content-Type: application/json' \
	    -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $2" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary "$3" >"$1.s"
}

metric() {
	curl -s "$BASE/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}

@test "a caller's rate is exact across the workers: 429, Retry-After, retry time in data, logged, counted" {
	local d=$BATS_TEST_TMPDIR i ok=0 limited=0
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 200
	sid=$(header mcp-session-id)
	# 6 per hour, initialize took one: of 12 concurrent calls 5 pass
	for i in $(seq 12); do
		in_bg post "$d/r$i" "$sid" "{\"jsonrpc\":\"2.0\",\"id\":$((i + 1)),\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"m$i\"}}}"
	done
	wait_bg
	for i in $(seq 12); do
		case "$(cat "$d/r$i.s")" in
		200) ok=$((ok + 1)) ;;
		429) limited=$((limited + 1))
		     grep -qi '^retry-after: [0-9]' "$d/r$i.h"
		     ra=$(sed -n 's/^[Rr]etry-[Aa]fter: \([0-9]*\).*/\1/p' "$d/r$i.h")
		     # one token per 600 s: the wait is at most that
		     [ "$ra" -ge 1 ] && [ "$ra" -le 600 ]
		     jq -e --argjson ra "$ra" --argjson id $((i + 1)) '.id == $id and
		         .error.code == -32015 and .error.data.retry_after_s == $ra and
		         .error.data.scope == "caller" and .error.data.reason == "rate" and
		         .error.data.limit == 6' "$d/r$i.b" ;;
		*) echo "r$i: $(cat "$d/r$i.s") $(cat "$d/r$i.b")" >&2; return 1 ;;
		esac
	done
	[ "$ok" -eq 5 ]
	[ "$limited" -eq 7 ]
	wait_for bash -c "[ \"\$(grep -c '\"http_status\":429' '$LOG')\" -ge 7 ]"
	[ "$(jq -s '[.[] | select(.http_status == 429 and .jsonrpc_error == -32015)] | length' "$LOG")" -eq 7 ]
	wait_for bash -c "curl -s '$BASE/metrics' | grep -qx 'mcp_rate_limited_total{scope=\"caller\",reason=\"rate\"} 7'"
	# another caller of the same tenant is not limited by this one
	s=$(stack_user_session other@example.com other-password-1)
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $(jq -r .access_token <<<"$s")" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 200
}

@test "a tool's concurrency from tenant_servers.limits: the second call in flight gets 429" {
	local d=$BATS_TEST_TMPDIR
	stack_psql -c "update public.tenant_servers set limits = '{\"tool\": {\"concurrent\": 1}}'
	    where alias = 'everything'" >/dev/null
	# the tenant lifts the config's caller rate (0: no limit), so only
	# the tool's concurrency can refuse here
	stack_psql -c "update public.tenants set limits = '{\"caller\": {\"rate\": 0}}'
	    where slug = 'demo'" >/dev/null
	s=$(stack_user_session other@example.com other-password-1)
	tok=$(jq -r .access_token <<<"$s")
	TOK=$tok
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $tok" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 200
	sid=$(header mcp-session-id)
	before=$(metric 'mcp_rate_limited_total{scope="tool",reason="concurrency"}')
	curl -s -o "$d/slow" --max-time 60 "$BASE/mcp/demo/everything" \
	    -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	    -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"trigger-long-running-operation","arguments":{"duration":10,"steps":2}}}' &
	slow=$!
	# while it runs (10 s: room for a busy machine), the same tool again
	wait_for bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$BASE/mcp/demo/everything' \
	    -H 'Authorization: Bearer $tok' -H 'Content-Type: application/json' \
	    -H 'Accept: $ACCEPT' -H 'Mcp-Session-Id: $sid' -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary '{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"trigger-long-running-operation\",\"arguments\":{\"duration\":1,\"steps\":1}}}')\" = 429 ]"
	# another tool is not held back
	post "$d/echo" "$sid" '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"message":"x"}}}'
	[ "$(cat "$d/echo.s")" = 200 ] || { cat "$d/echo.s" "$d/echo.b" >&2; return 1; }
	wait "$slow"
	grep -q 'result' "$d/slow"
	# the place is given back after the answer
	post "$d/again" "$sid" '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"trigger-long-running-operation","arguments":{"duration":1,"steps":1}}}'
	[ "$(cat "$d/again.s")" = 200 ]
	[ "$(metric 'mcp_rate_limited_total{scope="tool",reason="concurrency"}')" -ge $((before + 1)) ]
	stack_psql -c "update public.tenant_servers set limits = '{}' where alias = 'everything'" >/dev/null
	stack_psql -c "update public.tenants set limits = '{}' where slug = 'demo'" >/dev/null
}
