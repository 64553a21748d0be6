#!/bin/sh
# What one dashboard costs serve where the spool is polled (config.json
# `"watch": "poll"`, as on a shared file system): serve's CPU over 10 s with
# one /v1/events client open over 20,000 pending jobs, after 8 s to settle,
# and again with no client (the queue index's own polling), in one run.
#
# usage: bench/feed.sh [BIN]     (default: the release build)
set -eu
cd "$(dirname "$0")/.."
bin=${1:-.build/release/audiospool}
measure() {
w=$(mktemp -d -p /dev/shm audiospool-feed-XXXXXX); mkdir -p $w/spool
echo '{"watch": "poll"}' > $w/spool/config.json
$bin run --spool $w/spool --engines Engines 2>/dev/null & s=$!
while [ ! -d $w/spool/cur ]; do sleep 0.05; done; kill -9 $s
python3 - $w/spool <<'PY'
import os, sys
root = sys.argv[1]
for n in range(20000):
    p = "%s/tmp/j%d" % (root, n)
    open(p, "w").write('{"engine": "tone", "params": {"seconds": 0.1}}\n')
    os.rename(p, "%s/new/j%d.json" % (root, n))
PY
$bin serve --spool $w/spool --engines Engines --listen 127.0.0.1:18199 2>/dev/null & sp=$!
until curl -sf http://127.0.0.1:18199/healthz >/dev/null; do sleep 0.1; done
c=""
if [ "$1" = client ]; then curl -sN http://127.0.0.1:18199/v1/events > $w/events.txt & c=$!; fi
sleep 8
t0=$(awk '{print $14+$15}' /proc/$sp/stat); sleep 10; t1=$(awk '{print $14+$15}' /proc/$sp/stat)
hz=$(getconf CLK_TCK)
echo "serve CPU, % of one core, $1: $(python3 -c "print('%.1f' % (($t1 - $t0) * 100 / $hz / 10))")"
kill $c $sp 2>/dev/null || true; wait 2>/dev/null || true; rm -rf $w
}
measure client
measure "no client"
