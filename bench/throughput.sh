#!/bin/sh
# Throughput and pick-up latency, end to end: a release-built supervisor on a
# spool in RAM (/dev/shm, as the Postfix figure is), the real tone engine,
# N jobs of 0.1 s each. Prints our figures beside the issue's anchors.
#
# usage: bench/throughput.sh [N]        (default N=2000)
#        AUDIOSPOOL_BIN=path bench/throughput.sh N   (that binary, unbuilt:
#        to alternate two builds in one sitting)
set -eu
cd "$(dirname "$0")/.."
count=${1:-2000}

if [ -n "${AUDIOSPOOL_BIN:-}" ]; then
    bin=$AUDIOSPOOL_BIN
else
    swift build -c release --product audiospool >/dev/null
    bin=.build/release/audiospool
fi
work=$(mktemp -d -p /dev/shm audiospool-bench-XXXXXX)
trap 'kill $supervisor 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work" "$work.bare"' EXIT INT TERM

mkdir -p "$work/spool"
cat >"$work/spool/config.json" <<JSON
{"concurrency": 4, "output": {"format": "wav"}, "engines": {"tone": {"instances": 2}}}
JSON
$bin run --spool "$work/spool" --engines Engines 2>"$work/supervisor.log" &
supervisor=$!
while [ ! -d "$work/spool/cur" ]; do sleep 0.05; done

figures=$(python3 bench/throughput.py "$work/spool" "$count")
kill -TERM $supervisor
wait $supervisor || true

python3 - "$figures" <<'PY'
import json, sys
f = json.loads(sys.argv[1])
rows = [
    ("end-to-end throughput, jobs/s", f["jobs_per_s"], "2500 (Postfix delivery, RAM disk; target)"),
    ("  bare maildir renames in Python, jobs/s", f["bare_maildir_jobs_per_s"], "(the file-system ceiling here)"),
    ("pick-up p50, ms (one job every %g ms)" % f["paced_interval_ms"], f["pickup_ms_paced"]["p50"], "2500 (a 5 s database poll)"),
    ("pick-up p99, ms (one job every %g ms)" % f["paced_interval_ms"], f["pickup_ms_paced"]["p99"], "5 (target)"),
    ("pick-up p50, ms (%d at once, queued)" % f["jobs"], f["pickup_ms_burst"]["p50"], "-"),
    ("pick-up p99, ms (%d at once, queued)" % f["jobs"], f["pickup_ms_burst"]["p99"], "-"),
]
print("%-48s %12s   %s" % ("", "audiospool", "anchor"))
for name, value, anchor in rows:
    print("%-48s %12s   %s" % (name, value, anchor))
PY
