#!/usr/bin/env bats
# mcpctl logs tail: the last N records of <log_dir>/requests.jsonl, the
# filters, bad lines skipped with a warning, and --follow across appends,
# rotation (rename + create) and truncation. No stack: a config file and a
# log directory in the test's temp dir.

load helpers
bats_require_minimum_version 1.5.0

# MCPCTL=build-asan/mcpctl runs the same tests on a sanitizer build.
CTL=${MCPCTL:-$TOP/build/mcpctl}

setup() {
	D=$BATS_TEST_TMPDIR
	LOG="$D/requests.jsonl"
	printf 'sb_secret_test' >"$D/sk"
	chmod 600 "$D/sk"
	printf 'supabase_url = http://127.0.0.1:9\nsupabase_secret_key_file = %s\nlog_dir = %s\n' \
	    "$D/sk" "$D" >"$D/c.conf"
	FPID=
}

teardown() {
	if [ -n "$FPID" ]; then
		kill "$FPID" 2>/dev/null || true
		wait "$FPID" 2>/dev/null || true
	fi
}

tail_() { "$CTL" -c "$D/c.conf" logs tail "$@"; }

# rec ID MINUTE TENANT SERVER METHOD TOOL STATUS JSONRPC_ERROR: one record
# as reqlog writes it (request_id first, ts in RFC 3339 UTC with ms)
rec() {
	local tool=null
	[ "$6" = - ] || tool="\"$6\""
	printf '{"request_id":"%s","ts":"2025-11-24T10:%02d:00.000Z","tenant_id":null,"tenant_slug":"%s","server_alias":"%s","method":"%s","tool":%s,"http_status":%d,"jsonrpc_error":%s,"total_ms":1.250}\n' \
	    "$1" "$2" "$3" "$4" "$5" "$tool" "$7" "$8"
}

# A log of 20 records: r1..r20, one a minute from 10:01.
fill() {
	local i t s st je
	for i in $(seq 20); do
		t=demo; [ $((i % 2)) = 0 ] && t=acme
		s=everything; [ $((i % 3)) = 0 ] && s=files
		st=200; je=null
		[ $((i % 5)) = 0 ] && st=502
		[ $((i % 7)) = 0 ] && st=404
		[ "$i" = 3 ] && je=-32601
		if [ $((i % 4)) = 0 ]; then
			rec "r$i" "$i" $t $s tools/call echo $st $je
		elif [ $((i % 4)) = 1 ]; then
			rec "r$i" "$i" $t $s tools/call add $st $je
		else
			rec "r$i" "$i" $t $s tools/list - $st $je
		fi
	done >>"$LOG"
}

# ids: the request ids of stdin's records on one line
ids() { jq -r .request_id | tr '\n' ' ' | sed 's/ $//'; }

# wait_lines N FILE: wait until FILE has at least N lines
has_lines() { [ "$(wc -l <"$2" 2>/dev/null || echo 0)" -ge "$1" ]; }
wait_lines() {
	wait_for has_lines "$1" "$2" && return 0
	echo "'$2' has fewer than $1 lines:" >&2
	cat "$2" >&2
	return 1
}

# follow ARGS...: tail -f in the background, stdout in $D/out
follow() {
	# (not through tail_(): $! must be mcpctl itself, not a subshell)
	"$CTL" -c "$D/c.conf" logs tail -f "$@" >"$D/out" 2>"$D/err" 3>&- &
	FPID=$!
}

@test "the last 10 records by default, -n N, every one with -n 0 and --all" {
	fill
	run tail_
	[ "$status" -eq 0 ]
	[ "$(ids <<<"$output")" = "r11 r12 r13 r14 r15 r16 r17 r18 r19 r20" ]
	run tail_ -n 3
	[ "$(ids <<<"$output")" = "r18 r19 r20" ]
	run tail_ -n3
	[ "$(ids <<<"$output")" = "r18 r19 r20" ]
	run tail_ --lines=1
	[ "$output" = "$(tail -1 "$LOG")" ]
	run tail_ -n 0
	[ "$output" = "$(cat "$LOG")" ]
	run tail_ --all
	[ "$output" = "$(cat "$LOG")" ]
	run tail_ -n 500
	[ "$output" = "$(cat "$LOG")" ]
}

