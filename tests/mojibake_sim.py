"""A simulator of the mojibake runs that spam mirror pages carry, for tests and benchmarks.

It follows the mechanism measured on mirror pages (``shared/notes/pinyin-noise.md``):
the annotation tool works on raw GBK bytes, matches a byte pair that straddles two
characters (the trail byte of one and the lead byte of the next) and inserts that
pair's reading right after it, inside the second character. Decoding the result
reads the lead byte and ``(`` as an invalid pair, then the following bytes one off
until a single-byte character (or an invalid pair) realigns them.

Two decoder shapes are produced, as both are seen:

* ``"python"``: ``bytes.decode("gbk", "replace")`` keeps the ``(``: ``展�(jié)摿…``;
* ``"mirror"``: the mirrors' decoder swallows the byte after an invalid lead: ``展?jié)摿…``.

With ``fold=True`` the bytes also go through the mirrors' fullwidth-to-ASCII step, which
works on bytes and ignores character boundaries (``a3 XX`` → one ASCII byte): real
fullwidth punctuation becomes ASCII, and inside a run a pair that would read as a
fullwidth form shows as ASCII punctuation while the bytes stay one off.

The run (the span the detector must flag) is what differs between the decoded
noisy line and the line without the insertion, after their common prefix and suffix.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache

SHAPES = ("python", "mirror")


@dataclass(frozen=True)
class Simulated:
    text: str  # the decoded noisy text
    run: tuple[int, int]  # offsets of the mojibake run in ``text``
    source: str  # the line before the insertion


@cache
def _reading(char: str) -> str | None:
    """The default tone-marked reading of ``char`` (pypinyin's first), or None."""
    from pypinyin import Style, pinyin

    got = pinyin(char, style=Style.TONE, heteronym=False, errors=lambda _: [None])[0][0]
    return got if got and got.isalpha() else None


def straddling_spots(line: str) -> list[tuple[int, str, str]]:
    """(byte offset after the straddling pair, pair character, its reading) for every
    pair of adjacent two-byte characters whose straddling bytes are a GBK character
    with a reading."""
    spots = []
    pos = 0
    previous: bytes | None = None
    for char in line:
        try:
            encoded = char.encode("gbk")
        except UnicodeEncodeError:
            encoded = b""
        if previous is not None and len(previous) == 2 and len(encoded) == 2:
            pair = previous[1:] + encoded[:1]
            try:
                middle = pair.decode("gbk")
            except UnicodeDecodeError:
                middle = ""
            reading = _reading(middle) if middle and "\u4e00" <= middle <= "\u9fff" else None
            if reading:
                spots.append((pos + 1, middle, reading))
        pos += len(encoded) if encoded else 0
        previous = encoded or None
    return spots


def mirror_decode(data: bytes) -> str:
    """Decode GBK as the mirror pages' decoder did: an invalid pair becomes one ``?``
    and both its bytes are consumed (a line break is never swallowed)."""
    out = []
    i = 0
    while i < len(data):
        b = data[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
            continue
        pair = data[i : i + 2]
        try:
            out.append(pair.decode("gbk"))
            i += 2
        except UnicodeDecodeError:
            out.append("?")
            i += 2 if len(pair) == 2 and pair[1] not in b"\r\n" else 1
    return "".join(out)


def decode(data: bytes, shape: str) -> str:
    return data.decode("gbk", "replace") if shape == "python" else mirror_decode(data)


_FULLWIDTH = re.compile(b"\xa3([\xa1-\xfe])")


def fold_fullwidth(data: bytes) -> bytes:
    """The mirrors' byte-level fullwidth-to-ASCII step: ``a3 XX`` wherever it occurs → ``XX - 0x80``."""
    return _FULLWIDTH.sub(lambda m: bytes((m.group(1)[0] - 0x80,)), data)


def insert_misaligned(line: str, spot: int, reading: str, shape: str, fold: bool = False) -> Simulated | None:
    """``line`` with ``(reading)`` inserted at byte offset ``spot`` of its GBK bytes, decoded
    in ``shape`` (after the fullwidth fold with ``fold``); None when the insertion leaves no
    visible run, or when the fold alone already leaves marks in the line."""
    data = line.encode("gbk")
    noisy_bytes = data[:spot] + f"({reading})".encode("gbk") + data[spot:]
    if fold:
        noisy_bytes, data = fold_fullwidth(noisy_bytes), fold_fullwidth(data)
    noisy = decode(noisy_bytes, shape)
    clean = decode(data, shape)
    if fold and ("?" in clean or "\ufffd" in clean):
        return None  # the fold alone already broke the line: its runs would blur this one
    prefix = 0
    limit = min(len(noisy), len(clean))
    while prefix < limit and noisy[prefix] == clean[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and noisy[-1 - suffix] == clean[-1 - suffix]:
        suffix += 1
    end = len(noisy) - suffix
    if end <= prefix:
        return None
    return Simulated(noisy, (prefix, end), line)


def simulate(line: str, seed: int, shape: str | None = None, fold: bool = False) -> Simulated | None:
    """One misaligned insertion at a straddling pair chosen by ``seed`` (None if ``line``
    has no such pair or cannot be written in GBK)."""
    try:
        line.encode("gbk")
    except UnicodeEncodeError:
        return None
    rng = random.Random(seed)
    spots = straddling_spots(line)
    if not spots:
        return None
    spot, _, reading = rng.choice(spots)
    return insert_misaligned(line, spot, reading, shape or rng.choice(SHAPES), fold)
