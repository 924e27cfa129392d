"""Stage 1: bytes → text, without silent guesses; then Unicode NFC.

Order (see ``shared/notes/encodings.md`` for the measurements behind each step):

1. a byte-order mark decides (UTF-32, UTF-16, UTF-8);
2. without one, NUL bytes in the head ask :mod:`normalizer.wide`: text that reads
   cleanly as UTF-32 is UTF-32 (its structure leaves no doubt); text that reads
   cleanly as UTF-16 is UTF-16 in the byte order whose reading is plausible Chinese,
   else in the order its bytes show, else it goes on to step 4 (not step 3: UTF-16
   of ASCII is valid UTF-8, NULs and all);
3. strict UTF-8. ASCII with the marks of a 7-bit encoding is HZ-GB-2312 when its HZ
   reading is sure Chinese (a "~{" in prose is not), and refused by name when it
   carries ISO-2022 designations (Python has no ISO-2022-CN codec);
4. otherwise the legacy candidates GB18030, Big5 (Big5-HKSCS only when Big5 fails:
   it is not a lossless superset), UTF-16 without BOM when NUL bytes suggest it, and
   chardet's answer when it names one of these families. Each decodes the sample
   (undecodable bytes become U+FFFD, counted as bad); the one whose text has the
   highest share of common Chinese characters wins (chardet's answer wins near-ties).
   A candidate whose U+FFFD alone keeps it below the best is not counted, nor listed
   (:mod:`normalizer.decode_ranking`): GB18030 text read as Big5 or UTF-8.
   A strict decode succeeding proves nothing: GB18030 "decodes" most Big5 bytes into
   nonsense. Single-byte code pages are never accepted. A NUL character counts as
   an undecodable byte (UTF-16 read as GB18030 is ASCII with NULs). Encodings whose
   bytes GB18030 or Big5 also decode, into common but rarely frequent hanzi, are
   refused by name when the chosen reading is that infrequent and theirs is better
   (see :mod:`normalizer.lookalikes`): EUC-TW, Korean EUC-KR, Japanese EUC-JP.

   chardet (~2 ms a file, ~0.1 s to load) is asked only when its answer could change
   the outcome: the candidates are ranked without it, then for each answer it can
   give (every codec of :data:`_FAMILY`) the choice that answer would lead to is
   worked out, reading the candidate it would add unless that reading's share of
   U+FFFD already rules it out. When every answer leads to the same outcome (for
   valid UTF-8: whether a legacy reading overrides it, and which), chardet is not
   asked, and the candidate list lacks the candidate its answer could have added
   (which would not have won). A sample that Big5 decodes, holding none of the
   characters Big5-HKSCS reads otherwise (:data:`HKSCS_DIFFERS`), is named Big5: the
   same text under the narrower name, whatever chardet would say (it named every one
   of 1,097 such samples of news Big5), so chardet is not asked for its "big5hkscs".

A candidate is plausible when its common-character share reaches
:data:`SURE_PLAUSIBILITY`, or :data:`MIN_PLAUSIBILITY` with :data:`MIN_FREQUENCY` of
its characters among the most frequent news hanzi (French read as GB18030 gives
鏰閒閘: half "common", none frequent). Valid UTF-8 without any Chinese in it is
checked against the legacy candidates too: two GB bytes such as 展 (D5 B9) are also
valid UTF-8 (Armenian չ), and only a confident legacy reading overrides UTF-8.

When the best candidate is implausible or has
undecodable bytes while ``errors="strict"``, :class:`DecodeError` names the reason
and the first bad byte offset. With ``errors="replace"`` each undecodable byte
becomes U+FFFD and the replacement is recorded as an edit.

Readings are made and ranked by :mod:`normalizer.decode_ranking`; valid UTF-8 is judged in
Python only, so decoding it never imports numpy. A small file's chosen reading is its
text: it is not decoded again.
"""

from __future__ import annotations

