"""Bytes → text: BOMs, UTF-8 first, GB18030 vs Big5 by plausibility, no silent guesses."""

from __future__ import annotations

import codecs
import random

import opencc
import pytest
from corpus_texts import SEED_000, SEED_001, decodes, encodes, expected_texts, lines_of, load_seeds

from normalizer import DecodeError, decode_bytes, normalize_bytes, normalize_text
from normalizer.decode import raw_bytes
from normalizer.edits import apply_edits

NEWS = "中国人民银行今天宣布,下调金融机构存款准备金率0.5个百分点。\n记者从会上获悉,全年经济增长目标基本实现。\n"
TRADITIONAL_NEWS = (
    "中國人民銀行今天宣佈,下調金融機構存款準備金率0.5個百分點。\n記者從會上獲悉,全年經濟增長目標基本實現。\n"
)


def _seed_source(name: str) -> str:
    return load_seeds()[name][0].decode("utf-8")


# --- byte-order marks -------------------------------------------------------------------

BOM_CASES = [
    ("utf-8-sig", codecs.BOM_UTF8 + NEWS.encode("utf-8"), "utf-8-sig"),
    ("utf-16-le", codecs.BOM_UTF16_LE + NEWS.encode("utf-16-le"), "utf-16"),
    ("utf-16-be", codecs.BOM_UTF16_BE + NEWS.encode("utf-16-be"), "utf-16"),
    ("utf-32-le", codecs.BOM_UTF32_LE + NEWS.encode("utf-32-le"), "utf-32"),
    ("utf-32-be", codecs.BOM_UTF32_BE + NEWS.encode("utf-32-be"), "utf-32"),
]


@pytest.mark.parametrize(("data", "reported"), [c[1:] for c in BOM_CASES], ids=[c[0] for c in BOM_CASES])
def test_a_byte_order_mark_decides_the_encoding_and_is_not_part_of_the_text(data, reported):
    result = normalize_bytes(data)
    assert result.encoding == reported
    assert result.source == NEWS
    assert result.text == NEWS
    assert result.edits == ()


def test_utf32_le_bom_is_not_mistaken_for_utf16_le_bom():
    # FF FE 00 00 starts with the UTF-16 LE mark FF FE.
    data = codecs.BOM_UTF32_LE + "人民网𠮷".encode("utf-32-le")
    assert data.startswith(codecs.BOM_UTF16_LE)
    result = decode_bytes(data)
    assert (result.encoding, result.text) == ("utf-32", "人民网𠮷")


def test_utf16_with_bom_keeps_characters_outside_the_bmp():
    text = "吉祥的𠮷字😀\n"
    result = normalize_bytes(text.encode("utf-16"))
    assert (result.encoding, result.text) == ("utf-16", text)


def test_traditional_text_behind_a_bom_is_still_converted():
    result = normalize_bytes(TRADITIONAL_NEWS.encode("utf-8-sig"))
    assert result.encoding == "utf-8-sig"
    assert result.source == TRADITIONAL_NEWS
    assert result.text == NEWS


# --- UTF-8 and trivial inputs -------------------------------------------------------------


def test_pure_ascii_is_utf8_and_untouched():
    data = b"Xinhua, 13 May 2022 (Reuters) -- nothing to see here? 100%.\n"
    result = normalize_bytes(data)
    assert result.encoding == "utf-8"
    assert result.text == result.source == data.decode("ascii")
    assert result.edits == ()
    assert result.flags == ()
    assert result.script.verdict == "none"


def test_empty_bytes_give_empty_text():
    result = normalize_bytes(b"")
    assert result.encoding == "utf-8"
    assert result.text == result.source == ""
    assert result.edits == ()
    assert result.script.verdict == "none"


def _utf8_lines_that_gb18030_also_decodes() -> list[str]:
    found = []
    for line in lines_of(expected_texts(), min_len=4):
        try:
            line.encode("utf-8").decode("gb18030")
        except UnicodeDecodeError:
            continue
        found.append(line)
    return found


