"""Two hosts on one spool over JuiceFS: throughput and pick-up latency.

  multihost.py BIN ENGINES MOUNT_A MOUNT_B [JOBS] [PICKUPS]

MOUNT_A and MOUNT_B are one JuiceFS volume mounted twice (bench/multihost.sh
mounts them): each stands for a host, with its own supervisor (--host a on
A, --host b on B). Prints one JSON object:
  - jobs_per_s: JOBS tone jobs (dropped half through each mount) with one
    supervisor, then with two; beside them the same with one supervisor on
    a local spool in /dev/shm, measured in the same run (the anchor);
  - pickup_ms: PICKUPS jobs dropped one at a time through B while only A
    runs, in poll mode: p50 and p99 from the rename into new/ to A's
    `claimed` event, beside the bound poll_interval_ms + 100.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

POLL_MS = 250


def make_spool(parent, config):
    work = tempfile.mkdtemp(prefix="audiospool-multihost-", dir=parent)
    spool = f"{work}/spool"
    for folder in ("tmp", "new", "cur", "done", "failed", "cancel"):
        os.makedirs(f"{spool}/{folder}")
    with open(f"{spool}/config.json", "w") as out:
        json.dump({"output": {"format": "wav"}, "concurrency": 2, "poll_interval_ms": POLL_MS,
                   "engines": {"tone": {"instances": 2}}, **config}, out)
    return work


def through(work, mount_from, mount_to):
    return mount_to + work[len(mount_from):] + "/spool"


def start(binary, engines, spool, host, log):
    return subprocess.Popen([binary, "run", "--spool", spool, "--engines", engines, "--host", host],
                            stdout=log, stderr=log, start_new_session=True)


def wait_up(spool, host, timeout=120):
    deadline = time.monotonic() + timeout
    while not os.path.exists(f"{spool}/state/hosts/{host}/supervisor.json"):
        if time.monotonic() > deadline:
            sys.exit(f"supervisor {host} did not start")
        time.sleep(0.05)


def stop(processes):
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(60)


def drop(spool, name, index):
    job = {"engine": "tone", "params": {"seconds": 0.05, "frequency": 100 + index}}
    staging = f"{spool}/tmp/{name}"
    with open(staging, "w") as out:
        json.dump(job, out)
    os.rename(staging, f"{spool}/new/{name}.json")


def done_count(spool):
    return len([n for n in os.listdir(f"{spool}/done") if not n.startswith(".")])


def throughput(binary, engines, spools, hosts, count, log):
    """spools: the spool through each host's mount; hosts: those started."""
    processes = [start(binary, engines, spools[host], host, log) for host in hosts]
    for host in hosts:
        wait_up(spools[host], host)
    began = time.monotonic()
    names = list(spools)
    for index in range(count):
        drop(spools[names[index % len(names)]], f"job{index:05d}", index)
    first = spools[names[0]]
    deadline = began + 600
    while done_count(first) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    elapsed = time.monotonic() - began
    stop(processes)
    return round(count / elapsed, 1)


def pickup(binary, engines, spool_a, spool_b, count, log):
    process = start(binary, engines, spool_a, "a", log)
    wait_up(spool_a, "a")
    dropped = {}
    import random
    for index in range(count):
        name = f"pick{index:04d}"
        time.sleep(random.uniform(0, POLL_MS / 1000))  # land anywhere in the poll cycle
        drop(spool_b, name, 1000 + index)
        dropped[name] = time.time()
        deadline = time.monotonic() + 30
        while not os.path.exists(f"{spool_a}/done/{name}") and time.monotonic() < deadline:
            time.sleep(0.01)
    stop([process])
    claimed = {}
    with open(f"{spool_a}/state/hosts/a/events.jsonl") as events:
        for line in events:
            event = json.loads(line)
            if event["event"] == "claimed" and event["job"] in dropped:
                stamp = time.mktime(time.strptime(event["time"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
                claimed[event["job"]] = stamp + float("0." + event["time"][20:23])
    latencies = sorted((claimed[name] - dropped[name]) * 1000 for name in dropped if name in claimed)
    p99 = latencies[min(len(latencies) - 1, int(round(0.99 * (len(latencies) - 1))))]
    return {"p50": round(statistics.median(latencies), 1), "p99": round(p99, 1), "samples": len(latencies),
            "bound_ms": POLL_MS + 100}


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    binary, engines, mount_a, mount_b = (os.path.abspath(a) for a in sys.argv[1:5])
    jobs = int(sys.argv[5]) if len(sys.argv) > 5 else 400
    pickups = int(sys.argv[6]) if len(sys.argv) > 6 else 100
    log = open(tempfile.mktemp(prefix="audiospool-multihost-", suffix=".log"), "ab")
    summary = {"jobs": jobs}

    local = make_spool("/dev/shm" if os.path.isdir("/dev/shm") else None, {})
    summary["local_one_supervisor_jobs_per_s"] = throughput(binary, engines, {"a": local + "/spool"}, ["a"], jobs, log)

    one = make_spool(mount_a, {})
    spools = {"a": one + "/spool", "b": through(one, mount_a, mount_b)}
    summary["juicefs_one_supervisor_jobs_per_s"] = throughput(binary, engines, spools, ["a"], jobs, log)

    two = make_spool(mount_a, {})
    spools = {"a": two + "/spool", "b": through(two, mount_a, mount_b)}
    summary["juicefs_two_supervisors_jobs_per_s"] = throughput(binary, engines, spools, ["a", "b"], jobs, log)

    picks = make_spool(mount_a, {})
    summary["pickup_ms"] = pickup(binary, engines, picks + "/spool", through(picks, mount_a, mount_b), pickups, log)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