@test "records are printed unchanged and jq reads the output cleanly" {
	fill
	printf 'not json\n' >>"$LOG"
	rec last 30 demo everything initialize - 200 null >>"$LOG"
	tail_ --all 2>/dev/null | jq -c . >"$D/jq"
	[ "$(wc -l <"$D/jq")" -eq 21 ]
	[ "$(tail_ --all 2>/dev/null | jq -c . | sha256sum)" = \
	  "$(grep -v '^not json' "$LOG" | jq -c . | sha256sum)" ]
	# stdout holds records only; the warning went to stderr
	tail_ --all 2>/dev/null | jq -e -s 'length == 21 and all(type == "object")'
}

@test "each filter" {
	fill
	run tail_ --all --tenant acme
	[ "$(ids <<<"$output")" = "r2 r4 r6 r8 r10 r12 r14 r16 r18 r20" ]
	run tail_ --all --server files
	[ "$(ids <<<"$output")" = "r3 r6 r9 r12 r15 r18" ]
	run tail_ --all --method tools/call
	[ "$(ids <<<"$output")" = "r1 r4 r5 r8 r9 r12 r13 r16 r17 r20" ]
	run tail_ --all --tool add
	[ "$(ids <<<"$output")" = "r1 r5 r9 r13 r17" ]
	run tail_ --all --status 404
	[ "$(ids <<<"$output")" = "r7 r14" ]
	run tail_ --all --status 5xx
	[ "$(ids <<<"$output")" = "r5 r10 r15 r20" ]
	run tail_ --all --status 2XX
	[ "$(ids <<<"$output" | wc -w)" -eq 14 ]
	run tail_ --all --errors
	[ "$(ids <<<"$output")" = "r3 r5 r7 r10 r14 r15 r20" ]
	run tail_ --all --request-id r13
	[ "$(ids <<<"$output")" = "r13" ]
	run tail_ --all --since 2025-11-24T10:18:00Z
	[ "$(ids <<<"$output")" = "r18 r19 r20" ]
	run tail_ --all --until 2025-11-24T10:03:00.000Z
	[ "$(ids <<<"$output")" = "r1 r2" ]
	# the same instant with an offset, and a date alone (midnight UTC)
	run tail_ --all --since 2025-11-24T12:19:00+02:00
	[ "$(ids <<<"$output")" = "r19 r20" ]
	run tail_ --all --since 2025-11-25
	[ -z "$output" ]
	run tail_ --all --until 2025-11-25
	[ "$(ids <<<"$output" | wc -w)" -eq 20 ]
}

