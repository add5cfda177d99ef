#!/usr/bin/env bats
# The request log's second sink: the spool under spool_dir, shipped to
# Supabase request_logs in batches -- exactly once, through outages, with
# nothing secret in it; mcpctl logs flush and logs maintain.

load helpers

setup_file() {
	# Workers look at the spool every second here (5 s by default).
	export STACK_PLATFORM_CONF_EXTRA='log_ship_interval = 1'
	stack_up lighttpd
	stack_start_everything_http "$(stack_free_port)"
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	export LOG="$STACK_DIR/platform/log/requests.jsonl"
	export SPOOL="$STACK_DIR/platform/spool"
	export CONF="$STACK_DIR/platform/mcp-platform.conf"
}
teardown_file() { stack_down; }

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

mcpctl() { "$STACK_DIR/bin/mcpctl" -c "$CONF" "$@"; }

# No worker of this stack's lighttpd has a shipper child (a forked
# mcp-platform.fcgi; its stdio children are node processes).
# Live ones only: a shipper that ended stays a zombie until its worker's
# next request reaps it.
shipper_children() {
	local workers
	workers=$(pgrep -d, -P "$(cat "$STACK_DIR/platform/lighttpd.pid")") || return 1
	pgrep -r D,R,S,T -P "$workers" -x mcp-platform.fc
}
no_shipper_child() { ! shipper_children >/dev/null; }
stop_shipper_children() {
	local p
	for p in $(shipper_children); do kill -TERM "$p" 2>/dev/null || true; done
}

# ctl ARGS...: mcpctl with $status, $output (stdout: the JSON) and $err
ctl() {
	status=0
	output=$(mcpctl "$@" 2>"$BATS_TEST_TMPDIR/ctl.err") || status=$?
	err=$(cat "$BATS_TEST_TMPDIR/ctl.err")
}

# session PATH -> $SID
session() {
	http POST "$BASE$1" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
	assert_status 200
	SID=$(header mcp-session-id)
}

# echo_calls PATH N PREFIX: N concurrent tools/call echo in $SID; the
# request ids they were given go to $BATS_TEST_TMPDIR/ids
echo_calls() {
	local i
	for i in $(seq "$2"); do
		in_bg curl -s -o /dev/null -D "$BATS_TEST_TMPDIR/h$i" "$BASE$1" \
		    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -H 'Content-Type: application/json' \
		    -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
		    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"$3$i\"}}}"
	done
	wait_bg
	for i in $(seq "$2"); do
		sed -n 's/^X-Request-Id: //Ip' "$BATS_TEST_TMPDIR/h$i" | tr -d '\r'
	done | sort >"$BATS_TEST_TMPDIR/ids"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/ids")" -eq "$2" ]
}

# ids_sql: the ids as a SQL list
ids_sql() { sed "s/.*/'&'/" "$BATS_TEST_TMPDIR/ids" | paste -sd, -; }

# rows_for_ids: how many request_logs rows carry those ids
rows_for_ids() {
	stack_psql -At -c "select count(*) from public.request_logs where request_id in ($(ids_sql))"
}

# wait_log_has_ids: wait until every id has its requests.jsonl line
# (written after the answer)
log_has_ids() {
	local id
	while read -r id; do grep -q "\"$id\"" "$LOG" || return 1; done <"$BATS_TEST_TMPDIR/ids"
}
wait_log_has_ids() { wait_for log_has_ids; }

# rows_are N: request_logs holds N rows for the ids
rows_are() { [ "$(rows_for_ids)" -eq "$1" ]; }

@test "N concurrent requests: exactly N lines and N rows, with the same ids" {
	session /mcp/demo/everything
	echo_calls /mcp/demo/everything 20 n
	wait_log_has_ids
	ctl logs flush
	[ "$status" -eq 0 ]
	jq -e '.result == "done" and .pending == 0' <<<"$output"
	[ "$(rows_for_ids)" -eq 20 ]
	# the same ids, one line each, in both sinks
	grep -o '"request_id":"[^"]*"' "$LOG" | cut -d'"' -f4 | sort >"$BATS_TEST_TMPDIR/file_ids"
	[ "$(grep -cxFf "$BATS_TEST_TMPDIR/ids" "$BATS_TEST_TMPDIR/file_ids")" -eq 20 ]
	stack_psql -At -c "select request_id from public.request_logs where request_id in ($(ids_sql))
	    order by 1" | diff - "$BATS_TEST_TMPDIR/ids"
	# and the row holds the record: method, tool, status, tenant, bodies
	stack_psql -At -c "select count(*) from public.request_logs where request_id in ($(ids_sql))
	    and method = 'tools/call' and tool = 'echo' and http_status = 200 and tenant_slug = 'demo'
	    and tenant_id is not null and server_alias = 'everything' and caller_kind = 'user'
	    and request_body like '%\"echo\"%' and response_body is not null and total_ms > 0
	    and client_ip = '127.0.0.1'" | grep -qx 20
}

