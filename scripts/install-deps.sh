#!/bin/sh
# Installs the Debian packages a purpose needs, if any is missing. Safe to
# run again: with everything present it only checks.
#
# usage: scripts/install-deps.sh build|test|bench
set -eu

build="pkg-config python3 python3-venv libsndfile1-dev libmp3lame-dev libflac-dev libsoxr-dev libebur128-dev libopusenc-dev libavcodec-dev libavformat-dev libavutil-dev"
case "${1:-build}" in
    build) packages="$build" ;;
    # Independent tools the tests check our output with (promtool is in
    # prometheus; inotifywait in inotify-tools; tmux shows `watch` on a
    # terminal). espeak-ng and nodejs run the espeak engine;
    # python3-jsonschema checks recorded engine traffic against schemas/.
    # sox (with its MP3 format) and time measure RMS, peaks and peak RSS.
    # One line per concern, so parallel changes merge.
    test) packages="$build ffmpeg flac prometheus inotify-tools tmux espeak-ng nodejs python3-jsonschema sox libsox-fmt-mp3 time"
          packages="$packages strace systemd"   # the fsync order durability promises; systemd-analyze verifies deploy/systemd
          packages="$packages opus-tools"       # opusinfo checks our Opus
          packages="$packages curl"             # talks to `audiospool serve`
          packages="$packages redis-server libfaketime"  # the JuiceFS pair's metadata (MultiHostTests); one host's skewed clock
          packages="$packages chromium chromium-driver"  # a real browser on the dashboard (DashboardTests, with Selenium)
          packages="$packages firefox-esr"      # the second browser on it (DashboardTests, over Marionette)
          ;;
    # The command-line tools the benchmarks compare against.
    bench) packages="$build ffmpeg flac lame sox espeak-ng opus-tools wrk curl" ;;
    *) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=""
for package in $packages; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "install-deps: need root to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
