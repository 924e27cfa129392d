"""Properties of the whole pipeline on realistic and on arbitrary input."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from corpus_texts import EVERYDAY_CLEAN_LINES, SEED_000, expected_texts, lines_of, load_seeds, seed_texts
from hypothesis import assume, example, given
from hypothesis import strategies as st
from pypinyin import Style, pinyin

from normalizer import DecodeError, normalize_bytes, normalize_text
from normalizer.annotations import strip_annotations
from normalizer.edits import apply_edits
from normalizer.fixes import ZHE_BEFORE, ZHE_WORDS, ZHU_WORDS
from normalizer.pipeline import is_clean
from normalizer.report.preview import build_preview, preview_from_edits
from normalizer.result import compose_edits, prefix_edits, staged_summary
from normalizer.summary import summarize

# --- material ------------------------------------------------------------------------------

EXPECTED_LINES = lines_of(expected_texts())
SEED_LINES = lines_of(seed_texts())
TRADITIONAL_LINES = lines_of([load_seeds()[SEED_000][0].decode("utf-8")])
ALL_CHARS = sorted({c for text in [*seed_texts(), *expected_texts()] for c in text if c != "\n"})

CJK_PUNCTUATION = "，。、；：？！“”‘’（）《》…—·"
ASCII_PUNCTUATION = ",.;:?!()-/%\"' "
# Punctuation that cannot glue two fragments into a word: no letters, no parentheses.
SEPARATORS = ["\n", "\n\n", "。", "，", "；", "！", " ", ", ", "。\n"]

HAN = re.compile("[\u4e00-\u9fff]")
TONE_MARKS = {"\u0304", "\u0301", "\u030c", "\u0300"}


def _slice(lines: list[str]) -> st.SearchStrategy[str]:
    """A whole line or a piece of one."""

    @st.composite
    def piece(draw):
        line = draw(st.sampled_from(lines))
        if draw(st.booleans()):
            return line
        i = draw(st.integers(0, len(line)))
        j = draw(st.integers(i, len(line)))
        return line[i:j]

    return piece()


def _joined(pieces: st.SearchStrategy[str], max_size: int = 8) -> st.SearchStrategy[str]:
    @st.composite
    def doc(draw):
        parts = draw(st.lists(pieces, min_size=1, max_size=max_size))
        out = [parts[0]]
        for part in parts[1:]:
            out += [draw(st.sampled_from(SEPARATORS)), part]
        return "".join(out)

    return doc()


ascii_words = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789"), min_size=1, max_size=8)

#: Simplified text as it should come out: the expected files, cut and rejoined with
#: neutral separators, numbers and Latin words.
simplified_documents = _joined(st.one_of(_slice(EXPECTED_LINES), _slice(EXPECTED_LINES), ascii_words))

#: Anything the seeds look like: traditional lines with and without annotations, simplified
#: lines, loose characters of both files, punctuation, ASCII and newlines.
loose_text = st.text(
    st.sampled_from([*ALL_CHARS, *CJK_PUNCTUATION, *ASCII_PUNCTUATION, "\n", "﹔", "著"]), min_size=1, max_size=40
)
realistic_documents = _joined(st.one_of(_slice(SEED_LINES), _slice(EXPECTED_LINES), loose_text, ascii_words))


# --- annotation strategies ----------------------------------------------------------------


@cache
def toned_readings(char: str) -> tuple[str, ...]:
    """pypinyin's readings of ``char`` that carry a tone (mark or number)."""
    marked = [r for r in pinyin(char, style=Style.TONE, heteronym=True)[0] if _has_tone_mark(r)]
    numbered = pinyin(char, style=Style.TONE3, heteronym=True, neutral_tone_with_five=True)[0]
    numbered = [r for r in numbered if re.fullmatch("[a-z]+[1-5]", r)]
    return (*marked, *numbered)


def _has_tone_mark(reading: str) -> bool:
    decomposed = unicodedata.normalize("NFD", reading)
    return bool(re.fullmatch("[a-z\u0300-\u036f]+", decomposed)) and any(c in TONE_MARKS for c in decomposed)


