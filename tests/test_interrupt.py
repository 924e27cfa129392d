"""Ctrl-C in the middle of ``zhnorm run --jobs 2``: status 130, nothing half-done, a rerun finishes the job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus_texts import seed_texts

from normalizer.atomic import TEMP_MARK
from normalizer.cli import main

FILES = 48


def _corpus(src: Path) -> None:
    """Enough traditional text (~0.5 MB in 48 files) that a two-worker run is still going when interrupted."""
    article = "".join(seed_texts()).encode("big5", "replace")
    body = (article * (10_000 // len(article) + 1))[:10_000]
    for i in range(FILES):
        folder = src / f"{i % 10:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{i:04d}.txt").write_bytes(body + f"\n第{i}篇。\n".encode("big5"))


def _outputs(dst: Path) -> dict[str, bytes]:
    return {p.relative_to(dst).as_posix(): p.read_bytes() for p in dst.rglob("*.txt")}


def _temporaries(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if TEMP_MARK in p.name]


def test_sigint_mid_run_exits_130_leaves_no_temporary_and_a_rerun_completes(tmp_path: Path):
    src, dst, reports = tmp_path / "raw", tmp_path / "clean", tmp_path / "reports"
    _corpus(src)
    args = [sys.executable, "-m", "normalizer", "run", str(src), str(dst), "--report", str(reports), "--jobs", "2"]
    # Its own process group, as a terminal's foreground job: Ctrl-C reaches the workers too.
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    while proc.poll() is None and not (dst.is_dir() and len(list(dst.rglob("*.txt"))) >= FILES // 2):
        time.sleep(0.02)  # until half the outputs are in place: some batches are finished, others under way
    assert proc.poll() is None, "the run finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=120)

    assert proc.returncode == 130
    assert b"Aborted!" not in err and b"Traceback" not in err
    assert b"interrupted" in err
    assert _temporaries(dst, tmp_path) == []
    finished = _outputs(dst)
    assert FILES // 2 <= len(finished) < FILES

    rerun = CliRunner().invoke(main, ["run", str(src), str(dst), "--report", str(reports), "--jobs", "2"])
    assert rerun.exit_code == 0, rerun.output
    totals = json.loads((reports / "report.json").read_text("utf-8"))["totals"]
    assert totals["files"] == FILES and totals["changed"] == FILES
    assert totals["reused"] > 0  # what was finished (and recorded in the manifest) is not redone

    whole = tmp_path / "whole"
    CliRunner().invoke(main, ["run", str(src), str(whole), "--report", str(tmp_path / "r2"), "--jobs", "2"])
    assert _outputs(dst) == _outputs(whole)
    assert len(_outputs(whole)) == FILES
    assert _temporaries(dst) == []


def test_ctrl_c_in_a_hook_exits_130_without_clicks_aborted(tmp_path: Path, monkeypatch):
    from normalizer import hook

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    (tmp_path / "a.txt").write_text("臺灣\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(hook, "run_hook", interrupted)
    result = CliRunner().invoke(main, ["check", "a.txt"])
    assert result.exit_code == 130
    assert "Aborted!" not in result.output and "interrupted" in result.stderr
    assert hook.main(["check", "a.txt"]) == 130


def test_an_interrupted_run_removes_the_temporary_files_its_workers_had_begun(tmp_path: Path):
    from normalizer import atomic
    from normalizer.batch import RunOptions, run
    from normalizer.worker import process_file

    src, dst = tmp_path / "raw", tmp_path / "clean"
    _corpus(src)

    def interrupted_midway(tasks, count):
        """A worker writes the first file, begins the second's write, then Ctrl-C arrives."""
        first, second = next(tasks), next(tasks)
        yield process_file(first)
        atomic.create_temporary(second.dst)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(src, dst, RunOptions(jobs=1), executor=interrupted_midway)
    assert _temporaries(dst) == []
    assert list(_outputs(dst)) == ["00/0000.txt"]  # what was finished is kept
