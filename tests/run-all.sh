#!/usr/bin/env bash
# run-all.sh -- every suite, as `make test` runs them (the binaries are
# built already). Per suite "NAME: N passed, N failed, N skipped", the
# skipped checks listed with their reasons; the last line sums them all:
# "N passed, N failed, N skipped" (docs/testing.md).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
. tests/tap-count.sh
total_pass=0 total_fail=0 total_skip=0
failed_lines=""
logdir=${TEST_LOG_DIR:-$(mktemp -d)}
# Every /api/v1 answer the bats tests receive (helpers.bash api_call()), for
# 0990-openapi.bats.
export API_RECORD="$logdir/api-record.jsonl"
: >"$API_RECORD"

suite() {
	local name=$1 rc
	shift
	"$@" >"$logdir/$name.tap" 2>"$logdir/$name.err"
	rc=$?
	tap_count "$logdir/$name.tap" "$rc"
	total_pass=$((total_pass + TAP_PASS))
	total_fail=$((total_fail + TAP_FAIL))
	total_skip=$((total_skip + TAP_SKIP))
	if [ "$TAP_FAIL" -ne 0 ]; then
		echo "--- $name: failures (exit $rc)"
		# each failure with the lines that follow it (its diagnostics),
		# not the tail of everything: a failure early in a long suite
		# was hidden by later tests' comments
		awk '/^not ok /{f=1; print; next} /^ok |^# bats warning/{f=0} f' \
		    "$logdir/$name.tap" | head -400
		grep -E '^# bats warning' "$logdir/$name.tap"
		failed_lines+=$(grep -E '^not ok ' "$logdir/$name.tap" | sed "s/^/$name: /")$'\n'
		tail -30 "$logdir/$name.err"
	fi
	if [ "$TAP_SKIP" -ne 0 ]; then
		echo "--- $name: skipped"
		printf '%s\n' "$TAP_SKIPPED"
	fi
	echo "$name: $TAP_PASS passed, $TAP_FAIL failed, $TAP_SKIP skipped"
}

run_units() {
	local t rc=0
	for t in build/tests/test_*; do
		[ -x "$t" ] || continue
		"$t" || rc=1
	done
	return $rc
}

suite unit run_units
# Every input in tests/fuzz/corpus/ (seeds and past crashes) replayed
# through the fuzz targets, built with the normal cc (tests/fuzz/driver.c).
suite fuzz bash tests/fuzz/run-corpus.sh build
# A test that hangs fails (bats' own bound per test) instead of holding CI
# past its 90 minutes, and the whole suite is bounded as well (a hung
# setup_file or teardown_file): then the count says 1 failed and the
# summary line still comes. docs/testing.md.
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-900}
suite bats timeout -k 30 "${BATS_SUITE_TIMEOUT_S:-4500}" bats --tap tests/bats
echo "logs: $logdir"
# the failures once more, where a reader of the last lines sees them
[ -z "${failed_lines//$'\n'/}" ] || printf 'failed:\n%s' "$failed_lines"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
