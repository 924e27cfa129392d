"""Helpers the benchmark scripts share: the generated corpus, timed ``zhnorm run`` processes,
the bare pipeline and the side venv for opencc-python-reimplemented."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ZHNORM = [sys.executable, "-m", "normalizer"]
MB = 10**6

OPR = "opencc-python-reimplemented"
# It installs the same ``opencc`` import name as the official binding, hence a venv of its own.
DEFAULT_OPR_VENV = Path(tempfile.gettempdir()) / "zhnorm-bench-opr-venv"

# Runs a command and prints its wall time, CPU time and peak RSS (all its processes), and its output.
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": done.returncode, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
                  "rss_mb": ru.ru_maxrss / 1024, "out": done.stdout, "err": done.stderr[-2000:]}))
"""


@dataclass(frozen=True)
class Measured:
    code: int
    wall: float
    cpu: float
    rss_mb: float
    out: str = ""  # the command's stdout
    err: str = ""  # the end of its stderr


def ensure_corpus(root: Path, mb: float = 20, seed: int = 1, *extra: str) -> Path:
    """``root/raw`` made by make_corpus.py (with ``extra`` options) unless it is there already; returns ``root``."""
    if not (root / "raw").is_dir():
        print(f"making the corpus: {root} ({mb} MB, seed {seed} {' '.join(extra)})", file=sys.stderr, flush=True)
        cmd = [sys.executable, str(HERE / "make_corpus.py"), str(root), "--mb", str(mb), "--seed", str(seed), *extra]
        subprocess.run(cmd, check=True)
    return root


#: Timed processes run as installed code runs: with its compiled modules cached. pip compiles a
#: package's modules when it installs it; where ``PYTHONDONTWRITEBYTECODE`` is set (as on some build
#: machines), every zhnorm process would compile its ~10,000 lines again (~0.2 s) and the bare loop,
#: which imports one small module, would hardly notice. The cache lives in a directory of its own.
BYTECODE = Path(tempfile.gettempdir()) / "zhnorm-bench-pycache"


def bench_env() -> dict[str, str]:
    """The environment of every timed process (zhnorm's and the baselines'): bytecode cached in :data:`BYTECODE`."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(BYTECODE)}


def compile_modules() -> None:
    """Fill :data:`BYTECODE` with zhnorm's and the benchmarks' compiled modules before anything is timed."""
    import normalizer

    for folder in (Path(normalizer.__file__).parent, HERE):
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)], env=bench_env(), check=True)


def measure(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None) -> Measured:
    """Wall, CPU (user+system of all its processes) and peak RSS of one command (``env``: the
    environment, :func:`bench_env` by default; ``cwd``: its working directory)."""
    cmd = [sys.executable, "-c", _MEASURE, *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env or bench_env(), cwd=cwd)
    return Measured(**json.loads(out.stdout))


def zhnorm_run(src: Path, work: Path, *args: str, fresh: bool = True) -> Measured:
    """One ``zhnorm run SRC work/clean --report work/reports -q ARGS`` process."""
    if fresh:
        shutil.rmtree(work, ignore_errors=True)
    result = measure([*ZHNORM, "run", str(src), str(work / "clean"), "--report", str(work / "reports"), "-q", *args])
    if result.code not in (0, 1):  # 1: some file errored, a normal outcome for a corpus
        sys.exit(f"zhnorm run failed with exit code {result.code}")
    return result


def corpus_bytes(src: Path) -> tuple[int, int]:
    files = [p for p in src.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


@dataclass(frozen=True)
class BareRun:
    loop_s: float  # the loop alone, converter built (bare_pipeline.py's own clock)
    process_s: float  # the whole process: interpreter, imports, converter, loop
    converter: str  # distribution and version of the ``opencc`` it imported
    cpu: float = 0.0  # CPU seconds of the whole process (user + system)


def bare_pipeline(python: Path | str, src: Path, dst: Path) -> BareRun:
    """``bare_pipeline.py SRC DST`` under ``python`` (zhnorm's or a side venv's)."""
    done = measure([str(python), str(HERE / "bare_pipeline.py"), str(src), str(dst)])
    if done.code != 0:
        sys.exit(f"bare_pipeline.py under {python} failed:\n{done.err.strip()}")
    return BareRun(float(done.out), done.wall, done.err.strip().splitlines()[-1], done.cpu)


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _opr_version(python: Path) -> str | None:
    """The opencc-python-reimplemented version importable by ``python`` (None: not there)."""
    if not python.exists():
        return None
    check = f"import importlib.metadata as m, opencc; opencc.OpenCC('t2s').convert('漢'); print(m.version({OPR!r}))"
    done = subprocess.run([str(python), "-c", check], capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else None


def opr_python(venv: Path = DEFAULT_OPR_VENV) -> tuple[Path | None, str]:
    """The python of ``venv`` with opencc-python-reimplemented in it, made if missing
    (``python -m venv`` + ``pip install opencc-python-reimplemented``, which needs PyPI).

    Returns (python, "opencc-python-reimplemented VERSION in VENV"), or (None, why not).
    """
    python = _venv_python(venv)
    version = _opr_version(python)
    if version is None:
        print(f"making {venv} with {OPR} (once; needs PyPI)", file=sys.stderr, flush=True)
        steps = [] if python.exists() else [[sys.executable, "-m", "venv", str(venv)]]
        steps.append([str(python), "-m", "pip", "install", "-q", "--retries", "1", "--timeout", "30", OPR])
        for cmd in steps:
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900)
            except (OSError, subprocess.TimeoutExpired) as err:
                return None, f"`{shlex.join(cmd)}` failed: {err}"
            if done.returncode != 0:
                lines = (done.stderr or done.stdout).strip().splitlines()
                return None, f"`{shlex.join(cmd)}` exited {done.returncode}: {lines[-1] if lines else 'no output'}"
        version = _opr_version(python)
        if version is None:
            return None, f"{OPR} installed in {venv}, but `import opencc; opencc.OpenCC('t2s')` fails there"
    return python, f"{OPR} {version} in {venv}"
