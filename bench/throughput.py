"""Throughput and pick-up latency of a running supervisor.

Drops N tone jobs into SPOOL/new/ the maildir way (write in tmp/, rename)
and times, with its own inotify watches, when each is claimed (its folder
appears in cur/) and finished (it appears in done/). Every job has its own
frequency, so each is a real engine run (none is an idempotency-cache hit);
then the same N again, so each is served from the cache: that path is
reported apart. The CPU the supervisor and its engines spent (from
/proc/PID/stat) is given per job, a figure that holds up on a loaded
machine where jobs/s does not. The same run measures a bare maildir loop
in Python (the renames alone, no engine, no encoding) as the ceiling of
what the file system allows here.

usage: throughput.py SPOOL N SUPERVISOR_PID [PACED_INTERVAL_MS]
"""

import ctypes
import json
import os
import select
import statistics
import struct
import sys
import threading
import time

IN_CREATE, IN_MOVED_TO, IN_ISDIR = 0x100, 0x80, 0x40000000
libc = ctypes.CDLL("libc.so.6", use_errno=True)


class Watch:
    """inotify on one folder, recording the first time each name appears."""

    def __init__(self, folder, mask):
        self.fd = libc.inotify_init1(os.O_NONBLOCK)
        if libc.inotify_add_watch(self.fd, folder.encode(), mask) < 0:
            raise OSError(ctypes.get_errno(), folder)
        self.seen = {}
        self.stop = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        while not self.stop:
            if not poller.poll(50):
                continue
            now = time.perf_counter()
            try:
                data = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                continue
            offset = 0
            while offset < len(data):
                _, _, _, length = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16: offset + 16 + length].rstrip(b"\0").decode()
                offset += 16 + length
                if not name.startswith("."):
                    self.seen.setdefault(name, now)


def job(number):
    """Job `number`'s document: its own frequency (a binary fraction, so
    printed exactly), so its cache key is its own."""
    return json.dumps({"engine": "tone", "params": {"seconds": 0.1, "frequency": 200 + number / 64}}).encode()


def cpu_ticks(supervisor):
    """User and system ticks of the supervisor and of its children (the engines)."""
    def ticks(pid):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        except OSError:
            return 0

    def children(pid):
        # Each thread's own: an engine is the child of whichever thread spawned it.
        found = []
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return found
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as listing:
                    found += [int(c) for c in listing.read().split()]
            except OSError:
                pass
        return found

    engines, waiting = [], children(supervisor)
    while waiting:
        pid = waiting.pop()
        engines.append(pid)
        waiting += children(pid)
    return ticks(supervisor), sum(ticks(p) for p in engines)


def drop(spool, name, data):
    staging = f"{spool}/tmp/{name}"
    with open(staging, "wb") as out:
        out.write(data)
    os.rename(staging, f"{spool}/new/{name}.json")
    return time.perf_counter()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(spool, names, interval, numbers=None):
    claimed = Watch(f"{spool}/cur", IN_CREATE)
    done = Watch(f"{spool}/done", IN_MOVED_TO)
    dropped = {}
    start = time.perf_counter()
    for index, name in enumerate(names):
        dropped[name] = drop(spool, name, job(numbers[index] if numbers else next(counter)))
        if interval:
            time.sleep(interval)
    deadline = time.perf_counter() + 600
    while len(done.seen) < len(names) and time.perf_counter() < deadline:
        time.sleep(0.01)
    claimed.stop = done.stop = True
    missing = [n for n in names if n not in done.seen]
    if missing:
        sys.exit(f"{len(missing)} jobs did not finish, e.g. {missing[:3]}")
    latencies = [(claimed.seen[n] - dropped[n]) * 1000 for n in names if n in claimed.seen]
    elapsed = max(done.seen[n] for n in names) - start
    return len(names) / elapsed, latencies


counter = iter(range(1 << 40))


def measured_cpu(supervisor, run):
    """Runs `run`; returns its result and the CPU ms per job it cost."""
    hz = os.sysconf("SC_CLK_TCK")
    s0, e0 = cpu_ticks(supervisor)
    result = run()
    s1, e1 = cpu_ticks(supervisor)
    return result, (s1 - s0) * 1000 / hz, (e1 - e0) * 1000 / hz


def bare_maildir(folder, count):
    """The renames a job needs, done by one Python loop with no work: a ceiling."""
    for sub in ("tmp", "new", "cur", "done"):
        os.makedirs(f"{folder}/{sub}", exist_ok=True)
    start = time.perf_counter()
    for index in range(count):
        name = f"bare{index}"
        drop(folder, name, job(index))
        os.mkdir(f"{folder}/cur/{name}")
        os.rename(f"{folder}/new/{name}.json", f"{folder}/cur/{name}/job.json")
        with open(f"{folder}/cur/{name}/result.json", "w") as out:
            out.write("{}")
        os.rename(f"{folder}/cur/{name}", f"{folder}/done/{name}")
    return count / (time.perf_counter() - start)


def main():
    spool, count, supervisor = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    paced_ms = float(sys.argv[4]) if len(sys.argv) > 4 else 20.0
    warm = [f"warm{i}" for i in range(10)]
    measure(spool, warm, 0.05)  # engines started and resident
    numbers = [next(counter) for _ in range(count)]
    (rate, burst_latency), supervisor_ms, engines_ms = measured_cpu(
        supervisor, lambda: measure(spool, [f"burst{i}" for i in range(count)], 0, numbers))
    # The same jobs again: every one is finished from the cache.
    (cached_rate, _), cached_supervisor_ms, cached_engines_ms = measured_cpu(
        supervisor, lambda: measure(spool, [f"again{i}" for i in range(count)], 0, numbers))
    _, paced_latency = measure(spool, [f"paced{i}" for i in range(min(count, 200))], paced_ms / 1000)
    ceiling = bare_maildir(f"{spool}.bare", count)
    print(json.dumps({
        "jobs": count,
        "jobs_per_s": round(rate, 1),
        "supervisor_cpu_ms_per_job": round(supervisor_ms / count, 3),
        "engines_cpu_ms_per_job": round(engines_ms / count, 3),
        "cached_jobs_per_s": round(cached_rate, 1),
        "cached_supervisor_cpu_ms_per_job": round(cached_supervisor_ms / count, 3),
        "cached_engines_cpu_ms_per_job": round(cached_engines_ms / count, 3),
        "bare_maildir_jobs_per_s": round(ceiling, 1),
        "pickup_ms_paced": {"p50": round(percentile(paced_latency, 50), 3), "p99": round(percentile(paced_latency, 99), 3)},
        "pickup_ms_burst": {"p50": round(percentile(burst_latency, 50), 3), "p99": round(percentile(burst_latency, 99), 3)},
        "paced_interval_ms": paced_ms,
        "load": float(open("/proc/loadavg").read().split()[0]),
    }))


if __name__ == "__main__":
    main()
