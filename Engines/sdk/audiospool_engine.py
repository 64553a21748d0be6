"""audiospool engine SDK: one file, standard library only.

An engine is a class with ``load()`` and ``run(job, ctx)``; ``serve()`` does
the rest of PROTOCOL.md: framing, the handshake, concurrency, progress,
cancellation, errors, shutdown and exit on stdin EOF.

    from audiospool_engine import Engine, BadInput, serve

    class Echo(Engine):
        name, version, tasks = "echo", "1.0.0", ["tts"]

        def load(self, init):
            self.model = load_my_model(init.device)

        def run(self, job, ctx):
            path = ctx.output("output")
            ...write a WAV file to path, calling ctx.progress(f) and ctx.check_cancelled()...
            return path

    if __name__ == "__main__":
        serve(Echo())

Copy this file next to your engine, or rely on the host putting its folder
on PYTHONPATH. It must not write to stdout except through ``serve``: stray
prints go to stderr, which the host keeps as the engine's log.
"""

import json
import os
import stat
import sys
import threading
import time
import traceback
import wave
from concurrent.futures import ThreadPoolExecutor

PROTOCOL_VERSIONS = [1]

# JSON-RPC 2.0's own codes: the request, not the job, is wrong (PROTOCOL.md, "Errors").
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602

# The protocol's codes, one per error kind (PROTOCOL.md, "Errors").
BAD_INPUT = -32001
UNSUPPORTED = -32002
OUT_OF_MEMORY = -32003
TRANSIENT = -32004
INTERNAL = -32005
CANCELLED = -32800

ERROR_CODES = {
    "bad_input": BAD_INPUT,
    "unsupported": UNSUPPORTED,
    "oom": OUT_OF_MEMORY,
    "transient": TRANSIENT,
    "internal": INTERNAL,
    "cancelled": CANCELLED,
}


class EngineError(Exception):
    """A failure the host should act on; ``kind`` decides what it does."""

    kind = "internal"

    def __init__(self, message, kind=None):
        super().__init__(message)
        self.message = message
        if kind is not None:
            if kind not in ERROR_CODES:
                raise ValueError(f"unknown error kind {kind!r}")
            self.kind = kind


class BadInput(EngineError):
    """The job is wrong (a parameter, the text, an input): do not retry."""

    kind = "bad_input"


class Unsupported(EngineError):
    """The engine cannot do this (task, voice, language)."""

    kind = "unsupported"


class OutOfMemory(EngineError):
    """Out of (GPU) memory: the host restarts this instance and retries."""

    kind = "oom"


class Transient(EngineError):
    """A passing failure: the host retries later."""

    kind = "transient"


class Cancelled(EngineError):
    """The host cancelled the job."""

    kind = "cancelled"


