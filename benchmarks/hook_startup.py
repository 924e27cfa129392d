"""Start-up cost of the pre-commit hook: wall time of whole ``zhnorm`` processes.

The hook runs at every commit, usually on one or two small files, so what counts is
the time from process start to exit (interpreter, imports, OpenCC set-up), not
throughput. Targets: ``zhnorm fix`` on a clean 4 KB news file with everyday content
under 0.2 s (median wall), on a noisy 5 KB file under 0.5 s.

Measures the median wall time (and CPU time, steadier on a shared machine) of ``--runs``
runs (default 10) each of
``zhnorm --version`` and ``zhnorm check``/``fix`` on three files:

* ``clean.txt``: ~5 KB of clean simplified news (taken from ``shared/expected``) with
  none of 著, ``?`` or ``#``;
* ``everyday.txt``: ~4 KB of clean simplified news with what clean text often holds
  (显著, 著名, a ``?``, a ``#话题#``, a URL with a query);
* ``noisy.txt``: ~5 KB of a noisy seed (traditional script, pinyin annotations), put
  back before every ``fix`` run (outside the timing), so each run rewrites it;

in two settings:

* ``bytecode cache``: compiled modules are cached (``PYTHONPYCACHEPREFIX`` in a
  temporary directory, after one warm-up run) — what an installed hook sees, as
  pip compiles packages on install;
* ``no bytecode cache``: ``PYTHONDONTWRITEBYTECODE=1`` with the checkout's own
  modules compiled at every start — an editable install in an environment that
  forbids ``__pycache__``.

It also lists the modules that must not be loaded for a clean UTF-8 file (numpy,
OpenCC, pypinyin, chardet, the process pool, json/the reports, html), for both clean
files, and exits 1 if any is.

``--commit`` also times ``git commit`` of one clean file in a scratch repository whose
``.pre-commit-config.yaml`` runs this environment's ``zhnorm fix`` as a local hook
(``language: system``: no virtualenv to build), next to ``git commit --no-verify``.

Run: ``python benchmarks/hook_startup.py [--runs N] [--commit] [--cached-only]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
EXPECTED = SHARED / "expected"
NOISY_SEED = SHARED / "seeds" / "001_449be7fe8a02e952.txt"
SIZE = 5 * 1024
EVERYDAY_SIZE = 4 * 1024
# Top-level modules a clean UTF-8 file must not pull in (see normalizer.hook).
FORBIDDEN = (
    "numpy",
    "opencc",
    "pypinyin",
    "chardet",
    "concurrent",
    "multiprocessing",
    "json",
    "html",
    "normalizer.report",
)
# What clean news often holds and a crude cleanliness test would send down the full
# pipeline: 著 words, an ASCII question mark, a hashtag, a URL with a query string.
EVERYDAY_LINES = (
    "#云南科协# 著名科普作家出席会议,显著提升了活动的影响力。\n",
    "原文链接:https://www.example.org.cn/news/2023-12/29/content_1024.html?from=weibo&id=7#top\n",
    "记者问:明年的科普项目怎么安排?\n",
)


def _cut(text: str, size: int) -> bytes:
    """``text`` cut after the last full stop within ``size - 1`` UTF-8 bytes, plus a newline."""
    head = text.encode("utf-8")[: size - 1].decode("utf-8", "ignore")
    return (head[: head.rindex("。") + 1] + "\n").encode("utf-8")


def clean_sample(size: int = SIZE) -> bytes:
    """Just under ``size`` bytes of already-normalized simplified text, cut after a full stop."""
    return _cut("".join(p.read_text(encoding="utf-8") for p in sorted(EXPECTED.glob("*.txt"))), size)


def everyday_sample(size: int = EVERYDAY_SIZE) -> bytes:
    """Just under ``size`` bytes of clean simplified news holding 显著, 著名, ``?``, ``#…#`` and a URL."""
    news = (EXPECTED / "001_449be7fe8a02e952.txt").read_text(encoding="utf-8")  # holds 显著
    extra = "".join(EVERYDAY_LINES)
    body = _cut(news, size - len(extra.encode("utf-8")))
    return extra.encode("utf-8") + body


def noisy_sample(size: int = SIZE) -> bytes:
    """Just under ``size`` bytes of a noisy seed: traditional script with pinyin annotations."""
    return _cut(NOISY_SEED.read_text(encoding="utf-8"), size)


