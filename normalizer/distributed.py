"""``zhnorm run`` on a Dask cluster: the same output files and report as a local run.

Needs the ``dask`` extra (``pip install 'zhnorm[dask]'``); nothing else in the package
imports this module, so zhnorm without it never imports Dask. Entry points:

* :func:`run_on_client` for code that already holds a ``dask.distributed.Client``;
* :func:`run_on_scheduler` for ``zhnorm run SRC DST --scheduler ADDRESS``: a running
  scheduler's address (``tcp://host:8786``) or ``local`` for a ``LocalCluster`` of
  ``options.jobs`` worker processes on this machine.

Everything except the execution is :func:`normalizer.batch.run`'s: file selection,
the manifest (incremental reruns), the report. This module only supplies an
executor (:func:`dask_executor`) that

* ships files in batches (:data:`BATCH_FILES` files or :data:`BATCH_BYTES` bytes,
  whichever comes first) to :func:`normalizer.worker.process_batch`, a top-level
  function; each worker process builds its OpenCC converter once (``normalizer.convert``).
  Records come back in the compact form of a local run (serialized once, summarized,
  their mapping histograms summed per batch: :mod:`normalizer.report.compact`);
* keeps a bounded number of batches in flight and hands each batch's outcomes to the
  run as soon as it completes (``distributed.as_completed``): records come back,
  never file contents, and the client never holds the corpus;
* submits with ``retries=`` so that a failed batch is run again. Workers write their
  outputs themselves with the same atomic writes as a local run, so a retried or
  killed batch never leaves a half-written file.

Workers read SRC and write DST by path: every worker must see both at the same
absolute paths as the machine that starts the run (shared storage such as an NFS
mount). :func:`run_on_client` checks this, and that the workers run the same zhnorm
code and OpenCC, before it starts.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

try:
    import distributed
except ImportError as _err:  # the CLI turns this into a one-line usage error
    raise ModuleNotFoundError(
        f"normalizer.distributed needs Dask ({_err}): pip install 'zhnorm[dask]'", name=_err.name
    ) from _err

from . import __version__
from .atomic import TEMP_MARK
from .batch import RunOptions, RunResult
from .batch import run as run_batch
from .executors import Executor, batches, default_jobs
from .selection import UsageError, check_paths
from .versions import code_digest, opencc_version
from .worker import Outcome, Task, process_batch

if TYPE_CHECKING:
    from collections.abc import Callable

    from .report.json_report import Record

BATCH_FILES = 64  # files per scheduler task ...
BATCH_BYTES = 8 * 1024 * 1024  # ... or input bytes, whichever comes first (a bigger file goes alone)
RETRIES = 3  # a batch that fails (its worker died, an I/O error) is run again this many times
CONNECT_TIMEOUT_S = 20
WORKER_WAIT_S = 60  # how long ``run_on_scheduler`` waits for a remote scheduler's first worker
LOCAL = "local"


# --- the executor -------------------------------------------------------------------


def _input_size(task: Task) -> int:
    """The input's size as the run listed it; else asked (0 when it cannot be: the worker reports it)."""
    if task.size:
        return task.size
    try:
        return os.stat(task.src).st_size
    except OSError:
        return 0


def cluster_batches(
    tasks: Iterable[Task], max_files: int = BATCH_FILES, max_bytes: int = BATCH_BYTES
) -> Iterator[list[Task]]:
    """Consecutive tasks grouped by count and input size (:func:`normalizer.executors.batches`),
    paths made absolute for the workers. Lazy: a task is drawn only when its batch is about to be
    submitted."""
    absolute = (replace(task, src=os.path.abspath(task.src), dst=os.path.abspath(task.dst)) for task in tasks)
    return batches(absolute, max_files=max_files, max_bytes=max_bytes, size=_input_size)


