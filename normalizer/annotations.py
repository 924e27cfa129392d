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

On a page with enough noise, the noise's own table is evidence too (:class:`PageTable`):
which characters it annotates (traditional-only ones?), how consistently (at every
occurrence?), in which form (toned? lower-case?) and with which reading (the default
one, pypinyin's first?). A candidate that departs from that table in two of those ways,
one of them its reading or its form (``角(jué)`` written once after a character the
same in both scripts, on a page whose noise gives traditional-only characters their
default reading everywhere; ``王(Wang)`` on a page of toned noise), is an author's
gloss: it is kept and reported, with the departures as the reason.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial
from itertools import accumulate, compress, repeat
from operator import not_
from typing import NamedTuple

from .charsets import traditional_only
from .codepoints import as_array, np_module
from .model import ANNOTATION, Edit, Flag, StageResult

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACE = "[ \u00a0\u3000\u200b]*"
# Latin letters incl. tone-marked vowels, ü, and the IPA ɡ/ɑ some pages use for g/a.
_SYLLABLE = "[A-Za-z\u00c0-\u024f\u0251\u0261\u0300-\u036f]{1,7}[0-5]?"
_ONE = f"[(（]{_SPACE}({_SYLLABLE}){_SPACE}[)）]"
_ONE_PLAIN = f"[(（]{_SPACE}{_SYLLABLE}{_SPACE}[)）]"


@cache
def candidate_pattern() -> re.Pattern[str]:
    """A candidate: a Han character, then one to three parenthesised syllables. The plain
    reference :func:`scan_groups` is tested against; compiled on first use (the Han ranges
    take ~4 ms to compile, in every process that imports this module)."""
    return re.compile(f"([{HAN}])((?:{_ONE_PLAIN}){{1,3}})")


_ONE_RE = re.compile(_ONE)

#: Toneless syllables this long are rarely a real gloss by accident; shorter ones
#: (an, ta, de) need other annotations on the page.
LONG_SYLLABLE = 3

_TONE_MARKS = {"\u0304": 1, "\u0301": 2, "\u030c": 3, "\u0300": 4}


@dataclass(frozen=True, slots=True)
class Syllable:
    letters: str  # lower-case, ü written as v, ɡ as g
    tone: int | None  # 1-4, 5 for neutral, None when not marked at all
    capitalised: bool


@lru_cache(maxsize=65536)  # a few hundred spellings recur across pages; Syllable is immutable
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
def reading_table() -> dict[int, str]:
    """pypinyin's table of readings per code point, loaded on the first candidate.

    Only the table module is loaded (0.06 s): importing it the usual way runs
    pypinyin's package ``__init__``, which also loads its phrase dictionary and
    segmenter (0.3–0.5 s per process, paid again by every worker of a run).
    """
    import importlib.util
    from pathlib import Path

    try:
        package = importlib.util.find_spec("pypinyin")
        path = Path(package.submodule_search_locations[0]) / "pinyin_dict.py"  # type: ignore[union-attr,index]
        spec = importlib.util.spec_from_file_location("_zhnorm_pinyin_dict", path)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module.pinyin_dict
    except (ImportError, OSError, AttributeError, TypeError):  # a pypinyin laid out differently
        from pypinyin.pinyin_dict import pinyin_dict

        return pinyin_dict


#: Tone-sandhi readings some pages print instead of the citation tone (一定 yídìng).
SANDHI = {"一": {("yi", 2), ("yi", 4)}, "不": {("bu", 2)}}


@cache
def readings(char: str) -> frozenset[tuple[str, int]]:
    """(letters, tone) pairs for every reading of ``char`` that pypinyin knows."""
    raw = reading_table().get(ord(char), "")
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


@dataclass(frozen=True, slots=True, eq=False)
class Reading:
    """A verified annotation text, as it reads after a given character: one object per
    (character, annotation) pair (cached: spam pages repeat the same ones), compared
    and hashed by identity."""

    syllables: tuple[Syllable, ...]
    text: str  # "xie2, hui4": how the reasons name it
    toned: bool
    doubled: bool
    strong: bool  # toned or doubled: evidence of its own
    capitalised: bool


class Candidate(NamedTuple):
    """A verified annotation after ``base`` (a NamedTuple: spam pages have thousands)."""

    base: str
    start: int  # offset of the first parenthesis
    end: int
    reading: Reading

    @property
    def syllables(self) -> tuple[Syllable, ...]:
        return self.reading.syllables

    @property
    def toned(self) -> bool:
        return self.reading.toned

    @property
    def doubled(self) -> bool:
        return self.reading.doubled

    @property
    def capitalised(self) -> bool:
        return self.reading.capitalised


# The text is split at groups of parentheses (one C call; the regex engine scans for
# the parenthesis quickly) and the character before each group is checked afterwards:
# the same candidates as candidate_pattern(), as a group never contains a Han character.
_GROUPS = re.compile(f"({_ONE_PLAIN}(?:{_ONE_PLAIN}){{0,2}})")
#: Compiled on first use by ``re`` (~4 ms): only a base beyond the main CJK block asks for it.
_HAN_CHAR = f"[{HAN}]"


class Groups(NamedTuple):
    """A text split around its groups of parentheses, with one entry per group in each list."""

    parts: list[str]  # the text split around the groups: parts[1::2] are the groups
    starts: list[int]  # offset of each group's first parenthesis
    ends: list[int]
    bases: list[str]  # the character before each group ("" at the start of the text)
    readings: list[Reading | None]  # the verified reading, None where the group is no candidate


def scan_groups(text: str, protected: Sequence[tuple[int, int]] = ()) -> Groups:
    """Kernel of :func:`strip_annotations`: every group of parentheses in ``text`` and, for
    each, the verified reading of the character before it (None when there is none, or
    when the group overlaps a ``protected`` span).

    Spam pages hold hundreds of groups: the text is split in one regex call, offsets come
    from ``accumulate`` and the readings from a cache of (character, group) pairs, so no
    Python statement runs per group."""
    if not may_have_annotations(text):
        return Groups([text], [], [], [], [])
    parts = _GROUPS.split(text)
    bounds = list(accumulate(map(len, parts)))
    starts, ends = bounds[0:-1:2], bounds[1::2]
    bases = [before[-1:] for before in parts[0:-1:2]]
    readings = list(map(_verified, bases, parts[1::2]))
    for s, e in protected:  # groups are in order and do not overlap: bisect to the first one ending after s
        k = bisect_right(ends, s)
        while k < len(starts) and starts[k] < e:
            readings[k] = None
            k += 1
    return Groups(parts, starts, ends, bases, readings)


#: Up to this many parentheses, :func:`may_have_annotations` tries a match at each.
PAREN_LIMIT = 32


def may_have_annotations(text: str) -> bool:
    """False when ``text`` has no parenthesised syllable at all (cheap: no pypinyin).

    Kernel: news text has a few parentheses, none followed by a syllable. Counting them
    and matching a group at each (every group starts at one) is ~2 times faster than a
    regex search, which tests every character against the opening parentheses; past
    :data:`PAREN_LIMIT` of them the search is used."""
    n = text.count("(") + text.count("（")
    if n > PAREN_LIMIT:
        return _GROUPS.search(text) is not None
    if n:
        match = _GROUPS.match
        for paren in "(（":
            p = text.find(paren)
            while p >= 0:
                if match(text, p):
                    return True
                p = text.find(paren, p + 1)
    return False


def find_candidates(text: str, protected: Sequence[tuple[int, int]] = ()) -> list[Candidate]:
    """Verified candidates: every syllable is a reading of the preceding character."""
    g = scan_groups(text, protected)
    new = tuple.__new__
    return [new(Candidate, fields) for fields in zip(g.bases, g.starts, g.ends, g.readings, strict=True) if fields[3]]


@lru_cache(maxsize=65536)
def _verified(base: str, annotation: str) -> Reading | None:
    """The reading of ``annotation`` if ``base`` is a Han character and every syllable is
    one of its readings, else None."""
    if not (base and ("\u4e00" <= base <= "\u9fff" or re.match(_HAN_CHAR, base))):
        return None
    sylls = []
    for one in _ONE_RE.finditer(annotation):
        parsed = parse_syllable(one.group(1))
        if parsed is None or not is_reading(base, parsed):
            return None
        sylls.append(parsed)
    if not sylls:
        return None
    text = ", ".join(s.letters + (str(s.tone) if s.tone else "") for s in sylls)
    toned = any(s.tone is not None for s in sylls)
    doubled = len(sylls) > 1
    return Reading(tuple(sylls), text, toned, doubled, toned or doubled, all(s.capitalised for s in sylls))


#: A page's noise forms a table once it has this many verified candidates on this many
#: characters; a trait of the table holds when this share of its noise shares it.
TABLE_CANDIDATES = 8
TABLE_CHARACTERS = 4
TABLE_SHARE = 0.9


@lru_cache(maxsize=65536)
def is_default_reading(char: str, reading: Reading) -> bool:
    """True when every syllable is ``char``'s default reading (pypinyin's first; a toneless
    syllable matches its letters), the one annotation generators print."""
    raw = reading_table().get(ord(char), "").split(",")[0]
    first = parse_syllable(raw) if raw else None
    if first is None:
        return False
    sandhi = SANDHI.get(char, ())  # 一(yí) is printed for 一 as often as yī
    for s in reading.syllables:
        if s.letters not in (first.letters, first.letters.replace("v", "u")):
            return False
        if s.tone is not None and s.tone != (first.tone or 5) and (s.letters, s.tone) not in sandhi:
            return False
    return True


@dataclass(frozen=True, slots=True)
class PageTable:
    """Counts over a page's verified candidates: how many, how many toned (or doubled),
    lower-case and default readings, and how many per character. Tables of the pieces of
    a document add up to the document's (``+``)."""

    candidates: int = 0
    toned: int = 0
    lower: int = 0
    default: int = 0
    annotated: Mapping[str, int] = field(default_factory=dict)

    def __add__(self, other: PageTable) -> PageTable:
        return PageTable(
            self.candidates + other.candidates,
            self.toned + other.toned,
            self.lower + other.lower,
            self.default + other.default,
            Counter(self.annotated) + Counter(other.annotated),
        )

    @property
    def established(self) -> bool:
        return self.candidates >= TABLE_CANDIDATES and len(self.annotated) >= TABLE_CHARACTERS


def page_table(candidates: Sequence[Candidate]) -> PageTable:
    """The table of these candidates (see :class:`PageTable`)."""
    return _table_of(Counter((c.base, c.reading) for c in candidates))


def _table_of(pairs: Mapping[tuple[str, Reading], int]) -> PageTable:
    """:func:`page_table` from the number of candidates per (character, reading) pair:
    spam pages repeat the same few hundred pairs."""
    annotated: dict[str, int] = {}  # not a Counter: its __missing__ runs in Python for each new character
    toned = lower = default = 0
    for (base, reading), n in pairs.items():
        annotated[base] = annotated.get(base, 0) + n
        toned += n * reading.strong
        lower += n * (not reading.capitalised)
        default += n * is_default_reading(base, reading)
    return PageTable(sum(pairs.values()), toned, lower, default, annotated)


@dataclass(frozen=True, slots=True)
class Traits:
    """The traits a page's noise holds to (each True when :data:`TABLE_SHARE` of it does),
    with the per-character counts the consistency trait is judged on."""

    toned: bool
    lower: bool
    default: bool
    traditional: bool
    consistent: bool
    annotated: Mapping[str, int]
    occurrences: Mapping[str, int]


def traits(table: PageTable, text: str, vocabulary: Mapping[str, int] | None = None) -> Traits | None:
    """The traits of an established ``table`` (None for a page without one); occurrences
    of the annotated characters come from ``vocabulary`` (the document's character
    counts) or are counted in ``text`` in one regex pass."""
    if not table.established:
        return None
    annotated, n, share = table.annotated, table.candidates, TABLE_SHARE
    if vocabulary is None:
        vocabulary = occurrences_in(text, annotated)
    occurrences = {b: vocabulary.get(b, 0) for b in annotated}
    t_only = traditional_only()
    return Traits(
        toned=table.toned >= share * n,
        lower=table.lower >= share * n,
        default=table.default >= share * n,
        traditional=sum(b in t_only for b in annotated) >= share * len(annotated),
        consistent=sum(annotated[b] >= occurrences[b] for b in annotated) >= share * len(annotated),
        annotated=annotated,
        occurrences=occurrences,
    )


#: Up to this many characters × text length, :func:`occurrences_in` counts with str.count.
COUNT_LIMIT = 150_000


def occurrences_in(text: str, chars: Collection[str], *, limit: int = COUNT_LIMIT) -> dict[str, int]:
    """How often each of ``chars`` (single characters) occurs in ``text``.

    A page's annotated characters differ from page to page, so a character class made
    of them is a new regex for every document: compiling it costs ~4 µs per character,
    more than a page's text. ``str.count`` per character (a C scan) is used unless
    ``len(chars) * len(text)`` exceeds ``limit``; above it one numpy pass over the code
    points wins (a page of noise annotates ~60 characters: ~3 times faster)."""
    if len(chars) * len(text) <= limit:
        return {c: text.count(c) for c in chars}
    np = np_module()
    order = list(chars)
    codes = np.fromiter(map(ord, order), dtype=np.int64, count=len(order))
    top = int(codes.max()) + 1
    # One bincount of the code points counts every character; those past the highest one
    # asked for share its next bin (~0.3 MB of bins for the main CJK block).
    found = np.bincount(np.minimum(as_array(text), top), minlength=top + 1)
    return dict(zip(order, found[codes].tolist(), strict=True))


def departures(base: str, reading: Reading, page: Traits | None) -> list[str]:
    """How an annotation departs from the traits its page's noise holds to (none when the
    page has no table)."""
    if page is None:
        return []
    out = []
    if page.toned and not reading.strong:
        out.append("form: toneless where the page's noise is toned")
    elif page.lower and reading.capitalised:
        out.append("form: capitalised where the page's noise is lower-case")
    if page.default and not is_default_reading(base, reading):
        out.append(f"reading: {reading.text} is not the default reading of {base}, which the page's noise uses")
    if page.traditional and base not in traditional_only():
        out.append(f"character: {base} is the same in both scripts; the noise annotates traditional-only ones")
    seen, marked = page.occurrences.get(base, 0), page.annotated.get(base, 0)
    if page.consistent and marked < seen:
        out.append(f"consistency: {base} is annotated {marked} of {seen} times; the noise marks every occurrence")
    return out


def is_authors_gloss(found: Sequence[str]) -> bool:
    """Two departures from the page's table, one of them the reading or the form."""
    return len(found) >= 2 and any(d.startswith(("reading", "form")) for d in found)


def evidence(candidates: Sequence[Candidate]) -> tuple[int, int]:
    """(toned or doubled, toneless lower-case) verified candidates: the page's evidence."""
    return _evidence_of_pairs(Counter((c.base, c.reading) for c in candidates))


def _evidence_of_pairs(pairs: Mapping[tuple[str, Reading], int]) -> tuple[int, int]:
    """:func:`evidence` from the number of candidates per (character, reading) pair (spam
    pages repeat the same few hundred pairs: one step per pair, not per candidate)."""
    strong = plain = 0
    for (_, r), n in pairs.items():
        if r.strong:
            strong += n
        elif not r.capitalised:
            plain += n
    return strong, plain


def decide(reading: Reading, base: str, strong: int, plain: int) -> tuple[bool, str]:
    """Whether an annotation with this reading is removed, and why (see the module docstring)."""
    if reading.strong:
        return True, f"{'doubled' if reading.doubled else 'toned'} reading of {base} ({reading.text})"
    if not reading.capitalised:
        others = strong + plain - 1
        accept = strong > 0 or plain >= 2 or len(reading.syllables[0].letters) >= LONG_SYLLABLE
        why = f"toneless reading of {base}; page has {others} other annotation{'s' if others != 1 else ''}"
        return accept, f"{why} ({reading.text})"
    why = f"capitalised reading of {base}; page has {strong + plain} lower-case or toned annotations"
    return strong + plain > 0, f"{why} ({reading.text})"


def judge(reading: Reading, base: str, strong: int, plain: int, page: Traits | None) -> tuple[bool, str]:
    """:func:`decide`, then the page's table: an annotation the evidence would remove is
    kept when it departs from the page's noise as an author's gloss does."""
    accept, why = decide(reading, base, strong, plain)
    if not accept or page is None:
        return accept, why
    found = departures(base, reading, page)
    if is_authors_gloss(found):
        return False, f"{why}; an author's gloss, unlike the page's noise ({'; '.join(found)})"
    return True, f"{why}; fits the page's noise" + (f" but for one trait ({found[0]})" if found else "")


def strip_annotations(
    text: str,
    protected: Sequence[tuple[int, int]] = (),
    *,
    page_evidence: tuple[int, int] | None = None,
    table: PageTable | None = None,
    vocabulary: Mapping[str, int] | None = None,
) -> StageResult:
    """Remove verified pinyin annotations; see the module docstring for the evidence rule.

    ``protected`` spans (e.g. mojibake runs) are left untouched. When ``text`` is one
    piece of a document, ``page_evidence`` is :func:`evidence` over the whole document,
    ``table`` the sum of its pieces' :func:`page_table` and ``vocabulary`` its character
    counts (by default all three are those of ``text`` itself).
    """
    g = scan_groups(text, protected)
    if not any(g.readings):
        return StageResult(text)
    keys = list(zip(g.bases, g.readings))  # per group; (base, None) for the groups that are no candidate
    pairs = Counter(compress(keys, g.readings))
    if page_evidence is None:
        page_evidence = _evidence_of_pairs(pairs)
    strong, plain = page_evidence
    page = traits(table if table is not None else _table_of(pairs), text, vocabulary)
    # One decision per distinct (character, reading) pair, then looked up per group in C.
    accept, why = {}, {}
    for key in pairs:
        accept[key], why[key] = judge(key[1], key[0], strong, plain, page)
    removed = list(map(accept.get, keys, repeat(False)))
    groups = g.parts[1::2]
    edits = tuple(
        map(
            partial(tuple.__new__, Edit),  # skips NamedTuple's Python-level __new__: one edit per annotation
            zip(
                repeat(ANNOTATION),
                compress(g.starts, removed),
                compress(g.ends, removed),
                compress(groups, removed),
                repeat(""),
                map(why.__getitem__, compress(keys, removed)),
            ),
        )
    )
    flags = ()
    if len(edits) < sum(pairs.values()):  # some verified candidates are kept: each is flagged
        kept = [r is not None and not out for r, out in zip(g.readings, removed, strict=True)]
        flags = tuple(
            Flag("possible-annotation", s, e, group, f"kept: {why[key]}")
            for s, e, group, key in compress(zip(g.starts, g.ends, groups, keys), kept)
        )
    mask = [True] * len(g.parts)
    mask[1::2] = map(not_, removed)
    return StageResult("".join(compress(g.parts, mask)), edits, flags)
