"""Gradient-boosted trees scored by LightGBM's C library, called directly.

Importing the `lightgbm` Python package pulls in pandas, scikit-learn, SciPy and Dask where they
are installed (measured: 1.5 CPU s, paid by every process that cleans a page, `textwash clean`
and each worker included). Prediction needs none of it: the library's C API loads a model from
its text and scores a float64 matrix, the same calls the package makes. Training (train/train.py)
still uses the package.
"""
from __future__ import annotations

import ctypes
import functools
import importlib.util
import sys
from pathlib import Path

import numpy as np

_FLOAT64 = 1  # C_API_DTYPE_FLOAT64
_PREDICT_NORMAL = 0  # C_API_PREDICT_NORMAL: the objective's output (a probability for binary)
_LIBRARY_NAME = {"win32": "lib_lightgbm.dll", "darwin": "lib_lightgbm.dylib"}.get(sys.platform, "lib_lightgbm.so")


@functools.cache
def _library() -> ctypes.CDLL:
    """LightGBM's shared library, found where its package installs it, without importing the package."""
    spec = importlib.util.find_spec("lightgbm")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the segment model needs LightGBM's library: pip install lightgbm")
    package = Path(next(iter(spec.submodule_search_locations)))
    for folder in (package / "lib", package / "bin", package.parent):
        if (folder / _LIBRARY_NAME).is_file():
            library = ctypes.cdll.LoadLibrary(str(folder / _LIBRARY_NAME))
            library.LGBM_GetLastError.restype = ctypes.c_char_p
            return library
    raise ImportError(f"{_LIBRARY_NAME} is not in the lightgbm package at {package}")


def _check(library: ctypes.CDLL, status: int) -> None:
    if status != 0:
        raise RuntimeError(f"LightGBM: {library.LGBM_GetLastError().decode(errors='replace')}")


def feature_names(model: str) -> tuple[str, ...]:
    """The feature names a LightGBM text model was trained on.

    >>> feature_names("tree\\nversion=v4\\nfeature_names=a b c\\n")
    ('a', 'b', 'c')
    """
    for line in model.splitlines():
        if line.startswith("feature_names="):
            return tuple(line.removeprefix("feature_names=").split())
    return ()


class Booster:
    """A LightGBM model, loaded from its text once, scoring rows with one thread."""

    def __init__(self, model: str) -> None:
        self._library = _library()
        self._handle = ctypes.c_void_p()
        iterations = ctypes.c_int()
        _check(self._library, self._library.LGBM_BoosterLoadModelFromString(
            model.encode(), ctypes.byref(iterations), ctypes.byref(self._handle)))
        features = ctypes.c_int()
        _check(self._library, self._library.LGBM_BoosterGetNumFeature(self._handle, ctypes.byref(features)))
        self.num_features = features.value

    def predict(self, rows: np.ndarray) -> np.ndarray:
        """The model's output for each row of `rows` (rows × num_features)."""
        rows = np.ascontiguousarray(rows, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != self.num_features:
            raise ValueError(f"rows of {self.num_features} features expected, got shape {rows.shape}")
        result = np.empty(rows.shape[0], dtype=np.float64)
        if not rows.shape[0]:
            return result
        written = ctypes.c_int64()
        _check(self._library, self._library.LGBM_BoosterPredictForMat(
            self._handle, rows.ctypes.data_as(ctypes.c_void_p), ctypes.c_int(_FLOAT64),
            ctypes.c_int32(rows.shape[0]), ctypes.c_int32(rows.shape[1]), ctypes.c_int(1),  # row-major
            ctypes.c_int(_PREDICT_NORMAL), ctypes.c_int(0), ctypes.c_int(-1),  # every iteration
            ctypes.c_char_p(b"num_threads=1"), ctypes.byref(written),
            result.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        if written.value != rows.shape[0]:
            raise RuntimeError(f"LightGBM wrote {written.value} predictions for {rows.shape[0]} rows")
        return result

    def __del__(self) -> None:
        if getattr(self, "_handle", None):
            self._library.LGBM_BoosterFree(self._handle)
