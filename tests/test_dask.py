"""``zhnorm run --scheduler``: the same job on a Dask cluster gives the same output tree and report.

The cluster tests start one ``distributed.LocalCluster`` (two worker processes) for the
module; the others check that zhnorm without Dask neither needs nor imports it, and that
``batch.run`` does not depend on the order in which an executor returns outcomes.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus_texts import encodes, make_tree

import normalizer
from normalizer import batch
from normalizer.batch import MANIFEST_NAME, RunOptions
from normalizer.cli import main
from normalizer.executors import Executor
from normalizer.manifest import dump
from normalizer.selection import UsageError
from normalizer.worker import Outcome, Task, process_batch, process_file

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "corpus" / "raw"
SEED_000 = "000_9f6a37fa5ed33f85.txt"
SEED_001 = "001_449be7fe8a02e952.txt"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
UNDECODABLE = bytes(range(0x80, 0x100)) * 8  # no NUL, no control bytes, no plausible Chinese


def corpus(root: Path) -> Path:
    """The two seeds, copies in GB18030 / Big5 / UTF-16 / UTF-8 with BOM, nested; a binary and an undecodable file."""
    s0 = (RAW / SEED_000).read_text(encoding="utf-8")
    s1 = (RAW / SEED_001).read_text(encoding="utf-8")
    big5 = "\n".join(line for line in s0.split("\n") if encodes(line, "big5"))
    files = {
        SEED_000: (RAW / SEED_000).read_bytes(),
        SEED_001: (RAW / SEED_001).read_bytes(),
        "enc/gb18030/000.txt": s0.encode("gb18030"),
        "enc/gb18030/001.txt": s1.encode("gb18030"),
        "enc/big5/000.txt": big5.encode("big5"),
        "enc/utf16/000.txt": s0.encode("utf-16"),
        "enc/utf16/deeper/001.txt": s1.encode("utf-16"),
        "enc/bom/001.txt": s1.encode("utf-8-sig"),
        "clean.txt": "已经是简体。\n".encode(),
        "empty.txt": b"",
        "img/logo.png": PNG,
        "bad/undecodable.txt": UNDECODABLE,
    }
    return make_tree(root, files)


def tree(root: Path) -> dict[str, object]:
    """Every file under ``root`` by relative path: its bytes, and for the manifest its key and entries.

    The rest of the manifest belongs to one DST: the states (times, inodes) of its
    inputs and outputs, a random generation, and the state of the report it wrote.
    """
    found: dict[str, object] = {
        p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }
    if MANIFEST_NAME in found:
        doc = dump(root)
        found[MANIFEST_NAME] = {"key": doc["key"], "files": list(doc["files"].items())}
    return found


def comparable_json(report_dir: Path) -> dict:
    """report.json without what legitimately differs between two runs: when, how long, and DST."""
    doc = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    for what in ("started", "finished", "duration_s", "dst"):
        doc["run"].pop(what)
    return doc


def comparable_html(report_dir: Path) -> str:
    doc = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    run = doc["run"]
    for value, placeholder in (
        (f"<code>{run['dst']}</code>", "<code>DST</code>"),
        (f" · {run['started']} · {run['duration_s']:.1f} s · ", " · STARTED · T s · "),
    ):
        assert page.count(value) == 1
        page = page.replace(value, placeholder)
    return page


def mtimes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


# --- without Dask -----------------------------------------------------------------


def test_scheduler_without_dask_is_a_one_line_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    src = make_tree(tmp_path / "raw", {"a.txt": "協會".encode()})
    for name in ("dask", "distributed"):
        monkeypatch.setitem(sys.modules, name, None)  # "import distributed" now fails as if not installed
    monkeypatch.delitem(sys.modules, "normalizer.distributed", raising=False)
    monkeypatch.delattr(normalizer, "distributed", raising=False)
    result = CliRunner().invoke(main, ["run", str(src), str(tmp_path / "clean"), "--scheduler", "local"])
    assert result.exit_code == 2
    message = "zhnorm: error: --scheduler needs Dask, which is not installed: pip install 'zhnorm[dask]'\n"
    assert result.stderr == message
    assert result.stdout == ""
    assert not (tmp_path / "clean").exists()


def test_cli_and_a_local_run_do_not_import_dask(tmp_path: Path):
    src = make_tree(tmp_path / "raw", {f"{i}.txt": "協會".encode() for i in range(3)})
    code = f"""
import sys
import normalizer.cli
assert not {{"dask", "distributed", "normalizer.distributed"}} & set(sys.modules), "imported by normalizer.cli"
try:
    normalizer.cli.main(["run", {str(src)!r}, {str(tmp_path / "clean")!r}, "--jobs", "2", "-q"])
except SystemExit as exit:
    assert exit.code == 0, exit.code
leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed") or m == "normalizer.distributed")
assert not leaked, leaked
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "clean" / "0.txt").read_text(encoding="utf-8") == "协会"


# --- the shared run does not depend on completion order ----------------------------


def shuffled_executor(seed: int) -> Executor:
    """Runs tasks in this process, returning outcomes in a random order (as a cluster may)."""

    def execute(tasks: Iterator[Task], count: int) -> Iterator[Outcome]:
        outcomes = [process_file(task) for task in tasks]
        random.Random(seed).shuffle(outcomes)
        return iter(outcomes)

    return execute


