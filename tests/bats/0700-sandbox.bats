#!/usr/bin/env bats
# The stdio sandbox (issue 9, docs/security.md "The stdio sandbox"): a
# hostile stdio MCP server (tests/fixtures/hostile-server.mjs) hosted for a
# tenant tries to read the stack's secrets and another tenant's files, the
# worker's /proc, to write outside its directory, to reach Supabase,
# PostgreSQL (TCP and its Unix socket) and the metadata address, to fetch a
# loopback URL, to fork-bomb and to fill the disk. Every attempt must be
# refused by the kernel (EACCES/EPERM/EAGAIN/EFBIG, never a closed port or
# a timeout) and the worker must answer the next request; a server whose
# directory is over its disk quota is not started at all. Through lighttpd and Apache with
# workers not root, and (when the tests run as root) through lighttpd with
# root workers whose children drop to stdio_user.

load helpers

setup_file() {
	stack_up lighttpd
	# The same platform behind Apache, on its own port.
	BASE_LIGHTTPD=$BASE
	stack_start_platform "$(stack_free_port)" apache
	BASE_APACHE=$STACK_BASE_URL
	export BASE_LIGHTTPD BASE_APACHE
	stack_seed_demo
	export DEMO_ACCESS_TOKEN
	local secrets=$STACK_DIR/secrets
	stack_psql -v fixture="$TOP/tests/fixtures/hostile-server.mjs" \
	    -v tenant="$DEMO_TENANT" <<-'SQL' >/dev/null || return 1
		insert into public.mcp_servers (slug, name, transport, argv, network)
		values ('hostile', 'Hostile fixture', 'stdio',
		        array['node', :'fixture'], 'loopback-denied'),
		       ('hostile-any', 'Hostile fixture, network any', 'stdio',
		        array['node', :'fixture'], 'any'),
		       ('hostile-none', 'Hostile fixture, network none', 'stdio',
		        array['node', :'fixture'], 'none');
		insert into public.mcp_servers (slug, name, transport, argv, network,
		                                limits)
		values ('hostile-quota', 'Hostile fixture, 1 MiB disk quota',
		        'stdio', array['node', :'fixture'], 'loopback-denied',
		        '{"disk_quota_bytes": 1048576}');
		insert into public.tenant_servers (tenant_id, server_id, alias)
		select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
		 where t.slug = :'tenant' and s.slug like 'hostile%';
	SQL
	# Another tenant's files, as its own server would have left them.
	OTHER_DIR=$STACK_DIR/platform/data/tenants/00000000-0000-4000-8000-000000000002/memory
	mkdir -p "$OTHER_DIR"
	echo '{"secret":"of another tenant"}' > "$OTHER_DIR/memory.jsonl"
	chmod 0700 "$OTHER_DIR"
	chmod 0600 "$OTHER_DIR/memory.jsonl"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R "$STACK_USER:" "$STACK_DIR/platform/data"
	fi
	DEMO_TENANT_ID=$(stack_psql -At -v tenant="$DEMO_TENANT" <<-'SQL'
		select id from public.tenants where slug = :'tenant';
	SQL
	)
	[ -n "$DEMO_TENANT_ID" ] || return 1
	export OTHER_DIR SECRETS=$secrets DEMO_TENANT_ID
	BASES="$BASE_LIGHTTPD $BASE_APACHE"
	if [ "$(id -u)" -eq 0 ]; then
		root_workers_start || return 1
		BASES="$BASES $BASE_ROOT"
	fi
	export BASES
}

teardown_file() {
	if [ -n "${ROOT_DIR:-}" ]; then
		stack_kill_pidfile "$ROOT_DIR/lighttpd.pid"
	fi
	stack_down
}

# lighttpd and its FastCGI workers as root (no server.username), the
# platform told to run children as the stack user: the deployment
# docs/security.md recommends where root is available.
root_workers_start() {
	ROOT_DIR=$STACK_DIR/rootweb
	mkdir -p "$ROOT_DIR/run"
	chmod 0700 "$ROOT_DIR"
	local port
	port=$(stack_free_port)
	sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$ROOT_DIR|g" \
	    -e "s|@BIN@|$STACK_DIR/bin/mcp-platform.fcgi|g" \
	    "$TOP/deploy/lighttpd/mcp-platform.conf" > "$ROOT_DIR/lighttpd.conf"
	mkdir -p "$ROOT_DIR/log" "$ROOT_DIR/spool"
	{ sed -e "s|^log_dir = .*|log_dir = $ROOT_DIR/log|" \
	      -e "s|^spool_dir = .*|spool_dir = $ROOT_DIR/spool|" \
	      "$STACK_DIR/platform/mcp-platform.conf"
	  echo "stdio_user = $STACK_USER"; } > "$ROOT_DIR/mcp-platform.conf"
	"$LIGHTTPD" -D -f "$ROOT_DIR/lighttpd.conf" </dev/null \
	    >>"$ROOT_DIR/error.log" 2>&1 3>&- &
	disown $! 2>/dev/null || true
	BASE_ROOT="http://127.0.0.1:$port"
	export ROOT_DIR BASE_ROOT
	stack_wait_http "$BASE_ROOT/healthz"
}