UTF8_ALSO_GB = _utf8_lines_that_gb18030_also_decodes()


def test_there_are_utf8_lines_that_gb18030_also_decodes():
    assert len(UTF8_ALSO_GB) >= 3


@pytest.mark.parametrize("line", UTF8_ALSO_GB)
def test_strict_utf8_wins_over_a_legacy_codec_that_also_decodes(line):
    result = decode_bytes(line.encode("utf-8"))
    assert (result.encoding, result.text) == ("utf-8", line)


@pytest.mark.parametrize("name", [SEED_000, SEED_001])
def test_utf8_seed_is_read_as_utf8(name):
    data = load_seeds()[name][0]
    assert decode_bytes(data).encoding == "utf-8"


OTHER_SCRIPTS_UTF8 = {
    "french": "Le café a été très apprécié à Noël.\n",
    "russian": "Правительство объявило о реформе пенсионной системы.\n",
    "greek": "Η κυβέρνηση ανακοίνωσε μεταρρύθμιση.\n",
    "armenian": "Կառավարությունը հայտարարեց բարեփոխում։\n",
    "japanese": "日本政府は年金制度の改革を発表した。\n",
    "korean": "정부는 연금 제도 개혁을 발표했다.\n",
}


@pytest.mark.parametrize("text", OTHER_SCRIPTS_UTF8.values(), ids=OTHER_SCRIPTS_UTF8.keys())
def test_utf8_text_in_other_scripts_stays_utf8(text):
    result = decode_bytes(text.encode("utf-8"))
    assert (result.encoding, result.text) == ("utf-8", text)


def test_errors_must_be_strict_or_replace():
    with pytest.raises(ValueError, match="errors"):
        normalize_bytes(b"abc", errors="ignore")


# --- GB18030 versus Big5 ----------------------------------------------------------------

_s2t = opencc.OpenCC("s2t")
SIMPLIFIED_PARAGRAPHS = lines_of(expected_texts(), min_len=20)
TRADITIONAL_PARAGRAPHS = [line.replace("\u00a0", " ") for line in lines_of([_seed_source(SEED_000)], min_len=20)]
CONVERTED_PARAGRAPHS = [_s2t.convert(line) for line in SIMPLIFIED_PARAGRAPHS]

GB_CASES = [*SIMPLIFIED_PARAGRAPHS, *TRADITIONAL_PARAGRAPHS, *CONVERTED_PARAGRAPHS]
BIG5_CASES = [p for p in [*TRADITIONAL_PARAGRAPHS, *CONVERTED_PARAGRAPHS] if encodes(p, "big5")]


def test_enough_real_paragraphs_for_the_gb_big5_checks():
    assert len(SIMPLIFIED_PARAGRAPHS) >= 10
    assert len(BIG5_CASES) >= 20
    # The trap these guard against: GB18030 decodes most Big5 bytes without error.
    fooled = sum(1 for p in BIG5_CASES if decodes(p.encode("big5"), "gb18030"))
    assert fooled >= len(BIG5_CASES) // 2


@pytest.mark.parametrize("paragraph", GB_CASES)
def test_gb18030_paragraph_is_read_as_gb18030_not_big5(paragraph):
    result = decode_bytes(paragraph.encode("gb18030"))
    assert result.encoding == "gb18030"
    assert result.text == paragraph


@pytest.mark.parametrize("paragraph", BIG5_CASES)
def test_big5_paragraph_is_read_as_big5_not_gb18030(paragraph):
    result = decode_bytes(paragraph.encode("big5"))
    assert result.encoding == "big5"
    assert result.text == paragraph


def test_big5_news_is_converted_to_simplified():
    result = normalize_bytes(TRADITIONAL_NEWS.encode("big5"))
    assert result.encoding == "big5"
    assert result.text == NEWS


