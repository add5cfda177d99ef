# stack.sh -- the local stack as a bash library, used by `make run`
# (deploy/local/run.sh) and by the integration tests (tests/bats).
#
#   source deploy/local/stack.sh
#   stack_init DIR              lay out DIR, copy binaries, make secrets
#   stack_start_pg              PostgreSQL 15 on a socket inside DIR
#   stack_migrate               sql/migrate + supabase-local's auth.sql
#   stack_start_supabase PORT   supabase-local under lighttpd on 127.0.0.1:PORT
#   stack_start_platform PORT [lighttpd|apache]
#   stack_add_node NAME         a further platform node's directories
#   stack_start_haproxy PORT NODE_PORT...   HAProxy in front of the nodes
#   stack_seed_demo             demo user, catalog, tenant "demo"
#   stack_write_env FILE        KEY=value lines for scripts and people
#   stack_stop                  stop everything started from DIR
#
# Everything lives in DIR; nothing binds anywhere but 127.0.0.1.
#
# One user per role. As root, each service runs as its own unprivileged
# user (deploy/local/deps.sh creates them): PostgreSQL as STACK_PG_USER
# (mcp-postgres; it refuses root), supabase-local and its lighttpd as
# STACK_SUPABASE_USER (mcp-supabase), the platform's web server and
# workers as STACK_USER (mcp-platform). Each role's directory is its own,
# mode 0700, files 0600; the secrets each role needs are copied into its
# secrets/ from DIR/secrets (root's); the PostgreSQL socket directory lets
# in only supabase-local's user (and root); every database role, the
# superuser included, needs its password (SCRAM), kept in a passfile only
# its user can read. Started by another user, everything runs as that one
# uid: then only the stdio sandbox keeps hosted servers off the files
# (docs/security.md, "Who must read what").
#
#   DIR/secrets/            root (or the user): every secret, and pgpass,
#                           the superuser's password (STACK_PG uses it)
#   DIR/pg/                 PostgreSQL: data/, logs, the socket (0710,
#                           group mcp-supabase)
#   DIR/supabase/           supabase-local: lighttpd, logs, secrets/
#   DIR/platform/           the platform: config, lighttpd, logs, data/,
#                           log/, spool/, run/, secrets/
#   DIR/apache/             Apache's instance (logs, fcgid/)
#   DIR/bin/                the binaries, root's, read-only to the roles

STACK_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_USER=${STACK_USER:-mcp-platform}
STACK_PG_USER=${STACK_PG_USER:-mcp-postgres}
STACK_SUPABASE_USER=${STACK_SUPABASE_USER:-mcp-supabase}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
APACHE_MODULES=${APACHE_MODULES:-/usr/lib/apache2/modules}
LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}
APACHE=${APACHE:-/usr/sbin/apache2}

stack_die() { echo "stack: $*" >&2; return 1; }

stack_root() { [ "$(id -u)" -eq 0 ]; }

# stack_as_user USER CMD...: run CMD as USER (root), or as ourselves.
stack_as_user() {
	local u=$1
	shift
	if stack_root; then
		runuser -u "$u" -- "$@"
	else
		"$@"
	fi
}

# Run a command as the platform's user (root) or as ourselves.
stack_as() { stack_as_user "$STACK_USER" "$@"; }

# stack_own USER[:GROUP] MODE PATH...: owner (as root) and mode.
stack_own() {
	local who=$1 mode=$2
	shift 2
	if stack_root; then chown "$who" "$@" || return 1; fi
	chmod "$mode" "$@"
}

# stack_private_file USER PATH...: create if missing, mode 0600, USER's.
stack_private_file() {
	local u=$1
	shift
	touch "$@" && stack_own "$u:" 0600 "$@"
}