ACCEPT='application/json, text/event-stream'
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# attack BASE TOOL ARGS_JSON -> $report (the tool's JSON report)
attack() {
	local base=$1 tool=$2 args=$3 sid alias=${ALIAS:-hostile}
	http POST "$base/mcp/$DEMO_TENANT/$alias" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    --data-binary "$INIT"
	assert_status 200 || return 1
	sid=$(header mcp-session-id)
	http POST "$base/mcp/$DEMO_TENANT/$alias" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' \
	    --max-time 40 \
	    --data-binary "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"$tool\",\"arguments\":$args}}"
	assert_status 200 || return 1
	# JSON or the last SSE event
	if [[ "$(header content-type)" == text/event-stream* ]]; then
		body=$(sed -n 's/^data: //p' <<<"$body" | tail -1)
	fi
	report=$(jq -r '.result.content[0].text' <<<"$body")
	echo "# $base $tool: $report" >&3
}

# refused BASE TOOL ARGS: the attempt was refused, and the worker and the
# server still answer a harmless call afterwards.
refused() {
	attack "$@" || return 1
	if ! jq -e '.refused == true' >/dev/null <<<"$report"; then
		echo "NOT refused through $1: $2 $3 -> $report" >&2
		return 1
	fi
	attack "$1" ping '{}' || return 1
	jq -e '.refused == false and .error == null' >/dev/null <<<"$report"
}

# hidden_or_refused BASE TOOL ARGS: as refused; through the root workers,
# whose children have the other tenants hidden behind a tmpfs (their own
# mount namespace), ENOENT counts too.
hidden_or_refused() {
	if [ "$1" != "${BASE_ROOT:-}" ]; then
		refused "$@"
		return
	fi
	attack "$@" || return 1
	jq -e '.refused == true or (.error | startswith("ENOENT"))' \
	    >/dev/null <<<"$report" || return 1
	attack "$1" ping '{}' || return 1
	jq -e '.refused == false and .error == null' >/dev/null <<<"$report"
}

need_seccomp() {
	"$STACK_DIR/bin/mcpctl" doctor 2>/dev/null | grep -q '^seccomp yes' ||
	    skip "this kernel offers no seccomp filter"
}

need_landlock() {
	local abi
	abi=$("$STACK_DIR/bin/mcpctl" doctor 2>/dev/null | sed -n 's/^landlock_abi \([0-9]*\).*/\1/p')
	[ -n "$abi" ] && [ "$abi" -ge "${1:-1}" ] ||
	    skip "this kernel lacks Landlock ABI ${1:-1}"
}

@test "the hostile server runs and answers through every web server" {
	for b in $BASES; do
		attack "$b" ping '{}'
		jq -e '.refused == false' <<<"$report"
	done
}

