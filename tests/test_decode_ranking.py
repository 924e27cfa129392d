"""How legacy candidates are ranked: the counts behind plausibility (numpy or Python, same
numbers), readings that cannot win left uncounted, chardet asked only when its answer could
change the choice, and valid UTF-8 judged without numpy or chardet."""

from __future__ import annotations

import codecs
import random
import subprocess
import sys
from unittest import mock

import pytest
from corpus_texts import REPO, SEED_000, encodes, expected_texts, lines_of, load_seeds, seed_texts
from hypothesis import example, given
from hypothesis import strategies as st

from normalizer import DecodeError, decode_bytes
from normalizer import decode as dec
from normalizer import decode_ranking as ranking
from normalizer.charsets import common_chars, frequent_chars

LINES = lines_of(seed_texts()) + lines_of(expected_texts())
CHARS = sorted({c for line in LINES for c in line})
SOME_COMMON = sorted(common_chars())[::37]
SOME_FREQUENT = sorted(frequent_chars())[::11]
ODD = ["\ufffd", "\udc80", "\udcff", "😀", "𠮷", "\x00", "é", "ロ", "①", "\u3000", "—", "“", "\uf90a", "\ue000"]

texts = st.text(
    st.one_of(
        st.sampled_from(CHARS + SOME_COMMON + SOME_FREQUENT + ODD),
        st.characters(codec=None, exclude_categories=()),  # anything, lone surrogates included
        st.sampled_from("abc 19\n"),
    ),
    max_size=400,
)


# --- counting ------------------------------------------------------------------------------


def _reference_counts(text: str) -> tuple[int, int, int]:
    """What decode.py counted before the numpy table: Python set lookups over every character."""
    non_ascii = sum(1 for c in text if ord(c) >= 128)
    return non_ascii, sum(map(common_chars().__contains__, text)), sum(map(frequent_chars().__contains__, text))


@given(texts)
@example("")
@example("abc")
@example("中文" * 300)  # past VECTORIZE_MIN: numpy when not told otherwise
def test_numpy_and_python_counts_agree_with_the_reference(text):
    expected = _reference_counts(text)
    assert ranking.counts(text, vectorized=True) == expected
    assert ranking.counts(text, vectorized=False) == expected
    assert ranking.counts(text) == expected


@given(texts)
def test_plausibility_and_frequency_are_shares_of_the_counts(text):
    non_ascii, common, frequent = _reference_counts(text)
    assert dec.plausibility(text) == (common / non_ascii if non_ascii else 1.0)
    assert dec.frequency(text) == (frequent / non_ascii if non_ascii else 0.0)


def test_the_sets_hold_no_ascii_and_no_replacement_character():
    # Python counting skips ASCII runs, and _cannot_win bounds plausibility by the U+FFFD share.
    both = common_chars() | frequent_chars()
    assert not any(c.isascii() for c in both)
    assert "\ufffd" not in both


# --- chardet only when it matters ------------------------------------------------------------


def _outcome(data: bytes, errors: str):
    try:
        r = decode_bytes(data, errors=errors)
    except DecodeError as err:
        return ("error", str(err), err.offset, err.encoding), ()
    return (r.text, r.encoding, r.edits, r.plausibility), r.candidates


def _assert_same_as_always_asking_chardet(data: bytes) -> None:
    for errors in ("strict", "replace"):
        outcome, candidates = _outcome(data, errors)
        with mock.patch.object(dec, "_hint_matters", return_value=True):
            always, always_candidates = _outcome(data, errors)
        assert outcome == always
        # Without chardet's answer, the candidate it would have added (and that would not have won) is missing.
        extra = [c for c in always_candidates if c not in candidates]
        assert len(extra) <= 1
        assert [c for c in always_candidates if c not in extra] == list(candidates)


ENCODINGS = ["utf-8", "gb18030", "gbk", "big5", "big5hkscs", "utf-16-le", "utf-16-be", "cp950", "latin-1", "shift_jis"]


