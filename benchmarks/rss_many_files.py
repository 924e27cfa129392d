"""Peak memory of ``zhnorm run`` against the number of files: what a run keeps per file.

``python benchmarks/rss_many_files.py [--corpus /tmp/bench-many] [--counts 2000,8000,30000]``

The corpus is one of many small articles (``make_corpus.py --files 30000 --article-bytes
1000-3000``, made when missing: ~20 s). For each count, the first N files (in path order) are
hard-linked into a source folder of their own, and ``zhnorm run SRC DST --jobs 1 --report REP``
runs on them in a child process, as does the bare loop of ``bare_pipeline.py``, in the same run;
each child's peak resident set size comes from ``os.wait4``. Printed: seconds, peak RSS of each,
and what each thousand files more cost zhnorm in peak RSS (from the smallest count to each other).
The issue's target is a peak RSS of at most 200 MB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def child(args: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one child process; it must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: some file errored, as a run may say
        raise SystemExit(f"{' '.join(args[:4])} … failed with status {status} (run it by hand to see why)")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def subset(corpus: Path, files: list[Path], n: int, work: Path) -> Path:
    """The first ``n`` files of the corpus, hard-linked (no copy) into ``work/src-N``."""
    src = work / f"src-{n}"
    shutil.rmtree(src, ignore_errors=True)
    for path in files[:n]:
        target = src / path.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
    return src


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/bench-many"))
    parser.add_argument("--counts", default="2000,8000,30000", help="numbers of files, comma-separated")
    parser.add_argument("--work", type=Path, default=Path("/tmp/zhnorm-rss-many"))
    args = parser.parse_args()
    counts = sorted(map(int, args.counts.split(",")))
    raw = args.corpus / "raw"
    if not raw.is_dir():
        make = [sys.executable, str(HERE / "make_corpus.py"), str(args.corpus), "--seed", "2"]
        subprocess.run([*make, "--files", str(counts[-1]), "--article-bytes", "1000-3000", "--mb", "1000"], check=True)
    files = sorted(p for p in raw.rglob("*") if p.is_file())
    if len(files) < counts[-1]:
        raise SystemExit(f"{raw} has {len(files)} files, fewer than {counts[-1]}")
    args.work.mkdir(parents=True, exist_ok=True)
    head = ("files", "MB", "zhnorm s", "peak RSS MB", "bare s", "bare RSS MB", "per 1,000 files")
    print(" ".join(f"{h:>{w}}" for h, w in zip(head, (7, 6, 9, 12, 7, 12, 16), strict=True)))
    first: tuple[int, float] | None = None
    for n in counts:
        src = subset(raw, files, n, args.work)
        size = sum(p.stat().st_size for p in src.rglob("*") if p.is_file()) / (1 << 20)
        out = args.work / f"out-{n}"
        shutil.rmtree(out, ignore_errors=True)
        zhnorm = [sys.executable, "-m", "normalizer", "run", str(src), str(out / "clean"), "--jobs", "1", "-q"]
        seconds, rss = child([*zhnorm, "--report", str(out / "rep")])
        bare_s, bare_rss = child([sys.executable, str(HERE / "bare_pipeline.py"), str(src), str(out / "bare")])
        slope = f"{1000 * (rss - first[1]) / (n - first[0]):13.1f} MB" if first else f"{'':>16}"
        print(f"{n:>7,} {size:6.1f} {seconds:9.2f} {rss:12.1f} {bare_s:7.2f} {bare_rss:12.1f} {slope}", flush=True)
        first = first or (n, rss)
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(src, ignore_errors=True)


if __name__ == "__main__":
    main()
