"""zhnorm: messy Chinese news text → clean UTF-8 mainland-simplified text, with every edit accounted for.

>>> from normalizer import normalize_text
>>> normalize_text("科協(xié)組織召開(kāi)").text
'科协组织召开'
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "DecodeError",
    "Edit",
    "Flag",
    "NormalizeResult",
    "ScriptVerdict",
    "__version__",
    "decode_bytes",
    "normalize_bytes",
    "normalize_text",
]

# Imported on first use (PEP 562): ``import normalizer`` runs for every command, and
# the pipeline behind these names (OpenCC, pypinyin, numpy) takes ~90 ms to import,
# most of what a ``zhnorm run`` that finds nothing changed may take in all.
_LAZY = {
    "decode_bytes": "decode",
    "DecodeError": "model",
    "Edit": "model",
    "Flag": "model",
    "NormalizeResult": "result",
    "ScriptVerdict": "model",
    "normalize_bytes": "pipeline",
    "normalize_text": "pipeline",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
