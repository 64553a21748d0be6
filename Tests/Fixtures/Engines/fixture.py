"""Test engines, one per MODE: most break the protocol in some way, for
tests of the host's defences; "echo-input" returns its input, for tests of
input decoding. It speaks the protocol by hand (no SDK)."""

import json
import os
import sys
import time
import wave

MODE = os.environ.get("MODE", "ok")
# The device `initialize` assigned (MODEs gpu-report and oom-on-gpu).
DEVICE = {"kind": "cpu"}


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


if MODE == "garbage-start":
    print("Loading model... done!", flush=True)

for line in sys.stdin:
    message = json.loads(line)
    method, request_id, params = message.get("method"), message.get("id"), message.get("params") or {}
    if method == "initialize":
        DEVICE = params.get("device") or {"kind": "cpu"}
        if MODE in ("gpu-report", "oom-on-gpu"):
            # What a GPU engine sees of its placement, for the lease tests (in its log).
            sys.stderr.write("initialize device=%s CUDA_VISIBLE_DEVICES=%s CUDA_DEVICE_ORDER=%s\n" % (
                json.dumps(DEVICE, sort_keys=True), os.environ.get("CUDA_VISIBLE_DEVICES", "<unset>"),
                os.environ.get("CUDA_DEVICE_ORDER", "<unset>")))
            sys.stderr.flush()
        if MODE == "slow-start":
            time.sleep(3600)
        # In MODE report-prefix the version is the interpreter's prefix, so a test can see where it runs.
        version = sys.prefix if MODE == "report-prefix" else "0.0.1"
        send({"jsonrpc": "2.0", "id": request_id, "result": {
            "protocol_version": 1,
            "engine": {"name": os.environ.get("AUDIOSPOOL_ENGINE", "fixture"), "version": version, "tasks": ["tone"]}}})
    elif method == "run":
        if MODE in ("gpu-report", "oom-on-gpu"):
            sys.stderr.write("run %s device=%s CUDA_VISIBLE_DEVICES=%s\n" % (
                params.get("job_id"), json.dumps(DEVICE, sort_keys=True), os.environ.get("CUDA_VISIBLE_DEVICES", "<unset>")))
            sys.stderr.flush()
            if MODE == "oom-on-gpu" and DEVICE.get("kind") == "cuda":
                send({"jsonrpc": "2.0", "id": request_id, "error": {
                    "code": -32003, "message": "CUDA out of memory (simulated)", "data": {"kind": "oom"}}})
                continue
            # `seconds` keeps the job running (with progress), so tests can see it hold its slot.
            seconds = float((params.get("params") or {}).get("seconds", 0))
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                send({"jsonrpc": "2.0", "method": "progress", "params": {"id": request_id, "progress": 0.5}})
                time.sleep(min(0.2, max(0, deadline - time.monotonic())))
        # A job with param crash kills any mode's engine: a poison job.
        if MODE == "crash" or (params.get("params") or {}).get("crash"):
            sys.stderr.write("boom: simulated crash in the model\n")
            sys.stderr.flush()
            os._exit(3)
        elif MODE == "garbage":
            print("WARNING: something chatty on stdout", flush=True)
        elif MODE == "longline":
            send({"jsonrpc": "2.0", "method": "progress", "params": {"id": request_id, "progress": 0.1, "message": "x" * (2 << 20)}})
        elif MODE == "invalid-utf8":
            sys.stdout.buffer.write(b'{"jsonrpc": "2.0", "method": "progress", "params": {"id": 2, "progress": 0.5, "message": "\xff\xfe"}}\n\xc3\x28garbage\n')
            sys.stdout.flush()
        elif MODE == "mid-line":
            sys.stdout.write('{"jsonrpc": "2.0", "id": %d, "result": {"outp' % request_id)
            sys.stdout.flush()
            os._exit(0)
        elif MODE == "unknown-id":
            send({"jsonrpc": "2.0", "id": 999, "result": {"outputs": []}})
        elif MODE == "string-id":
            send({"jsonrpc": "2.0", "id": str(request_id), "result": {"outputs": []}})
        elif MODE == "ignore-cancel" or MODE == "ignore-eof":
            send({"jsonrpc": "2.0", "method": "progress", "params": {"id": request_id, "progress": 0.01}})
            time.sleep(3600)
        elif MODE == "stall":
            send({"jsonrpc": "2.0", "method": "progress", "params": {"id": request_id, "progress": 0.1}})
            time.sleep(3600)
        elif MODE == "escape":
            send({"jsonrpc": "2.0", "id": request_id, "result": {"outputs": [{"name": "output", "path": "../../job.json"}]}})
        elif MODE == "echo-input":
            # The wave module reads PCM WAV only: the host must have decoded the input.
            with wave.open(params["inputs"]["audio"], "rb") as source:
                shape = (source.getframerate(), source.getnchannels(), source.getsampwidth())
                frames = source.readframes(source.getnframes())
            sys.stderr.write(f"input: {shape}\n")
            path = os.path.join(params["work_dir"], "output.wav")
            with wave.open(path, "wb") as out:
                out.setframerate(shape[0])
                out.setnchannels(shape[1])
                out.setsampwidth(shape[2])
                out.writeframes(frames)
            send({"jsonrpc": "2.0", "id": request_id, "result": {"outputs": [{"name": "output", "path": "output.wav"}]}})
        elif MODE == "bad-result":
            send({"jsonrpc": "2.0", "id": request_id, "result": {"files": "output.wav"}})
        else:
            path = os.path.join(params["work_dir"], "output.wav")
            with wave.open(path, "wb") as out:
                out.setnchannels(1)
                out.setsampwidth(2)
                out.setframerate(8000)
                out.writeframes(b"\0\0" * 800)
            send({"jsonrpc": "2.0", "id": request_id, "result": {"outputs": [{"name": "output", "path": "output.wav"}]}})
    elif method == "ping":
        send({"jsonrpc": "2.0", "id": request_id, "result": {}})
    elif method == "shutdown":
        send({"jsonrpc": "2.0", "id": request_id, "result": {}})
        break

if MODE == "ignore-eof":
    # A broken engine: it outlives its stdin (and so its supervisor).
    sys.stderr.write("ignoring stdin EOF\n")
    sys.stderr.flush()
    while True:
        time.sleep(1)
