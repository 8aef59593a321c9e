"""What the assistant declines, decided by patterns and by meaning, and what it says instead.

A question is out of scope when it names a kind of request the notes do not answer
(another order's procedure, drafting for a case, predicting a court...).  Keywords alone
either miss paraphrases or refuse good questions that share a word ("Scotland" in "does
the order still apply if he moves to Scotland?"), so each intent in
``assistant/policy/scope.yaml`` has patterns, exceptions to them, and example questions;
a question is declined by meaning only when it is closer to an intent's examples than to
anything the notes answer, by a calibrated margin.  Every refusal says which kind of
request it is and where to go instead.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .embedding import Embedder
from .policy import read_yaml, whole_words
from .text import Vocabulary, asking_sentences

if TYPE_CHECKING:
    from .store import IndexSnapshot

FIXED_REASONS = ("empty", "injection", "not_found")


@dataclass(frozen=True)
class Intent:
    key: str
    label: str
    message: str
    where: str
    patterns: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    examples: tuple[str, ...]
    cites: tuple[str, ...]  # paragraphs of the scope note that say why it is declined
    asked_only: bool = False  # patterns read only the sentences that ask, not the story

    def matches(self, question: str) -> bool:
        text = self._read(question)
        return any(p.search(text) for p in self.patterns) and not self._excepts(text)

    def excepted(self, question: str) -> bool:
        """Its ``unless`` says the question is not this kind of request, however it reads."""
        return self._excepts(self._read(question))

    def _excepts(self, text: str) -> bool:
        return any(u.search(text) for u in self.unless)

    def _read(self, question: str) -> str:
        asked = " ".join(asking_sentences(question, any_case=True)) if self.asked_only else ""
        return asked or question


@dataclass(frozen=True)
class Unfamiliar:
    """When a question's own words say it is about something else (``scope.yaml``)."""

    intent: str  # the kind of request it is declined as
    share: float  # least share of its words the notes never use
    least_words: int  # questions shorter than this are left to the other checks
    least_fuzzy: int  # words at least this long also count as used when one typo away
    anchored_share: float  # the share needed when the question names the subject itself
    anchors: re.Pattern[str]  # words that name it: SPO, stalking, breach ...


@dataclass(frozen=True)
class Decision:
    reason: str | None  # an intent key, or None: in scope
    closest: str = ""  # the intent whose examples are closest in meaning
    similarity: float = 0.0  # cosine to that intent's closest example
    in_scope: float = 0.0  # cosine to the closest passage or question the notes answer


def _text(value: object) -> str:
    return " ".join(str(value).split())


def load_intents(data: dict[str, object] | None = None) -> dict[str, Intent]:
    """The intents of ``scope.yaml``, compiled; needs no model, so tests read them as shipped."""
    data = data if data is not None else read_yaml("scope.yaml")
    flags = re.IGNORECASE | re.DOTALL
    raw = dict(data["intents"])  # type: ignore[call-overload]
    return {
        key: Intent(
            key,
            _text(entry["label"]),
            _text(entry["message"]),
            _text(entry["where"]),
            tuple(re.compile(p, flags) for p in entry.get("patterns") or ()),
            tuple(re.compile(p, flags) for p in entry.get("unless") or ()),
            tuple(_text(e) for e in entry.get("examples") or ()),
            tuple(str(c) for c in entry.get("cites") or ()),
            bool(entry.get("asked_only", False)),
        )
        for key, entry in raw.items()
    }


def by_pattern(intents: dict[str, Intent], question: str) -> str | None:
    """The first intent whose patterns match and whose exceptions do not."""
    return next((k for k, i in intents.items() if i.matches(question)), None)


