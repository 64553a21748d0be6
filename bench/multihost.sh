#!/bin/sh
# Many hosts, one spool (issue 17), on a real distributed file system: one
# JuiceFS volume (metadata in a redis-server on loopback, data in a local
# folder) mounted twice over FUSE, each mount a "host". Both hosts run on
# this machine, so they share its cores: the two-supervisor figure shows
# what sharing the spool costs, not what a second machine adds.
#  - jobs/s with one supervisor and with two, beside one on a local spool;
#  - pick-up p50/p99 in poll mode, beside poll_interval_ms + 100;
#  - the chaos run (bench/chaos.py hosts) with SIGKILLs spread over both.
# Needs root, /dev/fuse and redis-server (scripts/install-deps.sh test);
# juicefs comes from Tests/Tools/juicefs's hashed lock.
#
# usage: bench/multihost.sh [JOBS] [PICKUPS] [CHAOS_JOBS] [KILLS]
#        AUDIOSPOOL_BIN=.build/debug/audiospool bench/multihost.sh   (skip the release build)
set -eu
cd "$(dirname "$0")/.."
if [ -z "${AUDIOSPOOL_BIN:-}" ]; then
    swift build -c release --product audiospool >/dev/null
    AUDIOSPOOL_BIN=.build/release/audiospool
fi
juicefs="$(scripts/test-tools.sh juicefs)/bin/juicefs"
work="$(mktemp -d /tmp/audiospool-multihost-XXXXXX)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
meta="redis://127.0.0.1:$port/1"
cleanup() {
    umount -l "$work/a" 2>/dev/null || true
    umount -l "$work/b" 2>/dev/null || true
    [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
    sleep 1
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$work" --pidfile "$work/redis.pid" >/dev/null
sleep 0.5
"$juicefs" format --storage file --bucket "$work/store/" --trash-days 0 "$meta" bench >/dev/null 2>&1
for side in a b; do
    mkdir -p "$work/$side"
    "$juicefs" mount -d --no-usage-report --cache-dir "$work/cache-$side" --log "$work/juicefs-$side.log" \
        "$meta" "$work/$side" >/dev/null 2>&1
done
echo "two JuiceFS mounts of one volume: $work/a $work/b ($(nproc) cores, shared by both hosts)" >&2
python3 bench/multihost.py "$AUDIOSPOOL_BIN" Engines "$work/a" "$work/b" "${1:-400}" "${2:-100}"
CHAOS_MOUNTS="$work/a:$work/b" python3 bench/chaos.py "$AUDIOSPOOL_BIN" Engines hosts "${3:-300}" "${4:-10}"
