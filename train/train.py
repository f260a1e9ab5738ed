"""Train the segment model (src/textwash/models/segments.json.gz) and measure it on held-out folds.

usage:
    python train/train.py pack SET_DIR NAME        # a benchmark folder (truth.jsonl + dump folders)
                                                   # → train/data/NAME.jsonl.gz
    python train/train.py fit [--folds 5] [--report train/RESULTS.md] [--without LAYER ...]
                              [--quick] [--dump PREDICTIONS.jsonl.gz] [--no-save]

`fit` reads every train/data/*.jsonl.gz (one row per page and dump style: id, site, style, dump, truth),
runs each dump through the cleaning layers before the model (the same code the pipeline runs),
labels every segment by aligning the truth to it, and then:
- trains also on windows cut from every dump (30-80% of it) with the features a language without
  a stoplist and a script without capitals would give: short pages and other scripts, never scored;
- k-fold by site (all dump styles of a page, and all pages of a site, in one fold): for each fold
  a model trained on the other folds scores the fold's pages, none of whose sites it has seen; the
  switch cost of the sequence step is picked on the training folds alone (their own inner folds),
  so no held-out page ever tunes anything;
- the held-out and in-sample tables (F1, precision, recall per set and dump style), the ablation
  and the confusion of cut kinds go to the report;
- the model trained on every page is written, with the switch cost picked over all folds.

`--quick` skips the ablation's retraining (a third of the time); `--dump` writes every dump's
held-out segments (text, label, probability, the cut's reason), worst page first, to read where
the model goes wrong. LightGBM runs on one thread: on a shared machine more are slower.
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
from urllib.parse import urlsplit

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the benchmark's measure, as the tests use it

from shingles import precision_recall_f1, scaled_counts  # noqa: E402

from textwash.cleaning import model as clean_model  # noqa: E402
from textwash.cleaning.model import FEATURES, SegmentModelLayer, Segments, apply_model  # noqa: E402
from textwash.model.page import Page  # noqa: E402
from textwash.cleaning import check_layers, run_layers  # noqa: E402
from textwash.cleaning.layer import PageState  # noqa: E402
from textwash.inputs.repair import repair  # noqa: E402
from textwash.cleaning.ruleset import load_rules  # noqa: E402

DATA = ROOT / "train" / "data"
TOKEN = re.compile(r"\w+")
# A segment is article when at least this share of the 4-token runs touching it are in the truth.
ARTICLE_SHARE = 0.5
SWITCH_COSTS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0)
# Half the features per tree, 80 segments a leaf and a firmer L2: on folds by site, three seeds, all
# dumps 0.913 -> 0.914, every seed up (smaller trees did worse; 500 rounds or 63 leaves, no better).
PARAMS = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 80,
    "feature_fraction": 0.5, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 5.0,
    "verbose": -1, "num_threads": 1, "seed": 7,
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
    site: str = ""  # pages of one site share a fold (`site_key`); empty: the page is its own site
    crop: bool = False  # a window cut from the dump: trained on, never scored

    @property
    def group(self) -> str:
        return self.site or f"{self.set}/{self.id}"


# Second-level labels of country domains ("co" in bbc.co.uk) that do not name a site.
_GENERIC_LABELS = frozenset({"ac", "co", "com", "edu", "gov", "net", "ne", "or", "org"})


def site_key(url: str | None, page_id: str) -> str:
    """The site a dev page comes from, so that held-out folds keep a site's pages together (a model
    must not learn a site's template from one page and be scored on its sibling): the name under
    the public suffix of the page's address, or, without one, its id less a trailing number (the
    readability test pages are named "nytimes-3").

    >>> site_key("https://www.bbc.co.uk/news/world-123", "ab12"), site_key("https://edition.cnn.com/x", "cd34")
    ('bbc', 'cnn')
    >>> site_key(None, "nytimes-3"), site_key("", "001")
    ('nytimes', '001')
    """
    if url:
        labels = urlsplit(url).hostname.split(".")[:-1]
        while len(labels) > 1 and labels[-1] in _GENERIC_LABELS:
            labels.pop()
        if labels:
            return labels[-1]
    return re.sub(r"-\d+$", "", page_id)


def pack(set_dir: Path, name: str) -> None:
    """Gather a benchmark folder's dumps (every sub-folder of .txt files) and truth into one file."""
    pages = {row["id"]: row for row in map(json.loads, (set_dir / "truth.jsonl").read_text(encoding="utf-8").splitlines())}
    DATA.mkdir(parents=True, exist_ok=True)
    rows = 0
    with gzip.open(DATA / f"{name}.jsonl.gz", "wt", encoding="utf-8") as out:
        for folder in sorted(p for p in set_dir.iterdir() if p.is_dir() and any(p.glob("*.txt"))):
            for path in sorted(folder.glob("*.txt")):
                page_id = path.name.split(".")[0]
                if page_id in pages:
                    row = {"id": page_id, "site": site_key(pages[page_id].get("url"), page_id), "style": folder.name,
                           "dump": path.read_text(encoding="utf-8"), "truth": pages[page_id]["body"]}
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                    rows += 1
    print(f"{rows} dumps of {len(pages)} pages → {DATA / f'{name}.jsonl.gz'}")


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
    Runs count as a multiset, as in the measure: a run the page holds more often than the truth
    goes to the occurrences in the segments that match the truth best (the article's copy, not
    the teaser that repeats its first sentence).
    """
    truth_counts = Counter(zip(*(TOKEN.findall(truth)[i:] for i in range(4))))
    lines = draft.segments.lines
    tokens, bounds = [], []
    for line in lines:
        start = len(tokens)
        tokens.extend(TOKEN.findall(line.text))
        bounds.append((start, len(tokens)))
    runs = [tuple(tokens[i:i + 4]) for i in range(max(len(tokens) - 3, 0))]
    in_truth = np.array([run in truth_counts for run in runs], dtype=bool)
    segment_of_run = np.zeros(len(runs), dtype=int)
    for i, (start, end) in enumerate(bounds):
        segment_of_run[start:end] = i

    def shares(matched: np.ndarray) -> np.ndarray:
        out = np.zeros(len(lines))
        for i, (start, end) in enumerate(bounds):
            touching = matched[max(start - 3, 0):end] if end > start else matched[:0]
            out[i] = touching.mean() if len(touching) else 0.0
        return out

    by_set = shares(in_truth)
    occurrences: dict[tuple, list[int]] = defaultdict(list)
    for position, run in enumerate(runs):
        if in_truth[position]:
            occurrences[run].append(position)
    matched = in_truth.copy()
    for run, positions in occurrences.items():
        if len(positions) > truth_counts[run]:
            best_first = sorted(positions, key=lambda q: (-by_set[segment_of_run[q]], q))
            matched[best_first[truth_counts[run]:]] = False
    labels = (shares(matched) >= ARTICLE_SHARE).astype(float)
    weights = np.array([(end - start) / max(len(tokens), 1) for start, end in bounds])
    return labels, weights


@dataclass
class Draft:
    """A page after the layers before the model, with its segments' features."""
    page: Page
    segments: Segments