class ScopePolicy:
    """The intents, their example vectors and the refusal texts, loaded once per assistant."""

    def __init__(self, embedder: Embedder, data: dict[str, object] | None = None) -> None:
        data = data if data is not None else read_yaml("scope.yaml")
        self.intents = load_intents(data)
        clash = set(self.intents) & set(FIXED_REASONS)
        if clash:
            raise ValueError(f"scope.yaml: intents may not be named {sorted(clash)}")
        self.margin = float(data["margin"])  # type: ignore[arg-type]
        self.least = float(data["least_similarity"])  # type: ignore[arg-type]
        self.where_else = _text(data["where_else"])
        self.messages = {k: _text(v) for k, v in dict(data["messages"]).items()}  # type: ignore[call-overload]
        raw = dict(data["unfamiliar"])  # type: ignore[call-overload]
        self.unfamiliar = Unfamiliar(
            str(raw["intent"]),
            float(raw["share"]),
            int(raw["least_words"]),
            int(raw["least_fuzzy"]),
            float(raw["anchored_share"]),
            whole_words([str(a) for a in raw["anchors"]]),
        )
        if self.unfamiliar.intent not in self.intents:
            raise ValueError(
                f"scope.yaml: unfamiliar.intent {self.unfamiliar.intent!r} is no intent"
            )
        self._vocabulary: tuple[str, Vocabulary] | None = None  # (index version, its words)
        self._lock = threading.Lock()
        self._owners = [k for k, i in self.intents.items() for _ in i.examples]
        examples = [e for i in self.intents.values() for e in i.examples]
        self._vectors = embedder.embed_cached(examples) if examples else np.zeros((0, 1))

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every refusal reason an answer can carry."""
        return (*FIXED_REASONS, *self.intents)

    def by_pattern(self, question: str) -> str | None:
        """The first intent whose patterns match and whose exceptions do not."""
        return by_pattern(self.intents, question)

    def by_words(self, question: str, snapshot: IndexSnapshot) -> str | None:
        """What the question's own words decline, before any search: an intent's patterns,
        then words the notes never use."""
        return self.by_pattern(question) or self.by_vocabulary(question, snapshot)

    def by_vocabulary(self, question: str, snapshot: IndexSnapshot) -> str | None:
        """Declined when most of its words are ones the notes never use ("how do I seize a
        car for no insurance?"): no passage can answer it, however close its best match.
        A typo of a word the notes use counts as used, and placeholders do not count."""
        rule = self.unfamiliar
        unknown, words = self.vocabulary(snapshot).unfamiliar(question)
        share = rule.anchored_share if rule.anchors.search(question) else rule.share
        if words >= rule.least_words and unknown >= share * words:
            return rule.intent
        return None

    def vocabulary(self, snapshot: IndexSnapshot) -> Vocabulary:
        """The words of the version's paragraphs and of the questions written beside them."""
        with self._lock:
            if self._vocabulary is None or self._vocabulary[0] != snapshot.version:
                texts = [t for c in snapshot.chunks for t in (c.embed_text, *c.asks)]
                self._vocabulary = (
                    snapshot.version,
                    Vocabulary(texts, self.unfamiliar.least_fuzzy),
                )
            return self._vocabulary[1]

    def by_scope_note(self, paragraphs: tuple[str, ...], question: str) -> str | None:
        """The intent whose scope-note paragraph is the question's best passage, if any and
        unless the intent excepts the question ("does the Act cover Northern Ireland?" is
        answered from the paragraph that declines Northern Irish law)."""
        return next(
            (
                k
                for k, i in self.intents.items()
                if set(i.cites) & set(paragraphs) and not i.excepted(question)
            ),
            None,
        )

    def by_meaning(self, vector: np.ndarray, in_scope: float) -> Decision:
        """Decline when an intent's examples are clearly closer than the notes are."""
        if not len(self._owners):
            return Decision(None, in_scope=in_scope)
        similarities = self._vectors @ vector
        best = int(np.argmax(similarities))
        closest, similarity = self._owners[best], float(similarities[best])
        declined = similarity >= self.least and similarity - in_scope >= self.margin
        return Decision(closest if declined else None, closest, similarity, in_scope)

    def refusal_text(self, reason: str) -> str:
        """What the officer reads: the kind of request, and where to go instead."""
        if reason in self.intents:
            intent = self.intents[reason]
            return f"{intent.message} {intent.where}"
        if reason == "not_found":
            return f"{self.messages['not_found']} {self.where_else}"
        return self.messages[reason]