def dask_executor(
    client: distributed.Client,
    *,
    batch_files: int = BATCH_FILES,
    batch_bytes: int = BATCH_BYTES,
    in_flight: int | None = None,
    retries: int = RETRIES,
    function: Callable[[list[Task]], list[Outcome]] = process_batch,
) -> Executor:
    """An executor for :func:`normalizer.batch.run` that runs batches of files on ``client``'s cluster.

    At most ``in_flight`` batches (default: twice the cluster's worker threads, at least
    4) are submitted at a time; the next one is drawn when one completes. Outcomes come
    back in completion order. ``function`` (an importable top-level function; tests
    wrap :func:`normalizer.worker.process_batch`) processes one batch on a worker.
    """

    def execute(tasks: Iterator[Task], count: int) -> Iterator[Outcome]:
        limit = in_flight or max(4, 2 * total_threads(client))
        submitter = _Submitter(client, function, cluster_batches(tasks, batch_files, batch_bytes), retries)
        try:
            for _ in range(limit):
                submitter.submit_next()
            for future in submitter.done:
                outcomes = future.result()  # re-raises a batch's error once its retries are spent
                submitter.running.discard(future)
                future.release()
                yield from outcomes
                submitter.submit_next()  # after the run has seen these outcomes: they decide later tasks' previews
        finally:
            submitter.stop()

    return execute


class _Submitter:
    """Submits a run's batches to the cluster one at a time, each under its own key."""

    def __init__(
        self,
        client: distributed.Client,
        function: Callable[[list[Task]], list[Outcome]],
        pending: Iterator[list[Task]],
        retries: int,
    ):
        self.client = client
        self.function = function
        self.pending = pending
        self.retries = retries
        self.token = secrets.token_hex(4)
        self.done = distributed.as_completed(loop=client.loop)  # not the default client's: ``client`` may not be it
        self.running: set[distributed.Future] = set()
        self.submitted = 0

    def submit_next(self) -> None:
        """Submit the next batch, if any is left."""
        batch = next(self.pending, None)
        if batch is None:
            return
        key = f"zhnorm-batch-{self.token}-{self.submitted}"
        future = self.client.submit(self.function, batch, key=key, retries=self.retries, pure=False)
        self.submitted += 1
        self.running.add(future)
        self.done.add(future)

    def stop(self) -> None:
        """Cancel what is still running (the run stopped early: an error, Ctrl-C) and stop waiting."""
        if self.running:  # do not leave work on the cluster
            with suppress(Exception):
                self.client.cancel(list(self.running))
        self.done.clear()


def total_threads(client: distributed.Client) -> int:
    return sum(client.nthreads().values())


# --- checks before a run ------------------------------------------------------------


PROBE_PREFIX = ".zhnorm-probe"


def _worker_view(src: str, dst: str, probe: str | None) -> dict[str, Any]:
    """What a worker sees (runs on each worker): SRC, the probe file in DST, its zhnorm."""
    seen: dict[str, Any] = {"src": os.path.isdir(src), "tool": tool_identity()}
    if probe is not None:
        try:
            seen["probe"] = Path(dst, probe).read_text(encoding="utf-8")
        except OSError:
            seen["probe"] = None
    return seen


def tool_identity() -> str:
    return f"zhnorm {__version__} (code {code_digest()}), OpenCC {opencc_version()}"


