#!/usr/bin/env bash
# serve's CPU per POST, for issue 16's submission goal: the same body sent
# to a route that does nothing with it (POST /healthz, answered 405: the
# framework's floor) and to POST /v1/jobs, with serve alone on a /dev/shm
# spool (no supervisor claims, so new/ fills), each for SECONDS.
# CPU per request from /proc/PID/stat over the wrk run.
#
# Usage: bench/post-cost.sh [SECONDS]        (release build)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
swift build -c release --product audiospool >/dev/null
bin=${AUDIOSPOOL_BIN:-.build/release/audiospool}
work=$(mktemp -d -p /dev/shm audiospool-post-XXXXXX)
port=18184
serve=""
trap 'kill $serve 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
mkdir -p "$work"/spool/{tmp,new,cur,done,failed}
echo '{}' >"$work/spool/config.json"
$bin serve --spool "$work/spool" --engines Engines --listen 127.0.0.1:$port 2>"$work/serve.log" &
serve=$!
until curl -sf http://127.0.0.1:$port/healthz >/dev/null 2>&1; do
    kill -0 $serve 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
done
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"engine": "tone", "params": {"seconds": 0.1}}'
wrk.headers["Content-Type"] = "application/json"
LUA
ticks() { awk '{print $14 + $15}' /proc/$serve/stat; }
printf '%-44s %12s %14s\n' "" "requests/s" "serve µs/req"
for path in /healthz /v1/jobs; do
    before=$(ticks)
    out=$(wrk -t2 -c16 -d${seconds}s -s "$work/post.lua" "http://127.0.0.1:$port$path")
    after=$(ticks)
    python3 - "$path" "$before" "$after" "$out" <<'PY'
import os, re, sys
path, before, after, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
count = int(re.search(r"(\d+) requests in", out).group(1))
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
micros = (after - before) / os.sysconf("SC_CLK_TCK") * 1e6 / count
label = "POST /healthz (body read, 405: the floor)" if path == "/healthz" else "POST /v1/jobs (accepted, durable)"
print("%-44s %12.0f %14.0f" % (label, rate, micros))
PY
done
