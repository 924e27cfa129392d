"""The shipped script character sets are what tools/derive_charsets.py (and
tools/derive_variants.py) derive from the installed OpenCC's own dictionaries."""

from corpus_texts import load_tool

from normalizer.charsets import (
    cantonese_chars,
    common_chars,
    context_forms,
    simplified_only,
    t2s_phrases,
    t2s_sets,
    traditional_only,
    variant_forms,
    variant_words,
    verbs,
    verbs_before_zhu,
)


def _derive():
    return load_tool("derive_charsets").derive()


def test_shipped_charsets_match_opencc_data():
    derived = _derive()
    assert set(derived["traditional_only"]) == traditional_only()
    assert set(derived["simplified_only"]) == simplified_only()
    assert set(derived["variant_forms"]) == variant_forms()
    assert set(derived["context_forms"]) == context_forms()
    t2s = t2s_sets()
    assert set(derived["t2s_changed"]) == t2s["changed"]
    assert set(derived["t2s_phrase_chars"]) == t2s["phrase"]
    assert set(derived["t2s_context_chars"]) == t2s["context"]
    assert list(load_tool("derive_charsets").derive_t2s_phrases()) == list(t2s_phrases())


def test_shipped_variant_words_match_opencc_data():
    derived = load_tool("derive_variants").derive()
    shipped = variant_words()
    assert {v: (s, set(std), set(var)) for v, (s, std, var) in shipped.items()} == derived


def test_characters_hong_kong_writes_are_counted_for_neither_script():
    # OpenCC's s2hk writes 恒生, 恒大, 恒指: 恒 is Hong Kong's form too.
    assert "恒" not in simplified_only() | traditional_only()


def test_variant_forms_are_the_characters_t2s_changes_that_no_everyday_text_needs():
    assert {"陞", "剋", "袷", "祕"} <= variant_forms()
    assert {"乾", "藉", "覆"} <= context_forms()
    assert not (variant_forms() | context_forms()) & (traditional_only() | simplified_only())
    assert not variant_forms() & context_forms()


def test_cantonese_and_verb_classes_hold_what_the_rules_need():
    assert {"嗰", "喎", "餸"} <= cantonese_chars()
    assert not cantonese_chars() & common_chars()
    assert {"看", "听", "聽", "拍", "惹", "写", "寫"} <= verbs()
    # mostly a preposition, a particle or part of a noun: never evidence of the particle 著
    assert not {"在", "等", "为", "生"} & verbs()
    assert {"扩大", "讨论", "融合"} <= verbs_before_zhu()
    assert not {"伟大", "理论", "明显"} & verbs_before_zhu()  # 伟大著作, 理论著作 keep 著


def test_sets_hold_the_characters_news_needs():
    assert {"協", "會", "衞", "裡"} <= traditional_only()
    assert {"协", "会", "带", "显"} <= simplified_only()
    # valid in both scripts: never evidence for either
    assert not {"著", "乾", "干", "云", "范"} & (traditional_only() | simplified_only())
