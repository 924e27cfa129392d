"""Where ``normalize_bytes(data).summary`` spends its CPU, stage by stage, in one process.

Each stage function the pipeline composes (decode, controls, script, mojibake, annotations,
conversion, ...) is wrapped with a CPU clock; the rest of the time is the pipeline's own
work and the summary. The files are in memory before the clock starts and a warm-up pass
loads the converter and tables; the median of ``--rounds`` passes is printed.

``python benchmarks/stages.py SRC [--rounds 5]``; ``--first-pass`` times each file once
instead, after a warm-up on 100 others (caches as cold as in a run). To compare two trees,
run it with each tree's interpreter (an editable install finds its own tree first).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path

STAGES = (
    "decode_bytes",
    "strip_leading_bom",
    "to_nfc",
    "strip_controls",
    "detect_script",
    "find_mojibake",
    "strip_annotations",
    "to_simplified",
)


def wrap_stages(spent: dict[str, float], names: Iterable[str] = STAGES) -> None:
    """Replace each stage function the pipeline calls (``names``) with one that adds its CPU time
    to ``spent`` (a dict holding a key for each, or a Counter)."""
    import normalizer.pipeline as pipeline

    clock = time.process_time
    for name in names:
        stage = getattr(pipeline, name)

        def timed(*args, _stage: Callable = stage, _name: str = name, **kwargs):
            start = clock()
            try:
                return _stage(*args, **kwargs)
            finally:
                spent[_name] += clock() - start

        setattr(pipeline, name, timed)


def _pass(data: list[bytes]) -> None:
    from normalizer import DecodeError, normalize_bytes

    for d in data:
        try:
            _ = normalize_bytes(d).summary
        except DecodeError:
            pass


def measure_stages(src: Path, rounds: int = 5, first_pass: bool = False) -> dict[str, float]:
    """CPU seconds per stage, "other" (pipeline and summary) and "total": the median of
    ``rounds`` passes over every file under ``src``, or one pass with ``first_pass``."""
    files = sorted(p for p in src.rglob("*") if p.is_file())
    data = [p.read_bytes() for p in files]
    spent = dict.fromkeys(STAGES, 0.0)
    wrap_stages(spent)
    warm, timed = (data[:100], data[100:]) if first_pass else (data, data)
    _pass(warm)
    runs: dict[str, list[float]] = {name: [] for name in (*STAGES, "other", "total")}
    for _ in range(1 if first_pass else rounds):
        spent.update(dict.fromkeys(STAGES, 0.0))
        start = time.process_time()
        _pass(timed)
        total = time.process_time() - start
        for name in STAGES:
            runs[name].append(spent[name])
        runs["other"].append(total - sum(spent.values()))
        runs["total"].append(total)
    return {name: statistics.median(values) for name, values in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--first-pass", action="store_true", help="each file once after a warm-up on 100 others")
    args = parser.parse_args()
    found = measure_stages(args.src, args.rounds, args.first_pass)
    how = "one pass, each file once" if args.first_pass else f"median of {args.rounds} rounds"
    print(f"{args.src}: {how} (CPU s)")
    for name, seconds in found.items():
        print(f"  {name:18s} {seconds:6.3f}  {seconds / found['total']:6.1%}")


if __name__ == "__main__":
    main()
