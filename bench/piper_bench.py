"""Piper speed, measured three ways on the same sentences (bench/piper.sh).

usage:
  piper_bench.py jobs SPOOL N       N one-sentence jobs through a running supervisor
  piper_bench.py chapter SPOOL     one ~3,000-word chapter through a running supervisor
  piper_bench.py cli MODEL N       `python -m piper` once per sentence (cold load each time)
  piper_bench.py loop MODEL N      one loaded PiperVoice, in this process

Each prints one JSON line: wall seconds and seconds of audio made.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import wave

ADJECTIVES = ["quiet", "ancient", "restless", "golden", "narrow", "distant", "gentle", "bitter", "hollow", "silver"]
NOUNS = ["river", "lantern", "harbour", "orchard", "station", "library", "mountain", "garden", "bridge", "market"]
VERBS = ["waited", "glowed", "wandered", "trembled", "rested", "shimmered", "listened", "faded", "turned", "sang"]
PLACES = ["old town", "northern hills", "empty square", "winter fields", "sleeping city", "long road"]


def sentence(n):
    return (f"On the {n + 1}th evening, the {ADJECTIVES[n % 10]} {NOUNS[n * 7 % 10]} {VERBS[n * 3 % 10]} "
            f"quietly beside the {PLACES[n % 6]}, and nobody noticed.")


def chapter(words=3000):
    paragraphs, paragraph, count, n = [], [], 0, 0
    while count < words:
        text = sentence(n)
        paragraph.append(text)
        count += len(text.split())
        n += 1
        if len(paragraph) == 5:
            paragraphs.append(" ".join(paragraph))
            paragraph = []
    if paragraph:
        paragraphs.append(" ".join(paragraph))
    return "\n\n".join(paragraphs), count


def seconds_of(path):
    with wave.open(path) as audio:
        return audio.getnframes() / audio.getframerate()


def wait_done(spool, ids, timeout=1800):
    deadline = time.time() + timeout
    pending = set(ids)
    while pending and time.time() < deadline:
        pending = {i for i in pending if not os.path.exists(f"{spool}/done/{i}/result.json")}
        failed = [i for i in pending if os.path.exists(f"{spool}/failed/{i}")]
        if failed:
            sys.exit(f"jobs failed: {failed[:3]}")
        time.sleep(0.005)
    if pending:
        sys.exit(f"{len(pending)} jobs did not finish")


def drop(spool, name, job):
    with open(f"{spool}/tmp/{name}", "w") as out:
        json.dump(job, out)
    os.rename(f"{spool}/tmp/{name}", f"{spool}/new/{name}.json")


def audio_in(spool, ids):
    total = 0.0
    for i in ids:
        with open(f"{spool}/done/{i}/result.json") as result:
            total += sum(o["duration_s"] for o in json.load(result)["outputs"])
    return total


def run_jobs(spool, n, prefix="job"):
    ids = [f"{prefix}{i}" for i in range(n)]
    start = time.perf_counter()
    for i, name in enumerate(ids):
        drop(spool, name, {"engine": "piper", "text": sentence(i), "output": {"format": "wav"}})
    wait_done(spool, ids)
    return time.perf_counter() - start, audio_in(spool, ids)


def main():
    what = sys.argv[1]
    if what == "jobs":
        spool, n = sys.argv[2], int(sys.argv[3])
        run_jobs(spool, 4, prefix="warm")  # engines started, voices loaded
        wall, audio = run_jobs(spool, n)
    elif what == "chapter":
        spool = sys.argv[2]
        run_jobs(spool, 2, prefix="warm")
        text, words = chapter()
        name = f"chapter{int(time.time() * 1000)}"
        start = time.perf_counter()
        drop(spool, name, {"engine": "piper", "text": text, "output": {"format": "wav"}})
        wait_done(spool, [name])
        wall, audio = time.perf_counter() - start, audio_in(spool, [name])
    elif what == "cli":
        model, n = sys.argv[2], int(sys.argv[3])
        folder = tempfile.mkdtemp()
        start = time.perf_counter()
        for i in range(n):
            out = f"{folder}/{i}.wav"
            subprocess.run([sys.executable, "-m", "piper", "-m", model, "-f", out, "--", sentence(i)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        audio = sum(seconds_of(f"{folder}/{i}.wav") for i in range(n))
    elif what == "loop":
        from piper import PiperVoice
        model, n = sys.argv[2], int(sys.argv[3])
        voice = PiperVoice.load(model)
        folder = tempfile.mkdtemp()
        list(voice.synthesize("Warm up."))
        start = time.perf_counter()
        for i in range(n):
            with wave.open(f"{folder}/{i}.wav", "wb") as out:
                voice.synthesize_wav(sentence(i), out)
        wall = time.perf_counter() - start
        audio = sum(seconds_of(f"{folder}/{i}.wav") for i in range(n))
    else:
        sys.exit(__doc__)
    print(json.dumps({"what": what, "wall_s": round(wall, 3), "audio_s": round(audio, 3)}))


if __name__ == "__main__":
    main()
