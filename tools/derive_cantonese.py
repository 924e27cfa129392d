"""Derive the characters of everyday written Cantonese from real Hong Kong sentences.

Run with ``pycantonese`` installed (``pip install -e '.[bench]'``); writes
``normalizer/data/cantonese.txt``. The sentences are the two CC0 sentence sets that
PyCantonese ships for its word segmenter: the Cantonese side of the
Cantonese-Traditional Chinese Parallel Corpus (CTCPC) and Mozilla Common Voice's
Cantonese prompts. HKCanCor, which PyCantonese also ships, is left out on purpose:
``benchmarks/cantonese.py`` measures on it, so the measure is on text the list was
not made from.

Kept: Han characters seen at least :data:`MIN_COUNT` times that the codec-based
common set (:func:`normalizer.charsets.common_chars`: GB2312 level 1, Big5's
frequent block) lacks. These are everyday characters in Hong Kong (嗰, 喎, 餸), so
conversion must not replace them with rare Extension A/B forms (𠮶, 㖞, 𩠌).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from importlib import resources
from pathlib import Path

from normalizer.charsets import common_chars

OUT = Path(__file__).resolve().parent.parent / "normalizer" / "data" / "cantonese.txt"
SOURCES = ("ctcpc", "common_voice")
MIN_COUNT = 3


def is_han(char: str) -> bool:
    code = ord(char)
    return 0x3400 <= code <= 0x9FFF or 0x20000 <= code <= 0x3134F


def sentences() -> list[str]:
    found = []
    for name in SOURCES:
        data = resources.files("pycantonese.data").joinpath(name, "sents.json").read_text(encoding="utf-8")
        found.extend(json.loads(data))
    return found


def derive() -> str:
    counts = Counter(c for sentence in sentences() for c in sentence if is_han(c))
    common = common_chars()
    return "".join(sorted(c for c, n in counts.items() if n >= MIN_COUNT and c not in common))


def render(chars: str) -> str:
    header = (
        "# Everyday characters of written Hong Kong Cantonese outside GB2312 level 1 and Big5's frequent\n"
        f"# block, seen at least {MIN_COUNT} times in PyCantonese's CTCPC and Common Voice sentences (CC0).\n"
        "# Derived by tools/derive_cantonese.py; do not edit.\n"
    )
    return header + "\n".join(chars[i : i + 60] for i in range(0, len(chars), 60)) + "\n"


if __name__ == "__main__":
    chars = derive()
    OUT.write_text(render(chars), encoding="utf-8")
    print(f"wrote {len(chars)} characters to {OUT}", file=sys.stderr)