def zhnorm_command() -> list[str]:
    """The console script of this interpreter's environment (fallback: ``python -m normalizer``)."""
    script = Path(sys.executable).parent / "zhnorm"
    if script.exists():
        return [str(script)]
    found = shutil.which("zhnorm")
    return [found] if found else [sys.executable, "-m", "normalizer"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wall(cmd: list[str], cwd: Path, env: dict[str, str], expect: int = 0) -> tuple[float, float]:
    """Wall and CPU time (user + system, all its processes) of one run of ``cmd``; stops the
    benchmark if it exits other than ``expect``. CPU time varies less than wall time when
    other work shares the machine."""
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    return elapsed, _children_cpu() - cpu


def timed_runs(
    cmd: list[str], cwd: Path, env: dict[str, str], runs: int, restore: tuple[Path, bytes] | None
) -> list[tuple[float, float]]:
    """(wall, CPU) times of ``runs`` runs after one warm-up; ``restore`` (file, bytes) is put back before each run."""
    expect = 0 if restore is None else 1  # a fix that rewrote the file fails, as pre-commit wants
    times = []
    for _ in range(runs + 1):
        if restore is not None:
            restore[0].write_bytes(restore[1])
        times.append(wall(cmd, cwd, env, expect))
    return times[1:]  # the warm-up fills the bytecode cache and the OS file cache


def loaded_modules(cwd: Path, env: dict[str, str], file: str) -> set[str]:
    """Modules imported by ``python -X importtime -m normalizer fix FILE``."""
    cmd = [sys.executable, "-X", "importtime", "-m", "normalizer", "fix", file]
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def commit_times(work: Path, base: list[str], sample: bytes, runs: int) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) times of ``git commit`` of one new clean file, with the zhnorm-fix hook and without hooks.

    The scratch repository's ``.pre-commit-config.yaml`` runs ``zhnorm fix`` from this
    environment as a local hook, so nothing is installed from the network.
    """
    repo = work / "commit-repo"
    repo.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env["PRE_COMMIT_HOME"] = str(work / "pre-commit-home")

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "bench@example.com")
    git("config", "user.name", "bench")
    git("config", "commit.gpgsign", "false")
    entry = " ".join(base)
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: zhnorm-fix\n    name: zhnorm fix\n"
        f"    entry: {entry} fix\n    language: system\n    types: [text]\n    files: \\.(txt|md)$\n",
        encoding="utf-8",
    )
    git("add", ".pre-commit-config.yaml")
    git("commit", "-q", "--no-verify", "-m", "config")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, env=env, check=True, capture_output=True)
    results: dict[str, list[tuple[float, float]]] = {}
    for label, extra in (("git commit --no-verify", ["--no-verify"]), ("git commit via pre-commit", [])):
        times = []
        for i in range(runs + 1):
            name = f"{'hooked' if not extra else 'plain'}-{i}.txt"
            (repo / name).write_bytes(sample)
            git("add", name)
            times.append(wall(["git", "commit", "-q", *extra, "-m", name], repo, env))
        results[label] = times[1:]
    return results


def _line(setting: str, label: str, timings: list[tuple[float, float]]) -> str:
    walls = [w for w, _ in timings]
    cpu = statistics.median(c for _, c in timings)
    return (
        f"{setting:18} {label:28} median {statistics.median(walls):.3f} s"
        f"  (min {min(walls):.3f}, max {max(walls):.3f}; CPU median {cpu:.3f} s)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--commit", action="store_true", help="also time a git commit through pre-commit")
    parser.add_argument("--cached-only", action="store_true", help="only the setting with a bytecode cache")
    args = parser.parse_args(argv)
    base = zhnorm_command()
    with tempfile.TemporaryDirectory(prefix="zhnorm-hook-bench-") as tmp:
        work = Path(tmp)
        files = {"clean.txt": clean_sample(), "everyday.txt": everyday_sample(), "noisy.txt": noisy_sample()}
        for name, data in files.items():
            (work / name).write_bytes(data)
        noisy = (work / "noisy.txt", files["noisy.txt"])
        commands = {
            "zhnorm --version": ([*base, "--version"], None),
            "zhnorm check clean.txt": ([*base, "check", "clean.txt"], None),
            "zhnorm fix clean.txt": ([*base, "fix", "clean.txt"], None),
            "zhnorm fix everyday.txt": ([*base, "fix", "everyday.txt"], None),
            "zhnorm fix noisy.txt": ([*base, "fix", "noisy.txt"], noisy),
        }
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
        settings = {
            "bytecode cache": {**env, "PYTHONPYCACHEPREFIX": str(work / "pycache")},
            "no bytecode cache": {**env, "PYTHONDONTWRITEBYTECODE": "1"},
        }
        if args.cached_only:
            del settings["no bytecode cache"]
        sizes = ", ".join(f"{name} {len(data)} bytes" for name, data in files.items())
        print(f"{sizes}; median of {args.runs} runs; {' '.join(base)}")
        clean_files = ("clean.txt", "everyday.txt")
        before = {name: ((work / name).read_bytes(), (work / name).stat().st_mtime_ns) for name in clean_files}
        for setting, run_env in settings.items():
            for label, (cmd, restore) in commands.items():
                print(_line(setting, label, timed_runs(cmd, work, run_env, args.runs, restore)), flush=True)
        if args.commit:
            for label, times in commit_times(work, base, files["everyday.txt"], args.runs).items():
                print(_line("everyday.txt", label, times), flush=True)
        status = 0
        for name in clean_files:
            if ((work / name).read_bytes(), (work / name).stat().st_mtime_ns) != before[name]:
                print(f"error: the clean file {name} was modified")
                status = 1
            modules = loaded_modules(work, settings["bytecode cache"], name)
            heavy = sorted({f for f in FORBIDDEN for m in modules if m == f or m.startswith(f + ".")})
            print(f"heavy modules imported by zhnorm fix {name}: {', '.join(heavy) or 'none'}")
            status = status or (1 if heavy else 0)
        return status


if __name__ == "__main__":
    sys.exit(main())
