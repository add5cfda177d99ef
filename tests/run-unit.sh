#!/usr/bin/env bash
# run-unit.sh BIN... -- run unit-test binaries; print failing lines and a
# summary "unit: N passed, N failed"; exit 1 on any failure.
set -u
. "$(dirname "$0")/tap-count.sh"
pass=0 fail=0
out=$(mktemp)
for t in "$@"; do
	"$t" >"$out" 2>&1
	rc=$?
	tap_count "$out" "$rc"
	pass=$((pass + TAP_PASS))
	fail=$((fail + TAP_FAIL))
	if [ "$TAP_FAIL" -ne 0 ]; then
		echo "--- $t (exit $rc)"
		grep -vE '^ok ' "$out" | tail -40
	fi
done
rm -f "$out"
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