@pytest.mark.parametrize("seed", [1, 2])
def test_outcomes_in_any_order_give_the_same_report_and_manifest(tmp_path: Path, seed: int):
    options = RunOptions(jobs=1, preview_files=3)  # fewer detailed files than files with edits
    src = corpus(tmp_path / "raw")
    ordered = batch.run(src, tmp_path / "a", options, report_dir=tmp_path / "ra")
    shuffled = batch.run(src, tmp_path / "b", options, report_dir=tmp_path / "rb", executor=shuffled_executor(seed))
    assert shuffled.records == ordered.records
    assert tree(tmp_path / "b") == tree(tmp_path / "a")  # the same outputs and manifest entries
    assert comparable_json(tmp_path / "rb") == comparable_json(tmp_path / "ra")
    assert comparable_html(tmp_path / "rb") == comparable_html(tmp_path / "ra")
    # Previews are the report's: the page details the same 3 files, the manifest keeps none.
    assert all(set(e) == {"sha256", "record", "mappings"} for e in dump(tmp_path / "b")["files"].values())


# --- on a cluster -------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    import logging

    import distributed  # the test extra installs it

    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,  # as a library user's client may be
    ):
        yield client


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local run of the corpus (2 processes): the reference for the cluster runs."""
    root = tmp_path_factory.mktemp("local")
    src = corpus(root / "raw")
    result = batch.run(src, root / "clean", RunOptions(jobs=2), report_dir=root / "reports")
    assert result.exit_code == 1  # the undecodable file
    return root


def test_cluster_run_equals_a_local_run_and_reruns_incrementally(client, local_run: Path, tmp_path: Path):
    from normalizer.distributed import run_on_client

    dst, rep = tmp_path / "clean", tmp_path / "reports"
    # small batches: several tasks per worker, completing out of order
    result = run_on_client(client, local_run / "raw", dst, RunOptions(jobs=2), report_dir=rep, batch_files=3)
    assert result.exit_code == 1
    assert tree(dst) == tree(local_run / "clean")  # outputs byte for byte, manifest entries
    assert comparable_json(rep) == comparable_json(local_run / "reports")
    assert comparable_html(rep) == comparable_html(local_run / "reports")
    assert {r["status"] for r in result.records} == {"changed", "unchanged", "skipped", "error"}

    before = mtimes(dst)
    again = run_on_client(client, local_run / "raw", dst, RunOptions(jobs=2), report_dir=rep, batch_files=3)
    assert again.report["totals"]["written"] == 0
    assert all(r["reused"] for r in again.records if r["status"] != "error")
    assert mtimes(dst) == before | {MANIFEST_NAME: mtimes(dst)[MANIFEST_NAME]}  # only the manifest is rewritten
    assert tree(dst) == tree(local_run / "clean")


def test_cli_scheduler_local_gives_the_same_tree_and_report(local_run: Path, tmp_path: Path):
    dst, rep = tmp_path / "clean", tmp_path / "reports"
    args = ["run", str(local_run / "raw"), str(dst), "--scheduler", "local", "--jobs", "2", "--report", str(rep)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"{local_run / 'raw' / 'bad' / 'undecodable.txt'}: no plausible Chinese encoding")
    # that one error and the skipped image (one line each), nothing from Dask
    assert result.stderr.splitlines()[1:] == [f"{local_run / 'raw' / 'img' / 'logo.png'}: skipped, binary (PNG image)"]
    assert tree(dst) == tree(local_run / "clean")
    assert comparable_json(rep) == comparable_json(local_run / "reports")


def dies_once(tasks: list[Task]) -> list[Outcome]:
    """process_batch, but the first batch of a run kills its worker process before doing anything."""
    root = Path(tasks[0].src[: -len(tasks[0].rel)]).parent
    marker = root / "died"
    if not marker.exists():
        marker.write_text(str(os.getpid()), encoding="utf-8")
        os._exit(1)
    return process_batch(tasks)


def test_a_batch_whose_worker_dies_is_run_again(client, local_run: Path, tmp_path: Path):
    from normalizer.distributed import dask_executor

    src = corpus(tmp_path / "raw")
    rep = tmp_path / "reports"
    result = batch.run(
        src, tmp_path / "clean", RunOptions(jobs=2), report_dir=rep, executor=dask_executor(client, function=dies_once)
    )
    assert (tmp_path / "died").exists()
    assert tree(tmp_path / "clean") == tree(local_run / "clean")
    ours, theirs = comparable_json(rep), comparable_json(local_run / "reports")
    assert ours.pop("run") == {**theirs.pop("run"), "src": str(src)}
    assert ours == theirs
    assert result.exit_code == 1
    client.wait_for_workers(2, timeout=30)  # the nanny restarted the dead one


def test_workers_running_other_code_are_refused(client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from normalizer import distributed as zd

    src = make_tree(tmp_path / "raw", {"a.txt": "協會".encode()})
    monkeypatch.setattr(zd, "tool_identity", lambda: "zhnorm 9.9 (code other), OpenCC 0")
    with pytest.raises(UsageError, match=re.escape(f"runs zhnorm {normalizer.__version__} (code ")):
        zd.run_on_client(client, src, tmp_path / "clean", RunOptions())
    assert not [p for p in (tmp_path / "clean").rglob("*")]  # the probe is gone, nothing was written
