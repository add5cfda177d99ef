#!/usr/bin/env bats
# The platform under lighttpd (mod_fastcgi): health, readiness, bounds,
# JSON errors and X-Request-Id on every response.

load helpers

setup_file() {
	stack_up lighttpd
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
}
teardown_file() { stack_down; }

@test "healthz answers 200 with a request id" {
	http GET "$BASE/healthz"
	assert_status 200
	assert_json '.status == "ok"'
	[[ "$(header x-request-id)" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]
}

@test "every response gets its own request id" {
	http GET "$BASE/healthz"
	a=$(header x-request-id)
	http GET "$BASE/healthz"
	b=$(header x-request-id)
	[ -n "$a" ] && [ "$a" != "$b" ]
}

@test "readyz answers 200 while supabase-local is up" {
	http GET "$BASE/readyz"
	assert_status 200
	assert_json '.status == "ready"'
}

@test "unknown path is a JSON 404 with a request id" {
	http GET "$BASE/no/such/thing"
	assert_status 404
	assert_json '.error.code == "not_found"'
	[ -n "$(header x-request-id)" ]
}

@test "wrong method on a known path is 405 with Allow" {
	http POST "$BASE/healthz" -H 'Content-Type: application/json' -d '{}'
	assert_status 405
	assert_json '.error.code == "method_not_allowed"'
	[[ "$(header allow)" == *GET* ]]
}

@test "a body over max_body is refused with 413 JSON before it is read" {
	# 2 MiB declared and sent; the platform's default max_body is 1 MiB.
	head -c 2097152 /dev/zero | tr '\0' 'a' >"$BATS_TEST_TMPDIR/big"
	http POST "$BASE/healthz" -H 'Content-Type: application/json' \
	    --data-binary "@$BATS_TEST_TMPDIR/big"
	assert_status 413
	assert_json '.error.code == "payload_too_large"'
	[ -n "$(header x-request-id)" ]
}

@test "an oversized path is refused with a JSON error" {
	long=$(head -c 3000 /dev/zero | tr '\0' 'a')
	http GET "$BASE/$long"
	[ "$status" = 414 ] || [ "$status" = 400 ] || [ "$status" = 404 ]
	assert_json '.error.code | type == "string"'
}

@test "responses are not cached" {
	http GET "$BASE/readyz"
	[[ "$(header cache-control)" == *no-store* ]]
}

@test "a client's Proxy header does not break the worker" {
	http GET "$BASE/readyz" -H 'Proxy: http://127.0.0.1:9/'
	assert_status 200
}

@test "readyz answers 503 while supabase-local is down, 200 again after" {
	stack_stop_supabase
	http GET "$BASE/readyz"
	assert_status 503
	assert_json '.status == "unavailable"'
	http GET "$BASE/healthz"
	assert_status 200
	stack_start_supabase "$STACK_SUPABASE_PORT"
	http GET "$BASE/readyz"
	assert_status 200
}

@test "the access log carries the request id" {
	http GET "$BASE/healthz?probe=accesslog"
	rid=$(header x-request-id)
	wait_grep "rid=$rid" "$STACK_DIR/platform/access.log"
}

@test "lighttpd: healthz and readyz answer while every MCP worker is busy" {
	# 4 = the MCP workers (lighttpd max-procs, FcgidMaxProcessesPerClass)
	busy_workers 4 20
	http GET "$BASE/healthz"
	assert_status 200
	http GET "$BASE/readyz"
	assert_status 200
	# answered while all four calls still held their workers
	n=$(busy_done)
	stop_busy
	[ "$n" -eq 0 ]
}