def draft_clean(text: str, rules, layers_off: frozenset[str]) -> Draft:
    """`text` through the layers before the model (those in `layers_off` skipped), and the
    features the model would read."""
    state = PageState(text, rules, layers_off=layers_off | {SegmentModelLayer.name})
    run_layers([state])
    if state.failure is not None:
        raise state.failure
    return Draft(state.page, SegmentModelLayer.segments(state))


def draft_examples(rows: list[dict], layers_off: frozenset[str]) -> list[Example]:
    """Every row through the layers before the model. No site templates: the dev sets hold about
    one page per site, and lines that recur across different sites' pages (a "Home" link) would be
    cut as templates here but reach the model on a user's run of one site's pages."""
    rules = load_rules()
    by_folder: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        by_folder[row["set"], row["style"]].append(row)
    examples = []
    for (set_name, style), folder_rows in sorted(by_folder.items()):
        texts = [repair(row["dump"]).text for row in folder_rows]
        for row, text in zip(folder_rows, texts):
            for crop, variant in ((False, text), (True, window(text, f"{set_name}/{row['id']}/{style}"))):
                draft = draft_clean(variant, rules, layers_off)
                if crop:
                    draft.segments.features = without_case_or_stopwords(draft.segments.features)
                labels, weights = segment_labels(draft, row["truth"])
                examples.append(Example(set_name, row["id"], style, row["truth"], draft, labels, weights, row.get("site", ""), crop))
    return examples


# What a page in a script without capitals, or a language without a stoplist, does not have.
_NO_STOPLIST = [i for i, name in enumerate(FEATURES) if name.split("@")[0] == "stopwords"]
_NO_CASE = [i for i, name in enumerate(FEATURES) if name.split("@")[0] in ("capitals", "starts_lower")]


