"""Train the segment model (src/textwash/models/segments.lgb) and measure it on held-out folds.

usage:
    python train/train.py pack SET_DIR NAME        # a benchmark folder (truth.jsonl + dump folders)
                                                   # → train/data/NAME.jsonl.gz
    python train/train.py fit [--folds 5] [--report train/RESULTS.md] [--without LAYER ...]

`fit` reads every train/data/*.jsonl.gz (one row per page and dump style: id, style, dump, truth),
runs each dump through the cleaning layers before the model (the same code the pipeline runs),
labels every segment by aligning the truth to it, and then:
- k-fold by page (all dump styles of a page in one fold): for each fold a model trained on the
  other folds scores the fold's pages; the switch cost of the sequence step is picked on the
  training folds alone (their own inner folds), so no held-out page ever tunes anything;
- the held-out and in-sample tables (F1, precision, recall per set and dump style), the ablation
  and the confusion of cut kinds go to the report;
- the model trained on every page is written, with the switch cost picked over all folds.
"""
from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the benchmark's measure, as the tests use it

from shingles import precision_recall_f1, scaled_counts  # noqa: E402

from textwash import clean_model  # noqa: E402
from textwash.clean_model import FEATURES, MODEL_FAMILY, apply_model  # noqa: E402
from textwash.clean_templates import learn  # noqa: E402
from textwash.pipeline import Draft, check_layers, draft_clean, finish_clean  # noqa: E402
from textwash.repair import repair  # noqa: E402
from textwash.rules import load_rules  # noqa: E402

DATA = ROOT / "train" / "data"
TOKEN = re.compile(r"\w+")
# A segment is article when at least this share of the 4-token runs touching it are in the truth.
ARTICLE_SHARE = 0.5
SWITCH_COSTS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0)
PARAMS = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 40,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 1.0,
    "verbose": -1, "num_threads": 2, "seed": 7,
}
ROUNDS = 300


@dataclass
class Example:
    """One page in one dump style, drafted, with its segments' labels and weights."""
    set: str
    id: str
    style: str
    truth: str
    draft: Draft
    labels: np.ndarray
    weights: np.ndarray

    @property
    def group(self) -> str:
        return f"{self.set}/{self.id}"


def pack(set_dir: Path, name: str) -> None:
    """Gather a benchmark folder's dumps (every sub-folder of .txt files) and truth into one file."""
    truth = {row["id"]: row["body"] for row in map(json.loads, (set_dir / "truth.jsonl").read_text(encoding="utf-8").splitlines())}
    DATA.mkdir(parents=True, exist_ok=True)
    rows = 0
    with gzip.open(DATA / f"{name}.jsonl.gz", "wt", encoding="utf-8") as out:
        for folder in sorted(p for p in set_dir.iterdir() if p.is_dir() and any(p.glob("*.txt"))):
            for path in sorted(folder.glob("*.txt")):
                page_id = path.name.split(".")[0]
                if page_id in truth:
                    row = {"id": page_id, "style": folder.name, "dump": path.read_text(encoding="utf-8"), "truth": truth[page_id]}
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                    rows += 1
    print(f"{rows} dumps of {len(truth)} pages → {DATA / f'{name}.jsonl.gz'}")


