#!/bin/sh
# The chaos proofs of issue 6 at full size, with a release build:
#  - 1,000 tone jobs while the supervisor is killed with SIGKILL at 10 random
#    moments and restarted;
#  - 2,000 tone jobs shared by two supervisors on one spool.
# bench/chaos.py audits the spool and the engine's log of runs afterwards and
# exits 1 on any lost, duplicated or half-written job. Set CHAOS_SEED to
# replay a run. Tests/EndToEndTests/ChaosTests.swift runs the same at test size.
#
# usage: bench/chaos.sh [JOBS_KILL] [KILLS] [JOBS_TWO]
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product audiospool >/dev/null
bin=.build/release/audiospool
status=0
python3 bench/chaos.py "$bin" Engines kill "${1:-1000}" "${2:-10}" || status=1
python3 bench/chaos.py "$bin" Engines two "${3:-2000}" || status=1
exit $status
