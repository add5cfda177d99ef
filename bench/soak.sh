#!/usr/bin/env bash
# bench/soak.sh -- the full soak of issue 13: 10,000 requests, 100 killed
# client connections, then kill -9 of every platform worker, under lighttpd
# and Apache; passes when no upstream child is orphaned and no zombie is
# left (tests/bats/0832-soak.bats, which CI runs with 1,000 and 20).
#
#   bench/soak.sh                       SOAK_REQUESTS=10000 SOAK_KILLS=100
#   SOAK_REQUESTS=50000 bench/soak.sh   longer
set -euo pipefail
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SOAK_REQUESTS=${SOAK_REQUESTS:-10000} SOAK_KILLS=${SOAK_KILLS:-100}
exec bats "$TOP/tests/bats/0832-soak.bats"
