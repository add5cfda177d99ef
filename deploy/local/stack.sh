# stack.sh -- the local stack as a bash library, used by `make run`
# (deploy/local/run.sh) and by the integration tests (tests/bats).
#
#   source deploy/local/stack.sh
#   stack_init DIR              lay out DIR, copy binaries, make secrets
#   stack_start_pg              PostgreSQL 15 on a socket inside DIR
#   stack_migrate               sql/migrate + supabase-local's auth.sql
#   stack_start_supabase PORT   supabase-local under lighttpd on 127.0.0.1:PORT
#   stack_start_platform PORT [lighttpd|apache]
#   stack_seed_demo             demo user, catalog, tenant "demo"
#   stack_write_env FILE        KEY=value lines for scripts and people
#   stack_stop                  stop everything started from DIR
#
# Everything lives in DIR; nothing binds anywhere but 127.0.0.1. As root,
# the services run as the unprivileged user STACK_USER (PostgreSQL refuses
# root; the web servers should not run as root either), so DIR and the
# binaries copied into DIR/bin are owned by that user.

STACK_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_USER=${STACK_USER:-mcp-platform}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
APACHE_MODULES=${APACHE_MODULES:-/usr/lib/apache2/modules}
LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}
APACHE=${APACHE:-/usr/sbin/apache2}

stack_die() { echo "stack: $*" >&2; return 1; }

# Run a command as the stack user (root) or as ourselves.
stack_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$STACK_USER" -- "$@"
	else
		"$@"
	fi
}

