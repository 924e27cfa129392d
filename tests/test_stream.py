"""Large files normalized piece by piece give exactly the whole-file result."""

from pathlib import Path

import pytest
from corpus_texts import load_seeds

from normalizer import DecodeError, normalize_bytes
from normalizer.edits import apply_edits
from normalizer.stream import detect_encoding, normalize_file


def _document() -> str:
    """Both seeds (traditional, pinyin noise), simplified text and a mixed block, repeated."""
    seeds = [data.decode("utf-8") for data, _ in load_seeds().values()]
    simplified = [expected for _, expected in load_seeds().values()]
    block = "\n".join([*seeds, *simplified, "他带著孩子。\n說?yōu)槿罕姷黄嗣袢褐诜務\n"])
    return "\n".join([block] * 6)


def _streamed(path: Path, **kwargs) -> tuple[str, list]:
    _survey, pieces = normalize_file(path, **kwargs)
    texts, results = [], []
    for piece in pieces:
        assert apply_edits(piece.result.source, piece.result.edits) == piece.result.text
        texts.append(piece.result.text)
        results.append(piece)
    return "".join(texts), results


@pytest.mark.parametrize("codec", ["utf-8", "gb18030", "utf-16", "utf-8-sig"])
def test_pieces_join_to_the_whole_file_result(tmp_path, codec):
    text = _document()
    path = tmp_path / "big.txt"
    path.write_bytes(text.encode(codec))
    whole = normalize_bytes(path.read_bytes())
    joined, pieces = _streamed(path, piece_chars=3_000)
    assert len(pieces) > 10
    assert joined == whole.text
    assert sum(len(p.result.edits) for p in pieces) == len(whole.edits)
    assert sum(len(p.result.flags) for p in pieces) == len(whole.flags)
    assert {p.result.encoding for p in pieces} == {whole.encoding}


def test_piece_offsets_place_edits_in_the_whole_document(tmp_path):
    text = _document()
    path = tmp_path / "big.txt"
    path.write_text(text, encoding="utf-8")
    whole = normalize_bytes(path.read_bytes())
    _, pieces = _streamed(path, piece_chars=2_000)
    shifted = [(e.kind, e.start + p.offset, e.end + p.offset, e.after) for p in pieces for e in p.result.edits]
    assert shifted == [(e.kind, e.start, e.end, e.after) for e in whole.edits]
    assert pieces[-1].line == text[: pieces[-1].offset].count("\n")


def test_annotation_evidence_comes_from_the_whole_document(tmp_path):
    # the only toned annotation is far away from the short toneless ones
    text = "科協(xié)\n" + "經濟發展。\n" * 2000 + "他(ta)說\n"
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    joined, _ = _streamed(path, piece_chars=1_000)
    assert joined == normalize_bytes(text.encode()).text
    assert joined.endswith("他说\n")


def test_a_single_huge_line_is_cut_after_punctuation(tmp_path):
    line = "科協(xié)組織召開(kāi)會議。" * 3000
    path = tmp_path / "line.txt"
    path.write_text(line, encoding="utf-8")
    joined, pieces = _streamed(path, piece_chars=1_000)
    assert len(pieces) > 30
    assert joined == normalize_bytes(line.encode()).text == "科协组织召开会议。" * 3000


def test_ascii_head_does_not_decide_the_encoding(tmp_path):
    text = "header line in ASCII\n" * 5000 + "經濟發展取得顯著成效\n" * 50
    path = tmp_path / "gb.txt"
    path.write_bytes(text.encode("gb18030"))
    survey, pieces = normalize_file(path, piece_chars=10_000)
    assert survey.encoding == "gb18030"
    assert "".join(p.result.text for p in pieces).endswith("经济发展取得显著成效\n")


def test_undecodable_bytes_raise_before_any_piece_is_produced(tmp_path):
    data = bytearray(_document().encode("utf-8"))
    data[20_000] = 0xFF
    path = tmp_path / "bad.txt"
    path.write_bytes(bytes(data))
    with pytest.raises(DecodeError) as caught:
        normalize_file(path, piece_chars=3_000)
    assert caught.value.offset is not None and 19_990 <= caught.value.offset <= 20_000


def test_replace_mode_records_the_bad_bytes_in_the_piece_that_holds_them(tmp_path):
    data = bytearray(_document().encode("utf-8"))
    data[20_000] = 0xFF
    path = tmp_path / "bad.txt"
    path.write_bytes(bytes(data))
    whole = normalize_bytes(bytes(data), errors="replace")
    joined, pieces = _streamed(path, errors="replace", piece_chars=3_000)
    assert joined == whole.text
    replaced = [e for p in pieces for e in p.result.edits if "decode-replace" in e.kind]
    assert len(replaced) == 1


def test_a_piece_that_ends_exactly_at_the_text_end_is_cut_safely(tmp_path):
    # found by fuzzing: a hard cut at the very end of the decoded text
    text = "人民網人民網會(huì)上,16個(gè)州(市)科協(xié)" * 3
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    for size in range(8, 40):
        joined, _ = _streamed(path, piece_chars=size)
        assert joined == normalize_bytes(text.encode()).text


@pytest.mark.parametrize(
    ("written", "codec"),
    [
        ("utf-32-le", "utf-32"),
        ("utf-32-be", "utf-32"),
        ("utf-8", "utf-8-sig"),
        ("utf-16-le", "utf-16"),
        ("utf-16-be", "utf-16"),
    ],
)
def test_a_file_with_a_byte_order_mark_is_read_with_the_codec_the_mark_names(tmp_path, written, codec):
    path = tmp_path / "marked.txt"
    path.write_bytes("\ufeff科協組織召開會議\n".encode(written))  # U+FEFF encodes as the mark
    assert detect_encoding(path) == codec


def test_the_pages_table_of_annotations_comes_from_the_whole_document(tmp_path):
    # seed 001's noise is the table; the author's gloss 角(jué) is pieces away from it
    noise = [data.decode("utf-8") for data, _ in load_seeds().values()][1]
    text = noise + "\n" + "經濟發展。\n" * 2000 + "他在劇中的角(jué)色很重要\n"
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    whole = normalize_bytes(text.encode())
    joined, pieces = _streamed(path, piece_chars=1_000)
    assert joined == whole.text
    assert joined.endswith("角(jué)色很重要\n")
    reasons = [f.reason for p in pieces for f in p.result.flags if f.kind == "possible-annotation"]
    assert reasons == [f.reason for f in whole.flags if f.kind == "possible-annotation"]
    assert len(reasons) == 1 and "author's gloss" in reasons[0]
