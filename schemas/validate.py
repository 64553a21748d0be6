#!/usr/bin/env python3
"""Checks a protocol transcript, or an engine.json, against the schemas here.

    validate.py TRANSCRIPT...          a transcript of an engine session
    validate.py --manifest ENGINE.JSON...

A transcript has one message per line: `> ` and the JSON of a host → engine
message, or `< ` and the JSON of an engine → host message, in the order they
crossed. Blank lines and lines starting with `#` are skipped; `-` reads stdin.

Each message is checked against the schema for its kind: requests and
notifications by their method, results by the method of the request they
answer (matched by id), errors against error.response.json. On top of the
schemas, it checks what a single message cannot show (PROTOCOL.md): each
request is answered exactly once and only requests the host sent are
answered, the chosen protocol version was offered, output paths stay inside
work_dir, a run's words come in order without overlaps, progress is about
a run and never decreases, and engines report only the error kinds that are
theirs.

Prints one line per failure (FILE:LINE: what) and exits 1 if there are any,
0 if there are none, 2 on a usage error.
"""

import json
import os
import posixpath
import sys

try:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match
except ImportError:
    print("validate.py needs the jsonschema package: pip install jsonschema (or apt-get install python3-jsonschema)", file=sys.stderr)
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
HOST_REQUESTS = {"initialize", "run", "ping", "shutdown"}
HOST_ONLY_KINDS = {"engine_crashed", "timeout"}
MAX_LINE_BYTES = 1 << 20  # limits.max_engine_line_bytes


def load_schemas():
    schemas = {}
    for name in os.listdir(HERE):
        if name.endswith(".json"):
            with open(os.path.join(HERE, name), encoding="utf-8") as file:
                schema = json.load(file)
            Draft202012Validator.check_schema(schema)
            schemas[name[: -len(".json")]] = Draft202012Validator(schema)
    return schemas


def schema_failure(validator, value):
    """The most telling schema error, as `where: what`, or None."""
    error = best_match(validator.iter_errors(value))
    if error is None:
        return None
    if error.validator == "not":  # jsonschema would print the whole sub-schema
        return f"{error.json_path}: {error.instance!r} is not allowed ({error.schema.get('description', 'see the schema')})"
    return f"{error.json_path}: {error.message}"


def key(request_id):
    # 1 and "1" are different ids; json.dumps keeps them apart.
    return json.dumps(request_id)


