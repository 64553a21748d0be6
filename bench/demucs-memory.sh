#!/bin/sh
# Demucs peak RSS and wall time for 1, 10 and 30 minutes of input, with the
# tiny random model of the tests: chunked ("after", chunk_s CHUNK_S, default
# 60) against whole-file ("before": the same engine with chunk_s 3600, one
# chunk holding the whole input, as separating without chunks did). Also
# the ETA status.json would show after the first chunk against the time
# really left.
#
# usage: bench/demucs-memory.sh [MINUTES...]     (default: 1 10 30)
#        MODEL=htdemucs THREADS=2 CHUNK_S=60 ONLY=after bench/demucs-memory.sh 1 10
# MODEL: htdemucs_mini (default: half-second segments, cheap enough for 30
# minutes) or htdemucs (the real architecture, random weights, 7.8 s segments).
# BEFORE=<commit> measures the engine at that commit as "before" instead.
set -eu
cd "$(dirname "$0")/.."
minutes=${*:-1 10 30}
threads=${THREADS:-2}
model=${MODEL:-htdemucs_mini}
chunk=${CHUNK_S:-60}

swift build --product audiospool >/dev/null
bin=$PWD/.build/debug/audiospool
venv=$("$bin" engines setup demucs --engines Engines | sed -n 's/^demucs: ready (\(.*\))$/\1/p')
python="$venv/bin/python"
work=$(mktemp -d /tmp/audiospool-demucs-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

"$python" Tests/Fixtures/Models/make_demucs_model.py "$work/hub" "$model"
before_dir=$PWD/Engines/demucs
if [ -n "${BEFORE:-}" ]; then
    before_dir=$work/before
    mkdir -p "$before_dir"
    git show "$BEFORE:Engines/demucs/demucs_engine.py" >"$before_dir/demucs_engine.py"
fi
echo "model $model, threads $threads, chunk_s $chunk; before: ${BEFORE:-the same engine, chunk_s 3600}; load: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
"$python" bench/demucs_memory.py "$PWD/Engines/demucs" "$before_dir" "$work/hub" $minutes \
    --threads "$threads" --model "$model" --chunk-s "$chunk" ${BEFORE:+--before-is-old} ${ONLY:+--only "$ONLY"}
