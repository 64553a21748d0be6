#!/bin/sh
# A 20-line, 2-engine episode (Piper with the joe voice, espeak, lines
# alternating, two sentences each) as one script job, against the same 20
# lines run as separate jobs one after another (each submitted when the one
# before is done), on one supervisor, in the same run. Both engines are
# loaded by a warm-up job first, so neither figure holds a model load.
# The issue's goal: the episode in at most 0.6x the separate jobs' time.
#
# usage: bench/episode.sh          RUNS=3 (the fastest of each counts)
set -eu
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
if [ -n "${AUDIOSPOOL_BIN:-}" ]; then bin=$AUDIOSPOOL_BIN; else
    swift build -c release --product audiospool >/dev/null
    bin=$PWD/.build/release/audiospool
fi
work=$(mktemp -d -p /dev/shm episode-XXXXXX)
trap 'kill $supervisor 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
spool=$work/spool
mkdir -p "$spool"
echo '{"durable": false, "output": {"format": "mp3"}}' >"$spool/config.json"
$bin run --spool "$spool" --engines Engines 2>"$work/supervisor.log" &
supervisor=$!
while [ ! -d "$spool/cur" ]; do sleep 0.05; done

# The episode's job, and the same lines as separate jobs, one a line.
python3 - "$work" <<'PY'
import json, sys
topics = ["the weather", "the harbour", "the market", "the old bridge", "the library", "the station", "the river",
          "the festival", "the school", "the mountain"]
lines = [{"text": f"Line {i + 1} is about {topics[i % 10]}. It has a second sentence, to be spoken after a pause.",
          "engine": "piper" if i % 2 == 0 else "espeak"} for i in range(20)]
with open(sys.argv[1] + "/episode", "w") as out:
    out.write(json.dumps({"task": "tts", "script": lines}))
with open(sys.argv[1] + "/separate", "w") as out:
    for line in lines:
        # Not from the cache: each run speaks them again, as the episode does.
        out.write(json.dumps({"engine": line["engine"], "task": "tts", "text": line["text"], "cache": False}) + "\n")
PY

# submit JSON: delivers a job file and waits until it is done; prints nothing.
n=0
submit() {
    n=$((n + 1))
    printf '%s' "$1" >"$spool/tmp/job-$n.json"
    mv "$spool/tmp/job-$n.json" "$spool/new/job-$n.json"
    while [ ! -f "$spool/done/job-$n/result.json" ]; do
        if [ -e "$spool/failed/job-$n" ]; then echo "job-$n failed: $(cat "$spool/failed/job-$n/error.json")" >&2; exit 1; fi
        sleep 0.02
    done
}
now() { date +%s.%N; }
# busy and all CPU ticks of the whole machine (/proc/stat), to say how many
# of its cores each phase kept busy.
ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; }
cores_busy() { echo "$1 $2" | awk -v n="$(nproc)" '{printf "%.2f", n * ($3 - $1) / ($4 - $2)}'; }

submit '{"task": "tts", "script": [{"text": "Warm up.", "engine": "piper"}, {"text": "Warm up.", "engine": "espeak"}]}'
best_episode="" best_separate=""
i=0
while [ $i -lt "$runs" ]; do
    before=$(ticks); start=$(now)
    submit "$(cat "$work/episode")"
    t=$(echo "$(now) - $start" | bc)
    echo "run $((i + 1)): episode $t s, $(cores_busy "$before" "$(ticks)") of $(nproc) cores busy" >&2
    if [ -z "$best_episode" ] || [ "$(echo "$t < $best_episode" | bc)" = 1 ]; then best_episode=$t; fi
    before=$(ticks); start=$(now)
    while read -r job; do submit "$job"; done <"$work/separate"
    t=$(echo "$(now) - $start" | bc)
    echo "run $((i + 1)): separate $t s, $(cores_busy "$before" "$(ticks)") of $(nproc) cores busy" >&2
    if [ -z "$best_separate" ] || [ "$(echo "$t < $best_separate" | bc)" = 1 ]; then best_separate=$t; fi
    i=$((i + 1))
done
ratio=$(echo "scale=3; $best_episode / $best_separate" | bc)
printf 'episode (one job, 20 lines, piper + espeak)   %8.2f s\n' "$best_episode"
printf 'separate jobs, one after another (anchor)     %8.2f s\n' "$best_separate"
printf 'episode / separate                             %8s   (goal <= 0.6)\n' "$ratio"