class Transcript:
    def __init__(self, schemas, source):
        self.schemas = schemas
        self.source = source
        self.failures = []
        self.pending = {}  # id → (method, params, line): requests not answered yet
        self.answered = {}  # id → method: requests answered
        self.progress = {}  # run id → the last progress reported
        self.messages = 0

    def fail(self, number, text):
        if len(text) > 500:  # a schema message can quote a whole (huge) value
            text = text[:500] + "…"
        self.failures.append(f"{self.source}:{number}: {text}")

    def check(self, number, schema, message, what):
        failure = schema_failure(self.schemas[schema], message)
        if failure:
            self.fail(number, f"{what} does not match {schema}.json: {failure}")
            return False
        return True

    def line(self, number, raw):
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError as error:
            self.fail(number, f"not UTF-8: {error}")
            return
        if not text.strip() or text.startswith("#"):
            return
        if text[:2] not in ("> ", "< "):
            self.fail(number, "a line must start with '> ' (host → engine) or '< ' (engine → host)")
            return
        from_host = text[0] == ">"
        self.messages += 1
        if not from_host and len(text.encode("utf-8")) - 2 > MAX_LINE_BYTES:
            self.fail(number, "the line is longer than 1 MiB (limits.max_engine_line_bytes)")
        try:
            message = json.loads(text[2:])
        except ValueError as error:
            sender = "the host" if from_host else "the engine (the host kills an engine for this)"
            self.fail(number, f"not JSON, from {sender}: {error}")
            return
        if not isinstance(message, dict):
            self.fail(number, "a message must be a JSON object")
        elif "method" in message:
            if "id" in message:
                self.request(number, message, from_host)
            else:
                self.notification(number, message, from_host)
        elif from_host:
            self.fail(number, "the host sent a response; engines send no requests to answer")
        else:
            self.response(number, message)

    def request(self, number, message, from_host):
        method = message["method"]
        if not from_host:
            self.fail(number, f"the engine sent a request ({method!r}); engines send only progress notifications")
            return
        if method not in HOST_REQUESTS:
            self.fail(number, f"{method!r} is not a request of protocol 1 (initialize, run, ping, shutdown)")
        else:
            self.check(number, f"{method}.request", message, f"{method} request")
        # Kept even when wrong, so that its answer is not reported as well.
        request_id = key(message["id"])
        if request_id in self.pending:
            self.fail(number, f"id {message['id']} is reused while a request with that id is in flight")
        params = message.get("params")
        self.pending[request_id] = (method, params if isinstance(params, dict) else {}, number)

    def notification(self, number, message, from_host):
        method = message["method"]
        expected = "cancel" if from_host else "progress"
        if method != expected:
            sender = "the host" if from_host else "an engine"
            self.fail(number, f"{sender} sends no {method!r} notifications, only {expected!r}")
            return
        if not self.check(number, f"{method}.notification", message, f"{method} notification"):
            return
        if method == "progress":
            self.check_progress(number, message["params"])

    def check_progress(self, number, params):
        run_id = key(params["id"])
        sent = self.pending.get(run_id) or (self.answered.get(run_id),)
        if sent[0] != "run":
            self.fail(number, f"progress about id {params['id']}, which is not a run the host sent")
            return
        last = self.progress.get(run_id, 0.0)
        if params["progress"] < last:
            self.fail(number, f"progress of run {params['id']} went down, from {last} to {params['progress']}")
        self.progress[run_id] = max(last, params["progress"])

    def response(self, number, message):
        is_error = "error" in message
        if not is_error and "result" not in message:
            self.fail(number, "a message with neither method, result nor error")
            return
        # Match the id first, so that a wrong answer is not also reported as missing.
        method, params = None, {}
        if not (is_error and message.get("id") is None):  # null: a line the engine could not read
            request_id = key(message.get("id"))
            if request_id in self.pending:
                method, params, _ = self.pending.pop(request_id)
                self.answered[request_id] = method
            elif request_id in self.answered:
                self.fail(number, f"answers id {message.get('id')} a second time")
            else:
                self.fail(number, f"answers id {message.get('id')}, which the host never sent")
        if is_error:
            if self.check(number, "error.response", message, "error response"):
                kind = (message["error"].get("data") or {}).get("kind")
                if kind in HOST_ONLY_KINDS:
                    self.fail(number, f"error kind {kind!r} is the host's to report, not an engine's")
            return
        if method not in HOST_REQUESTS or not self.check(number, f"{method}.response", message, f"{method} response"):
            return
        result = message["result"]
        if method == "initialize":
            offered = params.get("protocol_versions") or []
            if result["protocol_version"] not in offered:
                self.fail(number, f"protocol_version {result['protocol_version']} is not one the host offered ({offered})")
        elif method == "run":
            work_dir = params.get("work_dir")
            for output in result["outputs"] if isinstance(work_dir, str) and work_dir.startswith("/") else []:
                path = posixpath.normpath(posixpath.join(work_dir, output["path"]))
                if not path.startswith(work_dir.rstrip("/") + "/"):
                    self.fail(number, f"output {output['path']!r} is outside work_dir {work_dir!r}")
            previous_end = 0
            for index, word in enumerate(result.get("words") or []):
                if word["start_s"] < previous_end or word["end_s"] < word["start_s"]:
                    self.fail(number, f"word {index} ({word['text']!r}, {word['start_s']}..{word['end_s']} s) overlaps the one before "
                              "or ends before it starts: words come in order, without overlaps")
                previous_end = max(previous_end, word["end_s"])

    def finish(self, number):
        for request_id, (method, _, sent_at) in self.pending.items():
            self.fail(number, f"the {method} request of line {sent_at} (id {request_id}) was never answered")


def validate_transcript(schemas, path):
    transcript = Transcript(schemas, path)
    number = 0
    stream = sys.stdin.buffer if path == "-" else open(path, "rb")
    with stream:
        for number, raw in enumerate(stream, start=1):
            transcript.line(number, raw)
    transcript.finish(number)
    if transcript.messages == 0 and not transcript.failures:
        transcript.fail(number, "no messages")
    return transcript.failures


def validate_manifest(schemas, path):
    try:
        with open(path, encoding="utf-8") as file:
            manifest = json.load(file)
    except (OSError, ValueError) as error:
        return [f"{path}: cannot be read: {error}"]
    failure = schema_failure(schemas["engine.manifest"], manifest)
    if failure:
        return [f"{path}: does not match engine.manifest.json: {failure}"]
    failures = []
    folder = os.path.basename(os.path.dirname(os.path.abspath(path)))
    if "name" in manifest and manifest["name"] != folder:
        failures.append(f"{path}: name is {manifest['name']!r} but the engine's folder is {folder!r}; they must match")
    if "default_task" in manifest and manifest["default_task"] not in manifest["tasks"]:
        failures.append(f"{path}: default_task {manifest['default_task']!r} is not one of its tasks")
    return failures


def main(argv):
    manifests = argv[:1] == ["--manifest"]
    paths = argv[1:] if manifests else argv
    if not paths or any(path in ("-h", "--help") for path in paths):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    schemas = load_schemas()
    failures = []
    for path in paths:
        if not manifests and path != "-" and not os.path.isfile(path):
            print(f"{path}: no such file", file=sys.stderr)
            return 2
        failures += (validate_manifest if manifests else validate_transcript)(schemas, path)
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
