"""Stale outputs: a rerun lists the outputs whose source is gone or now fails; --delete removes them (only those)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from normalizer import batch
from normalizer.batch import RunOptions
from normalizer.cli import main

UNDECODABLE = bytes(range(0x80, 0x100)) * 8
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _tree(root: Path) -> dict[str, bytes]:
    """The files under ``root`` but the manifest."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".zhnorm-manifest")
    }


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    src, dst, rep = tmp_path / "raw", tmp_path / "clean", tmp_path / "reports"
    (src / "sub").mkdir(parents=True)
    (src / "gone.txt").write_bytes("臺灣新聞\n".encode())
    (src / "sub" / "fails.txt").write_bytes("記者說明\n".encode())
    (src / "binary.txt").write_bytes("報導\n".encode())
    (src / "stays.txt").write_bytes("一切照舊\n".encode())
    batch.run(src, dst, RunOptions(jobs=1), report_dir=rep)
    assert set(_tree(dst)) >= {"gone.txt", "sub/fails.txt", "binary.txt", "stays.txt"}
    return src, dst, rep


def _break(src: Path) -> None:
    (src / "gone.txt").unlink()
    (src / "sub" / "fails.txt").write_bytes(UNDECODABLE)
    (src / "binary.txt").write_bytes(PNG)


