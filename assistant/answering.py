"""The assistant: question in, short cited answer (or a plain refusal) out.

:class:`Assistant` only orchestrates parts it is given: the guard sets aside what is not
the question, the retriever finds passages, the scope policy decides whether the request
is one the notes answer, and an answerer writes the answer: the extractive one
(:mod:`assistant.composing`, the default, which quotes) or the generative one (checked
sentence by sentence in :mod:`assistant.citations`).  A refusal says which kind of request
it is and where to look instead.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .citations import CheckedStream, cite
from .composing import ExtractiveAnswerer
from .embedding import Embedder, get_embedder
from .errors import QuestionError, StoreUnavailable
from .followups import fold
from .guard import CheckedQuestion, check_question
from .policy import paragraph_vocabulary
from .retrieval import Retrieval, Retriever
from .schema import Answer, AnswerSentence, Chunk, Citation
from .scope import ScopePolicy
from .settings import Settings, load_settings
from .store import IndexSnapshot, live_snapshot


@dataclass
class AnswerStream:
    """Text pieces as they are ready; ``answer`` is complete once iteration ends."""

    pieces: Iterator[str]
    answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        return self.pieces


class Assistant:
    """Answers questions from the live index; one instance serves many threads."""

    def __init__(
        self,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        answerer: ExtractiveAnswerer | None = None,
        scope: ScopePolicy | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.embedder = embedder or get_embedder(self.settings)
        self.answerer = answerer or ExtractiveAnswerer(self.settings)
        self.scope = scope or ScopePolicy(self.embedder)
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
        if audience is not None and audience not in paragraph_vocabulary().audiences:
            raise QuestionError(f"unknown audience {audience!r}")
        holder = AnswerStream(iter(()))
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
        # Shorthand is read as the words meant before anything reads the question; typos of
        # the notes' words where a word decides whether the question is declined, and for the
        # search in a question with several (assistant/spelling.py).
        speller = retriever.speller
        checked.question = speller.searched(checked.question)
        earlier = [speller.searched(e) for e in earlier]
        # A follow-up is judged with the turns it leans on: "where?" is not an empty
        # question and "does it drop off once the full hearing's done?" not an unrelated one.
        folded = fold(checked.question, earlier, self.settings.history_turns)
        refusal = checked.refusal
        if refusal == "empty" and folded.follow_up:
            refusal = None
        refusal = refusal or self.scope.by_words(speller.correct(folded.text), retriever.snapshot)
        retrieval: Retrieval | None = None
        if refusal:
            answer = self._refuse(checked, refusal, retriever)
        else:
            mark = time.perf_counter()
            retrieval, retriever = self._retrieve(retriever, checked.question, earlier, audience)
            corrected = speller.correct(checked.question)
            reason = self._declined(retrieval, corrected, checked)
            if reason and corrected != checked.question:
                # Before declining, the question is searched again with its typos corrected:
                # "do spo condtions aply in scotland" reads like the Scottish examples.
                again, retriever = self._retrieve(retriever, corrected, earlier, audience)
                if not self._declined(again, corrected, checked):
                    retrieval, reason, checked.question = again, None, corrected
            timings["retrieval_ms"] = _ms(mark)
            mark = time.perf_counter()
            if reason:
                answer = self._refuse(checked, reason, retriever, retrieval.vector)
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
                answer = self.answerer.answer(
                    checked, retrieval, retriever, audience
                ) or self._refuse(checked, "not_found", retriever)
            timings["compose_ms"] = _ms(mark)
            answer.retrieval_query = retrieval.query
            answer.retrieved = [p.chunk.chunk_id for p in retrieval.passages]
            answer.top_score = retrieval.top_dense
        answer.corpus_version = retriever.snapshot.version
        answer.audience = audience
        if audience and not answer.refused:
            answer.other_audiences = _other_audiences(answer, retriever, audience)
            if answer.other_audiences:
                labels = paragraph_vocabulary().audiences
                names = [labels[a].label.lower() for a in answer.other_audiences]
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

    def _retrieve(
        self, retriever: Retriever, question: str, earlier: list[str], audience: str | None
    ) -> tuple[Retrieval, Retriever]:
        try:
            return retriever.retrieve(question, earlier, audience), retriever
        except StoreUnavailable:
            # A version this retriever held may have been cleaned up after newer ones
            # were published; if the pointer has moved, answer from the live version.
            fresh = self.retriever()
            if fresh is retriever:
                raise
            return fresh.retrieve(question, earlier, audience), fresh

    def _declined(
        self, retrieval: Retrieval, question: str, checked: CheckedQuestion
    ) -> str | None:
        """Why the notes cannot answer it: a kind of request they decline, or nothing
        close enough.  Once an injection is set aside, a remainder the notes do not answer
        means the message was the injection."""
        reason = self._out_of_scope(retrieval, question)
        if reason:
            return reason
        if retrieval.top_dense < self.settings.refusal_threshold or not retrieval.passages:
            return "injection" if "injection" in checked.set_aside else "not_found"
        return None

    def _out_of_scope(self, retrieval: Retrieval, question: str) -> str | None:
        """Declined when the scope note answers it best, or an intent is clearly closer.

        The scope note's own paragraphs (and the questions written beside them) say what
        is not covered, so they are left out of "how well do the notes answer this".
        """
        scope_doc = self.settings.scope_doc_id
        best = retrieval.passages[0].chunk if retrieval.passages else None
        if best is not None and best.doc_id == scope_doc:
            reason = self.scope.by_scope_note(best.paragraphs, question)
            if reason:
                return reason
        in_scope = max(
            (max(p.dense, p.ask) for p in retrieval.passages if p.chunk.doc_id != scope_doc),
            default=0.0,
        )
        return self.scope.by_meaning(retrieval.vector, in_scope).reason

    def _generate(self, checked: CheckedQuestion, retrieval: Retrieval) -> CheckedStream:
        citations = [cite(i + 1, p.chunk) for i, p in enumerate(retrieval.passages)]
        return CheckedStream(self.settings, self.embedder, checked, citations)

    def _refuse(
        self,
        checked: CheckedQuestion,
        reason: str,
        retriever: Retriever,
        vector: np.ndarray | None = None,
    ) -> Answer:
        """A refusal names the kind of request; a scope refusal cites the scope note."""
        text = self.scope.refusal_text(reason)
        citations: list[Citation] = []
        sentences = [AnswerSentence(text, ())]
        scope = self._scope_passage(reason, retriever, vector)
        if scope is not None:
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

    def _scope_passage(
        self, reason: str, retriever: Retriever, vector: np.ndarray | None
    ) -> Chunk | None:
        """The paragraph of the scope note that says why this kind of request is declined."""
        intent = self.scope.intents.get(reason)
        if intent is None:
            return None
        chunks = [
            c
            for c in retriever.snapshot.chunks
            if c.doc_id == self.settings.scope_doc_id and set(c.paragraphs) & set(intent.cites)
        ]
        if len(chunks) < 2 or vector is None:
            return chunks[0] if chunks else None
        vectors = retriever.sentence_vectors([c.embed_text for c in chunks])
        return chunks[int((vectors @ vector).argmax())]


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
