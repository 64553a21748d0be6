"""Speaks a text with libespeak-ng and writes a WAV, with each word's timing.

espeak.js runs it once per job (`python3 synth.py VOICE SPEED PITCH OUTPUT`,
the text on stdin) in place of the espeak-ng program, which cannot report
when it speaks each word; the library's word events can. Standard library
only (ctypes). On success it prints one JSON line on stdout: the words, each
`{"text", "start_s", "end_s"}` (PROTOCOL.md, "Word timings"), or null when
espeak-ng's words do not line up one to one with the text's.
"""

import array
import ctypes
import json
import re
import sys
import wave

# speak_lib.h
AUDIO_OUTPUT_SYNCHRONOUS = 2
POS_CHARACTER = 1
CHARS_UTF8 = 1
ENDPAUSE = 0x1000
RATE, PITCH = 1, 3
EVENT_LIST_TERMINATED, EVENT_WORD = 0, 1
# A word ends where its sound does: the last 10 ms window above this before
# the next word (or the end) begins. espeak-ng's silence is exact zeros.
SILENCE = 64


class Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_char * 8),
    ]


CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(Event))


def synthesize(voice, speed, pitch, text):
    """(samples, rate, word events as (character position, sample index))."""
    library = ctypes.CDLL("libespeak-ng.so.1")
    library.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    library.espeak_Synth.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
        ctypes.c_void_p, ctypes.c_void_p,
    ]
    rate = library.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0)
    if rate <= 0:
        raise SystemExit("espeak-ng: the library did not initialise")
    if library.espeak_SetVoiceByName(voice.encode()) != 0:
        raise SystemExit(f"espeak-ng: unknown voice {voice}")
    library.espeak_SetParameter(RATE, speed, 0)
    library.espeak_SetParameter(PITCH, pitch, 0)
    samples = array.array("h")
    events = []

    def collect(wav, count, event_list):
        if count > 0:
            samples.frombytes(ctypes.string_at(wav, count * 2))
        index = 0
        while event_list[index].type != EVENT_LIST_TERMINATED:
            event = event_list[index]
            if event.type == EVENT_WORD:
                # audio_position is in ms; the samples so far are exact.
                events.append((event.text_position - 1, event.audio_position * rate // 1000))
            index += 1
        return 0

    callback = CALLBACK(collect)  # kept alive until the synthesis ends
    library.espeak_SetSynthCallback(callback)
    encoded = text.encode("utf-8")
    if library.espeak_Synth(encoded, len(encoded) + 1, 0, POS_CHARACTER, 0, CHARS_UTF8 | ENDPAUSE, None, None) != 0:
        raise SystemExit("espeak-ng: synthesis failed")
    library.espeak_Synchronize()
    return samples, rate, events


def words_of(text):
    """The text's words, as (start, end) character ranges: runs of
    non-space holding a letter or a digit (a lone dash is no word)."""
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text) if any(c.isalnum() for c in m.group())]


def timings(text, samples, rate, events):
    """Each word's start is its first word event; its end, where its sound
    stops before the next word starts. espeak-ng speaks some short words
    together with the one before ("from the"), with one event: they are one
    entry. None if the events do not follow the text."""
    ranges = words_of(text)
    starts = [None] * len(ranges)
    for position, sample in events:
        for index, (start, end) in enumerate(ranges):
            if start <= position < end:
                if starts[index] is None:
                    starts[index] = sample
                break
    timed = [index for index, start in enumerate(starts) if start is not None]
    if not timed or [starts[i] for i in timed] != sorted(starts[i] for i in timed):
        return None
    # Groups of words spoken as one: a timed word and the untimed ones after it
    # (words before the first timed one join it).
    groups = [[]]
    for index in range(len(ranges)):
        if starts[index] is not None and index != timed[0]:
            groups.append([])
        groups[-1].append(index)
    window = rate // 100
    words = []
    for number, group in enumerate(groups):
        begin = 0 if group[0] != timed[number] else min(starts[timed[number]], len(samples))
        limit = starts[timed[number + 1]] if number + 1 < len(groups) else len(samples)
        stop = limit
        while stop - window > begin and max(map(abs, samples[stop - window:stop])) < SILENCE:
            stop -= window
        stop = max(stop, begin)  # two words at one position (espeak-ng's own split): the first takes no time
        text_of_group = " ".join(text[ranges[i][0]:ranges[i][1]] for i in group)
        words.append({"text": text_of_group, "start_s": round(begin / rate, 4), "end_s": round(stop / rate, 4)})
    return words


def main():
    voice, speed, pitch, output = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    text = sys.stdin.buffer.read().decode("utf-8")
    samples, rate, events = synthesize(voice, speed, pitch, text)
    with wave.open(output, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    print(json.dumps(timings(text, samples, rate, events)))


if __name__ == "__main__":
    main()