def _records(rep: Path) -> dict[str, dict]:
    doc = json.loads((rep / "report.json").read_text("utf-8"))
    schema = json.loads((resources.files("normalizer.report") / "schema.json").read_text("utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(doc)) == []
    return {r["path"]: r for r in doc["files"]} | {"totals": doc["totals"]}


def _run(*args: str):
    return CliRunner().invoke(main, ["run", *args, "--jobs", "1"])


def test_a_rerun_lists_outputs_whose_source_is_gone_or_now_fails_and_keeps_them(tmp_path: Path):
    src, dst, rep = _setup(tmp_path)
    _break(src)
    before = _tree(dst)
    result = _run(str(src), str(dst), "--report", str(rep))
    assert _tree(dst) == before  # listed, not removed
    records = _records(rep)
    assert records["gone.txt"]["status"] == "stale" and records["gone.txt"]["stale_output"] == "kept"
    assert records["sub/fails.txt"]["status"] == "error" and records["sub/fails.txt"]["stale_output"] == "kept"
    assert records["binary.txt"]["status"] == "skipped" and records["binary.txt"]["stale_output"] == "kept"
    assert "stale_output" not in records["stays.txt"]
    assert records["totals"]["stale"] == 3
    assert "stale: 3 outputs in DST whose source is gone or now fails: kept (run with --delete" in result.stdout
    # the manifest keeps them known: the next run lists them again
    again = _run(str(src), str(dst), "--report", str(rep))
    assert "stale: 3 outputs" in again.stdout
    assert _records(rep)["totals"]["stale"] == 3


def test_delete_removes_only_the_stale_outputs_zhnorm_wrote(tmp_path: Path):
    src, dst, rep = _setup(tmp_path)
    (dst / "notes.txt").write_text("mine, not zhnorm's\n", encoding="utf-8")  # never an output
    _break(src)
    result = _run(str(src), str(dst), "--report", str(rep), "--delete")
    assert "stale: 3 outputs in DST whose source is gone or now fails: deleted (--delete)" in result.stdout
    assert set(_tree(dst)) == {"stays.txt", "notes.txt"}
    records = _records(rep)
    assert {p: r.get("stale_output") for p, r in records.items() if p != "totals"} == {
        "gone.txt": "deleted",
        "sub/fails.txt": "deleted",
        "binary.txt": "deleted",
        "stays.txt": None,
    }
    # afterwards nothing is stale any more
    last = _run(str(src), str(dst), "--report", str(rep), "--delete")
    assert "stale" not in last.stdout
    assert "gone.txt" not in _records(rep) and "stale" not in _records(rep)["totals"]


def test_an_output_edited_since_it_was_written_is_not_zhnorms_to_delete(tmp_path: Path):
    src, dst, rep = _setup(tmp_path)
    (src / "gone.txt").unlink()
    (dst / "gone.txt").write_text("edited by hand\n", encoding="utf-8")
    _run(str(src), str(dst), "--report", str(rep), "--delete")
    assert (dst / "gone.txt").read_text("utf-8") == "edited by hand\n"
    assert "gone.txt" not in _records(rep)


def test_a_dry_run_with_delete_deletes_nothing(tmp_path: Path):
    src, dst, rep = _setup(tmp_path)
    _break(src)
    before = _tree(dst)
    result = _run(str(src), str(dst), "--report", str(rep), "--delete", "--dry-run")
    assert _tree(dst) == before
    assert "stale: 3 outputs in DST whose source is gone or now fails: would be deleted (dry run)" in result.stdout
    assert {r.get("stale_output") for p, r in _records(rep).items() if p != "totals"} == {"kept", None}


def test_outputs_a_run_with_other_options_wrote_are_still_known(tmp_path: Path):
    src, dst, rep = _setup(tmp_path)
    (src / "gone.txt").unlink()
    # --errors replace changes the manifest's key: its entries are not reused, its outputs still count
    result = _run(str(src), str(dst), "--report", str(rep), "--errors", "replace", "--delete")
    assert "stale: 1 output in DST" in result.stdout
    assert not (dst / "gone.txt").exists()


def test_a_source_that_comes_back_is_normalized_again_not_stale(tmp_path: Path):
    src, dst, rep = _setup(tmp_path)
    data = (src / "gone.txt").read_bytes()
    (src / "gone.txt").unlink()
    _run(str(src), str(dst), "--report", str(rep))
    (src / "gone.txt").write_bytes(data)
    result = _run(str(src), str(dst), "--report", str(rep))
    assert result.exit_code == 0
    assert "stale" not in result.stdout
    assert _records(rep)["gone.txt"]["status"] == "changed"
    assert (dst / "gone.txt").read_text("utf-8") == "台湾新闻\n"


def test_the_schema_knows_stale_records_and_rejects_malformed_ones(tmp_path: Path):
    src, dst, rep = _setup(tmp_path)
    (src / "gone.txt").unlink()
    _run(str(src), str(dst), "--report", str(rep), "--delete")
    doc = json.loads((rep / "report.json").read_text("utf-8"))
    schema = json.loads((resources.files("normalizer.report") / "schema.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(doc)) == []
    assert doc["run"]["options"]["delete"] is True and doc["totals"]["stale"] == 1
    stale = next(r for r in doc["files"] if r["status"] == "stale")
    for wrong in (
        {**stale, "stale_output": "maybe"},
        {**stale, "status": "gone"},
        {**stale, "bytes_out": 3},
    ):
        bad = {**doc, "files": [wrong]}
        assert list(validator.iter_errors(bad)), wrong
    assert list(validator.iter_errors({**doc, "totals": {**doc["totals"], "stale": 0}}))
    options = {**doc["run"]["options"], "delete": False}
    assert list(validator.iter_errors({**doc, "run": {**doc["run"], "options": options}}))


def test_delete_never_removes_a_file_that_a_linked_dst_folder_puts_inside_src(tmp_path: Path):
    src, dst, rep = _setup(tmp_path)
    (src / "sub" / "fails.txt").unlink()  # its source gone: the output is stale ...
    (dst / "sub").rename(src / "moved")  # ... and now lies inside SRC (same file, same state)
    (dst / "sub").symlink_to(src / "moved")
    result = _run(str(src), str(dst), "--report", str(rep), "--delete")
    assert (src / "moved" / "fails.txt").read_text("utf-8") == "记者说明\n"
    assert _records(rep)["sub/fails.txt"]["stale_output"] == "kept"
    assert "stale: 1 output" in result.stdout
