#!/usr/bin/env bats
# The stdio children's lifecycle (issue 13, item 5), under lighttpd: idle
# children end on time with no request coming (the worker waits in
# poll(2) with a timeout, src/main.c), a child is recycled after
# stdio_max_calls, initialize is bounded by stdio_init_ms, and kill -9 of
# a worker leaves no orphaned child and no zombie.

load helpers

IDLE=2

setup_file() {
	export STACK_PLATFORM_CONF_EXTRA="stdio_idle = $IDLE
stdio_max_calls = 3
stdio_init_ms = 10000"
	stack_up lighttpd
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	# A catalog entry whose program never answers initialize.
	stack_psql <<-SQL >/dev/null
		insert into public.mcp_servers (slug, name, transport, argv)
		values ('mute', 'Never answers', 'stdio', array['sleep', '600']);
		insert into public.tenant_servers (tenant_id, server_id, alias)
		select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
		 where t.slug = 'demo' and s.slug = 'mute';
	SQL
	export ERRLOG=$STACK_DIR/platform/error.log
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

mcp() {
	http POST "$BASE/mcp/demo/$1" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" "${@:3}" \
	    --data-binary "$2"
}

session() {
	mcp "$1" "$INIT"
	assert_status 200
	SID=$(header mcp-session-id)
}

call() {
	mcp "$1" "$2" -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25'
}

lighttpd_pid() { cat "$STACK_DIR/platform/lighttpd.pid"; }
workers() { pgrep -P "$(lighttpd_pid)"; }

# descendants PID: every process below PID, one a line
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# All the workers' descendants (stdio children and what they started).
all_children() {
	local w
	for w in $(workers); do descendants "$w"; done
}
no_children() { [ -z "$(all_children)" ]; }

# vanished PID...: none exists any more, not even as a zombie
vanished() {
	local p
	for p in "$@"; do [ ! -e "/proc/$p" ] || return 1; done
}

# No zombie anywhere under the web server.
no_zombie_under_lighttpd() {
	local p
	for p in $(workers) $(all_children); do
		[ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" != Z ] || return 1
	done
}

@test "idle children end on time although no request comes" {
	local t0 t1
	session everything
	call everything '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
	assert_status 200
	[ -n "$(all_children)" ]
	t0=$(date +%s%N)
	# no request from here on
	WAIT_FOR_S=30 wait_for no_children ||
	    { ps -o pid,ppid,stat,etimes,args -p "$(all_children | paste -sd,)" >&2; false; }
	t1=$(date +%s%N)
	echo "children gone $(( (t1 - t0) / 1000000 )) ms after the last call (stdio_idle $IDLE s)" >&2
	# idle + the worker's 1 s tick + the orderly end (2 x 200 ms), with
	# slack for a busy 2-core machine (6.5 s seen in CI); without the
	# tick they would never end, since no request comes
	[ $(( (t1 - t0) / 1000000 )) -le $(( IDLE * 1000 + 10000 )) ]
	# a process that just exited is a zombie until its parent reaps it;
	# one that stays fails
	WAIT_FOR_S=20 wait_for no_zombie_under_lighttpd
}

@test "a child is recycled after stdio_max_calls calls" {
	local i
	session everything
	for i in $(seq 8); do
		call everything "{\"jsonrpc\":\"2.0\",\"id\":$((i + 2)),\"method\":\"tools/list\"}"
		assert_status 200
	done
	wait_grep "served 3 calls: recycled" "$ERRLOG"
}

@test "initialize is bounded by stdio_init_ms" {
	local t0 t1
	t0=$(date +%s%N)
	mcp mute "$INIT"
	t1=$(date +%s%N)
	echo "answered $status after $(( (t1 - t0) / 1000000 )) ms: $body" >&2
	[ "$status" -ge 500 ]
	assert_json '.error.code < 0'
	# 10 s, not the 30 s call deadline
	[ $(( (t1 - t0) / 1000000 )) -lt 25000 ]
	wait_grep "no InitializeResult within 10000 ms" "$ERRLOG"
	# the mute child was killed and reaped
	WAIT_FOR_S=10 wait_for test -z "$(pgrep -f 'sleep 600')"
}

@test "kill -9 of a worker: no orphaned child, no zombie" {
	local i w kids before
	# a worker with a warm child (stdio_idle is short here: look at
	# once after a call)
	session everything
	warm_worker() {
		local p
		call everything '{"jsonrpc":"2.0","id":20,"method":"tools/list"}'
		for p in $(workers); do
			kids=$(descendants "$p")
			if [ -n "$kids" ]; then w=$p; return 0; fi
		done
		return 1
	}
	wait_for warm_worker
	before=$(workers | wc -l)
	echo "killing worker $w with children $(echo $kids)" >&2
	kill -KILL "$w"
	# its children end with it (PR_SET_PDEATHSIG) and are reaped: gone
	# from the process table, not left as zombies
	WAIT_FOR_S=20 wait_for vanished "$w" $kids
	# lighttpd reaps the worker and starts a new one; nothing under it
	# is a zombie
	WAIT_FOR_S=20 wait_for no_zombie_under_lighttpd
	wait_for test "$(workers | wc -l)" -ge "$before"
	call everything '{"jsonrpc":"2.0","id":99,"method":"tools/list"}'
	assert_status 200
	# no process of this stack's tenants outside a worker: whatever runs
	# in a tenant's working directory has a worker as an ancestor
	for i in $(pgrep -f mcp-server-everything); do
		case "$(readlink "/proc/$i/cwd" 2>/dev/null)" in
		"$STACK_DIR"/*) all_children | grep -qx "$i" ;;
		esac
	done
}
