"""The assistant: question in, short cited answer (or a plain refusal) out.

The default answerer needs no language model.  It quotes the guidance: the sentences of the
retrieved passages that best match each part of the question, each followed by its [n]
marker, the most direct one first.  Quoting means every sentence is supported by the passage
it cites by construction, which is what an officer checking an answer needs.  A refusal is
decided before any answer is composed: by input policy (:mod:`assistant.guard`) or when the
best passage is not similar enough to the question (``refusal_threshold``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .citations import CheckedStream, cite
from .embedding import Embedder, get_embedder
from .errors import QuestionError, StoreUnavailable
from .guard import Checked, check_question
from .policy import paragraph_vocabulary
from .retrieval import Passage, Retrieval, Retriever
from .schema import Answer, AnswerSentence, Chunk, Citation
from .settings import Settings, load_settings
from .store import IndexSnapshot, live_snapshot
from .text import split_sentences, token_overlap, word_tokens

WHERE_ELSE = (
    "Check the official statutory guidance for the police on Stalking Protection Orders, "
    "or ask your force's public protection unit or legal services."
)
REFUSALS = {
    "empty": "Please type a question about Stalking Protection Orders.",
    "not_found": "I can't find this in the SPO guidance notes I hold, so I won't guess. "
    "I answer questions about Stalking Protection Orders in England and Wales "
    "(applying, the conditions, interim orders, terms, notification, breach, variation and "
    "appeals). " + WHERE_ELSE,
    "injection": "I can't follow instructions to change how I work or to reveal my "
    "configuration. I can answer procedural questions about Stalking Protection Orders "
    "from the guidance.",
    "locate_victim": "I can't help to find where a victim lives or has moved to: that "
    "information is protected and handled only on force systems under force procedures. "
    "I can answer procedural questions about Stalking Protection Orders from the guidance.",
    "jurisdiction": "The guidance I hold covers Stalking Protection Orders in England and "
    "Wales only, so I can't answer for other parts of the UK.",
    "sentencing": "Sentencing guideline assessments are not part of the SPO guidance I hold. "
    "Consult the Sentencing Council guidelines or the CPS.",
    "case decision": "I can't predict a charging or court decision about a particular "
    "person or case. Speak to your supervisor or use the CPS charging process.",
}
_FIRST_PASSAGE_WEIGHT = 0.05
_KEEP_RATIO = 0.6
_PART_WEIGHT = 0.5
_COVERAGE_WEIGHT = 0.5


@dataclass
class AnswerStream:
    """Text pieces as they are ready; ``answer`` is complete once iteration ends."""

    pieces: Iterator[str]
    answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        return self.pieces


@dataclass
class _Candidate:
    text: str
    passage: Passage
    scores: list[float] = field(default_factory=list)  # one per question part


class Assistant:
    """Answers questions from the live index; one instance serves many threads."""

    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings or load_settings()
        self.embedder = embedder or get_embedder(self.settings)
        self._retriever: Retriever | None = None

    def retriever(self) -> Retriever:
        """The retriever for the live version, rebuilt only when a new version is published."""
        snapshot: IndexSnapshot = live_snapshot(self.settings)
        if self._retriever is None or self._retriever.snapshot is not snapshot:
            self._retriever = Retriever(snapshot, self.embedder, self.settings)
        return self._retriever

    def ask(
        self, question: str, history: list[str] | None = None, audience: str | None = None
    ) -> Answer:
        """Answer ``question``; ``history`` holds the earlier user questions, oldest first.

        ``audience`` is the reader's role (a key of the audiences in
        ``assistant/policy/paragraphs.yaml``): that role's guidance is preferred, and the
        answer says when it quotes guidance written for another role.
        """
        stream = self.stream(question, history, audience)
        for _ in stream:
            pass
        assert stream.answer is not None
        return stream.answer

    def stream(
        self, question: str, history: list[str] | None = None, audience: str | None = None
    ) -> AnswerStream:
        """The answer as text pieces (for ``st.write_stream``); ``.answer`` once drained.

        In generative mode a piece is a sentence that has passed the support check, so an
        officer never sees an unchecked sentence; the extractive answer streams word by word.
        """
        holder = AnswerStream(iter(()))
        if audience is not None and audience not in paragraph_vocabulary().audiences:
            raise QuestionError(f"unknown audience {audience!r}")
        holder.pieces = self._pieces(question, history or [], holder, audience)
        return holder

    def _pieces(
        self, question: str, history: list[str], holder: AnswerStream, audience: str | None
    ) -> Iterator[str]:
        timings: dict[str, float] = {}
        start = time.perf_counter()
        limit = self.settings.max_question_chars
        checked = check_question(question, limit)
        earlier = [check_question(h, limit).question for h in history]
        timings["guard_ms"] = _ms(start)
        retriever = self.retriever()
        retrieval: Retrieval | None = None
        if checked.refusal:
            answer = self._refuse(checked, checked.refusal, retriever)
        else:
            mark = time.perf_counter()
            try:
                retrieval = retriever.retrieve(checked.question, earlier, audience)
            except StoreUnavailable:
                # A version this retriever held may have been cleaned up after newer ones
                # were published; if the pointer has moved, answer from the live version.
                fresh = self.retriever()
                if fresh is retriever:
                    raise
                retriever = fresh
                retrieval = retriever.retrieve(checked.question, earlier, audience)
            timings["retrieval_ms"] = _ms(mark)
            mark = time.perf_counter()
            if retrieval.top_dense < self.settings.refusal_threshold or not retrieval.passages:
                answer = self._refuse(checked, "not_found", retriever)
            elif self.settings.llm_backend != "none":
                generated = self._generate(checked, retrieval)
                yield from generated
                answer = generated.answer or self._refuse(checked, "not_found", retriever)
                if generated.answer is None:
                    answer.notices.append(
                        "The language model's answer was not supported by the guidance, "
                        "so it is not shown."
                    )
            else:
                answer = self._compose(checked, retrieval, retriever, audience)
            timings["compose_ms"] = _ms(mark)
            answer.retrieval_query = retrieval.query
            answer.retrieved = [p.chunk.chunk_id for p in retrieval.passages]
            answer.top_score = retrieval.top_dense
        answer.corpus_version = retriever.snapshot.version
        answer.audience = audience
        if audience and not answer.refused:
            answer.other_audiences = _other_audiences(answer, retriever, audience)
            if answer.other_audiences:
                names = [
                    paragraph_vocabulary().audiences[a].label.lower()
                    for a in answer.other_audiences
                ]
                answer.notices.append(
                    "Part of this answer quotes guidance written for the "
                    + " and ".join(names)
                    + " role, not yours."
                )
        timings["total_ms"] = _ms(start)
        answer.timings = timings
        holder.answer = answer
        if answer.mode == "extractive" or answer.refused:
            for word in re.split(r"(\s+)", answer.text):
                if word:
                    yield word

    def _generate(self, checked: Checked, retrieval: Retrieval) -> CheckedStream:
        citations = [cite(i + 1, p.chunk) for i, p in enumerate(retrieval.passages)]
        return CheckedStream(self.settings, self.embedder, checked, citations)

    def _refuse(self, checked: Checked, reason: str, retriever: Retriever) -> Answer:
        text = REFUSALS[reason]
        if reason in ("not_found", "jurisdiction", "sentencing", "case decision"):
            text = f"{text} {WHERE_ELSE}" if reason != "not_found" else text
        citations: list[Citation] = []
        scope = self._scope_passage(checked.question, retriever) if reason != "empty" else None
        sentences = [AnswerSentence(text, ())]
        if scope is not None and reason != "not_found":
            citations.append(cite(1, scope))
            sentences = [AnswerSentence(text, (1,))]
            text = f"{text} [1]"
        return Answer(
            question=checked.question,
            text=text,
            sentences=sentences,
            citations=citations,
            refused=True,
            refusal_reason=reason,
            notices=checked.notices,
        )

    def _scope_passage(self, question: str, retriever: Retriever) -> Chunk | None:
        """The paragraph of the scope note closest to the question, cited with a refusal."""
        chunks = [c for c in retriever.snapshot.chunks if c.doc_id == self.settings.scope_doc_id]
        if not chunks:
            return None
        vectors = retriever.sentence_vectors([c.text for c in chunks])
        query = self.embedder.encode([question])[0]
        return chunks[int(np.argmax(vectors @ query))]

    def _compose(
        self, checked: Checked, retrieval: Retrieval, retriever: Retriever, audience: str | None
    ) -> Answer:
        """Score every sentence of the retrieved passages against each part of the question.

        A sentence's score blends its similarity to the part it may answer and to the whole
        question (a part like "how long does it last?" needs the whole for its subject), plus
        the rare query words it covers, read with its note's title and heading so a sentence
        from the interim-orders note counts as being about interim orders.
        """
        parts = question_parts(checked.question)
        separate = len(parts) > 1 or retrieval.follow_up  # a follow-up's own words lead
        vectors = self.embedder.encode(parts) if separate else retrieval.vector[None, :]
        candidates = [
            _Candidate(sentence, passage)
            for passage in [*retrieval.passages, *retrieval.context]
            for sentence in split_sentences(passage.chunk.text)
        ]
        sentence_vectors = retriever.sentence_vectors([c.text for c in candidates])
        to_part = sentence_vectors @ vectors.T
        to_whole = sentence_vectors @ retrieval.vector
        expansion = " ".join(retrieval.expansions.values())
        for i, candidate in enumerate(candidates):
            chunk = candidate.passage.chunk
            context = f"{chunk.title} {chunk.section} {candidate.text}"
            bonus = _FIRST_PASSAGE_WEIGHT / (1 + candidate.passage.rank)
            other_role = bool(audience and chunk.audiences and audience not in chunk.audiences)
            factor = self.settings.audience_weight if other_role else 1.0
            candidate.scores = [
                factor
                * (
                    _PART_WEIGHT * float(to_part[i, j])
                    + (1 - _PART_WEIGHT) * float(to_whole[i])
                    + _COVERAGE_WEIGHT * retriever.term_coverage(f"{part} {expansion}", context)
                    + bonus
                )
                for j, part in enumerate(parts)
            ]
        chosen = _select(
            candidates, sentence_vectors, len(parts), self.settings.answer_max_sentences
        )
        return _render(checked, chosen)


_PART_BREAK = re.compile(
    r"[?;]\s+|\?$|\n+|,?\s+and\s+(?=(?:how|what|when|where|who|which|why|is|are|can|does|do|should|must|will)\b)",
    re.IGNORECASE,
)


def question_parts(question: str) -> list[str]:
    """A multi-part question answered part by part: split at question marks and semicolons."""
    pieces = [p.strip() for p in _PART_BREAK.split(question) if p and p.strip()]
    parts = [p for p in pieces if len(word_tokens(p)) >= 2]
    if len(parts) > 4:
        return [question]
    return parts or [question]


def _select(
    candidates: list[_Candidate], vectors: np.ndarray, n_parts: int, limit: int
) -> list[_Candidate]:
    """Take sentences part by part in turns, so every part of the question is answered.

    Each turn gives every part its best remaining sentence, provided it scores within
    ``_KEEP_RATIO`` of that part's best and does not repeat a sentence already taken
    (near-identical meaning, or most words shared in either direction).
    """
    chosen: list[int] = []

    def redundant(i: int) -> bool:
        a = candidates[i].text
        return any(
            float(vectors[i] @ vectors[j]) > 0.9
            or max(token_overlap(a, candidates[j].text), token_overlap(candidates[j].text, a))
            > 0.75
            for j in chosen
        )

    def by_part(part: int) -> list[int]:
        return sorted(range(len(candidates)), key=lambda i: -candidates[i].scores[part])

    orders = [by_part(part) for part in range(n_parts)]
    bests = [candidates[order[0]].scores[p] if order else 0.0 for p, order in enumerate(orders)]
    progress = True
    while progress and len(chosen) < limit:
        progress = False
        for part, order in enumerate(orders):
            if len(chosen) >= limit:
                break
            floor = _KEEP_RATIO * bests[part] if chosen else float("-inf")
            pick = next(
                (
                    i
                    for i in order
                    if i not in chosen and candidates[i].scores[part] >= floor and not redundant(i)
                ),
                None,
            )
            if pick is not None:
                chosen.append(pick)
                progress = True
    return [candidates[i] for i in chosen]


def _render(checked: Checked, chosen: list[_Candidate]) -> Answer:
    citations: dict[str, Citation] = {}
    sentences: list[AnswerSentence] = []
    for candidate in chosen:
        chunk = candidate.passage.chunk
        if chunk.chunk_id not in citations:
            citations[chunk.chunk_id] = cite(len(citations) + 1, chunk)
        marker = citations[chunk.chunk_id].marker
        sentences.append(AnswerSentence(candidate.text, (marker,)))
    lines = [f"{sentences[0].text} [{sentences[0].citations[0]}]"]
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


def _other_audiences(answer: Answer, retriever: Retriever, audience: str) -> list[str]:
    """Roles of the cited paragraphs that are written only for roles other than the reader's."""
    roles: dict[str, None] = {}
    for citation in answer.citations:
        chunk = retriever.snapshot.by_id.get(citation.chunk_id)
        if chunk is not None and chunk.audiences and audience not in chunk.audiences:
            roles.update(dict.fromkeys(chunk.audiences))
    return list(roles)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)