def without_case_or_stopwords(features: np.ndarray) -> np.ndarray:
    """The features as a page in a language without a stoplist and a script without capitals
    would give them: most pages here are in Latin script with a stoplist, and the model must not
    learn that text lacking either is chrome."""
    features = features.copy()
    features[:, _NO_STOPLIST] = np.where(features[:, _NO_STOPLIST] == -1.0, -1.0, np.nan)  # -1: past the page's edge
    features[:, _NO_CASE] = np.where(features[:, _NO_CASE] == -1.0, -1.0, 0.0)
    features[:, FEATURES.index("page_has_stoplist")] = 0.0
    return features


def window(text: str, seed: str) -> str:
    """A stretch of `text` between two spaces or line breaks, 30 to 80% of it: pages of every
    length, with menus and footers cut short or missing, so the model never meets its first short
    page on a user's machine."""
    import random

    rng = random.Random(seed)
    size = int(len(text) * rng.uniform(0.3, 0.8))
    start = rng.randrange(0, max(len(text) - size, 1))
    start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start), 0)
    end = text.find(" ", start + size)
    return text[start:end if end > 0 else len(text)].strip()


def scored(examples: list[Example]) -> list[Example]:
    return [e for e in examples if not e.crop]


def fit(examples: list[Example], matrices: list[np.ndarray]):
    """The LightGBM model on the examples' feature `matrices` (one per example)."""
    import lightgbm

    labels = np.concatenate([e.labels for e in examples])
    weights = np.concatenate([e.weights for e in examples]) * 100 + 0.01
    data = lightgbm.Dataset(np.vstack(matrices), labels, weight=weights, feature_name=list(FEATURES), free_raw_data=False)
    return lightgbm.train(PARAMS, data, num_boost_round=ROUNDS)


def predict(booster, matrices: list[np.ndarray]) -> list[np.ndarray]:
    if not matrices:
        return []
    return np.split(booster.predict(np.vstack(matrices)), np.cumsum([len(m) for m in matrices])[:-1])


def matrices_of(examples: list[Example]) -> list[np.ndarray]:
    return [e.draft.segments.features for e in examples]


def cleaned(example: Example, probabilities: np.ndarray, switch_cost: float, sequence: bool = True) -> tuple[str, Page]:
    """The example's text after the model's cuts (on a copy of its draft) and the finished page."""
    draft = _copy_draft(example.draft)
    apply_model(draft.page, draft.segments, probabilities, switch_cost=switch_cost, sequence=sequence)
    return draft.page.text(), draft.page


def _copy_draft(draft: Draft) -> Draft:
    page = dataclasses.replace(draft.page, lines=[dataclasses.replace(line) for line in draft.page.lines],
                               cut_spans=list(draft.page.cut_spans))
    by_number = {line.number: line for line in page.lines}
    segments = dataclasses.replace(draft.segments, lines=[by_number[line.number] for line in draft.segments.lines])
    return dataclasses.replace(draft, page=page, segments=segments)


def folds_of(examples: list[Example], k: int, salt: str = "") -> list[int]:
    """A fold per example, by site: a page's dump styles, and a site's pages, share a fold."""
    import hashlib

    return [int(hashlib.sha1((salt + e.group).encode()).hexdigest(), 16) % k for e in examples]


def out_of_fold(examples: list[Example], matrices: list[np.ndarray], k: int, salt: str = "") -> list[np.ndarray]:
    """Each example's probabilities from a stage trained on the other folds."""
    fold = folds_of(examples, k, salt)
    out: list[np.ndarray | None] = [None] * len(examples)
    for f in range(k):
        train = [i for i, g in enumerate(fold) if g != f]
        test = [i for i, g in enumerate(fold) if g == f]
        booster = fit([examples[i] for i in train], [matrices[i] for i in train])
        for i, p in zip(test, predict(booster, [matrices[i] for i in test])):
            out[i] = p
    return out


def best_switch_cost(examples: list[Example], probabilities: list[np.ndarray]) -> float:
    pairs = [(e, p) for e, p in zip(examples, probabilities) if not e.crop]
    scores = {cost: precision_recall_f1([(cleaned(e, p, cost)[0], e.truth) for e, p in pairs])[2] for cost in SWITCH_COSTS}
    return max(scores, key=scores.get)


