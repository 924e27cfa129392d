"""What identifies the code that made an output: zhnorm's own code and the OpenCC it uses.

The manifest keys every entry by these (a development checkout changes without a
version bump, so the code itself is hashed), and the report names them. Both are
computed once per process and cheaply: a rerun that finds nothing changed must be done
in about the time Python takes to start.
"""

from __future__ import annotations

import os
import sys
from functools import cache

from . import __version__


@cache
def code_digest() -> str:
    """Short hash of the package's own code and data: outputs made by other code are stale."""
    import hashlib

    package = os.path.dirname(os.path.realpath(__file__))
    found: list[tuple[str, str]] = []  # (path relative to the package, "/"-separated; path)
    for dirpath, dirnames, filenames in os.walk(package):
        dirnames.sort()
        rel = os.path.relpath(dirpath, package).replace(os.sep, "/")
        for name in filenames:
            path = os.path.join(dirpath, name)
            if name.endswith((".py", ".txt")) and os.path.isfile(path):
                found.append((name if rel == "." else f"{rel}/{name}", path))
    digest = hashlib.sha256()
    for rel, path in sorted(found):
        digest.update(rel.encode())
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:16]


@cache
def opencc_version() -> str:
    """The installed OpenCC's version.

    Read from the name of its ``OpenCC-<version>.dist-info`` directory on ``sys.path``
    (the first one, as the import finds the package) when there is one:
    ``importlib.metadata`` takes ~20 ms to start, a seventh of a no-change rerun.
    """
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            low = name.lower()
            if low.startswith("opencc-") and low.endswith(".dist-info"):
                return name[len("opencc-") : -len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version("OpenCC")
    except metadata.PackageNotFoundError:  # pragma: no cover - OpenCC is a dependency
        return "unknown"


def tool_info() -> dict[str, str]:
    """The report's ``tool`` object: zhnorm's, OpenCC's and Python's versions."""
    return {
        "name": "zhnorm",
        "version": __version__,
        "opencc": opencc_version(),
        "python": ".".join(map(str, sys.version_info[:3])),
    }
