"""Control characters leave the text as recorded edits (kind ``control``); layout and line endings stay."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
from hypothesis import given
from hypothesis import strategies as st

from normalizer import batch
from normalizer.batch import RunOptions
from normalizer.clean import is_clean
from normalizer.controls import strip_controls
from normalizer.edits import apply_edits
from normalizer.pipeline import normalize_bytes, normalize_text

HOSTILE = "臺灣\x1b[2J新聞\x07報導\x0b，記者\x7f說明\x9b。"
REMOVED = ["\x1b", "\x07", "\x0b", "\x7f", "\x9b"]


def test_escape_bell_vt_del_and_c1_controls_are_removed_each_as_an_edit():
    result = normalize_text(HOSTILE)
    assert result.text == "台湾[2J新闻报导，记者说明。"
    controls = [e for e in result.edits if e.kind == "control"]
    assert [e.before for e in controls] == REMOVED
    assert all(e.after == "" and "U+" in e.reason for e in controls)
    assert apply_edits(result.source, result.edits) == result.text


def test_a_run_of_controls_is_one_edit_naming_each_character():
    stage = strip_controls("a\x1b\x1b\x07b")
    assert stage.text == "ab"
    assert [(e.start, e.end, e.before) for e in stage.edits] == [(1, 4, "\x1b\x1b\x07")]
    assert stage.edits[0].reason == "control characters removed (U+001B U+0007)"


def test_tab_line_feed_form_feed_and_every_line_ending_are_kept_byte_for_byte():
    data = "第一行\tA\r\n第二行\r第三行\f\n第四行\n".encode()
    result = normalize_bytes(data)
    assert result.text.encode() == data
    assert not result.edits


def test_nul_is_left_to_the_guard_that_refuses_the_file(tmp_path: Path):
    assert strip_controls("a\x00b").text == "a\x00b"
    assert not is_clean("plain\x00text")
    path = tmp_path / "nul.txt"
    path.write_bytes(b"x" * 9000 + b"\x00 tail\n")  # past the binary sniff's first 8 KB
    proc = subprocess.run([sys.executable, "-m", "normalizer", "check", str(path)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "contains NUL characters" in proc.stderr


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00")))
def test_no_removable_control_survives_and_the_edits_give_the_text_back(text: str):
    stage = strip_controls(text)
    assert not any(("\x01" <= c <= "\x1f" and c not in "\t\n\r\f") or "\x7f" <= c <= "\x9f" for c in stage.text)
    assert apply_edits(text, stage.edits) == stage.text
    # reversible: each edit removed only controls, and putting them back gives the input
    assert all(strip_controls(e.before).text == "" for e in stage.edits)
    assert stage.text.count("\n") == text.count("\n") and stage.text.count("\r") == text.count("\r")


def test_text_with_a_control_character_is_not_judged_clean():
    assert not is_clean("plain ascii \x1b[2J")
    assert not is_clean("简体中文\x07")
    assert not is_clean("简体中文\x85")
    assert is_clean("简体中文\r\n第二行\t\f\n")


def test_check_fails_on_controls_and_fix_removes_them(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_bytes("简体\x1b[2J文字\x07\x07\n".encode())
    cmd = [sys.executable, "-m", "normalizer"]
    check = subprocess.run([*cmd, "check", str(path)], capture_output=True, text=True)
    assert check.returncode == 1
    assert "3 control characters removed" in check.stdout
    fix = subprocess.run([*cmd, "fix", str(path)], capture_output=True, text=True)
    assert fix.returncode == 1
    assert path.read_bytes() == "简体[2J文字\n".encode()
    again = subprocess.run([*cmd, "check", str(path)], capture_output=True, text=True)
    assert again.returncode == 0


def test_a_run_reports_control_edits_in_a_schema_valid_report(tmp_path: Path):
    src = tmp_path / "raw"
    src.mkdir()
    (src / "a.txt").write_bytes(HOSTILE.encode("utf-8"))
    batch.run(src, tmp_path / "clean", RunOptions(jobs=1, report_detail="full"), report_dir=tmp_path / "rep")
    assert (tmp_path / "clean" / "a.txt").read_text("utf-8") == "台湾[2J新闻报导，记者说明。"
    doc = json.loads((tmp_path / "rep" / "report.json").read_text("utf-8"))
    record = doc["files"][0]
    assert record["edit_counts"]["control"] == 5
    assert [e[4] for e in record["edits"] if e[0] == "control"] == REMOVED
    schema = json.loads((resources.files("normalizer.report") / "schema.json").read_text("utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(doc)) == []


def test_a_file_streamed_in_pieces_loses_the_same_controls_as_one_read_whole(tmp_path: Path):
    src = tmp_path / "raw"
    src.mkdir()
    (src / "big.txt").write_bytes((HOSTILE + "\n").encode("utf-8") * 200)
    batch.run(src, tmp_path / "whole", RunOptions(jobs=1))
    batch.run(src, tmp_path / "pieces", RunOptions(jobs=1, stream_bytes=64, piece_chars=100))
    whole = (tmp_path / "whole" / "big.txt").read_bytes()
    assert whole == ("台湾[2J新闻报导，记者说明。\n" * 200).encode()
    assert (tmp_path / "pieces" / "big.txt").read_bytes() == whole
