"""What decoding costs per encoding: ``decode_bytes`` against the bare loop's decode (try UTF-8,
GB18030, Big5 in turn) on the same files, grouped by the encoding zhnorm finds.

The bare decode takes the first codec that does not fail, so it reads Big5 as GB18030 whenever
GB18030 does not fail (it often does not) and never asks which reading is Chinese; zhnorm ranks
the legacy readings by their share of common characters and asks chardet only when its answer
could change the choice. This shows what that care costs, encoding by encoding. The files are in
memory before the clock starts; both are warmed up, then alternated ``--rounds`` times and the
median CPU time of each is printed.

``python benchmarks/decode_cost.py SRC [--rounds 15]``. To compare two trees, run it with each
tree's interpreter, or with ``PYTHONPATH`` naming the other checkout, in turn.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bare_pipeline import decode as bare_decode


def _cpu(decode: Callable[[bytes], object], files: list[bytes]) -> float:
    start = time.process_time()
    for data in files:
        decode(data)
    return time.process_time() - start


def measure(src: Path, rounds: int) -> dict[str, tuple[int, float, float]]:
    """Per encoding found: (files, zhnorm's median CPU µs a file, the bare decode's)."""
    from normalizer import DecodeError, decode_bytes

    groups: dict[str, list[bytes]] = {}
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        data = path.read_bytes()
        try:
            encoding = decode_bytes(data).encoding
        except DecodeError:
            encoding = "(refused)"
        groups.setdefault(encoding, []).append(data)

    def zhnorm(data: bytes) -> object:
        try:
            return decode_bytes(data)
        except DecodeError:
            return None

    found = {}
    for encoding, files in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        ours, bare = [], []
        for _ in range(rounds):
            ours.append(_cpu(zhnorm, files))
            bare.append(_cpu(bare_decode, files))
        n = len(files)
        found[encoding] = (n, statistics.median(ours) / n * 1e6, statistics.median(bare) / n * 1e6)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    import normalizer

    print(f"{args.src} ({Path(normalizer.__file__).parent.parent}), median of {args.rounds} alternated rounds, CPU")
    print(f"  {'encoding':12} {'files':>6} {'zhnorm µs/file':>15} {'bare µs/file':>13}")
    for encoding, (n, ours, bare) in measure(args.src, args.rounds).items():
        print(f"  {encoding:12} {n:6d} {ours:15.0f} {bare:13.0f}")


if __name__ == "__main__":
    main()
