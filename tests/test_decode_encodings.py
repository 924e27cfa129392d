"""Encodings that used to come out silently wrong: UTF-32/UTF-16 without a byte-order
mark, HZ-GB-2312, EUC-TW and ISO-2022-CN.

Each is decoded right or refused with a :class:`DecodeError` that names it; none is
read as something else. Files are made with Python's codecs and, for the encodings
Python lacks, with the C library's ``iconv`` (part of every glibc system), from the
shared seeds and expected texts, in sizes from 60 bytes to 2 MB.
"""

from __future__ import annotations

import codecs
import struct
import subprocess
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus_texts import decodes, encodes, expected_texts, lines_of, make_tree, seed_texts
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from normalizer import DecodeError, decode_bytes, normalize_bytes
from normalizer.charsets import common_chars, frequent_chars
from normalizer.cli import main
from normalizer.hook import FIXED, process
from normalizer.inputs import binary_reason
from normalizer.lookalikes import euc_tw_as_big5
from normalizer.stream import normalize_file
from normalizer.wide import bomless_unicode

SIZES = [60, 300, 2_000, 20_000, 2_000_000]
WIDE = ["utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be"]
ENGLISH = "The quick brown fox jumps over the lazy dog.\nPack my box with five dozen liquor jugs!\n"


def iconv(text: str, encoding: str) -> bytes:
    """``text`` in ``encoding`` by the C library's converter (characters it lacks dropped)."""
    done = subprocess.run(["iconv", "-c", "-f", "UTF-8", "-t", encoding], input=text.encode(), capture_output=True)
    assert done.stdout, done.stderr
    return done.stdout


