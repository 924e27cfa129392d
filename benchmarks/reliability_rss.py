"""Peak memory of ``zhnorm run`` on huge files: it must stay roughly flat with the file size.

``python benchmarks/reliability_rss.py [--work /tmp/rss] [--sizes 100,500,1000] [--line 200]``

For each size (MB) a folder holding one file of that size is generated, then
``zhnorm run SRC DST --jobs 1 --quiet`` runs on it in a child process; the child's peak
resident set size comes from ``os.wait4`` (``ru_maxrss`` of that child alone). ``--line``
adds one file that is a single line of that many MB (no newline at all).

The text is deterministic: the UTF-8 articles of ``--corpus`` (default /tmp/bench/raw,
made by benchmarks/make_corpus.py: traditional, simplified and mixed news, a quarter of
the traditional files with pinyin noise), else the shared seed and expected texts, in
sorted path order, concatenated into a block that is repeated to the size asked for.
Files above ``normalizer.inputs.STREAM_BYTES`` (16 MB) are normalized piece by piece.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
MB = 1 << 20
BLOCK_BYTES = 8 * MB


def block(corpus: Path) -> str:
    """About 8 MB of text from the corpus (or the seeds), the same every time."""
    paths = sorted(p for p in corpus.rglob("*.txt") if p.is_file()) if corpus.is_dir() else []
    if not paths:
        paths = sorted((SHARED / "seeds").glob("*.txt")) + sorted((SHARED / "expected").glob("*.txt"))
    parts: list[str] = []
    size = 0
    while size < BLOCK_BYTES:
        for path in paths:
            try:
                text = path.read_bytes().decode("utf-8-sig")
            except UnicodeDecodeError:
                continue
            parts.append(text if text.endswith("\n") else text + "\n")
            size += len(parts[-1].encode("utf-8"))
            if size >= BLOCK_BYTES:
                break
    return "".join(parts)


def generate(path: Path, mb: int, text: str, *, single_line: bool = False) -> None:
    if single_line:
        text = text.replace("\r", "").replace("\n", " ")
    data = text.encode("utf-8")
    want = mb * MB
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        written = 0
        while written < want:
            chunk = data[: want - written]
            if written + len(chunk) == want:  # end on a whole character
                chunk = chunk.decode("utf-8", "ignore").encode("utf-8")
                if not chunk:
                    break
            f.write(chunk)
            written += len(chunk)
    if not single_line:
        with open(path, "ab") as f:
            f.write(b"\n")


def measure(src: Path, dst: Path) -> tuple[float, int, int]:
    """(seconds, peak RSS in KB, exit status) of one ``zhnorm run`` child."""
    shutil.rmtree(dst, ignore_errors=True)
    zhnorm = [sys.executable, "-m", "normalizer"]
    args = [*zhnorm, "run", str(src), str(dst), "--jobs", "1", "--quiet", "--report", str(dst.parent / "rep")]
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=REPO)
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/zhnorm-rss"))
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/bench/raw"))
    parser.add_argument("--sizes", default="100,500,1000", help="file sizes in MB, comma-separated")
    parser.add_argument("--line", type=int, default=200, help="MB of a single-line file (0: none)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()
    text = block(args.corpus)
    cases = [(f"{mb} MB, many lines", mb, False) for mb in map(int, args.sizes.split(",")) if mb]
    if args.line:
        cases.append((f"{args.line} MB, one line", args.line, True))
    print(f"{'case':<24} {'seconds':>8} {'MB/s':>6} {'peak RSS MB':>12} exit", flush=True)
    for name, mb, single in cases:
        case = args.work / name.replace(" ", "_").replace(",", "")
        src = case / "src"
        shutil.rmtree(src, ignore_errors=True)
        generate(src / "big.txt", mb, text, single_line=single)
        seconds, rss_kb, code = measure(src, case / "dst")
        print(f"{name:<24} {seconds:8.1f} {mb / seconds:6.2f} {rss_kb / 1024:12.1f} {code}", flush=True)
        if not args.keep:
            shutil.rmtree(case, ignore_errors=True)


if __name__ == "__main__":
    main()
