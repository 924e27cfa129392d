"""The fast kernels of the hot path equal their plain reference implementations on all text.

Each kernel does a stage's per-document work on code-point arrays or with fewer passes;
the reference is the straightforward version the stage used before (or the obvious
definition). hypothesis draws texts from characters that make the kernels take every branch.
"""

from __future__ import annotations

import re
from itertools import accumulate

import numpy as np
from corpus_texts import expected_texts, lines_of, seed_texts
from hypothesis import given
from hypothesis import strategies as st

from normalizer import normalize_text
from normalizer.annotations import (
    _GROUPS,
    _HAN_CHAR,
    Candidate,
    _verified,
    evidence,
    find_candidates,
    judge,
    may_have_annotations,
    occurrences_in,
    page_table,
    strip_annotations,
    traits,
)
from normalizer.charsets import simplified_only, traditional_only
from normalizer.codepoints import as_array, as_text, line_ends, sorted_distinct
from normalizer.controls import REMOVED, has_controls
from normalizer.convert import OPENCC_CONFIG, context_codes, context_codes_by_line, everyday_put_back, keep_everyday
from normalizer.decode import CJK_UTF8
from normalizer.model import ANNOTATION, Edit, Flag, ScriptCounts, StageResult
from normalizer.result import staged_summary
from normalizer.script import VERDICTS, detect_script, verdict_of
from normalizer.summary import summarize
from normalizer.telling import HK2S_ONLY, opencc_convert, opencc_converter, simplified_config

# Everyday characters OpenCC turns into rare forms (儸→㑩, 嗰→𠮶), traditional and simplified
# characters it converts or keeps, ASCII, line breaks.
PUT_BACK = "儸劏勣唓喎嗰嘺噅噚孻攋燶㗲䀹"
CONVERTED = "國語說這個學會發團體們車門書龍著乾麼為"
KEPT = "中国语说这个学会发团体的人大小"
TEXT = st.text(alphabet=PUT_BACK + CONVERTED + KEPT + "ab1 ，。\n", max_size=80)


@given(TEXT)
def test_everyday_put_back_chooses_what_keep_everyday_puts_back(text: str) -> None:
    converted = opencc_convert(text, OPENCC_CONFIG)
    expected = keep_everyday(text, converted)
    x, y = as_array(text), as_array(converted)
    at = np.flatnonzero(x != y)
    back = everyday_put_back(at, x[at], y[at])
    out = y.copy()
    out[back] = x[back]
    assert as_text(out) == expected
    assert sorted(back.tolist()) == back.tolist()


def test_everyday_put_back_finds_the_everyday_character_opencc_makes_rare() -> None:
    text = "嗰個人"
    x = as_array(text)
    y = as_array(opencc_convert(text, OPENCC_CONFIG))
    at = np.flatnonzero(x != y)
    assert everyday_put_back(at, x[at], y[at]).tolist() == [0]


@given(st.lists(st.sampled_from(["協(xié)會", "國(guó)家", "學會", "著作", "看著", "﹔", "。\n", "中国"]), max_size=12))
def test_staged_summary_lists_annotation_removals_first_and_equals_the_summary_of_every_edit(pieces) -> None:
    result = normalize_text("".join(pieces))
    assert result.staged.compact
    summary = staged_summary(result.staged)
    assert summary == summarize(result.edits)
    assert summary.annotations == tuple(e for e in result.edits if e.kind == ANNOTATION)
    if summary.annotations:
        assert next(iter(summary.counts)) == ANNOTATION  # the report's order: removals, then conversion


def _occurrences_reference(text: str, chars: set[str]) -> dict[str, int]:
    return {c: sum(1 for t in text if t == c) for c in chars}


@given(
    st.text(alphabet="國协會學中的(xié)\n" + "^]-\\[", max_size=60),
    st.sets(st.sampled_from("國协會學中的^]-\\[x"), max_size=8),
)
def test_occurrences_in_counts_each_character_by_either_method(text: str, chars: set[str]) -> None:
    expected = _occurrences_reference(text, chars)
    assert occurrences_in(text, chars) == expected  # str.count per character
    assert occurrences_in(text, chars, limit=0) == expected  # one pass of a character class


LINES = ["國家發展", "国家发展", "中國与世界", "乾隆皇帝", "三塚博说", "hello", "", "著作", "并且說"]


@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=8))
def test_context_codes_equal_the_line_by_line_rule(lines: list[str]) -> None:
    script = detect_script("\n".join(lines))
    assert context_codes(script).tolist() == context_codes_by_line(script).tolist()
    assert context_codes(script).dtype == context_codes_by_line(script).dtype


# Hong Kong variant forms hk2s rewrites before t2s (HKVariantsRev: 才→纔, 台→臺, 綫→線, 衞→衛)
# and words of its phrase table (甲胄→甲冑), beside what both convert.
HK_FORMS = HK2S_ONLY + "台才吃核温户綫線説為眾煙粽啟偽甲巖州天台"


