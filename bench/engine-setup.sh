#!/bin/sh
# How long `audiospool engines setup NAME` takes from nothing: a fresh
# environments folder and, with COLD=1, no pip cache (every wheel downloaded).
#   bench/engine-setup.sh demucs xtts
set -eu
cd "$(dirname "$0")/.."
bin=${AUDIOSPOOL_BIN:-.build/debug/audiospool}
venvs=$(mktemp -d "${TMPDIR:-/tmp}/audiospool-venvs-XXXXXX")
trap 'rm -rf "$venvs"' EXIT
if [ "${COLD:-0}" = 1 ]; then export PIP_NO_CACHE_DIR=1; fi
for name in "$@"; do
    start=$(date +%s)
    AUDIOSPOOL_VENVS=$venvs "$bin" engines setup "$name" --engines Engines >/dev/null 2>&1
    end=$(date +%s)
    echo "$name: $((end - start)) s, $(du -sh "$venvs"/"$name"-*/ | cut -f1)"
done
