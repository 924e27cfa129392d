"""Script verdicts are shares, not single-character rules."""

from hypothesis import example, given
from hypothesis import strategies as st

from normalizer import normalize_text
from normalizer.model import ScriptCounts
from normalizer.script import VERDICTS, detect_script, verdict_codes, verdict_of


def test_one_stray_character_does_not_make_a_document_mixed():
    text = "省科協黨組書記、常務副主席尤興光指出,并對省科協的工作提出意見和建議。雲南"
    verdict = detect_script(text)
    assert verdict.verdict == "traditional"
    assert verdict.counts.simplified >= 1  # 并 is counted, yet the verdict holds


def test_simplified_traditional_mixed_and_none():
    assert detect_script("经济发展取得显著成效").verdict == "simplified"
    assert detect_script("經濟發展取得顯著成效").verdict == "traditional"
    assert detect_script("经济发展取得显著成效\n經濟發展取得顯著成效").verdict == "mixed"
    assert detect_script("2024, page 3 -- (Reuters)").verdict == "none"


def test_none_means_no_han_text_and_shared_characters_are_already_simplified():
    # Characters both scripts write (中, 人, 大) show no script: the text is valid simplified
    # text as it stands. "none" is kept for text without any Han character.
    assert detect_script("2024 年 中 人 大").verdict == "simplified"
    assert detect_script("2024 年 中 人 大").counts.total == 0
    assert detect_script("2024, page 3 -- (Reuters)\n").verdict == "none"
    assert detect_script("中 人 大\n").lines[0].verdict == "none"  # lines: no telling character


def test_per_line_verdicts_carry_offsets_and_counts():
    verdict = detect_script("经济发展\n經濟發展\nabc")
    assert [li.verdict for li in verdict.lines] == ["simplified", "traditional", "none"]
    assert [(li.start, li.end) for li in verdict.lines] == [(0, 5), (5, 10), (10, 13)]
    assert verdict.lines[1].counts == ScriptCounts(traditional=3, simplified=0)


def test_line_verdicts_are_arrays_with_a_tally():
    lines = detect_script("经济发展\n經濟發展\nabc\n經濟").lines
    assert [VERDICTS[c] for c in lines.codes.tolist()] == ["simplified", "traditional", "none", "traditional"]
    assert lines.traditional.tolist() == [0, 3, 0, 2]
    assert lines.tally() == {"traditional": 2, "simplified": 1, "none": 1}


def test_a_results_line_verdicts_are_in_offsets_of_the_decoded_input():
    # NFC shortens the first line by one character; the verdicts keep source offsets.
    lines = normalize_text("e\u0301\n經濟").script.lines
    assert [(li.start, li.end, li.verdict) for li in lines] == [(0, 3, "none"), (3, 5, "traditional")]
    assert lines.starts.tolist() == [0, 3]


def test_shares_are_reported():
    verdict = detect_script("經濟發展经济")
    assert verdict.traditional_share + verdict.simplified_share == 1.0


def test_verdict_compares_equal_to_its_name():
    assert detect_script("經濟發展") == "traditional"


def test_a_minority_of_ten_percent_with_two_characters_is_mixed():
    assert verdict_of(ScriptCounts(traditional=18, simplified=2)) == "mixed"
    assert verdict_of(ScriptCounts(traditional=30, simplified=2)) == "traditional"
    assert verdict_of(ScriptCounts(traditional=1, simplified=3)) == "simplified"


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=1, max_size=30))
@example([(3, 0), (0, 0)])
@example([(0, 2), (1, 0)])
def test_line_verdicts_computed_together_equal_the_verdict_of_each_line(counts):
    import numpy as np

    t = np.array([c[0] for c in counts], dtype=np.int64)
    s = np.array([c[1] for c in counts], dtype=np.int64)
    expected = [verdict_of(ScriptCounts(a, b)) for a, b in counts]
    assert [VERDICTS[c] for c in verdict_codes(t, s)] == expected
