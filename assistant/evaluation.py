"""Evaluate the assistant on the gold set: retrieval, facts, directness, length, refusals.

Every item goes through the same :class:`~assistant.answering.Assistant` the app uses; a
``follow_up`` item is asked with the previous item's question as history.  Metrics are
reported for the whole set and for each split (``dev``, tuned on; ``test``, only reported),
and are defined in ``assistant/policy/metrics.yaml`` and ``eval/README.md``.
"""

from __future__ import annotations

import hashlib
import math
import re
import statistics
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .answering import Assistant
from .gold import (
    SPLITS,
    GoldItem,
    append_gold_item,
    load_gold,
    next_item_id,
    stale_between,
    stale_from_report,
    stale_gold_items,
)
from .matching import FactMatcher, covers
from .policy import metrics as metric_definitions
from .schema import Answer, Chunk
from .settings import Settings
from .text import split_sentences

HEADLINE = tuple(metric_definitions())
LOWER_IS_BETTER = frozenset(k for k, m in metric_definitions().items() if m.better == "lower")
PASSAGES_FOR_COVERAGE = 3  # "the top 3 passages hold the facts": what an officer reads first
_MARKER = re.compile(r"\s*\[\d+\]")


@dataclass
class ItemResult:
    id: str
    split: str
    question: str
    answerable: bool
    refused: bool
    refusal_reason: str | None
    refusal_kind: str  # expected kind for answerable: false items
    answer: str
    hit_at_1: float | None  # None: no expected sections
    hit_at_5: float | None
    reciprocal_rank: float | None
    first_hit_rank: int | None
    retrieved: list[str]  # "doc_id para" of each retrieved passage, best first
    facts_found: list[dict[str, Any]]
    facts_missing: list[dict[str, Any]]
    fact_recall: float | None  # None: no expected facts
    passage_fact_coverage: float | None  # facts stated by the top passages, whatever was quoted
    direct: float | None  # 1.0 when the first sentence states an expected fact
    sentences_irrelevant: int
    words: int
    wrapper_handled: float | None  # wrapped items: answered without echoing the wrapper
    sentences_supported: int
    sentences_total: int
    citations: list[dict[str, str]]
    latency_ms: float

    @property
    def citation_precision(self) -> float | None:
        return self.sentences_supported / self.sentences_total if self.sentences_total else None

    @property
    def refusal_correct(self) -> bool:
        return self.refused != self.answerable

    def scores(self) -> dict[str, float | None]:
        return {
            "hit_at_5": self.hit_at_5,
            "reciprocal_rank": self.reciprocal_rank,
            "fact_recall": self.fact_recall,
            "passage_fact_coverage": self.passage_fact_coverage,
            "direct": self.direct,
            "citation_precision": self.citation_precision,
            "refusal_correct": float(self.refusal_correct),
        }


def _hits(chunk: Chunk, expected: list[tuple[str, str]]) -> bool:
    return any(chunk.doc_id == d and covers(chunk.paragraphs, p) for d, p in expected)


def answer_words(text: str) -> int:
    """Words an officer reads: the answer without its [n] markers and list bullets."""
    return len(_MARKER.sub("", text).replace("\n- ", "\n").split())


