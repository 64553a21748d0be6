"""Chaos proofs for issue 6: nothing lost, nothing run twice.

  chaos.py BIN ENGINES kill N KILLS     N tone jobs; the supervisor is killed
                                        with SIGKILL KILLS times at random
                                        moments and restarted
  chaos.py BIN ENGINES two N            two supervisors on one spool, N jobs
  chaos.py BIN ENGINES hosts N KILLS    two hosts (--host a on mount A, b on
                                        mount B of $CHAOS_MOUNTS="A:B", one
                                        volume mounted twice), the KILLS
                                        spread over both, each killed host
                                        restarted

Each scenario runs in a fresh spool in /dev/shm (or $CHAOS_DIR) and then
checks it from the outside, the way an operator would: every job is in
exactly one of done/ and failed/, nothing is left in new/, cur/ or tmp/, each
result names its own job and its outputs are whole (no hidden temporary
files), and the engine's own log ("run job=ID" lines written by the SDK)
says how many times each job ran. In `two` every job must have run exactly
once; in `kill` a job may run again only after a kill interrupted it.
Prints a JSON summary; exits 1 if any check fails.
"""

import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def job(index):
    # Distinct params, so the idempotency cache cannot answer for the engine.
    return {"engine": "tone", "params": {"seconds": 0.05, "frequency": 200 + index}}


def drop_all(spool, count):
    names = []
    for index in range(count):
        name = f"job{index:05d}"
        staging = f"{spool}/tmp/{name}"
        with open(staging, "w") as out:
            json.dump(job(index), out)
        os.rename(staging, f"{spool}/new/{name}.json")
        names.append(name)
    return names


class Supervisor:
    def __init__(self, binary, spool, engines, log, host=None):
        self.log = open(log, "ab")
        self.process = subprocess.Popen(
            [binary, "run", "--spool", spool, "--engines", engines] + (["--host", host] if host else []),
            stdout=self.log, stderr=self.log, start_new_session=True)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()


def entries(spool, folder):
    try:
        return [n for n in os.listdir(f"{spool}/{folder}") if not n.startswith(".")]
    except FileNotFoundError:
        return []


def finished(spool):
    return len(entries(spool, "done")) + len(entries(spool, "failed"))


