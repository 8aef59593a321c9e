"""Statements that contradict each other across notes: an absolute claim another limits.

Notes written at different times drift: one says every SPO subject must notify, another
that registered sex offenders are exempt, and an answer quoting the first is wrong.  The
check finds that class of contradiction (an absolute "every / all / never" sentence, and a
sentence elsewhere that limits the same point) so a maintainer reads the pair before an
officer is told the wrong one.  Its vocabulary and thresholds are data in
``assistant/policy/consistency.yaml``; ``python -m assistant check-corpus`` runs it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .policy import read_yaml
from .schema import Chunk
from .text import split_sentences, word_tokens

Vectors = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Conflict:
    absolute: Chunk
    claim: str  # the absolute sentence
    limiting: Chunk
    limit: str  # the sentence that limits it
    similarity: float

    @property
    def key(self) -> str:
        return f"{_where(self.absolute)} vs {_where(self.limiting)}"

    def render(self) -> str:
        return f'{self.key} ({self.similarity:.2f}): "{self.claim}" / "{self.limit}"'


def _where(chunk: Chunk) -> str:
    return f"{chunk.doc_id}#{chunk.para_label or chunk.position}"


@dataclass(frozen=True)
class _Rules:
    absolute: re.Pattern[str]
    limiting: re.Pattern[str]
    similarity: float
    shared_terms: int
    common_terms: frozenset[str]
    acknowledged: dict[str, str]


@functools.cache
def _rules() -> _Rules:
    data = read_yaml("consistency.yaml")
    return _Rules(
        re.compile(data["absolute"], re.IGNORECASE),
        re.compile(data["limiting"], re.IGNORECASE),
        float(data["similarity"]),
        int(data["shared_terms"]),
        frozenset(word_tokens(" ".join(str(t) for t in data.get("common_terms") or ()))),
        {str(k): str(v) for k, v in (data.get("acknowledged") or {}).items()},
    )


def find_conflicts(
    chunks: Sequence[Chunk], vectors: Vectors, glossary: str = "glossary"
) -> list[Conflict]:
    """Absolute sentences that a sentence in another paragraph limits, closest pairs first."""
    rules = _rules()
    claims: list[tuple[Chunk, str]] = []
    limits: list[tuple[Chunk, str]] = []
    for chunk in chunks:
        if chunk.doc_id == glossary:
            continue
        sentences = split_sentences(chunk.text)
        limited = any(rules.limiting.search(s) for s in sentences)
        for sentence in sentences:
            if rules.limiting.search(sentence):
                limits.append((chunk, sentence))
            elif rules.absolute.search(sentence) and not limited:
                claims.append((chunk, sentence))
    if not claims or not limits:
        return []
    a = vectors([s for _, s in claims])
    b = vectors([s for _, s in limits])
    similarity = a @ b.T
    found: list[Conflict] = []
    for i, (chunk, claim) in enumerate(claims):
        terms = set(word_tokens(claim)) - rules.common_terms
        for j, (other, limit) in enumerate(limits):
            if other.chunk_id == chunk.chunk_id or similarity[i, j] < rules.similarity:
                continue
            if len(terms & set(word_tokens(limit))) < rules.shared_terms:
                continue
            conflict = Conflict(chunk, claim, other, limit, float(similarity[i, j]))
            if conflict.key not in rules.acknowledged:
                found.append(conflict)
    return sorted(found, key=lambda c: -c.similarity)
