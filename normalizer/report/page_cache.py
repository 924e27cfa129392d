"""report.html's template kept compiled between runs: Jinja2's cache of compiled templates.

Compiling the page's template takes ~25 ms of every run that writes a report (the
template itself is read and checked in microseconds). Jinja2 can keep the compiled code
in files and load it back instead: :class:`QuietBytecodeCache` is its file cache, where a
file that cannot be read or written only means compiling, as without a cache.

Which compilation is used: Jinja2 loads one only for the same template source (it
checks a checksum) and the same Jinja2 and Python; the checksum here also covers zhnorm's
code digest (:func:`normalizer.versions.code_digest`), because the environment's settings
and filters, set in code, shape the compiled code too. One file per template: a change
compiles it again and replaces the file. Where: by default a folder of this user's in the
system's temporary directory, made and checked by Jinja2 (mode 0700, owned by the user),
as nobody else may write code this process runs.

Imported only when a page is rendered (it imports Jinja2).
"""

from __future__ import annotations

import contextlib

import jinja2

from ..versions import code_digest


class QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja2's file cache of compiled templates, where reading or writing a file may fail (a full
    disk, a folder removed meanwhile): the template is compiled then, and the page written all the same."""

    def get_source_checksum(self, source: str) -> str:
        """The checksum a compilation is kept with: of the template's source and of zhnorm's code."""
        return super().get_source_checksum(f"{code_digest()}\n{source}")

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def page_cache(directory: str | None = None) -> QuietBytecodeCache | None:
    """The cache of the page's compiled template in ``directory`` (None: Jinja2's folder of this user's
    in the system's temporary directory); None when no such folder can be had (compiled each run)."""
    try:
        return QuietBytecodeCache(directory, pattern="zhnorm-%s.cache")
    except (OSError, RuntimeError):  # Jinja2 refuses a folder it did not make or another user owns
        return None