def check_workers(client: distributed.Client, src: Path, dst: Path, *, dry_run: bool = False) -> int:
    """Raise :class:`UsageError` unless every worker sees SRC and DST as this process does.

    Checks that SRC is a directory on each worker; that a file this process writes in
    DST (created if missing, unless ``dry_run``) reads back the same on each worker;
    and that workers run the same zhnorm code and OpenCC (the manifest records this
    process's). Returns the number of workers checked (none connected: nothing checked).
    """
    src_abs, dst_abs = os.path.abspath(src), os.path.abspath(dst)
    probe = token = None
    if not dry_run:
        dst.mkdir(parents=True, exist_ok=True)
        token = secrets.token_hex(8)
        probe = f"{PROBE_PREFIX}{TEMP_MARK}{token}"  # a temporary's name: a killed run's is removed later
        Path(dst_abs, probe).write_text(token, encoding="utf-8")
    try:
        views: dict[str, dict[str, Any]] = client.run(_worker_view, src_abs, dst_abs, probe)
    finally:
        if probe is not None:
            with suppress(FileNotFoundError):
                os.unlink(os.path.join(dst_abs, probe))
    same_paths = "every worker must see SRC and DST at the same paths as this machine (e.g. a shared NFS mount)"
    mine = tool_identity()
    for worker, seen in sorted(views.items()):
        if not seen["src"]:
            raise UsageError(f"worker {worker} cannot see SRC {src_abs}: {same_paths}")
        if probe is not None and seen["probe"] != token:
            raise UsageError(f"worker {worker} does not see this machine's DST {dst_abs}: {same_paths}")
        if seen["tool"] != mine:
            raise UsageError(f"worker {worker} runs {seen['tool']}, this machine {mine}: install the same on all")
    return len(views)


# --- entry points -------------------------------------------------------------------


def run_on_client(
    client: distributed.Client,
    src: Path,
    dst: Path,
    options: RunOptions,
    *,
    report_dir: Path | None = None,
    on_record: Callable[[Record], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    batch_files: int = BATCH_FILES,
    batch_bytes: int = BATCH_BYTES,
    in_flight: int | None = None,
    retries: int = RETRIES,
    check: bool = True,
) -> RunResult:
    """:func:`normalizer.batch.run` with the files processed on ``client``'s Dask cluster.

    Same arguments, outputs, manifest and report as the local run (the report's
    ``options.jobs`` is the cluster's number of worker threads). ``check`` first runs
    :func:`check_workers` on the workers connected now. Raises
    :class:`normalizer.selection.UsageError` for bad paths or workers that cannot see them.
    """
    src, dst = Path(src), Path(dst)
    check_paths(src, dst, report_dir)
    if check:
        check_workers(client, src, dst, dry_run=options.dry_run)
    threads = total_threads(client)
    if threads:
        options = replace(options, jobs=threads)
    executor = dask_executor(
        client, batch_files=batch_files, batch_bytes=batch_bytes, in_flight=in_flight, retries=retries
    )
    return run_batch(
        src, dst, options, report_dir=report_dir, on_record=on_record, on_start=on_start, executor=executor
    )


@contextmanager
def connect(address: str, jobs: int | None = None) -> Iterator[distributed.Client]:
    """A client for a scheduler ``address``, or for a new ``LocalCluster`` of ``jobs`` processes when ``local``."""
    if address == LOCAL:
        with _workers_ignore_ctrl_c():  # only while the worker processes start
            cluster = distributed.LocalCluster(
                n_workers=jobs or default_jobs(),
                threads_per_worker=1,  # OpenCC holds the GIL: one thread per process
                processes=True,
                dashboard_address=":0",  # any free port: 8787 may belong to another cluster
                silence_logs=logging.ERROR,
            )
        with cluster, distributed.Client(cluster) as client:
            yield client
        return
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as err:
        raise UsageError(f"cannot connect to the Dask scheduler at {address}: {err}") from err
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError as err:
            raise UsageError(f"the Dask scheduler at {address} has no worker after {WORKER_WAIT_S} s") from err
        yield client


@contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Ignore SIGINT while the LocalCluster starts, so that its worker processes inherit that.

    Ctrl-C reaches the whole process group: the workers would die printing tracebacks,
    while this process cancels the run and closes the cluster anyway. Only the main
    thread may set signal handlers: elsewhere, nothing is changed.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_on_scheduler(
    address: str,
    src: Path,
    dst: Path,
    options: RunOptions,
    **kwargs: Any,
) -> RunResult:
    """:func:`run_on_client` on a scheduler ``address`` or ``local`` (see :func:`connect`).

    Bad paths are refused before a cluster is started or contacted.
    """
    check_paths(Path(src), Path(dst), kwargs.get("report_dir"))
    with connect(address, options.jobs) as client:
        return run_on_client(client, src, dst, options, **kwargs)