# A free TCP port on 127.0.0.1 for a server about to start. A port the
# kernel picks (listen on 0) lies in the ephemeral range, where any
# outgoing connection may take it before our server binds it, and two
# picks in a row may return the same port (both seen failing a test's
# start-up on a busy machine). So: a random port below the ephemeral range
# (ip_local_port_range), reserved by an atomic mkdir under
# $STACK_PORT_DIR (a reservation older than STACK_PORT_HOLD_S is stale),
# and bound once to be sure nothing listens there. When that range is too
# small, the kernel's pick as before.
STACK_PORT_DIR=${STACK_PORT_DIR:-${TMPDIR:-/tmp}/mcp-ports.$(id -u)}
STACK_PORT_HOLD_S=${STACK_PORT_HOLD_S:-3600}
stack_free_port() {
	"$STACK_NODE" -e '
const net = require("net"), fs = require("fs");
const [dir, hold] = [process.argv[1], +process.argv[2]];
const LOW = 10000, TRIES = 200;
let top = 32767;
try {
	top = +fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
	    .trim().split(/\s+/)[0] - 1;
} catch (e) { /* not Linux: keep the default */ }
const kernel = () => {
	const s = net.createServer();
	s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
};
const reserve = (p) => {
	const d = dir + "/" + p;
	try { fs.mkdirSync(d); return true; } catch (e) {
		if (e.code !== "EEXIST") return false;
	}
	try {
		if (Date.now() - fs.statSync(d).mtimeMs < hold * 1000) return false;
		const now = new Date();
		fs.utimesSync(d, now, now);
		return true;
	} catch (e) { return false; }
};
const pick = (n) => {
	if (n >= TRIES) return kernel();
	const p = LOW + Math.floor(Math.random() * (top - LOW + 1));
	if (!reserve(p)) return pick(n + 1);
	const s = net.createServer();
	s.once("error", () => pick(n + 1));
	s.listen(p, "127.0.0.1", () => { console.log(p); s.close(); });
};
if (top - LOW < 1000) kernel();
else {
	try { fs.mkdirSync(dir, { recursive: true, mode: 0o700 }); } catch (e) {}
	pick(0);
}' "$STACK_PORT_DIR" "$STACK_PORT_HOLD_S"
}

# stack_wait_listen PID PORT: wait until process PID listens on
# 127.0.0.1:PORT, or fail when it has died or after STACK_START_S seconds.
# Waiting for the URL alone would take another server that got the port
# first (a free port is only free when it is chosen) for ours.
stack_wait_listen() {
	local pid=$1 port=$2 end=$((SECONDS + STACK_START_S))
	while [ "$SECONDS" -lt "$end" ]; do
		kill -0 "$pid" 2>/dev/null ||
		    { stack_die "pid $pid died before listening on $port"; return 1; }
		ss -Hltnp "sport = :$port" 2>/dev/null | grep -q "pid=$pid," &&
		    return 0
		sleep 0.1
	done
	stack_die "pid $pid is not listening on $port"
	return 1
}

# How long a start-up step may take before it is called failed: generous,
# since a busy 2-core machine can take seconds to start a server; each
# wait ends as soon as the event happens.
STACK_START_S=${STACK_START_S:-60}

# Wait until URL answers with any HTTP status (curl exit 0), or fail after
# STACK_START_S seconds.
stack_wait_http() {
	local url=$1 end=$((SECONDS + STACK_START_S))
	while [ "$SECONDS" -lt "$end" ]; do
		curl -s -o /dev/null --max-time 2 "$url" && return 0
		sleep 0.1
	done
	stack_die "no answer from '$url' in $STACK_START_S s"
}

