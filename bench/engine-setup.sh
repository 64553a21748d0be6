#!/bin/sh
# How long `audiospool engines setup NAME` takes from nothing: a fresh
# environments folder and, with COLD=1, no pip cache (every wheel downloaded).
# Each environment is installed from the engine's requirements.lock.
#   bench/engine-setup.sh demucs xtts
set -eu
cd "$(dirname "$0")/.."
bin=${AUDIOSPOOL_BIN:-.build/debug/audiospool}
# VENVS=DIR keeps what it makes there (such as ~/.cache/audiospool/venvs, for
# the tests to use); a temporary folder is removed afterwards.
if [ -n "${VENVS:-}" ]; then
    venvs=$VENVS
    mkdir -p "$venvs"
else
    venvs=$(mktemp -d "${TMPDIR:-/tmp}/audiospool-venvs-XXXXXX")
    trap 'rm -rf "$venvs"' EXIT
fi
if [ "${COLD:-0}" = 1 ]; then export PIP_NO_CACHE_DIR=1; fi
for name in "$@"; do
    start=$(date +%s)
    # "NAME: ready (DIR)": the one environment made from the engine's lock.
    made=$(AUDIOSPOOL_VENVS=$venvs "$bin" engines setup "$name" --engines Engines 2>/dev/null | sed -n "s/^$name: ready (\(.*\))\$/\1/p")
    end=$(date +%s)
    echo "$name: $((end - start)) s, $(du -sh "$made" | cut -f1)"
done
