"""The labelled personal-detail set (``eval/pii/``): reading it and scoring redaction on it.

A question is one line with ``{{kind|text}}`` around each planted detail; a line without
one is a clean question, which must come out of redaction unchanged.  A detail counts as
caught when every letter and digit of it is gone from the redacted text's place for it,
whatever kind it was reported as: what matters to a data-protection officer is that it is
not kept.  See eval/pii/README.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EvaluationError
from .finding import Finding
from .policy import RedactionPolicy

_MARK = re.compile(r"\{\{([^|{}]+)\|([^{}]+)\}\}")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # an id of kinds.yaml
    text: str


@dataclass(frozen=True)
class LabelledQuestion:
    where: str  # file:line, for reports
    text: str
    spans: tuple[Span, ...]


@dataclass
class Score:
    """Recall per kind and group, and how many clean questions redaction changed."""

    found: dict[str, int] = field(default_factory=dict)  # kind -> details caught
    total: dict[str, int] = field(default_factory=dict)  # kind -> details planted
    clean: int = 0
    clean_changed: int = 0
    missed: list[str] = field(default_factory=list)  # "where: kind 'text'"
    changed: list[str] = field(default_factory=list)  # "where: removed 'text'"

    def recall(self, kinds: list[str]) -> float:
        total = sum(self.total.get(k, 0) for k in kinds)
        return sum(self.found.get(k, 0) for k in kinds) / total if total else 1.0

    @property
    def clean_share(self) -> float:
        return self.clean_changed / self.clean if self.clean else 0.0


def load_labelled(path: Path, policy: RedactionPolicy) -> list[LabelledQuestion]:
    """Read one part of the set; a malformed line is an EvaluationError naming file:line."""
    labels = {k.label.lower(): k.id for k in policy.kinds.values()}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvaluationError(f"{path}: cannot read labelled set ({exc.strerror})") from None
    questions = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{path.name}:{number}"
        text, spans = _parse(line.strip(), labels, where)
        questions.append(LabelledQuestion(where, text, tuple(spans)))
    return questions


def _parse(line: str, labels: dict[str, str], where: str) -> tuple[str, list[Span]]:
    text, spans, last = "", [], 0
    for match in _MARK.finditer(line):
        label, detail = match.group(1).strip().lower(), match.group(2)
        if label not in labels:
            raise EvaluationError(f"{where}: unknown kind {label!r} (use {', '.join(labels)})")
        text += line[last : match.start()]
        spans.append(Span(len(text), len(text) + len(detail), labels[label], detail))
        text += detail
        last = match.end()
    text += line[last:]
    if "{{" in text or "}}" in text:
        raise EvaluationError(f"{where}: malformed mark; write {{{{kind|text}}}}")
    return text, spans


def score(questions: list[LabelledQuestion], find: Callable[[str], list[Finding]]) -> Score:
    result = Score()
    for question in questions:
        findings = find(question.text)
        if not question.spans:
            result.clean += 1
            if findings:
                result.clean_changed += 1
                removed = ", ".join(repr(question.text[f.start : f.end]) for f in findings)
                result.changed.append(f"{question.where}: removed {removed}")
            continue
        for span in question.spans:
            result.total[span.kind] = result.total.get(span.kind, 0) + 1
            if _covered(span, findings, question.text):
                result.found[span.kind] = result.found.get(span.kind, 0) + 1
            else:
                result.missed.append(f"{question.where}: {span.kind} {span.text!r}")
    return result


def _covered(span: Span, findings: list[Finding], text: str) -> bool:
    """Every letter and digit of the span lies inside some finding."""
    return all(
        any(f.start <= i < f.end for f in findings)
        for i in range(span.start, span.end)
        if text[i].isalnum()
    )
