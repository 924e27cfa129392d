"""Mojibake from misaligned GBK bytes is flagged and left alone."""

import pytest
from corpus_texts import expected_texts, seed_texts
from hypothesis import given
from hypothesis import strategies as st
from mojibake_sim import SHAPES, insert_misaligned, simulate, straddling_spots

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
    # The "?!" shape of shared/notes/pinyin-noise.md, made as the mirrors made it: 。“ is
    # a1 a3 a1 b0, a fullwidth-to-ASCII step replaced a3 a1 (！) across the two, and the
    # bytes after the orphan a1 read one off (中央政… as 爸醒胝…). The earlier hand-written
    # "新华社电?!敝醒胝府鞍l展" had 府 in step inside the run, which the bytes cannot give.
    data = "新华社电。“中央政府发展经济的决心不变。”他说".encode("gbk")
    cut = data.index(b"\xa3\xa1\xb0")
    decoded = (data[:cut] + b"!" + data[cut + 2 :]).decode("gbk", "replace")
    # Python's decoder gives "�!爸醒胝�", the mirrors printed "?" for the orphan byte
    for text in (decoded, decoded.replace("\ufffd", "?")):
        assert text.startswith("新华社电") and text[5:9] == "!爸醒胝"
        flag = find_mojibake(text)[0]
        assert flag.start == 4 and "爸醒胝" in flag.text
        assert "中央" in flag.reason


# --- runs made by the real mechanism (tests/mojibake_sim.py) --------------------------------

#: Seed lines as the mirrors served them: seed 001 with its pinyin noise (traditional) and
#: the expected files (simplified).
MIRROR_LINES = [
    line
    for text in (seed_texts()[1], *expected_texts())
    for line in text.replace("\xa0", " ").splitlines()
    if straddling_spots(line)
]


@given(st.sampled_from(MIRROR_LINES), st.integers(0, 2**32), st.sampled_from(SHAPES))
def test_a_run_of_misaligned_bytes_is_flagged_from_its_mark_and_nothing_inside_it_changes(line, seed, shape):
    sim = simulate(line, seed, shape)
    start, end = sim.run
    flags = [f for f in find_mojibake(sim.text) if f.start < end and start < f.end]
    assert flags and flags[0].start == start, (sim.text[start:end], flags)
    result = normalize_text(sim.text)
    assert not [e for e in result.edits if e.start < end and start < e.end]
    assert any(f.kind == "mojibake" and f.start == start for f in result.flags)


def test_runs_of_misaligned_bytes_are_found_with_their_exact_boundaries():
    # Every fifth straddling pair of every line, both decoder shapes, with and without the
    # mirrors' byte-level fullwidth fold: at least 95 % exact each way.
    for fold in (False, True):
        exact = total = 0
        for line in MIRROR_LINES:
            for spot, _, reading in straddling_spots(line)[::5]:
                for shape in SHAPES:
                    sim = insert_misaligned(line, spot, reading, shape, fold)
                    if sim is None:
                        continue
                    total += 1
                    exact += any((f.start, f.end) == sim.run for f in find_mojibake(sim.text))
        assert total > 200
        assert exact / total >= 0.95, (fold, exact, total)


def test_the_run_ends_where_the_bytes_realign_not_after_a_fixed_window():
    # The mirrors' decoder stays one off through invalid pairs: with no single-byte
    # character to realign the bytes, the run goes on to the end of the line.
    line = "中央政府发布了新的政策要求各地认真落实政策推动经济高质量发展并且加快建设现代化产业体系。"
    spot, _, reading = straddling_spots(line)[1]
    sim = insert_misaligned(line, spot, reading, "mirror")
    assert sim.run[1] - sim.run[0] > 30
    (flag,) = find_mojibake(sim.text)
    assert (flag.start, flag.end) == sim.run


