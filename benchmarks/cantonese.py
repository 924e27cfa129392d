"""Conversion of real Hong Kong Cantonese: rare forms made out of everyday characters.

HKCanCor (Hong Kong Cantonese Corpus, shipped by PyCantonese: ``pip install
pycantonese``) is transcribed conversation in traditional characters, one utterance a
line. Simplified Cantonese writing keeps the everyday Cantonese characters (嗰, 喎,
餸); OpenCC's t2s turns them into Extension A/B forms (𠮶, 㖞, 𩠌) that few fonts
show. Printed: how many Extension A/B characters the conversion made out of
characters that were not rare, the fate of 嗰 and 喎, and the same for stock
OpenCC t2s. ``normalizer/data/cantonese.txt`` is derived from other sentences
(CTCPC, Common Voice), not from HKCanCor.

Run: ``python benchmarks/cantonese.py [--block N]`` (lines per document, default 40).
"""

from __future__ import annotations

import argparse
import collections
import time

import opencc

from normalizer import normalize_text


def rare(char: str) -> bool:
    """Extension A, or a Han character beyond the BMP (Extension B and later)."""
    code = ord(char)
    return 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x3134F


def utterances() -> list[str]:
    import pycantonese

    corpus = pycantonese.hkcancor()
    return ["".join(words) for words in corpus.words(by_utterance=True) if words]


def made_rare(before: str, after: str) -> collections.Counter:
    """(input, output) pairs where a character that was not rare came out rare."""
    if len(before) != len(after):
        raise SystemExit("length changed: cannot compare character by character")
    return collections.Counter((a, b) for a, b in zip(before, after) if a != b and rare(b) and not rare(a))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--block", type=int, default=40, help="lines per document")
    args = parser.parse_args()
    lines = utterances()
    docs = ["\n".join(lines[i : i + args.block]) for i in range(0, len(lines), args.block)]
    text = "\n".join(docs)
    print(f"HKCanCor: {len(lines):,} utterances, {len(text):,} characters, {len(docs)} documents")
    print(f"  嗰 ×{text.count('嗰')}, 喎 ×{text.count('喎')} in the input")
    t2s = opencc.OpenCC("t2s").convert
    for name, convert in (("zhnorm", lambda d: normalize_text(d).text), ("OpenCC t2s", t2s)):
        t0 = time.perf_counter()
        out = "\n".join(convert(d) for d in docs)
        pairs = made_rare(text, out)
        top = ", ".join(f"{a}→{b}×{n}" for (a, b), n in pairs.most_common(6))
        kept = f"嗰 kept {out.count('嗰')}, 喎 kept {out.count('喎')}"
        seconds = time.perf_counter() - t0
        print(f"  {name:10} {sum(pairs.values()):5d} rare characters made   {kept}   {seconds:5.1f}s   {top}")


if __name__ == "__main__":
    main()
