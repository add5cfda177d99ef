#!/usr/bin/env bash
# run-corpus.sh [BUILD] -- the fuzz corpus regression suite: replay every
# input under tests/fuzz/corpus/<name>/ through the plain-cc driver
# BUILD/tests/fuzz_<name> (tests/fuzz/driver.c; BUILD defaults to build).
# One TAP line per target on stdout: "ok" when the driver read and ran
# every input of its corpus, "not ok" naming the input(s) that failed; on
# stderr the drivers' complaints and "fuzz: N passed, N failed, 0 skipped".
# A driver that dies (a crash, ASan, a hang past its alarm) fails its
# target, naming the input it was running. Exit 1 on any failure, or when
# a target has no corpus.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
build=${1:-build}
n=0 fail=0
err=$(mktemp)
out=$(mktemp)
trap 'rm -f "$err" "$out"' EXIT

for t in "$build"/tests/fuzz_*; do
	[ -x "$t" ] || continue
	name=${t##*/fuzz_}
	dir=tests/fuzz/corpus/$name
	n=$((n + 1))
	if ! [ -d "$dir" ] || [ -z "$(ls -A "$dir" 2>/dev/null)" ]; then
		fail=$((fail + 1))
		echo "not ok $n - fuzz_$name: no corpus in $dir"
		continue
	fi
	"$t" "$dir" >"$out" 2>"$err"
	rc=$?
	ran=$(grep -c '^ok ' "$out")
	bad=$(sed -n 's/^not ok [0-9]* - //p' "$out" | tr '\n' ' ')
	if [ "$rc" -eq 0 ] && [ -z "$bad" ] && [ "$ran" -gt 0 ]; then
		echo "ok $n - fuzz_$name: $ran inputs"
		continue
	fi
	fail=$((fail + 1))
	if [ -n "$bad" ]; then
		echo "not ok $n - fuzz_$name: ${bad% }"
	else
		last=$(grep '^# ' "$err" | tail -1)
		echo "not ok $n - fuzz_$name exited $rc after $ran inputs (last input: ${last#\# })"
	fi
	grep -v '^# ' "$err" | tail -30 >&2
done
echo "1..$n"
if [ "$n" -eq 0 ]; then
	echo "fuzz: no drivers under $build/tests" >&2
	fail=1
fi
echo "fuzz: $((n - fail)) passed, $fail failed, 0 skipped" >&2
[ "$fail" -eq 0 ]