@test "it cannot read any of the stack's secret files" {
	need_landlock 1
	for b in $BASES; do
		for f in "$SECRETS"/*; do
			refused "$b" read_file "{\"path\":\"$f\"}"
		done
		refused "$b" list_dir "{\"path\":\"$SECRETS\"}"
		refused "$b" read_file "{\"path\":\"$STACK_DIR/platform/mcp-platform.conf\"}"
	done
}

@test "it cannot read or list another tenant's directory" {
	need_landlock 1
	for b in $BASES; do
		hidden_or_refused "$b" read_file "{\"path\":\"$OTHER_DIR/memory.jsonl\"}"
		hidden_or_refused "$b" list_dir "{\"path\":\"$(dirname "$OTHER_DIR")\"}"
	done
}

@test "it cannot read the worker's /proc environ or mem" {
	need_landlock 1
	for b in $BASES; do
		refused "$b" read_worker_proc '{"what":"environ"}'
		refused "$b" read_worker_proc '{"what":"mem"}'
	done
}

@test "it cannot write outside its own directory" {
	need_landlock 1
	for b in $BASES; do
		refused "$b" write_file "{\"path\":\"$STACK_DIR/platform/spool/planted-$RANDOM\"}"
		refused "$b" write_file "{\"path\":\"$STACK_DIR/platform/log/planted-$RANDOM\"}"
		refused "$b" write_file "{\"path\":\"${TMPDIR:-/tmp}/planted-$RANDOM\"}"
		hidden_or_refused "$b" write_file "{\"path\":\"$OTHER_DIR/planted-$RANDOM\"}"
	done
	[ -z "$(find "$STACK_DIR/platform/spool" "$STACK_DIR/platform/log" \
	    "$OTHER_DIR" -name 'planted-*')" ]
}

@test "it cannot connect to Supabase, PostgreSQL, the platform or the metadata address" {
	need_landlock 4
	for b in $BASES; do
		refused "$b" tcp_connect "{\"host\":\"127.0.0.1\",\"port\":$STACK_SUPABASE_PORT}"
		refused "$b" tcp_connect '{"host":"127.0.0.1","port":5432}'
		refused "$b" tcp_connect "{\"host\":\"127.0.0.1\",\"port\":$STACK_PLATFORM_PORT}"
		refused "$b" tcp_connect '{"host":"169.254.169.254","port":80}'
		refused "$b" tcp_connect '{"host":"::1","port":5432}'
	done
}

@test "it cannot connect to PostgreSQL's Unix socket" {
	need_seccomp
	for b in $BASES; do
		refused "$b" unix_connect "{\"path\":\"$STACK_DIR/pg/.s.PGSQL.5432\"}"
	done
}

@test "network none: no socket at all; network any: the same connect succeeds" {
	need_landlock 4
	need_seccomp
	# socket() itself is refused (EPERM from seccomp, not Landlock's
	# EACCES at connect), whatever the port.
	ALIAS=hostile-none attack "$BASE_LIGHTTPD" tcp_connect \
	    "{\"host\":\"127.0.0.1\",\"port\":$STACK_SUPABASE_PORT}"
	jq -e '.refused == true and (.error | startswith("EPERM"))' <<<"$report"
	ALIAS=hostile-none attack "$BASE_LIGHTTPD" tcp_connect \
	    '{"host":"127.0.0.1","port":443}'
	jq -e '.refused == true and (.error | startswith("EPERM"))' <<<"$report"
	# The control: the refusals above are the sandbox's, not a closed
	# port -- with network any the child reaches Supabase.
	ALIAS=hostile-any attack "$BASE_LIGHTTPD" tcp_connect \
	    "{\"host\":\"127.0.0.1\",\"port\":$STACK_SUPABASE_PORT}"
	jq -e '.refused == false and .error == null' <<<"$report"
	# ... but still not the files.
	ALIAS=hostile-any refused "$BASE_LIGHTTPD" read_file \
	    "{\"path\":\"$SECRETS/secret-key\"}"
}

@test "root workers (children dropped to stdio_user) are part of the matrix" {
	[ "$(id -u)" -eq 0 ] || skip "the tests do not run as root: no root workers"
	[ -n "${BASE_ROOT:-}" ]
	attack "$BASE_ROOT" ping '{}'
	jq -e '.refused == false' <<<"$report"
}

@test "a loopback URL given as a tool argument is not fetched (SSRF)" {
	need_landlock 4
	for b in $BASES; do
		refused "$b" fetch_url "{\"url\":\"$SUPA/auth/v1/health\"}"
		refused "$b" fetch_url "{\"url\":\"$b/healthz\"}"
	done
}

@test "a fork bomb is stopped by the process limit and the worker survives" {
	for b in $BASES; do
		attack "$b" fork_bomb '{"max":1500,"hold_ms":15000}'
		jq -e '.refused == true and .started < 1500' <<<"$report"
		attack "$b" ping '{}'
		jq -e '.refused == false and .error == null' <<<"$report"
	done
	curl -sf "$BASE_LIGHTTPD/healthz" >/dev/null
}

@test "filling the disk: a write past the file size limit fails with EFBIG and the worker survives" {
	# LIMIT_STDIO_FSIZE, 64 MiB: the fixture asks for 1 MiB more.
	local limit=$((64 * 1024 * 1024))
	for b in $BASES; do
		attack "$b" fill_disk "{\"bytes\":$((limit + 1024 * 1024))}"
		jq -e ".refused == true and (.error | startswith(\"EFBIG\")) and
		    .written == $limit and .left == false" <<<"$report"
		attack "$b" ping '{}'
		jq -e '.refused == false and .error == null' <<<"$report"
	done
	curl -sf "$BASE_LIGHTTPD/healthz" >/dev/null
}

# initialize_at BASE ALIAS -> $status, $body (no assertion)
initialize_at() {
	http POST "$1/mcp/$DEMO_TENANT/$2" \
	    -H "Authorization: Bearer $DEMO_ACCESS_TOKEN" \
	    -H 'Content-Type: application/json' -H "Accept: $ACCEPT" \
	    --data-binary "$INIT"
}

@test "a server whose directory is over its disk quota is not started; the client is told why" {
	local dir=$STACK_DIR/platform/data/tenants/$DEMO_TENANT_ID/hostile-quota
	# As the server itself would have left it: 2 MiB in a 1 MiB quota,
	# before any child of this alias ran (the check is at spawn).
	stack_as mkdir -p "$dir"
	stack_as chmod 0700 "$dir"
	stack_as dd if=/dev/zero of="$dir/prefill" bs=1M count=2 \
	    conv=fsync status=none
	for b in $BASES; do
		initialize_at "$b" hostile-quota
		assert_status 502
		jq -e '.error.code == -32013 and
		    (.error.message | startswith("spawn failed: disk quota exceeded"))' \
		    <<<"$body"
		# The reason names no path of the host.
		[[ "$body" != *"$STACK_DIR"* ]]
	done
	# The worker is fine, and the same alias starts once there is room.
	curl -sf "$BASE_LIGHTTPD/healthz" >/dev/null
	stack_as rm -f "$dir/prefill"
	for b in $BASES; do
		ALIAS=hostile-quota attack "$b" ping '{}'
		jq -e '.refused == false and .error == null' <<<"$report"
	done
}
