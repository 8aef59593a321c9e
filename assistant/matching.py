"""Deterministic judges for the evaluation: does an answer state a fact, does a passage support
a sentence, does a retrieved passage cover an expected paragraph.

A fact counts as stated by an answer sentence when

1. every *key term* of the fact occurs in the sentence: numbers (digits or number words, so
   "two years" equals "2 years" but never "5 years"), section references such as ``s2A``,
   acronyms (``BTP`` is also matched by "British Transport Police") and capitalised names
   ("Ministry of Defence Police" is not matched by "British Transport Police"); a fact that
   says "not" needs a sentence with a negation too; and
2. the sentence is close in meaning, by one of the tiers in ``TIERS``: (least cosine, least
   content-word overlap).  Cosine is between the embeddings of fact and sentence; overlap is
   the share of the fact's content words (stemmed, stop words dropped) found in the sentence.
   A high cosine suffices alone; a lower cosine needs more of the fact's words, and a short
   fact that is one item of a long list ("following a person") needs all of them.

The thresholds were calibrated on the hand-labelled pairs in ``eval/labels.jsonl`` with the
bundled all-MiniLM-L6-v2 model; ``agreement`` reports how often the matcher agrees with them.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .embedding import Embedder
from .errors import EvaluationError
from .policy import read_yaml
from .text import normalise, split_sentences, token_overlap, word_tokens

SUPPORT_COSINE = 0.80  # a generated sentence vs its best cited-passage sentence
SUPPORT_OVERLAP = 0.6

_NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "fourteen": "14",
    "twenty": "20",
    "thirty": "30",
}
_PERIOD = r"(?:hour|day|week|month|year)s?\b"
_NUMBER = re.compile(r"\b(?:s\.?\s?)?\d+[a-z]?(?:\.\d+)*\b", re.IGNORECASE)
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]*[A-Z]+s?\b")
_CAPITALISED = re.compile(r"[A-Za-z][\w'-]*")


def _numbers(text: str) -> set[str]:
    """Numbers in a text, normalised: "s.2A" -> "2a", "two" -> "2", "1.3" stays "1.3"."""
    low = normalise(text)
    found = {re.sub(r"^s\.?\s?", "", m.group(0)) for m in _NUMBER.finditer(low)}
    words = re.findall(r"[a-z]+(?:-[a-z]+)?", low)
    for i, word in enumerate(words):
        before = words[i - 1] if i else ""
        after = words[i + 1] if i + 1 < len(words) else ""
        # "twenty-one" is a number, and so is the "two" of "two-year"; "one" is mostly a
        # pronoun ("one of the examples", "obtaining one"), a number only before a period,
        # and so is "the two" ("so that the two complement each other").
        head = word if word in _NUMBER_WORDS else word.split("-")[0]
        rest = after if word == head else word[len(head) + 1 :]
        pronoun = head == "one" or (before in ("the", "these", "those") and word == head)
        if pronoun and not re.match(_PERIOD, rest):
            continue
        tens, _, unit = word.partition("-")
        if tens in ("twenty", "thirty") and unit in _NUMBER_WORDS:  # "twenty-one" is 21
            found.add(str(int(_NUMBER_WORDS[tens]) + int(_NUMBER_WORDS[unit])))
        elif head in _NUMBER_WORDS:
            found.add(_NUMBER_WORDS[head])
    return found


def _acronyms(text: str) -> set[str]:
    return {m.group(0).rstrip("s") for m in _ACRONYM.finditer(text) if len(m.group(0)) >= 2}


def _has_acronym(acronym: str, sentence: str) -> bool:
    """``BTP`` is in a sentence that says "BTP" or "British Transport Police"."""
    if re.search(rf"\b{re.escape(acronym)}s?\b", sentence):
        return True
    words = [w for w in _CAPITALISED.findall(sentence) if w.lower() not in ("of", "and", "the")]
    initials = "".join(w[0].upper() for w in words)
    return acronym.upper() in initials and len(acronym) >= 2 and _run_of_capitals(words, acronym)


def _run_of_capitals(words: list[str], acronym: str) -> bool:
    n = len(acronym)
    for i in range(len(words) - n + 1):
        run = words[i : i + n]
        if all(w[0].isupper() for w in run) and "".join(w[0] for w in run) == acronym.upper():
            return True
    return False


_NEGATED = re.compile(r"\b(not|never|cannot)\b|n't\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(not|never|cannot|no|none|without|neither|nor|whether)\b|n't\b", re.IGNORECASE
)
# "a list of examples, not a closed list": the tail contrasts what the fact states, and a
# sentence stating the fact ("lists examples") need not repeat the denial.
_CONTRAST = re.compile(r",\s*not\s+(?:a|an|the)\b[^,;]*$", re.IGNORECASE)
_NAME_STOP = frozenset({"No", "Yes", "The", "A", "An", "If", "It", "Part", "Section", "I"})


def _names(fact: str) -> list[list[str]]:
    """Runs of capitalised words after the first word ("Ministry of Defence Police")."""
    words = re.findall(r"[A-Za-z][\w'-]*|[^\sA-Za-z]+", fact)
    runs: list[list[str]] = []
    current: list[str] = []
    for i, word in enumerate(words):
        capital = i > 0 and word[0].isupper() and not word.isupper() and word not in _NAME_STOP
        if capital or (current and word in ("of", "and", "the") and i + 1 < len(words)):
            current.append(word)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [[w for w in run if w[0].isupper()] for run in runs if any(w[0].isupper() for w in run)]


@dataclass(frozen=True)
class _Rules:
    tiers: tuple[tuple[float, float], ...]
    required: tuple[re.Pattern[str], ...]
    excluded: tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...]  # (words, unless)
    acting: re.Pattern[str]
    actors: tuple[re.Pattern[str], ...]
    optional_acronyms: frozenset[str]
    common: frozenset[str]
    answer_words: frozenset[str]


def _group(words: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(str(w)) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


@functools.cache
def rules() -> _Rules:
    """The matcher's calibrated vocabulary and tiers (``assistant/policy/matcher.yaml``)."""
    data = read_yaml("matcher.yaml")
    return _Rules(
        tuple((float(c), float(o)) for c, o in data["tiers"]),
        tuple(_group(g) for g in data["required"]),
        tuple(
            (_group(e["words"]), _group(e["unless"]) if e.get("unless") else None)
            for e in data["excluded"]
        ),
        re.compile(data["acting"], re.IGNORECASE),
        tuple(_group(g) for g in data["actors"]),
        frozenset(str(a) for a in data["optional_acronyms"]),
        frozenset(word_tokens(" ".join(str(w) for w in data.get("common") or ()))),
        frozenset(word_tokens(" ".join(str(w) for w in data.get("answer_words") or ()))),
    )