@test "a record's members are exactly request_logs' columns" {
	session /mcp/demo/everything
	rid=$(header x-request-id)
	wait_grep "$rid" "$LOG"
	tail -1 "$LOG" | jq -r 'keys_unsorted[]' | sort >"$BATS_TEST_TMPDIR/keys"
	stack_psql -At -c "select column_name from information_schema.columns
	    where table_schema = 'public' and table_name = 'request_logs' order by 1" |
	    LC_ALL=C sort >"$BATS_TEST_TMPDIR/cols"
	LC_ALL=C sort -o "$BATS_TEST_TMPDIR/keys" "$BATS_TEST_TMPDIR/keys"
	diff "$BATS_TEST_TMPDIR/keys" "$BATS_TEST_TMPDIR/cols"
}

@test "end to end: the records of real requests come back from the logs API" {
	session /mcp/demo/everything
	echo_calls /mcp/demo/everything 6 api
	wait_log_has_ids
	ctl logs flush
	[ "$status" -eq 0 ]
	http GET "$BASE/api/v1/tenants/demo/logs?tool=echo&limit=1000" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 200
	jq -r '.items[].request_id' <<<"$body" | sort >"$BATS_TEST_TMPDIR/api_ids"
	[ "$(grep -cxFf "$BATS_TEST_TMPDIR/ids" "$BATS_TEST_TMPDIR/api_ids")" -eq 6 ]
	jq -e '[.items[] | select(.tenant_slug != "demo" or .tool != "echo")] | length == 0' <<<"$body"
	http GET "$BASE/api/v1/tenants/demo/usage?bucket=day" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN"
	assert_status 200
	jq -e '[.rows[] | select(.server_alias == "everything" and .tool == "echo") | .count] | add >= 6' <<<"$body"
}

@test "workers ship on their own once the interval has passed" {
	session /mcp/demo/everything
	echo_calls /mcp/demo/everything 5 w
	wait_log_has_ids
	# no flush: the next requests find the spool due and ship it
	shipped_or_request() {
		rows_are 5 && return 0
		curl -s -o /dev/null "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
		    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" --data-binary "$INIT"
		sleep 0.25
		return 1
	}
	wait_for shipped_or_request
	[ "$(rows_for_ids)" -eq 5 ]
}

@test "the last records before a quiet spell ship without another request" {
	session /mcp/demo/everything
	echo_calls /mcp/demo/everything 3 quiet
	wait_log_has_ids
	# no flush, no more requests: a worker's child ships them once due
	wait_for rows_are 3
	[ "$(rows_for_ids)" -eq 3 ]
}

@test "Supabase stopped mid-run: requests still served, records spooled; back up and flushed: exactly N rows" {
	session /mcp/demo/everything
	echo_calls /mcp/demo/everything 16 warm	# every worker has the config cached
	# 12 requests one after the other; Supabase stops after the fourth
	for i in $(seq 12); do
		curl -s -o /dev/null -D "$BATS_TEST_TMPDIR/h$i" "$BASE/mcp/demo/everything" \
		    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -H 'Content-Type: application/json' \
		    -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
		    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":$i,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"down$i\"}}}"
		sleep 0.1
	done 3>&- &
	loop=$!
	wait_for test -s "$BATS_TEST_TMPDIR/h4"
	stack_stop_supabase
	wait "$loop"
	for i in $(seq 12); do grep -q '^HTTP/1.1 200' "$BATS_TEST_TMPDIR/h$i"; done
	for i in $(seq 12); do
		sed -n 's/^X-Request-Id: //Ip' "$BATS_TEST_TMPDIR/h$i" | tr -d '\r'
	done | sort >"$BATS_TEST_TMPDIR/ids"
	wait_log_has_ids
	# a worker tries (and fails) on its own: .failed counts the attempt
	wait_for test -s "$SPOOL/.failed"
	# every record is in the spool, none lost
	while read -r id; do grep -qr "\"$id\"" "$SPOOL"/current.jsonl "$SPOOL"/sealed-* 2>/dev/null; done \
	    <"$BATS_TEST_TMPDIR/ids"
	ctl logs flush
	[ "$status" -eq 1 ]
	jq -e '.result == "pending" and .pending >= 1' <<<"$output"
	stack_start_supabase "$STACK_SUPABASE_PORT"
	ctl logs flush
	[ "$status" -eq 0 ]
	[ "$(rows_for_ids)" -eq 12 ]
	[ ! -e "$SPOOL/.failed" ]
	# a worker's shipper may still be waiting out the backoff of the
	# outage (up to tens of seconds; it holds no lock meanwhile) and would
	# wake to ship the replay below before mcpctl does: end it first
	stop_shipper_children
	wait_for no_shipper_child
	# shipping the same records again inserts nothing
	grep -hF -f "$BATS_TEST_TMPDIR/ids" "$LOG" >"$SPOOL/sealed-000000000001.000000000-1.jsonl"
	ctl logs flush
	[ "$status" -eq 0 ]
	jq -e '.rows == 12' <<<"$output"
	[ "$(rows_for_ids)" -eq 12 ]
	[ -z "$(ls "$SPOOL"/sealed-* 2>/dev/null)" ]
}

