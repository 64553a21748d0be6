#!/bin/sh
# A Python tool set the tests drive (Tests/Tools/NAME/): a virtual
# environment installed from its requirements.lock, every package pinned
# and checked against its hash, as the engines' are. Prints the folder.
# Made once per lock under $XDG_CACHE_HOME/audiospool/test-tools/, so an
# unchanged lock is set up once per host; a flock keeps parallel tests from
# racing on it.
#
# usage: scripts/test-tools.sh NAME            set up (if needed), print the venv folder
#        scripts/test-tools.sh --lock NAME     requirements.in -> requirements.lock (needs PyPI)
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/audiospool/test-tools"
uv_version=0.13.9

if [ "${1:-}" = "--lock" ]; then
    name="$2"; tools="$root/Tests/Tools/$name"
    mkdir -p "$cache"
    uv="$cache/uv-$uv_version"
    [ -x "$uv/bin/uv" ] || { python3 -m venv "$uv" && "$uv/bin/python" -m pip -q --disable-pip-version-check install "uv==$uv_version"; }
    cd "$tools"
    "$uv/bin/uv" pip compile --quiet --generate-hashes --python-version 3.11 requirements.in -o requirements.lock
    exit 0
fi

name="${1:?usage: $0 NAME}"
lock="$root/Tests/Tools/$name/requirements.lock"
[ -f "$lock" ] || { echo "test-tools: no $lock" >&2; exit 2; }
hash="$(sha256sum "$lock" | cut -c1-16)"
venv="$cache/$name-$hash"
mkdir -p "$cache"
exec 9>"$venv.lock"
flock 9
if [ ! -f "$venv/.ready" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv" >&2
    "$venv/bin/python" -m pip -q --disable-pip-version-check --no-input \
        install --no-deps --require-hashes -r "$lock" >&2
    touch "$venv/.ready"
fi
echo "$venv"
