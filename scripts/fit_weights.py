"""Fit the retriever's and the answerer's scorers on the gold set's dev split.

    python scripts/fit_weights.py [--data DIR] [--questions eval/questions.jsonl] [--write]

Two logistic models (assistant/policy/__init__.py, Scorer) replace hand-set constants:

* passages: one row per candidate paragraph of a dev question, labelled 1 when it is one of
  the item's expected paragraphs.  The questions are the gold set's and the dev half of
  ``eval/paragraph_questions.jsonl`` (officers' questions, each labelled with the one
  paragraph that answers it): the gold set's 94 answerable dev items alone fit weights
  that trusted the paragraph search over the written questions, and ranked both held-out
  sets worse (eval/README.md);
* sentences: one row per quotable unit of the retrieved passages (and each question part),
  labelled 1 when the unit states one of the item's expected facts (the evaluation's own
  fact matcher).

The sentence scorer was fitted together with the answerer's rules in
assistant/policy/answers.yaml, which a refit does not see: ``--passages-only`` refits the
passages and keeps it (a full refit on 2026-12-07 raised irrelevant sentences on both splits).

Each is fitted with L2-regularised logistic regression, checked by 5-fold cross-validation
grouped by question (so no question is scored by a model that saw it), and the answerer's
floor is the probability that maximises fact recall minus irrelevant sentences on dev while
the median answer stays within the word budget.  Only the dev split is read: the test
split is for reporting.  ``--write`` rewrites assistant/policy/weights.yaml.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.answering import Assistant  # noqa: E402
from assistant.composing import ExtractiveAnswerer, Unit  # noqa: E402
from assistant.gold import GoldItem, load_gold  # noqa: E402
from assistant.guard import check_question  # noqa: E402
from assistant.matching import FactMatcher, covers  # noqa: E402
from assistant.policy import (  # noqa: E402
    PASSAGE_FEATURES,
    POLICY_DIR,
    SENTENCE_FEATURES,
    Scorer,
    sentence_scorer,
)
from assistant.retrieval import Retriever  # noqa: E402
from assistant.settings import load_settings  # noqa: E402

L2 = 1.0
FOLDS = 5
TARGET_MEDIAN_WORDS = 80  # issue 10: a phone screen's worth


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[float, np.ndarray]:
    """L2-regularised logistic regression by Newton's method (features standardised inside)."""
    mean, std = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / std])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty * w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w[1:] / std
    bias = float(w[0] - (w[1:] * mean / std).sum())
    return bias, weights


def folds_of(groups: list[str]) -> list[int]:
    order = sorted(set(groups))
    return [order.index(g) % FOLDS for g in groups]


def ranking_quality(scores: np.ndarray, y: np.ndarray, groups: list[str]) -> dict[str, float]:
    """hit@1, hit@3 and MRR of ranking each question's candidates by score."""
    hit1, hit3, rr = [], [], []
    for g in sorted(set(groups)):
        idx = [i for i, h in enumerate(groups) if h == g]
        if not y[idx].any():
            continue
        ranked = sorted(idx, key=lambda i: -scores[i])
        first = next(r for r, i in enumerate(ranked) if y[i])
        hit1.append(first == 0)
        hit3.append(first < 3)
        rr.append(1 / (first + 1))
    return {"hit@1": np.mean(hit1), "hit@3": np.mean(hit3), "mrr": np.mean(rr)}


def cross_validate(x: np.ndarray, y: np.ndarray, groups: list[str]) -> np.ndarray:
    """Held-out scores: each question scored by a model fitted without it."""
    fold = np.array(folds_of(groups))
    out = np.zeros(len(y))
    for k in range(FOLDS):
        train, held = fold != k, fold == k
        if not held.any() or y[train].sum() == 0:
            continue
        bias, weights = fit(x[train], y[train])
        out[held] = bias + x[held] @ weights
    return out


def to_scorer(bias: float, weights: np.ndarray, names: tuple[str, ...], floor: float) -> Scorer:
    return Scorer(bias, {n: float(w) for n, w in zip(names, weights, strict=True)}, floor)


Labelled = tuple[str, str, list[tuple[str, str]]]  # id, question, paragraphs that answer it


