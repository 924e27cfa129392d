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
* the same on a corpus of more, smaller files (``--small-corpus``: 3,000 articles of 2–12 KB);
* the engine floor: ``zhnorm run --jobs 1`` on the corpus once clean (the bare loop's output)
  against the bare loop on the raw corpus, alternated: the end-to-end ratio left when the
  pipeline has nothing to change;
* the library alone in one process (``library.py``): ``normalize_bytes(data).summary`` per
  file against the bare in-process loop, on both corpora;
* time per stage, from a profile of the library on part of the corpus, and where a
  ``zhnorm run --jobs 1`` spends its CPU (``run_profile.py``);
* start-up: ``zhnorm --version`` and ``zhnorm fix`` on a clean 5 KB file, a clean 4 KB file
  of everyday news and a noisy 5 KB file (median of 10);
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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    DEFAULT_OPR_VENV,
    MB,
    OPR,
    ZHNORM,
    BareRun,
    Measured,
    bare_pipeline,
    compile_modules,
    corpus_bytes,
    ensure_corpus,
    measure,
    opr_python,
    zhnorm_run,
)
from compare import compare
from hook_startup import clean_sample, everyday_sample, noisy_sample
from library import LibraryRun, measure_library
from run_profile import print_profile, run_profile

HERE = Path(__file__).resolve().parent

