"""This checkout against another one (an older commit, say) on the same corpus: ``zhnorm run``
processes of each alternated, with the wall and CPU medians of each side, the median of the
paired ratios, and whether both wrote the same outputs and report records.

    git worktree add --detach /tmp/zhnorm-old <commit>
    python benchmarks/against.py /tmp/zhnorm-old /tmp/bench/raw --rounds 6 -- --jobs 2

Each process runs in an empty working directory with ``PYTHONPATH`` naming its checkout:
``python -m normalizer`` started from inside a checkout imports that checkout first, whatever
``PYTHONPATH`` says (the working directory comes first on ``sys.path``), and both sides would
time the same code. So each side is asked first which ``normalizer`` it imports, and the script
stops when the two are the same. Outputs go to the system temporary directory (``TMPDIR=/dev/shm``
keeps the disk out of the figures, see README.md).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HERE, ZHNORM, bench_env, measure

MANIFEST = ".zhnorm-manifest.sqlite"


def _env(checkout: Path) -> dict[str, str]:
    return {**bench_env(), "PYTHONPATH": str(checkout)}


def _imported(checkout: Path, cwd: Path) -> str:
    probe = [sys.executable, "-c", "import normalizer; print(normalizer.__file__)"]
    return subprocess.run(probe, capture_output=True, text=True, check=True, env=_env(checkout), cwd=cwd).stdout.strip()


def _outputs(dst: Path) -> dict[str, Path]:
    return {p.relative_to(dst).as_posix(): p for p in dst.rglob("*") if p.is_file() and not p.name.startswith(MANIFEST)}


def _records(reports: Path) -> tuple[list, dict]:
    data = json.loads((reports / "report.json").read_text("utf-8"))
    return data["files"], data["totals"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="-- zhnorm run options")
    parser.add_argument("other", type=Path, help="the other checkout (its root, holding normalizer/)")
    parser.add_argument("src", type=Path)
    parser.add_argument("--rounds", type=int, default=6)
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)  # zhnorm run's options follow "--"
    args = parser.parse_args(argv[:cut])
    options = argv[cut + 1 :]
    work = Path(tempfile.mkdtemp(prefix="zhnorm-against-"))
    sides = {"other": args.other.resolve(), "this": HERE.parent}
    found = {name: _imported(checkout, work) for name, checkout in sides.items()}
    if found["other"] == found["this"]:
        sys.exit(f"both sides import {found['this']}: give the root of another checkout")
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    for i in range(args.rounds):
        for name in sides if i % 2 == 0 else reversed(sides):
            out = work / name
            shutil.rmtree(out, ignore_errors=True)
            cmd = [*ZHNORM, "run", str(args.src), str(out / "clean"), "--report", str(out / "reports"), "-q"]
            done = measure([*cmd, *options], env=_env(sides[name]), cwd=work)
            if done.code not in (0, 1):
                sys.exit(f"{name}: zhnorm run failed with exit code {done.code}:\n{done.err}")
            times[name].append((done.wall, done.cpu))
            print(f"round {i + 1}: {name} {done.wall:.2f} s", file=sys.stderr, flush=True)
    for name, checkout in sides.items():
        wall, cpu = (statistics.median(column) for column in zip(*times[name], strict=True))
        print(f"{name:6} {checkout}: wall median {wall:.3f} s, CPU median {cpu:.3f} s")
    paired = [o[0] / t[0] for o, t in zip(times["other"], times["this"], strict=True)]
    print(f"paired wall ratio other/this, median of {args.rounds}: {statistics.median(paired):.3f}×")
    a, b = _outputs(work / "other" / "clean"), _outputs(work / "this" / "clean")
    differ = sorted(rel for rel in a.keys() & b.keys() if not filecmp.cmp(a[rel], b[rel], shallow=False))
    print(f"outputs: {len(b)} files, {len(differ)} differ, {len(a.keys() ^ b.keys())} on one side only")
    (ra, ta), (rb, tb) = _records(work / "other" / "reports"), _records(work / "this" / "reports")
    print(f"report.json: records {'the same' if ra == rb else 'differ'}, totals {'the same' if ta == tb else 'differ'}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
