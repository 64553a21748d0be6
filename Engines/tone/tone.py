"""The tone engine: the smallest real engine, and the example to copy.

Task "tone" renders a sine of `seconds` at `frequency` Hz. Task "tts"
"speaks" text as one short beep per word, so text jobs can be tested
without a voice model. Param `pace` simulates a slow model: audio seconds
produced per second of wall time (0, the default, is as fast as possible).
"""

import array
import math
import os
import wave

from audiospool_engine import BadInput, Engine, serve

CHUNK_SECONDS = 0.1
WORD_SECONDS, GAP_SECONDS = 0.15, 0.05


class Tone(Engine):
    name = "tone"
    version = "1.0.0"
    tasks = ["tone", "tts"]
    params = ("sample_rate", "amplitude", "pace", "seconds", "frequency")

    def info(self):
        return {"sample_rates": [8000, 16000, 22050, 24000, 44100, 48000]}

    def run(self, job, ctx):
        rate = job.param("sample_rate", 24000, int, minimum=8000, maximum=192000)
        amplitude = job.param("amplitude", 0.5, float, minimum=0.0, maximum=1.0)
        pace = job.param("pace", 0.0, float, minimum=0.0)
        if job.task == "tone":
            seconds = job.param("seconds", 1.0, float, minimum=0.001, maximum=36000.0)
            frequency = job.param("frequency", 440.0, float, minimum=1.0, maximum=rate / 2)
            notes = [(frequency, seconds)]
        else:
            words = job.require_text().split()
            if not words:
                raise BadInput("the text has no words")
            # Tone beeps for tests, so it logs what it was given (tests read
            # respellings here). An engine for people's text must not.
            os.write(2, f"said job={job.id} text={' '.join(words)}\n".encode())
            # A pitch per word, so the order of words can be heard (and tested).
            notes = []
            for word in words:
                notes += [(300.0 + 40.0 * (len(word) % 10), WORD_SECONDS), (0.0, GAP_SECONDS)]

        total = sum(seconds for _, seconds in notes)
        chunk = round(CHUNK_SECONDS * rate)
        # A run of one chunk has nothing to report before its answer: its
        # progress line would only cost both sides (bench/throughput.sh's jobs).
        report = sum(-(-round(seconds * rate) // chunk) for _, seconds in notes) > 1
        path = ctx.output("output")
        done = 0.0
        with wave.open(path, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            for frequency, seconds in notes:
                frames, start = round(seconds * rate), 0
                while start < frames:
                    ctx.check_cancelled()
                    count = min(frames - start, chunk)
                    out.writeframes(_sine(frequency, rate, amplitude, start, count))
                    start += count
                    done += count / rate
                    if pace > 0:
                        ctx.wait(count / rate / pace)
                    if report:
                        ctx.progress(done / total)
        return path


def _sine(frequency, rate, amplitude, start, count, sin=math.sin):
    scale = amplitude * 32767.0
    step = 2.0 * math.pi * frequency / rate
    # A list, not a generator, and sin bound locally: the same samples for
    # a quarter less of the engine's time (its own work in bench/throughput.sh).
    return array.array("h", [int(scale * sin(step * n)) for n in range(start, start + count)]).tobytes()


if __name__ == "__main__":
    serve(Tone())