def _actors(text: str) -> set[int]:
    """The groups of the parties that act ("the defendant or the chief officer can apply"):
    those named in the clause before the first "can apply", "may appeal", "must notify"."""
    acting = rules().acting.search(text)
    if acting is None:
        return set()
    before = re.split(r"[.;:,]\s", text[: acting.start()])[-1]
    return {i for i, p in enumerate(rules().actors) if p.search(before)}


def key_terms(fact: str) -> tuple[set[str], set[str], list[list[str]]]:
    """(numbers, acronyms, capitalised name runs) a sentence must contain to state ``fact``."""
    return _numbers(fact), _acronyms(fact), _names(fact)


def missing_key_terms(fact: str, sentence: str, question: str = "") -> list[str]:
    """What ``sentence`` lacks to state ``fact``: key terms, a negation, a required phrase, or
    the right subject.  A fact is read as an answer to ``question``: "yes, to the Crown Court"
    answers an appeal question, so a sentence about appeals is not about something else."""
    numbers, acronyms, names = key_terms(fact)
    have = _numbers(sentence)
    missing = sorted(n for n in numbers if n not in have)
    optional = rules().optional_acronyms
    missing += sorted(a for a in acronyms if a not in optional and not _has_acronym(a, sentence))
    words = {re.sub(r"'s$", "", w) for w in re.findall(r"[a-z][\w'-]*", normalise(sentence))}
    for run in names:
        initials = "".join(w[0] for w in run).upper()
        if len(run) > 1 and re.search(rf"\b{initials}s?\b", sentence):
            continue
        missing += [w for w in run if re.sub(r"'s$", "", w.lower()) not in words]
    if _NEGATED.search(_CONTRAST.sub("", fact)) and not _NEGATION.search(sentence):
        missing.append("(negation)")
    for group in rules().required:
        if (m := group.search(fact)) and not group.search(sentence):
            missing.append(m.group(0))
    for group, unless in rules().excluded:
        speaks_of_both = unless is not None and unless.search(sentence)
        about = group.search(fact) or group.search(question)
        if (m := group.search(sentence)) and not about and not speaks_of_both:
            missing.append(f"(not about {m.group(0)})")
    fact_actors, sentence_actors = _actors(fact), _actors(sentence)
    if fact_actors and sentence_actors and not fact_actors & sentence_actors:
        missing.append("(a different party)")
    return missing