@st.composite
def legacy_bytes(draw) -> bytes:
    pieces = draw(st.lists(st.one_of(st.sampled_from(LINES), st.text(st.sampled_from(CHARS + ODD[4:]))), max_size=6))
    text = "\n".join(pieces)
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, 12))]  # a few characters: where near-ties happen
    data = bytearray(text.encode(draw(st.sampled_from(ENCODINGS)), "replace"))
    for _ in range(draw(st.integers(0, 3))):
        data.insert(draw(st.integers(0, len(data))), draw(st.sampled_from([0x00, 0x80, 0xA1, 0xD8, 0xFF])))
    return bytes(data)


@given(legacy_bytes())
@example("謝謝".encode("big5"))
@example("謝謝你".encode("big5"))
@example("展".encode("gb18030"))  # also valid UTF-8 (Armenian չ)
@example("中文".encode("utf-16-le"))
@example(b"\xa4\xa4\xa4\xe5\xa1\x40\xc6\xa1")
def test_skipping_chardet_changes_no_outcome(data):
    _assert_same_as_always_asking_chardet(data)


def _paragraphs() -> list[bytes]:
    rng = random.Random(7)
    simplified = lines_of(expected_texts(), min_len=20)
    traditional = lines_of([load_seeds()[SEED_000][0].decode("utf-8")], min_len=20)
    found = []
    for line in rng.sample(simplified, 8) + rng.sample(traditional, 8):
        for codec in ("gb18030", "big5", "big5hkscs", "utf-16-le", "utf-16-be"):
            if encodes(line, codec):
                found.append(line.encode(codec))
    return found


@pytest.mark.parametrize("data", _paragraphs())
def test_skipping_chardet_changes_no_outcome_on_real_paragraphs(data):
    _assert_same_as_always_asking_chardet(data)


def test_gb18030_news_does_not_need_chardet():
    data = "\n".join(lines_of(expected_texts(), min_len=20)[:10]).encode("gb18030")
    with mock.patch.object(dec, "_chardet_guess", side_effect=AssertionError("chardet asked")):
        assert decode_bytes(data).encoding == "gb18030"


def _big5_news() -> str:
    return "\n".join(lines_of([load_seeds()[SEED_000][0].decode("utf-8")], min_len=20)[:5]).replace("\u00a0", " ")


def test_big5_news_is_named_big5_without_asking_chardet():
    # Big5-HKSCS reads these bytes alike: the text gets the narrower name, whatever chardet would say.
    text = _big5_news()
    with mock.patch.object(dec, "_chardet_guess", side_effect=AssertionError("chardet asked")):
        result = decode_bytes(text.encode("big5"))
    assert (result.encoding, result.text) == ("big5", text)


def test_chardet_naming_big5hkscs_for_text_big5_reads_alike_still_gives_big5():
    with (
        mock.patch.object(dec, "_hint_matters", return_value=True),
        mock.patch.object(dec, "_chardet_guess", return_value="big5hkscs") as guess,
    ):
        result = decode_bytes(_big5_news().encode("big5"))
    assert guess.call_count == 1
    assert result.encoding == "big5"


@pytest.mark.parametrize("answer", ["big5", "big5hkscs"])
def test_big5_text_that_big5hkscs_reads_otherwise_is_named_by_chardet(answer):
    # C6 A1 is ヾ in Big5 and ① in Big5-HKSCS: which the file meant, chardet's answer settles.
    data = (_big5_news() + "\n第ヾ條").encode("big5")
    with mock.patch.object(dec, "_chardet_guess", return_value=answer) as guess:
        result = decode_bytes(data)
    assert guess.call_count == 1
    assert (result.encoding, result.text) == (answer, data.decode(answer))


def test_big5hkscs_reads_big5_alike_but_for_the_characters_hkscs_differs_names():
    differ = alike = 0
    for lead in range(0x81, 0xFF):
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            code = bytes((lead, trail))
            try:
                as_big5 = code.decode("big5")
            except UnicodeDecodeError:
                continue
            if dec.HKSCS_DIFFERS.search(as_big5):
                same = code.decode("big5hkscs", "replace") == as_big5
                differ, alike = differ + (not same), alike + same
            else:
                assert code.decode("big5hkscs", "replace") == as_big5, code.hex()
    assert (differ, alike) == (249, 0)  # the class names just the codes the two read otherwise