def test_utf16_without_bom_is_recognised_by_its_nul_bytes():
    text = load_seeds()[SEED_001][1]
    assert b"\x00" in text.encode("utf-16-le")
    assert normalize_bytes(text.encode("utf-16-le")).encoding == "utf-16-le"
    assert normalize_bytes(text.encode("utf-16-be")).encoding == "utf-16-be"
    assert normalize_bytes(text.encode("utf-16-le")).text == text


# --- GB18030 beyond GBK -------------------------------------------------------------------


def test_gb18030_characters_outside_gbk_decode():
    text = "吉祥的“𠮷”字和表情😀出现在今天的新闻报道中,记者从会上获悉。\n"
    for char in "𠮷😀":
        assert not encodes(char, "gbk")
    result = normalize_bytes(text.encode("gb18030"))
    assert result.encoding == "gb18030"
    assert result.text == text
    assert result.edits == ()


# --- corrupt bytes ------------------------------------------------------------------------

# (codec, text the file holds, text it normalizes to); seed 000 has the same length before
# and after normalization, so character offsets agree between the two.
CORRUPTIBLE = {
    "utf-8": (load_seeds()[SEED_001][1], load_seeds()[SEED_001][1]),
    "gb18030": (load_seeds()[SEED_001][1], load_seeds()[SEED_001][1]),
    "big5": (
        _seed_source(SEED_000).replace("\u00a0", " "),
        load_seeds()[SEED_000][1].replace("\u00a0", " "),
    ),
}

# Bytes that are invalid wherever a character may start in that codec.
BAD_BYTES = {"utf-8": b"\x80\xbf\xff", "gb18030": b"\x80\xff", "big5": b"\x80\xff"}

# (where in the text, as fractions, and how many corrupt bytes at each place)
CORRUPTIONS = [((0.5,), 1), ((0.5,), 2), ((0.5,), 3), ((0.3, 0.6), 1), ((0.25, 0.5, 0.75), 1)]


def _corrupt(codec: str, places: tuple[float, ...], n: int, rng: random.Random):
    """Insert ``n`` bad bytes at character boundaries; returns data and the insertions
    as (character offset, byte offset in the corrupt file, inserted bytes)."""
    text = CORRUPTIBLE[codec][0]
    cuts = sorted({int(len(text) * p) for p in places})
    parts, inserted, pos, byte_pos = [], [], 0, 0
    for cut in cuts:
        chunk = text[pos:cut].encode(codec)
        bad = bytes(rng.choice(BAD_BYTES[codec]) for _ in range(n))
        byte_pos += len(chunk)
        inserted.append((cut, byte_pos, bad))
        parts += [chunk, bad]
        byte_pos += len(bad)
        pos = cut
    parts.append(text[pos:].encode(codec))
    return b"".join(parts), inserted


CORRUPT_CASES = [(codec, places, n) for codec in CORRUPTIBLE for places, n in CORRUPTIONS]


@pytest.mark.parametrize(("codec", "places", "n"), CORRUPT_CASES)
def test_corrupt_bytes_raise_decode_error_at_the_first_bad_byte(codec, places, n):
    data, inserted = _corrupt(codec, places, n, random.Random(f"{codec}{places}{n}"))
    with pytest.raises(DecodeError) as caught:
        normalize_bytes(data)
    assert caught.value.offset == inserted[0][1]
    assert caught.value.encoding == codec


@pytest.mark.parametrize(("codec", "places", "n"), CORRUPT_CASES)
def test_replace_turns_each_corrupt_byte_into_one_replacement_character(codec, places, n):
    data, inserted = _corrupt(codec, places, n, random.Random(f"{codec}{places}{n}"))
    result = normalize_bytes(data, errors="replace")
    assert result.encoding == codec

    replaced = [e for e in result.edits if e.kind == "decode-replace"]
    assert len(replaced) == len(inserted)
    shift = 0
    for edit, (char_offset, _, bad) in zip(replaced, inserted):
        assert raw_bytes(edit.before) == bad
        assert edit.after == "\ufffd" * len(bad)
        assert (edit.start, edit.end) == (char_offset + shift, char_offset + shift + len(bad))
        shift += len(bad)
    assert apply_edits(result.source, result.edits) == result.text

    expected = CORRUPTIBLE[codec][1]
    pieces, pos = [], 0
    for char_offset, _, bad in inserted:
        pieces += [expected[pos:char_offset], "\ufffd" * len(bad)]
        pos = char_offset
    pieces.append(expected[pos:])
    assert result.text == "".join(pieces)
    result.text.encode("utf-8")