# (label, function name, file) of the profiled stages: cumulative time of each.
STAGES = [
    ("decode", "decode_bytes", "decode.py"),
    ("nfc", "to_nfc", "decode.py"),
    ("script", "detect_script", "script.py"),
    ("mojibake", "find_mojibake", "mojibake.py"),
    ("annotations", "strip_annotations", "annotations.py"),
    ("convert stage", "opencc_stage", "convert.py"),
    ("  of which OpenCC", "opencc_convert", "telling.py"),
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


def startup(tmp: Path) -> tuple[float, float, float, float]:
    """Median wall of ``zhnorm --version`` and of ``zhnorm fix`` on a clean 5 KB file, a clean
    4 KB file of everyday news and a noisy 5 KB file (each written anew before every fix)."""
    medians = [statistics.median(measure([*ZHNORM, "--version"]).wall for _ in range(10))]
    for name, make in (("clean.txt", clean_sample), ("everyday.txt", everyday_sample), ("noisy.txt", noisy_sample)):
        sample = tmp / name
        walls = []
        for _ in range(10):
            sample.write_bytes(make())
            walls.append(measure([*ZHNORM, "fix", str(sample)]).wall)
        medians.append(statistics.median(walls))
    return medians[0], medians[1], medians[2], medians[3]


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


SMALL_CORPUS_ARGS = ("--files", "3000", "--article-bytes", "2000-12000")


@dataclass(frozen=True)
class EndToEnd:
    """``zhnorm run --jobs 1`` and the bare loop, alternated ``repeat`` times on one corpus
    (medians), then ``--jobs 2`` and the no-change reruns once each."""

    j1: Measured
    bare: BareRun
    ratio: float  # median of bare loop (its own clock: no interpreter, imports) / zhnorm --jobs 1 wall, pair by pair
    cpu_ratio: float  # the same for CPU time, whole processes (steadier when other work shares the machine)
    process_ratio: float = 0.0  # the same for wall time, whole processes (interpreter and imports in both)
    j2: Measured | None = None
    rerun1: Measured | None = None
    rerun2: Measured | None = None


def alternate(
    src: Path, zhnorm_src: Path, tmp: Path, work: str, repeat: int, what: str
) -> tuple[list[BareRun], list[Measured]]:
    """The bare loop on ``src`` and ``zhnorm run --jobs 1`` on ``zhnorm_src`` (into ``tmp/work``),
    alternated ``repeat`` times: pairs from the same moment, steadier than either time."""
    bares: list[BareRun] = []
    runs: list[Measured] = []
    for n in range(repeat):
        progress(f"{what}: bare OpenCC loop, then zhnorm run --jobs 1 ({n + 1}/{repeat}) ...")
        bares.append(bare_pipeline(sys.executable, src, tmp / "bare"))
        shutil.rmtree(tmp / "bare", ignore_errors=True)
        runs.append(zhnorm_run(zhnorm_src, tmp / work, "--jobs", "1"))
    return bares, runs


def paired(bares: list[BareRun], runs: list[Measured], bare_s, run_s) -> float:
    """The median over the pairs of ``bare_s(bare) / run_s(run)``."""
    return statistics.median(bare_s(b) / run_s(m) for b, m in zip(bares, runs, strict=True))


def end_to_end(src: Path, tmp: Path, repeat: int, *, full: bool) -> EndToEnd:
    """The timed runs on one corpus; ``full`` adds ``--jobs 2`` and the reruns. ``tmp/j1`` keeps
    the last ``--jobs 1`` output (the accuracy is measured on it)."""
    bares, j1s = alternate(src, src, tmp, "j1", repeat, str(src))
    j1 = sorted(j1s, key=lambda m: m.wall)[len(j1s) // 2]
    bare = sorted(bares, key=lambda b: b.loop_s)[len(bares) // 2]
    ratio = paired(bares, j1s, lambda b: b.loop_s, lambda m: m.wall)
    cpu_ratio = paired(bares, j1s, lambda b: b.cpu, lambda m: m.cpu)
    process_ratio = paired(bares, j1s, lambda b: b.process_s, lambda m: m.wall)
    if not full:
        return EndToEnd(j1, bare, ratio, cpu_ratio, process_ratio)
    progress("rerun --jobs 1 ...")
    rerun1 = zhnorm_run(src, tmp / "j1", "--jobs", "1", fresh=False)
    progress("zhnorm run --jobs 2 ...")
    j2 = zhnorm_run(src, tmp / "j2", "--jobs", "2")
    progress("rerun --jobs 2 ...")
    rerun2 = zhnorm_run(src, tmp / "j2", "--jobs", "2", fresh=False)
    return EndToEnd(j1, bare, ratio, cpu_ratio, process_ratio, j2, rerun1, rerun2)


@dataclass(frozen=True)
class Floor:
    """``zhnorm run --jobs 1`` on text that is already clean (the bare loop's output: UTF-8,
    simplified, no annotations), alternated with the bare loop on the raw corpus: what the
    engine around the stages (listing, hashing, reading, atomic writes, records, manifest,
    report) and a pipeline with nothing to change cost, against the whole bare job."""

    clean: Measured  # median of the runs on clean text
    ratio: float  # median of bare loop (its own clock) / zhnorm wall, pair by pair
    process_ratio: float  # the same, whole processes


def engine_floor(src: Path, tmp: Path, repeat: int) -> Floor:
    clean_src = tmp / "floor-input"
    bare_pipeline(sys.executable, src, clean_src)
    bares, runs = alternate(src, clean_src, tmp, "floor", repeat, "engine floor (zhnorm on clean text)")
    shutil.rmtree(clean_src)
    shutil.rmtree(tmp / "floor")
    return Floor(
        sorted(runs, key=lambda m: m.wall)[len(runs) // 2],
        paired(bares, runs, lambda b: b.loop_s, lambda m: m.wall),
        paired(bares, runs, lambda b: b.process_s, lambda m: m.wall),
    )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/bench"))
    parser.add_argument("--mb", type=float, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--small-corpus",
        type=Path,
        default=Path("/tmp/bench-small"),
        help=f"corpus of more, smaller files, made with make_corpus.py {' '.join(SMALL_CORPUS_ARGS)} if missing",
    )
    parser.add_argument("--repeat", type=int, default=3, help="alternated bare / --jobs 1 pairs per corpus")
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
    return parser.parse_args()


def print_speeds(mb: float, small_mb: float, main: EndToEnd, small: EndToEnd, opr_run: BareRun | None) -> None:
    rows: list[tuple[str, str, str, str, str]] = []

    def speed(label: str, size: float, wall: float, cpu: float | None, rss: float | None, note: str = "") -> None:
        cpu_s = f"{cpu:7.2f}" if cpu else ""
        rows.append(
            (label, f"{wall:7.2f}", f"{size / wall:6.2f}", cpu_s, note + (f"peak RSS {rss:.0f} MB" if rss else ""))
        )

    j1, j2, rerun1, rerun2 = main.j1, main.j2, main.rerun1, main.rerun2
    assert j2 is not None and rerun1 is not None and rerun2 is not None
    speed("zhnorm run --jobs 1", mb, j1.wall, j1.cpu, j1.rss_mb, _against_bare(main))
    speed("zhnorm run --jobs 2", mb, j2.wall, j2.cpu, j2.rss_mb, f"{j1.wall / j2.wall:.2f}× --jobs 1; ")
    for label, first, again in (("1", j1, rerun1), ("2", j2, rerun2)):
        note = f"{first.wall / again.wall:.1f}× faster than its first run; "
        speed(f"rerun --jobs {label}, nothing changed", mb, again.wall, again.cpu, again.rss_mb, note)
    speed(
        "bare OpenCC loop (1 process)",
        mb,
        main.bare.loop_s,
        main.bare.cpu,
        None,
        f"(process {main.bare.process_s:.2f} s)",
    )
    if opr_run:
        speed(f"bare loop, {OPR}", mb, opr_run.loop_s, None, None, f"(process {opr_run.process_s:.2f} s)")
    s = small.j1
    speed(
        "small files: zhnorm run --jobs 1",
        small_mb,
        s.wall,
        s.cpu,
        s.rss_mb,
        _against_bare(small),
    )
    loop = small.bare
    speed("small files: bare OpenCC loop", small_mb, loop.loop_s, loop.cpu, None, f"(process {loop.process_s:.2f} s)")
    print(f"{'':40} {'wall s':>7} {'MB/s':>6} {'CPU s':>7}")
    for label, wall, rate, cpu, note in rows:
        print(f"{label:40} {wall} {rate} {cpu:>7}  {note}")


def _against_bare(run: EndToEnd) -> str:
    return f"{run.ratio:.2f}× bare loop, {run.process_ratio:.2f}× its process (CPU {run.cpu_ratio:.2f}×); "


def print_library(label: str, run: LibraryRun) -> None:
    mb = run.bytes / MB
    print(
        f"  {label:13} {run.files:5} files  bare {run.bare_s:5.2f} s ({mb / run.bare_s:5.1f} MB/s)  "
        f"normalize_bytes(...).summary {run.zhnorm_s:5.2f} s ({mb / run.zhnorm_s:5.1f} MB/s)  {run.ratio:.2f}× bare"
    )


def main() -> None:
    suite_start = time.perf_counter()
    args = arguments()
    corpus = ensure_corpus(args.corpus, args.mb, args.seed)
    small_corpus = ensure_corpus(args.small_corpus, args.mb, args.seed, *SMALL_CORPUS_ARGS)
    src, small_src = corpus / "raw", small_corpus / "raw"
    n_files, n_bytes = corpus_bytes(src)
    small_files, small_bytes = corpus_bytes(small_src)
    compile_modules()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(f"corpus: {src}: {n_files} files, {n_bytes / MB:.1f} MB")
    print(f"small files: {small_src}: {small_files} files, {small_bytes / MB:.1f} MB\n", flush=True)

    opr, opr_note = (None, "left out (--no-opr)") if args.no_opr else opr_python(args.opr_venv)
    with tempfile.TemporaryDirectory(prefix="zhnorm-bench-") as tmp_name:
        tmp = Path(tmp_name)
        main_runs = end_to_end(src, tmp, args.repeat, full=True)
        small_runs = end_to_end(small_src, tmp / "small", args.repeat, full=False)
        floor = engine_floor(src, tmp, args.repeat)
        opr_run = None
        if opr:
            progress(f"bare loop with {OPR} (slow) ...")
            opr_run = bare_pipeline(opr, src, tmp / "opr")
            shutil.rmtree(tmp / "opr", ignore_errors=True)
        progress("accuracy ...")
        accuracy = compare(corpus, tmp / "j1" / "clean")
        progress("library alone ...")
        library = [
            (label, measure_library(path, args.repeat)) for label, path in (("corpus", src), ("small files", small_src))
        ]
        progress("start-up ...")
        hook = startup(tmp)
        big: tuple[int, Measured] | None = None
        if args.big_mb:
            progress(f"one {args.big_mb} MB file ...")
            big_src, big_bytes = big_file(tmp, src, args.big_mb)
            big = big_bytes, zhnorm_run(big_src, tmp / "big-out", "--jobs", "1")
            shutil.rmtree(big_src)
            shutil.rmtree(tmp / "big-out")

    print_speeds(n_bytes / MB, small_bytes / MB, main_runs, small_runs, opr_run)
    print(
        f"\nengine floor: zhnorm run --jobs 1 on the corpus once clean (the bare loop's output) "
        f"{floor.clean.wall:.2f} s: {floor.ratio:.2f}× the bare loop on the raw corpus, "
        f"{floor.process_ratio:.2f}× its process (the end-to-end ratio zhnorm would reach if "
        "normalizing raw text cost no more than passing clean text through)"
    )
    if opr_run:
        print(
            f"\nzhnorm run --jobs 1 is {opr_run.loop_s / main_runs.j1.wall:.1f}× the {OPR} pipeline "
            f"(target ≥ 15×; {opr_note}; its loop alone, without its start-up)"
        )
    else:
        print(f"\n{OPR}: not measured: {opr_note}")
    print(f"\nlibrary alone, one process, CPU s (median of {args.repeat} alternating rounds; target ≥ 0.5× bare)")
    for label, run in library:
        print_library(label, run)

    print(
        f"\nstart-up (median of 10 wall): zhnorm --version {hook[0]:.3f} s; zhnorm fix: clean 5 KB file "
        f"{hook[1]:.3f} s, clean 4 KB everyday news {hook[2]:.3f} s (target < 0.2 s), noisy 5 KB file "
        f"{hook[3]:.3f} s (target < 0.5 s)"
    )
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

    parts, run_total = run_profile(src)
    print(f"\nwhere zhnorm run --jobs 1 spends its CPU (cProfile, CPU clock; profiled total {run_total:.2f} s)")
    print_profile(parts, run_total)

    print("\naccuracy against the ground truth (target: ≤ 2.0 wrong per 10k, 0 left, 0 lost, 0 harm)")
    for key in ("wrong_per_10k", "annotations_left", "parentheses_lost", "harm_on_simplified", "length_mismatch"):
        print(f"  {key:20} {accuracy[key]}")
    print(f"  top differences      {', '.join(accuracy['top_wrong'][:6])}")
    print(f"\nsuite: {time.perf_counter() - suite_start:.0f} s")


if __name__ == "__main__":
    main()
