"""Helpers the benchmark scripts share: the generated corpus and timed ``zhnorm run`` processes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZHNORM = [sys.executable, "-m", "normalizer"]
MB = 10**6

# Runs a command and prints its wall time, CPU time and peak RSS (all its processes).
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], capture_output=True).returncode
wall = time.perf_counter() - start
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024}))
"""


@dataclass(frozen=True)
class Measured:
    code: int
    wall: float
    cpu: float
    rss_mb: float


def ensure_corpus(root: Path, mb: float = 20, seed: int = 1) -> Path:
    """``root/raw`` made by make_corpus.py unless it is there already; returns ``root``."""
    if not (root / "raw").is_dir():
        print(f"making the corpus: {root} ({mb} MB, seed {seed})", flush=True)
        cmd = [sys.executable, str(HERE / "make_corpus.py"), str(root), "--mb", str(mb), "--seed", str(seed)]
        subprocess.run(cmd, check=True)
    return root


def measure(cmd: list[str]) -> Measured:
    """Wall, CPU (user+system of all its processes) and peak RSS of one command."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=True)
    return Measured(**json.loads(out.stdout))


def zhnorm_run(src: Path, work: Path, *args: str, fresh: bool = True) -> Measured:
    """One ``zhnorm run SRC work/clean --report work/reports -q ARGS`` process."""
    if fresh:
        shutil.rmtree(work, ignore_errors=True)
    result = measure([*ZHNORM, "run", str(src), str(work / "clean"), "--report", str(work / "reports"), "-q", *args])
    if result.code not in (0, 1):  # 1: some file errored, a normal outcome for a corpus
        sys.exit(f"zhnorm run failed with exit code {result.code}")
    return result


def corpus_bytes(src: Path) -> tuple[int, int]:
    files = [p for p in src.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)