stack_init() {
	STACK_DIR=$1
	STACK_NODE="$STACK_TOP/node_modules/.bin/node"
	[ -x "$STACK_NODE" ] || STACK_NODE=$(command -v node)
	if stack_root; then
		local u
		for u in "$STACK_PG_USER" "$STACK_SUPABASE_USER" "$STACK_USER"; do
			id "$u" >/dev/null 2>&1 ||
			    { stack_die "no user '$u': run make deps"; return 1; }
		done
	fi
	mkdir -p "$STACK_DIR"/{bin,pg,secrets,supabase/secrets,apache} \
	    "$STACK_DIR"/platform/{log,data,spool,run,secrets} || return 1
	# Binaries are copied so an unprivileged user can run them even when
	# the checkout sits under a private home directory. DIR and bin/ are
	# the caller's (a stack from before made them the platform user's):
	# no role may replace a binary.
	stack_own "$(id -un):" 0755 "$STACK_DIR" "$STACK_DIR/bin" || return 1
	install -m 0755 "$STACK_TOP/build/mcp-platform.fcgi" \
	    "$STACK_TOP/build/supabase-local.fcgi" "$STACK_TOP/build/mcpctl" \
	    "$STACK_DIR/bin/" || return 1
	# Apache: a copy (not a link: mod_fcgid keys its process classes on
	# the file) that serves /healthz and /readyz from workers of their own.
	install -m 0755 "$STACK_TOP/build/mcp-platform.fcgi" \
	    "$STACK_DIR/bin/mcp-platform-health.fcgi" || return 1
	# The console's static files (web/console), served at /console/ by
	# the web server, read-only to it like the binaries.
	rm -rf "$STACK_DIR/web" && mkdir -p "$STACK_DIR/web" &&
	    cp -R "$STACK_TOP/web/console" "$STACK_DIR/web/console" &&
	    chmod -R u=rwX,go=rX "$STACK_DIR/web" || return 1
	stack_secrets || return 1
	# The platform's directories: its data, request log, spool and
	# sockets, private to its user (spool records are shipped as the
	# service role: nobody else may write there, or read them).
	stack_own "$STACK_USER:" 0700 "$STACK_DIR"/platform/{log,data,spool,run} \
	    "$STACK_DIR/apache" || return 1
	STACK_PUBLISHABLE_KEY=$(cat "$STACK_DIR/secrets/publishable-key")
	STACK_SECRET_KEY=$(cat "$STACK_DIR/secrets/secret-key")
	STACK_JWT_SECRET=$(cat "$STACK_DIR/secrets/jwt-secret")
	STACK_PG="host=$STACK_DIR/pg user=postgres dbname=postgres passfile=$STACK_DIR/secrets/pgpass"
	stack_node_modules
}