def of_size(texts: list[str], codec: str, size: int) -> str:
    """Whole lines of ``texts`` that ``codec`` holds, repeated up to about ``size`` bytes
    in that codec (small sizes end inside a line)."""
    lines = [line + "\n" for line in lines_of(texts) if encodes(line, codec)]
    per_round = len("".join(lines).encode(codec))
    text = "".join(lines) * (size // per_round + 1)
    chars = size * len(text) // len(text.encode(codec))  # about size bytes
    return text[:chars]


@cache
def simplified(size: int, codec: str) -> str:
    return of_size(expected_texts(), codec, size)


@cache
def traditional(size: int) -> str:
    return of_size(seed_texts()[:1], "big5", size)


# --- UTF-32 and UTF-16 without a byte-order mark -------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("codec", WIDE)
def test_utf32_and_utf16_without_bom_are_decoded_in_their_byte_order(codec, size):
    text = simplified(size, codec)
    data = text.encode(codec)
    assert not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    result = decode_bytes(data)
    assert (result.encoding, result.text) == (codec, text)


@pytest.mark.parametrize("codec", WIDE)
def test_english_in_utf32_or_utf16_without_bom_is_not_read_as_utf8_with_nul_bytes(codec):
    # UTF-16/32 of ASCII is valid UTF-8: a NUL byte after (or before) every letter.
    data = ENGLISH.encode(codec)
    data.decode("utf-8")
    result = decode_bytes(data)
    assert (result.encoding, result.text) == (codec, ENGLISH)


OTHER_SCRIPTS = [
    "Привет, мир! Это обычный русский текст без китайских букв.\n",  # U+041F swapped is Greek U+1F04
    "Café, résumé, naïve: “quoted” text — with dashes.\n",
    "<p>Gothic \U00010330\U00010331 and Deseret \U00010400 outside the BMP</p>\n",
]


@pytest.mark.parametrize("codec", WIDE)
@pytest.mark.parametrize("text", OTHER_SCRIPTS, ids=["russian", "latin", "plane-1"])
def test_text_in_other_scripts_without_bom_is_decoded_in_its_byte_order(text, codec):
    # Not Chinese, so no reading is plausible Chinese: the structure decides, as a BOM would.
    data = (text * 3).encode(codec)
    result = decode_bytes(data)
    assert (result.encoding, result.text) == (codec, text * 3)


def test_utf32_without_bom_goes_through_the_whole_pipeline():
    text = simplified(300, "utf-32-le")
    result = normalize_bytes(text.encode("utf-32-le"))
    assert result.encoding == "utf-32-le"
    assert result.source == text
    assert "\x00" not in result.text


def test_truncated_utf32_without_bom_is_refused_at_its_incomplete_last_unit():
    data = "人民网记者报道\n".encode("utf-32-be")[:-2]
    with pytest.raises(DecodeError) as caught:
        decode_bytes(data)
    assert (caught.value.encoding, caught.value.offset) == ("utf-32-be", len(data) - 2)
    replaced = normalize_bytes(data, errors="replace")
    assert replaced.text == "人民网记者报道\ufffd\ufffd"


@pytest.mark.parametrize("codec", WIDE)
def test_utf32_and_utf16_without_bom_are_text_to_the_binary_sniffer(codec):
    head = simplified(20_000, codec).encode(codec)[:8192]
    assert bomless_unicode(head) == ("utf-16" if codec.startswith("utf-16") else codec)
    assert binary_reason(head) is None


@pytest.mark.parametrize(
    "data",
    [
        struct.pack("<2048i", *range(2048)),  # small integers: UTF-32 code points below space
        bytes(4096),
        b"REC\x00\x01\x00\x00\x00" * 512,
    ],
    ids=["int32-array", "zeros", "header-records"],
)
def test_binary_with_nul_bytes_is_neither_utf32_nor_utf16(data):
    assert bomless_unicode(data) is None
    assert binary_reason(data) == "binary (NUL bytes in the first 8 KB)"


@pytest.mark.parametrize("data", [b"\x00", b"\x00\x00", bytes(4), bytes(8)])
def test_a_few_nul_bytes_are_no_utf32_or_utf16_text(data):
    assert bomless_unicode(data) is None


def test_text_without_nul_bytes_is_not_asked_about_utf16():
    assert bomless_unicode("中文".encode("utf-16-le")) is None  # no NUL: left to the ranking
    assert bomless_unicode(b"plain ascii") is None


def test_gb18030_with_one_stray_nul_is_still_read_as_gb18030():
    # A NUL character counts against a reading, so the GB18030 reading keeps its place.
    text = expected_texts()[0][:200]
    data = text.encode("gb18030") + b"\x00"
    result = decode_bytes(data)
    assert (result.encoding, result.text) == ("gb18030", text + "\x00")


# --- HZ-GB-2312 ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_hz_is_decoded(size):
    text = simplified(size, "hz")
    data = text.encode("hz")
    assert data.isascii() and b"~{" in data
    result = decode_bytes(data)
    assert (result.encoding, result.text) == ("hz", text)


def test_hz_news_is_normalized_like_the_same_text_in_utf8():
    text = simplified(2_000, "hz")
    assert normalize_bytes(text.encode("hz")).text == normalize_bytes(text.encode("utf-8")).text


PROSE_WITH_TILDE_BRACES = [
    "In HZ, ~{ starts GB text and ~} ends it.\n",
    "Type ~{ab~} to see what happens, or ~{~} for nothing.\n",  # valid HZ, but 徕 alone is no Chinese text
    "Home is ~/src; ~~ is a doubled tilde; {x~y} is a set; a~{b}c is LaTeX.\n",
    "~{\n",
]


@pytest.mark.parametrize("text", PROSE_WITH_TILDE_BRACES)
def test_ascii_prose_with_tilde_braces_stays_as_it_is(text):
    result = normalize_bytes(text.encode())
    assert (result.encoding, result.text, result.edits) == ("utf-8", text, ())


def test_a_valid_hz_run_of_rare_characters_is_not_taken_for_hz():
    # The structure alone is not enough: the decoded text must be plausible Chinese.
    assert b"~{ab~}".decode("hz") == "徕"
    assert decode_bytes(b"Type ~{ab~} here").text == "Type ~{ab~} here"


_WORDS = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_WORDS, st.sampled_from(["~{", "~}", "~~"])), min_size=1, max_size=40))
def test_ascii_words_with_tilde_braces_between_them_are_never_decoded_as_hz(words):
    # Words separated by spaces: a space is no HZ byte pair, so no run reads as Chinese.
    text = " ".join(words) + "\n"
    result = decode_bytes(text.encode())
    assert (result.encoding, result.text) == ("utf-8", text)


