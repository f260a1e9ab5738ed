"""textwash: scraped web articles in, clean typed Parquet records out.

The Python API (textwash/api.py; README, "Python API"): `textwash.clean(data)` cleans one page's
text or HTML into a `Document`; a `Cleaner` cleans many with the rules and model loaded once;
`Rejected` is what an input that cannot become a document raises. Importing `textwash` loads
none of it: each name loads on first use, and nothing here loads Prefect.

`textwash.clean` is also the name of the cleaning layers' package (textwash/clean/). Python
binds a subpackage to its name in the parent when it is imported, so that package is made
callable: `textwash.clean(data, ...)` is `textwash.api.clean(data, ...)` either way, and
`textwash.clean.LAYERS` and the package's modules stay where they are.
"""
from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = ["Cleaner", "Document", "Input", "Rejected", "RemovedSpan", "Settings", "clean", "__version__"]

if TYPE_CHECKING:
    from textwash.api import Cleaner, Document, Input, RemovedSpan, clean
    from textwash.config import Settings
    from textwash.reasons import Rejected

_LAZY = {"Cleaner": "textwash.api", "Document": "textwash.api", "Input": "textwash.api",
         "RemovedSpan": "textwash.api", "Rejected": "textwash.reasons", "Settings": "textwash.config"}


class _CleanPackage(types.ModuleType):
    """The textwash.clean package, callable as the API's `clean` function."""

    def __call__(self, data, **options):
        from textwash.api import clean

        return clean(data, **options)

    @property
    def __signature__(self):
        import inspect

        from textwash.api import clean

        return inspect.signature(clean)


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value) -> None:
        if name == "clean" and isinstance(value, types.ModuleType) and type(value) is types.ModuleType:
            value.__class__ = _CleanPackage  # the import system binding the subpackage
        super().__setattr__(name, value)

    def __getattr__(self, name: str):
        if name == "clean":
            import textwash.clean  # binds itself (callable) through __setattr__

            return self.__dict__["clean"]
        if name in _LAZY:
            import importlib

            value = getattr(importlib.import_module(_LAZY[name]), name)
            self.__dict__[name] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(__all__))


sys.modules[__name__].__class__ = _Package
