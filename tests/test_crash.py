"""Crash consistency: ``zhnorm run`` killed with SIGKILL at random moments, then rerun,
leaves DST byte for byte as an uninterrupted run does, with no temporary file left.

2,000 files of 1–3 KB (pieces of the seed and expected texts, in mixed encodings) are
normalized by a real ``zhnorm run --jobs 2`` subprocess. The whole process group (the
run and its worker processes) is killed with SIGKILL several times, at moments drawn
by a seeded RNG across the length of an uninterrupted run; then a last run completes.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from corpus_texts import expected_texts, seed_texts

from normalizer.atomic import TEMP_MARK
from normalizer.manifest import MANIFEST_NAME, dump

FILES = 2000
KILLS = 4
ENCODINGS = ["utf-8", "utf-8", "utf-8", "utf-8-sig", "gb18030", "utf-16", "big5"]


def make_corpus(root: Path, rng: random.Random) -> None:
    lines = [line for text in [*seed_texts(), *expected_texts()] for line in text.splitlines() if line]
    for i in range(FILES):
        size = rng.randint(1000, 3000)
        start = rng.randrange(len(lines))
        parts: list[str] = []
        while sum(len(p.encode("utf-8")) for p in parts) < size:
            parts.append(lines[(start + len(parts)) % len(lines)])
        text = "\n".join(parts)[: size // 3] + "\n"
        codec = rng.choice(ENCODINGS)
        try:
            data = text.encode(codec)
        except UnicodeEncodeError:
            data = text.encode("utf-8")
        if i % 97 == 0:
            data = data[:500] + b"\xff" + data[500:]  # an error the reruns retry
        path = root / f"d{i % 7}" / f"s{i % 13}" / f"{i:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def zhnorm(src: Path, dst: Path, report: Path) -> subprocess.Popen:
    args = [sys.executable, "-m", "normalizer", "run", str(src), str(dst), "--jobs", "2", "--quiet"]
    return subprocess.Popen(
        [*args, "--report", str(report)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill takes the workers too
    )


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_killed_runs_then_a_rerun_give_the_uninterrupted_output(tmp_path: Path):
    rng = random.Random(20240611)
    src = tmp_path / "src"
    make_corpus(src, rng)
    source = tree(src)

    started = time.monotonic()
    reference = zhnorm(src, tmp_path / "ref", tmp_path / "ref-report")
    assert reference.wait(timeout=300) == 1  # the corrupt files are errors
    duration = time.monotonic() - started

    dst, report = tmp_path / "dst", tmp_path / "report"
    killed = 0
    for _ in range(KILLS):
        proc = zhnorm(src, dst, report)
        time.sleep(rng.uniform(0.3, max(0.5, duration * 0.7)))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait(timeout=60)
        deadline = time.monotonic() + 10  # the group's other processes die too
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
    assert killed >= 2
    final = zhnorm(src, dst, report)
    assert final.wait(timeout=300) == 1

    assert tree(src) == source  # SRC untouched
    ref, got = tree(tmp_path / "ref"), tree(dst)
    assert sorted(got) == sorted(ref)
    assert got.keys() - {MANIFEST_NAME} and all(got[k] == ref[k] for k in ref if k != MANIFEST_NAME)
    manifests = [dump(d) for d in (tmp_path / "ref", dst)]
    assert manifests[0]["files"] == manifests[1]["files"]
    assert len(manifests[0]["files"]) == FILES - len(range(0, FILES, 97))  # errors are not kept
    assert not [p for p in tmp_path.rglob("*") if TEMP_MARK in p.name]
    reports = [json.loads((d / "report.json").read_text("utf-8")) for d in (tmp_path / "ref-report", report)]
    assert [{**r, "reused": None} for r in reports[0]["files"]] == [{**r, "reused": None} for r in reports[1]["files"]]
