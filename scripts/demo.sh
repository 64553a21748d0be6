#!/bin/sh
# The README's first command: submit a real job to the default spool (a
# paragraph for the Piper voice), run the supervisor until it is done, and
# show where the audio is.
set -eu
bin=${AUDIOSPOOL_BIN:-.build/debug/audiospool}

text="Hello from audiospool. This paragraph was dropped into a spool, spoken by a Piper voice that stays loaded between jobs, and encoded to MP3 by the supervisor."
id=$("$bin" submit --engine piper --text "$text")
echo "submitted $id"
"$bin" run --until-idle
echo
"$bin" status "$id"
echo
ls -l "spool/done/$id/"
