#!/usr/bin/env bats
# Plain CGI mode (shared hosting with only cgi-bin/), --check-config, and a
# bad configuration reaching the web server's error log as one line.

load helpers

BIN="$TOP/build/mcp-platform.fcgi"

setup() {
	D=$BATS_TEST_TMPDIR
	printf 'sb_secret_test' >"$D/sk"
	chmod 600 "$D/sk"
	printf 'supabase_url = http://127.0.0.1:9\nsupabase_secret_key_file = %s\n' \
	    "$D/sk" >"$D/ok.conf"
}

cgi() {
	env -i PATH=/usr/bin:/bin MCP_PLATFORM_CONF="$D/ok.conf" \
	    GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 "$@" "$BIN" \
	    2>"$D/stderr"
}

@test "plain CGI: healthz prints a CGI response with Status and X-Request-Id" {
	run cgi REQUEST_METHOD=GET PATH_INFO=/healthz </dev/null
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Status: 200"* ]]
	[[ "$output" == *"X-Request-Id: "* ]]
	[[ "$output" == *'{"status":"ok"}'* ]]
}

@test "plain CGI: an oversized CONTENT_LENGTH is 413 without reading stdin" {
	# stdin is a FIFO held open (fd 4) that never ends: reading it would
	# hang until timeout(1) kills the program, after 60 s.
	mkfifo "$BATS_TEST_TMPDIR/stdin"
	exec 4<>"$BATS_TEST_TMPDIR/stdin"
	run timeout 60 env -i MCP_PLATFORM_CONF="$D/ok.conf" \
	    REQUEST_METHOD=POST PATH_INFO=/healthz CONTENT_TYPE=application/json \
	    CONTENT_LENGTH=99999999999 "$BIN" <"$BATS_TEST_TMPDIR/stdin"
	exec 4>&-
	[ "$status" -eq 0 ]
	# (stderr is in $output too: the first start's "shared segment ...
	# rebuilt" line may come first)
	printf '%s\n' "${lines[@]}" | grep -q '^Status: 413'
	[[ "$output" == *'"payload_too_large"'* ]]
}

@test "plain CGI: a malformed CONTENT_LENGTH is 400" {
	run cgi REQUEST_METHOD=POST PATH_INFO=/healthz CONTENT_LENGTH=12abc </dev/null
	[[ "${lines[0]}" == "Status: 400"* ]]
	[[ "$output" == *'"bad_request"'* ]]
}

@test "plain CGI: readyz is 503 when Supabase cannot be reached" {
	run cgi REQUEST_METHOD=GET PATH_INFO=/readyz </dev/null
	[[ "${lines[0]}" == "Status: 503"* ]]
	[[ "$output" != *sb_secret_test* ]]
	# the operator's line names the cause, never the key
	grep -q 'readyz' "$D/stderr"
	! grep -q sb_secret_test "$D/stderr"
}

@test "--check-config accepts a good file" {
	run "$BIN" --check-config -c "$D/ok.conf"
	[ "$status" -eq 0 ]
	[[ "$output" == "config ok: "* ]]
}

@test "--check-config: an unknown key is one line naming file, line and key" {
	printf 'supabase_url = http://x\nbogus = 1\n' >"$D/bad.conf"
	run "$BIN" --check-config -c "$D/bad.conf"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"bad.conf:2"*"bogus"* ]]
}

@test "--check-config: a duplicate key and a bad number are refused" {
	printf 'supabase_url = http://x\nsupabase_url = http://y\n' >"$D/dup.conf"
	run "$BIN" --check-config -c "$D/dup.conf"
	[ "$status" -eq 1 ]
	printf 'supabase_url = http://x\nsupabase_secret_key_file = %s\nmax_body = 12k\n' \
	    "$D/sk" >"$D/num.conf"
	run "$BIN" --check-config -c "$D/num.conf"
	[ "$status" -eq 1 ]
	[[ "$output" == *max_body* ]]
}

@test "--check-config: a group/world readable secret file is refused" {
	chmod 644 "$D/sk"
	run "$BIN" --check-config -c "$D/ok.conf"
	[ "$status" -eq 1 ]
	[[ "$output" == *"chmod 600"* ]]
	[[ "$output" != *sb_secret_test* ]]
}

@test "an environment variable overrides the file" {
	run env MCP_PLATFORM_MAX_BODY=nonsense "$BIN" --check-config -c "$D/ok.conf"
	[ "$status" -eq 1 ]
	[[ "$output" == *max_body* ]]
}

@test "a malformed config stops the worker with one line in lighttpd's error log" {
	# Not under BATS_TEST_TMPDIR: the web server's user must reach it.
	stack_init "$(mktemp -d "${TMPDIR:-/tmp}/mcp-test.XXXXXX")"
	STACK_SUPABASE_URL=http://127.0.0.1:9
	stack_platform_conf
	echo 'this line is not key = value' >>"$STACK_DIR/platform/mcp-platform.conf"
	port=$(stack_free_port)
	sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$STACK_DIR/platform|g" \
	    -e "s|@BIN@|$STACK_DIR/bin/mcp-platform.fcgi|g" \
	    "$TOP/deploy/lighttpd/mcp-platform.conf" >"$STACK_DIR/platform/lighttpd.conf"
	stack_lighttpd_start "$STACK_DIR/platform" || true
	wait_grep 'mcp-platform: config: ' "$STACK_DIR/platform/error.log"
	stack_stop_platform
	log=$(cat "$STACK_DIR/platform/error.log")
	rm -rf "$STACK_DIR"
	echo "$log"
	grep 'mcp-platform: config: ' <<<"$log" | head -1 | grep -q 'mcp-platform.conf:'
}
