#!/usr/bin/env bats
# GET /metrics (src/api/api_metrics.c, src/ops/metrics.c): a live scrape
# passes `promtool check metrics`; after MCP calls spread over lighttpd's
# four workers every scrape (whichever worker answers it) reports the
# node's sums, moved by exactly the calls made; the warm-children gauge
# matches the stdio children that really run; a damaged shared segment
# is rebuilt at start with one error-log line; scrapes from outside the
# allow-list get 403, the configured bearer token gets in.

load helpers

setup_file() {
	stack_up lighttpd
	# the catalog's everything-http on a port nobody listens on
	EVERYTHING_HTTP_URL="http://127.0.0.1:$(stack_free_port)/mcp"
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	export ELOG="$STACK_DIR/platform/error.log"
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# scrape FILE [curl args]: GET /metrics into FILE; 200 or fail.
scrape() {
	local f=$1
	shift
	[ "$(curl -s -o "$f" -w '%{http_code}' --max-time 20 "$@" \
	    "$BASE/metrics")" = 200 ]
}

# metric FILE 'name{labels}': the sample's value (empty when absent).
metric() {
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

# metric_is FILE 'name{labels}' VALUE (for wait_for)
metric_is() {
	scrape "$1" && [ "$(metric "$1" "$2")" = "$3" ]
}

session() {
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 200
	header mcp-session-id
}

# call SID ID METHOD [PARAMS]: one request, body discarded
call() {
	curl -s -o /dev/null --max-time 30 "$BASE/mcp/demo/everything" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -H 'Content-Type: application/json' \
	    -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $1" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":$2,\"method\":\"$3\",\"params\":${4:-{\}}}"
}

# The platform workers of this stack and their stdio children.
workers() {
	pgrep -f "^$STACK_DIR/bin/mcp-platform.fcgi" || true
}
stdio_children() {
	local w n=0
	# (a log shipper, forked from a worker, is not one)
	for w in $(workers); do
		n=$((n + $(pgrep -c -P "$w" -f mcp-server-everything || true)))
	done
	echo "$n"
}

@test "the first start built the segment with one error-log line; an idle scrape passes promtool" {
	wait_grep "node.shm' rebuilt (found: missing)" "$ELOG"
	[ "$(grep -c "shared segment" "$ELOG")" -eq 1 ]
	scrape "$BATS_TEST_TMPDIR/m"
	curl -s -D - -o /dev/null "$BASE/metrics" | grep -qi '^content-type: text/plain; version=0.0.4'
	promtool check metrics <"$BATS_TEST_TMPDIR/m"
	[ "$(metric "$BATS_TEST_TMPDIR/m" mcp_metrics_shared)" = 1 ]
	grep -q '^mcp_spool_backlog_bytes ' "$BATS_TEST_TMPDIR/m"
	grep -q '^mcp_request_duration_seconds_bucket{le="+Inf"} ' "$BATS_TEST_TMPDIR/m"
}

@test "counters summed over the workers move by exactly the calls made" {
	local m=$BATS_TEST_TMPDIR/m n=24 i sid
	sid=$(session)
	[ -n "$sid" ]
	# initialize's series appear once its record is written
	wait_for metric_is "$m" 'mcp_requests_total{tenant="demo",server="everything",method="initialize",code="2xx"}' 1
	before=$(metric "$m" mcp_request_duration_seconds_count)
	before_up=$(metric "$m" mcp_upstream_duration_seconds_count)
	# concurrent calls: lighttpd spreads them over its workers
	for i in $(seq $n); do
		in_bg call "$sid" $((i + 1)) tools/call '{"name":"echo","arguments":{"message":"m'$i'"}}'
	done
	wait_bg
	call "$sid" 99 tools/list
	wait_for metric_is "$m" 'mcp_requests_total{tenant="demo",server="everything",method="tools/list",code="2xx"}' 1
	wait_for metric_is "$m" 'mcp_requests_total{tenant="demo",server="everything",method="tools/call",code="2xx"}' $n
	[ "$(metric "$m" mcp_request_duration_seconds_count)" -eq $((before + n + 1)) ]
	[ "$(metric "$m" mcp_upstream_duration_seconds_count)" -eq $((before_up + n + 1)) ]
	# A refused request (401): no tenant known, no body read: no labels.
	curl -s -o /dev/null "$BASE/mcp/demo/everything" -H 'Content-Type: application/json' \
	    -H "Accept: $ACCEPT" --data-binary "$INIT"
	wait_for metric_is "$m" 'mcp_requests_total{tenant="",server="",method="none",code="4xx"}' 1
	promtool check metrics <"$m"

	# More than one worker served, and each scrape -- whichever worker
	# answers it -- tells the same sums: ten at once, all equal.
	[ "$(metric "$m" mcp_workers)" -ge 2 ]
	for i in $(seq 10); do in_bg scrape "$BATS_TEST_TMPDIR/s$i"; done
	wait_bg
	for i in $(seq 10); do
		[ "$(metric "$BATS_TEST_TMPDIR/s$i" 'mcp_requests_total{tenant="demo",server="everything",method="tools/call",code="2xx"}')" = $n ]
		[ "$(metric "$BATS_TEST_TMPDIR/s$i" mcp_stdio_spawns_total)" = \
		    "$(metric "$m" mcp_stdio_spawns_total)" ]
	done
	# The warm-children gauge is the sum of the workers' pools: the
	# stdio children running under the workers right now.
	warm=$(metric "$m" mcp_stdio_warm_children)
	[ "$warm" -ge 2 ] || { echo "only $warm warm children: one worker served all" >&2; return 1; }
	[ "$warm" -eq "$(stdio_children)" ]
	[ "$(metric "$m" mcp_stdio_spawns_total)" -ge "$warm" ]
	[ "$(metric "$m" mcp_resolve_cache_hits_total)" -ge 1 ]
	[ "$(metric "$m" mcp_resolve_cache_misses_total)" -ge 1 ]
}

@test "an upstream failure is counted by kind" {
	local m=$BATS_TEST_TMPDIR/m
	scrape "$m"
	before=$(metric "$m" 'mcp_upstream_errors_total{kind="unavailable"}')
	# everything-http points at a free port nobody listens on
	http POST "$BASE/mcp/demo/everything-http" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 502
	wait_for metric_is "$m" 'mcp_requests_total{tenant="demo",server="everything-http",method="initialize",code="5xx"}' 1
	[ "$(metric "$m" 'mcp_upstream_errors_total{kind="unavailable"}')" -eq $((before + 1)) ]
	[ "$(metric "$m" 'mcp_upstream_errors_total{kind="timeout"}')" -eq 0 ]
}

@test "a damaged segment is rebuilt at start with one error-log line" {
	stack_stop_platform
	wait_for bash -c "[ -z \"\$(pgrep -f '^$STACK_DIR/bin/mcp-platform.fcgi')\" ]"
	printf 'garbage!' | dd of="$STACK_DIR/platform/data/node.shm" conv=notrunc status=none
	: > "$ELOG"
	stack_start_platform "$STACK_PLATFORM_PORT" lighttpd
	# lighttpd starts its four workers at once: one rebuilds, the others
	# wait for it and use its segment.
	scrape "$BATS_TEST_TMPDIR/m"
	wait_grep "node.shm' rebuilt (found: damaged header)" "$ELOG"
	wait_for bash -c "[ \"\$(pgrep -fc '^$STACK_DIR/bin/mcp-platform.fcgi')\" -ge 4 ]"
	scrape "$BATS_TEST_TMPDIR/m"
	[ "$(grep -c "shared segment" "$ELOG")" -eq 1 ]
	[ "$(metric "$BATS_TEST_TMPDIR/m" mcp_metrics_shared)" = 1 ]
	# started again from zero
	[ -z "$(metric "$BATS_TEST_TMPDIR/m" 'mcp_requests_total{tenant="demo",server="everything",method="tools/call",code="2xx"}')" ]
}

@test "outside the allow-list: 403; the bearer token from metrics_token_file gets in" {
	stack_stop_platform
	wait_for bash -c "[ -z \"\$(pgrep -f '^$STACK_DIR/bin/mcp-platform.fcgi')\" ]"
	openssl rand -hex 24 | tr -d '\n' > "$BATS_TEST_TMPDIR/token"
	stack_copy_secret "$STACK_USER" "$BATS_TEST_TMPDIR/token" \
	    "$STACK_DIR/platform/secrets/metrics-token"
	export STACK_PLATFORM_CONF_EXTRA="metrics_loopback = 0
metrics_token_file = $STACK_DIR/platform/secrets/metrics-token"
	stack_start_platform "$STACK_PLATFORM_PORT" lighttpd
	# loopback no longer counts: every client is "outside"
	http GET "$BASE/metrics"
	assert_status 403
	assert_json '.error.code == "forbidden"'
	http GET "$BASE/metrics" -H "Authorization: Bearer wrong-$(cat "$BATS_TEST_TMPDIR/token")"
	assert_status 403
	http GET "$BASE/metrics" -H "Authorization: Basic $(cat "$BATS_TEST_TMPDIR/token")"
	assert_status 403
	scrape "$BATS_TEST_TMPDIR/m" -H "Authorization: Bearer $(cat "$BATS_TEST_TMPDIR/token")"
	promtool check metrics <"$BATS_TEST_TMPDIR/m"
	# the token never reaches a log
	! grep -qF "$(cat "$BATS_TEST_TMPDIR/token")" "$ELOG" "$STACK_DIR/platform/access.log" || false
	unset STACK_PLATFORM_CONF_EXTRA
}
