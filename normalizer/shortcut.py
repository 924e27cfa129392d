"""The no-change shortcut: a rerun that finds every input and output as the last run left
them returns that run's result, and writes nothing (see :func:`normalizer.batch.run`).

A file is known unchanged by its state (size, times, inode), as git knows it, when the
last run could trust that state; a file changed less than ``racy_ns`` before the last run
read it could not be trusted so (:func:`normalizer.inputs.trusted_state`: a later change
in the same tick of the file system's clock would leave it alike), and its state is not
recorded. Such a file is hashed here instead, and unchanged when its SHA-256 is the one
recorded. Why: files written just before a run (a scraper's, a checkout's) would otherwise
send the next run, with nothing to do, down the whole incremental path (1.3 s instead of
0.1 s on the 1,866-file benchmark corpus), each time until a run recorded their states.
Only a few are hashed (:data:`HASH_FILES`, :data:`HASH_BYTES`): the shortcut writes
nothing, so it would hash them again on every rerun, while one run down the whole path
records their states for good.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from .inputs import FileProblem, hash_input, open_input, state_of
from .manifest import Manifest, read_last
from .plan import RunPlan
from .report.schema import HTML_NAME, REPORT_NAME
from .run_result import RunResult

#: At most this many files, of at most this many bytes in all, are hashed by the shortcut.
HASH_FILES = 64
HASH_BYTES = 4 << 20


def unchanged_result(plan: RunPlan) -> RunResult | None:
    """The last run's result when it still stands, else None.

    Reads the manifest's file states and stats the inputs, outputs and report files;
    hashes only the few inputs whose state the last run could not trust; nothing is
    written."""
    assert plan.report_dir is not None
    manifest = read_last(plan.dst, plan.key)  # None when the last run did not finish, or had other options
    if manifest is None:
        return None
    try:
        return _unchanged(plan, manifest, plan.report_dir)
    finally:
        manifest.close()


def _unchanged(plan: RunPlan, manifest: Manifest, report_dir: Path) -> RunResult | None:
    last = manifest.last_report
    assert last is not None
    dst = plan.dst
    run_info = last.get("run") or {}
    if (
        last.get("dir") != os.path.abspath(report_dir)
        or run_info.get("src") != str(plan.src)
        or run_info.get("dst") != str(dst)
        or run_info.get("options") != plan.options.as_report()
        or last.get("selection") != plan.selection()
    ):
        return None
    report_path, html_path = report_dir / REPORT_NAME, report_dir / HTML_NAME
    if state_of(report_path) != last.get("json") or state_of(html_path) != last.get("html"):
        return None
    items = manifest.items()
    doubtful: list[str] = []  # the files not still by their states
    for rel in plan.chosen:
        if not plan.still(rel, items.get(rel)):
            doubtful.append(rel)
            if len(doubtful) > HASH_FILES:  # too many to hash: decided without looking at the rest
                return None
    if doubtful and not same_content(plan, manifest, doubtful):
        return None
    return RunResult(
        report_path=report_path,
        html_path=html_path,
        head={k: last[k] for k in ("schema", "schema_version", "tool", "run", "totals", "truncated") if k in last},
        unchanged_since=run_info.get("finished"),
    )


def same_content(plan: RunPlan, manifest: Manifest, rels: list[str]) -> bool:
    """Whether each of ``rels`` is an input whose state the last run could not trust, with
    the SHA-256 it recorded and its output as recorded: hashed, when they are few enough."""
    if len(rels) > HASH_FILES or plan.input_bytes(rels) > HASH_BYTES:  # see the module's docstring
        return False
    for rel in rels:
        on_disk, info = plan.files[rel]
        if info is None or not stat.S_ISREG(info.st_mode):  # a link is left to the whole run's checks
            return False
        row = manifest.get(rel)
        if row is None or row.item[0] is not None:  # no entry, or a trusted state that changed
            return False
        status, written = json.loads(row.entry.record).get("status"), row.item[1]
        if status not in ("changed", "unchanged", "skipped") or (written is None and status != "skipped"):
            return False  # errors are always retried; an output whose state is unknown is checked by a run
        if written is not None and state_of(plan.dst / on_disk) != written:
            return False
        if _sha256(plan.src / on_disk) != row.entry.sha256:
            return False
    return True


def _sha256(path: Path) -> str | None:
    """The SHA-256 of a regular file, None when it cannot be read as one."""
    try:
        f, _ = open_input(path)
    except FileProblem:
        return None
    with f:
        try:
            return hash_input(f)[0]
        except FileProblem:
            return None