import codecs
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from .decode_ranking import (
    HEADED,
    SAMPLE_BYTES,
    Reading,
    cannot_win,
    choose,
    decode_sample,
    frequency,
    head_cannot_win,
    plausibility,
    rank,
    read_as,
    read_candidates,
    sample_of,
)
from .edits import line_edits
from .lookalikes import euc_tw_as_big5, iso2022_marker, korean_or_japanese
from .model import BOM, DECODE_REPLACE, NFC, SURROGATE, DecodeError, DecodeResult, Edit, StageResult
from .wide import utf16_byte_order, wide_codec

MIN_PLAUSIBILITY = 0.5
MIN_FREQUENCY = 0.2
SURE_PLAUSIBILITY = 0.8
OVERRIDE_PLAUSIBILITY = 0.9  # a legacy reading must be this sure to override valid UTF-8
OVERRIDE_MAX_CHARS = 8  # and only a few characters long: longer valid UTF-8 is UTF-8
OVERRIDE_FREQUENCY = 0.3  # and made of frequent news hanzi
HZ_MIN_FREQUENT = 2  # frequent hanzi an HZ reading needs: "~{H}~}" in code reads as 三
LOOKALIKE_FREQUENCY = 0.5  # a GB/Big5 reading less frequent than this is compared with lookalikes
#: How much more frequent the EUC-TW reading must be, and at least 1.5/√n on n characters (shares
#: of few are rough): GB 一一一一乒乓乓乓乓乓匹匹 reads as EUC-TW 爰爰爰爰叱比比比比比卉卉, a bit more frequent.
LOOKALIKE_MARGIN = 0.2

#: Byte-order marks and the codec each one selects.
BOM_CODECS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: The marks alone, for ``bytes.startswith``.
BOMS = tuple(bom for bom, _ in BOM_CODECS)

# chardet names → the codec we decode with (GB2312/GBK widen safely to GB18030).
_FAMILY = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "big5": "big5",
    "cp950": "big5",
    "big5hkscs": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "utf-16le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "utf-16": "utf-16",
}
_HINTS = tuple(dict.fromkeys(_FAMILY.values()))  # every codec chardet's answer can name
#: What Python's Big5 decodes from the 249 codes (lead bytes C6, C7) that Big5-HKSCS reads
#: otherwise or not at all (kana, Cyrillic, circled numbers, 々); a few characters more, as
#: ranges. Text without any reads the same in both (a test holds it so).
HKSCS_DIFFERS = re.compile("[\u0401-\u0451\u2460-\u247d\u3005\u3041-\u30fe]")
_NATIVE_UTF16 = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"  # "utf-16" without a BOM

ESCAPE_BASE = 0xDC00
ERROR_HANDLER = "zhnorm-escape"  # undecodable bytes → U+DC00+byte, losslessly


def _escape_bytes(err: UnicodeDecodeError) -> tuple[str, int]:
    """Keep each undecodable byte as the lone surrogate U+DC00+byte (lossless)."""
    bad = err.object[err.start : err.end]
    return "".join(chr(ESCAPE_BASE + b) for b in bad), err.end


codecs.register_error(ERROR_HANDLER, _escape_bytes)


def raw_bytes(escaped: str) -> bytes:
    """The original bytes behind a run of escaped code points (a decode-replace edit's ``before``)."""
    return bytes(ord(c) - ESCAPE_BASE for c in escaped)


#: CJK punctuation, ideographs and fullwidth forms (U+3000–303F, U+3400–9FFF, U+FF00–FFEF) found by
#: their lead bytes: in valid UTF-8 the same search as for the characters (a test holds it so), but
#: a class of a few bytes compiles at once where the class of characters takes ~4 ms in every process.
CJK_UTF8 = re.compile(rb"\xe3[\x80\x90-\xbf]|[\xe4-\xe9]|\xef(?:[\xbc-\xbe]|\xbf[\x80-\xaf])")
_ESCAPES = re.compile("[\udc00-\udcff]+")


