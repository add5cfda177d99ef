# tap-count.sh -- count a TAP stream's results (sourced by the runners).
#
# tap_count FILE RC -> sets TAP_PASS, TAP_FAIL, TAP_SKIP and TAP_SKIPPED
# (the skipped lines, one a line, each with its reason). docs/testing.md:
#
#   ok N - name                 passed
#   ok N - name # SKIP reason   skipped (also "# skip", as bats prints it)
#   not ok N - name # TODO why  skipped: an expected failure, a gap not
#                               built yet, listed with its reason
#   ok N - name # TODO why      failed: the expected failure passes now,
#                               so its TODO is stale
#   not ok N - name             failed (also "not ok ... # SKIP")
#
# A runner that exited non-zero without reporting a failing check counts as
# one failure, and so does one that ran nothing (a test that cannot fail is
# no test; a runner whose every check was skipped ran nothing).
tap_count() {
	local f=$1 rc=$2 counts
	counts=$(awk '
		/^(not )?ok( |$)/ {
			bad = ($0 ~ /^not /)
			low = tolower($0)
			dir = ""
			if (low ~ /[ \t]#[ \t]*skip/) dir = "skip"
			else if (low ~ /[ \t]#[ \t]*todo/) dir = "todo"
			if (!bad && dir == "") pass++
			else if (!bad && dir == "skip") { skip++; lines = lines $0 "\n" }
			else if (bad && dir == "todo") { skip++; lines = lines $0 "\n" }
			else fail++
		}
		END { printf "%d %d %d\n%s", pass, fail, skip, lines }' "$f")
	read -r TAP_PASS TAP_FAIL TAP_SKIP <<<"${counts%%$'\n'*}"
	TAP_SKIPPED=${counts#*$'\n'}
	[ "$counts" = "${counts#*$'\n'}" ] && TAP_SKIPPED=
	if [ "$rc" -ne 0 ] && [ "$TAP_FAIL" -eq 0 ]; then
		TAP_FAIL=1
	fi
	if [ "$TAP_PASS" -eq 0 ] && [ "$TAP_FAIL" -eq 0 ]; then
		TAP_FAIL=1
	fi
}