class Init:
    """The ``initialize`` params: where to run and the operator's config."""

    def __init__(self, params):
        device = params.get("device") or {"kind": "cpu"}
        self.device_kind = device.get("kind", "cpu")
        # "cuda" or "cpu": what torch and onnxruntime expect. The host sets
        # CUDA_VISIBLE_DEVICES, so the assigned GPU is always cuda:0 here.
        self.device = "cuda" if self.device_kind == "cuda" else "cpu"
        self.gpu_index = device.get("index")
        self.gpu_uuid = device.get("uuid")
        self.config = params.get("config") or {}
        self.engine = params.get("engine")
        # Threads for this instance's runtime (torch, onnxruntime): the
        # host's cores shared among the instances it may run.
        self.cpu_threads = max(1, int(params.get("cpu_threads") or 1))
        # The spool's saved voices for this engine (`voices/<engine>/`), or
        # None: the one folder outside the work folder it may read.
        self.voice_bank = params.get("voice_bank")

    def use_hub_config(self):
        """For engines that load from the Hugging Face hub: the config's
        `hub_cache` (a local cache) and `offline` become HF_HUB_CACHE and
        HF_HUB_OFFLINE. Call it before importing anything that imports
        huggingface_hub, which reads them once."""
        if self.config.get("hub_cache"):
            os.environ["HF_HUB_CACHE"] = str(self.config["hub_cache"])
        if self.config.get("offline"):
            os.environ["HF_HUB_OFFLINE"] = "1"

    def torch_device(self):
        """For PyTorch engines: "cuda" or "cpu" to load the model on. On the
        CPU, torch's thread pool gets the config's `threads` or the host's
        share of cores. A GPU given to a torch that cannot use CUDA is a
        clear start error, not a slow silent run on the CPU."""
        import torch

        if self.device == "cuda" and (self.gpu_uuid or "").startswith(FAKE_GPU_PREFIX):
            # config.json's gpus.fake (tests, benchmarks): a slot is held,
            # placement and leases are real, but there is no CUDA behind it.
            print(f"fake GPU {self.gpu_uuid}: torch runs on the CPU", file=sys.stderr, flush=True)
            torch.set_num_threads(int(self.config.get("threads") or self.cpu_threads))
            return "cpu"
        if self.device == "cuda" and not torch.cuda.is_available():
            raise EngineError(
                f"the host gave this instance a GPU ({self.gpu_uuid}), but this environment's torch "
                f"{torch.__version__} cannot use CUDA; pin a CUDA build in requirements.txt")
        if self.device == "cpu":
            torch.set_num_threads(int(self.config.get("threads") or self.cpu_threads))
        return self.device


# The UUIDs the host gives its fake GPUs (Sources/Leases/GPU.swift, GPU.fake).
FAKE_GPU_PREFIX = "GPU-fa4e0000-0000-4000-8000-"


class Job:
    """The ``run`` params."""

    def __init__(self, params):
        self.id = params["job_id"]
        self.task = params["task"]
        self.text = params.get("text")
        self.params = params.get("params") or {}
        self.inputs = params.get("inputs") or {}
        self.work_dir = params["work_dir"]
        self.attempt = params.get("attempt", 1)
        self.accepted = None  # set by serve() from the engine's params
        self.started = 0.0  # wall-clock time the run began (the log's "at=")

    def unknown_params(self):
        """The job's params the engine does not take, sorted."""
        if self.accepted is None:
            return []
        return sorted(name for name in self.params if name not in self.accepted)

    def param(self, name, default=None, kind=None, minimum=None, maximum=None, choices=None):
        """A job parameter, checked; a wrong one raises BadInput naming it."""
        if self.accepted is not None and name not in self.accepted:
            # The engine's bug, not the job's: its params list is incomplete.
            raise EngineError(f"the engine reads param {name!r} but does not list it in its params")
        value = self.params.get(name, default)
        if value is None:
            return None
        if kind is not None:
            value = _coerce(name, value, kind)
        if minimum is not None and value < minimum:
            raise BadInput(f"param {name!r} must be at least {minimum}, got {value!r}")
        if maximum is not None and value > maximum:
            raise BadInput(f"param {name!r} must be at most {maximum}, got {value!r}")
        if choices is not None and value not in choices:
            raise BadInput(f"param {name!r} must be one of {sorted(choices)}, got {value!r}")
        return value

    def require_text(self):
        if not self.text or not self.text.strip():
            raise BadInput(f"task {self.task!r} needs text")
        return self.text


