"""Reading a sample of bytes as each candidate codec, and ranking the readings: the kernel of
:func:`normalizer.decode.decode_bytes`'s step 4 (legacy candidates; see that module for the strategy).

A reading's plausibility is its share of common Chinese characters among non-ASCII ones, its
frequency the share of the most frequent news hanzi; readings rank by plausibility (to two
places), then frequency, then fewest undecodable bytes. Shares are counted with a numpy lookup
table (:func:`normalizer.charsets.decode_score_table`) for texts with many non-ASCII characters,
with Python set lookups for the rest (same counts).

Counting is the dear part, so a reading that surely loses is not counted: U+FFFD is never
common, so a text's share of it bounds its plausibility from above (:func:`ceiling`), and a
reading under the best one's rank, and not near enough to win a near-tie, cannot be chosen
(:func:`loses`). GB18030 text read as Big5 or as UTF-8 is such a reading.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .charsets import COMMON, FREQUENT, common_chars, decode_score_table, frequent_chars
from .codepoints import as_array, np_module

NEAR_TIE = 0.02
SAMPLE_BYTES = 1 << 14
VECTORIZE_MIN = 256  # non-ASCII characters from which numpy counts them (Python below)

_ASCII_RUNS = re.compile("[\x00-\x7f]+")


def counts(text: str, vectorized: bool | None = None) -> tuple[int, int, int]:
    """(non-ASCII, common, frequent) characters of ``text``.

    ``vectorized``: count with the numpy table (True), with Python set lookups over
    the non-ASCII characters (False), or numpy from :data:`VECTORIZE_MIN` non-ASCII
    characters on (None). The counts are the same either way.
    """
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    if not non_ascii:
        return 0, 0, 0
    if vectorized is None:
        vectorized = non_ascii >= VECTORIZE_MIN
    if vectorized:
        np = np_module()
        bits = decode_score_table().take(as_array(text))
        # count_nonzero of each bit: bincount would first widen the uint8 marks to intp.
        return non_ascii, int(np.count_nonzero(bits & COMMON)), int(np.count_nonzero(bits & FREQUENT))
    chars = _ASCII_RUNS.sub("", text) if non_ascii < len(text) else text
    return non_ascii, sum(map(common_chars().__contains__, chars)), sum(map(frequent_chars().__contains__, chars))


def plausibility(text: str, vectorized: bool | None = None) -> float:
    """Share of common Chinese characters among the non-ASCII characters of ``text``.

    Escaped (undecodable) bytes count as implausible characters. Pure ASCII is 1.0.
    ``vectorized`` as for :func:`counts`.
    """
    if text.isascii():
        return 1.0
    non_ascii, common, _ = counts(text, vectorized)
    return common / non_ascii if non_ascii else 1.0


def frequency(text: str, vectorized: bool | None = None) -> float:
    """Share of the 800 most frequent news hanzi (either script) among non-ASCII characters.

    Breaks ties between candidates that both decode into common characters (short
    texts: Big5 謝謝 is also valid GB18030, as 谅谅 in the frequent block's twin).
    """
    if text.isascii():
        return 0.0
    non_ascii, _, frequent = counts(text, vectorized)
    return frequent / non_ascii


def sample_of(data: bytes) -> bytes:
    """Head of the data cut after a newline, so no character is split."""
    if len(data) <= SAMPLE_BYTES:
        return data
    if b"\x00" in data[:SAMPLE_BYTES]:  # maybe UTF-16: keep whole code units
        return data[:SAMPLE_BYTES]
    cut = data.rfind(b"\n", 0, SAMPLE_BYTES)
    return data[: cut + 1] if cut > SAMPLE_BYTES // 2 else data[:SAMPLE_BYTES]


class Reading(NamedTuple):
    """The sample read as one candidate codec."""

    codec: str
    text: str  # the sample decoded with "replace"
    score: float  # plausibility
    freq: float  # frequency
    bad: int  # U+FFFD in ``text``

    @property
    def entry(self) -> tuple[str, float, int]:
        """As listed in :attr:`DecodeResult.candidates`."""
        return self.codec, self.score, self.bad


def rank(reading: Reading) -> tuple[float, float, int]:
    return round(reading.score, 2), reading.freq, -reading.bad


def decode_sample(sample: bytes, codec: str) -> str:
    # "replace" runs in C; the escaping handler would call Python per bad byte,
    # and a wrong candidate has thousands.
    return sample.decode(codec, "replace")


def read_as(sample: bytes, codec: str, vectorized: bool | None, text: str | None = None) -> Reading:
    """``sample`` read as ``codec`` (``text``: that reading, when already decoded)."""
    if text is None:
        text = decode_sample(sample, codec)
    if text.isascii():
        return Reading(codec, text, 1.0, 0.0, text.count("\x00"))
    non_ascii, common, frequent = counts(text, vectorized)
    # A NUL character counts as bad: text has none, UTF-16 read as GB18030 has many.
    return Reading(codec, text, common / non_ascii, frequent / non_ascii, text.count("\ufffd") + text.count("\x00"))


def choose(readings: list[Reading], hint: str | None) -> Reading:
    """The highest-ranked reading, or chardet's ``hint`` when it is nearly as good."""
    best = max(readings, key=rank)
    if hint:
        for r in readings:
            if r.codec == hint and r.score >= best.score - NEAR_TIE and r.bad <= best.bad and r.freq >= best.freq:
                best = r
    return best


def ceiling(text: str) -> tuple[float, int]:
    """(the highest plausibility a reading with ``text`` can have, its U+FFFD): U+FFFD is never
    common, so its share bounds the plausibility from above."""
    if text.isascii():
        return 1.0, 0
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    bad = text.count("\ufffd")
    return (non_ascii - bad) / non_ascii, bad


def loses(top: tuple[float, int], best: Reading) -> bool:
    """Whether a reading under ``top`` (its :func:`ceiling`) surely leaves ``best`` chosen, even
    as chardet's answer: below it in rank (round is monotonic), and not a near-tie."""
    most, bad = top
    return round(most, 2) < round(best.score, 2) and (most < best.score - NEAR_TIE or bad > best.bad)


def cannot_win(text: str, best: Reading) -> bool:
    """Whether a reading with ``text``, added as chardet's answer, surely leaves ``best`` chosen."""
    return loses(ceiling(text), best)


WIDE = ("utf-16-le", "utf-16-be")
HEAD_BYTES = 2048  # what :func:`head_ceiling` decodes of a sample
HIGH_BYTES = bytes(range(0x80, 0x100))
HEADED = ("utf-8", *WIDE)  # the codecs whose readings :func:`head_ceiling` bounds


def head_ceiling(
    sample: bytes, codec: str, vectorized: bool | None = None, best: Reading | None = None
) -> tuple[float, int] | None:
    """A :func:`ceiling` of ``sample`` read as UTF-16 or UTF-8 (``codec``) from its head alone
    (None: the sample is no longer than the head, or the head is ASCII).

    Kernel: legacy bytes read so are nearly all uncommon characters (Hangul, Yi, private use)
    or U+FFFD. The head's reading is the start of the whole reading (but for its last
    character, which a cut may have split), and the whole has at most one character per two
    bytes (UTF-16) or one non-ASCII character per non-ASCII byte (UTF-8: an ASCII byte is
    always a character of its own), so the head's uncommon characters bound the whole
    reading's share of common ones from above, and its U+FFFD the whole's from below.
    The head's U+FFFD alone (never common) give a looser bound without counting: when
    that one already :func:`loses` to ``best``, it is returned. ``vectorized`` as for
    :func:`counts`."""
    if len(sample) <= HEAD_BYTES:
        return None
    head = sample[:HEAD_BYTES].decode(codec, "replace")[:-1]
    chars = (len(sample) + 1) // 2 if codec in WIDE else len(sample) - len(sample.translate(None, HIGH_BYTES))
    bad = head.count("\ufffd")
    if best is not None and bad and loses(rough := (1 - bad / chars, bad), best):
        return rough  # legacy bytes read as UTF-8, or as UTF-16 (lone surrogates): much U+FFFD
    non_ascii, common, _ = counts(head, vectorized)
    if not non_ascii:
        return None
    return 1 - (non_ascii - common) / chars, bad


def head_cannot_win(sample: bytes, codec: str, best: Reading, vectorized: bool | None = None) -> bool:
    """:func:`cannot_win` for ``sample`` read as UTF-16 or UTF-8 (``codec``), decided from its
    head alone when that suffices (False: read it all); see :func:`head_ceiling`."""
    top = head_ceiling(sample, codec, vectorized, best)
    return top is not None and loses(top, best)


def read_candidates(
    sample: bytes, names: list[str], vectorized: bool | None, texts: dict[str, str]
) -> tuple[list[Reading], list[str]]:
    """The readings of ``sample`` as ``names`` (in that order; ``texts``: readings already
    decoded), but for the codecs returned apart: those whose :func:`ceiling` keeps them below
    the best reading, decoded but not counted (UTF-8 and UTF-16 are first judged by the head of
    the sample: UTF-8's decoding of legacy bytes is the dearest). GB18030 text read as Big5 or
    UTF-8 is such a reading."""
    texts = dict(texts)
    heads: dict[str, tuple[float, int] | None] = {}
    ceilings: dict[str, tuple[float, int]] = {}

    def beaten(codec: str, best: Reading) -> bool:
        if codec in HEADED:
            if codec not in heads:  # a bound, loose or not: sound against any later best
                heads[codec] = head_ceiling(sample, codec, vectorized, best)
            head = heads[codec]
            if head is not None and loses(head, best):
                return True
        if codec not in ceilings:
            texts[codec] = texts.get(codec) or decode_sample(sample, codec)
            ceilings[codec] = ceiling(texts[codec])
        return loses(ceilings[codec], best)

    read: dict[str, Reading] = {}
    left = list(names)
    while left:  # again while the best changes after some codec was left out: each must lose to the last best
        for codec in left:
            if not read or not beaten(codec, choose([read[c] for c in names if c in read], None)):
                read[codec] = read_as(sample, codec, vectorized, texts.get(codec))
        readings = [read[codec] for codec in names if codec in read]
        best = choose(readings, None)
        left = [codec for codec in names if codec not in read and not beaten(codec, best)]
    return readings, [codec for codec in names if codec not in read]