@st.composite
def annotation_for(draw, char: str) -> str:
    """One spam-style annotation of ``char``: ``(xié)``, ``(xie2)``, ``（xié）``, ``(huì )``, doubled."""
    readings = toned_readings(char)
    syllables = draw(st.lists(st.sampled_from(readings), min_size=1, max_size=2))
    opening, closing = draw(st.sampled_from([("(", ")"), ("（", "）")]))
    inner = draw(st.sampled_from(["", " "]))
    return "".join(f"{opening}{s}{inner}{closing}" for s in syllables)


@st.composite
def annotated(draw, texts: st.SearchStrategy[str]):
    """(text, the same text with verified pinyin annotations after some Han characters)."""
    text = draw(texts)
    spots = [i for i, c in enumerate(text) if HAN.match(c) and toned_readings(c)]
    assume(spots)
    chosen = set(draw(st.lists(st.sampled_from(spots), min_size=1, max_size=20)))
    out = []
    for i, char in enumerate(text):
        out.append(char)
        if i in chosen:
            out.append(draw(annotation_for(char)))
    return text, "".join(out)


traditional_documents = _joined(_slice(TRADITIONAL_LINES), max_size=4)


def _assert_edits_account_for_the_text(result) -> None:
    summary = result.summary  # computed first, from the stages' compact form
    assert apply_edits(result.source, result.edits) == result.text
    assert summary == summarize(result.edits)
    assert compose_edits(result.source, result.staged) == result.edits
    if result.staged.compact:
        assert staged_summary(result.staged) == summarize(result.edits)
        line_ends = [i for i, c in enumerate(result.source) if c == "\n"] + [len(result.source)]
        for end in line_ends:
            assert prefix_edits(result.source, result.staged, end) == tuple(e for e in result.edits if e.start < end)
    previous_end = 0
    for edit in result.edits:
        assert edit.before, f"insertion edit {edit}"
        assert edit.start >= previous_end, "edits overlap or are unsorted"
        assert result.source[edit.start : edit.end] == edit.before
        previous_end = edit.end


# --- idempotence ---------------------------------------------------------------------------


@given(realistic_documents)
@example("科協(xié)組織召開(kāi)會議,帶著孩子﹔")
def test_normalizing_twice_changes_nothing(doc):
    once = normalize_text(doc).text
    twice = normalize_text(once)
    assert twice.text == once
    assert twice.edits == ()


@given(simplified_documents)
def test_normalizing_twice_changes_nothing_on_simplified_text(doc):
    once = normalize_text(doc).text
    assert normalize_text(once).text == once


# --- do no harm ------------------------------------------------------------------------------


@given(simplified_documents)
def test_simplified_text_without_annotations_is_unchanged(doc):
    result = normalize_text(doc)
    assert result.text == doc
    assert result.edits == ()


@given(simplified_documents)
def test_simplified_text_is_unchanged_through_every_unicode_encoding(doc):
    for codec in ("utf-8", "utf-8-sig", "utf-16", "utf-32"):
        assert normalize_bytes(doc.encode(codec)).text == doc, codec


@given(simplified_documents)
def test_simplified_text_of_some_length_is_unchanged_through_gb18030(doc):
    # A file of two or three hanzi can be valid UTF-8 by accident (展 is D5 B9, UTF-8 for
    # U+0579); from a line of news on, GB18030 bytes must come back as GB18030.
    assume(len(HAN.findall(doc)) >= 10)
    result = normalize_bytes(doc.encode("gb18030"))
    assert (result.encoding, result.text) == ("gb18030", doc)


# --- annotations -----------------------------------------------------------------------------


@given(annotated(simplified_documents))
@example(("科协组织召开", "科协(xié)组(zǔ)织召开(kāi)"))
def test_stripping_annotations_removes_exactly_the_annotations(pair):
    plain, noisy = pair
    stripped = strip_annotations(noisy)
    assert stripped.text == plain
    assert all(e.kind == "annotation" and e.after == "" for e in stripped.edits)
    assert apply_edits(noisy, stripped.edits) == plain


