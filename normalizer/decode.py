"""Stage 1: bytes → text, without silent guesses; then Unicode NFC.

Order (see ``shared/notes/encodings.md`` for the measurements behind each step):

1. a byte-order mark decides (UTF-32, UTF-16, UTF-8);
2. strict UTF-8;
3. otherwise the legacy candidates GB18030, Big5 (Big5-HKSCS only when Big5 fails:
   it is not a lossless superset), UTF-16 without BOM when NUL bytes suggest it, and
   chardet's answer when it names one of these families. Each decodes the sample
   with undecodable bytes escaped; the one whose text has the highest share of
   common Chinese characters wins (chardet's answer wins near-ties). A strict decode
   succeeding proves nothing: GB18030 "decodes" most Big5 bytes into nonsense.
   Single-byte code pages are never accepted.

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
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from .charsets import common_chars, frequent_chars
from .edits import line_edits
from .model import BOM, DECODE_REPLACE, NFC, SURROGATE, DecodeError, DecodeResult, Edit, StageResult

MIN_PLAUSIBILITY = 0.5
MIN_FREQUENCY = 0.2
SURE_PLAUSIBILITY = 0.8
OVERRIDE_PLAUSIBILITY = 0.9  # a legacy reading must be this sure to override valid UTF-8
OVERRIDE_MAX_CHARS = 8  # and only a few characters long: longer valid UTF-8 is UTF-8
NEAR_TIE = 0.02
SAMPLE_BYTES = 1 << 14

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

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


_CJK = re.compile("[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_ESCAPES = re.compile("[\udc00-\udcff]+")


def plausibility(text: str) -> float:
    """Share of common Chinese characters among the non-ASCII characters of ``text``.

    Escaped (undecodable) bytes count as implausible characters. Pure ASCII is 1.0.
    """
    if text.isascii():
        return 1.0
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if non_ascii == 0:
        return 1.0
    common = common_chars()
    hits = sum(map(common.__contains__, text))
    return hits / non_ascii


def frequency(text: str) -> float:
    """Share of the 800 most frequent news hanzi (either script) among non-ASCII characters.

    Breaks ties between candidates that both decode into common characters (short
    texts: Big5 謝謝 is also valid GB18030, as 谅谅 in the frequent block's twin).
    """
    if text.isascii():
        return 0.0
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return sum(map(frequent_chars().__contains__, text)) / non_ascii


def _sample(data: bytes) -> bytes:
    """Head of the data cut after a newline, so no character is split."""
    if len(data) <= SAMPLE_BYTES:
        return data
    if b"\x00" in data[:SAMPLE_BYTES]:  # maybe UTF-16: keep whole code units
        return data[:SAMPLE_BYTES]
    cut = data.rfind(b"\n", 0, SAMPLE_BYTES)
    return data[: cut + 1] if cut > SAMPLE_BYTES // 2 else data[:SAMPLE_BYTES]


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


def _legacy_candidates(sample: bytes, hint: str | None, even: bool) -> list[str]:
    names = ["gb18030", "big5"]
    try:
        sample.decode("big5")
    except UnicodeDecodeError:
        names.append("big5hkscs")
    if b"\x00" in sample and even:
        names += ["utf-16-le", "utf-16-be"]
    names.append("utf-8")  # a UTF-8 file with a few bad bytes
    if hint and hint not in names:
        names.append(hint)
    return names


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
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _finish(data, codec, errors, 1.0, ())
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if _CJK.search(text):  # Chinese in valid UTF-8: nothing to second-guess
            return DecodeResult(text, "utf-8", (), 1.0, ())
        score = plausibility(text[:SAMPLE_BYTES])
        if score >= MIN_PLAUSIBILITY:
            return DecodeResult(text, "utf-8", (), score, ())
        if len(text) - len(text.encode("ascii", "ignore")) > OVERRIDE_MAX_CHARS:
            return DecodeResult(text, "utf-8", (), score, ())
        legacy = _rank_legacy(data)
        codec, legacy_score, bad = legacy[0]
        if bad == 0 and legacy_score >= OVERRIDE_PLAUSIBILITY and frequency(_sample(data).decode(codec)) >= 0.3:
            return DecodeResult(data.decode(codec), codec, (), legacy_score, tuple(legacy))
        return DecodeResult(text, "utf-8", (), score, ())

    scored = _rank_legacy(data)
    codec, score, _ = scored[0]
    if not _plausible(data, codec, score):
        raise DecodeError(
            f"no plausible Chinese encoding (best guess {codec}: {score:.0%} common characters)",
            offset=_byte_offset(data, codec),
            encoding=codec,
        )
    return _finish(data, codec, errors, score, tuple(scored))


def _plausible(data: bytes, codec: str, score: float) -> bool:
    if score >= SURE_PLAUSIBILITY:
        return True
    return score >= MIN_PLAUSIBILITY and frequency(_sample(data).decode(codec, ERROR_HANDLER)) >= MIN_FREQUENCY


def _rank_legacy(data: bytes) -> list[tuple[str, float, int]]:
    """Legacy candidates as (codec, plausibility, bad bytes), best first."""
    sample = _sample(data)
    hint = _chardet_guess(sample)
    scored: list[tuple[str, float, int]] = []
    rank: dict[str, tuple[float, float, int]] = {}
    for codec in _legacy_candidates(sample, hint, len(data) % 2 == 0):
        # "replace" runs in C; the escaping handler would call Python per bad byte,
        # and a wrong candidate has thousands.
        text = sample.decode(codec, "replace")
        bad = text.count("\ufffd")
        scored.append((codec, plausibility(text), bad))
        rank[codec] = (round(scored[-1][1], 2), frequency(text), -bad)
    best = max(scored, key=lambda c: rank[c[0]])
    if hint:
        for codec, score, bad in scored:
            if codec == hint and score >= best[1] - NEAR_TIE and bad <= best[2] and rank[codec][1] >= rank[best[0]][1]:
                best = (codec, score, bad)
    return [best, *(c for c in sorted(scored, key=lambda c: rank[c[0]], reverse=True) if c != best)]


def _finish(data: bytes, codec: str, errors: str, score: float, scored: tuple) -> DecodeResult:
    text = data.decode(codec, ERROR_HANDLER)
    if text.isascii() or not _ESCAPES.search(text):
        return DecodeResult(text, codec, (), score, scored)
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
