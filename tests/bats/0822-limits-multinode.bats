#!/usr/bin/env bats
# Limits across nodes (issue 13 item 2; src/ops/limits_sync.c,
# src/store/limitsync.c, sql/migrations/0016_limit_sync.sql): two nodes
# behind HAProxy (round robin, no stickiness), each counting in its own
# shared memory and syncing through Supabase every limit_sync_interval.
# What one node admitted is refused on the other after a sync; a burst of
# concurrent calls through the balancer is admitted within the documented
# bound (docs/deployment.md, "Limits across nodes"):
#     admitted <= limit + (nodes - 1) * (burst + rate * sync / interval)
# and afterwards every node refuses.

load helpers

RATE=10		# per tool, per hour: no refill during the test

setup_file() {
	export STACK_PLATFORM_CONF_EXTRA="limit_interval = 3600
limit_tool_rate = $RATE
limit_sync_interval = 1
config_ttl = 30"
	stack_up_multinode
	unset STACK_PLATFORM_CONF_EXTRA
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

session() {
	http POST "$1/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 200
	SID=$(header mcp-session-id)
}

# code URL TOOL ARGS: the HTTP status of one tools/call in $SID
code() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 60 "$1/mcp/demo/everything" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -H 'Content-Type: application/json' \
	    -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"$2\",\"arguments\":$3}}"
}

owed_lines() { grep -c 'now owed' "$1" 2>/dev/null || true; }

# counted TOOL OP N: the store's total for TOOL (every node) OP N
counted() {
	[ "$(stack_psql -At -c "select coalesce(sum(total), 0) from public.limit_counters
	    where key like 's%everything%$1'")" "$2" "$3" ]
}
# owed_more LOG N: LOG has more than N 'now owed' lines
owed_more() { [ "$(owed_lines "$1")" -gt "$2" ]; }

@test "what one node admitted is refused on the other after a sync" {
	local i n1=0
	session "$NODE1"
	# node 2 meets the key first (one call), so it reads the others'
	# counts from its next sync on
	[ "$(code "$NODE2" echo '{"message":"x"}')" = 200 ]
	before=$(owed_lines "$STACK_DIR/node2/error.log")
	# node 1 takes the rest of the hour's 10, and then refuses: 9 when
	# its own sync has already brought node 2's call, 10 (its own
	# bucket) when the calls outran the sync -- which one is timing
	local c=
	for i in $(seq 11); do
		c=$(code "$NODE1" echo '{"message":"x"}')
		[ "$c" = 200 ] || break
		n1=$((n1 + 1))
	done
	echo "# node 1 admitted $n1, then $c" >&3
	[ "$c" = 429 ]
	[ "$n1" -ge 9 ] && [ "$n1" -le 10 ]
	# node 1's count reaches Supabase ...
	wait_for counted echo -ge 10
	# ... and node 2 takes it as a debt at its next sync
	wait_for owed_more "$STACK_DIR/node2/error.log" "$before"
	# node 2 had 9 tokens of its own: without the sync it would admit 9
	# more. The sync seen may have run just before node 1's last counts
	# landed; then node 2 admits one more, and the next sync (it is
	# bound to owe more, since node 2 still had tokens) brings the rest.
	local seen
	seen=$(owed_lines "$STACK_DIR/node2/error.log")
	run code "$NODE2" echo '{"message":"x"}'
	if [ "$output" = 200 ]; then
		echo "# node 2 admitted one before its sync brought everything" >&3
		wait_for owed_more "$STACK_DIR/node2/error.log" "$seen"
		run code "$NODE2" echo '{"message":"x"}'
	fi
	[ "$output" = 429 ]
}

@test "concurrent calls through the balancer: admitted within the bound, then refused everywhere" {
	local d=$BATS_TEST_TMPDIR i ok=0 bound
	session "$BASE"
	# sync 1 s, interval 3600 s: rate * sync / interval < 1
	bound=$((RATE + (2 - 1) * (RATE + 1)))
	o1=$(owed_lines "$STACK_DIR/platform/error.log")
	o2=$(owed_lines "$STACK_DIR/node2/error.log")
	for i in $(seq 40); do
		in_bg code "$BASE" get-sum '{"a":1,"b":2}' >"$d/c$i"
	done
	wait_bg
	for i in $(seq 40); do
		case "$(cat "$d/c$i")" in
		200) ok=$((ok + 1)) ;;
		429) ;;
		*) echo "c$i: $(cat "$d/c$i")" >&2; return 1 ;;
		esac
	done
	echo "admitted $ok of 40 (limit $RATE, bound $bound)" >&3
	[ "$ok" -ge "$RATE" ]
	[ "$ok" -le "$bound" ]
	# both nodes' counts in Supabase, then every node refuses
	wait_for counted get-sum -eq "$ok"
	# each node takes what the other admitted as a debt at its next sync
	t1=$(stack_psql -At -c "select coalesce(sum(total), 0) from public.limit_counters
	    where key like 's%everything%get-sum' and node like '%/platform/%'")
	t2=$(stack_psql -At -c "select coalesce(sum(total), 0) from public.limit_counters
	    where key like 's%everything%get-sum' and node like '%/node2/%'")
	[ "$((t1 + t2))" -eq "$ok" ]
	[ "$t2" -eq 0 ] || wait_for owed_more "$STACK_DIR/platform/error.log" "$o1"
	[ "$t1" -eq 0 ] || wait_for owed_more "$STACK_DIR/node2/error.log" "$o2"
	for i in $(seq 6); do
		[ "$(code "$BASE" get-sum '{"a":1,"b":2}')" = 429 ]
	done
}

@test "Supabase unreachable for the sync: counts kept, each node still limits alone" {
	# the function refused: the sync fails, a warning, nothing lost
	stack_psql -c "revoke execute on function public.limit_sync(text, jsonb) from service_role" >/dev/null
	session "$NODE1"
	[ "$(code "$NODE1" get-tiny-image '{}')" = 200 ]
	wait_grep 'cannot sync the limits across nodes' "$STACK_DIR/platform/error.log"
	stack_psql -c "grant execute on function public.limit_sync(text, jsonb) to service_role" >/dev/null
	# the count kept reaches the store at a later sync
	wait_for counted get-tiny-image -eq 1
}
