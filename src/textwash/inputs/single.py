"""One-document files (.txt, .html): their bytes, and the metadata sidecar beside them."""
from __future__ import annotations

import json
from pathlib import Path

from textwash import reasons
from textwash.inputs.items import InputItem, check_unicode, inside_root, optional_str, parse_timestamp
from textwash.reasons import Rejected

TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


def sidecar_of(path: Path) -> Path:
    """The metadata sidecar of a one-document file.

    >>> sidecar_of(Path("raw/a.txt")).as_posix(), sidecar_of(Path("raw/b.html.gz")).as_posix()
    ('raw/a.json', 'raw/b.json')
    """
    name = path.name[: -len(".gz")] if path.name.lower().endswith(".gz") else path.name
    return path.with_name(Path(name).stem + ".json")


def is_sidecar(path: Path) -> bool:
    """A .json file next to a document of the same name is that document's metadata, not input."""
    if path.suffix.lower() != ".json":
        return False
    stem = path.name[: -len(".json")]
    return any(
        path.with_name(stem + suffix + compression).is_file()
        for suffix in sorted(TEXT_SUFFIXES | HTML_SUFFIXES)
        for compression in ("", ".gz")
    )


def single_item(path: Path, root: Path, source: str, data: bytes, kind: str, follow_symlinks: bool = False,
                with_sidecar: bool = True) -> InputItem:
    """The one document of a file; its sidecar's fields when `with_sidecar` (a file whose name says
    its kind) and the sidecar exists."""
    url = fetched_at = title = None
    sidecar = sidecar_of(path)
    if with_sidecar and sidecar.is_file():
        try:
            inside_root(sidecar, root, follow_symlinks)
        except Rejected as exc:
            raise Rejected(reasons.BAD_SIDECAR, f"{sidecar.name}: {exc.detail}") from None
        try:
            fields = json.loads(sidecar.read_bytes())
            if not isinstance(fields, dict):
                raise ValueError("not a JSON object")
            check_unicode(fields)
            url, title = optional_str(fields, "url"), optional_str(fields, "title")
            fetched_at = parse_timestamp(fields["fetched_at"]) if fields.get("fetched_at") is not None else None
        except (ValueError, TypeError) as exc:
            raise Rejected(reasons.BAD_SIDECAR, f"{sidecar.name}: {exc}") from None
    return InputItem(source, data, kind, kind, url=url, fetched_at=fetched_at, title=title)
