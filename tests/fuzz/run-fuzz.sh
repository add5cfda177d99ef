#!/usr/bin/env bash
# run-fuzz.sh BUILD SECONDS NAME... -- run libFuzzer targets
# BUILD/fuzz_<name> one after the other, SECONDS each, on a scratch corpus
# BUILD/corpus/<name>/ seeded from tests/fuzz/corpus/<name>/ (the seeds
# are only read; new inputs stay in BUILD). Crashes, leaks, timeouts and
# out-of-memory inputs land in BUILD/artifacts/<name>-*; add each one,
# once fixed, to tests/fuzz/corpus/<name>/ (docs/internals/fuzzing.md).
# A tests/fuzz/<name>.dict is passed as the dictionary. Exit 1 when any
# target found something.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
build=$1 secs=$2
shift 2
bad=""
mkdir -p "$build/artifacts"
for name in "$@"; do
	bin=$build/fuzz_$name
	[ -x "$bin" ] || { echo "fuzz: no $bin" >&2; bad="$bad $name"; continue; }
	mkdir -p "$build/corpus/$name"
	dict=()
	[ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	echo "fuzz: $name for ${secs}s"
	if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=8192 -print_final_stats=1 "${dict[@]}" \
	    -artifact_prefix="$build/artifacts/$name-" \
	    "$build/corpus/$name" "tests/fuzz/corpus/$name" \
	    >"$build/fuzz-$name.log" 2>&1; then
		bad="$bad $name"
		tail -40 "$build/fuzz-$name.log"
	fi
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' \
	    "$build/fuzz-$name.log" | tr '\n' ' '
	echo
done
if [ -n "$bad" ]; then
	echo "fuzz: findings in:$bad (see $build/artifacts/)"
	exit 1
fi
echo "fuzz: nothing found"
