#!/usr/bin/env bash
# run-corpus.sh [BUILD] -- the fuzz corpus regression suite: replay every
# input under tests/fuzz/corpus/<name>/ through the plain-cc driver
# BUILD/tests/fuzz_<name> (tests/fuzz/driver.c; BUILD defaults to build).
# One TAP stream on stdout, renumbered across targets; on stderr the
# failures and "fuzz: N passed, N failed". A driver that dies (a crash,
# ASan, a hang past its alarm) is one "not ok" naming the input it was
# running. Exit 1 on any failure, or when a target has no corpus.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
build=${1:-build}
n=0 fail=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT

for t in "$build"/tests/fuzz_*; do
	[ -x "$t" ] || continue
	name=${t##*/fuzz_}
	dir=tests/fuzz/corpus/$name
	if ! [ -d "$dir" ] || [ -z "$(ls -A "$dir" 2>/dev/null)" ]; then
		n=$((n + 1)) fail=$((fail + 1))
		echo "not ok $n - fuzz_$name: no corpus in $dir"
		continue
	fi
	"$t" "$dir" 2>"$err" | while IFS= read -r line; do
		case $line in
		"ok "*) echo "ok - fuzz_$name: ${line#ok * - }" ;;
		"not ok "*) echo "not ok - fuzz_$name: ${line#not ok * - }" ;;
		esac
	done >"$err.tap"
	rc=${PIPESTATUS[0]}
	while IFS= read -r line; do
		n=$((n + 1))
		case $line in
		"ok - "*) echo "ok $n - ${line#ok - }" ;;
		*) fail=$((fail + 1)); echo "not ok $n - ${line#not ok - }" ;;
		esac
	done <"$err.tap"
	rm -f "$err.tap"
	if [ "$rc" -ne 0 ]; then
		n=$((n + 1)) fail=$((fail + 1))
		last=$(grep '^# ' "$err" | tail -1)
		echo "not ok $n - fuzz_$name exited $rc (last input: ${last#\# })"
		grep -v '^# ' "$err" | tail -30 >&2
	fi
done
echo "1..$n"
if [ "$n" -eq 0 ]; then
	echo "fuzz: no drivers under $build/tests" >&2
	fail=1
fi
echo "fuzz: $((n - fail)) passed, $fail failed" >&2
[ "$fail" -eq 0 ]
