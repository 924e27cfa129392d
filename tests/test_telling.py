"""Traditional text that has no traditional-only character is still recognised and
converted (variant forms, words, the particle 著), and simplified text still is not."""

import opencc
import pytest
from corpus_texts import expected_texts, lines_of

from normalizer import normalize_text
from normalizer.model import FIX
from normalizer.script import detect_script


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("乾杯", "干杯"),  # a word: OpenCC writes 干杯 back as 乾杯
        ("祝你步步高陞", "祝你步步高升"),  # a variant form t2s changes outside names
        ("父母八字相剋", "父母八字相克"),
        ("秋天穿袷衣", "秋天穿夹衣"),
        ("不要惹著他", "不要惹着他"),  # 著 after a verb, outside a 著 word
        ("他拍著我的肩膀", "他拍着我的肩膀"),
        ("她看著有些累", "她看着有些累"),  # 著有 after a verb is no "has written"
    ],
)
def test_text_whose_only_telling_forms_are_variants_words_or_the_particle_is_converted(traditional, simplified):
    result = normalize_text(traditional)
    assert result.text == simplified
    assert result.script.verdict == "traditional"


@pytest.mark.parametrize("text", ["王丙乾", "乾隆皇帝", "乾坤", "甯采臣", "中国人民"])
def test_text_of_characters_both_scripts_write_is_left_as_it_is(text):
    result = normalize_text(text)
    assert result.text == text
    assert result.edits == ()


def test_a_name_that_stock_t2s_would_damage_gives_no_evidence():
    # t2s turns the name 王丙乾 into 王丙干; s2t writes 王丙干 back as 王丙幹, not 王丙乾,
    # so the 乾 here is not the traditional form of a word.
    assert opencc.OpenCC("t2s").convert("王丙乾") == "王丙干"
    assert detect_script("王丙乾").counts.traditional == 0


def test_a_variant_form_counts_as_traditional_evidence_against_simplified_characters():
    # OpenCC's own case: 袷衣 and 袷裙 are written in traditional forms, 夹衣 is simplified.
    result = normalize_text("袷袢 袷衣 袷裙；袷袢 夹衣 夹裙")
    assert result.text == "袷袢 夹衣 夹裙；袷袢 夹衣 夹裙"


def test_a_word_is_no_evidence_where_the_text_has_simplified_characters():
    # 乾杯 next to simplified text may be a quotation or a name: only variant forms count there.
    assert detect_script("来，乾杯").counts.traditional == 0


def test_every_line_of_real_simplified_news_alone_is_unchanged():
    for line in lines_of(expected_texts(), min_len=2):
        assert normalize_text(line).text == line, line


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("你到底在說甚麼？", "你到底在说什么？"),
        ("他在想甚么", "他在想什么"),  # the same variant word written in simplified characters
        ("列甯格勒保衛戰", "列宁格勒保卫战"),  # a transliteration: OpenCC writes 列寧
        ("列甯", "列宁"),
        ("甯靜致遠", "宁静致远"),
    ],
)
def test_variant_forms_opencc_leaves_are_written_as_mainland_text_writes_them(traditional, simplified):
    result = normalize_text(traditional)
    assert result.text == simplified
    assert any(e.kind == FIX for e in result.edits)


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [("張鈞甯主演的電影", "张钧甯主演的电影"), ("記者甯浩報道", "记者甯浩报道"), ("楊聯陞", "杨联陞")],
)
def test_a_variant_form_in_a_name_is_kept(traditional, simplified):
    assert normalize_text(traditional).text == simplified


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他陞任总经理一职", "他升任总经理一职"),
        ("父母八字相剋，经济困难", "父母八字相克，经济困难"),
        ("列甯格勒保卫战纪念馆", "列宁格勒保卫战纪念馆"),
    ],
)
def test_variant_forms_in_simplified_text_are_written_in_standard_form(text, expected):
    # Unlike a traditional-only character in simplified news (a name such as 三塚, only
    # flagged), a variant form outside the names OpenCC lists is never written on purpose.
    result = normalize_text(text)
    assert result.script.verdict == "simplified"
    assert result.text == expected


def test_a_streamed_piece_that_still_holds_undecodable_bytes_is_counted():
    # A streamed piece keeps undecodable bytes as lone surrogates until they are replaced;
    # OpenCC cannot take them, so they pass through it as they are.
    from normalizer.model import ScriptCounts
    from normalizer.script import count_script

    assert count_script("步步高陞\udca6") == ScriptCounts(traditional=1, simplified=0)


@pytest.mark.parametrize("text", ["作家於梨华来访", "袷袢是维吾尔族的长袍"])
def test_variant_forms_that_mainland_text_writes_stay_in_simplified_text(text):
    # 於 is a surname and 袷 the qiā of 袷袢: both are GB2312 characters.
    assert normalize_text(text).text == text


@pytest.mark.parametrize("text", ["这是甚么问题", "他陞任总经理", "步步高陞", "乾杯"])
def test_text_the_conversion_would_change_is_never_called_clean(text):
    from normalizer.pipeline import is_clean

    assert normalize_text(text).text != text
    assert not is_clean(text)