@test "filters are ANDed, and -n counts matching records" {
	fill
	run tail_ --all --tenant acme --errors
	[ "$(ids <<<"$output")" = "r10 r14 r20" ]
	run tail_ -n 2 --tenant acme --errors
	[ "$(ids <<<"$output")" = "r14 r20" ]
	run tail_ --all --tenant demo --method tools/call --tool add \
	    --since 2025-11-24T10:02:00Z --until 2025-11-24T10:17:00Z
	[ "$(ids <<<"$output")" = "r5 r9 r13" ]
	run tail_ --tenant acme --server files --status 2xx
	[ "$(ids <<<"$output")" = "r6 r12 r18" ]
	run tail_ --tenant nobody
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "bad option values are usage errors (exit 2) saying what is wrong" {
	fill
	local bad
	for bad in "-n x" "-n -1" "-n 1000001" "--status 600" "--status 99" \
	    "--status 6xx" "--status 4x" "--since yesterday" \
	    "--since 2025-02-30" "--until 2025-11-24T25:00:00Z" \
	    "--since 2025-11-24T10:00:00" "--tenant" "--bogus" "extra" \
	    "--tenant a --tenant b" "-n 3 --all"; do
		# shellcheck disable=SC2086
		run tail_ $bad
		[ "$status" -eq 2 ] || { echo "'$bad' gave $status" >&2; return 1; }
		[ -n "$output" ]
		[ "$(wc -l <<<"$output")" -eq 1 ]
	done
	run tail_ --status 600
	[[ "$output" == *"--status"*"'600'"* ]]
	run tail_ --since 2025-11-24T11:00:00Z --until 2025-11-24T10:00:00Z
	[ "$status" -eq 2 ]
	run tail_ --tenant ''
	[ "$status" -eq 2 ]
	run tail_ --tenant "$(printf 'a\tb')"
	[ "$status" -eq 2 ]
}

@test "a missing file is a clear error; an empty file prints nothing" {
	run tail_
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot open '$LOG'"*"No such file"* ]]
	run tail_ --file "$D/nope.jsonl"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$D/nope.jsonl"* ]]
	: >"$LOG"
	run tail_
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run tail_ --file "$D"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a regular file"* ]]
}

@test "--file reads another file, a rotated one for instance" {
	rec old 1 demo everything initialize - 200 null >"$D/requests.jsonl.1"
	fill
	run tail_ --file "$D/requests.jsonl.1"
	[ "$output" = "$(cat "$D/requests.jsonl.1")" ]
}

@test "malformed, NUL-holding and oversized lines are skipped with one warning each" {
	rec a 1 demo everything initialize - 200 null >>"$LOG"
	printf 'not json\n' >>"$LOG"
	printf '\n' >>"$LOG"
	printf '[1,2]\n' >>"$LOG"
	printf '{"request_id":"n\0ul"}\n' >>"$LOG"
	printf '{"request_id":"cut' >>"$LOG"; printf '\n' >>"$LOG"
	# 256 KiB with its '\n' is the longest line reqlog writes: kept;
	# one byte more: skipped
	{ printf '{"request_id":"edge","pad":"'; head -c 262113 /dev/zero | tr '\0' x
	  printf '"}\n'; } >>"$LOG"
	{ printf '{"request_id":"over","pad":"'; head -c 262114 /dev/zero | tr '\0' x
	  printf '"}\n'; } >>"$LOG"
	rec b 2 demo everything initialize - 200 null >>"$LOG"
	run --separate-stderr tail_ --all
	[ "$status" -eq 0 ]
	[ "$(ids <<<"$output")" = "a edge b" ]
	[ "$(grep -c 'warning: .* skipped: ' <<<"$stderr")" -eq 6 ]
	[[ "$stderr" == *"not JSON"* ]]
	[[ "$stderr" == *"empty line"* ]]
	[[ "$stderr" == *"not a JSON object"* ]]
	[[ "$stderr" == *"NUL byte"* ]]
	[[ "$stderr" == *"longer than 262144 bytes"* ]]
	[[ "$stderr" == *"6 bad lines skipped"* ]]
	# the same through the filters' path and the last-N path
	run --separate-stderr tail_ --all --tenant demo
	[ "$(ids <<<"$output")" = "a b" ]
	[ "$(grep -c 'warning: ' <<<"$stderr")" -eq 6 ]
	run --separate-stderr tail_ -n 3
	[ "$(ids <<<"$output")" = "a edge b" ]
	[ "$(grep -c 'warning: ' <<<"$stderr")" -eq 6 ]
	run --separate-stderr tail_ -n 2
	[ "$(ids <<<"$output")" = "edge b" ]
	[ "$(grep -c 'warning: ' <<<"$stderr")" -eq 1 ]
}

@test "a last line without its newline counts without --follow" {
	rec a 1 demo everything initialize - 200 null >>"$LOG"
	rec b 2 demo everything initialize - 200 null | tr -d '\n' >>"$LOG"
	run tail_ -n 1
	[ "$(ids <<<"$output")" = "b" ]
}

@test "-n N on a big file reads from the end only" {
	# 1 GiB of NUL bytes (sparse) before the records: read forwards,
	# it would be one oversized line and take a while
	truncate -s 1G "$LOG"
	printf '\n' >>"$LOG"
	fill
	run --separate-stderr timeout 5 "$CTL" -c "$D/c.conf" logs tail -n 2
	[ "$status" -eq 0 ]
	[ "$(ids <<<"$output")" = "r19 r20" ]
	[ -z "$stderr" ]
	# with a filter it is read forwards, in bounded memory
	run --separate-stderr /usr/bin/time -f 'maxrss=%M' \
	    "$CTL" -c "$D/c.conf" logs tail -n 2 --tenant acme
	[ "$status" -eq 0 ]
	[ "$(ids <<<"$output")" = "r18 r20" ]
	[[ "$stderr" == *"byte 0 skipped: longer than"* ]]
	rss=$(sed -n 's/^maxrss=//p' <<<"$stderr")
	[ "$rss" -lt 65536 ]
}

@test "--follow prints the last records, then what is appended" {
	fill
	follow -n 2
	wait_lines 2 "$D/out"
	rec new1 30 demo everything initialize - 200 null >>"$LOG"
	wait_lines 3 "$D/out"
	# a line written in two pieces is printed once it is whole
	printf '{"request_id":"half",' >>"$LOG"
	sleep 0.5
	[ "$(wc -l <"$D/out")" -eq 3 ]
	printf '"ts":"2025-11-24T10:31:00.000Z"}\n' >>"$LOG"
	wait_lines 4 "$D/out"
	[ "$(ids <"$D/out")" = "r19 r20 new1 half" ]
	kill -TERM "$FPID"
	wait "$FPID"
	FPID=
}

@test "--follow applies the filters to appended records" {
	follow -n 0 --tenant acme --errors
	fill
	wait_lines 3 "$D/out"
	rec late 40 acme files tools/call echo 500 null >>"$LOG"
	rec skip 41 demo files tools/call echo 500 null >>"$LOG"
	rec last 42 acme files tools/call echo 200 -32000 >>"$LOG"
	wait_lines 5 "$D/out"
	sleep 0.5
	[ "$(ids <"$D/out")" = "r10 r14 r20 late last" ]
}

@test "--follow waits for a file that does not exist yet" {
	follow
	sleep 0.5
	kill -0 "$FPID"
	rec first 1 demo everything initialize - 200 null >"$LOG"
	wait_lines 1 "$D/out"
	[ "$(ids <"$D/out")" = "first" ]
}

@test "--follow across a rotation loses and repeats nothing" {
	rec a1 1 demo everything initialize - 200 null >"$LOG"
	follow -n 0
	wait_lines 1 "$D/out"
	rec a2 2 demo everything initialize - 200 null >>"$LOG"
	mv "$LOG" "$LOG.1"
	# a worker that checked the inode just before the rename
	rec a3 3 demo everything initialize - 200 null >>"$LOG.1"
	wait_lines 3 "$D/out"
	rec b1 4 demo everything initialize - 200 null >"$LOG"
	rec b2 5 demo everything initialize - 200 null >>"$LOG"
	wait_lines 5 "$D/out"
	rec b3 6 demo everything initialize - 200 null >>"$LOG"
	wait_lines 6 "$D/out"
	# a second rotation, the new file created at once (logrotate's create)
	mv "$LOG" "$LOG.2"
	rec b4 7 demo everything initialize - 200 null >>"$LOG.2"
	rec c1 8 demo everything initialize - 200 null >"$LOG"
	wait_lines 8 "$D/out"
	sleep 0.5
	[ "$(ids <"$D/out")" = "a1 a2 a3 b1 b2 b3 b4 c1" ]
	grep -q 'was replaced, following the new file' "$D/err"
}

@test "--follow across a truncation reads the file again from the start" {
	rec a1 1 demo everything initialize - 200 null >"$LOG"
	rec a2 2 demo everything initialize - 200 null >>"$LOG"
	follow -n 0
	wait_lines 2 "$D/out"
	: >"$LOG"
	wait_grep 'was truncated' "$D/err"
	rec b1 3 demo everything initialize - 200 null >>"$LOG"
	wait_lines 3 "$D/out"
	# truncated and refilled before the next look, but shorter
	truncate -s 0 "$LOG"
	printf '{"request_id":"b2"}\n' >>"$LOG"
	wait_lines 4 "$D/out"
	sleep 0.5
	[ "$(ids <"$D/out")" = "a1 a2 b1 b2" ]
	grep -q 'was truncated' "$D/err"
}

@test "--follow exits 0 on SIGINT and SIGTERM" {
	fill
	local sig
	for sig in INT TERM; do
		follow
		wait_lines 10 "$D/out"
		kill -s "$sig" "$FPID"
		st=0
		wait "$FPID" || st=$?
		FPID=
		[ "$st" -eq 0 ]
	done
}

@test "--follow exits 0 when its reader goes away" {
	local i
	for i in $(seq 20); do fill; done
	# the reader leaves after one record
	run timeout 60 bash -c 'set -o pipefail
	    "$0" -c "$1" logs tail -f | head -1 >/dev/null' "$CTL" "$D/c.conf" 3>&-
	[ "$status" -eq 0 ]
	# the reader leaves while nothing is being written
	run timeout 60 bash -c 'set -o pipefail
	    "$0" -c "$1" logs tail -f --tenant nobody | true' "$CTL" "$D/c.conf" 3>&-
	[ "$status" -eq 0 ]
	# without --follow, a closed stdout is not an error either
	run timeout 60 bash -c 'set -o pipefail
	    "$0" -c "$1" logs tail --all | head -1 >/dev/null' "$CTL" "$D/c.conf" 3>&-
	[ "$status" -eq 0 ]
}
