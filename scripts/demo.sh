#!/bin/sh
# The README's first command: submit a real job to the default spool, run
# the supervisor until it is done, and show where the audio is.
set -eu
bin=${AUDIOSPOOL_BIN:-.build/debug/audiospool}

id=$("$bin" submit --engine tone --param seconds=2 --param frequency=440 --format wav)
echo "submitted $id"
"$bin" run --until-idle
echo
"$bin" status "$id"
echo
ls -l "spool/done/$id/"
