"""Imported by the local process pool's forkserver before it forks any worker (see
``normalizer.executors.pool_context``): importing this module imports the pipeline and the
report modules and normalizes a few lines, which loads what the pipeline loads lazily
(numpy, OpenCC's dictionaries, pypinyin's readings).

Why: every worker is forked from the forkserver, so it starts with all of that in
memory instead of spending ~0.3 s of CPU on it (and the memory is shared between the
workers until written). Nothing here may raise: a failure only means the workers warm
up themselves, as they would without this module.
"""

from __future__ import annotations


def warm_up() -> None:
    """Run the pipeline, a record, a preview and its rendering once, on text that needs every stage."""
    from .manifest import Entry  # noqa: F401
    from .pipeline import normalize_bytes
    from .report.compact import record_json, summary
    from .report.html_report import prerender
    from .report.json_report import file_record
    from .report.preview import build_preview
    from .worker import process_file  # noqa: F401  (the function the workers run)

    # UTF-8 and GB18030 only. What every worker needs is best loaded here once (shared memory,
    # less CPU) but costs the same wall time either way; what only some corpora need (chardet,
    # which Big5 text wakes, ~0.1 s) would delay the workers' start for nothing on the others.
    text = "科協(xié)組織召開(kāi)會議，著眼於發展。\n臺灣的學(xué)生說：「這個問題很重要」。\n" * 4
    # The second holds a Hong Kong variant form: OpenCC's hk2s is built as well as t2s (telling.simplified_config).
    for data in (text.encode("utf-8"), (text + "香港衞生署。\n").encode("gb18030")):
        result = normalize_bytes(data, errors="replace")
        record = file_record("warm-up.txt", result, status="changed", bytes_in=len(data), bytes_out=len(data))
        record_json(record)
        summary(record)
        prerender(build_preview(result))


try:
    warm_up()
except Exception:  # pragma: no cover - never stop the pool from starting
    pass
