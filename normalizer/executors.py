"""What runs a run's tasks: this process, or a local pool of warm worker processes.

An :data:`Executor` gets the tasks lazily (an iterator) with their number and returns
their outcomes in any order. A task is drawn as late as the executor can afford: its
``preview`` flag may depend on outcomes already returned. ``normalizer.distributed``
supplies one for a Dask cluster; both ship tasks in :func:`batches` to
:func:`normalizer.worker.process_batch`.

Why a process pool: OpenCC's ``convert()`` holds the GIL, so threads do not help. The
pool's processes are forked from a forkserver that has already imported the pipeline
and built its converters (:mod:`normalizer._warmup`), so each worker starts warm
instead of spending ~0.3 s of CPU getting there.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .worker import Outcome, Task, process_batch, process_file

#: Runs tasks: gets them lazily with their number, returns their outcomes in any order.
Executor = Callable[[Iterator[Task], int], Iterator[Outcome]]

#: The local pool ships files to its workers in batches of at most this many files or
#: bytes: fewer round trips, and each batch's mapping histograms summed before they
#: cross to the main process (see normalizer.report.compact); smaller towards the end.
POOL_BATCH_FILES = 32
POOL_BATCH_BYTES = 4 << 20


#: A run left to choose its number of jobs reads fewer input bytes than this in this process:
#: starting the pool (a forkserver that imports and warms the pipeline, then the workers) costs
#: more than a second core saves. Measured on 2 cores, default against --jobs 1, wall: the sample
#: corpus (2 files) 0.46 against 0.32 s; 40 articles (0.4 MB) 0.54 against 0.46 s; 100 (1 MB)
#: 0.65 against 0.71 s.
POOL_MIN_BYTES = 512 * 1024


def jobs_for(requested: int | None, input_bytes: int) -> int:
    """How many worker processes read ``input_bytes``: ``requested`` when given, else every CPU
    (:func:`default_jobs`), but one (this process) below :data:`POOL_MIN_BYTES`."""
    if requested:
        return requested
    return 1 if input_bytes < POOL_MIN_BYTES else default_jobs()


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def batches(
    tasks: Iterable[Task],
    *,
    max_files: int,
    max_bytes: int,
    taper: tuple[int, int] | None = None,
    size: Callable[[Task], int] | None = None,
) -> Iterator[list[Task]]:
    """Consecutive tasks in batches of at most ``max_files`` files and ``max_bytes`` input bytes.

    A task larger than ``max_bytes`` goes alone. ``taper`` = (number of tasks, workers):
    batches get smaller towards the end (at most a quarter of what is left per worker),
    so that no worker is left with a long batch while the others are done. ``size``
    gives a task's input size (default: ``task.size``, as the run listed it). Lazy: a
    task is drawn only when its batch is about to be filled.
    """
    batch: list[Task] = []
    total = 0
    left, workers = taper if taper is not None else (0, 0)
    files = max_files
    for task in tasks:
        n = size(task) if size is not None else task.size
        if batch and total + n > max_bytes:
            left -= len(batch)
            yield batch
            batch, total = [], 0
        if not batch and taper is not None:
            files = max(1, min(max_files, left // (4 * workers)))
        batch.append(task)
        total += n
        if len(batch) >= files:
            left -= len(batch)
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def local_executor(jobs: int) -> Executor:
    """The default :data:`Executor`: this process for one job, else a pool of ``jobs`` worker processes."""

    def execute(tasks: Iterator[Task], count: int) -> Iterator[Outcome]:
        return execute_tasks(tasks, jobs, count)

    return execute


def execute_tasks(tasks: Iterable[Task], jobs: int, count: int | None = None) -> Iterator[Outcome]:
    """Outcomes (in task order in this process, when one worker is enough).

    The pool is started at once (its forkserver warms up while the caller goes on);
    tasks are drawn as batches are submitted.
    """
    if count is None:
        tasks = list(tasks)
        count = len(tasks)
    if jobs <= 1 or count <= 1:
        return map(process_file, tasks)
    return _pooled(iter(tasks), min(jobs, count), count, pool_context())


def pool_context() -> Any:
    """The multiprocessing context for the pool: a forkserver (started now) that preloads and warms
    the pipeline (:mod:`normalizer._warmup`), so that every worker forked from it starts warm."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not on Linux
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["normalizer._warmup"])  # no effect once the forkserver runs
    from multiprocessing import forkserver

    forkserver.ensure_running()
    return context


def _pooled(tasks: Iterator[Task], workers: int, count: int, context: Any) -> Iterator[Outcome]:
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        chunks = batches(tasks, max_files=POOL_BATCH_FILES, max_bytes=POOL_BATCH_BYTES, taper=(count, workers))
        pending = deque(pool.submit(process_batch, chunk) for _, chunk in zip(range(2 * workers), chunks))
        while pending:
            done = pending.popleft().result()
            chunk = next(chunks, None)
            if chunk is not None:
                pending.append(pool.submit(process_batch, chunk))
            yield from done
    except BaseException:  # Ctrl-C, an error, or the run closed us early: stop the workers now
        _stop(pool)
        raise
    pool.shutdown(wait=True)


#: How long a stopped pool's workers and manager thread are waited for (they end within milliseconds).
STOP_WAIT_SECONDS = 5.0


def _stop(pool: Any) -> None:
    """Stop a pool at once: its workers terminated, and waited for until they are gone.

    ``shutdown(wait=True)`` can hang for ever after a Ctrl-C (which also reaches the workers),
    so the workers are terminated instead (their writes are atomic). Waiting for them to end
    matters: a worker still alive could leave a temporary file after the caller removed them
    (:func:`normalizer.atomic.remove_temporaries`). The pool's manager thread is waited for too:
    Python 3.11's exit wakes it through a pipe that the thread may be closing at that moment
    ("Exception ignored ... Bad file descriptor" on a Ctrl-C)."""
    from multiprocessing.connection import wait

    sentinels = []
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
        with contextlib.suppress(ValueError):  # already closed
            sentinels.append(process.sentinel)
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    while sentinels and time.monotonic() < deadline:
        ended = wait(sentinels, deadline - time.monotonic())
        sentinels = [s for s in sentinels if s not in ended]
    _unblock_pipes(pool)
    pool.shutdown(wait=False, cancel_futures=True)
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(STOP_WAIT_SECONDS)


def _unblock_pipes(pool: Any) -> None:
    """After the workers were terminated: let the pool's threads end, so that the interpreter's
    exit, which joins them, does not hang. A worker killed while sending its result leaves half a
    message in the result pipe, and the pool's manager thread waits for the rest for ever (this
    process holds the pipe's other end open); one killed while its batch was being sent leaves
    the queue's feeder thread blocked. Closing our end of the result pipe ends the wait (the
    manager sees the pool broken and stops); the feeder is not waited for."""
    results = getattr(pool, "_result_queue", None)
    writer = getattr(results, "_writer", None)
    if writer is not None:
        writer.close()
    call_queue = getattr(pool, "_call_queue", None)
    if call_queue is not None:
        call_queue.cancel_join_thread()