# A free TCP port on 127.0.0.1, chosen by the kernel.
stack_free_port() {
	"$STACK_NODE" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Wait until URL answers with any HTTP status (curl exit 0), or fail.
stack_wait_http() {
	local url=$1 tries=${2:-100}
	while [ "$tries" -gt 0 ]; do
		curl -s -o /dev/null --max-time 2 "$url" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	stack_die "no answer from '$url'"
}

stack_init() {
	STACK_DIR=$1
	STACK_NODE="$STACK_TOP/node_modules/.bin/node"
	[ -x "$STACK_NODE" ] || STACK_NODE=$(command -v node)
	mkdir -p "$STACK_DIR"/{bin,pg,secrets,supabase,platform/{log,data,spool,run},apache}
	chmod 0755 "$STACK_DIR"
	# Binaries are copied so an unprivileged user can run them even when
	# the checkout sits under a private home directory.
	install -m 0755 "$STACK_TOP/build/mcp-platform.fcgi" \
	    "$STACK_TOP/build/supabase-local.fcgi" "$STACK_TOP/build/mcpctl" \
	    "$STACK_DIR/bin/"
	(
		umask 077
		cd "$STACK_DIR/secrets"
		[ -s jwt-secret ] || openssl rand -hex 32 | tr -d '\n' > jwt-secret
		[ -s secret-key ] || printf 'sb_secret_%s' \
		    "$(openssl rand -hex 16)" > secret-key
		[ -s publishable-key ] || printf 'sb_publishable_%s' \
		    "$(openssl rand -hex 16)" > publishable-key
		[ -s master-key ] || openssl rand -hex 32 | tr -d '\n' > master-key
		[ -s es256.pem ] || openssl ecparam -name prime256v1 -genkey \
		    -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt > es256.pem
		# The platform's own token key: used only when
		# STACK_PLATFORM_TOKENS is set (stack_platform_conf).
		[ -s platform-signing.pem ] || openssl ecparam -name prime256v1 \
		    -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt \
		    > platform-signing.pem
	)
	if [ "$(id -u)" -eq 0 ]; then
		chown -R "$STACK_USER:" "$STACK_DIR"
	fi
	STACK_PUBLISHABLE_KEY=$(cat "$STACK_DIR/secrets/publishable-key")
	STACK_SECRET_KEY=$(cat "$STACK_DIR/secrets/secret-key")
	STACK_JWT_SECRET=$(cat "$STACK_DIR/secrets/jwt-secret")
	STACK_PG="host=$STACK_DIR/pg user=postgres dbname=postgres"
	stack_node_modules
}

# The catalog's stdio servers and the node that runs them come from
# node_modules. The stack user must be able to reach them: when the
# checkout sits where it cannot (a private home), they are copied once.
stack_node_modules() {
	STACK_NODE_MODULES=$STACK_TOP/node_modules
	if [ "$(id -u)" -eq 0 ] && ! runuser -u "$STACK_USER" -- \
	    test -x "$STACK_NODE_MODULES/.bin/node"; then
		if [ ! -x "$STACK_DIR/node_modules/.bin/node" ]; then
			cp -a "$STACK_TOP/node_modules" "$STACK_DIR/"
			chown -R "$STACK_USER:" "$STACK_DIR/node_modules"
		fi
		STACK_NODE_MODULES=$STACK_DIR/node_modules
	fi
}

stack_start_pg() {
	local d=$STACK_DIR/pg
	if [ ! -f "$d/data/PG_VERSION" ]; then
		stack_as "$PG_BIN/initdb" -D "$d/data" -A trust -U postgres \
		    -E UTF8 --locale=C.UTF-8 >"$d/initdb.log" 2>&1 ||
		    { cat "$d/initdb.log" >&2; stack_die "initdb failed"; return 1; }
	fi
	# Unix socket only, inside DIR (mode 0700 data, socket dir ours):
	# trust authentication reaches nobody but the stack user and root.
	stack_as "$PG_BIN/pg_ctl" -D "$d/data" -l "$d/postgres.log" -w -t 60 \
	    -o "-k $d -c listen_addresses='' -c unix_socket_permissions=0700" \
	    start >/dev/null ||
	    { tail -20 "$d/postgres.log" >&2; stack_die "postgres did not start"; }
}

stack_psql() {
	psql -X -q -v ON_ERROR_STOP=1 "$STACK_PG" "$@"
}

stack_migrate() {
	"$STACK_TOP/sql/migrate" "$STACK_PG" >/dev/null &&
	stack_psql -f "$STACK_TOP/deploy/supabase-local/auth.sql" >/dev/null
}

# supabase-local's lighttpd configuration. SUPABASE_JWT_ALG=ES256 makes
# Auth sign user tokens with an ES256 key published in its JWKS.
stack_start_supabase() {
	STACK_SUPABASE_PORT=$1
	STACK_SUPABASE_URL="http://127.0.0.1:$1"
	local d=$STACK_DIR/supabase es256=""
	if [ "${SUPABASE_JWT_ALG:-HS256}" = ES256 ]; then
		es256="\"SUPABASE_LOCAL_ES256_KEY_FILE\" => \"$STACK_DIR/secrets/es256.pem\","
	fi
	cat > "$d/lighttpd.conf" <<EOF
server.modules = ( "mod_fastcgi", "mod_accesslog" )
server.bind = "127.0.0.1"
server.port = $1
server.document-root = "$d"
server.pid-file = "$d/lighttpd.pid"
server.errorlog = "$d/error.log"
accesslog.filename = "$d/access.log"
server.max-request-size = 16384
fastcgi.server = ( "/" => ( (
	"bin-path" => "$STACK_DIR/bin/supabase-local.fcgi",
	"socket" => "$d/fcgi.sock",
	"max-procs" => 2,
	"check-local" => "disable",
	"bin-environment" => (
		"SUPABASE_LOCAL_URL" => "$STACK_SUPABASE_URL",
		"SUPABASE_LOCAL_REST_DB" => "host=$STACK_DIR/pg user=authenticator dbname=postgres",
		"SUPABASE_LOCAL_AUTH_DB" => "host=$STACK_DIR/pg user=supabase_auth_admin dbname=postgres",
		"SUPABASE_LOCAL_JWT_SECRET_FILE" => "$STACK_DIR/secrets/jwt-secret",
		"SUPABASE_LOCAL_SECRET_KEY_FILE" => "$STACK_DIR/secrets/secret-key",
		$es256
		"SUPABASE_LOCAL_PUBLISHABLE_KEY" => "$STACK_PUBLISHABLE_KEY"
	)
) ) )
EOF
	stack_lighttpd_start "$d"
	stack_wait_http "$STACK_SUPABASE_URL/auth/v1/health"
}

stack_lighttpd_start() {
	local d=$1
	touch "$d/error.log" "$d/access.log"
	if [ "$(id -u)" -eq 0 ]; then chown -R "$STACK_USER:" "$d"; fi
	stack_as "$LIGHTTPD" -tt -f "$d/lighttpd.conf" >/dev/null ||
	    { stack_die "bad lighttpd config '$d/lighttpd.conf'"; return 1; }
	# In the foreground (-D), backgrounded here: a daemonized lighttpd
	# sends its FastCGI workers' stderr -- their operator log lines -- to
	# /dev/null; this way they land in error.log next to lighttpd's own.
	rm -f "$d/lighttpd.pid"
	stack_as "$LIGHTTPD" -D -f "$d/lighttpd.conf" </dev/null \
	    >>"$d/error.log" 2>&1 3>&- &
	disown $! 2>/dev/null || true
	local n
	for n in $(seq 100); do
		[ -s "$d/lighttpd.pid" ] && return 0
		kill -0 $! 2>/dev/null || break
		sleep 0.05
	done
	stack_die "lighttpd did not start ('$d/error.log')"
}

stack_stop_supabase() {
	stack_kill_pidfile "$STACK_DIR/supabase/lighttpd.pid"
}

# The platform's own configuration, pointing at supabase-local.
stack_platform_conf() {
	cat > "$STACK_DIR/platform/mcp-platform.conf" <<EOF
# written by deploy/local/stack.sh for the local stack
supabase_url = $STACK_SUPABASE_URL
supabase_publishable_key = $STACK_PUBLISHABLE_KEY
supabase_secret_key_file = $STACK_DIR/secrets/secret-key
supabase_jwt_secret_file = $STACK_DIR/secrets/jwt-secret
master_key_file = $STACK_DIR/secrets/master-key
data_dir = $STACK_DIR/platform/data
log_dir = $STACK_DIR/platform/log
spool_dir = $STACK_DIR/platform/spool
stdio_path = $STACK_NODE_MODULES/.bin:/usr/bin:/bin
log_level = info
EOF
	# Tests: extra "key = value" lines (e.g. log_ship_interval = 1).
	if [ -n "${STACK_PLATFORM_CONF_EXTRA:-}" ]; then
		printf '%s\n' "$STACK_PLATFORM_CONF_EXTRA" \
		    >> "$STACK_DIR/platform/mcp-platform.conf"
	fi
	# Tests that need platform (API-key) tokens: STACK_PLATFORM_TOKENS=1.
	if [ -n "${STACK_PLATFORM_TOKENS:-}" ]; then
		echo "platform_signing_key_file = $STACK_DIR/secrets/platform-signing.pem" \
		    >> "$STACK_DIR/platform/mcp-platform.conf"
	fi
	if [ -n "${STACK_FRONT_PORT:-}" ]; then
		echo "allowed_origins = http://127.0.0.1:$STACK_FRONT_PORT,http://localhost:$STACK_FRONT_PORT" \
		    >> "$STACK_DIR/platform/mcp-platform.conf"
	fi
}

# stack_start_platform PORT [lighttpd|apache]
stack_start_platform() {
	STACK_PLATFORM_PORT=$1
	STACK_WEB=${2:-lighttpd}
	STACK_BASE_URL="http://127.0.0.1:$1"
	stack_platform_conf
	case "$STACK_WEB" in
	lighttpd) stack_platform_lighttpd "$1" ;;
	apache) stack_platform_apache "$1" ;;
	*) stack_die "unknown web server '$STACK_WEB'"; return 1 ;;
	esac || return 1
	stack_wait_http "$STACK_BASE_URL/healthz"
}

