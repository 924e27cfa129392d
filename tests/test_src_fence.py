"""No write lands inside SRC, and ``fix`` never rewrites a file reached through a link out of the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from normalizer import atomic, batch
from normalizer.batch import RunOptions
from normalizer.cli import main
from normalizer.inputs import FileProblem

TRADITIONAL = "臺灣新聞報導，記者說明。\n"


def _src(root: Path) -> Path:
    src = root / "src"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "a.txt").write_bytes(TRADITIONAL.encode("gb18030"))
    (src / "big.txt").write_bytes((TRADITIONAL * 400).encode("big5"))
    (src / "ok.txt").write_bytes(TRADITIONAL.encode("utf-8"))
    return src


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_a_dst_folder_linked_into_src_is_an_error_for_its_files_and_the_run_goes_on(tmp_path: Path, streamed: bool):
    src = _src(tmp_path)
    before = {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "sub").symlink_to(src / "sub")  # DST/sub/a.txt is SRC/sub/a.txt
    options = RunOptions(jobs=1, stream_bytes=16 if streamed else 1 << 24)
    seen: list[str] = []
    result = batch.run(src, dst, options, on_record=lambda r: seen.append(f"{r['path']}: {r['reason']}"))
    assert {p: p.read_bytes() for p in src.rglob("*") if p.is_file()} == before  # SRC byte for byte
    assert not [p for p in src.rglob("*") if atomic.TEMP_MARK in p.name]  # no temporary file left there
    assert result.exit_code == 1
    [line] = [s for s in seen if "inside SRC" in s]
    assert line.startswith("sub/a.txt: not written: the output ") and "through a symbolic link" in line
    assert (dst / "ok.txt").read_text("utf-8") == "台湾新闻报导，记者说明。\n"  # the others are written
    assert (dst / "big.txt").read_text("utf-8").startswith("台湾新闻")


def test_the_cli_names_the_file_and_the_reason_on_one_line(tmp_path: Path):
    src = _src(tmp_path)
    dst = tmp_path / "dst"
    dst.mkdir()
    (dst / "sub").symlink_to(src / "sub")
    result = CliRunner().invoke(main, ["run", str(src), str(dst), "--jobs", "1", "--quiet"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"{src}/sub/a.txt: not written: the output {dst}/sub/a.txt would land inside SRC")


def test_a_directory_swapped_for_a_link_before_the_rename_is_caught(tmp_path: Path):
    """The directory is resolved again right before the rename (a swap after the first look)."""
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    sink = atomic.AtomicFile(out / "a.txt", durable=False, outside=os.path.realpath(src))
    sink.write(b"new")
    out.rename(tmp_path / "moved")
    out.symlink_to(src)  # the temporary file went with the real folder; the link now leads into SRC
    with pytest.raises(FileProblem, match="would land inside SRC"):
        sink.commit()
    sink.discard()
    assert list(src.iterdir()) == []  # nothing renamed into SRC
    assert not (tmp_path / "moved" / "a.txt").exists()  # (the moved temporary is a later run's to remove)


def test_atomic_write_refuses_a_target_under_the_fence_and_creates_nothing_there(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    (tmp_path / "dst").symlink_to(src)
    with pytest.raises(FileProblem):
        atomic.atomic_write(tmp_path / "dst" / "new" / "a.txt", b"x", outside=os.path.realpath(src))
    assert list(src.iterdir()) == []  # not even the missing folder


def test_fix_through_a_linked_folder_out_of_the_repository_rewrites_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    repo.mkdir()
    elsewhere.mkdir()
    (elsewhere / "v.txt").write_bytes(TRADITIONAL.encode("big5"))
    (repo / "dir").symlink_to(elsewhere)
    (repo / "inner").mkdir()
    (repo / "in").symlink_to(repo / "inner")  # a link that stays inside is followed
    (repo / "inner" / "w.txt").write_bytes(TRADITIONAL.encode("big5"))
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["fix", "dir/v.txt", "in/w.txt"])
    assert (elsewhere / "v.txt").read_bytes() == TRADITIONAL.encode("big5")
    assert "Skipping dir/v.txt: symbolic link to outside the repository (not followed)" in result.output
    assert (repo / "inner" / "w.txt").read_text("utf-8") == "台湾新闻报导，记者说明。\n"
    assert result.exit_code == 1


def test_a_rewrite_whose_folder_is_swapped_for_a_link_out_of_the_fence_is_caught(tmp_path: Path):
    """The mirror of the SRC fence, for `fix`: the folder must still be inside the repository at the rename."""
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    (repo / "dir").mkdir(parents=True)
    elsewhere.mkdir()
    sink = atomic.AtomicFile(repo / "dir" / "a.txt", durable=False, inside=os.path.realpath(repo))
    sink.write(b"new")
    (repo / "dir").rename(repo / "moved")
    (repo / "dir").symlink_to(elsewhere)  # the path now leads out of the repository
    with pytest.raises(FileProblem, match="now leads outside the repository"):
        sink.commit()
    sink.discard()
    assert list(elsewhere.iterdir()) == []


def test_fix_rechecks_the_repository_fence_right_before_its_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    repo, elsewhere = tmp_path / "repo", tmp_path / "elsewhere"
    (repo / "dir").mkdir(parents=True)
    elsewhere.mkdir()
    (repo / "dir" / "v.txt").write_bytes(TRADITIONAL.encode("big5"))
    (elsewhere / "v.txt").write_bytes(b"someone else's file\n")
    real = atomic.create_temporary

    def swap_after_the_first_look(target: str) -> tuple[int, str]:
        made = real(target)  # the temporary file exists; now the folder becomes a link out
        (repo / "dir").rename(repo / "moved")
        (repo / "dir").symlink_to(elsewhere)
        return made

    monkeypatch.setattr(atomic, "create_temporary", swap_after_the_first_look)
    monkeypatch.chdir(repo)
    result = CliRunner().invoke(main, ["fix", "dir/v.txt"])
    assert result.exit_code == 1
    assert "now leads outside the repository" in result.output
    assert (elsewhere / "v.txt").read_bytes() == b"someone else's file\n"  # nothing landed out there
    assert (repo / "moved" / "v.txt").read_bytes() == TRADITIONAL.encode("big5")  # and the original is intact
