"""Derive the script-detection character sets from OpenCC's own dictionaries.

Run with the pinned OpenCC wheel installed; writes ``normalizer/data/charsets.txt``.
It dumps OpenCC's binary ``.ocd2`` dictionaries with the ``opencc_dict`` program the
wheel ships, so the sets follow OpenCC's data rather than a hand-made list:

* traditional-only: characters that t2s always changes (or that the HK/TW variant
  tables map to a standard form) and that no simplified text uses;
* simplified-only: characters that s2t always changes and that no traditional
  text (OpenCC standard, Hong Kong or Taiwan forms) uses.

``tests/test_charsets.py`` re-derives the sets and fails if the shipped file is stale.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import opencc

CLIB = Path(opencc.__file__).parent / "clib"
OUT = Path(__file__).resolve().parent.parent / "normalizer" / "data" / "charsets.txt"


def read_dict(name: str, workdir: Path) -> dict[str, list[str]]:
    src = CLIB / "share" / "opencc" / f"{name}.ocd2"
    dst = workdir / f"{name}.txt"
    subprocess.run(
        [str(CLIB / "bin" / "opencc_dict"), "-i", str(src), "-o", str(dst), "-f", "ocd2", "-t", "text"],
        check=True,
        capture_output=True,
    )
    table: dict[str, list[str]] = {}
    for line in dst.read_text(encoding="utf-8").splitlines():
        key, values = line.split("\t")
        table[key] = values.split(" ")
    return table


def derive() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ts = read_dict("TSCharacters", work)
        st = read_dict("STCharacters", work)
        regional = {**read_dict("HKVariantsRev", work), **read_dict("TWVariantsRev", work)}
        st_phrases = read_dict("STPhrases", work)
        ts_phrases = read_dict("TSPhrases", work)
    # A character written in a simplified phrase key (显著) is valid simplified text,
    # even when a regional table also lists it as a variant (著).
    simplified_valid = set(st) | {c for vs in ts.values() for c in vs} | {c for k in st_phrases for c in k}
    traditional_valid = (
        set(ts) | {c for vs in st.values() for c in vs} | set(regional) | {c for k in ts_phrases for c in k}
    )
    traditional_only = (
        {c for c, vs in ts.items() if c not in vs} | {c for c, vs in regional.items() if len(c) == 1 and c not in vs}
    ) - simplified_valid
    simplified_only = {c for c, vs in st.items() if c not in vs} - traditional_valid
    return {
        "traditional_only": "".join(sorted(traditional_only)),
        "simplified_only": "".join(sorted(simplified_only)),
    }


def render(sets: dict[str, str]) -> str:
    header = f"# Derived from OpenCC {opencc.__version__} by tools/derive_charsets.py; do not edit.\n"
    return header + "".join(f"{name}\t{chars}\n" for name, chars in sets.items())


if __name__ == "__main__":
    OUT.write_text(render(derive()), encoding="utf-8")
    print(f"wrote {OUT}", file=sys.stderr)
