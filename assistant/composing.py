"""The extractive answerer: the fewest quoted sentences that answer the question, best first.

No language model runs by default, so the answer quotes the guidance.  What makes a quote
useful to an officer is decided here:

* the unit quoted is a sentence, or a sentence with the one it leans on ("In that situation
  ..."), never half of a thought (``assistant/policy/answers.yaml``);
* each unit gets a probability that it states what the question (or one part of it) asks,
  from a small logistic model over similarity, word coverage and the passage's rank, whose
  weights are fitted on the gold set's dev split (``assistant/policy/weights.yaml``);
* the first line is the unit most likely to answer the first part, then each other part's
  best unit, then further units only while they clear an absolute floor and the answer stays
  within ``answer_max_words``: an answer stops at what it knows, it never pads to a count;
* case reports and background are quoted only when the question asks for them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np

from .citations import cite
from .guard import CheckedQuestion
from .policy import Scorer, narrowing, paragraph_vocabulary, read_yaml, sentence_scorer
from .retrieval import GLOSSARY_ENTRY, Passage, Retrieval, Retriever
from .schema import Answer, AnswerSentence, Citation
from .settings import Settings
from .text import split_sentences, token_overlap


@dataclass(frozen=True)
class _Cutting:
    opener: re.Pattern[str]  # a sentence that leans on the one before it
    announcing: re.Pattern[str]  # a sentence that announces the one after it
    types: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]  # (question, sentence) pairs
    within: tuple[float, ...]  # per type: share of the best fit a unit giving it needs to lead
    stated: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]  # answered only in the notes' words
    pinned: re.Pattern[str]  # details of a question a stated answer must also name
    asked_by_question: float  # ask similarity at which a background paragraph is asked for
    same_meaning: float  # cosine above which a unit repeats one already quoted
    same_words: float  # share of words above which it does
    part_contrast: float  # how much a part's pick is held back by its fit to the other parts
    elsewhere_floor: float  # least fit of a further quote from a note not yet quoted
    same_paragraph_floor: float  # least fit of a further quote from a paragraph quoted
    asked_elsewhere: frozenset[str]  # kinds held only to the floor wherever asked for
    typed_floor: float  # least fit of a unit giving the kind of answer no quote gave yet
    completed: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]  # kinds typed_floor serves


@functools.cache
def _cutting() -> _Cutting:
    data = read_yaml("answers.yaml")
    words = sorted((str(w) for w in data["dependent_openers"]), key=len, reverse=True)
    flags = re.IGNORECASE
    types = {
        name: (re.compile(t["question"], flags), re.compile(t["sentence"], flags))
        for name, t in data["answer_types"].items()
    }
    return _Cutting(
        re.compile(rf"^(?:{'|'.join(re.escape(w) for w in words)})\b", flags),
        re.compile(str(data["announcing"]), flags),
        tuple(types.values()),
        tuple(float(t.get("within", 0.0)) for t in data["answer_types"].values()),
        tuple(types[name] for name in data["stated_or_declined"]),
        re.compile(str(data["pinned_details"]), flags),
        float(data["asked_by_question"]),
        float(data["repeats"]["cosine"]),
        float(data["repeats"]["words"]),
        float(data["part_contrast"]),
        float(data["elsewhere_floor"]),
        float(data["same_paragraph_floor"]),
        frozenset(str(k) for k in data["asked_elsewhere"]),
        float(data["typed_floor"]),
        tuple(types[name] for name in data["completed"]),
    )


_FIGURE = re.compile(r"\b\d[\d,.]*\b")


@dataclass
class Unit:
    """What may be quoted: consecutive sentences of one passage that stand on their own."""

    sentences: list[str]
    passage: Passage
    first: int  # index of its first sentence in the passage
    sibling: bool
    features: list[dict[str, float]] = field(default_factory=list)  # one per question part
    probabilities: list[float] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def units_of(passage: Passage, sibling: bool) -> list[Unit]:
    """Sentences grouped with the sentence each leans on, in the passage's order.

    A glossary entry ("SASH — Screening Assessment ... . A brief triage tool ...") names its
    term once: a later sentence that does not name it leans on the entry's first."""
    units: list[Unit] = []
    cutting = _cutting()
    entry = GLOSSARY_ENTRY.match(passage.chunk.text)
    term = entry["term"].strip().lower() if entry else None
    for i, sentence in enumerate(split_sentences(passage.chunk.text)):
        leans_back = units and (
            cutting.opener.match(sentence)
            or cutting.announcing.search(units[-1].sentences[-1])
            or (term is not None and term not in sentence.lower())
        )
        if leans_back:
            units[-1].sentences.append(sentence)
        else:
            units.append(Unit([sentence], passage, i, sibling))
    return units