def test_damaged_hz_is_refused_with_the_bad_byte_or_replaced_when_asked():
    good = simplified(300, "hz").encode("hz")
    start = good.index(b"~{") + 2
    data = good[:start] + b"\x7f" + good[start + 1 :]  # DEL inside a GB run
    with pytest.raises(DecodeError) as caught:
        decode_bytes(data)
    assert caught.value.encoding == "hz"
    replaced = normalize_bytes(data, errors="replace")
    assert replaced.encoding == "hz" and "\ufffd" in replaced.text
    assert {e.kind for e in replaced.edits if "\ufffd" in e.after} == {"decode-replace"}


# --- EUC-TW and ISO-2022-CN: refused by name ---------------------------------------------------


@pytest.mark.parametrize("errors", ["strict", "replace"])
@pytest.mark.parametrize("size", SIZES)
def test_euc_tw_is_refused_by_name(size, errors):
    data = iconv(traditional(size), "EUC-TW")
    data.decode("gb18030")  # GB18030 decodes it without error: only the names below tell
    with pytest.raises(DecodeError) as caught:
        decode_bytes(data, errors=errors)
    assert caught.value.encoding == "euc-tw"
    assert "EUC-TW" in caught.value.reason


def test_euc_tw_check_leaves_gb2312_text_of_rare_characters_alone():
    # GB2312 bytes are EUC-TW-shaped too; common but infrequent characters make the
    # GB18030 reading infrequent, which is when EUC-TW is compared, and GB still wins.
    rare = sorted(c for c in common_chars() - frequent_chars() if encodes(c, "gb2312") and "\u4e00" <= c <= "\u9fff")
    text = "".join(rare[::37][:60]) + "\n"
    result = decode_bytes(text.encode("gb18030"))
    assert (result.encoding, result.text) == ("gb18030", text)


def test_euc_tw_evidence_reads_nearly_every_character_as_the_c_library_does():
    # The refusal compares readings; the EUC-TW one is made by mapping CNS 11643 places to Big5.
    data = iconv(traditional(20_000), "EUC-TW")
    reference = subprocess.run(["iconv", "-f", "EUC-TW", "-t", "UTF-8"], input=data, capture_output=True).stdout
    ours = euc_tw_as_big5(data).decode("big5", "replace")
    theirs = reference.decode("utf-8")
    assert len(ours) == len(theirs)
    assert sum(a == b for a, b in zip(ours, theirs)) >= 0.99 * len(theirs)


# --- Korean and Japanese double-byte encodings: their rows fall where GB's and Big5's do ------

KOREAN = (
    "서울 시청 앞 광장에서 오늘 오후 시민 수천 명이 모여 새해 맞이 행사를 열었다.\n"
    "행사는 저녁 늦게까지 이어졌으며 많은 가족들이 함께 참여했다.\n"
)
JAPANESE = "東京の新聞によると、今年の夏はとても暑くなる見込みです。多くの人が海や山へ出かける予定だと話しています。\n"


LOOKALIKE_CASES = [(KOREAN, "euc_kr", "EUC-KR"), (KOREAN, "cp949", "EUC-KR"), (JAPANESE, "euc_jp", "EUC-JP")]


