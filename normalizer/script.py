"""Stage 2: tell traditional from simplified script, per line and per document.

Only characters that distinguish the scripts are counted (derived from OpenCC's
data, see :mod:`normalizer.charsets`); characters shared by both are ignored.
A verdict is a share, not a single-character rule: seed 001 contains 并 and 云 yet
is a traditional document, and OpenCC's own s2t output contains 着.
"""

from __future__ import annotations

from .charsets import SIMPLIFIED_MARK, TRADITIONAL_MARK, script_marks
from .model import LineScript, ScriptCounts, ScriptVerdict

TRADITIONAL = "traditional"
SIMPLIFIED = "simplified"
MIXED = "mixed"
NONE = "none"

#: The minority script must reach this share, and more than one character, before a
#: span is called mixed; below it the span takes the majority's verdict.
MIXED_SHARE = 0.1


def count_script(text: str) -> ScriptCounts:
    """Count traditional-only and simplified-only characters in ``text``."""
    marked = text.translate(script_marks())
    return ScriptCounts(marked.count(TRADITIONAL_MARK), marked.count(SIMPLIFIED_MARK))


def verdict_of(counts: ScriptCounts) -> str:
    """The verdict for a span with these counts.

    One stray character (or a share under :data:`MIXED_SHARE`) never makes a span
    mixed: names such as 三塚博 in simplified news keep their characters.
    """
    t, s = counts.traditional, counts.simplified
    if t + s == 0:
        return NONE
    minority = min(t, s)
    if minority <= 1 or minority / (t + s) < MIXED_SHARE:
        if t == s:
            return MIXED
        return TRADITIONAL if t > s else SIMPLIFIED
    return MIXED


def detect_script(text: str) -> ScriptVerdict:
    """Document verdict with its counts, and a verdict for every line."""
    lines: list[LineScript] = []
    t_total = s_total = 0
    pos = 0
    marked_lines = text.translate(script_marks()).splitlines()
    for i, line in enumerate(text.splitlines(keepends=True)):
        marked = marked_lines[i]
        counts = ScriptCounts(marked.count(TRADITIONAL_MARK), marked.count(SIMPLIFIED_MARK))
        t_total += counts.traditional
        s_total += counts.simplified
        lines.append(LineScript(i, pos, pos + len(line), verdict_of(counts), counts))
        pos += len(line)
    total = ScriptCounts(t_total, s_total)
    return ScriptVerdict(verdict_of(total), total, tuple(lines))
