"""Executors: how tasks are batched for workers (locally and on a cluster) and run in this process."""

from __future__ import annotations

from pathlib import Path

from normalizer.executors import batches, execute_tasks
from normalizer.worker import Task


def task(name: str, size: int) -> Task:
    return Task(name, f"/nowhere/{name}", "", "strict", "summary", True, size=size)


def sizes(found: list[list[Task]]) -> list[list[int]]:
    return [[t.size for t in batch] for batch in found]


def test_batches_hold_at_most_so_many_files_or_bytes_and_a_big_file_goes_alone():
    tasks = [task(str(i), n) for i, n in enumerate([10, 10, 10, 10, 10, 95, 10, 200, 10])]
    assert sizes(list(batches(tasks, max_files=3, max_bytes=100))) == [[10, 10, 10], [10, 10], [95], [10], [200], [10]]


def test_batches_taper_towards_the_end_so_no_worker_is_left_with_a_long_one():
    tasks = [task(str(i), 1) for i in range(100)]
    found = [len(b) for b in batches(tasks, max_files=32, max_bytes=1 << 20, taper=(100, 2))]
    assert sum(found) == 100
    assert found[:3] == [12, 11, 9]  # a quarter of what is left per worker: 100 // 8, 88 // 8, 77 // 8
    assert found[-1] == 1 and found == sorted(found, reverse=True)


def test_batches_draw_tasks_lazily_and_can_size_them_another_way():
    drawn: list[str] = []

    def tasks():
        for i in range(10):
            drawn.append(str(i))
            yield task(str(i), 0)

    chunks = batches(tasks(), max_files=4, max_bytes=25, size=lambda t: 10)
    assert [t.rel for t in next(chunks)] == ["0", "1"]
    assert drawn == ["0", "1", "2"]  # the third task opened the next batch: drawn, not the fourth


def test_one_job_runs_the_tasks_here_in_order(tmp_path: Path):
    (tmp_path / "a.txt").write_bytes("臺灣".encode())
    tasks = [Task(name, str(tmp_path / name), "", "strict", "summary", True) for name in ("a.txt", "missing.txt")]
    outcomes = list(execute_tasks(tasks, jobs=1))
    assert [(o.record["path"], o.record["status"], o.written) for o in outcomes] == [
        ("a.txt", "changed", False),
        ("missing.txt", "error", False),
    ]


def test_a_pool_closed_early_has_no_worker_left_alive_when_close_returns(tmp_path: Path):
    import multiprocessing

    for i in range(40):
        (tmp_path / f"{i:02d}.txt").write_bytes("臺灣的發展。\n".encode() * 2000)
    tasks = [Task(f"{i:02d}.txt", str(tmp_path / f"{i:02d}.txt"), "", "strict", "summary", True) for i in range(40)]
    outcomes = execute_tasks(iter(tasks), jobs=2, count=len(tasks))
    assert next(outcomes).record["status"] == "changed"
    assert multiprocessing.active_children()  # the pool's workers, still at work
    outcomes.close()  # as a run stopped by Ctrl-C or an error closes it
    # Terminated and waited for: none can begin a write after the run has removed the temporaries.
    assert multiprocessing.active_children() == []
