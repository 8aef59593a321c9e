"""Typed records passed between pipeline stages.

Content hashes are first-class: a document's hash decides whether it changed, and a chunk's
hash (of exactly the text that is embedded) keys the embedding cache, so identical text is
never embedded twice, whatever file it moved to.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

# What the vector store holds per entry: (id, text to embed, metadata Chroma can keep).
StoreEntry = tuple[str, str, dict[str, str | int]]


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ParagraphNotes:
    """What the writer of a note says about one paragraph, beside its text.

    ``kind`` lets the answerer quote a case report or background only when it is asked
    for; ``audience`` lets it prefer the reader's role; ``asks`` are questions the paragraph
    answers, in an officer's words, indexed beside it so a question worded differently from
    the guidance still finds it.  All three are optional: a paragraph without notes is a
    rule for every audience, found by its own words only.
    """

    kind: str = ""  # one of the kinds in assistant/policy/paragraphs.yaml; "" = not stated
    audience: tuple[str, ...] = ()  # roles it is written for; () = every role
    asks: tuple[str, ...] = ()


NO_NOTES = ParagraphNotes()


@dataclass(frozen=True)
class Block:
    """One structural unit as a loader found it, before numbering is interpreted."""

    kind: str  # "heading", "para", or "item" (a list item: part of the numbered paragraph above)
    text: str
    level: int = 0  # heading level (1 = title level); 0 for paragraphs
    page: int | None = None  # 1-based page for paged formats
    notes: ParagraphNotes = NO_NOTES
    page_end: int | None = None  # last page, when the block runs over a page break
    number: str | None = None  # the format's own numbering (Word lists); None = read from text


@dataclass(frozen=True)
class DocumentMeta:
    doc_id: str
    title: str
    audience: str = "all"
    edition: str = ""
    effective_date: str = ""
    status: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Paragraph:
    """A paragraph with the structure that a citation needs."""

    text: str
    number: str | None  # "4.2" where the document numbers its paragraphs
    heading_path: tuple[str, ...]
    page: int | None = None
    notes: ParagraphNotes = NO_NOTES
    page_end: int | None = None  # last page when the paragraph crosses a page break


@dataclass(frozen=True)
class Document:
    meta: DocumentMeta
    source_path: str  # relative to the corpus folder
    format: str  # md, txt, html, pdf, docx
    content_hash: str  # of the file's bytes
    paragraphs: tuple[Paragraph, ...]
    warnings: tuple[str, ...] = ()  # loaded, but a maintainer should fix these
    furniture: tuple[str, ...] = ()  # header and footer lines the loader removed

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id


@dataclass(frozen=True)
class Chunk:
    """The unit that is embedded, searched and cited."""

    chunk_id: str
    doc_id: str
    title: str
    edition: str
    effective_date: str
    heading_path: tuple[str, ...]
    paragraphs: tuple[str, ...]  # paragraph numbers covered, e.g. ("4.2",)
    page: int | None
    source_path: str
    text: str
    content_hash: str  # of embed_text, the embedding cache key
    audience: str = "all"  # "all", or the roles it is written for joined by ","
    position: int = 0  # order within the document
    kind: str = ""  # rule, procedure, case, background, definition; "" = not stated
    asks: tuple[str, ...] = ()  # questions it answers, indexed beside it
    page_end: int | None = None  # last page when the text runs over a page break

    @property
    def audiences(self) -> tuple[str, ...]:
        """The roles this chunk is written for; () means every role."""
        return () if self.audience in ("", "all") else tuple(self.audience.split(","))

    @property
    def embed_text(self) -> str:
        """Title and heading path travel with the text so a bare paragraph still matches."""
        return compose_embed_text(self.title, self.heading_path, self.text)

    @property
    def section(self) -> str:
        return self.heading_path[-1] if self.heading_path else ""

    @property
    def para_label(self) -> str:
        if not self.paragraphs:
            return ""
        if len(self.paragraphs) == 1:
            return self.paragraphs[0]
        return f"{self.paragraphs[0]}-{self.paragraphs[-1]}"

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Chunk:
        data = dict(record)
        data["heading_path"] = tuple(data["heading_path"])
        data["paragraphs"] = tuple(data["paragraphs"])
        data["asks"] = tuple(data.get("asks", ()))
        return cls(**data)

    def chroma_metadata(self) -> dict[str, str | int]:
        """Chroma keeps only scalars, so tuples are joined; -1 stands for 'no page'."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "edition": self.edition,
            "effective_date": self.effective_date,
            "heading_path": " > ".join(self.heading_path),
            "paragraphs": ",".join(self.paragraphs),
            "page": self.page if self.page is not None else -1,
            "source_path": self.source_path,
            "content_hash": self.content_hash,
            "position": self.position,
            "audience": self.audience,
            "kind": self.kind,
            "entry": "chunk",
        }

    def chroma_entry(self) -> StoreEntry:
        """(id, text, metadata) of the paragraph itself in the vector store."""
        return (self.chunk_id, self.embed_text, self.chroma_metadata())

    def ask_entries(self, stand_ins: tuple[str, ...] = ()) -> list[StoreEntry]:
        """(id, text, metadata) of the questions this chunk answers, indexed beside it, or of
        ``stand_ins`` when none are written (see ``indexing.question_entries``).

        Each resolves to the chunk (``of``), which is what is quoted and cited: the question
        only helps a differently worded query find the paragraph.
        """
        return [
            (
                f"{self.chunk_id}?ask{i}",
                ask,
                {"entry": "ask", "of": self.chunk_id, "doc_id": self.doc_id},
            )
            for i, ask in enumerate(self.asks or stand_ins)
        ]

    @property
    def keyword_text(self) -> str:
        """What BM25 indexes: the text with its headings, and the questions it answers."""
        return " ".join([self.embed_text, *self.asks])


