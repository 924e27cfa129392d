"""zhnorm's benchmark suite: speed, start-up, memory and accuracy, side by side with
what users would run instead. Prints one table; every ratio is measured in the same run.

* end to end: ``zhnorm run`` with ``--jobs 1`` and ``--jobs 2`` into a fresh DST with the
  default report, and the same commands run again unchanged (no-change reruns, incremental),
  each against its own first run;
* baselines: the bare OpenCC loop of ``bare_pipeline.py`` (1 process), and the same loop
  with opencc-python-reimplemented from a side venv (``--opr-venv``, made with
  ``python -m venv`` + ``pip install`` when missing; without PyPI the row is left out
  and the reason printed); the suite prints how many times faster ``zhnorm run --jobs 1``
  is (target ≥ 15×);
* time per stage, from a profile of the library on part of the corpus;
* start-up: ``zhnorm --version`` and ``zhnorm fix`` on a clean 5 KB file (median of 10);
* peak RSS of the corpus runs, and wall, throughput and peak RSS of ``zhnorm run --jobs 1``
  on one big file (``--big-mb``, 500 by default, of corpus text; 0 skips it);
* accuracy against the corpus's ground truth (``compare.py``).

Run: ``python benchmarks/run.py [--corpus /tmp/bench] [--mb 20] [--opr-venv PATH | --no-opr]
[--big-mb 500]`` (needs the ``bench`` extra for the corpus). Progress goes to stderr, the
results to stdout. See benchmarks/README.md for the last results.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    DEFAULT_OPR_VENV,
    MB,
    OPR,
    ZHNORM,
    Measured,
    bare_pipeline,
    corpus_bytes,
    ensure_corpus,
    measure,
    opr_python,
    zhnorm_run,
)
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
    ("convert stage", "opencc_stage", "convert.py"),
    ("  of which OpenCC", "_opencc", "convert.py"),
    ("convert (fixes)", "fix_stage", "convert.py"),
    ("punctuation", "punctuation_stage", "convert.py"),
    ("edit summary", "staged_summary", "result.py"),
    ("report record", "file_record", "json_report.py"),
]


def stage_profile(src: Path, limit: int) -> tuple[list[tuple[str, float]], float]:
    from normalizer import normalize_bytes
    from normalizer.report.json_report import file_record

    files = sorted(p for p in src.rglob("*") if p.is_file())[:limit]
    data = [p.read_bytes() for p in files]
    for d in data:  # converter, tables and lazy imports (chardet, numpy) loaded outside the profile
        normalize_bytes(d)

    def work() -> None:
        for d in data:
            result = normalize_bytes(d)
            _ = result.summary  # computed on first use: counted here, not inside file_record
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


def big_file(tmp: Path, src: Path, mb: int) -> tuple[Path, int]:
    """A folder holding one file of ``mb`` MB: the corpus's UTF-8 files repeated, cut after a newline."""
    big = tmp / "big"
    big.mkdir()
    utf8 = b"".join(data for data in (p.read_bytes() for p in sorted(src.rglob("*.txt"))) if _is_utf8(data))
    want = mb * MB
    with open(big / "big.txt", "wb") as f:
        written = 0
        while written < want:
            chunk = utf8[: want - written]
            if len(chunk) < len(utf8):  # the last piece ends on a whole line
                chunk = chunk[: chunk.rfind(b"\n") + 1]
                if not chunk:
                    break
            f.write(chunk)
            written += len(chunk)
    return big, written


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not data.startswith(b"\xef\xbb\xbf")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    suite_start = time.perf_counter()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/bench"))
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile-files", type=int, default=300)
    parser.add_argument(
        "--opr-venv",
        type=Path,
        default=DEFAULT_OPR_VENV,
        help=f"venv with {OPR}, made if missing (default: %(default)s)",
    )
    parser.add_argument("--no-opr", action="store_true", help=f"leave out the {OPR} baseline")
    parser.add_argument(
        "--big-mb", type=int, default=500, help="size of the one big file, MB (default: %(default)s; 0 skips it)"
    )
    args = parser.parse_args()

    corpus = ensure_corpus(args.corpus, args.mb, args.seed)
    src = corpus / "raw"
    n_files, n_bytes = corpus_bytes(src)
    mb = n_bytes / MB
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(f"corpus: {src}: {n_files} files, {mb:.1f} MB\n", flush=True)

    opr, opr_note = (None, "left out (--no-opr)") if args.no_opr else opr_python(args.opr_venv)
    with tempfile.TemporaryDirectory(prefix="zhnorm-bench-") as tmp_name:
        tmp = Path(tmp_name)
        progress("zhnorm run --jobs 1 ...")
        j1 = zhnorm_run(src, tmp / "j1", "--jobs", "1")
        progress("rerun --jobs 1 ...")
        rerun1 = zhnorm_run(src, tmp / "j1", "--jobs", "1", fresh=False)
        progress("zhnorm run --jobs 2 ...")
        j2 = zhnorm_run(src, tmp / "j2", "--jobs", "2")
        progress("rerun --jobs 2 ...")
        rerun2 = zhnorm_run(src, tmp / "j2", "--jobs", "2", fresh=False)
        progress("bare OpenCC loop ...")
        bare = bare_pipeline(sys.executable, src, tmp / "bare")
        shutil.rmtree(tmp / "bare", ignore_errors=True)
        opr_run = None
        if opr:
            progress(f"bare loop with {OPR} (slow) ...")
            opr_run = bare_pipeline(opr, src, tmp / "opr")
            shutil.rmtree(tmp / "opr", ignore_errors=True)
        progress("accuracy ...")
        accuracy = compare(corpus, tmp / "j1" / "clean")
        progress("start-up ...")
        version_s, fix_s = startup(tmp)
        big: tuple[int, Measured] | None = None
        if args.big_mb:
            progress(f"one {args.big_mb} MB file ...")
            big_src, big_bytes = big_file(tmp, src, args.big_mb)
            big = big_bytes, zhnorm_run(big_src, tmp / "big-out", "--jobs", "1")
            shutil.rmtree(big_src)
            shutil.rmtree(tmp / "big-out")

    rows: list[tuple[str, str, str, str, str]] = []

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

    speed("zhnorm run --jobs 1", j1.wall, j1.cpu, j1.rss_mb, f"{bare.loop_s / j1.wall:.2f}× bare; ")
    speed("zhnorm run --jobs 2", j2.wall, j2.cpu, j2.rss_mb, f"{j1.wall / j2.wall:.2f}× --jobs 1; ")
    speed(
        "rerun --jobs 1, nothing changed",
        rerun1.wall,
        rerun1.cpu,
        rerun1.rss_mb,
        f"{j1.wall / rerun1.wall:.1f}× faster than its first run; ",
    )
    speed(
        "rerun --jobs 2, nothing changed",
        rerun2.wall,
        rerun2.cpu,
        rerun2.rss_mb,
        f"{j2.wall / rerun2.wall:.1f}× faster than its first run; ",
    )
    speed("bare OpenCC loop (1 process)", bare.loop_s, None, None, f"(process {bare.process_s:.2f} s)")
    if opr_run:
        speed(f"bare loop, {OPR}", opr_run.loop_s, None, None, f"(process {opr_run.process_s:.2f} s)")
    print(f"{'':40} {'wall s':>7} {'MB/s':>6} {'CPU s':>7}")
    for label, wall, rate, cpu, note in rows:
        print(f"{label:40} {wall} {rate} {cpu:>7}  {note}")
    if opr_run:
        print(
            f"\nzhnorm run --jobs 1 is {opr_run.loop_s / j1.wall:.1f}× the {OPR} pipeline "
            f"(target ≥ 15×; {opr_note}; its loop alone, without its start-up)"
        )
    else:
        print(f"\n{OPR}: not measured: {opr_note}")

    print(f"\nstart-up (median of 10): zhnorm --version {version_s:.3f} s; zhnorm fix clean 5 KB file {fix_s:.3f} s")
    if big:
        size, m = big
        print(
            f"one {size / MB:.0f} MB file, zhnorm run --jobs 1: {m.wall:.1f} s, {size / MB / m.wall:.2f} MB/s, "
            f"peak RSS {m.rss_mb:.0f} MB"
        )

    stages, total = stage_profile(src, args.profile_files)
    print(f"\ntime per stage (cProfile of the library on {args.profile_files} files; profiled total {total:.2f} s)")
    for label, cum in stages:
        print(f"  {label:18} {cum:6.2f} s  {100 * cum / total:5.1f}%")

    print("\naccuracy against the ground truth (target: ≤ 2.0 wrong per 10k, 0 left, 0 lost, 0 harm)")
    for key in ("wrong_per_10k", "annotations_left", "parentheses_lost", "harm_on_simplified", "length_mismatch"):
        print(f"  {key:20} {accuracy[key]}")
    print(f"  top differences      {', '.join(accuracy['top_wrong'][:6])}")
    print(f"\nsuite: {time.perf_counter() - suite_start:.0f} s")


if __name__ == "__main__":
    main()
