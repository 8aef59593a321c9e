"""Hybrid retrieval: BM25 and dense search fused by reciprocal rank, then de-duplicated.

No cross-encoder runs offline here, so ranking comes from two cheap, complementary signals:
BM25 catches exact terms officers type (``s4A``, ``S-DASH``), the bi-encoder catches
paraphrase.  Abbreviations are expanded from the corpus glossary itself, so a maintainer who
adds a glossary entry teaches retrieval a new term without touching code.  Follow-ups carry
the earlier turns' words, so "and how long does that last?" still finds the right passages.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field

import numpy as np

from .embedding import Embedder
from .followups import fold, follow_up_policy
from .policy import Scorer, narrowing, paragraph_vocabulary, passage_scorer, related_terms
from .redaction import without_placeholders
from .schema import Chunk
from .settings import Settings
from .spelling import Speller
from .store import IndexSnapshot
from .text import asking_sentences, split_sentences, token_overlap, word_tokens

GLOSSARY_ENTRY = re.compile(r"^(?P<term>[^—]{1,60}?)\s+—\s+(?P<expansion>[^.]+)\.")


@dataclass(frozen=True)
class Passage:
    chunk: Chunk
    score: float  # fused score, higher is better
    dense: float  # cosine similarity with the query
    rank: int
    ask: float = 0.0  # cosine similarity of the query with the closest question it answers


@dataclass
class Retrieval:
    query: str  # what was searched, after follow-up folding and glossary expansion
    vector: np.ndarray
    passages: list[Passage]
    expansions: dict[str, str] = field(default_factory=dict)
    follow_up: bool = False
    context: list[Passage] = field(default_factory=list)  # sibling paragraphs of the best hits
    parts: list[str] = field(default_factory=list)  # the question's parts, each searched too
    part_vectors: np.ndarray | None = None  # one row per part, when parts were searched apart
    related: list[str] = field(default_factory=list)  # related-terms text searched with it

    @property
    def top_dense(self) -> float:
        """How close the best passage, or a question it answers, is to the question."""
        return max((max(p.dense, p.ask) for p in self.passages), default=0.0)


@dataclass(frozen=True)
class Query:
    searched: list[str]  # the expanded question, then each part (if several, or a follow-up)
    keywords: str  # what the keyword search reads for the whole question
    meaning_asked: list[str]  # glossary terms whose meaning the question asks
    parts: list[str]  # what the answer answers, in order
    expansions: dict[str, str]  # glossary abbreviations found -> their expansion
    related: list[str]  # related-terms text added
    follow_up: bool
    typed: str  # the question as typed (with the turn it leans on), without expansions


@dataclass(frozen=True)
class Candidate:
    """A paragraph some search found, with the evidence that it answers the question."""

    chunk: Chunk
    features: dict[str, float]
    probability: float
    closest_ask: float  # its nearest written question, by the typed or the expanded search


class Glossary:
    """Term -> expansion pairs read from the glossary document's chunks.

    Short forms match in any case ("spo", "dvpn"), except those whose lower-case spelling
    is an everyday word (``everyday``): "spo app" is an application, not Authorised
    Professional Practice, and "four days" is not the FOUR mnemonic, so APP, FOUR, PIN,
    SAM, DASH and SASH match only as the glossary writes them.
    """

    def __init__(
        self, chunks: list[Chunk], doc_id: str, everyday: frozenset[str] = frozenset()
    ) -> None:
        self.entries: dict[str, str] = {}
        self.chunk_ids: dict[str, str] = {}  # term -> the glossary paragraph defining it
        for chunk in chunks:
            if chunk.doc_id != doc_id:
                continue
            match = GLOSSARY_ENTRY.match(chunk.text)
            if match:
                self.entries[match["term"].strip()] = match["expansion"].strip()
                self.chunk_ids[match["term"].strip()] = chunk.chunk_id
        self._patterns = [
            (
                term,
                expansion,
                re.compile(
                    rf"(?<![\w-]){_term_pattern(term)}(?![\w-])",
                    0 if _is_word(term, everyday) else re.IGNORECASE,
                ),
            )
            for term, expansion in self.entries.items()
            if _is_abbreviation(term)
        ]
        self._long_forms = [
            (term, short, re.compile(rf"\b{_term_pattern(expansion)}\b", re.IGNORECASE))
            for term, expansion, short in self._patterns
        ]

    def expand(self, text: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for term, expansion, pattern in self._patterns:
            if pattern.search(text) and expansion.lower() not in text.lower():
                found[term] = expansion
        return found

    def abbreviate(self, text: str) -> str:
        """``text`` with each long form it spells out written as the notes write it: the
        short form, the long form after it in brackets.

        The notes write "SPO" almost everywhere, so a question spelling out "stalking
        protection order" reads to the search as being about stalking (the s4A offence's
        10 years for "the max penalty for breaching a stalking protection order") unless
        it names the order the way they do.
        """
        for term, short, long_form in self._long_forms:
            if not short.search(text):
                # sub() calls the lambda at once, inside this iteration
                text = long_form.sub(lambda m: f"{term} ({m.group(0)})", text)  # noqa: B023
        return text


def _is_abbreviation(term: str) -> bool:
    """Only short forms are expanded; a spelled-out term needs no help."""
    return any(c.isupper() for c in term[1:]) or bool(re.search(r"\d", term)) or len(term) <= 4


def _is_word(term: str, everyday: frozenset[str]) -> bool:
    """Whether a short form reads as an ordinary word when typed in lower case (two-letter
    forms such as AP and IP are left to match in any case: officers type "ap" for them)."""
    return len(term) >= 3 and term.isalpha() and term.lower() in everyday


def _term_pattern(term: str) -> str:
    """``s2A`` also matches ``2A`` and ``s 2A``; spaces in ``PHA 1997`` match any spacing."""
    escaped = r"\s*".join(re.escape(part) for part in term.split())
    if re.fullmatch(r"s\d+[A-Z]?", term):
        escaped = rf"(?:s\.?\s?)?{re.escape(term[1:])}"
    return escaped


class Retriever:
    """Searches one index snapshot; cheap to build per snapshot, safe to share across threads."""

    def __init__(
        self,
        snapshot: IndexSnapshot,
        embedder: Embedder,
        settings: Settings,
        scorer: Scorer | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.scorer = scorer or passage_scorer()
        self.embedder = embedder
        self.settings = settings
        self.glossary = Glossary(snapshot.chunks, settings.glossary_doc_id, embedder.whole_words())
        self.speller = Speller(
            [t for c in snapshot.chunks for t in (c.embed_text, *c.asks)], embedder.whole_words()
        )
        self._sentence_vectors: dict[str, np.ndarray] = {}
        self._sections: dict[tuple[str, tuple[str, ...]], list[Chunk]] = {}
        frequency: dict[str, int] = {}
        for chunk in snapshot.chunks:
            for token in set(word_tokens(chunk.embed_text)):
                frequency[token] = frequency.get(token, 0) + 1
        total = max(1, len(snapshot.chunks))
        self.idf = {t: math.log(1 + total / n) for t, n in frequency.items()}
        self._unseen_idf = math.log(1 + total)
        for chunk in snapshot.chunks:
            if chunk.doc_id != settings.glossary_doc_id:
                self._sections.setdefault(_section_key(chunk), []).append(chunk)
        self._lock = threading.Lock()

    def retrieve(
        self, question: str, history: list[str] | None = None, audience: str | None = None
    ) -> Retrieval:
        """Passages for ``question``; with ``audience``, that role's paragraphs rank first.

        A paragraph written for other roles only is kept but down-weighted by
        ``audience_weight``, so a reader still gets the answer when only another role's
        guidance holds it, and the answer says so.
        """
        s = self.settings
        query = self.query(question, history)
        vectors, ask_vectors = self.encode(query)
        candidates = self.candidates(query, vectors, ask_vectors, audience)
        ordered = sorted(candidates, key=lambda c: -c.probability)
        # "what does OIC mean?" is answered by the glossary's entry for OIC, when a search
        # found it: it leads, though the ranking holds glossary paragraphs back (they rarely
        # answer a question).
        asked = {
            self.glossary.chunk_ids[t] for t in query.meaning_asked if t in self.glossary.chunk_ids
        }
        top = ordered[0].probability if ordered else 0.0
        ordered.sort(key=lambda c: c.chunk.chunk_id not in asked)
        passages: list[Passage] = []
        for candidate in ordered:
            chunk = candidate.chunk
            if any(_near_duplicate(chunk, p.chunk) for p in passages):
                continue
            passages.append(
                Passage(
                    chunk,
                    top if chunk.chunk_id in asked else candidate.probability,
                    candidate.features["dense_whole"],
                    len(passages),
                    candidate.closest_ask,
                )
            )
            if len(passages) == s.retrieve_k:
                break
        vector = vectors[0]
        context = self._siblings(passages[: s.context_passages], passages, vector)
        return Retrieval(
            query.searched[0],
            vector,
            passages,
            query.expansions,
            query.follow_up,
            context,
            query.parts,
            vectors[1:] if len(query.searched) > 1 else None,
            query.related,
        )

    def query(self, question: str, history: list[str] | None = None) -> Query:
        """What is searched for ``question``: folded with the conversation, expanded, split."""
        asked = self.glossary.abbreviate(focus(without_placeholders(question)))
        folded = fold(asked, history or [], self.settings.history_turns)
        text, follow_up = folded.text, folded.follow_up
        expansions = self.glossary.expand(text)
        related = self.related(text)
        expanded = " ".join(
            [text, *(f"({t}: {e})" for t, e in expansions.items()), *(f"({r})" for r in related)]
        )
        # A spelled-out name matches every word of the paragraph that defines the term, so
        # the keyword search reads it only for a term the question asks about, not one named
        # in its story: "DASH done, what next?" is answered by the next step, not by what
        # DASH stands for.
        asking = " ".join(asking_sentences(text, any_case=True)) or text
        asked_terms = {
            t: e
            for t, e in expansions.items()
            if paragraph_vocabulary().asks_what(t, text)
            or re.search(rf"(?<![\w-]){re.escape(t)}(?![\w-])", asking, re.IGNORECASE)
        }
        keywords = " ".join(
            [text, *(f"({t}: {e})" for t, e in asked_terms.items()), *(f"({r})" for r in related)]
        )
        # A follow-up is searched with the turn it leans on, but what it asks is its own: the
        # earlier question had its answer, and answering it again would push the follow-up's
        # answer ("and what if he goes abroad?") under a repeat of the last one.
        parts = question_parts(folded.asked)
        searched = [expanded, *(parts if len(parts) > 1 or follow_up else [])]
        meant = [t for t in expansions if paragraph_vocabulary().asks_meaning(t, folded.asked)]
        return Query(searched, keywords, meant, parts, expansions, related, follow_up, text)

    def encode(self, query: Query) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of what the searches read, in one batch: ``query.searched``, and for the
        question search the same with the typed question beside the expanded one.

        The questions written beside each paragraph use officers' own shorthand ("can the
        SPO be served by post?"), and a spelled-out expansion pulls the typed question away
        from them, so the ranking reads the typed question's search.  For slang the
        expansion spells out ("mags", "send him down") it is the other way round, and the
        refusal gate, calibrated on the expanded search, reads the closer of the two.
        """
        vectors = self.embedder.encode([*query.searched, query.typed])
        return vectors[:-1], vectors

    def candidates(
        self,
        query: Query,
        vectors: np.ndarray,
        ask_vectors: np.ndarray,
        audience: str | None = None,
    ) -> list[Candidate]:
        """Every paragraph any search found for the question or one of its parts, scored.

        Each text is searched three ways: paragraph vectors, the vectors of the questions
        each paragraph answers, and BM25 over the paragraph with its headings and questions
        (for the whole question, BM25 reads ``query.keywords``, and the question search
        the typed question: ``ask_vectors`` are ``encode``'s second).
        A candidate's features are its best value over the texts, so each part of a two-part
        question brings its own paragraphs; ``assistant/policy/weights.yaml`` turns them
        into a probability that the paragraph answers the question.  A paragraph on another
        kind of order than the one asked about ("interim", ``narrowing.yaml``) reads much like
        the right one to every signal, so its probability is cut.
        """
        s = self.settings
        searched = query.searched
        asks: dict[str, float] = {}
        bm25: dict[str, float] = {}
        rrf: dict[str, float] = {}
        ask_searches = self.snapshot.ask_searches(ask_vectors, s.candidate_k)
        typed = ask_searches.pop()  # encode() puts the typed question last
        closest = dict(ask_searches[0])  # the expanded question's, for the refusal gate
        ask_searches[0] = typed
        dense_searches = self.snapshot.dense_searches(vectors, s.candidate_k)
        for i, (text, ask_hits, dense) in enumerate(
            zip(searched, ask_searches, dense_searches, strict=True)
        ):
            keyword_query = query.keywords if i == 0 else self.with_expansions(text)
            keyword = self.snapshot.keyword_search(keyword_query, s.candidate_k)
            top = keyword[0][1] if keyword else 1.0
            for chunk_id, score in keyword:
                bm25[chunk_id] = max(bm25.get(chunk_id, 0.0), score / top)
            for chunk_id, score in ask_hits:
                asks[chunk_id] = max(asks.get(chunk_id, 0.0), score)
                closest[chunk_id] = max(closest.get(chunk_id, 0.0), score)
            for weight, ranking in (
                (s.dense_weight, dense),
                (s.ask_weight, ask_hits),
                (s.bm25_weight, keyword),
            ):
                for rank, (chunk_id, _) in enumerate(ranking[: s.candidate_k]):
                    rrf[chunk_id] = rrf.get(chunk_id, 0.0) + weight / (s.rrf_k + rank + 1)
        ids = list(rrf)
        if not ids:
            return []
        chunks = [self.snapshot.by_id[c] for c in ids]
        cosines = self.sentence_vectors([c.embed_text for c in chunks]) @ vectors.T
        scale = len(searched) * (s.dense_weight + s.ask_weight + s.bm25_weight) / (s.rrf_k + 1)
        narrowed = narrowing()
        found: list[Candidate] = []
        for i, (chunk_id, chunk) in enumerate(zip(ids, chunks, strict=True)):
            features = {
                "dense": float(cosines[i].max()),
                "dense_whole": float(cosines[i, 0]),
                # A paragraph nobody wrote questions for (a maintainer's new PDF) is judged
                # by its closest sentence (indexing.question_entries), or its whole text,
                # rather than scored as if no question matched it.
                "ask": asks.get(chunk_id, 0.0)
                if chunk.asks
                else max(asks.get(chunk_id, 0.0), float(cosines[i].max())),
                "bm25": bm25.get(chunk_id, 0.0),
                "rrf": rrf[chunk_id] / scale,
                "glossary": float(chunk.doc_id == s.glossary_doc_id),
            }
            probability = self.scorer.probability(features)
            if audience and chunk.audiences and audience not in chunk.audiences:
                probability *= s.audience_weight
            if narrowed.away(searched[0], chunk.text):
                probability *= narrowed.weight
            closest_ask = max(features["ask"], closest.get(chunk_id, 0.0))
            found.append(Candidate(chunk, features, probability, closest_ask))
        return found

    def related(self, text: str) -> list[str]:
        """The related-terms groups a question fires, as typed or with its typos corrected.

        Related terms match whole words, so they read the corrected question even where the
        search reads it as typed ("can he apeal ..."); and the typed one too, because the
        speller knows only the notes' words and may "correct" a real word they never use
        ("disproportionate" read as "disproportionately").
        """
        corrected = self.speller.correct(text)
        return [g.add for g in related_terms() if g.fires(corrected) or g.fires(text)]

    def with_expansions(self, text: str) -> str:
        """A part of the question with its own glossary and related-terms expansions."""
        extra = [f"{t} {e}" for t, e in self.glossary.expand(text).items()]
        extra += self.related(text)
        return " ".join([text, *extra])

    def _siblings(
        self, best: list[Passage], taken: list[Passage], vector: np.ndarray
    ) -> list[Passage]:
        """Paragraphs of the same section as the best hits: facts often span a section."""
        seen = {p.chunk.chunk_id for p in taken}
        found: list[Chunk] = []
        for passage in best:
            for chunk in self._sections.get(_section_key(passage.chunk), []):
                if chunk.chunk_id not in seen:
                    seen.add(chunk.chunk_id)
                    found.append(chunk)
        if not found:
            return []
        vectors = self.embedder.embed_cached([c.embed_text for c in found])
        rank = len(taken)
        return [
            Passage(chunk, 0.0, float(v @ vector), rank + i)
            for i, (chunk, v) in enumerate(zip(found, vectors, strict=True))
        ]

    def term_coverage(self, query: str, text: str) -> float:
        """IDF-weighted share of the query's words found in ``text``: rare words count most."""
        wanted = set(word_tokens(query))
        if not wanted:
            return 0.0
        have = set(word_tokens(text))
        weights = {t: self.idf.get(t, self._unseen_idf) for t in wanted}
        return sum(w for t, w in weights.items() if t in have) / sum(weights.values())

    def sentence_vectors(self, sentences: list[str]) -> np.ndarray:
        """Embeddings of passage sentences, memoised per snapshot (the corpus is immutable)."""
        with self._lock:
            todo = [t for t in dict.fromkeys(sentences) if t not in self._sentence_vectors]
        if todo:
            vectors = self.embedder.embed_cached(todo)
            with self._lock:
                self._sentence_vectors.update(zip(todo, vectors, strict=True))
        if not sentences:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        return np.stack([self._sentence_vectors[t] for t in sentences])


