#!/bin/sh
# Encoding speed and memory against the command-line encoders, in one run.
#
# Input: 10 minutes of 44.1 kHz stereo pink noise (sox), as the issue names.
# Each command runs RUNS times, alternating, and the fastest run counts.
# Memory: peak RSS of `audiospool encode` on the 10-minute file and on a
# 3-hour one (skip the 3-hour file with LONG=0).
#
# usage: bench/encode.sh            RUNS=3 LONG=1 by default
set -eu
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
long=${LONG:-1}

swift build -c release --product audiospool >/dev/null
bin=$PWD/.build/release/audiospool
work=$(mktemp -d /tmp/audiospool-encode-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

sox -n -r 44100 -c 2 -b 16 in.wav synth 600 pinknoise
[ "$long" = 1 ] && sox -n -r 44100 -c 2 -b 16 long.wav synth 10800 pinknoise

# seconds NAME COMMAND...: the fastest of $runs runs, appended to times.txt
seconds() {
    name=$1
    shift
    best=""
    i=0
    while [ $i -lt "$runs" ]; do
        start=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        end=$(date +%s.%N)
        t=$(echo "$end - $start" | bc)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
        i=$((i + 1))
    done
    echo "$name $best" >>times.txt
}

: >times.txt
seconds mp3_audiospool "$bin" encode in.wav a.mp3 --bitrate-kbps 128
seconds mp3_lame lame --silent -b 128 in.wav l.mp3
seconds mp3_ffmpeg ffmpeg -v error -y -i in.wav -c:a libmp3lame -b:a 128k f.mp3
seconds flac_audiospool "$bin" encode in.wav a.flac --compression-level 5
seconds flac_flac flac -s -f -5 -o c.flac in.wav
seconds flac_flac_verify flac -s -f -5 -V -o v.flac in.wav
seconds flac_ffmpeg ffmpeg -v error -y -i in.wav -c:a flac -compression_level 5 f.flac

rss() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "rss_mp3_10min $(rss "$bin" encode in.wav m.mp3)" >>times.txt
echo "rss_flac_10min $(rss "$bin" encode in.wav m.flac)" >>times.txt
if [ "$long" = 1 ]; then
    echo "rss_mp3_3h $(rss "$bin" encode long.wav m.mp3)" >>times.txt
    echo "rss_flac_3h $(rss "$bin" encode long.wav m.flac)" >>times.txt
fi

python3 - times.txt <<'PY'
import sys
t = dict(line.split() for line in open(sys.argv[1]))
f = {k: float(v) for k, v in t.items()}
print("10 min of 44.1 kHz stereo pink noise; fastest of the runs, seconds")
print("%-28s %11s %9s %7s %9s" % ("", "audiospool", "CLI", "ratio", "ffmpeg"))
print("%-28s %11.2f %9.2f %7.2f %9.2f" % ("MP3 128 kbps (lame -b 128)", f["mp3_audiospool"], f["mp3_lame"], f["mp3_audiospool"] / f["mp3_lame"], f["mp3_ffmpeg"]))
print("%-28s %11.2f %9.2f %7.2f %9.2f" % ("FLAC level 5 (flac -5)", f["flac_audiospool"], f["flac_flac"], f["flac_audiospool"] / f["flac_flac"], f["flac_ffmpeg"]))
print("%-28s %11.2f %9.2f %7.2f %9s" % ("  against flac -5 -V", f["flac_audiospool"], f["flac_flac_verify"], f["flac_audiospool"] / f["flac_flac_verify"], ""))
print("goal: ratio <= 1.00; audiospool's FLAC is always verified")
print()
print("peak RSS of audiospool encode, MB (goal: 3 h no higher than 10 min, under 64)")
for fmt in ("mp3", "flac"):
    short = f["rss_%s_10min" % fmt] / 1024
    longer = f.get("rss_%s_3h" % fmt)
    print("%-28s %6.1f (10 min) %8s (3 h)" % (fmt.upper(), short, "%.1f" % (longer / 1024) if longer else "-"))
PY
