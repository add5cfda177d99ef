#!/usr/bin/env bats
# The http upstream (src/mcp/upstream_http.c) against a real Streamable HTTP
# server: @modelcontextprotocol/server-everything's "streamableHttp"
# transport. initialize (and notifications/initialized), tools/list,
# tools/call echo, progress notifications relayed event by event,
# notifications answered 202, DELETE of the session.
#
# No stack: one node process on a free loopback port. The C side is the
# unit-test binary in its "live URL" mode (tests/unit/test_upstream_http.c).
# server-everything takes its port from PORT and listens on every
# interface; deploy/local/loopback.cjs makes it bind 127.0.0.1 only.

load helpers

setup_file() {
	export EV_DIR EV_PORT EV_PID EV_NODE
	EV_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mcp-ev.XXXXXX")
	EV_NODE=$TOP/node_modules/.bin/node
	[ -x "$EV_NODE" ] || EV_NODE=$(command -v node)
	EV_PORT=$(STACK_NODE=$EV_NODE stack_free_port)
	PORT=$EV_PORT "$EV_NODE" --require "$TOP/deploy/local/loopback.cjs" \
	    "$TOP/node_modules/.bin/mcp-server-everything" streamableHttp \
	    >"$EV_DIR/server.log" 2>&1 &
	EV_PID=$!
	stack_wait_http "http://127.0.0.1:$EV_PORT/mcp" || {
		cat "$EV_DIR/server.log" >&2
		return 1
	}
}

teardown_file() {
	if [ -n "${EV_PID:-}" ]; then
		kill "$EV_PID" 2>/dev/null || true
		wait "$EV_PID" 2>/dev/null || true
	fi
	[ -n "${EV_DIR:-}" ] && rm -rf "$EV_DIR"
}

@test "server-everything listens on 127.0.0.1 only" {
	command -v ss >/dev/null || skip "no ss"
	run ss -ltnH "sport = :$EV_PORT"
	[ "$status" -eq 0 ]
	[ -n "$output" ]
	! grep -vq "127.0.0.1:$EV_PORT" <<<"$output"
}

@test "upstream_http: initialize, tools/list, echo, progress, 202, delete" {
	[ -x "$TOP/build/tests/test_upstream_http" ] || skip "not built"
	run "$TOP/build/tests/test_upstream_http" live \
	    "http://127.0.0.1:$EV_PORT/mcp"
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -q '^not ok' <<<"$output" || false
	grep -q '^# tools/call echo: Echo: hi there' <<<"$output"
}