@test "a corrupt spool file: bad lines moved aside with an error line, the rest shipped" {
	rid1="corrupt-test-$RANDOM-1" rid2="corrupt-test-$RANDOM-2"
	now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
	f="$SPOOL/sealed-000000000002.000000000-1.jsonl"
	{
		printf '{"request_id":"%s","ts":"%s","http_status":200}\n' "$rid1" "$now"
		printf 'this is not json\n'
		printf '{"half":\n'
		head -c 300000 /dev/zero | tr '\0' 'x'; printf '\n'
		printf '{"request_id":"bad-status-%s","ts":"%s","http_status":"not a number"}\n' "$RANDOM" "$now"
		printf '{"request_id":"%s","ts":"%s","http_status":404}' "$rid2" "$now"
	} >"$f"
	ctl logs flush
	[ "$status" -eq 0 ]
	jq -e ".rows == 2 and .aside == 4" <<<"$output" || { echo "$output $err" >&2; false; }
	[ "$(stack_psql -At -c "select count(*) from public.request_logs where request_id in ('$rid1','$rid2')")" -eq 2 ]
	[ ! -e "$f" ]
	a="$SPOOL/aside/$(basename "$f")"
	grep -qx 'this is not json' "$a"
	grep -q 'not a number' "$a"
	grep -q 'longer than LIMIT_REQLOG_LINE' "$a"
	[[ "$err" == *"moved aside"* ]]
	[[ "$err$output" != *xxxxxxxx* ]]
}

@test "a full disk: the request is still served and the error log says what was lost" {
	session /mcp/demo/everything
	mv "$LOG" "$LOG.keep"
	ln -s /dev/full "$LOG"
	ctl logs flush	# the spool is empty: current.jsonl is sealed away
	ln -sf /dev/full "$SPOOL/current.jsonl"
	http POST "$BASE/mcp/demo/everything" -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $SID" \
	    -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"message":"full"}}}'
	assert_status 200
	rid=$(header x-request-id)
	wait_grep "requests.jsonl': No space left on device: request log record of '$rid'" "$STACK_DIR/platform/error.log"
	wait_grep "current.jsonl': No space left on device: request log record of '$rid'" "$STACK_DIR/platform/error.log"
	# a spool file that is not a regular file is never read, never shipped
	ctl logs flush
	[ "$status" -eq 0 ]
	rm -f "$LOG" "$SPOOL/current.jsonl"
	mv "$LOG.keep" "$LOG"
	ln -s /dev/zero "$SPOOL/sealed-000000000003.000000000-1.jsonl"
	ctl logs flush
	[ "$status" -eq 0 ]
	[ -L "$SPOOL/aside/sealed-000000000003.000000000-1.jsonl" ]
	[[ "$err" == *"not a regular file"* ]]
}

# seal TENANT_ID ALIAS NAME VALUE -> the JSON for tenant_servers.secrets
seal() {
	printf '%s' "$4" | "$STACK_DIR/bin/mcp-platform.fcgi" -c "$CONF" --seal-secret "$1" "$2" "$3"
}