stack_platform_lighttpd() {
	local d=$STACK_DIR/platform
	sed -e "s|@PORT@|$1|g" -e "s|@DIR@|$d|g" \
	    -e "s|@BIN@|$STACK_DIR/bin/mcp-platform.fcgi|g" \
	    "$STACK_TOP/deploy/lighttpd/mcp-platform.conf" > "$d/lighttpd.conf"
	if [ -n "${STACK_FRONT_PORT:-}" ]; then
		# Tests only: a second loopback port whose requests get a
		# bearer token injected, for clients that send none (the
		# conformance suite). Never part of a deployment.
		printf '$SERVER["socket"] == "127.0.0.1:%s" {\n\tsetenv.set-request-header = ( "Authorization" => "Bearer %s" )\n}\n' \
		    "$STACK_FRONT_PORT" "$STACK_FRONT_TOKEN" >> "$d/lighttpd.conf"
	fi
	stack_lighttpd_start "$d"
}

stack_platform_apache() {
	local d=$STACK_DIR/apache user="" group=""
	if [ "$(id -u)" -eq 0 ]; then
		user="User $STACK_USER"
		group="Group $(id -gn "$STACK_USER")"
	fi
	mkdir -p "$d/fcgid"
	sed -e "s|@PORT@|$1|g" -e "s|@DIR@|$d|g" \
	    -e "s|@BINDIR@|$STACK_DIR/bin|g" \
	    -e "s|@CONF@|$STACK_DIR/platform/mcp-platform.conf|g" \
	    -e "s|@MODULES@|$APACHE_MODULES|g" \
	    -e "s|@USER@|$user|g" -e "s|@GROUP@|$group|g" \
	    "$STACK_TOP/deploy/apache/mcp-platform.conf" > "$d/httpd.conf"
	if [ "$(id -u)" -eq 0 ]; then chown -R "$STACK_USER:" "$d" "$STACK_DIR/platform"; fi
	# As root Apache binds and then drops to User/Group itself.
	"$APACHE" -t -f "$d/httpd.conf" >/dev/null 2>"$d/configtest.log" ||
	    { cat "$d/configtest.log" >&2; stack_die "bad apache config"; return 1; }
	"$APACHE" -f "$d/httpd.conf" -k start ||
	    { stack_die "apache did not start ('$d/error.log')"; return 1; }
}