def count_bad(text: str) -> int:
    """Number of escaped (undecodable) bytes in decoded text."""
    return sum(m.end() - m.start() for m in _ESCAPES.finditer(text))


def _chardet_guess(sample: bytes) -> str | None:
    import chardet  # imported only on the rare legacy path

    # Limited to the families we accept, it answers None instead of a code page.
    guess = chardet.detect(
        sample, include_encodings=["utf-8", "utf-16", "gb18030", "big5", "big5hkscs"], no_match_encoding="utf-8"
    )
    name = (guess.get("encoding") or "").lower()
    return _FAMILY.get(name)


def _legacy_candidates(sample: bytes, hint: str | None, even: bool, big5_decodes: bool) -> list[str]:
    names = ["gb18030", "big5"]
    if not big5_decodes:
        names.append("big5hkscs")
    if b"\x00" in sample and even:
        names += ["utf-16-le", "utf-16-be"]
    names.append("utf-8")  # a UTF-8 file with a few bad bytes
    if hint and hint not in names:
        names.append(hint)
    return names


def _codec(reading: Reading) -> str:
    return reading.codec


def _hint_matters(
    sample: bytes,
    readings: list[Reading],
    best: Reading,
    vectorized: bool | None,
    outcome: Callable[[Reading], object] = _codec,
    beaten: Iterable[str] = (),
    hints: Sequence[str] = _HINTS,
) -> bool:
    """Whether any of the answers chardet can give (``hints``) would lead to another choice
    than ``best``, with another ``outcome`` (what the caller makes of the choice); ``beaten``:
    candidates known to lose to ``best`` (:func:`cannot_win`) and left unread."""

    def changes(chosen: Reading) -> bool:
        return chosen is not best and outcome(chosen) != outcome(best)

    read: dict[str, Reading | None] = {r.codec: r for r in readings}  # None: cannot win
    read.update(dict.fromkeys(beaten))
    for hint in hints:  # chardet's answer among the candidates: it can only win a near-tie
        if hint in read and hint != best.codec and changes(choose(readings, hint)):
            return True
    for hint in hints:  # an answer that adds a candidate
        if hint in read:
            continue
        if hint == "utf-16" and _NATIVE_UTF16 in read:  # no BOM here: "utf-16" reads in native order
            extra = read[_NATIVE_UTF16]
            extra = extra and extra._replace(codec=hint)
        else:
            if hint in HEADED and head_cannot_win(sample, hint, best, vectorized):
                extra = None
            else:
                text = decode_sample(sample, hint)
                extra = None if cannot_win(text, best) else read_as(sample, hint, vectorized, text)
        read[hint] = extra
        if extra and changes(choose([*readings, extra], hint)):
            return True
    return False


def _rank_legacy(
    data: bytes, vectorized: bool | None = None, outcome: Callable[[Reading], object] = _codec
) -> list[Reading]:
    """Legacy candidates read from the sample of ``data``, best first, without those that
    cannot win (:func:`read_candidates`). chardet is asked only when its answer could change
    the ``outcome`` of the choice."""
    sample = sample_of(data)
    big5 = decode_sample(sample, "big5")  # no Big5 character is U+FFFD: without one, Big5 decodes
    big5_decodes = "\ufffd" not in big5
    names = _legacy_candidates(sample, None, len(data) % 2 == 0, big5_decodes)
    readings, beaten = read_candidates(sample, names, vectorized, {"big5": big5})
    best = choose(readings, None)
    # Big5-HKSCS would read the same text: chardet's "big5hkscs" names it Big5, and cannot change the choice.
    plain_big5 = big5_decodes and not HKSCS_DIFFERS.search(big5)
    hints = tuple(h for h in _HINTS if h != "big5hkscs") if plain_big5 else _HINTS
    if _hint_matters(sample, readings, best, vectorized, outcome, beaten, hints):
        hint = _chardet_guess(sample)
        if plain_big5 and hint == "big5hkscs":
            hint = "big5"
        if hint and hint not in names:
            readings.append(read_as(sample, hint, vectorized))
        best = choose(readings, hint)
    return [best, *(r for r in sorted(readings, key=rank, reverse=True) if r is not best)]


