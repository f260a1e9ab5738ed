"""The benchmark's corpus builder makes what it claims: distinct documents, the stated share of
mojibake (which repair then undoes), and one folder per benchmark size."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from textwash.inputs.decode import decode
from textwash.inputs.repair import repair

SAMPLES = Path(__file__).parent / "data" / "samples"
_spec = importlib.util.spec_from_file_location("bench_corpus", Path(__file__).parents[1] / "bench" / "corpus.py")
corpus = sys.modules["bench_corpus"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    info = corpus.build(root, corpus.load_seeds([SAMPLES]), [50, 500], mojibake_share=0.1, html_share=0.0)
    return root, info


def test_documents_are_distinct_and_counted(built):
    root, info = built
    files = sorted(p for p in root.rglob("*.txt"))
    assert len(files) == info.documents == 500
    assert len({p.read_bytes() for p in files}) == 500
    assert sum(p.stat().st_size for p in files) == info.bytes


def test_mojibake_share_is_what_the_manifest_says_and_repair_undoes_it(built):
    root, info = built
    damaged = [p for p in root.rglob("*.txt") if "Ã" in p.read_text("utf-8") or "â€" in p.read_text("utf-8")]
    assert len(damaged) == info.mojibake
    assert 0.06 <= info.mojibake / info.documents <= 0.14
    for path in damaged[:10]:
        fixed = repair(decode(path.read_bytes()).text)
        assert fixed.changed and "â€" not in fixed.text


def test_each_size_is_one_folder_holding_the_first_documents(built):
    root, _ = built
    small = corpus.subset_folder(root, 50, [50, 500])
    assert sorted(p.name for p in small.rglob("*.txt")) == [f"{i:07d}.txt" for i in range(50)]
    assert corpus.subset_folder(root, 500, [50, 500]) == root
    assert json.loads((root / corpus.MANIFEST).read_text())["documents"] == 500


def test_sizes_that_do_not_nest_are_refused():
    with pytest.raises(ValueError):
        corpus.check_sizes([300, 1000])