# --- not Chinese at all ---------------------------------------------------------------------

FRENCH = (
    "Le gouvernement français a annoncé mercredi une réforme élargie des retraites, très contestée "
    "par les syndicats.\nÀ Paris, des milliers de manifestants ont défilé jusqu'à la place de la Nation.\n"
)
JAPANESE = "日本政府は水曜日、年金制度の改革を発表した。東京では多くの人々が反対している。\n"

NOT_CHINESE = {
    "latin-1 french": FRENCH.encode("latin-1"),
    "cp1252 french": FRENCH.replace("'", "’").encode("cp1252"),
    "shift-jis japanese": JAPANESE.encode("shift_jis"),
    **{
        f"random binary {seed}": random.Random(seed).randbytes(size)
        for seed, size in [(1, 64), (2, 300), (3, 1000), (4, 4096), (5, 20000)]
    },
}


@pytest.mark.parametrize("data", NOT_CHINESE.values(), ids=NOT_CHINESE.keys())
def test_non_chinese_bytes_raise_decode_error(data):
    with pytest.raises(DecodeError) as caught:
        normalize_bytes(data)
    assert caught.value.encoding in {"gb18030", "big5", "big5hkscs", "utf-8", "utf-16-le", "utf-16-be"}


@pytest.mark.parametrize("data", NOT_CHINESE.values(), ids=NOT_CHINESE.keys())
def test_non_chinese_bytes_are_refused_even_when_replacing(data):
    # errors="replace" is for a few bad bytes in a Chinese file, not for reading
    # French or Japanese as Chinese (or as any single-byte code page).
    with pytest.raises(DecodeError):
        normalize_bytes(data, errors="replace")


# --- NFC ------------------------------------------------------------------------------------


def test_cjk_compatibility_ideograph_is_normalized_and_recorded_as_nfc():
    source = "人民网记者\uf90a某报道"  # U+F90A → U+91D1 金
    result = normalize_text(source)
    assert result.text == "人民网记者金某报道"
    assert [(e.kind, e.start, e.end, e.before, e.after) for e in result.edits] == [("nfc", 5, 6, "\uf90a", "金")]


def test_compatibility_ideograph_in_utf8_bytes_is_normalized_too():
    result = normalize_bytes("記者\uf90a某".encode())
    assert result.text == "记者金某"
    assert ("nfc", "\uf90a", "金") in [(e.kind, e.before, e.after) for e in result.edits]


def test_nfc_and_conversion_of_the_same_character_merge_into_one_edit():
    # U+F900 is 豈 (traditional of 岂): NFC, then t2s, at the same place.
    result = normalize_text("這是\uf900有此理的事情")
    assert result.text == "这是岂有此理的事情"
    assert ("nfc+convert", 2, 3, "\uf900", "岂") in [(e.kind, e.start, e.end, e.before, e.after) for e in result.edits]


def test_combining_accent_is_composed_and_recorded():
    result = normalize_text("咖啡cafe\u0301")
    assert result.text == "咖啡café"
    assert [e.kind for e in result.edits] == ["nfc"]
    assert apply_edits(result.source, result.edits) == result.text


def test_valid_utf8_whose_legacy_reading_fails_past_the_sample_stays_utf8():
    # 展 in GB18030 (D5 B9) is also valid UTF-8; a legacy reading judged on the head of
    # the file must not be taken when the rest of the file is not valid in that codec.
    data = "展".encode("gb18030") + b"a" * 20_000 + "€".encode()
    result = decode_bytes(data)
    assert result.encoding == "utf-8"
    assert result.text == data.decode("utf-8")