@given(st.text(alphabet=HK_FORMS + CONVERTED + KEPT + "ab ，。\n", max_size=80))
def test_converting_to_simplified_equals_hk2s_on_all_text(text: str) -> None:
    assert opencc_convert(text) == opencc_converter("hk2s").convert(text)


def test_converting_the_seeds_line_by_line_equals_hk2s_and_takes_t2s_where_it_can() -> None:
    lines = lines_of(seed_texts() + expected_texts())
    for line in lines:
        assert opencc_convert(line) == opencc_converter("hk2s").convert(line)
    assert {simplified_config(line) for line in lines} == {"t2s"}
    assert simplified_config("保衞香港") == "hk2s"


def test_hk2s_only_holds_every_character_that_hk2s_converts_unlike_t2s() -> None:
    # Every CJK character and compatibility form, one per line, through both configurations.
    ranges = [(0x2E80, 0x2FDF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x323AF)]
    chars = [chr(c) for lo, hi in ranges for c in range(lo, hi + 1)]
    text = "\n".join(chars)
    hk2s = opencc_converter("hk2s").convert(text).split("\n")
    t2s = opencc_converter("t2s").convert(text).split("\n")
    differ = {c for c, a, b in zip(chars, hk2s, t2s, strict=True) if a != b}
    assert differ and differ <= set(HK2S_ONLY)


# --- annotations: groups scanned and judged with C-level passes ---------------------------------


def _scan_reference(text: str, protected) -> list[Candidate | None]:
    """Per group of parentheses, its candidate or None: a plain loop over the groups."""
    parts = _GROUPS.split(text)
    found: list[Candidate | None] = []
    pos = 0
    for i in range(1, len(parts), 2):
        start = pos + len(parts[i - 1])
        end = pos = start + len(parts[i])
        base = parts[i - 1][-1:]
        reading = None
        if base and re.match(_HAN_CHAR, base) and not any(s < end and start < e for s, e in protected):
            reading = _verified(base, parts[i])
        found.append(Candidate(base, start, end, reading) if reading is not None else None)
    return found


def _strip_reference(text: str, protected) -> StageResult:
    """strip_annotations judging each candidate in turn, as the stage did before scan_groups."""
    found = _scan_reference(text, protected)
    candidates = [c for c in found if c is not None]
    if not candidates:
        return StageResult(text)
    strong, plain = evidence(candidates)
    page = traits(page_table(candidates), text)
    edits, flags, out, pos = [], [], [], 0
    for c in candidates:
        accept, why = judge(c.reading, c.base, strong, plain, page)
        if accept:
            edits.append(Edit(ANNOTATION, c.start, c.end, text[c.start : c.end], "", why))
            out.append(text[pos : c.start])
            pos = c.end
        else:
            flags.append(Flag("possible-annotation", c.start, c.end, text[c.start : c.end], f"kept: {why}"))
    return StageResult("".join(out) + text[pos:], tuple(edits), tuple(flags))


NOISE = ["協(xié)", "會(huì)", "國(guó)", "国（guo2）", "安(an)", "他(ta)", "年(nian)", "王(Wang)", "州(市)", "图(a)"]
ANNOTATED = st.lists(
    st.one_of(st.sampled_from(NOISE), st.text(alphabet="中國的人(（)）xié ab\n", max_size=6)), max_size=40
)


@given(ANNOTATED, st.lists(st.tuples(st.integers(0, 120), st.integers(1, 8)), max_size=3))
def test_strip_annotations_equals_judging_each_candidate_in_turn(pieces: list[str], spans) -> None:
    text = "".join(pieces)
    protected = sorted((s, s + n) for s, n in spans)
    assert find_candidates(text, protected) == [c for c in _scan_reference(text, protected) if c is not None]
    assert strip_annotations(text, protected) == _strip_reference(text, protected)


def test_a_page_of_noise_has_its_table_and_its_glosses_judged_alike_by_both() -> None:
    page = "".join(["協(xié)會(huì)國(guó)家(jiā)學(xué)", "王(Wang)說", "州(市)"] * 9 + ["角(jué)色"])
    assert strip_annotations(page) == _strip_reference(page, ())
    assert len(strip_annotations(page).edits) >= 36


def test_occurrences_in_counts_more_characters_than_a_byte_can_number() -> None:
    chars = {chr(0x4E00 + k) for k in range(300)}
    text = "".join(sorted(chars)) * 3 + "中中"
    assert occurrences_in(text, chars, limit=0) == _occurrences_reference(text, chars)


def test_occurrences_in_counts_past_the_highest_character_asked_for() -> None:
    chars = {"中", "\U00020000", "a"}
    text = "中\U00020000\U00020001\U0001f600中a\U0010ffff\U00020000"
    assert occurrences_in(text, chars, limit=0) == {"中": 2, "\U00020000": 2, "a": 1}
    assert occurrences_in(text, {"中"}, limit=0) == {"中": 2}


