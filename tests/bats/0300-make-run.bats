#!/usr/bin/env bats
# `make run` (deploy/local/run.sh): starts the whole stack, seeds the demo
# tenant, writes demo.env, answers, keeps data across runs, and stops
# everything on SIGTERM.

load helpers

setup_file() {
	export VAR_DIR
	VAR_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mcp-run.XXXXXX")
	chmod 755 "$VAR_DIR"
	STACK_NODE="$TOP/node_modules/.bin/node"
	export PORT SUPABASE_PORT
	PORT=$(stack_free_port)
	SUPABASE_PORT=$(stack_free_port)
}

teardown_file() {
	STACK_DIR=$VAR_DIR/stack stack_stop
	rm -rf "$VAR_DIR"
}

# start_run: run.sh in the background until its ready: line (or 120 s)
start_run() {
	bash "$TOP/deploy/local/run.sh" >"$VAR_DIR/run.out" 2>&1 &
	RUN_PID=$!
	for _ in $(seq 1200); do
		grep -q '^ready: ' "$VAR_DIR/run.out" && return 0
		kill -0 "$RUN_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$VAR_DIR/run.out" >&2
	return 1
}

# The background run.sh has exited (a zombie until we wait for it).
run_ended() {
	local st
	st=$(ps -o stat= -p "$RUN_PID" 2>/dev/null) || return 0
	[[ "$st" == Z* ]]
}

stop_run() {
	kill -TERM "$RUN_PID"
	wait "$RUN_PID" || true
}

@test "make run starts everything and prints a ready: line" {
	start_run
	grep -q "^ready: http://127.0.0.1:$PORT" "$VAR_DIR/run.out"
	http GET "http://127.0.0.1:$PORT/healthz"
	assert_status 200
	http GET "http://127.0.0.1:$PORT/readyz"
	assert_status 200
	stop_run
}

@test "make run announces each step in plain words, nothing else before ready:" {
	start_run
	sed -n '1,/^ready: /p' "$VAR_DIR/run.out" >"$BATS_TEST_TMPDIR/before"
	cat >"$BATS_TEST_TMPDIR/want" <<EOF
preparing $VAR_DIR/stack (binaries, secrets)...
starting PostgreSQL...
migrating the database...
starting supabase-local on 127.0.0.1:$SUPABASE_PORT...
starting the platform under lighttpd on 127.0.0.1:$PORT...
starting server-everything over HTTP (the everything-http entry)...
seeding the demo tenant and catalog...

EOF
	grep '^ready: ' "$VAR_DIR/run.out" >>"$BATS_TEST_TMPDIR/want"
	diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/before"
	stop_run
}

@test "a step that fails says which, shows where its log is, and stops the rest" {
	# A lighttpd that cannot start: supabase-local's step fails.
	run env LIGHTTPD=/bin/false bash "$TOP/deploy/local/run.sh"
	[ "$status" -ne 0 ]
	[[ "$output" == *"run: starting supabase-local on 127.0.0.1:$SUPABASE_PORT failed"* ]]
	[[ "$output" == *"its log: $VAR_DIR/stack/supabase/error.log"* ]]
	[[ "$output" == *"this run: $VAR_DIR/run.log"* ]]
	[[ "$output" != *"ready: "* ]]
	# PostgreSQL, started before the failing step, is stopped again
	! pgrep -f "$VAR_DIR/stack" >/dev/null
}

@test "demo.env holds the endpoints, keys and a working demo token" {
	start_run
	f=$VAR_DIR/demo.env
	[ "$(stat -c %a "$f")" = 600 ]
	for k in MCP_BASE_URL SUPABASE_URL SUPABASE_PUBLISHABLE_KEY SUPABASE_SECRET_KEY \
	    SUPABASE_JWT_SECRET DEMO_TENANT DEMO_EMAIL DEMO_PASSWORD DEMO_ACCESS_TOKEN; do
		grep -q "^$k=." "$f" || { echo "missing $k" >&2; false; }
	done
	. "$f"
	[ "$DEMO_TENANT" = demo ]
	[ "$DEMO_EMAIL" = demo@example.com ]
	# The token is the demo user's: RLS shows them their tenant and its servers.
	http GET "$SUPABASE_URL/rest/v1/tenants?select=slug" \
	    -H "apikey: $SUPABASE_PUBLISHABLE_KEY" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 200
	assert_json '. == [{"slug":"demo"}]'
	http GET "$SUPABASE_URL/rest/v1/tenant_servers?select=alias&order=alias" \
	    -H "apikey: $SUPABASE_PUBLISHABLE_KEY" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 200
	assert_json '[.[].alias] == ["everything","everything-http","memory"]'
	stop_run
}

@test "a second run keeps the data" {
	start_run
	. "$VAR_DIR/demo.env"
	stack_psql() { psql -X -q -At "$SUPABASE_DB" "$@"; }
	stack_psql -c "insert into public.tenants (slug, name) values ('kept', 'Kept')"
	stop_run
	start_run
	[ "$(stack_psql -c "select count(*) from public.tenants where slug = 'kept'")" = 1 ]
	[ "$(stack_psql -c "select count(*) from auth.users where email = 'demo@example.com'")" = 1 ]
	stop_run
}

@test "SIGTERM stops every process the run started" {
	start_run
	stop_run
	! pgrep -f "$VAR_DIR/stack" >/dev/null || false
	! curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/healthz" || false
	grep -q '^stopping' "$VAR_DIR/run.out"
}

@test "make stop from another shell ends a foreground make run" {
	start_run
	run bash "$TOP/deploy/local/run.sh" stop
	[ "$status" -eq 0 ]
	# the foreground run notices and exits by itself (within seconds; the
	# bound is generous for a busy machine)
	wait_for run_ended
	wait "$RUN_PID"
	! curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/healthz" || false
}