def wait_settled(spool, count, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if finished(spool) >= count and not entries(spool, "new") and not entries(spool, "cur"):
            return True
        time.sleep(0.05)
    return False


def engine_runs(spool):
    """Runs per job, from every host's engine log (state/hosts/<host>/logs/)."""
    runs = {}
    for path in glob.glob(f"{spool}/state/hosts/*/logs/tone.log") + glob.glob(f"{spool}/state/logs/tone.log"):
        with open(path, errors="replace") as log:
            for line in log:
                if line.startswith("run job="):
                    name = line.split()[1][len("job="):]
                    runs[name] = runs.get(name, 0) + 1
    return runs


def audit(spool, names, exact_runs):
    """Every way a job could be lost, duplicated or half-written."""
    problems = []
    done, failed = set(entries(spool, "done")), set(entries(spool, "failed"))
    expected = set(names)
    for name in sorted(expected - done - failed):
        problems.append(f"{name}: lost (in neither done/ nor failed/)")
    for name in sorted(done & failed):
        problems.append(f"{name}: in both done/ and failed/")
    for name in sorted((done | failed) - expected):
        problems.append(f"{name}: unexpected entry")
    for folder in ("new", "cur", "tmp"):
        for name in entries(spool, folder):
            problems.append(f"{folder}/{name}: left behind")
    for name in sorted(done & expected):
        folder = f"{spool}/done/{name}"
        try:
            with open(f"{folder}/result.json") as handle:
                result = json.load(handle)
        except (OSError, ValueError) as error:
            problems.append(f"{name}: no readable result.json ({error})")
            continue
        if result.get("id") != name:
            problems.append(f"{name}: result.json names {result.get('id')}")
        outputs = result.get("outputs") or []
        if not outputs:
            problems.append(f"{name}: result.json lists no outputs")
        for output in outputs:
            path = f"{folder}/{output.get('path', '')}"
            if not os.path.isfile(path) or os.path.getsize(path) <= 44:
                problems.append(f"{name}: output {output.get('path')} missing or empty")
        for root, _, files in os.walk(folder):
            for file in files:
                if file.startswith("."):
                    problems.append(f"{name}: temporary file {os.path.relpath(os.path.join(root, file), folder)} in done/")
    runs = engine_runs(spool)
    for name in sorted(done & expected):
        count = runs.get(name, 0)
        if count == 0:
            problems.append(f"{name}: done but the engine never ran it")
        elif exact_runs and count != 1:
            problems.append(f"{name}: the engine ran it {count} times")
    histogram = {}
    for name in names:
        histogram[runs.get(name, 0)] = histogram.get(runs.get(name, 0), 0) + 1
    return problems, {"done": len(done & expected), "failed": len(failed & expected),
                      "engine_runs_per_job": {str(k): v for k, v in sorted(histogram.items())}}


def scenario_kill(binary, engines, spool, count, kills, log):
    names = drop_all(spool, count)
    # Kill when the finished count passes random marks spread over the run, plus
    # a random few milliseconds, so kills land while claiming, running,
    # encoding and finishing.
    marks = sorted(random.sample(range(1, count), kills))
    supervisor = Supervisor(binary, spool, engines, log)
    killed = 0
    deadline = time.monotonic() + 60 + count
    for mark in marks:
        while finished(spool) < mark and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(random.uniform(0, 0.05))
        supervisor.kill()
        killed += 1
        supervisor = Supervisor(binary, spool, engines, log)
    settled = wait_settled(spool, count, 60 + count)
    supervisor.stop()
    return names, {"kills": killed, "settled": settled}


def scenario_two(binary, engines, spool, count, log):
    first = Supervisor(binary, spool, engines, log)
    second = Supervisor(binary, spool, engines, log)
    names = drop_all(spool, count)
    settled = wait_settled(spool, count, 60 + count)
    first.stop()
    second.stop()
    return names, {"supervisors": 2, "settled": settled}


def scenario_hosts(binary, engines, spools, count, kills, log):
    """The kill scenario over two hosts: each kill takes a random host's
    supervisor, which is restarted (under the same --host, so it finds its
    predecessor's jobs by their dead pids)."""
    names = drop_all(spools["a"], count)
    marks = sorted(random.sample(range(1, count), kills))
    supervisors = {host: Supervisor(binary, spools[host], engines, log, host) for host in ("a", "b")}
    killed = {"a": 0, "b": 0}
    deadline = time.monotonic() + 120 + count
    for mark in marks:
        while finished(spools["a"]) < mark and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(random.uniform(0, 0.05))
        host = random.choice(("a", "b"))
        supervisors[host].kill()
        killed[host] += 1
        supervisors[host] = Supervisor(binary, spools[host], engines, log, host)
    settled = wait_settled(spools["a"], count, 120 + count)
    for supervisor in supervisors.values():
        supervisor.stop()
    return names, {"kills": sum(killed.values()), "kills_per_host": killed, "settled": settled}


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    binary, engines, scenario, count = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    seed = int(os.environ.get("CHAOS_SEED", time.time_ns() % 1_000_000))
    random.seed(seed)
    mounts = os.environ.get("CHAOS_MOUNTS", "").split(":") if scenario == "hosts" else []
    if scenario == "hosts" and len(mounts) != 2:
        sys.exit("the hosts scenario needs CHAOS_MOUNTS=A:B, one volume mounted twice (bench/multihost.sh sets it)")
    base = mounts[0] if mounts else os.environ.get("CHAOS_DIR") or ("/dev/shm" if os.path.isdir("/dev/shm") else None)
    work = tempfile.mkdtemp(prefix="audiospool-chaos-", dir=base)
    spool = f"{work}/spool"
    for folder in ("tmp", "new", "cur", "done", "failed"):
        os.makedirs(f"{spool}/{folder}")
    with open(f"{spool}/config.json", "w") as out:
        json.dump({"concurrency": 4, "output": {"format": "wav"}, "engines": {"tone": {"instances": 2}}}, out)
    log = f"{work}/supervisors.log"
    started = time.monotonic()
    if scenario == "kill":
        names, facts = scenario_kill(binary, engines, spool, count, int(sys.argv[5]) if len(sys.argv) > 5 else 10, log)
        problems, counts = audit(spool, names, exact_runs=False)
    elif scenario == "hosts":
        spools = {"a": spool, "b": mounts[1] + work[len(mounts[0]):] + "/spool"}
        names, facts = scenario_hosts(binary, engines, spools, count, int(sys.argv[5]) if len(sys.argv) > 5 else 10, log)
        problems, counts = audit(spool, names, exact_runs=False)
    elif scenario == "two":
        names, facts = scenario_two(binary, engines, spool, count, log)
        problems, counts = audit(spool, names, exact_runs=True)
    else:
        sys.exit(f"unknown scenario {scenario!r}: kill, two or hosts")
    summary = {"scenario": scenario, "jobs": count, "seed": seed, "seconds": round(time.monotonic() - started, 1),
               **facts, **counts, "problems": problems[:20], "problem_count": len(problems)}
    print(json.dumps(summary))
    if problems or not facts["settled"]:
        print(f"kept for inspection: {work}", file=sys.stderr)
        sys.exit(1)
    if not os.environ.get("CHAOS_KEEP"):
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
