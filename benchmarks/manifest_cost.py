"""What DST's manifest costs: write and read time per file, and its size, for the records of a report.

``python benchmarks/manifest_cost.py REPORT_JSON [--corpus-bytes N]`` stores every file record
of REPORT_JSON (a ``zhnorm run`` report, e.g. of the 20 MB benchmark corpus) in a new manifest
as a run does (a transaction per 32 files, then the final save), reads each back, and prints
the time per file and the manifest's size, also as a share of ``--corpus-bytes`` (default: the
report's ``bytes_in``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from normalizer import manifest
from normalizer.compact_json import encode_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report", type=Path)
    parser.add_argument("--corpus-bytes", type=int, default=None)
    args = parser.parse_args()
    doc = json.loads(args.report.read_bytes())
    records = [(r["path"], encode_bytes({**r, "reused": False})) for r in doc["files"] if r["status"] != "error"]
    corpus = args.corpus_bytes or doc["totals"]["bytes_in"]
    state = [[1, 2, 3, 4], [5, 6, 7, 8]]
    with tempfile.TemporaryDirectory() as tmp:
        dst = Path(tmp)
        written = manifest.Manifest(dst, {"bench": 1}, write=True, corpus_bytes=corpus)
        recorder = manifest.Recorder(written, every=2.0, batch_files=32)
        start = time.perf_counter()
        for rel, record in records:
            recorder.put(rel, state, manifest.Entry("ab" * 32, record))
            recorder.tick()
        recorder.save()
        write = time.perf_counter() - start
        size = (dst / manifest.MANIFEST_NAME).stat().st_size
        reader = manifest.Manifest(dst, {"bench": 1}, write=False)
        start = time.perf_counter()
        for rel, _ in records:
            reader.get(rel)
        read = time.perf_counter() - start
        reader.close()
    raw = sum(len(record) for _, record in records)
    print(f"{len(records)} records, {raw:,} bytes as JSON; corpus {corpus:,} bytes")
    per_file = {"write": write / len(records) * 1e6, "read back": read / len(records) * 1e6}
    print("; ".join(f"{what}: {us:.0f} us per file" for what, us in per_file.items()))
    print(f"manifest: {size:,} bytes = {size / corpus:.1%} of the corpus")


if __name__ == "__main__":
    main()
