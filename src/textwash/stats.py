"""Stats: what a dataset holds, from its committed files: counts, languages, sites, removal
reasons, duplicates and rejects by reason."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.compute as pc
import pyarrow.parquet as pq

from textwash.ledger import load_ledger
from textwash.write import KINDS, LEDGER_FILE, Dataset


def dataset_stats(out: Path, top: int = 10) -> dict:
    """Counts of the committed version of the dataset at `out` (read without the run lock: a
    committed version never changes)."""
    dataset = Dataset(out)
    documents = dataset.read("documents", ["doc_id", "url", "publisher", "language", "word_count",
                                           "content_sha256", "duplicate_of"])
    rejects = dataset.read("rejects", ["reason"])
    ledger = load_ledger(dataset.committed_file(LEDGER_FILE))
    duplicate_of = documents["duplicate_of"].to_pylist()
    content_by_id = dict(zip(documents["doc_id"].to_pylist(), documents["content_sha256"].to_pylist()))
    exact = sum(1 for original, content in zip(duplicate_of, documents["content_sha256"].to_pylist())
                if original is not None and content_by_id.get(original) == content)
    flagged = sum(original is not None for original in duplicate_of)
    reasons = _removal_reasons(dataset, dataset.files("documents"))
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


def run_stats(dataset: Dataset, run_ids: set[str], raw: Path, sources: list[str], top: int = 10) -> dict:
    """What one flow run did, for its report: bytes of its inputs (`sources` under `raw`) and of
    the files its runs (`run_ids`) wrote into the committed version, and the top removal reasons
    of the documents in those files."""
    written = {kind: [relative for relative in dataset.files(kind)
                      if any(relative.name.startswith(f"part-{run_id}-") for run_id in run_ids)]
               for kind in KINDS}
    return {
        "bytes_in": sum(_size(raw / source) for source in sources),
        "bytes_out": sum(_size(dataset.current / kind / relative) for kind in KINDS for relative in written[kind]),
        "removal_reasons": _removal_reasons(dataset, written["documents"]).most_common(top),
    }


def _removal_reasons(dataset: Dataset, files) -> Counter:
    """Removed spans by reason over the documents `files`, counted in Arrow a thousand rows at a
    time: a run's spans as Python objects take gigabytes at 100,000 documents."""
    counts: Counter = Counter()
    for relative in files:
        for batch in pq.ParquetFile(dataset.current / "documents" / relative).iter_batches(1000, columns=["removed"]):
            reasons = pc.struct_field(pc.list_flatten(batch.column(0)), "reason")
            counts.update({row["values"]: row["counts"] for row in pc.value_counts(reasons).to_pylist()})
    return counts


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # an input gone since planning: its reject says so
        return 0


def _site(url: str | None, publisher: str | None) -> str | None:
    """Where a document came from: its URL's host, else its publisher."""
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else publisher
