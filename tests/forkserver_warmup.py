"""Imported once by the fork server of the kill test (test_exactly_once.py): one small run in a
temporary folder loads the language model and every lazily imported module, so each run forked
from the server starts warm (about 0.1 s instead of 1 s)."""
import shutil
import tempfile
from pathlib import Path

from textwash.run.driver import run_dataset

_folder = Path(tempfile.mkdtemp(prefix="textwash-warmup-"))
try:
    (_folder / "raw").mkdir()
    (_folder / "raw" / "a.txt").write_text("A short paragraph of plain English text to warm up the pipeline.\n" * 3)
    run_dataset(_folder / "raw", _folder / "out")
finally:
    shutil.rmtree(_folder)
