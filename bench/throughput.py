"""Throughput and pick-up latency of a running supervisor.

Drops N tone jobs into SPOOL/new/ the maildir way (write in tmp/, rename)
and times, with its own inotify watches, when each is claimed (its folder
appears in cur/) and finished (it appears in done/). The same run measures
a bare maildir loop in Python (the renames alone, no engine, no encoding)
as the ceiling of what the file system allows here.

usage: throughput.py SPOOL N [--paced-interval-ms MS]
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


def job(index):
    return json.dumps({"engine": "tone", "params": {"seconds": 0.1, "frequency": 440 + index % 100}}).encode()


def drop(spool, name, data):
    staging = f"{spool}/tmp/{name}"
    with open(staging, "wb") as out:
        out.write(data)
    os.rename(staging, f"{spool}/new/{name}.json")
    return time.perf_counter()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(spool, names, interval):
    claimed = Watch(f"{spool}/cur", IN_CREATE)
    done = Watch(f"{spool}/done", IN_MOVED_TO)
    dropped = {}
    start = time.perf_counter()
    for index, name in enumerate(names):
        dropped[name] = drop(spool, name, job(index))
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
    spool, count = sys.argv[1], int(sys.argv[2])
    paced_ms = float(sys.argv[4]) if len(sys.argv) > 4 else 20.0
    warm = [f"warm{i}" for i in range(10)]
    measure(spool, warm, 0.05)  # engines started and resident
    rate, burst_latency = measure(spool, [f"burst{i}" for i in range(count)], 0)
    _, paced_latency = measure(spool, [f"paced{i}" for i in range(min(count, 200))], paced_ms / 1000)
    ceiling = bare_maildir(f"{spool}.bare", count)
    print(json.dumps({
        "jobs": count,
        "jobs_per_s": round(rate, 1),
        "bare_maildir_jobs_per_s": round(ceiling, 1),
        "pickup_ms_paced": {"p50": round(percentile(paced_latency, 50), 3), "p99": round(percentile(paced_latency, 99), 3)},
        "pickup_ms_burst": {"p50": round(percentile(burst_latency, 50), 3), "p99": round(percentile(burst_latency, 99), 3)},
        "paced_interval_ms": paced_ms,
    }))


if __name__ == "__main__":
    main()
