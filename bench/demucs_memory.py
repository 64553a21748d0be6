"""Demucs peak RSS and wall time against input length, before and after
chunking (issue 19), with a tiny random HTDemucs (make_demucs_model.py).

Speaks PROTOCOL.md to the engine directly (no supervisor), sampling the
engine's VmRSS from /proc every 20 ms while one `run` separates a
stereo 44.1 kHz float WAV of each length. "after" separates in chunks of
`--chunk-s`; "before" is whole-file separation: the same engine with
chunk_s 3600, one chunk holding the whole input (or, with
`--before-is-old`, the engine from git in BEFORE_DIR, which held the whole
waveform and every stem in memory).

    python bench/demucs_memory.py ENGINE_DIR BEFORE_DIR HUB_CACHE MINUTES... [--threads N]
        [--model NAME] [--chunk-s S] [--before-is-old] [--only before|after]

Prints one JSON object per (engine, minutes), and a Markdown table.
It also reports the ETA the host would show after the first chunk (at the
pace since the first progress report, as StatusReporter computes it)
against the time that was really left.
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Engines", "demucs"))
from wav_stream import WavWriter  # noqa: E402


def make_input(path, minutes, rate=44100):
    with WavWriter(path, rate, 2) as writer:
        state = np.random.RandomState(7)
        for start in range(0, int(minutes * 60 * rate), 30 * rate):
            frames = min(30 * rate, int(minutes * 60 * rate) - start)
            time_s = (start + np.arange(frames)) / rate
            tone = np.stack([np.sin(2 * np.pi * 110 * time_s), np.sin(2 * np.pi * 660 * time_s)], axis=1)
            writer.write((0.4 * tone + 0.05 * state.uniform(-1, 1, (frames, 2))).astype(np.float32))


def rss(pid):
    try:
        with open(f"/proc/{pid}/status") as file:
            for line in file:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


def measure(engine_dir, hub_cache, audio, threads, params, model):
    sdk = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Engines", "sdk")
    env = dict(os.environ, PYTHONPATH=sdk, PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "demucs_engine.py"], cwd=engine_dir, env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def send(message):
        process.stdin.write(json.dumps(message) + "\n")
        process.stdin.flush()

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocol_versions": [1], "engine": "demucs", "device": {"kind": "cpu"}, "cpu_threads": threads,
        "config": {"hub_cache": hub_cache, "offline": True, "threads": threads, "models": [model], "default_model": model}}})
    json.loads(process.stdout.readline())
    idle = rss(process.pid)
    peak = [idle]
    running = [True]

    def sample():
        while running[0]:
            peak[0] = max(peak[0], rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    with tempfile.TemporaryDirectory() as work:
        started = time.monotonic()
        send({"jsonrpc": "2.0", "id": 2, "method": "run", "params": {
            "job_id": "bench", "task": "separate", "params": params, "inputs": {"audio": audio},
            "work_dir": work, "attempt": 1}})
        eta = first = None
        while True:
            message = json.loads(process.stdout.readline())
            if message.get("method") == "progress":
                update = message["params"]
                now, progress = time.monotonic(), update["progress"]
                if first is None and progress > 0.001:
                    first = (now, progress)
                # The host's ETA once the first chunk is written: the pace since the first report.
                if eta is None and update.get("segments_done", 0) >= 1 and progress < 1 and progress - first[1] > 0.001:
                    eta = (now - started, (now - first[0]) * (1 - progress) / (progress - first[1]))
                continue
            break
        wall = time.monotonic() - started
    running[0] = False
    sampler.join()
    send({"jsonrpc": "2.0", "id": 3, "method": "shutdown"})
    process.wait(timeout=30)
    figures = {"wall_s": round(wall, 1), "peak_rss_mb": round(peak[0] / 2**20), "idle_rss_mb": round(idle / 2**20),
               "ok": "result" in message, "details": (message.get("result") or {}).get("details")}
    if eta is not None:
        figures["eta_after_first_chunk_s"] = round(eta[1], 1)
        figures["really_left_s"] = round(wall - eta[0], 1)
    return figures


def main():
    args = sys.argv[1:]
    threads, only, model, chunk_s, old = 2, None, "htdemucs", 60.0, False
    if "--before-is-old" in args:
        args.remove("--before-is-old")
        old = True
    for flag in ["--model", "--chunk-s"]:
        if flag in args:
            index = args.index(flag)
            if flag == "--model":
                model = args[index + 1]
            else:
                chunk_s = float(args[index + 1])
            del args[index:index + 2]
    if "--only" in args:  # before or after
        index = args.index("--only")
        only = args[index + 1]
        del args[index:index + 2]
    if "--threads" in args:
        index = args.index("--threads")
        threads = int(args[index + 1])
        del args[index:index + 2]
    engine_dir, before_dir, hub_cache, *minutes = args
    rows = []
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as inputs:
        for length in minutes:
            audio = os.path.join(inputs, f"{length}.wav")
            make_input(audio, float(length))
            whole = {"shifts": 0} if old else {"shifts": 0, "chunk_s": 3600}
            for name, folder, params in [("before", before_dir, whole), ("after", engine_dir, {"shifts": 0, "chunk_s": chunk_s})]:
                if only and name != only:
                    continue
                figures = {"engine": name, "minutes": float(length), **measure(folder, hub_cache, audio, threads, params, model)}
                print(json.dumps(figures), flush=True)
                rows.append(figures)
            os.unlink(audio)
    print("\n| input | before: peak RSS | before: wall | after: peak RSS | after: wall | after: ETA at chunk 1 / really left |")
    print("|---|---|---|---|---|---|")
    for length in minutes:
        empty = {"peak_rss_mb": "—", "wall_s": "—"}
        before = next((r for r in rows if r["engine"] == "before" and r["minutes"] == float(length)), empty)
        after = next((r for r in rows if r["engine"] == "after" and r["minutes"] == float(length)), empty)
        eta = f"{after['eta_after_first_chunk_s']} s / {after['really_left_s']} s" if "eta_after_first_chunk_s" in after else "—"
        print(f"| {length} min | {before['peak_rss_mb']} MB | {before['wall_s']} s | {after['peak_rss_mb']} MB | {after['wall_s']} s | {eta} |")


if __name__ == "__main__":
    main()