def paragraph_questions(path: Path, split: str) -> list[Labelled]:
    """``split``'s questions of a paragraph-labelled file (eval/README.md)."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            labelled = (item["id"], item["question"], [(item["doc_id"], str(item["para"]))])
        except (ValueError, KeyError, TypeError) as error:
            raise SystemExit(f"{path}:{number}: malformed paragraph question: {error}") from None
        if item.get("split", "dev") == split:
            found.append(labelled)
    return found


def passage_rows(
    assistant: Assistant, items: list[Labelled]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    retriever = assistant.retriever()
    rows, labels, groups = [], [], []
    for item_id, text, sections in items:
        question = check_question(text, 2000).question
        query = retriever.query(question)
        for candidate in retriever.candidates(query, *retriever.encode(query)):
            rows.append([candidate.features[n] for n in PASSAGE_FEATURES])
            hit = any(
                candidate.chunk.doc_id == d and covers(candidate.chunk.paragraphs, p)
                for d, p in sections
            )
            labels.append(float(hit))
            groups.append(item_id)
    return np.array(rows), np.array(labels), groups


def sentence_units(
    assistant: Assistant, retriever: Retriever, answerer: ExtractiveAnswerer, items: list[GoldItem]
) -> list[tuple[GoldItem, list[Unit], np.ndarray]]:
    out = []
    for item in items:
        question = check_question(item.question, 2000).question
        retrieval = retriever.retrieve(question)
        units = answerer.score(question, retrieval, retriever, None)
        vectors = retriever.sentence_vectors([u.text for u in units])
        out.append((item, units, vectors))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--questions", type=Path, default=ROOT / "eval" / "questions.jsonl")
    parser.add_argument(
        "--paragraphs", type=Path, default=ROOT / "eval" / "paragraph_questions.jsonl"
    )
    parser.add_argument(
        "--passages-only",
        action="store_true",
        help="fit and write the passage scorer only, keeping the sentence scorer",
    )
    parser.add_argument(
        "--write", action="store_true", help="rewrite assistant/policy/weights.yaml"
    )
    args = parser.parse_args()
    settings = load_settings(corpus_dir=ROOT / "corpus", data_dir=args.data)
    assistant = Assistant(settings)
    matcher = FactMatcher(assistant.embedder)
    dev = [
        i
        for i in load_gold(args.questions)
        if i.split == "dev" and i.answerable and "follow_up" not in i.tags
    ]
    print(f"dev items: {len(dev)}")

    # --- passages
    labelled = [(i.id, i.question, list(i.expected_sections)) for i in dev if i.expected_sections]
    paragraphs = paragraph_questions(args.paragraphs, "dev")
    x, y, groups = passage_rows(assistant, labelled + paragraphs)
    print(f"passage rows: {len(y)} ({int(y.sum())} positive)")
    current = np.array(
        [
            assistant.retriever().scorer.probability(dict(zip(PASSAGE_FEATURES, r, strict=True)))
            for r in x
        ]
    )
    held = cross_validate(x, y, groups)
    print(
        "  current weights:",
        {k: round(v, 3) for k, v in ranking_quality(current, y, groups).items()},
    )
    print(
        "  cross-validated:", {k: round(v, 3) for k, v in ranking_quality(held, y, groups).items()}
    )
    bias, weights = fit(x, y)
    passage = to_scorer(bias, weights, PASSAGE_FEATURES, 0.0)
    print("  fitted:", round(bias, 3), {k: round(v, 3) for k, v in passage.weights.items()})
    if args.passages_only:
        if args.write:
            write(passage, sentence_scorer(), len(dev), len(paragraphs))
        return 0

    # --- sentences, over passages ranked by the fitted passage model
    retriever = Retriever(assistant.retriever().snapshot, assistant.embedder, settings, passage)
    answerer = ExtractiveAnswerer(settings)
    scored = sentence_units(assistant, retriever, answerer, [i for i in dev if i.expected_facts])
    rows, labels, groups = [], [], []
    states: dict[tuple[str, str], bool] = {}  # the unit states an expected fact
    on_point: dict[tuple[str, str], bool] = {}  # ... or comes from an expected paragraph
    for item, units, _ in scored:
        for unit in units:
            ok = any(matcher.score(f, unit.text, item.question).found for f in item.expected_facts)
            states[(item.id, unit.text)] = ok
            on_point[(item.id, unit.text)] = ok or any(
                unit.passage.chunk.doc_id == d and covers(unit.passage.chunk.paragraphs, p)
                for d, p in item.expected_sections
            )
            for features in unit.features:
                rows.append([features[n] for n in SENTENCE_FEATURES])
                labels.append(float(ok))
                groups.append(item.id)
    sx, sy = np.array(rows), np.array(labels)
    print(f"sentence rows: {len(sy)} ({int(sy.sum())} positive)")
    held = cross_validate(sx, sy, groups)
    print(
        "  cross-validated unit ranking:",
        {k: round(v, 3) for k, v in ranking_quality(held, sy, groups).items()},
    )
    bias, weights = fit(sx, sy)

    # --- floor and word budget: best recall minus off-point quotes on dev (the evaluation's
    # definitions), the median answer within the target length
    best = None
    for floor, budget in itertools.product(np.arange(0.05, 0.8, 0.05), (60, 75, 90, 105)):
        sentence = to_scorer(bias, weights, SENTENCE_FEATURES, float(floor))
        trial = ExtractiveAnswerer(
            settings.model_copy(update={"answer_max_words": budget}), sentence
        )
        recalls, off, total, words = [], 0, 0, []
        for item, units, vectors in scored:
            for unit in units:
                unit.probabilities = [sentence.probability(f) for f in unit.features]
            chosen = trial.select(units, vectors)
            texts = [u.text for u in chosen]
            recalls.append(
                sum(
                    any(matcher.score(f, t, item.question).found for t in texts)
                    for f in item.expected_facts
                )
                / len(item.expected_facts)
            )
            off += sum(not on_point[(item.id, t)] for t in texts)
            total += len(texts)
            words.append(sum(len(t.split()) for t in texts))
        recall, irrelevance = float(np.mean(recalls)), off / max(1, total)
        median = statistics.median(words)
        utility = recall - 0.5 * irrelevance
        print(
            f"  floor {floor:.2f} budget {budget}: recall {recall:.3f} "
            f"irrelevance {irrelevance:.3f} median words {median:.0f}"
        )
        if median <= TARGET_MEDIAN_WORDS and (best is None or utility > best[0]):
            best = (utility, float(floor), budget)
    floor, budget = (best[1], best[2]) if best else (0.5, settings.answer_max_words)
    sentence = to_scorer(bias, weights, SENTENCE_FEATURES, round(floor, 2))
    print("  fitted:", round(bias, 3), {k: round(v, 3) for k, v in sentence.weights.items()})
    print(f"  floor {sentence.floor}, word budget {budget} (set SPO_ANSWER_MAX_WORDS to match)")
    if args.write:
        write(passage, sentence, len(dev), len(paragraphs))
    calibrate_scope(assistant, retriever, args.questions)
    return 0


def calibrate_scope(assistant: Assistant, retriever: Retriever, questions: Path) -> None:
    """The scope margin, its least similarity and the refusal threshold, printed for
    scope.yaml and settings: the grid point that declines most must-decline dev items
    while declining at most 2% of answerable ones."""
    items = [i for i in load_gold(questions) if i.split == "dev" and "follow_up" not in i.tags]
    scope, doc = assistant.scope, assistant.settings.scope_doc_id
    rows = []
    for item in items:
        checked = check_question(item.question, 2000)
        fixed = checked.refusal or scope.by_words(checked.question, retriever.snapshot)
        retrieval = retriever.retrieve(checked.question)
        best = retrieval.passages[0].chunk if retrieval.passages else None
        note = (
            scope.by_scope_note(best.paragraphs, checked.question)
            if best is not None and best.doc_id == doc
            else None
        )
        in_scope = max(
            (max(p.dense, p.ask) for p in retrieval.passages if p.chunk.doc_id != doc), default=0.0
        )
        meaning = scope.by_meaning(retrieval.vector, in_scope)
        rows.append((item, bool(fixed or note), meaning.similarity, in_scope, retrieval.top_dense))
    declines = [r for r in rows if not r[0].answerable]
    answers = [r for r in rows if r[0].answerable]
    best_point = None
    for margin, least, threshold in itertools.product(
        np.arange(-0.05, 0.21, 0.01), np.arange(0.4, 0.76, 0.05), np.arange(0.25, 0.61, 0.01)
    ):
        point = (float(margin), float(least), float(threshold))
        caught = sum(_declined(r, *point) for r in declines) / max(1, len(declines))
        wrong = sum(_declined(r, *point) for r in answers) / max(1, len(answers))
        # Among equal points, the lowest least similarity: examples then still decline the
        # paraphrases of an intent that no pattern foresaw.
        key = (wrong <= 0.02, caught, -wrong, -least, -abs(margin - 0.06))
        if best_point is None or key > best_point[0]:
            best_point = (key, margin, least, threshold, caught, wrong)
    assert best_point is not None
    _, margin, least, threshold, caught, wrong = best_point
    print(
        f"scope on dev: margin {margin:.2f}, least_similarity {least:.2f}, refusal_threshold "
        f"{threshold:.2f} -> declines {caught:.3f} of must-decline items, {wrong:.3f} of answerable"
    )


def _declined(
    row: tuple[GoldItem, bool, float, float, float], margin: float, least: float, threshold: float
) -> bool:
    _, fixed, similarity, in_scope, top = row
    by_meaning = similarity >= least and similarity - in_scope >= margin
    return fixed or by_meaning or top < threshold


def write(passage: Scorer, sentence: Scorer, n: int, labelled: int) -> None:
    def block(name: str, scorer: Scorer, floor: bool) -> list[str]:
        lines = [f"{name}:", f"  bias: {scorer.bias:.4f}", "  weights:"]
        lines += [f"    {k}: {v:.4f}" for k, v in scorer.weights.items()]
        if floor:
            lines.append(f"  floor: {scorer.floor:.2f}")
        return lines

    header = [
        "# Weights of the two logistic scorers (assistant/policy/__init__.py, Scorer): the",
        "# retriever's, over a paragraph's features, and the extractive answerer's, over a quotable",
        "# sentence's.  Written by scripts/fit_weights.py from the gold set's dev split",
        f"# ({n} questions) and, for the passages, {labelled} dev paragraph questions",
        f"# ({dt.date.today().isoformat()}); refit rather than edit by hand.",
    ]
    text = "\n".join(
        [*header, *block("passage", passage, False), *block("sentence", sentence, True)]
    )
    (POLICY_DIR / "weights.yaml").write_text(text + "\n", encoding="utf-8")
    print("wrote", POLICY_DIR / "weights.yaml")


if __name__ == "__main__":
    raise SystemExit(main())
