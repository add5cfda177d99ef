#!/usr/bin/env bats
# The request log's first sink: <log_dir>/requests.jsonl, one line per
# /mcp/ request (refused ones included), written after the response,
# redacted, joinable with the access log by request id.

load helpers

setup_file() {
	stack_up lighttpd
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	export LOG="$STACK_DIR/platform/log/requests.jsonl"
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# wait_lines N: wait until the log holds at least N lines (written off the
# client's clock, so shortly after the answers)
log_has_lines() { [ "$(wc -l <"$LOG" 2>/dev/null || echo 0)" -ge "$1" ]; }
wait_lines() { wait_for log_has_lines "$1"; }

@test "N concurrent requests give exactly N lines with matching request ids" {
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	sid=$(header mcp-session-id)
	wait_lines 1
	before=$(wc -l <"$LOG")
	n=20
	for i in $(seq $n); do
		in_bg curl -s -o /dev/null -D "$BATS_TEST_TMPDIR/h$i" "$BASE/mcp/demo/everything" \
		    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -H 'Content-Type: application/json' \
		    -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' \
		    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"m$i\"}}}"
	done
	wait_bg
	wait_lines $((before + n))
	sleep 0.3
	[ "$(wc -l <"$LOG")" -eq $((before + n)) ]
	tail -n $n "$LOG" >"$BATS_TEST_TMPDIR/lines"
	# every line is one JSON object
	jq -e -s "length == $n" "$BATS_TEST_TMPDIR/lines"
	for i in $(seq $n); do
		rid=$(sed -n 's/^X-Request-Id: //Ip' "$BATS_TEST_TMPDIR/h$i" | tr -d '\r')
		# (-s: jq 1.6's -e fails when the last input yields nothing;
		# upstream_ms is whole ms from the stdio module's own clock)
		jq -e -s --arg r "$rid" 'map(select(.request_id == $r)) |
		    length == 1 and (.[0] | .method == "tools/call" and
		    .tool == "echo" and .http_status == 200 and .tenant_slug == "demo" and
		    .server_alias == "everything" and .caller_kind == "user" and
		    .protocol_version == "2025-11-25" and .upstream_protocol_version != null and
		    .total_ms + 1 >= .upstream_ms)' "$BATS_TEST_TMPDIR/lines" >/dev/null ||
		    { echo "no good line for $rid:" >&2
		      grep "$rid" "$BATS_TEST_TMPDIR/lines" >&2; return 1; }
	done
}

@test "refused requests are logged with what is known" {
	wait_lines 1
	before=$(wc -l <"$LOG")
	http POST "$BASE/mcp/demo/everything" -H 'Content-Type: application/json' \
	    -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 401
	rid=$(header x-request-id)
	wait_lines $((before + 1))
	tail -1 "$LOG" | jq -e --arg r "$rid" '.request_id == $r and .http_status == 401 and
	    .tenant_slug == "demo" and .server_alias == "everything" and .caller_id == null'
}

@test "no token, session id or Authorization value reaches the log" {
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	sid=$(header mcp-session-id)
	# a client that puts a token inside its own arguments
	curl -s -o /dev/null "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $sid" \
	    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"x\",\"authorization\":\"Bearer $DEMO_ACCESS_TOKEN\"}}}" \
	    -D "$BATS_TEST_TMPDIR/h5"
	# both lines are written before the log is searched
	wait_grep "\"request_id\":\"$(header x-request-id)\"" "$LOG"
	wait_grep "\"request_id\":\"$(sed -n 's/^X-Request-Id: //Ip' "$BATS_TEST_TMPDIR/h5" | tr -d '\r')\"" "$LOG"
	! grep -q "$DEMO_ACCESS_TOKEN" "$LOG" || false
	! grep -q "$sid" "$LOG" || false
	grep -q '\[redacted\]' "$LOG"
}

@test "a rotated log file is reopened: the next line goes to a new file" {
	wait_lines 1
	mv "$LOG" "$LOG.1"
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	rid=$(header x-request-id)
	wait_lines 1
	[ "$(wc -l <"$LOG")" -eq 1 ]
	jq -e --arg r "$rid" '.request_id == $r' "$LOG"
	! grep -q "$rid" "$LOG.1"
}

@test "the access log and requests.jsonl join on the request id" {
	http GET "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	rid=$(header x-request-id)
	wait_grep "rid=$rid" "$STACK_DIR/platform/access.log"
	wait_grep "$rid" "$LOG"
	grep -q "\"request_id\":\"$rid\"" "$LOG"
}

@test "initialize is logged with its response body, redacted like the rest" {
	wait_lines 1
	before=$(wc -l <"$LOG")
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 200
	rid=$(header x-request-id)
	wait_lines $((before + 1))
	wait_grep "$rid" "$LOG"
	grep "\"request_id\":\"$rid\"" "$LOG" | jq -e '.method == "initialize" and
	    (.request_body | fromjson | .params.clientInfo.name == "bats") and
	    (.response_body | fromjson | .id == 1 and
	     .result.protocolVersion == "2025-11-25" and
	     (.result.serverInfo.name | type == "string"))'
}
