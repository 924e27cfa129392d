"""The hook's shortcut ``is_clean``: everyday clean text is recognised without the pipeline;
anything a stage would change or flag is not.

Every text called clean here is also run through the full pipeline, which must leave it
exactly as it is (the property tests in test_properties.py do the same on generated text).
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from corpus_texts import EVERYDAY_CLEAN_LINES

from normalizer import normalize_text
from normalizer.clean import is_clean
from normalizer.fixes import ZHU_WORDS

NEWS = "中国人民银行今天宣布,下调金融机构存款准备金率0.5个百分点。\n"


def assert_left_as_is(text: str) -> None:
    result = normalize_text(text)
    assert result.text == text
    assert result.edits == ()
    assert result.flags == ()


@pytest.mark.parametrize("line", EVERYDAY_CLEAN_LINES)
def test_everyday_clean_news_is_recognised_as_clean(line: str):
    text = NEWS + line + "\n" + NEWS
    assert is_clean(text)
    assert_left_as_is(text)


@pytest.mark.parametrize("word", ZHU_WORDS)
def test_every_zhu_word_in_a_simplified_sentence_is_clean(word: str):
    text = f"报道中多次出现{word}一词。\n"
    assert is_clean(text)
    assert_left_as_is(text)


@pytest.mark.parametrize(
    "text",
    [
        "他带著孩子去公园。",  # particle after a verb: the fix stage changes it
        "大家都很著急。",  # 着急 is written with 着
        "著名著",  # the scan reads 著名 then a lone 著
        "执著地追求",  # a lone 著 the pipeline leaves on a simplified line: still not called clean
        "看著",
        "著",
    ],
)
def test_a_lone_zhe_is_not_called_clean(text: str):
    assert not is_clean(text)


def test_particle_zhe_that_the_pipeline_changes_is_sent_to_it():
    text = "他带著孩子去公园。"
    assert not is_clean(text)
    assert normalize_text(text).text == "他带着孩子去公园。"


@pytest.mark.parametrize(
    "text",
    [
        "他说?yōu)槿罕姷黄嗣袢褐诜务,中央政府发布了新的政策",  # rare characters after the mark
        # 。“ (a1 a3 a1 b0) with a3 a1 folded to "!" by the mirrors: the bytes after the orphan
        # a1 read one off (中央政府… as 爸醒胝…), the orphan printed as "?"
        ("新华社电。“中央政府发展经济的决心不变。”他说".encode("gbk").replace(b"\xa3\xa1", b"!", 1))
        .decode("gbk", "replace")
        .replace("\ufffd", "?"),
    ],
)
def test_a_question_mark_that_starts_mojibake_is_not_called_clean(text: str):
    assert normalize_text(text).flags  # the pipeline flags it ...
    assert not is_clean(text)  # ... so it cannot be skipped


@pytest.mark.parametrize(
    "text",
    [
        "冒号#xff1a;后面",
        "冒号&#65306;后面",
        "冒号#65306;后面",
        "文字&#20013;",  # an entity the stage keeps: still sent down the pipeline
        "plain ascii #x3001; entity",
    ],
)
def test_anything_shaped_like_a_numeric_entity_is_not_called_clean(text: str):
    assert not is_clean(text)


def test_an_entity_for_punctuation_is_what_the_pipeline_repairs():
    assert normalize_text("冒号#xff1a;后面").text == "冒号：后面"


@pytest.mark.parametrize(
    "text",
    [
        "科協(xié)組織",  # traditional, annotated
        "科协(xie2)组织",  # annotated
        "分号﹔后面",  # small form
        "\ufeff经济发展",  # byte-order mark
        "e\u0301经济",  # not NFC
        "经济\x00发展",  # NUL: not plain text
        "经济\ufffd发展",  # replacement character
        "经济\ud800发展",  # lone surrogate
        "ascii\x00nul",
    ],
)
def test_text_some_other_stage_would_act_on_is_not_called_clean(text: str):
    assert not is_clean(text)


def test_judging_everyday_text_loads_no_heavy_module():
    """The point of the shortcut: numpy, OpenCC and pypinyin stay unloaded, even for 著 words, ``?`` and ``#``."""
    text = NEWS + "\n".join(EVERYDAY_CLEAN_LINES) + "\n"
    code = (
        "import sys\n"
        "from normalizer.clean import is_clean\n"
        f"assert is_clean({text!r})\n"
        "print(sorted(m for m in ('numpy', 'opencc', 'pypinyin') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"