class Context:
    """What a running job can tell the host, and ask of it."""

    def __init__(self, server, request_id, job, cancel):
        self._server = server
        self._id = request_id
        self._job = job
        # Set by the server, which keeps it, when the host cancels the job.
        self._cancel = cancel
        self._progress = 0.0
        self._details = {}
        self._words = None

    @property
    def cancelled(self):
        return self._cancel.is_set()

    def check_cancelled(self):
        """Raises Cancelled if the host cancelled the job; call it often."""
        if self._cancel.is_set():
            raise Cancelled("cancelled by the host")

    def wait(self, seconds):
        """Sleeps, waking early (and raising Cancelled) on cancel."""
        if self._cancel.wait(seconds):
            raise Cancelled("cancelled by the host")

    def progress(self, fraction, message=None, segments_done=None, segments_total=None):
        """Reports progress, 0..1. It never goes backwards."""
        fraction = min(1.0, max(self._progress, float(fraction)))
        self._progress = fraction
        params = {"id": self._id, "progress": round(fraction, 6)}
        if message is not None:
            params["message"] = str(message)
        if segments_done is not None:
            params["segments_done"] = int(segments_done)
        if segments_total is not None:
            params["segments_total"] = int(segments_total)
        self._server.send({"jsonrpc": "2.0", "method": "progress", "params": params})

    def details(self, **fields):
        """Figures about this run for result.json's `details` (numbers,
        strings, booleans): the settings it finished with, counters."""
        for name, value in fields.items():
            if not isinstance(value, (int, float, str, bool)) or value != value:
                raise ValueError(f"detail {name!r} must be a number, string or boolean, got {value!r}")
            self._details[name] = value

    def words(self, words):
        """When each word of the text is heard in the first output: a list of
        (text, start_s, end_s) or {"text", "start_s", "end_s"}, in seconds
        from the output's start, in order and not overlapping (PROTOCOL.md,
        "Word timings"). The WAV's length is checked when the run returns."""
        checked = []
        previous_end = 0.0
        for index, word in enumerate(words):
            if isinstance(word, dict):
                text, start, end = word.get("text"), word.get("start_s"), word.get("end_s")
            else:
                text, start, end = word
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"word {index} must have text, got {text!r}")
            start, end = float(start), float(end)
            if not (start == start and end == end) or start < previous_end or end < start:
                raise ValueError(
                    f"word {index} ({text!r}) is timed {start}..{end} s after a word ending at {previous_end} s: "
                    "words come in order, without overlaps")
            checked.append({"text": text, "start_s": round(start, 6), "end_s": round(end, 6)})
            previous_end = end
        self._words = checked

    def output(self, name="output", extension="wav"):
        """The path to write an output to, inside the work folder."""
        return os.path.join(self._job.work_dir, f"{name}.{extension}")


class Engine:
    """Subclass this. Class attributes describe the engine to the host."""

    name = "engine"
    version = "0"
    tasks = []
    # The params run() reads: a job giving any other fails as bad_input
    # before run() (a misspelt "sped" would otherwise be ignored silently).
    # A dict gives them per task. None opts out: run() checks them itself.
    params = ()
    # How many run() calls one process takes at once (threads).
    concurrency = 1

    def load(self, init):
        """Load the model; called once, before any run(). ``init`` is an Init."""

    def info(self):
        """Extra engine info for the handshake: voices, sample_rates."""
        return {}

    def run(self, job, ctx):
        """Do one job. Return the WAV written (a path), or {name: path}."""
        raise NotImplementedError

    def unload(self):
        """Release the model; called once, at exit."""


def classify(error):
    """The error kind and message for an exception from engine code."""
    if isinstance(error, EngineError):
        return error.kind, error.message
    if isinstance(error, MemoryError):
        return "oom", "out of memory"
    name = type(error).__name__
    text = str(error)
    if name == "OutOfMemoryError" or "CUDA out of memory" in text or "CUDA error: out of memory" in text:
        return "oom", f"{name}: {text}"
    return "internal", f"{name}: {text}"


