"""Where the CPU time of ``zhnorm run --jobs 1`` goes: the command run in this process under
cProfile with a CPU clock, and the cumulative time of the parts that matter.

A run does more than the library: it reads and hashes each file, writes it atomically,
builds a record, serializes it, builds previews for report.html and keeps the manifest.
This prints each part's share so that a change can be aimed at the largest one. cProfile
adds a fixed cost per Python call, so parts made of many small calls look larger than
they are; the shares, not the seconds, are what to compare between runs.

``python benchmarks/run_profile.py SRC`` (writes into a temporary directory)
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

# (label, function name, file it is defined in): the cumulative CPU time of each is printed.
PARTS = [
    ("whole command", "run", "cli.py"),
    ("  one file (worker)", "process_file", "worker.py"),
    ("    normalize_bytes", "normalize_bytes", "pipeline.py"),
    ("      of which OpenCC", "opencc_convert", "telling.py"),
    ("      of which t2s by table", "simplified_codes", "charwise.py"),
    ("    record", "file_record", "json_report.py"),
    ("      of which edit summary", "staged_summary", "result.py"),
    ("    record as JSON", "record_json", "compact.py"),
    ("    preview", "build_preview", "preview.py"),
    ("    preview rendered", "prerender", "html_report.py"),
    ("    atomic write", "atomic_write", "atomic.py"),
    ("    read", "read_input", "inputs.py"),
    ("    SHA-256", "sha256", "inputs.py"),
    ("  outcome kept (main)", "_take", "batch.py"),
    ("  report written", "write_report", "assemble.py"),
]


def run_profile(src: Path) -> tuple[list[tuple[str, float]], float]:
    """(label, cumulative CPU seconds) per :data:`PARTS`, and the profiled total."""
    from normalizer.cli import main

    with tempfile.TemporaryDirectory(prefix="zhnorm-profile-") as tmp:
        args = ["run", str(src), f"{tmp}/clean", "--report", f"{tmp}/reports", "-q", "--jobs", "1"]
        profile = cProfile.Profile(time.process_time)
        try:
            profile.runcall(main, args, prog_name="zhnorm", standalone_mode=False)
        except SystemExit as done:  # the command ends with its exit status (1: some file errored)
            if done.code not in (0, 1, None):
                raise
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in stats.values())
    rows = []
    for label, func, filename in PARTS:
        # A function's cumulative time once, even when it is listed under several callers.
        cum = sum(v[3] for (f, _, name), v in stats.items() if name == func and f.endswith(filename))
        rows.append((label, cum))
    return rows, total


def print_profile(rows: list[tuple[str, float]], total: float) -> None:
    for label, cum in rows:
        print(f"  {label:30} {cum:6.2f} s  {100 * cum / total:5.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path)
    args = parser.parse_args()
    rows, total = run_profile(args.src)
    print(f"zhnorm run --jobs 1 {args.src} under cProfile (CPU clock): {total:.2f} s")
    print_profile(rows, total)


if __name__ == "__main__":
    main()
