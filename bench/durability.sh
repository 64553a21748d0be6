#!/bin/sh
# What `durable: true` (config.json; the default) costs: the same burst of
# N tone jobs (0.1 s each) through a release-built supervisor on a spool on
# local disk (not /dev/shm: tmpfs makes fsync free), once with durable:
# false and once with true, and `audiospool submit` timed M times in each.
# The figure for `false` is the anchor; SPOOL.md, "Crashes and power loss",
# says what `true` buys.
#
# usage: [ROUNDS=3] bench/durability.sh [N] [M] [DIR]   (default N=500, M=50, DIR=/var/tmp)
set -eu
cd "$(dirname "$0")/.."
count=${1:-500}
submits=${2:-50}
base=${3:-/var/tmp}

swift build -c release --product audiospool >/dev/null
bin=$(pwd)/.build/release/audiospool
work=$(mktemp -d -p "$base" audiospool-durable-XXXXXX)
supervisor=
trap '[ -n "$supervisor" ] && kill $supervisor 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT INT TERM
echo "spool on: $(df -T "$work" | awk 'NR==2 {print $2, $1}')" >&2

run() {  # run DURABLE: prints "jobs_per_s submit_ms"
    spool="$work/spool-$1"
    mkdir -p "$spool"
    cat >"$spool/config.json" <<JSON
{"concurrency": 4, "output": {"format": "wav"}, "engines": {"tone": {"instances": 2}}, "durable": $1}
JSON
    "$bin" run --spool "$spool" --engines Engines 2>"$work/supervisor-$1.log" &
    supervisor=$!
    while [ ! -d "$spool/cur" ]; do sleep 0.05; done
    python3 - "$spool" "$count" <<'PY'
import json, os, sys, time
spool, count = sys.argv[1], int(sys.argv[2])
# The engine's first start is not part of the burst: one job first.
with open(f"{spool}/tmp/warm", "w") as out:
    json.dump({"engine": "tone", "params": {"seconds": 0.1}}, out)
os.rename(f"{spool}/tmp/warm", f"{spool}/new/warm.json")
while not os.path.exists(f"{spool}/done/warm"):
    time.sleep(0.01)
count += 1
start = time.perf_counter()
for index in range(count - 1):
    staging = f"{spool}/tmp/job{index}"
    with open(staging, "w") as out:
        json.dump({"engine": "tone", "params": {"seconds": 0.1, "frequency": 440 + index}}, out)
    os.rename(staging, f"{spool}/new/job{index}.json")
while len([n for n in os.listdir(f"{spool}/done") if not n.startswith(".")]) < count:
    time.sleep(0.01)
print(round((count - 1) / (time.perf_counter() - start), 1))
PY
    kill -TERM $supervisor
    wait $supervisor || true
    supervisor=
    python3 - "$bin" "$spool" "$submits" <<'PY'
import subprocess, sys, time
binary, spool, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = []
for index in range(count):
    start = time.perf_counter()
    subprocess.run([binary, "submit", "--spool", spool, "--engines", "Engines", "--engine", "tone", "--param", "seconds=0.1"],
                   check=True, stdout=subprocess.DEVNULL)
    times.append((time.perf_counter() - start) * 1000)
times.sort()
print(round(times[len(times) // 2], 2))
PY
}

# Alternately, ROUNDS times each (the machine's load drifts); the medians.
rounds=${ROUNDS:-3}
results=""
for round in $(seq "$rounds"); do
    for durable in false true; do
        rm -rf "$work/spool-$durable"
        results="$results $durable $(run $durable | tr '\n' ' ')"
    done
done
python3 - $results <<'PY'
import statistics, sys
values = sys.argv[1:]
rows = {"false": [], "true": []}
for index in range(0, len(values), 3):
    rows[values[index]].append((float(values[index + 1]), float(values[index + 2])))
print("rounds:", {key: value for key, value in rows.items()}, file=sys.stderr)
off_jobs = statistics.median(r[0] for r in rows["false"]); off_submit = statistics.median(r[1] for r in rows["false"])
on_jobs = statistics.median(r[0] for r in rows["true"]); on_submit = statistics.median(r[1] for r in rows["true"])
print("%-40s %14s %16s %8s" % ("", "durable: true", "durable: false", "ratio"))
print("%-40s %14s %16s %8.2f" % ("burst of tone jobs, jobs/s", on_jobs, off_jobs, on_jobs / off_jobs))
print("%-40s %14s %16s %8.2f" % ("audiospool submit, ms (median)", on_submit, off_submit, on_submit / off_submit))
PY
