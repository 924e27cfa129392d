"""Start-up cost of the pre-commit hook: wall time of whole ``zhnorm`` processes.

The hook runs at every commit, usually on one or two small files, so what counts is
the time from process start to exit (interpreter, imports, OpenCC set-up), not
throughput. Target: under 0.3 s for ``zhnorm check`` on one small clean file.

Measures the median wall time of ``--runs`` runs (default 10) each of
``zhnorm --version``, ``zhnorm check FILE`` and ``zhnorm fix FILE`` on a clean
~5 KB simplified file (taken from ``shared/expected``), in two settings:

* ``bytecode cache``: compiled modules are cached (``PYTHONPYCACHEPREFIX`` in a
  temporary directory, after one warm-up run) — what an installed hook sees, as
  pip compiles packages on install;
* ``no bytecode cache``: ``PYTHONDONTWRITEBYTECODE=1`` with the checkout's own
  modules compiled at every start — an editable install in an environment that
  forbids ``__pycache__``.

It also lists the modules that must not be loaded for a clean UTF-8 file (pypinyin,
chardet, the process pool, json/the reports, html) and exits 1 if any is.

Run: ``python benchmarks/hook_startup.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPECTED = REPO.parent / "shared" / "expected"
SIZE = 5 * 1024
# Top-level modules a clean UTF-8 file must not pull in (see normalizer.hook).
FORBIDDEN = ("pypinyin", "chardet", "concurrent", "multiprocessing", "json", "html", "normalizer.report")


def clean_sample(size: int = SIZE) -> bytes:
    """Just under ``size`` bytes of already-normalized simplified text, cut after a full stop."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(EXPECTED.glob("*.txt")))
    head = text.encode("utf-8")[: size - 1].decode("utf-8", "ignore")
    return (head[: head.rindex("。") + 1] + "\n").encode("utf-8")


def zhnorm_command() -> list[str]:
    """The console script of this interpreter's environment (fallback: ``python -m normalizer``)."""
    script = Path(sys.executable).parent / "zhnorm"
    if script.exists():
        return [str(script)]
    found = shutil.which("zhnorm")
    return [found] if found else [sys.executable, "-m", "normalizer"]


def wall(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    return elapsed


def loaded_modules(cwd: Path, env: dict[str, str], file: str) -> set[str]:
    """Modules imported by ``python -X importtime -m normalizer check FILE``."""
    cmd = [sys.executable, "-X", "importtime", "-m", "normalizer", "check", file]
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    base = zhnorm_command()
    with tempfile.TemporaryDirectory(prefix="zhnorm-hook-bench-") as tmp:
        work = Path(tmp)
        sample = work / "clean.txt"
        sample.write_bytes(clean_sample())
        commands = {
            "zhnorm --version": [*base, "--version"],
            "zhnorm check clean.txt": [*base, "check", sample.name],
            "zhnorm fix clean.txt": [*base, "fix", sample.name],
        }
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
        settings = {
            "bytecode cache": {**env, "PYTHONPYCACHEPREFIX": str(work / "pycache")},
            "no bytecode cache": {**env, "PYTHONDONTWRITEBYTECODE": "1"},
        }
        print(f"{sample.stat().st_size} bytes of clean text; median of {args.runs} runs; {' '.join(base)}")
        before = sample.read_bytes(), sample.stat().st_mtime_ns
        for setting, run_env in settings.items():
            for label, cmd in commands.items():
                wall(cmd, work, run_env)  # warm-up (fills the bytecode cache; OS file cache)
                times = [wall(cmd, work, run_env) for _ in range(args.runs)]
                print(
                    f"{setting:18} {label:24} median {statistics.median(times):.3f} s"
                    f"  (min {min(times):.3f}, max {max(times):.3f})"
                )
        if (sample.read_bytes(), sample.stat().st_mtime_ns) != before:
            print("error: the clean file was modified")
            return 1
        modules = loaded_modules(work, settings["bytecode cache"], sample.name)
        heavy = sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))
        print("heavy modules imported for a clean file:", ", ".join(heavy) or "none")
        return 1 if heavy else 0


if __name__ == "__main__":
    sys.exit(main())
