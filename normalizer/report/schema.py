"""Constants of the run report, in a module that imports nothing.

A rerun that finds nothing changed must learn the report's names and versions without
importing the report modules (and the pipeline behind them): it reads them here.
"""

from __future__ import annotations

SCHEMA = "zhnorm-report"
SCHEMA_VERSION = 2  # a change that removes or redefines a field bumps it
STATUSES = ("changed", "unchanged", "skipped", "error")
DETAIL_LEVELS = ("summary", "full")
REPORT_NAME = "report.json"
HTML_NAME = "report.html"  # as normalizer.report.html_report.HTML_NAME (tests check)
