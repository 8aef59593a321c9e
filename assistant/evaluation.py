"""Evaluate the assistant on the gold set: retrieval, facts, citations, refusals, latency.

Every item goes through the same :class:`~assistant.answering.Assistant` the app uses (and
its retriever for the retrieval metrics).  A ``follow_up`` item is asked with the previous
item's question as history.  :func:`write_report` saves ``report.json`` and ``report.md`` and
compares them with the previous run; :func:`check` tests the headline metrics against floors.
The metrics and the fact matcher are described in ``eval/README.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .answering import Assistant
from .errors import EvaluationError
from .matching import FactMatcher, covers
from .schema import Answer, Chunk
from .settings import Settings
from .store import load_chunks, read_pointer, versions_dir

HEADLINE = (
    "hit_at_1",
    "hit_at_5",
    "mrr",
    "fact_recall",
    "citation_precision",
    "refusal_accuracy",
    "false_refusal_rate",
    "latency_p50_ms",
    "latency_p95_ms",
)
LOWER_IS_BETTER = frozenset({"false_refusal_rate", "latency_p50_ms", "latency_p95_ms"})


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    expected_facts: list[str]
    answerable: bool
    expected_sections: list[tuple[str, str]]  # (doc_id, para)
    topic: str = ""
    source: str = ""
    tags: list[str] = field(default_factory=list)
    expected_behaviour: str = ""


def load_gold(path: Path) -> list[GoldItem]:
    """Read a gold-set JSONL file; a malformed line raises EvaluationError naming file:line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvaluationError(f"{path}: cannot read gold set ({exc.strerror})") from None
    items: list[GoldItem] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = _parse_item(json.loads(line))
        except json.JSONDecodeError as exc:
            raise EvaluationError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        except (KeyError, TypeError, ValueError) as exc:
            problem = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise EvaluationError(f"{path}:{number}: malformed gold item: {problem}") from None
        if item.id in seen:
            raise EvaluationError(f"{path}:{number}: duplicate item id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    return items


def _parse_item(data: Any) -> GoldItem:
    if not isinstance(data, dict):
        raise TypeError("a gold item must be a JSON object")
    question, facts = data["question"], data.get("expected_facts", [])
    if not isinstance(question, str) or not question.strip():
        raise ValueError("question must be a non-empty string")
    if not isinstance(facts, list) or not all(isinstance(f, str) for f in facts):
        raise ValueError("expected_facts must be a list of strings")
    answerable = data.get("answerable", True)
    if not isinstance(answerable, bool):
        raise ValueError("answerable must be true or false")
    sections = data.get("expected_sections", [])
    if not isinstance(sections, list) or not all(
        isinstance(s, dict) and isinstance(s.get("doc_id"), str) and isinstance(s.get("para"), str)
        for s in sections
    ):
        raise ValueError("expected_sections must be a list of {doc_id, para} strings")
    tags = data.get("tags", [])
    if not isinstance(tags, list):
        raise ValueError("tags must be a list")
    return GoldItem(
        id=str(data["id"]),
        question=question,
        expected_facts=facts,
        answerable=answerable,
        expected_sections=[(s["doc_id"], s["para"]) for s in sections],
        topic=str(data.get("topic", "")),
        source=str(data.get("source", "")),
        tags=[str(t) for t in tags],
        expected_behaviour=str(data.get("expected_behaviour", "")),
    )


def append_gold_item(path: Path, item: dict[str, Any]) -> None:
    """Append one item (validated first) as a JSON line."""
    _parse_item(item)
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    prefix = "" if not text or text.endswith("\n") else "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(prefix + json.dumps(item, ensure_ascii=False) + "\n")


def next_item_id(items: Iterable[GoldItem], prefix: str = "F") -> str:
    numbers = [
        int(i.id[len(prefix) :])
        for i in items
        if i.id[len(prefix) :].isdigit() and i.id.startswith(prefix)
    ]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


@dataclass
class ItemResult:
    id: str
    question: str
    answerable: bool
    refused: bool
    refusal_reason: str | None
    answer: str
    hit_at_1: float | None  # None: no expected sections
    hit_at_5: float | None
    reciprocal_rank: float | None
    first_hit_rank: int | None
    retrieved: list[str]  # "doc_id para" of each retrieved passage, best first
    facts_found: list[dict[str, Any]]
    facts_missing: list[dict[str, Any]]
    fact_recall: float | None  # None: no expected facts
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
            "citation_precision": self.citation_precision,
            "refusal_correct": float(self.refusal_correct),
        }


def _hits(chunk: Chunk, expected: list[tuple[str, str]]) -> bool:
    return any(chunk.doc_id == d and covers(chunk.paragraphs, p) for d, p in expected)


