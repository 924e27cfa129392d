"""Conversion to mainland simplified: right for news (著/着), and no harm to simplified text."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from normalizer import normalize_text
from normalizer.convert import zhe_matches, zhe_pattern
from normalizer.model import CONVERT, FIX, PUNCTUATION


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("他帶著孩子回家", "他带着孩子回家"),
        ("著眼於長遠發展", "着眼于长远发展"),
        ("成效摸得著看得見", "成效摸得着看得见"),
        ("樹品牌,帶著農民創﹔興產業,領著農民賺", "树品牌,带着农民创；兴产业,领着农民赚"),
        ("取得了顯著成效", "取得了显著成效"),
        ("著名作家的著作", "著名作家的著作"),
        ("以風景秀麗著稱", "以风景秀丽著称"),
        ("保衞祖國", "保卫祖国"),  # Hong Kong variant form, left alone by plain t2s
        ("乾隆年間", "乾隆年间"),
        ("對事業的執著追求", "对事业的执着追求"),  # Big5 has no 着: a gateway writes 著 for every 着
        ("最後一公裡", "最后一公里"),
    ],
)
def test_traditional_news_converts_correctly(traditional, simplified):
    assert normalize_text(traditional).text == simplified


@pytest.mark.parametrize(
    "simplified",
    [
        "取得了显著成效，著名学者萧乾出席",  # stock t2s: 萧乾→萧干
        "藉以说明问题",  # stock t2s: 藉以→借以
        "日本大藏大臣三塚博今天辞职",  # a traditional-only character in a name
        "他对事业有执著的追求",
        "这是一部名著，也是他的代表著作",
        "随着经济发展，人民生活显著改善",
    ],
)
def test_simplified_text_comes_out_unchanged(simplified):
    result = normalize_text(simplified)
    assert result.text == simplified
    assert result.edits == ()


def test_stray_traditional_character_in_simplified_document_is_flagged_not_changed():
    result = normalize_text("日本大藏大臣三塚博今天辞职")
    assert [(f.kind, f.text) for f in result.flags] == [("stray-traditional", "塚")]


def test_particle_zhe_is_fixed_in_simplified_text():
    result = normalize_text("他带著孩子，沿著河边走")
    assert result.text == "他带着孩子，沿着河边走"
    assert [e.kind for e in result.edits] == [FIX, FIX]


def test_mixed_document_converts_its_traditional_lines_only():
    doc = "经济发展取得显著成效。\n經濟發展取得顯著成效。\n萧乾是著名作家。"
    result = normalize_text(doc)
    assert result.text == "经济发展取得显著成效。\n经济发展取得显著成效。\n萧乾是著名作家。"
    assert result.script.verdict == "mixed"


def test_small_form_semicolon_becomes_fullwidth():
    result = normalize_text("加強品牌建設﹔強化基層基礎")
    assert result.text == "加强品牌建设；强化基层基础"
    assert any(e.kind == PUNCTUATION and e.before == "﹔" and e.after == "；" for e in result.edits)


def test_conversion_edits_name_each_changed_run():
    result = normalize_text("科協組織")
    assert [(e.kind, e.before, e.after) for e in result.edits] == [(CONVERT, "協組織", "协组织")]


def test_numeric_entities_for_punctuation_are_decoded_others_left():
    assert normalize_text("会议指出&#65306;要加强").text == "会议指出：要加强"
    assert normalize_text("a&#60;b &#x41;").text == "a&#60;b &#x41;"


def test_lone_surrogates_in_text_input_become_replacement_characters():
    result = normalize_text("x\udc80y")
    assert result.text == "x\ufffdy"
    assert result.text.encode("utf-8")
    assert [e.kind for e in result.edits] == ["surrogate"]


def test_one_prc_form_does_not_stop_a_line_of_a_traditional_page_converting():
    doc = "雲南省科協召開全委會,會議強調加強科普工作。\n并於今年實施\n"
    assert normalize_text(doc).text == "云南省科协召开全委会,会议强调加强科普工作。\n并于今年实施\n"


def test_a_name_on_its_own_line_of_simplified_news_is_kept():
    doc = "日本大藏大臣今天向桥本首相提交辞呈，据说这是因为大藏省官员受贿。\n三塚博\n"
    assert normalize_text(doc).text == doc


@given(st.lists(st.sampled_from(["著", "名", "显", "作", "急", "带", "x", "。", "\n", "著书立说", "他"]), max_size=40))
@example(["著", "名", "著"])
def test_the_zhu_word_scan_around_each_zhu_finds_what_a_whole_text_scan_finds(pieces):
    text = "".join(pieces)
    expected = [(m.start(), m.group()) for m in zhe_pattern().finditer(text)]
    assert [(m.start(), m.group()) for m in zhe_matches(text)] == expected


# --- Cantonese: no rare form for an everyday character ------------------------------------------


@pytest.mark.parametrize(
    ("cantonese", "simplified"),
    [
        ("嗰個餸好好食", "嗰个餸好好食"),
        ("你睇吓嗰啲餸，好似燶咗喎", "你睇吓嗰啲餸，好似燶咗喎"),
        ("佢話今晚唔嚟喎，你哋嗰邊點呀？", "佢话今晚唔嚟喎，你哋嗰边点呀？"),
    ],
)
def test_everyday_cantonese_characters_are_not_turned_into_rare_extension_forms(cantonese, simplified):
    # Stock t2s writes 嗰→𠮶, 喎→㖞, 餸→𩠌, 燶→㶶: forms simplified Cantonese does not use.
    assert normalize_text(cantonese).text == simplified


def test_a_rare_character_still_gets_its_standard_simplified_form():
    # 殢 is no everyday character in either script: the 2013 standard's 𣨼 is its simplified form.
    assert normalize_text("殢雲尤雨").text == "𣨼云尤雨"


def test_hong_kong_names_written_with_heng_are_traditional_not_mixed():
    result = normalize_text("恒生銀行和恒大集團發布業績")
    assert result.script.verdict == "traditional"
    assert result.text == "恒生银行和恒大集团发布业绩"


# --- 著 after a verb ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("她看著有點累，就先回家了", "她看着有点累，就先回家了"),
        ("這話聽著有道理", "这话听着有道理"),
        ("信上寫著有人來過", "信上写着有人来过"),
        ("繼續沿著有中國特色的道路前進", "继续沿着有中国特色的道路前进"),
    ],
)
def test_zhe_after_a_verb_is_the_particle_even_before_you(traditional, simplified):
    assert normalize_text(traditional).text == simplified


@pytest.mark.parametrize(
    "traditional",
    [
        "他著有多部小說",
        "魯迅先生一生著有大量雜文",
        "大會邀請著名學者演講",
        "他出版了三本著作",
        "這部電影改編自原著小說",
    ],
)
def test_zhu_words_keep_zhu_after_a_subject_or_as_an_object(traditional):
    result = normalize_text(traditional)
    assert "著" in result.text
    assert "着" not in result.text


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("菡子著《重逢日子》", "菡子著《重逢日子》"),
        ("高成著的《人品質量》一書出版", "高成著的《人品质量》一书出版"),
        ("他正看著《紅樓夢》", "他正看着《红楼梦》"),
    ],
)
def test_zhu_before_a_book_title_is_written_by_unless_a_verb_comes_first(traditional, simplified):
    assert normalize_text(traditional).text == simplified


@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("大家議論著這件事", "大家议论着这件事"),  # 议论 + 着, not 议 + 论著
        ("會議擴大著影響", "会议扩大着影响"),
        ("兩種文化融合著", "两种文化融合着"),
        ("他翻譯著作多部", "他翻译著作多部"),  # 翻译 + 著作: the verb's object
        ("這是他的論著", "这是他的论著"),
    ],
)
def test_a_word_ending_in_zhu_gives_way_to_a_verb_ending_at_its_first_character(traditional, simplified):
    assert normalize_text(traditional).text == simplified