def held_out(examples: list[Example], k: int) -> tuple[list[np.ndarray], list[float]]:
    """Out-of-fold probabilities, and per example the switch cost its training folds chose (on
    the training pages' probabilities out of their own inner folds)."""
    fold = folds_of(examples, k)
    probabilities: list[np.ndarray | None] = [None] * len(examples)
    costs = [0.0] * len(examples)
    for f in range(k):
        train = [e for e, g in zip(examples, fold) if g != f]
        cost = best_switch_cost(train, out_of_fold(train, matrices_of(train), k - 1, salt=f"inner{f}"))
        booster = fit(train, matrices_of(train))
        test = [i for i, g in enumerate(fold) if g == f and not examples[i].crop]
        for i, p in zip(test, predict(booster, matrices_of([examples[i] for i in test]))):
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


def markdown_table(header: tuple[str, ...], rows: list[tuple]) -> str:
    def cell(value) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def score_table(examples: list[Example], texts: list[str]) -> str:
    rows = table(examples, texts)
    rows.append(("all", "", len(examples), *precision_recall_f1([(t, e.truth) for t, e in zip(texts, examples)])))
    return markdown_table(("set", "dump style", "dumps", "precision", "recall", "F1"), rows)


def cut_kinds(examples: list[Example], pages: list[Page]) -> str:
    """Per reason of every cut segment (model and earlier layers): how many segments and words it
    took, and how many of them the truth holds as article."""
    counts: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0, 0])
    for example, page in zip(examples, pages):
        by_number = {line.number: line for line in page.lines}
        for line, label in zip(example.draft.segments.lines, example.labels):
            reason = by_number[line.number].reason
            kind = "kept" if reason is None else reason.split(" (")[0]
            row = counts[kind]
            row[0] += 1
            row[1] += line.words
            row[2] += label
            row[3] += line.words * label
    rows = [(kind, int(c[0]), int(c[1]), int(c[2]), f"{c[3] / max(c[1], 1):.1%}")
            for kind, c in sorted(counts.items(), key=lambda item: -item[1][1])]
    return markdown_table(("reason", "segments", "words", "segments the truth holds", "share of words in the truth"), rows)


def flagged_or_lost(examples: list[Example], scores: list[float], pages: list[Page]) -> str:
    """The dumps below 0.5 confidence and those whose article was lost (page F1 under 0.2), flagged
    or not, least confident first."""
    rows = [(e.set, e.id[:24], e.style, page.confidence, f1) for e, f1, page in zip(examples, scores, pages)
            if page.confidence < 0.5 or f1 < 0.2]
    return markdown_table(("set", "page", "dump style", "confidence", "page F1"), sorted(rows, key=lambda r: r[3]))


def confidence_check(scores: list[float], pages: list[Page]) -> str:
    scores = np.array(scores)
    confidence = np.array([page.confidence for page in pages])
    low = confidence < 0.5
    lost = scores < 0.2
    ranks = [np.argsort(np.argsort(values)) for values in (confidence, scores)]
    return (f"Spearman correlation of confidence and page F1: {np.corrcoef(*ranks)[0, 1]:.2f}. "
            f"Pages below 0.5: {low.sum()} of {len(pages)} (mean page F1 {scores[low].mean() if low.any() else 0:.2f}, "
            f"the rest {scores[~low].mean():.2f}). Pages with F1 under 0.2 (the article lost or buried): "
            f"{lost.sum()}, of which {int((lost & low).sum())} flagged low-confidence.")


def dump_predictions(path: Path, examples: list[Example], probabilities, texts: list[str], pages: list[Page]) -> None:
    """Per dump, held-out: its page F1 and confidence, and per segment its words, label, the
    model's probability and why it was cut (None: kept), worst pages first."""
    rows = []
    for e, p, text, page in zip(examples, probabilities, texts, pages):
        by_number = {line.number: line for line in page.lines}
        rows.append({"set": e.set, "id": e.id, "style": e.style, "f1": round(page_f1(text, e.truth), 4),
                     "confidence": page.confidence,
                     "segments": [{"text": line.text, "words": line.words, "label": int(label), "p": round(float(q), 3),
                                   "before": line.reason, "reason": by_number[line.number].reason}
                                  for line, label, q in zip(e.draft.segments.lines, e.labels, p)]})
    rows.sort(key=lambda row: row["f1"])
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"held-out predictions → {path}", flush=True)