@given(annotated(simplified_documents))
def test_annotated_simplified_text_normalizes_to_the_text_without_annotations(pair):
    plain, noisy = pair
    result = normalize_text(noisy)
    assert result.text == plain
    assert {e.kind for e in result.edits} == {"annotation"}
    _assert_edits_account_for_the_text(result)


@given(annotated(traditional_documents))
def test_annotations_do_not_change_how_traditional_text_is_converted(pair):
    plain, noisy = pair
    assert normalize_text(noisy).text == normalize_text(plain).text


@given(simplified_documents)
def test_stripping_annotations_from_text_without_any_changes_nothing(doc):
    stripped = strip_annotations(doc)
    assert stripped.text == doc
    assert stripped.edits == ()


# --- edits account for every change ------------------------------------------------------------


@given(st.text())
def test_edits_applied_to_the_source_give_the_output_for_any_text(text):
    result = normalize_text(text)
    assert result.source == text
    _assert_edits_account_for_the_text(result)


@given(realistic_documents)
def test_edits_applied_to_the_source_give_the_output_for_realistic_documents(doc):
    _assert_edits_account_for_the_text(normalize_text(doc))


@given(annotated(realistic_documents))
def test_edits_applied_to_the_source_give_the_output_for_annotated_documents(pair):
    _, noisy = pair
    _assert_edits_account_for_the_text(normalize_text(noisy))


@given(annotated(traditional_documents))
@example(("協會", "協(xié)會"))
def test_the_summary_of_annotated_traditional_text_counts_each_conversion_around_a_removal(pair):
    _, noisy = pair
    _assert_edits_account_for_the_text(normalize_text(noisy))


# --- valid UTF-8 out ----------------------------------------------------------------------------


@given(st.text())
@example("\x01")  # the script stage's own marker characters
@example("a\n\x02")
def test_output_of_any_text_is_valid_utf8(text):
    normalize_text(text).text.encode("utf-8")


@given(st.text(st.characters(codec=None, exclude_categories=())))
@example("科協\udce9組織")
@example("\ud83d")
def test_lone_surrogates_in_text_input_become_recorded_replacement_characters(text):
    result = normalize_text(text)
    result.text.encode("utf-8")
    _assert_edits_account_for_the_text(result)


#: Never a single-byte code page.
UNICODE_AND_CHINESE_CODECS = {
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "utf-32-le",
    "utf-32-be",
    "hz",
    "gb18030",
    "big5",
    "big5hkscs",
}


@given(st.binary(max_size=400), st.sampled_from(["strict", "replace"]))
def test_any_bytes_either_raise_decode_error_or_give_valid_utf8(data, errors):
    _assert_decode_error_or_valid_utf8(data, errors)


def _assert_decode_error_or_valid_utf8(data: bytes, errors: str) -> None:
    try:
        result = normalize_bytes(data, errors=errors)
    except DecodeError:
        return
    assert result.encoding in UNICODE_AND_CHINESE_CODECS
    result.text.encode("utf-8")
    assert not re.search("[\ud800-\udfff]", result.text)
    _assert_edits_account_for_the_text(result)