class _Server:
    def __init__(self, engine):
        self.engine = engine
        # Protocol output goes to the real stdout; anything else printed goes to the log.
        self._out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self._lock = threading.Lock()
        self._runs = {}  # request id -> the run's cancel event, which Context waits on
        self._pool = None
        self._initialized = False

    def send(self, message):
        line = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            try:
                self._out.write(line + "\n")
                self._out.flush()
            except (BrokenPipeError, ValueError):
                pass  # the host is gone; stdin EOF will end us

    def respond(self, request_id, result):
        self.send({"jsonrpc": "2.0", "id": request_id, "result": result})

    def fail(self, request_id, kind, message, code=None):
        error = {"code": code or ERROR_CODES[kind], "message": message}
        if code is None:
            error["data"] = {"kind": kind}
        self.send({"jsonrpc": "2.0", "id": request_id, "error": error})

    def serve(self):
        for raw in sys.stdin.buffer:
            try:
                message = json.loads(raw)
            except ValueError:
                self.fail(None, None, "not JSON", code=PARSE_ERROR)
                continue
            if not isinstance(message, dict) or not isinstance(message.get("method"), str):
                continue  # responses and junk: the host sends us none
            method, params, request_id = message["method"], message.get("params") or {}, message.get("id")
            if method == "shutdown":
                self.respond(request_id, {})
                break
            try:
                self.dispatch(method, params, request_id)
            except Exception as error:  # a bug in dispatch must not kill the engine
                traceback.print_exc()
                if request_id is not None:
                    self.fail(request_id, "internal", f"{type(error).__name__}: {error}")
        self.stop()

    def dispatch(self, method, params, request_id):
        if method == "initialize":
            self.initialize(params, request_id)
        elif method == "run":
            if not self._initialized:
                self.fail(request_id, None, "initialize first", code=INVALID_REQUEST)
                return
            missing = [field for field in ("job_id", "task", "work_dir") if not isinstance(params.get(field), str)]
            if missing:  # not a run at all: a protocol error (PROTOCOL.md, "Errors"), not the job's
                self.fail(request_id, None, f"run params need {missing[0]!r}, a string", code=INVALID_PARAMS)
                return
            job = Job(params)
            # One line per run in the engine's log, for operators and the
            # chaos proofs that count runs; with the wall-clock time, and a
            # "ran" line when it ends, so the runs of engines working side
            # by side can be seen to overlap. One write(2) each, so lines
            # from instances sharing the log never interleave.
            job.started = time.time()
            os.write(2, f"run job={job.id} task={job.task} attempt={job.attempt} at={job.started:.3f}\n".encode())
            cancel = threading.Event()
            ctx = Context(self, request_id, job, cancel)
            self._runs[request_id] = cancel
            self._pool.submit(self.run, job, ctx, request_id)
        elif method == "cancel":
            cancel = self._runs.get(params.get("id"))
            if cancel is not None:  # unknown: it finished already, the race PROTOCOL.md allows
                cancel.set()
        elif method == "ping":
            self.respond(request_id, {})
        elif request_id is not None:
            self.fail(request_id, None, f"unknown method {method!r}", code=METHOD_NOT_FOUND)

    def initialize(self, params, request_id):
        offered = params.get("protocol_versions") or [1]
        common = sorted(set(offered) & set(PROTOCOL_VERSIONS))
        if not common:
            self.fail(request_id, "unsupported", f"no common protocol version (host offers {offered}, engine speaks {PROTOCOL_VERSIONS})")
            return
        try:
            self.engine.load(Init(params))
            extra = self.engine.info() or {}
        except Exception as error:
            traceback.print_exc()
            kind, message = classify(error)
            self.fail(request_id, kind, f"loading failed: {message}")
            return
        concurrency = max(1, int(self.engine.concurrency))
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="run")
        self._initialized = True
        info = {
            "name": self.engine.name,
            "version": self.engine.version,
            "tasks": list(self.engine.tasks),
            "concurrency": concurrency,
        }
        info.update(extra)
        self.respond(request_id, {"protocol_version": common[-1], "engine": info})

    def run(self, job, ctx, request_id):
        try:
            ctx.check_cancelled()
            if job.task not in self.engine.tasks:
                raise Unsupported(f"task {job.task!r} is not one of {list(self.engine.tasks)}")
            job.accepted = _accepted_params(self.engine, job.task)
            if not isinstance(job.params, dict):
                raise BadInput("'params' must be an object")
            unknown = job.unknown_params()
            if unknown:
                known = ", ".join(sorted(job.accepted)) or "none"
                raise BadInput(f"unknown param {unknown[0]!r} (known: {known})")
            outputs = self.engine.run(job, ctx)
            if ctx.cancelled:
                raise Cancelled("cancelled by the host")
            result = {"outputs": _outputs(outputs, job.work_dir)}
            if ctx._details:
                result["details"] = dict(ctx._details)
            if ctx._words is not None:
                _check_words_fit(ctx._words, result["outputs"][0]["path"], job.work_dir)
                result["words"] = ctx._words
            self.respond(request_id, result)
        except Exception as error:
            kind, message = classify(error)
            if kind == "internal":
                traceback.print_exc()
            self.fail(request_id, kind, message)
        finally:
            self._runs.pop(request_id, None)
            os.write(2, f"ran job={job.id} started={job.started:.3f} ended={time.time():.3f}\n".encode())

    def stop(self):
        """stdin EOF or shutdown: cancel what runs, let it answer, exit."""
        for cancel in list(self._runs.values()):
            cancel.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        try:
            self.engine.unload()
        finally:
            self._out.flush()


