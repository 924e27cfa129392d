"""Reports about normalization runs.

:mod:`normalizer.report.json_report` turns :class:`normalizer.NormalizeResult` objects
into compact per-file records and a versioned JSON document (schema in its docstring
and in ``schema.json`` next to it); :mod:`normalizer.report.html_report` renders the
same document as one self-contained HTML page; :mod:`normalizer.report.terminal`
renders summaries, tables and inline diffs for the command line;
:mod:`normalizer.report.compact` is how a batch run carries records between processes.

Reports are built from plain dicts so that they cross process boundaries (the batch
runner's worker processes return records) and can be stored in the run manifest.

The names below are imported on first use: importing one submodule (e.g. the terminal
summary, which a rerun that finds nothing changed prints) must not import the others.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SCHEMA_VERSION", "build_report", "file_record", "render_json"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import json_report

    value = getattr(json_report, name)
    globals()[name] = value
    return value
