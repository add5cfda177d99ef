#!/usr/bin/env bats
# More than one node (issue 13): two platform nodes, each its own lighttpd
# and data_dir, in front of one supabase-local, HAProxy round robin in
# front of both (deploy/haproxy/mcp-platform.cfg). Sessions continue on
# either node, a DELETE on one is honoured on the other within config_ttl,
# the request logs of both land exactly once, and a node killed mid-run
# loses no record while the other keeps serving.

load helpers

TTL=3

setup_file() {
	# Ended sessions are re-read at most every config_ttl seconds (the
	# bound tested below); workers look at their spool every second.
	export STACK_PLATFORM_CONF_EXTRA="config_ttl = $TTL
log_ship_interval = 1"
	stack_up_multinode
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'
LIST='{"jsonrpc":"2.0","id":2,"method":"tools/list"}'

# session URL -> $SID, begun at URL (a node or the balancer)
session() {
	http POST "$1/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 200
	SID=$(header mcp-session-id)
	[ -n "$SID" ]
}

# call URL BODY [curl args]: in $SID
call() {
	http POST "$1/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary "$2" "${@:3}"
}

# Rows in request_logs for the request ids in FILE, and distinct ids.
rows_for() {
	stack_psql -At -c "select count(*) from public.request_logs
	    where request_id in ($(sed "s/.*/'&'/" "$1" | paste -sd,))"
}
distinct_for() {
	stack_psql -At -c "select count(distinct request_id) from public.request_logs
	    where request_id in ($(sed "s/.*/'&'/" "$1" | paste -sd,))"
}
rows_are() { [ "$(rows_for "$1")" -eq "$2" ]; }

# Which node's requests.jsonl holds request id $1: 1, 2 or nothing.
node_of() {
	if grep -qs "\"$1\"" "$STACK_DIR/platform/log/requests.jsonl"; then echo 1; fi
	if grep -qs "\"$1\"" "$STACK_DIR/node2/log/requests.jsonl"; then echo 2; fi
}

@test "the balancer spreads requests over both nodes, round robin" {
	local i n1=0 n2=0 id
	session "$BASE"
	for i in $(seq 8); do
		call "$BASE" "$LIST"
		assert_status 200
		id=$(header x-request-id)
		echo "$id" >>"$BATS_TEST_TMPDIR/ids"
	done
	while read -r id; do
		wait_for test -n "$(node_of "$id")"
		case "$(node_of "$id")" in
		1) n1=$((n1 + 1)) ;;
		2) n2=$((n2 + 1)) ;;
		*) echo "request $id logged by both nodes or neither" >&2; false ;;
		esac
	done <"$BATS_TEST_TMPDIR/ids"
	echo "node1 $n1, node2 $n2" >&2
	[ "$n1" -ge 3 ]
	[ "$n2" -ge 3 ]
}

@test "a session begun on one node continues on the other" {
	session "$NODE1"
	call "$NODE2" "$LIST"
	assert_status 200
	assert_json '.result.tools | length > 0'
	# and the other way round
	session "$NODE2"
	call "$NODE1" "$LIST"
	assert_status 200
	assert_json '.result.tools | length > 0'
}

# refused_everywhere: 6 calls in a row on node2 (its 4 workers in turn
# under load or not) all get 404 for $SID.
# The time (ns) of the last 200 goes to $BATS_TEST_TMPDIR/last-ok.
refused_everywhere() {
	local i
	for i in $(seq 6); do
		call "$NODE2" "$LIST"
		if [ "$status" = 200 ]; then date +%s%N >"$BATS_TEST_TMPDIR/last-ok"; fi
		[ "$status" = 404 ] || return 1
	done
}

@test "DELETE on one node is honoured on the other within config_ttl" {
	local i t0 t1
	session "$NODE1"
	# node2's workers know the session (and have a fresh copy of the
	# ended sessions)
	for i in $(seq 6); do call "$NODE2" "$LIST"; assert_status 200; done
	http DELETE "$NODE1/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H "Mcp-Session-Id: $SID"
	assert_status 204
	t0=$(date +%s%N)
	# recorded once, in Supabase
	[ "$(stack_psql -At -c 'select count(*) from public.ended_sessions')" -ge 1 ]
	# the node that ended it refuses it at once (the worker that ended it)
	# or within the bound (its other workers); node2 within the bound
	echo "$t0" >"$BATS_TEST_TMPDIR/last-ok"
	WAIT_FOR_S=$((TTL + 20)) wait_for refused_everywhere
	t1=$(cat "$BATS_TEST_TMPDIR/last-ok")
	echo "node2 last accepted the ended session $(( (t1 - t0) / 1000000 )) ms after the DELETE (config_ttl $TTL s)" >&2
	# the bound: no worker accepts it later than config_ttl after the
	# DELETE (plus 1 s for a sync's own round trip on a busy machine)
	[ $(( (t1 - t0) / 1000000 )) -le $(( TTL * 1000 + 1000 )) ]
	call "$NODE1" "$LIST"
	assert_status 404
	call "$BASE" "$LIST"
	assert_status 404
	assert_json '.error.code == -32001'
}

