"""MinHash + LSH duplicate flagging on cleaned sample texts and edited copies of them."""
import datetime as dt

import numpy as np
import pytest

from textwash.dataset.dedup import (
    DedupIndex, flag_duplicates, jaccard_estimate, lsh_bands, minhash, shingles, signature_table, signatures_by_doc_id,
)
from textwash.document import process_bytes
from textwash.model.record import sha256_hex
from textwash.cleaning.ruleset import load_rules
from test_dataset import TEASERS

NOW = dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def texts(sample_paths) -> list[str]:
    rules = load_rules(None)
    return [process_bytes(p.name, p.read_bytes(), NOW, rules)["text"] for p in sample_paths]


def document(doc_id: str, text: str) -> dict:
    return {"doc_id": doc_id, "text": text, "content_sha256": sha256_hex(text.encode())}


def true_jaccard(a: str, b: str) -> float:
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y)


def test_minhash_estimates_jaccard_similarity(texts):
    edited = texts[1] + "\n\n" + TEASERS
    estimate = jaccard_estimate(minhash(texts[1]), minhash(edited))
    assert abs(estimate - true_jaccard(texts[1], edited)) < 0.1
    assert jaccard_estimate(minhash(texts[0]), minhash(texts[1])) < 0.1  # different articles
    assert np.array_equal(minhash(texts[2]), minhash(texts[2]))  # deterministic


def test_leaked_boilerplate_and_an_edited_paragraph_are_near_duplicates(texts):
    paragraphs = texts[3].split("\n\n")
    paragraphs[1] = "A paragraph rewritten by the editors after publication, with other words entirely."
    documents = [document(f"d{i}", text) for i, text in enumerate(texts)] + [
        document("teasers", texts[1] + "\n\n" + TEASERS),
        document("edited", "\n\n".join(paragraphs)),
        document("copy", texts[4]),
    ]
    flag_duplicates(documents, DedupIndex())
    assert {d["doc_id"]: d["duplicate_of"] for d in documents} == {
        "d0": None, "d1": None, "d2": None, "d3": None, "d4": None,
        "teasers": "d1", "edited": "d3", "copy": "d4"}


def test_duplicates_point_at_the_original_never_at_another_duplicate(texts):
    index = DedupIndex()
    first = flag_duplicates([document("a", texts[1])], index)
    later = flag_duplicates([document("b", texts[1] + "\n\nOne more line at the end of it all."),
                             document("c", texts[1] + "\n\nOne more line at the end of it all.\n\nAnd another.")], index)
    assert first[0]["duplicate_of"] is None
    assert [d["duplicate_of"] for d in later] == ["a", "a"]
    assert len(index) == 1 and index.doc_id(0) == "a"


def test_index_round_trips_through_parquet_table_and_forgets_replaced_originals(texts):
    index = DedupIndex(threshold=0.8)
    flag_duplicates([document(f"d{i}", text) for i, text in enumerate(texts)], index)
    restored = DedupIndex.from_table(index.to_table(), threshold=0.8)
    assert restored.find(sha256_hex(texts[2].encode()), minhash(texts[2])) == "d2"
    assert restored.find("other", minhash(texts[2] + " and a short tail")) == "d2"
    assert restored.without({"d2"}).find("other", minhash(texts[2])) is None


def test_originals_are_found_across_signature_blocks_and_reloads(texts, monkeypatch):
    import textwash.dataset.dedup as dedup

    monkeypatch.setattr(dedup, "BLOCK_ROWS", 2)  # every few originals a new block; a reload leaves one half full
    monkeypatch.setattr(dedup, "CACHED_ROWS", 3)  # rows read back from the file share cache slots
    index = DedupIndex(threshold=0.8)
    flag_duplicates([document(f"d{i}", text) for i, text in enumerate(texts[:3])], index)
    reloaded = DedupIndex.from_table(index.to_table(), threshold=0.8)
    flag_duplicates([document(f"d{i}", text) for i, text in enumerate(texts[3:], 3)], reloaded)
    table = reloaded.to_table()
    assert table["doc_id"].to_pylist() == [f"d{i}" for i in range(len(texts))]
    signatures = np.array([minhash(text) for text in texts])
    assert np.array_equal(reloaded.signatures, signatures)
    spilled = np.array([0, 3, 0, 1, 3, 2])  # 0 and 3 share a cache slot, in one call and across calls
    for _ in range(2):
        assert np.array_equal(reloaded._signatures.rows(spilled), signatures[spilled])
    for i, text in enumerate(texts):
        assert reloaded.find("other", minhash(text + " and a short tail")) == f"d{i}"
    assert reloaded.without(set()) is reloaded
    assert reloaded.without({"d0"}).to_table()["doc_id"].to_pylist() == [f"d{i}" for i in range(1, len(texts))]


def test_lsh_bands_turn_at_or_below_the_threshold():
    for threshold in (0.5, 0.7, 0.8, 0.9, 1.0):
        bands, rows = lsh_bands(threshold)
        assert bands * rows == 128 and (1 / bands) ** (1 / rows) <= threshold
    with pytest.raises(ValueError):
        lsh_bands(0)


def test_signatures_computed_in_the_batches_are_used_as_given(texts):
    # b's staged signature is a's: flagging must trust it rather than hash b's text again.
    documents = [document("a", texts[0]), document("b", texts[1])]
    flag_duplicates(documents, DedupIndex(), {"b": minhash(texts[0])})
    assert [d["duplicate_of"] for d in documents] == [None, "a"]
    table = signature_table(documents[:1])
    assert np.array_equal(signatures_by_doc_id(table)["a"], minhash(texts[0]))


def test_flags_are_the_same_before_and_after_the_waiting_keys_are_merged(texts, monkeypatch):
    import textwash.dataset.dedup as dedup

    documents = [document(f"d{i}", text) for i, text in enumerate(texts)] + [
        document(f"copy{i}", text + "\n\nOne more closing line for the copy.") for i, text in enumerate(texts)]
    waiting = flag_duplicates([dict(d) for d in documents], DedupIndex())
    monkeypatch.setattr(dedup, "_PENDING_KEYS", 1)  # every original's keys merged as soon as it is added
    merged_index = DedupIndex()
    merged = flag_duplicates([dict(d) for d in documents], merged_index)
    assert [d["duplicate_of"] for d in merged] == [d["duplicate_of"] for d in waiting]
    assert [d["duplicate_of"] for d in merged[len(texts):]] == [f"d{i}" for i in range(len(texts))]
    assert not merged_index._pending and len(merged_index._sorted_keys) == len(texts) * (merged_index.bands + 1)