@given(st.binary(max_size=64))
@example(b"\x00")
@example(b"\x00\xd8")
@example(b"\x00\xd8\x00\xdc")
@example(b"\x00\xdc\x00\xd8a")
def test_utf16_without_a_bom_reads_in_native_order(data):
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    assert data.decode("utf-16", "replace") == data.decode(dec._NATIVE_UTF16, "replace")


@given(texts, texts, st.booleans())
def test_a_reading_that_cannot_win_leaves_the_best_chosen(best_text, text, near_best):
    best = ranking.read_as(b"", "gb18030", None, best_text)
    if near_best:  # a best whose score the other can come close to
        text = best_text + text[:3]
    other = ranking.read_as(b"", "utf-16-le", None, text)
    if ranking.cannot_win(text, best):
        assert ranking.choose([best, other], "utf-16-le") is best


@st.composite
def long_legacy_bytes(draw) -> bytes:
    """Legacy bytes longer than the head that head_cannot_win decodes, sometimes damaged."""
    lines = draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=8))
    text = "\n".join(lines)
    raw = text.encode(draw(st.sampled_from(ENCODINGS)), "replace") or "中文".encode("gb18030")
    raw *= dec.SAMPLE_BYTES // len(raw) + 2
    data = bytearray(raw[: draw(st.integers(ranking.HEAD_BYTES + 1, dec.SAMPLE_BYTES + 100))])
    for _ in range(draw(st.integers(0, 3))):
        data.insert(draw(st.integers(0, len(data))), draw(st.sampled_from([0x00, 0x80, 0xD8, 0xDC, 0xFF])))
    return bytes(data)


@given(long_legacy_bytes(), st.sampled_from(["utf-16-le", "utf-16-be", "utf-8"]))
def test_a_utf16_or_utf8_reading_ruled_out_by_its_head_cannot_win_whole(data, codec):
    sample = ranking.sample_of(data)
    for best in dec._rank_legacy(data)[:2]:
        if ranking.head_cannot_win(sample, codec, best):
            whole = ranking.read_as(sample, codec, None)
            assert ranking.choose([best, whole], codec) is best


@given(long_legacy_bytes(), st.sampled_from(["utf-16-le", "utf-16-be", "utf-8"]))
def test_the_bound_from_a_heads_replacement_characters_alone_is_never_tighter(data, codec):
    sample = ranking.sample_of(data)
    counted = ranking.head_ceiling(sample, codec)
    for best in dec._rank_legacy(data)[:2]:
        rough = ranking.head_ceiling(sample, codec, best=best)
        if counted is None:  # a short sample, or an ASCII head
            assert rough is None
        else:
            assert rough is not None and rough[0] >= counted[0] and rough[1] == counted[1]


@given(long_legacy_bytes())
def test_ruling_utf16_out_by_its_head_changes_no_outcome(data):
    for errors in ("strict", "replace"):
        outcome = _outcome(data, errors)
        with mock.patch.object(dec, "head_cannot_win", return_value=False):
            assert _outcome(data, errors) == outcome


def _assert_same_as_counting_every_reading(data: bytes) -> None:
    for errors in ("strict", "replace"):
        outcome, candidates = _outcome(data, errors)
        with mock.patch.object(ranking, "loses", return_value=False):  # no reading is ever ruled out
            every, every_candidates = _outcome(data, errors)
        assert outcome == every
        # Those left out (and chardet's, asked when nothing is ruled out) are missing from the list.
        assert set(candidates) <= set(every_candidates)


@given(st.one_of(legacy_bytes(), long_legacy_bytes()))
def test_leaving_readings_that_cannot_win_uncounted_changes_no_outcome(data):
    _assert_same_as_counting_every_reading(data)


@pytest.mark.parametrize("data", _paragraphs())
def test_leaving_readings_that_cannot_win_uncounted_changes_no_outcome_on_real_paragraphs(data):
    _assert_same_as_counting_every_reading(data)


