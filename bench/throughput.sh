#!/bin/sh
# Throughput and pick-up latency, end to end: a release-built supervisor on a
# spool in RAM (/dev/shm, as the Postfix figure is), the real tone engine,
# N jobs of 0.1 s each, every one a real engine run (its own frequency, so no
# idempotency-cache hit); then the same N again, each served from the cache,
# reported apart. Prints our figures beside the issue's anchors, and the CPU
# per job of the supervisor and of its engines (the figure to compare on a
# loaded machine).
#
# usage: bench/throughput.sh [N]        (default N=2000)
#        AUDIOSPOOL_BIN=path bench/throughput.sh N   (that binary, unbuilt:
#        to alternate two builds in one sitting)
set -eu
cd "$(dirname "$0")/.."
count=${1:-2000}

. bench/tone-supervisor.sh audiospool-bench

figures=$(python3 bench/throughput.py "$work/spool" "$count" "$supervisor")
kill -TERM $supervisor
wait $supervisor || true

python3 - "$figures" <<'PY'
import json, sys
f = json.loads(sys.argv[1])
rows = [
    ("end-to-end throughput, jobs/s", f["jobs_per_s"], "2500 (Postfix delivery, RAM disk; target)"),
    ("  supervisor CPU, ms per job", f["supervisor_cpu_ms_per_job"], "0.8 for both together: 2 cores / 2500 jobs/s"),
    ("  engines CPU, ms per job", f["engines_cpu_ms_per_job"], "-"),
    ("  bare maildir renames in Python, jobs/s", f["bare_maildir_jobs_per_s"], "(the file-system ceiling here)"),
    ("cached path (the same jobs again), jobs/s", f["cached_jobs_per_s"], "-"),
    ("  supervisor CPU, ms per cached job", f["cached_supervisor_cpu_ms_per_job"], "-"),
    ("pick-up p50, ms (one job every %g ms)" % f["paced_interval_ms"], f["pickup_ms_paced"]["p50"], "2500 (a 5 s database poll)"),
    ("pick-up p99, ms (one job every %g ms)" % f["paced_interval_ms"], f["pickup_ms_paced"]["p99"], "5 (target)"),
    ("pick-up p50, ms (%d at once, queued)" % f["jobs"], f["pickup_ms_burst"]["p50"], "-"),
    ("pick-up p99, ms (%d at once, queued)" % f["jobs"], f["pickup_ms_burst"]["p99"], "-"),
]
print("%-48s %12s   %s" % ("", "audiospool", "anchor"))
for name, value, anchor in rows:
    print("%-48s %12s   %s" % (name, value, anchor))
print("(%d jobs, cores %d, load average %.1f at the end)" % (f["jobs"], __import__("os").cpu_count(), f["load"]))
PY
