# Sourced by bench/throughput.sh and bench/jobcost.sh: the binary ($bin:
# $AUDIOSPOOL_BIN unbuilt, else a release build) and a supervisor with
# concurrency 4 and two tone instances on a spool in /dev/shm ($work/spool,
# pid $supervisor), waited for until it has made its folders.
# usage: . bench/tone-supervisor.sh PREFIX   (the work folder's name)
#        DURABLE=false: config.json's durable off (default true, as a spool's)
if [ -n "${AUDIOSPOOL_BIN:-}" ]; then
    bin=$AUDIOSPOOL_BIN
else
    swift build -c release --product audiospool >/dev/null
    bin=.build/release/audiospool
fi
work=$(mktemp -d -p /dev/shm "$1-XXXXXX")
trap 'kill $supervisor 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work" "$work.bare"' EXIT INT TERM
mkdir -p "$work/spool"
cat >"$work/spool/config.json" <<JSON
{"concurrency": 4, "durable": ${DURABLE:-true}, "output": {"format": "wav"}, "engines": {"tone": {"instances": 2}}}
JSON
$bin run --spool "$work/spool" --engines Engines 2>"$work/supervisor.log" &
supervisor=$!
while [ ! -d "$work/spool/cur" ]; do sleep 0.05; done
