"""Stage 5 (detection only): runs of mojibake from byte-misaligned GBK processing.

When GBK bytes are decoded one byte off, every character is made of the trail byte
of one real character and the lead byte of the next: nonsense hanzi, often rare,
sometimes with a pinyin fragment and ``)`` (``?yōu)槿罕姷…``), until the decoder
meets an invalid pair and writes ``?`` (or U+FFFD). So a run sits right after or
right before such a mark. Two tests, either suffices:

* rare hanzi: at least two characters outside GB2312 level 1 and Big5's frequent
  block, making up a quarter of the run's hanzi (real text: a few per thousand);
* realignment: re-encoding the run as GBK and shifting it by one byte gives text
  made of frequent news characters, or of the document's own vocabulary (characters
  that occur elsewhere in it), while the run's characters are neither.

Runs are reported as flags and protected: no later stage converts or strips inside
them, since their bytes, not their characters, carry the meaning.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from .charsets import frequent_chars, rare_han_re
from .model import Flag

_MARK = re.compile("[?\ufffd]")
_HAN = re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
WINDOW = 12  # characters examined on each side of a mark
MIN_HAN = 3
MIN_RARE = 2
MIN_RARE_SHARE = 0.25
MIN_GAIN = 0.4  # how much more of the realigned text is the document's vocabulary


def _known_share(s: str, counts: Mapping[str, int]) -> tuple[float, int]:
    """Share of the Han characters of ``s`` that are frequent or occur elsewhere in the document."""
    han = _HAN.findall(s)
    if not han:
        return 0.0, 0
    frequent = frequent_chars()
    return sum(1 for c in han if c in frequent or counts.get(c, 0) >= 2) / len(han), len(han)


def _realigned(s: str) -> list[str]:
    try:
        data = s.encode("gbk")
    except UnicodeEncodeError:
        return []
    return [data[1:].decode("gbk", "replace"), (b"\xa1" + data).decode("gbk", "replace")]


def _is_mojibake(run: str, counts: Mapping[str, int]) -> str | None:
    """Why ``run`` is mojibake, or None."""
    han = _HAN.findall(run)
    if len(han) < MIN_HAN - 1:
        return None
    rare = len(rare_han_re().findall(run))
    if rare >= MIN_RARE and rare / len(han) >= MIN_RARE_SHARE:
        return f"{rare} rare characters in {len(han)}"
    if len(han) < MIN_HAN:
        return None
    run = run.lstrip("".join(map(chr, range(128))))  # shift from the first multi-byte character
    before, _ = _known_share(run, counts)
    for shifted in _realigned(run):
        after, n = _known_share(shifted, counts)
        if n >= MIN_HAN - 1 and after - before >= MIN_GAIN:
            return f"shifted one byte it reads {shifted.strip(chr(0xFFFD))[:12]!r}"
    return None


def find_mojibake(text: str, vocabulary: Mapping[str, int] | None = None) -> tuple[Flag, ...]:
    """Mojibake runs as ``Flag(kind="mojibake")`` with offsets into ``text``.

    ``vocabulary`` (character counts of the whole document) stands in for
    ``Counter(text)`` when ``text`` is one piece of a larger document.
    """
    if "?" not in text and "\ufffd" not in text:
        return ()
    counts: Mapping[str, int] | None = vocabulary
    flags: list[Flag] = []
    covered = 0
    for m in _MARK.finditer(text):
        q = m.start()
        line_start = text.rfind("\n", 0, q) + 1
        line_end = text.find("\n", q)
        line_end = len(text) if line_end < 0 else line_end
        # Longest run first: after the mark (the run starts there), then before it
        # (the run ends there).
        spans = [(q, min(line_end, q + 1 + n)) for n in range(WINDOW, MIN_HAN - 1, -1)]
        spans += [(max(line_start, covered, q - n), q + 1) for n in range(WINDOW, MIN_HAN - 1, -1)]
        for start, end in spans:
            run = text[start:end]
            if end - start < MIN_HAN or not _HAN.search(run):
                continue
            if counts is None:
                counts = Counter(text)
            why = _is_mojibake(_MARK.sub("", run), counts)
            if why:
                flags.append(Flag("mojibake", start, end, run, f"misaligned GBK bytes ({why}); left as is"))
                covered = end
                break
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
