"""Stage 3: find and remove inline pinyin noise such as ``科協(xié)組織``.

Spam mirror sites insert a syllable in parentheses after characters. A candidate is
a Han character immediately followed by one or more parenthesised single syllables
(ASCII or fullwidth parentheses, spaces allowed inside). It is removed only when

* every syllable is a reading of the character before it (pypinyin's heteronym
  table, loaded on the first candidate), and
* the syllable carries its own evidence (tone marks or a tone number, or a doubled
  annotation, or a toneless lower-case syllable of three letters or more such as
  ``年(nian)``), or the document shows other annotations: short toneless syllables
  (``安(an)``, ``他(ta)``) need another toned, doubled or toneless candidate
  elsewhere; capitalised ones (``王(Wang)``, a name gloss) need lower-case or toned
  annotations elsewhere.

Real parentheses survive: ``州(市)``, ``华为(Huawei)``, ``附件(1)``, ``图(a)``, and a
gloss after a space ``发展 (fāzhǎn)`` is never a candidate. Verified candidates that
lack evidence are kept and reported as flags.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from .model import ANNOTATION, Edit, Flag, StageResult

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACE = "[ \u00a0\u3000\u200b]*"
# Latin letters incl. tone-marked vowels, ü, and the IPA ɡ/ɑ some pages use for g/a.
_SYLLABLE = "[A-Za-z\u00c0-\u024f\u0251\u0261\u0300-\u036f]{1,7}[0-5]?"
_ONE = f"[(（]{_SPACE}({_SYLLABLE}){_SPACE}[)）]"
CANDIDATE = re.compile(f"([{HAN}])((?:[(（]{_SPACE}{_SYLLABLE}{_SPACE}[)）]){{1,3}})")
_ONE_RE = re.compile(_ONE)
# Cheap pre-check so documents without any "字(" pay nothing more.
_QUICK = re.compile(f"[{HAN}][(（]")

#: Toneless syllables this long are rarely a real gloss by accident; shorter ones
#: (an, ta, de) need other annotations on the page.
LONG_SYLLABLE = 3

_TONE_MARKS = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}


@dataclass(frozen=True, slots=True)
class Syllable:
    letters: str  # lower-case, ü written as v, ɡ as g
    tone: int | None  # 1-4, 5 for neutral, None when not marked at all
    capitalised: bool


def parse_syllable(raw: str) -> Syllable | None:
    """Parse one annotation syllable (``xié``, ``xie2``, ``lü4``, ``lv``, ``Wang``, ``ɡuó``)."""
    s = raw.strip().replace("\u0261", "g").replace("\u0251", "a")  # IPA ɡ and ɑ, as some pages write them
    tone = None
    if s and s[-1].isdigit():
        tone = int(s[-1]) or 5
        s = s[:-1]
    letters = []
    for c in unicodedata.normalize("NFD", s):
        if c in _TONE_MARKS:
            if tone is not None:
                return None  # two tones
            tone = _TONE_MARKS[c]
        elif c == "\u0308":  # diaeresis: ü
            if not letters or letters[-1] != "u":
                return None
            letters[-1] = "v"
        elif "a" <= c.lower() <= "z":
            letters.append(c.lower())
        else:
            return None
    if not letters:
        return None
    return Syllable("".join(letters), tone, s[:1].isupper())


@cache
def _reading_table() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict  # ~0.3 s: only when a candidate exists

    return pinyin_dict


#: Tone-sandhi readings some pages print instead of the citation tone (一定 yídìng).
SANDHI = {"一": {("yi", 2), ("yi", 4)}, "不": {("bu", 2)}}


@cache
def readings(char: str) -> frozenset[tuple[str, int]]:
    """(letters, tone) pairs for every reading of ``char`` that pypinyin knows."""
    raw = _reading_table().get(ord(char), "")
    out = set(SANDHI.get(char, ()))
    for reading in raw.split(","):
        parsed = parse_syllable(reading) if reading else None
        if parsed:
            out.add((parsed.letters, parsed.tone or 5))
    return frozenset(out)


def is_reading(char: str, syllable: Syllable) -> bool:
    """True when ``syllable`` is one of ``char``'s readings (toneless matches any tone).

    ü may be written u, as toneless generators do once the diaeresis is stripped
    (律 lu, 女 nu, 略 lue).
    """
    known = readings(char)
    letters = syllable.letters
    if syllable.tone is None:
        return any(k == letters or k.replace("v", "u") == letters for k, _ in known)
    return (letters, syllable.tone) in known or any(
        k.replace("v", "u") == letters and t == syllable.tone for k, t in known
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    base: str
    start: int  # offset of the first parenthesis
    end: int
    syllables: tuple[Syllable, ...]

    @property
    def toned(self) -> bool:
        return any(s.tone is not None for s in self.syllables)

    @property
    def doubled(self) -> bool:
        return len(self.syllables) > 1

    @property
    def capitalised(self) -> bool:
        return all(s.capitalised for s in self.syllables)


def find_candidates(text: str, protected: Sequence[tuple[int, int]] = ()) -> list[Candidate]:
    """Verified candidates: every syllable is a reading of the preceding character."""
    if not _QUICK.search(text):
        return []
    found = []
    for m in CANDIDATE.finditer(text):
        start, end = m.span(2)
        if protected and any(s < end and start < e for s, e in protected):
            continue
        sylls = _verified(m.group(1), m.group(2))
        if sylls:
            found.append(Candidate(m.group(1), start, end, sylls))
    return found


@lru_cache(maxsize=65536)
def _verified(base: str, annotation: str) -> tuple[Syllable, ...]:
    """The syllables of ``annotation`` if every one is a reading of ``base``, else ().

    Spam pages annotate a character the same way at every occurrence, so this is
    cached on the pair."""
    sylls = []
    for one in _ONE_RE.finditer(annotation):
        parsed = parse_syllable(one.group(1))
        if parsed is None or not is_reading(base, parsed):
            return ()
        sylls.append(parsed)
    return tuple(sylls)


def evidence(candidates: Sequence[Candidate]) -> tuple[int, int]:
    """(toned or doubled, toneless lower-case) verified candidates: the page's evidence."""
    strong = sum(1 for c in candidates if c.toned or c.doubled)
    plain = sum(1 for c in candidates if not (c.toned or c.doubled or c.capitalised))
    return strong, plain