@dataclass(frozen=True)
class FactMatch:
    fact: str
    found: bool
    sentence: str  # the best answer sentence ("" when the answer has none)
    cosine: float
    overlap: float
    missing_terms: tuple[str, ...] = ()


def judge(cosine: float, overlap: float, missing_terms: Sequence[str]) -> bool:
    if missing_terms:
        return False
    return any(cosine >= c and overlap >= o for c, o in rules().tiers)


_DEFINITION = re.compile(r"^\s*(?P<term>[^—]{1,40}?)\s+—\s+(?P<meaning>[^.]+)\.")


def defines(fact: str, sentence: str) -> bool:
    """A glossary entry ("AP — Alleged perpetrator.") states a fact that gives the term and
    every word of its meaning ("AP means alleged perpetrator, the person suspected ...")."""
    entry = _DEFINITION.match(sentence)
    if entry is None or not re.search(rf"(?<!\w){re.escape(entry['term'])}(?!\w)", fact):
        return False
    return token_overlap(entry["meaning"], fact) == 1.0


def overlap(fact: str, sentence: str) -> float:
    """Share of the fact's content words in the sentence, with section references written one
    way ("s.2A" -> "s2a"); a word of a spelled-out acronym in the fact ("single points of
    contact (SPOCs)") counts as present when the sentence uses the acronym."""
    fact, sentence = _sections(fact), _sections(sentence)
    wanted = set(word_tokens(fact)) - rules().answer_words
    if len(wanted - rules().common) >= 2:
        wanted -= rules().common
    if not wanted:
        return 0.0
    have = set(word_tokens(sentence))
    covered = wanted & have
    for long_form, acronym in _spelled_out(fact):
        if set(word_tokens(acronym)) & have:
            covered |= wanted & set(word_tokens(long_form))
    return len(covered) / len(wanted)


def _spelled_out(text: str) -> list[tuple[str, str]]:
    """("single points of contact", "SPOCs") for each "Long Form (ACR)" in the text."""
    pairs = []
    for match in re.finditer(r"((?:[\w'-]+ ){0,7}[\w'-]+) \(([A-Z][A-Za-z]*[A-Z]s?)\)", text):
        words, acronym = match.group(1).split(), match.group(2)
        letters = acronym.rstrip("s").upper()
        for k in range(1, len(words) + 1):
            parts = [p for w in words[-k:] for p in w.split("-") if p]
            every = "".join(p[0] for p in parts).upper()
            content = "".join(p[0] for p in parts if p.lower() not in _LINKING).upper()
            if letters in (every, content):
                pairs.append((" ".join(words[-k:]), acronym))
                break
    return pairs


_LINKING = frozenset({"of", "and", "the", "for", "in", "on"})


def _sections(text: str) -> str:
    return re.sub(r"\b(?:s\.\s?|s\s|section\s)(\d+[A-Za-z]?)\b", r"s\1", text, flags=re.IGNORECASE)


_CLAUSE = re.compile(r"[,;:()]|\s+(?:which|unless|while|whether)\s+")