def _byte_offset(data: bytes, codec: str) -> int | None:
    try:
        data.decode(codec)
    except UnicodeDecodeError as err:
        return err.start
    return None


def decode_bytes(data: bytes, *, errors: str = "strict") -> DecodeResult:
    """Decode ``data``; see the module docstring for the strategy.

    ``errors``: "strict" (default) raises :class:`DecodeError` on any undecodable
    byte; "replace" puts U+FFFD for each and records ``decode-replace`` edits.
    """
    if errors not in ("strict", "replace"):
        raise ValueError(f"errors must be 'strict' or 'replace', not {errors!r}")
    for bom, codec in BOM_CODECS:
        if data.startswith(bom):
            return _finish(data, codec, errors, 1.0, ())
    wide = wide_codec(data, SAMPLE_BYTES) if data.find(b"\x00", 0, SAMPLE_BYTES) >= 0 else None
    if wide in ("utf-32-le", "utf-32-be"):  # three zero-ish bytes in four: nothing else reads so
        return _finish(data, wide, errors, plausibility(data[:SAMPLE_BYTES].decode(wide, "replace")), ())
    if wide == "utf-16":
        utf16 = _utf16(data, errors)
        if utf16 is not None:
            return utf16
    elif wide is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return _valid_utf8(data, text, errors)

    scored = _rank_legacy(data)
    best = scored[0]
    _refuse_lookalikes(data, best)
    if not _plausible(data, best):
        raise DecodeError(
            f"no plausible Chinese encoding (best guess {best.codec}: {best.score:.0%} common characters)",
            offset=_byte_offset(data, best.codec),
            encoding=best.codec,
        )
    # Without bad bytes in the sample, the sample read with "replace" is read with the escaping handler too.
    text = best.text if best.bad == 0 and len(data) <= SAMPLE_BYTES else None
    return _finish(data, best.codec, errors, best.score, tuple(r.entry for r in scored), text)


def _valid_utf8(data: bytes, text: str, errors: str) -> DecodeResult:
    """``data`` that is valid UTF-8 (``text``): UTF-8 unless a 7-bit Chinese encoding
    or a sure legacy reading says otherwise."""
    if CJK_UTF8.search(data):  # Chinese in valid UTF-8: nothing to second-guess
        return DecodeResult(text, "utf-8", (), 1.0, ())
    if data.isascii() and seven_bit_marked(data):
        seven = _seven_bit(data, errors)
        if seven is not None:
            return seven
    # Valid UTF-8 is judged without numpy (the pre-commit hook on a clean file must not load it).
    score = plausibility(text[:SAMPLE_BYTES], vectorized=False)
    if score >= MIN_PLAUSIBILITY or len(text) - len(text.encode("ascii", "ignore")) > OVERRIDE_MAX_CHARS:
        return DecodeResult(text, "utf-8", (), score, ())
    # Only a reading that overrides UTF-8 matters (the other choices all give UTF-8).
    legacy = _rank_legacy(data, vectorized=False, outcome=lambda r: r.codec if _overrides(r) else None)
    best = legacy[0]
    if _overrides(best):  # bad == 0: the sample decodes strictly, to best.text
        try:
            whole = best.text if len(data) <= SAMPLE_BYTES else data.decode(best.codec)
        except UnicodeDecodeError:  # past the sample the legacy reading fails: the file is UTF-8
            return DecodeResult(text, "utf-8", (), score, ())
        return DecodeResult(whole, best.codec, (), best.score, tuple(r.entry for r in legacy))
    return DecodeResult(text, "utf-8", (), score, ())