def test_gb18030_news_read_as_big5_or_utf8_is_neither_counted_nor_listed():
    data = "\n".join(lines_of(expected_texts(), min_len=20)[:40]).encode("gb18030")
    assert len(data) > ranking.HEAD_BYTES  # UTF-8 is ruled out by its head
    with mock.patch.object(ranking, "counts", wraps=ranking.counts) as counted:
        result = decode_bytes(data)
    assert result.encoding == "gb18030"
    assert [codec for codec, _, _ in result.candidates] == ["gb18030"]
    # GB18030 itself only: the U+FFFD in the heads of its UTF-8 reading and of the two UTF-16 ones
    # chardet could name rule those out uncounted.
    assert counted.call_count == 1


# --- avoiding repeated work ---------------------------------------------------------------------


def _long_gb(min_bytes: int) -> str:
    lines = lines_of(expected_texts(), min_len=10)
    text, i = "", 0
    while len(text.encode("gb18030")) < min_bytes:
        text += lines[i % len(lines)] + "\n"
        i += 1
    return text


def test_a_bad_byte_past_the_sample_is_still_found():
    text = _long_gb(3 * dec.SAMPLE_BYTES)
    data = text.encode("gb18030")
    cut = data.index(b"\n", 2 * dec.SAMPLE_BYTES) + 1
    corrupt = data[:cut] + b"\xff" + data[cut:]
    assert decode_bytes(data).text == text
    with pytest.raises(DecodeError) as caught:
        decode_bytes(corrupt)
    assert (caught.value.offset, caught.value.encoding) == (cut, "gb18030")
    replaced = decode_bytes(corrupt, errors="replace")
    assert [(e.start, e.before) for e in replaced.edits] == [(len(data[:cut].decode("gb18030")), "\udcff")]


def test_a_small_file_is_not_decoded_again_once_its_codec_is_chosen():
    data = "\n".join(lines_of(expected_texts(), min_len=20)[:5]).encode("gb18030")
    assert len(data) <= dec.SAMPLE_BYTES
    with mock.patch.object(dec, "_finish", wraps=dec._finish) as finish:
        result = decode_bytes(data)
    assert finish.call_args.args[-1] is result.text  # the sample's reading, not a new decode


# --- imports ---------------------------------------------------------------------------------


def test_valid_utf8_is_decoded_without_numpy_or_chardet():
    """The pre-commit hook on a clean file must not load them for decoding."""
    samples = [
        "中文新闻。\n" * 50,
        "Le café a été très apprécié à Noël.\n" * 400,  # non-Chinese UTF-8, judged in Python
        "Правительство объявило о реформе.\n" * 400,
        "plain ASCII\n",
        "",
        "résumé and naïve\n" + "in plain English text\n" * 20,  # ≤ 8 non-ASCII: ranked against legacy readings
        "résumé and naïve\n" + "in plain English text\n" * 200,  # the same, past a sample's head
    ]
    code = (
        "import sys\nfrom normalizer.decode import decode_bytes\nloaded = set(sys.modules)\n"
        f"for text in {samples!r}:\n    assert decode_bytes(text.encode()).encoding == 'utf-8'\n"
        "print(sorted(m for m in set(sys.modules) - loaded if m.split('.')[0] in ('numpy', 'chardet')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


CODECS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "utf-32-le",
    "gb18030",
    "big5",
    "big5hkscs",
    "hz",
]


@given(
    st.one_of(legacy_bytes(), st.binary(max_size=40)), st.sampled_from(CODECS), st.sampled_from(["strict", "replace"])
)
def test_finishing_equals_decoding_with_escapes_and_searching_them(data, codec, errors):
    # The reference: decode with the escaping handler, then look for escaped bytes.
    text = data.decode(codec, dec.ERROR_HANDLER)
    escaped = dec._ESCAPES.search(text) is not None
    try:
        result = dec._finish(data, codec, errors, 0.5, ())
    except DecodeError as err:
        assert escaped and errors == "strict"
        assert err.offset == dec._byte_offset(data, codec)
        return
    assert result.text == text
    assert bool(result.edits) == escaped
    assert result.edits == tuple(dec.replacement_edits(text))
    replaced = data.decode(codec, "replace")
    if "\ufffd" not in replaced:  # a reading without a replacement, as the ranking hands it over
        assert dec._finish(data, codec, errors, 0.5, (), replaced) == result