def evaluate_item(
    assistant: Assistant, matcher: FactMatcher, item: GoldItem, history: list[str]
) -> ItemResult:
    answer: Answer = assistant.ask(item.question, history)
    by_id = assistant.retriever().snapshot.by_id
    # The passages this very answer was built from, not a second search.
    passages = [by_id[c] for c in answer.retrieved if c in by_id]
    has_sections = bool(item.expected_sections)
    first = next((i + 1 for i, c in enumerate(passages) if _hits(c, item.expected_sections)), None)
    sentences = [] if answer.refused else [s.text for s in answer.sentences]
    found: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    stating: set[str] = set()  # answer sentences that state some expected fact
    for fact in item.expected_facts:
        match = matcher.match(fact, sentences, item.question)
        record = {
            "fact": fact,
            "sentence": match.sentence,
            "cosine": round(match.cosine, 3),
            "overlap": round(match.overlap, 2),
            "missing_terms": list(match.missing_terms),
        }
        (found if match.found else missing).append(record)
        stating.update(s for s in sentences if matcher.score(fact, s, item.question).found)
    top_sentences = [s for c in passages[:PASSAGES_FOR_COVERAGE] for s in split_sentences(c.text)]
    covered = sum(matcher.match(f, top_sentences, item.question).found for f in item.expected_facts)
    quotes = {c.marker: c.quote for c in answer.citations}
    cited_chunk = {c.marker: by_id.get(c.chunk_id) for c in answer.citations}
    supported = total = irrelevant = 0
    if not answer.refused:
        for sentence in answer.sentences:
            total += 1
            cited = [quotes[m] for m in sentence.citations if m in quotes]
            supported += any(matcher.supported(sentence.text, q) for q in cited)
            in_expected = any(
                (chunk := cited_chunk.get(m)) is not None and _hits(chunk, item.expected_sections)
                for m in sentence.citations
            )
            irrelevant += sentence.text not in stating and not in_expected
    scored = item.answerable and bool(item.expected_facts) and not answer.refused
    wrapped = "wrapped" in item.tags
    echoed = any(e.lower() in answer.text.lower() for e in item.must_not_echo)
    return ItemResult(
        id=item.id,
        split=item.split,
        question=item.question,
        answerable=item.answerable,
        refused=answer.refused,
        refusal_reason=answer.refusal_reason,
        refusal_kind=item.refusal_kind,
        answer=answer.text,
        hit_at_1=float(first == 1) if has_sections else None,
        hit_at_5=float(first is not None and first <= 5) if has_sections else None,
        reciprocal_rank=(1.0 / first if first else 0.0) if has_sections else None,
        first_hit_rank=first,
        retrieved=[f"{c.doc_id} {c.para_label}" for c in passages],
        facts_found=found,
        facts_missing=missing,
        fact_recall=len(found) / len(item.expected_facts) if item.expected_facts else None,
        passage_fact_coverage=(
            covered / len(item.expected_facts) if item.expected_facts and item.answerable else None
        ),
        direct=float(bool(sentences) and sentences[0] in stating) if scored else None,
        sentences_irrelevant=irrelevant if scored else 0,
        words=0 if answer.refused else answer_words(answer.text),
        wrapper_handled=float(not answer.refused and not echoed) if wrapped else None,
        sentences_supported=supported,
        sentences_total=total,
        citations=[
            {
                "marker": str(c.marker),
                "doc_id": c.doc_id,
                "paragraphs": c.paragraphs,
                "quote": c.quote,
            }
            for c in answer.citations
        ],
        latency_ms=float(answer.timings.get("total_ms", 0.0)),
    )


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 4) if present else None


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summarise(results: list[ItemResult]) -> dict[str, float | None]:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    supported = sum(r.sentences_supported for r in results)
    sentences = sum(r.sentences_total for r in results)
    scored = [r for r in answerable if r.direct is not None]
    quoted = sum(r.sentences_total for r in scored)
    latencies = [r.latency_ms for r in results]
    words = [r.words for r in results if not r.refused]
    return {
        "hit_at_1": _mean(r.hit_at_1 for r in results),
        "hit_at_5": _mean(r.hit_at_5 for r in results),
        "mrr": _mean(r.reciprocal_rank for r in results),
        "passage_fact_coverage": _mean(r.passage_fact_coverage for r in answerable),
        "fact_recall": _mean(r.fact_recall for r in answerable),
        "directness": _mean(r.direct for r in scored),
        "irrelevance": round(sum(r.sentences_irrelevant for r in scored) / quoted, 4)
        if quoted
        else None,
        "median_words": float(statistics.median(words)) if words else None,
        "citation_precision": round(supported / sentences, 4) if sentences else None,
        "refusal_accuracy": _mean(float(r.refused) for r in unanswerable),
        "false_refusal_rate": _mean(float(r.refused) for r in answerable),
        "wrapper_handled": _mean(r.wrapper_handled for r in results),
        "latency_p50_ms": round(percentile(latencies, 50), 1),
        "latency_p95_ms": round(percentile(latencies, 95), 1),
    }


Progress = Callable[[int, int, str], None]  # (done, total, item id)


def run_evaluation(
    settings: Settings,
    questions: Path,
    assistant: Assistant | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run every gold item; returns the report (see ``eval/README.md`` for its fields)."""
    items = load_gold(questions)
    assistant = assistant or Assistant(settings)
    matcher = FactMatcher(assistant.embedder)
    results: list[ItemResult] = []
    previous: str | None = None
    for done, item in enumerate(items):
        history = [previous] if "follow_up" in item.tags and previous else []
        results.append(evaluate_item(assistant, matcher, item, history))
        previous = item.question
        if progress:
            progress(done + 1, len(items), item.id)
    return {
        "questions_file": str(questions),
        # The gold set's fingerprint, so charts across runs can mark where it changed.
        "gold_sha256": hashlib.sha256(questions.read_bytes()).hexdigest(),
        "corpus_version": assistant.retriever().snapshot.version,
        "items_total": len(items),
        "metrics": summarise(results),
        "splits": {
            split: summarise(part)
            for split in SPLITS
            if (part := [r for r in results if r.split == split])
        },
        "split_sizes": {split: sum(r.split == split for r in results) for split in SPLITS},
        "items": [
            {
                **asdict(r),
                "citation_precision": r.citation_precision,
                "refusal_correct": r.refusal_correct,
            }
            for r in results
        ],
        "stale_items": [list(s) for s in stale_gold_items(settings, questions, items)],
    }


__all__ = [
    "HEADLINE",
    "LOWER_IS_BETTER",
    "GoldItem",
    "ItemResult",
    "append_gold_item",
    "evaluate_item",
    "load_gold",
    "next_item_id",
    "percentile",
    "run_evaluation",
    "stale_between",
    "stale_from_report",
    "stale_gold_items",
    "summarise",
]
