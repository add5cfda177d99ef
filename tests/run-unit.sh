#!/usr/bin/env bash
# run-unit.sh BIN... -- run unit-test binaries; print the failing lines,
# the skipped ones with their reasons and a summary "unit: N passed,
# N failed, N skipped"; exit 1 on any failure.
set -u
. "$(dirname "$0")/tap-count.sh"
pass=0 fail=0 skip=0
out=$(mktemp)
for t in "$@"; do
	"$t" >"$out" 2>&1
	rc=$?
	tap_count "$out" "$rc"
	pass=$((pass + TAP_PASS))
	fail=$((fail + TAP_FAIL))
	skip=$((skip + TAP_SKIP))
	if [ "$TAP_FAIL" -ne 0 ]; then
		echo "--- $t (exit $rc)"
		grep -vE '^ok ' "$out" | tail -40
	fi
	if [ "$TAP_SKIP" -ne 0 ]; then
		echo "--- $t: skipped"
		printf '%s\n' "$TAP_SKIPPED"
	fi
done
rm -f "$out"
echo "unit: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
