"""Stage 5 (detection only): runs of mojibake from byte-misaligned GBK processing.

Mirror pages insert ``(pinyin)`` into raw GBK bytes, sometimes after a byte pair that
straddles two characters (``shared/notes/pinyin-noise.md``). The decoder then reads
the orphaned lead byte and ``(`` as an invalid pair (``?`` or U+FFFD), perhaps the
pinyin fragment and ``)``, and the following bytes one off: every character is the
trail byte of one real character and the lead byte of the next (``?jié)摿薮…``),
until a single-byte character realigns them. So a run starts at a mark and ends at
one of the places where the bytes can realign: an ASCII character in the range a
trail byte can take (``@``–``~``), or another mark (an invalid pair; Python's decoder
resumes one byte later, in step, the mirrors' two bytes later, still one off).

Where the run ends is read from the bytes: each stretch of two-byte characters after
the mark is re-encoded as GBK and decoded again shifted by one byte. While the
shifted reading is ordinary text (frequent news characters, or the document's own
vocabulary) and the unshifted one is not, the stretch is part of the run; the run
ends where that stops. A stretch that ends at a mark and is followed, after the mark,
by text that also reads better shifted continues the run. A run with no mark at its
start (a byte lost) is found from the mark it ends at, the same way, backwards.

Runs are reported as flags and protected: no later stage converts or strips inside
them, since their bytes, not their characters, carry the meaning. Ordinary text
before or after a ``?`` (``乜嘢啊?``, ``你哋去邊度食嘢啊?``) never reads better shifted,
however rare its characters, so it is not flagged.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from .charsets import common_chars, frequent_chars
from .model import Flag

_MARK = re.compile("[?\ufffd]")
MARKS = "?\ufffd"
#: A pinyin fragment right after the mark: ``(jié)`` (Python's decoder) or ``jié)`` (the
#: mirrors' decoder swallowed the ``(``): the insertion that broke the bytes.
_FRAGMENT = re.compile("[(（]?[a-zA-Z\u00c0-\u024f\u0300-\u036f]{1,7}[0-5]?[)）]|[!-/:-@\\[-`{-~]")
_SYLLABLE_AHEAD = re.compile("[a-zA-Z\u00c0-\u024f\u0300-\u036f]{1,7}[0-5]?[)）]")
_PINYIN_FRAGMENT = re.compile("[(（]?[a-z\u00c0-\u024f\u0300-\u036f]{1,7}[0-5]?[)）]")
#: A stretch of non-ASCII characters other than marks and spaces (candidates for two-byte GBK).
_STRETCH = re.compile("[^\x00-\x7f\ufffd]+")
#: ASCII bytes a GBK trail byte can take: one of them inside a run realigns the bytes.
_TRAIL_ASCII = frozenset(map(chr, range(0x40, 0x7F)))
MAX_STRETCH = 400  # characters re-read per stretch (a run ends at the line's first ASCII anyway)
MIN_GAIN = 2  # how much better the shifted reading must score after a mark and ASCII punctuation (``?!``)
MIN_GAIN_BARE = 4  # the same right after a bare mark (``?沙滩松软?`` reads 程菜扇 shifted: 2 better)
QUICK = 12  # characters a stretch is judged on first: ordinary text after a "?" is left at once
MIN_GAIN_BACKWARD = 4
#: Without a mark where it starts, the shifted reading must also be ordinary text on its
#: own, not just better than a run of rare characters (Cantonese ``佢咁嬲嘅``): at least
#: this score per character (1: all common; frequent news characters score 2).
MIN_SHIFTED_SCORE = 1.2
MIN_RUN = 3  # characters of a run without a pinyin fragment at its start


class _Scorer:
    """Scores characters as ordinary text: 2 for a frequent news character or a fullwidth
    digit or letter (mainland news writes numbers so), 1 for a common one or one the
    document uses elsewhere, -1 for anything else."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.frequent = frequent_chars()
        self.common = common_chars()
        self.counts = counts

    def __call__(self, c: str) -> int:
        if c in self.frequent or "\uff10" <= c <= "\uff5a":
            return 2
        if c in self.common or self.counts.get(c, 0) >= 2:
            return 1
        return -1


def _gbk_stretch(text: str, start: int, end: int) -> tuple[int, bytes]:
    """End of the two-byte GBK characters from ``start`` (at most ``end``) and their bytes."""
    m = _STRETCH.match(text, start, min(end, start + MAX_STRETCH))
    stop = m.end() if m else start
    while True:
        try:
            return stop, text[start:stop].encode("gbk")
        except UnicodeEncodeError as err:
            stop = start + err.start
        except UnicodeError:  # pragma: no cover - defensive
            return start, b""


