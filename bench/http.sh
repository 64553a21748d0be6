#!/bin/sh
# `audiospool serve` under load (issue 16), beside the anchors measured in
# the same run: wrk against GET /v1/jobs/{id} (64 connections: requests/s,
# p99; a finished job, and a queued one, alone and again with every
# submission of the POST run pending; GET /healthz as the server's floor;
# what serve spends idle with one /v1/events client open over that queue),
# POST /v1/jobs accepted/s (with
# config.json's durable, the default; 64 connections, as the GETs, and 16,
# as earlier runs) against the higher of two ceilings measured here:
# bare write+rename into new/, and the same with the fsyncs a durable
# delivery makes (the file before the rename, new/ after it), and
# the time to the first audio byte of a 1,500-word /v1/audio/speech,
# streamed and not, against the time to speak its first sentence alone.
#
# usage: bench/http.sh [seconds]       (default 10 s per wrk run)
#        BUILD=debug bench/http.sh      (use the debug build)
#        SPEECH=0 bench/http.sh         (GET and POST only, without Piper)
#        AUDIOSPOOL_BIN=PATH bench/http.sh   (another binary: an earlier build, for before and after)
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-10}
build=${BUILD:-release}
if [ "$build" = release ]; then swift build -c release --product audiospool >/dev/null; fi
bin=${AUDIOSPOOL_BIN:-.build/$build/audiospool}
work=$(mktemp -d -p /dev/shm audiospool-http-XXXXXX)
port=18181
trap 'kill $serve $supervisor 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
supervisor=""; serve=""

mkdir -p "$work/spool"
echo '{"concurrency": 2, "output": {"format": "mp3"}}' >"$work/spool/config.json"
$bin run --spool "$work/spool" --engines Engines 2>"$work/supervisor.log" &
supervisor=$!
while [ ! -d "$work/spool/cur" ]; do sleep 0.05; done
start_serve() {
    $bin serve --spool "$work/spool" --engines Engines --listen 127.0.0.1:$port 2>>"$work/serve.log" &
    serve=$!
    until curl -sf http://127.0.0.1:$port/healthz >/dev/null 2>&1; do
        kill -0 $serve 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
        sleep 0.1
    done
}
start_serve