def load_rows() -> list[dict]:
    rows = []
    for path in sorted(DATA.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                row["set"] = path.name.removesuffix(".jsonl.gz")
                rows.append(row)
    # Dumps without line breaks for the sets that have none: the same page joined into one line.
    styles = {(row["set"], row["style"]) for row in rows}
    for row in list(rows):
        if row["style"] == "text" and (row["set"], "text-flat") not in styles:
            rows.append({**row, "style": "text-flat", "dump": " ".join(row["dump"].split("\n"))})
    return rows


def segment_labels(draft: Draft, truth: str) -> tuple[np.ndarray, np.ndarray]:
    """Each segment's label (1: article) and training weight (its share of the page's tokens).

    The 4-token runs touching a segment are taken over the whole page's token stream, so a short
    line (a sub-heading, a "Share" button) is judged with the words around it, as the measure does.
    """
    truth_runs = set(zip(*(TOKEN.findall(truth)[i:] for i in range(4))))
    lines = draft.segments.lines
    tokens, bounds = [], []
    for line in lines:
        start = len(tokens)
        tokens.extend(TOKEN.findall(line.text))
        bounds.append((start, len(tokens)))
    runs = [tuple(tokens[i:i + 4]) in truth_runs for i in range(max(len(tokens) - 3, 0))]
    labels = np.zeros(len(lines))
    weights = np.zeros(len(lines))
    for i, (start, end) in enumerate(bounds):
        touching = runs[max(start - 3, 0):end] if end > start else []
        labels[i] = bool(touching) and sum(touching) >= ARTICLE_SHARE * len(touching)
        weights[i] = (end - start) / max(len(tokens), 1)
    return labels, weights


def draft_examples(rows: list[dict], layers_off: frozenset[str]) -> list[Example]:
    """Every row through the layers before the model; a set's dumps of one style count as one site
    (as when a user runs the folder), so the site templates are learned over them."""
    rules = load_rules()
    by_folder: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        by_folder[row["set"], row["style"]].append(row)
    examples = []
    for (set_name, style), folder_rows in sorted(by_folder.items()):
        texts = [repair(row["dump"]).text for row in folder_rows]
        state = learn((("site", row["id"], text.split("\n")) for row, text in zip(folder_rows, texts)))
        keys = state.template_keys("site") if "templates" not in layers_off else frozenset()
        for row, text in zip(folder_rows, texts):
            draft = draft_clean(text, rules, layers_off, keys)
            labels, weights = segment_labels(draft, row["truth"])
            examples.append(Example(set_name, row["id"], style, row["truth"], draft, labels, weights))
    return examples


def fit(examples: list[Example]):
    import lightgbm

    features = np.vstack([e.draft.segments.features for e in examples])
    labels = np.concatenate([e.labels for e in examples])
    weights = np.concatenate([e.weights for e in examples]) * 100 + 0.01
    data = lightgbm.Dataset(features, labels, weight=weights, feature_name=list(FEATURES), free_raw_data=False)
    return lightgbm.train(PARAMS, data, num_boost_round=ROUNDS)


def predict(booster, examples: list[Example]) -> list[np.ndarray]:
    if not examples:
        return []
    probabilities = booster.predict(np.vstack([e.draft.segments.features for e in examples]))
    return np.split(probabilities, np.cumsum([len(e.labels) for e in examples])[:-1])


def cleaned(example: Example, probabilities: np.ndarray, switch_cost: float, sequence: bool = True) -> tuple[str, "Page"]:
    """The example's text after the model's cuts (on a copy of its draft) and the finished page."""
    draft = _copy_draft(example.draft)
    page = draft.page
    apply_model(page, draft.segments, probabilities, switch_cost=switch_cost, sequence=sequence)
    page, _ = finish_clean(dataclasses.replace(draft, segments=None), None)
    return page.text(), page


def _copy_draft(draft: Draft) -> Draft:
    page = dataclasses.replace(draft.page, lines=[dataclasses.replace(line) for line in draft.page.lines],
                               cut_spans=list(draft.page.cut_spans))
    by_number = {line.number: line for line in page.lines}
    segments = dataclasses.replace(draft.segments, lines=[by_number[line.number] for line in draft.segments.lines])
    return dataclasses.replace(draft, page=page, segments=segments)


def folds_of(examples: list[Example], k: int, salt: str = "") -> list[int]:
    """A fold per example, by page: a page's dump styles share a fold."""
    import hashlib

    return [int(hashlib.sha1((salt + e.group).encode()).hexdigest(), 16) % k for e in examples]


def out_of_fold(examples: list[Example], k: int, salt: str = "") -> list[np.ndarray]:
    fold = folds_of(examples, k, salt)
    out: list[np.ndarray | None] = [None] * len(examples)
    for f in range(k):
        train = [e for e, g in zip(examples, fold) if g != f]
        test = [i for i, g in enumerate(fold) if g == f]
        booster = fit(train)
        for i, p in zip(test, predict(booster, [examples[i] for i in test])):
            out[i] = p
    return out


def best_switch_cost(examples: list[Example], probabilities: list[np.ndarray]) -> float:
    scores = {cost: precision_recall_f1([(cleaned(e, p, cost)[0], e.truth) for e, p in zip(examples, probabilities)])[2]
              for cost in SWITCH_COSTS}
    return max(scores, key=scores.get)


def held_out(examples: list[Example], k: int) -> tuple[list[np.ndarray], list[float]]:
    """Out-of-fold probabilities, and per example the switch cost its training folds chose."""
    fold = folds_of(examples, k)
    probabilities: list[np.ndarray | None] = [None] * len(examples)
    costs = [0.0] * len(examples)
    for f in range(k):
        train = [e for e, g in zip(examples, fold) if g != f]
        inner = out_of_fold(train, k - 1, salt=f"inner{f}")
        cost = best_switch_cost(train, inner)
        booster = fit(train)
        test = [i for i, g in enumerate(fold) if g == f]
        for i, p in zip(test, predict(booster, [examples[i] for i in test])):
            probabilities[i], costs[i] = p, cost
        print(f"  fold {f}: switch cost {cost}", flush=True)
    return probabilities, costs


def table(examples: list[Example], texts: list[str]) -> list[tuple[str, str, int, float, float, float]]:
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, e in enumerate(examples):
        groups[e.set, e.style].append(i)
    rows = []
    for (set_name, style), indices in sorted(groups.items()):
        p, r, f1 = precision_recall_f1([(texts[i], examples[i].truth) for i in indices])
        rows.append((set_name, style, len(indices), p, r, f1))
    return rows


def page_f1(text: str, truth: str) -> float:
    matched, extra, missed = scaled_counts(text, truth)
    return 2 * matched / (2 * matched + extra + missed) if matched else 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    p_pack = sub.add_parser("pack")
    p_pack.add_argument("set_dir", type=Path)
    p_pack.add_argument("name")
    p_fit = sub.add_parser("fit")
    p_fit.add_argument("--folds", type=int, default=5)
    p_fit.add_argument("--without", nargs="*", default=[])
    p_fit.add_argument("--report", type=Path)
    p_fit.add_argument("--no-save", action="store_true")
    args = ap.parse_args()
    if args.command == "pack":
        pack(args.set_dir, args.name)
        return
    layers_off = frozenset(args.without) | {"model"}
    check_layers(layers_off)
    started = time.perf_counter()
    examples = draft_examples(load_rows(), layers_off - {"model"})
    segments = sum(len(e.labels) for e in examples)
    print(f"{len(examples)} dumps, {segments} segments, {time.perf_counter() - started:.0f} s to draft", flush=True)
    probabilities, costs = held_out(examples, args.folds)
    texts = [cleaned(e, p, c)[0] for e, p, c in zip(examples, probabilities, costs)]
    for row in table(examples, texts):
        print("held-out  %-18s %-16s %4d  P %.3f  R %.3f  F1 %.3f" % row)
    print("held-out  all: P %.3f  R %.3f  F1 %.3f" % precision_recall_f1([(t, e.truth) for t, e in zip(texts, examples)]))
    if args.no_save:
        return
    booster = fit(examples)
    cost = best_switch_cost(examples, probabilities)
    model_path = clean_model.MODEL_PATH
    model_path.parent.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(model_path))
    print(f"model → {model_path} (switch cost {cost}) in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
