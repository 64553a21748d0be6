"""An engine written from PROTOCOL.md alone: no SDK, standard library only.

It proves the document is enough (`audiospool engines check` passes it), and
with MODE set it breaks exactly one rule, so that the check's tests can see
each rule fail on its own (the check-* folders beside this one).

VERSION sets the version its handshake reports (the hot reload test).

Task "tts" writes a 16-bit mono WAV of one beep per word, at 0.02 s of wall
time per word, so long texts take a while and can be cancelled, and reports
each word's beep as its timing (`words`). Task "echo"
copies its input "audio" (check-inputs declares it, with input_audio).
Neither takes params: a job that gives any fails as bad_input, naming it.
"""

import json
import math
import os
import queue
import struct
import sys
import threading
import time
import wave

MODE = os.environ.get("MODE", "")
RATE = 16000
CODES = {"bad_input": -32001, "unsupported": -32002, "oom": -32003, "transient": -32004, "internal": -32005, "cancelled": -32800}

out_lock = threading.Lock()
runs = {}  # run id -> threading.Event, set on cancel
cancelled_runs = set()  # MODE crash-on-repeated-cancel: runs cancelled once already
threads = []  # the runs' threads, joined at exit so that every run is answered
initialized = False
# MODE crash-on-repeated-cancel: a second cancel of a run it was sent (answered or not) kills it.
# MODE serialise: one worker takes the runs one at a time, though the handshake says concurrency 2.
work_queue = queue.Queue()
# MODE ping-between-runs: pings held until no run is in flight.
held_pings = []


def send(message):
    with out_lock:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


def fail(request_id, kind, message):
    if MODE == "bad-kind":
        kind = "oops"  # not a kind of PROTOCOL.md
    send({"jsonrpc": "2.0", "id": request_id, "error": {"code": CODES.get(kind, -32005), "message": message, "data": {"kind": kind}}})


def beep(word):
    frequency = 300 + 40 * (len(word) % 10)
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * n / RATE))) for n in range(RATE // 10))


def echo(request_id, params, cancel):
    """Task "echo": copies input "audio" (a WAV: the host decodes inputs) to the output, 0.1 s at a time."""
    source_path = (params.get("inputs") or {}).get("audio")
    if not source_path:
        return fail(request_id, "bad_input", "task 'echo' needs input 'audio'")
    path = os.path.join(params["work_dir"], "output.wav")
    with wave.open(source_path, "rb") as source, wave.open(path, "wb") as audio:
        audio.setparams(source.getparams())
        chunk, total = source.getframerate() // 10, max(1, source.getnframes())
        while True:
            if cancel.wait(0.01):
                return fail(request_id, "cancelled", "cancelled by the host")
            frames = source.readframes(chunk)
            if not frames:
                break
            audio.writeframes(frames)
            send({"jsonrpc": "2.0", "method": "progress", "params": {"id": request_id, "progress": source.tell() / total}})
    send({"jsonrpc": "2.0", "id": request_id, "result": {"outputs": [{"name": "output", "path": "output.wav"}]}})


def run(request_id, params, cancel):
    try:
        unknown = sorted(params.get("params") or {})
        if unknown and MODE != "ignore-params":  # that mode ignores them, as a sloppy engine would
            return fail(request_id, "bad_input", f"unknown param {unknown[0]!r} (this engine takes none)")
        if params.get("task") == "echo":
            return echo(request_id, params, cancel)
        if params.get("task") != "tts":
            return fail(request_id, "unsupported", f"task {params.get('task')!r} is not one of ['tts', 'echo']")
        words = (params.get("text") or "").split()
        if not words:
            return fail(request_id, "bad_input", "task 'tts' needs text")
        if MODE == "stray-file":
            with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "left-behind.txt"), "w") as stray:
                stray.write("a file outside the work folder\n")
        path = os.path.join(params["work_dir"], "output.wav")
        if MODE == "not-wav":
            with open(path, "w") as text:
                text.write("not audio\n")
            return send({"jsonrpc": "2.0", "id": request_id, "result": {"outputs": [{"name": "output", "path": "output.wav"}]}})
        with wave.open(path, "wb") as audio:
            audio.setnchannels(1)
            audio.setsampwidth(2)
            audio.setframerate(RATE)
            for done, word in enumerate(words, start=1):
                if MODE == "ignore-cancel":
                    time.sleep(0.02)  # and never looks at `cancel`
                elif MODE == "finish-despite-cancel":
                    time.sleep(0.002)  # never looks at `cancel`, but ends well within cancel_s
                elif cancel.wait(0.02):
                    return fail(request_id, "cancelled", "cancelled by the host")
                audio.writeframes(beep(word))
                fraction = done / len(words)
                if MODE == "progress-backwards" and done == 2:
                    fraction = 0.0
                send({"jsonrpc": "2.0", "method": "progress", "params": {"id": request_id, "progress": fraction}})
        # Each word is its beep, 0.1 s long, one after another.
        timed = [{"text": word, "start_s": round(0.1 * index, 3), "end_s": round(0.1 * index + 0.1, 3)} for index, word in enumerate(words)]
        if MODE == "bad-words":
            timed[-1]["end_s"] += 1.0  # past the end of the audio
        outputs = [{"name": "output", "path": "output.wav"}]
        result = {"jsonrpc": "2.0", "id": request_id, "result": {"outputs": outputs, "words": timed}}
        send(result)
        if MODE == "double-answer":
            send(result)
        if MODE == "progress-after-result":
            send({"jsonrpc": "2.0", "method": "progress", "params": {"id": request_id, "progress": 1.0}})
    finally:
        with out_lock:
            runs.pop(request_id, None)
            pings = list(held_pings) if not runs else []
            if pings:
                held_pings.clear()
        for ping_id in pings:
            send({"jsonrpc": "2.0", "id": ping_id, "result": {}})