def _accepted_params(engine, task):
    """The param names ``engine`` takes for ``task``; None if it takes any."""
    declared = engine.params
    if declared is None:
        return None
    if isinstance(declared, dict):
        declared = declared.get(task, ())
    return frozenset(declared)


def _coerce(name, value, kind):
    """JSON numbers are int or float in Python; accept what the user meant."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is float and number:
        return float(value)
    if kind is int and number and float(value).is_integer():
        return int(value)
    if kind not in (int, float) and isinstance(value, kind):
        return value
    raise BadInput(f"param {name!r} must be {kind.__name__}, got {value!r}")


def _outputs(outputs, work_dir):
    if isinstance(outputs, (str, os.PathLike)):
        outputs = {"output": outputs}
    if isinstance(outputs, dict):
        outputs = [{"name": name, "path": path} for name, path in outputs.items()]
    result = []
    root = None
    for item in outputs:
        given = os.path.join(work_dir, os.fspath(item["path"]))
        # The usual output, a regular file right in the work folder (as
        # ctx.output names it), is inside it whatever links lead to the
        # folder: one lstat, not two realpaths of a dozen each.
        name = os.path.basename(given)
        if os.path.dirname(given) == work_dir and name not in ("", ".", ".."):
            try:
                if stat.S_ISREG(os.lstat(given).st_mode):
                    result.append({"name": item["name"], "path": name})
                    continue
            except OSError:
                pass
        root = root or os.path.realpath(work_dir)
        path = os.path.realpath(given)
        if not path.startswith(root + os.sep):
            raise EngineError(f"output {item['path']!r} is outside the work folder")
        if not os.path.isfile(path):
            raise EngineError(f"output {item['path']!r} was not written")
        result.append({"name": item["name"], "path": os.path.relpath(path, root)})
    return result


def _check_words_fit(words, path, work_dir):
    """The words end within the first output's audio (10 ms of slack)."""
    if not words:
        return
    try:
        with wave.open(os.path.join(work_dir, path), "rb") as audio:
            seconds = audio.getnframes() / audio.getframerate()
    except (wave.Error, EOFError, OSError):
        return  # not a WAV the wave module reads (float): the host checks it
    last = words[-1]
    if last["end_s"] > seconds + 0.01:
        raise EngineError(f"word {last['text']!r} ends at {last['end_s']} s, past the end of the audio ({seconds:.3f} s)")


def serve(engine):
    """Serves the protocol on stdin/stdout until shutdown or stdin EOF."""
    _Server(engine).serve()