@pytest.mark.parametrize("size", [60, 300, 20_000])
@pytest.mark.parametrize(("text", "codec", "name"), LOOKALIKE_CASES, ids=["euc-kr", "cp949", "euc-jp"])
def test_korean_and_japanese_double_byte_text_is_refused_by_name_not_read_as_chinese(text, codec, name, size):
    repeated = text * (size // len(text.encode(codec)) + 1)
    data = repeated[: size * len(repeated) // len(repeated.encode(codec))].encode(codec)  # about size bytes
    with pytest.raises(DecodeError) as caught:
        decode_bytes(data)
    assert caught.value.encoding == name.lower()
    assert name in caught.value.reason


def test_a_space_separated_list_of_surnames_is_chinese_not_korean():
    # Their GB bytes read as EUC-KR are all Hangul, spaced like words, but not Korean's syllables.
    text = "陈 黄 李 刘 何 郭 高 林 罗 梁 蔡 曹 邓 冯 韩 胡 江 金 雷 陆 马 毛 孟 潘 彭 钱 秦\n"
    assert set(text.encode("gb18030").decode("cp949")) - set(" \n") <= {chr(c) for c in range(0xAC00, 0xD7A4)}
    result = decode_bytes(text.encode("gb18030"))
    assert (result.encoding, result.text) == ("gb18030", text)


def test_short_big5_whose_euc_jp_reading_has_a_kana_is_still_big5():
    # 心 is A4DF in Big5, which EUC-JP reads as hiragana み; 醉 (BE4B) is no EUC-JP at all.
    text = "心醉鳳凰嶺"
    assert text.encode("big5").decode("euc_jp", "replace").startswith("み")
    result = decode_bytes(text.encode("big5"))
    assert (result.encoding, result.text) == ("big5", text)


@cache
def _hanzi_of(codec: str) -> list[str]:
    return sorted(c for c in common_chars() if "\u4e00" <= c <= "\u9fff" and encodes(c, codec))


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["gb18030", "big5"]).flatmap(
        lambda codec: st.tuples(
            st.just(codec),
            st.lists(
                st.tuples(st.sampled_from(_hanzi_of(codec)), st.sampled_from(["", "", " ", "\n"])),
                min_size=12,
                max_size=80,
            ),
        )
    )
)
def test_chinese_of_common_characters_is_never_taken_for_a_lookalike_encoding(case):
    # However infrequent the characters and however spaced, GB and Big5 text reads as itself.
    codec, pieces = case
    text = "".join(c + sep for c, sep in pieces)
    assume(not decodes(text.encode(codec), "utf-8"))  # (short GB text can be valid UTF-8: another matter)
    result = decode_bytes(text.encode(codec))
    assert (result.encoding, result.text) == (codec, text)


@pytest.mark.parametrize(
    "text",
    [
        "一一一一乒乓乓乓乓乓匹匹",  # as EUC-TW 爰爰爰爰叱比比比比比卉卉: as common, a little more frequent
        "一一丁丁丁丁丁丁丁丁 促促",  # as EUC-KR 寧寧땀땀땀땀땀땀땀땀 다다: two syllables, one of them frequent
        "一一丁丁丁丁丁丁丁 不促促",  # as EUC-KR 寧寧땀땀땀땀땀땀땀 꼇다다: three syllables
        "一一丁丁丁 七三丘丙丛促荐",  # as EUC-KR 寧寧땀땀땀 펌힛헴깩님다수: ten syllables, two of them frequent
        "一一丸乃乒亦亦亦亦伸伸倥",  # as EUC-TW 爰爰拇大叱看看看看妞妞啤: 42% frequent, against 17%
        "一一丁丁丁丁 不丘 乱伋促促",  # as EUC-KR 寧寧땀땀땀땀 꼇헴 쫘겞다다: one frequent syllable, twice
    ],
)
def test_short_gb_text_of_repeated_characters_is_not_taken_for_a_lookalike(text):
    result = decode_bytes(text.encode("gb18030"))
    assert (result.encoding, result.text) == ("gb18030", text)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("texts", "marker"), [("simplified", b"\x1b$)A"), ("traditional", b"\x1b$)G")])
def test_iso_2022_cn_is_refused_by_name(texts, marker, size):
    text = simplified(size, "gb2312") if texts == "simplified" else traditional(size)
    data = iconv(text, "ISO-2022-CN")
    assert data.isascii() and marker in data
    for errors in ("strict", "replace"):
        with pytest.raises(DecodeError) as caught:
            decode_bytes(data, errors=errors)
        assert caught.value.encoding == "iso-2022-cn"
        assert "ISO-2022-CN" in caught.value.reason and "iconv -f ISO-2022-CN" in caught.value.reason
        assert caught.value.offset == data.index(b"\x1b$")