def evaluate_item(
    assistant: Assistant, matcher: FactMatcher, item: GoldItem, history: list[str]
) -> ItemResult:
    answer: Answer = assistant.ask(item.question, history)
    first: int | None = None
    retrieved: list[str] = []
    if item.expected_sections:
        # The passages this very answer was built from, not a second search.
        by_id = assistant.retriever().snapshot.by_id
        passages = [by_id[c] for c in answer.retrieved if c in by_id]
        retrieved = [f"{c.doc_id} {c.para_label}" for c in passages]
        first = next(
            (i + 1 for i, c in enumerate(passages) if _hits(c, item.expected_sections)), None
        )
    has_sections = bool(item.expected_sections)
    sentences = [] if answer.refused else [s.text for s in answer.sentences]
    found: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    for fact in item.expected_facts:
        match = matcher.match(fact, sentences)
        record = {
            "fact": fact,
            "sentence": match.sentence,
            "cosine": round(match.cosine, 3),
            "overlap": round(match.overlap, 2),
            "missing_terms": list(match.missing_terms),
        }
        (found if match.found else missing).append(record)
    quotes = {c.marker: c.quote for c in answer.citations}
    supported = total = 0
    if not answer.refused:
        for sentence in answer.sentences:
            total += 1
            cited = [quotes[m] for m in sentence.citations if m in quotes]
            supported += any(matcher.supported(sentence.text, q) for q in cited)
    return ItemResult(
        id=item.id,
        question=item.question,
        answerable=item.answerable,
        refused=answer.refused,
        refusal_reason=answer.refusal_reason,
        answer=answer.text,
        hit_at_1=float(first == 1) if has_sections else None,
        hit_at_5=float(first is not None and first <= 5) if has_sections else None,
        reciprocal_rank=(1.0 / first if first else 0.0) if has_sections else None,
        first_hit_rank=first,
        retrieved=retrieved,
        facts_found=found,
        facts_missing=missing,
        fact_recall=len(found) / len(item.expected_facts) if item.expected_facts else None,
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
    latencies = [r.latency_ms for r in results]
    return {
        "hit_at_1": _mean(r.hit_at_1 for r in results),
        "hit_at_5": _mean(r.hit_at_5 for r in results),
        "mrr": _mean(r.reciprocal_rank for r in results),
        "fact_recall": _mean(r.fact_recall for r in answerable),
        "citation_precision": round(supported / sentences, 4) if sentences else None,
        "refusal_accuracy": _mean(float(r.refused) for r in unanswerable),
        "false_refusal_rate": _mean(float(r.refused) for r in answerable),
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


# --- gold items that follow the corpus -------------------------------------------------------

StaleItem = tuple[str, str, str, str]  # (item id, doc_id, para, reason)


def _para_hashes(chunks: Iterable[Chunk]) -> dict[tuple[str, str], set[str]]:
    table: dict[tuple[str, str], set[str]] = {}
    for chunk in chunks:
        for para in chunk.paragraphs:
            table.setdefault((chunk.doc_id, para), set()).add(chunk.content_hash)
    return table


def stale_between(
    items: Iterable[GoldItem], before: Iterable[Chunk], after: Iterable[Chunk]
) -> list[StaleItem]:
    """Items whose expected paragraphs changed, were removed or never existed."""
    old, new = _para_hashes(before), _para_hashes(after)
    stale: list[StaleItem] = []
    for item in items:
        for doc_id, para in item.expected_sections:
            key = (doc_id, para)
            if key not in new:
                reason = "removed" if key in old else "not in corpus"
            elif key in old and old[key] != new[key]:
                reason = "changed"
            else:
                continue
            stale.append((item.id, doc_id, para, reason))
    return stale


def stale_from_report(
    items: Iterable[GoldItem], report: Any, chunks: Iterable[Chunk]
) -> list[StaleItem]:
    """The same from an ingest report: ``changes`` with status and ``changed_sections``."""
    section_of = {(c.doc_id, p): c.section or "(no heading)" for c in chunks for p in c.paragraphs}
    changes = {c.doc_id: c for c in getattr(report, "changes", [])}
    stale: list[StaleItem] = []
    for item in items:
        for doc_id, para in item.expected_sections:
            change = changes.get(doc_id)
            if change is None:
                continue
            if change.status == "removed":
                stale.append((item.id, doc_id, para, "removed"))
            elif change.status == "changed":
                section = section_of.get((doc_id, para))
                if section is None:
                    stale.append((item.id, doc_id, para, "removed"))
                elif section in change.changed_sections:
                    stale.append((item.id, doc_id, para, f"changed ({section})"))
    return stale


def stale_gold_items(
    settings: Settings, questions_path: Path, items: list[GoldItem] | None = None
) -> list[StaleItem]:
    """Gold items to review after the live version replaced the ``previous`` one."""
    pointer = read_pointer(settings)
    if pointer is None:
        return []
    items = items if items is not None else load_gold(questions_path)
    live = load_chunks(versions_dir(settings) / str(pointer["version"]))
    previous = pointer.get("previous")
    folder = versions_dir(settings) / str(previous) if previous else None
    if folder is None or not (folder / "chunks.jsonl").exists():
        before = live  # no previous version kept: only report paragraphs that do not exist
    else:
        before = load_chunks(folder)
    return stale_between(items, before, live)


__all__ = [
    "HEADLINE",
    "GoldItem",
    "ItemResult",
    "load_gold",
    "run_evaluation",
    "stale_gold_items",
    "summarise",
]