# stack_start_node NAME PORT ARGS...: a Node MCP server over HTTP on
# 127.0.0.1:PORT (deploy/local/loopback.cjs keeps it off other
# interfaces), run as the stack user, pid in DIR/NAME.pid.
stack_start_node() {
	local name=$1 port=$2
	shift 2
	touch "$STACK_DIR/$name.log"
	if [ "$(id -u)" -eq 0 ]; then chown "$STACK_USER:" "$STACK_DIR/$name.log"; fi
	# setpriv execs (runuser would stay in between), so $! is the server
	# itself and the pid file kills the right process. fd 3 closed: a
	# server must not hold the test runner's output open.
	local as=()
	if [ "$(id -u)" -eq 0 ]; then
		as=(setpriv --reuid="$STACK_USER" --regid="$(id -g "$STACK_USER")"
		    --init-groups --)
	fi
	"${as[@]}" env PORT="$port" "$STACK_NODE_MODULES/.bin/node" \
	    --require "$STACK_TOP/deploy/local/loopback.cjs" "$@" \
	    </dev/null >>"$STACK_DIR/$name.log" 2>&1 3>&- &
	echo $! > "$STACK_DIR/$name.pid"
	# stopped by pid file, not job control: no "Terminated" notices
	disown $! 2>/dev/null || true
	stack_wait_http "http://127.0.0.1:$port/mcp" 200 ||
	    { tail -20 "$STACK_DIR/$name.log" >&2; return 1; }
}

# server-everything's own Streamable HTTP transport: the catalog's
# everything-http entry points at it.
stack_start_everything_http() {
	STACK_EVERYTHING_PORT=$1
	EVERYTHING_HTTP_URL="http://127.0.0.1:$1/mcp"
	stack_start_node everything-http "$1" \
	    "$STACK_NODE_MODULES/.bin/mcp-server-everything" streamableHttp
}

