"""The baseline users would write instead of zhnorm: a bare loop around a converter.

Read each file, decode with a simple fallback (BOM, UTF-8, GB18030, Big5), strip
``(pinyin)`` with one regex, convert with stock t2s, write UTF-8. One process.
``python benchmarks/bare_pipeline.py SRC DST`` prints the seconds the loop took (the
converter is built before the clock starts) on stdout, and the converter on stderr.

The converter is whatever ``opencc`` the interpreter running this script imports:
the official binding (OpenCC, in zhnorm's venv), or opencc-python-reimplemented,
which installs the same ``opencc`` import name and so lives in a side venv
(``benchmarks/run.py`` makes one). Both take ``OpenCC("t2s")`` (the official one
also accepts "t2s.json", opencc-python-reimplemented only the bare name) and
``.convert(str)``.
"""

from __future__ import annotations

import argparse
import codecs
import re
import sys
import time
from importlib import metadata
from pathlib import Path

PINYIN = re.compile(r"[(（]\s*[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[0-5]?\s*[)）]")


def decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    for codec in ("utf-8-sig", "gb18030", "big5"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("gb18030", "replace")


def converter_name() -> str:
    """The distribution (and version) that provides the ``opencc`` this interpreter imports."""
    dists = metadata.packages_distributions().get("opencc", [])
    return ", ".join(f"{d} {metadata.version(d)}" for d in dists) or "opencc (unknown distribution)"


def run(src: Path, dst: Path) -> float:
    import opencc

    convert = opencc.OpenCC("t2s").convert
    start = time.perf_counter()
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        out = dst / path.relative_to(src)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(convert(PINYIN.sub("", decode(path.read_bytes()))), encoding="utf-8")
    return time.perf_counter() - start


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    args = parser.parse_args()
    print(converter_name(), file=sys.stderr)
    print(f"{run(args.src, args.dst):.3f}")
