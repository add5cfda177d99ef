#!/usr/bin/env bats
# The monthly call quota per tenant (issue 13 item 2; src/mcp/admit.c,
# src/ops/limits_sync.c): tools/call per tenant per calendar month (UTC),
# from tenants.limits.quota_monthly over limit_quota_monthly; refused 429
# with Retry-After until the month's end and -32015 data.scope "quota";
# other methods not counted; the month's total read back from Supabase
# (calls another node counted refuse here too); a bad quota value ignored.

load helpers

setup_file() {
	export STACK_PLATFORM_CONF_EXTRA="limit_sync_interval = 1
config_ttl = 0"
	stack_up lighttpd
	unset STACK_PLATFORM_CONF_EXTRA
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	export LOG="$STACK_DIR/platform/log/requests.jsonl"
	export TID=$(stack_psql -At -c "select id from public.tenants where slug = 'demo'")
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

session() {
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 200
	SID=$(header mcp-session-id)
}

rpc() {
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"$1\",\"params\":$2}"
}
echo_call() { rpc tools/call '{"name":"echo","arguments":{"message":"q"}}'; }

quota() {
	stack_psql -c "update public.tenants set limits = '$1' where slug = 'demo'" >/dev/null
}

month() { date -u +%Y%m; }
synced() { grep -c 'now owed' "$STACK_DIR/platform/error.log" || true; }
synced_more() { [ "$(synced)" -gt "$1" ]; }
stored() {
	[ "$(stack_psql -At -c "select coalesce(sum(total), 0) from public.limit_counters
	    where key = E'q\\x1f$TID\\x1f$(month)'")" "$1" "$2" ]
}

@test "the quota counts tools/call only; the next one is refused until the month's end" {
	quota '{"quota_monthly": 3}'
	session
	for i in 1 2 3; do
		echo_call
		assert_status 200
		assert_json '.result != null'
		# tools/list and ping are not calls
		rpc tools/list '{}'
		assert_status 200
	done
	echo_call
	assert_status 429
	ra=$(header retry-after)
	# the seconds to the first second of next month, UTC
	next=$(date -u -d "$(date -u +%Y-%m-01) +1 month" +%s)
	left=$((next - $(date -u +%s)))
	[ "$ra" -ge $((left - 30)) ] && [ "$ra" -le $((left + 30)) ]
	assert_json ".error.code == -32015 and .error.data.scope == \"quota\" and
	    .error.data.reason == \"quota\" and .error.data.limit == 3 and
	    .error.data.retry_after_s == $ra"
	rpc tools/list '{}'
	assert_status 200
	wait_for grep -q '"http_status":429' "$LOG"
	jq -e -s 'any(.[]; .http_status == 429 and .jsonrpc_error == -32015 and .tool == "echo")' "$LOG"
	# counted in /metrics as the tenant's quota
	curl -s "$BASE/metrics" | awk '$1 == "mcp_rate_limited_total{scope=\"tenant\",reason=\"quota\"}" { n = $2 }
	    END { exit !(n >= 1) }'
	# the node's count reaches Supabase
	wait_for stored -eq 3
}

@test "another node's calls count: the month's total read back from Supabase" {
	quota '{"quota_monthly": 6}'
	session
	echo_call
	assert_status 200
	wait_for stored -eq 4
	# another node counted 2 this month: 6 in all
	n=$(synced)
	stack_psql -c "insert into public.limit_counters (key, node, total)
	    values (E'q\\x1f$TID\\x1f$(month)', 'other-node:/x', 2)" >/dev/null
	# at its next sync (this month's counter is in every sync) it knows
	# the total, without a call of its own
	wait_for synced_more "$n"
	echo_call
	assert_status 429
	assert_json '.error.data.scope == "quota" and .error.data.limit == 6'
	wait_for stored -eq 6
}

@test "a quota that is not a number is ignored with a warning; 0 means none" {
	quota '{"quota_monthly": "lots"}'
	session
	echo_call
	assert_status 200
	wait_grep "quota_monthly" "$STACK_DIR/platform/error.log"
	quota '{"quota_monthly": -1}'
	echo_call
	assert_status 200
	quota '{"quota_monthly": 0}'
	echo_call
	assert_status 200
	quota '{}'
}