def strip_annotations(
    text: str, protected: Sequence[tuple[int, int]] = (), *, page_evidence: tuple[int, int] | None = None
) -> StageResult:
    """Remove verified pinyin annotations; see the module docstring for the evidence rule.

    ``protected`` spans (e.g. mojibake runs) are left untouched. ``page_evidence``
    is :func:`evidence` over the whole document when ``text`` is one piece of it.
    """
    candidates = find_candidates(text, protected)
    if not candidates:
        return StageResult(text)
    strong, plain = page_evidence if page_evidence is not None else evidence(candidates)
    edits: list[Edit] = []
    flags: list[Flag] = []
    for c in candidates:
        span = text[c.start : c.end]
        readings_text = ", ".join(s.letters + (str(s.tone) if s.tone else "") for s in c.syllables)
        if c.toned or c.doubled:
            why = f"{'doubled' if c.doubled else 'toned'} reading of {c.base}"
            accept = True
        elif not c.capitalised:
            others = strong + plain - 1
            accept = strong > 0 or plain >= 2 or len(c.syllables[0].letters) >= LONG_SYLLABLE
            why = f"toneless reading of {c.base}; page has {others} other annotation{'s' if others != 1 else ''}"
        else:
            accept = strong + plain > 0
            why = f"capitalised reading of {c.base}; page has {strong + plain} lower-case or toned annotations"
        if accept:
            edits.append(Edit(ANNOTATION, c.start, c.end, span, "", f"{why} ({readings_text})"))
        else:
            flags.append(Flag("possible-annotation", c.start, c.end, span, f"kept: {why} ({readings_text})"))
    out = []
    pos = 0
    for e in edits:
        out.append(text[pos : e.start])
        pos = e.end
    out.append(text[pos:])
    return StageResult("".join(out), tuple(edits), tuple(flags))