# One finished job to look at.
id=$(curl -s -H 'Content-Type: application/json' -d '{"engine": "tone", "params": {"seconds": 0.1}}' \
    http://127.0.0.1:$port/v1/jobs | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
until [ -d "$work/spool/done/$id" ]; do sleep 0.1; done

get=$(wrk -t2 -c64 -d${seconds}s --latency "http://127.0.0.1:$port/v1/jobs/$id")
# The floor: the same server answering a route that reads nothing.
health=$(wrk -t2 -c64 -d${seconds}s --latency "http://127.0.0.1:$port/healthz")

# Submissions pile up in new/ with no supervisor claiming them.
kill -TERM $supervisor; wait $supervisor || true; supervisor=""
# A queued job: its document is made afresh for every request (with its queue_position).
queued=$(curl -s -H 'Content-Type: application/json' -d '{"engine": "tone", "params": {"seconds": 0.2}}' \
    http://127.0.0.1:$port/v1/jobs | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
getqueued=$(wrk -t2 -c64 -d${seconds}s --latency "http://127.0.0.1:$port/v1/jobs/$queued")
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"engine": "tone", "params": {"seconds": 0.1}}'
wrk.headers["Content-Type"] = "application/json"
LUA
# 64 connections, as the GET rows; then 16, the figure of earlier runs in bench/RESULTS.md.
post=$(wrk -t2 -c64 -d${seconds}s -s "$work/post.lua" "http://127.0.0.1:$port/v1/jobs")
post16=$(wrk -t2 -c16 -d${seconds}s -s "$work/post.lua" "http://127.0.0.1:$port/v1/jobs")
# The same queued job with every submission above pending too.
pending=$(ls "$work/spool/new" | wc -l)
getdeep=$(wrk -t2 -c64 -d${seconds}s --latency "http://127.0.0.1:$port/v1/jobs/$queued")
# What serve spends, otherwise idle, with one dashboard's /v1/events open over that queue.
curl -sN "http://127.0.0.1:$port/v1/events" >/dev/null &
feed=$!
sleep 2
ticks() { awk '{print $14 + $15}' /proc/$serve/stat; }
before=$(ticks); sleep "$seconds"; after=$(ticks)
feedcpu=$(python3 -c "import os; print('%.1f' % (($after - $before) * 100 / os.sysconf('SC_CLK_TCK') / $seconds))")
kill $feed 2>/dev/null || true
# ceiling DURABLE: jobs/s of write + rename into new/ in Python, with
# (1) or without (0) the fsyncs of a durable delivery.
ceiling() {
    python3 - "$work/bare$1" "$seconds" "$1" <<'PY'
import os, sys, time
root, seconds, durable = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1"
os.makedirs(root + "/tmp"); os.makedirs(root + "/new")
body = b'{"engine": "tone", "params": {"seconds": 0.1}}\n'
new = os.open(root + "/new", os.O_RDONLY | os.O_DIRECTORY)
count, start = 0, time.monotonic()
while time.monotonic() - start < seconds:
    staging = "%s/tmp/%d" % (root, count)
    with open(staging, "wb") as f:
        f.write(body); f.flush()
        if durable: os.fsync(f.fileno())
    os.rename(staging, "%s/new/%d.json" % (root, count))
    if durable: os.fsync(new)
    count += 1
print(count / (time.monotonic() - start))
PY
    # Hundreds of thousands of files left in /dev/shm slowed what came after.
    rm -rf "$work/bare$1"
}
bare=$(ceiling 0)
durable=$(ceiling 1)
find "$work/spool/new" -mindepth 1 -delete

# The table of every figure, with its anchor (speech rows when measured).
table() {
    python3 - "$get" "$getqueued" "$post" "$bare" "$durable" "$health" "$getdeep" "$pending" "$feedcpu" "$post16" "${first:-}" "${streamed:-}" "${whole:-}" <<'PY'
import re, sys
get, getqueued, post, bare, durable, health, getdeep, pending, feedcpu, post16, first, streamed, whole = sys.argv[1:]
def rps(text): return float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def p99(text):
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
def non2xx(text):
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text); return int(m.group(1)) if m else 0
rows = [
    ("GET /v1/jobs/{id} (done), 64 connections, requests/s", "%.0f" % rps(get), "-"),
    ("GET /v1/jobs/{id} (done), 64 connections, p99 ms", "%.2f" % p99(get), "5 (goal)"),
    ("GET /healthz (reads nothing: the floor), requests/s", "%.0f" % rps(health), "-"),
    ("GET /healthz, p99 ms", "%.2f" % p99(health), "-"),
    ("GET /v1/jobs/{id} (queued), 64 connections, requests/s", "%.0f" % rps(getqueued), "-"),
    ("GET /v1/jobs/{id} (queued), 64 connections, p99 ms", "%.2f" % p99(getqueued), "5 (goal)"),
    ("GET (queued, %s pending), requests/s" % pending.strip(), "%.0f" % rps(getdeep), "the queued row above"),
    ("GET (queued, %s pending), p99 ms" % pending.strip(), "%.2f" % p99(getdeep), "5 (goal)"),
    ("serve CPU, one /v1/events open over them, % of a core", feedcpu, "-"),
    ("POST /v1/jobs accepted (durable), 64 connections, jobs/s", "%.0f" % rps(post) + ("" if not non2xx(post) else " (%d refused)" % non2xx(post)),
     "%.0f / 3 = %.0f (goal: the higher ceiling below)" % (max(float(bare), float(durable)), max(float(bare), float(durable)) / 3)),
    ("POST /v1/jobs accepted (durable), 16 connections, jobs/s", "%.0f" % rps(post16) + ("" if not non2xx(post16) else " (%d refused)" % non2xx(post16)), "earlier runs' row"),
    ("  write+fsync+rename+fsync new/, jobs/s", "%.0f" % float(durable), "(the durable ceiling here)"),
    ("  bare write+rename into new/, jobs/s", "%.0f" % float(bare), "(the bare ceiling here)"),
]
if first:
    first_total = float(first.split()[1]); stream_first = float(streamed.split()[0]); whole_first = float(whole.split()[0])
    rows += [
        ("first sentence alone, whole answer, ms", "%.0f" % (first_total * 1000), "-"),
        ("1,500 words streamed: first byte, ms", "%.0f" % (stream_first * 1000), "first sentence + 100 = %.0f (goal)" % (first_total * 1000 + 100)),
        ("1,500 words not streamed: first byte, ms", "%.0f" % (whole_first * 1000), "-"),
    ]
print("%-58s %14s   %s" % ("", "audiospool", "anchor"))
for name, value, anchor in rows:
    print("%-58s %14s   %s" % (name, value, anchor))
PY
}

