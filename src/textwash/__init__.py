"""textwash: scraped web articles in, clean typed Parquet records out.

The Python API (textwash/api.py; README, "Python API"): `textwash.clean(data)` cleans one page's
text or HTML into a `Document`; a `Cleaner` cleans many with the rules and model loaded once;
`Rejected` is what an input that cannot become a document raises. Importing `textwash` loads
none of it: each name loads on first use (PEP 562), and nothing here loads Prefect.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = ["Cleaner", "Document", "Input", "Rejected", "RemovedSpan", "Settings", "clean", "__version__"]

if TYPE_CHECKING:
    from textwash.api import Cleaner, Document, Input, RemovedSpan, clean
    from textwash.config import Settings
    from textwash.reasons import Rejected

_LAZY = {"Cleaner": "textwash.api", "Document": "textwash.api", "Input": "textwash.api", "RemovedSpan": "textwash.api",
         "clean": "textwash.api", "Rejected": "textwash.reasons", "Settings": "textwash.config"}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