def compose_embed_text(title: str, heading_path: tuple[str, ...], text: str) -> str:
    prefix = " > ".join((title, *heading_path))
    return f"{prefix}\n{text}"


@dataclass
class DocumentChange:
    """How one document differs between the live index and the corpus on disk."""

    doc_id: str
    status: str  # added, changed, removed, unchanged, renamed, failed
    path: str
    chunks: int = 0
    previous_path: str | None = None
    changed_sections: list[str] = field(default_factory=list)
    error: str | None = None
    added_sections: list[str] = field(default_factory=list)
    removed_sections: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Citation:
    """Everything an officer needs to check one cited passage."""

    marker: int  # the n in [n]
    chunk_id: str
    doc_id: str
    title: str
    section: str  # heading path joined with " > "
    paragraphs: str  # "7.3" or "7.3-7.4"
    page: int | None
    edition: str
    effective_date: str
    source_path: str
    quote: str  # the exact passage text as indexed
    page_end: int | None = None  # last page when the passage runs over a page break

    @property
    def _spans_pages(self) -> bool:
        return bool(self.page and self.page_end and self.page_end != self.page)

    @property
    def pages(self) -> str:
        """'p. 4', or 'pp. 4-5' for a passage that crosses a page break; '' without pages."""
        if not self.page:
            return ""
        return f"pp. {self.page}-{self.page_end}" if self._spans_pages else f"p. {self.page}"

    @property
    def details(self) -> list[tuple[str, str]]:
        """Where the passage stands and which edition it is from, as (name, value) pairs for
        what the document gives: the app's citation and the transcript both show these."""
        named = [
            ("Section", self.section),
            ("Paragraph", self.paragraphs),
            ("Pages", f"{self.page}-{self.page_end}")
            if self._spans_pages
            else ("Page", str(self.page or "")),
            ("Edition", self.edition),
            ("Effective date", self.effective_date),
        ]
        return [(name, value) for name, value in named if value]

    @property
    def label(self) -> str:
        """Title, paragraph (or section) and pages, leaving out what the document lacks: a
        maintainer's unnumbered note with no headings is cited by its title alone."""
        where = f"para {self.paragraphs}" if self.paragraphs else self.section
        return ", ".join(part for part in (self.title, where, self.pages) if part)


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    citations: tuple[int, ...]  # markers of the citations supporting this sentence
    supported: bool = True  # False when the support check flagged a generated sentence
    support: float = 1.0  # support score against the cited passage (1.0 for quotations)


@dataclass
class Answer:
    """What :meth:`Assistant.ask` returns; ``text`` carries inline [n] markers."""

    question: str
    text: str
    sentences: list[AnswerSentence]
    citations: list[Citation]
    refused: bool
    refusal_reason: str | None = None  # out_of_scope, not_found, injection, empty, ...
    notices: list[str] = field(default_factory=list)  # e.g. "question cut to 2000 characters"
    corpus_version: str = ""
    mode: str = "extractive"  # or the generative backend's name
    timings: dict[str, float] = field(default_factory=dict)  # milliseconds per stage
    retrieval_query: str = ""
    retrieved: list[str] = field(default_factory=list)  # chunk ids searched out, best first
    top_score: float = 0.0
    audience: str | None = None  # the reader's role the answer was asked for
    # roles of the cited paragraphs that are not the reader's
    other_audiences: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
