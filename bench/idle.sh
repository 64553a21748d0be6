#!/bin/sh
# What an idle supervisor costs: CPU (share of one core) and RSS over a
# window, over an empty spool and over one holding 100,000 finished and
# 10,000 failed jobs, measured in the same run. Release build, spool in RAM.
#
# usage: bench/idle.sh [SECONDS]        (default 30)
set -eu
cd "$(dirname "$0")/.."
window=${1:-30}

swift build -c release --product audiospool >/dev/null
bin=.build/release/audiospool
work=$(mktemp -d -p /dev/shm audiospool-idle-XXXXXX)
trap 'kill $supervisor 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
supervisor=

# Prints "cpu_percent rss_mb" for a supervisor idle over spool $1.
measure() {
    $bin run --spool "$1" --engines Engines 2>"$1.log" &
    supervisor=$!
    # Settled: its first supervisor.json is written after start-up's count and clean.
    while ! ls "$1"/state/hosts/*/supervisor.json >/dev/null 2>&1; do sleep 0.1; done
    sleep 3
    python3 - "$supervisor" "$window" <<'PY'
import os, sys, time
pid, window = int(sys.argv[1]), float(sys.argv[2])
tick = os.sysconf("SC_CLK_TCK")
def cpu():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick
start_cpu, start = cpu(), time.monotonic()
time.sleep(window)
used, elapsed = cpu() - start_cpu, time.monotonic() - start
rss = next(int(line.split()[1]) for line in open(f"/proc/{pid}/status") if line.startswith("VmRSS:"))
print(f"{100 * used / elapsed:.2f} {rss / 1024:.1f}")
PY
    kill -TERM $supervisor
    wait $supervisor || true
}

mkdir -p "$work/empty" "$work/full"
echo '{"output": {"format": "wav"}}' >"$work/empty/config.json"
cp "$work/empty/config.json" "$work/full/config.json"
# Finished jobs as the supervisor leaves them: a folder with its documents.
python3 - "$work/full" <<'PY'
import os, sys
root = sys.argv[1]
for folder, count, document in (("done", 100_000, "result.json"), ("failed", 10_000, "error.json")):
    os.makedirs(f"{root}/{folder}", exist_ok=True)
    for index in range(count):
        os.mkdir(f"{root}/{folder}/job{index:06d}")
        with open(f"{root}/{folder}/job{index:06d}/{document}", "w") as file:
            file.write('{"id": "job%06d"}\n' % index)
PY

empty=$(measure "$work/empty")
full=$(measure "$work/full")
python3 - "$empty" "$full" "$window" <<'PY'
import sys
empty, full, window = sys.argv[1].split(), sys.argv[2].split(), sys.argv[3]
print(f"idle supervisor over {window} s (release build, spool in /dev/shm)")
print("%-44s %12s   %s" % ("", "audiospool", "goal"))
print("%-44s %12s   %s" % ("CPU, % of one core, empty spool", empty[0], "-"))
print("%-44s %12s   %s" % ("CPU, % of one core, 100k done + 10k failed", full[0], "<= 0.5, and no more than empty"))
print("%-44s %12s   %s" % ("RSS, MB, empty spool", empty[1], "-"))
print("%-44s %12s   %s" % ("RSS, MB, 100k done + 10k failed", full[1], "<= 40"))
PY
