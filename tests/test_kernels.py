"""The fast kernels of the hot path equal their plain reference implementations on all text.

Each kernel does a stage's per-document work on code-point arrays or with fewer passes;
the reference is the straightforward version the stage used before (or the obvious
definition). hypothesis draws texts from characters that make the kernels take every branch.
"""

from __future__ import annotations

from corpus_texts import expected_texts, lines_of, seed_texts
from hypothesis import given
from hypothesis import strategies as st

from normalizer import normalize_text
from normalizer.annotations import occurrences_in
from normalizer.codepoints import as_array, as_text
from normalizer.convert import OPENCC_CONFIG, context_codes, context_codes_by_line, everyday_put_back, keep_everyday
from normalizer.model import ANNOTATION
from normalizer.result import staged_summary
from normalizer.script import detect_script
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
    back = everyday_put_back(x, y, x != y)
    out = y.copy()
    out[back] = x[back]
    assert as_text(out) == expected
    assert sorted(back.tolist()) == back.tolist()


def test_everyday_put_back_finds_the_everyday_character_opencc_makes_rare() -> None:
    text = "嗰個人"
    x = as_array(text)
    y = as_array(opencc_convert(text, OPENCC_CONFIG))
    assert everyday_put_back(x, y, x != y).tolist() == [0]


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