_PART_BREAK = re.compile(
    r"[?;]\s+|\?$|\n+|,?\s+(?:and|also|plus)\s+(?=(?:how|what|when|where|who|which|why|is|are|can|could|does|do|did|should|must|will|would|has|have)\b)",
    re.IGNORECASE,
)
_LEADING_JOIN = re.compile(r"^(?:and|also|plus|but|so)\s+", re.IGNORECASE)


def question_parts(question: str) -> list[str]:
    """A multi-part question answered part by part.

    Only the sentences that ask are split: the story an officer tells first ("Her ex keeps
    turning up at her work.") is searched with the whole question but is not a part to
    answer.  Asking sentences split at semicolons and at "and" before a new question word
    ("... and how long does it last?").  A part that leans on the one before ("what do I need
    for it?") carries that part with it, so it is searched and judged as the officer meant it.
    """
    asked = asking_sentences(question)
    pieces: list[str] = []
    for sentence in asked or [question]:
        pieces += [_LEADING_JOIN.sub("", p.strip(" .,")) for p in _PART_BREAK.split(sentence) if p]
    parts = [p for p in pieces if len(p.split()) >= 3 or len(word_tokens(p)) >= 2]
    if not 1 < len(parts) <= 4:
        return [question]
    for i in range(1, len(parts)):
        if follow_up_policy().leaning.search(parts[i]) and len(word_tokens(parts[i])) < 3:
            parts[i] = f"{parts[i - 1]}: {parts[i]}"
    return parts


def _section_key(chunk: Chunk) -> tuple[str, tuple[str, ...]]:
    return (chunk.doc_id, chunk.heading_path)


def focus(question: str, long_chars: int = 400) -> str:
    """For pasted material, search on what is asked: its questions, not the whole paste."""
    if len(question) <= long_chars:
        return question
    asked = [s for s in split_sentences(question) if s.rstrip().endswith("?")]
    return " ".join(asked[:3]) if asked else question[:long_chars]


def _near_duplicate(a: Chunk, b: Chunk) -> bool:
    """Two passages saying the same thing waste an officer's attention: keep the better one."""
    return token_overlap(a.text, b.text) > 0.85 and token_overlap(b.text, a.text) > 0.85