def _shifted(data: bytes) -> list[str]:
    """The characters ``data`` holds when read one byte later: pair ``k`` is bytes 2k+1, 2k+2."""
    return [data[i : i + 2].decode("gbk", "replace") for i in range(1, len(data) - 1, 2)]


def _gains(unshifted: str, data: bytes, score: _Scorer) -> tuple[list[int], list[int]]:
    """Per character of ``unshifted``: how much better the shifted character ending one byte
    after it scores (the unshifted text is the run's, the shifted one the real text's), and
    the shifted character's own score (0 where there is none)."""
    shifted = [score(c) for c in _shifted(data)[: len(unshifted)]]
    shifted += [0] * (len(unshifted) - len(shifted))
    return [s - score(c) for s, c in zip(shifted, unshifted, strict=True)], shifted


def _changepoint(gains: list[int], closed: bool) -> int:
    """How many characters of a stretch are one off. A stretch closed by a mark or a trail
    byte is wholly one off or not at all; in one that is not, part must be in step, and
    the run ends after the prefix with the largest gain."""
    if closed:
        return len(gains)
    best, best_at, running = 0, 0, 0
    for k, g in enumerate(gains, 1):
        running += g
        if running > best:
            best, best_at = running, k
    return best_at


def _still_one_off(gain: int, unshifted: int, n: int, in_step_after_mark: bool) -> bool:
    """Whether a stretch closed by a mark or trail byte, after a mark inside a run, is
    still one off: after Python's U+FFFD only if it reads better shifted or is not
    ordinary text; after the mirrors' ``?`` unless it clearly reads as ordinary text
    (an ASCII character swallowed with the pair puts the bytes back in step)."""
    if in_step_after_mark:
        return gain > 0 or unshifted <= n / 2
    return gain > -MIN_GAIN or unshifted < 1.5 * n


def _ordinary(shifted: list[int]) -> bool:
    return bool(shifted) and sum(shifted) >= MIN_SHIFTED_SCORE * len(shifted)


def _reads_in_step(text: str, pos: int, end: int, score: _Scorer) -> bool:
    """Whether the first :data:`QUICK` characters at ``pos`` read no better shifted: then they
    are ordinary text, and the rest of the stretch need not be re-read."""
    stop, data = _gbk_stretch(text, pos, min(end, pos + QUICK))
    return stop - pos >= MIN_RUN and sum(_gains(text[pos:stop], data, score)[0][:-1]) <= 0


def _forward(text: str, q: int, line_end: int, score: _Scorer) -> tuple[int, str] | None:
    """The end of a run that starts at the mark at ``q``, and why, or None."""
    pos = q + 1
    fragment = _FRAGMENT.match(text, pos, line_end)
    pinyin = bool(fragment and _PINYIN_FRAGMENT.fullmatch(fragment.group()))
    if fragment:
        pos = fragment.end()
    # The mirrors' decoder (``?``) swallows both bytes of an invalid pair and stays one
    # off; Python's (U+FFFD) drops one byte and is back in step.
    in_step_after_mark = text[q] != "?"
    end = None
    total = 0
    reads = ""
    first = True
    while pos < line_end:
        if text[pos] in MARKS:  # an invalid pair inside the run
            if first and not pinyin:
                break
            end = pos = pos + 1
            first = False
            continue
        if first and not pinyin and _reads_in_step(text, pos, line_end, score):
            break
        stop, data = _gbk_stretch(text, pos, line_end)
        realign = stop < line_end and text[stop] in _TRAIL_ASCII
        if stop == pos:
            # A trail byte right after the mark reads as one ASCII character before the
            # text in step (``?@“四個``); after a mark inside the run, letters going on are
            # text (``?huì)``: a real annotation whose "(" the mirrors' decoder swallowed
            # with the pending byte).
            syllable = _SYLLABLE_AHEAD.match(text, stop, line_end) is not None
            if realign and (pinyin if first else not in_step_after_mark and not syllable):
                end = stop + 1
            break
        if realign:
            data += text[stop].encode("ascii")
        gains, shifted = _gains(text[pos:stop], data, score)
        # One off, the bytes cannot meet an ASCII character other than a trail byte's
        # without an invalid pair (a mark) first: text followed by one is in step, so the
        # run ends inside it, where the shifted reading stops being the better one.
        closed = realign or (stop < line_end and text[stop] in MARKS)
        if closed and not realign:  # the last character's partner byte is in the mark
            gains[-1], shifted = 0, shifted[:-1]
        cut = _changepoint(gains, closed or not first)
        inner = cut < len(gains)
        if inner:
            gains, shifted, stop, realign, closed = gains[:cut], shifted[:cut], pos + cut, False, True
        gain = sum(gains)
        if first:
            needed = MIN_GAIN if fragment else MIN_GAIN_BARE
            garbage = gain >= -2 if pinyin else cut >= MIN_RUN and gain >= needed and _ordinary(shifted)
        else:
            garbage = closed and _still_one_off(gain, sum(map(score, text[pos:stop])), stop - pos, in_step_after_mark)
        if not garbage:
            break
        total += gain
        if not reads:
            reads = "".join(_shifted(data)[:cut])
        end = stop + 1 if realign else stop
        first = False
        if realign or inner:
            break
        pos = end
    if end is None:
        if not (pinyin and fragment):
            return None
        end = fragment.end()
    if reads:
        return end, f"shifted one byte it reads {reads[:12]!r}"
    return end, f"pinyin {text[q:end][:8]!r} inserted into the bytes"


