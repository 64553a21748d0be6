#!/bin/sh
# Encoding speed and memory against the command-line encoders, in one run.
#
# Input: 10 minutes of 44.1 kHz stereo pink noise (sox), as the issue names.
# Each command runs RUNS times, alternating, and the fastest run counts.
# Opus 64 kbps against opusenc, M4B (AAC-LC) 64 kbps against ffmpeg's
# native aac encoder (the one audiospool uses).
# Memory: peak RSS of `audiospool encode` on the 10-minute file and on a
# 3-hour one (skip the 3-hour file with LONG=0; LONG_RATE=8000
# LONG_CHANNELS=1 makes it 8 kHz mono, quicker on a busy machine, and the
# 10-minute memory rows are then made at that shape too).
# Loudness: 10 minutes of espeak-ng speech, peak-normalised as TTS engines
# leave it, to -16 LUFS under -1 dBTP: ours against ffmpeg's loudnorm in two
# passes (measure, then apply with the measured_* values), with the
# loudness each reaches as ffmpeg's ebur128 filter measures it.
#
# usage: bench/encode.sh            RUNS=3 LONG=1 LONG_RATE=44100 LONG_CHANNELS=2 by default
set -eu
cd "$(dirname "$0")/.."
runs=${RUNS:-3}
long=${LONG:-1}
long_rate=${LONG_RATE:-44100}
long_channels=${LONG_CHANNELS:-2}

swift build -c release --product audiospool >/dev/null
bin=$PWD/.build/release/audiospool
work=$(mktemp -d /tmp/audiospool-encode-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
cd "$work"

sox -n -r 44100 -c 2 -b 16 in.wav synth 600 pinknoise
espeak-ng -w sentence.wav "It was a bright cold day in April, and the clocks were striking thirteen. Winston Smith slipped quickly through the glass doors of Victory Mansions."
sox sentence.wav speech.wav gain -n -0.1 repeat 90
sox speech.wav speech10.wav trim 0 600
[ "$long" = 1 ] && sox -n -r "$long_rate" -c "$long_channels" -b 16 long.wav synth 10800 pinknoise
sox -n -r "$long_rate" -c "$long_channels" -b 16 short.wav synth 600 pinknoise

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
seconds opus_audiospool "$bin" encode in.wav a.opus --bitrate-kbps 64
seconds opus_opusenc opusenc --quiet --bitrate 64 in.wav o.opus
seconds m4b_audiospool "$bin" encode in.wav a.m4b --bitrate-kbps 64
seconds m4b_ffmpeg ffmpeg -v error -y -i in.wav -c:a aac -b:a 64k f.m4b

# ffmpeg's two passes, as its documentation gives them.
loudnorm_two_pass() {
    ffmpeg -hide_banner -nostats -i speech10.wav -af loudnorm=I=-16:TP=-1:print_format=json -f null - 2>measure.txt
    python3 - measure.txt >filter.txt <<'PY2'
import json, sys
text = open(sys.argv[1]).read()
m = json.loads(text[text.rindex("{"):text.rindex("}") + 1])
print("loudnorm=I=-16:TP=-1:measured_I=%s:measured_TP=%s:measured_LRA=%s:measured_thresh=%s:offset=%s:linear=true"
      % (m["input_i"], m["input_tp"], m["input_lra"], m["input_thresh"], m["target_offset"]))
PY2
    ffmpeg -v error -y -i speech10.wav -af "$(cat filter.txt)" -ar 22050 ln.wav
}
seconds loud_audiospool "$bin" encode speech10.wav la.wav --loudness-lufs -16 --true-peak-db -1
seconds loud_ffmpeg loudnorm_two_pass
lufs() { ffmpeg -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 | awk '/I:/ {i=$2} /Peak:/ {p=$2} END {print i, p}'; }
echo "lufs_audiospool $(lufs la.wav | cut -d' ' -f1)" >>times.txt
echo "tp_audiospool $(lufs la.wav | cut -d' ' -f2)" >>times.txt
echo "lufs_ffmpeg $(lufs ln.wav | cut -d' ' -f1)" >>times.txt
echo "tp_ffmpeg $(lufs ln.wav | cut -d' ' -f2)" >>times.txt

rss() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "rss_rate $long_rate" >>times.txt
echo "rss_channels $long_channels" >>times.txt
echo "rss_wav_10min $(rss "$bin" encode short.wav m.wav)" >>times.txt
echo "rss_mp3_10min $(rss "$bin" encode short.wav m.mp3)" >>times.txt
echo "rss_flac_10min $(rss "$bin" encode short.wav m.flac)" >>times.txt
echo "rss_opus_10min $(rss "$bin" encode short.wav m.opus --bitrate-kbps 64)" >>times.txt
echo "rss_m4b_10min $(rss "$bin" encode short.wav m.m4b --bitrate-kbps 64)" >>times.txt
if [ "$long" = 1 ]; then
    echo "rss_wav_3h $(rss "$bin" encode long.wav m.wav)" >>times.txt
    echo "rss_mp3_3h $(rss "$bin" encode long.wav m.mp3)" >>times.txt
    echo "rss_flac_3h $(rss "$bin" encode long.wav m.flac)" >>times.txt
    echo "rss_opus_3h $(rss "$bin" encode long.wav m.opus --bitrate-kbps 64)" >>times.txt
    echo "rss_m4b_3h $(rss "$bin" encode long.wav m.m4b --bitrate-kbps 64)" >>times.txt
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
print("%-28s %11.2f %9.2f %7.2f %9s" % ("Opus 64 kbps (opusenc)", f["opus_audiospool"], f["opus_opusenc"], f["opus_audiospool"] / f["opus_opusenc"], ""))
print("%-28s %11.2f %9.2f %7.2f %9s" % ("M4B 64 kbps (ffmpeg aac)", f["m4b_audiospool"], f["m4b_ffmpeg"], f["m4b_audiospool"] / f["m4b_ffmpeg"], ""))
print("goal: ratio <= 1.00; audiospool's FLAC is always verified; the M4B CLI column is ffmpeg -c:a aac")
print()
print("10 min of espeak-ng speech (22.05 kHz mono, peaks at -0.1 dBFS) to -16 LUFS, -1 dBTP")
print("%-28s %11s %9s %7s" % ("", "audiospool", "loudnorm", "ratio"))
print("%-28s %11.2f %9.2f %7.2f" % ("seconds (loudnorm: 2 passes)", f["loud_audiospool"], f["loud_ffmpeg"], f["loud_audiospool"] / f["loud_ffmpeg"]))
print("%-28s %11.1f %9.1f" % ("integrated, LUFS (ebur128)", f["lufs_audiospool"], f["lufs_ffmpeg"]))
print("%-28s %11.1f %9.1f" % ("true peak, dBTP (ebur128)", f["tp_audiospool"], f["tp_ffmpeg"]))
print("goal: ratio <= 1.00, and closer to -16 than loudnorm")
print()
print("peak RSS of audiospool encode, MB, %d Hz %d ch pink noise (goal: 3 h no higher than 10 min, under 64)" % (f["rss_rate"], f["rss_channels"]))
for fmt in ("wav", "mp3", "flac", "opus", "m4b"):
    short = f["rss_%s_10min" % fmt] / 1024
    longer = f.get("rss_%s_3h" % fmt)
    print("%-28s %6.1f (10 min) %8s (3 h)" % (fmt.upper(), short, "%.1f" % (longer / 1024) if longer else "-"))
PY
