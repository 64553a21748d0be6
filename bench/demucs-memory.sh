#!/bin/sh
# Demucs peak RSS and wall time for 1, 10 and 30 minutes of input, before
# chunking (the engine at BEFORE, default fc1dc3f: whole waveform and stems
# in memory) and after, with the tiny random HTDemucs the tests use.
#
# usage: bench/demucs-memory.sh [MINUTES...]     (default: 1 10 30)
#        THREADS=2 BEFORE=<commit> ONLY=after bench/demucs-memory.sh 1 10
set -eu
cd "$(dirname "$0")/.."
minutes=${*:-1 10 30}
before=${BEFORE:-fc1dc3f}
threads=${THREADS:-2}

swift build --product audiospool >/dev/null
bin=$PWD/.build/debug/audiospool
venv=$("$bin" engines setup demucs --engines Engines | sed -n 's/^demucs: ready (\(.*\))$/\1/p')
python="$venv/bin/python"
work=$(mktemp -d /tmp/audiospool-demucs-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM

"$python" Tests/Fixtures/Models/make_demucs_model.py "$work/hub" htdemucs
mkdir -p "$work/before"
git show "$before:Engines/demucs/demucs_engine.py" >"$work/before/demucs_engine.py"
# shellcheck disable=SC2086
"$python" bench/demucs_memory.py "$PWD/Engines/demucs" "$work/before" "$work/hub" $minutes --threads "$threads" ${ONLY:+--only "$ONLY"}
