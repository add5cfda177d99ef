#!/usr/bin/env bats
# TEMPORARY measurement (not committed): conformance 0.2.0-alpha.12
# --requirements 2026-07-28 through the platform vs direct.
load helpers
setup_file() {
	local port s
	stack_up none 3>&- || return 1
	port=$(stack_free_port)
	stack_start_node modern-http "$port" "$TOP/tests/fixtures/modern-server.mjs" --http --port "$port" 3>&- || return 1
	export MF_URL="http://127.0.0.1:$port/mcp"
	port=$(stack_free_port)
	stack_start_node conformance-fixture "$port" "$TOP/tests/fixtures/conformance-server.mjs" --http --port "$port" 3>&- || return 1
	export CF_URL="http://127.0.0.1:$port/mcp"
	s=$(stack_user_session conformance@example.com conformance-password-1) || return 1
	CONF_TOKEN=$(jq -r .access_token <<<"$s")
	curl -sf -X POST "$STACK_SUPABASE_URL/rest/v1/rpc/create_tenant" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H "Authorization: Bearer $CONF_TOKEN" -H 'Content-Type: application/json' \
	    -d '{"p_slug":"conformance","p_name":"C"}' >/dev/null || return 1
	stack_psql -v f1="$TOP/tests/fixtures/modern-server.mjs" -v f2="$TOP/tests/fixtures/conformance-server.mjs" -v u1="$MF_URL" -v u2="$CF_URL" <<-'SQL' >/dev/null || return 1
		insert into public.mcp_servers (slug, name, transport, argv, url) values
		 ('modern','m','stdio',array['node',:'f1','--stdio'],null),
		 ('modern-http','mh','http',null,:'u1'),
		 ('conformance','c','stdio',array['node',:'f2','--stdio'],null),
		 ('conformance-http','ch','http',null,:'u2');
		insert into public.tenant_servers (tenant_id, server_id, alias)
		select t.id, s.id, s.slug from public.tenants t, public.mcp_servers s
		 where t.slug = 'conformance' and s.slug in ('modern','modern-http','conformance','conformance-http');
	SQL
	export STACK_FRONT_PORT STACK_FRONT_TOKEN=$CONF_TOKEN
	STACK_FRONT_PORT=$(stack_free_port)
	stack_start_platform "$(stack_free_port)" lighttpd 3>&- || return 1
	export FRONT="http://127.0.0.1:$STACK_FRONT_PORT"
}
teardown_file() { stack_down; }
conf() {
	local name=$1 url=$2 req=$3
	timeout 1500 "$STACK_NODE" /tmp/modern-conf/node_modules/@modelcontextprotocol/conformance/dist/index.js \
	    server --url "$url" --requirements "$req" --timeout 20000 -o "/tmp/modern-conf/out-$name-$req" \
	    > "/tmp/modern-conf/$name-$req.txt" 2>&1 || true
	tail -15 "/tmp/modern-conf/$name-$req.txt" | sed 's/^/# /' >&3
}
@test "platform legacy fixture stdio 2026-07-28" { conf platform-legacy "$FRONT/mcp/conformance/conformance" 2026-07-28; }
@test "platform legacy fixture http 2026-07-28" { conf platform-legacy-http "$FRONT/mcp/conformance/conformance-http" 2026-07-28; }
@test "direct legacy fixture 2025-11-25" { conf direct-legacy "$CF_URL" 2025-11-25; }
@test "platform legacy fixture stdio 2025-11-25" { conf platform-legacy "$FRONT/mcp/conformance/conformance" 2025-11-25; }
