"""The one compact JSON form the manifest and report.json's file records are written in.

``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))`` byte for byte, without
building an encoder per call: records are serialized once in the workers and kept as
bytes (:mod:`normalizer.report.compact`, :mod:`normalizer.manifest`), so both must use
the same form. Imports nothing of the package.
"""

from __future__ import annotations

import json
from typing import Any

#: ``obj`` as compact JSON text (non-ASCII characters kept as they are).
encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def encode_bytes(obj: Any) -> bytes:
    """``obj`` as compact JSON, UTF-8 encoded."""
    return encode(obj).encode("utf-8")