def worker():
    """MODE serialise: the runs, one at a time."""
    while True:
        item = work_queue.get()
        if item is None:
            return
        run(*item)


def handle(message):
    global initialized
    method, request_id, params = message.get("method"), message.get("id"), message.get("params") or {}
    if method == "initialize":
        offered = params.get("protocol_versions", [])
        if 1 not in offered and MODE != "accept-any-version":  # that mode answers 1 whatever was offered
            return fail(request_id, "unsupported", f"no common protocol version (host offers {offered}, engine speaks [1])")
        initialized = True
        name = "someone-else" if MODE == "wrong-name" else params["engine"]
        send({"jsonrpc": "2.0", "id": request_id, "result": {
            "protocol_version": 1, "engine": {"name": name, "version": os.environ.get("VERSION", "1.0.0"), "tasks": ["tts", "echo"], "concurrency": 2}}})
    elif method == "run":
        if not initialized and MODE != "run-before-initialize":  # that mode runs it anyway
            return send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32600, "message": "initialize first"}})
        missing = [field for field in ("job_id", "task", "work_dir") if not isinstance(params.get(field), str)]
        if missing:  # not a run at all: a protocol error, not the job's
            return send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32602, "message": f"run params need {missing[0]!r}, a string"}})
        if MODE == "chatty":
            print("loading the voice for this run...", flush=True)  # a stray print: not protocol
        cancel = threading.Event()
        with out_lock:
            runs[request_id] = cancel
        if MODE == "serialise":
            if not threads:
                threads.append(threading.Thread(target=worker, daemon=True))
                threads[0].start()
            work_queue.put((request_id, params, cancel))
            return
        thread = threading.Thread(target=run, args=(request_id, params, cancel), daemon=True)
        threads.append(thread)
        thread.start()
    elif method == "cancel":
        if MODE == "crash-on-unknown-cancel":
            runs[params.get("id")].set()  # a KeyError for an id it does not have: the engine dies
            return
        if MODE == "crash-on-repeated-cancel":
            if params.get("id") in cancelled_runs:
                os._exit(3)
            if params.get("id") in runs:
                cancelled_runs.add(params.get("id"))
        cancel = runs.get(params.get("id"))
        if cancel is not None:  # None: already answered, or never seen; a cancel may cross the result
            cancel.set()
    elif method == "ping":
        with out_lock:
            hold = MODE == "ping-between-runs" and bool(runs)
            if hold:
                held_pings.append(request_id)
        if not hold:
            send({"jsonrpc": "2.0", "id": request_id, "result": {}})
    elif method == "shutdown":
        send({"jsonrpc": "2.0", "id": request_id, "result": {}})
        if MODE == "drop-runs-at-shutdown":
            os._exit(0)  # broken on purpose: the runs in flight are never answered
        return "stop"
    elif request_id is not None:
        send({"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": f"unknown method {method!r}"}})


for line in sys.stdin:
    try:
        message = json.loads(line)
    except ValueError:
        send({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "not JSON"}})
        continue
    if handle(message) == "stop" and MODE != "ignore-shutdown":  # that mode waits for EOF instead
        break

# shutdown or stdin EOF: cancel what runs, let each answer (cancelled), and exit.
for cancel in list(runs.values()):
    cancel.set()
work_queue.put(None)
for thread in list(threads):
    thread.join(timeout=1)
if MODE == "ignore-eof":
    threading.Event().wait()  # broken on purpose: outlives its stdin
