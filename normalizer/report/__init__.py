"""Reports about normalization runs.

:mod:`normalizer.report.json_report` turns :class:`normalizer.NormalizeResult` objects
into compact per-file records and a versioned JSON document (schema in its docstring
and in ``schema.json`` next to it); :mod:`normalizer.report.html_report` renders the
same document as one self-contained HTML page; :mod:`normalizer.report.terminal`
renders summaries, tables and inline diffs for the command line.

Reports are built from plain dicts so that they cross process boundaries (the batch
runner's worker processes return records) and can be stored in the run manifest.
"""

from .json_report import SCHEMA_VERSION, build_report, file_record, render_json

__all__ = ["SCHEMA_VERSION", "build_report", "file_record", "render_json"]