# --- script: marks and line breaks from one lookup -----------------------------------------------


def _line_counts_reference(text: str):
    """Per-line traditional and simplified counts as the stage counted before: lines from
    str.splitlines, every mark summed per line, verdicts by verdict_of line by line."""
    ends = list(accumulate(map(len, text.splitlines(keepends=True))))
    starts = [0, *ends[:-1]]
    t_only, s_only = traditional_only(), simplified_only()
    t = [sum(c in t_only for c in text[a:b]) for a, b in zip(starts, ends, strict=True)]
    s = [sum(c in s_only for c in text[a:b]) for a, b in zip(starts, ends, strict=True)]
    return starts, ends, t, s


SCRIPT_TEXT = st.text(alphabet="國語说这中的乾杯陞著看a\r\n\x0b\x0c\x1c\x85\u2028\u2029", min_size=1, max_size=60)


@given(SCRIPT_TEXT)
def test_line_counts_equal_counting_each_line_of_splitlines(text: str) -> None:
    starts, ends, t, s = _line_counts_reference(text)
    lines = detect_script(text).lines
    assert (lines.starts.tolist(), lines.ends.tolist(), lines.simplified.tolist()) == (starts, ends, s)
    assert lines.ends.dtype == lines.starts.dtype == lines.traditional.dtype == lines.simplified.dtype == "int64"
    if any(t):  # without traditional-only characters, other evidence counts (normalizer.telling)
        assert lines.traditional.tolist() == t
    assert lines.codes.tolist() == [
        VERDICTS.index(verdict_of(ScriptCounts(a, b))) for a, b in zip(lines.traditional.tolist(), s, strict=True)
    ]
    assert lines.ends.tolist() == line_ends(text)


# --- controls: found among the Latin-1 characters -----------------------------------------------


@given(
    st.text(alphabet=st.sampled_from([*map(chr, range(0x00, 0x101)), "中", "國", "\udc80", "\U00020000"]), max_size=40)
)
def test_has_controls_equals_searching_the_removed_characters(text: str) -> None:
    assert has_controls(text) == (re.search(f"[{REMOVED}]", text) is not None)


def test_the_last_texts_code_points_are_reused_read_only_and_another_texts_are_its_own() -> None:
    text = "國語\udc80𠮷a"
    codes = as_array(text)
    assert as_array(text) is codes
    assert not codes.flags.writeable
    other = "".join(["國語", "\udc80𠮷b"])  # another string, another array
    assert as_text(as_array(other)) == other
    assert as_array(text).tolist() == [ord(c) for c in text]


@given(st.lists(st.integers(-3, 40), max_size=60))
def test_sorted_distinct_equals_numpy_unique(values: list[int]) -> None:
    array = np.array(values, dtype=np.int64)
    found, expected = sorted_distinct(array), np.unique(array)
    assert found.dtype == expected.dtype and found.tolist() == expected.tolist()


def test_normalizing_a_page_of_noise_does_not_import_numpy_ma() -> None:
    """numpy.unique imports numpy.ma on its first call (~10 ms a process); the pipeline avoids it."""
    import subprocess
    import sys

    script = (
        "import sys; from normalizer import normalize_text; "
        "normalize_text('科協(xié)組織召開(kāi)會議，著眼於發展。\\n').summary; "
        "print('numpy' in sys.modules, 'numpy.ma' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "False"]


@given(st.text(alphabet="(（)）xié 中國a1\u3000", max_size=120))
def test_may_have_annotations_equals_searching_for_a_group(text: str) -> None:
    assert may_have_annotations(text) == (_GROUPS.search(text) is not None)


# Characters on both sides of each edge of the CJK ranges decode.CJK_UTF8 finds, and any others.
AROUND_CJK_EDGES = st.one_of(
    *(st.characters(min_codepoint=lo - 16, max_codepoint=lo + 16) for lo in (0x3000, 0x3040, 0x3400, 0xA000, 0xFF00)),
    st.characters(min_codepoint=0xFFE0, max_codepoint=0xFFFF),
    st.characters(codec="utf-8"),  # any character UTF-8 can encode (no lone surrogate)
)


CJK_RANGES = "[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"


@given(st.text(alphabet=AROUND_CJK_EDGES, max_size=40))
def test_cjk_search_in_utf8_bytes_equals_the_search_in_the_text(text: str) -> None:
    expected = re.search(CJK_RANGES, text) is not None
    assert (CJK_UTF8.search(text.encode("utf-8")) is not None) == expected


def test_cjk_search_in_utf8_bytes_at_each_edge_of_the_ranges() -> None:
    for char in "a\u2fff\u3000\u303f\u3040\u33ff\u3400\u4e2d\u9fff\ua000\ufeff\uff00\uffef\ufff0\U00020000":
        text = f"x{char}y"
        assert (CJK_UTF8.search(text.encode("utf-8")) is not None) == (re.search(CJK_RANGES, text) is not None), char