class FactMatcher:
    """Matches expected facts against answer sentences; embeddings are memoised per text."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._vectors: dict[str, np.ndarray] = {}

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if todo:
            self._vectors.update(zip(todo, self.embedder.encode(todo), strict=True))
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    def score(self, fact: str, text: str, question: str = "") -> FactMatch:
        """Whether ``text`` states ``fact`` (an expected answer to ``question``); a quote of
        several sentences states it when one of its sentences does, so a neighbouring sentence
        cannot change the verdict."""
        sentences = split_sentences(text)
        if len(sentences) <= 1:
            return self._score(fact, text, question)
        found = max(
            (self._score(fact, s, question) for s in sentences), key=lambda m: (m.found, m.cosine)
        )
        return FactMatch(fact, found.found, text, found.cosine, found.overlap, found.missing_terms)

    def _score(self, fact: str, sentence: str, question: str = "") -> FactMatch:
        clauses = [c for c in _CLAUSE.split(sentence) if len(c.split()) >= 4]
        vectors = self.vectors([fact, sentence, *clauses])
        cosine = float(np.max(vectors[1:] @ vectors[0]))
        share = overlap(fact, sentence)
        missing = missing_key_terms(fact, sentence, question)
        found = judge(cosine, share, missing) or defines(fact, sentence)
        return FactMatch(fact, found, sentence, cosine, share, tuple(missing))

    def match(self, fact: str, sentences: Sequence[str], question: str = "") -> FactMatch:
        """The best sentence for ``fact``: a found match first, then the highest cosine."""
        if not sentences:
            return FactMatch(fact, False, "", 0.0, 0.0, ())
        self.vectors([fact, *sentences])  # one batch for the model
        scored = [self.score(fact, s, question) for s in sentences]
        return max(scored, key=lambda m: (m.found, m.cosine + 0.3 * m.overlap))

    def supported(self, sentence: str, quote: str) -> bool:
        """Whether ``quote`` (a cited passage) supports ``sentence``."""
        if _squash(sentence) in _squash(quote):
            return True
        parts = split_sentences(quote) or [quote]
        vectors = self.vectors([sentence, *parts])
        best = float(np.max(vectors[1:] @ vectors[0]))
        return (
            best >= SUPPORT_COSINE
            and overlap(sentence, quote) >= SUPPORT_OVERLAP
            and not missing_key_terms(sentence, quote)
        )


def _squash(text: str) -> str:
    return " ".join(word for word in re.findall(r"\w+", normalise(text)))


@dataclass(frozen=True)
class Label:
    fact: str
    sentence: str
    label: bool
    note: str = ""
    question: str = ""  # the question the fact answers, when the label depends on it


def load_labels(path: Path) -> list[Label]:
    labels: list[Label] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            labels.append(
                Label(
                    str(data["fact"]),
                    str(data["sentence"]),
                    bool(data["label"]),
                    str(data.get("note", "")),
                    str(data.get("question", "")),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise EvaluationError(f"{path}:{number}: malformed label ({exc})") from None
    return labels


@dataclass(frozen=True)
class Agreement:
    total: int
    agree: int
    disagreements: list[tuple[Label, FactMatch]]

    @property
    def rate(self) -> float:
        return self.agree / self.total if self.total else 0.0


def agreement(matcher: FactMatcher, labels: Sequence[Label]) -> Agreement:
    """How often the matcher's verdict equals the hand label."""
    wrong: list[tuple[Label, FactMatch]] = []
    matcher.vectors([t for label in labels for t in (label.fact, label.sentence)])
    for label in labels:
        verdict = matcher.score(label.fact, label.sentence, label.question)
        if verdict.found != label.label:
            wrong.append((label, verdict))
    return Agreement(len(labels), len(labels) - len(wrong), wrong)


def covers(label: str | Sequence[str], para: str) -> bool:
    """Whether a paragraph label ("7.3", "7.3-7.5" or a tuple of numbers) covers ``para``."""
    if not isinstance(label, str):
        return para in label or any(covers(p, para) for p in label if "-" in p)
    if label == para:
        return True
    if "-" not in label:
        return False
    first, _, last = label.partition("-")
    try:
        lo, hi, want = _key(first), _key(last), _key(para)
    except ValueError:
        return False
    return lo <= want <= hi


def _key(number: str) -> tuple[int, ...]:
    return tuple(int(p) for p in number.strip().split("."))
