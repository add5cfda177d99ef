# tap-count.sh -- count a TAP stream's results (sourced by the runners).
# tap_count FILE RC -> sets TAP_PASS and TAP_FAIL; a runner that exited
# non-zero without reporting a failing check counts as one failure, and so
# does one that ran nothing (a test that cannot fail is no test).
tap_count() {
	local f=$1 rc=$2
	TAP_PASS=$(grep -cE '^ok ' "$f" || true)
	TAP_FAIL=$(grep -cE '^not ok ' "$f" || true)
	if [ "$rc" -ne 0 ] && [ "$TAP_FAIL" -eq 0 ]; then
		TAP_FAIL=1
	fi
	if [ "$TAP_PASS" -eq 0 ] && [ "$TAP_FAIL" -eq 0 ]; then
		TAP_FAIL=1
	fi
}
