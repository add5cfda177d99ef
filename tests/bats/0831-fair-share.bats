#!/usr/bin/env bats
# No tenant can starve the others (issue 13 item 4): with four MCP workers
# and the default limit_tenant_share of 75 %, one tenant holds at most
# three of them in flight; its fourth call is refused at once (429,
# concurrency, scope tenant) and another tenant's call is answered
# promptly while the first tenant's three calls run. And the per-tenant
# cap on warm stdio children across the node's workers
# (stdio_tenant_warm_max). docs/configuration.md "Fair share".

load helpers

setup_file() {
	export STACK_FAIR_SHARE=1
	export STACK_PLATFORM_CONF_EXTRA="node_workers = 4
stdio_tenant_warm_max = 2"
	stack_up lighttpd
	unset STACK_PLATFORM_CONF_EXTRA
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	# a second tenant, with its own user
	local tok=$DEMO_ACCESS_TOKEN
	DEMO_TENANT=other DEMO_EMAIL=other@example.com \
	    DEMO_PASSWORD=other-password-1 stack_seed_demo
	export OTHER_ACCESS_TOKEN=$DEMO_ACCESS_TOKEN
	export DEMO_ACCESS_TOKEN=$tok
	stack_psql -v fixture="$TOP/tests/fixtures/slow-server.mjs" <<-'SQL' >/dev/null
		insert into public.mcp_servers (slug, name, transport, argv, network)
		values ('slow', 'Slow fixture (stdio)', 'stdio',
		        array['node', :'fixture'], 'none');
		insert into public.tenant_servers (tenant_id, server_id, alias)
		select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
		 where t.slug in ('demo', 'other') and s.slug = 'slow';
	SQL
	export ERRLOG=$STACK_DIR/platform/error.log
}
teardown_file() { stack_down; }

INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# mcp TENANT TOKEN BODY [curl args]
mcp() {
	http POST "$BASE/mcp/$1/slow" -H "Authorization: Bearer $2" \
	    -H 'Content-Type: application/json' \
	    -H 'Accept: application/json, text/event-stream' "${@:4}" \
	    --data-binary "$3"
}
session() { mcp "$1" "$2" "$INIT"; assert_status 200; SID=$(header mcp-session-id); }
call() { mcp "$1" "$2" "$3" -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25'; }

lighttpd_pid() { cat "$STACK_DIR/platform/lighttpd.pid"; }
workers() { pgrep -P "$(lighttpd_pid)"; }
# warm_of TENANT: live slow-server children of the tenant under the MCP
# workers (its working directory is <data_dir>/tenants/<tenant id>/slow)
warm_of() {
	local w c n=0 tid
	tid=$(stack_psql -Atc "select id from public.tenants where slug = '$1'")
	for w in $(workers); do
		for c in $(pgrep -P "$w"); do
			case $(readlink "/proc/$c/cwd" 2>/dev/null) in
			*/tenants/$tid/slow) n=$((n + 1)) ;;
			esac
		done
	done
	echo "$n"
}

warm_at_most() { [ "$(warm_of "$1")" -le "$2" ]; }

@test "one tenant holds at most 3 of 4 workers; another tenant is answered at once" {
	local d=$BATS_TEST_TMPDIR i t0 t1 started
	session demo "$DEMO_ACCESS_TOKEN"
	for i in 1 2 3; do
		in_bg curl -sN -o "$d/slow.$i" --max-time 30 -X POST "$BASE/mcp/demo/slow" \
		    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
		    -H 'Content-Type: application/json' \
		    -H 'Accept: application/json, text/event-stream' \
		    -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
		    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":$((10 + i)),\"method\":\"tools/call\",\"params\":{\"name\":\"slow\",\"arguments\":{\"ms\":8000}}}"
	done
	# all three hold a worker once their first beat arrived
	started() { local n=0 f; for f in "$d"/slow.*; do [ -s "$f" ] && n=$((n + 1)); done; [ "$n" -ge 3 ]; }
	wait_for started
	# the demo tenant's fourth call: refused at once, not queued
	call demo "$DEMO_ACCESS_TOKEN" '{"jsonrpc":"2.0","id":20,"method":"tools/call","params":{"name":"echo","arguments":{"message":"fourth"}}}'
	echo "demo's fourth: $status $body" >&2
	assert_status 429
	assert_json '.error.data.scope == "tenant" and .error.data.reason == "concurrency" and .error.data.limit == 3'
	# another tenant: answered while demo's three calls still run
	t0=$(date +%s%N)
	session other "$OTHER_ACCESS_TOKEN"
	call other "$OTHER_ACCESS_TOKEN" '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"other tenant"}}}'
	t1=$(date +%s%N)
	echo "other tenant answered $status in $(( (t1 - t0) / 1000000 )) ms" >&2
	assert_status 200
	[[ $body == *"other tenant"* ]]
	[ $(( (t1 - t0) / 1000000 )) -lt 4000 ]
	# demo's calls were still running then
	! grep -q 'slept 8000' "$d"/slow.*
	wait_bg
	[ "$(grep -l 'slept 8000' "$d"/slow.* | wc -l)" -eq 3 ]
}

@test "a tenant keeps at most stdio_tenant_warm_max warm children on the node" {
	local d=$BATS_TEST_TMPDIR i
	session demo "$DEMO_ACCESS_TOKEN"
	# three calls at once: three workers, each with a child for demo
	for i in 1 2 3; do
		in_bg curl -sN -o "$d/w.$i" --max-time 30 -X POST "$BASE/mcp/demo/slow" \
		    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
		    -H 'Content-Type: application/json' \
		    -H 'Accept: application/json, text/event-stream' \
		    -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
		    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":$((30 + i)),\"method\":\"tools/call\",\"params\":{\"name\":\"slow\",\"arguments\":{\"ms\":2500}}}"
	done
	wait_bg
	[ "$(grep -l 'slept 2500' "$d"/w.* | wc -l)" -eq 3 ]
	# the one over the cap served its call and was retired
	wait_grep "not kept warm: its tenant has 2 warm children on the node" "$ERRLOG"
	WAIT_FOR_S=20 wait_for warm_at_most demo 2
	echo "demo's warm children: $(warm_of demo)" >&2
	[ "$(warm_of demo)" -eq 2 ]
	# the other tenant is not counted against demo: it still gets one
	session other "$OTHER_ACCESS_TOKEN"
	call other "$OTHER_ACCESS_TOKEN" '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":"x"}}}'
	assert_status 200
	[ "$(warm_of other)" -ge 1 ]
}