def _utf16(data: bytes, errors: str) -> DecodeResult | None:
    """``data`` that reads cleanly as UTF-16, in the byte order whose reading is plausible
    Chinese, else in the one its bytes show (:func:`normalizer.wide.utf16_byte_order`);
    None when neither tells."""
    sample = sample_of(data)
    readings = [read_as(sample, codec, None) for codec in ("utf-16-le", "utf-16-be")]
    best = choose(readings, None)
    if not _plausible(data, best):
        order = utf16_byte_order(sample)
        if order is None:
            return None
        best = readings[0] if order == "utf-16-le" else readings[1]
    text = best.text if best.bad == 0 and len(data) <= SAMPLE_BYTES else None
    return _finish(data, best.codec, errors, best.score, tuple(r.entry for r in readings), text)


def seven_bit_marked(data: bytes) -> bool:
    """Whether ``data`` has the marks of a 7-bit Chinese encoding: HZ's ``~{`` or an
    ISO-2022 designation's ``ESC $``. Such lines are all ASCII, yet decide the codec."""
    # A one-byte search runs at memory speed, a two-byte one ~50 times slower: ask it only when needed.
    return (b"{" in data and b"~{" in data) or (b"\x1b" in data and b"\x1b$" in data)


def _seven_bit(data: bytes, errors: str) -> DecodeResult | None:
    """ASCII ``data`` in a 7-bit Chinese encoding: HZ-GB-2312 decoded, ISO-2022 refused
    by name (Python decodes no ISO-2022-CN); None for plain ASCII.

    HZ is taken only when its reading is sure Chinese (as sure as a legacy reading must
    be to override UTF-8, with at least :data:`HZ_MIN_FREQUENT` frequent hanzi): a
    literal "~{" in prose or code reads as nonsense or not at all.
    """
    marker = iso2022_marker(data)
    if marker:
        name, offset = marker
        raise DecodeError(
            f"looks like {name} (escape sequence at byte offset {offset}), which is not decoded here;"
            f" convert it to UTF-8 first, e.g. iconv -f {name} -t UTF-8",
            offset=offset,
            encoding=name.lower(),
        )
    if b"~{" not in data:
        return None
    sample = sample_of(data)
    hz = read_as(sample, "hz", False)
    frequent = hz.freq * (len(hz.text) - len(hz.text.encode("ascii", "ignore")))
    if hz.score < OVERRIDE_PLAUSIBILITY or hz.freq < OVERRIDE_FREQUENCY or frequent < HZ_MIN_FREQUENT:
        return None
    text = hz.text if hz.bad == 0 and len(data) <= SAMPLE_BYTES else None
    return _finish(data, "hz", errors, hz.score, (hz.entry,), text)


def _refuse_lookalikes(data: bytes, best: Reading) -> None:
    """:class:`DecodeError` naming EUC-TW, EUC-KR or EUC-JP when the bytes read better
    so than as ``best``. GB18030 decodes EUC-TW and Korean EUC-KR without error, Big5
    decodes Japanese EUC-JP, all into characters that are common often enough but
    rarely frequent: only then are the other readings worked out."""
    if best.freq >= LOOKALIKE_FREQUENCY:
        return
    sample = sample_of(data)
    as_big5 = euc_tw_as_big5(sample)
    if as_big5 is None:  # ASCII
        return
    tw = read_as(as_big5, "big5", None)
    hanzi = len(best.text) - len(best.text.encode("ascii", "ignore"))
    margin = max(LOOKALIKE_MARGIN, 1.5 / max(1, hanzi) ** 0.5)  # a short text's shares are rough
    frequent = tw.freq >= max(MIN_FREQUENCY, best.freq + margin)
    if tw.score >= MIN_PLAUSIBILITY and frequent and rank(tw) > rank(best):
        raise DecodeError(
            f"looks like EUC-TW (CNS 11643; {tw.score:.0%} common characters read so,"
            f" {best.score:.0%} as {best.codec}), which is not decoded here;"
            " convert it to UTF-8 first, e.g. iconv -f EUC-TW -t UTF-8",
            encoding="euc-tw",
        )
    foreign = korean_or_japanese(sample)
    if foreign:
        language = "Korean" if foreign == "EUC-KR" else "Japanese"
        raise DecodeError(
            f"looks like {language} text in {foreign}, not Chinese ({best.codec} reads it as"
            f" {best.score:.0%} common but {best.freq:.0%} frequent hanzi)",
            encoding=foreign.lower(),
        )