@test "request logs from both nodes land in Postgres exactly once" {
	local i
	session "$BASE"
	for i in $(seq 20); do
		call "$BASE" "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"m$i\"}}}"
		assert_status 200
		header x-request-id >>"$BATS_TEST_TMPDIR/ids"
	done
	[ "$(sort -u "$BATS_TEST_TMPDIR/ids" | wc -l)" -eq 20 ]
	# both nodes served some
	grep -qF -f "$BATS_TEST_TMPDIR/ids" "$STACK_DIR/platform/log/requests.jsonl"
	grep -qF -f "$BATS_TEST_TMPDIR/ids" "$STACK_DIR/node2/log/requests.jsonl"
	wait_for rows_are "$BATS_TEST_TMPDIR/ids" 20
	[ "$(distinct_for "$BATS_TEST_TMPDIR/ids")" -eq 20 ]
	# flushing both spools again adds nothing
	"$STACK_DIR/bin/mcpctl" -c "$CONF1" logs flush >/dev/null
	"$STACK_DIR/bin/mcpctl" -c "$CONF2" logs flush >/dev/null
	[ "$(rows_for "$BATS_TEST_TMPDIR/ids")" -eq 20 ]
}

@test "a node killed mid-run loses no log record and the other keeps serving" {
	local i n ok pid workers
	session "$BASE"
	workers=$(pgrep -d' ' -P "$(cat "$STACK_DIR/node2/lighttpd.pid")")
	[ -n "$workers" ]
	# 30 calls one after the other through the balancer; node2's web
	# server is killed (-9) after the 8th answer
	for i in $(seq 30); do
		curl -s -o /dev/null -D "$BATS_TEST_TMPDIR/h$i" --max-time 30 "$BASE/mcp/demo/everything" \
		    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -H 'Content-Type: application/json' \
		    -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
		    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"k$i\"}}}"
	done 3>&- &
	loop=$!
	wait_for test -s "$BATS_TEST_TMPDIR/h8"
	pid=$(cat "$STACK_DIR/node2/lighttpd.pid")
	kill -KILL "$pid"
	wait "$loop"
	# every call after the kill was answered (by node1: HAProxy retries a
	# refused connection elsewhere and soon marks node2 down)
	ok=0
	for i in $(seq 30); do
		if grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/h$i"; then
			ok=$((ok + 1))
			sed -n 's/^X-Request-Id: //Ip' "$BATS_TEST_TMPDIR/h$i" | tr -d '\r' \
			    >>"$BATS_TEST_TMPDIR/ids"
		fi
	done
	echo "$ok of 30 answered 200" >&2
	for i in $(seq 12 30); do grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/h$i"; done
	# node2's workers, their web server gone, end on their own (no
	# orphans) after finishing and logging what they had
	WAIT_FOR_S=30 wait_for gone $workers
	# what node2 answered is in its spool or already shipped: flush it as
	# an operator would after the crash (node1 ships its own)
	"$STACK_DIR/bin/mcpctl" -c "$CONF2" logs flush >/dev/null
	n=$(wc -l <"$BATS_TEST_TMPDIR/ids")
	wait_for rows_are "$BATS_TEST_TMPDIR/ids" "$n"
	[ "$(distinct_for "$BATS_TEST_TMPDIR/ids")" -eq "$n" ]
	# node1 still serves through the balancer
	call "$BASE" "$LIST"
	assert_status 200
}

# ---- W3C trace context (issue 13, item 7) ------------------------------

TP_TRACE=4bf92f3577b34da6a3ce929d0e0e4736

@test "trace context: a valid traceparent's trace id is in the log row, on either node" {
	local id
	session "$BASE"
	call "$BASE" "$LIST" -H "traceparent: 00-$TP_TRACE-00f067aa0ba902b7-01" \
	    -H 'tracestate: rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'
	assert_status 200
	id=$(header x-request-id)
	wait_for test -n "$(node_of "$id")"
	grep -h "\"$id\"" "$STACK_DIR"/platform/log/requests.jsonl "$STACK_DIR"/node2/log/requests.jsonl |
	    jq -e --arg t "$TP_TRACE" '.trace_id == $t'
	row_trace() {
		[ "$(stack_psql -At -c "select trace_id from public.request_logs where request_id = '$1'")" = "$2" ]
	}
	wait_for row_trace "$id" "$TP_TRACE"
}

@test "trace context: an invalid traceparent is ignored and the request gets a trace of its own" {
	local id bad
	session "$BASE"
	for bad in "00-${TP_TRACE^^}-00f067aa0ba902b7-01" "ff-$TP_TRACE-00f067aa0ba902b7-01" \
	    "00-00000000000000000000000000000000-00f067aa0ba902b7-01" "00-$TP_TRACE-00f067aa0ba902b7-01-x"; do
		call "$BASE" "$LIST" -H "traceparent: $bad"
		assert_status 200
		id=$(header x-request-id)
		wait_for test -n "$(node_of "$id")"
		grep -h "\"$id\"" "$STACK_DIR"/platform/log/requests.jsonl "$STACK_DIR"/node2/log/requests.jsonl |
		    jq -e --arg t "$TP_TRACE" '(.trace_id | test("^[0-9a-f]{32}$")) and .trace_id != $t and .trace_id != ("0" * 32)'
	done
}
