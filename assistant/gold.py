"""The gold question set: its file format, and which items a corpus change leaves stale.

Items are split into ``dev``, which retrieval and answering are tuned on, and ``test``, which
is only reported: a change that helps dev but not test is not an improvement.  The format is
described in ``eval/README.md``; a malformed line stops a run with one line naming file:line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import EvaluationError
from .schema import Chunk
from .settings import Settings
from .store import load_chunks, read_pointer, versions_dir

SPLITS = ("dev", "test")


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
    split: str = "dev"  # "dev" (tuned on) or "test" (only reported)
    must_not_echo: list[str] = field(
        default_factory=list
    )  # wrapper text the answer must not repeat
    refusal_kind: str = ""  # for answerable: false, the kind of request it is


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
    split = data.get("split", "dev")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    echo = data.get("must_not_echo", [])
    if not isinstance(echo, list) or not all(isinstance(e, str) and e.strip() for e in echo):
        raise ValueError("must_not_echo must be a list of non-empty strings")
    refusal_kind = str(data.get("refusal_kind", ""))
    if refusal_kind and answerable:
        raise ValueError("refusal_kind is only for items with answerable: false")
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
        split=split,
        must_not_echo=echo,
        refusal_kind=refusal_kind,
    )


def append_gold_item(path: Path, item: dict[str, Any]) -> None:
    """Append one item (validated first) as a JSON line; new items go to the dev split."""
    item = {**item, "split": item.get("split", "dev")}
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