stack_stop_platform() {
	stack_kill_pidfile "$STACK_DIR/platform/lighttpd.pid"
	stack_kill_pidfile "$STACK_DIR/apache/httpd.pid"
}

# Sign up (or log in) a user through supabase-local's Auth; prints the
# session JSON.
stack_auth() {
	local grant=$1 email=$2 password=$3 url
	case "$grant" in
	signup) url="$STACK_SUPABASE_URL/auth/v1/signup" ;;
	*) url="$STACK_SUPABASE_URL/auth/v1/token?grant_type=password" ;;
	esac
	curl -s --max-time 10 -X POST "$url" -H "apikey: $STACK_PUBLISHABLE_KEY" \
	    -H 'Content-Type: application/json' \
	    -d "$(jq -nc --arg e "$email" --arg p "$password" '{email:$e,password:$p}')"
}

# A user's session: log in, signing up first when the user is new.
stack_user_session() {
	local s
	s=$(stack_auth password "$1" "$2")
	if ! jq -e .access_token >/dev/null 2>&1 <<<"$s"; then
		s=$(stack_auth signup "$1" "$2")
	fi
	jq -e .access_token >/dev/null 2>&1 <<<"$s" ||
	    { stack_die "cannot get a session for '$1': $s"; return 1; }
	printf '%s\n' "$s"
}

DEMO_TENANT=${DEMO_TENANT:-demo}
DEMO_EMAIL=${DEMO_EMAIL:-demo@example.com}
DEMO_PASSWORD=${DEMO_PASSWORD:-demo-password-1}

stack_seed_demo() {
	local s uid
	s=$(stack_user_session "$DEMO_EMAIL" "$DEMO_PASSWORD") || return 1
	uid=$(jq -r .user.id <<<"$s")
	DEMO_ACCESS_TOKEN=$(jq -r .access_token <<<"$s")
	stack_psql -v everything_http_url="${EVERYTHING_HTTP_URL:-http://127.0.0.1:3001/mcp}" \
	    -f "$STACK_TOP/sql/seed/catalog.sql" >/dev/null &&
	stack_psql -v demo_user_id="$uid" -v demo_tenant="$DEMO_TENANT" \
	    -f "$STACK_TOP/sql/seed/demo.sql" >/dev/null
}

stack_write_env() {
	local f=$1
	(
		umask 077
		cat > "$f" <<EOF
# written by make run: the local stack's endpoints and demo credentials
MCP_BASE_URL=$STACK_BASE_URL
SUPABASE_URL=$STACK_SUPABASE_URL
SUPABASE_PUBLISHABLE_KEY=$STACK_PUBLISHABLE_KEY
SUPABASE_SECRET_KEY=$STACK_SECRET_KEY
SUPABASE_JWT_SECRET=$STACK_JWT_SECRET
SUPABASE_DB="$STACK_PG"
DEMO_TENANT=$DEMO_TENANT
DEMO_EMAIL=$DEMO_EMAIL
DEMO_PASSWORD=$DEMO_PASSWORD
DEMO_ACCESS_TOKEN=$DEMO_ACCESS_TOKEN
EOF
	)
}

stack_kill_pidfile() {
	local f=$1 pid n
	[ -f "$f" ] || return 0
	pid=$(cat "$f" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for n in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

stack_stop() {
	[ -n "${STACK_DIR:-}" ] || return 0
	stack_stop_platform
	stack_stop_supabase
	local f
	for f in "$STACK_DIR"/*.pid; do
		if [ -e "$f" ]; then stack_kill_pidfile "$f"; fi
	done
	if [ -f "$STACK_DIR/pg/data/postmaster.pid" ]; then
		stack_as "$PG_BIN/pg_ctl" -D "$STACK_DIR/pg/data" -m fast -w \
		    stop >/dev/null 2>&1 || true
	fi
}