@pytest.mark.parametrize(
    ("codec", "name"), [("iso2022_jp", "ISO-2022-JP"), ("iso2022_kr", "ISO-2022-KR"), ("iso2022_jp_2", "ISO-2022-JP")]
)
def test_other_iso_2022_encodings_are_refused_by_name(codec, name):
    data = "東京の新聞。서울 中国".encode(codec) if codec == "iso2022_jp_2" else "東京の新聞。".encode(codec)
    if codec == "iso2022_kr":
        data = "서울 신문".encode(codec)
    with pytest.raises(DecodeError) as caught:
        decode_bytes(data)
    assert name in caught.value.reason


def test_terminal_colour_codes_are_not_iso_2022():
    text = "\x1b[31merror\x1b[0m: build failed\x1b(B\n"
    result = decode_bytes(text.encode())
    assert (result.encoding, result.text) == ("utf-8", text)


# --- the command line and the large-file path --------------------------------------------------


def _tree(root: Path) -> tuple[Path, dict[str, str]]:
    """A tree with one file per encoding; returns it and the text each decodable file holds."""
    texts = {codec: simplified(2_000, codec) for codec in [*WIDE, "hz"]}
    files = {f"{codec}.txt": text.encode(codec) for codec, text in texts.items()}
    files["euc-tw.txt"] = iconv(traditional(2_000), "EUC-TW")
    files["iso-2022-cn.txt"] = iconv(traditional(2_000), "ISO-2022-CN")
    return make_tree(root, files), {f"{codec}.txt": text for codec, text in texts.items()}


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_run_decodes_bomless_unicode_and_hz_and_refuses_euc_tw_and_iso_2022_cn(tmp_path, monkeypatch, streamed):
    if streamed:  # every file over the threshold goes through normalizer.stream
        monkeypatch.setenv("ZHNORM_STREAM_BYTES", "1000")
    src, texts = _tree(tmp_path / "raw")
    dst = tmp_path / "clean"
    result = CliRunner().invoke(main, ["run", str(src), str(dst), "--jobs", "1"])
    written = {p.name: p.read_text(encoding="utf-8") for p in dst.rglob("*.txt")}
    assert written == {name: normalize_bytes(text.encode()).text for name, text in texts.items()}
    assert "EUC-TW" in result.output and "ISO-2022-CN" in result.output
    assert "binary" not in result.output


def test_detect_names_the_byte_order_of_bomless_utf32(tmp_path):
    src = make_tree(tmp_path / "raw", {"a.txt": simplified(300, "utf-32-be").encode("utf-32-be")})
    result = CliRunner().invoke(main, ["detect", str(src)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].split()[1] == "utf-32-be"


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-16-be"])
def test_the_commit_hook_fixes_a_bomless_wide_file_instead_of_calling_it_binary(tmp_path, codec):
    text = simplified(2_000, codec)
    path = tmp_path / "a.txt"
    path.write_bytes(text.encode(codec))
    outcome = process(path, fix=True)
    assert outcome.status == FIXED, outcome
    assert path.read_bytes() == normalize_bytes(text.encode()).text.encode()


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-32-be", "hz"])
def test_a_2_mb_file_streamed_in_pieces_is_decoded_as_a_whole(tmp_path, codec):
    text = simplified(2_000_000, codec)
    path = tmp_path / "big.txt"
    path.write_bytes(text.encode(codec))
    survey, pieces = normalize_file(path, piece_chars=50_000)
    assert survey.encoding == codec
    assert "".join(p.result.source for p in pieces) == text


@pytest.mark.parametrize("encoding", ["EUC-TW", "ISO-2022-CN"])
def test_a_2_mb_file_in_an_encoding_without_decoder_is_refused_before_any_piece(tmp_path, encoding):
    path = tmp_path / "big.txt"
    path.write_bytes(iconv(traditional(2_000_000), encoding))
    with pytest.raises(DecodeError) as caught:
        normalize_file(path, errors="replace")
    assert encoding in caught.value.reason
