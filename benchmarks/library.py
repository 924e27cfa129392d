"""The library alone, in one process: ``normalize_bytes(data).summary`` per file against the
bare in-process loop (decode with a fallback, one pinyin regex, OpenCC t2s) on the same bytes.

Both read nothing and write nothing: the files are in memory before the clock starts, and
the converter and zhnorm's tables are loaded by a warm-up pass. The two loops alternate
``--rounds`` times (the machine is shared: a ratio from the same moment is steadier than
either time) and the median of each is printed, with CPU time (``time.process_time``).

``python benchmarks/library.py SRC [--rounds 3]``; ``--first-pass`` times each file once
instead, after a warm-up on 100 others (a run meets every document once: caches are cold).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bare_pipeline import PINYIN, decode


@dataclass(frozen=True)
class LibraryRun:
    files: int
    bytes: int
    bare_s: float  # median CPU seconds of the bare loop
    zhnorm_s: float  # median CPU seconds of normalize_bytes(...).summary
    ratio: float  # median of the per-round ratios bare / zhnorm (≥ 0.5 is the target)
    errors: int  # files normalize_bytes refused (DecodeError), counted in zhnorm's time


def _bare_loop(data: list[bytes]) -> Callable[[], int]:
    import opencc

    convert = opencc.OpenCC("t2s").convert

    def loop() -> int:
        for d in data:
            convert(PINYIN.sub("", decode(d)))
        return 0

    return loop


def _zhnorm_loop(data: list[bytes]) -> Callable[[], int]:
    from normalizer import DecodeError, normalize_bytes

    def loop() -> int:
        errors = 0
        for d in data:
            try:
                _ = normalize_bytes(d).summary
            except DecodeError:
                errors += 1
        return errors

    return loop


def _timed(loop: Callable[[], int]) -> tuple[float, int]:
    start = time.process_time()
    out = loop()
    return time.process_time() - start, out


def measure_library(src: Path, rounds: int = 3) -> LibraryRun:
    """Alternate the two loops ``rounds`` times over every file under ``src``."""
    data = [p.read_bytes() for p in sorted(p for p in src.rglob("*") if p.is_file())]
    bare, zhnorm = _bare_loop(data), _zhnorm_loop(data)
    bare()
    errors = zhnorm()  # warm-up: converter, tables, lazy imports (numpy, chardet, pypinyin)
    bare_s, zhnorm_s, ratios = [], [], []
    for _ in range(rounds):
        b, _ = _timed(bare)
        z, errors = _timed(zhnorm)
        bare_s.append(b)
        zhnorm_s.append(z)
        ratios.append(b / z)
    return LibraryRun(
        len(data),
        sum(map(len, data)),
        statistics.median(bare_s),
        statistics.median(zhnorm_s),
        statistics.median(ratios),
        errors,
    )


def measure_first_pass(src: Path, warm: int = 100) -> LibraryRun:
    """Each file once, as a run meets it: both loops warm up on the first ``warm`` files
    (converter, tables, imports), then one timed pass over the others. zhnorm's caches
    (verified annotations, compiled patterns) start as cold as in a run; repeated rounds
    over the same files would find them warm."""
    files = sorted(p for p in src.rglob("*") if p.is_file())
    first, data = [p.read_bytes() for p in files[:warm]], [p.read_bytes() for p in files[warm:]]
    _bare_loop(first)()
    _zhnorm_loop(first)()
    b, _ = _timed(_bare_loop(data))
    z, errors = _timed(_zhnorm_loop(data))
    return LibraryRun(len(data), sum(map(len, data)), b, z, b / z, errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--first-pass", action="store_true", help="each file once after a warm-up on 100 others")
    args = parser.parse_args()
    run = measure_first_pass(args.src) if args.first_pass else measure_library(args.src, args.rounds)
    mb = run.bytes / 10**6
    how = "one pass, each file once" if args.first_pass else f"median of {args.rounds} alternating rounds"
    print(f"{args.src}: {run.files} files, {mb:.1f} MB, {how} (CPU s)")
    print(f"  bare in-process loop          {run.bare_s:6.3f} s  {mb / run.bare_s:6.2f} MB/s")
    print(f"  normalize_bytes(...).summary  {run.zhnorm_s:6.3f} s  {mb / run.zhnorm_s:6.2f} MB/s")
    print(f"  ratio                         {run.ratio:6.2f}×  (target ≥ 0.5×; {run.errors} files refused)")


if __name__ == "__main__":
    main()