def _backward(text: str, q: int, line_start: int, score: _Scorer) -> tuple[int, str] | None:
    """The start of a run that ends at the mark at ``q`` (no mark where it starts), or None."""
    start = q
    while start > line_start and text[start - 1] not in MARKS and not text[start - 1].isascii():
        start -= 1
        if q - start >= MAX_STRETCH:
            break
        if q - start == QUICK and _reads_in_step(text, start, q, score):
            return None  # the characters before the mark are ordinary text
    if q - start < MIN_RUN:
        return None
    stop, data = _gbk_stretch(text, start, q)
    if stop != q:  # a character GBK cannot write: the run is after it
        return _backward(text, q, stop + 1, score) if stop + 1 < q else None
    gains, shifted = _gains(text[start:q], data, score)
    gains[-1] = 0  # the last character's partner byte is in the mark
    # The run is the suffix whose gain is largest.
    best, best_at, running = 0, q, 0
    for k in range(len(gains) - 1, -1, -1):
        running += gains[k]
        if running > best:
            best, best_at = running, start + k
    if best < MIN_GAIN_BACKWARD or q - best_at < MIN_RUN or not _ordinary(shifted[best_at - start : -1]):
        return None
    return best_at, f"shifted one byte it reads {''.join(_shifted(data)[best_at - start : -1])[:12]!r}"


def find_mojibake(text: str, vocabulary: Mapping[str, int] | None = None) -> tuple[Flag, ...]:
    """Mojibake runs as ``Flag(kind="mojibake")`` with offsets into ``text``.

    ``vocabulary`` (character counts of the whole document) stands in for
    ``Counter(text)`` when ``text`` is one piece of a larger document.
    """
    if "?" not in text and "\ufffd" not in text:
        return ()
    score: _Scorer | None = None
    flags: list[Flag] = []
    covered = 0
    for m in _MARK.finditer(text):
        q = m.start()
        if q < covered:
            continue
        line_start = text.rfind("\n", 0, q) + 1
        line_end = text.find("\n", q)
        line_end = len(text) if line_end < 0 else line_end
        after = text[q + 1 : q + 2]
        before = text[q - 1 : q] if q > line_start else ""
        if not (after and not after.isspace()) and not (before and not before.isascii()):
            continue  # nothing a run could be made of on either side
        if score is None:
            score = _Scorer(vocabulary if vocabulary is not None else Counter(text))
        found = _forward(text, q, line_end, score)
        if found:
            end, why = found
            start = q
        else:
            back = _backward(text, q, max(line_start, covered), score)
            if not back:
                continue
            start, why = back
            end = q + 1
        flags.append(Flag("mojibake", start, end, text[start:end], f"misaligned GBK bytes ({why}); left as is"))
        covered = end
    return tuple(_merge(flags))


def _merge(flags: list[Flag]) -> list[Flag]:
    out: list[Flag] = []
    for f in sorted(flags, key=lambda f: f.start):
        if out and f.start <= out[-1].end:
            last = out.pop()
            end = max(last.end, f.end)
            f = Flag("mojibake", last.start, end, last.text + f.text[last.end - f.start :], last.reason)
        out.append(f)
    return out