@test "a secret in a tool argument and in an injected upstream header reaches no sink" {
	demo=$(stack_psql -At -c "select id from public.tenants where slug = 'demo'")
	secret="pl4nted-$RANDOM-$RANDOM-secret"
	b64=$(printf '%s' "$secret" | base64 -w0)
	# everything-http with the secret delivered as an upstream header
	stack_psql -c "update public.mcp_servers set secrets_spec =
	    '[{\"name\":\"api_token\",\"delivery\":\"header\",\"target\":\"X-Api-Token\"}]'
	    where slug = 'everything-http'" >/dev/null
	sealed=$(seal "$demo" everything-http-s api_token "$secret")
	stack_psql -v s="{\"api_token\": $sealed}" >/dev/null <<<"insert into public.tenant_servers
	    (tenant_id, server_id, alias, secrets) select '$demo', id, 'everything-http-s', :'s'::jsonb
	    from public.mcp_servers where slug = 'everything-http'"
	session /mcp/demo/everything-http-s
	# and the client sends it back in the arguments, plain and base64
	curl -s -o "$BATS_TEST_TMPDIR/out" -D "$BATS_TEST_TMPDIR/h" "$BASE/mcp/demo/everything-http-s" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" -H 'Content-Type: application/json' \
	    -H "Accept: $ACCEPT" -H "Mcp-Session-Id: $SID" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"message\":\"$secret and $b64\"}}}"
	grep -q "$secret" "$BATS_TEST_TMPDIR/out"	# the client does get its echo
	rid=$(sed -n 's/^X-Request-Id: //Ip' "$BATS_TEST_TMPDIR/h" | tr -d '\r')
	wait_grep "$rid" "$LOG"
	ctl logs flush
	[ "$status" -eq 0 ]
	row=$(stack_psql -At -c "select request_body || response_body from public.request_logs where request_id = '$rid'")
	[[ "$row" == *redacted* ]]
	[[ "$row" != *"$secret"* && "$row" != *"$b64"* ]]
	[ "$(stack_psql -At -c "select count(*) from public.request_logs where
	    request_body like '%$secret%' or response_body like '%$secret%'
	    or request_body like '%$b64%' or response_body like '%$b64%'")" -eq 0 ]
	! grep -rqF -e "$secret" -e "$b64" "$STACK_DIR/platform" "$STACK_DIR/supabase" || false
	! grep -qF "$DEMO_ACCESS_TOKEN" "$LOG" || false
	! grep -rqF "$DEMO_ACCESS_TOKEN" "$SPOOL"
}

@test "logs maintain: partitions made ahead, old ones dropped by the retention setting" {
	stack_psql -At -c "select public.request_logs_ensure_partitions('2020-01-01', 0)" >/dev/null
	stack_psql -c "insert into public.request_logs (request_id, ts) values ('old-$RANDOM', '2020-01-15')" >/dev/null
	ctl logs maintain
	[ "$status" -eq 0 ]
	jq -e '.dropped == 0 and .retention_months == 0' <<<"$output"
	[ -n "$(stack_psql -At -c "select to_regclass('public.request_logs_y2020m01')")" ]
	ahead=$(date -u -d "$(date -u +%Y-%m-01) +3 months" +y%Ym%m)
	[ -n "$(stack_psql -At -c "select to_regclass('public.request_logs_$ahead')")" ]
	export MCP_PLATFORM_LOG_RETENTION_MONTHS=6
	ctl logs maintain
	unset MCP_PLATFORM_LOG_RETENTION_MONTHS
	[ "$status" -eq 0 ]
	jq -e '.dropped >= 1 and .retention_months == 6' <<<"$output"
	[ -z "$(stack_psql -At -c "select to_regclass('public.request_logs_y2020m01')")" ]
	# this month's partition and this test file's rows are kept
	[ -n "$(stack_psql -At -c "select to_regclass('public.request_logs_$(date -u +y%Ym%m)')")" ]
	[ "$(stack_psql -At -c "select count(*) from public.request_logs where ts > now() - interval '1 day'")" -gt 0 ]
}

@test "a bad retention value stops the platform and mcpctl with a clear error" {
	MCP_PLATFORM_LOG_RETENTION_MONTHS=soon run mcpctl logs maintain
	[ "$status" -eq 1 ]
	[[ "$output" == *log_retention_months* ]]
	MCP_PLATFORM_LOG_SHIP_BYTES=0 run mcpctl logs flush
	[ "$status" -eq 1 ]
	[[ "$output" == *log_ship_bytes* ]]
}
