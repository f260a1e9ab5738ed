"""Stats: what a dataset holds, from its committed files: counts, languages, sites, removal
reasons, duplicates, the cleaner's confidence and rejects by reason."""
from __future__ import annotations

import bisect
import json
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from textwash.dataset.ledger import load_ledger
from textwash.model.record import url_site
from textwash.model.schema import LOW_CONFIDENCE, is_low_confidence
from textwash.dataset.store import INPUTS_FILE, KINDS, LEDGER_FILE, Dataset

# Edges of the confidence distribution's bins: the low range and the rest, each halved.
CONFIDENCE_EDGES = (0.0, LOW_CONFIDENCE / 2, LOW_CONFIDENCE, (LOW_CONFIDENCE + 1) / 2, 1.0)


def dataset_stats(out: Path, top: int = 10) -> dict:
    """Counts of the committed version of the dataset at `out` (read without the run lock: a
    committed version never changes)."""
    dataset = Dataset(out)
    documents = dataset.read("documents", ["doc_id", "source", "url", "publisher", "language", "word_count",
                                           "clean_confidence", "content_sha256", "duplicate_of"])
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
        "confidence": confidence_figures(documents["source"].to_pylist(), documents["clean_confidence"].to_pylist(), top),
        "rejects": rejects.num_rows,
        "rejects_by_reason": Counter(rejects["reason"].to_pylist()).most_common(),
        "raw": raw_counts(dataset),
    }


def raw_counts(dataset: Dataset) -> dict[str, int] | None:
    """What the committed version's run found under the raw root (inputs, those refused for
    containment, entries skipped by name, links to files already read); None for a version
    written before these were kept."""
    path = dataset.committed_file(INPUTS_FILE)
    return json.loads(path.read_text(encoding="utf-8")) if path is not None else None


def confidence_figures(sources: list[str], confidences: list[float | None], top: int = 10) -> dict:
    """How many documents are below LOW_CONFIDENCE of those judged (files of schema 3 and before,
    and pages no layer judged, are not), the distribution, and the `top` least confident sources.

    >>> figures = confidence_figures(["a", "b", "c", "d"], [0.9, 0.2, None, 0.45], top=1)
    >>> figures["low"], figures["judged"], figures["lowest"]
    (2, 3, [('b', 0.2)])
    """
    judged = [(confidence, source) for source, confidence in zip(sources, confidences) if confidence is not None]
    low = sorted(pair for pair in judged if is_low_confidence(pair[0]))
    return {
        "low": len(low),
        "judged": len(judged),
        "distribution": confidence_distribution(confidences),
        "lowest": [(source, confidence) for confidence, source in low[:top]],
    }


def confidence_distribution(confidences: list[float | None]) -> list[tuple[str, int]]:
    """Documents per bin of CONFIDENCE_EDGES (a bin holds its lower edge, the last also 1), and
    those no layer judged, as n/a.

    >>> confidence_distribution([0.1, 0.25, 0.499, 0.5, 1.0, None])
    [('0-0.25', 1), ('0.25-0.5', 2), ('0.5-0.75', 1), ('0.75-1', 1), ('n/a', 1)]
    """
    inner = CONFIDENCE_EDGES[1:-1]
    counts = Counter(bisect.bisect_right(inner, confidence) for confidence in confidences if confidence is not None)
    bins = [(f"{low:g}-{high:g}", counts[number])
            for number, (low, high) in enumerate(zip(CONFIDENCE_EDGES, CONFIDENCE_EDGES[1:]))]
    return [*bins, ("n/a", sum(confidence is None for confidence in confidences))]


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
    """Where a document came from: its URL's site, else its publisher."""
    return url_site(url) or publisher