def _asked_for(passage: Passage) -> bool:
    """A case report or background paragraph the question is itself about: ranked first, or
    one of the questions written beside it is close to the question."""
    return passage.rank == 0 or passage.ask >= _cutting().asked_by_question


class ExtractiveAnswerer:
    """Builds a quoted, cited answer from a retrieval; needs no language model."""

    def __init__(self, settings: Settings, scorer: Scorer | None = None) -> None:
        self.settings = settings
        self.scorer = scorer or sentence_scorer()

    def score(
        self, question: str, retrieval: Retrieval, retriever: Retriever, audience: str | None
    ) -> list[Unit]:
        """Every quotable unit of the retrieved passages, with its features and probabilities."""
        vocabulary = paragraph_vocabulary()
        asked_kinds = vocabulary.asked_kinds(question)
        on_request = set(vocabulary.asked_for) - asked_kinds
        glossary = self.settings.glossary_doc_id
        units = [
            unit
            for passage, sibling in [
                *((p, False) for p in retrieval.passages),
                *((p, True) for p in retrieval.context),
            ]
            if passage.chunk.kind not in on_request or _asked_for(passage)
            for unit in units_of(passage, sibling)
        ]
        if not units:
            return []
        parts = retrieval.parts or [question]
        part_vectors = (
            retrieval.part_vectors
            if retrieval.part_vectors is not None
            else retrieval.vector[None, :]
        )
        vectors = retriever.sentence_vectors([u.text for u in units])
        to_part = vectors @ part_vectors.T
        to_whole = vectors @ retrieval.vector
        # Each part is judged by its own expansions: "SASH" is not asked for by "DASH"'s.
        if len(parts) > 1:
            searched = [retriever.with_expansions(part) for part in parts]
        else:
            expansion = " ".join([*retrieval.expansions.values(), *retrieval.related])
            searched = [f"{parts[0]} {expansion}"]
        top = max((p.score for p in retrieval.passages), default=1.0) or 1.0
        coverage = [
            [
                retriever.term_coverage(
                    text,
                    f"{u.passage.chunk.title} {u.passage.chunk.section} {u.text}",
                )
                for text in searched
            ]
            for u in units
        ]
        best_cos = to_part.max(axis=0)
        best_coverage = [max(c[j] for c in coverage) for j in range(len(parts))]
        cutting = _cutting()
        # per part, the kinds of answer it asks for: (how a sentence gives one, its `within`)
        asked_by_part = [
            [
                (answer, within)
                for (question, answer), within in zip(cutting.types, cutting.within, strict=True)
                if question.search(part)
            ]
            for part in parts
        ]
        narrowed = narrowing()
        for i, unit in enumerate(units):
            chunk = unit.passage.chunk
            other_role = bool(audience and chunk.audiences and audience not in chunk.audiences)
            narrowed_away = narrowed.away(retrieval.query, chunk.text)
            for j, asked in enumerate(asked_by_part):
                given = [within for answer, within in asked if answer.search(unit.text)]
                features = {
                    "cos_part": float(to_part[i, j]),
                    "cos_whole": float(to_whole[i]),
                    "coverage": coverage[i][j],
                    "rank": 1.0 / (1 + unit.passage.rank),
                    "passage_score": unit.passage.score / top,
                    "passage_dense": unit.passage.dense,
                    "passage_ask": unit.passage.ask,
                    "first_in_paragraph": float(unit.first == 0),
                    "sibling": float(unit.sibling),
                    "glossary": float(chunk.doc_id == glossary),
                    "words": len(unit.text.split()) / 40,
                    "cos_gap": float(to_part[i, j] - best_cos[j]),
                    "coverage_gap": coverage[i][j] - best_coverage[j],
                    "type_asked": float(bool(asked)),
                    "type_match": float(bool(given)),
                    # what share of the part's best fit this unit needs to lead (> 1: never)
                    "type_needs": min(given, default=2.0),
                    "kind_rule": float(chunk.kind in ("rule", "procedure")),
                    # the question asks for this kind of paragraph ("has anyone ...": a case)
                    "kind_asked": float(chunk.kind in asked_kinds),
                }
                probability = self.scorer.probability(features)
                if other_role:
                    probability *= self.settings.audience_weight
                if narrowed_away:
                    probability *= narrowed.weight
                unit.features.append(features)
                unit.probabilities.append(probability)
        return units

    def select(
        self, units: list[Unit], vectors: np.ndarray, parts: list[str] | None = None
    ) -> list[Unit]:
        """The first part's best unit, each other part's best, then what clears the floor.

        With the question's ``parts``, a part asking for a kind of answer listed in
        answers.yaml's ``completed`` that no quote gives is completed by a unit giving it."""
        if not units:
            return []
        budget = self.settings.answer_max_words
        limit = self.settings.answer_max_sentences
        floor = self.scorer.floor
        n_parts = len(units[0].probabilities)
        chosen: list[int] = []

        def fits(i: int) -> bool:
            words = sum(len(units[c].text.split()) for c in chosen)
            return not chosen or words + len(units[i].text.split()) <= budget

        cutting = _cutting()

        def redundant(i: int) -> bool:
            # Sentences sharing their words and their meaning but not their figures ("5 years"
            # on indictment, "the general limit" summarily) say different things.
            a = units[i].text
            return any(
                _FIGURE.findall(a) == _FIGURE.findall(units[c].text)
                and (
                    float(vectors[i] @ vectors[c]) > cutting.same_meaning
                    or max(token_overlap(a, units[c].text), token_overlap(units[c].text, a))
                    > cutting.same_words
                )
                for c in chosen
            )

        def best(part: int, least: float) -> int | None:
            # A part that asks for a kind of answer (a period, a penalty...) is answered first
            # by a unit that gives one, when one clears the floor, fits no other part better
            # and, for a kind most sentences give (a yes or no: "can", "must"), fits nearly as
            # well as the best unit: "... and is breaching an interim one the same offence?"
            # is not answered by a sentence on the first ask's penalty that says "can".
            top = max(u.probabilities[part] for u in units)

            # A unit that fits another part as well as this one answers that part, so the
            # other parts' fit is held against it: "what does FOUR stand for and what is the
            # S-DASH used for" opens with FOUR, not with the S-DASH sentence that fits both.
            def key(i: int) -> tuple[bool, float]:
                probabilities = units[i].probabilities
                p, f = probabilities[part], units[i].features[part]
                others = [q for k, q in enumerate(probabilities) if k != part]
                held = cutting.part_contrast * sum(others) / len(others) if others else 0.0
                typed = p >= max(floor, f["type_needs"] * top) and all(p >= q for q in others)
                return (typed, p - held)

            order = sorted(range(len(units)), key=key, reverse=True)
            return next(
                (
                    i
                    for i in order
                    if i not in chosen
                    and units[i].probabilities[part] >= least
                    and fits(i)
                    and not redundant(i)
                ),
                None,
            )

        def with_kin(pick: int, part: int, least: float) -> None:
            # The paragraph that gives the kind of answer asked for often gives it more than
            # once (a maximum on indictment and one on summary conviction): its other
            # sentences giving that kind come next, before other paragraphs.
            if units[pick].features[part]["type_match"] > 0:
                for i, unit in enumerate(units):
                    if (
                        len(chosen) < limit
                        and i not in chosen
                        and unit.passage is units[pick].passage
                        and unit.features[part]["type_match"] > 0
                        and unit.probabilities[part] >= least
                        and fits(i)
                        and not redundant(i)
                    ):
                        chosen.append(i)

        for part in range(n_parts):
            pick = best(part, float("-inf") if part == 0 else floor)
            if pick is None or len(chosen) >= limit:
                continue
            chosen.append(pick)
            with_kin(pick, part, floor)

        # A part that asks for a kind only some sentences give (a penalty, a period) and whose
        # first quote does not give it ("carries the same maximum penalties") is completed by
        # the best unit that does, at a lower floor: the figure is what was asked.
        for part, asked in enumerate((parts or [])[:n_parts]):
            kinds = [given for question, given in cutting.completed if question.search(asked)]

            def gives(i: int, kinds: list[re.Pattern[str]] = kinds) -> bool:
                return any(given.search(units[i].text) for given in kinds)

            if not kinds or len(chosen) >= limit or any(gives(c) for c in chosen):
                continue
            typed = [
                i
                for i in range(len(units))
                if i not in chosen
                and gives(i)
                and units[i].probabilities[part] >= cutting.typed_floor
                and fits(i)
                and not redundant(i)
            ]
            if typed:
                pick = max(typed, key=lambda i: units[i].probabilities[part])
                chosen.append(pick)
                with_kin(pick, part, cutting.typed_floor)

        # Further quotes pad more often than they inform when they come from a note the answer
        # has not quoted: that note is about something else, so they must fit better, unless
        # they are a kind asked for that other notes hold (a case report for "has anyone
        # ...").  The rest of a paragraph already quoted most often completes it: needs less.
        def least(i: int) -> float:
            passage = units[i].passage
            if any(units[c].passage is passage for c in chosen):
                return min(floor, cutting.same_paragraph_floor)
            elsewhere = all(units[c].passage.chunk.doc_id != passage.chunk.doc_id for c in chosen)
            asked = (
                units[i].features[0]["kind_asked"] and passage.chunk.kind in cutting.asked_elsewhere
            )
            if elsewhere and not asked:
                return max(floor, cutting.elsewhere_floor)
            return floor

        overall = sorted(range(len(units)), key=lambda i: -max(units[i].probabilities))
        for i in overall:
            if len(chosen) >= limit:
                break
            clears = max(units[i].probabilities) >= least(i)
            if i not in chosen and clears and fits(i) and not redundant(i):
                chosen.append(i)
        return [units[i] for i in chosen]

    def answer(
        self,
        checked: CheckedQuestion,
        retrieval: Retrieval,
        retriever: Retriever,
        audience: str | None = None,
    ) -> Answer | None:
        """The cited answer, or None when the question asks for something (a fee, say) that
        no quoted sentence states, or states only for another year or thing than the one asked
        about: the notes do not say, and the caller declines."""
        units = self.score(checked.question, retrieval, retriever, audience)
        vectors = retriever.sentence_vectors([u.text for u in units])
        # each part of "how many in 2020 and what share in 2021" pins its own details
        parts = retrieval.parts if len(retrieval.parts) > 1 else [checked.question]
        chosen = _join_neighbours(self.select(units, vectors, parts))
        quoted = [sentence for unit in chosen for sentence in unit.sentences]
        cutting = _cutting()
        giving = [[s.lower() for s in quoted if stated.search(s)] for _, stated in cutting.stated]
        for part in parts:
            details = [
                (m.group(m.lastindex) if m.lastindex else m.group(0)).lower()
                for m in cutting.pinned.finditer(part)
            ]
            for (question, _), given in zip(cutting.stated, giving, strict=True):
                if question.search(part) and not any(all(d in s for d in details) for s in given):
                    return None
        return render(checked, chosen)