if [ "${SPEECH:-1}" = 0 ]; then
    table
    exit 0
fi

# Time to first audio byte: piper, a 1,500-word text.
$bin run --spool "$work/spool" --engines Engines 2>>"$work/supervisor.log" &
supervisor=$!
python3 - "$work/speech.json" "$work/first.json" <<'PY'
import json, sys
sentences = ["The committee met again on Thursday to discuss the plans for the new library.",
             "Several members raised questions about the budget and the timetable.",
             "After a long debate, they agreed to publish a draft and ask the town for comments.",
             "The draft will be available at the town hall and on the council's website next month."]
words, text = 0, []
while words < 1500:
    for s in sentences:
        text.append(s); words += len(s.split())
json.dump({"model": "tts-1", "voice": "alloy", "input": " ".join(text), "response_format": "mp3"}, open(sys.argv[1], "w"))
json.dump({"model": "tts-1", "voice": "alloy", "input": sentences[0], "response_format": "mp3"}, open(sys.argv[2], "w"))
# Four sentences: a job of several segments starts every Piper instance the
# pool allows, as a busy server has them, so neither measure below pays for loading one.
json.dump({"model": "tts-1", "voice": "alloy", "input": "A word to load the voice. Another one starts a second instance. "
           "A third sentence keeps both busy. And a fourth ends it.", "response_format": "mp3"}, open(sys.argv[2] + ".warm", "w"))
PY
# speak FILE [max seconds]: "first-byte total" in seconds; the job's id in $work/headers.
speak() {
    curl -s -o /dev/null -D "$work/headers" --max-time "${2:-3600}" -w '%{time_starttransfer} %{time_total}' \
        -H 'Content-Type: application/json' --data-binary @"$1" http://127.0.0.1:$port/v1/audio/speech || true
}
speak "$work/first.json.warm" >/dev/null   # loads the voices (another text: the same one would be a cached result)
first=$(speak "$work/first.json")
# Streamed: only the first byte matters; the rest of the job is cancelled.
streamed=$(speak "$work/speech.json" 20)
job=$(tr -d '\r' <"$work/headers" | sed -n 's/^[Xx]-[Jj]ob-[Ii]d: //p')
curl -s -X DELETE http://127.0.0.1:$port/v1/jobs/$job >/dev/null
while [ -n "$(ls "$work/spool/cur")" ]; do sleep 0.2; done
kill -TERM $serve; wait $serve || true
python3 - "$work/spool/config.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1])); config.setdefault("http", {})["stream_speech"] = False
json.dump(config, open(sys.argv[1], "w"))
PY
start_serve
whole=$(speak "$work/speech.json")

table
