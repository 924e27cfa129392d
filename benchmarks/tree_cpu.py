"""The CPU of every process a ``zhnorm run`` starts, for ``--jobs 1`` against ``--jobs 2``.

``getrusage(RUSAGE_CHILDREN)`` (what ``run.py`` and ``/usr/bin/time`` report) misses the pool:
its workers are the forkserver's children, and the forkserver ends without being waited for, so
their CPU never reaches the command's parent. Here the process tree is read from ``/proc``
every few milliseconds while the run lasts, and each process's last user + system time is kept.
A process's ticks after the last look are missed, so the totals are a lower bound (Linux only);
the looking takes CPU too, so the walls printed are longer than without it.

Why: with two cores, ``--jobs 2`` can be at most (CPU of the whole ``--jobs 2`` tree) / 2 fast;
comparing that with ``--jobs 1`` tells whether a run waits on something or does more work.

    TMPDIR=/dev/shm python benchmarks/tree_cpu.py /tmp/bench/raw --rounds 2
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ZHNORM, bench_env, compile_modules

TICK = os.sysconf("SC_CLK_TCK")
LOOK_EVERY = 0.005  # seconds between two looks at /proc


def _processes() -> dict[int, tuple[int, int]]:
    """Every process now: pid → (parent pid, user + system ticks)."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:  # ended meanwhile
            continue
        # The program's name is in parentheses and may hold spaces: the fields after it start at the last ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        found[int(name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


def _tree(root: int, processes: dict[int, tuple[int, int]]) -> set[int]:
    tree, grew = {root}, True
    while grew:
        new = {pid for pid, (parent, _) in processes.items() if parent in tree} - tree
        tree |= new
        grew = bool(new)
    return tree


def _role(pid: int, root: int, parent_role: str | None) -> str:
    """What a process of the run is: the run's own process, the pool's forkserver, a worker
    (the forkserver's child), the resource tracker, or another helper (named by its program).
    Asked at every look: a process just forked shows its parent's command line until it execs."""
    if pid == root:
        return "main"
    if parent_role == "forkserver":
        return "worker"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            line = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"
    for mark, role in (("forkserver", "forkserver"), ("resource_tracker", "resource tracker")):
        if mark in line:
            return role
    return line.split(" ", 1)[0].rsplit("/", 1)[-1] or "?"


def tree_cpu(cmd: list[str]) -> tuple[float, dict[int, tuple[str, float]]]:
    """(wall seconds, pid → (role, CPU seconds)) of ``cmd`` and every process it started."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, env=bench_env(), stdout=subprocess.DEVNULL)
    seen: dict[int, tuple[str, int]] = {}
    while child.poll() is None:
        processes = _processes()
        tree = _tree(child.pid, processes)
        roles: dict[int, str] = {}
        for pid in sorted(tree, key=lambda p: _depth(p, processes, child.pid)):  # parents first
            parent, ticks = processes[pid]
            roles[pid] = _role(pid, child.pid, roles.get(parent))
            seen[pid] = (roles[pid], max(ticks, seen.get(pid, ("", 0))[1]))
        time.sleep(LOOK_EVERY)
    wall = time.perf_counter() - start
    if child.returncode not in (0, 1):  # 1: some file errored, a normal outcome for a corpus
        sys.exit(f"{' '.join(cmd)} failed with exit code {child.returncode}")
    return wall, {pid: (name, ticks / TICK) for pid, (name, ticks) in seen.items()}


def _depth(pid: int, processes: dict[int, tuple[int, int]], root: int) -> int:
    depth = 0
    while pid != root and pid in processes:
        pid, depth = processes[pid][0], depth + 1
    return depth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    compile_modules()
    cores = len(os.sched_getaffinity(0))
    work = Path(tempfile.mkdtemp(prefix="zhnorm-tree-cpu-"))
    try:
        for round_ in range(1, args.rounds + 1):
            for jobs in args.jobs:
                dst = work / f"out-{jobs}"
                shutil.rmtree(dst, ignore_errors=True)
                cmd = [*ZHNORM, "run", str(args.src), str(dst), "--report", str(work / "reports"), "-q"]
                wall, cpu = tree_cpu([*cmd, "--jobs", str(jobs)])
                parts = ", ".join(f"{name} {s:.2f}" for name, s in sorted(cpu.values(), key=lambda v: -v[1]))
                total = sum(s for _, s in cpu.values())
                bound = f"; on {cores} cores no schedule takes less than {total / cores:.2f} s" if jobs > 1 else ""
                wall_cpu = f"wall {wall:.2f} s, CPU of the tree {total:.2f} s"
                print(f"round {round_} --jobs {jobs}: {wall_cpu} ({parts}){bound}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
