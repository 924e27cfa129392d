"""The ``zhnorm`` command: ``run``, ``detect``, ``diff``, and the pre-commit hooks ``fix``, ``check``.

Thin by design: parse options, call :mod:`normalizer.batch` or the pipeline, print
with :mod:`normalizer.report.terminal`. Exit codes: 0 all files fine, 1 some file
errored (or was not text, for ``diff``), 2 bad usage (one-line message), 130 interrupted
(Ctrl-C). Every line printed goes through :func:`normalizer.escapes.printable`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from .config import Config, ConfigError, load_config
from .escapes import HIDDEN, printable

if TYPE_CHECKING:
    from .report.json_report import Record
    from .run_result import RunResult

# The run engine (normalizer.batch and the manifest, which loads json), the report modules
# and the pipeline are imported inside the commands that use them: ``zhnorm check``/``fix``
# run as a pre-commit hook at every commit and must start fast, and so must a ``zhnorm run``
# that finds nothing changed.

DEFAULT_SRC = "corpus/raw"
DEFAULT_DST = "corpus/clean"
REPORT_SUFFIX = ".zhnorm-report"
_PATH = click.Path(path_type=Path)


def _config() -> Config:
    """Settings from .zhnorm.toml / pyproject.toml [tool.zhnorm] (see normalizer.config); exit 2 when invalid."""
    try:
        return load_config()
    except ConfigError as err:
        _fail_usage(str(err))
        raise AssertionError("unreachable") from err


def _errors_default(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """--errors when given, else the configuration's ``errors``, else 'strict'."""
    return value or _config().errors or "strict"


