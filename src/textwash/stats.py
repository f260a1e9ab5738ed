"""Stats: what a dataset holds, from its committed files: counts, languages, sites, removal
reasons, duplicates and rejects by reason."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.compute as pc

from textwash.ledger import load_ledger
from textwash.write import LEDGER_FILE, Dataset


def dataset_stats(out: Path, top: int = 10) -> dict:
    """Counts of the committed version of the dataset at `out` (read without the run lock: a
    committed version never changes)."""
    dataset = Dataset(out)
    documents = dataset.read("documents", ["doc_id", "url", "publisher", "language", "word_count",
                                           "content_sha256", "duplicate_of", "removed"])
    rejects = dataset.read("rejects", ["reason"])
    ledger = load_ledger(dataset.committed_file(LEDGER_FILE))
    duplicate_of = documents["duplicate_of"].to_pylist()
    content_by_id = dict(zip(documents["doc_id"].to_pylist(), documents["content_sha256"].to_pylist()))
    exact = sum(1 for original, content in zip(duplicate_of, documents["content_sha256"].to_pylist())
                if original is not None and content_by_id.get(original) == content)
    flagged = sum(original is not None for original in duplicate_of)
    reasons = Counter(span["reason"] for spans in documents["removed"].to_pylist() for span in spans or ())
    return {
        "version": dataset.current.name if dataset.current else None,
        "runs": len({entry.run_id for entry in ledger.values()}),
        "inputs": len(ledger),
        "documents": documents.num_rows,
        "words": pc.sum(documents["word_count"]).as_py() or 0,
        "files": {kind: len(dataset.files(kind)) for kind in ("documents", "rejects")},
        "languages": Counter(documents["language"].to_pylist()).most_common(top),
        "sites": Counter(_site(url, publisher) for url, publisher in
                         zip(documents["url"].to_pylist(), documents["publisher"].to_pylist())).most_common(top),
        "removal_reasons": reasons.most_common(top),
        "duplicates": {"exact": exact, "near": flagged - exact},
        "rejects": rejects.num_rows,
        "rejects_by_reason": Counter(rejects["reason"].to_pylist()).most_common(),
    }


def _site(url: str | None, publisher: str | None) -> str | None:
    """Where a document came from: its URL's host, else its publisher."""
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else publisher
