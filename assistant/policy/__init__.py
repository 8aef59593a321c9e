"""Policy and domain knowledge kept as data: the vocabularies and texts the code obeys.

Each YAML file beside this module is read once, validated, and returned as a typed object,
so a maintainer changes what the assistant says or recognises by editing data, and a
malformed file fails at start-up with one line naming the file and the problem.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import SettingsError
from ..schema import ParagraphNotes

POLICY_DIR = Path(__file__).resolve().parent


def read_yaml(name: str) -> dict[str, Any]:
    """One policy file as a mapping; a missing or malformed file is a one-line error."""
    path = POLICY_DIR / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SettingsError(f"policy file {path.name}: cannot be read ({exc})") from exc
    if not isinstance(data, dict):
        raise SettingsError(f"policy file {path.name}: must be a mapping of fields")
    return data


@dataclass(frozen=True)
class Audience:
    key: str
    label: str
    description: str


_WORD_SPAN = re.compile(r"[\w'’-]+")


@dataclass(frozen=True)
class ParagraphVocabulary:
    """The kinds and audiences a paragraph annotation may name (``paragraphs.yaml``)."""

    kinds: dict[str, str]
    asked_for: dict[str, tuple[str, ...]]  # kind -> words that ask for it
    audiences: dict[str, Audience]
    asking: dict[str, re.Pattern[str]]  # kind -> its words as one pattern, compiled at load
    term_near: int  # most words between a term and the words asking what it is
    meaning: tuple[str, ...]  # patterns, with {term}, that ask what a term means

    def asks_what(self, term: str, question: str) -> bool:
        """Whether the question asks what ``term`` is: a word asking for a definition no
        more than ``term_near`` words from it ("what's SASH", "SRP and SAM, what are
        those"), not anywhere ("s-dash came back high, does that mean we get an SPO?")."""
        lowered = question.lower()
        spans = list(_WORD_SPAN.finditer(lowered))
        words = [m.group(0) for m in spans]
        named = _WORD_SPAN.findall(term.lower())  # "SPA 2019" is two words
        at = [i for i in range(len(words)) if words[i : i + len(named)] == named]
        starts = [m.start() for m in spans]
        return any(
            abs(i - bisect.bisect_left(starts, match.start())) <= self.term_near
            for match in self.asking["definition"].finditer(lowered)
            for i in at
        )

    def asks_meaning(self, term: str, question: str) -> bool:
        """Whether the question asks what ``term`` means, in so many words: "what do AP and
        OIC mean", "whats SASH, someone mentioned it"; not "whats the max for an SPO"."""
        return any(
            re.search(pattern.replace("{term}", re.escape(term.lower())), question.lower())
            for pattern in self.meaning
        )

    def asked_kinds(self, question: str) -> set[str]:
        """Kinds quoted only on request (definitions, case reports, background) that this
        question asks for."""
        lowered = question.lower()
        return {kind for kind, asking in self.asking.items() if asking.search(lowered)}


@functools.cache
def paragraph_vocabulary() -> ParagraphVocabulary:
    data = read_yaml("paragraphs.yaml")
    kinds = {str(k): str(v) for k, v in data["kinds"].items()}
    asked_for = {str(k): tuple(str(w) for w in v) for k, v in data["asked_for"].items()}
    unknown = set(asked_for) - set(kinds)
    if unknown:
        raise SettingsError(
            f"policy file paragraphs.yaml: asked_for names unknown kinds {sorted(unknown)}"
        )
    audiences = {
        str(k): Audience(str(k), str(v["label"]), str(v["description"]))
        for k, v in data["audiences"].items()
    }
    asking = {
        kind: re.compile("|".join(rf"\b{re.escape(w)}\b" for w in words))
        for kind, words in asked_for.items()
    }
    meaning = tuple(str(p) for p in data["meaning"])
    return ParagraphVocabulary(kinds, asked_for, audiences, asking, int(data["term_near"]), meaning)


NOTE_FIELDS = ("kind", "audience", "asks")


def parse_notes(data: dict[str, Any]) -> ParagraphNotes:
    """Validate one paragraph annotation; a ValueError names the field that is wrong."""
    unknown = sorted(set(data) - set(NOTE_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown annotation field(s) {', '.join(unknown)} (use {', '.join(NOTE_FIELDS)})"
        )
    vocabulary = paragraph_vocabulary()
    kind = str(data.get("kind") or "")
    if kind and kind not in vocabulary.kinds:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(vocabulary.kinds)}")
    audience = data.get("audience") or ()
    if isinstance(audience, str):
        audience = [a.strip() for a in audience.split(",")]
    if not isinstance(audience, list | tuple):
        raise ValueError("audience must be a list of roles")
    roles = tuple(str(a) for a in audience if str(a) != "all")
    wrong = [r for r in roles if r not in vocabulary.audiences]
    if wrong:
        raise ValueError(
            f"audience {wrong[0]!r} is not one of all, {', '.join(vocabulary.audiences)}"
        )
    asks = data.get("asks") or ()
    if isinstance(asks, str):
        asks = [asks]
    if not isinstance(asks, list | tuple) or not all(
        isinstance(a, str) and a.strip() for a in asks
    ):
        raise ValueError("asks must be a list of questions")
    return ParagraphNotes(kind, roles, tuple(" ".join(a.split()) for a in asks))


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    better: str  # "higher" or "lower"
    explain: str


@functools.cache
def metrics() -> dict[str, Metric]:
    """The evaluation's headline metrics (``metrics.yaml``), in display order."""
    data = read_yaml("metrics.yaml")["metrics"]
    found: dict[str, Metric] = {}
    for key, entry in data.items():
        if entry.get("better") not in ("higher", "lower"):
            raise SettingsError(f"policy file metrics.yaml: {key}: better must be higher or lower")
        found[str(key)] = Metric(
            str(key), str(entry["label"]), str(entry["better"]), str(entry["explain"])
        )
    return found


@dataclass(frozen=True)
class RelatedGroup:
    when: tuple[str, ...]
    add: str
    pattern: re.Pattern[str]
    also: tuple[str, ...] = ()  # the group fires only if one of these is used too
    unless: tuple[str, ...] = ()  # and never if one of these is
    also_pattern: re.Pattern[str] | None = None
    unless_pattern: re.Pattern[str] | None = None

    def fires(self, text: str) -> bool:
        """The question uses the group's words, in the company it needs."""
        return (
            self.pattern.search(text) is not None
            and (self.also_pattern is None or self.also_pattern.search(text) is not None)
            and (self.unless_pattern is None or self.unless_pattern.search(text) is None)
        )


@functools.cache
def related_terms() -> tuple[RelatedGroup, ...]:
    """Officers' words beside the notes' words (``related_terms.yaml``)."""
    groups = []
    for number, entry in enumerate(read_yaml("related_terms.yaml")["groups"], 1):
        when = tuple(str(w).lower() for w in entry.get("when") or ())
        add = str(entry.get("add") or "").strip()
        if not when or not add:
            raise SettingsError(
                f"policy file related_terms.yaml: group {number} needs 'when' and 'add'"
            )
        also = tuple(str(w).lower() for w in entry.get("also") or ())
        unless = tuple(str(w).lower() for w in entry.get("unless") or ())
        groups.append(
            RelatedGroup(
                when,
                add,
                whole_words(list(when)),
                also,
                unless,
                whole_words(list(also)) if also else None,
                whole_words(list(unless)) if unless else None,
            )
        )
    return tuple(groups)


@dataclass(frozen=True)
class Narrowing:
    """Kinds a question can be narrowed to (``narrowing.yaml``)."""

    weight: float
    sets: tuple[tuple[re.Pattern[str], ...], ...]
    dated: re.Pattern[str]  # a rule held only for what happened before a date
    dating: re.Pattern[str]  # a question that names a date, a year or the past

    def away(self, question: str, text: str) -> bool:
        """The question names one kind of a set only, the paragraph another kind only; or
        the paragraph's rule holds only before a date and the question names no time."""
        if self.dated.search(text) and not self.dating.search(question):
            return True
        for kinds in self.sets:
            asked = [kind.search(question) is not None for kind in kinds]
            if sum(asked) != 1:
                continue
            said = [kind.search(text) is not None for kind in kinds]
            if any(said) and not said[asked.index(True)]:
                return True
        return False


@functools.cache
def narrowing() -> Narrowing:
    data = read_yaml("narrowing.yaml")
    weight = float(data["weight"])
    if not 0.0 <= weight <= 1.0:
        raise SettingsError("policy file narrowing.yaml: weight must be between 0 and 1")
    sets = []
    for number, entry in enumerate(data["sets"], 1):
        if len(entry) < 2 or not all(entry):
            raise SettingsError(f"policy file narrowing.yaml: set {number} needs two or more kinds")
        sets.append(tuple(whole_words(kind) for kind in entry))
    dated = data["dated"]
    return Narrowing(
        weight,
        tuple(sets),
        re.compile(str(dated["paragraph"]), re.IGNORECASE),
        re.compile(str(dated["question"]), re.IGNORECASE),
    )


def alternation(forms: list[str]) -> str:
    """Forms as one regex alternation, longest first, any run of spaces where they have one."""
    ordered = sorted((str(f).lower() for f in forms), key=len, reverse=True)
    return "|".join(re.escape(f).replace("\\ ", r"\s+") for f in ordered)


def whole_words(forms: list[str]) -> re.Pattern[str]:
    """Any of the forms as whole words, case-insensitive ("ISPO" but not "ISPOs-list")."""
    return re.compile(rf"(?<![\w-])(?:{alternation(forms)})(?![\w-])", re.IGNORECASE)


PASSAGE_FEATURES = ("dense", "dense_whole", "ask", "bm25", "rrf", "glossary")
SENTENCE_FEATURES = (
    "cos_part",
    "cos_whole",
    "coverage",
    "rank",
    "passage_score",
    "passage_dense",
    "passage_ask",
    "first_in_paragraph",
    "sibling",
    "glossary",
    "words",
    "cos_gap",
    "coverage_gap",
    "type_asked",
    "type_match",
    "kind_rule",
)


@dataclass(frozen=True)
class Scorer:
    """A logistic model: P(it answers the question) = sigmoid(bias + weights . features).

    The retriever scores paragraphs with one and the extractive answerer scores quotable
    sentences with another; ``weights.yaml`` holds both, fitted on the gold set's dev split
    by ``scripts/fit_weights.py``.
    """

    bias: float
    weights: dict[str, float]
    floor: float  # least probability to be kept (sentences after the first)

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def _scorer(section: str, names: tuple[str, ...]) -> Scorer:
    data = read_yaml("weights.yaml")[section]
    unknown = sorted(set(data["weights"]) - set(names))
    if unknown:
        raise SettingsError(f"policy file weights.yaml: {section} names unknown features {unknown}")
    return Scorer(
        float(data["bias"]),
        {k: float(v) for k, v in data["weights"].items()},
        float(data.get("floor", 0.0)),
    )


@functools.cache
def passage_scorer() -> Scorer:
    return _scorer("passage", PASSAGE_FEATURES)


@functools.cache
def sentence_scorer() -> Scorer:
    return _scorer("sentence", SENTENCE_FEATURES)
