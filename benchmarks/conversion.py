"""OpenCC's conversion to simplified against zhnorm's table lookup (``normalizer.charwise``).

For every file under the given folders (decoded as ``bare_pipeline.py`` decodes them), the
table's output must be OpenCC's (``normalizer.telling.opencc_convert``, hk2s as zhnorm
dispatches it): the script prints how many documents differ (0 expected; exit status 1
otherwise) and how many the table left to OpenCC, then the CPU seconds of each way over
all documents, alternated ``--rounds`` times (medians).

``python benchmarks/conversion.py /tmp/bench/raw /tmp/bench-small/raw [--rounds 3]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bare_pipeline import decode


def _cpu(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("src", type=Path, nargs="+")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from normalizer.charwise import simplified_codes
    from normalizer.codepoints import as_text
    from normalizer.telling import opencc_convert

    texts = [decode(p.read_bytes()) for src in args.src for p in sorted(src.rglob("*")) if p.is_file()]
    codes = [simplified_codes(t) for t in texts]  # also builds the tables before the clock
    declined = sum(c is None for c in codes)
    differ = sum(c is not None and as_text(c) != opencc_convert(t) for t, c in zip(texts, codes, strict=True))
    print(f"{len(texts)} documents, {sum(map(len, texts)):,} characters: {differ} differ from OpenCC's output,")
    print(f"{declined} left to OpenCC whole (a phrase changed a span's length)")

    opencc, table = [], []
    for _ in range(args.rounds):
        opencc.append(_cpu(lambda: [opencc_convert(t) for t in texts]))
        table.append(_cpu(lambda: [simplified_codes(t) for t in texts]))
    a, b = statistics.median(opencc), statistics.median(table)
    print(f"CPU, median of {args.rounds} alternating rounds: OpenCC {a:.3f} s, table {b:.3f} s ({a / b:.1f}× faster)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