def _errors_option(replace: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """--errors, with what 'replace' does for this command."""
    return click.option(
        "--errors",
        type=click.Choice(["strict", "replace"]),
        default=None,
        callback=_errors_default,
        help=f"Undecodable bytes: 'strict' reports the file as an error, 'replace' {replace} "
        "[default: 'errors' in the configuration file, else strict].",
    )


def default_report_dir(dst: Path) -> Path:
    """Where a run into ``dst`` writes its report by default: ``DST.zhnorm-report`` beside DST.

    Named after DST, so runs into two DSTs never share a report; beside it rather than
    inside it, so the report is never taken for corpus content (copying DST, or a later
    run that reads DST as its SRC, does not pick it up).
    """
    absolute = Path(os.path.abspath(dst))
    return absolute.with_name(absolute.name + REPORT_SUFFIX) if absolute.name else absolute / REPORT_SUFFIX


def decode_hint(reason: str) -> str:
    """An error's reason; for undecodable bytes, with the option that would carry on instead."""
    if " undecodable byte" in reason:
        return f"{reason} (--errors replace writes U+FFFD for such bytes and records each)"
    return reason


def want_color(flag: bool | None, environ: Mapping[str, str]) -> bool:
    """``--color``/``--no-color`` decide; otherwise colour a terminal unless NO_COLOR is set (no-color.org)."""
    if flag is not None:
        return flag
    return sys.stdout.isatty() and not environ.get("NO_COLOR")


def _say(line: str, *, err: bool = False) -> None:
    """Print one line with its names and text made printable (:func:`normalizer.escapes.printable`):
    no control, bidi control or newline from a file name or the corpus reaches the output raw."""
    click.echo(printable(line), err=err)


def json_printable(doc: str) -> str:
    """JSON text with every :data:`normalizer.escapes.HIDDEN` character inside its strings written
    ``\\uNNNN`` (still valid JSON); the newlines of its layout stay."""
    return _JSON_HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", doc)


_JSON_HIDDEN = re.compile(f"(?!\n)[{HIDDEN}]")


def _fail_usage(message: str) -> None:
    _say(f"zhnorm: error: {message}", err=True)
    sys.exit(2)


#: Exit status after Ctrl-C: 128 + SIGINT, the shell's convention (click would say "Aborted!" and exit 1).
INTERRUPTED = 130


class _Commands(click.Group):
    """The command group, with Ctrl-C ending any command with :data:`INTERRUPTED`.

    A run interrupted keeps in its manifest what it finished (``normalizer.batch`` saves
    it on the way out), its workers are stopped and no temporary file is left: a rerun
    finishes the job.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\nzhnorm: interrupted; what was finished is kept, run again to finish", err=True)
            sys.exit(INTERRUPTED)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="zhnorm")
def main() -> None:
    """Turn messy Chinese news text into clean UTF-8 mainland-simplified text, with every edit accounted for."""
    single_threaded_blas()


#: The environment variable that sets how many threads OpenBLAS (numpy's linear algebra) starts.
BLAS_THREADS = "OPENBLAS_NUM_THREADS"


def single_threaded_blas() -> None:
    """Have numpy's OpenBLAS start one thread, not one per core, unless the user set how many.

    zhnorm uses numpy for element-wise work on code-point arrays and never for linear algebra,
    yet importing numpy starts OpenBLAS's thread pool, which costs ~0.1 s of CPU in each
    process that imports it (this one, and the pool's forkserver, which inherits the setting).
    Set before numpy is imported (the command group runs before its commands).
    """
    os.environ.setdefault(BLAS_THREADS, "1")


@main.command()
@click.argument("src", type=_PATH, default=DEFAULT_SRC)
@click.argument("dst", type=_PATH, default=DEFAULT_DST)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), help="Worker processes [default: all cores; 1 for small runs]."
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=f"Directory for report.json and report.html [default: DST{REPORT_SUFFIX}, beside DST; "
    "with --dry-run only when given].",
)
@click.option(
    "--report-detail",
    type=click.Choice(["summary", "full"]),
    default="summary",
    show_default=True,
    help="'full' adds every edit to the report; 'summary' gives conversions as a histogram.",
)
@click.option(
    "--include",
    multiple=True,
    metavar="GLOB",
    help="Only files matching GLOB (repeatable). Without '/' a GLOB matches any path component.",
)
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip files matching GLOB (repeatable).")
@click.option("--dry-run", is_flag=True, help="Normalize and report, but write no file.")
@click.option("--force", is_flag=True, help="Redo every file, even those the manifest says are up to date.")
@click.option(
    "--delete",
    is_flag=True,
    help="Remove stale outputs: files an earlier run wrote in DST whose source is gone or now fails "
    "(only files the manifest says zhnorm wrote, as they were written; nothing else in DST).",
)
@_errors_option("writes U+FFFD in their place and records each as an edit")
@click.option("-q", "--quiet", is_flag=True, help="Print only per-file errors.")
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    default=None,
    help="Run on a Dask cluster: a scheduler's address (tcp://host:8786), or 'local' for a LocalCluster of "
    "--jobs processes here. Workers must see SRC and DST at the same paths. Needs: pip install 'zhnorm[dask]'.",
)
def run(
    src: Path,
    dst: Path,
    jobs: int | None,
    report_dir: Path | None,
    report_detail: str,
    include: Sequence[str],
    exclude: Sequence[str],
    dry_run: bool,
    force: bool,
    delete: bool,
    errors: str,
    quiet: bool,
    scheduler: str | None,
) -> None:
    """Normalize every text file under SRC into DST (same relative paths, UTF-8 without BOM).

    SRC defaults to corpus/raw and DST to corpus/clean. SRC is never modified; binary
    files are skipped and listed in the report. A rerun only redoes files whose bytes,
    options or tool version changed (DST/.zhnorm-manifest.sqlite); when nothing changed
    and the report is as the last run left it, it says so and writes nothing. Outputs
    an earlier run wrote whose source is gone or now fails are listed as stale;
    --delete removes them.
    """
    from . import batch, selection

    if report_dir is None and not dry_run:
        report_dir = default_report_dir(dst)

    progress = None  # a progress bar on stderr when it is a terminal (not with --quiet)

    def start(total: int) -> None:
        nonlocal progress
        if total and not quiet and sys.stderr.isatty():
            from .report.terminal import Progress

            progress = Progress(total, sys.stderr)

    def show(record: Record) -> None:
        # One line per file that was not normalized: errors always, skipped files unless --quiet.
        status = record["status"]
        if status == "error" or (status == "skipped" and not quiet and not record.get("reused")):
            if progress:
                progress.clear()
            where = str(src) + "/" + record["path"]
            what = "" if status == "error" else "skipped, "
            _say(f"{where}: {what}{decode_hint(record['reason'])}", err=True)
        if progress:
            progress.update()

    config = _config()  # command-line flags override the configuration file, option by option
    options = batch.RunOptions(
        jobs=jobs or config.jobs,  # None: every core, or this process alone for a small run (executors.jobs_for)
        include=tuple(include) or config.include,
        exclude=tuple(exclude) or config.exclude,
        dry_run=dry_run,
        force=force,
        delete=delete,
        errors=errors,
        report_detail=report_detail,
    )
    runner = batch.run if scheduler is None else _dask_runner(scheduler)
    try:
        result = runner(src, dst, options, report_dir=report_dir, on_record=show, on_start=start)
    except selection.UsageError as err:
        _fail_usage(str(err))
        return
    finally:
        if progress:
            progress.clear()
    for warning in result.warnings:
        _say(f"zhnorm: error: {warning}", err=True)
    if not quiet:
        _print_summary(result, dry_run=dry_run, report_dir=report_dir)
    sys.exit(result.exit_code)


def _print_summary(result: RunResult, *, dry_run: bool, report_dir: Path | None) -> None:
    from .report.terminal import summary_lines

    for line in summary_lines(result.head, dry_run=dry_run, unchanged_since=result.unchanged_since):
        _say(line)
    if result.html_path is not None:
        _say(f"report: {result.html_path} (open it in a browser; data: {result.report_path})")
    elif report_dir is None:
        _say("report: none written (a dry run writes one only with --report DIR)")


def _dask_runner(address: str) -> Callable[..., RunResult]:
    """``normalizer.distributed.run_on_scheduler`` for ``address``; exit 2 when Dask is not installed.

    The module (and so Dask) is imported only here, when --scheduler is given.
    """
    import importlib
    from functools import partial

    try:
        module = importlib.import_module("normalizer.distributed")
    except ModuleNotFoundError as err:
        if (err.name or "").partition(".")[0] not in ("dask", "distributed"):
            raise
        _fail_usage("--scheduler needs Dask, which is not installed: pip install 'zhnorm[dask]'")
    return partial(module.run_on_scheduler, address)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the report's file records) instead of a table.")
@_errors_option("decodes them as U+FFFD and counts them (nothing is written)")
def detect(paths: Sequence[Path], as_json: bool, errors: str) -> None:
    """Show encoding, script verdict and shares, annotations and flags per file; write nothing.

    PATHS may be files or directories (read recursively).
    """
    from .batch import inspect
    from .versions import tool_info

    records = inspect(paths, errors=errors)
    if as_json:
        import json

        doc = {"schema": "zhnorm-detect", "schema_version": 1, "tool": tool_info(), "files": records}
        click.echo(json_printable(json.dumps(doc, ensure_ascii=False, indent=1)))
    else:
        from .report.terminal import detect_table

        click.echo(detect_table(records))
    sys.exit(1 if any(r["status"] == "error" for r in records) else 0)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_errors_option("shows them as U+FFFD, each an edit (nothing is written)")
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the edits [default: when stdout is a terminal and NO_COLOR is unset].",
)
def diff(file: Path, errors: str, color: bool | None) -> None:
    """Show the edits normalization makes to FILE, inline on each changed line.

    Without colour an edit reads [-before-]{+after+}. Writes nothing. Exit status 0
    when FILE could be normalized (whether or not it would change), 1 when it is
    binary or cannot be decoded, 2 for bad usage.
    """
    from .inputs import binary_reason
    from .model import DecodeError
    from .pipeline import normalize_bytes

    color = want_color(color, os.environ)
    data = file.read_bytes()
    why = binary_reason(data)
    if why:
        _say(f"{file}: {why}", err=True)
        sys.exit(1)
    try:
        result = normalize_bytes(data, errors=errors)
    except DecodeError as err:
        _say(f"{file}: {decode_hint(err.reason)}", err=True)
        sys.exit(1)
    kinds: dict[str, int] = {}
    for e in result.edits:
        kinds[e.kind] = kinds.get(e.kind, 0) + 1
    counts = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])) or "no edits"
    _say(f"{file}: {result.encoding}, {result.script.verdict}; {counts}")
    from .report.terminal import inline_diff

    for line in inline_diff(result, color=color):
        click.echo(line, color=color)


# --- pre-commit hooks (logic in normalizer.hook) -----------------------------------

_hook_errors_option = click.option(
    "--errors",
    type=click.Choice(["strict", "replace"]),
    default=None,
    help="Undecodable bytes: 'strict' leaves the file untouched and fails, 'replace' writes U+FFFD "
    "[default: 'errors' in the configuration file, else strict].",
)


def _hook(files: Sequence[Path], *, fix: bool, errors: str | None) -> None:
    from .hook import exit_code, run_hook

    try:
        outcomes = run_hook(files, fix=fix, errors=errors)
    except ConfigError as err:
        _fail_usage(str(err))
        return
    for outcome in outcomes:
        line = outcome.line()
        if line is not None:
            _say(line, err=outcome.status == "error")
    sys.exit(exit_code(outcomes))


@main.command()
@click.argument("files", nargs=-1, type=_PATH)
@_hook_errors_option
def fix(files: Sequence[Path], errors: str | None) -> None:
    """Rewrite FILES in place as clean UTF-8 simplified text (the zhnorm-fix pre-commit hook).

    Prints one line per rewritten file saying what changed; a file is written only
    when its bytes change (atomically, keeping its permissions). Binary or
    undecodable files are reported and left untouched. Exit status 1 when any file
    was rewritten or could not be handled, else 0. Honours include/exclude/errors
    from .zhnorm.toml or pyproject.toml [tool.zhnorm].
    """
    _hook(files, fix=True, errors=errors)


@main.command()
@click.argument("files", nargs=-1, type=_PATH)
@_hook_errors_option
def check(files: Sequence[Path], errors: str | None) -> None:
    """Report FILES that are not clean UTF-8 simplified text; change nothing (the zhnorm-check hook).

    Prints one line per file that `zhnorm fix` would rewrite, saying why. Exit
    status 1 when any file would be rewritten or could not be handled, else 0.
    """
    _hook(files, fix=False, errors=errors)
