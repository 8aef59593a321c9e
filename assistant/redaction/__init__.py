"""Personal details in a question: found and replaced by placeholders before anything keeps it.

Officers paste case details however often they are told not to; the redacted text is the
only form of a question that retrieval, answers, feedback and logs ever see.  Detection is
Microsoft Presidio with the spaCy NER model, UK recognisers and name word lists, all driven by
the data files in ``data/`` (what is a detail, its placeholder, what must never be touched).
The model loads on first use, or early through :func:`warm_up`.

``redact(text) -> (redacted text, kind labels)`` is what callers need; :func:`find` gives the
spans, for the labelled-set report and tests.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import QuestionError
from .finding import Finding
from .policy import RedactionPolicy, policy

if TYPE_CHECKING:
    from .engine import Engine

_build_lock = threading.Lock()
_built: list[Engine] = []
# Texts redaction has produced, so that a conversation's earlier questions, which come back
# already redacted with every new turn, are not run through the model again.  Only the
# redacted form is remembered: the same text the conversation itself keeps.
_OUTPUTS_KEPT = 1024
_outputs: OrderedDict[str, None] = OrderedDict()
_outputs_lock = threading.Lock()


@dataclass(frozen=True)
class Redaction:
    text: str  # the input with every finding replaced by its placeholder
    kinds: list[str] = field(default_factory=list)  # labels, in order of first appearance
    findings: list[Finding] = field(default_factory=list)  # spans in the input text


def _engine() -> Engine:
    if not _built:
        with _build_lock:  # two first questions at once build one engine, not two
            if not _built:
                # Presidio and spaCy are imported here, not with the package, so code that
                # only stores or purges redacted text (the purge command) starts quickly.
                from .engine import Engine

                _built.append(Engine(policy()))
    return _built[0]


def warm_up() -> None:
    """Load the model now, so the first question does not wait for it."""
    _engine()


def find(text: str) -> list[Finding]:
    """The personal details in text, in order, none overlapping."""
    if not isinstance(text, str):
        raise QuestionError(f"redaction needs text, not {type(text).__name__}")
    if not text.strip():
        return []
    return _engine().find(text)


def redact_text(text: str) -> Redaction:
    if isinstance(text, str) and _seen(text):
        return Redaction(text)
    findings = find(text)
    if not findings:
        _remember(text)
        return Redaction(text)
    engine = _engine()
    labels: list[str] = []
    for finding in findings:
        label = engine.policy.kinds[finding.kind].label
        if label not in labels:
            labels.append(label)
    redacted = engine.replace(text, findings)
    _remember(redacted)
    return Redaction(redacted, labels, findings)


def _seen(text: str) -> bool:
    with _outputs_lock:
        if text in _outputs:
            _outputs.move_to_end(text)
            return True
        return False


def _remember(text: str) -> None:
    with _outputs_lock:
        _outputs[text] = None
        _outputs.move_to_end(text)
        while len(_outputs) > _OUTPUTS_KEPT:
            _outputs.popitem(last=False)


def forget() -> None:
    """Drop the remembered outputs, so the next call of every text runs the model (bench)."""
    with _outputs_lock:
        _outputs.clear()


def without_placeholders(text: str) -> str:
    """The redacted text with its placeholders taken out, for searching.

    "[name removed]" and "[address removed]" say nothing about what is asked, but their
    words ("name", "address") pulled the search towards notifying a name and address, and
    towards the paragraph telling officers not to type personal details."""
    return " ".join(policy().placeholders.sub(" ", text).split())


def redact(text: str) -> tuple[str, list[str]]:
    """Replace personal details with placeholders; return the text and the kinds found."""
    result = redact_text(text)
    return result.text, result.kinds


__all__ = [
    "Finding",
    "Redaction",
    "RedactionPolicy",
    "find",
    "forget",
    "redact",
    "redact_text",
    "warm_up",
    "without_placeholders",
]
