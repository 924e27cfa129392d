"""How much per-call cost the pipeline pays, stage by stage: the library on each document
alone against the same documents joined in batches, in one process.

The issue's first direction for throughput is to pass many documents through each stage at
once. This measures its ceiling before anyone builds it: ``normalize_text`` (then
``.summary``) on each decoded document, and on the same texts joined ``--batch`` at a time
with newlines. A joined batch is *not* equal to its documents normalized one by one (a
page's annotation evidence, its script verdict and its edits' offsets become the batch's),
so the second figure bounds what batching can save; it is no result to keep. Decoding is
per document either way and is timed apart. Each stage function the pipeline composes is
wrapped with a CPU clock, as in ``stages.py``; the median of ``--rounds`` passes is printed.

``python benchmarks/batch_ceiling.py SRC [--batch 32] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bare_pipeline import PINYIN, decode
from stages import STAGES, wrap_stages

TEXT_STAGES = [name for name in STAGES if name != "decode_bytes"]


def _pass(texts: list[str], spent: Counter[str]) -> dict[str, float]:
    """One pass: CPU seconds per stage, the summaries, the rest and the total."""
    from normalizer.pipeline import normalize_text

    spent.clear()
    summary = 0.0
    start = time.process_time()
    for text in texts:
        result = normalize_text(text)
        mark = time.process_time()
        _ = result.summary
        summary += time.process_time() - mark
    total = time.process_time() - start
    return {**spent, "summary": summary, "other": total - sum(spent.values()) - summary, "total": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import opencc

    from normalizer import decode_bytes

    data = [p.read_bytes() for p in sorted(args.src.rglob("*")) if p.is_file()]
    texts = [decode_bytes(d, errors="replace").text for d in data]
    joined = ["\n".join(texts[i : i + args.batch]) for i in range(0, len(texts), args.batch)]
    convert = opencc.OpenCC("t2s").convert
    spent: Counter[str] = Counter()
    wrap_stages(spent, TEXT_STAGES)

    def bare() -> float:
        start = time.process_time()
        for d in data:
            convert(PINYIN.sub("", decode(d)))
        return time.process_time() - start

    def decoding() -> float:
        start = time.process_time()
        for d in data:
            decode_bytes(d, errors="replace")
        return time.process_time() - start

    _pass(texts, spent), _pass(joined, spent), bare()  # warm-up: converter, tables, lazy imports
    rows: dict[str, list[dict[str, float]]] = {"alone": [], "joined": []}
    bares, decodes = [], []
    for _ in range(args.rounds):
        rows["alone"].append(_pass(texts, spent))
        rows["joined"].append(_pass(joined, spent))
        bares.append(bare())
        decodes.append(decoding())
    med = {how: {k: statistics.median(r[k] for r in runs) for k in runs[0]} for how, runs in rows.items()}
    b, dec = statistics.median(bares), statistics.median(decodes)
    n = len(texts)
    print(f"{args.src}: {n} documents; {len(joined)} batches of {args.batch}; median of {args.rounds} (CPU s)")
    print(f"  {'':18} {'alone':>8} {'joined':>8}  µs a document alone")
    for key in [*TEXT_STAGES, "summary", "other", "total"]:
        alone, batch = med["alone"].get(key, 0.0), med["joined"].get(key, 0.0)
        print(f"  {key:18} {alone:8.3f} {batch:8.3f}  {alone / n * 1e6:7.0f}")
    alone, batch = med["alone"]["total"], med["joined"]["total"]
    print(f"  text pipeline joined: {alone / batch:.2f}× as fast; with decoding ({dec:.3f} s, per document anyway):")
    print(f"  {b / (alone + dec):.2f}× the bare loop ({b:.3f} s) alone, at most {b / (batch + dec):.2f}× batched")


if __name__ == "__main__":
    main()
