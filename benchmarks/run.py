"""zhnorm's benchmark suite: speed, start-up, memory and accuracy, side by side with
what users would run instead. Prints one table; every ratio is measured in the same run.

* end to end: ``zhnorm run`` with ``--jobs 1`` and ``--jobs 2`` into a fresh DST with the
  default report, and a no-change rerun (incremental);
* baselines: the bare OpenCC loop of ``bare_pipeline.py`` (1 process), and the same loop
  with opencc-python-reimplemented when ``--opr-python`` names a side venv's python;
* time per stage, from a profile of the library on part of the corpus;
* start-up: ``zhnorm --version`` and ``zhnorm fix`` on a clean 5 KB file (median of 10);
* peak RSS of the corpus runs (and of one big file with ``--big-mb``);
* accuracy against the corpus's ground truth (``compare.py``).

Run: ``python benchmarks/run.py [--corpus /tmp/bench] [--mb 20] [--opr-python PATH]``
(needs the ``bench`` extra for the corpus). See benchmarks/README.md for the last results.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import MB, ZHNORM, corpus_bytes, ensure_corpus, measure, zhnorm_run
from compare import compare
from hook_startup import clean_sample

HERE = Path(__file__).resolve().parent

# (label, function name, file) of the profiled stages: cumulative time of each.
STAGES = [
    ("decode", "decode_bytes", "decode.py"),
    ("nfc", "to_nfc", "decode.py"),
    ("script", "detect_script", "script.py"),
    ("mojibake", "find_mojibake", "mojibake.py"),
    ("annotations", "strip_annotations", "annotations.py"),
    ("convert (OpenCC)", "opencc_stage", "convert.py"),
    ("convert (fixes)", "fix_stage", "convert.py"),
    ("punctuation", "punctuation_stage", "convert.py"),
    ("edit bookkeeping", "add_stage", "edits.py"),
    ("report record", "file_record", "json_report.py"),
]


def stage_profile(src: Path, limit: int) -> tuple[list[tuple[str, float]], float]:
    from normalizer import normalize_bytes
    from normalizer.report.json_report import file_record

    files = sorted(p for p in src.rglob("*") if p.is_file())[:limit]
    data = [p.read_bytes() for p in files]
    normalize_bytes(data[0])  # converter and tables loaded outside the profile

    def work() -> None:
        for d in data:
            result = normalize_bytes(d)
            file_record("x", result, status="changed", bytes_in=len(d), bytes_out=None)
            result.text.encode("utf-8")

    profile = cProfile.Profile()
    profile.runcall(work)
    stats = pstats.Stats(profile).stats
    total = sum(v[2] for v in stats.values())  # tottime over all functions
    rows = []
    for label, func, filename in STAGES:
        cum = sum(v[3] for (f, _, name), v in stats.items() if name == func and f.endswith(filename))
        rows.append((label, cum))
    return rows, total


def startup(tmp: Path) -> tuple[float, float]:
    sample = tmp / "clean.txt"
    sample.write_bytes(clean_sample())
    version = [measure([*ZHNORM, "--version"]).wall for _ in range(10)]
    fix = [measure([*ZHNORM, "fix", str(sample)]).wall for _ in range(10)]
    return statistics.median(version), statistics.median(fix)


def big_file_rss(tmp: Path, src: Path, mb: int) -> tuple[float, float]:
    """Peak RSS and wall of ``zhnorm run --jobs 1`` on one file of ``mb`` MB of corpus text."""
    big = tmp / "big"
    big.mkdir()
    parts = [p.read_bytes() for p in sorted(src.rglob("*.txt"))]
    utf8 = b"".join(p for p in parts if _is_utf8(p))
    with open(big / "big.txt", "wb") as f:
        written = 0
        while written < mb * MB:
            f.write(utf8)
            written += len(utf8)
    m = zhnorm_run(big, tmp / "big-out", "--jobs", "1")
    return m.rss_mb, m.wall


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.startswith(b"\xef\xbb\xbf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/bench"))
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile-files", type=int, default=300)
    parser.add_argument("--opr-python", type=Path, help="python of a venv with opencc-python-reimplemented")
    parser.add_argument("--big-mb", type=int, default=0, help="also measure one file of this many MB")
    args = parser.parse_args()

    corpus = ensure_corpus(args.corpus, args.mb, args.seed)
    src = corpus / "raw"
    n_files, n_bytes = corpus_bytes(src)
    mb = n_bytes / MB
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(f"corpus: {src}: {n_files} files, {mb:.1f} MB\n")

    rows: list[tuple[str, str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="zhnorm-bench-") as tmp_name:
        tmp = Path(tmp_name)
        j1 = zhnorm_run(src, tmp / "j1", "--jobs", "1")
        j2 = zhnorm_run(src, tmp / "j2", "--jobs", "2")
        rerun = zhnorm_run(src, tmp / "j2", "--jobs", "2", fresh=False)
        start = time.perf_counter()
        bare_s = float(
            subprocess.run(
                [sys.executable, str(HERE / "bare_pipeline.py"), str(src), str(tmp / "bare")],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        bare_wall = time.perf_counter() - start
        opr_s = None
        if args.opr_python:
            out = subprocess.run(
                [str(args.opr_python), str(HERE / "bare_pipeline.py"), str(src), str(tmp / "opr")],
                capture_output=True,
                text=True,
                check=True,
            )
            opr_s = float(out.stdout)
        accuracy = compare(corpus, tmp / "j1" / "clean")
        version_s, fix_s = startup(tmp)
        big = big_file_rss(tmp, src, args.big_mb) if args.big_mb else None
        shutil.rmtree(tmp / "bare", ignore_errors=True)

    def speed(label: str, wall: float, cpu: float | None, rss: float | None, note: str = "") -> None:
        rows.append(
            (
                label,
                f"{wall:7.2f}",
                f"{mb / wall:6.2f}",
                f"{cpu:7.2f}" if cpu else "",
                note + (f"peak RSS {rss:.0f} MB" if rss else ""),
            )
        )

    speed("zhnorm run --jobs 1", j1.wall, j1.cpu, j1.rss_mb, f"{bare_s / j1.wall:.2f}× bare; ")
    speed("zhnorm run --jobs 2", j2.wall, j2.cpu, j2.rss_mb, f"{j1.wall / j2.wall:.2f}× --jobs 1; ")
    speed("rerun, nothing changed", rerun.wall, rerun.cpu, rerun.rss_mb, f"{j2.wall / rerun.wall:.1f}× faster; ")
    speed("bare OpenCC loop (1 process)", bare_s, None, None, f"(process {bare_wall:.2f} s)")
    if opr_s is not None:
        speed("bare opencc-python-reimplemented", opr_s, None, None, f"zhnorm --jobs 1 is {opr_s / j1.wall:.1f}×")
    print(f"{'':34} {'wall s':>7} {'MB/s':>6} {'CPU s':>7}")
    for label, wall, rate, cpu, note in rows:
        print(f"{label:34} {wall} {rate} {cpu:>7}  {note}")
    if opr_s is None:
        print("opencc-python-reimplemented: not measured (give --opr-python PATH of a side venv)")

    print(f"\nstart-up (median of 10): zhnorm --version {version_s:.3f} s; zhnorm fix clean 5 KB file {fix_s:.3f} s")
    if big:
        print(f"one {args.big_mb} MB file, --jobs 1: peak RSS {big[0]:.0f} MB, {big[1]:.1f} s")

    stages, total = stage_profile(src, args.profile_files)
    print(f"\ntime per stage (cProfile of the library on {args.profile_files} files; profiled total {total:.2f} s)")
    for label, cum in stages:
        print(f"  {label:18} {cum:6.2f} s  {100 * cum / total:5.1f}%")

    print("\naccuracy against the ground truth (target: ≤ 2.0 wrong per 10k, 0 left, 0 lost, 0 harm)")
    for key in ("wrong_per_10k", "annotations_left", "parentheses_lost", "harm_on_simplified", "length_mismatch"):
        print(f"  {key:20} {accuracy[key]}")
    print(f"  top differences      {', '.join(accuracy['top_wrong'][:6])}")


if __name__ == "__main__":
    main()