@st.composite
def damaged_chinese_bytes(draw):
    """A realistic document in a Chinese encoding with a few bytes overwritten."""
    doc = draw(realistic_documents)
    codec = draw(st.sampled_from(["utf-8", "gb18030", "big5", "utf-16-le"]))
    data = bytearray(doc.encode(codec, errors="replace"))
    for _ in range(draw(st.integers(0, 3))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


@given(damaged_chinese_bytes(), st.sampled_from(["strict", "replace"]))
def test_damaged_chinese_bytes_either_raise_decode_error_or_give_valid_utf8(data, errors):
    _assert_decode_error_or_valid_utf8(data, errors)


# --- the cheap cleanliness test ------------------------------------------------------------------


def noisy(pair: tuple[str, str]) -> str:
    return pair[1]


@given(st.one_of(realistic_documents, simplified_documents, annotated(simplified_documents).map(noisy), st.text()))
@example("经济发展\n")
@example("发展(fā)经济")
@example("plain ascii (with parentheses)")
def test_text_called_clean_is_left_exactly_as_it_is(text):
    """is_clean lets the hook skip the pipeline: it must never call dirty text clean."""
    if is_clean(text):
        result = normalize_text(text)
        assert result.text == text
        assert result.edits == ()
        assert result.flags == ()


@given(simplified_documents)
def test_most_simplified_news_is_recognised_as_clean_without_the_pipeline(doc):
    assume("(" not in doc and "（" not in doc and "?" not in doc and "著" not in doc)
    assert is_clean(doc)


#: Pieces around 著, ``?`` and ``#`` that a crude test would refuse or that some stage acts on:
#: 著 words and particle uses of 著 (他带著孩子, 著急, a 著 after a word: 著名著), question
#: marks between words, in URLs and starting mojibake, hashtags and numeric entities.
TRICKY_PIECES = [
    *ZHU_WORDS,
    *ZHE_WORDS,
    *(c + "著" for c in sorted(ZHE_BEFORE)),
    *("著" + w for w in ZHU_WORDS),
    *(w + "著" for w in ZHU_WORDS),
    "著",
    "他带著孩子",
    "执著",
    "?",
    "什么?",
    "怎么安排?",
    "?yōu)槿罕姷黄嗣袢褐诜务",
    "?!敝醒胝府鞍l展",
    "https://www.example.org.cn/a.html?id=7&from=weibo#top",
    "#两会#",
    "#",
    "C#",
    "#12",
    "#xff1a;",
    "&#65306;",
    "#65306;",
    "&#20013;",
    "#x3001;",
    "&#x41;",
]


@st.composite
def gbk_one_byte_off(draw) -> str:
    """A simplified line whose GBK bytes lost one byte, decoded with ``?`` for the bad pair."""
    line = draw(st.sampled_from([li for li in EXPECTED_LINES if len(li) >= 8]))
    data = line.encode("gbk", errors="replace")
    cut = draw(st.integers(0, len(data) - 1))
    return (data[:cut] + data[cut + 1 :]).decode("gbk", errors="replace").replace("\ufffd", "?")


tricky_piece = st.sampled_from(TRICKY_PIECES)
#: Pieces glued with and without separators, so that 著 and ``?`` meet their neighbours.
everyday_documents = _joined(
    st.one_of(
        _slice(EXPECTED_LINES),
        tricky_piece,
        st.lists(st.one_of(tricky_piece, _slice(EXPECTED_LINES), ascii_words), min_size=2, max_size=4).map("".join),
        gbk_one_byte_off(),
        st.sampled_from(EVERYDAY_CLEAN_LINES),
        ascii_words,
    )
)


@given(everyday_documents)
@example("他带著孩子")
@example("著名著")
@example("记者问:明年的工作重点是什么?")
@example("新华社电?!敝醒胝府鞍l展")
@example("冒号#xff1a;后面")
def test_everyday_text_called_clean_is_left_exactly_as_it_is(text):
    """Text with 著, ``?`` and ``#`` is what the shortcut must judge finely; it must stay conservative."""
    if is_clean(text):
        result = normalize_text(text)
        assert result.text == text
        assert result.edits == ()
        assert result.flags == ()


@given(st.lists(st.sampled_from([*EXPECTED_LINES, *EVERYDAY_CLEAN_LINES]), min_size=1, max_size=12))
def test_clean_news_with_everyday_content_is_recognised_as_clean_without_the_pipeline(lines):
    assert is_clean("\n".join(lines) + "\n")


# --- report previews -----------------------------------------------------------------------------


previewed_documents = st.one_of(realistic_documents, annotated(traditional_documents).map(noisy))


@given(previewed_documents, st.integers(0, 4), st.integers(5, 60))
@example("協(xié)會\n開會\r\n﹔著\n", 2, 5)
def test_a_preview_built_from_the_lines_shown_equals_one_built_from_every_edit(doc, max_lines, line_chars):
    fast = build_preview(normalize_text(doc), max_lines=max_lines, line_chars=line_chars)
    whole = normalize_text(doc)
    assert fast == preview_from_edits(whole.source, whole.edits, max_lines=max_lines, line_chars=line_chars)
