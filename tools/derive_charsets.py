"""Derive the script-detection character sets from OpenCC's own dictionaries.

Run with the pinned OpenCC wheel installed; writes ``normalizer/data/charsets.txt`` and
``normalizer/data/t2s_phrases.txt``.
It dumps OpenCC's binary ``.ocd2`` dictionaries with the ``opencc_dict`` program the
wheel ships, so the sets follow OpenCC's data rather than a hand-made list:

* traditional-only: characters that t2s always changes (or that the HK/TW variant
  tables map to a standard form) and that no simplified text uses;
* simplified-only: characters that s2t always changes and that no traditional
  text (OpenCC standard, Hong Kong or Taiwan forms) uses. A character that OpenCC
  itself writes in traditional output, in one of its s2t / s2hk / s2tw phrases
  (恒 in Hong Kong's 恒生, 霉 in 倒霉), is written by both scripts;
* variant forms: characters that t2s may change (it lists another form for them) but
  that are neither traditional-only nor everyday simplified characters (GB2312
  level 1): 陞, 剋, 袷, 祕. t2s keeps them in the names and words its phrase table
  lists (楊聯陞) and changes them elsewhere, so where it changes one the text is
  traditional, even when it has no traditional-only character (步步高陞);
* context forms: every other character t2s or hk2s may change (乾, 藉, 覆): valid in
  both scripts, telling only in a word (乾杯 but 乾隆).

And what lets :mod:`normalizer.charwise` run t2s as a table lookup (see there):

* t2s changed: every character that t2s, converting it alone, changes;
* t2s phrase characters: every character of a key of more than one character in t2s's
  dictionaries (憑藉). A character outside them ends every phrase match;
* t2s context characters: where a phrase's conversion differs from converting its
  characters one by one (藉 in 憑藉→凭借, alone 藉), every character of a phrase whose
  conversion changes its length, and every key of the normalization table (a
  compatibility ideograph becomes a character that may make a phrase);
* t2s phrases (``t2s_phrases.txt``): the phrases whose conversion differs from their
  characters' (憑藉, 深沈, 樊於期).

``tests/test_charsets.py`` re-derives the sets and fails if the shipped file is stale.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

import opencc

CLIB = Path(opencc.__file__).parent / "clib"
OUT = Path(__file__).resolve().parent.parent / "normalizer" / "data" / "charsets.txt"
PHRASES_OUT = OUT.with_name("t2s_phrases.txt")


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


def everyday_simplified(char: str) -> bool:
    """GB2312 level 1: the 3,755 everyday hanzi of mainland text."""
    try:
        code = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(code) == 2 and 0xB0 <= code[0] <= 0xD7


def _chars(tables: list[dict[str, list[str]]], *, keys: bool = False) -> set[str]:
    if keys:
        return {c for table in tables for k in table for c in k}
    return {c for table in tables for vs in table.values() for v in vs for c in v}


def _changed_in_phrases(tables: list[dict[str, list[str]]]) -> set[str]:
    """Characters a phrase table rewrites (乾 in 乾杯→干杯), not the whole phrase."""
    pairs = (zip(k, v) for table in tables for k, vs in table.items() for v in vs if len(v) == len(k))
    return {a for pair in pairs for a, b in pair if a != b}


def derive() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ts = read_dict("TSCharacters", work)
        st = read_dict("STCharacters", work)
        regional = {**read_dict("HKVariantsRev", work), **read_dict("TWVariantsRev", work)}
        st_phrases = read_dict("STPhrases", work)
        ts_phrases = read_dict("TSPhrases", work)
        # Phrases s2t / s2hk / s2tw write in traditional output (恒生, 倒霉).
        written = [st_phrases, read_dict("HKVariantsPhrases", work), read_dict("TWVariantsPhrases", work)]
        hk_phrases = read_dict("HKVariantsRevPhrases", work)
    # A character written in a simplified phrase key (显著) is valid simplified text,
    # even when a regional table also lists it as a variant (著).
    simplified_valid = set(st) | {c for vs in ts.values() for c in vs} | {c for k in st_phrases for c in k}
    traditional_valid = (
        set(ts) | {c for vs in st.values() for c in vs} | set(regional) | _chars([ts_phrases], keys=True)
    ) | _chars(written)
    traditional_only = (
        {c for c, vs in ts.items() if c not in vs} | {c for c, vs in regional.items() if len(c) == 1 and c not in vs}
    ) - simplified_valid
    simplified_only = {c for c, vs in st.items() if c not in vs} - traditional_valid
    changeable = {c for c, vs in ts.items() if len(c) == 1 and any(v != c for v in vs)}
    variant_forms = {c for c in changeable - traditional_only if not everyday_simplified(c)}
    context_forms = (
        (changeable | set(regional) | _changed_in_phrases([ts_phrases, hk_phrases])) - traditional_only - variant_forms
    )
    return {
        "traditional_only": "".join(sorted(traditional_only)),
        "simplified_only": "".join(sorted(simplified_only)),
        "variant_forms": "".join(sorted(variant_forms)),
        "context_forms": "".join(sorted(context_forms)),
        **derive_t2s_table(),
    }


#: t2s.json's dictionaries: its normalization table, then its conversion chain.
T2S_NORMALIZATION = "CJK_Compatibility_Ideographs"
T2S_CHAIN = ("TSPhrases", "TSCharactersExt", "TSCharacters")


def derive_t2s_table() -> dict[str, str]:
    """The sets that tell where t2s is a character-by-character mapping (module docstring)."""
    convert = opencc.OpenCC("t2s").convert
    normalization, chain = _t2s_dicts()
    keys = {k for table in (normalization, *chain) for k in table}
    singles = {k for k in keys if len(k) == 1}
    changed = {c for c in singles if convert(c) != c}
    context = set(normalization) | {c for c in singles if len(convert(c)) != 1}
    for phrase in derive_t2s_phrases():
        whole, alone = convert(phrase), _alone(convert, phrase)
        if len(whole) != len(phrase):
            context |= set(phrase)
        else:
            context |= {c for c, a, b in zip(phrase, whole, alone) if a != b}
    return {
        "t2s_changed": "".join(sorted(changed)),
        "t2s_phrase_chars": "".join(sorted({c for k in _phrases(chain) for c in k})),
        "t2s_context_chars": "".join(sorted(context)),
    }


def derive_t2s_phrases() -> list[str]:
    """The phrases t2s converts unlike their characters one by one (憑藉→凭借, 藉 alone
    stays): each holds a context character, where :mod:`normalizer.charwise` looks for it."""
    convert = opencc.OpenCC("t2s").convert
    return sorted(p for p in _phrases(_t2s_dicts()[1]) if convert(p) != _alone(convert, p))


def _alone(convert, phrase: str) -> str:
    """``phrase`` converted character by character."""
    return "".join(convert(c) for c in phrase)


def _phrases(chain: list[dict[str, list[str]]]) -> set[str]:
    """The keys of more than one character in t2s's conversion chain."""
    return {k for table in chain for k in table if len(k) > 1}


@cache
def _t2s_dicts() -> tuple[dict[str, list[str]], list[dict[str, list[str]]]]:
    """t2s's normalization table and the dictionaries of its conversion chain (dumped once)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        return read_dict(T2S_NORMALIZATION, work), [read_dict(name, work) for name in T2S_CHAIN]


HEADER = f"# Derived from OpenCC {opencc.__version__} by tools/derive_charsets.py; do not edit.\n"


def render(sets: dict[str, str]) -> str:
    return HEADER + "".join(f"{name}\t{chars}\n" for name, chars in sets.items())


if __name__ == "__main__":
    OUT.write_text(render(derive()), encoding="utf-8")
    PHRASES_OUT.write_text(HEADER + "".join(f"{p}\n" for p in derive_t2s_phrases()), encoding="utf-8")
    print(f"wrote {OUT} and {PHRASES_OUT}", file=sys.stderr)