def _join_neighbours(chosen: list[Unit]) -> list[Unit]:
    """Units of one passage that follow each other in it are quoted as one, in its order,
    where the first of them was chosen.  A unit can join two picked before it: the summary
    maximum, then "is an either-way offence", then the indictment maximum between them."""
    joined: list[Unit] = []
    for unit in chosen:
        # joined units never touch each other, so a new one touches at most two
        mates = [j for j in joined if _touch(j, unit)]
        if not mates:
            joined.append(Unit(list(unit.sentences), unit.passage, unit.first, unit.sibling))
            continue
        pieces = sorted([*mates, unit], key=lambda u: u.first)
        keep = mates[0]
        keep.sentences = [sentence for piece in pieces for sentence in piece.sentences]
        keep.first = pieces[0].first
        for other in mates[1:]:
            joined.remove(other)
    return joined


def _touch(a: Unit, b: Unit) -> bool:
    """The two are of one passage and one ends where the other starts."""
    return a.passage.chunk.chunk_id == b.passage.chunk.chunk_id and (
        a.first + len(a.sentences) == b.first or b.first + len(b.sentences) == a.first
    )


def render(checked: CheckedQuestion, chosen: list[Unit]) -> Answer:
    """The answer text: the first quote as its own line, the rest as bullets, each cited."""
    citations: dict[str, Citation] = {}
    sentences: list[AnswerSentence] = []
    for unit in chosen:
        chunk = unit.passage.chunk
        if chunk.chunk_id not in citations:
            citations[chunk.chunk_id] = cite(len(citations) + 1, chunk)
        sentences.append(AnswerSentence(unit.text, (citations[chunk.chunk_id].marker,)))
    lines = [f"{sentences[0].text} [{sentences[0].citations[0]}]"] if sentences else []
    if len(sentences) > 1:
        lines.append("")
        lines.extend(f"- {s.text} [{s.citations[0]}]" for s in sentences[1:])
    return Answer(
        question=checked.question,
        text="\n".join(lines),
        sentences=sentences,
        citations=list(citations.values()),
        refused=False,
        notices=checked.notices,
    )