def test_the_notes_example_is_flagged_up_to_where_the_bytes_realign():
    # 發展潛力: 展 = d5 b9, 潛 = 9d 93; (jié) is inserted after the straddling pair b9 9d (節).
    line = "推動經濟發展潛力巨大,協調各項工作"
    data = line.encode("gbk")
    sim = insert_misaligned(line, data.index("展潛".encode("gbk")) + 3, "jié", "python")
    assert sim.text.startswith("推動經濟發展\ufffd(jié)摿")
    (flag,) = find_mojibake(sim.text)
    assert (flag.start, flag.end) == sim.run
    assert sim.text[flag.end :] == "巨大,協調各項工作"


def test_the_run_ends_at_a_trail_byte_that_reads_as_ascii():
    # A traditional character whose second byte is ASCII-range shows as that letter, one
    # off, and puts the bytes back in step: the letter belongs to the run.
    line = "云南省科協組織召開2023年全省科協工作會議,號召全省科協系統廣大黨員"
    ending_in_ascii = []
    for spot, _, reading in straddling_spots(line):
        for shape in SHAPES:
            sim = insert_misaligned(line, spot, reading, shape)
            if sim and sim.text[sim.run[1] - 1].isascii() and sim.text[sim.run[1] - 1].isalpha():
                ending_in_ascii.append(sim)
    assert ending_in_ascii
    for sim in ending_in_ascii:
        assert [(f.start, f.end) for f in find_mojibake(sim.text)] == [sim.run], sim.text


# --- clean text with ASCII "?" ----------------------------------------------------------------

CLEAN_WITH_QUESTION_MARKS = [
    # Hong Kong conversational Cantonese (as in HKCanCor): rare-looking characters, then "?"
    "乜嘢啊 ?",
    "你哋去邊度食嘢啊 ?",
    "佢係咪唔嚟喇?",
    "嗰度有冇嘢食呀?",
    "你講乜嘢話?",
    "點解佢咁嬲嘅?",
    "今晚去唔去睇戲啊?",
    "呢個幾多錢呀?",
    "你食咗飯未呀?",
    "佢哋喺邊度等緊我哋?",
    "咁你想點啫?",
    "係唔係啊?",
    "吓?你講咩話?",
    "嗰個人係邊個嚟㗎?",
    "你仲喺度做乜嘢?佢琴日冇返工咩?",
    "啲嘢咁貴,點買得落手啊?",
    "我哋一齊去飲茶好唔好?嗰間茶樓啲蝦餃好正。",
    "玩嗰啲,玩乜嘢啊?",
    "搭飛機去過嗰邊瞓覺呀?",
    # Taiwan
    "這個週末要不要去淡水走走?",
    "妳最近過得好嗎?請問捷運站怎麼走?",
    "為什麼颱風天還要上班?",
    "嘉義雞肉飯哪一家最好吃?",
    "鄺先生、龔小姐今天會來嗎?",
    "蘋果和鳳梨哪個比較甜?鳳梨酥呢?",
    # mainland, rare characters before "?"
    "你知道饕餮是什么吗?",
    "这个字读作“犇”?",
    "淼淼和鑫鑫是双胞胎?",
    "她为什么叫囧?",
    "琵琶和箜篌哪个更难学?",
    "谁能告诉我“槑”怎么念?",
    "你吃过螺蛳粉吗 ?",
    "赟字的意思是什么?饕餮大餐在哪里?",
    "外商纷至沓?来。１９９５年至１９９７年",
]


@pytest.mark.parametrize("line", CLEAN_WITH_QUESTION_MARKS)
def test_clean_text_with_a_question_mark_after_rare_characters_is_not_flagged(line):
    assert find_mojibake(line) == ()


def test_cantonese_with_question_marks_is_converted_not_left_traditional():
    result = normalize_text("\n".join(CLEAN_WITH_QUESTION_MARKS[:19]))
    assert not [f for f in result.flags if f.kind == "mojibake"]
    assert "係" not in result.text and "邊" not in result.text
