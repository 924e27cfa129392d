"""t2s as a table lookup (normalizer.charwise) converts exactly as OpenCC does, and the
conversion stage gives the same result with it as with OpenCC alone."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import opencc
import pytest
from corpus_texts import expected_texts, load_tool, seed_texts
from hypothesis import given
from hypothesis import strategies as st

from normalizer import charwise
from normalizer.charsets import t2s_phrases, t2s_sets
from normalizer.codepoints import as_text
from normalizer.convert import to_simplified
from normalizer.script import detect_script
from normalizer.telling import HK2S_ONLY, opencc_convert, opencc_converter


def _t2s(text: str) -> str | None:
    codes = charwise.t2s_codes(text)
    return None if codes is None else as_text(codes)


def _simplified(text: str) -> str | None:
    codes = charwise.simplified_codes(text)
    return None if codes is None else as_text(codes)


def _phrases() -> list[str]:
    """The keys of t2s's phrase table, from the installed OpenCC's dictionary."""
    tool = load_tool("derive_charsets")
    with tempfile.TemporaryDirectory() as tmp:
        return sorted(k for k in tool.read_dict("TSPhrases", Path(tmp)) if len(k) > 1)


def test_every_phrase_of_t2s_converts_as_opencc_converts_it_alone_beside_others_and_overlapping() -> None:
    phrases = _phrases()
    assert len(phrases) > 400
    for text in (
        "，".join(f"說{p}國" for p in phrases),  # each between neighbours t2s converts
        "".join(phrases),  # each overlapping the next: longest matches shift along
        "\n".join(phrases[::-1]),
    ):
        assert _t2s(text) == opencc_converter("t2s").convert(text)


def test_only_few_characters_make_t2s_depend_on_context() -> None:
    context = t2s_sets()["context"]
    # 憑藉→凭借 but 藉 alone stays; 深沈→深沉 but 沈 alone stays (a surname).
    assert {"藉", "沈", "於", "乾"} <= context
    assert opencc_convert("藉", "t2s") == "藉" and opencc_convert("憑藉", "t2s") == "凭借"
    assert len(context - _compatibility_ideographs()) < 60


def _compatibility_ideographs() -> set[str]:
    """The CJK compatibility blocks, whose characters t2s's normalization table rewrites."""
    return {chr(c) for lo, hi in ((0xF900, 0xFAFF), (0x2F800, 0x2FA1F)) for c in range(lo, hi + 1)}


# Phrases t2s converts unlike their characters (and pieces of them), characters it changes
# alone, Hong Kong forms (hk2s), and boundaries: punctuation, ASCII, line breaks, NUL, an
# escaped byte.
SPECIAL = "憑藉 深沈 意志消沈 死氣沈沈 英哩 樊於期 溫昇豪 胤祕 書中自有千鍾粟 製坏 毛坏 乾隆 乾杯 計畫 什麼".split()
SINGLE = "於乾藉沈計麼畫瞭徵覆鍾坏憑深氣國語說這個學會發團體們車門龍著為" + HK2S_ONLY + "中的人，。ab1 \n\r\x00\udc80"
TEXT = st.lists(st.sampled_from(SPECIAL) | st.sampled_from(SINGLE), max_size=60).map("".join)


@given(TEXT)
def test_t2s_codes_equal_opencc_t2s_on_all_text(text: str) -> None:
    assert _t2s(text) == opencc_convert(text, "t2s")


@given(TEXT)
def test_simplified_codes_equal_the_conversion_to_simplified_on_all_text(text: str) -> None:
    assert _simplified(text) == opencc_convert(text)


def test_the_seeds_and_their_hong_kong_forms_convert_as_opencc_converts_them() -> None:
    s2hk = opencc_converter("s2hk").convert
    texts = [*seed_texts(), *expected_texts(), *(s2hk(t) for t in expected_texts())]
    assert any(c in HK2S_ONLY for t in texts for c in t)
    for text in texts:
        assert _simplified(text) == opencc_convert(text)


@contextmanager
def tables_of_another_opencc() -> Iterator[None]:
    """charwise as it behaves when the shipped sets are for another OpenCC version (a context
    manager, not a fixture: hypothesis runs a test's examples within one fixture)."""
    charwise.t2s_tables.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(charwise, "derived_from_opencc", lambda: "0.0.0")
        try:
            yield
        finally:
            charwise.t2s_tables.cache_clear()


def test_another_opencc_version_leaves_the_whole_conversion_to_opencc() -> None:
    with tables_of_another_opencc():
        assert charwise.t2s_tables() is None
        assert charwise.t2s_codes("說話") is None
    assert opencc.__version__ != "0.0.0"


@given(TEXT)
def test_the_conversion_stage_is_the_same_with_the_table_or_opencc_alone(text: str) -> None:
    with_table = to_simplified(text, detect_script(text))
    with tables_of_another_opencc():
        without = to_simplified(text, detect_script(text))
    assert [(s.text, list(s.edits), s.flags, s.same_length) for s in with_table] == [
        (s.text, list(s.edits), s.flags, s.same_length) for s in without
    ]


def test_a_span_whose_conversion_changes_length_is_left_to_opencc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charwise, "opencc_convert", lambda text, config: text.replace("於", "于于"))
    assert charwise.t2s_codes("說樊於期") is None
    assert charwise.t2s_codes("說於此") is not None  # 於 in no phrase of the list: no span to convert


def test_each_phrase_that_converts_unlike_its_characters_is_looked_for_at_a_context_character() -> None:
    phrases = charwise.context_phrases()
    listed = {phrase for groups in phrases.values() for _, _, group in groups for phrase in group}
    assert listed == set(t2s_phrases()) and len(listed) > 400
    for char, groups in phrases.items():
        assert all(phrase[k] == char and len(phrase) == n for k, n, group in groups for phrase in group)
    assert {p for _, _, group in phrases["於"] for p in group} == {p for p in t2s_phrases() if "於" in p}
