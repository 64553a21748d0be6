#!/bin/bash
# The CPU a job costs, per process: a release-built supervisor on a spool in
# RAM, the tone engine (2 instances), N tone jobs of 0.1 s dropped at once
# after 20 warm-up jobs. CPU time is read from /proc/PID/stat before and
# after the burst, so it holds up on a loaded machine where jobs/s does not.
#
# usage: bench/jobcost.sh [N] [perf|strace]
#   every job has its own frequency, so each is a real engine run;
#   CACHED=1         the burst repeats the warm-up's 20 frequencies instead,
#                    so every job is served from the idempotency cache
#   NOCACHE=1        every job "cache": false
#   AUDIOSPOOL_BIN   that binary instead of building one
#   perf             also `perf record -g` the supervisor and engines during
#                    the burst, into bench/out/jobcost.perf.data; read it with
#                    perf report -i bench/out/jobcost.perf.data --no-children --sort symbol
#   strace           count the supervisor's system calls during the burst
#                    (strace -c -f, every thread), into bench/out/jobcost.strace,
#                    and print them per job (strace slows it: CPU figures then
#                    count strace's stops too)
set -eu
cd "$(dirname "$0")/.."
count=${1:-2000}
. bench/tone-supervisor.sh audiospool-jobcost

drop() {  # drop PREFIX COUNT PAUSE_S, then wait until done/ holds TOTAL
    python3 - "$work/spool" "$@" <<'PY'
import json, os, sys, time
spool, prefix, count, pause, total = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
extra = {"cache": False} if os.environ.get("NOCACHE") else {}
# The warm-up takes numbers 0..19; a burst's own start after them.
first = 0 if prefix == "warm" or os.environ.get("CACHED") else 20
for i in range(count):
    staging = f"{spool}/tmp/{prefix}{i}"
    with open(staging, "w") as out:
        out.write(json.dumps({"engine": "tone", "params": {"seconds": 0.1, "frequency": 200 + (first + (i % 20 if os.environ.get("CACHED") else i)) / 64}, **extra}))
    os.rename(staging, f"{spool}/new/{prefix}{i}.json")
    if pause:
        time.sleep(pause)
while len(os.listdir(f"{spool}/done")) < total:
    time.sleep(0.02)
PY
}
descendants() { local p; for p in $(pgrep -P "$1"); do echo "$p"; descendants "$p"; done; }
ticks() { local sum=0 p; for p in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $sum; }

drop warm 20 0.02 20
engines_before=$(descendants $supervisor)
s0=$(ticks $supervisor); e0=$(ticks $engines_before)
if [ "${2:-}" = perf ]; then
    mkdir -p bench/out
    perf record -F 999 -g -o bench/out/jobcost.perf.data -p "$(echo $supervisor $engines_before | tr ' ' ,)" 2>/dev/null &
    recorder=$!
    sleep 0.5
elif [ "${2:-}" = strace ]; then
    mkdir -p bench/out
    strace -c -f -o bench/out/jobcost.strace -p $supervisor 2>/dev/null &
    recorder=$!
    sleep 0.5
fi
t0=$(date +%s.%N)
drop burst "$count" 0 $((count + 20))
t1=$(date +%s.%N)
engines_after=$(descendants $supervisor)
s1=$(ticks $supervisor); e1=$(ticks $engines_after)
if [ -n "${recorder:-}" ]; then kill -INT $recorder; wait $recorder || true; fi
if [ "${2:-}" = strace ]; then
    python3 - "$count" bench/out/jobcost.strace <<'PY'
import sys
n, rows = int(sys.argv[1]), []
for line in open(sys.argv[2]):
    fields = line.split()
    if len(fields) >= 5 and fields[0][0].isdigit() and fields[-1] != "total":
        rows.append((int(fields[3]), fields[-1]))
rows.sort(reverse=True)
print(f"syscalls per job {sum(c for c, _ in rows) / n:.1f}: " + ", ".join(f"{name} {c / n:.1f}" for c, name in rows[:14]))
PY
fi
python3 - <<PY
hz, n, wall = $(getconf CLK_TCK), $count, $t1 - $t0
print(f"jobs/s {n / wall:.0f}   supervisor CPU ms/job {($s1 - $s0) / hz * 1000 / n:.3f}   engines CPU ms/job {($e1 - $e0) / hz * 1000 / n:.3f}   load {open('/proc/loadavg').read().split()[0]}")
PY
