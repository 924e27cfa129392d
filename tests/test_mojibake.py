"""Mojibake from misaligned GBK bytes is flagged and left alone."""

from normalizer import normalize_text
from normalizer.mojibake import find_mojibake


def test_run_of_rare_characters_after_a_question_mark_is_flagged():
    text = "他说?yōu)槿罕姷黄嗣袢褐诜务，中央政府发布了新的政策"
    (flag,) = find_mojibake(text)
    assert flag.kind == "mojibake"
    assert text[flag.start : flag.end].startswith("?yōu)槿罕")


def test_misaligned_gbk_run_is_found_by_realignment():
    good = "中央政府发布了新的政策，中央政府要求各地认真落实政策，推动经济发展。"
    data = good.encode("gbk")
    broken = (data[:9] + data[10:]).decode("gbk", "replace")  # one byte lost
    flags = find_mojibake(broken)
    assert flags, broken
    assert all(f.kind == "mojibake" for f in flags)


def test_ordinary_question_marks_are_not_flagged():
    assert find_mojibake("你好吗?我很好，今天天气不错。为什么?因为下雨了。") == ()


def test_nothing_inside_a_mojibake_run_is_converted_or_stripped():
    text = "說?yōu)槿罕姷黄嗣袢褐诜務"
    result = normalize_text(text)
    flag = next(f for f in result.flags if f.kind == "mojibake")
    run = text[flag.start : flag.end]
    assert run in result.text
    assert result.text.startswith("说") and result.text.endswith("务")


def test_run_of_common_nonsense_is_found_after_ascii_punctuation():
    # the shape quoted in shared/notes/pinyin-noise.md: "?!敝醒胝…" (中央政… one byte off)
    (flag,) = find_mojibake("新华社电?!敝醒胝府鞍l展")
    assert flag.text.startswith("?!敝醒胝")
    assert "中央" in flag.reason
