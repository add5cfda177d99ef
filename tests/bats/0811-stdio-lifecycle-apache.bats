#!/usr/bin/env bats
# The stdio lifecycle under Apache (mod_fcgid): kill -9 of a worker leaves
# no orphaned child and no zombie, and idle children end without a
# request (0810 has the lighttpd side and the rest).

load helpers

IDLE=2

setup_file() {
	export STACK_PLATFORM_CONF_EXTRA="stdio_idle = $IDLE"
	stack_up apache
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

mcp() {
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" "${@:2}" \
	    --data-binary "$1"
}

call() { mcp "$1" -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25'; }

# This stack's workers: the copy of the binary in its own bin/.
workers() { pgrep -f "^$STACK_DIR/bin/mcp-platform.fcgi" || true; }

descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}
all_children() {
	local w
	for w in $(workers); do descendants "$w"; done
}
no_children() { [ -z "$(all_children)" ]; }
vanished() {
	local p
	for p in "$@"; do [ ! -e "/proc/$p" ] || return 1; done
}
# nothing under Apache's main process is a zombie
no_zombie_under_apache() {
	local p
	for p in $(descendants "$(cat "$STACK_DIR/apache/httpd.pid")"); do
		[ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" != Z ] || return 1
	done
}

@test "apache: kill -9 of a worker: no orphaned child, no zombie" {
	local w kids
	mcp "$INIT"
	assert_status 200
	SID=$(header mcp-session-id)
	warm_worker() {
		local p
		call '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
		for p in $(workers); do
			kids=$(descendants "$p")
			if [ -n "$kids" ]; then w=$p; return 0; fi
		done
		return 1
	}
	wait_for warm_worker
	echo "killing worker $w with children $(echo $kids)" >&2
	kill -KILL "$w"
	WAIT_FOR_S=20 wait_for vanished "$w" $kids
	WAIT_FOR_S=20 wait_for no_zombie_under_apache
	call '{"jsonrpc":"2.0","id":3,"method":"tools/list"}'
	assert_status 200
}

@test "apache: idle children end on time although no request comes" {
	local t0 t1
	mcp "$INIT"
	assert_status 200
	SID=$(header mcp-session-id)
	call '{"jsonrpc":"2.0","id":4,"method":"tools/list"}'
	assert_status 200
	[ -n "$(all_children)" ]
	t0=$(date +%s%N)
	WAIT_FOR_S=30 wait_for no_children
	t1=$(date +%s%N)
	echo "children gone $(( (t1 - t0) / 1000000 )) ms after the last call (stdio_idle $IDLE s)" >&2
	[ $(( (t1 - t0) / 1000000 )) -le $(( IDLE * 1000 + 10000 )) ]
	# mod_fcgid's process manager reaps an exited worker every few
	# seconds: a zombie may be seen for a moment; one that stays fails.
	WAIT_FOR_S=20 wait_for no_zombie_under_apache
}
