"""Citations, and checking a generated answer sentence by sentence against them.

A generative model, above all a small one, writes fluent sentences that the passages do not
say and puts a plausible [n] after them.  :func:`verify` splits the draft into sentences, reads
each one's markers, and scores the sentence against the text of the passage(s) it cites; a
sentence that cites nothing, cites a passage that was not given, or scores below the threshold
comes back with ``supported=False`` so the interface can flag it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence

import numpy as np

from .embedding import Embedder
from .guard import CheckedQuestion
from .schema import Answer, AnswerSentence, Chunk, Citation
from .settings import Settings
from .text import split_sentences, token_overlap

# [1]  [1, 2]  [1-3]  [1][2]  [Passage 2]
_MARKER = re.compile(r"\[\s*(?:passage\s*)?(\d+(?:\s*[,;\u2013-]\s*\d+)*)\s*\]", re.IGNORECASE)
# A marker written after the full stop ("... years. [1] Next") belongs to the sentence before it.
_MARKER_AFTER_STOP = re.compile(r"([.!?])((?:\s*" + _MARKER.pattern + r")+)", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")

# Weight of the embedding cosine in the support score (the rest is lexical overlap).
EMBEDDING_WEIGHT = 0.5
# Multiplier applied when the sentence states a figure that the passage does not contain.
NEW_FIGURE_FACTOR = 0.5
# "one" is left out: it is far more often a pronoun than a figure.
_SMALL_NUMBERS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(_SMALL_NUMBERS) if w != "one"} | {
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "sixty": "60",
    "ninety": "90",
}


def _markers(body: str) -> list[int]:
    found: list[int] = []
    for piece in re.split(r"\s*[,;]\s*", body):
        ends = [int(n) for n in re.split(r"\s*[\u2013-]\s*", piece)]
        if len(ends) == 2 and 0 < ends[1] - ends[0] < 20:
            found.extend(range(ends[0], ends[1] + 1))
        else:
            found.extend(ends)
    return found


def _clean(sentence: str) -> str:
    text = " ".join(_MARKER.sub(" ", sentence).split())
    return re.sub(r"\s+([.,;:!?])", r"\1", text)


def parse_cited_sentences(
    text: str, known: Collection[int] | None = None
) -> list[tuple[str, tuple[int, ...]]]:
    """Split generated text into (sentence without markers, markers it carries) pairs.

    Lines are split first (so bullet points stay apart), then sentences.  ``[0]`` never names a
    passage and is ignored; when ``known`` is given, markers outside it are ignored too.  A
    piece that is nothing but markers is credited to the sentence before it.
    """
    out: list[tuple[str, tuple[int, ...]]] = []
    for line in text.splitlines():
        line = _MARKER_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", line)
        for raw in split_sentences(_BULLET.sub("", line)):
            cited: list[int] = []
            for match in _MARKER.finditer(raw):
                for n in _markers(match.group(1)):
                    if n > 0 and (known is None or n in known) and n not in cited:
                        cited.append(n)
            sentence = _clean(raw)
            if not re.search(r"\w", sentence):
                if out and cited:
                    prev, prev_cited = out[-1]
                    out[-1] = (prev, tuple(dict.fromkeys((*prev_cited, *cited))))
                continue
            out.append((sentence, tuple(cited)))
    return out


def _numbers(text: str) -> set[str]:
    """Figures in ``text`` as digit strings; number words are folded ("five" -> "5")."""
    lowered = text.lower()
    found = set(re.findall(r"\d+(?:\.\d+)?", lowered))
    found.update(_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", lowered) if w in _NUMBER_WORDS)
    return found


def _split_compounds(text: str) -> str:
    """ "two-year" -> "two year", so a compound matches its parts (text.word_tokens keeps it)."""
    return re.sub(r"(?<=\w)[-\u2013/](?=\w)", " ", text)


def support_score(sentence: str, passage: str, embedder: Embedder) -> float:
    """How well ``passage`` supports ``sentence``, in [0, 1]; deterministic for a given model.

    ``score = 0.5 * cosine + 0.5 * overlap``, halved when the sentence states a figure the
    passage does not contain, where

    * ``cosine`` is the largest cosine similarity between the sentence and any one sentence of
      the passage (clipped at 0).  Comparing sentence to sentence rather than to the whole
      passage keeps a long passage from diluting the one sentence that says the same thing,
      and it credits paraphrase that shares few words.
    * ``overlap`` is :func:`assistant.text.token_overlap` (hyphenated compounds split first):
      the share of the sentence's content words, stemmed, that occur anywhere in the passage.
    * a *figure* is a number in digits or words ("5", "five", "28", "2019"); number words are
      folded to digits so "five years" and "5 years" agree.

    Why: sentence embeddings are topical.  "An interim SPO lasts for ten years" sits close to
    any sentence about how long an interim order lasts, whatever the number, so cosine alone
    passes invented facts on the right topic; word overlap catches the new term the passage
    never uses but alone fails fair paraphrase; and one wrong figure changes only one word in
    ten, yet durations, penalties, deadlines and section numbers are exactly the facts an
    officer acts on, so a figure the passage lacks sinks the sentence below any useful
    threshold.  Weights and ``settings.support_threshold`` were measured on hand-written
    paraphrase and contradiction pairs (tests/test_generation.py).  Known blind spot: a false
    sentence built only from the passage's own words ("with reasonable excuse", a court or
    duration moved to another kind of order) scores high; catching it needs an entailment
    model, which is not available offline here.
    """
    pieces = split_sentences(passage) or [passage]
    vectors = embedder.encode([sentence, *pieces])
    cosine = max(float(np.max(vectors[1:] @ vectors[0])), 0.0)
    overlap = token_overlap(_split_compounds(sentence), _split_compounds(passage))
    score = EMBEDDING_WEIGHT * cosine + (1.0 - EMBEDDING_WEIGHT) * overlap
    if _numbers(sentence) - _numbers(passage):
        score *= NEW_FIGURE_FACTOR
    return round(min(max(score, 0.0), 1.0), 4)


def verify(
    generated_text: str,
    citations: Sequence[Citation],
    embedder: Embedder,
    threshold: float,
) -> list[AnswerSentence]:
    """Every sentence of the draft with its citations and a support verdict.

    A sentence is scored against the text of all the passages it cites taken together (a
    sentence may join two passages).  It is unsupported when it cites nothing, cites a marker
    that names no given passage, or scores below ``threshold``.
    """
    by_marker = {c.marker: c for c in citations}
    checked: list[AnswerSentence] = []
    for sentence, cited in parse_cited_sentences(generated_text):
        valid = tuple(n for n in cited if n in by_marker)
        if not valid:
            checked.append(AnswerSentence(sentence, (), supported=False, support=0.0))
            continue
        passage = " ".join(by_marker[n].quote for n in valid)
        score = support_score(sentence, passage, embedder)
        ok = score >= threshold and len(valid) == len(cited)
        checked.append(AnswerSentence(sentence, valid, supported=ok, support=score))
    return checked


def cite(marker: int, chunk: Chunk) -> Citation:
    """The citation an officer sees for ``chunk``, numbered ``marker``."""
    return Citation(
        marker=marker,
        chunk_id=chunk.chunk_id,
        doc_id=chunk.doc_id,
        title=chunk.title,
        section=" > ".join(chunk.heading_path),
        paragraphs=chunk.para_label,
        page=chunk.page,
        edition=chunk.edition,
        effective_date=chunk.effective_date,
        source_path=chunk.source_path,
        quote=chunk.text,
        page_end=chunk.page_end,
    )


class CheckedStream:
    """Streams a language model's answer one checked sentence at a time.

    Tokens are buffered until a sentence (with its [n] markers) is complete; the sentence is
    then checked against the passages it cites.  Supported sentences are yielded; unsupported
    ones are held back and reported, and if none is supported the answer becomes a refusal.
    """

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        checked: CheckedQuestion,
        citations: list[Citation],
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.checked = checked
        self.citations = citations
        self.sentences: list[AnswerSentence] = []
        self.answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        from .generation import generate

        buffer = ""
        for token in generate(self.settings, self.checked.question, self.citations):
            buffer += token
            pieces = split_sentences(buffer)
            if len(pieces) > 1 and not pieces[-1].startswith("["):
                complete = buffer[: buffer.rindex(pieces[-1])]
                buffer = buffer[len(complete) :]
                yield from self._check(complete)
        yield from self._check(buffer)
        self.answer = self._finish()

    def _check(self, text: str) -> Iterator[str]:
        if not text.strip():
            return
        for sentence in verify(
            text, self.citations, self.embedder, self.settings.support_threshold
        ):
            self.sentences.append(sentence)
            if sentence.supported:
                markers = "".join(f"[{m}]" for m in sentence.citations)
                yield f"{sentence.text} {markers} "

    def _finish(self) -> Answer | None:
        supported = [s for s in self.sentences if s.supported]
        if not supported:
            return None
        dropped = len(self.sentences) - len(supported)
        used = {m for s in supported for m in s.citations}
        notices = list(self.checked.notices)
        if dropped:
            notices.append(
                f"{dropped} sentence(s) the language model wrote were removed because the "
                "cited guidance does not support them."
            )
        return Answer(
            question=self.checked.question,
            text=" ".join(f"{s.text} " + "".join(f"[{m}]" for m in s.citations) for s in supported),
            sentences=self.sentences,
            citations=[c for c in self.citations if c.marker in used],
            refused=False,
            notices=notices,
            mode=self.settings.llm_backend,
        )
