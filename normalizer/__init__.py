"""zhnorm: messy Chinese news text → clean UTF-8 mainland-simplified text, with every edit accounted for.

>>> from normalizer import normalize_text
>>> normalize_text("科協(xié)組織召開(kāi)").text
'科协组织召开'
"""

from .decode import decode_bytes
from .model import DecodeError, Edit, Flag, NormalizeResult, ScriptVerdict
from .pipeline import normalize_bytes, normalize_text

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