def _overrides(reading: Reading) -> bool:
    """Whether a legacy reading of valid UTF-8 is sure enough to be taken instead."""
    return reading.bad == 0 and reading.score >= OVERRIDE_PLAUSIBILITY and reading.freq >= OVERRIDE_FREQUENCY


def _plausible(data: bytes, best: Reading) -> bool:
    if best.score >= SURE_PLAUSIBILITY:
        return True
    if best.score < MIN_PLAUSIBILITY:
        return False
    freq = best.freq if best.bad == 0 else frequency(sample_of(data).decode(best.codec, ERROR_HANDLER))
    return freq >= MIN_FREQUENCY


def _finish(data: bytes, codec: str, errors: str, score: float, scored: tuple, text: str | None = None) -> DecodeResult:
    """``data`` decoded as ``codec`` (``text``: already decoded, without a replacement).

    Kernel: no codec chosen here decodes bytes into a lone surrogate, so text decoded
    strictly (or with "replace" and no U+FFFD) holds no escaped byte and is not searched
    for one; only a failed strict decode is decoded again with the escaping handler."""
    if text is not None:
        return DecodeResult(text, codec, (), score, scored)
    try:
        return DecodeResult(data.decode(codec), codec, (), score, scored)
    except UnicodeDecodeError:
        text = data.decode(codec, ERROR_HANDLER)
    offset = _byte_offset(data, codec)
    bad = count_bad(text)
    if errors == "strict":
        raise DecodeError(
            f"{bad} undecodable byte{'s' if bad != 1 else ''} as {codec}, first at byte offset {offset}",
            offset=offset,
            encoding=codec,
        )
    return DecodeResult(text, codec, tuple(replacement_edits(text)), score, scored)


def replacement_edits(text: str) -> list[Edit]:
    """A ``decode-replace`` edit (escaped bytes → U+FFFD each) per run of undecodable bytes."""
    return [
        Edit(
            DECODE_REPLACE,
            m.start(),
            m.end(),
            m.group(),
            "\ufffd" * len(m.group()),
            "undecodable bytes " + raw_bytes(m.group()).hex(" "),
        )
        for m in _ESCAPES.finditer(text)
    ]


def strip_leading_bom(text: str) -> StageResult:
    """A U+FEFF still at the start of decoded text (a doubled BOM) is dropped: written
    out as UTF-8 it would be read back as a BOM and vanish, so output would not be stable."""
    if not text.startswith("\ufeff"):
        return StageResult(text, same_length=True)
    n = len(text) - len(text.lstrip("\ufeff"))
    return StageResult(text[n:], (Edit(BOM, 0, n, text[:n], "", "byte-order mark inside the text"),))


def to_nfc(text: str) -> StageResult:
    """Unicode NFC (e.g. CJK compatibility ideographs → unified ones); every change is an edit."""
    if unicodedata.is_normalized("NFC", text):
        return StageResult(text)
    new = unicodedata.normalize("NFC", text)
    return StageResult(new, tuple(line_edits(NFC, text, new)))


_SURROGATES = re.compile("[\ud800-\udfff]")


def replace_surrogates(text: str) -> StageResult:
    """Lone surrogates (which no UTF-8 file can hold) in text input → U+FFFD, as edits."""
    if text.isascii() or not _SURROGATES.search(text):
        return StageResult(text)
    edits = tuple(
        Edit(SURROGATE, m.start(), m.end(), m.group(), "\ufffd", f"lone surrogate U+{ord(m.group()):04X}")
        for m in _SURROGATES.finditer(text)
    )
    return StageResult(_SURROGATES.sub("\ufffd", text), edits)
