#!/usr/bin/env bash
# direct.sh -- score the conformance fixture on its own: start
# tests/fixtures/conformance-server.mjs over Streamable HTTP on a free loopback
# port, run tests/conformance/run.sh against it, stop it.
#
#   tests/conformance/direct.sh [run.sh options]
#
# Environment: FIXTURE_NODE (node for the fixture; default
# node_modules/.bin/node, Node 22), FIXTURE_STEP_MS, and run.sh's
# CONFORMANCE_* variables. Exit status is run.sh's (2 if the fixture does not
# start within 60 s).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
node=${FIXTURE_NODE:-"$top/node_modules/.bin/node"}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conformance-fixture.XXXXXX") || exit 2
pid=

# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --port 0: the fixture takes a free port and prints "LISTENING <url>".
"$node" "$top/tests/fixtures/conformance-server.mjs" --http --host 127.0.0.1 --port 0 \
	>"$tmp/fixture.out" 2>"$tmp/fixture.err" &
pid=$!
url=
for _ in $(seq 1 600); do
	url=$(sed -n 's/^LISTENING //p' "$tmp/fixture.out")
	[ -n "$url" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$url" ]; then
	echo "direct.sh: the fixture did not start" >&2
	cat "$tmp/fixture.err" >&2
	exit 2
fi
"$top/tests/conformance/run.sh" "$@" "$url" direct
rc=$?
if [ $rc -ne 0 ]; then
	echo "# fixture stderr (last lines):"
	tail -20 "$tmp/fixture.err" | sed 's/^/#   /'
fi
exit $rc