def ablation(rows: list[dict], folds: int, cost: float) -> list[tuple[str, str, int, float, float, float]]:
    """F1 per set and dump style with a layer off (the model retrained without it, held-out, at the
    full model's switch cost), and without the sequence step."""
    out = []
    for layer in ("rules", "end-rules"):
        examples = draft_examples(rows, frozenset({layer}))
        probabilities = out_of_fold(examples, matrices_of(examples), folds)
        examples, probabilities = scored(examples), [p for e, p in zip(examples, probabilities) if not e.crop]
        texts = [cleaned(e, p, cost)[0] for e, p in zip(examples, probabilities)]
        out.append((f"without {layer}", *precision_recall_f1([(t, e.truth) for t, e in zip(texts, examples)])))
    return out


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
    p_fit.add_argument("--quick", action="store_true", help="skip the ablation's retraining (the report says so)")
    p_fit.add_argument("--dump", type=Path, help="write every dump's held-out segments, probabilities and cuts (JSON lines, gzipped)")
    args = ap.parse_args()
    if args.command == "pack":
        pack(args.set_dir, args.name)
        return
    layers_off = frozenset(args.without) | {"model"}
    check_layers(layers_off)
    started = time.perf_counter()
    examples = draft_examples(load_rows(), layers_off - {"model"})
    segments = sum(len(e.labels) for e in examples)
    print(f"{len(scored(examples))} dumps and as many windows of them, {segments} segments, "
          f"{time.perf_counter() - started:.0f} s to draft", flush=True)
    probabilities, costs = held_out(examples, args.folds)
    everything, examples = examples, scored(examples)
    probabilities, costs = zip(*[(p, c) for e, p, c in zip(everything, probabilities, costs) if not e.crop])
    held = [cleaned(e, p, c) for e, p, c in zip(examples, probabilities, costs)]
    texts, pages = [t for t, _ in held], [page for _, page in held]
    print(score_table(examples, texts))
    if args.dump is not None:
        dump_predictions(args.dump, examples, probabilities, texts, pages)
    if args.no_save:
        return
    booster = fit(everything, matrices_of(everything))
    cost = best_switch_cost(examples, probabilities)
    held_f1 = precision_recall_f1([(t, e.truth) for t, e in zip(texts, examples)])[2]
    saved = {"switch_cost": cost, "trees": booster.model_to_string(), "pages": len({(e.set, e.id) for e in examples}),
             "dumps": len(examples), "segments": segments, "held_out_f1": round(held_f1, 4)}
    model_path = clean_model.MODEL_PATH
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model_path.write_bytes(gzip.compress(json.dumps(saved).encode(), mtime=0))
    print(f"model → {model_path} (switch cost {cost}) in {time.perf_counter() - started:.0f} s", flush=True)
    if args.report is None:
        return
    in_sample = [cleaned(e, p, cost)[0] for e, p in zip(examples, predict(booster, matrices_of(examples)))]
    no_sequence = [cleaned(e, p, c, sequence=False)[0] for e, p, c in zip(examples, probabilities, costs)]
    ablations = [("full model", *precision_recall_f1([(t, e.truth) for t, e in zip(texts, examples)])),
                 ("without the sequence step", *precision_recall_f1([(t, e.truth) for t, e in zip(no_sequence, examples)])),
                 *([] if args.quick else ablation(load_rows(), args.folds, cost))]
    skipped = "\nThe layers' ablation was skipped (--quick).\n" if args.quick else ""
    scores = [page_f1(text, e.truth) for text, e in zip(texts, examples)]
    report = f"""# Segment model: held-out and in-sample figures

Written by `make train` ({len({(e.set, e.id) for e in examples})} pages, {len({e.group for e in examples})} sites, {len(examples)} dumps and as many windows cut
from them for training, never scored, whose features are those of a language without a stoplist and a script
without capitals; {segments} segments in all;
{args.folds} folds by site, every dump style of a page and every page of a site in one fold; the switch cost of the sequence step
picked on each fold's training pages alone; the shipped model's switch cost: {cost}).
Measure: the article-extraction benchmark's 4-word-run precision, recall and F1 (per page scaled, summed).

## Held-out (each page cleaned by a model that never saw it)

{score_table(examples, texts)}

## In-sample (the shipped model on the pages it was trained on)

{score_table(examples, in_sample)}

## Ablation (held-out; a layer off means the model retrained without it)

{markdown_table(("variant", "precision", "recall", "F1"), ablations)}
{skipped}
## What was cut, by reason (held-out)

{cut_kinds(examples, pages)}

## Confidence (held-out)

{confidence_check(scores, pages)}

{flagged_or_lost(examples, scores, pages)}
"""
    args.report.write_text(report, encoding="utf-8")
    print(f"report → {args.report} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
