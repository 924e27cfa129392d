"""Derive, from OpenCC's own dictionaries, the words in which a variant form that t2s
keeps stands for its standard form; writes ``normalizer/data/variant_words.txt``.

t2s keeps a few variant forms by default because they are name characters (甯 is a
surname, 甦 a given name): 張鈞甯 stays 张钧甯. In ordinary words the same
characters stand for the standard form, and a mainland editor writes that (列甯 is
列宁, 甯靜 is 宁静). OpenCC's s2t phrase table says which is which: it writes 甯 in
the names it lists (宁采臣→甯采臣) and 寧 in every other word (列宁主义→列寧主義).

For each such character (t2s keeps it by default and lists a standard form for it;
it is no everyday simplified character, GB2312 level 1; s2t's phrases write it in
some words and the standard form in others), this records the two-character pieces
of s2t's phrases around the standard form: "standard" pieces (列宁, 宁静; a piece
that starts with the character only where the phrase does, so that 列宁|主义 gives
no 宁主) and "variant" pieces (宁采, 宁浩). ``normalizer.fixes`` writes the standard form where a
neighbour makes a standard piece and none makes a variant piece.

``tests/test_charsets.py`` re-derives the table and fails if the shipped file is stale.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import opencc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from derive_charsets import everyday_simplified, read_dict

OUT = Path(__file__).resolve().parent.parent / "normalizer" / "data" / "variant_words.txt"


def _kept_variants(ts: dict[str, list[str]]) -> dict[str, str]:
    """Variant form → standard simplified form, for the variants t2s keeps by default."""
    kept = {}
    for char, forms in ts.items():
        if len(char) != 1 or forms[0] != char or everyday_simplified(char) or not "\u4e00" <= char <= "\u9fff":
            continue
        standard = [f for f in forms[1:] if "\u4e00" <= f <= "\u9fff"]
        if standard:
            kept[char] = standard[0]
    return kept


def derive() -> dict[str, tuple[str, set[str], set[str]]]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        kept = _kept_variants(read_dict("TSCharacters", work))
        st_phrases = read_dict("STPhrases", work)
    pieces: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"standard": set(), "variant": set()})
    by_standard = {s: v for v, s in kept.items()}
    for key, values in st_phrases.items():
        for value in values:
            if len(value) != len(key):
                continue
            for j, char in enumerate(key):
                variant = by_standard.get(char)
                if variant is None:
                    continue
                kind = "variant" if value[j] == variant else "standard"
                around = [key[j - 1 : j + 1]] if j else []
                # A piece after the character is a word only where the phrase starts with
                # it (宁静), not across a word boundary inside a phrase (列宁|主义).
                around += [key[j : j + 2]] if j + 1 < len(key) and (j == 0 or kind == "variant") else []
                pieces[variant][kind].update(around)
    return {
        v: (kept[v], p["standard"] - p["variant"], p["variant"])
        for v, p in sorted(pieces.items())
        if p["standard"] and p["variant"]
    }


def render(table: dict[str, tuple[str, set[str], set[str]]]) -> str:
    header = (
        f"# Derived from OpenCC {opencc.__version__} by tools/derive_variants.py; do not edit.\n"
        "# variant\tstandard\tstandard pieces\tvariant pieces\n"
    )
    rows = (f"{v}\t{s}\t{' '.join(sorted(std))}\t{' '.join(sorted(var))}\n" for v, (s, std, var) in table.items())
    return header + "".join(rows)


if __name__ == "__main__":
    OUT.write_text(render(derive()), encoding="utf-8")
    print(f"wrote {OUT}", file=sys.stderr)