# DIR/secrets (made once, kept between runs), and each role's copy of what
# it needs: the platform reads its four at start (docs/security.md),
# supabase-local its keys and its database passwords.
stack_secrets() {
	local s=$STACK_DIR/secrets u
	(
		umask 077
		cd "$s" || exit 1
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
		# The database roles' passwords, as a libpq passfile.
		for u in postgres authenticator supabase_auth_admin; do
			grep -q "^\*:\*:\*:$u:." pgpass 2>/dev/null ||
			    printf '*:*:*:%s:%s\n' "$u" \
			    "$(openssl rand -hex 24)" >> pgpass
		done
	) || { stack_die "cannot make the secrets in '$s'"; return 1; }
	stack_own "$(id -un):" 0700 "$s" && stack_own "$(id -un):" 0600 "$s"/* ||
	    return 1
	# A private copy per role (0700 directory of its own, 0600 files).
	stack_own "$STACK_USER:" 0700 "$STACK_DIR/platform" \
	    "$STACK_DIR/platform/secrets" || return 1
	for u in secret-key jwt-secret master-key platform-signing.pem; do
		stack_copy_secret "$STACK_USER" "$s/$u" \
		    "$STACK_DIR/platform/secrets/$u" || return 1
	done
	stack_own "$STACK_SUPABASE_USER:" 0700 "$STACK_DIR/supabase" \
	    "$STACK_DIR/supabase/secrets" || return 1
	for u in secret-key jwt-secret es256.pem; do
		stack_copy_secret "$STACK_SUPABASE_USER" "$s/$u" \
		    "$STACK_DIR/supabase/secrets/$u" || return 1
	done
	grep -E '^\*:\*:\*:(authenticator|supabase_auth_admin):' "$s/pgpass" |
	    stack_copy_secret "$STACK_SUPABASE_USER" /dev/stdin \
	    "$STACK_DIR/supabase/secrets/pgpass"
}

# stack_copy_secret USER SRC DST: DST becomes USER's, 0600, SRC's bytes.
stack_copy_secret() {
	local tmp=$3.new
	rm -f "$tmp"
	(umask 077 && cat "$2" > "$tmp") && stack_own "$1:" 0600 "$tmp" &&
	    mv -f "$tmp" "$3"
}

# A database role's password (DIR/secrets/pgpass).
stack_pg_password() {
	sed -n "s/^\*:\*:\*:$1://p" "$STACK_DIR/secrets/pgpass"
}

# The catalog's stdio servers and the node that runs them come from
# node_modules. The stack user must be able to reach them: when the
# checkout sits where it cannot (a private home), they are copied once.
stack_node_modules() {
	STACK_NODE_MODULES=$STACK_TOP/node_modules
	if stack_root && ! runuser -u "$STACK_USER" -- \
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
	# The socket directory: PostgreSQL's, searchable by supabase-local's
	# group only (0710): the platform's uid cannot even reach the socket.
	if stack_root; then
		stack_own "$STACK_PG_USER:$(id -gn "$STACK_SUPABASE_USER")" \
		    0710 "$d" || return 1
	else
		chmod 0700 "$d" || return 1
	fi
	# (nothing to chown in a new DIR: not a failure, also under set -e)
	if stack_root; then chown -R "$STACK_PG_USER:" "$d"/* 2>/dev/null || true; fi
	stack_private_file "$STACK_PG_USER" "$d/postgres.log" "$d/initdb.log" ||
	    return 1
	if [ ! -f "$d/data/PG_VERSION" ]; then
		# trust only until stack_pg_auth below, before any server runs
		stack_as_user "$STACK_PG_USER" "$PG_BIN/initdb" -D "$d/data" \
		    -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
		    >"$d/initdb.log" 2>&1 ||
		    { stack_die "initdb failed ('$d/initdb.log')"; return 1; }
	fi
	stack_pg_auth || return 1
	# Unix socket only, inside DIR. Its mode is 0777 as in Debian's own
	# /run/postgresql: the directory decides who reaches it.
	stack_as_user "$STACK_PG_USER" "$PG_BIN/pg_ctl" -D "$d/data" \
	    -l "$d/postgres.log" -w -t 60 \
	    -o "-k $d -c listen_addresses='' -c unix_socket_permissions=0777" \
	    start >/dev/null 3>&- ||
	    { stack_die "postgres did not start ('$d/postgres.log')"; return 1; }
}

# Password authentication (SCRAM) for every role on the socket, the
# superuser included: being able to reach the socket is not enough. The
# superuser's password is set with the server stopped (single-user mode),
# when pg_hba.conf is not ours yet (a new data directory, or one from
# before) or the password is newer than it.
stack_pg_auth() {
	local data=$STACK_DIR/pg/data hba=$STACK_DIR/pg/data/pg_hba.conf
	local mark='# deploy/local/stack.sh: a password for every role'
	local log=$STACK_DIR/pg/postgres.log err rc
	if [ "$(head -1 "$hba" 2>/dev/null)" = "$mark" ] &&
	    [ ! "$STACK_DIR/secrets/pgpass" -nt "$hba" ]; then
		return 0
	fi
	# The password goes in on stdin, never on a command line.
	err=$(printf "ALTER ROLE postgres PASSWORD '%s';\n" \
	    "$(stack_pg_password postgres)" |
	    stack_as_user "$STACK_PG_USER" "$PG_BIN/postgres" --single \
	    -D "$data" postgres 2>&1 >/dev/null)
	rc=$?
	printf '%s\n' "$err" >>"$log"
	# A failed statement leaves single-user mode's exit status 0: its
	# ERROR line tells.
	if [ "$rc" -ne 0 ] || grep -qE '(ERROR|FATAL|PANIC): ' <<<"$err"; then
		stack_die "cannot set the superuser's password ('$log')"
		return 1
	fi
	printf '%s\n%s\n' "$mark" 'local all all scram-sha-256' > "$hba.new" &&
	    stack_own "$STACK_PG_USER:" 0600 "$hba.new" && mv -f "$hba.new" "$hba"
}

stack_psql() {
	psql -X -q -v ON_ERROR_STOP=1 "$STACK_PG" "$@"
}

# The migrations, supabase-local's auth schema, and the passwords of the
# two roles supabase-local logs in as (its passfile holds them).
stack_migrate() {
	"$STACK_TOP/sql/migrate" "$STACK_PG" >/dev/null &&
	stack_psql -f "$STACK_TOP/deploy/supabase-local/auth.sql" >/dev/null &&
	printf "ALTER ROLE %s PASSWORD '%s';\n" \
	    authenticator "$(stack_pg_password authenticator)" \
	    supabase_auth_admin "$(stack_pg_password supabase_auth_admin)" |
	    stack_psql >/dev/null
}

# supabase-local's lighttpd configuration. SUPABASE_JWT_ALG=ES256 makes
# Auth sign user tokens with an ES256 key published in its JWKS;
# SUPABASE_MAILER_AUTOCONFIRM=false makes signups wait for an email
# confirmation (docs/supabase-local.md).
# The OAuth 2.1 server is on, with dynamic registration and client ID
# metadata documents; it sends users to STACK_SITE_URL/oauth/consent (the
# platform's consent page: set STACK_SITE_URL to the platform's URL before
# calling this). STACK_CIMD_LOOPBACK=true lets metadata documents come
# from http://127.0.0.1 (tests only); STACK_OAUTH=false turns the OAuth
# server off, STACK_OAUTH_DCR=false only dynamic registration.
stack_start_supabase() {
	STACK_SUPABASE_PORT=$1
	STACK_SUPABASE_URL="http://127.0.0.1:$1"
	local d=$STACK_DIR/supabase es256=""
	if [ "${SUPABASE_JWT_ALG:-HS256}" = ES256 ]; then
		es256="\"SUPABASE_LOCAL_ES256_KEY_FILE\" => \"$d/secrets/es256.pem\","
	fi
	local site=${STACK_SITE_URL:-http://127.0.0.1:${STACK_PLATFORM_PORT:-8080}}
	cat > "$d/lighttpd.conf" <<EOF
server.modules = ( "mod_fastcgi", "mod_accesslog" )
server.bind = "127.0.0.1"
server.port = $1
server.document-root = "$d"
server.pid-file = "$d/lighttpd.pid"
server.errorlog = "$d/error.log"
accesslog.filename = "$d/access.log"
# The path without the query string, which may carry data (as in the
# platform's own, deploy/lighttpd/mcp-platform.conf).
accesslog.format = "%h %t \\"%m %U %H\\" %>s %b %D"
server.max-request-size = 16384
fastcgi.server = ( "/" => ( (
	"bin-path" => "$STACK_DIR/bin/supabase-local.fcgi",
	"socket" => "$d/fcgi.sock",
	"max-procs" => 2,
	"check-local" => "disable",
	"bin-environment" => (
		"SUPABASE_LOCAL_URL" => "$STACK_SUPABASE_URL",
		"SUPABASE_LOCAL_REST_DB" => "host=$STACK_DIR/pg user=authenticator dbname=postgres passfile=$d/secrets/pgpass",
		"SUPABASE_LOCAL_AUTH_DB" => "host=$STACK_DIR/pg user=supabase_auth_admin dbname=postgres passfile=$d/secrets/pgpass",
		"SUPABASE_LOCAL_JWT_SECRET_FILE" => "$d/secrets/jwt-secret",
		"SUPABASE_LOCAL_SECRET_KEY_FILE" => "$d/secrets/secret-key",
		$es256
		"SUPABASE_LOCAL_MAILER_AUTOCONFIRM" => "${SUPABASE_MAILER_AUTOCONFIRM:-true}",
		"SUPABASE_LOCAL_OAUTH_SERVER_ENABLED" => "${STACK_OAUTH:-true}",
		"SUPABASE_LOCAL_SITE_URL" => "$site",
		"SUPABASE_LOCAL_OAUTH_AUTHORIZATION_PATH" => "/oauth/consent",
		"SUPABASE_LOCAL_OAUTH_DYNAMIC_REGISTRATION" => "${STACK_OAUTH_DCR:-true}",
		"SUPABASE_LOCAL_OAUTH_CLIENT_METADATA_DOCUMENTS" => "true",
		"SUPABASE_LOCAL_OAUTH_CIMD_ALLOW_LOOPBACK" => "${STACK_CIMD_LOOPBACK:-false}",
		"SUPABASE_LOCAL_PUBLISHABLE_KEY" => "$STACK_PUBLISHABLE_KEY"
	)
) ) )
EOF
	stack_lighttpd_start "$d" "$STACK_SUPABASE_USER" &&
	    stack_wait_http "$STACK_SUPABASE_URL/auth/v1/health"
}

# stack_lighttpd_start DIR [USER]: lighttpd -f DIR/lighttpd.conf as USER
# (the platform's by default), logs in DIR, 0600.
stack_lighttpd_start() {
	local d=$1 u=${2:-$STACK_USER}
	if stack_root; then chown -R "$u:" "$d"; fi
	chmod 0700 "$d"
	stack_private_file "$u" "$d/error.log" "$d/access.log" || return 1
	stack_as_user "$u" "$LIGHTTPD" -tt -f "$d/lighttpd.conf" >/dev/null ||
	    { stack_die "bad lighttpd config '$d/lighttpd.conf'"; return 1; }
	# In the foreground (-D), backgrounded here: a daemonized lighttpd
	# sends its FastCGI workers' stderr -- their operator log lines -- to
	# /dev/null; this way they land in error.log next to lighttpd's own.
	rm -f "$d/lighttpd.pid"
	stack_as_user "$u" "$LIGHTTPD" -D -f "$d/lighttpd.conf" </dev/null \
	    >>"$d/error.log" 2>&1 3>&- &
	disown $! 2>/dev/null || true
	local end=$((SECONDS + STACK_START_S))
	while [ "$SECONDS" -lt "$end" ]; do
		[ -s "$d/lighttpd.pid" ] && return 0
		kill -0 $! 2>/dev/null || break
		sleep 0.05
	done
	stack_die "lighttpd did not start ('$d/error.log')"
}

stack_stop_supabase() {
	stack_kill_pidfile "$STACK_DIR/supabase/lighttpd.pid"
}

# The platform node's directory: DIR/platform, or STACK_PLATFORM_DIR
# (a further node of a multi-node stack, stack_add_node).
stack_pdir() { printf '%s\n' "${STACK_PLATFORM_DIR:-$STACK_DIR/platform}"; }

# The platform's own configuration, pointing at supabase-local.
stack_platform_conf() {
	local origins pd
	pd=$(stack_pdir)
	# The secrets are the platform's own copies (stack_secrets): its
	# workers read them once, at start.
	cat > "$pd/mcp-platform.conf" <<EOF
# written by deploy/local/stack.sh for the local stack
supabase_url = $STACK_SUPABASE_URL
supabase_publishable_key = $STACK_PUBLISHABLE_KEY
supabase_secret_key_file = $pd/secrets/secret-key
supabase_jwt_secret_file = $pd/secrets/jwt-secret
master_key_file = $pd/secrets/master-key
data_dir = $pd/data
log_dir = $pd/log
spool_dir = $pd/spool
stdio_path = $STACK_NODE_MODULES/.bin:/usr/bin:/bin
log_level = info
EOF
	# The tests hold all four workers with one tenant (busy_workers):
	# the fair share (75 % of node_workers by default) is off unless a
	# test asks for it (STACK_FAIR_SHARE=1, 0831-fair-share.bats).
	if [ -z "${STACK_FAIR_SHARE:-}" ]; then
		echo "limit_tenant_share = 0" >> "$pd/mcp-platform.conf"
	fi
	# Tests: extra "key = value" lines (e.g. log_ship_interval = 1).
	if [ -n "${STACK_PLATFORM_CONF_EXTRA:-}" ]; then
		printf '%s\n' "$STACK_PLATFORM_CONF_EXTRA" \
		    >> "$pd/mcp-platform.conf"
	fi
	# Tests that need platform (API-key) tokens: STACK_PLATFORM_TOKENS=1.
	if [ -n "${STACK_PLATFORM_TOKENS:-}" ]; then
		echo "platform_signing_key_file = $pd/secrets/platform-signing.pem" \
		    >> "$pd/mcp-platform.conf"
	fi
	# The console (/console/) calls /mcp/... from the platform's own
	# origin; the conformance front port's origins too when there is one.
	origins=${STACK_BASE_URL:-}
	if [ -n "${STACK_FRONT_PORT:-}" ]; then
		origins="${origins:+$origins,}http://127.0.0.1:$STACK_FRONT_PORT,http://localhost:$STACK_FRONT_PORT"
	fi
	if [ -n "$origins" ]; then
		echo "allowed_origins = $origins" >> "$pd/mcp-platform.conf"
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
	local d
	d=$(stack_pdir)
	sed -e "s|@PORT@|$1|g" -e "s|@DIR@|$d|g" \
	    -e "s|@BIN@|$STACK_DIR/bin/mcp-platform.fcgi|g" \
	    -e "s|@WEB@|$STACK_DIR/web|g" \
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
	if stack_root; then
		user="User $STACK_USER"
		group="Group $(id -gn "$STACK_USER")"
	fi
	mkdir -p "$d/fcgid"
	sed -e "s|@PORT@|$1|g" -e "s|@DIR@|$d|g" \
	    -e "s|@BINDIR@|$STACK_DIR/bin|g" \
	    -e "s|@WEB@|$STACK_DIR/web|g" \
	    -e "s|@CONF@|$STACK_DIR/platform/mcp-platform.conf|g" \
	    -e "s|@MODULES@|$APACHE_MODULES|g" \
	    -e "s|@USER@|$user|g" -e "s|@GROUP@|$group|g" \
	    "$STACK_TOP/deploy/apache/mcp-platform.conf" > "$d/httpd.conf"
	# Apache opens its logs as root (before it drops to User): made
	# here first, 0600, so they are not world-readable.
	if stack_root; then chown -R "$STACK_USER:" "$d" "$STACK_DIR/platform"; fi
	chmod 0700 "$d"
	stack_private_file "$STACK_USER" "$d/error.log" "$d/access.log" \
	    "$d/configtest.log" || return 1
	# As root Apache binds and then drops to User/Group itself.
	"$APACHE" -t -f "$d/httpd.conf" >/dev/null 2>"$d/configtest.log" ||
	    { cat "$d/configtest.log" >&2; stack_die "bad apache config"; return 1; }
	# 3>&-: Apache's processes must not hold a test runner's output
	# open (bats waits for its fd 3 to close).
	"$APACHE" -f "$d/httpd.conf" -k start </dev/null 3>&- ||
	    { stack_die "apache did not start ('$d/error.log')"; return 1; }
}

# stack_start_node NAME PORT ARGS...: a Node MCP server over HTTP on
# 127.0.0.1:PORT (deploy/local/loopback.cjs keeps it off other
# interfaces), run as the stack user, pid in DIR/NAME.pid.
stack_start_node() {
	local name=$1 port=$2
	shift 2
	stack_private_file "$STACK_USER" "$STACK_DIR/$name.log" || return 1
	# setpriv execs (runuser would stay in between), so $! is the server
	# itself and the pid file kills the right process. fd 3 closed: a
	# server must not hold the test runner's output open.
	local as=()
	if stack_root; then
		as=(setpriv --reuid="$STACK_USER" --regid="$(id -g "$STACK_USER")"
		    --init-groups --)
	fi
	"${as[@]}" env PORT="$port" "$STACK_NODE_MODULES/.bin/node" \
	    --require "$STACK_TOP/deploy/local/loopback.cjs" "$@" \
	    </dev/null >>"$STACK_DIR/$name.log" 2>&1 3>&- &
	echo $! > "$STACK_DIR/$name.pid"
	# stopped by pid file, not job control: no "Terminated" notices
	disown $! 2>/dev/null || true
	stack_wait_listen "$!" "$port" &&
	stack_wait_http "http://127.0.0.1:$port/mcp" ||
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

# stack_add_node NAME: the directories of a further platform node,
# DIR/NAME/{log,data,spool,run,secrets} with the platform's own copies of
# the secrets, as stack_init lays out DIR/platform. Start it with
# STACK_PLATFORM_DIR=DIR/NAME stack_start_platform PORT (lighttpd).
stack_add_node() {
	local d=$STACK_DIR/$1 u
	mkdir -p "$d"/{log,data,spool,run,secrets} || return 1
	stack_own "$STACK_USER:" 0700 "$d" "$d"/{log,data,spool,run,secrets} ||
	    return 1
	for u in secret-key jwt-secret master-key platform-signing.pem; do
		stack_copy_secret "$STACK_USER" "$STACK_DIR/secrets/$u" \
		    "$d/secrets/$u" || return 1
	done
}

# stack_start_haproxy PORT NODE_PORT...: HAProxy (deploy/haproxy/
# mcp-platform.cfg) on 127.0.0.1:PORT, round robin over the nodes, as the
# platform's user, pid in DIR/haproxy.pid. STACK_LB_URL is its base URL.
stack_start_haproxy() {
	local port=$1 d=$STACK_DIR/haproxy p i=0
	shift
	mkdir -p "$d" && stack_own "$STACK_USER:" 0700 "$d" || return 1
	{
		sed -e "s|@PORT@|$port|g" "$STACK_TOP/deploy/haproxy/mcp-platform.cfg"
		for p in "$@"; do
			i=$((i + 1))
			printf '\tserver node%d 127.0.0.1:%s\n' "$i" "$p"
		done
	} > "$d/haproxy.cfg"
	stack_own "$STACK_USER:" 0600 "$d/haproxy.cfg" || return 1
	"${HAPROXY:-/usr/sbin/haproxy}" -c -q -f "$d/haproxy.cfg" ||
	    { stack_die "bad haproxy config '$d/haproxy.cfg'"; return 1; }
	rm -f "$STACK_DIR/haproxy.pid"
	stack_as "${HAPROXY:-/usr/sbin/haproxy}" -D -p "$d/haproxy.pid" \
	    -f "$d/haproxy.cfg" </dev/null >>"$d/haproxy.log" 2>&1 3>&- ||
	    { stack_die "haproxy did not start ('$d/haproxy.log')"; return 1; }
	cp "$d/haproxy.pid" "$STACK_DIR/haproxy.pid"
	STACK_LB_URL="http://127.0.0.1:$port"
	stack_wait_http "$STACK_LB_URL/healthz"
}

stack_stop_platform() {
	stack_kill_pidfile "$(stack_pdir)/lighttpd.pid"
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

# stack_kill_pidfile FILE: TERM the process, KILL it after
# STACK_STOP_S (20) seconds. A daemon that leads its own process group
# (Apache's master) takes the group with it: a master killed before its
# children were gone would leave them running, orphaned (a busy machine
# made Apache's stop outlast a 5 s wait in CI, and its orphans held the
# test runner's output open until the suite's timeout).
stack_kill_pidfile() {
	local f=$1 pid pg n
	[ -f "$f" ] || return 0
	pid=$(cat "$f" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		pg=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')
		kill -TERM "$pid" 2>/dev/null
		for n in $(seq $((${STACK_STOP_S:-20} * 10))); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		if [ "$pg" = "$pid" ]; then
			kill -KILL -- "-$pg" 2>/dev/null || true
		fi
	fi
	rm -f "$f"
}

stack_stop() {
	[ -n "${STACK_DIR:-}" ] || return 0
	stack_stop_platform
	stack_stop_supabase
	local f
	# further platform nodes (stack_add_node)
	for f in "$STACK_DIR"/*/lighttpd.pid; do
		if [ -e "$f" ]; then stack_kill_pidfile "$f"; fi
	done
	for f in "$STACK_DIR"/*.pid; do
		if [ -e "$f" ]; then stack_kill_pidfile "$f"; fi
	done
	if [ -f "$STACK_DIR/pg/data/postmaster.pid" ]; then
		stack_as_user "$STACK_PG_USER" "$PG_BIN/pg_ctl" -D "$STACK_DIR/pg/data" -m fast -w \
		    stop >/dev/null 2>&1 || true
	fi
}
